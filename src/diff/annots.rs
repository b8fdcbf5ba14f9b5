//! Page and annotation rules: page dictionaries, `/Annots` lists, annotations added,
//! changed or removed, and whether they hide signed content.

use super::*;

/// The appearance streams an annotation's `/AP` names directly (`/N`, `/R`, `/D`, each a
/// stream or a dictionary of states).
pub(super) fn appearance_streams(doc: &Document, rev: usize, annot: &Dict) -> Vec<ObjRef> {
    let mut out = Vec::new();
    let Some(ap) = annot.get(b"AP") else {
        return out;
    };
    if let Some(r) = ap.as_ref() {
        out.push(r);
    }
    let Ok(Object::Dict(ap)) = doc.deref_in(rev, ap) else {
        return out;
    };
    for (_, v) in ap.iter().take(8) {
        if let Some(r) = v.as_ref() {
            out.push(r);
        }
        if let Ok(Object::Dict(states)) = doc.deref_in(rev, v) {
            out.extend(states.iter().take(32).filter_map(|(_, s)| s.as_ref()));
        }
    }
    out
}

pub(super) fn is_annotation(d: &Dict) -> bool {
    d.get_name(b"Type") == Some(b"Annot") || (d.contains(b"Subtype") && d.contains(b"Rect"))
}

/// An existing (non-widget) annotation changed.
pub(super) fn classify_annotation_change(cx: &Cx<'_>, r: ObjRef, od: &Dict, nd: &Dict, out: &mut Vec<Change>) {
    let rev = cx.new;
    let sub = name_of(nd.get_name(b"Subtype").or(od.get_name(b"Subtype")));
    let page = cx.page_of(rev, r, nd);
    let label = page
        .map(|p| cx.page_label(p))
        .unwrap_or_else(|| "no page".into());
    let desc = format!("annotation {sub} changed on {label}");
    if !cx.perms.annotations {
        out.push(change(
            rev,
            Some(r),
            desc,
            false,
            cx.perms.annotation_reason(false),
        ));
        return;
    }
    if let Some(kind) = page.and_then(|p| hides(cx, r, p, nd)) {
        out.push(change(
            rev,
            Some(r),
            format!("{desc} over {}", kind.as_str()),
            false,
            "an annotation that covers signed content can hide or replace it (Evil Annotation Attack)",
        ));
        return;
    }
    out.push(change(
        rev,
        Some(r),
        desc,
        true,
        cx.perms.annotation_reason(true),
    ));
}

/// Whether an annotation (as in the new view) hides signed content: it paints, covers
/// something the signed page shows, and is not a note or text markup drawing only shapes.
pub(super) fn hides(cx: &Cx<'_>, r: ObjRef, page: ObjRef, nd: &Dict) -> Option<Painted> {
    let doc = cx.doc;
    if !overlay::annotation_paints(doc, cx.new, nd) {
        return None;
    }
    let rect = overlay::rect_in(cx.doc, cx.new, nd)?;
    let kind = cx.covered(page, &rect, r)?;
    let benign_type = matches!(
        nd.get_name(b"Subtype"),
        Some(b"Text" | b"Popup" | b"Highlight" | b"Underline" | b"StrikeOut" | b"Squiggly")
    );
    let shapes_only = overlay::appearance_kinds(doc, cx.new, nd)
        .unwrap_or_default()
        .iter()
        .all(|k| *k == Painted::Graphics);
    if benign_type && shapes_only {
        None
    } else {
        Some(kind)
    }
}

pub(super) fn classify_page(cx: &Cx<'_>, r: ObjRef, od: &Dict, nd: &Dict, out: &mut Vec<Change>) {
    let label = cx.page_label(r);
    for k in changed_keys(cx.doc, od, nd) {
        match k.as_str() {
            "Annots" => annots_diff(cx, r, out),
            "Contents" => out.push(change(
                cx.new,
                Some(r),
                format!("{label} content stream replaced"),
                false,
                "page content may not change after signing",
            )),
            "Resources" => out.push(change(
                cx.new,
                Some(r),
                format!("{label} resources replaced"),
                false,
                "page resources (fonts, images) may not change after signing",
            )),
            _ => out.push(change(
                cx.new,
                Some(r),
                format!("{label} entry /{k} changed"),
                false,
                "page properties may not change after signing",
            )),
        }
    }
}

/// The annotations of `page` (old vs new view): each added or removed one, once per page.
pub(super) fn annots_diff(cx: &Cx<'_>, page: ObjRef, out: &mut Vec<Change>) {
    if !cx.pages_done.borrow_mut().insert(page) {
        return;
    }
    let doc = cx.doc;
    let rev = cx.new;
    let label = cx.page_label(page);
    let (old_list, old_direct) = ref_list(doc, cx.old, cx.dict(cx.old, page).get(b"Annots"));
    let (new_list, new_direct) = ref_list(doc, rev, cx.dict(rev, page).get(b"Annots"));
    if old_direct || new_direct {
        let od = cx.dict(cx.old, page);
        let nd = cx.dict(rev, page);
        let (a, b) = (
            od.get(b"Annots")
                .map(|a| doc.deref_in(cx.old, a).unwrap_or(Object::Null)),
            nd.get(b"Annots")
                .map(|a| doc.deref_in(rev, a).unwrap_or(Object::Null)),
        );
        let unchanged = match (&a, &b) {
            (Some(x), Some(y)) => same(doc, x, y),
            (None, None) => true,
            _ => false,
        };
        if !unchanged {
            out.push(change(
                rev,
                Some(page),
                format!("annotations array of {label} changed"),
                false,
                "annotations must be indirect objects",
            ));
            return;
        }
    }
    for a in new_list.iter().filter(|a| !old_list.contains(a)) {
        let ad = cx.dict(rev, *a);
        if let Some(&i) = cx.new_sig_fields.get(a) {
            let f = &cx.new_fields[i];
            let ok = cx.may_add_signature_field(i);
            out.push(change(
                rev,
                Some(*a),
                format!("signature widget of {} added to {label}", f.name),
                ok,
                if ok {
                    "bookkeeping for a new signature".to_string()
                } else {
                    cx.perms.signing_reason(false)
                },
            ));
            continue;
        }
        let sub = name_of(ad.get_name(b"Subtype"));
        if cx.is_new(*a) && is_annotation(&ad) && ad.get_name(b"Subtype") != Some(b"Widget") {
            let desc = format!("annotation {sub} added on {label}");
            if !cx.perms.annotations {
                out.push(change(
                    rev,
                    Some(*a),
                    desc,
                    false,
                    cx.perms.annotation_reason(false),
                ));
            } else if let Some(kind) = hides(cx, *a, page, &ad) {
                out.push(change(
                    rev,
                    Some(*a),
                    format!("{desc} over {}", kind.as_str()),
                    false,
                    "an annotation that covers signed content can hide or replace it (Evil Annotation Attack)",
                ));
            } else {
                out.push(change(
                    rev,
                    Some(*a),
                    desc,
                    true,
                    cx.perms.annotation_reason(true),
                ));
            }
            continue;
        }
        let what = if ad.get_name(b"Subtype") == Some(b"Widget") {
            "form field widget".to_string()
        } else if is_annotation(&ad) {
            format!("annotation {sub}")
        } else {
            describe(&cx.obj(rev, *a))
        };
        out.push(change(
            rev,
            Some(*a),
            format!("{what} added on {label}"),
            false,
            "only signature widgets (and, where permitted, annotations) may be added",
        ));
    }
    for a in old_list.iter().filter(|a| !new_list.contains(a)) {
        let ad = cx.dict(cx.old, *a);
        let sub = name_of(ad.get_name(b"Subtype"));
        let widget = ad.get_name(b"Subtype") == Some(b"Widget") || cx.old_field_of.contains_key(a);
        let ok = !widget && cx.perms.annotations;
        out.push(change(
            rev,
            Some(*a),
            if widget {
                format!("form field widget removed from {label}")
            } else {
                format!("annotation {sub} removed from {label}")
            },
            ok,
            if widget {
                "form field widgets may not be removed".to_string()
            } else {
                cx.perms.annotation_reason(ok)
            },
        ));
    }
}

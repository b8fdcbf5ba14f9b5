//! Field rules: filling existing fields (values, states, regenerated appearances, never over
//! signed content), new signature fields and their widgets, the form's `/Fields`.

use super::*;

/// A field value or appearance changed: filling, if permitted and not locked.
pub(super) fn fill_change(cx: &Cx<'_>, r: ObjRef, f: &Field, description: String, out: &mut Vec<Change>) {
    let rev = cx.new;
    if let Some(by) = cx.perms.locked_by(&f.name) {
        out.push(change(
            rev,
            Some(r),
            description,
            false,
            format!("field {} is locked by the signature in field {by}", f.name),
        ));
        return;
    }
    if f.dict.get_int(b"Ff").unwrap_or(0) & 1 != 0 {
        out.push(change(
            rev,
            Some(r),
            description,
            false,
            format!("field {} is read-only", f.name),
        ));
        return;
    }
    let ok = cx.perms.form_filling;
    if ok {
        // The filled field may paint only inside its own rectangle (an appearance is
        // mapped onto it), and that rectangle may not lie over signed text or images: an
        // empty field placed over signed text and filled later hides and replaces it (the
        // "replace" shadow attack, Mainka et al., NDSS 2021).
        for w in f.object.iter().chain(f.widgets.iter()) {
            let wd = cx.dict(rev, *w);
            if !overlay::annotation_paints(cx.doc, rev, &wd) {
                continue;
            }
            let (Some(rect), Some(page)) = (
                overlay::rect_in(cx.doc, rev, &wd),
                cx.page_of(rev, *w, &wd),
            ) else {
                continue;
            };
            if let Some(kind) = cx.covered_content(page, &rect) {
                out.push(change(
                    rev,
                    Some(r),
                    format!("{description} over signed {} on {}", kind.as_str(), cx.page_label(page)),
                    false,
                    "a filled field may not cover signed text or images (shadow attack)",
                ));
                return;
            }
        }
    }
    out.push(change(
        rev,
        Some(r),
        description,
        ok,
        cx.perms.filling_reason(ok),
    ));
}

/// A signature field (or one of its widgets) new in this revision.
pub(super) fn new_signature_field(cx: &Cx<'_>, r: ObjRef, i: usize, out: &mut Vec<Change>) {
    let rev = cx.new;
    let f = &cx.new_fields[i];
    let is_field = f.object == Some(r);
    let what = if is_field {
        format!("signature field {} added", f.name)
    } else {
        format!("widget of signature field {} added", f.name)
    };
    let ok = cx.may_add_signature_field(i);
    if !ok {
        out.push(change(
            rev,
            Some(r),
            what,
            false,
            cx.perms.signing_reason(false),
        ));
        return;
    }
    // Sneaky Signature Attack: the widget must not paint over signed content.
    let wd = cx.dict(rev, r);
    if f.widgets.contains(&r) && overlay::annotation_paints(cx.doc, rev, &wd) {
        if let (Some(rect), Some(page)) = (
            overlay::rect_in(cx.doc, rev, &wd),
            cx.page_of(rev, r, &wd),
        ) {
            if let Some(kind) = cx.covered(page, &rect, r) {
                out.push(change(
                    rev,
                    Some(r),
                    format!("{what} over {} on {}", kind.as_str(), cx.page_label(page)),
                    false,
                    "a signature appearance added after signing may not cover signed content (Sneaky Signature Attack)",
                ));
                return;
            }
        }
    }
    out.push(change(
        rev,
        Some(r),
        what,
        true,
        if cx.is_doc_timestamp_field(i) {
            "document time-stamps are always allowed".to_string()
        } else {
            cx.perms.signing_reason(true)
        },
    ));
}

pub(super) fn same_rect(a: &overlay::Rect, b: &overlay::Rect) -> bool {
    a.iter().zip(b).all(|(x, y)| (x - y).abs() < 0.01)
}

/// The area of the intersection of two rectangles.
pub(super) fn overlap_area(a: &overlay::Rect, b: &overlay::Rect) -> f64 {
    let w = a[2].min(b[2]) - a[0].max(b[0]);
    let h = a[3].min(b[3]) - a[1].max(b[1]);
    w.max(0.0) * h.max(0.0)
}

pub(super) fn classify_field(cx: &Cx<'_>, r: ObjRef, i: usize, od: &Dict, nd: &Dict, out: &mut Vec<Change>) {
    let doc = cx.doc;
    let rev = cx.new;
    let f = &cx.old_fields[i];
    let keys = changed_keys(doc, od, nd);
    let is_widget = f.widgets.contains(&r);
    let is_field = f.object == Some(r);
    if f.is_signature() {
        let signing = is_field
            && !od.get(b"V").is_some_and(|v| !matches!(v, Object::Null))
            && nd
                .get(b"V")
                .and_then(Object::as_ref)
                .is_some_and(|v| cx.sig_values.contains(&v) && cx.is_new(v));
        let mut ok_keys = keys.iter().all(|k| matches!(k.as_str(), "V" | "AP" | "AS"));
        if !is_field {
            ok_keys &= !keys.iter().any(|k| k == "V");
        }
        let desc = if signing {
            format!("signature field {} signed", f.name)
        } else {
            format!("signature field {} changed ({})", f.name, keys.join(", "))
        };
        if !(ok_keys && (signing || (!is_field && is_widget))) {
            out.push(change(
                rev,
                Some(r),
                desc,
                false,
                "a signature field may only receive a new signature",
            ));
            return;
        }
        let ts = nd
            .get(b"V")
            .and_then(|v| doc.deref_in(rev, v).ok())
            .and_then(|v| {
                v.as_dict()
                    .and_then(|d| d.get_name(b"Type").map(<[u8]>::to_vec))
            })
            .as_deref()
            == Some(b"DocTimeStamp");
        if let Some(by) = cx.perms.locked_by(&f.name) {
            out.push(change(
                rev,
                Some(r),
                desc,
                false,
                format!("field {} is locked by the signature in field {by}", f.name),
            ));
            return;
        }
        if !(cx.perms.signing || ts) {
            out.push(change(
                rev,
                Some(r),
                desc,
                false,
                cx.perms.signing_reason(false),
            ));
            return;
        }
        if keys.iter().any(|k| k == "AP") && is_widget && overlay::annotation_paints(doc, rev, nd) {
            if let (Some(rect), Some(page)) = (
                overlay::rect_in(cx.doc, cx.new, nd),
                cx.page_of(rev, r, nd),
            ) {
                if let Some(kind) = cx.covered(page, &rect, r) {
                    out.push(change(
                        rev,
                        Some(r),
                        format!("{desc} with an appearance over {} on {}", kind.as_str(), cx.page_label(page)),
                        false,
                        "a signature appearance added after signing may not cover signed content (Sneaky Signature Attack)",
                    ));
                    return;
                }
            }
        }
        out.push(change(
            rev,
            Some(r),
            desc,
            true,
            if ts {
                "document time-stamps are always allowed".to_string()
            } else {
                cx.perms.signing_reason(true)
            },
        ));
        return;
    }
    // A non-signature field or its widget: filling changes /V (field), /AS and /AP.
    let allowed_keys: &[&str] = match (is_field, is_widget) {
        (true, true) => &["V", "AS", "AP"],
        (true, false) => &["V"],
        _ => &["AS", "AP"],
    };
    let fill = keys.iter().all(|k| allowed_keys.contains(&k.as_str()));
    if !fill {
        let moved = keys.iter().any(|k| k == "Rect");
        out.push(change(
            rev,
            Some(r),
            if moved {
                format!("field {} moved or resized", f.name)
            } else {
                format!("field {} changed ({})", f.name, keys.join(", "))
            },
            false,
            "only a field's value and appearance may change when it is filled",
        ));
        return;
    }
    fill_change(cx, r, f, format!("field {} filled", f.name), out);
}

/// The form's field list (old vs new): only new signature fields may be added. Once per
/// revision.
pub(super) fn fields_diff(cx: &Cx<'_>, r: ObjRef, out: &mut Vec<Change>) {
    if std::mem::replace(&mut *cx.fields_done.borrow_mut(), true) {
        return;
    }
    let doc = cx.doc;
    let list = |rev: usize| {
        crate::form::acroform_in(doc, rev)
            .ok()
            .flatten()
            .map(|(_, d)| ref_list(doc, rev, d.get(b"Fields")))
            .unwrap_or_default()
    };
    let (old, old_direct) = list(cx.old);
    let (new, new_direct) = list(cx.new);
    if old_direct || new_direct {
        out.push(change(
            cx.new,
            Some(r),
            "form field list changed",
            false,
            "form fields must be indirect objects",
        ));
        return;
    }
    for a in new.iter().filter(|n| !old.contains(n)) {
        match cx.new_sig_fields.get(a) {
            Some(&i) => {
                let ok = cx.may_add_signature_field(i);
                out.push(change(
                    cx.new,
                    Some(*a),
                    format!(
                        "signature field {} added to the form",
                        cx.new_fields[i].name
                    ),
                    ok,
                    if ok {
                        "bookkeeping for a new signature".to_string()
                    } else {
                        cx.perms.signing_reason(false)
                    },
                ));
            }
            None => out.push(change(
                cx.new,
                Some(*a),
                format!("form field {} added", text_of(&cx.dict(cx.new, *a), b"T")),
                false,
                "only signature fields may be added after signing",
            )),
        }
    }
    for a in old.iter().filter(|o| !new.contains(o)) {
        out.push(change(
            cx.new,
            Some(*a),
            format!("form field {} removed", text_of(&cx.dict(cx.old, *a), b"T")),
            false,
            "form fields may not be removed after signing",
        ));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rectangles_compare_with_a_tolerance_and_overlap_by_area() {
        let a = [0.0, 0.0, 100.0, 50.0];
        assert!(same_rect(&a, &[0.004, 0.0, 100.0, 50.0]));
        assert!(!same_rect(&a, &[0.0, 0.0, 100.0, 51.0]));
        assert_eq!(overlap_area(&a, &[50.0, 25.0, 150.0, 75.0]), 50.0 * 25.0);
        assert_eq!(overlap_area(&a, &[200.0, 0.0, 300.0, 50.0]), 0.0);
        // Half of a signature's widget (Decree 30: a seal over at most half of it).
        let seal = [50.0, 0.0, 150.0, 50.0];
        assert_eq!(overlap_area(&a, &seal) / (100.0 * 50.0), 0.5);
    }
}

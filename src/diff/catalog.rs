//! Catalog, form-level, metadata and structure-tree rules: a rewritten `/Root` or `/Info`
//! (rules `catalog-rewritten`, `info-rewritten`), catalog entries, `/AcroForm` defaults
//! (`form-defaults`), XMP properties, the structure tree (`structure-tree`).

use super::*;

/// Real signers sometimes write the catalog or `/Info` as a new object instead of updating
/// it in place (rule "catalog rewritten", "information rewritten"): allowed when the new
/// object's content equals the old one's except for the keys a signer updates, judged as if
/// the old object had been updated in place. Anything else is a replaced catalog or `/Info`.
pub(super) fn rewritten_catalog_and_info(cx: &mut Cx<'_>, out: &mut Vec<Change>) {
    let (doc, old, new) = (cx.doc, cx.old, cx.new);
    let (old_root, new_root) = (
        doc.trailer(old).get_ref(b"Root"),
        doc.trailer(new).get_ref(b"Root"),
    );
    if old_root != new_root {
        let done = rewritten_catalog(cx, old_root, new_root, out);
        if !done {
            out.push(change(
                new,
                new_root,
                "the document catalog (/Root) was replaced by another object",
                false,
                "the catalog may only be updated in place, or rewritten with the same content",
            ));
        }
    }
    let (old_info, new_info) = (
        doc.trailer(old).get_ref(b"Info"),
        doc.trailer(new).get_ref(b"Info"),
    );
    if old_info.is_some() && old_info != new_info && !rewritten_info(cx, old_info, new_info, out) {
        out.push(change(
            new,
            new_info,
            if new_info.is_some() {
                "the document information dictionary (/Info) was replaced by another object"
            } else {
                "the document information dictionary (/Info) was removed"
            },
            false,
            "document metadata may not change after signing",
        ));
    }
}

/// Rule "catalog rewritten" (see [`rewritten_catalog_and_info`]); whether it applied.
pub(super) fn rewritten_catalog(
    cx: &mut Cx<'_>,
    old_root: Option<ObjRef>,
    new_root: Option<ObjRef>,
    out: &mut Vec<Change>,
) -> bool {
    let (doc, old, new) = (cx.doc, cx.old, cx.new);
    if let (Some(a), Some(b)) = (old_root, new_root) {
        if cx.is_new(b) && !cx.old_doc_reach().contains(&b.num) {
            let (od, nd) = (cx.dict(old, a), cx.dict(new, b));
            if od.get_name(b"Type") == Some(b"Catalog") && nd.get_name(b"Type") == Some(b"Catalog")
            {
                // The original catalog's object must not be reused for something else.
                let reused = !matches!(cx.obj(new, a), Object::Null)
                    && !same(doc, &cx.obj(old, a), &cx.obj(new, a));
                if !reused {
                    let mut judged = Vec::new();
                    classify_catalog(cx, b, &od, &nd, &mut judged);
                    let ok = judged.iter().all(|c| c.allowed);
                    out.push(change(
                        new,
                        Some(b),
                        format!(
                            "the document catalog was rewritten as object {} with the same content{}",
                            b.num,
                            if judged.is_empty() { "" } else { " but for the changes below" }
                        ),
                        ok,
                        if ok {
                            "rule catalog-rewritten: signers such as PDFBox may write the catalog as a new object"
                        } else {
                            "the catalog may only be rewritten with changes a signer makes"
                        },
                    ));
                    out.extend(judged);
                    cx.judged_elsewhere.insert(b);
                    return true;
                }
            }
        }
    }
    false
}

/// Rule "information rewritten" (see [`rewritten_catalog_and_info`]); whether it applied.
pub(super) fn rewritten_info(
    cx: &mut Cx<'_>,
    old_info: Option<ObjRef>,
    new_info: Option<ObjRef>,
    out: &mut Vec<Change>,
) -> bool {
    let (doc, old, new) = (cx.doc, cx.old, cx.new);
    if let (Some(a), Some(b)) = (old_info, new_info) {
        if cx.is_new(b) && !cx.old_doc_reach().contains(&b.num) {
            let (od, nd) = (cx.dict(old, a), cx.dict(new, b));
            let keys = changed_keys(doc, &od, &nd);
            let ok = keys
                .iter()
                .all(|k| matches!(k.as_str(), "ModDate" | "Producer"));
            if ok {
                out.push(change(
                    new,
                    Some(b),
                    if keys.is_empty() {
                        "the document information dictionary was rewritten as a new object, unchanged"
                            .to_string()
                    } else {
                        format!(
                            "the document information dictionary was rewritten as a new object ({} updated)",
                            keys.join(", ")
                        )
                    },
                    true,
                    "rule info-rewritten: modification date and producer updates are allowed",
                ));
                cx.judged_elsewhere.insert(b);
                return true;
            }
        }
    }
    false
}

pub(super) fn classify_catalog(cx: &Cx<'_>, r: ObjRef, od: &Dict, nd: &Dict, out: &mut Vec<Change>) {
    let rev = cx.new;
    for k in changed_keys(cx.doc, od, nd) {
        match k.as_str() {
            "DSS" => out.push(change(
                rev,
                Some(r),
                if od.contains(b"DSS") {
                    "DSS updated"
                } else {
                    "DSS added"
                },
                true,
                "validation data is always allowed",
            )),
            "Extensions" => out.push(change(
                rev,
                Some(r),
                "developer extensions updated",
                true,
                "declaring PAdES extensions is allowed",
            )),
            "Version" => {
                let v = |d: &Dict| name_of(d.get_name(b"Version"));
                let (old, new) = (v(od), v(nd));
                let upgrade = !new.is_empty() && version_number(&new) >= version_number(&old);
                out.push(change(
                    rev,
                    Some(r),
                    format!("PDF version declared as {new}"),
                    upgrade,
                    if upgrade {
                        "declaring a newer PDF version does not change content"
                    } else {
                        "the declared version may only go up"
                    },
                ));
            }
            "Metadata" if nd.get_ref(b"Metadata").is_some_and(|m| is_xmp(cx, m)) => {
                let m = nd.get(b"Metadata").cloned().unwrap_or(Object::Null);
                let old_m = od
                    .get(b"Metadata")
                    .and_then(|x| cx.doc.deref_in(cx.old, x).ok())
                    .unwrap_or(Object::Null);
                let new_m = cx.doc.deref_in(rev, &m).unwrap_or(Object::Null);
                xmp_change(cx, r, &old_m, &new_m, "XMP metadata replaced", out);
            }
            "Metadata" => {
                let ok = false;
                out.push(change(
                    rev,
                    Some(r),
                    "XMP metadata replaced",
                    ok,
                    if ok {
                        "XMP metadata is not displayed content; signing tools update its dates"
                    } else {
                        "/Metadata must name an XMP stream"
                    },
                ));
            }
            "AcroForm" => match (od.get(b"AcroForm"), nd.get(b"AcroForm")) {
                (Some(Object::Dict(a)), Some(Object::Dict(b))) => {
                    classify_acroform(cx, r, a, b, out)
                }
                (None, Some(Object::Ref(a))) if cx.is_new(*a) => {
                    // Judged when the new form object itself is classified.
                }
                (None, Some(Object::Dict(b))) => classify_acroform(cx, r, &Dict::new(), b, out),
                _ => out.push(change(
                    rev,
                    Some(r),
                    "interactive form replaced",
                    false,
                    "the form dictionary may only gain signature fields",
                )),
            },
            "Pages" => out.push(change(
                rev,
                Some(r),
                "page tree (/Pages) replaced",
                false,
                "the pages may not change after signing",
            )),
            "Perms" => out.push(change(
                rev,
                Some(r),
                "document permissions (/Perms) changed",
                false,
                "certification and usage rights are fixed by the signed revision",
            )),
            "OCProperties" => out.push(change(
                rev,
                Some(r),
                "optional content (layer visibility) changed",
                false,
                "showing or hiding layers changes what the signed document shows",
            )),
            other => out.push(change(
                rev,
                Some(r),
                format!("document catalog entry /{other} changed"),
                false,
                "only /AcroForm, /DSS, /Extensions, /Metadata and /Version may change after signing",
            )),
        }
    }
}

pub(super) fn classify_acroform(cx: &Cx<'_>, r: ObjRef, od: &Dict, nd: &Dict, out: &mut Vec<Change>) {
    let rev = cx.new;
    for k in changed_keys(cx.doc, od, nd) {
        match k.as_str() {
            "Fields" => fields_diff(cx, r, out),
            "SigFlags" => out.push(change(
                rev,
                Some(r),
                "form signature flags set",
                true,
                "bookkeeping for a new signature",
            )),
            "DR" => {
                let added = only_additions(
                    cx,
                    od.get(b"DR").unwrap_or(&Object::Null),
                    nd.get(b"DR").unwrap_or(&Object::Null),
                    0,
                );
                let routine = !added && form_defaults_routine(cx, nd);
                let ok = added || routine;
                out.push(change(
                    rev,
                    Some(r),
                    if added {
                        "form default resources extended"
                    } else {
                        "form default resources replaced"
                    },
                    ok,
                    if added {
                        "new resources for new appearances"
                    } else if routine {
                        "rule form-defaults: signers set the form's default resources when adding a signature field; no existing field's appearance depends on them"
                    } else {
                        "replacing a form font or resource changes how fields are displayed"
                    },
                ));
            }
            "DA" => {
                let ok = form_defaults_routine(cx, nd);
                out.push(change(
                    rev,
                    Some(r),
                    "form default appearance (/DA) set",
                    ok,
                    if ok {
                        "rule form-defaults: signers set the form's default appearance when adding a signature field; no existing field's appearance depends on it"
                    } else {
                        "the form's default appearance is used to draw fields; it may only be set when a signature field is added and no field is drawn from it"
                    },
                ));
            }
            other => out.push(change(
                rev,
                Some(r),
                format!("form entry /{other} changed"),
                false,
                "not a signature bookkeeping change",
            )),
        }
    }
}

/// Rule "form defaults": the form's `/DA` or `/DR` may be set or changed by a revision that
/// adds a signature field (Acrobat, PDFBox and pyHanko set them then), when no existing
/// field can be drawn from them: `/NeedAppearances` is not set (viewers would regenerate
/// appearances from `/DA` and `/DR`) and every appearance stream of an existing field or
/// widget carries its own `/Resources`.
pub(super) fn form_defaults_routine(cx: &Cx<'_>, new_form: &Dict) -> bool {
    if !cx.adds_signature() {
        return false;
    }
    let needs = |d: &Dict| {
        d.get(b"NeedAppearances")
            .is_some_and(|v| !matches!(cx.doc.deref_in(cx.new, v), Ok(Object::Bool(false))))
    };
    let old_form = crate::form::acroform_in(cx.doc, cx.old)
        .ok()
        .flatten()
        .map(|(_, d)| d)
        .unwrap_or_default();
    if needs(new_form) || needs(&old_form) {
        return false;
    }
    cx.appearance_of.iter().all(|(ap, (field, _))| {
        field.is_none()
            || matches!(cx.obj(cx.old, *ap), Object::Stream(s) if s.dict.contains(b"Resources"))
    })
}

/// Whether `new` keeps every entry of `old` (dictionaries compared key by key, a few
/// levels deep, resolved in their views).
pub(super) fn only_additions(cx: &Cx<'_>, old: &Object, new: &Object, depth: usize) -> bool {
    let o = cx.doc.deref_in(cx.old, old).unwrap_or(Object::Null);
    let n = cx.doc.deref_in(cx.new, new).unwrap_or(Object::Null);
    match (&o, &n) {
        (Object::Null, _) => true,
        (Object::Dict(a), Object::Dict(b)) if depth < 3 => a.iter().all(|(k, v)| {
            b.get(k)
                .is_some_and(|w| same(cx.doc, v, w) || only_additions(cx, v, w, depth + 1))
        }),
        _ => same(cx.doc, &o, &n),
    }
}

/// Rule "structure tree": when a revision adds a signature field to a tagged PDF, signers
/// (Acrobat) add a structure element for its widget and register it in the parent tree.
/// Allowed for an object that is part of the structure tree only (in both views), in a
/// revision that adds a signature field, when the change only adds: every old entry kept,
/// except that `/K`, `/Kids` and `/Nums` arrays may gain elements and `/ParentTreeNextKey`
/// may grow. Whether it applied (then the change was reported).
pub(super) fn structure_change(cx: &Cx<'_>, r: ObjRef, out: &mut Vec<Change>) -> bool {
    if !cx.adds_signature() {
        return false;
    }
    let roles = cx.roles_of(r.num);
    if roles.is_empty() || roles.iter().any(|x| *x != Role::StructTree) {
        return false;
    }
    let old = cx.obj(cx.old, r);
    let new = cx.obj(cx.new, r);
    let added = matches!(old, Object::Null);
    if !added && !structure_additions(cx, &old, &new) {
        return false;
    }
    out.push(change(
        cx.new,
        Some(r),
        if added {
            "structure element added for a new signature widget"
        } else {
            "structure tree extended for a new signature widget"
        },
        true,
        "rule structure-tree: tagging a new signature widget is bookkeeping",
    ));
    true
}

pub(super) fn structure_additions(cx: &Cx<'_>, old: &Object, new: &Object) -> bool {
    let doc = cx.doc;
    let grows = |a: &Object, b: &Object| match (a, b) {
        (Object::Array(x), Object::Array(y)) => {
            x.iter().all(|v| y.iter().any(|w| same(doc, v, w)))
        }
        // A single kid that became an array of kids.
        (x, Object::Array(y)) => y.iter().any(|w| same(doc, x, w)),
        _ => false,
    };
    match (old, new) {
        (Object::Dict(a), Object::Dict(b)) => a.iter().all(|(k, v)| {
            b.get(k).is_some_and(|w| {
                same(doc, v, w)
                    || (matches!(k, b"K" | b"Kids" | b"Nums") && grows(v, w))
                    || (k == b"ParentTreeNextKey"
                        && v.as_int().zip(w.as_int()).is_some_and(|(x, y)| y >= x))
            })
        }),
        (Object::Array(_), Object::Array(_)) => grows(old, new),
        _ => false,
    }
}

/// An XMP metadata stream changed or added: not displayed content, but its title,
/// subject, description, creator and keywords are what a viewer shows as the document's
/// properties. Only dates, producer and identifiers are routine.
pub(super) fn xmp_change(
    cx: &Cx<'_>,
    r: ObjRef,
    old: &Object,
    new: &Object,
    what: &str,
    out: &mut Vec<Change>,
) {
    let text = |o: &Object, rev: usize| match o {
        Object::Stream(s) => cx.doc.stream_decoded(s).ok(),
        Object::Ref(x) => match cx.doc.resolve_in(rev, *x) {
            Ok(Object::Stream(s)) => cx.doc.stream_decoded(&s).ok(),
            _ => None,
        },
        _ => Some(Vec::new()),
    };
    let (a, b) = (text(old, cx.old), text(new, cx.new));
    let changed: Vec<&str> = match (&a, &b) {
        (Some(a), Some(b)) => XMP_PROPERTIES
            .iter()
            .copied()
            .filter(|p| {
                let (x, y) = (xmp_property(a, p), xmp_property(b, p));
                // Adding an XMP packet where there was none may state existing properties.
                !(x == y || (x.is_none() && matches!(old, Object::Null)))
            })
            .collect(),
        _ => vec!["(unreadable)"],
    };
    let ok = changed.is_empty();
    out.push(change(
        cx.new,
        Some(r),
        if ok {
            what.to_string()
        } else {
            format!("{what}: {} changed", changed.join(", "))
        },
        ok,
        if ok {
            "XMP metadata is not displayed content; signing tools update its dates".to_string()
        } else {
            "only dates, producer and identifiers in the metadata are routine; a changed title or subject is a modification".to_string()
        },
    ));
}

/// XMP properties whose change is not routine.
pub(super) const XMP_PROPERTIES: [&str; 6] = [
    "dc:title",
    "dc:subject",
    "dc:description",
    "dc:creator",
    "pdf:Keywords",
    "pdf:Subject",
];

/// The text of an XMP property (element or attribute form), whitespace collapsed and
/// markup removed; `None` when absent.
pub(super) fn xmp_property(xml: &[u8], name: &str) -> Option<String> {
    let s = String::from_utf8_lossy(xml);
    let open = format!("<{name}");
    let collapse = |t: &str| {
        let mut out = String::new();
        let mut in_tag = false;
        for c in t.chars() {
            match c {
                '<' => {
                    in_tag = true;
                    out.push(' ');
                }
                '>' => in_tag = false,
                _ if !in_tag => out.push(c),
                _ => {}
            }
        }
        out.split_whitespace().collect::<Vec<_>>().join(" ")
    };
    if let Some(i) = s.find(&open) {
        let rest = &s[i + open.len()..];
        // Not a longer name (dc:titleX).
        if rest.starts_with(|c: char| c == '>' || c == '/' || c.is_whitespace()) {
            let close = format!("</{name}>");
            let end = rest.find(&close).unwrap_or(rest.len());
            let body = &rest[..end];
            let body = body.split_once('>').map_or("", |(_, b)| b);
            return Some(collapse(body));
        }
    }
    let attr = format!("{name}=");
    let i = s.find(&attr)?;
    let rest = &s[i + attr.len()..];
    let q = rest.chars().next()?;
    let rest = &rest[q.len_utf8()..];
    let end = rest.find(q).unwrap_or(rest.len());
    Some(collapse(&rest[..end]))
}

/// Whether `r` is an XMP metadata stream (`/Type /Metadata /Subtype /XML`) in the new view.
pub(super) fn is_xmp(cx: &Cx<'_>, r: ObjRef) -> bool {
    matches!(cx.obj(cx.new, r), Object::Stream(s) if s.dict.get_name(b"Type") == Some(b"Metadata") && s.dict.get_name(b"Subtype") == Some(b"XML"))
}

/// "1.7" → 17, for comparing declared PDF versions.
pub(super) fn version_number(v: &str) -> u32 {
    let mut it = v.split('.').map(|p| p.parse::<u32>().unwrap_or(0));
    it.next().unwrap_or(0) * 10 + it.next().unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn xmp_properties_in_elements_and_attributes() {
        let xml = br#"<x:xmpmeta><rdf:Description pdf:Producer="kyso 0.2">
            <dc:title><rdf:Alt><rdf:li xml:lang="x-default">Gi&#7845;y ph&#233;p
              x&#226;y d&#7921;ng</rdf:li></rdf:Alt></dc:title>
            <dc:titleX>not this</dc:titleX>
            <pdf:Keywords/></rdf:Description></x:xmpmeta>"#;
        assert_eq!(
            xmp_property(xml, "dc:title").as_deref(),
            Some("Gi&#7845;y ph&#233;p x&#226;y d&#7921;ng")
        );
        assert_eq!(xmp_property(xml, "pdf:Producer").as_deref(), Some("kyso 0.2"));
        assert_eq!(xmp_property(xml, "pdf:Keywords").as_deref(), Some(""));
        assert_eq!(xmp_property(xml, "dc:subject"), None);
        // A longer name is not the property.
        assert_eq!(xmp_property(b"<dc:titleX>t</dc:titleX>", "dc:title"), None);
    }

    #[test]
    fn declared_versions_compare_as_numbers() {
        assert!(version_number("2.0") > version_number("1.7"));
        assert_eq!(version_number("1.7"), 17);
        assert_eq!(version_number("junk"), 0);
    }
}

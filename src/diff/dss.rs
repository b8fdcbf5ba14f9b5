//! Validation data: the `/DSS` and what it holds (always allowed, never anything else).

use super::*;

/// The DSS dictionary and the containers it holds by reference (its `/Certs`, `/OCSPs`,
/// `/CRLs` and `/VRI`, each VRI entry, and a VRI entry's `/Cert`, `/OCSP`, `/CRL` arrays) in
/// revision `rev`.
pub(super) fn dss_containers(doc: &Document, rev: usize) -> HashSet<ObjRef> {
    let mut out = HashSet::new();
    let Ok(catalog) = doc.catalog_in(rev) else {
        return out;
    };
    let Some(dss_obj) = catalog.get(b"DSS") else {
        return out;
    };
    if let Some(r) = dss_obj.as_ref() {
        out.insert(r);
    }
    let Some(dss) = doc
        .deref_in(rev, dss_obj)
        .ok()
        .and_then(|o| o.as_dict().cloned())
    else {
        return out;
    };
    for key in [&b"Certs"[..], b"OCSPs", b"CRLs", b"VRI"] {
        if let Some(r) = dss.get(key).and_then(Object::as_ref) {
            out.insert(r);
        }
    }
    let vri = dss
        .get(b"VRI")
        .and_then(|v| doc.deref_in(rev, v).ok())
        .and_then(|o| o.as_dict().cloned())
        .unwrap_or_default();
    for (_, entry) in vri.iter() {
        if let Some(r) = entry.as_ref() {
            out.insert(r);
        }
        let Some(e) = doc
            .deref_in(rev, entry)
            .ok()
            .and_then(|o| o.as_dict().cloned())
        else {
            continue;
        };
        for key in [&b"Cert"[..], b"OCSP", b"CRL"] {
            if let Some(r) = e.get(key).and_then(Object::as_ref) {
                out.insert(r);
            }
        }
    }
    out
}

/// Whether a changed object is a DSS container updated in place (as pyHanko updates the
/// DSS): a DSS container in both revisions, shaped like one (a dictionary of DSS or VRI
/// keys, or an array of references), and reachable from nothing but the DSS, so that no
/// page, form or other content can be changed under the DSS's name.
pub(super) fn is_dss_container(cx: &Cx<'_>, r: ObjRef, new_obj: &Object) -> bool {
    let shaped = match new_obj {
        Object::Array(a) => a.iter().all(|o| o.as_ref().is_some()),
        Object::Dict(d) => d.iter().all(|(k, v)| match k {
            b"Type" => matches!(v.as_name(), Some(b"DSS" | b"VRI")),
            b"Certs" | b"OCSPs" | b"CRLs" | b"Cert" | b"OCSP" | b"CRL" => {
                matches!(v, Object::Array(_) | Object::Ref(_))
            }
            b"VRI" => matches!(v, Object::Dict(_) | Object::Ref(_)),
            b"TU" | b"TS" => true,
            // VRI entries are keyed by hashes.
            _ => {
                k.iter().all(u8::is_ascii_hexdigit) && matches!(v, Object::Dict(_) | Object::Ref(_))
            }
        }),
        _ => false,
    };
    if !shaped
        || !dss_containers(cx.doc, cx.old).contains(&r)
        || !dss_containers(cx.doc, cx.new).contains(&r)
    {
        return false;
    }
    [cx.old, cx.new].iter().all(|&rev| {
        let Ok(mut catalog) = cx.doc.catalog_in(rev) else {
            return false;
        };
        catalog.remove(b"DSS");
        let mut trailer = cx.doc.trailer(rev).clone();
        let root = trailer.remove(b"Root").and_then(|o| o.as_ref());
        let start = Object::Array(vec![Object::Dict(catalog), Object::Dict(trailer)]);
        reachable_avoiding(cx.doc, rev, &start, root).is_some_and(|outside| !outside.contains(&r))
    })
}

/// Like [`reachable`], without entering `avoid` (the catalog, whose `/DSS` is not to be
/// followed); `None` when the budget runs out (nothing can then be ruled out).
pub(super) fn reachable_avoiding(
    doc: &Document,
    rev: usize,
    start: &Object,
    avoid: Option<ObjRef>,
) -> Option<HashSet<ObjRef>> {
    let mut seen = HashSet::new();
    let mut stack = vec![start.clone()];
    while let Some(o) = stack.pop() {
        if seen.len() >= REACH_BUDGET {
            return None;
        }
        match o {
            Object::Ref(r) if Some(r) != avoid && seen.insert(r) => {
                if let Ok(obj) = doc.resolve_in(rev, r) {
                    stack.push(obj);
                }
            }
            Object::Array(a) => stack.extend(a),
            Object::Dict(d) => stack.extend(d.iter().map(|(_, v)| v.clone())),
            Object::Stream(s) => stack.extend(s.dict.iter().map(|(_, v)| v.clone())),
            _ => {}
        }
    }
    Some(seen)
}

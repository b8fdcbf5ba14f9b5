//! What changed after a signature, and whether it was allowed.
//!
//! For every revision after the one a signature covers, every object the revision's xref
//! sections define is resolved in both views (before and after) and compared structurally —
//! not by looking at which objects an update appended — so re-pointed object numbers,
//! generation bumps, freed objects and objects inside object streams are all seen. Each
//! change is explained in human terms and classified as allowed or not under
//! [`Permissions`].
//!
//! The default policy allows, after any signature: new signatures (the signature
//! dictionary, its field and widget, the `/Annots` and `/AcroForm /Fields` bookkeeping, and
//! new objects of the new widget's appearance, or of the appearance of an empty signature
//! field signed in the revision), `/DSS` with its validation data, document
//! time-stamps, `/Info` `/ModDate` / `/Producer` updates, XMP metadata updates (not
//! displayed content) and a higher declared `/Version`. Everything else is a disallowed
//! modification.

use std::collections::{BTreeSet, HashSet};

use crate::pdf::{Dict, Document, ObjRef, Object, PdfError, Stream, StreamData, XrefEntry};
use crate::report::Change;

/// Objects visited at most when collecting what a new structure reaches.
const REACH_BUDGET: usize = 100_000;

/// What may change after a signature.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Permissions {
    /// Filling in existing form fields (values and regenerated appearances).
    pub form_filling: bool,
    /// Adding, changing or deleting annotations (other than widgets of other fields).
    pub annotations: bool,
}

impl Permissions {
    /// The permissions after an approval signature: `form_filling` only if the caller allows
    /// it.
    pub fn for_signature(form_filling: bool) -> Self {
        Permissions {
            form_filling,
            annotations: false,
        }
    }
}

/// Structural equality of two objects: spans and stream data locations are ignored, stream
/// data is compared by content.
pub fn same(doc: &Document, a: &Object, b: &Object) -> bool {
    match (a, b) {
        (Object::String(x), Object::String(y)) => x.bytes == y.bytes,
        (Object::Array(x), Object::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(p, q)| same(doc, p, q))
        }
        (Object::Dict(x), Object::Dict(y)) => same_dict(doc, x, y),
        (Object::Stream(x), Object::Stream(y)) => {
            same_dict(doc, &x.dict, &y.dict)
                && stream_bytes(doc, x).ok() == stream_bytes(doc, y).ok()
                && stream_bytes(doc, x).is_ok()
        }
        (Object::Real(x), Object::Real(y)) => x == y,
        (Object::Integer(x), Object::Real(y)) | (Object::Real(y), Object::Integer(x)) => {
            (*x as f64) == *y
        }
        _ => a == b,
    }
}

fn same_dict(doc: &Document, x: &Dict, y: &Dict) -> bool {
    x.len() == y.len()
        && x.iter()
            .all(|(k, v)| y.get(k).is_some_and(|w| same(doc, v, w)))
}

fn stream_bytes(doc: &Document, s: &Stream) -> Result<Vec<u8>, PdfError> {
    match &s.data {
        StreamData::Bytes(b) => Ok(b.clone()),
        StreamData::InFile(_) => doc.stream_raw(s),
    }
}

/// The keys whose values differ between two dictionaries (added, removed or changed).
pub fn changed_keys(doc: &Document, old: &Dict, new: &Dict) -> Vec<String> {
    let mut keys = BTreeSet::new();
    for (k, v) in old.iter() {
        if !new.get(k).is_some_and(|w| same(doc, v, w)) {
            keys.insert(String::from_utf8_lossy(k).into_owned());
        }
    }
    for (k, _) in new.iter() {
        if !old.contains(k) {
            keys.insert(String::from_utf8_lossy(k).into_owned());
        }
    }
    keys.into_iter().collect()
}

/// Every object reachable from `start` in revision `rev` (references followed, bounded).
pub fn reachable(doc: &Document, rev: usize, start: &Object) -> HashSet<ObjRef> {
    let mut seen = HashSet::new();
    let mut stack = vec![start.clone()];
    while let Some(o) = stack.pop() {
        if seen.len() >= REACH_BUDGET {
            break;
        }
        match o {
            Object::Ref(r) if seen.insert(r) => {
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
    seen
}

fn refs_in(o: Option<&Object>, doc: &Document, rev: usize) -> Vec<ObjRef> {
    let Some(o) = o else { return Vec::new() };
    let resolved = doc.deref_in(rev, o).unwrap_or(Object::Null);
    resolved
        .as_array()
        .map(|a| a.iter().filter_map(Object::as_ref).collect())
        .unwrap_or_default()
}

/// Context of one revision's analysis.
struct Rev<'a> {
    doc: &'a Document,
    old: usize,
    new: usize,
    /// New objects that are allowed as part of something allowed (appearance streams of new
    /// signature widgets, DSS contents).
    allowed_new: HashSet<ObjRef>,
    /// Objects that are signature fields/widgets added in this revision.
    new_sig_fields: HashSet<ObjRef>,
}

impl Rev<'_> {
    fn is_new(&self, r: ObjRef) -> bool {
        matches!(self.doc.resolve_in(self.old, r), Ok(Object::Null) | Err(_))
    }
    fn obj(&self, rev: usize, r: ObjRef) -> Object {
        self.doc.resolve_in(rev, r).unwrap_or(Object::Null)
    }
}

/// The changes made by every revision after `signed_rev` (0-based), in order.
pub fn changes_after(
    doc: &Document,
    signed_rev: usize,
    perms: &Permissions,
) -> Result<Vec<Change>, PdfError> {
    let mut out = Vec::new();
    for new in signed_rev + 1..doc.revisions().len() {
        analyze_revision(doc, new, perms, &mut out)?;
    }
    Ok(out)
}

fn change(
    rev: usize,
    r: Option<ObjRef>,
    description: String,
    allowed: bool,
    reason: &str,
) -> Change {
    Change {
        revision: rev + 1,
        description,
        object: r.map(|r| format!("{} {}", r.num, r.gen)),
        allowed,
        reason: reason.to_string(),
    }
}

fn analyze_revision(
    doc: &Document,
    new: usize,
    perms: &Permissions,
    out: &mut Vec<Change>,
) -> Result<(), PdfError> {
    let old = new - 1;
    let revision = &doc.revisions()[new];
    let mut cx = Rev {
        doc,
        old,
        new,
        allowed_new: HashSet::new(),
        new_sig_fields: HashSet::new(),
    };

    // The trailer's /Root must stay the same object.
    let (old_root, new_root) = (
        doc.trailer(old).get_ref(b"Root"),
        doc.trailer(new).get_ref(b"Root"),
    );
    if old_root != new_root {
        out.push(change(
            new,
            new_root,
            "the document catalog was replaced by another object".into(),
            false,
            "the catalog may only be updated in place",
        ));
    }

    // Precompute what new structures reach: DSS contents and new signature widgets' appearances.
    let new_catalog = doc.catalog_in(new)?;
    if let Some(dss) = new_catalog.get(b"DSS") {
        for r in reachable(doc, new, dss) {
            if cx.is_new(r) {
                cx.allowed_new.insert(r);
            }
        }
    }
    let old_field_list = crate::form::fields_in(doc, old)?;
    let old_fields: HashSet<ObjRef> = old_field_list.iter().filter_map(|f| f.object).collect();
    // Empty signature fields before this revision: signing one may add its appearance.
    let old_empty_sigs: HashSet<ObjRef> = old_field_list
        .iter()
        .filter(|f| f.is_signature() && f.value.as_ref().is_none_or(|v| *v == Object::Null))
        .filter_map(|f| f.object)
        .collect();
    for f in crate::form::fields_in(doc, new)? {
        let Some(r) = f.object else { continue };
        let signed_here =
            old_empty_sigs.contains(&r) && f.value_ref().is_some_and(|v| cx.is_new(v));
        if signed_here {
            if let Some(ap) = f.dict.get(b"AP") {
                for a in reachable(doc, new, ap) {
                    if cx.is_new(a) {
                        cx.allowed_new.insert(a);
                    }
                }
            }
        }
        if f.is_signature() && !old_fields.contains(&r) && cx.is_new(r) {
            cx.new_sig_fields.insert(r);
            for w in &f.widgets {
                cx.new_sig_fields.insert(*w);
            }
            if let Some(ap) = f.dict.get(b"AP") {
                for a in reachable(doc, new, ap) {
                    if cx.is_new(a) {
                        cx.allowed_new.insert(a);
                    }
                }
            }
        }
    }

    let xref_objects: HashSet<u64> = revision.xref_offsets.iter().copied().collect();
    for (&num, entry) in &revision.entries {
        if num == 0 {
            continue;
        }
        // This revision's own xref stream is bookkeeping.
        if let XrefEntry::InUse { offset, .. } = entry {
            if xref_objects.contains(offset) {
                continue;
            }
        }
        let gen_new = match entry {
            XrefEntry::InUse { gen, .. } => *gen,
            XrefEntry::Free { .. } => 0,
            XrefEntry::Compressed { .. } => 0,
        };
        let old_entry = doc.entry_in(old, num);
        let old_gen = match old_entry {
            Some((_, XrefEntry::InUse { gen, .. })) => Some(gen),
            Some((_, XrefEntry::Compressed { .. })) => Some(0),
            _ => None,
        };
        let r_new = ObjRef::new(num, gen_new);
        let new_obj = if matches!(entry, XrefEntry::Free { .. }) {
            Object::Null
        } else {
            cx.obj(new, r_new)
        };
        let old_obj = match old_gen {
            Some(g) => cx.obj(old, ObjRef::new(num, g)),
            None => Object::Null,
        };
        if old_gen.is_some() && old_gen != Some(gen_new) && !matches!(entry, XrefEntry::Free { .. })
        {
            out.push(change(
                new,
                Some(r_new),
                format!("object {num} was given a new generation"),
                false,
                "re-numbered objects change what references resolve to",
            ));
            continue;
        }
        if same(doc, &old_obj, &new_obj) {
            continue;
        }
        // Object streams are containers: their objects have entries of their own.
        if new_obj.as_dict().and_then(|d| d.get_name(b"Type")) == Some(b"ObjStm")
            && matches!(old_obj, Object::Null)
        {
            continue;
        }
        if new_obj.as_dict().and_then(|d| d.get_name(b"Type")) == Some(b"XRef")
            && matches!(old_obj, Object::Null)
        {
            // An xref stream of this revision (hybrid /XRefStm); bookkeeping.
            continue;
        }
        classify(
            &cx,
            ObjRef::new(num, old_gen.unwrap_or(gen_new)),
            &old_obj,
            &new_obj,
            old_root,
            perms,
            out,
        );
    }
    Ok(())
}

#[allow(clippy::too_many_arguments)]
fn classify(
    cx: &Rev<'_>,
    r: ObjRef,
    old_obj: &Object,
    new_obj: &Object,
    root: Option<ObjRef>,
    perms: &Permissions,
    out: &mut Vec<Change>,
) {
    let doc = cx.doc;
    let rev = cx.new;
    if matches!(new_obj, Object::Null) {
        out.push(change(
            rev,
            Some(r),
            format!("object {} ({}) was deleted", r.num, describe(old_obj)),
            false,
            "deleting objects after signing is not allowed",
        ));
        return;
    }
    let is_added = matches!(old_obj, Object::Null);
    let new_dict = new_obj.as_dict();
    let ty = new_dict.and_then(|d| d.get_name(b"Type"));

    if is_added && matches!(ty, Some(b"Sig") | Some(b"DocTimeStamp")) {
        let what = if ty == Some(b"DocTimeStamp") {
            "document time-stamp added"
        } else {
            "signature added"
        };
        out.push(change(
            rev,
            Some(r),
            what.into(),
            true,
            "new signatures are always allowed",
        ));
        return;
    }
    if cx.new_sig_fields.contains(&r) {
        let name = new_dict
            .and_then(|d| d.get(b"T"))
            .and_then(Object::as_string)
            .map(|s| s.to_text())
            .unwrap_or_default();
        out.push(change(
            rev,
            Some(r),
            format!("signature field {name} added"),
            true,
            "new signature fields are always allowed",
        ));
        return;
    }
    if is_added && cx.allowed_new.contains(&r) {
        out.push(change(
            rev,
            Some(r),
            "validation data or signature appearance added".into(),
            true,
            "DSS contents and new signature appearances are allowed",
        ));
        return;
    }
    if Some(r) == root {
        classify_catalog(cx, r, old_obj, new_obj, out);
        return;
    }
    if is_xmp(cx, r)
        && doc
            .catalog_in(rev)
            .ok()
            .and_then(|c| c.get_ref(b"Metadata"))
            == Some(r)
    {
        out.push(change(
            rev,
            Some(r),
            "XMP metadata stream updated".into(),
            true,
            "XMP metadata is not displayed content; signing tools update its dates",
        ));
        return;
    }
    if !is_added && is_dss_container(cx, r, new_obj) {
        out.push(change(
            rev,
            Some(r),
            "DSS (validation data) updated in place".into(),
            true,
            "validation data is always allowed",
        ));
        return;
    }
    if let (Some(od), Some(nd)) = (old_obj.as_dict(), new_dict) {
        // An existing empty signature field being signed.
        if od.get_name(b"FT") == Some(b"Sig") || nd.get_name(b"FT") == Some(b"Sig") {
            let keys = changed_keys(doc, od, nd);
            let signing = !od.contains(b"V")
                && nd
                    .get(b"V")
                    .is_some_and(|v| v.as_ref().is_some_and(|s| cx.is_new(s)));
            let ok_keys = keys.iter().all(|k| matches!(k.as_str(), "V" | "AP" | "AS"));
            let name = nd
                .get(b"T")
                .and_then(Object::as_string)
                .map(|s| s.to_text())
                .unwrap_or_default();
            if signing && ok_keys {
                out.push(change(
                    rev,
                    Some(r),
                    format!("signature field {name} signed"),
                    true,
                    "signing an empty signature field is allowed",
                ));
            } else {
                out.push(change(
                    rev,
                    Some(r),
                    format!("signature field {name} changed ({})", keys.join(", ")),
                    false,
                    "a signature field may only receive a new signature",
                ));
            }
            return;
        }
        if ty == Some(b"Page") || od.get_name(b"Type") == Some(b"Page") {
            classify_page(cx, r, od, nd, perms, out);
            return;
        }
        if is_acroform(cx, r) {
            classify_acroform(cx, r, od, nd, out);
            return;
        }
        if is_info(cx, r) {
            let keys = changed_keys(doc, od, nd);
            let ok = keys
                .iter()
                .all(|k| matches!(k.as_str(), "ModDate" | "Producer"));
            out.push(change(
                rev,
                Some(r),
                format!("document information changed ({})", keys.join(", ")),
                ok,
                if ok {
                    "modification date and producer updates are allowed"
                } else {
                    "document metadata may not change after signing"
                },
            ));
            return;
        }
    }
    if let (Some(oa), Some(na)) = (old_obj.as_array(), new_obj.as_array()) {
        // An indirect /Annots or /Fields array that only grew by new signature fields.
        let old_set: HashSet<ObjRef> = oa.iter().filter_map(Object::as_ref).collect();
        let new_refs: Vec<ObjRef> = na.iter().filter_map(Object::as_ref).collect();
        let kept =
            old_set.iter().all(|o| new_refs.contains(o)) && na.iter().all(|o| o.as_ref().is_some());
        let added: Vec<ObjRef> = new_refs
            .iter()
            .filter(|x| !old_set.contains(x))
            .copied()
            .collect();
        if kept && !added.is_empty() && added.iter().all(|a| cx.new_sig_fields.contains(a)) {
            out.push(change(
                rev,
                Some(r),
                "signature field listed in a fields or annotations array".into(),
                true,
                "bookkeeping for a new signature",
            ));
            return;
        }
    }
    let what = if is_added { "added" } else { "changed" };
    out.push(change(
        rev,
        Some(r),
        format!("{} {what}", describe(new_obj)),
        false,
        "not a signature, validation data or permitted change",
    ));
}

fn classify_catalog(
    cx: &Rev<'_>,
    r: ObjRef,
    old_obj: &Object,
    new_obj: &Object,
    out: &mut Vec<Change>,
) {
    let (Some(od), Some(nd)) = (old_obj.as_dict(), new_obj.as_dict()) else {
        out.push(change(
            cx.new,
            Some(r),
            "document catalog replaced".into(),
            false,
            "the catalog must stay a dictionary",
        ));
        return;
    };
    for k in changed_keys(cx.doc, od, nd) {
        match k.as_str() {
            "DSS" => out.push(change(
                cx.new,
                Some(r),
                "DSS (validation data) added or updated".into(),
                true,
                "validation data is always allowed",
            )),
            "Extensions" => out.push(change(
                cx.new,
                Some(r),
                "developer extensions updated".into(),
                true,
                "declaring PAdES extensions is allowed",
            )),
            "Version" => {
                let v = |d: &Dict| {
                    d.get_name(b"Version")
                        .map(|n| String::from_utf8_lossy(n).into_owned())
                };
                let (old, new) = (v(od).unwrap_or_default(), v(nd).unwrap_or_default());
                let upgrade = !new.is_empty() && version_number(&new) >= version_number(&old);
                out.push(change(
                    cx.new,
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
            "Metadata" => {
                let ok = nd.get_ref(b"Metadata").is_some_and(|m| is_xmp(cx, m));
                out.push(change(
                    cx.new,
                    Some(r),
                    "XMP metadata replaced".into(),
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
                    let d = cx.obj(cx.new, *a);
                    let fields =
                        refs_in(d.as_dict().and_then(|d| d.get(b"Fields")), cx.doc, cx.new);
                    let ok = fields.iter().all(|f| cx.new_sig_fields.contains(f));
                    out.push(change(
                        cx.new,
                        Some(*a),
                        "interactive form added for a signature".into(),
                        ok,
                        if ok {
                            "bookkeeping for a new signature"
                        } else {
                            "the new form has fields other than signatures"
                        },
                    ));
                }
                (None, Some(Object::Dict(b))) => classify_acroform(cx, r, &Dict::new(), b, out),
                _ => out.push(change(
                    cx.new,
                    Some(r),
                    "interactive form replaced".into(),
                    false,
                    "the form dictionary may only gain signature fields",
                )),
            },
            other => out.push(change(
                cx.new,
                Some(r),
                format!("document catalog entry /{other} changed"),
                false,
                "only /AcroForm, /DSS and /Extensions may change after signing",
            )),
        }
    }
}

fn classify_acroform(cx: &Rev<'_>, r: ObjRef, od: &Dict, nd: &Dict, out: &mut Vec<Change>) {
    for k in changed_keys(cx.doc, od, nd) {
        match k.as_str() {
            "Fields" => {
                let old = refs_in(od.get(b"Fields"), cx.doc, cx.old);
                let new = refs_in(nd.get(b"Fields"), cx.doc, cx.new);
                let kept = old.iter().all(|o| new.contains(o));
                let added: Vec<&ObjRef> = new.iter().filter(|n| !old.contains(n)).collect();
                let ok = kept && added.iter().all(|a| cx.new_sig_fields.contains(a));
                out.push(change(
                    cx.new,
                    Some(r),
                    if ok {
                        "signature field added to the form".into()
                    } else {
                        "form fields added or removed".into()
                    },
                    ok,
                    if ok {
                        "bookkeeping for a new signature"
                    } else {
                        "only signature fields may be added after signing"
                    },
                ));
            }
            "SigFlags" => out.push(change(
                cx.new,
                Some(r),
                "form signature flags set".into(),
                true,
                "bookkeeping for a new signature",
            )),
            "DR" | "DA" => out.push(change(
                cx.new,
                Some(r),
                format!("form default /{k} updated"),
                true,
                "default resources for signature appearances",
            )),
            other => out.push(change(
                cx.new,
                Some(r),
                format!("form entry /{other} changed"),
                false,
                "not a signature bookkeeping change",
            )),
        }
    }
}

fn classify_page(
    cx: &Rev<'_>,
    r: ObjRef,
    od: &Dict,
    nd: &Dict,
    _perms: &Permissions,
    out: &mut Vec<Change>,
) {
    let page_no = cx
        .doc
        .pages_in(cx.new)
        .ok()
        .and_then(|p| p.iter().position(|x| x.num == r.num))
        .map(|i| i + 1);
    let label = page_no
        .map(|n| format!("page {n}"))
        .unwrap_or_else(|| format!("page object {}", r.num));
    for k in changed_keys(cx.doc, od, nd) {
        if k == "Annots" {
            let old = refs_in(od.get(b"Annots"), cx.doc, cx.old);
            let new = refs_in(nd.get(b"Annots"), cx.doc, cx.new);
            let kept = old.iter().all(|o| new.contains(o));
            let added: Vec<&ObjRef> = new.iter().filter(|n| !old.contains(n)).collect();
            let ok = kept && added.iter().all(|a| cx.new_sig_fields.contains(a));
            out.push(change(
                cx.new,
                Some(r),
                if ok {
                    format!("signature widget added to {label}")
                } else {
                    format!("annotations of {label} changed")
                },
                ok,
                if ok {
                    "bookkeeping for a new signature"
                } else {
                    "annotations may not change after signing"
                },
            ));
        } else if k == "Contents" {
            out.push(change(
                cx.new,
                Some(r),
                format!("{label} content stream replaced"),
                false,
                "page content may not change after signing",
            ));
        } else {
            out.push(change(
                cx.new,
                Some(r),
                format!("{label} entry /{k} changed"),
                false,
                "page properties may not change after signing",
            ));
        }
    }
}

/// Whether `r` is an XMP metadata stream (`/Type /Metadata /Subtype /XML`) in the new view.
fn is_xmp(cx: &Rev<'_>, r: ObjRef) -> bool {
    matches!(cx.obj(cx.new, r), Object::Stream(s) if s.dict.get_name(b"Type") == Some(b"Metadata") && s.dict.get_name(b"Subtype") == Some(b"XML"))
}

/// "1.7" → 17, for comparing declared PDF versions.
fn version_number(v: &str) -> u32 {
    let mut it = v.split('.').map(|p| p.parse::<u32>().unwrap_or(0));
    it.next().unwrap_or(0) * 10 + it.next().unwrap_or(0)
}

/// The DSS dictionary and the containers it holds by reference (its `/Certs`, `/OCSPs`,
/// `/CRLs` and `/VRI`, each VRI entry, and a VRI entry's `/Cert`, `/OCSP`, `/CRL` arrays) in
/// revision `rev`.
fn dss_containers(doc: &Document, rev: usize) -> HashSet<ObjRef> {
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
fn is_dss_container(cx: &Rev<'_>, r: ObjRef, new_obj: &Object) -> bool {
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
fn reachable_avoiding(
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

fn is_acroform(cx: &Rev<'_>, r: ObjRef) -> bool {
    cx.doc
        .catalog_in(cx.new)
        .ok()
        .and_then(|c| c.get_ref(b"AcroForm"))
        == Some(r)
}

fn is_info(cx: &Rev<'_>, r: ObjRef) -> bool {
    cx.doc.trailer(cx.new).get_ref(b"Info") == Some(r)
}

/// A short human description of an object ("page", "annotation FreeText", "stream").
pub fn describe(o: &Object) -> String {
    match o {
        Object::Stream(s) => match s
            .dict
            .get_name(b"Type")
            .or_else(|| s.dict.get_name(b"Subtype"))
        {
            Some(t) => format!("{} stream", String::from_utf8_lossy(t)),
            None => "stream".into(),
        },
        Object::Dict(d) => match (d.get_name(b"Type"), d.get_name(b"Subtype")) {
            (Some(b"Annot"), Some(st)) | (None, Some(st)) if d.contains(b"Rect") => {
                format!("annotation {}", String::from_utf8_lossy(st))
            }
            (Some(t), _) => format!("{} dictionary", String::from_utf8_lossy(t)),
            _ if d.contains(b"FT") => "form field".into(),
            _ => "dictionary".into(),
        },
        other => other.type_name().to_string(),
    }
}

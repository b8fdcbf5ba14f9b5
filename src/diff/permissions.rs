//! Modification detection and prevention (ISO 32000-1 §12.8.2.2–12.8.2.4, ISO 32000-2
//! §12.7.5.5, §12.8.2): certification (DocMDP) levels and field locks (FieldMDP, `/Lock`).
//!
//! Used on both sides: signing refuses what an existing certification or lock forbids and
//! writes the transforms; validation derives, for each signature, what later revisions may
//! change ([`Permissions`]).
//!
//! Knows PDF only (no cryptography).

use std::collections::HashSet;

use crate::pdf::{Dict, Document, ObjRef, Object};

/// A DocMDP permission level (`/P` of the DocMDP transform parameters).
pub(crate) type DocMdpLevel = u8;

/// The DocMDP level when `/P` is absent (ISO 32000-1 Table 254: default 2).
pub(crate) const DEFAULT_DOCMDP_LEVEL: DocMdpLevel = 2;

/// What a DocMDP level permits, in words (for reports and errors).
pub(crate) fn level_meaning(p: DocMdpLevel) -> &'static str {
    match p {
        1 => "no changes except validation data and document time-stamps",
        2 => "form filling and signing",
        _ => "form filling, signing and annotations",
    }
}

/// Which fields a lock covers (`/Action` of a FieldMDP transform or a `/Lock` dictionary).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FieldLock {
    /// Every field.
    All,
    /// The named fields (fully qualified names).
    Include(Vec<String>),
    /// Every field except the named ones.
    Exclude(Vec<String>),
}

impl FieldLock {
    /// Whether the field `name` (fully qualified) is locked. A name also locks its
    /// descendants (`a` locks `a.b`).
    pub(crate) fn locks(&self, name: &str) -> bool {
        let listed = |names: &[String]| {
            names.iter().any(|n| {
                name == n
                    || name
                        .strip_prefix(n.as_str())
                        .is_some_and(|rest| rest.starts_with('.'))
            })
        };
        match self {
            FieldLock::All => true,
            FieldLock::Include(names) => listed(names),
            FieldLock::Exclude(names) => !listed(names),
        }
    }

    /// Reads `/Action` and `/Fields` from a FieldMDP transform-parameters or `/Lock`
    /// dictionary. `None` when `/Action` is missing or unknown (the caller decides; kyso treats
    /// an unreadable lock as locking everything).
    pub(crate) fn from_dict(doc: &Document, rev: usize, d: &Dict) -> Option<FieldLock> {
        let fields = || -> Vec<String> {
            let arr = doc
                .deref_in(rev, d.get(b"Fields").unwrap_or(&Object::Null))
                .unwrap_or(Object::Null);
            arr.as_array()
                .map(|a| {
                    a.iter()
                        .filter_map(|o| doc.deref_in(rev, o).ok())
                        .filter_map(|o| o.as_string().map(|s| s.to_text()))
                        .collect()
                })
                .unwrap_or_default()
        };
        match d.get_name(b"Action")? {
            b"All" => Some(FieldLock::All),
            b"Include" => Some(FieldLock::Include(fields())),
            b"Exclude" => Some(FieldLock::Exclude(fields())),
            _ => None,
        }
    }

}

/// The transforms a signature dictionary's `/Reference` declares.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Transforms {
    /// DocMDP `/P`, if a DocMDP transform is present.
    pub docmdp: Option<DocMdpLevel>,
    /// FieldMDP locks.
    pub field_locks: Vec<FieldLock>,
}

/// Reads the `/Reference` array of a signature dictionary (as of revision `rev`). Bounded:
/// at most 64 references are looked at.
pub fn transforms(doc: &Document, rev: usize, sig: &Dict) -> Transforms {
    let mut t = Transforms::default();
    let refs = doc
        .deref_in(rev, sig.get(b"Reference").unwrap_or(&Object::Null))
        .unwrap_or(Object::Null);
    let Some(refs) = refs.as_array() else {
        return t;
    };
    for r in refs.iter().take(64) {
        let Ok(sigref) = doc.deref_in(rev, r) else {
            continue;
        };
        let Some(sigref) = sigref.as_dict() else {
            continue;
        };
        let params = doc
            .deref_in(rev, sigref.get(b"TransformParams").unwrap_or(&Object::Null))
            .unwrap_or(Object::Null);
        let params = params.as_dict().cloned().unwrap_or_default();
        match sigref.get_name(b"TransformMethod") {
            Some(b"DocMDP") => {
                t.docmdp = Some(level_of(&params));
            }
            Some(b"FieldMDP") => t
                .field_locks
                .push(FieldLock::from_dict(doc, rev, &params).unwrap_or(FieldLock::All)),
            _ => {}
        }
    }
    t
}

/// `/P` of DocMDP transform parameters, clamped to 1–3 (absent: 2; out of range: 1, the
/// strictest reading).
pub(crate) fn level_of(params: &Dict) -> DocMdpLevel {
    match params.get_int(b"P") {
        None => DEFAULT_DOCMDP_LEVEL,
        Some(p @ 1..=3) => p as DocMdpLevel,
        Some(_) => 1,
    }
}

/// The certification signature named by the catalog's `/Perms /DocMDP` in revision `rev`.
pub fn perms_docmdp(doc: &Document, rev: usize) -> Option<ObjRef> {
    let catalog = doc.catalog_in(rev).ok()?;
    let perms = doc.deref_in(rev, catalog.get(b"Perms")?).ok()?;
    perms.as_dict()?.get_ref(b"DocMDP")
}

/// The locks a signed signature field imposes: its signature dictionary's FieldMDP transforms
/// and the field's own `/Lock` (ISO 32000-2 §12.7.5.5), plus a DocMDP level from `/Lock /P`
/// (PDF 2.0).
pub(crate) fn field_locks(
    doc: &Document,
    rev: usize,
    field: &Dict,
    sig: &Dict,
) -> (Vec<FieldLock>, Option<DocMdpLevel>) {
    let mut locks = transforms(doc, rev, sig).field_locks;
    let mut level = None;
    if let Some(lock) = field.get(b"Lock") {
        if let Ok(Object::Dict(d)) = doc.deref_in(rev, lock) {
            if let Some(l) = FieldLock::from_dict(doc, rev, &d) {
                if !locks.contains(&l) {
                    locks.push(l);
                }
            }
            if d.contains(b"P") {
                level = Some(level_of(&d));
            }
        }
    }
    (locks, level)
}

/// What the existing signatures of the newest revision impose on a new signature: the
/// certification level, and the fields locked by signed fields (with the locking field's
/// name).
#[derive(Debug, Clone, Default)]
pub(crate) struct Restrictions {
    /// The certification's level (and the certifying field), if the document is certified.
    pub certification: Option<(String, DocMdpLevel)>,
    /// The strictest `/Lock /P` of a signed field, with that field's name.
    pub lock_level: Option<(String, DocMdpLevel)>,
    /// Locks of signed fields: (signed field, lock).
    pub locks: Vec<(String, FieldLock)>,
    /// Whether some signature field already holds a signature.
    pub signed: bool,
}

impl Restrictions {
    /// The effective level for a new change (the strictest of certification and locks).
    pub(crate) fn level(&self) -> Option<DocMdpLevel> {
        let a = self.certification.as_ref().map(|c| c.1);
        let b = self.lock_level.as_ref().map(|c| c.1);
        match (a, b) {
            (Some(x), Some(y)) => Some(x.min(y)),
            (x, y) => x.or(y),
        }
    }
    /// The signed field whose lock covers `name`, if any.
    pub(crate) fn locked_by(&self, name: &str) -> Option<&str> {
        self.locks
            .iter()
            .find(|(_, l)| l.locks(name))
            .map(|(f, _)| f.as_str())
    }
}

/// The restrictions in force in the newest revision.
pub(crate) fn restrictions(doc: &Document) -> Result<Restrictions, crate::pdf::PdfError> {
    let last = doc.last_revision();
    let mut out = Restrictions::default();
    let cert = perms_docmdp(doc, last);
    let mut seen = HashSet::new();
    for f in crate::form::fields_in(doc, last)? {
        if !f.is_signature() {
            continue;
        }
        let Some(v) = &f.value else { continue };
        let sig = doc.deref_in(last, v)?;
        let Some(sig) = sig.as_dict() else { continue };
        if sig.is_empty() {
            continue;
        }
        if let Some(r) = v.as_ref() {
            if !seen.insert(r) {
                continue;
            }
        }
        out.signed = true;
        let t = transforms(doc, last, sig);
        let is_cert = cert.is_some() && cert == v.as_ref();
        if let Some(p) = t.docmdp.or(is_cert.then_some(DEFAULT_DOCMDP_LEVEL)) {
            let stricter = out.certification.as_ref().is_none_or(|c| p < c.1);
            if stricter {
                out.certification = Some((f.name.clone(), p));
            }
        }
        let (locks, level) = field_locks(doc, last, &f.dict, sig);
        for l in locks {
            out.locks.push((f.name.clone(), l));
        }
        if let Some(p) = level {
            if out.lock_level.as_ref().is_none_or(|c| p < c.1) {
                out.lock_level = Some((f.name.clone(), p));
            }
        }
    }
    Ok(out)
}

/// What may change after a signature.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Permissions {
    /// Filling in existing form fields (values and regenerated appearances).
    pub form_filling: bool,
    /// Adding, changing or deleting annotations (other than widgets of other fields).
    pub annotations: bool,
    /// Adding signatures (new signature fields, signing empty ones). Document time-stamps
    /// and DSS are allowed regardless.
    pub signing: bool,
    /// The DocMDP level in force, if the document is certified (for the reasons given).
    pub docmdp: Option<u8>,
    /// Field locks: (the signed field that locks, the lock).
    pub locks: Vec<(String, FieldLock)>,
}

impl Permissions {
    /// The permissions after an approval signature of an uncertified document: signing, and
    /// `form_filling` only if the caller allows it.
    pub fn for_signature(form_filling: bool) -> Self {
        Permissions {
            form_filling,
            annotations: false,
            signing: true,
            docmdp: None,
            locks: Vec::new(),
        }
    }

    /// The permissions of a certified document with DocMDP level `p` (1–3).
    pub fn certified(p: u8) -> Self {
        Permissions {
            form_filling: p >= 2,
            annotations: p >= 3,
            signing: p >= 2,
            docmdp: Some(p),
            locks: Vec::new(),
        }
    }

    /// Adds field locks.
    pub(crate) fn with_locks(mut self, locks: Vec<(String, FieldLock)>) -> Self {
        self.locks.extend(locks);
        self
    }

    /// The signed field whose lock covers `name`.
    pub(crate) fn locked_by(&self, name: &str) -> Option<&str> {
        self.locks
            .iter()
            .find(|(_, l)| l.locks(name))
            .map(|(f, _)| f.as_str())
    }

    pub(crate) fn source(&self) -> String {
        match self.docmdp {
            Some(p) => format!("the certification (P={p})"),
            None => "an approval signature".into(),
        }
    }

    pub(crate) fn signing_reason(&self, allowed: bool) -> String {
        match (allowed, self.docmdp) {
            (true, None) => "new signatures are always allowed".into(),
            (true, Some(p)) => format!("the certification (P={p}) allows signing"),
            (false, _) => format!(
                "{} allows no further signatures, only DSS and document time-stamps",
                self.source()
            ),
        }
    }

    pub(crate) fn filling_reason(&self, allowed: bool) -> String {
        match (allowed, self.docmdp) {
            (true, Some(p)) => format!("the certification (P={p}) allows form filling"),
            (true, None) => {
                "form filling after an approval signature is allowed by the validation option allow_form_filling"
                    .into()
            }
            (false, Some(p)) => format!("the certification (P={p}) does not allow form filling"),
            (false, None) => {
                "form filling after an approval signature is not allowed (see allow_form_filling)"
                    .into()
            }
        }
    }

    pub(crate) fn annotation_reason(&self, allowed: bool) -> String {
        match (allowed, self.docmdp) {
            (true, Some(p)) => format!("the certification (P={p}) allows annotations"),
            (true, None) => "annotations are allowed".into(),
            (false, Some(p)) => format!("the certification (P={p}) does not allow annotations"),
            (false, None) => "annotations may not change after an approval signature".into(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn locks_cover_names_and_descendants() {
        let inc = FieldLock::Include(vec!["a".into(), "b.c".into()]);
        assert!(inc.locks("a"));
        assert!(inc.locks("a.x"));
        assert!(!inc.locks("ab"));
        assert!(inc.locks("b.c"));
        assert!(!inc.locks("b"));
        let exc = FieldLock::Exclude(vec!["a".into()]);
        assert!(!exc.locks("a"));
        assert!(!exc.locks("a.b"));
        assert!(exc.locks("z"));
        assert!(FieldLock::All.locks("anything"));
    }

    #[test]
    fn level_defaults_and_clamps() {
        let mut d = Dict::new();
        assert_eq!(level_of(&d), 2);
        d.set("P", Object::Integer(3));
        assert_eq!(level_of(&d), 3);
        d.set("P", Object::Integer(7));
        assert_eq!(level_of(&d), 1);
        d.set("P", Object::Integer(0));
        assert_eq!(level_of(&d), 1);
    }
}

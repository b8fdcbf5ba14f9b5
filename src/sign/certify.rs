//! Certification (DocMDP) and field locks (FieldMDP) when signing.
//!
//! - `--certify P` writes a DocMDP transform in the signature dictionary's `/Reference` and
//!   the catalog's `/Perms /DocMDP`, in the same incremental update; it is refused when the
//!   document already holds a signature (a certification must be the first signature).
//! - A new signature is refused when the document's certification (or a signed field's
//!   `/Lock /P`) is P=1, and when the field to sign is locked by an already signed field
//!   (FieldMDP of its signature, or its `/Lock`).
//! - Signing an existing field that carries a `/Lock` writes the matching FieldMDP transform
//!   (ISO 32000-2 §12.8.2.4), so validators see the lock in the signed dictionary.

use crate::diff::permissions::{self as mdp, DocMdpLevel};
use crate::pdf::{Dict, Document, IncrementalUpdate, ObjRef, Object};

use super::{SignError, SignOptions};

/// Checks what the document's existing signatures allow, and returns the `/Reference` array
/// entries to write into the new signature dictionary (empty: none).
///
/// # Errors
/// `SignError::Document` when the new signature is not allowed.
pub(crate) fn references(doc: &Document, opts: &SignOptions) -> Result<Vec<Object>, SignError> {
    let last = doc.last_revision();
    let r = mdp::restrictions(doc)?;
    if let Some(p) = opts.certify {
        if !(1..=3).contains(&p) {
            return Err(SignError::Document(format!(
                "certification level {p} does not exist (1, 2 or 3)"
            )));
        }
        if r.signed || r.certification.is_some() {
            return Err(SignError::Document(
                "the document is already signed; a certification signature must be the first signature"
                    .into(),
            ));
        }
    }
    if let Some(1) = r.level() {
        let who = r
            .certification
            .as_ref()
            .filter(|c| c.1 == 1)
            .or(r.lock_level.as_ref())
            .map(|c| c.0.clone())
            .unwrap_or_default();
        return Err(SignError::Document(format!(
            "the document is certified with P=1 by {who}: no further signatures are allowed"
        )));
    }
    let fields = crate::form::fields_in(doc, last)?;
    let target = opts
        .field
        .as_ref()
        .and_then(|n| fields.iter().find(|f| &f.name == n));
    if let Some(f) = target {
        if let Some(by) = r.locked_by(&f.name) {
            return Err(SignError::Document(format!(
                "field {} is locked by the signature in field {by}",
                f.name
            )));
        }
    }

    let mut refs = Vec::new();
    if let Some(p) = opts.certify {
        refs.push(Object::Dict(docmdp_reference(p)));
    }
    if let Some(f) = target {
        if let Some(lock) = f.dict.get(b"Lock") {
            if let Ok(Object::Dict(lock)) = doc.deref_in(last, lock) {
                let catalog = doc.trailer(last).get_ref(b"Root");
                refs.push(Object::Dict(fieldmdp_reference(&lock, catalog)));
            }
        }
    }
    Ok(refs)
}

/// `<< /Type /SigRef /TransformMethod /DocMDP /TransformParams << /Type /TransformParams /P p
/// /V /1.2 >> >>`
pub fn docmdp_reference(p: DocMdpLevel) -> Dict {
    let mut params = Dict::new();
    params.set("Type", Object::name("TransformParams"));
    params.set("P", Object::Integer(i64::from(p)));
    params.set("V", Object::name("1.2"));
    let mut r = Dict::new();
    r.set("Type", Object::name("SigRef"));
    r.set("TransformMethod", Object::name("DocMDP"));
    r.set("TransformParams", params);
    r
}

/// A FieldMDP signature reference mirroring a field's `/Lock` (`/Action`, `/Fields`).
pub(crate) fn fieldmdp_reference(lock: &Dict, catalog: Option<ObjRef>) -> Dict {
    let mut params = Dict::new();
    params.set("Type", Object::name("TransformParams"));
    params.set(
        "Action",
        lock.get(b"Action")
            .cloned()
            .unwrap_or_else(|| Object::name("All")),
    );
    if let Some(f) = lock.get(b"Fields") {
        params.set("Fields", f.clone());
    }
    params.set("V", Object::name("1.2"));
    let mut r = Dict::new();
    r.set("Type", Object::name("SigRef"));
    r.set("TransformMethod", Object::name("FieldMDP"));
    r.set("TransformParams", params);
    if let Some(c) = catalog {
        r.set("Data", c);
    }
    r
}

/// Adds `/Perms << /DocMDP sig >>` to the catalog, in `update` (reusing the catalog the
/// update already rewrites, if any).
///
/// # Errors
/// When the catalog cannot be read.
pub(crate) fn add_perms(
    doc: &Document,
    update: &mut IncrementalUpdate,
    sig: ObjRef,
) -> Result<(), SignError> {
    let last = doc.last_revision();
    let root = doc
        .trailer(last)
        .get_ref(b"Root")
        .ok_or_else(|| SignError::Document("the trailer has no /Root".into()))?;
    let mut catalog = match update.objects().get(&root) {
        Some(Object::Dict(d)) => d.clone(),
        _ => doc.catalog_in(last)?,
    };
    let mut perms = match catalog.get(b"Perms") {
        Some(p) => doc
            .deref_in(last, p)?
            .as_dict()
            .cloned()
            .unwrap_or_default(),
        None => Dict::new(),
    };
    perms.set("DocMDP", sig);
    catalog.set("Perms", perms);
    update.put(root, Object::Dict(catalog));
    Ok(())
}

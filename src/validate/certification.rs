//! Certification (DocMDP) and field locks on the validation side: which signature certifies
//! the document and with which level, what each signature permits after it
//! ([`crate::diff::Permissions`]), and the rule that a certification must be the document's
//! first signature.

use crate::report::CheckId;
use crate::diff::Permissions;
use crate::diff::permissions as mdp;
use crate::pdf::{Dict, Document, ObjRef, Object};
use crate::report::{Check, CheckStatus, SignatureReport, SubIndication};

/// The document's certification signature.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Certification {
    /// Its signature dictionary.
    pub object: ObjRef,
    /// DocMDP `/P`.
    pub level: u8,
    /// Where its signed bytes end (its `/ByteRange`), if readable.
    pub signed_end: Option<u64>,
}

/// The certification: the signature the catalog's `/Perms /DocMDP` names (in the newest
/// revision), else a signature whose dictionary has a DocMDP `/Reference`. Its level is the
/// DocMDP `/P` of that reference (2 when absent).
pub(crate) fn find(
    doc: &Document,
    signatures: &[(Option<ObjRef>, Option<&Dict>)],
) -> Option<Certification> {
    let last = doc.last_revision();
    let named = mdp::perms_docmdp(doc, last);
    let level_of = |d: Option<&Dict>| {
        d.and_then(|d| mdp::transforms(doc, last, d).docmdp)
            .unwrap_or(mdp::DEFAULT_DOCMDP_LEVEL)
    };
    if let Some(n) = named {
        let d = signatures
            .iter()
            .find(|(o, _)| *o == Some(n))
            .and_then(|(_, d)| *d);
        let owned;
        let d = match d {
            Some(d) => Some(d),
            None => {
                owned = doc
                    .resolve_in(last, n)
                    .ok()
                    .and_then(|o| o.as_dict().cloned());
                owned.as_ref()
            }
        };
        return Some(Certification {
            object: n,
            level: level_of(d),
            signed_end: d.and_then(signed_end),
        });
    }
    signatures.iter().find_map(|(o, d)| {
        let p = mdp::transforms(doc, last, (*d)?).docmdp?;
        Some(Certification {
            object: (*o)?,
            level: p,
            signed_end: signed_end((*d)?),
        })
    })
}

/// What may change after the signature `sig` (dictionary `dict`, in field `field`): the
/// certification's level when the document is certified at or before it, else the
/// approval-signature defaults (`allow_form_filling` as configured); narrowed by the
/// signature's own FieldMDP locks and a `/Lock /P`.
pub(crate) fn permissions_for(
    doc: &Document,
    field: Option<&Dict>,
    dict: &Dict,
    certification: Option<(Certification, bool)>,
    allow_form_filling: bool,
) -> Permissions {
    let last = doc.last_revision();
    let (locks, lock_level) = mdp::field_locks(doc, last, field.unwrap_or(&Dict::new()), dict);
    let cert_level = certification.and_then(|(c, applies)| applies.then_some(c.level));
    let level = match (cert_level, lock_level) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    };
    let field_name = field
        .and_then(|f| f.get(b"T"))
        .and_then(Object::as_string)
        .map(|s| s.to_text())
        .unwrap_or_default();
    let perms = match level {
        Some(p) => Permissions::certified(p),
        None => Permissions::for_signature(allow_form_filling),
    };
    perms.with_locks(locks.into_iter().map(|l| (field_name.clone(), l)).collect())
}

/// The signed end (`/ByteRange` c + d) as written, for ordering before the dictionary is
/// checked.
pub(crate) fn signed_end(dict: &Dict) -> Option<u64> {
    let br = crate::validate::sigdict::raw_byte_range(dict);
    match br.as_slice() {
        [_, _, c, d] => u64::try_from(*c).ok()?.checked_add(u64::try_from(*d).ok()?),
        _ => None,
    }
}

/// The check recorded for a certification signature.
pub(crate) fn level_check(level: u8) -> String {
    format!(
        "certification signature (DocMDP P={level}): later revisions may add {}",
        mdp::level_meaning(level)
    )
}

/// A certification signature must be the first signature of the document: marks the
/// certification report failed when another signature precedes it. `reports` are in
/// revision order.
pub(crate) fn enforce_first(reports: &mut [SignatureReport]) {
    let end = |r: &SignatureReport| {
        r.coverage
            .as_ref()
            .filter(|c| c.revision.is_some())
            .and_then(|c| match c.byte_range.as_slice() {
                [_, _, x, y] => Some(x.saturating_add(*y)),
                _ => None,
            })
    };
    let ends: Vec<Option<i64>> = reports.iter().map(end).collect();
    for (i, rep) in reports.iter_mut().enumerate() {
        if rep.kind != crate::report::SignatureKind::Certification {
            continue;
        }
        let Some(mine) = ends[i] else { continue };
        let before = ends
            .iter()
            .enumerate()
            .filter(|(j, e)| *j != i && e.is_some_and(|e| e < mine))
            .count();
        if before == 0 {
            continue;
        }
        rep.checks.push(Check {
            id: CheckId::Certification,
            status: CheckStatus::Failed,
            message: format!(
                "a certification signature must be the document's first signature; {before} signature{} precede{} it",
                if before == 1 { "" } else { "s" },
                if before == 1 { "s" } else { "" }
            ),
            sub_indication: Some(SubIndication::FormatFailure),
        });
    }
}

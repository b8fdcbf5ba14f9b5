//! PAdES baseline levels above B-B (ETSI EN 319 142-1 §6): signing at B-T, B-LT and B-LTA,
//! and raising an existing signed file (kyso's or another tool's) to B-LT or B-LTA.
//!
//! - **B-T**: the signature carries a signature time-stamp (unsigned attribute
//!   id-aa-signatureTimeStampToken over the SignerInfo's signature value).
//! - **B-LT**: an incremental update adds a `/DSS` with every certificate, OCSP response and
//!   CRL needed to validate each signature and each time-stamp of the document.
//! - **B-LTA**: a further update adds a document time-stamp (`/Type /DocTimeStamp`,
//!   `/SubFilter /ETSI.RFC3161`) over all of that. Raising a B-LTA file again first stores
//!   the validation data of its newest time-stamp, then time-stamps the whole anew: that is
//!   how an archive is kept verifiable past its time-stamps' certificates.
//!
//! Before signing, the signer's own certificate status is fetched (OCSP, else CRL) and a
//! revoked certificate is refused (Decree 68/2024 Art. 29; TT 15/2025 Art. 5).
//!
//! **Invariant:** each step appends an incremental update; no earlier byte changes.

pub use crate::level::PadesLevel;
use std::collections::HashSet;
use std::sync::Arc;

use crate::cms::{self, SignerIdentifier};
use crate::dss::{self, DssAdditions};
use crate::pdf::{Dict, Document, IncrementalUpdate, Object, PdfString};
use crate::pki::Certificate;
use crate::revocation::{self, RevocationSource};
use crate::tsp::{TimeStampToken, TsaClient};

use super::{SignError, SignOptions, Signer};

/// Bytes reserved for the Attribute that wraps a signature time-stamp token (SEQUENCE,
/// OID, SET headers).
pub(crate) const TIMESTAMP_ATTRIBUTE_OVERHEAD: usize = 32;
/// Longest certificate chain followed when collecting validation data.
const MAX_CHAIN: usize = 16;

/// What the levels need beyond [`SignOptions`].
#[derive(Debug, Clone, Default)]
pub struct LevelOptions {
    /// The level to reach.
    pub level: PadesLevel,
    /// The time-stamp authority (required from B-T on).
    pub tsa: Option<TsaClient>,
    /// Where revocation data comes from (the pre-signing check and B-LT). `None`: no
    /// network; the pre-signing check is then reported as not done, and B-LT is refused.
    pub revocation: Option<Arc<dyn RevocationSource>>,
    /// Skip the pre-signing revocation check (reported in the notes).
    pub skip_revocation_check: bool,
    /// More certificates usable to complete chains (intermediates not in the signatures).
    pub extra_certificates: Vec<Certificate>,
}

/// A signed or extended file and what happened on the way.
#[derive(Debug, Clone)]
pub struct Outcome {
    /// The output file.
    pub pdf: Vec<u8>,
    /// Remarks for the user: the pre-signing check's result, validation data that could not
    /// be obtained, what was added.
    pub notes: Vec<String>,
}

/// Signs at `lvl.level`: checks the signer's revocation status, signs (with a signature
/// time-stamp from B-T on), then adds the DSS (B-LT) and a document time-stamp (B-LTA).
///
/// # Errors
/// A revoked signer certificate or an unknown status (unless skipped), a missing TSA for
/// B-T and above, a missing revocation source for B-LT and above, and everything
/// [`super::sign_pdf`] refuses.
pub fn sign(
    input: &[u8],
    signer: &dyn Signer,
    opts: &SignOptions,
    lvl: &LevelOptions,
) -> Result<Outcome, SignError> {
    let mut notes = Vec::new();
    if lvl.level >= PadesLevel::BT && lvl.tsa.is_none() {
        return Err(SignError::Document(format!(
            "{} needs a time-stamp authority (--tsa URL)",
            lvl.level.as_str()
        )));
    }
    if lvl.level >= PadesLevel::BLT && lvl.revocation.is_none() {
        return Err(SignError::Document(format!(
            "{} needs revocation data, which needs network access",
            lvl.level.as_str()
        )));
    }
    let now = opts.signing_time.unwrap_or_else(crate::time::now);
    if lvl.skip_revocation_check {
        notes.push("the signer's revocation status was not checked (--no-revocation-check)".into());
    } else if !opts.danger_skip_certificate_checks {
        notes.push(check_signer_status(signer, lvl, now)?);
    }
    let signed = match &lvl.tsa {
        Some(tsa) if lvl.level >= PadesLevel::BT => sign_timestamped(input, signer, opts, tsa)?,
        _ => super::sign_pdf(input, signer, opts)?,
    };
    if lvl.level < PadesLevel::BLT {
        return Ok(Outcome { pdf: signed, notes });
    }
    let mut extra = lvl.extra_certificates.clone();
    extra.extend(signer.chain().iter().cloned());
    let ext = extend(
        &signed,
        &LevelOptions {
            extra_certificates: extra,
            ..lvl.clone()
        },
    )?;
    notes.extend(ext.notes);
    Ok(Outcome {
        pdf: ext.pdf,
        notes,
    })
}

/// Signs with a signature time-stamp (B-T): the placeholder holds the CMS and a token of the
/// size this TSA returns; the token is asked for the signature value once it is computed.
fn sign_timestamped(
    input: &[u8],
    signer: &dyn Signer,
    opts: &SignOptions,
    tsa: &TsaClient,
) -> Result<Vec<u8>, SignError> {
    let now = opts.signing_time.unwrap_or_else(crate::time::now);
    if !opts.danger_skip_certificate_checks {
        super::check_signer_certificate(signer.certificate(), now)?;
    }
    let capacity = super::cms_capacity(signer, opts, now)?
        + tsa.token_size_estimate()?
        + TIMESTAMP_ATTRIBUTE_OVERHEAD;
    let opts = &super::with_signer_identity(opts, signer);
    let prepared = super::prepare(input, opts, now, capacity, Dict::new())?;
    let digest = signer.scheme().digest();
    let attrs = cms::build_signed_attributes(
        digest,
        &prepared.digest(digest),
        signer.certificate().der(),
        super::time_attribute(opts, now),
    )?;
    let signature = signer.sign(&attrs)?;
    let token = tsa.timestamp(&signature)?;
    let unsigned = cms::encode_attribute(
        crate::crypto::oids::SIGNATURE_TIMESTAMP_TOKEN,
        &[&token.der],
    );
    let cms_der = cms::build_signed_data(
        digest,
        signer.scheme(),
        signer.certificate().der(),
        &super::embedded_certificates(signer),
        &attrs,
        &signature,
        &[unsigned],
    )?;
    prepared.embed(&cms_der)
}

/// The pre-signing check: refuses a revoked certificate or one whose status cannot be
/// established; returns a note saying what was found.
fn check_signer_status(
    signer: &dyn Signer,
    lvl: &LevelOptions,
    now: i64,
) -> Result<String, SignError> {
    let cert = signer.certificate();
    let Some(source) = &lvl.revocation else {
        return Ok("the signer's revocation status was not checked (no network access)".into());
    };
    if cert.ocsp_urls().is_empty() && cert.crl_urls().is_empty() {
        return Ok("the signer's certificate names no OCSP responder and no CRL distribution point: its revocation status was not checked".into());
    }
    let mut pool: Vec<Certificate> = signer.chain().to_vec();
    pool.extend(lvl.extra_certificates.iter().cloned());
    let issuer = revocation::find_issuer(cert, &pool).ok_or_else(|| {
        SignError::Certificate(format!(
            "its issuer {} is not in the chain given, so its revocation status cannot be checked (add the chain, or --no-revocation-check)",
            cert.issuer()
        ))
    })?;
    match revocation::check_current_status(cert, issuer, source.as_ref(), now) {
        Ok((s, _)) => Ok(format!(
            "the signer's certificate is not revoked ({})",
            s.describe()
        )),
        Err(why) => Err(SignError::Certificate(why)),
    }
}

/// A signature or document time-stamp found in the newest revision, with its CMS parsed.
struct FoundCms {
    field: String,
    doc_timestamp: bool,
    contents: Vec<u8>,
}

fn signatures_of(doc: &Document) -> Result<Vec<FoundCms>, SignError> {
    let last = doc.last_revision();
    let mut out = Vec::new();
    for f in crate::form::fields_in(doc, last)? {
        if !f.is_signature() {
            continue;
        }
        let Some(v) = &f.value else { continue };
        let Ok(obj) = doc.deref_in(last, v) else {
            continue;
        };
        let Some(d) = obj.as_dict() else { continue };
        let Some(contents) = d.get(b"Contents").and_then(Object::as_string) else {
            continue;
        };
        let doc_timestamp = d.get_name(b"SubFilter") == Some(b"ETSI.RFC3161");
        out.push(FoundCms {
            field: f.name.clone(),
            doc_timestamp,
            contents: contents.bytes.clone(),
        });
    }
    Ok(out)
}

/// What an existing file's signatures and time-stamps need validated: their signers' and
/// TSAs' certificates, and the certificates they carry.
#[derive(Default)]
struct Inventory {
    leaves: Vec<Certificate>,
    pool: Vec<Certificate>,
    /// notAfter of the newest document time-stamp's TSA certificate, if any.
    newest_doc_timestamp: Option<(i64, i64)>,
    notes: Vec<String>,
    unstamped: Vec<String>,
}

fn push_cert(list: &mut Vec<Certificate>, c: Certificate) {
    if !list.contains(&c) {
        list.push(c);
    }
}

fn inventory(doc: &Document, extra: &[Certificate]) -> Result<Inventory, SignError> {
    let mut inv = Inventory::default();
    for c in extra {
        push_cert(&mut inv.pool, c.clone());
    }
    if let Some(d) = dss::Dss::read(doc, doc.last_revision())? {
        for der in &d.certs {
            if let Ok(c) = Certificate::from_der(der) {
                push_cert(&mut inv.pool, c);
            }
        }
    }
    let sigs = signatures_of(doc)?;
    if sigs.is_empty() {
        return Err(SignError::Document(
            "the document has no signatures to extend".into(),
        ));
    }
    let mut tokens: Vec<(String, bool, TimeStampToken)> = Vec::new();
    for s in &sigs {
        if s.doc_timestamp {
            match TimeStampToken::from_der(&s.contents) {
                Ok(t) => tokens.push((s.field.clone(), true, t)),
                Err(e) => inv.notes.push(format!(
                    "{}: the document time-stamp cannot be read: {e}",
                    s.field
                )),
            }
            continue;
        }
        let sd = match cms::parse_signed_data(&s.contents) {
            Ok(sd) => sd,
            Err(e) => {
                inv.notes
                    .push(format!("{}: the signature cannot be read: {e}", s.field));
                continue;
            }
        };
        let certs: Vec<Certificate> = sd
            .certificates
            .iter()
            .filter_map(|d| Certificate::from_der(d).ok())
            .collect();
        for c in &certs {
            push_cert(&mut inv.pool, c.clone());
        }
        let Some(si) = sd.signer_infos.first() else {
            continue;
        };
        let signer = certs.iter().chain(inv.pool.iter()).find(|c| match &si.sid {
            SignerIdentifier::IssuerAndSerial { issuer, serial } => {
                c.matches_issuer_serial(issuer, serial)
            }
            SignerIdentifier::SubjectKeyId(k) => c.subject_key_id() == Some(k.as_slice()),
        });
        match signer {
            Some(c) => push_cert(&mut inv.leaves, c.clone()),
            None => inv.notes.push(format!(
                "{}: the signer's certificate is not in the signature",
                s.field
            )),
        }
        let sig_tokens = si.timestamp_tokens();
        if sig_tokens.is_empty() {
            inv.unstamped.push(s.field.clone());
        }
        for t in sig_tokens {
            match TimeStampToken::from_der(t) {
                Ok(t) => tokens.push((s.field.clone(), false, t)),
                Err(e) => inv.notes.push(format!(
                    "{}: the signature time-stamp cannot be read: {e}",
                    s.field
                )),
            }
        }
    }
    for (field, is_doc, t) in &tokens {
        for c in t.certificates() {
            push_cert(&mut inv.pool, c);
        }
        match t.verify(&inv.pool) {
            Ok(tsa) => {
                if *is_doc && inv.newest_doc_timestamp.is_none_or(|(g, _)| t.info.gen_time >= g) {
                    inv.newest_doc_timestamp = Some((t.info.gen_time, chain_expiry(&tsa, &inv.pool)));
                }
                push_cert(&mut inv.leaves, tsa);
            }
            Err(e) => inv.notes.push(format!("{field}: a time-stamp does not verify ({e}); its validation data was not collected")),
        }
    }
    Ok(inv)
}

/// When the first certificate of `cert`'s chain (as far as `pool` completes it) expires.
fn chain_expiry(cert: &Certificate, pool: &[Certificate]) -> i64 {
    let mut c = cert.clone();
    let mut expiry = c.not_after();
    for _ in 0..MAX_CHAIN {
        if revocation::is_self_signed(&c) {
            break;
        }
        let Some(issuer) = revocation::find_issuer(&c, pool) else {
            break;
        };
        expiry = expiry.min(issuer.not_after());
        c = issuer.clone();
    }
    expiry
}

/// Collects the certificates, OCSP responses and CRLs that validate each of `leaves` up to
/// a self-signed root (fetching revocation data for every non-root certificate).
fn collect(
    leaves: &[Certificate],
    pool: &[Certificate],
    source: &dyn RevocationSource,
    fresh: bool,
    add: &mut DssAdditions,
    notes: &mut Vec<String>,
) {
    let mut done = HashSet::new();
    for leaf in leaves {
        let mut c = leaf.clone();
        for _ in 0..MAX_CHAIN {
            add.add_cert(c.der());
            if revocation::is_self_signed(&c) || !done.insert(c.sha256()) {
                break;
            }
            let Some(issuer) = revocation::find_issuer(&c, pool) else {
                notes.push(format!(
                    "the issuer of {} was not found (give it with --certs): its validation data is incomplete",
                    c.subject()
                ));
                break;
            };
            let f = if fresh {
                source.fetch_fresh(&c, issuer)
            } else {
                source.fetch(&c, issuer)
            };
            for d in &f.ocsp {
                add.add_ocsp(d);
            }
            for d in &f.crls {
                add.add_crl(d);
            }
            for d in &f.certs {
                add.add_cert(d);
            }
            if f.ocsp.is_empty() && f.crls.is_empty() {
                notes.push(format!(
                    "no revocation data for {}: {}",
                    c.subject(),
                    f.problems.join("; ")
                ));
            }
            c = issuer.clone();
        }
    }
}

/// Raises a signed file to B-LT (adds a DSS with the validation data of every signature and
/// time-stamp) or B-LTA (then adds a document time-stamp), by incremental updates.
///
/// # Errors
/// An unreadable input, a file without signatures, a level below B-LT, a missing TSA for
/// B-LTA or a missing revocation source.
pub fn extend(input: &[u8], lvl: &LevelOptions) -> Result<Outcome, SignError> {
    if lvl.level < PadesLevel::BLT {
        return Err(SignError::Document(
            "a signed file can be extended to B-LT or B-LTA".into(),
        ));
    }
    if lvl.level == PadesLevel::BLTA && lvl.tsa.is_none() {
        return Err(SignError::Document(
            "B-LTA needs a time-stamp authority (--tsa URL)".into(),
        ));
    }
    let source = lvl.revocation.as_ref().ok_or_else(|| {
        SignError::Document("B-LT needs revocation data, which needs network access".into())
    })?;
    let doc = super::assemble::open_for_update(input, None, false)?;
    let inv = inventory(&doc, &lvl.extra_certificates)?;
    let mut notes = inv.notes.clone();
    if lvl.level == PadesLevel::BLT && !inv.unstamped.is_empty() {
        notes.push(format!(
            "signature {} has no time-stamp: B-LT keeps its validation data, but only a document time-stamp (B-LTA) proves when it existed",
            inv.unstamped.join(", ")
        ));
    }
    let mut add = DssAdditions::default();
    collect(
        &inv.leaves,
        &inv.pool,
        source.as_ref(),
        false,
        &mut add,
        &mut notes,
    );
    let mut pdf = input.to_vec();
    let mut update = IncrementalUpdate::new(&doc);
    let counts = dss::add_to_update(&doc, &mut update, &add)?;
    if counts == dss::DssCounts::default() {
        notes.push("the DSS already holds all the validation data found".into());
    } else {
        update.write(&doc, &mut pdf)?;
        notes.push(format!(
            "DSS: added {} certificate(s), {} OCSP response(s), {} CRL(s)",
            counts.certs, counts.ocsps, counts.crls
        ));
    }
    if lvl.level == PadesLevel::BLTA {
        if let Some(tsa) = &lvl.tsa {
            pdf = add_document_timestamp(&pdf, tsa)?;
            notes.push(format!("document time-stamp added by {}", tsa.url));
            pdf = add_timestamp_validation_data(pdf, source.as_ref(), &inv.pool, &mut notes)?;
        }
    }
    Ok(Outcome { pdf, notes })
}

/// After a document time-stamp: a DSS update with its TSA's validation data, fetched after
/// it (so that validators requiring revocation data newer than the time-stamp find it).
/// The next renewal's time-stamp covers this update.
fn add_timestamp_validation_data(
    pdf: Vec<u8>,
    source: &dyn RevocationSource,
    pool: &[Certificate],
    notes: &mut Vec<String>,
) -> Result<Vec<u8>, SignError> {
    let doc = Document::from_bytes(pdf.clone())?;
    let newest = signatures_of(&doc)?
        .into_iter()
        .rev()
        .find(|s| s.doc_timestamp);
    let Some(token) = newest.and_then(|s| TimeStampToken::from_der(&s.contents).ok()) else {
        return Ok(pdf);
    };
    let mut pool = pool.to_vec();
    pool.extend(token.certificates());
    let Ok(tsa) = token.verify(&pool) else {
        return Ok(pdf);
    };
    let mut add = DssAdditions::default();
    collect(&[tsa], &pool, source, true, &mut add, notes);
    let mut update = IncrementalUpdate::new(&doc);
    let counts = dss::add_to_update(&doc, &mut update, &add)?;
    if counts == dss::DssCounts::default() {
        return Ok(pdf);
    }
    let mut out = pdf;
    update.write(&doc, &mut out)?;
    notes.push(format!(
        "DSS: added the document time-stamp's validation data ({} OCSP response(s), {} CRL(s))",
        counts.ocsps, counts.crls
    ));
    Ok(out)
}

/// When the newest document time-stamp's TSA chain starts to expire (the earliest notAfter of
/// the TSA certificate and its issuers found in the file or `extra`), if the file has a
/// verifiable document time-stamp: an archive must be time-stamped again before then.
///
/// # Errors
/// An unreadable input or a file without signatures.
pub fn archive_timestamp_expiry(
    input: &[u8],
    extra: &[Certificate],
) -> Result<Option<i64>, SignError> {
    let doc = Document::from_bytes(input.to_vec())?;
    Ok(inventory(&doc, extra)?
        .newest_doc_timestamp
        .map(|(_, exp)| exp))
}

/// Appends a document time-stamp (`/Type /DocTimeStamp`, `/SubFilter /ETSI.RFC3161`) in a
/// new invisible field `DocTimeStampN`, over the whole file.
///
/// # Errors
/// An unreadable or encrypted input, or a time-stamping failure.
pub fn add_document_timestamp(input: &[u8], tsa: &TsaClient) -> Result<Vec<u8>, SignError> {
    let doc = super::assemble::open_for_update(input, None, false)?;
    let reserve = tsa.token_size_estimate()?;
    let mut d = Dict::new();
    d.set("Type", Object::name("DocTimeStamp"));
    d.set("Filter", Object::name("Adobe.PPKLite"));
    d.set("SubFilter", Object::name("ETSI.RFC3161"));
    let placeholder = 9_999_999_999i64;
    d.set(
        "ByteRange",
        vec![
            Object::Integer(0),
            Object::Integer(placeholder),
            Object::Integer(placeholder),
            Object::Integer(placeholder),
        ],
    );
    d.set("Contents", PdfString::hex(vec![0u8; reserve]));
    let fields = crate::form::fields_in(&doc, doc.last_revision())?;
    let name = (1..)
        .map(|i| format!("DocTimeStamp{i}"))
        .find(|n| !fields.iter().any(|f| &f.name == n))
        .unwrap_or_default();
    let prepared = super::prepare_dictionary(input, d, Some(&name), reserve)?;
    let token = tsa.timestamp_digest(&prepared.digest(tsa.digest))?;
    prepared.embed(&token.der)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn levels_parse_and_order() {
        for l in [
            PadesLevel::BB,
            PadesLevel::BT,
            PadesLevel::BLT,
            PadesLevel::BLTA,
        ] {
            assert_eq!(PadesLevel::parse(l.as_str()), Some(l));
        }
        assert_eq!(PadesLevel::parse("b-lta"), Some(PadesLevel::BLTA));
        assert!(PadesLevel::parse("LTV").is_none());
        assert!(PadesLevel::BT < PadesLevel::BLT);
    }
}

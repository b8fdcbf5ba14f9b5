//! Signing: PAdES baseline B-B (`ETSI.CAdES.detached`, the default) or `adbe.pkcs7.detached`
//! signatures written as an incremental update.
//!
//! The flow: check the signer's certificate → build the update (signature dictionary with
//! a placeholder sized exactly for the CMS, a new or existing signature field, the
//! `/Annots` and `/AcroForm` bookkeeping) → write it after the unchanged input → write
//! `/ByteRange` in place → hash the signed ranges → sign the signed attributes → put the
//! CMS into the placeholder.
//!
//! **Invariant:** the input bytes are a prefix of the output.

pub mod csc;
pub mod external;
pub mod levels;
internal_mod! {
    assemble;
}
internal_mod! {
    certify;
    keys;
}
#[cfg(feature = "pkcs11")]
pub mod pkcs11;

use crate::cms;
use crate::pdf::{Dict, PdfError};

pub use assemble::*;
pub(crate) use keys::scheme_for_certificate;
pub use keys::{KeySigner, Signer};

/// Errors while signing. Nothing is written when signing fails.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SignError {
    /// The input could not be read as a PDF.
    #[error("cannot read the input PDF: {0}")]
    Pdf(#[from] PdfError),
    /// The key or certificate could not be loaded or used.
    #[error("{0}")]
    Key(String),
    /// The signer's certificate may not sign now (expired, not yet valid, wrong key usage).
    #[error("the signer's certificate cannot be used: {0}")]
    Certificate(String),
    /// The document cannot be signed as asked (field already signed, not a signature
    /// field, encrypted…).
    #[error("{0}")]
    Document(String),
    /// Building the CMS failed.
    #[error("CMS error: {0}")]
    Cms(#[from] cms::CmsError),
    /// Time-stamping failed (the TSA was unreachable, refused, or answered wrongly).
    #[error("time-stamp: {0}")]
    Timestamp(#[from] crate::tsp::TspError),
    /// An internal consistency check failed (e.g. the CMS outgrew its placeholder).
    #[error("internal error: {0}")]
    Internal(String),
    /// The visible signature could not be built.
    #[error("visible signature: {0}")]
    Appearance(#[from] crate::appearance::AppearanceError),
    /// A remote signing service (CSC API) failed or returned a signature that does not
    /// verify.
    #[error("{0}")]
    Remote(#[from] csc::CscError),
}

/// Which `/SubFilter` to write.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SubFilterChoice {
    /// `ETSI.CAdES.detached`: PAdES baseline.
    #[default]
    Pades,
    /// `adbe.pkcs7.detached`: the classic Adobe profile (signing time in the CMS as well).
    Pkcs7,
}

/// How to sign.
#[derive(Debug, Clone, Default)]
pub struct SignOptions {
    /// Field to sign: an existing empty signature field of this name, or a new invisible
    /// field with this name. `None`: a new field `Signature1` (or the next free number).
    pub field: Option<String>,
    /// `/Reason`.
    pub reason: Option<String>,
    /// `/Location`.
    pub location: Option<String>,
    /// `/ContactInfo`.
    pub contact_info: Option<String>,
    /// `/Name`.
    pub name: Option<String>,
    /// The `/SubFilter`.
    pub sub_filter: SubFilterChoice,
    /// Signing time (Unix seconds) for `/M`; `None` = now.
    pub signing_time: Option<i64>,
    /// A visible signature (widget rectangle and appearance); `None`: invisible.
    pub visible: Option<crate::appearance::VisibleSignature>,
    /// Skip the signer certificate checks (validity period, key usage). For tests that need
    /// a signature by a bad certificate; never use it for real documents.
    pub danger_skip_certificate_checks: bool,
    /// Write a certification (DocMDP) signature with this permission level: 1 = no changes,
    /// 2 = form filling and signing, 3 = also annotations. Refused when the document is
    /// already signed. See `certify`.
    pub certify: Option<u8>,
    /// The password of an encrypted input (user or owner). `None`: the empty user password,
    /// which opens most encrypted documents (those that only restrict permissions). The
    /// signature is appended encrypted with the document's key.
    pub document_password: Option<DocumentPassword>,
}

/// The password that opens an encrypted PDF. Never printed (`Debug` shows `***`).
#[derive(Clone, Default, PartialEq, Eq)]
pub struct DocumentPassword(Vec<u8>);

impl DocumentPassword {
    /// A password (its UTF-8 bytes for AES-256 documents; older ones use the bytes as given).
    pub fn new(password: impl Into<Vec<u8>>) -> Self {
        DocumentPassword(password.into())
    }
    pub(crate) fn bytes(&self) -> &[u8] {
        &self.0
    }
}

impl std::fmt::Debug for DocumentPassword {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("DocumentPassword(***)")
    }
}

/// Refuses a certificate that is expired, not yet valid, lacks a signing key usage, or whose
/// extended key usage restricts it to other purposes than signing documents (validators
/// would refuse the signature: see [`crate::pki::DOCUMENT_SIGNING_EKUS`]).
///
/// # Errors
/// `SignError::Certificate` with the reason.
pub fn check_signer_certificate(cert: &crate::pki::Certificate, at: i64) -> Result<(), SignError> {
    if at < cert.not_before() {
        return Err(SignError::Certificate(format!(
            "it is not valid before {}",
            crate::time::format_rfc3339(cert.not_before())
        )));
    }
    if at > cert.not_after() {
        return Err(SignError::Certificate(format!(
            "it expired on {}",
            crate::time::format_rfc3339(cert.not_after())
        )));
    }
    if let Some(ku) = cert.key_usage() {
        if !(ku.digital_signature || ku.non_repudiation) {
            return Err(SignError::Certificate(
                "its key usage allows neither digitalSignature nor nonRepudiation".into(),
            ));
        }
    }
    if !cert.eku_allows_document_signing() {
        return Err(SignError::Certificate(format!(
            "its extended key usage ({}) does not allow signing documents",
            cert.extended_key_usage()
                .unwrap_or_default()
                .iter()
                .map(|o| crate::pki::cert::eku_name(o))
                .collect::<Vec<_>>()
                .join(", ")
        )));
    }
    Ok(())
}

/// Signs a PDF, returning the signed file (the input followed by one incremental update).
///
/// Callers that split the steps (a remote key, a citizen's signing app) use
/// [`external::prepare_external`] and [`external::finish_external`].
///
/// # Errors
/// See [`SignError`]; nothing is returned on failure.
pub fn sign_pdf(
    input: &[u8],
    signer: &dyn Signer,
    opts: &SignOptions,
) -> Result<Vec<u8>, SignError> {
    let now = opts.signing_time.unwrap_or_else(crate::time::now);
    if !opts.danger_skip_certificate_checks {
        check_signer_certificate(signer.certificate(), now)?;
    }
    let capacity = cms_capacity(signer, opts, now)?;
    let opts = &with_signer_identity(opts, signer);
    let prepared = prepare(input, opts, now, capacity, Dict::new())?;
    let digest = prepared.digest(signer.scheme().digest());
    let cms_der = build_cms(signer, opts, now, &digest, &[])?;
    prepared.embed(&cms_der)
}

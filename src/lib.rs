//! # kyso — sign and verify PDF documents with PKI certificates
//!
//! kyso ("ký số": to sign digitally) signs PDFs as PAdES baseline signatures (B-B to B-LTA)
//! by incremental update, and validates signed PDFs: integrity, cryptography, the
//! certificate chain at the right time, and what changed after each signature. It is built
//! for Vietnam's fully-online public services: citizens sign dossiers, officials and
//! agencies sign results, and anyone holding a result verifies it offline, years later.
//!
//! ## Getting started
//!
//! ```no_run
//! use kyso::{sign_pdf, Certificate, KeySigner, SignOptions, TrustStore, ValidationOptions, Validator};
//!
//! let signer = KeySigner::from_pkcs12(&std::fs::read("signer.p12")?, "password")?;
//! let signed = sign_pdf(&std::fs::read("in.pdf")?, &signer, &SignOptions::default())?;
//! kyso::write_atomic("out.pdf".as_ref(), &signed, false)?;
//!
//! let mut trust = TrustStore::new();
//! for c in Certificate::from_pem_or_der(&std::fs::read("root.pem")?)? {
//!     trust.add(c);
//! }
//! let validator = Validator::new(ValidationOptions { trust, ..Default::default() });
//! let report = validator.validate_bytes("out.pdf", &signed); // a FileReport: data, not an error
//! println!("{}", kyso::report::render_text(&report));
//! assert!(report.valid);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! ## Scope
//!
//! - **Signing** ([`sign_pdf`], [`sign::levels`], [`sign::external`], `sign::pkcs11`): PAdES
//!   B-B/B-T/B-LT/B-LTA or `adbe.pkcs7.detached`, keys in files, on tokens and HSMs, or with
//!   a remote service (two-phase), invisible or visible ([`appearance`]), certification.
//! - **Verification** ([`Validator`]): every signature and document time-stamp, with ETSI EN
//!   319 102-1 indications in a [`FileReport`]. A signature is `TOTAL-PASSED` only when every
//!   check its kind requires ([`report::CheckId::required_for`]) ran and passed.
//! - **Procedure policy** ([`policy`]): a dossier against a procedure of a catalog, in
//!   Vietnamese or English.
//! - **Batches** ([`batch`]): many files on all cores with flat memory.
//!
//! **Non-goals:** rendering or editing PDFs; being a CA or a time-stamp authority; trusting
//! anything by default (trust anchors and profiles are always the caller's choice);
//! network I/O during validation unless the caller supplies a revocation source.
//!
//! ## Cargo features
//!
//! | feature | default | what it adds | extra dependencies |
//! |---|---|---|---|
//! | `pkcs11` | yes | `sign::pkcs11`: USB tokens and HSMs through the vendor's PKCS#11 module | `cryptoki` |
//! | `appearance` | yes | drawing visible signatures (font subset, PNG images) | `subsetter`, `ttf-parser`, `png` |
//! | `online` | yes | the built-in HTTP client: OCSP, CRLs, caIssuers, RFC 3161 time-stamps ([`TsaClient::new`], [`OnlineSource`]'s `Default`) | – |
//! | `batch` | yes | [`batch`]: many files on thread pools | `rayon` |
//!
//! Without `online`, bring your own [`HttpTransport`] (HTTPS, a proxy) to [`TsaClient::over`]
//! and [`OnlineSource::new`].
//!
//! ## The public API
//!
//! The re-exports below are the API; the modules give the same items namespaced, plus the
//! report and policy data types. Everything else is internal (`pub(crate)`), reachable only
//! through the unstable, hidden `internals` feature that kyso's own tests and fuzz targets
//! use. Errors are typed enums; verdicts (a [`FileReport`], a [`policy::PolicyReport`]) are
//! data, never errors.
#![warn(missing_docs, unreachable_pub)]
#![cfg_attr(
    not(test),
    deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)
)]
#![forbid(unsafe_code)]

/// Declares an internal module: `pub(crate)`, or public but hidden with the unstable
/// `internals` feature (kyso's integration tests and fuzz targets reach the PDF reader, the
/// DER and CMS parsers and the like through it; there is no stability promise).
///
/// Without `internals`, the items that only those tests use are unreachable and unused,
/// hence the two `allow`s; every test build has `internals` on, where `unreachable_pub` and
/// `dead_code` apply in full.
macro_rules! internal_mod {
    ($($(#[$attr:meta])* $name:ident;)*) => {$(
        $(#[$attr])*
        #[cfg(feature = "internals")]
        #[doc(hidden)]
        pub mod $name;
        $(#[$attr])*
        #[cfg(not(feature = "internals"))]
        #[allow(unreachable_pub, dead_code)]
        pub(crate) mod $name;
    )*};
}

// Public modules.
pub mod appearance;
#[cfg(feature = "batch")]
pub mod batch;
pub mod inspect;
pub mod pki;
pub mod policy;
#[cfg(feature = "render")]
pub mod render;
pub mod report;
pub mod revocation;
pub mod sign;
pub mod time;
pub mod validate;

internal_mod! {
    cms;
    crypto;
    der;
    diff;
    dss;
    form;
    io;
    net;
    pdf;
    tsp;
}

// ---- The public API -------------------------------------------------------------------

// Signing.
pub use crate::crypto::{DigestAlgorithm, KeyInfo, SignatureScheme};
pub use crate::level::PadesLevel;
pub use crate::sign::csc::{CscApiVersion, CscError, CscOptions, CscSigner};
pub use crate::sign::external::{
    finish_external, prepare_external, CallbackSigner, ExternalSigner, PendingSignature,
    PreparedExternal, SignInput,
};
pub use crate::sign::levels::{extend, LevelOptions};
#[cfg(feature = "pkcs11")]
pub use crate::sign::pkcs11::{Pkcs11Module, Pkcs11Options, Pkcs11Signer};
pub use crate::sign::{
    sign_pdf, DocumentPassword, KeySigner, SignError, SignOptions, Signer, SubFilterChoice,
};

// Verification.
pub use crate::net::{HttpReply, HttpTransport, NetError, Response as HttpResponse};
pub use crate::report::{
    ChangedRegion, Check, CheckId, CheckStatus, FileReport, Indication, Rendering, RenderingStatus,
    SignatureKind, SignatureReport, SubIndication,
};
pub use crate::revocation::{OnlineSource, RevocationPolicy, RevocationSource};
pub use crate::tsp::{TsaClient, TspError, DEFAULT_TSA_TIMEOUT};
pub use crate::validate::{RenderCheck, ValidationOptions, Validator};

// Certificates and trust.
pub use crate::pki::{
    AiaFetcher, CertError, Certificate, DistinguishedName, IssuerSource, TrustStore, VnIdentifier,
};

// Files.
pub use crate::io::{same_file, write_atomic};

// Errors of the building blocks, carried by the errors above.
pub use crate::cms::CmsError;
pub use crate::der::DerError;
pub use crate::pdf::PdfError;

mod level;

#[cfg(feature = "internals")]
#[doc(hidden)]
pub mod fuzzing;

/// The examples of the front doors and the guides, compiled as doctests.
#[cfg(doctest)]
mod doc_examples {
    macro_rules! doc_examples {
        ($($name:ident = $file:literal;)*) => {$(
            #[doc = include_str!($file)]
            pub struct $name;
        )*};
    }
    doc_examples! {
        Readme = "../README.md";
        ReadmeVi = "../README.vi.md";
        Signing = "../docs/signing.md";
        Verifying = "../docs/verifying.md";
        Batch = "../docs/batch.md";
        Policy = "../docs/policy.md";
        TokensAndRemoteSigning = "../docs/tokens-and-remote-signing.md";
    }
}

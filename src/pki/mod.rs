//! Public-key infrastructure: certificates and their facts (`cert`), distinguished names
//! with Vietnamese identifiers (`name`), trust anchors and certification paths (`path`),
//! missing intermediates fetched by caIssuers ([`AiaFetcher`]).
//!
//! Path building is time-independent (names, key identifiers, signatures, CA constraints);
//! checking validity periods at a given time is a separate step, so that validation can ask
//! "valid now?" and "valid at the proven signing time?" of the same path.

internal_mod! {
    aia;
    cert;
    constraints;
    name;
    path;
}

pub use aia::{
    AiaFetcher, FetchedIssuers, IssuerSource, MAX_AIA_RESPONSE, MAX_URLS_PER_CERTIFICATE,
};
pub use cert::{Certificate, KeyUsage, DOCUMENT_SIGNING_EKUS};
pub use name::{DistinguishedName, NameAttribute, VnIdentifier};
pub use path::{CertPath, PathError, TrustStore, ValidityProblem};

/// Errors loading certificates.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CertError {
    /// Not a parsable X.509 certificate.
    #[error("malformed certificate: {0}")]
    Malformed(String),
    /// PEM input with no certificate in it.
    #[error("no certificate found in PEM input")]
    NoCertificate,
}

//! Trust anchors and certification paths (RFC 5280 §6, simplified: no policy or name
//! constraint processing yet).
//!
//! [`TrustStore::build_path`] is time-independent: it chains the end-entity certificate to a
//! trust anchor through the candidate intermediates by name and key identifier, checking each
//! signature, that every issuer is a CA (basicConstraints cA, keyUsage keyCertSign when the
//! extension is present), path length constraints, and unknown critical extensions. It
//! tries alternatives (cross-certificates, duplicates) with a work budget, and reports the
//! most specific failure when none works. [`CertPath::check_validity_at`] then checks every
//! certificate's validity period at a given time.

use serde::Serialize;

use super::Certificate;

/// Why no acceptable path was found (most specific failure first in ranking).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
#[non_exhaustive]
pub enum PathError {
    /// No chain of issuers from the certificate to any trust anchor.
    #[error("no certificate chain to a trust anchor: issuer {issuer} not found")]
    NoChain {
        /// The issuer name that could not be found (of the last certificate reached).
        issuer: String,
    },
    /// A signature in the chain does not verify.
    #[error("the signature on certificate {subject} does not verify with its issuer's key")]
    BadSignature {
        /// Subject of the certificate whose signature failed.
        subject: String,
    },
    /// An issuer that is not a CA (basicConstraints missing or cA false, or keyUsage without
    /// keyCertSign).
    #[error("{subject} is used as an issuer but is not a CA certificate: {reason}")]
    NotCa {
        /// Subject of the would-be CA.
        subject: String,
        /// Which constraint failed.
        reason: String,
    },
    /// pathLenConstraint exceeded.
    #[error("path length constraint of {subject} exceeded")]
    PathLenExceeded {
        /// Subject of the constraining CA.
        subject: String,
    },
    /// A certificate has a critical extension kyso does not process.
    #[error("{subject} has an unsupported critical extension")]
    UnknownCriticalExtension {
        /// Subject.
        subject: String,
    },
    /// Path building gave up (too many candidates): hostile or pathological input.
    #[error("path building budget exhausted")]
    BudgetExhausted,
}

/// The set of trust anchors.
#[derive(Debug, Clone, Default)]
pub struct TrustStore {
    anchors: Vec<Certificate>,
}

/// A certification path: end-entity first, trust anchor last.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CertPath {
    /// The certificates, from the end-entity to the anchor.
    pub certificates: Vec<Certificate>,
}

/// A certificate of the path that is outside its validity period at the time asked.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ValidityProblem {
    /// Position in the path (0 = end entity).
    pub index: usize,
    /// Subject.
    pub subject: String,
    /// notBefore (Unix seconds).
    pub not_before: i64,
    /// notAfter (Unix seconds).
    pub not_after: i64,
    /// true if expired (t > notAfter), false if not yet valid.
    pub expired: bool,
}

impl TrustStore {
    /// An empty store.
    pub fn new() -> Self {
        TrustStore::default()
    }
    /// Adds an anchor (duplicates are ignored).
    pub fn add(&mut self, cert: Certificate) {
        if !self.anchors.contains(&cert) {
            self.anchors.push(cert);
        }
    }
    /// The anchors.
    pub fn anchors(&self) -> &[Certificate] {
        &self.anchors
    }
    /// Whether the store has no anchors.
    pub fn is_empty(&self) -> bool {
        self.anchors.is_empty()
    }
    /// Builds a path from `leaf` to an anchor using `candidates` as possible intermediates.
    /// A leaf that is itself an anchor yields a one-element path.
    pub fn build_path(&self, leaf: &Certificate, candidates: &[Certificate]) -> Result<CertPath, PathError> {
        todo!("{leaf:?} {}", candidates.len())
    }
}

impl CertPath {
    /// Every certificate whose validity period does not contain `t`.
    pub fn check_validity_at(&self, t: i64) -> Vec<ValidityProblem> {
        todo!("{t}")
    }
    /// The end-entity certificate.
    pub fn leaf(&self) -> &Certificate {
        &self.certificates[0]
    }
    /// The trust anchor.
    pub fn anchor(&self) -> &Certificate {
        &self.certificates[self.certificates.len() - 1]
    }
}

//! Trust anchors and certification paths (RFC 5280 §6, simplified: name constraints are
//! processed, certificate policies are not yet).
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
    /// A certificate's name is outside the name constraints of a CA above it (RFC 5280
    /// §4.2.1.10), or the CA's constraints cannot be read.
    #[error("{subject} violates the name constraints of {ca}: {reason}")]
    NameConstraints {
        /// Subject of the certificate whose names were checked.
        subject: String,
        /// Subject of the constraining CA.
        ca: String,
        /// Which name, and why.
        reason: String,
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
    ///
    /// Depth-first, anchors tried before intermediates. An issuer candidate must have the
    /// current certificate's issuer Name as its subject (DER-equal) and, when both are
    /// present, a subjectKeyIdentifier equal to the current authorityKeyIdentifier. Then its
    /// signature is checked, and its CA-ness: intermediates need basicConstraints cA=true;
    /// anchors are trusted by configuration and need no basicConstraints; both need
    /// keyCertSign when they have a keyUsage extension. pathLenConstraint (anchors' included)
    /// counts the non-self-issued intermediates below the CA. Certificates with an unknown
    /// critical extension are refused, except anchors. A path holds at most
    /// `MAX_PATH_LEN` certificates (a longer chain ends in `PathError::NoChain`) and never
    /// the same certificate twice; the search
    /// stops with `PathError::BudgetExhausted` after `MAX_SIGNATURE_CHECKS` signature
    /// checks or `MAX_CANDIDATE_VISITS` candidate visits. When every branch fails, the
    /// most specific failure is reported (any of BadSignature / NotCa / PathLenExceeded /
    /// UnknownCriticalExtension rather than NoChain; the first found among those).
    pub fn build_path(
        &self,
        leaf: &Certificate,
        candidates: &[Certificate],
    ) -> Result<CertPath, PathError> {
        if self.anchors.contains(leaf) {
            return Ok(CertPath {
                certificates: vec![leaf.clone()],
            });
        }
        if leaf.has_unknown_critical_extension() {
            return Err(PathError::UnknownCriticalExtension {
                subject: leaf.subject().to_string(),
            });
        }
        let mut search = Search {
            store: self,
            candidates,
            signature_checks: 0,
            visits: 0,
        };
        let mut path = vec![leaf.clone()];
        search.extend(&mut path)
    }
}

/// Maximum number of certificates in a path (end entity and anchor included).
pub const MAX_PATH_LEN: usize = 10;
/// Maximum number of signature verifications in one [`TrustStore::build_path`].
pub(crate) const MAX_SIGNATURE_CHECKS: usize = 100;
/// Maximum number of issuer candidates examined in one [`TrustStore::build_path`].
pub(crate) const MAX_CANDIDATE_VISITS: usize = 1000;

impl PathError {
    /// How specific the failure is: errors found on a real issuer relationship outrank
    /// "no issuer found".
    fn rank(&self) -> u8 {
        match self {
            PathError::NoChain { .. } => 0,
            PathError::BadSignature { .. } => 1,
            PathError::NotCa { .. }
            | PathError::PathLenExceeded { .. }
            | PathError::NameConstraints { .. }
            | PathError::UnknownCriticalExtension { .. } => 2,
            PathError::BudgetExhausted => 3,
        }
    }
}

/// One path-building run: the inputs and the work done so far.
struct Search<'a> {
    store: &'a TrustStore,
    candidates: &'a [Certificate],
    signature_checks: usize,
    visits: usize,
}

impl Search<'_> {
    /// Extends `path` (non-empty, last = the certificate whose issuer is sought) to an anchor.
    fn extend(&mut self, path: &mut Vec<Certificate>) -> Result<CertPath, PathError> {
        let current = path[path.len() - 1].clone();
        let anchors = self.store.anchors.iter().map(|c| (c, true));
        let intermediates = self.candidates.iter().map(|c| (c, false));
        let mut best: Option<PathError> = None;
        for (issuer, is_anchor) in anchors.chain(intermediates) {
            self.visits += 1;
            if self.visits > MAX_CANDIDATE_VISITS {
                return Err(PathError::BudgetExhausted);
            }
            if issuer.subject_der() != current.issuer_der() {
                continue;
            }
            if let (Some(aki), Some(ski)) = (current.authority_key_id(), issuer.subject_key_id()) {
                if aki != ski {
                    continue;
                }
            }
            // Loop guard; also skips a candidate that is a copy of an anchor already tried.
            if path.contains(issuer) || (!is_anchor && self.store.anchors.contains(issuer)) {
                continue;
            }
            let result = self.try_issuer(path, &current, issuer, is_anchor);
            match result {
                Ok(p) => return Ok(p),
                Err(PathError::BudgetExhausted) => return Err(PathError::BudgetExhausted),
                Err(e) => {
                    if best.as_ref().is_none_or(|b| e.rank() > b.rank()) {
                        best = Some(e);
                    }
                }
            }
        }
        Err(best.unwrap_or_else(|| PathError::NoChain {
            issuer: current.issuer().to_string(),
        }))
    }

    /// Checks `issuer` as the issuer of `current` (the last of `path`) and continues from it.
    fn try_issuer(
        &mut self,
        path: &mut Vec<Certificate>,
        current: &Certificate,
        issuer: &Certificate,
        is_anchor: bool,
    ) -> Result<CertPath, PathError> {
        self.signature_checks += 1;
        if self.signature_checks > MAX_SIGNATURE_CHECKS {
            return Err(PathError::BudgetExhausted);
        }
        if !current.is_signed_by(issuer) {
            return Err(PathError::BadSignature {
                subject: current.subject().to_string(),
            });
        }
        let subject = || issuer.subject().to_string();
        if !is_anchor && issuer.has_unknown_critical_extension() {
            return Err(PathError::UnknownCriticalExtension { subject: subject() });
        }
        if !is_anchor {
            match issuer.basic_constraints() {
                None => {
                    return Err(PathError::NotCa {
                        subject: subject(),
                        reason: "no basicConstraints".into(),
                    });
                }
                Some((false, _)) => {
                    return Err(PathError::NotCa {
                        subject: subject(),
                        reason: "basicConstraints cA is false".into(),
                    });
                }
                Some((true, _)) => {}
            }
        }
        if let Some(ku) = issuer.key_usage() {
            if !ku.key_cert_sign {
                return Err(PathError::NotCa {
                    subject: subject(),
                    reason: "keyUsage lacks keyCertSign".into(),
                });
            }
        }
        if let Some((_, Some(max))) = issuer.basic_constraints() {
            // Intermediates below this CA: path[1..] (path[0] is the end entity).
            let below = path[1..].iter().filter(|c| !c.is_self_issued()).count();
            if below > max as usize {
                return Err(PathError::PathLenExceeded { subject: subject() });
            }
        }
        // Name constraints of this CA (anchors' included) bind every certificate below it,
        // except self-issued intermediates (RFC 5280 §6.1.4 (g), §6.1.3 (b)).
        let constraints = issuer
            .name_constraints()
            .map_err(|reason| PathError::NameConstraints {
                subject: path[0].subject().to_string(),
                ca: subject(),
                reason,
            })?;
        if let Some(nc) = constraints {
            for (i, c) in path.iter().enumerate() {
                if i > 0 && c.is_self_issued() {
                    continue;
                }
                nc.check(c.constrained_names())
                    .map_err(|reason| PathError::NameConstraints {
                        subject: c.subject().to_string(),
                        ca: subject(),
                        reason,
                    })?;
            }
        }
        if is_anchor {
            let mut certificates = path.clone();
            certificates.push(issuer.clone());
            return Ok(CertPath { certificates });
        }
        if path.len() + 2 > MAX_PATH_LEN {
            // No room left for this intermediate and an anchor above it.
            return Err(PathError::NoChain {
                issuer: issuer.issuer().to_string(),
            });
        }
        path.push(issuer.clone());
        let result = self.extend(path);
        path.pop();
        result
    }
}

impl CertPath {
    /// Every certificate whose validity period does not contain `t`.
    pub fn check_validity_at(&self, t: i64) -> Vec<ValidityProblem> {
        self.certificates
            .iter()
            .enumerate()
            .filter(|(_, c)| !c.is_valid_at(t))
            .map(|(index, c)| ValidityProblem {
                index,
                subject: c.subject().to_string(),
                not_before: c.not_before(),
                not_after: c.not_after(),
                expired: t > c.not_after(),
            })
            .collect()
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

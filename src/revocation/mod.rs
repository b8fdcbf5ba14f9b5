//! Revocation: whether a certificate was revoked at a given time, from OCSP responses
//! (`ocsp`) and CRLs (`crl`).
//!
//! Two halves, kept apart so that validation stays offline:
//!
//! - `Evidence` is a pool of OCSP responses and CRLs (from the CMS, the document's DSS, or
//!   fetched), each verified against the certificate's issuer before it counts.
//!   `Evidence::status_at` answers "was this certificate good at time *t*?" with no I/O.
//! - [`RevocationSource`] fetches evidence. [`OnlineSource`] asks the OCSP responders named
//!   in the certificate's authorityInfoAccess (with a nonce), falls back to its CRL
//!   distribution points, verifies what it gets, and caches per run, so a batch asks once per
//!   certificate (and once per CRL URL).
//!
//! **Freshness.** Evidence shows a certificate good at *t* when it was issued at or after
//! *t* (`thisUpdate ≥ t`: the certificate was not revoked by then, and revocation is final),
//! or when it was the current information at *t* (`thisUpdate ≤ t ≤ nextUpdate`).
//! A revocation at or before *t* makes it revoked at *t*; a revocation after *t* leaves it
//! good at *t*.

internal_mod! {
    evidence;
    crl;
    ocsp;
}

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use serde::Serialize;

use crate::der::DerError;
#[cfg(feature = "online")]
use crate::net::HttpClient;
use crate::net::{HttpTransport, NetError};
use crate::pki::Certificate;

pub(crate) use crl::Crl;
pub(crate) use evidence::{Evidence, Origin, Statement, Status, Verdict};
pub(crate) use ocsp::OcspResponse;

/// Clock skew tolerated between kyso and a responder when judging fresh responses (seconds).
pub(crate) const CLOCK_SKEW: i64 = 300;
/// The oldest OCSP response without nextUpdate accepted from a live responder (seconds).
pub(crate) const MAX_OCSP_AGE: i64 = 7 * 86_400;

/// What to do when revocation status cannot be established (chosen by the caller, reported
/// in the result).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum RevocationPolicy {
    /// Missing revocation evidence makes a signature INDETERMINATE (TRY_LATER).
    Require,
    /// Missing evidence for a certificate that is still within its validity period is a
    /// warning (the service may be unreachable); a revoked certificate still fails, and an
    /// expired certificate still needs evidence (its status can never be fetched again).
    #[default]
    SoftFail,
    /// Revocation is not checked (reported as a warning).
    Off,
}

impl std::fmt::Display for RevocationPolicy {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl RevocationPolicy {
    /// The spelling in reports and on the command line.
    pub fn as_str(self) -> &'static str {
        match self {
            RevocationPolicy::Require => "require",
            RevocationPolicy::SoftFail => "soft-fail",
            RevocationPolicy::Off => "off",
        }
    }
}

/// Errors of revocation data.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum RevocationError {
    /// Malformed DER.
    #[error("malformed revocation data: {0}")]
    Der(#[from] DerError),
    /// Well-formed DER that is not the expected structure.
    #[error("malformed revocation data: {0}")]
    Malformed(&'static str),
    /// The responder refused (tryLater, unauthorized, unknown certificate…).
    #[error("{0}")]
    Refused(String),
    /// The signer of the response or CRL is not authorised for this certificate.
    #[error("{0}")]
    Unauthorized(String),
    /// The signature of the response or CRL does not verify.
    #[error("{0}")]
    BadSignature(String),
    /// The response does not answer the question asked (nonce, certificate, freshness).
    #[error("{0}")]
    Mismatch(String),
    /// Fetching failed.
    #[error(transparent)]
    Net(#[from] NetError),
}

/// What a source fetched for one certificate: raw OCSP responses and CRLs (already
/// verified against the issuer), certificates they need (delegated responders), and what
/// went wrong.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Fetched {
    /// OCSPResponse DERs.
    pub ocsp: Vec<Vec<u8>>,
    /// CRL DERs.
    pub crls: Vec<Vec<u8>>,
    /// Certificates the evidence needs (OCSP responder certificates), DER.
    pub certs: Vec<Vec<u8>>,
    /// Failures, one line each ("OCSP http://…: timed out").
    pub problems: Vec<String>,
}

/// Fetches revocation evidence for a certificate. Implementations must be cheap to call
/// repeatedly for the same certificate (cache).
pub trait RevocationSource: Send + Sync + std::fmt::Debug {
    /// Evidence about `cert`, issued by `issuer` (possibly cached).
    fn fetch(&self, cert: &Certificate, issuer: &Certificate) -> Fetched;
    /// Evidence fetched now, bypassing caches: for validation data that must postdate a
    /// time-stamp just made. Defaults to [`RevocationSource::fetch`].
    fn fetch_fresh(&self, cert: &Certificate, issuer: &Certificate) -> Fetched {
        self.fetch(cert, issuer)
    }
}

/// A certificate and its issuer, by SHA-256 (cache key).
type CertPair = ([u8; 32], [u8; 32]);

/// Fetches from the OCSP responders and CRL distribution points named in certificates.
#[derive(Debug)]
pub struct OnlineSource {
    transport: Arc<dyn HttpTransport>,
    /// Send a nonce in OCSP requests (and require a returned nonce to match).
    pub use_nonce: bool,
    cache: Mutex<HashMap<CertPair, Fetched>>,
    crl_cache: Mutex<HashMap<String, Result<Vec<u8>, String>>>,
}

#[cfg(feature = "online")]
impl Default for OnlineSource {
    fn default() -> Self {
        OnlineSource::new(Arc::new(HttpClient::default()))
    }
}

impl OnlineSource {
    /// A source over `transport`.
    pub fn new(transport: Arc<dyn HttpTransport>) -> Self {
        OnlineSource {
            transport,
            use_nonce: true,
            cache: Mutex::default(),
            crl_cache: Mutex::default(),
        }
    }

    /// Asks one OCSP responder, returning the verified response and the responder
    /// certificate when it is a delegated one.
    ///
    /// # Errors
    /// Network errors, refusals, wrong nonce, unauthorised responders, stale responses.
    pub fn query_ocsp(
        &self,
        url: &str,
        cert: &Certificate,
        issuer: &Certificate,
    ) -> Result<(OcspResponse, Option<Certificate>), RevocationError> {
        let id = ocsp::CertId::new(crate::crypto::DigestAlgorithm::Sha1, cert, issuer).ok_or(
            RevocationError::Malformed("the issuer's public key cannot be read"),
        )?;
        let mut nonce = [0u8; 16];
        let nonce = if self.use_nonce && openssl::rand::rand_bytes(&mut nonce).is_ok() {
            Some(nonce.to_vec())
        } else {
            None
        };
        let req = ocsp::build_request(&id, nonce.as_deref());
        let resp = self.transport.post(url, ocsp::CONTENT_TYPE_REQUEST, &req)?;
        let parsed = OcspResponse::from_der(&resp.body)?;
        if let (Some(sent), Some(got)) = (&nonce, &parsed.nonce) {
            if sent != got {
                return Err(RevocationError::Mismatch(
                    "the OCSP response's nonce is not the one sent (replayed response?)".into(),
                ));
            }
        }
        let responder = parsed.verify(issuer, &[])?;
        let single = parsed.find(cert, issuer).ok_or_else(|| {
            RevocationError::Mismatch("the OCSP response is not about the certificate asked".into())
        })?;
        let now = crate::time::now();
        if single.this_update > now + CLOCK_SKEW {
            return Err(RevocationError::Mismatch(
                "the OCSP response's thisUpdate is in the future".into(),
            ));
        }
        match single.next_update {
            Some(n) if n < now - CLOCK_SKEW => {
                return Err(RevocationError::Mismatch(format!(
                    "the OCSP response is stale (nextUpdate {})",
                    crate::time::format_rfc3339(n)
                )))
            }
            None if single.this_update < now - MAX_OCSP_AGE => {
                return Err(RevocationError::Mismatch(
                    "the OCSP response is more than a week old".into(),
                ))
            }
            _ => {}
        }
        if single.status.is_none() {
            return Err(RevocationError::Refused(
                "the OCSP responder does not know the certificate".into(),
            ));
        }
        let delegated = (responder != *issuer).then_some(responder);
        Ok((parsed, delegated))
    }

    /// Downloads a CRL (once per URL per run) and checks it is `issuer`'s and in scope.
    ///
    /// # Errors
    /// Network errors, unparsable, out-of-scope or badly signed CRLs.
    pub fn query_crl(
        &self,
        url: &str,
        cert: &Certificate,
        issuer: &Certificate,
    ) -> Result<Vec<u8>, RevocationError> {
        let cached = self.crl_cache.lock().ok().and_then(|c| c.get(url).cloned());
        let der = match cached {
            Some(r) => r.map_err(RevocationError::Refused)?,
            None => {
                let r = self
                    .transport
                    .get(url)
                    .map(|r| r.body)
                    .map_err(|e| e.to_string());
                if let Ok(mut c) = self.crl_cache.lock() {
                    c.insert(url.to_string(), r.clone());
                }
                r.map_err(RevocationError::Refused)?
            }
        };
        let crl = Crl::from_der(&der)?;
        if !crl.covers(cert, issuer) {
            return Err(RevocationError::Mismatch(match crl.unusable {
                Some(why) => format!("the CRL is {why}"),
                None => "the CRL does not cover the certificate".into(),
            }));
        }
        crl.verify(issuer)?;
        Ok(crl.der)
    }
}

impl OnlineSource {
    fn fetch_now(&self, cert: &Certificate, issuer: &Certificate, fresh: bool) -> Fetched {
        let mut out = Fetched::default();
        for url in cert.ocsp_urls() {
            match self.query_ocsp(url, cert, issuer) {
                Ok((r, delegated)) => {
                    out.ocsp.push(r.der);
                    if let Some(d) = delegated {
                        out.certs.push(d.der().to_vec());
                    }
                    break;
                }
                Err(e) => out.problems.push(format!("OCSP {url}: {e}")),
            }
        }
        if out.ocsp.is_empty() {
            for url in cert.crl_urls() {
                if fresh {
                    if let Ok(mut c) = self.crl_cache.lock() {
                        c.remove(url);
                    }
                }
                match self.query_crl(url, cert, issuer) {
                    Ok(der) => {
                        out.crls.push(der);
                        break;
                    }
                    Err(e) => out.problems.push(format!("CRL {url}: {e}")),
                }
            }
        }
        if cert.ocsp_urls().is_empty() && cert.crl_urls().is_empty() {
            out.problems.push(format!(
                "{} names no OCSP responder and no CRL distribution point",
                cert.subject()
            ));
        }
        if let Ok(mut c) = self.cache.lock() {
            c.insert((cert.sha256(), issuer.sha256()), out.clone());
        }
        out
    }
}

impl RevocationSource for OnlineSource {
    fn fetch(&self, cert: &Certificate, issuer: &Certificate) -> Fetched {
        if let Some(f) = self
            .cache
            .lock()
            .ok()
            .and_then(|c| c.get(&(cert.sha256(), issuer.sha256())).cloned())
        {
            return f;
        }
        self.fetch_now(cert, issuer, false)
    }

    fn fetch_fresh(&self, cert: &Certificate, issuer: &Certificate) -> Fetched {
        self.fetch_now(cert, issuer, true)
    }
}

/// The issuer of `cert` among `candidates`: same name and a verifying signature.
pub(crate) fn find_issuer<'a>(
    cert: &Certificate,
    candidates: &'a [Certificate],
) -> Option<&'a Certificate> {
    candidates
        .iter()
        .find(|c| c.subject_der() == cert.issuer_der() && *c != cert && cert.is_signed_by(c))
}

/// Whether `cert` is self-issued and verifies with its own key (a root).
pub(crate) fn is_self_signed(cert: &Certificate) -> bool {
    cert.is_self_issued() && cert.is_signed_by(cert)
}

/// The pre-signing check (Decree 68/2024 Art. 29, TT 15/2025 Art. 5): the current status of
/// `cert`, fetched now from its OCSP responder or CRL.
///
/// # Errors
/// The reason the certificate may not sign: revoked, or status unknown (with the fetch
/// problems).
pub(crate) fn check_current_status(
    cert: &Certificate,
    issuer: &Certificate,
    source: &dyn RevocationSource,
    now: i64,
) -> Result<(Statement, Fetched), String> {
    let fetched = source.fetch(cert, issuer);
    let mut ev = Evidence::new();
    ev.add_fetched(&fetched);
    match ev.status_at(cert, issuer, now) {
        Verdict::Good(s) | Verdict::RevokedAfter(s) => Ok((s, fetched)),
        Verdict::Revoked(s) => {
            let Status::Revoked { time, reason } = s.status else {
                return Err("revoked".into());
            };
            Err(format!(
                "the certificate was revoked on {}{} ({})",
                crate::time::format_rfc3339(time),
                reason
                    .map(|r| format!(", reason {}", ocsp::reason_name(r)))
                    .unwrap_or_default(),
                s.describe()
            ))
        }
        Verdict::Unknown(why) => {
            let mut msg = format!("its revocation status could not be established: {why}");
            for p in &fetched.problems {
                msg.push_str("; ");
                msg.push_str(p);
            }
            Err(msg)
        }
    }
}

//! Revocation: whether a certificate was revoked at a given time, from OCSP responses
//! ([`ocsp`]) and CRLs ([`crl`]).
//!
//! Two halves, kept apart so that validation stays offline:
//!
//! - [`Evidence`] is a pool of OCSP responses and CRLs (from the CMS, the document's DSS, or
//!   fetched), each verified against the certificate's issuer before it counts.
//!   [`Evidence::status_at`] answers "was this certificate good at time *t*?" with no I/O.
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
    crl;
    ocsp;
}

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};

use serde::Serialize;

use crate::der::DerError;
#[cfg(feature = "online")]
use crate::net::HttpClient;
use crate::net::{HttpTransport, NetError};
use crate::pki::Certificate;

pub use crl::Crl;
pub use ocsp::OcspResponse;

/// Clock skew tolerated between kyso and a responder when judging fresh responses (seconds).
pub const CLOCK_SKEW: i64 = 300;
/// The oldest OCSP response without nextUpdate accepted from a live responder (seconds).
pub const MAX_OCSP_AGE: i64 = 7 * 86_400;

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

/// A certificate's status according to one piece of evidence.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    /// Not revoked (as of the evidence's `thisUpdate`).
    Good,
    /// Revoked at `time`, with a CRLReason code if given.
    Revoked {
        /// Revocation time (Unix seconds).
        time: i64,
        /// CRLReason code.
        reason: Option<u64>,
    },
}

/// Where evidence came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Origin {
    /// The signature's CMS (adbe-revocationInfoArchival attribute or `crls`).
    Cms,
    /// The document security store.
    Dss,
    /// Fetched from the network during this run.
    Fetched,
}

impl Origin {
    /// Short words for messages.
    pub fn as_str(self) -> &'static str {
        match self {
            Origin::Cms => "in the signature",
            Origin::Dss => "in the DSS",
            Origin::Fetched => "fetched online",
        }
    }
}

/// One verified statement about one certificate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Statement {
    /// `OCSP` or `CRL`.
    pub kind: &'static str,
    /// What it says.
    pub status: Status,
    /// thisUpdate.
    pub this_update: i64,
    /// nextUpdate, if any.
    pub next_update: Option<i64>,
    /// Where it came from.
    pub origin: Origin,
}

impl Statement {
    /// A short description ("OCSP response of 2025-06-01T10:00:00Z in the DSS").
    pub fn describe(&self) -> String {
        let what = if self.kind == "OCSP" {
            "OCSP response"
        } else {
            "CRL"
        };
        format!(
            "{what} of {} {}",
            crate::time::format_rfc3339(self.this_update),
            self.origin.as_str()
        )
    }
}

/// The revocation status of a certificate at a time.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// Not revoked at the time asked, per this statement.
    Good(Statement),
    /// Revoked, but only after the time asked.
    RevokedAfter(Statement),
    /// Revoked at or before the time asked.
    Revoked(Statement),
    /// No usable evidence: why.
    Unknown(String),
}

/// A pool of revocation evidence and certificates (for delegated OCSP responders).
#[derive(Debug, Clone, Default)]
pub struct Evidence {
    ocsp: Vec<(OcspResponse, Origin)>,
    crls: Vec<(Crl, Origin)>,
    certs: Vec<Certificate>,
    seen: HashSet<[u8; 32]>,
    problems: Vec<String>,
}

/// An INTEGER's contents without leading zero octets (serials and nonces compare by value).
fn strip0(b: &[u8]) -> Vec<u8> {
    let i = b
        .iter()
        .position(|&x| x != 0)
        .unwrap_or(b.len().saturating_sub(1));
    b[i..].to_vec()
}

fn sha256(b: &[u8]) -> [u8; 32] {
    use sha2::Digest as _;
    sha2::Sha256::digest(b).into()
}

impl Evidence {
    /// An empty pool.
    pub fn new() -> Self {
        Evidence::default()
    }

    /// Adds an OCSP response (duplicates are ignored; unparsable ones are remembered as
    /// problems and skipped).
    pub fn add_ocsp(&mut self, der: &[u8], origin: Origin) {
        if !self.seen.insert(sha256(der)) {
            return;
        }
        match OcspResponse::from_der(der) {
            Ok(r) => self.ocsp.push((r, origin)),
            Err(e) => self.problems.push(format!(
                "an OCSP response {} cannot be used: {e}",
                origin.as_str()
            )),
        }
    }

    /// Adds a CRL (duplicates are ignored; unparsable ones are remembered and skipped).
    pub fn add_crl(&mut self, der: &[u8], origin: Origin) {
        if !self.seen.insert(sha256(der)) {
            return;
        }
        match Crl::from_der(der) {
            Ok(c) => self.crls.push((c, origin)),
            Err(e) => self
                .problems
                .push(format!("a CRL {} cannot be used: {e}", origin.as_str())),
        }
    }

    /// Adds a certificate (candidate delegated OCSP responder).
    pub fn add_certificate(&mut self, c: Certificate) {
        if !self.certs.contains(&c) {
            self.certs.push(c);
        }
    }

    /// Adds what a source fetched.
    pub fn add_fetched(&mut self, f: &Fetched) {
        for c in &f.certs {
            if let Ok(c) = Certificate::from_der(c) {
                self.add_certificate(c);
            }
        }
        for d in &f.ocsp {
            self.add_ocsp(d, Origin::Fetched);
        }
        for d in &f.crls {
            self.add_crl(d, Origin::Fetched);
        }
    }

    /// Whether the pool holds no OCSP response and no CRL.
    pub fn is_empty(&self) -> bool {
        self.ocsp.is_empty() && self.crls.is_empty()
    }

    /// The verified statements about `cert` issued by `issuer`, and why other evidence that
    /// names it was rejected.
    pub fn statements(
        &self,
        cert: &Certificate,
        issuer: &Certificate,
    ) -> (Vec<Statement>, Vec<String>) {
        let mut out = Vec::new();
        let mut rejected = Vec::new();
        for (r, origin) in &self.ocsp {
            let Some(single) = r.find(cert, issuer) else {
                continue;
            };
            if let Err(e) = r.verify(issuer, &self.certs) {
                rejected.push(format!(
                    "an OCSP response {} was rejected: {e}",
                    origin.as_str()
                ));
                continue;
            }
            let Some(status) = single.status else {
                rejected.push(format!(
                    "an OCSP response {} says the certificate is unknown",
                    origin.as_str()
                ));
                continue;
            };
            out.push(Statement {
                kind: "OCSP",
                status,
                this_update: single.this_update,
                next_update: single.next_update,
                origin: *origin,
            });
        }
        for (c, origin) in &self.crls {
            if c.issuer != cert.issuer_der() {
                continue;
            }
            if !c.covers(cert, issuer) {
                if let Some(why) = c.unusable {
                    rejected.push(format!(
                        "a CRL {} is {why} and was not used",
                        origin.as_str()
                    ));
                }
                continue;
            }
            if let Err(e) = c.verify(issuer) {
                rejected.push(format!("a CRL {} was rejected: {e}", origin.as_str()));
                continue;
            }
            out.push(Statement {
                kind: "CRL",
                status: c.status_of(cert),
                this_update: c.this_update,
                next_update: c.next_update,
                origin: *origin,
            });
        }
        (out, rejected)
    }

    /// The status of `cert` (issued by `issuer`) at time `t`.
    pub fn status_at(&self, cert: &Certificate, issuer: &Certificate, t: i64) -> Verdict {
        let (stmts, rejected) = self.statements(cert, issuer);
        let revoked = |s: &Statement| match s.status {
            Status::Revoked { time, .. } => Some(time),
            Status::Good => None,
        };
        if let Some(s) = stmts
            .iter()
            .filter(|s| revoked(s).is_some_and(|r| r <= t))
            .min_by_key(|s| revoked(s))
        {
            return Verdict::Revoked(s.clone());
        }
        if let Some(s) = stmts
            .iter()
            .filter(|s| revoked(s).is_some())
            .min_by_key(|s| revoked(s))
        {
            return Verdict::RevokedAfter(s.clone());
        }
        let fresh = |s: &&Statement| {
            s.this_update >= t || (s.this_update <= t && s.next_update.is_some_and(|n| t <= n))
        };
        if let Some(s) = stmts.iter().filter(fresh).max_by_key(|s| s.this_update) {
            return Verdict::Good(s.clone());
        }
        let at = crate::time::format_rfc3339(t);
        let why = if let Some(s) = stmts.iter().max_by_key(|s| s.this_update) {
            format!(
                "the newest evidence, the {}, predates {at} and {}",
                s.describe(),
                match s.next_update {
                    Some(n) => format!("expired on {}", crate::time::format_rfc3339(n)),
                    None => "names no next update".into(),
                }
            )
        } else if let Some(r) = rejected.first() {
            format!("no usable OCSP response or CRL ({r})")
        } else {
            "no OCSP response or CRL for it".to_string()
        };
        Verdict::Unknown(why)
    }

    /// Problems met while adding evidence (unparsable items).
    pub fn problems(&self) -> &[String] {
        &self.problems
    }
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
pub fn find_issuer<'a>(
    cert: &Certificate,
    candidates: &'a [Certificate],
) -> Option<&'a Certificate> {
    candidates
        .iter()
        .find(|c| c.subject_der() == cert.issuer_der() && *c != cert && cert.is_signed_by(c))
}

/// Whether `cert` is self-issued and verifies with its own key (a root).
pub fn is_self_signed(cert: &Certificate) -> bool {
    cert.is_self_issued() && cert.is_signed_by(cert)
}

/// The pre-signing check (Decree 68/2024 Art. 29, TT 15/2025 Art. 5): the current status of
/// `cert`, fetched now from its OCSP responder or CRL.
///
/// # Errors
/// The reason the certificate may not sign: revoked, or status unknown (with the fetch
/// problems).
pub fn check_current_status(
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

//! Revocation evidence judged without I/O: OCSP responses, CRLs and certificates pooled
//! from the document, the CMS and fetches, and the status of a certificate at a time.

use std::collections::HashSet;

use serde::Serialize;

use super::{Crl, Fetched, OcspResponse};
use crate::pki::Certificate;

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
    pub(crate) fn as_str(self) -> &'static str {
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
    pub(crate) fn describe(&self) -> String {
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
pub(crate) fn strip0(b: &[u8]) -> Vec<u8> {
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
    pub(crate) fn add_certificate(&mut self, c: Certificate) {
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

    /// The verified statements about `cert` issued by `issuer`, and why other evidence that
    /// names it was rejected.
    pub(crate) fn statements(
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

}


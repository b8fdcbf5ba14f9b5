//! Validation in time (ETSI EN 319 102-1 §5.5–5.6, simplified): proofs of existence from
//! time-stamps, revocation status at the right time, and the validation data a document
//! carries.
//!
//! - **Evidence.** Before any signature is judged, [`LtvContext::new`] pools the document's
//!   validation data: the newest revision's `/DSS`, each CMS's `crls` and
//!   adbe-revocationInfoArchival attribute, and the certificates of every signature and
//!   time-stamp token (as path-building candidates). When the caller supplied a
//!   [`crate::revocation::RevocationSource`], evidence that is missing or not fresh enough is
//!   fetched through it (validation itself does no network I/O).
//! - **Document time-stamps** are judged newest first: the newest at the validation time,
//!   each older one at the time of the oldest valid document time-stamp that covers it. A
//!   valid one is a proof of existence (POE) of every byte it covers.
//! - **Signatures** are judged at the *best signature time*: the earliest valid signature
//!   time-stamp or covering document time-stamp, else the validation time (the claimed `/M`
//!   is only a claim). A certificate that expired or was revoked after that time leaves the
//!   signature valid when the evidence shows it was good then.
//! - **Revocation** of every certificate of a path but the trust anchor, at the time the
//!   path is judged, under the caller's [`RevocationPolicy`]: revoked before that time is
//!   REVOKED (with a proof of existence) or REVOKED_NO_POE / REVOKED_CA_NO_POE (without);
//!   unknown is TRY_LATER under `require`, a warning under `soft-fail` — except for a
//!   certificate that has expired by the validation time, whose status can never be fetched
//!   again: it needs evidence under any policy but `off`.

use crate::report::CheckId;
use std::cell::RefCell;
use std::collections::HashSet;

use crate::cms::{self, SignerInfo};
use crate::crypto::oids;
use crate::der::{tag, Reader};
use crate::dss::Dss;
use crate::pdf::Document;
use crate::pki::{CertPath, Certificate, PathError};
use crate::report::SubIndication;
use crate::revocation::{self, Evidence, Origin, RevocationPolicy, Status, Verdict};
use crate::tsp::TimeStampToken;

use super::{CheckList, ValidationOptions};

/// A valid document time-stamp: what it proves existed, and when.
#[derive(Debug, Clone, Copy)]
pub(crate) struct DocTimestampPoe {
    /// Every byte before this offset (the start of its `/Contents`) existed at `gen_time`.
    pub covers_to: u64,
    /// Its genTime.
    pub gen_time: i64,
    /// Whether the revision it covers has a DSS.
    pub covers_dss: bool,
}

/// Whose path is checked, for the sub-indications of a revoked certificate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Role {
    /// A signer's path, judged at its best signature time; `proven` when that time comes
    /// from a time-stamp.
    Signer {
        /// Whether the time is proven.
        proven: bool,
    },
    /// A TSA's path, judged at the time its token is known to have existed: a later
    /// document time-stamp's time when `proven`, else the validation time.
    Tsa {
        /// Whether a later time-stamp proves the time.
        proven: bool,
    },
}

/// The document-wide state of long-term validation.
#[derive(Debug)]
pub(crate) struct LtvContext<'a> {
    opts: &'a ValidationOptions,
    validation_time: i64,
    evidence: RefCell<Evidence>,
    certs: Vec<Certificate>,
    fetched: RefCell<HashSet<[u8; 32]>>,
    /// Valid document time-stamps, added by the caller newest first before the signatures
    /// they prove are judged (`&mut self`: no hidden order dependence).
    doc_timestamps: Vec<DocTimestampPoe>,
}

/// What a verified time-stamp token established.
#[derive(Debug, Clone)]
pub(crate) struct TokenFacts {
    /// genTime.
    pub gen_time: i64,
    /// The TSA certificate.
    pub tsa: Certificate,
    /// Its path to a trust anchor.
    pub path: CertPath,
}

/// The revocation values of an adbe-revocationInfoArchival attribute value:
/// `SEQUENCE { crl [0] EXPLICIT SEQUENCE OF CRL OPTIONAL, ocsp [1] EXPLICIT SEQUENCE OF
/// OCSPResponse OPTIONAL, … }`.
fn adbe_revocation_values(value: &[u8]) -> (Vec<Vec<u8>>, Vec<Vec<u8>>) {
    let mut crls = Vec::new();
    let mut ocsps = Vec::new();
    let mut parse = || -> Result<(), crate::der::DerError> {
        let mut top = Reader::new(value);
        let seq = top.expect_tag(tag::SEQUENCE)?;
        let mut r = top.nested(&seq)?;
        while !r.is_empty() {
            let e = r.read()?;
            let target = match e.tag {
                0xA0 => &mut crls,
                0xA1 => &mut ocsps,
                _ => continue,
            };
            let mut inner = r.nested(&e)?;
            let list = inner.expect_tag(tag::SEQUENCE)?;
            let mut l = inner.nested(&list)?;
            while !l.is_empty() {
                target.push(l.read()?.raw.to_vec());
            }
        }
        Ok(())
    };
    let _ = parse();
    (crls, ocsps)
}

impl<'a> LtvContext<'a> {

    /// Pools the validation data of `doc`: its DSS, and the CMS of each signature contents
    /// given (`/Contents` bytes of every signature and document time-stamp), parsing
    /// certificates through a batch's cache.
    pub(crate) fn with_cache(
        doc: &Document,
        opts: &'a ValidationOptions,
        validation_time: i64,
        contents: &[&[u8]],
        cache: &super::cache::ValidationCache,
    ) -> Self {
        let mut ev = Evidence::new();
        let mut certs: Vec<Certificate> = Vec::new();
        let add_cert = |certs: &mut Vec<Certificate>, der: &[u8]| {
            if let Ok(c) = cache.certificate(der) {
                if !certs.contains(&c) {
                    certs.push(c);
                }
            }
        };
        if let Ok(Some(dss)) = Dss::read(doc, doc.last_revision()) {
            for d in &dss.certs {
                add_cert(&mut certs, d);
            }
            for d in &dss.ocsps {
                ev.add_ocsp(d, Origin::Dss);
            }
            for d in &dss.crls {
                ev.add_crl(d, Origin::Dss);
            }
        }
        let add_signed = |certs: &mut Vec<Certificate>, ev: &mut Evidence, sd: &cms::SignedData| {
            for d in &sd.certificates {
                add_cert(certs, d);
            }
            for d in &sd.crls {
                ev.add_crl(d, Origin::Cms);
            }
        };
        for c in contents {
            let Ok(sd) = cms::parse_signed_data(c) else {
                continue;
            };
            add_signed(&mut certs, &mut ev, &sd);
            for si in &sd.signer_infos {
                if let (Some(v), _) = si.signed_attr(oids::ADBE_REVOCATION_INFO_ARCHIVAL) {
                    let (crls, ocsps) = adbe_revocation_values(v);
                    for d in &crls {
                        ev.add_crl(d, Origin::Cms);
                    }
                    for d in &ocsps {
                        ev.add_ocsp(d, Origin::Cms);
                    }
                }
                for t in si.timestamp_tokens() {
                    if let Ok(tsd) = cms::parse_signed_data(t) {
                        add_signed(&mut certs, &mut ev, &tsd);
                    }
                }
            }
        }
        for c in &certs {
            ev.add_certificate(c.clone());
        }
        LtvContext {
            opts,
            validation_time,
            evidence: RefCell::new(ev),
            certs,
            fetched: RefCell::default(),
            doc_timestamps: Vec::new(),
        }
    }

    /// Certificates from the DSS and every CMS of the document (path-building candidates).
    pub(crate) fn certificates(&self) -> &[Certificate] {
        &self.certs
    }

    /// The earliest time a valid document time-stamp proves bytes up to `end` existed.
    pub(crate) fn doc_timestamp_poe(&self, end: u64) -> Option<DocTimestampPoe> {
        self.doc_timestamps
            .iter()
            .filter(|d| d.covers_to >= end)
            .min_by_key(|d| d.gen_time)
            .copied()
    }

    /// Whether a valid document time-stamp covers bytes up to `end` and a DSS (B-LTA).
    pub(crate) fn archive_covers(&self, end: u64) -> bool {
        self.doc_timestamps
            .iter()
            .any(|d| d.covers_to >= end && d.covers_dss)
    }

    /// Records a valid document time-stamp.
    pub(crate) fn add_doc_timestamp(&mut self, poe: DocTimestampPoe) {
        self.doc_timestamps.push(poe);
    }

    /// The status of `cert` at `t`, from the pooled evidence, fetching through the caller's
    /// source (once per certificate) when the evidence does not settle it.
    fn status(&self, cert: &Certificate, issuer: &Certificate, t: i64) -> Verdict {
        let v = self.evidence.borrow().status_at(cert, issuer, t);
        if !matches!(v, Verdict::Unknown(_)) {
            return v;
        }
        let Some(source) = &self.opts.revocation_source else {
            return v;
        };
        if (cert.ocsp_urls().is_empty() && cert.crl_urls().is_empty())
            || !self.fetched.borrow_mut().insert(cert.sha256())
        {
            return v;
        }
        let f = source.fetch(cert, issuer);
        let mut ev = self.evidence.borrow_mut();
        ev.add_fetched(&f);
        match ev.status_at(cert, issuer, t) {
            Verdict::Unknown(why) if !f.problems.is_empty() => {
                Verdict::Unknown(format!("{why}; fetching failed: {}", f.problems.join("; ")))
            }
            other => other,
        }
    }

    /// Whether the DSS holds revocation evidence (of any date) for every certificate of
    /// `path` but its anchor.
    pub(crate) fn dss_covers(&self, path: &CertPath) -> bool {
        let ev = self.evidence.borrow();
        path.certificates.windows(2).all(|w| {
            ev.statements(&w[0], &w[1])
                .0
                .iter()
                .any(|s| s.origin == Origin::Dss)
        })
    }

    /// Checks the revocation status of every certificate of `path` but the anchor at `t`,
    /// into `checks`.
    pub(crate) fn check_path_revocation(
        &self,
        path: &CertPath,
        t: i64,
        role: Role,
        checks: &mut CheckList,
    ) {
        let id = match role {
            Role::Signer { .. } => CheckId::Revocation,
            Role::Tsa { .. } => CheckId::TimestampRevocation,
        };
        if self.opts.revocation_policy == RevocationPolicy::Off {
            checks.warn(id, "revocation status not checked (revocation policy: off)");
            return;
        }
        let at = crate::time::format_rfc3339(t);
        let when = match role {
            Role::Signer { proven: true } => format!("the proven signing time {at}"),
            Role::Signer { proven: false } => {
                format!("the validation time {at} (no proof of an earlier signing time)")
            }
            Role::Tsa { proven: true } => {
                format!("{at}, when a later time-stamp proves this one existed")
            }
            Role::Tsa { proven: false } => format!("the validation time {at}"),
        };
        for (i, w) in path.certificates.windows(2).enumerate() {
            let (cert, issuer) = (&w[0], &w[1]);
            let subject = cert.subject().to_string();
            match self.status(cert, issuer, t) {
                Verdict::Good(s) => checks.pass(
                    id,
                    format!("{subject}: not revoked at {when} ({})", s.describe()),
                ),
                Verdict::RevokedAfter(s) => {
                    let Status::Revoked { time, reason } = s.status else {
                        continue;
                    };
                    checks.pass(
                        id,
                        format!(
                            "{subject}: revoked on {}{}, after {when}, so it was valid then ({})",
                            crate::time::format_rfc3339(time),
                            reason_text(reason),
                            s.describe()
                        ),
                    );
                }
                Verdict::Revoked(s) => {
                    let Status::Revoked { time, reason } = s.status else {
                        continue;
                    };
                    let msg = format!(
                        "{subject} was revoked on {}{}, before {when} ({})",
                        crate::time::format_rfc3339(time),
                        reason_text(reason),
                        s.describe()
                    );
                    match (role, i) {
                        (Role::Signer { proven: true }, 0) => {
                            checks.fail(id, msg, SubIndication::Revoked)
                        }
                        (_, 0) => checks.indeterminate(id, msg, SubIndication::RevokedNoPoe),
                        _ => checks.indeterminate(id, msg, SubIndication::RevokedCaNoPoe),
                    }
                }
                Verdict::Unknown(mut why) => {
                    if cert.ocsp_urls().is_empty() && cert.crl_urls().is_empty() {
                        why.push_str(", and it names no OCSP responder or CRL distribution point");
                    }
                    let expired = cert.not_after() < self.validation_time;
                    let offline = if self.opts.revocation_source.is_none() {
                        " (validated offline)"
                    } else {
                        ""
                    };
                    if self.opts.revocation_policy == RevocationPolicy::Require || expired {
                        let tail = if expired {
                            format!(
                                "; it expired on {}, so its status can no longer be obtained: the document must carry it",
                                crate::time::format_rfc3339(cert.not_after())
                            )
                        } else {
                            String::new()
                        };
                        checks.indeterminate(
                            id,
                            format!("{subject}: not known whether it was revoked at {when}{offline}: {why}{tail}"),
                            SubIndication::TryLater,
                        );
                    } else {
                        checks.warn(
                            id,
                            format!("{subject}: not known whether it was revoked at {when}{offline}: {why}; accepted under the soft-fail policy"),
                        );
                    }
                }
            }
        }
    }

    /// Verifies a time-stamp token whose existence is proven at `later` (a later document
    /// time-stamp's time) or else only at the validation time: the token itself, the TSA's
    /// path to a trust anchor, its validity at genTime and at that time, and its revocation
    /// status then. Checks go into `checks`; the facts are returned when the token was verified
    /// cryptographically and chains to an anchor.
    pub(crate) fn check_token(
        &self,
        token: &TimeStampToken,
        later: Option<i64>,
        checks: &mut CheckList,
    ) -> Option<TokenFacts> {
        let poe = later.unwrap_or(self.validation_time);
        let gen = crate::time::format_rfc3339(token.info.gen_time);
        let tsa = match token.verify(&self.certs) {
            Ok(c) => c,
            Err(e) => {
                checks.fail(
                    CheckId::TimestampSignature,
                    format!("the time-stamp token of {gen} does not verify: {e}"),
                    SubIndication::SigCryptoFailure,
                );
                return None;
            }
        };
        checks.pass(
            CheckId::TimestampSignature,
            format!("time-stamp of {gen} signed by {}", tsa.subject()),
        );
        let si: Option<&SignerInfo> = token.signed.signer_infos.first();
        if token.info.imprint_algorithm.is_weak()
            || si.and_then(SignerInfo::digest).is_some_and(|d| d.is_weak())
        {
            checks.indeterminate(
                CheckId::Algorithms,
                "the time-stamp uses SHA-1, which is no longer accepted",
                SubIndication::CryptoConstraintsFailureNoPoe,
            );
        }
        if self.opts.trust.is_empty() {
            checks.indeterminate(
                CheckId::TimestampChain,
                "no trust anchors were given, so the TSA cannot be trusted",
                SubIndication::NoCertificateChainFound,
            );
            return None;
        }
        let mut pool = token.certificates();
        pool.extend(self.certs.iter().cloned());
        pool.extend(self.opts.extra_certificates.iter().cloned());
        let path = match self.opts.trust.build_path(&tsa, &pool) {
            Ok(p) => p,
            Err(e) => {
                let sub = match e {
                    PathError::NoChain { .. } => SubIndication::NoCertificateChainFound,
                    PathError::NotCa { .. }
                    | PathError::PathLenExceeded { .. }
                    | PathError::NameConstraints { .. } => {
                        SubIndication::ChainConstraintsFailure
                    }
                    _ => SubIndication::CertificateChainGeneralFailure,
                };
                checks.indeterminate(
                    CheckId::TimestampChain,
                    format!("the TSA's certificate: {e}"),
                    sub,
                );
                return None;
            }
        };
        let names: Vec<&str> = path
            .certificates
            .iter()
            .map(|c| c.subject().common_name().unwrap_or("?"))
            .collect();
        checks.pass(
            CheckId::TimestampChain,
            format!("the TSA chains to the trust anchor: {}", names.join(" → ")),
        );
        let at_gen = path.check_validity_at(token.info.gen_time);
        if let Some(p) = at_gen.first() {
            checks.fail(
                CheckId::TimestampValidity,
                format!(
                    "{} was not valid at the time-stamp's own time {gen}",
                    p.subject
                ),
                if p.expired {
                    SubIndication::Expired
                } else {
                    SubIndication::NotYetValid
                },
            );
            return None;
        }
        if let Some(p) = path.check_validity_at(poe).iter().find(|p| p.expired) {
            checks.indeterminate(
                CheckId::TimestampValidity,
                format!(
                    "{} expired on {}, and no later time-stamp proves this time-stamp existed before then",
                    p.subject,
                    crate::time::format_rfc3339(p.not_after)
                ),
                SubIndication::OutOfBoundsNoPoe,
            );
            return None;
        }
        checks.pass(
            CheckId::TimestampValidity,
            "the TSA's chain was valid when the time-stamp was made and while it is known to exist",
        );
        self.check_path_revocation(
            &path,
            poe,
            Role::Tsa {
                proven: later.is_some(),
            },
            checks,
        );
        Some(TokenFacts {
            gen_time: token.info.gen_time,
            tsa,
            path,
        })
    }

}

fn reason_text(reason: Option<u64>) -> String {
    reason
        .map(|r| format!(" ({})", revocation::ocsp::reason_name(r)))
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn adbe_attribute_values_are_read_and_junk_is_ignored() {
        use crate::der;
        let crl = der::sequence(&[&der::integer(1)]);
        let ocsp = der::sequence(&[&der::integer(2)]);
        let v = der::sequence(&[
            &der::encode(tag::context(0), &der::sequence(&[&crl])),
            &der::encode(tag::context(1), &der::sequence(&[&ocsp, &ocsp])),
        ]);
        let (c, o) = adbe_revocation_values(&v);
        assert_eq!((c.len(), o.len()), (1, 2));
        assert_eq!(adbe_revocation_values(b"\x30\x05junk").0.len(), 0);
    }
}

//! The validation report: one [`FileReport`] per file, one [`SignatureReport`] per signature,
//! each check with its outcome and reason, in the vocabulary of ETSI EN 319 102-1
//! (TOTAL-PASSED / TOTAL-FAILED / INDETERMINATE with sub-indications).
//!
//! **Stability:** the JSON field names and enum spellings below are a public contract
//! (`schema_version` 1). New fields may be added; existing ones are not renamed or removed
//! without bumping the schema version. Times are RFC 3339 strings in UTC.

use serde::Serialize;

use crate::crypto::KeyInfo;
use crate::pki::VnIdentifier;

/// The JSON schema version of [`FileReport`].
pub const SCHEMA_VERSION: u32 = 1;

/// Main status indication (ETSI EN 319 102-1 §5.1.3).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub enum Indication {
    /// Every check passed.
    #[serde(rename = "TOTAL-PASSED")]
    TotalPassed,
    /// Some check could not be decided (missing data, untrusted chain, no proof of time…).
    #[serde(rename = "INDETERMINATE")]
    Indeterminate,
    /// Some check failed for certain (tampered bytes, bad signature, malformed signature).
    #[serde(rename = "TOTAL-FAILED")]
    TotalFailed,
}

impl Indication {
    /// The ETSI spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Indication::TotalPassed => "TOTAL-PASSED",
            Indication::Indeterminate => "INDETERMINATE",
            Indication::TotalFailed => "TOTAL-FAILED",
        }
    }
}

/// Sub-indications (ETSI EN 319 102-1 §5.1.3, Table 5), spelled as in the standard.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
#[non_exhaustive]
pub enum SubIndication {
    /// The signature is not conformant to its format (malformed dictionary, ByteRange, CMS).
    FormatFailure,
    /// The digest of the signed bytes does not match the signed one.
    HashFailure,
    /// The signature value does not verify with the signer's public key.
    SigCryptoFailure,
    /// The signing certificate was revoked before the signing time.
    Revoked,
    /// The signing certificate was expired at the (proven) signing time.
    Expired,
    /// The signing certificate was not yet valid at the signing time.
    NotYetValid,
    /// Signature constraints (e.g. key usage of the signing certificate) not met.
    SigConstraintsFailure,
    /// Certificate chain constraints not met (CA flags, path length, key usage).
    ChainConstraintsFailure,
    /// The chain could not be validated for another reason (bad signature in the chain…).
    CertificateChainGeneralFailure,
    /// An algorithm or key size is below the accepted level.
    CryptoConstraintsFailure,
    /// As above, and no proof of existence from before the algorithm became weak.
    CryptoConstraintsFailureNoPoe,
    /// The signing certificate could not be identified.
    NoSigningCertificateFound,
    /// No chain to a trust anchor could be built.
    NoCertificateChainFound,
    /// The signing certificate is revoked and no proof of existence predates the revocation.
    RevokedNoPoe,
    /// A CA certificate of the chain is revoked and no proof of existence predates it.
    RevokedCaNoPoe,
    /// The signing time is outside a certificate's validity and no proof of existence helps.
    OutOfBoundsNoPoe,
    /// As above, but the certificate is known not to be revoked.
    OutOfBoundsNotRevoked,
    /// Revocation status could not be established.
    TryLater,
    /// No proof of existence where one is needed.
    NoPoe,
    /// The signed data could not be obtained.
    SignedDataNotFound,
    /// The document was modified after signing in a way that is not allowed.
    ///
    /// Not an ETSI sub-indication; EN 319 102-1 leaves PDF modification analysis to the
    /// format, and kyso reports it under this name (with `TOTAL-FAILED`).
    DisallowedModification,
}

/// Outcome of one check.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CheckStatus {
    /// The check passed.
    Passed,
    /// The check passed with a remark (weak but accepted, non-conformant but harmless).
    Warning,
    /// The check could not be decided.
    Indeterminate,
    /// The check failed.
    Failed,
    /// The check was not run because an earlier one failed (never counts as passed).
    NotRun,
}

/// One check and its outcome.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Check {
    /// Stable identifier: `signature-dictionary`, `byte-range`, `cms-structure`,
    /// `signer-certificate`, `message-digest`, `signature-value`, `ess-signing-certificate`,
    /// `algorithms`, `certificate-chain`, `validity-period`, `key-usage`, `coverage`,
    /// `modifications`, …
    pub id: &'static str,
    /// Outcome.
    pub status: CheckStatus,
    /// Human-readable reason (English).
    pub message: String,
    /// The ETSI sub-indication this failure maps to, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sub_indication: Option<SubIndication>,
}

/// A certificate as shown in reports.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CertificateSummary {
    /// Subject DN (RFC 4514 style, UTF-8).
    pub subject: String,
    /// Subject common name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub common_name: Option<String>,
    /// Organisation.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub organization: Option<String>,
    /// Vietnamese identifiers from `UID` attributes (`MST`, `CCCD`, …).
    pub identifiers: Vec<VnIdentifier>,
    /// Issuer DN.
    pub issuer: String,
    /// Serial number (hex).
    pub serial: String,
    /// notBefore.
    pub not_before: String,
    /// notAfter.
    pub not_after: String,
    /// SHA-256 fingerprint.
    pub sha256: String,
    /// Public key.
    pub key: KeyInfo,
}

impl CertificateSummary {
    /// Summarises a certificate.
    pub fn of(c: &crate::pki::Certificate) -> Self {
        CertificateSummary {
            subject: c.subject().to_string(),
            common_name: c.subject().common_name().map(str::to_string),
            organization: c.subject().first("O").map(str::to_string),
            identifiers: c.subject().vn_identifiers(),
            issuer: c.issuer().to_string(),
            serial: c.serial_hex(),
            not_before: crate::time::format_rfc3339(c.not_before()),
            not_after: crate::time::format_rfc3339(c.not_after()),
            sha256: c.fingerprint(),
            key: c.key_info().clone(),
        }
    }
}

/// How much of the file a signature covers (cryptographically; whether later changes are
/// acceptable is the `modifications` check's business).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Coverage {
    /// The `/ByteRange` as written.
    pub byte_range: Vec<i64>,
    /// `whole-file`, `revision` (an earlier revision: the file was updated after signing), or
    /// `unclear` (the signed bytes do not end at a revision boundary).
    pub kind: &'static str,
    /// The revision the signed bytes end with (1-based, as people count), if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub revision: Option<usize>,
    /// Number of revisions in the file.
    pub revisions: usize,
    /// Number of signed bytes.
    pub signed_bytes: u64,
}

/// One change made in a revision after a signature.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Change {
    /// The revision that made it (1-based).
    pub revision: usize,
    /// What changed, in human terms ("signature field Signature2 added", "page 1 content
    /// stream replaced").
    pub description: String,
    /// Object concerned (`"12 0"`), if one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub object: Option<String>,
    /// Whether the change is permitted after this signature.
    pub allowed: bool,
    /// Why it is (not) permitted.
    pub reason: String,
}

/// Everything found about one signature.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SignatureReport {
    /// Fully qualified field name (`/T` values joined with `.`).
    pub field: String,
    /// Object number of the signature dictionary (`"12 0"`), or `null` if direct.
    pub object: Option<String>,
    /// `signature` (approval), `certification` (DocMDP) or `document-timestamp`.
    pub kind: &'static str,
    /// The verdict for this signature.
    pub indication: Indication,
    /// Why, when not passed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sub_indication: Option<SubIndication>,
    /// `/SubFilter`.
    pub sub_filter: Option<String>,
    /// The signer's certificate.
    pub signer: Option<CertificateSummary>,
    /// The certification path, signer first (subjects), when one was built.
    pub chain: Vec<String>,
    /// SHA-256 fingerprints of the certification path, signer first, trust anchor last.
    pub chain_sha256: Vec<String>,
    /// The PAdES baseline level the signature reaches (`B-B`, `B-T`, `B-LT`, `B-LTA`), when it
    /// is a PAdES (`ETSI.CAdES.detached`) signature with the required attributes.
    pub pades_level: Option<&'static str>,
    /// Whether a signature time-stamp is present (and valid).
    pub timestamped: bool,
    /// Claimed signing time (`/M`, else the CMS signing-time attribute).
    pub claimed_signing_time: Option<String>,
    /// The best proven signing time (from a time-stamp), if any.
    pub proven_signing_time: Option<String>,
    /// Digest algorithm.
    pub digest_algorithm: Option<String>,
    /// Signature algorithm.
    pub signature_algorithm: Option<String>,
    /// `/Reason`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// `/Location`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub location: Option<String>,
    /// `/ContactInfo`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub contact_info: Option<String>,
    /// `/Name`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// For a certification signature: its DocMDP permission level `P` (1 = no changes,
    /// 2 = form filling and signing, 3 = also annotations).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub docmdp_level: Option<u8>,
    /// Coverage, when the `/ByteRange` could be read.
    pub coverage: Option<Coverage>,
    /// Changes made after this signature.
    pub changes: Vec<Change>,
    /// Every check, in the order run.
    pub checks: Vec<Check>,
}

impl SignatureReport {
    /// Whether the signature is valid (TOTAL-PASSED).
    pub fn is_valid(&self) -> bool {
        self.indication == Indication::TotalPassed
    }
}

/// A file-level finding (not about one signature).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Finding {
    /// Stable identifier (`not-a-pdf`, `no-signatures`, `unreadable-structure`,
    /// `unreachable-signature`, …).
    pub id: &'static str,
    /// `failed`, `indeterminate` or `warning`.
    pub status: CheckStatus,
    /// Human-readable text.
    pub message: String,
}

/// The report for one file.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FileReport {
    /// Schema version of this structure ([`SCHEMA_VERSION`]).
    pub schema_version: u32,
    /// The file as given.
    pub file: String,
    /// Overall: `true` only if there is at least one signature and every signature is
    /// TOTAL-PASSED and no file-level finding failed.
    pub valid: bool,
    /// The overall indication (the worst of the signatures' and the findings').
    pub indication: Indication,
    /// The sub-indication of the first signature or finding that decided the indication.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sub_indication: Option<SubIndication>,
    /// One-line summary.
    pub summary: String,
    /// The time the validation was done for (now, or `--at`).
    pub validation_time: String,
    /// Number of revisions in the file (0 if it could not be read).
    pub revisions: usize,
    /// The revocation policy applied: `require`, `soft-fail` or `off`.
    pub revocation_policy: &'static str,
    /// Whether validation used only the data in the file (no revocation data fetched).
    pub offline: bool,
    /// Signatures in the order of their revisions.
    pub signatures: Vec<SignatureReport>,
    /// File-level findings.
    pub findings: Vec<Finding>,
}

impl FileReport {
    /// Sets `valid`, `indication`, `sub_indication` and `summary` from the parts.
    pub fn conclude(&mut self) {
        let mut worst = Indication::TotalPassed;
        let mut sub = None;
        for s in &self.signatures {
            if s.indication > worst {
                worst = s.indication;
                sub = s.sub_indication;
            }
        }
        for f in &self.findings {
            let ind = match f.status {
                CheckStatus::Failed => Indication::TotalFailed,
                CheckStatus::Indeterminate => Indication::Indeterminate,
                _ => continue,
            };
            if ind > worst {
                worst = ind;
                sub = None;
            }
        }
        if self.signatures.is_empty() && worst == Indication::TotalPassed {
            worst = Indication::Indeterminate;
            sub = Some(SubIndication::SignedDataNotFound);
        }
        self.indication = worst;
        self.sub_indication = sub;
        self.valid = worst == Indication::TotalPassed;
        let n = self.signatures.len();
        let ok = self.signatures.iter().filter(|s| s.is_valid()).count();
        self.summary = if self.valid {
            format!(
                "valid: {n} signature{} verified",
                if n == 1 { "" } else { "s" }
            )
        } else if n == 0 {
            match self.findings.first() {
                Some(f) => format!("not valid: {}", f.message),
                None => "not valid: no signatures".into(),
            }
        } else {
            let reason = self
                .signatures
                .iter()
                .find(|s| !s.is_valid())
                .and_then(|s| {
                    s.checks.iter().find(|c| {
                        matches!(c.status, CheckStatus::Failed | CheckStatus::Indeterminate)
                    })
                })
                .map(|c| c.message.clone())
                .or_else(|| {
                    self.findings
                        .iter()
                        .find(|f| f.status != CheckStatus::Warning)
                        .map(|f| f.message.clone())
                })
                .unwrap_or_default();
            format!("not valid: {ok} of {n} signatures valid; {reason}")
        };
    }
}

/// Renders a report as text for people.
pub fn render_text(r: &FileReport) -> String {
    use std::fmt::Write as _;
    let mut o = String::new();
    let mark = if r.valid { "VALID" } else { "NOT VALID" };
    let _ = writeln!(
        o,
        "{}: {mark} ({}{})",
        r.file,
        r.indication.as_str(),
        sub_str(r.sub_indication)
    );
    let _ = writeln!(o, "  {}", r.summary);
    let _ = writeln!(
        o,
        "  revisions: {}, validated for {}, revocation: {}{}",
        r.revisions,
        r.validation_time,
        r.revocation_policy,
        if r.offline {
            " (offline: data in the file only)"
        } else {
            ""
        }
    );
    for f in &r.findings {
        let _ = writeln!(o, "  [{}] {}: {}", status_str(f.status), f.id, f.message);
    }
    for (i, s) in r.signatures.iter().enumerate() {
        let level = s
            .docmdp_level
            .map(|p| format!(", P={p}"))
            .unwrap_or_default();
        let _ = writeln!(
            o,
            "  Signature #{} — field {:?} ({}{level}): {}{}",
            i + 1,
            s.field,
            s.kind,
            s.indication.as_str(),
            sub_str(s.sub_indication)
        );
        if let Some(c) = &s.signer {
            let _ = writeln!(o, "    signer:   {}", c.subject);
            for id in &c.identifiers {
                let _ = writeln!(o, "    id:       {}:{}", id.kind, id.value);
            }
            let _ = writeln!(o, "    issuer:   {}", c.issuer);
            let _ = writeln!(o, "    serial:   {}", c.serial);
        }
        if let Some(t) = &s.claimed_signing_time {
            let _ = writeln!(o, "    signed:   {t} (claimed)");
        }
        if let Some(t) = &s.proven_signing_time {
            let _ = writeln!(o, "    proven:   {t} (time-stamp)");
        }
        if let (Some(d), Some(a)) = (&s.digest_algorithm, &s.signature_algorithm) {
            let _ = writeln!(o, "    algo:     {a} ({d})");
        }
        if let Some(c) = &s.coverage {
            let what = match (c.kind, c.revision) {
                ("whole-file", _) => "the whole file".to_string(),
                ("revision", Some(k)) => format!("revision {k} of {}", c.revisions),
                _ => "an unclear part of the file".to_string(),
            };
            let _ = writeln!(
                o,
                "    covers:   {what} ({} bytes, ByteRange {:?})",
                c.signed_bytes, c.byte_range
            );
        }
        for c in &s.checks {
            let _ = writeln!(o, "    [{}] {}: {}", status_str(c.status), c.id, c.message);
        }
        for ch in &s.changes {
            let _ = writeln!(
                o,
                "    revision {}: {} — {} ({})",
                ch.revision,
                ch.description,
                if ch.allowed { "allowed" } else { "NOT ALLOWED" },
                ch.reason
            );
        }
    }
    o
}

fn sub_str(s: Option<SubIndication>) -> String {
    match s.and_then(|s| serde_json::to_value(s).ok()) {
        Some(serde_json::Value::String(v)) => format!(" / {v}"),
        _ => String::new(),
    }
}

fn status_str(s: CheckStatus) -> &'static str {
    match s {
        CheckStatus::Passed => "ok",
        CheckStatus::Warning => "warn",
        CheckStatus::Indeterminate => "??",
        CheckStatus::Failed => "FAIL",
        CheckStatus::NotRun => "--",
    }
}

//! The validation report: one [`FileReport`] per file, one [`SignatureReport`] per signature,
//! each check with its outcome and reason, in the vocabulary of ETSI EN 319 102-1
//! (TOTAL-PASSED / TOTAL-FAILED / INDETERMINATE with sub-indications).
//!
//! **Stability:** the JSON field names and enum spellings below are a public contract
//! (`schema_version` 1). New fields may be added; existing ones are not renamed or removed
//! without bumping the schema version. Times are RFC 3339 strings in UTC.

use serde::{Deserialize, Serialize};

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

/// The kind of a signature (its JSON spelling in parentheses).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[non_exhaustive]
pub enum SignatureKind {
    /// An approval signature (`signature`).
    #[serde(rename = "signature")]
    Approval,
    /// A certification (DocMDP) signature (`certification`).
    #[serde(rename = "certification")]
    Certification,
    /// A document time-stamp, `/Type /DocTimeStamp`, `/SubFilter /ETSI.RFC3161`
    /// (`document-timestamp`).
    #[serde(rename = "document-timestamp")]
    DocumentTimestamp,
}

impl SignatureKind {
    /// The report spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            SignatureKind::Approval => "signature",
            SignatureKind::Certification => "certification",
            SignatureKind::DocumentTimestamp => "document-timestamp",
        }
    }
}

/// The identifier of a signature check (kebab-case in JSON: `message-digest`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
#[non_exhaustive]
pub enum CheckId {
    /// `/Contents` and `/ByteRange` are well formed and `/ByteRange` excludes exactly
    /// `/Contents` (no Universal Signature Forgery, no Signature Wrapping).
    SignatureDictionary,
    /// The signed bytes end exactly at the end of a revision, which holds the dictionary.
    Coverage,
    /// A certification signature is the first signature and its DocMDP level is valid.
    Certification,
    /// The CMS (or time-stamp token) is well formed and strictly encoded.
    CmsStructure,
    /// The signer's certificate is in the CMS and identified by the SignerInfo.
    SignerCertificate,
    /// The digest of the signed bytes equals the signed `messageDigest` (or the token's
    /// imprint).
    MessageDigest,
    /// The signature value verifies with the signer's public key.
    SignatureValue,
    /// The ESS signing-certificate attribute binds the signer's certificate.
    EssSigningCertificate,
    /// Digest and signature algorithms and key sizes are acceptable at the time.
    Algorithms,
    /// A certification path to a trust anchor (CA flags, path length, key usage, names).
    CertificateChain,
    /// Every certificate of the path was valid at the (proven) signing time.
    ValidityPeriod,
    /// The signer's key usage (and extended key usage) allows signing documents.
    KeyUsage,
    /// Revocation status of every certificate of the path at the right time.
    Revocation,
    /// The claimed signing time (reported; proven only by a time-stamp).
    SigningTime,
    /// The signature time-stamp over the signature value.
    SignatureTimestamp,
    /// The time-stamp token's own signature.
    TimestampSignature,
    /// The time-stamping authority's certification path.
    TimestampChain,
    /// The time-stamping authority's certificates were valid.
    TimestampValidity,
    /// Revocation status of the time-stamping authority's certificates.
    TimestampRevocation,
    /// What changed after the signature is permitted.
    Modifications,
    /// The rendering backstop: no pixel of a page changed outside the permitted changes
    /// (recorded when a signature has later updates; never required, so a skipped backstop
    /// is `not-run` with the reason and leaves the verdict to the other checks).
    Rendering,
}

impl CheckId {
    /// Every check identifier.
    pub const ALL: [CheckId; 21] = [
        CheckId::SignatureDictionary,
        CheckId::Coverage,
        CheckId::Certification,
        CheckId::CmsStructure,
        CheckId::SignerCertificate,
        CheckId::MessageDigest,
        CheckId::SignatureValue,
        CheckId::EssSigningCertificate,
        CheckId::Algorithms,
        CheckId::CertificateChain,
        CheckId::ValidityPeriod,
        CheckId::KeyUsage,
        CheckId::Revocation,
        CheckId::SigningTime,
        CheckId::SignatureTimestamp,
        CheckId::TimestampSignature,
        CheckId::TimestampChain,
        CheckId::TimestampValidity,
        CheckId::TimestampRevocation,
        CheckId::Modifications,
        CheckId::Rendering,
    ];

    /// The identifier with this JSON spelling.
    pub fn parse(s: &str) -> Option<CheckId> {
        CheckId::ALL.into_iter().find(|c| c.as_str() == s)
    }

    /// The JSON spelling (`message-digest`).
    pub fn as_str(self) -> &'static str {
        match self {
            CheckId::SignatureDictionary => "signature-dictionary",
            CheckId::Coverage => "coverage",
            CheckId::Certification => "certification",
            CheckId::CmsStructure => "cms-structure",
            CheckId::SignerCertificate => "signer-certificate",
            CheckId::MessageDigest => "message-digest",
            CheckId::SignatureValue => "signature-value",
            CheckId::EssSigningCertificate => "ess-signing-certificate",
            CheckId::Algorithms => "algorithms",
            CheckId::CertificateChain => "certificate-chain",
            CheckId::ValidityPeriod => "validity-period",
            CheckId::KeyUsage => "key-usage",
            CheckId::Revocation => "revocation",
            CheckId::SigningTime => "signing-time",
            CheckId::SignatureTimestamp => "signature-timestamp",
            CheckId::TimestampSignature => "timestamp-signature",
            CheckId::TimestampChain => "timestamp-chain",
            CheckId::TimestampValidity => "timestamp-validity",
            CheckId::TimestampRevocation => "timestamp-revocation",
            CheckId::Modifications => "modifications",
            CheckId::Rendering => "rendering",
        }
    }

    /// The checks a signature of this kind must pass (`passed` or `warning`) to be
    /// TOTAL-PASSED. A required check that was never recorded counts as not run, so a
    /// validation path that forgets a check cannot yield a valid signature.
    pub fn required_for(kind: SignatureKind) -> &'static [CheckId] {
        const APPROVAL: &[CheckId] = &[
            CheckId::SignatureDictionary,
            CheckId::Coverage,
            CheckId::CmsStructure,
            CheckId::SignerCertificate,
            CheckId::MessageDigest,
            CheckId::SignatureValue,
            CheckId::Algorithms,
            CheckId::CertificateChain,
            CheckId::ValidityPeriod,
            CheckId::KeyUsage,
            CheckId::Revocation,
            CheckId::Modifications,
        ];
        const CERTIFICATION: &[CheckId] = &[
            CheckId::SignatureDictionary,
            CheckId::Coverage,
            CheckId::Certification,
            CheckId::CmsStructure,
            CheckId::SignerCertificate,
            CheckId::MessageDigest,
            CheckId::SignatureValue,
            CheckId::Algorithms,
            CheckId::CertificateChain,
            CheckId::ValidityPeriod,
            CheckId::KeyUsage,
            CheckId::Revocation,
            CheckId::Modifications,
        ];
        const DOCUMENT_TIMESTAMP: &[CheckId] = &[
            CheckId::SignatureDictionary,
            CheckId::Coverage,
            CheckId::CmsStructure,
            CheckId::MessageDigest,
            CheckId::TimestampSignature,
            CheckId::TimestampChain,
            CheckId::TimestampValidity,
            CheckId::Modifications,
        ];
        match kind {
            SignatureKind::Approval => APPROVAL,
            SignatureKind::Certification => CERTIFICATION,
            SignatureKind::DocumentTimestamp => DOCUMENT_TIMESTAMP,
        }
    }
}

/// How much of the file a signature's bytes reach.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
#[non_exhaustive]
pub enum CoverageKind {
    /// The whole file (`whole-file`).
    WholeFile,
    /// An earlier revision: the file was updated after signing (`revision`).
    Revision,
    /// The signed bytes do not end at a revision boundary (`unclear`).
    Unclear,
}

impl CoverageKind {
    /// The JSON spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            CoverageKind::WholeFile => "whole-file",
            CoverageKind::Revision => "revision",
            CoverageKind::Unclear => "unclear",
        }
    }
}

/// A DocMDP permission level (ISO 32000-1 §12.8.2.2), written as the number `P` in JSON.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum DocMdpLevel {
    /// `P = 1`: no changes.
    NoChanges,
    /// `P = 2`: form filling, page templates and signing.
    FormFilling,
    /// `P = 3`: also annotations.
    Annotations,
}

impl DocMdpLevel {
    /// The level of a `/P` value (1, 2 or 3).
    pub fn from_p(p: i64) -> Option<Self> {
        match p {
            1 => Some(DocMdpLevel::NoChanges),
            2 => Some(DocMdpLevel::FormFilling),
            3 => Some(DocMdpLevel::Annotations),
            _ => None,
        }
    }
    /// The `/P` value.
    pub fn p(self) -> u8 {
        match self {
            DocMdpLevel::NoChanges => 1,
            DocMdpLevel::FormFilling => 2,
            DocMdpLevel::Annotations => 3,
        }
    }
}

impl Serialize for DocMdpLevel {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_u8(self.p())
    }
}

impl<'de> Deserialize<'de> for DocMdpLevel {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let p = i64::deserialize(d)?;
        DocMdpLevel::from_p(p)
            .ok_or_else(|| serde::de::Error::custom("DocMDP level must be 1, 2 or 3"))
    }
}

macro_rules! display_as_str {
    ($($t:ty),*) => {$(
        impl std::fmt::Display for $t {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    )*};
}
display_as_str!(CheckId, SignatureKind, FindingId, CoverageKind);

/// Comparisons with the JSON spelling (`check.id == "message-digest"`).
macro_rules! eq_str {
    ($($t:ty),*) => {$(
        impl PartialEq<str> for $t {
            fn eq(&self, other: &str) -> bool {
                self.as_str() == other
            }
        }
        impl PartialEq<&str> for $t {
            fn eq(&self, other: &&str) -> bool {
                self.as_str() == *other
            }
        }
    )*};
}
eq_str!(CheckId, SignatureKind, FindingId, CoverageKind);

impl std::fmt::Display for DocMdpLevel {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.p())
    }
}

/// The identifier of a file-level finding (kebab-case in JSON).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
#[non_exhaustive]
pub enum FindingId {
    /// The bytes are not a PDF.
    NotAPdf,
    /// The document has no signatures.
    NoSignatures,
    /// The document is encrypted.
    Encrypted,
    /// The form structure cannot be read.
    UnreadableStructure,
    /// A signature field is not reachable from the final revision's form.
    UnreachableSignature,
    /// Bytes after the last revision that are not a well-formed update.
    TrailingBytes,
    /// The file does not end with `%%EOF`.
    NoEofMarker,
    /// A signature field that is not signed (no `/V`, or an empty placeholder); a warning.
    UnsignedSignatureField,
    /// The file changed while it was being validated: the verdict would mix two versions.
    FileChanged,
    /// Damaged cross-reference data was repaired (or rebuilt) by scanning the file's objects
    /// to read it; signatures whose revision needed it are not valid.
    XrefRepaired,
}

impl FindingId {
    /// The JSON spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            FindingId::NotAPdf => "not-a-pdf",
            FindingId::NoSignatures => "no-signatures",
            FindingId::Encrypted => "encrypted",
            FindingId::UnreadableStructure => "unreadable-structure",
            FindingId::UnreachableSignature => "unreachable-signature",
            FindingId::TrailingBytes => "trailing-bytes",
            FindingId::NoEofMarker => "no-eof-marker",
            FindingId::UnsignedSignatureField => "unsigned-signature-field",
            FindingId::FileChanged => "file-changed",
            FindingId::XrefRepaired => "xref-repaired",
        }
    }
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
    /// The check was not run: an earlier one failed, or it was skipped (the message says
    /// why). Never counts as passed.
    NotRun,
}

/// One check and its outcome.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Check {
    /// Stable identifier.
    pub id: CheckId,
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
    /// What the signed bytes reach.
    pub kind: CoverageKind,
    /// The revision the signed bytes end with (1-based, as people count), if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub revision: Option<usize>,
    /// Number of revisions in the file.
    pub revisions: usize,
    /// Number of signed bytes.
    pub signed_bytes: u64,
}

/// What the rendering backstop did for one signature (see [`crate::RenderCheck`]).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Rendering {
    /// Whether pages were rendered and compared.
    pub status: RenderingStatus,
    /// What was done or why it was not, in words.
    pub reason: String,
    /// Pages whose rendering inputs were compared (page content, resources, annotations).
    pub pages_checked: usize,
    /// Pages rendered in both revisions and compared pixel by pixel.
    pub pages_rendered: usize,
    /// Where pixels changed: outside the permitted changes (then the signature failed) and,
    /// inside them, the new signature widgets and filled fields.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub regions: Vec<ChangedRegion>,
}

/// Whether the rendering backstop ran.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum RenderingStatus {
    /// Pages were rendered and compared (`regions` says what changed).
    Compared,
    /// No page's rendering inputs changed outside permitted annotations: nothing to render.
    NotNeeded,
    /// The backstop could not run (budget, renderer error, option, build without the
    /// `render` feature); the verdict rests on the structural analysis alone.
    Skipped,
}

/// A rectangle of a page whose pixels differ between the signed and the current revision.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ChangedRegion {
    /// The page (1-based).
    pub page: usize,
    /// The region in the page's default user space, `[x0, y0, x1, y1]` in points.
    pub rect: [f64; 4],
    /// Whether it lies in a permitted change (a new signature widget, a filled field, an
    /// annotation the certification allows).
    pub permitted: bool,
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
    /// The roles the changed object plays in the signed or the final revision ("content of
    /// page object 4", "appearance of annotation 9", …), when more than one was found or
    /// one decided the verdict; empty otherwise (and then omitted from JSON).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub roles: Vec<String>,
}

/// Everything found about one signature.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SignatureReport {
    /// Fully qualified field name (`/T` values joined with `.`).
    pub field: String,
    /// Object number of the signature dictionary (`"12 0"`), or `null` if direct.
    pub object: Option<String>,
    /// `signature` (approval), `certification` (DocMDP) or `document-timestamp`.
    pub kind: SignatureKind,
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
    pub pades_level: Option<crate::PadesLevel>,
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
    pub docmdp_level: Option<DocMdpLevel>,
    /// Coverage, when the `/ByteRange` could be read.
    pub coverage: Option<Coverage>,
    /// Changes made after this signature.
    pub changes: Vec<Change>,
    /// The rendering backstop: the pages of the signed revision and of the current one
    /// rendered and compared, when the signature has later updates whose changes were all
    /// allowed (`None` otherwise: nothing to compare, or already a disallowed change).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rendering: Option<Rendering>,
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
    /// Stable identifier.
    pub id: FindingId,
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
    pub revocation_policy: crate::RevocationPolicy,
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
    render_text_lang(r, Lang::En)
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

// ---- Vietnamese reports -----------------------------------------------------------------

pub use crate::policy::Lang;

impl CheckId {
    /// What the check is about, in `lang` (for reports in Vietnamese, Circular
    /// 15/2025/TT-BKHCN Art. 6).
    pub fn label(self, lang: Lang) -> &'static str {
        let (vi, en) = match self {
            CheckId::SignatureDictionary => (
                "Từ điển chữ ký (/Contents, /ByteRange)",
                "Signature dictionary (/Contents, /ByteRange)",
            ),
            CheckId::Coverage => ("Phạm vi dữ liệu được ký", "Signed coverage"),
            CheckId::Certification => ("Chữ ký chứng nhận (DocMDP)", "Certification (DocMDP)"),
            CheckId::CmsStructure => ("Cấu trúc CMS của chữ ký", "CMS structure"),
            CheckId::SignerCertificate => ("Chứng thư số của người ký", "Signer's certificate"),
            CheckId::MessageDigest => (
                "Giá trị băm của dữ liệu được ký",
                "Digest of the signed data",
            ),
            CheckId::SignatureValue => ("Giá trị chữ ký số", "Signature value"),
            CheckId::EssSigningCertificate => (
                "Ràng buộc chứng thư số người ký (ESS signing-certificate)",
                "ESS signing-certificate binding",
            ),
            CheckId::Algorithms => ("Thuật toán và độ dài khóa", "Algorithms and key sizes"),
            CheckId::CertificateChain => (
                "Đường dẫn chứng thực đến chứng thư số gốc tin cậy",
                "Certification path to a trust anchor",
            ),
            CheckId::ValidityPeriod => (
                "Thời hạn hiệu lực của các chứng thư số",
                "Validity periods of the certificates",
            ),
            CheckId::KeyUsage => ("Mục đích sử dụng khóa", "Key usage"),
            CheckId::Revocation => (
                "Tình trạng thu hồi của các chứng thư số",
                "Revocation status of the certificates",
            ),
            CheckId::SigningTime => ("Thời điểm ký", "Signing time"),
            CheckId::SignatureTimestamp => ("Dấu thời gian của chữ ký", "Signature time-stamp"),
            CheckId::TimestampSignature => {
                ("Chữ ký của dấu thời gian", "Time-stamp token signature")
            }
            CheckId::TimestampChain => (
                "Đường dẫn chứng thực của đơn vị cấp dấu thời gian",
                "Time-stamping authority's certification path",
            ),
            CheckId::TimestampValidity => (
                "Thời hạn hiệu lực chứng thư số của đơn vị cấp dấu thời gian",
                "Validity of the time-stamping authority's certificates",
            ),
            CheckId::TimestampRevocation => (
                "Tình trạng thu hồi chứng thư số của đơn vị cấp dấu thời gian",
                "Revocation status of the time-stamping authority's certificates",
            ),
            CheckId::Modifications => ("Các thay đổi sau khi ký", "Changes after signing"),
            CheckId::Rendering => (
                "So sánh hình ảnh trang (trước và sau khi ký)",
                "Rendered pages (signed and current)",
            ),
        };
        lang.pick(vi, en)
    }
}

impl CheckStatus {
    /// The status in words, in `lang`.
    pub fn label(self, lang: Lang) -> &'static str {
        match self {
            CheckStatus::Passed => lang.pick("hợp lệ", "passed"),
            CheckStatus::Warning => lang.pick("hợp lệ, có lưu ý", "passed with a remark"),
            CheckStatus::Failed => lang.pick("không hợp lệ", "failed"),
            CheckStatus::Indeterminate => {
                lang.pick("chưa xác định được", "could not be determined")
            }
            CheckStatus::NotRun => lang.pick("không kiểm tra", "not run"),
        }
    }
}

impl FindingId {
    /// What the finding says, in `lang`.
    pub fn label(self, lang: Lang) -> &'static str {
        match self {
            FindingId::NotAPdf => lang.pick("Tệp không phải là PDF", "The file is not a PDF"),
            FindingId::NoSignatures => {
                lang.pick("Tệp không có chữ ký số", "The file has no signatures")
            }
            FindingId::Encrypted => lang.pick("Tệp PDF được mã hóa", "The PDF is encrypted"),
            FindingId::UnreadableStructure => lang.pick(
                "Không đọc được cấu trúc của tệp PDF",
                "The PDF's structure cannot be read",
            ),
            FindingId::UnreachableSignature => lang.pick(
                "Có chữ ký không thuộc phiên bản cuối của tài liệu",
                "A signature is not reachable from the final revision",
            ),
            FindingId::TrailingBytes => lang.pick(
                "Có dữ liệu thừa sau phần được ký",
                "Bytes follow the last revision",
            ),
            FindingId::NoEofMarker => lang.pick(
                "Tệp không kết thúc bằng %%EOF",
                "The file does not end with %%EOF",
            ),
            FindingId::UnsignedSignatureField => lang.pick(
                "Có ô chữ ký chưa được ký",
                "A signature field is not signed",
            ),
            FindingId::FileChanged => lang.pick(
                "Tệp bị thay đổi trong khi đang xác thực",
                "The file changed during validation",
            ),
            FindingId::XrefRepaired => lang.pick(
                "Bảng tham chiếu chéo bị hỏng và đã được sửa để đọc tệp",
                "Damaged cross-references were repaired to read the file",
            ),
        }
    }
}

/// A check's message in `lang`: the original (English, detailed) message for English, and
/// "label: status" in Vietnamese (the validator's details are English free text; a line never
/// mixes the two languages).
pub fn check_message(c: &Check, lang: Lang) -> String {
    match lang {
        Lang::En => c.message.clone(),
        Lang::Vi => format!("{}: {}", c.id.label(lang), c.status.label(lang)),
    }
}

/// The one-line summary of `r` in `lang` (the English one is [`FileReport::summary`]).
pub fn summary(r: &FileReport, lang: Lang) -> String {
    if lang == Lang::En {
        return r.summary.clone();
    }
    let n = r.signatures.len();
    let ok = r.signatures.iter().filter(|s| s.is_valid()).count();
    if r.valid {
        return format!("Hợp lệ: đã xác minh {n} chữ ký số");
    }
    if n == 0 {
        return match r.findings.first() {
            Some(f) => format!("Không hợp lệ: {}", lowercase_first(f.id.label(lang))),
            None => "Không hợp lệ: tệp không có chữ ký số".into(),
        };
    }
    let reason = r
        .signatures
        .iter()
        .find(|s| !s.is_valid())
        .and_then(|s| {
            s.checks
                .iter()
                .find(|c| matches!(c.status, CheckStatus::Failed | CheckStatus::Indeterminate))
        })
        .map(|c| check_message(c, lang))
        .or_else(|| {
            r.findings
                .iter()
                .find(|f| f.status != CheckStatus::Warning)
                .map(|f| f.id.label(lang).to_string())
        });
    match reason {
        Some(why) => format!("Không hợp lệ: {ok}/{n} chữ ký số hợp lệ; {why}"),
        None => format!("Không hợp lệ: {ok}/{n} chữ ký số hợp lệ"),
    }
}

fn lowercase_first(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_lowercase().chain(c).collect(),
        None => String::new(),
    }
}

/// Rewrites the report's human-readable texts in `lang`: the summary, each check's message
/// and each finding's message (field names, identifiers and values stay as they are; English
/// leaves the report unchanged).
pub fn localize(r: &mut FileReport, lang: Lang) {
    if lang == Lang::En {
        return;
    }
    r.summary = summary(r, lang);
    for s in &mut r.signatures {
        for c in &mut s.checks {
            c.message = check_message(c, lang);
        }
    }
    for f in &mut r.findings {
        f.message = f.id.label(lang).to_string();
    }
}

/// Renders a report as text for people, in `lang`. In Vietnamese every line is Vietnamese
/// but for the validator's details of checks that did not pass, which follow on their own
/// line after `↳` in English (names, times and identifiers are shown as they are).
pub fn render_text_lang(r: &FileReport, lang: Lang) -> String {
    use std::fmt::Write as _;
    let vi = lang == Lang::Vi;
    let t = |vi: &'static str, en: &'static str| lang.pick(vi, en);
    let mut o = String::new();
    let mark = if r.valid {
        t("Hợp lệ", "VALID")
    } else {
        t("Không hợp lệ", "NOT VALID")
    };
    let _ = writeln!(
        o,
        "{}: {mark} ({}{})",
        r.file,
        r.indication.as_str(),
        sub_str(r.sub_indication)
    );
    let _ = writeln!(o, "  {}", summary(r, lang));
    let _ = writeln!(
        o,
        "  {} {}, {} {}, {} {}{}",
        t("số phiên bản:", "revisions:"),
        r.revisions,
        t("thời điểm kiểm tra:", "validated for"),
        r.validation_time,
        t("kiểm tra thu hồi:", "revocation:"),
        r.revocation_policy,
        if r.offline {
            t(
                " (ngoại tuyến: chỉ dùng dữ liệu trong tệp)",
                " (offline: data in the file only)",
            )
        } else {
            ""
        }
    );
    for f in &r.findings {
        let message = if vi { f.id.label(lang) } else { &f.message };
        let _ = writeln!(o, "  [{}] {}: {message}", status_str(f.status), f.id);
    }
    for (i, s) in r.signatures.iter().enumerate() {
        let level = s
            .docmdp_level
            .map(|p| format!(", P={p}"))
            .unwrap_or_default();
        let _ = writeln!(
            o,
            "  {} #{} — {} {:?} ({}{level}): {}{}",
            t("Chữ ký", "Signature"),
            i + 1,
            t("trường", "field"),
            s.field,
            s.kind,
            s.indication.as_str(),
            sub_str(s.sub_indication)
        );
        if let Some(c) = &s.signer {
            let _ = writeln!(o, "    {} {}", t("người ký:    ", "signer:  "), c.subject);
            for id in &c.identifiers {
                let _ = writeln!(
                    o,
                    "    {} {}:{}",
                    t("định danh:   ", "id:      "),
                    id.kind,
                    id.value
                );
            }
            let _ = writeln!(o, "    {} {}", t("tổ chức cấp: ", "issuer:  "), c.issuer);
            let _ = writeln!(o, "    {} {}", t("số hiệu:     ", "serial:  "), c.serial);
        }
        if let Some(ts) = &s.claimed_signing_time {
            let _ = writeln!(
                o,
                "    {}",
                t("thời điểm ký: {t} (tự khai)", "signed:   {t} (claimed)").replace("{t}", ts)
            );
        }
        if let Some(ts) = &s.proven_signing_time {
            let _ = writeln!(
                o,
                "    {}",
                t(
                    "được chứng minh: {t} (dấu thời gian)",
                    "proven:   {t} (time-stamp)"
                )
                .replace("{t}", ts)
            );
        }
        if let (Some(d), Some(a)) = (&s.digest_algorithm, &s.signature_algorithm) {
            let _ = writeln!(o, "    {} {a} ({d})", t("thuật toán:  ", "algo:    "));
        }
        if let Some(c) = &s.coverage {
            let what = match (c.kind, c.revision) {
                (CoverageKind::WholeFile, _) => t("toàn bộ tệp", "the whole file").to_string(),
                (CoverageKind::Revision, Some(k)) => {
                    format!(
                        "{} {k} {} {}",
                        t("phiên bản", "revision"),
                        t("trên", "of"),
                        c.revisions
                    )
                }
                _ => t("một phần không rõ của tệp", "an unclear part of the file").to_string(),
            };
            let _ = writeln!(
                o,
                "    {} {what} ({} {}, ByteRange {:?})",
                t("phạm vi ký:  ", "covers:  "),
                c.signed_bytes,
                t("byte", "bytes"),
                c.byte_range
            );
        }
        for c in &s.checks {
            let _ = writeln!(
                o,
                "    [{}] {}: {}",
                status_str(c.status),
                c.id,
                check_message(c, lang)
            );
            // In Vietnamese the validator's (English) detail goes on a line of its own.
            if vi && c.status != CheckStatus::Passed && !c.message.is_empty() {
                let _ = writeln!(o, "          ↳ {}", c.message);
            }
        }
        for ch in &s.changes {
            if vi {
                let _ = writeln!(
                    o,
                    "    phiên bản {}: {}",
                    ch.revision,
                    if ch.allowed {
                        "thay đổi được phép"
                    } else {
                        "thay đổi KHÔNG được phép"
                    }
                );
                let _ = writeln!(o, "          ↳ {} ({})", ch.description, ch.reason);
            } else {
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
    }
    o
}

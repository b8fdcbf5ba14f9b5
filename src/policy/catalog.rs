//! The procedure catalog: which procedures exist, what a submission must contain and how it
//! is signed, what a result must carry. Read from TOML (the format is documented in
//! `docs/catalog.md`); the text is untrusted input, so every problem is a [`CatalogError`]
//! with the line, column and field it concerns, never a panic.
//!
//! ```toml
//! [catalog]
//! title = "Danh mục thủ tục của tỉnh …"
//!
//! [[procedure]]
//! code = "1.000001.H62"
//! name = "Cấp giấy phép …"
//! agency = "Sở … tỉnh …"
//! mode = "toan-trinh"            # or "mot-phan"
//!
//! [[procedure.component]]        # one per submission component
//! id = "don-de-nghi"
//! name = "Đơn đề nghị"
//! signer = "individual"          # "organisation", "any"
//!
//! [procedure.result]
//! signatures = ["official", "agency"]
//! agency_patterns = ['(?i)CN=Sở … tỉnh …']
//! ```

pub(crate) use crate::level::PadesLevel;
use std::collections::HashMap;
use std::ops::Range;

use regex::Regex;
use serde::Deserialize;
use toml::Spanned;

use super::profiles::BUNDLED_PROFILE_NAMES;

/// The usual shape of a procedure code in the national database: a level digit, six digits,
/// an optional two-digit variant sub-code (`1.001193.02`) and an optional provincial suffix
/// `.Hnn` (`1.012753.H19`). Codes of another shape are accepted with a warning (the national
/// data itself holds a few: `1.0133611`, `1.014955-Xoa`, `2.009182739`).
pub(crate) const CODE_PATTERN: &str = r"^\d\.\d{6}(\.\d{2})?(\.H\d{2})?$";

/// A procedure code as kyso stores and compares it: surrounding whitespace (including
/// non-breaking spaces) removed.
pub fn normalize_code(code: &str) -> &str {
    code.trim_matches(|c: char| c.is_whitespace() || c == '\u{feff}')
}

/// Whether `code` (already normalised) has the shape every code must have: a digit, then at
/// most 39 ASCII letters, digits, `.` or `-` (no spaces inside; spaces around a code are
/// removed by [`normalize_code`]).
pub(crate) fn code_has_valid_shape(code: &str) -> bool {
    let b = code.as_bytes();
    !b.is_empty()
        && b.len() <= 40
        && b[0].is_ascii_digit()
        && b.iter()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, b'.' | b'-'))
}

/// Whether `code` (already normalised) has the usual national shape ([`CODE_PATTERN`]).
pub(crate) fn code_is_usual(code: &str) -> bool {
    let mut parts = code.split('.');
    let digits = |s: &str, n: usize| s.len() == n && s.bytes().all(|c| c.is_ascii_digit());
    let (Some(level), Some(number)) = (parts.next(), parts.next()) else {
        return false;
    };
    if !digits(level, 1) || !digits(number, 6) {
        return false;
    }
    let rest: Vec<&str> = parts.collect();
    let province = |s: &str| s.len() == 3 && s.starts_with('H') && digits(&s[1..], 2);
    match rest.as_slice() {
        [] => true,
        [a] => digits(a, 2) || province(a),
        [a, b] => digits(a, 2) && province(b),
        _ => false,
    }
}

/// How a procedure is offered online (Decree 42/2022/NĐ-CP Art. 11(1)), as the national
/// portal flags it. It does not say whether paper is accepted: most fully-online procedures
/// also accept filing at the desk or by post; refusing paper is a separate, provincial
/// decision ([`Procedure::no_paper`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, serde::Serialize)]
pub enum Mode {
    /// `toan-trinh`: fully online — information, performance and settlement can all happen
    /// online (the portal's `is_full_process`).
    #[serde(rename = "toan-trinh")]
    ToanTrinh,
    /// `mot-phan`: partly online.
    #[serde(rename = "mot-phan")]
    MotPhan,
}

impl Mode {
    /// The catalog spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Mode::ToanTrinh => "toan-trinh",
            Mode::MotPhan => "mot-phan",
        }
    }
}

/// How a dossier may be filed, as the national portal lists it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum SubmissionMethod {
    /// On the public service portal.
    Online,
    /// At the one-stop desk (paper).
    Direct,
    /// By post (paper).
    Postal,
}

impl SubmissionMethod {
    /// The catalog spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            SubmissionMethod::Online => "online",
            SubmissionMethod::Direct => "direct",
            SubmissionMethod::Postal => "postal",
        }
    }
    /// Whether the method files paper.
    pub fn is_paper(self) -> bool {
        !matches!(self, SubmissionMethod::Online)
    }
}

/// A provincial decision that a procedure accepts no paper dossier (e.g. a province's list
/// of fully-online services that accept electronic dossiers only).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct NoPaperDecision {
    /// The decision's number (`1234/QĐ-UBND`).
    pub decision: String,
    /// Its date, as written (`2024-10-15`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub date: Option<String>,
}

/// A result document the national data lists for a procedure.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct ResultDocument {
    /// Its national code (`KQ.G15.000033`), if it has one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
    /// Its name.
    pub name: String,
}

/// Facts about a procedure from the National Public Service Portal, kept as imported.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct NationalFacts {
    /// `STANDARD`, `SPECIFIC` or `STANDARD_INTERNAL`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    /// `ACTIVE`, `UPDATED`, …
    #[serde(skip_serializing_if = "Option::is_none")]
    pub state: Option<String>,
    /// The promulgating authority (ministry).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub authority: Option<String>,
    /// The announcing decision (`163/QĐ-BTP`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub decision: Option<String>,
    /// Departments.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub departments: Vec<String>,
    /// Executing units.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub executing: Vec<String>,
    /// Categories (lĩnh vực).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub categories: Vec<String>,
    /// Target groups.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub target_groups: Vec<String>,
    /// Legal bases.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub legal_bases: Vec<String>,
    /// Result documents.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub results: Vec<ResultDocument>,
}

/// Something odd in a catalog that kyso accepted (an unusual procedure code, a code trimmed
/// of spaces, …): reported, never silently dropped.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct CatalogWarning {
    /// The file it concerns (catalog, national CSV, details, overlay).
    pub source_name: String,
    /// 1-based line, if known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub line: Option<usize>,
    /// Field path, if known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    /// What.
    pub reason: String,
}

impl std::fmt::Display for CatalogWarning {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.source_name)?;
        if let Some(l) = self.line {
            write!(f, ":{l}")?;
        }
        f.write_str(": ")?;
        if let Some(field) = &self.field {
            write!(f, "{field}: ")?;
        }
        f.write_str(&self.reason)
    }
}

/// Who must sign a submission component.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum SignerKind {
    /// A person's certificate (citizen, representative, official).
    Individual,
    /// An organisation's certificate (company, agency).
    Organisation,
    /// Either.
    Any,
}

/// Where a submission component comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Origin {
    /// Made and signed electronically by the applicant.
    Electronic,
    /// A paper document scanned at the one-stop desk and signed there by the official
    /// (rule R17); only where the procedure accepts paper.
    PaperScan,
}

/// What to do with RSA PKCS#1 v1.5 signatures where TT 15/2025 asks for RSASSA-PSS.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Pkcs1Policy {
    /// Accept silently.
    Accept,
    /// Accept with a warning (the default: PKCS#1 v1.5 is what Vietnamese CAs and signing
    /// tools produce in practice).
    Warn,
    /// Reject: not compliant.
    Reject,
}

/// The accepted algorithms (rule R12).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Algorithms {
    /// Accepted digests, as kyso names them (`SHA-256`, `SHA3-256`, …).
    pub digests: Vec<String>,
    /// Accepted key algorithms (`RSA`, `EC`).
    pub key_algorithms: Vec<String>,
    /// Minimum RSA modulus size.
    pub min_rsa_bits: u32,
    /// Minimum EC field size.
    pub min_ec_bits: u32,
    /// RSA PKCS#1 v1.5 handling.
    pub rsa_pkcs1v15: Pkcs1Policy,
}

impl Default for Algorithms {
    /// TT 15/2025/TT-BKHCN Phụ lục I: RSA ≥ 2048 or ECDSA ≥ 256, SHA-2 (SHA-256/384/512) or
    /// SHA-3; PKCS#1 v1.5 warned.
    fn default() -> Self {
        Algorithms {
            digests: [
                "SHA-256", "SHA-384", "SHA-512", "SHA3-256", "SHA3-384", "SHA3-512",
            ]
            .map(String::from)
            .to_vec(),
            key_algorithms: vec!["RSA".into(), "EC".into()],
            min_rsa_bits: 2048,
            min_ec_bits: 256,
            rsa_pkcs1v15: Pkcs1Policy::Warn,
        }
    }
}

/// A list of regular expressions matched against a certificate's subject DN as kyso prints
/// it (`CN=…, OU=…, O=…, C=VN`, UTF-8). One match is enough.
#[derive(Debug, Clone, Default)]
pub struct Patterns {
    regexes: Vec<Regex>,
}

impl serde::Serialize for Patterns {
    /// As the list of pattern texts.
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(self.regexes.iter().map(Regex::as_str))
    }
}

impl Patterns {
    /// Compiles patterns (for callers building a catalog in code).
    ///
    /// # Errors
    /// The first pattern that is not a valid regular expression, with the reason.
    pub fn new<S: AsRef<str>>(patterns: &[S]) -> Result<Self, String> {
        let mut regexes = Vec::new();
        for p in patterns {
            regexes.push(compile(p.as_ref())?);
        }
        Ok(Patterns { regexes })
    }
    /// Whether there are no patterns.
    pub fn is_empty(&self) -> bool {
        self.regexes.is_empty()
    }
    /// Whether some pattern matches `subject`.
    pub fn matches(&self, subject: &str) -> bool {
        self.regexes.iter().any(|r| r.is_match(subject))
    }
    /// The first pattern that matches `subject`.
    pub fn first_match(&self, subject: &str) -> Option<&str> {
        self.regexes
            .iter()
            .find(|r| r.is_match(subject))
            .map(Regex::as_str)
    }
    /// The pattern texts.
    pub fn sources(&self) -> Vec<&str> {
        self.regexes.iter().map(Regex::as_str).collect()
    }
}

/// Subject patterns that override the built-in individual/organisation rules.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct ClassificationOverrides {
    /// Subjects that are organisations.
    pub organisation: Patterns,
    /// Subjects that are individuals.
    pub individual: Patterns,
}

/// One component of a submission (thành phần hồ sơ).
#[derive(Debug, Clone, serde::Serialize)]
pub struct Component {
    /// Identifier; files whose name starts with it belong to it.
    pub id: String,
    /// Name, as the procedure lists it.
    pub name: String,
    /// Whether the dossier must contain it.
    pub required: bool,
    /// Whether it must be digitally signed.
    pub signed: bool,
    /// Who must sign it.
    pub signer: SignerKind,
    /// Trust profiles its signatures must chain to (one is enough).
    pub trust_profiles: Vec<String>,
    /// Minimum PAdES level, if one is required.
    pub min_level: Option<PadesLevel>,
    /// Electronic, or a scan of paper.
    pub origin: Origin,
    /// The national component code (`000.00.00.G15-KQ003208`), if imported.
    pub code: Option<String>,
    /// The variant (trường hợp) heading it is listed under, if any.
    pub case: Option<String>,
    /// Whether the portal offers an electronic form for it.
    pub electronic_form: bool,
    /// Number of originals asked for (national data).
    pub originals: u32,
    /// Number of copies asked for (national data).
    pub copies: u32,
}

/// Which signatures a result carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum RequiredSignature {
    /// The competent official's personal signature (R2).
    Official,
    /// The agency's organisation signature (R1).
    Agency,
}

/// What a result (kết quả giải quyết) must carry.
#[derive(Debug, Clone, serde::Serialize)]
pub struct ResultRules {
    /// Required signatures, in the order they must be made (`official` before `agency`).
    pub signatures: Vec<RequiredSignature>,
    /// Subjects of the competent agency's organisation certificates.
    pub agency_patterns: Patterns,
    /// Subjects of the agency's competent officials.
    pub official_patterns: Patterns,
    /// Trust profiles the signatures must chain to.
    pub trust_profiles: Vec<String>,
    /// Minimum PAdES level, if one is required.
    pub min_level: Option<PadesLevel>,
    /// A signature time-stamp is required (R11).
    pub timestamp: bool,
    /// Embedded validation data (B-LT or better) is required (R10).
    pub validation_data: bool,
    /// Accepted algorithms (R12).
    pub algorithms: Algorithms,
}

/// One administrative procedure. Serialises (for `kyso catalog show --format json` and the
/// service) with subject patterns as their texts.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Procedure {
    /// Code (`1.014464`, `1.014464.H12`).
    pub code: String,
    /// Name.
    pub name: String,
    /// The competent agency (empty when the catalog does not say).
    pub agency: String,
    /// Online mode, when the catalog states it.
    pub mode: Option<Mode>,
    /// How a dossier may be filed (national data); empty when not stated.
    pub submission_methods: Vec<SubmissionMethod>,
    /// The provincial decision that this procedure accepts no paper, if any.
    pub no_paper: Option<NoPaperDecision>,
    /// Whether paper dossiers (and paper components) are accepted: the catalog's
    /// `paper_accepted` if given; otherwise `false` under a no-paper decision, else whether a
    /// paper submission method (`direct`, `postal`) is listed.
    pub paper_accepted: bool,
    /// Facts from the national portal, if imported.
    pub national: Option<NationalFacts>,
    /// Legal basis or note, free text.
    pub legal_basis: Option<String>,
    /// Submission components.
    pub components: Vec<Component>,
    /// Subjects of the one-stop officials who sign scans of paper components (R17); empty:
    /// any individual certificate.
    pub one_stop_patterns: Patterns,
    /// Classification overrides for this procedure (checked before the catalog's).
    pub classification: ClassificationOverrides,
    /// Result rules; `None`: the catalog says nothing about results.
    pub result: Option<ResultRules>,
    /// Line of the `[[procedure]]` entry in the catalog (1-based), 0 if built in code.
    pub line: usize,
}

/// A loaded catalog.
#[derive(Debug, Clone, Default)]
pub struct Catalog {
    /// Title.
    pub title: String,
    /// Whether the catalog is an example (to be replaced with the province's export).
    pub example: bool,
    /// Province.
    pub province: Option<String>,
    /// Where the list comes from (decision number…).
    pub source: Option<String>,
    /// Classification overrides for every procedure.
    pub classification: ClassificationOverrides,
    /// The procedures.
    pub procedures: Vec<Procedure>,
    /// What the loader accepted but reports (unusual codes, trimmed codes, …).
    pub warnings: Vec<CatalogWarning>,
}

/// The example catalog shipped with kyso (`catalog/example.toml`).
pub(crate) const EXAMPLE_CATALOG: &str = include_str!("../../catalog/example.toml");

/// What went wrong in a catalog.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum CatalogErrorKind {
    /// The file could not be read.
    Io,
    /// Not valid TOML.
    Syntax,
    /// A key the format does not know.
    UnknownField,
    /// A required key is missing.
    MissingField,
    /// A value of the wrong type or not among the allowed values.
    InvalidValue,
    /// A procedure code without the shape every code must have (a digit, then letters,
    /// digits, `.` or `-`).
    BadCode,
    /// The same procedure code twice.
    DuplicateCode,
    /// Paper where the catalog says it is not accepted (a `paper-scan` component in a
    /// procedure without paper, `paper_accepted = true` next to a no-paper decision).
    PaperNotAccepted,
    /// A regular expression that does not compile.
    BadPattern,
    /// A trust profile that is not known.
    UnknownProfile,
    /// Inconsistent entries (duplicate component ids, bad signature order…).
    Inconsistent,
}

/// A catalog error: where (line, column, field path) and why.
///
/// Field paths count entries from 1: `procedure[2].component[1].signer` is the `signer` of
/// the first `[[procedure.component]]` of the second `[[procedure]]`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}", self.render())]
pub struct CatalogError {
    /// What kind of problem.
    pub kind: CatalogErrorKind,
    /// The catalog's name (file path or `<example>`).
    pub source_name: String,
    /// 1-based line, if known.
    pub line: Option<usize>,
    /// 1-based column (in characters), if known.
    pub column: Option<usize>,
    /// Field path (`procedure[2].code`), if known.
    pub field: Option<String>,
    /// Why.
    pub reason: String,
}

impl CatalogError {
    fn render(&self) -> String {
        let mut s = self.source_name.clone();
        if let Some(l) = self.line {
            s.push_str(&format!(":{l}"));
            if let Some(c) = self.column {
                s.push_str(&format!(":{c}"));
            }
        }
        s.push_str(": ");
        if let Some(f) = &self.field {
            s.push_str(f);
            s.push_str(": ");
        }
        s.push_str(&self.reason);
        s
    }
}

// ---------------------------------------------------------------------------------------
// Raw TOML shapes.

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCatalog {
    catalog: Option<RawMeta>,
    classification: Option<RawClassification>,
    #[serde(default)]
    procedure: Vec<Spanned<RawProcedure>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawMeta {
    title: Option<String>,
    #[serde(default)]
    example: bool,
    province: Option<String>,
    source: Option<String>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawClassification {
    #[serde(default)]
    organisation: Vec<Spanned<String>>,
    #[serde(default)]
    individual: Vec<Spanned<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawProcedure {
    code: Spanned<String>,
    name: Spanned<String>,
    agency: Option<Spanned<String>>,
    mode: Option<Spanned<Mode>>,
    paper_accepted: Option<Spanned<bool>>,
    #[serde(default)]
    submission_methods: Vec<SubmissionMethod>,
    no_paper: Option<Spanned<RawNoPaper>>,
    national: Option<RawNational>,
    legal_basis: Option<String>,
    #[serde(default)]
    one_stop_patterns: Vec<Spanned<String>>,
    classification: Option<RawClassification>,
    #[serde(default)]
    component: Vec<Spanned<RawComponent>>,
    result: Option<Spanned<RawResult>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawNoPaper {
    decision: Spanned<String>,
    date: Option<String>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawNational {
    kind: Option<String>,
    state: Option<String>,
    authority: Option<String>,
    decision: Option<String>,
    #[serde(default)]
    departments: Vec<String>,
    #[serde(default)]
    executing: Vec<String>,
    #[serde(default)]
    categories: Vec<String>,
    #[serde(default)]
    target_groups: Vec<String>,
    #[serde(default)]
    legal_bases: Vec<String>,
    #[serde(default)]
    results: Vec<RawResultDocument>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawResultDocument {
    code: Option<String>,
    name: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawComponent {
    id: Spanned<String>,
    name: Spanned<String>,
    code: Option<String>,
    case: Option<String>,
    #[serde(default)]
    electronic_form: bool,
    #[serde(default)]
    originals: u32,
    #[serde(default)]
    copies: u32,
    #[serde(default = "yes")]
    required: bool,
    #[serde(default = "yes")]
    signed: bool,
    #[serde(default = "any_signer")]
    signer: SignerKind,
    trust_profiles: Option<Spanned<Vec<Spanned<String>>>>,
    min_level: Option<Spanned<String>>,
    origin: Option<Spanned<Origin>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawResult {
    pub(super) signatures: Spanned<Vec<Spanned<RequiredSignatureRaw>>>,
    #[serde(default)]
    pub(super) agency_patterns: Vec<Spanned<String>>,
    #[serde(default)]
    pub(super) official_patterns: Vec<Spanned<String>>,
    pub(super) trust_profiles: Option<Spanned<Vec<Spanned<String>>>>,
    pub(super) min_level: Option<Spanned<String>>,
    #[serde(default)]
    pub(super) timestamp: bool,
    #[serde(default)]
    pub(super) validation_data: bool,
    pub(super) algorithms: Option<RawAlgorithms>,
}

#[derive(Deserialize, Clone, Copy, PartialEq, Eq)]
#[serde(rename_all = "kebab-case")]
pub(super) enum RequiredSignatureRaw {
    Official,
    Agency,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawAlgorithms {
    digests: Option<Vec<Spanned<String>>>,
    key_algorithms: Option<Vec<Spanned<String>>>,
    min_rsa_bits: Option<u32>,
    min_ec_bits: Option<u32>,
    rsa_pkcs1v15: Option<Pkcs1Policy>,
}

fn yes() -> bool {
    true
}

fn any_signer() -> SignerKind {
    SignerKind::Any
}

const KNOWN_DIGESTS: &[&str] = &[
    "SHA-1", "SHA-224", "SHA-256", "SHA-384", "SHA-512", "SHA3-256", "SHA3-384", "SHA3-512",
];
const KNOWN_KEY_ALGORITHMS: &[&str] = &["RSA", "EC", "Ed25519"];

// ---------------------------------------------------------------------------------------
// Loading.

impl Catalog {
    /// The bundled example catalog.
    ///
    /// # Errors
    /// Never in a released kyso (a unit test loads it); typed for uniformity.
    pub fn example() -> Result<Catalog, CatalogError> {
        Catalog::from_toml(EXAMPLE_CATALOG, "<example catalog>")
    }

    /// Reads a catalog file.
    ///
    /// # Errors
    /// I/O errors and every [`Catalog::from_toml`] error, named after the path.
    pub fn from_path(path: &std::path::Path) -> Result<Catalog, CatalogError> {
        let name = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|e| CatalogError {
            kind: CatalogErrorKind::Io,
            source_name: name.clone(),
            line: None,
            column: None,
            field: None,
            reason: format!("cannot read the catalog: {e}"),
        })?;
        Catalog::from_toml(&text, &name)
    }

    /// Parses a catalog; trust profile names must be bundled ones (`vn-public`, `vn-gov`).
    ///
    /// # Errors
    /// The first problem found, with line, column and field.
    pub fn from_toml(text: &str, source_name: &str) -> Result<Catalog, CatalogError> {
        Catalog::from_toml_with_profiles(text, source_name, BUNDLED_PROFILE_NAMES)
    }

    /// Parses a catalog whose trust profile names must be among `profiles`.
    ///
    /// # Errors
    /// The first problem found, with line, column and field.
    pub fn from_toml_with_profiles(
        text: &str,
        source_name: &str,
        profiles: &[&str],
    ) -> Result<Catalog, CatalogError> {
        let loader = Loader {
            text,
            source_name,
            profiles,
            line_starts: line_starts(text),
        };
        let raw: RawCatalog = toml::from_str(text).map_err(|e| loader.toml_error(&e))?;
        loader.build(raw)
    }

    /// The catalog as TOML ([`Catalog::from_toml`] reads it back to an equal catalog).
    pub fn to_toml(&self) -> String {
        super::import::write_toml(self)
    }

    /// The procedure with this code (spaces around `code` ignored). A provincial code
    /// (`1.012753.H19`) that the catalog does not hold finds the national procedure it copies
    /// (`1.012753`); the returned procedure's `code` tells which one was found.
    pub fn procedure(&self, code: &str) -> Option<&Procedure> {
        let code = normalize_code(code);
        if let Some(p) = self.procedures.iter().find(|p| p.code == code) {
            return Some(p);
        }
        let (national, suffix) = code.rsplit_once('.')?;
        let provincial = suffix.len() == 3
            && suffix.starts_with('H')
            && suffix[1..].bytes().all(|b| b.is_ascii_digit());
        if !provincial {
            return None;
        }
        self.procedures.iter().find(|p| p.code == national)
    }
}

pub(super) struct Loader<'a> {
    pub(super) text: &'a str,
    pub(super) source_name: &'a str,
    pub(super) profiles: &'a [&'a str],
    /// Byte offsets where lines start.
    pub(super) line_starts: Vec<usize>,
}

/// Byte offsets where the lines of `text` start.
pub(super) fn line_starts(text: &str) -> Vec<usize> {
    std::iter::once(0)
        .chain(text.match_indices('\n').map(|(i, _)| i + 1))
        .collect()
}

impl Loader<'_> {
    pub(super) fn error(
        &self,
        kind: CatalogErrorKind,
        span: Option<Range<usize>>,
        field: Option<String>,
        reason: String,
    ) -> CatalogError {
        let (line, column) = match span {
            Some(s) => {
                let (l, c) = line_col(self.text, s.start);
                (Some(l), Some(c))
            }
            None => (None, None),
        };
        CatalogError {
            kind,
            source_name: self.source_name.to_string(),
            line,
            column,
            field,
            reason,
        }
    }

    /// The 1-based line of a byte offset (binary search over the line starts, so that a
    /// catalog of thousands of procedures loads in linear time).
    pub(super) fn line_of(&self, offset: usize) -> usize {
        self.line_starts.partition_point(|&s| s <= offset).max(1)
    }

    pub(super) fn warning(&self, line: usize, field: String, reason: String) -> CatalogWarning {
        CatalogWarning {
            source_name: self.source_name.to_string(),
            line: Some(line),
            field: Some(field),
            reason,
        }
    }

    pub(super) fn toml_error(&self, e: &toml::de::Error) -> CatalogError {
        let msg = e
            .message()
            .trim()
            .lines()
            .map(str::trim)
            .collect::<Vec<_>>()
            .join("; ");
        let kind = if msg.starts_with("unknown field") {
            CatalogErrorKind::UnknownField
        } else if msg.starts_with("missing field") {
            CatalogErrorKind::MissingField
        } else if msg.starts_with("invalid type")
            || msg.starts_with("unknown variant")
            || msg.starts_with("invalid value")
        {
            CatalogErrorKind::InvalidValue
        } else {
            CatalogErrorKind::Syntax
        };
        let span = e.span();
        let field = match (&span, kind) {
            (_, CatalogErrorKind::Syntax) | (None, _) => None,
            (Some(s), CatalogErrorKind::MissingField) => table_path_at(self.text, s.start),
            (Some(s), _) => field_path_at(self.text, s.start),
        };
        self.error(kind, span, field, msg)
    }

    pub(super) fn patterns(&self, list: &[Spanned<String>], field: &str) -> Result<Patterns, CatalogError> {
        let mut regexes = Vec::new();
        for (i, p) in list.iter().enumerate() {
            match compile(p.get_ref()) {
                Ok(r) => regexes.push(r),
                Err(reason) => {
                    return Err(self.error(
                        CatalogErrorKind::BadPattern,
                        Some(p.span()),
                        Some(format!("{field}[{}]", i + 1)),
                        reason,
                    ))
                }
            }
        }
        Ok(Patterns { regexes })
    }

    fn classification(
        &self,
        raw: Option<&RawClassification>,
        field: &str,
    ) -> Result<ClassificationOverrides, CatalogError> {
        let Some(raw) = raw else {
            return Ok(ClassificationOverrides::default());
        };
        Ok(ClassificationOverrides {
            organisation: self.patterns(&raw.organisation, &format!("{field}.organisation"))?,
            individual: self.patterns(&raw.individual, &format!("{field}.individual"))?,
        })
    }

    fn text_field(&self, v: &Spanned<String>, field: String) -> Result<String, CatalogError> {
        let t = v.get_ref().trim();
        if t.is_empty() {
            return Err(self.error(
                CatalogErrorKind::InvalidValue,
                Some(v.span()),
                Some(field),
                "must not be empty".into(),
            ));
        }
        Ok(t.to_string())
    }

    pub(super) fn level(
        &self,
        v: Option<&Spanned<String>>,
        field: String,
    ) -> Result<Option<PadesLevel>, CatalogError> {
        let Some(v) = v else { return Ok(None) };
        PadesLevel::parse(v.get_ref()).map(Some).ok_or_else(|| {
            self.error(
                CatalogErrorKind::InvalidValue,
                Some(v.span()),
                Some(field),
                format!("unknown PAdES level {:?}, expected one of \"B-B\", \"B-T\", \"B-LT\", \"B-LTA\"", v.get_ref()),
            )
        })
    }

    pub(super) fn profiles(
        &self,
        v: Option<&Spanned<Vec<Spanned<String>>>>,
        default: &[&str],
        field: String,
    ) -> Result<Vec<String>, CatalogError> {
        let Some(v) = v else {
            return Ok(default.iter().map(|s| s.to_string()).collect());
        };
        if v.get_ref().is_empty() {
            return Err(self.error(
                CatalogErrorKind::InvalidValue,
                Some(v.span()),
                Some(field),
                "must name at least one trust profile".into(),
            ));
        }
        let mut out = Vec::new();
        for (i, p) in v.get_ref().iter().enumerate() {
            if !self.profiles.contains(&p.get_ref().as_str()) {
                return Err(self.error(
                    CatalogErrorKind::UnknownProfile,
                    Some(p.span()),
                    Some(format!("{field}[{}]", i + 1)),
                    format!(
                        "unknown trust profile {:?}, expected one of {}",
                        p.get_ref(),
                        quoted_list(self.profiles)
                    ),
                ));
            }
            out.push(p.get_ref().clone());
        }
        Ok(out)
    }

    fn build(&self, raw: RawCatalog) -> Result<Catalog, CatalogError> {
        let meta = raw.catalog;
        let mut cat = Catalog {
            title: meta
                .as_ref()
                .and_then(|m| m.title.clone())
                .unwrap_or_default(),
            example: meta.as_ref().is_some_and(|m| m.example),
            province: meta.as_ref().and_then(|m| m.province.clone()),
            source: meta.as_ref().and_then(|m| m.source.clone()),
            classification: self.classification(raw.classification.as_ref(), "classification")?,
            procedures: Vec::new(),
            warnings: Vec::new(),
        };
        if raw.procedure.is_empty() {
            return Err(self.error(
                CatalogErrorKind::MissingField,
                None,
                Some("procedure".into()),
                "the catalog has no [[procedure]] entry".into(),
            ));
        }
        let mut seen: HashMap<String, usize> = HashMap::new();
        for (pi, sp) in raw.procedure.iter().enumerate() {
            let base = format!("procedure[{}]", pi + 1);
            let p = sp.get_ref();
            let proc_line = self.line_of(sp.span().start);
            let raw_code = p.code.get_ref();
            let code = normalize_code(raw_code).to_string();
            let code_line = self.line_of(p.code.span().start);
            if !code_has_valid_shape(&code) {
                return Err(self.error(
                    CatalogErrorKind::BadCode,
                    Some(p.code.span()),
                    Some(format!("{base}.code")),
                    format!("{code:?} is not a procedure code: expected a digit then letters, digits, '.' or '-', e.g. \"1.014464\", \"1.001193.02\" or \"1.014464.H12\""),
                ));
            }
            if code != raw_code.as_str() {
                cat.warnings.push(self.warning(
                    code_line,
                    format!("{base}.code"),
                    format!("procedure code {raw_code:?} has spaces around it; read as {code:?}"),
                ));
            }
            if !code_is_usual(&code) {
                cat.warnings.push(self.warning(
                    code_line,
                    format!("{base}.code"),
                    format!("procedure code {code:?} does not have the usual national shape {CODE_PATTERN}; kept as written"),
                ));
            }
            if let Some(first) = seen.get(&code) {
                return Err(self.error(
                    CatalogErrorKind::DuplicateCode,
                    Some(p.code.span()),
                    Some(format!("{base}.code")),
                    format!("duplicate procedure code {code:?} (first defined on line {first})"),
                ));
            }
            seen.insert(code.clone(), code_line);
            let mode = p.mode.as_ref().map(|m| *m.get_ref());
            let no_paper = match &p.no_paper {
                Some(np) => Some(NoPaperDecision {
                    decision: self.text_field(
                        &np.get_ref().decision,
                        format!("{base}.no_paper.decision"),
                    )?,
                    date: np.get_ref().date.clone(),
                }),
                None => None,
            };
            let explicit_paper = p.paper_accepted.as_ref().map(|s| *s.get_ref());
            if explicit_paper == Some(true) && no_paper.is_some() {
                return Err(self.error(
                    CatalogErrorKind::PaperNotAccepted,
                    p.paper_accepted.as_ref().map(Spanned::span),
                    Some(format!("{base}.paper_accepted")),
                    "paper_accepted = true contradicts the procedure's no-paper decision ([procedure.no_paper])".into(),
                ));
            }
            let mut submission_methods: Vec<SubmissionMethod> = Vec::new();
            for m in &p.submission_methods {
                if !submission_methods.contains(m) {
                    submission_methods.push(*m);
                }
            }
            let paper_accepted = explicit_paper.unwrap_or_else(|| {
                no_paper.is_none() && submission_methods.iter().any(|m| m.is_paper())
            });
            let national = p.national.as_ref().map(|n| NationalFacts {
                kind: n.kind.clone(),
                state: n.state.clone(),
                authority: n.authority.clone(),
                decision: n.decision.clone(),
                departments: n.departments.clone(),
                executing: n.executing.clone(),
                categories: n.categories.clone(),
                target_groups: n.target_groups.clone(),
                legal_bases: n.legal_bases.clone(),
                results: n
                    .results
                    .iter()
                    .map(|r| ResultDocument {
                        code: r.code.clone(),
                        name: r.name.clone(),
                    })
                    .collect(),
            });
            let mut components = Vec::new();
            let mut ids: HashMap<String, ()> = HashMap::new();
            for (ci, sc) in p.component.iter().enumerate() {
                let cbase = format!("{base}.component[{}]", ci + 1);
                let c = sc.get_ref();
                let id = self.text_field(&c.id, format!("{cbase}.id"))?;
                if !id
                    .chars()
                    .all(|ch| ch.is_alphanumeric() || matches!(ch, '-' | '_' | '.'))
                {
                    return Err(self.error(
                        CatalogErrorKind::InvalidValue,
                        Some(c.id.span()),
                        Some(format!("{cbase}.id")),
                        format!(
                            "{id:?}: a component id is made of letters, digits, '-', '_' and '.'"
                        ),
                    ));
                }
                if ids.insert(id.to_lowercase(), ()).is_some() {
                    return Err(self.error(
                        CatalogErrorKind::Inconsistent,
                        Some(c.id.span()),
                        Some(format!("{cbase}.id")),
                        format!("duplicate component id {id:?} in procedure {code}"),
                    ));
                }
                let origin = c
                    .origin
                    .as_ref()
                    .map(|o| *o.get_ref())
                    .unwrap_or(Origin::Electronic);
                if origin == Origin::PaperScan && !paper_accepted {
                    return Err(self.error(
                        CatalogErrorKind::PaperNotAccepted,
                        c.origin.as_ref().map(Spanned::span),
                        Some(format!("{cbase}.origin")),
                        format!(
                            "a \"paper-scan\" component needs a procedure that accepts paper{}",
                            if no_paper.is_some() {
                                " and this one has a no-paper decision"
                            } else {
                                " (paper_accepted = true, or a \"direct\" or \"postal\" submission method)"
                            }
                        ),
                    ));
                }
                let signer = if origin == Origin::PaperScan {
                    SignerKind::Individual
                } else {
                    c.signer
                };
                components.push(Component {
                    name: self.text_field(&c.name, format!("{cbase}.name"))?,
                    id,
                    required: c.required,
                    signed: c.signed || origin == Origin::PaperScan,
                    signer,
                    trust_profiles: self.profiles(
                        c.trust_profiles.as_ref(),
                        BUNDLED_PROFILE_NAMES,
                        format!("{cbase}.trust_profiles"),
                    )?,
                    min_level: self.level(c.min_level.as_ref(), format!("{cbase}.min_level"))?,
                    origin,
                    code: c.code.as_deref().map(str::trim).filter(|s| !s.is_empty()).map(String::from),
                    case: c.case.as_deref().map(str::trim).filter(|s| !s.is_empty()).map(String::from),
                    electronic_form: c.electronic_form,
                    originals: c.originals,
                    copies: c.copies,
                });
            }
            let result = match &p.result {
                Some(r) => Some(self.result(r.get_ref(), &format!("{base}.result"))?),
                None => None,
            };
            cat.procedures.push(Procedure {
                name: self.text_field(&p.name, format!("{base}.name"))?,
                agency: p
                    .agency
                    .as_ref()
                    .map(|a| a.get_ref().trim().to_string())
                    .unwrap_or_default(),
                code,
                mode,
                submission_methods,
                no_paper,
                paper_accepted,
                national,
                legal_basis: p.legal_basis.clone(),
                components,
                one_stop_patterns: self
                    .patterns(&p.one_stop_patterns, &format!("{base}.one_stop_patterns"))?,
                classification: self
                    .classification(p.classification.as_ref(), &format!("{base}.classification"))?,
                result,
                line: proc_line,
            });
        }
        Ok(cat)
    }

    pub(super) fn result(&self, r: &RawResult, base: &str) -> Result<ResultRules, CatalogError> {
        let mut signatures = Vec::new();
        for s in r.signatures.get_ref() {
            let v = match s.get_ref() {
                RequiredSignatureRaw::Official => RequiredSignature::Official,
                RequiredSignatureRaw::Agency => RequiredSignature::Agency,
            };
            if signatures.contains(&v) {
                return Err(self.error(
                    CatalogErrorKind::Inconsistent,
                    Some(s.span()),
                    Some(format!("{base}.signatures")),
                    "each signature is listed once".into(),
                ));
            }
            if v == RequiredSignature::Official && signatures.contains(&RequiredSignature::Agency) {
                return Err(self.error(
                    CatalogErrorKind::Inconsistent,
                    Some(s.span()),
                    Some(format!("{base}.signatures")),
                    "the official's personal signature comes before the agency's organisation signature (R3): write [\"official\", \"agency\"]".into(),
                ));
            }
            signatures.push(v);
        }
        if signatures.is_empty() {
            return Err(self.error(
                CatalogErrorKind::InvalidValue,
                Some(r.signatures.span()),
                Some(format!("{base}.signatures")),
                "a result needs at least one signature (\"agency\", Decree 45/2020/NĐ-CP Art. 14(3))".into(),
            ));
        }
        let mut algorithms = Algorithms::default();
        if let Some(a) = &r.algorithms {
            if let Some(d) = &a.digests {
                algorithms.digests = Vec::new();
                for (i, x) in d.iter().enumerate() {
                    let name = KNOWN_DIGESTS
                        .iter()
                        .find(|k| k.eq_ignore_ascii_case(x.get_ref().trim()));
                    match name {
                        Some(n) => algorithms.digests.push((*n).to_string()),
                        None => {
                            return Err(self.error(
                                CatalogErrorKind::InvalidValue,
                                Some(x.span()),
                                Some(format!("{base}.algorithms.digests[{}]", i + 1)),
                                format!(
                                    "unknown digest {:?}, expected one of {}",
                                    x.get_ref(),
                                    quoted_list(KNOWN_DIGESTS)
                                ),
                            ))
                        }
                    }
                }
            }
            if let Some(k) = &a.key_algorithms {
                algorithms.key_algorithms = Vec::new();
                for (i, x) in k.iter().enumerate() {
                    let name = KNOWN_KEY_ALGORITHMS
                        .iter()
                        .find(|k| k.eq_ignore_ascii_case(x.get_ref().trim()));
                    match name {
                        Some(n) => algorithms.key_algorithms.push((*n).to_string()),
                        None => {
                            return Err(self.error(
                                CatalogErrorKind::InvalidValue,
                                Some(x.span()),
                                Some(format!("{base}.algorithms.key_algorithms[{}]", i + 1)),
                                format!(
                                    "unknown key algorithm {:?}, expected one of {}",
                                    x.get_ref(),
                                    quoted_list(KNOWN_KEY_ALGORITHMS)
                                ),
                            ))
                        }
                    }
                }
            }
            if let Some(b) = a.min_rsa_bits {
                algorithms.min_rsa_bits = b;
            }
            if let Some(b) = a.min_ec_bits {
                algorithms.min_ec_bits = b;
            }
            if let Some(p) = a.rsa_pkcs1v15 {
                algorithms.rsa_pkcs1v15 = p;
            }
        }
        let min_level = self.level(r.min_level.as_ref(), format!("{base}.min_level"))?;
        Ok(ResultRules {
            signatures,
            agency_patterns: self
                .patterns(&r.agency_patterns, &format!("{base}.agency_patterns"))?,
            official_patterns: self
                .patterns(&r.official_patterns, &format!("{base}.official_patterns"))?,
            trust_profiles: self.profiles(
                r.trust_profiles.as_ref(),
                &["vn-gov"],
                format!("{base}.trust_profiles"),
            )?,
            min_level,
            timestamp: r.timestamp,
            validation_data: r.validation_data,
            algorithms,
        })
    }
}

fn quoted_list(items: &[&str]) -> String {
    items
        .iter()
        .map(|s| format!("{s:?}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Compiles a subject pattern; the error is one line.
fn compile(p: &str) -> Result<Regex, String> {
    regex::RegexBuilder::new(p)
        .size_limit(1 << 20)
        .build()
        .map_err(|e| {
            let detail = e.to_string();
            let last = detail
                .lines()
                .rev()
                .find(|l| !l.trim().is_empty())
                .unwrap_or("")
                .trim();
            let last = last.strip_prefix("error: ").unwrap_or(last);
            format!("invalid regular expression {p:?}: {last}")
        })
}

/// 1-based line and column (in characters) of a byte offset.
pub(crate) fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let offset = floor_char_boundary(text, offset.min(text.len()));
    let before = &text[..offset];
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let col = before[line_start..].chars().count() + 1;
    (line, col)
}

fn floor_char_boundary(text: &str, mut i: usize) -> usize {
    while i > 0 && !text.is_char_boundary(i) {
        i -= 1;
    }
    i
}

/// The table path (with 1-based array indices) in effect on the line holding `offset`:
/// `procedure[2].result`. Headers on that line count (a missing-field error points at the
/// table's header).
fn table_path_at(text: &str, offset: usize) -> Option<String> {
    let mut counts: HashMap<String, usize> = HashMap::new();
    let mut arrays: Vec<String> = Vec::new();
    let mut current: Option<String> = None;
    let mut pos = 0usize;
    for line in text.split_inclusive('\n') {
        if pos > offset {
            break;
        }
        pos += line.len();
        let t = line.trim();
        let (array, name) = if let Some(n) = t.strip_prefix("[[").and_then(|r| r.split("]]").next())
        {
            (true, n)
        } else if let Some(n) = t.strip_prefix('[').and_then(|r| r.split(']').next()) {
            (false, n)
        } else {
            continue;
        };
        let name: String = name
            .split('.')
            .map(|s| s.trim().trim_matches('"'))
            .collect::<Vec<_>>()
            .join(".");
        if array {
            *counts.entry(name.clone()).or_insert(0) += 1;
            let prefix = format!("{name}.");
            counts.retain(|k, _| !k.starts_with(&prefix));
            if !arrays.contains(&name) {
                arrays.push(name.clone());
            }
        }
        let mut path = String::new();
        let mut acc = String::new();
        for seg in name.split('.') {
            if !acc.is_empty() {
                acc.push('.');
                path.push('.');
            }
            acc.push_str(seg);
            path.push_str(seg);
            if arrays.contains(&acc) {
                if let Some(n) = counts.get(&acc) {
                    path.push_str(&format!("[{n}]"));
                }
            }
        }
        current = Some(path);
    }
    current
}

/// The key path at `offset`: the table path plus the key of the `key = value` line at or
/// above it within the table.
fn field_path_at(text: &str, offset: usize) -> Option<String> {
    let offset = floor_char_boundary(text, offset.min(text.len()));
    let table = table_path_at(text, offset);
    let line_end = text[offset..].find('\n').map_or(text.len(), |i| offset + i);
    let mut key = None;
    for line in text[..line_end].lines().rev() {
        let t = line.trim_start();
        if t.starts_with('[') && !t.contains('=') {
            break;
        }
        if let Some((k, _)) = t.split_once('=') {
            let k = k.trim();
            if !k.is_empty()
                && k.chars()
                    .all(|c| c.is_alphanumeric() || matches!(c, '_' | '-' | '.' | '"'))
            {
                key = Some(k.trim_matches('"').to_string());
                break;
            }
        }
    }
    match (table, key) {
        (Some(t), Some(k)) => Some(format!("{t}.{k}")),
        (None, Some(k)) => Some(k),
        (t, None) => t,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const HEAD: &str = "[[procedure]]\ncode = \"1.000001\"\nname = \"Thủ tục A\"\nagency = \"Sở A\"\nmode = \"toan-trinh\"\n";

    fn err(text: &str) -> CatalogError {
        Catalog::from_toml(text, "t.toml").expect_err("the catalog must be refused")
    }

    #[test]
    fn the_example_catalog_loads() {
        let c = Catalog::example().unwrap();
        assert!(c.example);
        assert!(c.procedures.len() >= 5);
        let p = c.procedure("2.001098").unwrap();
        assert_eq!(
            p.name,
            "Cấp Giấy phép thiết lập trang thông tin điện tử tổng hợp"
        );
        assert_eq!(p.mode, Some(Mode::ToanTrinh));
        assert!(!p.paper_accepted);
        let r = p.result.as_ref().unwrap();
        assert_eq!(
            r.signatures,
            vec![RequiredSignature::Official, RequiredSignature::Agency]
        );
        assert!(r
            .agency_patterns
            .matches("CN=SỞ THÔNG TIN VÀ TRUYỀN THÔNG, O=ỦY BAN NHÂN DÂN TỈNH VĨNH LONG, C=VN"));
        assert!(!r
            .agency_patterns
            .matches("CN=SỞ THÔNG TIN VÀ TRUYỀN THÔNG, O=ỦY BAN NHÂN DÂN TỈNH TRÀ VINH, C=VN"));
        let fee = c.procedure("1.013040").unwrap();
        assert_eq!(fee.mode, Some(Mode::MotPhan));
        assert!(fee.paper_accepted);
        assert!(fee
            .components
            .iter()
            .any(|c| c.origin == Origin::PaperScan && c.signer == SignerKind::Individual));
        assert!(c.warnings.is_empty(), "{:?}", c.warnings);
    }

    #[test]
    fn a_minimal_procedure_gets_the_defaults() {
        let text = format!("{HEAD}[[procedure.component]]\nid = \"don\"\nname = \"Đơn\"\n[procedure.result]\nsignatures = [\"agency\"]\n");
        let c = Catalog::from_toml(&text, "t.toml").unwrap();
        let p = &c.procedures[0];
        assert_eq!(p.line, 1);
        let comp = &p.components[0];
        assert!(comp.required && comp.signed);
        assert_eq!(comp.signer, SignerKind::Any);
        assert_eq!(comp.trust_profiles, vec!["vn-public", "vn-gov"]);
        assert_eq!(comp.origin, Origin::Electronic);
        let r = p.result.as_ref().unwrap();
        assert_eq!(r.trust_profiles, vec!["vn-gov"]);
        assert_eq!(r.algorithms, Algorithms::default());
        assert!(!r.timestamp && !r.validation_data);
    }

    #[test]
    fn malformed_toml_is_a_syntax_error_with_its_position() {
        let e = err("[[procedure]\ncode = 1\n");
        assert_eq!(e.kind, CatalogErrorKind::Syntax);
        assert_eq!((e.line, e.column), (Some(1), Some(12)));
        assert_eq!(
            e.to_string(),
            "t.toml:1:12: invalid table header; expected `.`, `]]`"
        );
        let e = err(&format!("{HEAD}name = \"again\"\n"));
        assert_eq!(e.kind, CatalogErrorKind::Syntax);
        assert_eq!(e.line, Some(6));
        let e = err("code = \"unterminated\n");
        assert_eq!((e.kind, e.line), (CatalogErrorKind::Syntax, Some(1)));
    }

    #[test]
    fn unknown_keys_are_refused_with_their_path() {
        let e = err(&format!("{HEAD}colour = \"đỏ\"\n"));
        assert_eq!(e.kind, CatalogErrorKind::UnknownField);
        assert_eq!(e.field.as_deref(), Some("procedure[1].colour"));
        assert_eq!((e.line, e.column), (Some(6), Some(1)));
        assert!(
            e.to_string().starts_with(
                "t.toml:6:1: procedure[1].colour: unknown field `colour`, expected one of `code`"
            ),
            "{e}"
        );

        let e = err(&format!("{HEAD}[[procedure.component]]\nid = \"a\"\nname = \"b\"\n[[procedure.component]]\nid = \"c\"\nname = \"d\"\nextra = 1\n"));
        assert_eq!(e.field.as_deref(), Some("procedure[1].component[2].extra"));
        assert_eq!(e.line, Some(12));

        let e = err(&format!(
            "{HEAD}[procedure.result]\nsignatures = [\"agency\"]\nbogus = true\n"
        ));
        assert_eq!(e.field.as_deref(), Some("procedure[1].result.bogus"));
        assert_eq!(e.line, Some(8));

        let e = err(&format!("[catalog]\ntitle = \"x\"\nowner = \"y\"\n{HEAD}"));
        assert_eq!(e.field.as_deref(), Some("catalog.owner"));
        assert_eq!(e.line, Some(3));
    }

    #[test]
    fn missing_and_mistyped_fields_name_the_table() {
        let e = err("[[procedure]]\ncode = \"1.000001\"\nagency = \"A\"\nmode = \"toan-trinh\"\n");
        assert_eq!(e.kind, CatalogErrorKind::MissingField);
        assert_eq!(
            e.to_string(),
            "t.toml:1:1: procedure[1]: missing field `name`"
        );
        let e = err(&format!("{HEAD}paper_accepted = \"yes\"\n"));
        assert_eq!(e.kind, CatalogErrorKind::InvalidValue);
        assert_eq!(e.to_string(), "t.toml:6:18: procedure[1].paper_accepted: invalid type: string \"yes\", expected a boolean");
        let e = err(&format!("{HEAD}[[procedure]]\ncode = \"1.000002\"\nname = \"B\"\nagency = \"C\"\nmode = \"online\"\n"));
        assert_eq!(e.to_string(), "t.toml:10:8: procedure[2].mode: unknown variant `online`, expected `toan-trinh` or `mot-phan`");
        let e = err(&format!(
            "{HEAD}[[procedure.component]]\nid = \"x\"\nname = \"y\"\nsigner = \"robot\"\n"
        ));
        assert_eq!(e.field.as_deref(), Some("procedure[1].component[1].signer"));
        assert_eq!(e.line, Some(9));
        let e = err("[catalog]\ntitle = \"x\"\n");
        assert_eq!(
            e.to_string(),
            "t.toml: procedure: the catalog has no [[procedure]] entry"
        );
    }

    #[test]
    fn codes_without_the_shape_of_a_code_are_refused() {
        for code in ["A.000001", " ", "1.000001 x", "1/000001", "1.000001\\tH12", "-1.000001"] {
            let e = err(&HEAD.replace("1.000001", code));
            assert_eq!(e.kind, CatalogErrorKind::BadCode, "{code}");
            assert_eq!(e.field.as_deref(), Some("procedure[1].code"));
            assert_eq!((e.line, e.column), (Some(2), Some(8)));
            assert!(e.reason.contains("is not a procedure code"), "{}", e.reason);
        }
        let long = format!("1.{}", "0".repeat(40));
        assert_eq!(err(&HEAD.replace("1.000001", &long)).kind, CatalogErrorKind::BadCode);
    }

    #[test]
    fn real_code_shapes_load_and_odd_ones_are_warned_about() {
        for code in [
            "1.014464",
            "2.001641",
            "1.014464.H12",
            "3.000527.H61",
            "1.001193.02",
            "1.001193.02.H19",
        ] {
            let c = Catalog::from_toml(&HEAD.replace("1.000001", code), "t").unwrap();
            assert!(c.warnings.is_empty(), "{code}: {:?}", c.warnings);
            assert_eq!(c.procedures[0].code, code);
        }
        // The four odd codes of the national catalog, each kept and warned about.
        for (code, stored) in [
            (" 1.014325", "1.014325"),
            ("1.0133611", "1.0133611"),
            ("1.014955-Xoa", "1.014955-Xoa"),
            ("2.009182739", "2.009182739"),
            ("1.00001", "1.00001"),
            ("1.000001.h12", "1.000001.h12"),
        ] {
            let c = Catalog::from_toml(&HEAD.replace("1.000001", code), "t").unwrap();
            assert_eq!(c.procedures[0].code, stored);
            assert_eq!(c.warnings.len(), 1, "{code}: {:?}", c.warnings);
            let w = c.warnings[0].to_string();
            assert!(w.starts_with("t:2: procedure[1].code: procedure code "), "{w}");
            assert!(c.procedure(stored).is_some());
            assert!(c.procedure(&format!("  {stored}\u{a0}")).is_some());
        }
    }

    #[test]
    fn a_provincial_code_finds_the_national_procedure_it_copies() {
        let c = Catalog::from_toml(&HEAD.replace("1.000001", "1.012753"), "t").unwrap();
        assert_eq!(c.procedure("1.012753.H19").unwrap().code, "1.012753");
        assert!(c.procedure("1.012753.X19").is_none());
        assert!(c.procedure("1.012754.H19").is_none());
        // An exact provincial entry wins over the national one.
        let both = format!(
            "{}\n{}",
            HEAD.replace("1.000001", "1.012753"),
            HEAD.replace("1.000001", "1.012753.H19").replace("Thủ tục A", "Bản tỉnh")
        );
        let c = Catalog::from_toml(&both, "t").unwrap();
        assert_eq!(c.procedure("1.012753.H19").unwrap().name, "Bản tỉnh");
    }

    #[test]
    fn duplicate_codes_are_refused_naming_both_lines() {
        let e = err(&format!("{HEAD}\n{HEAD}"));
        assert_eq!(e.kind, CatalogErrorKind::DuplicateCode);
        assert_eq!(e.to_string(), "t.toml:8:8: procedure[2].code: duplicate procedure code \"1.000001\" (first defined on line 2)");
    }

    #[test]
    fn toan_trinh_is_the_mode_and_paper_is_a_separate_decision() {
        // Fully online procedures may still accept paper (68 of the 72 in the national data do).
        let c = Catalog::from_toml(&format!("{HEAD}paper_accepted = true\n"), "t").unwrap();
        assert!(c.procedures[0].paper_accepted);
        // Paper acceptance follows the submission methods when not given.
        let c = Catalog::from_toml(&format!("{HEAD}submission_methods = [\"online\", \"postal\"]\n"), "t").unwrap();
        assert!(c.procedures[0].paper_accepted);
        let c = Catalog::from_toml(&format!("{HEAD}submission_methods = [\"online\"]\n"), "t").unwrap();
        assert!(!c.procedures[0].paper_accepted);
        // A no-paper decision refuses paper whatever the methods say…
        let np = "[procedure.no_paper]\ndecision = \"2421/QĐ-UBND\"\ndate = \"2024-10-15\"\n";
        let c = Catalog::from_toml(&format!("{HEAD}submission_methods = [\"online\", \"direct\"]\n{np}"), "t").unwrap();
        let p = &c.procedures[0];
        assert!(!p.paper_accepted);
        assert_eq!(p.no_paper.as_ref().unwrap().decision, "2421/QĐ-UBND");
        // …and contradicts paper_accepted = true.
        let e = err(&format!("{HEAD}paper_accepted = true\n{np}"));
        assert_eq!(e.kind, CatalogErrorKind::PaperNotAccepted);
        assert_eq!(e.field.as_deref(), Some("procedure[1].paper_accepted"));
        // A scanned paper component needs paper.
        let scan = "[[procedure.component]]\nid = \"scan\"\nname = \"Bản quét\"\norigin = \"paper-scan\"\n";
        let e = err(&format!("{HEAD}{scan}"));
        assert_eq!(e.kind, CatalogErrorKind::PaperNotAccepted);
        assert_eq!(e.field.as_deref(), Some("procedure[1].component[1].origin"));
        assert_eq!(e.line, Some(9));
        let e = err(&format!("{HEAD}{np}{scan}"));
        assert!(e.reason.contains("no-paper decision"), "{}", e.reason);
        assert!(Catalog::from_toml(&format!("{HEAD}paper_accepted = true\n{scan}"), "t").is_ok());
        // The mode may be left out (most of the national catalog does not state it).
        let c = Catalog::from_toml(&HEAD.replace("mode = \"toan-trinh\"\n", ""), "t").unwrap();
        assert_eq!(c.procedures[0].mode, None);
    }

    #[test]
    fn bad_patterns_profiles_levels_and_orders_are_refused() {
        let e = err(&format!("{HEAD}[procedure.result]\nsignatures = [\"agency\"]\nagency_patterns = ['ok', '(SỞ']\n"));
        assert_eq!(e.kind, CatalogErrorKind::BadPattern);
        assert_eq!(
            e.field.as_deref(),
            Some("procedure[1].result.agency_patterns[2]")
        );
        assert_eq!((e.line, e.column), (Some(8), Some(26)));
        assert_eq!(
            e.reason,
            "invalid regular expression \"(SỞ\": unclosed group"
        );

        let e = err(&format!("{HEAD}[[procedure.component]]\nid = \"a\"\nname = \"b\"\ntrust_profiles = [\"vn-public\", \"vn-bank\"]\n"));
        assert_eq!(e.kind, CatalogErrorKind::UnknownProfile);
        assert_eq!(
            e.to_string(),
            "t.toml:9:32: procedure[1].component[1].trust_profiles[2]: unknown trust profile \"vn-bank\", expected one of \"vn-public\", \"vn-gov\""
        );
        assert!(Catalog::from_toml_with_profiles(
            &format!("{HEAD}[[procedure.component]]\nid = \"a\"\nname = \"b\"\ntrust_profiles = [\"vn-bank\"]\n"),
            "t",
            &["vn-bank"]
        )
        .is_ok());

        let e = err(&format!(
            "{HEAD}[procedure.result]\nsignatures = [\"agency\"]\nmin_level = \"B-X\"\n"
        ));
        assert_eq!(e.field.as_deref(), Some("procedure[1].result.min_level"));
        assert_eq!(
            e.reason,
            "unknown PAdES level \"B-X\", expected one of \"B-B\", \"B-T\", \"B-LT\", \"B-LTA\""
        );

        let e = err(&format!(
            "{HEAD}[procedure.result]\nsignatures = [\"agency\", \"official\"]\n"
        ));
        assert_eq!(e.kind, CatalogErrorKind::Inconsistent);
        assert_eq!(e.field.as_deref(), Some("procedure[1].result.signatures"));
        let e = err(&format!("{HEAD}[procedure.result]\nsignatures = []\n"));
        assert_eq!(e.kind, CatalogErrorKind::InvalidValue);

        let e = err(&format!("{HEAD}[procedure.result]\nsignatures = [\"agency\"]\n[procedure.result.algorithms]\ndigests = [\"SHA-256\", \"MD5\"]\n"));
        assert_eq!(
            e.field.as_deref(),
            Some("procedure[1].result.algorithms.digests[2]")
        );
        assert_eq!(e.line, Some(9));

        let e = err(&format!("{HEAD}[[procedure.component]]\nid = \"a\"\nname = \"b\"\n[[procedure.component]]\nid = \"A\"\nname = \"c\"\n"));
        assert_eq!(e.to_string(), "t.toml:10:6: procedure[1].component[2].id: duplicate component id \"A\" in procedure 1.000001");
        let e = err(&format!(
            "{HEAD}[[procedure.component]]\nid = \"a b\"\nname = \"b\"\n"
        ));
        assert_eq!(e.field.as_deref(), Some("procedure[1].component[1].id"));
        let e = err(&HEAD.replace("name = \"Thủ tục A\"", "name = \"  \""));
        assert_eq!(
            e.to_string(),
            "t.toml:3:8: procedure[1].name: must not be empty"
        );
    }

    #[test]
    fn garbage_never_panics() {
        for text in [
            "",
            "\u{0}",
            "[[",
            "[[procedure]]\n[[procedure.component]]\n",
            "a.b.c = [[[",
            "[procedure]\ncode=1",
            "\u{FEFF}[[procedure]]",
        ] {
            let _ = Catalog::from_toml(text, "t");
        }
        // Every prefix of the example catalog either loads or gives an error.
        for (i, _) in EXAMPLE_CATALOG.char_indices().step_by(97) {
            let _ = Catalog::from_toml(&EXAMPLE_CATALOG[..i], "t");
        }
    }

    #[test]
    fn positions_count_characters_not_bytes() {
        assert_eq!(line_col("ờ = 1\nxy", 0), (1, 1));
        assert_eq!(line_col("ờờ = 1", "ờờ".len()), (1, 3));
        assert_eq!(line_col("a\nb", 2), (2, 1));
        assert_eq!(line_col("ờ", 1), (1, 1)); // inside a character: its start
    }
}

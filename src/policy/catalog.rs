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

/// The pattern every procedure code must match (the national database's code format: a
/// level digit, six digits, and an optional `.Hnn` suffix).
pub(crate) const CODE_PATTERN: &str = r"^\d\.\d{6}(\.H\d{2})?$";

/// How a procedure is offered online (Decree 42/2022/NĐ-CP Art. 11(1)).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, serde::Serialize)]
pub enum Mode {
    /// `toan-trinh`: fully online — information, performance and settlement all happen
    /// online; no paper component.
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
#[derive(Debug, Clone, PartialEq, Eq)]
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
#[derive(Debug, Clone, Default)]
pub struct ClassificationOverrides {
    /// Subjects that are organisations.
    pub organisation: Patterns,
    /// Subjects that are individuals.
    pub individual: Patterns,
}

/// One component of a submission (thành phần hồ sơ).
#[derive(Debug, Clone)]
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
#[derive(Debug, Clone)]
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

/// One administrative procedure.
#[derive(Debug, Clone)]
pub struct Procedure {
    /// Code (`1.014464`, `1.014464.H12`).
    pub code: String,
    /// Name.
    pub name: String,
    /// The competent agency.
    pub agency: String,
    /// Online mode.
    pub mode: Mode,
    /// Whether paper components are accepted (never for `toan-trinh`).
    pub paper_accepted: bool,
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
    /// A procedure code that does not match `CODE_PATTERN`.
    BadCode,
    /// The same procedure code twice.
    DuplicateCode,
    /// A `toan-trinh` procedure that accepts paper.
    PaperInToanTrinh,
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
    agency: Spanned<String>,
    mode: Spanned<Mode>,
    paper_accepted: Option<Spanned<bool>>,
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
struct RawComponent {
    id: Spanned<String>,
    name: Spanned<String>,
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
struct RawResult {
    signatures: Spanned<Vec<Spanned<RequiredSignatureRaw>>>,
    #[serde(default)]
    agency_patterns: Vec<Spanned<String>>,
    #[serde(default)]
    official_patterns: Vec<Spanned<String>>,
    trust_profiles: Option<Spanned<Vec<Spanned<String>>>>,
    min_level: Option<Spanned<String>>,
    #[serde(default)]
    timestamp: bool,
    #[serde(default)]
    validation_data: bool,
    algorithms: Option<RawAlgorithms>,
}

#[derive(Deserialize, Clone, Copy, PartialEq, Eq)]
#[serde(rename_all = "kebab-case")]
enum RequiredSignatureRaw {
    Official,
    Agency,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawAlgorithms {
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
        };
        let raw: RawCatalog = toml::from_str(text).map_err(|e| loader.toml_error(&e))?;
        loader.build(raw)
    }

    /// The procedure with this code.
    pub fn procedure(&self, code: &str) -> Option<&Procedure> {
        self.procedures.iter().find(|p| p.code == code)
    }
}

struct Loader<'a> {
    text: &'a str,
    source_name: &'a str,
    profiles: &'a [&'a str],
}

impl Loader<'_> {
    fn error(
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

    fn toml_error(&self, e: &toml::de::Error) -> CatalogError {
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

    fn patterns(&self, list: &[Spanned<String>], field: &str) -> Result<Patterns, CatalogError> {
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

    fn level(
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

    fn profiles(
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
        };
        if raw.procedure.is_empty() {
            return Err(self.error(
                CatalogErrorKind::MissingField,
                None,
                Some("procedure".into()),
                "the catalog has no [[procedure]] entry".into(),
            ));
        }
        let code_re = Regex::new(CODE_PATTERN)
            .map_err(|e| self.error(CatalogErrorKind::Syntax, None, None, e.to_string()))?;
        let mut seen: HashMap<String, usize> = HashMap::new();
        for (pi, sp) in raw.procedure.iter().enumerate() {
            let base = format!("procedure[{}]", pi + 1);
            let p = sp.get_ref();
            let proc_line = line_col(self.text, sp.span().start).0;
            let code = p.code.get_ref().trim().to_string();
            if !code_re.is_match(&code) {
                return Err(self.error(
                    CatalogErrorKind::BadCode,
                    Some(p.code.span()),
                    Some(format!("{base}.code")),
                    format!("{code:?} is not a procedure code: expected {CODE_PATTERN}, e.g. \"1.014464\" or \"1.014464.H12\""),
                ));
            }
            let code_line = line_col(self.text, p.code.span().start).0;
            if let Some(first) = seen.get(&code) {
                return Err(self.error(
                    CatalogErrorKind::DuplicateCode,
                    Some(p.code.span()),
                    Some(format!("{base}.code")),
                    format!("duplicate procedure code {code:?} (first defined on line {first})"),
                ));
            }
            seen.insert(code.clone(), code_line);
            let mode = *p.mode.get_ref();
            let paper_accepted = p.paper_accepted.as_ref().is_some_and(|s| *s.get_ref());
            if mode == Mode::ToanTrinh && paper_accepted {
                let span = p.paper_accepted.as_ref().map(Spanned::span);
                return Err(self.error(
                    CatalogErrorKind::PaperInToanTrinh,
                    span,
                    Some(format!("{base}.paper_accepted")),
                    "a \"toan-trinh\" procedure is fully online and cannot accept paper (Decree 42/2022/NĐ-CP Art. 11(1))"
                        .into(),
                ));
            }
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
                        if mode == Mode::ToanTrinh { CatalogErrorKind::PaperInToanTrinh } else { CatalogErrorKind::Inconsistent },
                        c.origin.as_ref().map(Spanned::span),
                        Some(format!("{cbase}.origin")),
                        format!(
                            "a \"paper-scan\" component needs a procedure that accepts paper (paper_accepted = true){}",
                            if mode == Mode::ToanTrinh { "; a \"toan-trinh\" procedure never does" } else { "" }
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
                });
            }
            let result = match &p.result {
                Some(r) => Some(self.result(r, &format!("{base}.result"))?),
                None => None,
            };
            cat.procedures.push(Procedure {
                name: self.text_field(&p.name, format!("{base}.name"))?,
                agency: self.text_field(&p.agency, format!("{base}.agency"))?,
                code,
                mode,
                paper_accepted,
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

    fn result(&self, sr: &Spanned<RawResult>, base: &str) -> Result<ResultRules, CatalogError> {
        let r = sr.get_ref();
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
        let p = c.procedure("1.000101.H62").unwrap();
        assert_eq!(
            p.name,
            "Cấp giấy phép thiết lập trang thông tin điện tử tổng hợp"
        );
        assert_eq!(p.mode, Mode::ToanTrinh);
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
        let fee = c.procedure("1.000202.H02").unwrap();
        assert_eq!(fee.mode, Mode::MotPhan);
        assert!(fee.paper_accepted);
        assert!(fee
            .components
            .iter()
            .any(|c| c.origin == Origin::PaperScan && c.signer == SignerKind::Individual));
        for p in &c.procedures {
            assert!(p.mode == Mode::MotPhan || !p.paper_accepted);
        }
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
        let e = err("[[procedure]]\ncode = \"1.000001\"\nname = \"A\"\nmode = \"toan-trinh\"\n");
        assert_eq!(e.kind, CatalogErrorKind::MissingField);
        assert_eq!(
            e.to_string(),
            "t.toml:1:1: procedure[1]: missing field `agency`"
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
    fn bad_codes_are_refused() {
        for code in [
            "1.00001",
            "01.000001",
            "1.000001.H1",
            "1.000001.h12",
            "1.000001.H123",
            "A.000001",
            " ",
        ] {
            let e = err(&HEAD.replace("1.000001", code));
            assert_eq!(e.kind, CatalogErrorKind::BadCode, "{code}");
            assert_eq!(e.field.as_deref(), Some("procedure[1].code"));
            assert_eq!((e.line, e.column), (Some(2), Some(8)));
            assert_eq!(
                e.reason,
                format!("{:?} is not a procedure code: expected ^\\d\\.\\d{{6}}(\\.H\\d{{2}})?$, e.g. \"1.014464\" or \"1.014464.H12\"", code.trim())
            );
        }
        for code in ["1.014464", "2.001641", "1.014464.H12", "3.000527.H61"] {
            assert!(
                Catalog::from_toml(&HEAD.replace("1.000001", code), "t").is_ok(),
                "{code}"
            );
        }
    }

    #[test]
    fn duplicate_codes_are_refused_naming_both_lines() {
        let e = err(&format!("{HEAD}\n{HEAD}"));
        assert_eq!(e.kind, CatalogErrorKind::DuplicateCode);
        assert_eq!(e.to_string(), "t.toml:8:8: procedure[2].code: duplicate procedure code \"1.000001\" (first defined on line 2)");
    }

    #[test]
    fn toan_trinh_never_accepts_paper() {
        let e = err(&format!("{HEAD}paper_accepted = true\n"));
        assert_eq!(e.kind, CatalogErrorKind::PaperInToanTrinh);
        assert_eq!(
            e.to_string(),
            "t.toml:6:18: procedure[1].paper_accepted: a \"toan-trinh\" procedure is fully online and cannot accept paper (Decree 42/2022/NĐ-CP Art. 11(1))"
        );
        // Nor a scanned paper component.
        let e = err(&format!("{HEAD}[[procedure.component]]\nid = \"scan\"\nname = \"Bản quét\"\norigin = \"paper-scan\"\n"));
        assert_eq!(e.kind, CatalogErrorKind::PaperInToanTrinh);
        assert_eq!(e.field.as_deref(), Some("procedure[1].component[1].origin"));
        assert_eq!(e.line, Some(9));
        // paper_accepted = false is fine, and mot-phan may accept paper.
        assert!(Catalog::from_toml(&format!("{HEAD}paper_accepted = false\n"), "t").is_ok());
        let mot = HEAD.replace("toan-trinh", "mot-phan");
        assert!(Catalog::from_toml(&format!("{mot}paper_accepted = true\n"), "t").is_ok());
        // A mot-phan procedure that does not accept paper cannot have scans either.
        let e = err(&format!("{mot}[[procedure.component]]\nid = \"scan\"\nname = \"Bản quét\"\norigin = \"paper-scan\"\n"));
        assert_eq!(e.kind, CatalogErrorKind::Inconsistent);
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

//! Importing the National Public Service Portal's procedure data into a catalog, and
//! writing a catalog back as TOML.
//!
//! Inputs (each untrusted text, named for messages):
//! - the national catalog as CSV (`code,name,type,state,promulgating_authority,departments,
//!   categories,target_types`; multi-valued cells separated by `;`);
//! - optionally the detailed procedures as JSON Lines (one object per line with
//!   `is_full_process`, `submission_methods`, `executing`, `results`, `legal_basis`,
//!   `decision` and `components`);
//! - optionally a provincial overlay (TOML, `docs/catalog.md`): which procedures accept no
//!   paper and by which decision, agency renames, result signature rules, defaults for
//!   components.
//!
//! The national flag "toàn trình" (`is_full_process`) becomes the procedure's [`Mode`]; whether
//! paper is accepted comes from the submission methods unless the overlay lists the code under
//! a no-paper decision. Every procedure of the inputs is written out: odd codes are kept and
//! reported as [`CatalogWarning`]s with their line, never dropped.

use std::collections::HashMap;
use std::fmt::Write as _;

use serde::Deserialize;
use toml::Spanned;

use super::catalog::{
    code_is_usual, normalize_code, Algorithms, Catalog, CatalogError, CatalogErrorKind,
    CatalogWarning, ClassificationOverrides, Component, Loader, Mode, NationalFacts,
    NoPaperDecision, Origin, Patterns, Procedure, RawAlgorithms, RawResult, RequiredSignature,
    RequiredSignatureRaw, ResultDocument, ResultRules, SignerKind, SubmissionMethod,
    CODE_PATTERN,
};
use super::profiles::BUNDLED_PROFILE_NAMES;

/// The most bytes of one input kyso imports (the national catalog is about 3 MB).
pub const MAX_IMPORT_INPUT: usize = 256 << 20;

/// One input text and the name messages use for it (usually its path).
#[derive(Debug, Clone, Copy)]
pub struct ImportInput<'a> {
    /// The name for messages.
    pub name: &'a str,
    /// The text.
    pub text: &'a str,
}

/// What to import. At least one of `national` and `details` is needed.
#[derive(Debug, Clone, Copy, Default)]
pub struct ImportSources<'a> {
    /// The national catalog (CSV).
    pub national: Option<ImportInput<'a>>,
    /// The detailed procedures (JSON Lines).
    pub details: Option<ImportInput<'a>>,
    /// The provincial overlay (TOML).
    pub overlay: Option<ImportInput<'a>>,
}

/// Counts of an import.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct ImportStats {
    /// Procedures written.
    pub procedures: usize,
    /// Of which listed in the national CSV.
    pub national: usize,
    /// Of which detailed (in the JSON Lines).
    pub detailed: usize,
    /// Detailed procedures flagged "toàn trình".
    pub full_process: usize,
    /// Detailed procedures whose only submission method is online.
    pub online_only: usize,
    /// Procedures under a no-paper decision of the overlay.
    pub no_paper: usize,
    /// Procedures that accept paper.
    pub paper_accepted: usize,
    /// Components written.
    pub components: usize,
    /// Result documents (with their `KQ.` codes) written.
    pub result_documents: usize,
    /// Procedures given result signature rules by the overlay.
    pub with_result_rules: usize,
}

/// The outcome of an import.
#[derive(Debug, Clone)]
pub struct Imported {
    /// The catalog, as TOML (loadable with [`Catalog::from_toml`]).
    pub toml: String,
    /// The catalog, loaded back from `toml`.
    pub catalog: Catalog,
    /// Everything odd that was kept (with the input line).
    pub warnings: Vec<CatalogWarning>,
    /// Counts.
    pub stats: ImportStats,
}

/// Imports national data (and an overlay) into a catalog.
///
/// # Errors
/// A malformed input (CSV without a `code` column, a line that is not JSON, an overlay that is
/// not valid TOML or names an unknown trust profile…), with the input's name and line.
pub fn import_catalog(src: &ImportSources<'_>) -> Result<Imported, CatalogError> {
    let mut warnings = Vec::new();
    if src.national.is_none() && src.details.is_none() {
        return Err(plain_error(
            CatalogErrorKind::MissingField,
            "<import>",
            None,
            "give the national catalog (CSV), the detailed procedures (JSON Lines) or both".into(),
        ));
    }
    for input in [src.national, src.details, src.overlay].into_iter().flatten() {
        if input.text.len() > MAX_IMPORT_INPUT {
            return Err(plain_error(
                CatalogErrorKind::Io,
                input.name,
                None,
                format!("the input is larger than {} MiB", MAX_IMPORT_INPUT >> 20),
            ));
        }
    }
    let overlay = match src.overlay {
        Some(o) => Some(Overlay::parse(o, &mut warnings)?),
        None => None,
    };
    let mut procs: Vec<Procedure> = Vec::new();
    let mut index: HashMap<String, (usize, usize)> = HashMap::new(); // code → (position, line)
    let mut stats = ImportStats::default();

    if let Some(input) = src.national {
        for (line, rec) in read_national(input)? {
            let Some(code) = take_code(input.name, line, &rec.code, &mut warnings) else {
                continue;
            };
            let mut code = code;
            if let Some((pos, first)) = index.get(&code).copied() {
                let same = procs[pos].name == squash(&rec.name);
                if same {
                    warnings.push(warning(
                        input.name,
                        line,
                        "code",
                        format!("procedure {code} is listed again with the same name (first on line {first}); imported once"),
                    ));
                    continue;
                }
                let mut n = 2;
                let renamed = loop {
                    let candidate = format!("{code}-{n}");
                    if !index.contains_key(&candidate) {
                        break candidate;
                    }
                    n += 1;
                };
                warnings.push(warning(
                    input.name,
                    line,
                    "code",
                    format!("procedure code {code} is also used on line {first} by another procedure; this one is imported as {renamed}"),
                ));
                code = renamed;
            }
            let mut name = squash(&rec.name);
            if name.is_empty() {
                warnings.push(warning(input.name, line, "name", format!("procedure {code} has no name; its code stands for it")));
                name = code.clone();
            }
            let departments = split_list(&rec.departments);
            let national = NationalFacts {
                kind: non_empty(&rec.kind),
                state: non_empty(&rec.state),
                authority: non_empty(&rec.authority),
                departments: departments.clone(),
                categories: split_list(&rec.categories),
                target_groups: split_list(&rec.targets),
                ..NationalFacts::default()
            };
            index.insert(code.clone(), (procs.len(), line));
            procs.push(new_procedure(code, name, departments.join("; "), national, line));
            stats.national += 1;
        }
    }

    if let Some(input) = src.details {
        for (line, text) in input.text.lines().enumerate().map(|(i, t)| (i + 1, t)) {
            if text.trim().is_empty() {
                continue;
            }
            let d: RawDetail = serde_json::from_str(text).map_err(|e| {
                plain_error(
                    CatalogErrorKind::Syntax,
                    input.name,
                    Some(line),
                    format!("not a procedure record: {e}"),
                )
            })?;
            let Some(code) = take_code(input.name, line, &d.code, &mut warnings) else {
                continue;
            };
            let pos = match index.get(&code) {
                Some((pos, _)) => *pos,
                None => {
                    if src.national.is_some() {
                        warnings.push(warning(
                            input.name,
                            line,
                            "code",
                            format!("procedure {code} is not in the national catalog; imported from its details"),
                        ));
                    }
                    let name = squash(d.name.as_deref().unwrap_or(""));
                    let name = if name.is_empty() { code.clone() } else { name };
                    index.insert(code.clone(), (procs.len(), line));
                    procs.push(new_procedure(code.clone(), name, String::new(), NationalFacts::default(), line));
                    pos_last(&procs)
                }
            };
            let p = &mut procs[pos];
            apply_detail(p, &d, input.name, line, &mut warnings);
            stats.detailed += 1;
            if p.mode == Some(Mode::ToanTrinh) {
                stats.full_process += 1;
            }
            if !p.submission_methods.is_empty()
                && p.submission_methods.iter().all(|m| !m.is_paper())
            {
                stats.online_only += 1;
            }
        }
    }

    if let Some(o) = &overlay {
        o.apply(&mut procs, &index, &mut warnings);
    }

    for p in &procs {
        stats.components += p.components.len();
        stats.result_documents += p.national.as_ref().map_or(0, |n| n.results.len());
        stats.no_paper += usize::from(p.no_paper.is_some());
        stats.paper_accepted += usize::from(p.paper_accepted);
        stats.with_result_rules += usize::from(p.result.is_some());
    }
    stats.procedures = procs.len();

    let meta = overlay.as_ref().map(|o| &o.meta);
    let source = [src.national, src.details, src.overlay]
        .into_iter()
        .flatten()
        .map(|i| file_name(i.name))
        .collect::<Vec<_>>()
        .join(", ");
    let catalog = Catalog {
        title: meta
            .and_then(|m| m.title.clone())
            .unwrap_or_else(|| "Danh mục thủ tục hành chính (nhập từ Cổng Dịch vụ công quốc gia)".into()),
        example: meta.is_some_and(|m| m.example),
        province: meta.and_then(|m| m.province.clone()),
        source: Some(
            meta.and_then(|m| m.source.clone())
                .unwrap_or_else(|| format!("kyso catalog import: {source}")),
        ),
        classification: ClassificationOverrides::default(),
        procedures: procs,
        warnings: Vec::new(),
    };
    let toml = write_toml(&catalog);
    let reloaded = Catalog::from_toml(&toml, "<imported catalog>")?;
    Ok(Imported {
        toml,
        catalog: reloaded,
        warnings,
        stats,
    })
}

fn pos_last(v: &[Procedure]) -> usize {
    v.len().saturating_sub(1)
}

fn file_name(path: &str) -> &str {
    path.rsplit(['/', '\\']).next().unwrap_or(path)
}

fn plain_error(
    kind: CatalogErrorKind,
    source: &str,
    line: Option<usize>,
    reason: String,
) -> CatalogError {
    CatalogError {
        kind,
        source_name: source.to_string(),
        line,
        column: None,
        field: None,
        reason,
    }
}

fn warning(source: &str, line: usize, field: &str, reason: String) -> CatalogWarning {
    CatalogWarning {
        source_name: source.to_string(),
        line: Some(line),
        field: Some(field.to_string()),
        reason,
    }
}

/// Normalises a code, warning when it had to be trimmed or has an unusual shape; `None` (with
/// a warning) for a code that cannot be one: such an entry cannot be looked up.
fn take_code(
    source: &str,
    line: usize,
    raw: &str,
    warnings: &mut Vec<CatalogWarning>,
) -> Option<String> {
    let code = normalize_code(raw);
    if !super::catalog::code_has_valid_shape(code) {
        warnings.push(warning(
            source,
            line,
            "code",
            format!("{raw:?} is not a procedure code (a digit then letters, digits, '.' or '-'); this entry cannot be imported"),
        ));
        return None;
    }
    if code != raw {
        warnings.push(warning(
            source,
            line,
            "code",
            format!("procedure code {raw:?} has spaces around it; imported as {code:?}"),
        ));
    }
    if !code_is_usual(code) {
        warnings.push(warning(
            source,
            line,
            "code",
            format!("procedure code {code:?} does not have the usual national shape {CODE_PATTERN}; kept as written"),
        ));
    }
    Some(code.to_string())
}

fn new_procedure(
    code: String,
    name: String,
    agency: String,
    national: NationalFacts,
    line: usize,
) -> Procedure {
    Procedure {
        code,
        name,
        agency,
        mode: None,
        submission_methods: Vec::new(),
        no_paper: None,
        paper_accepted: false,
        national: Some(national),
        legal_basis: None,
        components: Vec::new(),
        one_stop_patterns: Patterns::default(),
        classification: ClassificationOverrides::default(),
        result: None,
        line,
    }
}

/// Collapses every run of whitespace (newlines, non-breaking spaces) into one space.
fn squash(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn non_empty(s: &str) -> Option<String> {
    let s = squash(s);
    (!s.is_empty()).then_some(s)
}

fn split_list(s: &str) -> Vec<String> {
    s.split(';').filter_map(non_empty).collect()
}

// ---------------------------------------------------------------------------------------
// The national CSV.

struct NationalRecord {
    code: String,
    name: String,
    kind: String,
    state: String,
    authority: String,
    departments: String,
    categories: String,
    targets: String,
}

fn read_national(input: ImportInput<'_>) -> Result<Vec<(usize, NationalRecord)>, CatalogError> {
    let records = csv_records(input.text)
        .map_err(|(line, why)| plain_error(CatalogErrorKind::Syntax, input.name, Some(line), why))?;
    let mut it = records.into_iter();
    let Some((_, header)) = it.next() else {
        return Err(plain_error(
            CatalogErrorKind::MissingField,
            input.name,
            None,
            "the file is empty".into(),
        ));
    };
    let col = |name: &str| header.iter().position(|h| h.trim() == name);
    let Some(code_col) = col("code") else {
        return Err(plain_error(
            CatalogErrorKind::MissingField,
            input.name,
            Some(1),
            format!("no \"code\" column in the header (found: {})", header.join(", ")),
        ));
    };
    let cols = [
        col("name"),
        col("type"),
        col("state"),
        col("promulgating_authority"),
        col("departments"),
        col("categories"),
        col("target_types"),
    ];
    let mut out = Vec::new();
    for (line, rec) in it {
        if rec.iter().all(|c| c.trim().is_empty()) {
            continue;
        }
        let get = |c: Option<usize>| c.and_then(|i| rec.get(i)).cloned().unwrap_or_default();
        out.push((
            line,
            NationalRecord {
                code: get(Some(code_col)),
                name: get(cols[0]),
                kind: get(cols[1]),
                state: get(cols[2]),
                authority: get(cols[3]),
                departments: get(cols[4]),
                categories: get(cols[5]),
                targets: get(cols[6]),
            },
        ));
    }
    Ok(out)
}

/// A CSV record: the line it starts on and its fields.
pub(crate) type CsvRecord = (usize, Vec<String>);

/// RFC 4180 records, each with the 1-based line it starts on. Quoted fields may hold commas,
/// doubled quotes and line breaks; a byte-order mark and CRLF line ends are accepted.
pub(crate) fn csv_records(text: &str) -> Result<Vec<CsvRecord>, (usize, String)> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut records = Vec::new();
    let mut record: Vec<String> = Vec::new();
    let mut field = String::new();
    let mut line = 1usize;
    let mut start_line = 1usize;
    let mut in_quotes = false;
    let mut quote_line = 0usize;
    let mut field_started_quoted = false;
    let mut chars = text.chars().peekable();
    let mut any = false;
    while let Some(c) = chars.next() {
        any = true;
        if in_quotes {
            match c {
                '"' if chars.peek() == Some(&'"') => {
                    chars.next();
                    field.push('"');
                }
                '"' => in_quotes = false,
                '\n' => {
                    line += 1;
                    field.push('\n');
                }
                _ => field.push(c),
            }
            continue;
        }
        match c {
            '"' if field.is_empty() && !field_started_quoted => {
                in_quotes = true;
                field_started_quoted = true;
                quote_line = line;
            }
            '"' => {
                return Err((line, "a quote inside an unquoted field".into()));
            }
            ',' => {
                record.push(std::mem::take(&mut field));
                field_started_quoted = false;
            }
            '\r' if chars.peek() == Some(&'\n') => {}
            '\n' => {
                record.push(std::mem::take(&mut field));
                field_started_quoted = false;
                records.push((start_line, std::mem::take(&mut record)));
                line += 1;
                start_line = line;
                any = false;
            }
            _ if field_started_quoted => {
                return Err((line, "text after the closing quote of a field".into()));
            }
            _ => field.push(c),
        }
    }
    if in_quotes {
        return Err((quote_line, "a quoted field is never closed".into()));
    }
    if any {
        record.push(field);
        records.push((start_line, record));
    }
    Ok(records)
}

// ---------------------------------------------------------------------------------------
// The detailed JSON Lines.

#[derive(Deserialize)]
struct RawDetail {
    code: String,
    name: Option<String>,
    #[serde(default)]
    is_full_process: Option<bool>,
    #[serde(default)]
    category: Option<String>,
    #[serde(default)]
    promulgated_by: Option<String>,
    #[serde(default)]
    executing: Vec<String>,
    #[serde(default)]
    submission_methods: Vec<String>,
    #[serde(default)]
    results: Vec<RawDetailResult>,
    #[serde(default)]
    legal_basis: Vec<String>,
    #[serde(default)]
    decision: Option<String>,
    #[serde(default)]
    components: Vec<RawDetailComponent>,
}

#[derive(Deserialize)]
struct RawDetailResult {
    name: Option<String>,
    code: Option<String>,
}

#[derive(Deserialize)]
struct RawDetailComponent {
    case: Option<String>,
    code: Option<String>,
    name: Option<String>,
    #[serde(default)]
    required: bool,
    #[serde(default)]
    original_qty: Option<u32>,
    #[serde(default)]
    copy_qty: Option<u32>,
    #[serde(default)]
    has_electronic_form: bool,
}

fn apply_detail(
    p: &mut Procedure,
    d: &RawDetail,
    source: &str,
    line: usize,
    warnings: &mut Vec<CatalogWarning>,
) {
    p.mode = d.is_full_process.map(|f| if f { Mode::ToanTrinh } else { Mode::MotPhan });
    p.submission_methods.clear();
    for m in &d.submission_methods {
        let method = match m.trim().to_ascii_uppercase().as_str() {
            "ONLINE" => SubmissionMethod::Online,
            "DIRECT" => SubmissionMethod::Direct,
            "POSTAL" => SubmissionMethod::Postal,
            _ => {
                warnings.push(warning(
                    source,
                    line,
                    "submission_methods",
                    format!("procedure {}: unknown submission method {m:?} not imported", p.code),
                ));
                continue;
            }
        };
        if !p.submission_methods.contains(&method) {
            p.submission_methods.push(method);
        }
    }
    p.paper_accepted = p.submission_methods.iter().any(|m| m.is_paper());
    let executing: Vec<String> = d.executing.iter().filter_map(|e| non_empty(e)).collect();
    if !executing.is_empty() {
        p.agency = executing.join("; ");
    }
    let n = p.national.get_or_insert_with(NationalFacts::default);
    n.executing = executing;
    if n.authority.is_none() {
        n.authority = d.promulgated_by.as_deref().and_then(non_empty);
    }
    if let Some(c) = d.category.as_deref().and_then(non_empty) {
        if !n.categories.contains(&c) {
            n.categories.push(c);
        }
    }
    n.decision = d.decision.as_deref().and_then(non_empty);
    n.legal_bases = d.legal_basis.iter().filter_map(|l| non_empty(l)).collect();
    n.results = d
        .results
        .iter()
        .filter_map(|r| {
            let name = r.name.as_deref().map(squash).unwrap_or_default();
            let code = r.code.as_deref().and_then(non_empty);
            (!name.is_empty() || code.is_some()).then(|| ResultDocument {
                name: if name.is_empty() { code.clone().unwrap_or_default() } else { name },
                code,
            })
        })
        .collect();
    p.components.clear();
    let mut used: HashMap<String, usize> = HashMap::new();
    let mut renamed = 0usize;
    for (i, c) in d.components.iter().enumerate() {
        let code = c.code.as_deref().and_then(non_empty);
        let base = code
            .as_deref()
            .map(component_id)
            .filter(|s| !s.is_empty())
            .unwrap_or_else(|| format!("thanh-phan-{}", i + 1));
        let n = used.entry(base.to_lowercase()).or_insert(0);
        *n += 1;
        let id = if *n == 1 {
            base
        } else {
            renamed += 1;
            format!("{base}-{n}")
        };
        let name = c.name.as_deref().map(squash).unwrap_or_default();
        p.components.push(Component {
            name: if name.is_empty() { id.clone() } else { name },
            id,
            required: c.required,
            signed: true,
            signer: SignerKind::Any,
            trust_profiles: BUNDLED_PROFILE_NAMES.iter().map(|s| s.to_string()).collect(),
            min_level: None,
            origin: Origin::Electronic,
            code,
            case: c.case.as_deref().and_then(non_empty),
            electronic_form: c.has_electronic_form,
            originals: c.original_qty.unwrap_or(0),
            copies: c.copy_qty.unwrap_or(0),
        });
    }
    if renamed > 0 {
        warnings.push(warning(
            source,
            line,
            "components",
            format!(
                "procedure {}: {renamed} component(s) share a national code with another; their ids get -2, -3… suffixes",
                p.code
            ),
        ));
    }
}

/// A component id from a national component code: letters, digits, `-`, `_`, `.` kept, other
/// characters turned into `-`.
fn component_id(code: &str) -> String {
    code.chars()
        .map(|c| {
            if c.is_alphanumeric() || matches!(c, '-' | '_' | '.') {
                c
            } else {
                '-'
            }
        })
        .collect::<String>()
        .trim_matches('-')
        .to_string()
}

// ---------------------------------------------------------------------------------------
// The provincial overlay.

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawOverlay {
    catalog: Option<RawOverlayMeta>,
    defaults: Option<RawDefaults>,
    #[serde(default)]
    no_paper: Vec<RawNoPaperList>,
    #[serde(default)]
    rename: Vec<RawRename>,
    #[serde(default)]
    result: Vec<RawOverlayResult>,
}

#[derive(Deserialize, Default, Clone)]
#[serde(deny_unknown_fields)]
struct RawOverlayMeta {
    title: Option<String>,
    #[serde(default)]
    example: bool,
    province: Option<String>,
    source: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawDefaults {
    signed: Option<bool>,
    signer: Option<SignerKind>,
    trust_profiles: Option<Spanned<Vec<Spanned<String>>>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawNoPaperList {
    decision: Spanned<String>,
    date: Option<String>,
    codes: Vec<Spanned<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRename {
    from: Spanned<String>,
    to: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawOverlayResult {
    codes: Vec<Spanned<String>>,
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

struct Overlay {
    meta: RawOverlayMeta,
    source: String,
    signed: Option<bool>,
    signer: Option<SignerKind>,
    trust_profiles: Option<Vec<String>>,
    /// code → (decision, line of the code in the overlay)
    no_paper: Vec<(NoPaperDecision, Vec<(String, usize)>)>,
    renames: Vec<(String, String)>,
    /// (codes with lines, or `*`; rules)
    results: Vec<(Vec<(String, usize)>, ResultRules)>,
}

impl Overlay {
    fn parse(input: ImportInput<'_>, warnings: &mut Vec<CatalogWarning>) -> Result<Overlay, CatalogError> {
        let loader = Loader {
            text: input.text,
            source_name: input.name,
            profiles: BUNDLED_PROFILE_NAMES,
            line_starts: super::catalog::line_starts(input.text),
        };
        let raw: RawOverlay = toml::from_str(input.text).map_err(|e| loader.toml_error(&e))?;
        let line = |off: usize| loader.line_of(off);
        let codes = |list: &[Spanned<String>], warnings: &mut Vec<CatalogWarning>, star: bool| {
            let mut out = Vec::new();
            for c in list {
                let l = line(c.span().start);
                if star && c.get_ref().trim() == "*" {
                    out.push(("*".to_string(), l));
                } else if let Some(code) = take_code(input.name, l, c.get_ref(), warnings) {
                    out.push((code, l));
                }
            }
            out
        };
        let mut no_paper = Vec::new();
        for (i, np) in raw.no_paper.iter().enumerate() {
            let decision = squash(np.decision.get_ref());
            if decision.is_empty() {
                return Err(loader.error(
                    CatalogErrorKind::InvalidValue,
                    Some(np.decision.span()),
                    Some(format!("no_paper[{}].decision", i + 1)),
                    "must name the decision (number and issuer)".into(),
                ));
            }
            no_paper.push((
                NoPaperDecision {
                    decision,
                    date: np.date.as_deref().and_then(non_empty),
                },
                codes(&np.codes, warnings, false),
            ));
        }
        let mut renames = Vec::new();
        for (i, r) in raw.rename.iter().enumerate() {
            let from = squash(r.from.get_ref());
            if from.is_empty() {
                return Err(loader.error(
                    CatalogErrorKind::InvalidValue,
                    Some(r.from.span()),
                    Some(format!("rename[{}].from", i + 1)),
                    "must not be empty".into(),
                ));
            }
            renames.push((from, squash(&r.to)));
        }
        let mut results = Vec::new();
        for (i, r) in raw.result.into_iter().enumerate() {
            let field = format!("result[{}]", i + 1);
            let listed = codes(&r.codes, warnings, true);
            let rules = loader.result(
                &RawResult {
                    signatures: r.signatures,
                    agency_patterns: r.agency_patterns,
                    official_patterns: r.official_patterns,
                    trust_profiles: r.trust_profiles,
                    min_level: r.min_level,
                    timestamp: r.timestamp,
                    validation_data: r.validation_data,
                    algorithms: r.algorithms,
                },
                &field,
            )?;
            results.push((listed, rules));
        }
        let (signed, signer, trust_profiles) = match &raw.defaults {
            Some(d) => (
                d.signed,
                d.signer,
                match &d.trust_profiles {
                    Some(_) => Some(loader.profiles(
                        d.trust_profiles.as_ref(),
                        BUNDLED_PROFILE_NAMES,
                        "defaults.trust_profiles".into(),
                    )?),
                    None => None,
                },
            ),
            None => (None, None, None),
        };
        Ok(Overlay {
            meta: raw.catalog.unwrap_or_default(),
            source: input.name.to_string(),
            signed,
            signer,
            trust_profiles,
            no_paper,
            renames,
            results,
        })
    }

    fn apply(
        &self,
        procs: &mut [Procedure],
        index: &HashMap<String, (usize, usize)>,
        warnings: &mut Vec<CatalogWarning>,
    ) {
        for p in procs.iter_mut() {
            for c in &mut p.components {
                if let Some(s) = self.signed {
                    c.signed = s;
                }
                if let Some(s) = self.signer {
                    c.signer = s;
                }
                if let Some(t) = &self.trust_profiles {
                    c.trust_profiles = t.clone();
                }
            }
            for (from, to) in &self.renames {
                p.agency = p.agency.replace(from, to);
                if let Some(n) = &mut p.national {
                    for s in n.executing.iter_mut().chain(n.departments.iter_mut()) {
                        *s = s.replace(from, to);
                    }
                }
            }
        }
        let find = |code: &str, line: usize, what: &str, warnings: &mut Vec<CatalogWarning>| {
            let found = index.get(code).map(|(pos, _)| *pos);
            if found.is_none() {
                warnings.push(warning(
                    &self.source,
                    line,
                    what,
                    format!("procedure {code} is not in the imported national data; ignored"),
                ));
            }
            found
        };
        for (decision, codes) in &self.no_paper {
            for (code, line) in codes {
                if let Some(pos) = find(code, *line, "no_paper", warnings) {
                    let p = &mut procs[pos];
                    if let Some(prev) = &p.no_paper {
                        warnings.push(warning(
                            &self.source,
                            *line,
                            "no_paper",
                            format!("procedure {code} is already under decision {}; kept", prev.decision),
                        ));
                        continue;
                    }
                    p.no_paper = Some(decision.clone());
                    p.paper_accepted = false;
                    for c in &mut p.components {
                        c.origin = Origin::Electronic;
                    }
                }
            }
        }
        for (codes, rules) in &self.results {
            for (code, line) in codes {
                if code == "*" {
                    for p in procs.iter_mut() {
                        p.result.get_or_insert_with(|| rules.clone());
                    }
                } else if let Some(pos) = find(code, *line, "result", warnings) {
                    procs[pos].result = Some(rules.clone());
                }
            }
        }
    }
}

// ---------------------------------------------------------------------------------------
// Writing TOML.

fn q(s: &str) -> String {
    toml::Value::String(s.to_string()).to_string()
}

fn list(items: &[String]) -> String {
    let v: Vec<String> = items.iter().map(|s| q(s)).collect();
    format!("[{}]", v.join(", "))
}

/// Writes a catalog as TOML that [`Catalog::from_toml`] reads back to the same catalog.
pub(crate) fn write_toml(c: &Catalog) -> String {
    let mut o = String::new();
    let _ = writeln!(o, "# kyso procedure catalog (format: docs/catalog.md).");
    let _ = writeln!(o, "\n[catalog]");
    let _ = writeln!(o, "title = {}", q(&c.title));
    let _ = writeln!(o, "example = {}", c.example);
    if let Some(p) = &c.province {
        let _ = writeln!(o, "province = {}", q(p));
    }
    if let Some(s) = &c.source {
        let _ = writeln!(o, "source = {}", q(s));
    }
    write_classification(&mut o, "classification", &c.classification);
    for p in &c.procedures {
        let _ = writeln!(o, "\n[[procedure]]");
        let _ = writeln!(o, "code = {}", q(&p.code));
        let _ = writeln!(o, "name = {}", q(&p.name));
        if !p.agency.is_empty() {
            let _ = writeln!(o, "agency = {}", q(&p.agency));
        }
        if let Some(m) = p.mode {
            let _ = writeln!(o, "mode = {}", q(m.as_str()));
        }
        if !p.submission_methods.is_empty() {
            let m: Vec<String> = p.submission_methods.iter().map(|m| m.as_str().to_string()).collect();
            let _ = writeln!(o, "submission_methods = {}", list(&m));
        }
        let _ = writeln!(o, "paper_accepted = {}", p.paper_accepted);
        if let Some(l) = &p.legal_basis {
            let _ = writeln!(o, "legal_basis = {}", q(l));
        }
        if !p.one_stop_patterns.is_empty() {
            let s: Vec<String> = p.one_stop_patterns.sources().iter().map(|s| s.to_string()).collect();
            let _ = writeln!(o, "one_stop_patterns = {}", list(&s));
        }
        if let Some(np) = &p.no_paper {
            let _ = writeln!(o, "\n[procedure.no_paper]");
            let _ = writeln!(o, "decision = {}", q(&np.decision));
            if let Some(d) = &np.date {
                let _ = writeln!(o, "date = {}", q(d));
            }
        }
        if let Some(n) = &p.national {
            let _ = writeln!(o, "\n[procedure.national]");
            for (k, v) in [
                ("kind", &n.kind),
                ("state", &n.state),
                ("authority", &n.authority),
                ("decision", &n.decision),
            ] {
                if let Some(v) = v {
                    let _ = writeln!(o, "{k} = {}", q(v));
                }
            }
            for (k, v) in [
                ("departments", &n.departments),
                ("executing", &n.executing),
                ("categories", &n.categories),
                ("target_groups", &n.target_groups),
                ("legal_bases", &n.legal_bases),
            ] {
                if !v.is_empty() {
                    let _ = writeln!(o, "{k} = {}", list(v));
                }
            }
            if !n.results.is_empty() {
                let _ = writeln!(o, "results = [");
                for r in &n.results {
                    match &r.code {
                        Some(code) => {
                            let _ = writeln!(o, "  {{ code = {}, name = {} }},", q(code), q(&r.name));
                        }
                        None => {
                            let _ = writeln!(o, "  {{ name = {} }},", q(&r.name));
                        }
                    }
                }
                let _ = writeln!(o, "]");
            }
        }
        write_classification(&mut o, "procedure.classification", &p.classification);
        for comp in &p.components {
            let _ = writeln!(o, "\n[[procedure.component]]");
            let _ = writeln!(o, "id = {}", q(&comp.id));
            let _ = writeln!(o, "name = {}", q(&comp.name));
            if let Some(code) = &comp.code {
                let _ = writeln!(o, "code = {}", q(code));
            }
            if let Some(case) = &comp.case {
                let _ = writeln!(o, "case = {}", q(case));
            }
            let _ = writeln!(o, "required = {}", comp.required);
            let _ = writeln!(o, "signed = {}", comp.signed);
            let signer = match comp.signer {
                SignerKind::Individual => "individual",
                SignerKind::Organisation => "organisation",
                SignerKind::Any => "any",
            };
            let _ = writeln!(o, "signer = {}", q(signer));
            let _ = writeln!(o, "trust_profiles = {}", list(&comp.trust_profiles));
            if let Some(l) = comp.min_level {
                let _ = writeln!(o, "min_level = {}", q(l.as_str()));
            }
            if comp.origin == Origin::PaperScan {
                let _ = writeln!(o, "origin = \"paper-scan\"");
            }
            if comp.electronic_form {
                let _ = writeln!(o, "electronic_form = true");
            }
            if comp.originals != 0 {
                let _ = writeln!(o, "originals = {}", comp.originals);
            }
            if comp.copies != 0 {
                let _ = writeln!(o, "copies = {}", comp.copies);
            }
        }
        if let Some(r) = &p.result {
            write_result(&mut o, r);
        }
    }
    o
}

fn write_classification(o: &mut String, table: &str, c: &ClassificationOverrides) {
    if c.organisation.is_empty() && c.individual.is_empty() {
        return;
    }
    let src = |p: &Patterns| p.sources().iter().map(|s| s.to_string()).collect::<Vec<_>>();
    let _ = writeln!(o, "\n[{table}]");
    let _ = writeln!(o, "organisation = {}", list(&src(&c.organisation)));
    let _ = writeln!(o, "individual = {}", list(&src(&c.individual)));
}

fn write_result(o: &mut String, r: &ResultRules) {
    let _ = writeln!(o, "\n[procedure.result]");
    let sigs: Vec<String> = r
        .signatures
        .iter()
        .map(|s| match s {
            RequiredSignature::Official => "official".to_string(),
            RequiredSignature::Agency => "agency".to_string(),
        })
        .collect();
    let _ = writeln!(o, "signatures = {}", list(&sigs));
    let src = |p: &Patterns| p.sources().iter().map(|s| s.to_string()).collect::<Vec<_>>();
    let _ = writeln!(o, "agency_patterns = {}", list(&src(&r.agency_patterns)));
    let _ = writeln!(o, "official_patterns = {}", list(&src(&r.official_patterns)));
    let _ = writeln!(o, "trust_profiles = {}", list(&r.trust_profiles));
    if let Some(l) = r.min_level {
        let _ = writeln!(o, "min_level = {}", q(l.as_str()));
    }
    let _ = writeln!(o, "timestamp = {}", r.timestamp);
    let _ = writeln!(o, "validation_data = {}", r.validation_data);
    if r.algorithms != Algorithms::default() {
        let a = &r.algorithms;
        let _ = writeln!(o, "\n[procedure.result.algorithms]");
        let _ = writeln!(o, "digests = {}", list(&a.digests));
        let _ = writeln!(o, "key_algorithms = {}", list(&a.key_algorithms));
        let _ = writeln!(o, "min_rsa_bits = {}", a.min_rsa_bits);
        let _ = writeln!(o, "min_ec_bits = {}", a.min_ec_bits);
        let p = match a.rsa_pkcs1v15 {
            super::catalog::Pkcs1Policy::Accept => "accept",
            super::catalog::Pkcs1Policy::Warn => "warn",
            super::catalog::Pkcs1Policy::Reject => "reject",
        };
        let _ = writeln!(o, "rsa_pkcs1v15 = {}", q(p));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_handles_quotes_newlines_crlf_and_bom() {
        let t = "\u{feff}a,b\r\n1,\"x, \"\"y\"\"\nz\"\r\n2,\n";
        let r = csv_records(t).unwrap();
        assert_eq!(r.len(), 3);
        assert_eq!(r[0], (1, vec!["a".to_string(), "b".to_string()]));
        assert_eq!(r[1], (2, vec!["1".to_string(), "x, \"y\"\nz".to_string()]));
        assert_eq!(r[2], (4, vec!["2".to_string(), String::new()]));
        assert_eq!(csv_records("a,\"b\n").unwrap_err().0, 1);
        assert!(csv_records("a,b\"c\n").is_err());
        assert!(csv_records("a,\"b\"c\n").is_err());
        assert_eq!(csv_records("").unwrap(), vec![]);
        assert_eq!(csv_records("x").unwrap(), vec![(1, vec!["x".to_string()])]);
    }

    #[test]
    fn usual_codes() {
        for c in ["1.014464", "1.001193.02", "1.012753.H19", "1.001193.02.H19"] {
            assert!(code_is_usual(c), "{c}");
        }
        for c in ["1.0133611", "1.014955-Xoa", "2.009182739", "1.014464.H1", "1.014464.h12", "01.000001"] {
            assert!(!code_is_usual(c), "{c}");
        }
    }

    #[test]
    fn component_ids_keep_national_codes() {
        assert_eq!(component_id("000.00.00.G15-KQ003208"), "000.00.00.G15-KQ003208");
        assert_eq!(component_id("a b/c"), "a-b-c");
    }
}

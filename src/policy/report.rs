//! The policy report: the verdict for one dossier (submission or result) against one
//! procedure, every rule outcome with its legal source and the signature it concerns, and
//! what kyso made of each signature (individual or organisation, role).
//!
//! **Stability:** the JSON field names and enum spellings are a public contract
//! ([`POLICY_SCHEMA_VERSION`] 1), as for [`crate::report::FileReport`]. The texts (`title`,
//! `source`, `message`, `verdict_text`, `summary`) are in the report's language; programs
//! should read `rule`, `status`, `message_id` and `verdict`.

use serde::Serialize;

use super::catalog::{Catalog, Mode, Procedure};
use super::classify::{Basis, CertKind};
use super::i18n::{basis_text, kind_text, mode_text, Lang};
use super::rules::{DossierFile, Evaluation, SignatureRole, Status, Verdict};
use super::Role;
use crate::report::Indication;

/// The JSON schema version of [`PolicyReport`].
pub(crate) const POLICY_SCHEMA_VERSION: u32 = 1;

/// The procedure a report is about.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ProcedureInfo {
    /// Code.
    pub code: String,
    /// Name.
    pub name: String,
    /// Competent agency.
    pub agency: String,
    /// `toan-trinh` or `mot-phan`; `null` when the catalog does not say.
    pub mode: Option<Mode>,
}

/// A signature a rule outcome concerns.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SignatureRef {
    /// 1-based position in the file's signatures (revision order).
    pub index: usize,
    /// Field name.
    pub field: String,
    /// Signer subject, if the signature has a certificate.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub signer: Option<String>,
}

/// One rule outcome.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RuleOutcome {
    /// Rule id (`R1`…).
    pub rule: &'static str,
    /// Rule title.
    pub title: String,
    /// Legal source.
    pub source: String,
    /// Outcome.
    pub status: Status,
    /// Outcome in words.
    pub status_text: String,
    /// Stable message identifier (`no-timestamp`, …).
    pub message_id: &'static str,
    /// The message.
    pub message: String,
    /// The file concerned.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub file: Option<String>,
    /// The submission component concerned (its id).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub component: Option<String>,
    /// The signature concerned.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub signature: Option<SignatureRef>,
}

/// A signature as the policy sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SignatureInfo {
    /// 1-based position.
    pub index: usize,
    /// Field name.
    pub field: String,
    /// `signature`, `certification` or `document-timestamp`.
    pub kind: crate::report::SignatureKind,
    /// The validator's indication.
    pub indication: Indication,
    /// Signer subject.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub signer: Option<String>,
    /// Signer common name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub common_name: Option<String>,
    /// `UID` identifiers (`CCCD:…`, `MST:…`).
    pub identifiers: Vec<String>,
    /// Issuer.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub issuer: Option<String>,
    /// Individual or organisation.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub signer_kind: Option<CertKind>,
    /// Why so.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub signer_kind_basis: Option<Basis>,
    /// Both in words.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub signer_kind_text: Option<String>,
    /// The role it fills.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub role: Option<SignatureRole>,
    /// Claimed signing time.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub claimed_signing_time: Option<String>,
    /// Time proven by a time-stamp.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub proven_signing_time: Option<String>,
    /// PAdES level.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pades_level: Option<crate::PadesLevel>,
    /// Time-stamped.
    pub timestamped: bool,
}

/// A file of the dossier.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FileInfo {
    /// The file as given.
    pub file: String,
    /// The component it belongs to (submissions).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub component: Option<String>,
    /// The validator's overall indication for the file.
    pub indication: Indication,
    /// Its signatures.
    pub signatures: Vec<SignatureInfo>,
}

/// The verdict for a dossier.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PolicyReport {
    /// `POLICY_SCHEMA_VERSION`.
    pub schema_version: u32,
    /// Language of the texts.
    pub lang: Lang,
    /// The procedure.
    pub procedure: ProcedureInfo,
    /// `submission` or `result`.
    pub role: Role,
    /// Catalog title.
    pub catalog: String,
    /// Whether the catalog is the bundled example.
    pub catalog_is_example: bool,
    /// The verdict.
    pub verdict: Verdict,
    /// The verdict in words.
    pub verdict_text: String,
    /// One-line summary.
    pub summary: String,
    /// The time validation was done for.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub validation_time: Option<String>,
    /// Every rule outcome (passed ones too), in evaluation order.
    pub outcomes: Vec<RuleOutcome>,
    /// The files.
    pub files: Vec<FileInfo>,
}

impl PolicyReport {
    /// The outcomes that failed.
    pub fn failed(&self) -> impl Iterator<Item = &RuleOutcome> {
        self.outcomes.iter().filter(|o| o.status == Status::Failed)
    }
    /// The ids of the rules that failed, sorted, without duplicates.
    pub fn failed_rules(&self) -> Vec<&'static str> {
        let mut v: Vec<&'static str> = self.failed().map(|o| o.rule).collect();
        v.sort_by_key(|r| r[1..].parse::<u32>().unwrap_or(u32::MAX));
        v.dedup();
        v
    }
    /// Whether the verdict is compliant.
    pub fn is_compliant(&self) -> bool {
        self.verdict == Verdict::Compliant
    }
}

/// Verdict in words.
pub(crate) fn verdict_text(v: Verdict, lang: Lang) -> &'static str {
    match v {
        Verdict::Compliant => lang.pick("ĐẠT YÊU CẦU", "COMPLIANT"),
        Verdict::NotCompliant => lang.pick("KHÔNG ĐẠT YÊU CẦU", "NOT COMPLIANT"),
        Verdict::CannotDecide => lang.pick("CHƯA KẾT LUẬN ĐƯỢC", "CANNOT DECIDE"),
    }
}

/// Outcome status in words.
pub(crate) fn status_text(s: Status, lang: Lang) -> &'static str {
    match s {
        Status::Passed => lang.pick("đạt", "passed"),
        Status::Warning => lang.pick("cảnh báo", "warning"),
        Status::CannotDecide => lang.pick("chưa xác định", "cannot decide"),
        Status::Failed => lang.pick("không đạt", "failed"),
    }
}

fn role_text(r: Role, lang: Lang) -> &'static str {
    match r {
        Role::Submission => lang.pick("hồ sơ nộp", "submission"),
        Role::Result => lang.pick("kết quả giải quyết", "result"),
    }
}

fn signature_role_text(r: SignatureRole, lang: Lang) -> &'static str {
    match r {
        SignatureRole::Official => lang.pick("người có thẩm quyền", "competent official"),
        SignatureRole::Agency => lang.pick("cơ quan", "agency"),
        SignatureRole::Applicant => lang.pick("người nộp", "applicant"),
        SignatureRole::OneStop => lang.pick("công chức một cửa", "one-stop official"),
    }
}

/// Assembles the report.
pub(crate) fn build(
    catalog: &Catalog,
    procedure: &Procedure,
    role: Role,
    files: &[DossierFile<'_>],
    ev: &Evaluation,
    lang: Lang,
) -> PolicyReport {
    let outcomes: Vec<RuleOutcome> = ev
        .outcomes
        .iter()
        .map(|o| {
            let file = o.file.and_then(|f| files.get(f));
            let signature = match (file, o.signature) {
                (Some(f), Some(i)) => f.report.signatures.get(i).map(|s| SignatureRef {
                    index: i + 1,
                    field: s.field.clone(),
                    signer: s.signer.as_ref().map(|c| c.subject.clone()),
                }),
                _ => None,
            };
            RuleOutcome {
                rule: o.rule.as_str(),
                title: o.rule.title(lang).to_string(),
                source: o.rule.source(lang).to_string(),
                status: o.status,
                status_text: status_text(o.status, lang).to_string(),
                message_id: o.msg.id(),
                message: o.msg.text(lang),
                file: file.map(|f| f.report.file.clone()),
                component: file.and_then(|f| f.component.map(str::to_string)),
                signature,
            }
        })
        .collect();
    let file_infos: Vec<FileInfo> = files
        .iter()
        .enumerate()
        .map(|(fi, f)| FileInfo {
            file: f.report.file.clone(),
            component: f.component.map(str::to_string),
            indication: f.report.indication,
            signatures: f
                .report
                .signatures
                .iter()
                .enumerate()
                .map(|(i, s)| {
                    let facts = ev.facts.get(fi).and_then(|v| v.get(i));
                    let class = facts.and_then(|f| f.classification.clone());
                    SignatureInfo {
                        index: i + 1,
                        field: s.field.clone(),
                        kind: s.kind,
                        indication: s.indication,
                        signer: s.signer.as_ref().map(|c| c.subject.clone()),
                        common_name: s.signer.as_ref().and_then(|c| c.common_name.clone()),
                        identifiers: s
                            .signer
                            .as_ref()
                            .map(|c| {
                                c.identifiers
                                    .iter()
                                    .map(|id| format!("{}:{}", id.kind, id.value))
                                    .collect()
                            })
                            .unwrap_or_default(),
                        issuer: s.signer.as_ref().map(|c| c.issuer.clone()),
                        signer_kind: class.as_ref().map(|c| c.kind),
                        signer_kind_text: class.as_ref().map(|c| {
                            format!(
                                "{} ({})",
                                kind_text(c.kind, lang),
                                basis_text(&c.basis, lang)
                            )
                        }),
                        signer_kind_basis: class.map(|c| c.basis),
                        role: facts.and_then(|f| f.role),
                        claimed_signing_time: s.claimed_signing_time.clone(),
                        proven_signing_time: s.proven_signing_time.clone(),
                        pades_level: s.pades_level,
                        timestamped: s.timestamped,
                    }
                })
                .collect(),
        })
        .collect();
    let verdict = Verdict::of(&ev.outcomes);
    let failed: Vec<&RuleOutcome> = outcomes
        .iter()
        .filter(|o| o.status == Status::Failed)
        .collect();
    let undecided = outcomes
        .iter()
        .filter(|o| o.status == Status::CannotDecide)
        .count();
    let mut rules: Vec<&str> = failed.iter().map(|o| o.rule).collect();
    rules.dedup();
    let summary = match (verdict, lang) {
        (Verdict::Compliant, Lang::Vi) => {
            format!(
                "{} của thủ tục {} đáp ứng mọi quy tắc đã kiểm tra",
                capitalise(role_text(role, lang)),
                procedure.code
            )
        }
        (Verdict::Compliant, Lang::En) => {
            format!(
                "the {} meets every rule checked for procedure {}",
                role_text(role, lang),
                procedure.code
            )
        }
        (Verdict::NotCompliant, Lang::Vi) => format!(
            "{} kết quả kiểm tra không đạt ({}): {}",
            failed.len(),
            unique(&rules).join(", "),
            failed.first().map(|o| o.message.as_str()).unwrap_or("")
        ),
        (Verdict::NotCompliant, Lang::En) => format!(
            "{} rule outcome{} failed ({}): {}",
            failed.len(),
            if failed.len() == 1 { "" } else { "s" },
            unique(&rules).join(", "),
            failed.first().map(|o| o.message.as_str()).unwrap_or("")
        ),
        (Verdict::CannotDecide, Lang::Vi) => format!(
            "{undecided} kết quả kiểm tra chưa xác định được; không có kết quả nào không đạt"
        ),
        (Verdict::CannotDecide, Lang::En) => {
            format!("{undecided} rule outcome(s) could not be decided; none failed")
        }
    };
    PolicyReport {
        schema_version: POLICY_SCHEMA_VERSION,
        lang,
        procedure: ProcedureInfo {
            code: procedure.code.clone(),
            name: procedure.name.clone(),
            agency: procedure.agency.clone(),
            mode: procedure.mode,
        },
        role,
        catalog: catalog.title.clone(),
        catalog_is_example: catalog.example,
        verdict,
        verdict_text: verdict_text(verdict, lang).to_string(),
        summary,
        validation_time: files.first().map(|f| f.report.validation_time.clone()),
        outcomes,
        files: file_infos,
    }
}

fn unique<'a>(v: &[&'a str]) -> Vec<&'a str> {
    let mut out: Vec<&'a str> = Vec::new();
    for x in v {
        if !out.contains(x) {
            out.push(x);
        }
    }
    out
}

fn capitalise(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().chain(c).collect(),
        None => String::new(),
    }
}

fn mark(s: Status, lang: Lang) -> &'static str {
    match s {
        Status::Passed => lang.pick("ĐẠT", "ok"),
        Status::Warning => lang.pick("CẢNH BÁO", "warn"),
        Status::CannotDecide => lang.pick("CHƯA RÕ", "??"),
        Status::Failed => lang.pick("KHÔNG ĐẠT", "FAIL"),
    }
}

/// Renders a report as text for people, in the report's language. `verbose` lists passed
/// outcomes too.
pub fn render_text(r: &PolicyReport, verbose: bool) -> String {
    use std::fmt::Write as _;
    let lang = r.lang;
    let mut o = String::new();
    let _ = writeln!(
        o,
        "{} {} — {} ({})",
        lang.pick("Thủ tục", "Procedure"),
        r.procedure.code,
        r.procedure.name,
        mode_text(r.procedure.mode, lang)
    );
    let _ = writeln!(
        o,
        "  {}: {}",
        lang.pick("Cơ quan", "Agency"),
        r.procedure.agency
    );
    let _ = writeln!(
        o,
        "  {}: {}",
        lang.pick("Kiểm tra", "Checked as"),
        role_text(r.role, lang)
    );
    if r.catalog_is_example {
        let _ = writeln!(
            o,
            "  {}",
            lang.pick(
                "Lưu ý: đang dùng danh mục ví dụ của kyso; hãy thay bằng danh mục của tỉnh (--catalog)",
                "Note: using kyso's example catalog; replace it with the province's own (--catalog)"
            )
        );
    }
    let _ = writeln!(
        o,
        "{}: {}",
        lang.pick("KẾT LUẬN", "VERDICT"),
        r.verdict_text
    );
    let _ = writeln!(o, "  {}", r.summary);
    for f in &r.files {
        let comp = f
            .component
            .as_deref()
            .map(|c| format!(" [{c}]"))
            .unwrap_or_default();
        let _ = writeln!(
            o,
            "{} {}{comp}: {}",
            lang.pick("Tệp", "File"),
            f.file,
            f.indication.as_str()
        );
        for s in &f.signatures {
            let who = s
                .signer
                .clone()
                .unwrap_or_else(|| format!("\"{}\"", s.field));
            let _ = writeln!(
                o,
                "  {} #{} ({}): {}",
                lang.pick("Chữ ký", "Signature"),
                s.index,
                s.field,
                who
            );
            if !s.identifiers.is_empty() {
                let _ = writeln!(
                    o,
                    "      {}: {}",
                    lang.pick("định danh", "identifiers"),
                    s.identifiers.join(", ")
                );
            }
            if let Some(k) = &s.signer_kind_text {
                let _ = writeln!(o, "      {}: {k}", lang.pick("loại", "kind"));
            }
            if let Some(role) = s.role {
                let _ = writeln!(
                    o,
                    "      {}: {}",
                    lang.pick("vai trò", "role"),
                    signature_role_text(role, lang)
                );
            }
            let when = match (&s.proven_signing_time, &s.claimed_signing_time) {
                (Some(p), _) => Some(format!(
                    "{p} ({})",
                    lang.pick("dấu thời gian", "time-stamp")
                )),
                (None, Some(c)) => Some(format!("{c} ({})", lang.pick("tự khai", "claimed"))),
                _ => None,
            };
            if let Some(w) = when {
                let _ = writeln!(o, "      {}: {w}", lang.pick("thời điểm ký", "signed"));
            }
            let _ = writeln!(
                o,
                "      {}: {}",
                lang.pick("kết quả xác thực", "validation"),
                s.indication.as_str()
            );
        }
    }
    let _ = writeln!(o, "{}:", lang.pick("Các quy tắc", "Rules"));
    for x in &r.outcomes {
        if !verbose && x.status == Status::Passed {
            continue;
        }
        let _ = writeln!(
            o,
            "  [{}] {} {}: {}",
            mark(x.status, lang),
            x.rule,
            x.title,
            x.message
        );
        let mut loc = Vec::new();
        if let Some(f) = &x.file {
            loc.push(format!("{} {f}", lang.pick("tệp", "file")));
        }
        if let Some(s) = &x.signature {
            loc.push(format!(
                "{} #{} ({})",
                lang.pick("chữ ký", "signature"),
                s.index,
                s.field
            ));
        }
        if !loc.is_empty() {
            let _ = writeln!(o, "      {}", loc.join(", "));
        }
        let _ = writeln!(o, "      {}: {}", lang.pick("căn cứ", "source"), x.source);
    }
    if !verbose {
        let passed = r
            .outcomes
            .iter()
            .filter(|x| x.status == Status::Passed)
            .count();
        let _ = writeln!(
            o,
            "  {}",
            match lang {
                Lang::Vi => format!("(và {passed} kết quả đạt; dùng --verbose để xem)"),
                Lang::En => format!("(and {passed} passed outcome(s); --verbose shows them)"),
            }
        );
    }
    o
}

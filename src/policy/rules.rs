//! The rules, as pure functions from validation reports ([`FileReport`]) and a catalog entry
//! to rule outcomes. Nothing here reads files, validates signatures or talks to the network:
//! the facts come from [`crate::validate`], the requirements from the catalog.
//!
//! | id | rule | applies to |
//! |---|---|---|
//! | R0 | the signature is intact and cryptographically valid | every approval signature |
//! | R1 | organisation signature of the competent agency | results |
//! | R2 | personal signature of the competent official, where required | results |
//! | R3 | personal first, organisation last, then only DSS / document time-stamps | results |
//! | R7 | chain to the trust profile the catalog names | signatures that fill a role |
//! | R8 | certificate valid and not revoked at the (proven) signing time | same |
//! | R10 | validation data embedded (B-LT or better), where required | same (results) |
//! | R11 | signature time-stamp, where required | same (results) |
//! | R12 | algorithms: RSA ≥ 2048 / ECDSA ≥ 256, SHA-2/SHA-3; PKCS#1 v1.5 warned | same |
//! | R13 | PAdES format at the catalog's minimum level | same |
//! | R16 | electronic dossier complete, components signed by the right kind of signer | submissions |
//! | R17 | scans of paper signed by a one-stop official's personal certificate | submissions |
//!
//! R0 is kyso's: the Law on E-Transactions (Art. 22(3)) asks that a digital signature be bound
//! to the content and make later changes detectable, which is what the validator checks.

use crate::report::CheckId;
use crate::PadesLevel;
use serde::Serialize;

use super::catalog::{
    Algorithms, ClassificationOverrides, Component, Origin, Pkcs1Policy, Procedure,
    RequiredSignature, ResultRules, SignerKind,
};
use super::classify::{classify_summary, Basis, CertKind, Classification};
use super::i18n::{Lang, Msg};
use super::profiles::{normalize_fingerprint, Profiles};
use crate::report::{CheckStatus, FileReport, Indication, SignatureReport, SubIndication};

/// A rule identifier (numbering of the requirements, `R0` is kyso's integrity rule).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[non_exhaustive]
pub enum RuleId {
    /// Signature intact and valid.
    R0,
    /// Organisation signature of the competent agency.
    R1,
    /// Personal signature of the competent official.
    R2,
    /// Signing order.
    R3,
    /// Chain to the trust profile.
    R7,
    /// Certificate valid and not revoked when signing.
    R8,
    /// Validation data embedded.
    R10,
    /// Time-stamp.
    R11,
    /// Algorithms.
    R12,
    /// PAdES format and level.
    R13,
    /// Electronic dossier complete and signed.
    R16,
    /// Paper scans signed by the one-stop official.
    R17,
}

impl RuleId {
    /// `R1`, `R2`, …
    pub fn as_str(self) -> &'static str {
        match self {
            RuleId::R0 => "R0",
            RuleId::R1 => "R1",
            RuleId::R2 => "R2",
            RuleId::R3 => "R3",
            RuleId::R7 => "R7",
            RuleId::R8 => "R8",
            RuleId::R10 => "R10",
            RuleId::R11 => "R11",
            RuleId::R12 => "R12",
            RuleId::R13 => "R13",
            RuleId::R16 => "R16",
            RuleId::R17 => "R17",
        }
    }

    /// Short title.
    pub fn title(self, lang: Lang) -> &'static str {
        match self {
            RuleId::R0 => lang.pick(
                "Chữ ký toàn vẹn, hợp lệ về mật mã",
                "Signature intact and cryptographically valid",
            ),
            RuleId::R1 => lang.pick(
                "Chữ ký số của cơ quan có thẩm quyền",
                "Organisation signature of the competent agency",
            ),
            RuleId::R2 => lang.pick(
                "Chữ ký số cá nhân của người có thẩm quyền",
                "Personal signature of the competent official",
            ),
            RuleId::R3 => lang.pick(
                "Thứ tự ký: cá nhân trước, cơ quan sau cùng",
                "Order: personal first, organisation last",
            ),
            RuleId::R7 => lang.pick(
                "Chuỗi chứng thư đến gốc tin cậy",
                "Chain to the trusted root",
            ),
            RuleId::R8 => lang.pick(
                "Chứng thư còn hiệu lực, không bị thu hồi khi ký",
                "Certificate valid and not revoked when signing",
            ),
            RuleId::R10 => lang.pick(
                "Nhúng dữ liệu kiểm tra hiệu lực (B-LT)",
                "Validation data embedded (B-LT)",
            ),
            RuleId::R11 => lang.pick("Dấu thời gian", "Time-stamp"),
            RuleId::R12 => lang.pick(
                "Thuật toán ký và hàm băm",
                "Signature and digest algorithms",
            ),
            RuleId::R13 => lang.pick("Định dạng và mức PAdES", "PAdES format and level"),
            RuleId::R16 => lang.pick(
                "Hồ sơ điện tử đầy đủ, ký số đúng quy định",
                "Electronic dossier complete and signed as required",
            ),
            RuleId::R17 => lang.pick(
                "Bản quét hồ sơ giấy do công chức một cửa ký số cá nhân",
                "Paper scans signed by a one-stop official personally",
            ),
        }
    }

    /// The legal source.
    pub fn source(self, lang: Lang) -> &'static str {
        match self {
            RuleId::R0 => lang.pick(
                "Luật Giao dịch điện tử số 20/2023/QH15, Điều 22 khoản 3",
                "Law on E-Transactions 20/2023/QH15, Art. 22(3)",
            ),
            RuleId::R1 => lang.pick(
                "Nghị định 45/2020/NĐ-CP, Điều 14 khoản 3; Nghị định 30/2020/NĐ-CP, Điều 5; Thông tư 41/2017/TT-BTTTT, Điều 6 khoản 2 điểm b",
                "Decree 45/2020/NĐ-CP Art. 14(3); Decree 30/2020/NĐ-CP Art. 5; Circular 41/2017/TT-BTTTT Art. 6(2)(b)",
            ),
            RuleId::R2 => lang.pick("Nghị định 30/2020/NĐ-CP, Điều 5 khoản 1", "Decree 30/2020/NĐ-CP Art. 5(1)"),
            RuleId::R3 => lang.pick(
                "Suy ra từ Nghị định 30/2020/NĐ-CP, Phụ lục I và Thông tư 41/2017/TT-BTTTT, Điều 6 khoản 2 điểm b",
                "Inferred from Decree 30/2020/NĐ-CP Appendix I and Circular 41/2017/TT-BTTTT Art. 6(2)(b)",
            ),
            RuleId::R7 => lang.pick(
                "Luật Giao dịch điện tử số 20/2023/QH15, Điều 22 khoản 3 điểm đ; Thông tư 15/2025/TT-BKHCN, Điều 5 khoản 2 điểm b; Nghị định 68/2024/NĐ-CP, Điều 29, 32",
                "Law on E-Transactions 20/2023/QH15 Art. 22(3)(đ); Circular 15/2025/TT-BKHCN Art. 5(2)(b); Decree 68/2024/NĐ-CP Arts. 29, 32",
            ),
            RuleId::R8 => lang.pick(
                "Nghị định 23/2025/NĐ-CP, Điều 15; Nghị định 68/2024/NĐ-CP, Điều 29, 31; Thông tư 15/2025/TT-BKHCN, Điều 5",
                "Decree 23/2025/NĐ-CP Art. 15; Decree 68/2024/NĐ-CP Arts. 29, 31; Circular 15/2025/TT-BKHCN Art. 5",
            ),
            RuleId::R10 => lang.pick("Thông tư 41/2017/TT-BTTTT, Điều 9 khoản 1 điểm a", "Circular 41/2017/TT-BTTTT Art. 9(1)(a)"),
            RuleId::R11 => lang.pick(
                "Thông tư 41/2017/TT-BTTTT, Điều 9 khoản 1 điểm a; Nghị định 68/2024/NĐ-CP, Điều 29",
                "Circular 41/2017/TT-BTTTT Art. 9(1)(a); Decree 68/2024/NĐ-CP Art. 29",
            ),
            RuleId::R12 => lang.pick(
                "Thông tư 15/2025/TT-BKHCN, Phụ lục I, mục 1.2–1.3",
                "Circular 15/2025/TT-BKHCN Appendix I, 1.2–1.3",
            ),
            RuleId::R13 => lang.pick(
                "Thông tư 15/2025/TT-BKHCN, Phụ lục I (PAdES được khuyến nghị); yêu cầu của danh mục thủ tục",
                "Circular 15/2025/TT-BKHCN Appendix I (PAdES recommended); the procedure catalog",
            ),
            RuleId::R16 => lang.pick(
                "Nghị định 42/2022/NĐ-CP, Điều 11 khoản 1 điểm a; Nghị định 45/2020/NĐ-CP, Điều 9 khoản 1",
                "Decree 42/2022/NĐ-CP Art. 11(1)(a); Decree 45/2020/NĐ-CP Art. 9(1)",
            ),
            RuleId::R17 => lang.pick(
                "Quy trình nội bộ của tỉnh, ví dụ Quyết định 2031/QĐ-UBND tỉnh Cao Bằng (28/11/2025)",
                "Provincial internal procedures, e.g. Cao Bằng Decision 2031/QĐ-UBND (28/11/2025)",
            ),
        }
    }
}

/// The outcome of one rule on one file or signature.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Status {
    /// The rule is met.
    Passed,
    /// Met, with a remark.
    Warning,
    /// Could not be decided from the facts.
    CannotDecide,
    /// Not met.
    Failed,
}

/// One rule outcome.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outcome {
    /// The rule.
    pub rule: RuleId,
    /// The outcome.
    pub status: Status,
    /// Index of the file in the dossier, if it concerns one.
    pub file: Option<usize>,
    /// Index of the signature in the file's report, if it concerns one.
    pub signature: Option<usize>,
    /// Why.
    pub msg: Msg,
}

/// The overall verdict.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Verdict {
    /// Every rule evaluated passed (warnings allowed), and at least one was evaluated.
    Compliant,
    /// Some rule failed.
    NotCompliant,
    /// No rule failed, but some could not be decided (or none could be evaluated).
    CannotDecide,
}

impl Verdict {
    /// From outcomes: failed beats undecided beats passed. Warnings alone, or no outcome at
    /// all, are undecided: something must have been checked and passed (when in doubt, not
    /// compliant).
    pub fn of(outcomes: &[Outcome]) -> Verdict {
        if outcomes.iter().any(|o| o.status == Status::Failed) {
            Verdict::NotCompliant
        } else if outcomes.iter().any(|o| o.status == Status::CannotDecide)
            || !outcomes.iter().any(|o| o.status == Status::Passed)
        {
            Verdict::CannotDecide
        } else {
            Verdict::Compliant
        }
    }
}

/// The part a signature plays in the procedure.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum SignatureRole {
    /// The competent official's personal signature on a result.
    Official,
    /// The agency's organisation signature on a result.
    Agency,
    /// The signature of a submission component.
    Applicant,
    /// A one-stop official's signature on a scan of paper.
    OneStop,
}

/// What the rules made of one signature.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub(crate) struct SignatureFacts {
    /// Individual or organisation, when the signature has a certificate.
    pub classification: Option<Classification>,
    /// The role it fills, if any.
    pub role: Option<SignatureRole>,
}

/// One file of a dossier with its validation report.
#[derive(Debug, Clone, Copy)]
pub(crate) struct DossierFile<'a> {
    /// The validation report.
    pub report: &'a FileReport,
    /// The submission component it belongs to (its id), if known.
    pub component: Option<&'a str>,
}

/// What the rules need besides the files.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Context<'a> {
    /// The procedure.
    pub procedure: &'a Procedure,
    /// The catalog-wide classification overrides.
    pub catalog_classification: &'a ClassificationOverrides,
    /// Trust profiles by name.
    pub profiles: &'a Profiles,
}

/// Outcomes plus per-signature facts (`facts[file][signature]`).
#[derive(Debug, Clone, Default)]
pub(crate) struct Evaluation {
    /// Every outcome, in evaluation order.
    pub outcomes: Vec<Outcome>,
    /// Classification and role of each signature.
    pub facts: Vec<Vec<SignatureFacts>>,
}

impl Evaluation {
    fn push(
        &mut self,
        rule: RuleId,
        status: Status,
        file: Option<usize>,
        signature: Option<usize>,
        msg: Msg,
    ) {
        self.outcomes.push(Outcome {
            rule,
            status,
            file,
            signature,
            msg,
        });
    }
}

fn is_approval(s: &SignatureReport) -> bool {
    s.kind != crate::report::SignatureKind::DocumentTimestamp
}

/// How a signature is named in messages: its certificate's subject, or its field.
pub(crate) fn signer_label(s: &SignatureReport) -> String {
    match &s.signer {
        Some(c) => c.subject.clone(),
        None => format!("\"{}\"", s.field),
    }
}

fn classify_all(ctx: &Context<'_>, report: &FileReport) -> Vec<SignatureFacts> {
    let overrides = [&ctx.procedure.classification, ctx.catalog_classification];
    report
        .signatures
        .iter()
        .map(|s| SignatureFacts {
            classification: s.signer.as_ref().map(|c| classify_summary(c, &overrides)),
            role: None,
        })
        .collect()
}

fn kind_of(f: &SignatureFacts) -> CertKind {
    f.classification
        .as_ref()
        .map_or(CertKind::Unknown, |c| c.kind)
}

fn basis_of(f: &SignatureFacts) -> Basis {
    f.classification
        .as_ref()
        .map_or(Basis::NoRule, |c| c.basis.clone())
}

/// A file that cannot be read (not a PDF, broken structure): R0 fails for it. Returns whether
/// it was reported.
fn unreadable(ev: &mut Evaluation, fi: usize, report: &FileReport) -> bool {
    if !report.signatures.is_empty() {
        return false;
    }
    if let Some(f) = report
        .findings
        .iter()
        .find(|f| f.status == CheckStatus::Failed)
    {
        ev.push(
            RuleId::R0,
            Status::Failed,
            Some(fi),
            None,
            Msg::Unreadable {
                detail: f.message.clone(),
            },
        );
        return true;
    }
    false
}

// ---------------------------------------------------------------------------------------
// Results.

/// Evaluates the result rules over a result dossier (every file is a result document).
pub(crate) fn evaluate_result(
    ctx: &Context<'_>,
    rules: &ResultRules,
    files: &[DossierFile<'_>],
) -> Evaluation {
    let mut ev = Evaluation::default();
    for (fi, file) in files.iter().enumerate() {
        let mut facts = classify_all(ctx, file.report);
        result_file(ctx, rules, fi, file.report, &mut facts, &mut ev);
        ev.facts.push(facts);
    }
    ev
}

fn result_file(
    ctx: &Context<'_>,
    rules: &ResultRules,
    fi: usize,
    report: &FileReport,
    facts: &mut [SignatureFacts],
    ev: &mut Evaluation,
) {
    let sigs = &report.signatures;
    let is_unreadable = unreadable(ev, fi, report);
    let approvals: Vec<usize> = (0..sigs.len()).filter(|&i| is_approval(&sigs[i])).collect();
    let agency = &ctx.procedure.agency;
    let wants_agency = rules.signatures.contains(&RequiredSignature::Agency);
    let wants_official = rules.signatures.contains(&RequiredSignature::Official);

    // Which signatures fill the agency and official roles.
    let agency_match = |i: usize| {
        kind_of(&facts[i]) == CertKind::Organisation
            && sigs[i].signer.as_ref().is_some_and(|c| {
                rules.agency_patterns.is_empty() || rules.agency_patterns.matches(&c.subject)
            })
    };
    let official_match = |i: usize| {
        kind_of(&facts[i]) == CertKind::Individual
            && sigs[i].signer.as_ref().is_some_and(|c| {
                rules.official_patterns.is_empty() || rules.official_patterns.matches(&c.subject)
            })
    };
    let agency_sig = approvals.iter().copied().rfind(|&i| agency_match(i));
    let official_sigs: Vec<usize> = approvals
        .iter()
        .copied()
        .filter(|&i| official_match(i))
        .collect();
    // The official signature that counts: the last one before the agency's, else the first.
    let official_sig = match agency_sig {
        Some(a) => official_sigs
            .iter()
            .copied()
            .rfind(|&i| i < a)
            .or(official_sigs.first().copied()),
        None => official_sigs.first().copied(),
    };

    // R1.
    if wants_agency && !is_unreadable {
        match agency_sig {
            Some(i) => {
                facts[i].role = Some(SignatureRole::Agency);
                ev.push(
                    RuleId::R1,
                    Status::Passed,
                    Some(fi),
                    Some(i),
                    Msg::AgencySigned {
                        subject: signer_label(&sigs[i]),
                    },
                );
            }
            None => {
                let orgs: Vec<usize> = approvals
                    .iter()
                    .copied()
                    .filter(|&i| kind_of(&facts[i]) == CertKind::Organisation)
                    .collect();
                let unknown: Vec<usize> = approvals
                    .iter()
                    .copied()
                    .filter(|&i| {
                        kind_of(&facts[i]) == CertKind::Unknown
                            && (rules.agency_patterns.is_empty()
                                || sigs[i]
                                    .signer
                                    .as_ref()
                                    .is_some_and(|c| rules.agency_patterns.matches(&c.subject)))
                    })
                    .collect();
                if let Some(&i) = orgs.first() {
                    ev.push(
                        RuleId::R1,
                        Status::Failed,
                        Some(fi),
                        Some(i),
                        Msg::OrganisationNotCompetent {
                            subject: signer_label(&sigs[i]),
                            agency: agency.clone(),
                        },
                    );
                } else if let Some(&i) = unknown.first() {
                    ev.push(
                        RuleId::R1,
                        Status::CannotDecide,
                        Some(fi),
                        Some(i),
                        Msg::KindUnknown {
                            subject: signer_label(&sigs[i]),
                            basis: basis_of(&facts[i]),
                        },
                    );
                } else {
                    let msg = if approvals.is_empty() {
                        Msg::NoSignature
                    } else {
                        Msg::NoOrganisationSignature
                    };
                    ev.push(RuleId::R1, Status::Failed, Some(fi), None, msg);
                }
            }
        }
    }

    // R2.
    if wants_official && !is_unreadable {
        match official_sig {
            Some(i) => {
                facts[i].role = Some(SignatureRole::Official);
                ev.push(
                    RuleId::R2,
                    Status::Passed,
                    Some(fi),
                    Some(i),
                    Msg::OfficialSigned {
                        subject: signer_label(&sigs[i]),
                    },
                );
            }
            None => {
                let people: Vec<usize> = approvals
                    .iter()
                    .copied()
                    .filter(|&i| kind_of(&facts[i]) == CertKind::Individual)
                    .collect();
                let unknown: Vec<usize> = approvals
                    .iter()
                    .copied()
                    .filter(|&i| Some(i) != agency_sig && kind_of(&facts[i]) == CertKind::Unknown)
                    .collect();
                if let Some(&i) = people.first() {
                    ev.push(
                        RuleId::R2,
                        Status::Failed,
                        Some(fi),
                        Some(i),
                        Msg::PersonNotOfficial {
                            subject: signer_label(&sigs[i]),
                            agency: agency.clone(),
                        },
                    );
                } else if let Some(&i) = unknown.first() {
                    ev.push(
                        RuleId::R2,
                        Status::CannotDecide,
                        Some(fi),
                        Some(i),
                        Msg::KindUnknown {
                            subject: signer_label(&sigs[i]),
                            basis: basis_of(&facts[i]),
                        },
                    );
                } else {
                    let msg = if approvals.is_empty() {
                        Msg::NoSignature
                    } else {
                        Msg::NoPersonalSignature
                    };
                    ev.push(RuleId::R2, Status::Failed, Some(fi), None, msg);
                }
            }
        }
    }

    // R3: only when the organisation signature is there.
    if let Some(a) = agency_sig.filter(|_| wants_agency) {
        let mut ok = true;
        if let Some(o) = official_sig.filter(|_| wants_official) {
            if o > a {
                ok = false;
                ev.push(
                    RuleId::R3,
                    Status::Failed,
                    Some(fi),
                    Some(o),
                    Msg::OfficialAfterAgency {
                        subject: signer_label(&sigs[o]),
                    },
                );
            }
        }
        for &i in approvals.iter().filter(|&&i| i > a) {
            if Some(i) == official_sig && wants_official {
                continue; // reported above
            }
            ok = false;
            ev.push(
                RuleId::R3,
                Status::Failed,
                Some(fi),
                Some(i),
                Msg::SignedAfterAgency {
                    subject: signer_label(&sigs[i]),
                },
            );
        }
        if ok {
            // Updates after the organisation signature that no later signature explains.
            let later_sigs = sigs.len() > a + 1;
            let unexplained: Vec<&str> = sigs[a]
                .changes
                .iter()
                .filter(|c| c.allowed && !later_sigs && !is_ltv_change(&c.description))
                .map(|c| c.description.as_str())
                .collect();
            if let Some(d) = unexplained.first() {
                ev.push(
                    RuleId::R3,
                    Status::Warning,
                    Some(fi),
                    Some(a),
                    Msg::ChangedAfterAgency {
                        description: (*d).to_string(),
                    },
                );
            } else {
                ev.push(RuleId::R3, Status::Passed, Some(fi), Some(a), Msg::OrderOk);
            }
        }
    }

    // Per-signature rules.
    for &i in &approvals {
        let s = &sigs[i];
        r0(ev, fi, i, s);
        match facts[i].role {
            Some(_) => {
                r7(ev, ctx.profiles, &rules.trust_profiles, fi, i, s);
                r8(ev, fi, i, s);
                if rules.validation_data {
                    r10(ev, fi, i, s);
                }
                if rules.timestamp {
                    r11(ev, fi, i, s);
                }
                r12(ev, &rules.algorithms, fi, i, s);
                if let Some(min) = rules.min_level {
                    r13(ev, min, fi, i, s);
                }
            }
            None => {
                ev.push(
                    RuleId::R3,
                    Status::Warning,
                    Some(fi),
                    Some(i),
                    Msg::ExtraSignature {
                        subject: signer_label(s),
                    },
                );
            }
        }
    }
}

/// Whether a change description is about validation data or time-stamps (allowed after the
/// organisation signature).
fn is_ltv_change(description: &str) -> bool {
    let d = description.to_ascii_lowercase();
    ["dss", "time-stamp", "timestamp", "validation data", "vri"]
        .iter()
        .any(|k| d.contains(k))
}

// ---------------------------------------------------------------------------------------
// Submissions.

/// The component a file belongs to, from its name: the component whose id the file name
/// starts with (case-insensitive), followed by the end of the name, `.`, `-` or `_`; the
/// longest such id wins.
pub(crate) fn component_for_file<'a>(procedure: &'a Procedure, file_name: &str) -> Option<&'a Component> {
    let base = file_name
        .rsplit(['/', '\\'])
        .next()
        .unwrap_or(file_name)
        .to_lowercase();
    procedure
        .components
        .iter()
        .filter(|c| {
            let id = c.id.to_lowercase();
            base.strip_prefix(&id)
                .is_some_and(|rest| rest.is_empty() || rest.starts_with(['.', '-', '_']))
        })
        .max_by_key(|c| c.id.len())
}

/// Evaluates a submission dossier: every component present and signed as the catalog says
/// (R16), scans signed by a one-stop official (R17), and the signature rules for the
/// signatures that count.
pub(crate) fn evaluate_submission(ctx: &Context<'_>, files: &[DossierFile<'_>]) -> Evaluation {
    let mut ev = Evaluation::default();
    let proc = ctx.procedure;
    let mut facts: Vec<Vec<SignatureFacts>> =
        files.iter().map(|f| classify_all(ctx, f.report)).collect();
    // Files that are no component.
    for (fi, f) in files.iter().enumerate() {
        let known = f
            .component
            .is_some_and(|c| proc.components.iter().any(|k| k.id == c));
        if !known {
            ev.push(
                RuleId::R16,
                Status::Warning,
                Some(fi),
                None,
                Msg::ExtraFile {
                    file: f.report.file.clone(),
                },
            );
        }
    }
    let default_algorithms = Algorithms::default();
    for comp in &proc.components {
        let mine: Vec<usize> = (0..files.len())
            .filter(|&fi| files[fi].component == Some(comp.id.as_str()))
            .collect();
        let rule = if comp.origin == Origin::PaperScan {
            RuleId::R17
        } else {
            RuleId::R16
        };
        if mine.is_empty() {
            if comp.required {
                if proc.paper_accepted && comp.origin == Origin::Electronic {
                    ev.push(
                        RuleId::R16,
                        Status::Warning,
                        None,
                        None,
                        Msg::ComponentOnPaper {
                            component: comp.name.clone(),
                        },
                    );
                } else {
                    ev.push(
                        RuleId::R16,
                        Status::Failed,
                        None,
                        None,
                        Msg::ComponentMissing {
                            component: comp.name.clone(),
                        },
                    );
                }
            }
            continue;
        }
        for fi in mine {
            let report = files[fi].report;
            let ff = &mut facts[fi];
            if unreadable(&mut ev, fi, report) {
                continue;
            }
            if !comp.signed {
                ev.push(
                    rule,
                    Status::Passed,
                    Some(fi),
                    None,
                    Msg::ComponentPresent {
                        component: comp.name.clone(),
                        subject: None,
                    },
                );
                for i in
                    (0..report.signatures.len()).filter(|&i| is_approval(&report.signatures[i]))
                {
                    r0(&mut ev, fi, i, &report.signatures[i]);
                }
                continue;
            }
            let approvals: Vec<usize> = (0..report.signatures.len())
                .filter(|&i| is_approval(&report.signatures[i]))
                .collect();
            if approvals.is_empty() {
                ev.push(
                    rule,
                    Status::Failed,
                    Some(fi),
                    None,
                    Msg::ComponentNotSigned {
                        component: comp.name.clone(),
                    },
                );
                continue;
            }
            let fits = |i: usize, ff: &[SignatureFacts]| -> bool {
                let k = kind_of(&ff[i]);
                match comp.origin {
                    Origin::PaperScan => {
                        k == CertKind::Individual
                            && (proc.one_stop_patterns.is_empty()
                                || report.signatures[i]
                                    .signer
                                    .as_ref()
                                    .is_some_and(|c| proc.one_stop_patterns.matches(&c.subject)))
                    }
                    Origin::Electronic => match comp.signer {
                        SignerKind::Any => report.signatures[i].signer.is_some(),
                        SignerKind::Individual => k == CertKind::Individual,
                        SignerKind::Organisation => k == CertKind::Organisation,
                    },
                }
            };
            let chosen = approvals.iter().copied().find(|&i| fits(i, ff));
            match chosen {
                Some(i) => {
                    let s = &report.signatures[i];
                    ff[i].role = Some(if comp.origin == Origin::PaperScan {
                        SignatureRole::OneStop
                    } else {
                        SignatureRole::Applicant
                    });
                    let msg = if comp.origin == Origin::PaperScan {
                        Msg::ScanSignedByOneStop {
                            component: comp.name.clone(),
                            subject: signer_label(s),
                        }
                    } else {
                        Msg::ComponentPresent {
                            component: comp.name.clone(),
                            subject: Some(signer_label(s)),
                        }
                    };
                    ev.push(rule, Status::Passed, Some(fi), Some(i), msg);
                }
                None => {
                    let unknown = approvals
                        .iter()
                        .copied()
                        .find(|&i| kind_of(&ff[i]) == CertKind::Unknown);
                    let first = approvals[0];
                    let s = &report.signatures[first];
                    match (comp.origin, unknown) {
                        (_, Some(u))
                            if comp.signer != SignerKind::Any
                                || comp.origin == Origin::PaperScan =>
                        {
                            ev.push(
                                rule,
                                Status::CannotDecide,
                                Some(fi),
                                Some(u),
                                Msg::KindUnknown {
                                    subject: signer_label(&report.signatures[u]),
                                    basis: basis_of(&ff[u]),
                                },
                            )
                        }
                        (Origin::PaperScan, _) => ev.push(
                            rule,
                            Status::Failed,
                            Some(fi),
                            Some(first),
                            Msg::ScanNotSignedByOneStop {
                                component: comp.name.clone(),
                                subject: signer_label(s),
                            },
                        ),
                        (Origin::Electronic, _) => ev.push(
                            rule,
                            Status::Failed,
                            Some(fi),
                            Some(first),
                            Msg::ComponentWrongSigner {
                                component: comp.name.clone(),
                                expected: comp.signer,
                                subject: signer_label(s),
                                actual: kind_of(&ff[first]),
                            },
                        ),
                    }
                }
            }
            for &i in &approvals {
                let s = &report.signatures[i];
                r0(&mut ev, fi, i, s);
                if Some(i) == chosen {
                    r7(&mut ev, ctx.profiles, &comp.trust_profiles, fi, i, s);
                    r8(&mut ev, fi, i, s);
                    r12(&mut ev, &default_algorithms, fi, i, s);
                    if let Some(min) = comp.min_level {
                        r13(&mut ev, min, fi, i, s);
                    }
                }
            }
        }
    }
    ev.facts = facts;
    ev
}

// ---------------------------------------------------------------------------------------
// Per-signature rules.

/// Checks that belong to other rules than R0.
const NOT_R0: &[CheckId] = &[
    CheckId::CertificateChain,
    CheckId::ValidityPeriod,
    CheckId::Revocation,
    CheckId::Algorithms,
];

fn detail(s: &SignatureReport, ids: &[CheckId], want: &[CheckStatus]) -> Option<String> {
    s.checks
        .iter()
        .find(|c| ids.contains(&c.id) && want.contains(&c.status))
        .map(|c| c.message.clone())
}

fn sub_str(s: Option<SubIndication>) -> String {
    match s.and_then(|s| serde_json::to_value(s).ok()) {
        Some(serde_json::Value::String(v)) => v,
        _ => String::new(),
    }
}

/// R0: every check except chain, validity/revocation and algorithms.
fn r0(ev: &mut Evaluation, fi: usize, i: usize, s: &SignatureReport) {
    let own = |c: &&crate::report::Check| !NOT_R0.contains(&c.id);
    let failed = s
        .checks
        .iter()
        .filter(own)
        .find(|c| c.status == CheckStatus::Failed);
    let undecided = s
        .checks
        .iter()
        .filter(own)
        .find(|c| matches!(c.status, CheckStatus::Indeterminate | CheckStatus::NotRun));
    let passed = s
        .checks
        .iter()
        .filter(own)
        .any(|c| c.status == CheckStatus::Passed);
    let (status, msg) = if let Some(c) = failed {
        (
            Status::Failed,
            Msg::IntegrityFailed {
                detail: c.message.clone(),
            },
        )
    } else if let Some(c) = undecided {
        (
            Status::CannotDecide,
            Msg::IntegrityUndecided {
                detail: c.message.clone(),
            },
        )
    } else if s.indication == Indication::TotalFailed && !is_other_rules_sub(s.sub_indication) {
        (
            Status::Failed,
            Msg::IntegrityFailed {
                detail: sub_str(s.sub_indication),
            },
        )
    } else if passed {
        (Status::Passed, Msg::IntegrityOk)
    } else {
        (
            Status::CannotDecide,
            Msg::IntegrityUndecided {
                detail: sub_str(s.sub_indication),
            },
        )
    };
    ev.push(RuleId::R0, status, Some(fi), Some(i), msg);
}

fn is_other_rules_sub(s: Option<SubIndication>) -> bool {
    use SubIndication as S;
    matches!(
        s,
        Some(
            S::Revoked
                | S::Expired
                | S::NotYetValid
                | S::ChainConstraintsFailure
                | S::CertificateChainGeneralFailure
                | S::CryptoConstraintsFailure
                | S::CryptoConstraintsFailureNoPoe
                | S::NoCertificateChainFound
                | S::RevokedNoPoe
                | S::RevokedCaNoPoe
                | S::OutOfBoundsNoPoe
                | S::OutOfBoundsNotRevoked
                | S::TryLater
                | S::NoPoe
        )
    )
}

/// R7: the chain's anchor (last of `chain_sha256`) is an anchor of an accepted profile.
fn r7(
    ev: &mut Evaluation,
    profiles: &Profiles,
    accepted: &[String],
    fi: usize,
    i: usize,
    s: &SignatureReport,
) {
    let expected = accepted.to_vec();
    let (status, msg) = match s.chain_sha256.last() {
        Some(fp) => {
            let want = normalize_fingerprint(fp);
            let hit = accepted
                .iter()
                .find(|p| profiles.get(p).is_some_and(|t| t.has_anchor(&want)));
            match hit {
                Some(p) => (Status::Passed, Msg::ChainsTo { profile: p.clone() }),
                None => match profiles.profiles_with_anchor(&want).first() {
                    Some(other) => (
                        Status::Failed,
                        Msg::ChainsToOtherProfile {
                            profile: (*other).to_string(),
                            expected,
                        },
                    ),
                    None => (
                        Status::Failed,
                        Msg::ChainsToUnknownAnchor {
                            anchor: s.chain.last().cloned().unwrap_or_else(|| fp.clone()),
                            expected,
                        },
                    ),
                },
            }
        }
        None => {
            use SubIndication as S;
            let d = detail(
                s,
                &[CheckId::CertificateChain],
                &[CheckStatus::Failed, CheckStatus::Indeterminate],
            )
            .unwrap_or_else(|| sub_str(s.sub_indication));
            match s.sub_indication {
                _ if s.signer.is_none() => {
                    (Status::CannotDecide, Msg::ChainUndecided { detail: d })
                }
                Some(
                    S::NoCertificateChainFound
                    | S::CertificateChainGeneralFailure
                    | S::ChainConstraintsFailure,
                ) => (
                    Status::Failed,
                    Msg::NoChain {
                        expected,
                        detail: d,
                    },
                ),
                _ if detail(s, &[CheckId::CertificateChain], &[CheckStatus::Failed]).is_some() => (
                    Status::Failed,
                    Msg::NoChain {
                        expected,
                        detail: d,
                    },
                ),
                _ => (Status::CannotDecide, Msg::ChainUndecided { detail: d }),
            }
        }
    };
    ev.push(RuleId::R7, status, Some(fi), Some(i), msg);
}

/// R8: the signature's indication for validity and revocation at the (proven) signing time.
fn r8(ev: &mut Evaluation, fi: usize, i: usize, s: &SignatureReport) {
    use SubIndication as S;
    let ids = [CheckId::ValidityPeriod, CheckId::Revocation];
    let d = |fallback: String| {
        detail(
            s,
            &ids,
            &[
                CheckStatus::Failed,
                CheckStatus::Indeterminate,
                CheckStatus::NotRun,
            ],
        )
        .unwrap_or(fallback)
    };
    let (status, msg) = match s.sub_indication {
        Some(S::Revoked | S::Expired | S::NotYetValid) => (
            Status::Failed,
            Msg::CertificateInvalid {
                detail: d(sub_str(s.sub_indication)),
            },
        ),
        Some(
            S::RevokedNoPoe
            | S::RevokedCaNoPoe
            | S::OutOfBoundsNoPoe
            | S::OutOfBoundsNotRevoked
            | S::TryLater
            | S::NoPoe,
        ) => (
            Status::CannotDecide,
            Msg::CertificateUndecided {
                detail: d(sub_str(s.sub_indication)),
            },
        ),
        _ => {
            let checks: Vec<_> = s.checks.iter().filter(|c| ids.contains(&c.id)).collect();
            if let Some(c) = checks.iter().find(|c| c.status == CheckStatus::Failed) {
                (
                    Status::Failed,
                    Msg::CertificateInvalid {
                        detail: c.message.clone(),
                    },
                )
            } else if let Some(c) = checks
                .iter()
                .find(|c| c.status != CheckStatus::Passed && c.status != CheckStatus::Warning)
            {
                (
                    Status::CannotDecide,
                    Msg::CertificateUndecided {
                        detail: c.message.clone(),
                    },
                )
            } else if !checks.is_empty() || s.indication == Indication::TotalPassed {
                let (at, proven) = match (&s.proven_signing_time, &s.claimed_signing_time) {
                    (Some(t), _) => (t.clone(), true),
                    (None, Some(t)) => (t.clone(), false),
                    (None, None) => (String::new(), false),
                };
                (Status::Passed, Msg::CertificateValid { at, proven })
            } else {
                (
                    Status::CannotDecide,
                    Msg::CertificateUndecided {
                        detail: sub_str(s.sub_indication),
                    },
                )
            }
        }
    };
    ev.push(RuleId::R8, status, Some(fi), Some(i), msg);
}

/// R10: B-LT or better.
fn r10(ev: &mut Evaluation, fi: usize, i: usize, s: &SignatureReport) {
    let level = s.pades_level.map_or("-", PadesLevel::as_str);
    let ok = s.pades_level >= Some(PadesLevel::BLT);
    let (status, msg) = if ok {
        (
            Status::Passed,
            Msg::ValidationDataEmbedded {
                level: level.into(),
            },
        )
    } else {
        (
            Status::Failed,
            Msg::NoValidationData {
                level: level.into(),
            },
        )
    };
    ev.push(RuleId::R10, status, Some(fi), Some(i), msg);
}

/// R11: a signature time-stamp.
fn r11(ev: &mut Evaluation, fi: usize, i: usize, s: &SignatureReport) {
    let (status, msg) = if s.timestamped {
        (Status::Passed, Msg::Timestamped)
    } else {
        (Status::Failed, Msg::NoTimestamp)
    };
    ev.push(RuleId::R11, status, Some(fi), Some(i), msg);
}

/// R13: PAdES at the minimum level.
fn r13(ev: &mut Evaluation, required: PadesLevel, fi: usize, i: usize, s: &SignatureReport) {
    let (status, msg) = match s.pades_level {
        None => (
            Status::Failed,
            Msg::NotPades {
                required: required.as_str().into(),
            },
        ),
        Some(l) if l >= required => (
            Status::Passed,
            Msg::LevelOk {
                level: l.as_str().into(),
                required: required.as_str().into(),
            },
        ),
        Some(l) => (
            Status::Failed,
            Msg::LevelTooLow {
                level: l.as_str().into(),
                required: required.as_str().into(),
            },
        ),
    };
    ev.push(RuleId::R13, status, Some(fi), Some(i), msg);
}

/// Normalises a digest name for comparison: `sha-256` → `SHA256`, `SHA3-256` → `SHA3256`.
fn norm_digest(s: &str) -> String {
    s.chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .map(|c| c.to_ascii_uppercase())
        .collect()
}

/// R12: digest, signature scheme and key.
fn r12(ev: &mut Evaluation, a: &Algorithms, fi: usize, i: usize, s: &SignatureReport) {
    let mut problems: Vec<(Status, Msg)> = Vec::new();
    let accepted = |d: &str| a.digests.iter().any(|x| norm_digest(x) == norm_digest(d));
    match &s.digest_algorithm {
        Some(d) if !accepted(d) => {
            problems.push((Status::Failed, Msg::DigestNotAccepted { digest: d.clone() }))
        }
        Some(_) => {}
        None => problems.push((Status::CannotDecide, Msg::AlgorithmUnknown)),
    }
    let scheme = s.signature_algorithm.clone().unwrap_or_default();
    // The digest named inside the signature algorithm ("… with SHA-1").
    if let Some((_, d)) = scheme.split_once(" with ") {
        let d = d.split([' ', '(']).next().unwrap_or("");
        if !d.is_empty()
            && !accepted(d)
            && s.digest_algorithm
                .as_deref()
                .is_none_or(|x| norm_digest(x) != norm_digest(d))
        {
            problems.push((
                Status::Failed,
                Msg::DigestNotAccepted {
                    digest: d.to_string(),
                },
            ));
        }
    }
    if let Some(c) = &s.signer {
        let alg = c.key.algorithm.as_str();
        let key_name = if alg == "EC" { "EC" } else { alg };
        if !a
            .key_algorithms
            .iter()
            .any(|k| k.eq_ignore_ascii_case(key_name))
        {
            problems.push((
                Status::Failed,
                Msg::KeyAlgorithmNotAccepted {
                    algorithm: alg.to_string(),
                },
            ));
        } else if alg == "RSA" && c.key.bits < a.min_rsa_bits {
            problems.push((
                Status::Failed,
                Msg::KeyTooShort {
                    algorithm: "RSA".into(),
                    bits: c.key.bits,
                    min: a.min_rsa_bits,
                },
            ));
        } else if alg == "EC" && c.key.bits < a.min_ec_bits {
            problems.push((
                Status::Failed,
                Msg::KeyTooShort {
                    algorithm: "ECDSA".into(),
                    bits: c.key.bits,
                    min: a.min_ec_bits,
                },
            ));
        }
    } else {
        problems.push((Status::CannotDecide, Msg::AlgorithmUnknown));
    }
    if let Some(c) = s
        .checks
        .iter()
        .find(|c| c.id == CheckId::Algorithms && c.status == CheckStatus::Failed)
    {
        problems.push((
            Status::Failed,
            Msg::ValidatorAlgorithms {
                detail: c.message.clone(),
            },
        ));
    }
    let upper = scheme.to_ascii_uppercase();
    let pkcs1 = upper.starts_with("RSA") && !upper.contains("PSS");
    if pkcs1 {
        match a.rsa_pkcs1v15 {
            Pkcs1Policy::Accept => {}
            Pkcs1Policy::Warn => problems.push((
                Status::Warning,
                Msg::Pkcs1v15 {
                    description: scheme.clone(),
                },
            )),
            Pkcs1Policy::Reject => problems.push((
                Status::Failed,
                Msg::Pkcs1v15 {
                    description: scheme.clone(),
                },
            )),
        }
    }
    if problems.is_empty() {
        let key = s
            .signer
            .as_ref()
            .map(|c| format!("{} {}", c.key.algorithm, c.key.bits))
            .unwrap_or_default();
        let description = format!("{scheme}, {key}")
            .trim_matches([',', ' '])
            .to_string();
        problems.push((Status::Passed, Msg::AlgorithmsOk { description }));
    }
    // Deduplicate the same message.
    let mut seen = Vec::new();
    for (st, m) in problems {
        if !seen.contains(&m) {
            seen.push(m.clone());
            ev.push(RuleId::R12, st, Some(fi), Some(i), m);
        }
    }
}

#[cfg(test)]
mod tests;

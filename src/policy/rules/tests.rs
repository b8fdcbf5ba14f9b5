//! Rule tests over synthetic validation reports (no PDF, no cryptography): each builds the
//! facts a validator would report and checks the verdict and the failed rules.

use crate::report::FindingId;
use crate::report::CheckId;
use super::*;
use crate::crypto::KeyInfo;
use crate::pki::VnIdentifier;
use crate::policy::catalog::Catalog;
use crate::policy::profiles::{
    VNPT_CA_SHA2_SHA256, VN_GOV_CA_G2_SHA256, VN_GOV_ROOT_G2_SHA256, VN_NATIONAL_ROOT_SHA256,
};
use crate::policy::{Policy, PolicyReport, Role};
use crate::report::{CertificateSummary, Change, Check, Finding};

const CATALOG: &str = r#"
[catalog]
title = "Danh mục kiểm thử"

[[procedure]]
code = "1.000001"
name = "Cấp giấy phép thử nghiệm"
agency = "Sở Tư pháp tỉnh Vĩnh Long"
mode = "toan-trinh"

[[procedure.component]]
id = "don"
name = "Đơn đề nghị"
signer = "individual"
trust_profiles = ["vn-public"]
min_level = "B-B"

[[procedure.component]]
id = "giay-phep-kd"
name = "Giấy chứng nhận đăng ký doanh nghiệp"
signer = "organisation"

[[procedure.component]]
id = "anh"
name = "Ảnh chân dung"
required = false
signed = false

[procedure.result]
signatures = ["official", "agency"]
agency_patterns = ['(?i)^CN=SỞ TƯ PHÁP\b.*VĨNH LONG']
official_patterns = ['(?i)OU=Sở Tư pháp\b.*Vĩnh Long']
trust_profiles = ["vn-gov"]
min_level = "B-B"

[[procedure]]
code = "1.000002.H62"
name = "Thông báo có dấu thời gian"
agency = "Sở Tư pháp tỉnh Vĩnh Long"
mode = "toan-trinh"

[procedure.result]
signatures = ["agency"]
agency_patterns = ['(?i)^CN=SỞ TƯ PHÁP\b.*VĨNH LONG']
timestamp = true
validation_data = true

[procedure.result.algorithms]
rsa_pkcs1v15 = "reject"

[[procedure]]
code = "1.000003"
name = "Thủ tục một phần"
agency = "Sở Tư pháp tỉnh Vĩnh Long"
mode = "mot-phan"
paper_accepted = true
one_stop_patterns = ['(?i)OU=Trung tâm Phục vụ hành chính công']

[[procedure.component]]
id = "to-khai"
name = "Tờ khai"
signer = "any"

[[procedure.component]]
id = "ban-quet"
name = "Bản quét giấy tờ"
origin = "paper-scan"
trust_profiles = ["vn-gov"]
"#;

fn policy() -> Policy {
    Policy::new(
        Catalog::from_toml(CATALOG, "test").unwrap(),
        crate::policy::Profiles::bundled(),
    )
}

const OFFICIAL: &str = "CN=Nguyễn Văn An, T=Giám đốc, OU=Sở Tư pháp, O=Ủy ban nhân dân tỉnh Vĩnh Long, L=Vĩnh Long, C=VN";
const AGENCY: &str = "CN=SỞ TƯ PHÁP, O=ỦY BAN NHÂN DÂN TỈNH VĨNH LONG, L=Vĩnh Long, C=VN";
const OTHER_AGENCY: &str = "CN=SỞ TƯ PHÁP, O=ỦY BAN NHÂN DÂN TỈNH TRÀ VINH, L=Trà Vinh, C=VN";
const OTHER_OFFICIAL: &str =
    "CN=Trần Thị Bình, OU=Sở Tài chính, O=Ủy ban nhân dân tỉnh Vĩnh Long, L=Vĩnh Long, C=VN";
const CITIZEN: &str = "CN=Lê Văn Cường, UID=CCCD:079190000001, L=Cần Thơ, C=VN";
const COMPANY: &str = "CN=CÔNG TY TNHH PHẦN MỀM MÊ KÔNG, UID=MST:1500123456, L=Vĩnh Long, C=VN";
const ONE_STOP: &str =
    "CN=Phạm Thu Hà, OU=Trung tâm Phục vụ hành chính công, O=Ủy ban nhân dân tỉnh Vĩnh Long, C=VN";

#[derive(Clone, Copy)]
enum Root {
    Gov,
    Public,
}

fn cn_of(subject: &str) -> Option<String> {
    crate::policy::classify::parse_subject(subject)
        .into_iter()
        .find(|(k, _)| k == "CN")
        .map(|(_, v)| v)
}

fn ids_of(subject: &str) -> Vec<VnIdentifier> {
    crate::policy::classify::parse_subject(subject)
        .into_iter()
        .filter(|(k, _)| k == "UID")
        .filter_map(|(_, v)| {
            v.split_once(':').map(|(k, v)| VnIdentifier {
                kind: k.into(),
                value: v.into(),
            })
        })
        .collect()
}

fn check(id: &'static str) -> Check {
    Check {
        id: crate::report::CheckId::parse(id).unwrap(),
        status: CheckStatus::Passed,
        message: format!("{id} ok"),
        sub_indication: None,
    }
}

/// A valid PAdES B-B signature by `subject`, chaining to `root`.
fn sig(subject: &str, root: Root) -> SignatureReport {
    let (anchor, inter, anchor_name) = match root {
        Root::Gov => (
            VN_GOV_ROOT_G2_SHA256,
            VN_GOV_CA_G2_SHA256,
            "CN=RootCA chuyên dùng Chính phủ G2, O=Ban Cơ yếu Chính phủ, C=VN",
        ),
        Root::Public => (
            VN_NATIONAL_ROOT_SHA256,
            VNPT_CA_SHA2_SHA256,
            "CN=Vietnam National Root CA, C=VN",
        ),
    };
    SignatureReport {
        field: "Signature1".into(),
        object: Some("10 0".into()),
        kind: crate::SignatureKind::Approval,
        indication: Indication::TotalPassed,
        sub_indication: None,
        sub_filter: Some("ETSI.CAdES.detached".into()),
        signer: Some(CertificateSummary {
            subject: subject.into(),
            common_name: cn_of(subject),
            organization: None,
            identifiers: ids_of(subject),
            issuer: "CN=issuer".into(),
            serial: "01".into(),
            not_before: "2025-01-01T00:00:00Z".into(),
            not_after: "2027-01-01T00:00:00Z".into(),
            sha256: "AA".into(),
            key: KeyInfo {
                algorithm: "RSA".into(),
                bits: 2048,
                curve: None,
            },
        }),
        chain: vec![subject.into(), "CN=intermediate".into(), anchor_name.into()],
        chain_sha256: vec!["AA:BB".into(), inter.into(), anchor.into()],
        pades_level: Some(crate::PadesLevel::BB),
        timestamped: false,
        claimed_signing_time: Some("2025-06-01T08:00:00Z".into()),
        proven_signing_time: None,
        digest_algorithm: Some("SHA-256".into()),
        signature_algorithm: Some("RSA-PSS with SHA-256".into()),
        reason: None,
        location: None,
        contact_info: None,
        name: None,
        docmdp_level: None,
        coverage: None,
        changes: Vec::new(),
        rendering: None,
        checks: [
            "signature-dictionary",
            "coverage",
            "message-digest",
            "signature-value",
            "certificate-chain",
            "validity-period",
            "algorithms",
            "modifications",
        ]
        .into_iter()
        .map(check)
        .collect(),
    }
}

fn file(name: &str, sigs: Vec<SignatureReport>) -> FileReport {
    let mut sigs = sigs;
    for (i, s) in sigs.iter_mut().enumerate() {
        s.field = format!("Signature{}", i + 1);
    }
    let mut r = FileReport {
        schema_version: 1,
        file: name.into(),
        valid: false,
        indication: Indication::Indeterminate,
        sub_indication: None,
        summary: String::new(),
        validation_time: "2025-06-02T00:00:00Z".into(),
        revisions: sigs.len() + 1,
        revocation_policy: crate::RevocationPolicy::SoftFail,
        offline: true,
        signatures: sigs,
        findings: Vec::new(),
    };
    r.conclude();
    r
}

fn result(code: &str, sigs: Vec<SignatureReport>) -> PolicyReport {
    policy()
        .evaluate(code, Role::Result, &[(file("ket-qua.pdf", sigs), None)])
        .unwrap()
}

fn submission(code: &str, files: Vec<(&str, Vec<SignatureReport>)>) -> PolicyReport {
    let p = policy();
    let proc = p.catalog().procedure(code).unwrap();
    let reports: Vec<(FileReport, Option<String>)> = files
        .into_iter()
        .map(|(n, s)| {
            (
                file(n, s),
                component_for_file(proc, n).map(|c| c.id.clone()),
            )
        })
        .collect();
    p.evaluate(code, Role::Submission, &reports).unwrap()
}

fn failed(r: &PolicyReport) -> Vec<(&'static str, &'static str)> {
    r.failed().map(|o| (o.rule, o.message_id)).collect()
}

fn statuses(r: &PolicyReport, rule: &str) -> Vec<Status> {
    r.outcomes
        .iter()
        .filter(|o| o.rule == rule)
        .map(|o| o.status)
        .collect()
}

#[test]
fn official_then_agency_is_compliant() {
    let r = result(
        "1.000001",
        vec![sig(OFFICIAL, Root::Gov), sig(AGENCY, Root::Gov)],
    );
    assert_eq!(r.verdict, Verdict::Compliant, "{:#?}", r.outcomes);
    assert!(failed(&r).is_empty());
    for rule in ["R0", "R1", "R2", "R3", "R7", "R8", "R12", "R13"] {
        assert!(
            statuses(&r, rule).iter().all(|s| *s == Status::Passed),
            "{rule}: {:?}",
            statuses(&r, rule)
        );
        assert!(!statuses(&r, rule).is_empty(), "{rule} not evaluated");
    }
    let sigs = &r.files[0].signatures;
    assert_eq!(sigs[0].role, Some(SignatureRole::Official));
    assert_eq!(sigs[0].signer_kind, Some(CertKind::Individual));
    assert_eq!(sigs[1].role, Some(SignatureRole::Agency));
    assert_eq!(sigs[1].signer_kind, Some(CertKind::Organisation));
}

#[test]
fn agency_before_official_breaks_the_order() {
    let r = result(
        "1.000001",
        vec![sig(AGENCY, Root::Gov), sig(OFFICIAL, Root::Gov)],
    );
    assert_eq!(r.verdict, Verdict::NotCompliant);
    assert_eq!(failed(&r), vec![("R3", "official-after-agency")]);
    let o = r.failed().next().unwrap();
    assert_eq!(o.signature.as_ref().unwrap().index, 2);
    assert_eq!(o.source, "Suy ra từ Nghị định 30/2020/NĐ-CP, Phụ lục I và Thông tư 41/2017/TT-BTTTT, Điều 6 khoản 2 điểm b");
}

#[test]
fn a_missing_signature_fails_r1_or_r2() {
    let r = result("1.000001", vec![sig(AGENCY, Root::Gov)]);
    assert_eq!(failed(&r), vec![("R2", "no-personal-signature")]);
    let r = result("1.000001", vec![sig(OFFICIAL, Root::Gov)]);
    assert_eq!(failed(&r), vec![("R1", "no-organisation-signature")]);
    let r = result("1.000001", vec![]);
    assert_eq!(
        failed(&r),
        vec![("R1", "no-signature"), ("R2", "no-signature")]
    );
}

#[test]
fn another_agency_or_another_units_official_is_not_competent() {
    let r = result(
        "1.000001",
        vec![sig(OFFICIAL, Root::Gov), sig(OTHER_AGENCY, Root::Gov)],
    );
    assert_eq!(failed(&r), vec![("R1", "organisation-not-competent")]);
    assert!(r.failed().next().unwrap().message.contains("TRÀ VINH"));
    let r = result(
        "1.000001",
        vec![sig(OTHER_OFFICIAL, Root::Gov), sig(AGENCY, Root::Gov)],
    );
    assert_eq!(failed(&r), vec![("R2", "person-not-official")]);
    assert_eq!(
        r.failed().next().unwrap().message,
        format!("người ký {OTHER_OFFICIAL} không phải người có thẩm quyền của Sở Tư pháp tỉnh Vĩnh Long")
    );
}

#[test]
fn a_signature_after_the_agency_is_refused_but_a_document_timestamp_is_not() {
    let r = result(
        "1.000001",
        vec![
            sig(OFFICIAL, Root::Gov),
            sig(AGENCY, Root::Gov),
            sig(CITIZEN, Root::Public),
        ],
    );
    assert_eq!(failed(&r), vec![("R3", "signed-after-agency")]);
    let mut ts = sig(AGENCY, Root::Gov);
    ts.kind = crate::SignatureKind::DocumentTimestamp;
    ts.signer = None;
    ts.indication = Indication::Indeterminate;
    let r = result(
        "1.000001",
        vec![sig(OFFICIAL, Root::Gov), sig(AGENCY, Root::Gov), ts],
    );
    assert_eq!(r.verdict, Verdict::Compliant, "{:#?}", r.outcomes);
}

#[test]
fn unexplained_updates_after_the_agency_signature_are_warned() {
    let mut agency = sig(AGENCY, Root::Gov);
    agency.changes.push(Change {
        revision: 3,
        description: "annotation added on page 1".into(),
        object: None,
        allowed: true,
        reason: "annotations are allowed".into(),
        roles: Vec::new(),
    });
    let r = result("1.000001", vec![sig(OFFICIAL, Root::Gov), agency]);
    assert_eq!(r.verdict, Verdict::Compliant);
    assert!(r.outcomes.iter().any(|o| o.rule == "R3"
        && o.status == Status::Warning
        && o.message_id == "changed-after-agency"));
}

#[test]
fn an_extra_signature_before_the_agency_is_warned() {
    let r = result(
        "1.000001",
        vec![
            sig(CITIZEN, Root::Public),
            sig(OFFICIAL, Root::Gov),
            sig(AGENCY, Root::Gov),
        ],
    );
    assert_eq!(r.verdict, Verdict::Compliant);
    assert!(r
        .outcomes
        .iter()
        .any(|o| o.message_id == "extra-signature" && o.signature.as_ref().unwrap().index == 1));
}

#[test]
fn sha1_and_short_keys_fail_r12() {
    let mut agency = sig(AGENCY, Root::Gov);
    agency.digest_algorithm = Some("SHA-1".into());
    agency.signature_algorithm = Some("RSA-PSS with SHA-1".into());
    let r = result("1.000001", vec![sig(OFFICIAL, Root::Gov), agency]);
    assert_eq!(failed(&r), vec![("R12", "digest-not-accepted")]);
    assert_eq!(
        r.failed().next().unwrap().message,
        "hàm băm SHA-1 không được chấp nhận (chỉ SHA-2, SHA-3)"
    );

    // SHA-1 only in the signature algorithm (digestAlgorithm says SHA-256).
    let mut agency = sig(AGENCY, Root::Gov);
    agency.signature_algorithm = Some("RSA PKCS#1 v1.5 with SHA-1".into());
    let r = result("1.000001", vec![sig(OFFICIAL, Root::Gov), agency]);
    assert!(failed(&r).contains(&("R12", "digest-not-accepted")));

    let mut official = sig(OFFICIAL, Root::Gov);
    official.signer.as_mut().unwrap().key = KeyInfo {
        algorithm: "RSA".into(),
        bits: 1024,
        curve: None,
    };
    let r = result("1.000001", vec![official, sig(AGENCY, Root::Gov)]);
    assert_eq!(failed(&r), vec![("R12", "key-too-short")]);

    let mut official = sig(OFFICIAL, Root::Gov);
    official.signer.as_mut().unwrap().key = KeyInfo {
        algorithm: "EC".into(),
        bits: 256,
        curve: Some("P-256".into()),
    };
    official.signature_algorithm = Some("ECDSA with SHA-256".into());
    let r = result("1.000001", vec![official, sig(AGENCY, Root::Gov)]);
    assert_eq!(r.verdict, Verdict::Compliant);

    let mut official = sig(OFFICIAL, Root::Gov);
    official.signer.as_mut().unwrap().key = KeyInfo {
        algorithm: "Ed25519".into(),
        bits: 256,
        curve: None,
    };
    official.signature_algorithm = Some("Ed25519".into());
    let r = result("1.000001", vec![official, sig(AGENCY, Root::Gov)]);
    assert_eq!(failed(&r), vec![("R12", "key-algorithm-not-accepted")]);
}

#[test]
fn pkcs1v15_is_a_warning_by_default_and_a_failure_where_configured() {
    let mut agency = sig(AGENCY, Root::Gov);
    agency.signature_algorithm = Some("RSA PKCS#1 v1.5 with SHA-256".into());
    let r = result("1.000001", vec![sig(OFFICIAL, Root::Gov), agency.clone()]);
    assert_eq!(r.verdict, Verdict::Compliant);
    assert_eq!(statuses(&r, "R12"), vec![Status::Passed, Status::Warning]);

    agency.timestamped = true;
    agency.pades_level = Some(crate::PadesLevel::BLT);
    let r = result("1.000002.H62", vec![agency]);
    assert_eq!(failed(&r), vec![("R12", "rsa-pkcs1v15")]);
}

#[test]
fn missing_timestamp_and_validation_data_fail_r11_and_r10() {
    let r = result("1.000002.H62", vec![sig(AGENCY, Root::Gov)]);
    assert_eq!(
        failed(&r),
        vec![("R10", "no-validation-data"), ("R11", "no-timestamp")]
    );
    assert_eq!(r.failed_rules(), vec!["R10", "R11"]);
    let mut agency = sig(AGENCY, Root::Gov);
    agency.timestamped = true;
    agency.pades_level = Some(crate::PadesLevel::BLTA);
    agency.proven_signing_time = Some("2025-06-01T08:00:05Z".into());
    let r = result("1.000002.H62", vec![agency]);
    assert_eq!(r.verdict, Verdict::Compliant, "{:#?}", r.outcomes);
    assert!(r
        .outcomes
        .iter()
        .any(|o| o.rule == "R8" && o.message.contains("dấu thời gian (2025-06-01T08:00:05Z)")));
}

#[test]
fn the_chain_must_reach_the_profile_the_procedure_names() {
    let r = result(
        "1.000001",
        vec![sig(OFFICIAL, Root::Gov), sig(AGENCY, Root::Public)],
    );
    assert_eq!(failed(&r), vec![("R7", "chains-to-other-profile")]);
    assert_eq!(
        r.failed().next().unwrap().message,
        "chuỗi chứng thư đến gốc của vn-public, nhưng thủ tục yêu cầu vn-gov"
    );

    let mut agency = sig(AGENCY, Root::Gov);
    agency.chain_sha256.pop();
    agency.chain_sha256.push("00:11".into());
    let r = result("1.000001", vec![sig(OFFICIAL, Root::Gov), agency]);
    assert_eq!(failed(&r), vec![("R7", "chains-to-unknown-anchor")]);

    let mut agency = sig(AGENCY, Root::Gov);
    agency.chain.clear();
    agency.chain_sha256.clear();
    agency.indication = Indication::Indeterminate;
    agency.sub_indication = Some(SubIndication::NoCertificateChainFound);
    agency.checks[4] = Check {
        id: CheckId::CertificateChain,
        status: CheckStatus::Indeterminate,
        message: "no certificate chain to a trust anchor: issuer CN=X not found".into(),
        sub_indication: Some(SubIndication::NoCertificateChainFound),
    };
    let r = result("1.000001", vec![sig(OFFICIAL, Root::Gov), agency]);
    assert!(failed(&r).contains(&("R7", "no-chain")));
    assert!(r
        .failed()
        .any(|o| o.message.ends_with("issuer CN=X not found")));
}

#[test]
fn validity_at_signing_time_follows_the_sub_indication() {
    let mut agency = sig(AGENCY, Root::Gov);
    agency.indication = Indication::Indeterminate;
    agency.sub_indication = Some(SubIndication::OutOfBoundsNoPoe);
    agency.checks[5] = Check {
        id: CheckId::ValidityPeriod,
        status: CheckStatus::Indeterminate,
        message: "the signer's certificate expired on 2025-01-01 and no time-stamp proves the signature is older".into(),
        sub_indication: Some(SubIndication::OutOfBoundsNoPoe),
    };
    let r = result("1.000001", vec![sig(OFFICIAL, Root::Gov), agency.clone()]);
    assert_eq!(r.verdict, Verdict::CannotDecide, "{:#?}", r.outcomes);
    assert_eq!(
        statuses(&r, "R8"),
        vec![Status::Passed, Status::CannotDecide]
    );

    agency.indication = Indication::TotalFailed;
    agency.sub_indication = Some(SubIndication::Expired);
    agency.checks[5].status = CheckStatus::Failed;
    let r = result("1.000001", vec![sig(OFFICIAL, Root::Gov), agency.clone()]);
    assert_eq!(failed(&r), vec![("R8", "certificate-invalid")]);

    agency.sub_indication = Some(SubIndication::Revoked);
    let r = result("1.000001", vec![sig(OFFICIAL, Root::Gov), agency]);
    assert_eq!(r.verdict, Verdict::NotCompliant);
}

#[test]
fn a_broken_signature_fails_r0() {
    let mut agency = sig(AGENCY, Root::Gov);
    agency.indication = Indication::TotalFailed;
    agency.sub_indication = Some(SubIndication::HashFailure);
    agency.checks[2] = Check {
        id: CheckId::MessageDigest,
        status: CheckStatus::Failed,
        message: "the digest of the signed bytes does not match".into(),
        sub_indication: Some(SubIndication::HashFailure),
    };
    let r = result("1.000001", vec![sig(OFFICIAL, Root::Gov), agency]);
    assert_eq!(failed(&r), vec![("R0", "integrity-failed")]);
    assert_eq!(
        r.failed().next().unwrap().message,
        "chữ ký không hợp lệ: the digest of the signed bytes does not match"
    );
}

#[test]
fn an_unreadable_file_fails_r0() {
    let mut f = file("rac.pdf", vec![]);
    f.findings.push(Finding {
        id: FindingId::NotAPdf,
        status: CheckStatus::Failed,
        message: "not a PDF file".into(),
    });
    f.conclude();
    let r = policy()
        .evaluate("1.000001", Role::Result, &[(f, None)])
        .unwrap();
    assert_eq!(failed(&r), vec![("R0", "unreadable")]);
}

#[test]
fn undecidable_signer_kinds_make_the_verdict_undecided() {
    let vague = "CN=Sở Tư pháp tỉnh Vĩnh Long, C=VN";
    let r = result(
        "1.000001",
        vec![sig(OFFICIAL, Root::Gov), sig(vague, Root::Gov)],
    );
    assert_eq!(r.verdict, Verdict::CannotDecide);
    assert!(r.outcomes.iter().any(|o| o.rule == "R1"
        && o.status == Status::CannotDecide
        && o.message_id == "kind-unknown"));
}

#[test]
fn a_complete_submission_is_compliant() {
    let r = submission(
        "1.000001",
        vec![
            ("don.pdf", vec![sig(CITIZEN, Root::Public)]),
            ("giay-phep-kd-2024.pdf", vec![sig(COMPANY, Root::Public)]),
            ("anh.pdf", vec![]),
        ],
    );
    assert_eq!(r.verdict, Verdict::Compliant, "{:#?}", r.outcomes);
    assert_eq!(r.files[0].component.as_deref(), Some("don"));
    assert_eq!(r.files[1].component.as_deref(), Some("giay-phep-kd"));
    assert_eq!(
        r.files[0].signatures[0].role,
        Some(SignatureRole::Applicant)
    );
}

#[test]
fn a_submission_missing_a_component_fails_r16() {
    let r = submission(
        "1.000001",
        vec![("don.pdf", vec![sig(CITIZEN, Root::Public)])],
    );
    assert_eq!(failed(&r), vec![("R16", "component-missing")]);
    assert_eq!(
        r.failed().next().unwrap().message,
        "thiếu thành phần hồ sơ bắt buộc \"Giấy chứng nhận đăng ký doanh nghiệp\""
    );
}

#[test]
fn a_component_signed_by_the_wrong_kind_of_signer_fails_r16() {
    let r = submission(
        "1.000001",
        vec![
            ("don.pdf", vec![sig(COMPANY, Root::Public)]),
            ("giay-phep-kd.pdf", vec![sig(COMPANY, Root::Public)]),
        ],
    );
    assert_eq!(failed(&r), vec![("R16", "component-wrong-signer")]);
    assert_eq!(
        r.failed().next().unwrap().message,
        format!(
            "thành phần \"Đơn đề nghị\" phải do cá nhân ký, nhưng người ký {COMPANY} là tổ chức"
        )
    );
    let r = submission(
        "1.000001",
        vec![
            ("don.pdf", vec![]),
            ("giay-phep-kd.pdf", vec![sig(COMPANY, Root::Public)]),
        ],
    );
    assert_eq!(failed(&r), vec![("R16", "component-not-signed")]);
}

#[test]
fn submission_signatures_are_held_to_their_profiles_and_levels() {
    let mut don = sig(CITIZEN, Root::Gov);
    don.pades_level = None;
    let r = submission(
        "1.000001",
        vec![
            ("don.pdf", vec![don]),
            ("giay-phep-kd.pdf", vec![sig(COMPANY, Root::Gov)]),
        ],
    );
    assert_eq!(
        failed(&r),
        vec![("R7", "chains-to-other-profile"), ("R13", "not-pades")]
    );
}

#[test]
fn unknown_files_are_warned() {
    let r = submission(
        "1.000001",
        vec![
            ("don.pdf", vec![sig(CITIZEN, Root::Public)]),
            ("giay-phep-kd.pdf", vec![sig(COMPANY, Root::Public)]),
            ("ghi-chu.pdf", vec![]),
        ],
    );
    assert_eq!(r.verdict, Verdict::Compliant);
    assert!(r
        .outcomes
        .iter()
        .any(|o| o.message_id == "extra-file" && o.status == Status::Warning));
}

#[test]
fn partly_online_procedures_take_paper_and_scans_signed_at_the_one_stop_desk() {
    // Missing electronic component: to be delivered on paper (warning); the scan is signed
    // by the one-stop official.
    let r = submission(
        "1.000003",
        vec![("ban-quet.pdf", vec![sig(ONE_STOP, Root::Gov)])],
    );
    assert_eq!(r.verdict, Verdict::Compliant, "{:#?}", r.outcomes);
    assert!(r
        .outcomes
        .iter()
        .any(|o| o.message_id == "component-on-paper" && o.status == Status::Warning));
    assert!(r
        .outcomes
        .iter()
        .any(|o| o.rule == "R17" && o.status == Status::Passed));
    assert_eq!(r.files[0].signatures[0].role, Some(SignatureRole::OneStop));
    // A scan signed by the citizen, or by an organisation, is refused.
    let r = submission(
        "1.000003",
        vec![("ban-quet.pdf", vec![sig(CITIZEN, Root::Gov)])],
    );
    assert_eq!(failed(&r), vec![("R17", "scan-not-signed-by-one-stop")]);
    let r = submission(
        "1.000003",
        vec![("ban-quet.pdf", vec![sig(AGENCY, Root::Gov)])],
    );
    assert_eq!(failed(&r), vec![("R17", "scan-not-signed-by-one-stop")]);
}

#[test]
fn components_are_found_by_file_name() {
    let p = policy();
    let proc = p.catalog().procedure("1.000001").unwrap();
    let id = |n: &str| component_for_file(proc, n).map(|c| c.id.as_str());
    assert_eq!(id("don.pdf"), Some("don"));
    assert_eq!(id("DON-2.PDF"), Some("don"));
    assert_eq!(id("dir/giay-phep-kd_scan.pdf"), Some("giay-phep-kd"));
    assert_eq!(id("donation.pdf"), None);
    assert_eq!(id("x.pdf"), None);
}

#[test]
fn no_outcome_is_no_verdict() {
    assert_eq!(Verdict::of(&[]), Verdict::CannotDecide);
    let warning = Outcome {
        rule: RuleId::R16,
        status: Status::Warning,
        file: None,
        signature: None,
        msg: Msg::NoSignature,
    };
    assert_eq!(
        Verdict::of(std::slice::from_ref(&warning)),
        Verdict::CannotDecide
    );
    let passed = Outcome {
        status: Status::Passed,
        ..warning.clone()
    };
    assert_eq!(Verdict::of(&[warning, passed]), Verdict::Compliant);
}

#[test]
fn reports_render_in_vietnamese_and_english() {
    let r = result(
        "1.000001",
        vec![sig(AGENCY, Root::Gov), sig(OFFICIAL, Root::Gov)],
    );
    let text = crate::policy::render_text(&r, false);
    assert!(text.contains("KẾT LUẬN: KHÔNG ĐẠT YÊU CẦU"), "{text}");
    assert!(
        text.contains("[KHÔNG ĐẠT] R3 Thứ tự ký: cá nhân trước, cơ quan sau cùng"),
        "{text}"
    );
    assert!(
        text.contains("CN=SỞ TƯ PHÁP, O=ỦY BAN NHÂN DÂN TỈNH VĨNH LONG"),
        "{text}"
    );
    assert!(
        text.contains("loại: tổ chức (tên viết hoa bắt đầu bằng \"SỞ\")"),
        "{text}"
    );
    let json = serde_json::to_value(&r).unwrap();
    assert_eq!(json["verdict"], "not-compliant");
    assert_eq!(json["role"], "result");
    assert_eq!(json["procedure"]["mode"], "toan-trinh");
    assert_eq!(json["lang"], "vi");
    let o = json["outcomes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|o| o["status"] == "failed")
        .unwrap();
    assert_eq!(o["rule"], "R3");
    assert_eq!(o["signature"]["index"], 2);
    assert_eq!(o["signature"]["signer"], OFFICIAL);
    // Diacritics survive JSON as UTF-8, not escapes.
    assert!(serde_json::to_string(&r).unwrap().contains("Nguyễn Văn An"));

    let en = policy()
        .with_options(crate::policy::PolicyOptions {
            lang: Lang::En,
            ..Default::default()
        })
        .evaluate(
            "1.000001",
            Role::Result,
            &[(
                file(
                    "ket-qua.pdf",
                    vec![sig(AGENCY, Root::Gov), sig(OFFICIAL, Root::Gov)],
                ),
                None,
            )],
        )
        .unwrap();
    let text = crate::policy::render_text(&en, true);
    assert!(text.contains("VERDICT: NOT COMPLIANT"), "{text}");
    assert!(
        text.contains("[FAIL] R3 Order: personal first, organisation last"),
        "{text}"
    );
    assert!(text.contains("[ok] R1"), "{text}");
    assert!(
        text.contains("source: Inferred from Decree 30/2020/NĐ-CP Appendix I"),
        "{text}"
    );
}

#[test]
fn errors_for_unknown_procedures_codes_and_roles() {
    let p = policy();
    let f = || vec![(file("a.pdf", vec![]), None)];
    assert_eq!(
        p.evaluate("1.999999", Role::Result, &f())
            .unwrap_err()
            .to_string(),
        "procedure 1.999999 is not in the catalog \"Danh mục kiểm thử\""
    );
    assert!(matches!(
        p.evaluate("A.2.3", Role::Result, &f()),
        Err(crate::policy::PolicyError::BadProcedureCode { .. })
    ));
    assert_eq!(
        p.evaluate("1.000003", Role::Result, &f())
            .unwrap_err()
            .to_string(),
        "the catalog has no result rules for procedure 1.000003 (no [procedure.result] table)"
    );
    assert!(matches!(
        p.evaluate("1.000001", Role::Result, &[]),
        Err(crate::policy::PolicyError::EmptyDossier)
    ));
    let mut profiles = crate::policy::Profiles::empty();
    profiles.insert(crate::policy::profiles::bundled("vn-public").unwrap());
    let p = Policy::new(Catalog::from_toml(CATALOG, "t").unwrap(), profiles);
    assert_eq!(
        p.evaluate("1.000001", Role::Result, &f())
            .unwrap_err()
            .to_string(),
        "unknown trust profile \"vn-gov\" (known: vn-public)"
    );
}

#[test]
fn policies_are_shared_across_threads() {
    fn send_sync<T: Send + Sync>() {}
    send_sync::<Policy>();
    send_sync::<PolicyReport>();
}

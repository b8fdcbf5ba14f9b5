//! An auditor checking results issued by an agency: each result must carry the Director's
//! personal signature, then the Department's organisation signature (R1–R3), chain to the
//! official-use hierarchy (`vn-gov`) and use accepted algorithms. Prints one JSON line per
//! result (stable field names) and the Vietnamese report of each result that is not
//! compliant.
//!
//! Everything is generated here with `kyso_testkit` (a test PKI shaped like the Government
//! Cipher Committee's hierarchy); the bundled `vn-gov` profile's anchor is replaced with the
//! test root, as an auditor testing against a staging hierarchy would.
//!
//! Run: `cargo run --example auditor`
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code

use kyso::policy::{Catalog, InputFile, Policy, Profiles, Verdict};
use kyso::sign::{sign_pdf, KeySigner, SignOptions};
use kyso_testkit::{sample_pdf, CertSpec, Issued, SampleOptions};

/// "Cấp Giấy phép thiết lập trang thông tin điện tử tổng hợp" in the bundled example catalog.
const PROCEDURE: &str = "2.001098";

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let root = Issued::self_signed(&CertSpec::ca("x").with_subject(&[
        ("C", "VN"),
        ("O", "Ban Cơ yếu Chính phủ"),
        ("CN", "RootCA chuyên dùng Chính phủ G2 (mô phỏng)"),
    ]));
    let ca = root.issue(&CertSpec::ca("x").with_subject(&[
        ("C", "VN"),
        ("O", "Ban Cơ yếu Chính phủ"),
        ("CN", "CA phục vụ các cơ quan Nhà nước G2 (mô phỏng)"),
    ]));
    let director = ca.issue(&CertSpec::leaf("x").with_subject(&[
        ("C", "VN"),
        ("O", "Ủy ban nhân dân tỉnh Vĩnh Long"),
        ("OU", "Sở Thông tin và Truyền thông"),
        ("L", "Vĩnh Long"),
        ("T", "Giám đốc"),
        ("CN", "Đặng Quốc Việt"),
    ]));
    let department = ca.issue(&CertSpec::leaf("x").with_subject(&[
        ("C", "VN"),
        ("L", "Vĩnh Long"),
        ("O", "ỦY BAN NHÂN DÂN TỈNH VĨNH LONG"),
        ("CN", "SỞ THÔNG TIN VÀ TRUYỀN THÔNG"),
    ]));
    let neighbour = ca.issue(&CertSpec::leaf("x").with_subject(&[
        ("C", "VN"),
        ("L", "Trà Vinh"),
        ("O", "ỦY BAN NHÂN DÂN TỈNH TRÀ VINH"),
        ("CN", "SỞ THÔNG TIN VÀ TRUYỀN THÔNG"),
    ]));
    let chain = vec![ca.cert.clone(), root.cert.clone()];
    let signer =
        |who: &Issued| KeySigner::from_key_der(&who.key_der(), who.cert.clone(), chain.clone());
    let (director, department, neighbour) = (
        signer(&director)?,
        signer(&department)?,
        signer(&neighbour)?,
    );

    let issue = |signers: &[&KeySigner]| -> Result<Vec<u8>, kyso::sign::SignError> {
        let mut pdf = sample_pdf(&SampleOptions {
            title: "Giay phep thiet lap trang TTDT tong hop".into(),
            ..Default::default()
        });
        for s in signers {
            pdf = sign_pdf(
                &pdf,
                *s,
                &SignOptions {
                    reason: Some("Ký ban hành".into()),
                    ..Default::default()
                },
            )?;
        }
        Ok(pdf)
    };
    let results = [
        (
            "gp-001-KQ1.pdf",
            issue(&[&director, &department])?,
            Verdict::Compliant,
        ),
        (
            "gp-002-KQ1.pdf",
            issue(&[&department, &director])?,
            Verdict::NotCompliant,
        ),
        (
            "gp-003-KQ1.pdf",
            issue(&[&department])?,
            Verdict::NotCompliant,
        ),
        (
            "gp-004-KQ1.pdf",
            issue(&[&director, &neighbour])?,
            Verdict::NotCompliant,
        ),
    ];

    let mut profiles = Profiles::bundled();
    profiles.replace_anchors("vn-gov", &root.cert_pem())?;
    let policy = Policy::new(Catalog::example()?, profiles);

    let mut not_compliant = Vec::new();
    for (name, pdf, expected) in &results {
        let report = policy.check_result(PROCEDURE, &[InputFile::new(name, pdf)])?;
        let line = serde_json::json!({
            "file": name,
            "verdict": report.verdict,
            "failed_rules": report.failed_rules(),
        });
        println!("{line}");
        assert_eq!(
            report.verdict,
            *expected,
            "{}",
            kyso::policy::render_text(&report, true)
        );
        if report.verdict != Verdict::Compliant {
            not_compliant.push(report);
        }
    }
    for report in &not_compliant {
        println!();
        print!("{}", kyso::policy::render_text(report, false));
    }
    Ok(())
}

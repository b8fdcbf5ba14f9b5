//! A public-service portal's backend checking a submitted dossier in memory before accepting
//! it: the procedure "Cấp Giấy phép thiết lập trang thông tin điện tử tổng hợp" of the
//! bundled example catalog (fully online: every component electronic and signed by the
//! applicant organisation).
//!
//! Everything is generated here with `kyso_testkit` (a test PKI shaped like Vietnam's public
//! hierarchy, sample PDFs); the bundled `vn-public` profile gets the test root as its anchor,
//! as a portal would add a root it trusts.
//!
//! Run: `cargo run --example portal_backend`
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code

use kyso::policy::{InputFile, Policy, Profiles, Verdict};
use kyso::sign::{sign_pdf, KeySigner, SignOptions};
use kyso_testkit::{sample_pdf, CertSpec, Issued, SampleOptions};

const PROCEDURE: &str = "2.001098";

fn main() -> Result<(), Box<dyn std::error::Error>> {
    // A public CA hierarchy (in real life: Vietnam National Root CA → VNPT-CA, Viettel-CA…).
    let root = Issued::self_signed(&CertSpec::ca("x").with_subject(&[
        ("C", "VN"),
        ("O", "Trung tâm Chứng thực điện tử quốc gia (mô phỏng)"),
        ("CN", "Vietnam National Root CA (mô phỏng)"),
    ]));
    let ca = root.issue(&CertSpec::ca("x").with_subject(&[
        ("C", "VN"),
        ("O", "VNPT"),
        ("CN", "VNPT-CA SHA2 (mô phỏng)"),
    ]));
    // The applicant: a company (tax code in the UID attribute), and its director personally.
    let company = ca.issue(&CertSpec::leaf("x").with_subject(&[
        ("C", "VN"),
        ("ST", "Vĩnh Long"),
        ("CN", "CÔNG TY CỔ PHẦN TRUYỀN THÔNG CỬU LONG"),
        ("UID", "MST:1500765432"),
    ]));
    let director = ca.issue(&CertSpec::leaf("x").with_subject(&[
        ("C", "VN"),
        ("ST", "Vĩnh Long"),
        ("CN", "Võ Thị Thanh Hương"),
        ("UID", "CCCD:086190001234"),
    ]));
    let chain = vec![ca.cert.clone(), root.cert.clone()];
    let company_signer =
        KeySigner::from_key_der(&company.key_der(), company.cert.clone(), chain.clone())?;
    let director_signer =
        KeySigner::from_key_der(&director.key_der(), director.cert.clone(), chain)?;

    // The portal's policy: the province's catalog (here the bundled example) and the bundled
    // profiles, with the test root trusted as a vn-public anchor.
    let mut profiles = Profiles::bundled();
    profiles.add_anchors("vn-public", &root.cert_pem())?;
    let policy = Policy::new(kyso::policy::Catalog::example()?, profiles);

    // The dossier as uploaded: bytes in memory, file names that name the components.
    let sign = |signer: &KeySigner, title: &str| -> Result<Vec<u8>, kyso::sign::SignError> {
        let pdf = sample_pdf(&SampleOptions {
            title: title.into(),
            ..Default::default()
        });
        sign_pdf(
            &pdf,
            signer,
            &SignOptions {
                reason: Some("Nộp hồ sơ trực tuyến".into()),
                ..Default::default()
            },
        )
    };
    let form = sign(&company_signer, "Don de nghi cap giay phep")?;
    let plan = sign(&company_signer, "De an hoat dong")?;
    let papers = sign(&company_signer, "Giay chung nhan dang ky doanh nghiep")?;

    let complete = [
        InputFile::new("don-de-nghi.pdf", &form),
        InputFile::new("de-an.pdf", &plan),
        InputFile::new("giay-to-phap-ly.pdf", &papers),
    ];
    let report = policy.check_submission(PROCEDURE, &complete)?;
    print!("{}", kyso::policy::render_text(&report, false));
    assert_eq!(
        report.verdict,
        Verdict::Compliant,
        "a complete dossier signed by the company is accepted"
    );
    println!("→ hồ sơ được tiếp nhận\n");

    // The same dossier with the form signed by the director personally, and the legal papers
    // missing: refused, with the reasons the portal shows the applicant.
    let personal_form = sign(&director_signer, "Don de nghi cap giay phep")?;
    let incomplete = [
        InputFile::new("don-de-nghi.pdf", &personal_form),
        InputFile::new("de-an.pdf", &plan),
    ];
    let report = policy.check_submission(PROCEDURE, &incomplete)?;
    print!("{}", kyso::policy::render_text(&report, false));
    assert_eq!(report.verdict, Verdict::NotCompliant);
    assert_eq!(report.failed_rules(), vec!["R16"]);
    println!("→ hồ sơ bị từ chối:");
    for o in report.failed() {
        println!("   - {} ({}): {}", o.rule, o.message_id, o.message);
    }
    Ok(())
}

//! Regenerates the demo signer in `testdata/demo/` that the README's first command uses:
//! a root CA, an intermediate CA, and a signer ("Nguyễn Văn An", CCCD identifier) valid for
//! ten years, as `root.pem`, `chain.pem`, `signer.p12` (password in `password.txt`).
//!
//! Run: `cargo run --example make_demo_pki [OUT_DIR]` (default `testdata/demo`).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code

use kyso_testkit::{CertSpec, Issued};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let out = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "testdata/demo".into());
    std::fs::create_dir_all(&out)?;
    let now = kyso::time::now();
    let year = 365 * 86_400;
    let mut root_spec = CertSpec::ca("kyso Demo Root CA");
    root_spec.subject = vec![
        ("C".into(), "VN".into()),
        ("O".into(), "kyso demo PKI".into()),
        ("CN".into(), "kyso Demo Root CA".into()),
    ];
    root_spec.not_after = now + 20 * year;
    let root = Issued::self_signed(&root_spec);
    let mut inter_spec = CertSpec::ca("kyso Demo Issuing CA");
    inter_spec.subject = vec![
        ("C".into(), "VN".into()),
        ("O".into(), "kyso demo PKI".into()),
        ("CN".into(), "kyso Demo Issuing CA".into()),
    ];
    inter_spec.ca = Some(Some(0));
    inter_spec.not_after = now + 15 * year;
    let inter = root.issue(&inter_spec);
    let mut leaf = CertSpec::leaf("Nguyễn Văn An");
    leaf.subject = vec![
        ("C".into(), "VN".into()),
        ("ST".into(), "Vĩnh Long".into()),
        ("O".into(), "kyso demo".into()),
        ("CN".into(), "Nguyễn Văn An".into()),
        (
            "0.9.2342.19200300.100.1.1".into(),
            "CCCD:086099012345".into(),
        ),
    ];
    leaf.not_after = now + 10 * year;
    let signer = inter.issue(&leaf);
    let password = "kyso-demo";
    let dir = std::path::Path::new(&out);
    std::fs::write(dir.join("root.pem"), root.cert_pem())?;
    let mut chain = inter.cert_pem();
    chain.extend(root.cert_pem());
    std::fs::write(dir.join("chain.pem"), chain)?;
    std::fs::write(
        dir.join("signer.p12"),
        signer.pkcs12(password, &[&inter, &root]),
    )?;
    std::fs::write(dir.join("password.txt"), format!("{password}\n"))?;
    println!("demo PKI written to {out}");
    Ok(())
}

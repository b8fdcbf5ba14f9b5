//! The library in a few lines: generate a test PKI and a PDF, sign it (PAdES B-B), verify
//! it, and print the report.
//!
//! Run: `cargo run --example sign_and_verify`
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code

use kyso::pki::TrustStore;
use kyso::sign::{sign_pdf, KeySigner, SignOptions};
use kyso::validate::{ValidationOptions, Validator};
use kyso_testkit::{sample_pdf, SampleOptions, TestPki};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    // In real use: KeySigner::from_pkcs12(&std::fs::read("signer.p12")?, &password)?
    let pki = TestPki::generate();
    let signer = KeySigner::from_key_der(
        &pki.rsa.key_der(),
        pki.rsa.cert.clone(),
        vec![pki.intermediate.cert.clone()],
    )?;

    let pdf = sample_pdf(&SampleOptions::default());
    let signed = sign_pdf(
        &pdf,
        &signer,
        &SignOptions {
            reason: Some("Phê duyệt".into()),
            ..Default::default()
        },
    )?;

    let mut trust = TrustStore::new();
    trust.add(pki.root.cert.clone());
    let report = Validator::new(ValidationOptions {
        trust,
        ..Default::default()
    })
    .validate_bytes("signed.pdf", &signed);
    print!("{}", kyso::report::render_text(&report));
    assert!(report.valid, "a freshly signed document must verify");
    Ok(())
}

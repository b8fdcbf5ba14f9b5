//! Measures the parsing approach: lopdf's eager load of a signed PDF against kyso's lazy,
//! revision-aware reader doing what verification needs (open, find the signature, resolve
//! its dictionary). Prints per-document times for a few sizes.
//!
//! Run: `cargo run --release --example compare_lopdf`
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code

use std::time::Instant;

use kyso_testkit::{sample_pdf, SampleOptions, TestPki};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let pki = TestPki::generate();
    let signer = kyso::sign::KeySigner::from_key_der(
        &pki.rsa.key_der(),
        pki.rsa.cert.clone(),
        vec![pki.intermediate.cert.clone()],
    )?;
    println!(
        "{:>10} {:>6} {:>14} {:>14} {:>8}",
        "size", "pages", "lopdf load", "kyso open+sig", "ratio"
    );
    for (pages, padding) in [(2, 0), (10, 200_000), (40, 2_000_000), (100, 20_000_000)] {
        let pdf = sample_pdf(&SampleOptions {
            pages,
            padding,
            ..Default::default()
        });
        let signed = kyso::sign::sign_pdf(&pdf, &signer, &Default::default())?;
        let n = if signed.len() > 5_000_000 { 5 } else { 50 };
        let t = Instant::now();
        for _ in 0..n {
            let d = lopdf::Document::load_mem(&signed)?;
            std::hint::black_box(d.objects.len());
        }
        let lopdf = t.elapsed().as_secs_f64() / f64::from(n);
        let t = Instant::now();
        for _ in 0..n {
            let doc = kyso::pdf::Document::from_bytes(signed.clone())?;
            let fields = kyso::form::fields_in(&doc, doc.last_revision())?;
            let sig = fields
                .iter()
                .find(|f| f.is_signature())
                .and_then(|f| f.value_ref())
                .ok_or("no signature")?;
            std::hint::black_box(doc.resolve(sig)?);
        }
        let kyso = t.elapsed().as_secs_f64() / f64::from(n);
        println!(
            "{:>10} {:>6} {:>12.3}ms {:>12.3}ms {:>7.1}x",
            signed.len(),
            pages,
            lopdf * 1e3,
            kyso * 1e3,
            lopdf / kyso
        );
    }
    Ok(())
}

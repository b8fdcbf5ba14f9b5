//! Writes the fuzz targets' seed corpus (`fuzz/corpus/<target>/seed-*`): small files made in
//! code, so the corpus explains itself and contains no third-party data.
//!
//! Run: `cargo run -p kyso --example make_fuzz_seeds` (rewrites the seeds).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test material

use std::path::Path;

use kyso::{sign_pdf, KeySigner, SignOptions, SubFilterChoice};
use kyso_testkit::{SampleOptions, TestPki};

fn write(target: &str, name: &str, bytes: &[u8]) {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fuzz/corpus")
        .join(target);
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join(format!("seed-{name}")), bytes).unwrap();
}

/// The `/Contents` bytes (the CMS) of the last signature of a signed PDF.
fn contents(signed: &[u8]) -> Vec<u8> {
    let text = String::from_utf8_lossy(signed);
    let at = text.rfind("/Contents <").unwrap() + "/Contents <".len();
    let end = at + text[at..].find('>').unwrap();
    let hex = text[at..end].trim_end_matches('0');
    let hex = if hex.len() % 2 == 1 {
        format!("{hex}0")
    } else {
        hex.to_string()
    };
    (0..hex.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&hex[i..i + 2], 16).unwrap())
        .collect()
}

fn main() {
    let pki = TestPki::shared();
    let signer = |who: &kyso_testkit::Issued| {
        KeySigner::from_key_der(
            &who.key_der(),
            who.cert.clone(),
            vec![pki.intermediate.cert.clone(), pki.root.cert.clone()],
        )
        .unwrap()
    };
    let plain = kyso_testkit::sample_pdf(&SampleOptions::default());
    let xref_stream = kyso_testkit::sample_pdf(&SampleOptions {
        xref_stream: true,
        ..Default::default()
    });
    let rsa = sign_pdf(&plain, &signer(&pki.rsa), &SignOptions::default()).unwrap();
    let ec_pkcs7 = sign_pdf(
        &xref_stream,
        &signer(&pki.ec),
        &SignOptions {
            sub_filter: SubFilterChoice::Pkcs7,
            ..Default::default()
        },
    )
    .unwrap();
    let twice = sign_pdf(&rsa, &signer(&pki.ec), &SignOptions::default()).unwrap();
    for (name, pdf) in [
        ("plain.pdf", &plain),
        ("xref-stream.pdf", &xref_stream),
        ("signed-rsa.pdf", &rsa),
        ("signed-ec-pkcs7.pdf", &ec_pkcs7),
        ("signed-twice.pdf", &twice),
    ] {
        for target in ["pdf", "validate", "content"] {
            write(target, name, pdf);
        }
    }
    let cms_rsa = contents(&rsa);
    let cms_ec = contents(&ec_pkcs7);
    for target in ["cms", "der", "tsp"] {
        write(target, "cms-rsa.der", &cms_rsa);
        write(target, "cms-ec.der", &cms_ec);
    }
    for target in ["der", "ocsp", "crl"] {
        write(target, "cert-rsa.der", pki.rsa.cert.der());
        write(target, "cert-root.der", pki.root.cert.der());
    }
    write(
        "catalog",
        "example.toml",
        &std::fs::read(Path::new(env!("CARGO_MANIFEST_DIR")).join("catalog/example.toml")).unwrap(),
    );
    println!("seeds written under fuzz/corpus/");
}

//! Interoperability with more signing tools, both ways: PDFs signed by endesive (PyPI) and
//! @signpdf (npm) validate in kyso, kyso signs on top of them, and endesive's verifier accepts
//! kyso's signatures. The peers are installed (pinned) by `scripts/install-test-peers.sh`; a
//! missing one fails the test (it is never skipped).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use common::*;
use kyso::sign::{SignOptions, SubFilterChoice};

fn peer_script(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/peers")
        .join(name)
}

fn endesive_python() -> PathBuf {
    let p = peers_dir().join("endesive/bin/python");
    assert!(
        p.exists(),
        "endesive is not installed: run scripts/install-test-peers.sh"
    );
    p
}

fn run_ok(c: &mut Command, what: &str) -> String {
    let o = c.output().unwrap();
    let text = format!("{}{}", stdout(&o), stderr(&o));
    assert!(o.status.success(), "{what} failed:\n{text}");
    text
}

fn endesive_sign(w: &Workspace, input: &Path, output: &Path) {
    run_ok(
        Command::new(endesive_python())
            .arg(peer_script("endesive_sign.py"))
            .arg(input)
            .arg(output)
            .arg(w.path("rsa.p12"))
            .arg(w.path("p12.pass")),
        "endesive signing",
    );
}

fn endesive_verify(w: &Workspace, file: &Path) -> String {
    run_ok(
        Command::new(endesive_python())
            .arg(peer_script("endesive_verify.py"))
            .arg(file)
            .arg(w.path("root.pem"))
            .arg(w.path("chain.pem")),
        "endesive verification",
    )
}

fn signpdf_sign(w: &Workspace, input: &Path, output: &Path) {
    let modules = peers_dir().join("signpdf/node_modules");
    assert!(
        modules.join("@signpdf/signpdf").exists(),
        "@signpdf is not installed: run scripts/install-test-peers.sh"
    );
    run_ok(
        Command::new("node")
            .env("NODE_PATH", &modules)
            .arg(peer_script("signpdf_sign.js"))
            .arg(input)
            .arg(output)
            .arg(w.path("rsa.p12"))
            .arg(w.path("p12.pass")),
        "@signpdf signing",
    );
}

#[test]
fn endesive_signatures_validate_in_kyso_and_kyso_signatures_in_endesive() {
    let w = Workspace::new();
    let input = w.write("in.pdf", &sample_default());
    let out = w.path("endesive.pdf");
    endesive_sign(&w, &input, &out);
    let bytes = std::fs::read(&out).unwrap();
    let r = verify(&bytes);
    assert!(r.valid, "{}", kyso::report::render_text(&r));
    assert_eq!(r.signatures.len(), 1);
    // endesive's own verifier agrees (a check that the peer works at all).
    assert!(endesive_verify(&w, &out).contains("hash=True signature=True cert=True"));
    // kyso signs on top; both signatures valid in kyso, and endesive accepts both.
    let two = sign_default(&bytes);
    let r = verify(&two);
    assert!(
        r.valid && r.signatures.len() == 2,
        "{}",
        kyso::report::render_text(&r)
    );
    let two_path = w.write("endesive-kyso.pdf", &two);
    let text = endesive_verify(&w, &two_path);
    assert_eq!(
        text.matches("hash=True signature=True cert=True").count(),
        2,
        "{text}"
    );
    // kyso's own signatures, PAdES and adbe.pkcs7.detached, in endesive.
    for (name, sub) in [
        ("pades", SubFilterChoice::Pades),
        ("pkcs7", SubFilterChoice::Pkcs7),
    ] {
        let opts = SignOptions {
            sub_filter: sub,
            ..Default::default()
        };
        let signed = sign_with(&sample_default(), &pki().rsa, &opts);
        let p = w.write(&format!("kyso-{name}.pdf"), &signed);
        let text = endesive_verify(&w, &p);
        assert!(
            text.contains("hash=True signature=True cert=True"),
            "{name}: {text}"
        );
    }
    // A tampered endesive file is caught by kyso (a byte inside the signed range).
    let mut bad = bytes.clone();
    let at = 300;
    assert!((at as i64) < r_first_range_end(&bytes));
    bad[at] ^= 0x20;
    assert!(!verify(&bad).valid);
}

/// The end of the first part of the first signature's byte range.
fn r_first_range_end(pdf: &[u8]) -> i64 {
    verify(pdf).signatures[0]
        .coverage
        .as_ref()
        .unwrap()
        .byte_range[1]
}

#[test]
fn signpdf_signatures_validate_in_kyso() {
    let w = Workspace::new();
    let input = w.write("in.pdf", &sample_default());
    let out = w.path("signpdf.pdf");
    signpdf_sign(&w, &input, &out);
    let bytes = std::fs::read(&out).unwrap();
    assert!(
        bytes.starts_with(&std::fs::read(&input).unwrap()),
        "an incremental update"
    );
    let r = verify(&bytes);
    assert!(r.valid, "{}", kyso::report::render_text(&r));
    assert_eq!(r.signatures.len(), 1);
    // kyso signs on top, and endesive accepts both.
    let two = sign_default(&bytes);
    let r = verify(&two);
    assert!(
        r.valid && r.signatures.len() == 2,
        "{}",
        kyso::report::render_text(&r)
    );
    let p = w.write("signpdf-kyso.pdf", &two);
    let text = endesive_verify(&w, &p);
    assert_eq!(
        text.matches("hash=True signature=True cert=True").count(),
        2,
        "{text}"
    );
}

//! Interoperability with the peers, both ways: kyso's output validates in pyHanko and in
//! poppler's pdfsig and passes `qpdf --check`; PDFs signed by pyHanko and pdfsig, and PDFs
//! written by qpdf, validate in kyso. The peers are installed by
//! `scripts/install-test-peers.sh`; a missing peer fails the test (it is never skipped).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code

mod common;

use std::path::Path;
use std::process::Command;

use common::*;
use kyso::sign::{SignOptions, SubFilterChoice};
use kyso_testkit::SampleOptions;

fn pyhanko_validate(w: &Workspace, file: &Path) -> String {
    let o = Command::new(peer("pyhanko"))
        .args([
            "sign",
            "validate",
            "--no-revocation-check",
            "--trust-replace",
            "--trust",
        ])
        .arg(w.path("root.pem"))
        .arg(file)
        .output()
        .unwrap();
    let out = format!("{}{}", stdout(&o), stderr(&o));
    assert!(
        o.status.success(),
        "pyHanko rejected {}:\n{out}",
        file.display()
    );
    out
}

fn nss_db(w: &Workspace) -> String {
    let db = w.path("nssdb");
    if !db.exists() {
        std::fs::create_dir(&db).unwrap();
        let spec = format!("sql:{}", db.display());
        let ok = Command::new(peer("certutil"))
            .args(["-N", "-d", &spec, "--empty-password"])
            .status()
            .unwrap();
        assert!(ok.success());
        let ok = Command::new(peer("certutil"))
            .args([
                "-A",
                "-d",
                &spec,
                "-n",
                "kyso test root",
                "-t",
                "CT,C,C",
                "-a",
                "-i",
            ])
            .arg(w.path("root.pem"))
            .status()
            .unwrap();
        assert!(ok.success());
    }
    format!("sql:{}", db.display())
}

fn pdfsig(w: &Workspace, file: &Path) -> String {
    let o = Command::new(peer("pdfsig"))
        .args(["-nssdir", &nss_db(w)])
        .arg(file)
        .output()
        .unwrap();
    format!("{}{}", stdout(&o), stderr(&o))
}

fn signed_variants() -> Vec<(&'static str, Vec<u8>)> {
    let p = pki();
    let plain = sample_default();
    let xstream = sample(&SampleOptions {
        xref_stream: true,
        pages: 2,
        ..Default::default()
    });
    let once = sign_default(&plain);
    vec![
        ("rsa-pades", once.clone()),
        (
            "ec-pades",
            sign_with(&plain, &p.ec, &SignOptions::default()),
        ),
        (
            "rsa-pkcs7",
            sign_with(
                &plain,
                &p.rsa,
                &SignOptions {
                    sub_filter: SubFilterChoice::Pkcs7,
                    ..Default::default()
                },
            ),
        ),
        (
            "rsa-pss",
            kyso::sign::sign_pdf(
                &plain,
                &signer_for(&p.rsa)
                    .with_algorithm(kyso::crypto::DigestAlgorithm::Sha256, true)
                    .unwrap(),
                &SignOptions::default(),
            )
            .unwrap(),
        ),
        ("xref-stream", sign_default(&xstream)),
        (
            "two-signatures",
            sign_with(&once, &p.ec, &SignOptions::default()),
        ),
    ]
}

#[test]
fn kyso_output_validates_in_pyhanko_and_passes_qpdf() {
    let w = Workspace::new();
    for (name, bytes) in signed_variants() {
        let f = w.write(&format!("{name}.pdf"), &bytes);
        qpdf_check(&f);
        let out = pyhanko_validate(&w, &f);
        // pyHanko prints one line per signature: FIELD:FINGERPRINT:INTACT:TRUSTED,UNTOUCHED|…
        let last = out
            .lines()
            .rfind(|l| l.contains(":INTACT:"))
            .unwrap_or_else(|| panic!("{name}: {out}"));
        assert!(last.contains("INTACT:TRUSTED,UNTOUCHED"), "{name}: {out}");
        if name == "two-signatures" {
            let first = out
                .lines()
                .find(|l| l.starts_with("Signature1:"))
                .unwrap_or_else(|| panic!("{out}"));
            assert!(first.contains("INTACT:TRUSTED"), "{out}");
            assert!(
                first.contains("ACCEPTABLE_MODIFICATIONS") || first.contains("EXTENDED_WITH_SIG"),
                "{out}"
            );
        }
    }
}

#[test]
fn kyso_output_validates_in_pdfsig() {
    let w = Workspace::new();
    for (name, bytes) in signed_variants() {
        if name == "rsa-pss" {
            continue; // NSS in Debian's poppler does not verify RSASSA-PSS in CMS.
        }
        let f = w.write(&format!("{name}.pdf"), &bytes);
        let out = pdfsig(&w, &f);
        let last = out.rsplit("Signature #").next().unwrap();
        assert!(last.contains("Signature is Valid"), "{name}: {out}");
        assert!(last.contains("Total document signed"), "{name}: {out}");
        assert!(last.contains("Certificate is Trusted"), "{name}: {out}");
        assert!(!out.contains("Digest Mismatch"), "{name}: {out}");
    }
}

fn pyhanko_sign(w: &Workspace, input: &Path, output: &Path, p12: &str, field: &str, pades: bool) {
    let o = Command::new(peer("pyhanko"))
        .args(["sign", "addsig", "--field", field])
        .args(if pades { &["--use-pades"][..] } else { &[][..] })
        .args(["pkcs12", "--passfile"])
        .arg(w.path("p12.pass"))
        .arg(input)
        .arg(output)
        .arg(w.path(p12))
        .output()
        .unwrap();
    assert!(
        o.status.success(),
        "pyHanko could not sign: {}{}",
        stdout(&o),
        stderr(&o)
    );
}

#[test]
fn pyhanko_signatures_validate_in_kyso() {
    let w = Workspace::new();
    w.write("p12.pass", b"test-password");
    let input = w.write(
        "in.pdf",
        &sample(&SampleOptions {
            pages: 2,
            ..Default::default()
        }),
    );
    pyhanko_sign(&w, &input, &w.path("ph-rsa.pdf"), "rsa.p12", "Sig1", true);
    pyhanko_sign(&w, &input, &w.path("ph-ec.pdf"), "ec.p12", "Sig1", true);
    pyhanko_sign(
        &w,
        &input,
        &w.path("ph-pkcs7.pdf"),
        "rsa.p12",
        "Sig1",
        false,
    );
    pyhanko_sign(
        &w,
        &w.path("ph-rsa.pdf"),
        &w.path("ph-two.pdf"),
        "ec.p12",
        "Sig2",
        true,
    );
    for name in ["ph-rsa.pdf", "ph-ec.pdf", "ph-pkcs7.pdf", "ph-two.pdf"] {
        let r = validator().validate_file(&w.path(name)).unwrap();
        assert!(r.valid, "{name}: {}", kyso::report::render_text(&r));
    }
    let r = validator().validate_file(&w.path("ph-two.pdf")).unwrap();
    assert_eq!(r.signatures.len(), 2);
    // kyso signs on top of pyHanko's signatures, and pyHanko accepts the result.
    let three = sign_default(&w.read("ph-two.pdf"));
    let f = w.write("ph-two-kyso.pdf", &three);
    assert!(verify(&three).valid);
    let out = pyhanko_validate(&w, &f);
    assert!(
        out.lines()
            .filter(|l| l.contains(":INTACT:TRUSTED"))
            .count()
            == 3,
        "{out}"
    );
}

#[test]
fn pdfsig_signatures_validate_in_kyso() {
    let w = Workspace::new();
    let db = nss_db(&w);
    let ok = Command::new(peer("pk12util"))
        .args(["-i"])
        .arg(w.path("rsa.p12"))
        .args(["-d", &db, "-W", "test-password"])
        .output()
        .unwrap();
    assert!(ok.status.success(), "{}", stderr(&ok));
    let input = w.write("in.pdf", &sample_default());
    let o = Command::new(peer("pdfsig"))
        .args([
            "-nssdir",
            &db,
            "-add-signature",
            "-nick",
            "Nguyễn Văn An",
            "-digest",
            "SHA256",
        ])
        .arg(&input)
        .arg(w.path("pdfsig.pdf"))
        .output()
        .unwrap();
    let nick_ok = o.status.success();
    if !nick_ok {
        // The nickname NSS gives an imported PKCS#12 is its friendly name; list it.
        let l = Command::new(peer("certutil"))
            .args(["-L", "-d", &db])
            .output()
            .unwrap();
        panic!(
            "pdfsig could not sign: {}{}\n{}",
            stdout(&o),
            stderr(&o),
            stdout(&l)
        );
    }
    let r = validator().validate_file(&w.path("pdfsig.pdf")).unwrap();
    assert!(r.valid, "{}", kyso::report::render_text(&r));
    assert_eq!(
        r.signatures[0].sub_filter.as_deref(),
        Some("adbe.pkcs7.detached")
    );
}

#[test]
fn qpdf_rewritten_files_sign_and_verify() {
    let w = Workspace::new();
    let input = w.write(
        "in.pdf",
        &sample(&SampleOptions {
            pages: 3,
            with_form: true,
            ..Default::default()
        }),
    );
    for (name, args) in [
        ("objstreams", vec!["--object-streams=generate"]),
        ("linearized", vec!["--linearize"]),
        ("qdf", vec!["--qdf", "--object-streams=disable"]),
    ] {
        let out = w.path(&format!("{name}.pdf"));
        let o = Command::new(peer("qpdf"))
            .args(&args)
            .arg(&input)
            .arg(&out)
            .output()
            .unwrap();
        assert!(
            o.status.success() || o.status.code() == Some(3),
            "qpdf {name}: {}",
            stderr(&o)
        );
        let bytes = std::fs::read(&out).unwrap();
        let signed = sign_default(&bytes);
        let f = w.write(&format!("{name}-signed.pdf"), &signed);
        qpdf_check(&f);
        let r = verify(&signed);
        assert!(r.valid, "{name}: {}", kyso::report::render_text(&r));
        let out = pyhanko_validate(&w, &f);
        assert!(out.contains("INTACT:TRUSTED,UNTOUCHED"), "{name}: {out}");
    }
}

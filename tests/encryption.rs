//! Encrypted documents (Standard security handler): qpdf encrypts with every method, pyHanko
//! signs the encrypted files keeping their encryption, kyso verifies them; kyso signs
//! encrypted files keeping their encryption, and pyHanko, qpdf and kyso accept the result.
//! The peers come from `scripts/install-test-peers.sh`; a missing one fails the test.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use common::*;
use kyso::report::FindingId;

/// The encryption methods qpdf can write: (name, qpdf arguments after the passwords).
const METHODS: &[(&str, &[&str])] = &[
    ("rc4-40", &["40"]),
    ("rc4-128", &["128", "--use-aes=n"]),
    ("aes-128", &["128", "--use-aes=y"]),
    ("aes-256-r5", &["256", "--force-R5"]),
    ("aes-256-r6", &["256"]),
];

fn qpdf_encrypt(
    w: &Workspace,
    input: &Path,
    name: &str,
    user: &str,
    extra: &[&str],
    args: &[&str],
) -> PathBuf {
    let out = w.path(name);
    let o = Command::new(peer("qpdf"))
        .args(["--allow-weak-crypto", "--encrypt", user, "owner-secret"])
        .args(args)
        .args(extra)
        .arg("--")
        .arg(input)
        .arg(&out)
        .output()
        .unwrap();
    assert!(o.status.success(), "qpdf: {}", stderr(&o));
    out
}

fn pyhanko_sign(w: &Workspace, input: &Path, output: &Path, password: &str, field: &str) {
    let script =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/peers/pyhanko_sign_encrypted.py");
    let o = Command::new(peer("python3"))
        .arg(script)
        .arg(input)
        .arg(output)
        .arg(w.path("rsa.p12"))
        .arg(w.path("p12.pass"))
        .arg(password)
        .arg(field)
        .output()
        .unwrap();
    assert!(
        o.status.success(),
        "pyHanko could not sign {}: {}{}",
        input.display(),
        stdout(&o),
        stderr(&o)
    );
}

fn encryption_finding(r: &kyso::report::FileReport) -> &kyso::report::Finding {
    r.findings
        .iter()
        .find(|f| f.id == FindingId::Encrypted)
        .expect("an encrypted document is reported as such")
}

/// The decoded content of page 1 and the document's /Info title, as kyso reads them.
fn page_and_title(path: &Path) -> (Vec<u8>, Vec<u8>) {
    use kyso::pdf::Object;
    let doc = kyso::pdf::Document::open(path).unwrap();
    let last = doc.last_revision();
    let page = doc.pages_in(last).unwrap()[0];
    let Object::Dict(p) = doc.resolve(page).unwrap() else {
        panic!()
    };
    let contents = doc.deref_in(last, p.get(b"Contents").unwrap()).unwrap();
    let Object::Stream(s) = contents else {
        panic!("{contents:?}")
    };
    let title = match doc
        .trailer(last)
        .get(b"Info")
        .map(|i| doc.deref_in(last, i).unwrap())
    {
        Some(Object::Dict(d)) => d
            .get(b"Title")
            .and_then(Object::as_string)
            .map(|s| s.bytes.clone())
            .unwrap_or_default(),
        _ => Vec::new(),
    };
    (doc.stream_decoded(&s).unwrap(), title)
}

#[test]
fn kyso_reads_every_kind_of_encrypted_file_as_the_plain_one() {
    let w = Workspace::new();
    let plain = w.write("plain.pdf", &sample_default());
    let want = page_and_title(&plain);
    assert!(!want.0.is_empty());
    for (name, args) in METHODS {
        let enc = qpdf_encrypt(&w, &plain, &format!("{name}.pdf"), "", &[], args);
        assert_ne!(std::fs::read(&enc).unwrap(), std::fs::read(&plain).unwrap());
        assert_eq!(page_and_title(&enc), want, "{name}");
        // With a user password, the owner password opens it too.
        let locked = qpdf_encrypt(
            &w,
            &plain,
            &format!("{name}-locked.pdf"),
            "user-secret",
            &[],
            args,
        );
        let mut doc = kyso::pdf::Document::open(&locked).unwrap();
        assert!(doc.security().is_none(), "{name}");
        assert!(doc.security_error().is_some(), "{name}");
        doc.unlock(b"owner-secret").unwrap();
        assert!(doc.security().unwrap().owner, "{name}");
        doc.unlock(b"user-secret").unwrap();
        assert!(!doc.security().unwrap().owner, "{name}");
    }
}

#[test]
fn kyso_verifies_pyhanko_signatures_in_encrypted_files() {
    let w = Workspace::new();
    let plain = w.write("plain.pdf", &sample_default());
    // pyHanko refuses to write AES-256 revision 5 (deprecated); the reading test covers it.
    for (name, args) in METHODS.iter().filter(|(n, _)| *n != "aes-256-r5") {
        // Permissions restricted, empty user password: the usual "protected" dossier.
        let enc = qpdf_encrypt(&w, &plain, &format!("{name}.pdf"), "", &[], args);
        let signed = w.path(&format!("{name}-signed.pdf"));
        pyhanko_sign(&w, &enc, &signed, "", "Sig1");
        let r = validator().validate_file(&signed).unwrap();
        assert!(r.valid, "{name}: {}", kyso::report::render_text(&r));
        assert_eq!(r.signatures.len(), 1, "{name}");
        let f = encryption_finding(&r);
        assert!(
            f.message.contains("read with the user password"),
            "{name}: {}",
            f.message
        );
        // Tampering with an encrypted, signed file is still caught.
        let mut bytes = std::fs::read(&signed).unwrap();
        let at = bytes.len() / 3;
        bytes[at] ^= 0x01;
        let t = verify(&bytes);
        assert!(!t.valid, "{name}: a flipped byte must not verify");
    }
}

#[test]
fn a_document_with_a_user_password_says_so_and_is_not_valid() {
    let w = Workspace::new();
    let plain = w.write("plain.pdf", &sample_default());
    let enc = qpdf_encrypt(&w, &plain, "locked.pdf", "user-secret", &[], METHODS[4].1);
    let signed = w.path("locked-signed.pdf");
    pyhanko_sign(&w, &enc, &signed, "user-secret", "Sig1");
    let r = validator().validate_file(&signed).unwrap();
    assert!(!r.valid);
    let f = encryption_finding(&r);
    assert!(f.message.contains("password"), "{}", f.message);
    // With the password, the document opens and verifies.
    let mut doc = kyso::pdf::Document::open(&signed).unwrap();
    assert!(doc.security().is_none());
    assert!(matches!(
        doc.unlock(b"wrong"),
        Err(kyso::pdf::PdfError::PasswordRequired)
    ));
    doc.unlock(b"user-secret").unwrap();
    assert!(!doc.security().unwrap().owner);
    doc.unlock(b"owner-secret").unwrap();
    assert!(doc.security().unwrap().owner);
}

#[test]
fn kyso_signs_encrypted_files_keeping_their_encryption() {
    let w = Workspace::new();
    let plain = w.write("plain.pdf", &sample_default());
    let want = page_and_title(&plain);
    for (name, args) in METHODS {
        // Signing allowed (qpdf's default permissions), empty user password.
        let enc = qpdf_encrypt(&w, &plain, &format!("{name}.pdf"), "", &[], args);
        let input = std::fs::read(&enc).unwrap();
        let signed = sign_default(&input);
        assert!(signed.starts_with(&input), "{name}: an incremental update");
        let out = w.write(&format!("{name}-kyso.pdf"), &signed);
        let r = verify(&signed);
        assert!(r.valid, "{name}: {}", kyso::report::render_text(&r));
        // Still encrypted, same content: the update did not leak plain strings or streams.
        let doc = kyso::pdf::Document::open(&out).unwrap();
        assert!(doc.security().is_some(), "{name}");
        assert_eq!(page_and_title(&out), want, "{name}");
        qpdf_check(&out);
        // A second signature on top, and pyHanko accepts both (it cannot read R5 files).
        let two = sign_default(&signed);
        assert!(verify(&two).valid, "{name}");
        let two_path = w.write(&format!("{name}-kyso-2.pdf"), &two);
        if *name != "aes-256-r5" {
            let o = Command::new(peer("pyhanko"))
                .args([
                    "sign",
                    "validate",
                    "--no-revocation-check",
                    "--trust-replace",
                    "--trust",
                ])
                .arg(w.path("root.pem"))
                .arg(&two_path)
                .output()
                .unwrap();
            let text = format!("{}{}", stdout(&o), stderr(&o));
            assert!(
                o.status.success(),
                "{name}: pyHanko rejected kyso's signature:\n{text}"
            );
            assert_eq!(text.matches(":INTACT:TRUSTED").count(), 2, "{name}: {text}");
        }
    }
}

#[test]
fn permissions_and_passwords_are_respected_when_signing() {
    use kyso::sign::{DocumentPassword, SignOptions};
    let w = Workspace::new();
    let plain = w.write("plain.pdf", &sample_default());
    // Neither annotations nor form filling allowed: Acrobat refuses to sign, so does kyso.
    let ro = qpdf_encrypt(
        &w,
        &plain,
        "ro.pdf",
        "",
        &["--modify=none", "--annotate=n", "--form=n"],
        METHODS[4].1,
    );
    let input = std::fs::read(&ro).unwrap();
    let p = kyso_testkit_pki();
    let e = kyso::sign::sign_pdf(&input, &signer_for(&p.rsa), &SignOptions::default()).unwrap_err();
    assert!(e.to_string().contains("permissions forbid signing"), "{e}");
    // The owner password lifts it.
    let opts = SignOptions {
        document_password: Some(DocumentPassword::new("owner-secret")),
        ..Default::default()
    };
    let signed = kyso::sign::sign_pdf(&input, &signer_for(&p.rsa), &opts).unwrap();
    assert!(verify(&signed).valid);
    // Form filling alone (bit 9) is enough.
    let fill = qpdf_encrypt(
        &w,
        &plain,
        "fill.pdf",
        "",
        &["--modify=none", "--annotate=n", "--form=y"],
        METHODS[4].1,
    );
    let signed = sign_default(&std::fs::read(&fill).unwrap());
    assert!(verify(&signed).valid);
    // A user password: without it, a clear error; with it, signed.
    let locked = qpdf_encrypt(&w, &plain, "locked.pdf", "user-secret", &[], METHODS[2].1);
    let input = std::fs::read(&locked).unwrap();
    let e = kyso::sign::sign_pdf(&input, &signer_for(&p.rsa), &SignOptions::default()).unwrap_err();
    assert!(
        e.to_string()
            .contains("cannot be opened without its password"),
        "{e}"
    );
    let wrong = SignOptions {
        document_password: Some(DocumentPassword::new("nope")),
        ..Default::default()
    };
    let e = kyso::sign::sign_pdf(&input, &signer_for(&p.rsa), &wrong).unwrap_err();
    assert!(e.to_string().contains("opens it neither"), "{e}");
    assert_eq!(
        format!("{:?}", wrong.document_password),
        "Some(DocumentPassword(***))"
    );
    let right = SignOptions {
        document_password: Some(DocumentPassword::new("user-secret")),
        ..Default::default()
    };
    let signed = kyso::sign::sign_pdf(&input, &signer_for(&p.rsa), &right).unwrap();
    let mut doc = kyso::pdf::Document::from_bytes(signed.clone()).unwrap();
    doc.unlock(b"user-secret").unwrap();
    assert!(doc.security().is_some());
}

fn kyso_testkit_pki() -> &'static kyso_testkit::TestPki {
    pki()
}

#[test]
fn the_command_line_signs_encrypted_files_with_a_password_from_a_file_or_the_environment() {
    let w = Workspace::new();
    let plain = w.write("plain.pdf", &sample_default());
    let locked = qpdf_encrypt(&w, &plain, "locked.pdf", "user-secret", &[], METHODS[4].1);
    let protected = qpdf_encrypt(&w, &plain, "protected.pdf", "", &[], METHODS[2].1);
    let before = std::fs::read(&locked).unwrap();
    let sign = |input: &Path, out: &str, extra: &[&str], env: Option<&str>| {
        let mut c = Command::new(kyso_bin());
        c.arg("sign").arg(input).arg("-o").arg(w.path(out));
        c.args(["--p12"])
            .arg(w.path("rsa.p12"))
            .arg("--password-file")
            .arg(w.path("p12.pass"));
        c.args(extra);
        if let Some(v) = env {
            c.env("PDF_PW", v);
        }
        c.output().unwrap()
    };
    // Permissions only: no password needed.
    let o = sign(&protected, "protected-signed.pdf", &[], None);
    assert!(o.status.success(), "{}", stderr(&o));
    let o = kyso(&[
        "verify",
        "--trust",
        w.path("root.pem").to_str().unwrap(),
        w.path("protected-signed.pdf").to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}{}", stdout(&o), stderr(&o));
    // A user password: refused without it (and nothing written), signed with it.
    let o = sign(&locked, "a.pdf", &[], None);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("--pdf-password-file"), "{}", stderr(&o));
    assert!(!w.path("a.pdf").exists());
    let o = sign(
        &locked,
        "b.pdf",
        &["--pdf-password-env", "PDF_PW"],
        Some("user-secret"),
    );
    assert!(o.status.success(), "{}", stderr(&o));
    w.write("pdf.pass", b"owner-secret\n");
    let pass = w.path("pdf.pass");
    let o = sign(
        &locked,
        "c.pdf",
        &["--pdf-password-file", pass.to_str().unwrap()],
        None,
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let o = sign(
        &locked,
        "d.pdf",
        &["--pdf-password-env", "PDF_PW"],
        Some("wrong"),
    );
    assert_eq!(o.status.code(), Some(2));
    assert_eq!(
        std::fs::read(&locked).unwrap(),
        before,
        "the input is never modified"
    );
    // Verification cannot open a user-password document without it: not valid, and it says
    // why; with the password it verifies.
    let root = w.path("root.pem");
    let b = w.path("b.pdf");
    let o = kyso(&[
        "verify",
        "--trust",
        root.to_str().unwrap(),
        b.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stdout(&o).contains("encrypted"), "{}", stdout(&o));
    let o = kyso(&[
        "verify",
        "--trust",
        root.to_str().unwrap(),
        "--pdf-password-file",
        pass.to_str().unwrap(),
        b.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}{}", stdout(&o), stderr(&o));
    // The library: ValidationOptions::document_password.
    let v = kyso::Validator::new(kyso::ValidationOptions {
        trust: trust_root(),
        document_password: Some(kyso::DocumentPassword::new("user-secret")),
        ..Default::default()
    });
    assert!(v.validate_file(&b).unwrap().valid);
}

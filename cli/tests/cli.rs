//! The command-line contract: `kyso sign`, `kyso verify`, `kyso inspect`, their flags and
//! exit codes (0 valid, 1 not valid, 2 usage or I/O error).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code

#[path = "../../tests/common/mod.rs"]
mod common;

use common::*;

#[test]
fn sign_then_verify_with_p12_and_password_file() {
    let w = Workspace::new();
    w.write("in.pdf", &sample_default());
    let o = kyso(&[
        "sign",
        w.path("in.pdf").to_str().unwrap(),
        "-o",
        w.path("out.pdf").to_str().unwrap(),
        "--p12",
        w.path("rsa.p12").to_str().unwrap(),
        "--password-file",
        w.path("p12.pass").to_str().unwrap(),
        "--reason",
        "Phê duyệt",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let input = w.read("in.pdf");
    assert!(w.read("out.pdf").starts_with(&input));
    qpdf_check(&w.path("out.pdf"));

    let o = kyso(&[
        "verify",
        w.path("out.pdf").to_str().unwrap(),
        "--trust",
        w.path("root.pem").to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(0), "{}{}", stdout(&o), stderr(&o));
    assert!(stdout(&o).contains("VALID"));
    assert!(stdout(&o).contains("Nguyễn Văn An"));

    let o = kyso(&[
        "verify",
        w.path("out.pdf").to_str().unwrap(),
        "--trust",
        w.path("root.pem").to_str().unwrap(),
        "--format",
        "json",
    ]);
    assert_eq!(o.status.code(), Some(0));
    let v: serde_json::Value = serde_json::from_str(stdout(&o).trim()).unwrap();
    assert_eq!(v["valid"], true);
    assert_eq!(v["signatures"][0]["reason"], "Phê duyệt");
}

#[test]
fn sign_with_pem_key_and_env_password() {
    let w = Workspace::new();
    w.write("in.pdf", &sample_default());
    let o = kyso(&[
        "sign",
        w.path("in.pdf").to_str().unwrap(),
        "-o",
        w.path("pem.pdf").to_str().unwrap(),
        "--key",
        w.path("ec.key").to_str().unwrap(),
        "--cert",
        w.path("ec.pem").to_str().unwrap(),
        "--chain",
        w.path("chain.pem").to_str().unwrap(),
        "--field",
        "Seal",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let o = std::process::Command::new(env!("CARGO_BIN_EXE_kyso"))
        .args([
            "sign",
            w.path("in.pdf").to_str().unwrap(),
            "-o",
            w.path("env.pdf").to_str().unwrap(),
        ])
        .args([
            "--p12",
            w.path("ec.p12").to_str().unwrap(),
            "--password-env",
            "KYSO_TEST_PW",
        ])
        .env("KYSO_TEST_PW", "test-password")
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", stderr(&o));
    let o = kyso(&[
        "verify",
        w.path("pem.pdf").to_str().unwrap(),
        w.path("env.pdf").to_str().unwrap(),
        "--trust",
        w.path("root.pem").to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stdout(&o));
    assert!(stdout(&o).contains("\"Seal\""));
}

#[test]
fn exit_codes() {
    let w = Workspace::new();
    w.write("in.pdf", &sample_default());
    w.write("signed.pdf", &sign_default(&sample_default()));
    w.write("junk.pdf", b"not a pdf at all");
    let root = w.path("root.pem");
    let root = root.to_str().unwrap();
    // Unsigned and not-a-PDF files: not valid (1), not an error.
    let o = kyso(&[
        "verify",
        w.path("signed.pdf").to_str().unwrap(),
        w.path("in.pdf").to_str().unwrap(),
        "--trust",
        root,
    ]);
    assert_eq!(o.status.code(), Some(1));
    let o = kyso(&[
        "verify",
        w.path("junk.pdf").to_str().unwrap(),
        "--trust",
        root,
    ]);
    assert_eq!(o.status.code(), Some(1));
    // Missing file, missing trust file, bad flag: 2.
    let o = kyso(&[
        "verify",
        w.path("missing.pdf").to_str().unwrap(),
        "--trust",
        root,
    ]);
    assert_eq!(o.status.code(), Some(2));
    let o = kyso(&[
        "verify",
        w.path("signed.pdf").to_str().unwrap(),
        "--trust",
        "/nonexistent.pem",
    ]);
    assert_eq!(o.status.code(), Some(2));
    let o = kyso(&["verify", "--no-such-flag", "x.pdf"]);
    assert_eq!(o.status.code(), Some(2));
    // Wrong password: 2, and no output file.
    w.write("bad.pass", b"wrong\n");
    let o = kyso(&[
        "sign",
        w.path("in.pdf").to_str().unwrap(),
        "-o",
        w.path("o.pdf").to_str().unwrap(),
        "--p12",
        w.path("rsa.p12").to_str().unwrap(),
        "--password-file",
        w.path("bad.pass").to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("password"), "{}", stderr(&o));
    assert!(!w.path("o.pdf").exists());
}

#[test]
fn never_overwrites_input_or_existing_output() {
    let w = Workspace::new();
    let input = sample_default();
    w.write("in.pdf", &input);
    let args = |out: &str| {
        vec![
            "sign".to_string(),
            w.path("in.pdf").display().to_string(),
            "-o".into(),
            out.to_string(),
            "--p12".into(),
            w.path("rsa.p12").display().to_string(),
            "--password-file".into(),
            w.path("p12.pass").display().to_string(),
        ]
    };
    let run = |a: Vec<String>| {
        std::process::Command::new(env!("CARGO_BIN_EXE_kyso"))
            .args(a)
            .output()
            .unwrap()
    };
    let o = run(args(&w.path("in.pdf").display().to_string()));
    assert_eq!(o.status.code(), Some(2));
    assert_eq!(w.read("in.pdf"), input);
    w.write("exists.pdf", b"keep me");
    let o = run(args(&w.path("exists.pdf").display().to_string()));
    assert_eq!(o.status.code(), Some(2));
    assert_eq!(w.read("exists.pdf"), b"keep me");
    let mut a = args(&w.path("exists.pdf").display().to_string());
    a.push("--force".into());
    assert!(run(a).status.success());
    assert!(w.read("exists.pdf").starts_with(&input));
    // A password on the command line is not accepted.
    let mut a = args(&w.path("x.pdf").display().to_string());
    a.push("--password".into());
    a.push("test-password".into());
    assert_eq!(run(a).status.code(), Some(2));
}

#[test]
fn inspect_lists_revisions_fields_and_signatures() {
    let w = Workspace::new();
    let twice = sign_with(
        &sign_default(&sample_default()),
        &pki().ec,
        &Default::default(),
    );
    w.write("two.pdf", &twice);
    let o = kyso(&["inspect", w.path("two.pdf").to_str().unwrap()]);
    assert!(o.status.success(), "{}", stderr(&o));
    let text = stdout(&o);
    assert!(text.contains("3 revision(s)"), "{text}");
    assert!(text.contains("signature \"Signature1\""), "{text}");
    assert!(text.contains("covers revision 2"), "{text}");
    let o = kyso(&[
        "inspect",
        w.path("two.pdf").to_str().unwrap(),
        "--format",
        "json",
    ]);
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["revisions"].as_array().unwrap().len(), 3);
    assert!(!v["revisions"][1]["added"].as_array().unwrap().is_empty());
    assert!(!v["revisions"][1]["changed"].as_array().unwrap().is_empty());
}

/// The README's first command: the bundled LibreOffice sample signed with the demo signer
/// verifies with the demo root, and the result passes qpdf and pdfsig's structure checks.
#[test]
fn readme_demo_signs_and_verifies_the_bundled_sample() {
    let root = concat!(env!("CARGO_MANIFEST_DIR"), "/..");
    // The front doors show exactly this command.
    for readme in ["README.md", "README.vi.md"] {
        let text = std::fs::read_to_string(format!("{root}/{readme}")).unwrap();
        assert!(
            text.contains("cargo run --release -p kyso-cli -- sign testdata/sample.pdf -o target/sample-signed.pdf --p12 testdata/demo/signer.p12 --password-file testdata/demo/password.txt --reason \"Phê duyệt kết quả\" --force && cargo run --release -p kyso-cli -- verify target/sample-signed.pdf --trust testdata/demo/root.pem"),
            "{readme} no longer shows the demo command this test runs"
        );
    }
    let w = Workspace::new();
    let out = w.path("sample-signed.pdf");
    let o = kyso(&[
        "sign",
        &format!("{root}/testdata/sample.pdf"),
        "-o",
        out.to_str().unwrap(),
        "--p12",
        &format!("{root}/testdata/demo/signer.p12"),
        "--password-file",
        &format!("{root}/testdata/demo/password.txt"),
        "--reason",
        "Phê duyệt kết quả",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    qpdf_check(&out);
    let o = kyso(&[
        "verify",
        out.to_str().unwrap(),
        "--trust",
        &format!("{root}/testdata/demo/root.pem"),
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stdout(&o));
    assert!(stdout(&o).contains("CN=Nguyễn Văn An"), "{}", stdout(&o));
    assert!(
        stdout(&o).contains("id:       CCCD:086099012345"),
        "{}",
        stdout(&o)
    );
}

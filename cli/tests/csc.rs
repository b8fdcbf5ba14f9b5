//! `kyso sign --csc-url …` and `kyso csc list` against the test CSC service of
//! `kyso_testkit::csc` (HTTPS on 127.0.0.1 with a test CA): listing credentials when none is
//! chosen, signing, and the errors a user meets (refused token, wrong or missing PIN, a
//! service returning a bad signature) — never an output file on failure.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code

#[path = "../../tests/common/mod.rs"]
mod common;

use std::process::{Command, Output};

use common::*;
use kyso_testkit::csc::{CscCredentialSpec, CscServer, Misbehaviour};
use kyso_testkit::{CertSpec, GeneralNameSpec};

const TOKEN: &str = "cli-access-token";

fn server() -> CscServer {
    let p = pki();
    let mut spec = CertSpec::leaf("127.0.0.1");
    spec.extended_key_usage = "serverAuth".into();
    spec.subject_alt_names = vec![GeneralNameSpec::Ip(vec![127, 0, 0, 1])];
    let tls = p.intermediate.issue(&spec);
    CscServer::start_tls(
        TOKEN,
        vec![
            CscCredentialSpec::new("rsa-1", &p.rsa, &[&p.intermediate], Some("123456")),
            CscCredentialSpec::new("ec-1", &p.ec, &[&p.intermediate], Some("2468")),
        ],
        &tls,
        &[&p.intermediate],
    )
}

/// Runs `kyso` with the token in `CSC_TOKEN` and the PIN in `CSC_PIN`.
fn kyso_csc(args: &[&str], token: &str, pin: Option<&str>) -> Output {
    let mut c = Command::new(kyso_bin());
    c.args(args).env("CSC_TOKEN", token).env_remove("CSC_PIN");
    if let Some(p) = pin {
        c.env("CSC_PIN", p);
    }
    c.output().unwrap()
}

fn sign_args<'a>(w: &'a Workspace, url: &'a str, out: &'a str, extra: &[&'a str]) -> Vec<String> {
    let mut v: Vec<String> = vec![
        "sign".into(),
        w.path("in.pdf").to_str().unwrap().into(),
        "-o".into(),
        w.path(out).to_str().unwrap().into(),
        "--csc-url".into(),
        url.into(),
        "--csc-token-env".into(),
        "CSC_TOKEN".into(),
        "--csc-pin-env".into(),
        "CSC_PIN".into(),
        "--csc-tls-ca".into(),
        w.path("root.pem").to_str().unwrap().into(),
    ];
    v.extend(extra.iter().map(|s| s.to_string()));
    v
}

fn run(args: &[String], token: &str, pin: Option<&str>) -> Output {
    let a: Vec<&str> = args.iter().map(String::as_str).collect();
    kyso_csc(&a, token, pin)
}

#[test]
fn csc_sign_lists_the_credentials_then_signs_the_chosen_one() {
    let w = Workspace::new();
    w.write("in.pdf", &sample_default());
    let s = server();
    let url = s.url();

    // Two credentials, none chosen: listed with their certificates, nothing written.
    let o = run(&sign_args(&w, &url, "out.pdf", &[]), TOKEN, Some("123456"));
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    let err = stderr(&o);
    assert!(
        err.contains("credential rsa-1")
            && err.contains("credential ec-1")
            && err.contains("Nguyễn Văn An")
            && err.contains("--csc-credential"),
        "{err}"
    );
    assert!(!w.path("out.pdf").exists());

    // The chosen one signs; the result verifies.
    let o = run(
        &sign_args(&w, &url, "out.pdf", &["--csc-credential", "rsa-1"]),
        TOKEN,
        Some("123456"),
    );
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("CSC credential rsa-1"),
        "{}",
        stderr(&o)
    );
    assert!(w.read("out.pdf").starts_with(&w.read("in.pdf")));
    let o = kyso(&[
        "verify",
        w.path("out.pdf").to_str().unwrap(),
        "--trust",
        w.path("root.pem").to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(0), "{}{}", stdout(&o), stderr(&o));
    assert!(stdout(&o).contains("Nguyễn Văn An"));

    // The ECDSA credential over the v1 API.
    let o = run(
        &sign_args(
            &w,
            &url,
            "ec.pdf",
            &["--csc-credential", "ec-1", "--csc-api", "v1"],
        ),
        TOKEN,
        Some("2468"),
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let o = kyso(&[
        "verify",
        w.path("ec.pdf").to_str().unwrap(),
        "--trust",
        w.path("root.pem").to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(0), "{}{}", stdout(&o), stderr(&o));
    assert_eq!(s.calls("signatures/signHash"), 2);
}

#[test]
fn csc_sign_errors_are_clear_and_leave_no_file() {
    let w = Workspace::new();
    w.write("in.pdf", &sample_default());
    let s = server();
    let url = s.url();
    let chosen = ["--csc-credential", "rsa-1"];
    let cases: [(&str, Option<&str>, &str); 3] = [
        (
            "wrong-token",
            Some("123456"),
            "the access token was refused",
        ),
        (TOKEN, Some("999999"), "wrong PIN or OTP"),
        (TOKEN, None, "--csc-pin-env"),
    ];
    for (token, pin, expect) in cases {
        let mut args = sign_args(&w, &url, "out.pdf", &chosen);
        if pin.is_none() {
            // No PIN given at all.
            let i = args.iter().position(|a| a == "--csc-pin-env").unwrap();
            args.drain(i..i + 2);
        }
        let o = run(&args, token, pin);
        assert_eq!(o.status.code(), Some(2), "{expect}: {}", stderr(&o));
        assert!(stderr(&o).contains(expect), "{expect}: {}", stderr(&o));
        assert!(!w.path("out.pdf").exists(), "{expect}");
    }

    // The service signs another hash: refused before the PDF is written.
    s.misbehave(Misbehaviour {
        sign_other_hash: true,
        ..Misbehaviour::default()
    });
    let o = run(
        &sign_args(&w, &url, "out.pdf", &chosen),
        TOKEN,
        Some("123456"),
    );
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("was refused"), "{}", stderr(&o));
    assert!(!w.path("out.pdf").exists());

    // No token variable; the service's TLS certificate not trusted.
    let mut c = Command::new(kyso_bin());
    c.args(sign_args(&w, &url, "out.pdf", &chosen))
        .env_remove("CSC_TOKEN")
        .env("CSC_PIN", "123456");
    let o = c.output().unwrap();
    assert!(
        stderr(&o).contains("CSC_TOKEN is not set"),
        "{}",
        stderr(&o)
    );
    let mut args = sign_args(&w, &url, "out.pdf", &chosen);
    let i = args.iter().position(|a| a == "--csc-tls-ca").unwrap();
    args.drain(i..i + 2);
    let o = run(&args, TOKEN, Some("123456"));
    assert!(stderr(&o).contains("not trusted"), "{}", stderr(&o));
    assert!(!w.path("out.pdf").exists());
}

#[test]
fn csc_list_shows_credentials_and_subjects() {
    let w = Workspace::new();
    let s = server();
    let o = kyso_csc(
        &[
            "csc",
            "list",
            "--csc-url",
            &s.url(),
            "--csc-token-env",
            "CSC_TOKEN",
            "--csc-tls-ca",
            w.path("root.pem").to_str().unwrap(),
        ],
        TOKEN,
        None,
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let out = stdout(&o);
    assert!(
        out.contains("credential rsa-1")
            && out.contains("credential ec-1")
            && out.contains("SỞ THÔNG TIN VÀ TRUYỀN THÔNG")
            && out.contains("mode explicit, SCAL 2, PIN"),
        "{out}"
    );
}

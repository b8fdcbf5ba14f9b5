//! `kyso serve` as a separate process, and the service's report against `kyso verify
//! --format json`. Needs the CLI built first (`cargo build -p kyso-cli`).
#![cfg(unix)]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code

mod common;

use std::io::{BufRead, BufReader, Write};
use std::net::{SocketAddr, TcpStream};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use common::*;

#[test]
fn the_service_answers_the_same_json_as_kyso_verify() {
    let w = Workspace::new();
    w.root();
    w.write("doc.pdf", &signed_sample());
    w.write("bad.pdf", b"%PDF-1.7 not really");
    let at = kyso::time::format_rfc3339(kyso::time::now());
    let s = Server::start(&config_with(&w, ""), true);
    for name in ["doc.pdf", "bad.pdf"] {
        let o = Command::new(kyso_bin())
            .current_dir(w.dir.path())
            .args([
                "verify",
                "--format",
                "json",
                "--trust",
                "root.pem",
                "--offline",
                "--revocation",
                "off",
                "--at",
                &at,
                name,
            ])
            .output()
            .unwrap();
        let cli: serde_json::Value = serde_json::from_slice(&o.stdout)
            .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&o.stderr)));
        let body = multipart(&[("file", Some(name), &std::fs::read(w.path(name)).unwrap())]);
        let r = s.post(
            &format!("/v1/verify?revocation=off&at={}", at.replace(':', "%3A")),
            &multipart_type(),
            &body,
        );
        assert_eq!(r.status, 200, "{}", r.text());
        assert_eq!(r.json(), cli, "{name}: the service and the CLI disagree");
    }
    assert_eq!(
        serde_json::from_slice::<serde_json::Value>(
            &Command::new(kyso_bin())
                .current_dir(w.dir.path())
                .args([
                    "verify",
                    "--format",
                    "json",
                    "--trust",
                    "root.pem",
                    "--offline",
                    "--revocation",
                    "off",
                    "doc.pdf"
                ])
                .output()
                .unwrap()
                .stdout
        )
        .unwrap()["valid"],
        true
    );
}

struct Running {
    child: Child,
    addr: SocketAddr,
    lines: mpsc::Receiver<String>,
}

#[allow(clippy::zombie_processes)] // the caller waits for it
fn start(args: &[&str], dir: &std::path::Path) -> Running {
    let mut child = Command::new(kyso_bin())
        .current_dir(dir)
        .arg("serve")
        .args(args)
        .stderr(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    let (tx, rx) = mpsc::channel();
    let err = child.stderr.take().unwrap();
    std::thread::spawn(move || {
        for l in BufReader::new(err).lines().map_while(Result::ok) {
            let _ = tx.send(l);
        }
    });
    let mut log = String::new();
    loop {
        let l = rx
            .recv_timeout(Duration::from_secs(30))
            .unwrap_or_else(|_| panic!("kyso serve did not start:\n{log}"));
        log.push_str(&l);
        log.push('\n');
        if let Some(rest) = l.strip_prefix("listening on http://") {
            let addr = rest.trim_end_matches('/').parse().unwrap();
            return Running {
                child,
                addr,
                lines: rx,
            };
        }
    }
}

#[test]
fn kyso_serve_runs_verifies_and_finishes_in_flight_work_on_sigterm() {
    let w = Workspace::new();
    w.root();
    let mut r = start(
        &["--listen", "127.0.0.1:0", "--trust", "root.pem"],
        w.dir.path(),
    );
    let signed = signed_sample();
    let v = request(
        r.addr,
        "POST",
        "/v1/verify?revocation=off",
        &[("Content-Type", "application/pdf")],
        &signed,
    );
    assert_eq!(v.status, 200, "{}", v.text());
    assert_eq!(v.json()["valid"], true);
    // Without a config, signing is closed.
    let p = request(
        r.addr,
        "POST",
        "/v1/sign/prepare",
        &[("Content-Type", "application/pdf")],
        &signed,
    );
    p.assert_error(401, "unauthorized");

    // A request in flight when SIGTERM arrives still gets its answer.
    let mut slow = TcpStream::connect(r.addr).unwrap();
    slow.set_read_timeout(Some(Duration::from_secs(30)))
        .unwrap();
    write!(
        slow,
        "POST /v1/verify?revocation=off HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Type: application/pdf\r\nContent-Length: {}\r\n\r\n",
        signed.len()
    )
    .unwrap();
    slow.write_all(&signed[..500]).unwrap();
    std::thread::sleep(Duration::from_millis(300));
    let k = Command::new("kill")
        .args(["-TERM", &r.child.id().to_string()])
        .status()
        .unwrap();
    assert!(k.success());
    std::thread::sleep(Duration::from_millis(300));
    slow.write_all(&signed[500..]).unwrap();
    let resp = read_response(&mut slow);
    assert_eq!(resp.status, 200);
    assert_eq!(resp.json()["valid"], true);
    let mut status = None;
    for _ in 0..100 {
        if let Some(s) = r.child.try_wait().unwrap() {
            status = Some(s);
            break;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    let status = status.unwrap_or_else(|| {
        let _ = r.child.kill();
        panic!("kyso serve did not exit after SIGTERM")
    });
    assert!(status.success(), "{status:?}");
    let log: Vec<String> = r.lines.try_iter().collect();
    assert!(log.iter().any(|l| l.contains("shutting down")), "{log:?}");
}

#[test]
fn kyso_serve_refuses_a_public_listener_without_a_config_and_a_bad_config() {
    let w = Workspace::new();
    let o = Command::new(kyso_bin())
        .args(["serve", "--listen", "0.0.0.0:0"])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("loopback"), "{err}");

    let cfg = w.write("bad.toml", b"[limits]\nbody_bytse = 10\n");
    let o = Command::new(kyso_bin())
        .args(["serve", "--config"])
        .arg(&cfg)
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("body_bytse"), "{err}");
}

/// The client examples a portal team copies (`service/examples/`: curl, Python requests,
/// Java java.net.http) run against a started `kyso serve` and report the signed file valid.
#[test]
fn the_client_examples_run_against_a_started_server() {
    let w = Workspace::new();
    w.root();
    let file = w.write("signed.pdf", &signed_sample());
    let mut r = start(
        &["--listen", "127.0.0.1:0", "--trust", "root.pem"],
        w.dir.path(),
    );
    let url = format!("http://{}", r.addr);
    let examples = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("examples");
    let runs: [(&str, Vec<std::ffi::OsString>, &str); 3] = [
        (
            "sh",
            vec![examples.join("curl.sh").into(), file.clone().into()],
            "valid: True",
        ),
        (
            "python3",
            vec![examples.join("client.py").into(), file.clone().into()],
            "VALID: ",
        ),
        (
            "java",
            vec![examples.join("Verify.java").into(), file.clone().into()],
            "VALID ",
        ),
    ];
    for (prog, args, expect) in runs {
        let o = Command::new(prog)
            .current_dir(w.dir.path())
            .env("KYSO_URL", &url)
            .args(&args)
            .output()
            .unwrap_or_else(|e| panic!("{prog}: {e}"));
        let out = format!(
            "{}{}",
            String::from_utf8_lossy(&o.stdout),
            String::from_utf8_lossy(&o.stderr)
        );
        assert!(o.status.success() && out.contains(expect), "{prog}:\n{out}");
    }
    let _ = Command::new("kill")
        .args(["-TERM", &r.child.id().to_string()])
        .status();
    let _ = r.child.wait();
}

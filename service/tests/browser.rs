//! The web page in a real browser: Debian's chromium driven by playwright-core (see
//! `tests/browser/page.cjs`). Built only with `--features browser-tests`, which needs
//! `/usr/bin/chromium` (`apt-get install chromium`) and `npm i playwright-core` in the
//! directory named by `PLAYWRIGHT_DIR`; nothing downloads a browser.
//!
//! `KYSO_SCREENSHOT=docs/service-page.png` keeps the screenshot (else it goes to a temp dir).
#![cfg(feature = "browser-tests")]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code

mod common;

use std::path::PathBuf;
use std::process::Command;

use common::*;

#[test]
fn the_page_shows_valid_tampered_and_non_pdf_files_in_plain_words() {
    let w = Workspace::new();
    let s = Server::start(&config_with(&w, ""), true);
    let signed = signed_sample();
    let mut tampered = signed.clone();
    let at = tampered.windows(3).position(|x| x == b"595").unwrap();
    tampered[at + 2] = b'6'; // MediaBox 595 → 596: still a PDF, no longer the signed one
    let valid = w.write("hop-le.pdf", &signed);
    let tampered = w.write("bi-sua.pdf", &tampered);
    let not_pdf = w.write("khong-phai-pdf.pdf", b"hello, this is not a PDF");
    let shot = std::env::var_os("KYSO_SCREENSHOT")
        .map(PathBuf::from)
        .unwrap_or_else(|| w.path("page.png"));
    let dir = std::env::var("PLAYWRIGHT_DIR")
        .expect("set PLAYWRIGHT_DIR to a directory where `npm i playwright-core` was run");
    let script = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/browser/page.cjs");
    let o = Command::new("node")
        .env("NODE_PATH", PathBuf::from(dir).join("node_modules"))
        .arg(script)
        .arg(format!("http://{}/", s.addr))
        .args([&valid, &tampered, &not_pdf, &shot])
        .output()
        .unwrap();
    let out = format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
    assert!(o.status.success() && out.contains("ok"), "{out}");
    assert!(shot.exists());
}

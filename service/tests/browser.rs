//! The web page in a real browser: Debian's chromium driven by playwright-core (see
//! `tests/browser/page.cjs`). Needs `/usr/bin/chromium` and playwright-core in
//! `PLAYWRIGHT_DIR` (default `.peers/playwright`), both installed by
//! `scripts/install-test-peers.sh`; nothing downloads a browser.
//!
//! `KYSO_SCREENSHOT=docs/service-page.png` keeps the screenshot (else it goes to a temp dir).
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
    let dir = std::env::var_os("PLAYWRIGHT_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            let peers = std::env::var_os("KYSO_PEERS_DIR").map_or_else(
                || PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../.peers"),
                PathBuf::from,
            );
            peers.join("playwright")
        });
    assert!(
        dir.join("node_modules/playwright-core").is_dir(),
        "playwright-core is not installed in {}: run scripts/install-test-peers.sh",
        dir.display()
    );
    let script = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/browser/page.cjs");
    let o = Command::new("node")
        .env("NODE_PATH", dir.join("node_modules"))
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

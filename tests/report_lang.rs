//! `kyso verify` reports in Vietnamese (Circular 15/2025/TT-BKHCN Art. 6) or English:
//! `--lang`, else `KYSO_LANG`, else `LANG` starting with `vi`, else English. The JSON keeps
//! its field names; its messages follow the language.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code

mod common;

use std::process::{Command, Output};

use kyso::report::{render_text_lang, CheckId, CheckStatus, Lang};

fn verify(w: &common::Workspace, file: &str, extra: &[&str], env: &[(&str, &str)]) -> Output {
    let mut c = Command::new(common::kyso_bin());
    c.arg("verify")
        .arg("--trust")
        .arg(w.path("root.pem"))
        .args(["--offline", "--revocation", "off"])
        .args(extra)
        .arg(w.path(file))
        .env_remove("KYSO_LANG")
        .env_remove("LANG")
        .env_remove("LC_ALL");
    for (k, v) in env {
        c.env(k, v);
    }
    c.output().unwrap()
}

/// No decomposed diacritics (combining marks U+0300–U+036F): precomposed NFC text.
fn assert_nfc(s: &str) {
    assert!(
        !s.chars().any(|c| ('\u{300}'..='\u{36f}').contains(&c)),
        "combining marks in {s}"
    );
}

fn workspace() -> common::Workspace {
    let w = common::Workspace::new();
    let signed = common::sign_default(&common::sample_default());
    w.write("good.pdf", &signed);
    let mut bad = signed.clone();
    // Change a byte of the signed content (the sample's text), keeping the structure.
    let pos = bad.windows(2).position(|x| x == b"Tj").unwrap();
    bad[pos - 3] ^= 0x01;
    w.write("bad.pdf", &bad);
    w
}

#[test]
fn verify_speaks_vietnamese_with_lang_vi_and_english_with_lang_en() {
    let w = workspace();
    let o = verify(&w, "good.pdf", &["--lang", "vi"], &[]);
    assert!(o.status.success(), "{}", common::stdout(&o));
    let vi = common::stdout(&o);
    assert!(vi.contains(": Hợp lệ (TOTAL-PASSED"), "{vi}");
    assert!(vi.contains("Hợp lệ: đã xác minh 1 chữ ký số"), "{vi}");
    assert!(vi.contains("Giá trị chữ ký số: hợp lệ"), "{vi}");
    assert!(!vi.contains("VALID"), "{vi}");
    assert_nfc(&vi);

    let o = verify(&w, "bad.pdf", &["--lang", "vi"], &[]);
    assert_eq!(o.status.code(), Some(1));
    let vi = common::stdout(&o);
    assert!(vi.contains(": Không hợp lệ ("), "{vi}");
    assert!(vi.contains("Không hợp lệ: 0/1 chữ ký số hợp lệ;"), "{vi}");
    assert_nfc(&vi);

    let o = verify(&w, "good.pdf", &["--lang", "en"], &[]);
    let en = common::stdout(&o);
    assert!(en.contains(": VALID (TOTAL-PASSED"), "{en}");
    assert!(!en.contains("Hợp lệ"), "{en}");
}

#[test]
fn the_default_language_comes_from_kyso_lang_then_lang() {
    let w = workspace();
    let text = |env: &[(&str, &str)]| common::stdout(&verify(&w, "good.pdf", &[], env));
    assert!(text(&[]).contains(": VALID"));
    assert!(text(&[("LANG", "vi_VN.UTF-8")]).contains(": Hợp lệ"));
    assert!(text(&[("KYSO_LANG", "vi")]).contains(": Hợp lệ"));
    assert!(text(&[("KYSO_LANG", "en"), ("LANG", "vi_VN.UTF-8")]).contains(": VALID"));
    assert!(text(&[("LANG", "en_US.UTF-8")]).contains(": VALID"));
}

#[test]
fn json_keeps_its_field_names_with_messages_in_the_chosen_language() {
    let w = workspace();
    let o = verify(&w, "bad.pdf", &["--lang", "vi", "--format", "json"], &[]);
    let vi: serde_json::Value = serde_json::from_str(common::stdout(&o).trim()).unwrap();
    let o = verify(&w, "bad.pdf", &["--lang", "en", "--format", "json"], &[]);
    let en: serde_json::Value = serde_json::from_str(common::stdout(&o).trim()).unwrap();
    // Same fields and values apart from the human-readable messages.
    let keys = |v: &serde_json::Value| {
        let mut k: Vec<String> = v.as_object().unwrap().keys().cloned().collect();
        k.sort();
        k
    };
    assert_eq!(keys(&vi), keys(&en));
    assert_eq!(vi["indication"], en["indication"]);
    assert_eq!(vi["valid"], false);
    let summary = vi["summary"].as_str().unwrap();
    assert!(summary.starts_with("Không hợp lệ"), "{summary}");
    assert!(en["summary"].as_str().unwrap().starts_with("not valid"));
    let checks = vi["signatures"][0]["checks"].as_array().unwrap();
    let digest = checks.iter().find(|c| c["id"] == "message-digest").unwrap();
    assert_eq!(
        digest["message"],
        "Giá trị băm của dữ liệu được ký: không hợp lệ"
    );
    assert_eq!(digest["status"], "failed");
}

#[test]
fn every_check_and_status_has_a_vietnamese_label_and_no_line_mixes_languages() {
    for id in CheckId::ALL {
        let vi = id.label(Lang::Vi);
        let en = id.label(Lang::En);
        assert!(!vi.is_empty() && vi != en, "{id}");
        assert_nfc(vi);
    }
    // A Vietnamese rendering: the English details of a failed check are on their own line.
    let r = common::verify(&{
        let mut b = common::sign_default(&common::sample_default());
        let pos = b.windows(2).position(|x| x == b"Tj").unwrap();
        b[pos - 3] ^= 0x01;
        b
    });
    let failed = r.signatures[0]
        .checks
        .iter()
        .find(|c| c.status == CheckStatus::Failed)
        .unwrap();
    let text = render_text_lang(&r, Lang::Vi);
    let detail_line = text
        .lines()
        .find(|l| l.contains(failed.message.as_str()))
        .unwrap();
    assert!(detail_line.trim_start().starts_with('↳'), "{detail_line}");
    assert_eq!(
        render_text_lang(&r, Lang::En),
        kyso::report::render_text(&r)
    );
}

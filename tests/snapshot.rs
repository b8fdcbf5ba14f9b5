//! One snapshot per validation: a file over 4 MiB is read on demand, so a change of the file
//! while it is validated would mix two byte strings into one verdict. It is detected (length
//! and modification time) and the verdict is INDETERMINATE, never valid.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code

mod common;

use std::io::{Seek, SeekFrom, Write};

use kyso::pdf::source::Source;
use kyso::pdf::Document;
use kyso::report::{CheckStatus, Indication};
use kyso_testkit::SampleOptions;

/// A signed document of about 5 MiB, in a temporary file.
fn big_signed_file() -> tempfile::NamedTempFile {
    let input = common::sample(&SampleOptions {
        padding: 5 << 20,
        ..Default::default()
    });
    let signed = common::sign_default(&input);
    assert!(signed.len() as u64 > 4 << 20);
    let mut f = tempfile::NamedTempFile::new().unwrap();
    f.write_all(&signed).unwrap();
    f.flush().unwrap();
    f
}

fn open(f: &tempfile::NamedTempFile) -> Document {
    let source = Source::open(f.path()).unwrap();
    assert!(matches!(source, Source::File { .. }), "read on demand");
    Document::from_source(source).unwrap()
}

fn changed_finding(r: &kyso::report::FileReport) -> Option<&kyso::report::Finding> {
    r.findings.iter().find(|f| f.id == "file-changed")
}

#[test]
fn an_unchanged_large_file_validates() {
    let f = big_signed_file();
    let r = common::validator().validate_opened("big.pdf", &open(&f));
    assert!(r.valid, "{}", kyso::report::render_text(&r));
    assert!(changed_finding(&r).is_none());
    let r = common::validator().validate_file(f.path()).unwrap();
    assert!(r.valid);
}

#[test]
fn a_large_file_appended_to_during_validation_is_not_valid() {
    let f = big_signed_file();
    let doc = open(&f);
    // Another process appends an update between opening and hashing.
    let mut w = std::fs::OpenOptions::new()
        .append(true)
        .open(f.path())
        .unwrap();
    w.write_all(b"\n1000 0 obj\n(appended)\nendobj\n").unwrap();
    w.flush().unwrap();
    let r = common::validator().validate_opened("big.pdf", &doc);
    assert!(!r.valid, "{}", kyso::report::render_text(&r));
    assert_eq!(r.indication, Indication::Indeterminate);
    let finding = changed_finding(&r).expect("a file-changed finding");
    assert_eq!(finding.status, CheckStatus::Indeterminate);
    assert!(
        finding.message.contains("bytes when opened"),
        "{}",
        finding.message
    );
}

#[test]
fn a_large_file_rewritten_in_place_during_validation_is_not_valid() {
    let f = big_signed_file();
    let doc = open(&f);
    // Same length, other bytes (after a pause longer than the clock's granularity).
    std::thread::sleep(std::time::Duration::from_millis(50));
    let mut w = std::fs::OpenOptions::new()
        .write(true)
        .open(f.path())
        .unwrap();
    w.seek(SeekFrom::Start(100)).unwrap();
    w.write_all(b"X").unwrap();
    w.flush().unwrap();
    let r = common::validator().validate_opened("big.pdf", &doc);
    assert!(!r.valid, "{}", kyso::report::render_text(&r));
    let finding = changed_finding(&r).expect("a file-changed finding");
    assert!(
        finding.message.contains("modification time"),
        "{}",
        finding.message
    );
}

//! The JSON report is a public contract (`schema_version` 1): the report of a known file,
//! validated at a fixed time, must stay exactly as pinned in
//! `testdata/golden/sample-signed.report.json` (field names, value spellings, check ids).
//! If a change here is intended, it is a schema change: bump `SCHEMA_VERSION` or only add
//! fields, and regenerate the file with
//! `kyso verify testdata/golden/sample-signed.pdf --trust testdata/demo/root.pem
//!  --at 2026-12-01T00:00:00Z --offline --format json`.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code

use kyso::{Certificate, TrustStore, ValidationOptions, Validator};

const ROOT: &str = env!("CARGO_MANIFEST_DIR");

fn report_of_golden_file() -> serde_json::Value {
    let mut trust = TrustStore::new();
    for c in Certificate::from_pem_or_der(
        &std::fs::read(format!("{ROOT}/testdata/demo/root.pem")).unwrap(),
    )
    .unwrap()
    {
        trust.add(c);
    }
    let validator = Validator::new(ValidationOptions {
        trust,
        validation_time: kyso::time::parse_rfc3339("2026-12-01T00:00:00Z"),
        ..Default::default()
    });
    let bytes = std::fs::read(format!("{ROOT}/testdata/golden/sample-signed.pdf")).unwrap();
    let report = validator.validate_bytes("testdata/golden/sample-signed.pdf", &bytes);
    serde_json::to_value(&report).unwrap()
}

#[test]
fn report_json_is_pinned() {
    let got = report_of_golden_file();
    let want: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(format!("{ROOT}/testdata/golden/sample-signed.report.json"))
            .unwrap(),
    )
    .unwrap();
    assert_eq!(
        got,
        want,
        "the JSON report changed:\n{}",
        serde_json::to_string_pretty(&got).unwrap()
    );
}

#[test]
fn check_ids_and_enums_keep_their_spellings() {
    let got = report_of_golden_file();
    let sig = &got["signatures"][0];
    assert_eq!(sig["kind"], "signature");
    assert_eq!(sig["pades_level"], "B-B");
    assert_eq!(sig["coverage"]["kind"], "whole-file");
    assert_eq!(got["revocation_policy"], "soft-fail");
    let ids: Vec<&str> = sig["checks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_str().unwrap())
        .collect();
    for id in ids {
        let parsed = kyso::CheckId::parse(id).unwrap_or_else(|| panic!("{id} is no CheckId"));
        assert_eq!(parsed.as_str(), id);
        assert_eq!(serde_json::to_value(parsed).unwrap(), id);
    }
    // Every required check of an approval signature is in the pinned report, passed.
    for id in kyso::CheckId::required_for(kyso::SignatureKind::Approval) {
        assert!(
            sig["checks"]
                .as_array()
                .unwrap()
                .iter()
                .any(|c| c["id"] == id.as_str()
                    && (c["status"] == "passed" || c["status"] == "warning")),
            "{id} missing from the golden report"
        );
    }
}

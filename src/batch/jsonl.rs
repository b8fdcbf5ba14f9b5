//! The per-file records of a batch, written as JSON Lines (one object per line, flushed as
//! each file finishes) and optionally as CSV; and reading them back to merge shard reports.
//!
//! **Stability:** the field names below are a public contract, like the JSON report's
//! (fields may be added; none are renamed or removed).

use std::io::BufRead;

use serde::{Deserialize, Serialize};

use crate::report::{CheckStatus, FileReport};

/// One verified file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct VerifyRecord {
    /// The file as found (argument, directory walk or manifest line).
    pub file: String,
    /// `valid`, `invalid` (read, not valid), or `error` (could not be read).
    pub status: String,
    /// `TOTAL-PASSED`, `TOTAL-FAILED` or `INDETERMINATE` (absent on `error`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub indication: Option<String>,
    /// The ETSI sub-indication that decided the verdict, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sub_indication: Option<String>,
    /// Why the file is not valid, as a key for counting: the sub-indication, else the
    /// file-level finding's id (`not-a-pdf`, `no-signatures`, `trailing-bytes`, …), or
    /// `io-error`. Absent when valid.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// The decisive check in words (`Signature1: message-digest: …`). Absent when valid.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    /// Number of signatures found.
    pub signatures: usize,
    /// The signers' subjects, in revision order.
    pub signers: Vec<String>,
    /// The signers' certificate SHA-256 fingerprints, in the same order.
    pub signer_sha256: Vec<String>,
    /// File size in bytes (0 when unknown).
    pub bytes: u64,
    /// Time spent on this file, in milliseconds.
    pub ms: f64,
    /// The I/O error, for `error`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// The full report (`--report-full`), as `kyso verify --format json` prints it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub report: Option<serde_json::Value>,
}

impl VerifyRecord {
    /// The record of a report.
    pub fn from_report(report: &FileReport, bytes: u64, ms: f64, full: bool) -> Self {
        let (reason, message) = if report.valid {
            (None, None)
        } else {
            let (r, m) = decisive(report);
            (Some(r), Some(m))
        };
        VerifyRecord {
            file: report.file.clone(),
            status: if report.valid { "valid" } else { "invalid" }.into(),
            indication: Some(report.indication.as_str().into()),
            sub_indication: report.sub_indication.map(sub_indication_str),
            reason,
            message,
            signatures: report.signatures.len(),
            signers: report
                .signatures
                .iter()
                .map(|s| {
                    s.signer
                        .as_ref()
                        .map(|c| c.subject.clone())
                        .unwrap_or_default()
                })
                .collect(),
            signer_sha256: report
                .signatures
                .iter()
                .map(|s| {
                    s.signer
                        .as_ref()
                        .map(|c| c.sha256.clone())
                        .unwrap_or_default()
                })
                .collect(),
            bytes,
            ms,
            error: None,
            report: if full {
                serde_json::to_value(report).ok()
            } else {
                None
            },
        }
    }

    /// The record of a file that could not be read.
    pub fn from_error(file: String, error: &dyn std::fmt::Display, ms: f64) -> Self {
        VerifyRecord {
            file,
            status: "error".into(),
            indication: None,
            sub_indication: None,
            reason: Some("io-error".into()),
            message: Some(error.to_string()),
            signatures: 0,
            signers: Vec::new(),
            signer_sha256: Vec::new(),
            bytes: 0,
            ms,
            error: Some(error.to_string()),
            report: None,
        }
    }

    /// Whether the file is valid.
    pub fn is_valid(&self) -> bool {
        self.status == "valid"
    }
}

/// The ETSI spelling of a sub-indication (`HASH_FAILURE`, …).
pub fn sub_indication_str(s: crate::report::SubIndication) -> String {
    match serde_json::to_value(s) {
        Ok(serde_json::Value::String(t)) => t,
        _ => format!("{s:?}"),
    }
}

/// What decided that a report is not valid: (reason key, message).
fn decisive(r: &FileReport) -> (String, String) {
    let bad = |st: CheckStatus| matches!(st, CheckStatus::Failed | CheckStatus::Indeterminate);
    for s in r.signatures.iter().filter(|s| s.indication == r.indication) {
        if let Some(c) = s.checks.iter().find(|c| bad(c.status)) {
            let reason = c
                .sub_indication
                .or(s.sub_indication)
                .map(sub_indication_str)
                .unwrap_or_else(|| c.id.to_string());
            return (reason, format!("{}: {}: {}", s.field, c.id, c.message));
        }
    }
    if let Some(f) = r.findings.iter().find(|f| bad(f.status)) {
        return (f.id.to_string(), f.message.clone());
    }
    match r.sub_indication {
        Some(s) => (sub_indication_str(s), r.summary.clone()),
        None => ("not-valid".into(), r.summary.clone()),
    }
}

/// One signed (or skipped, or failed) file of a batch sign.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SignRecord {
    /// The input file.
    pub input: String,
    /// The output file (may be empty when no output path could be made).
    pub output: String,
    /// SHA-256 of the output file (hex), when it exists and verified.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sha256: Option<String>,
    /// The signer's subject.
    pub signer: String,
    /// When the file was done (RFC 3339, UTC); for `signed`, the signing time.
    pub time: String,
    /// `signed`, `skipped` (a verified output was already there: resumed), or `failed`.
    pub status: String,
    /// Why it failed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// Output size in bytes (0 when none).
    pub bytes: u64,
    /// Time spent on this file, in milliseconds.
    pub ms: f64,
}

/// Reads JSON Lines: each non-empty line must be a JSON object.
///
/// # Errors
/// I/O errors, or `InvalidData` naming the line that is not a JSON object.
pub fn for_each_line(
    input: impl BufRead,
    name: &str,
    f: &mut dyn FnMut(serde_json::Map<String, serde_json::Value>) -> std::io::Result<()>,
) -> std::io::Result<()> {
    for (i, line) in input.lines().enumerate() {
        let line = line?;
        if line.trim().is_empty() {
            continue;
        }
        match serde_json::from_str::<serde_json::Value>(&line) {
            Ok(serde_json::Value::Object(m)) => f(m)?,
            _ => {
                return Err(std::io::Error::new(
                    std::io::ErrorKind::InvalidData,
                    format!("{name}, line {}: not a JSON object", i + 1),
                ))
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records_round_trip_and_lines_are_objects() {
        let r = VerifyRecord::from_error("x.pdf".into(), &"gone", 1.5);
        let mut buf = Vec::new();
        serde_json::to_writer(&mut buf, &r).unwrap();
        buf.push(b'\n');
        let back: VerifyRecord = serde_json::from_slice(&buf).unwrap();
        assert_eq!(back, r);
        let mut n = 0;
        for_each_line(&buf[..], "t", &mut |m| {
            assert_eq!(m["status"], "error");
            n += 1;
            Ok(())
        })
        .unwrap();
        assert_eq!(n, 1);
        assert!(for_each_line(&b"[1]\n"[..], "t", &mut |_| Ok(())).is_err());
    }
}

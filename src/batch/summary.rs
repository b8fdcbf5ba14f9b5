//! The summary of a batch: counts by verdict (status) and by failure reason, bytes, time and
//! throughput; and merging shard reports into one.

use std::collections::{BTreeMap, HashSet};
use std::io::Write;
use std::time::Duration;

use super::jsonl::{for_each_line, SignRecord, VerifyRecord};

/// Counts over a batch.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Summary {
    /// Files seen.
    pub files: u64,
    /// Files by status (`valid`, `invalid`, `error`; `signed`, `skipped`, `failed`).
    pub by_status: BTreeMap<String, u64>,
    /// Files not valid / not signed, by reason.
    pub by_reason: BTreeMap<String, u64>,
    /// Bytes of the files.
    pub bytes: u64,
    /// Wall time of the batch.
    pub elapsed: Option<Duration>,
    /// Records seen twice (merge only).
    pub duplicates: u64,
}

/// Statuses that count as success.
pub(crate) const OK_STATUSES: [&str; 3] = ["valid", "signed", "skipped"];

impl Summary {
    /// Counts one file.
    pub fn add(&mut self, status: &str, reason: Option<&str>, bytes: u64) {
        fn bump(map: &mut BTreeMap<String, u64>, key: &str) {
            match map.get_mut(key) {
                Some(n) => *n += 1,
                None => {
                    map.insert(key.to_string(), 1);
                }
            }
        }
        self.files += 1;
        bump(&mut self.by_status, status);
        if !OK_STATUSES.contains(&status) {
            bump(&mut self.by_reason, reason.unwrap_or("unknown"));
        }
        self.bytes += bytes;
    }

    /// Counts a verify record.
    pub fn add_verify(&mut self, r: &VerifyRecord) {
        self.add(&r.status, r.reason.as_deref(), r.bytes);
    }

    /// Counts a sign record (the reason of a failure is its error's first clause).
    pub fn add_sign(&mut self, r: &SignRecord) {
        let reason = r.error.as_deref().map(reason_of_error);
        self.add(&r.status, reason, r.bytes);
    }

    /// Whether every file succeeded (and there was at least one).
    pub fn all_ok(&self) -> bool {
        self.files > 0
            && self
                .by_status
                .iter()
                .all(|(s, _)| OK_STATUSES.contains(&s.as_str()))
    }

    /// Files whose status is `status`.
    pub fn count(&self, status: &str) -> u64 {
        self.by_status.get(status).copied().unwrap_or(0)
    }

    /// The summary table, as text (`what` names the operation: "verified", "signed").
    pub fn render(&self, what: &str) -> String {
        use std::fmt::Write as _;
        let mut o = String::new();
        let mb = self.bytes as f64 / 1e6;
        let _ = write!(o, "{} files {what}, {mb:.1} MB", self.files);
        if let Some(e) = self.elapsed {
            let s = e.as_secs_f64().max(1e-9);
            let _ = write!(
                o,
                " in {s:.2} s ({:.0} files/s, {:.1} MB/s)",
                self.files as f64 / s,
                mb / s
            );
        }
        o.push('\n');
        if self.duplicates > 0 {
            let _ = writeln!(
                o,
                "{} duplicate records (the same file in several shards)",
                self.duplicates
            );
        }
        let width = self
            .by_status
            .keys()
            .chain(self.by_reason.keys())
            .map(|k| k.chars().count())
            .max()
            .unwrap_or(0)
            .max(14);
        let _ = writeln!(o, "  {:<width$}  {:>8}", "verdict", "files");
        for (k, v) in &self.by_status {
            let _ = writeln!(o, "  {k:<width$}  {v:>8}");
        }
        if !self.by_reason.is_empty() {
            let _ = writeln!(o, "  {:<width$}  {:>8}", "failure reason", "files");
            let mut reasons: Vec<_> = self.by_reason.iter().collect();
            reasons.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
            for (k, v) in reasons {
                let _ = writeln!(o, "  {k:<width$}  {v:>8}");
            }
        }
        o
    }
}

/// A short key for a sign error: the text before the first `:` (or all of it, shortened).
fn reason_of_error(e: &str) -> &str {
    let head = e.split(':').next().unwrap_or(e).trim();
    match head.char_indices().nth(60) {
        Some((i, _)) => &head[..i],
        None => head,
    }
}

/// Merges JSON Lines reports (shards of one batch, verify reports or sign logs) into `out`,
/// in the order given, and counts them. A file reported by several shards is kept every time
/// and counted in [`Summary::duplicates`].
///
/// # Errors
/// I/O errors, or a line that is not a JSON object.
pub fn merge(
    inputs: &mut [(String, Box<dyn std::io::BufRead>)],
    out: &mut dyn Write,
) -> std::io::Result<Summary> {
    let mut summary = Summary::default();
    let mut seen: HashSet<u64> = HashSet::new();
    for (name, input) in inputs.iter_mut() {
        for_each_line(input, name, &mut |m| {
            let key = m
                .get("file")
                .or_else(|| m.get("input"))
                .and_then(|v| v.as_str())
                .unwrap_or("");
            if !seen.insert(fnv(key.as_bytes())) {
                summary.duplicates += 1;
            }
            let status = m
                .get("status")
                .and_then(|v| v.as_str())
                .unwrap_or("unknown");
            let reason = m
                .get("reason")
                .and_then(|v| v.as_str())
                .or_else(|| m.get("error").and_then(|v| v.as_str()).map(reason_of_error));
            let bytes = m
                .get("bytes")
                .and_then(serde_json::Value::as_u64)
                .unwrap_or(0);
            summary.add(status, reason, bytes);
            serde_json::to_writer(&mut *out, &m)?;
            out.write_all(b"\n")
        })?;
    }
    out.flush()?;
    Ok(summary)
}

fn fnv(bytes: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for &b in bytes {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_and_table() {
        let mut s = Summary::default();
        s.add("valid", None, 100);
        s.add("valid", None, 100);
        s.add("invalid", Some("HASH_FAILURE"), 100);
        s.add("error", Some("io-error"), 0);
        assert_eq!(s.files, 4);
        assert_eq!(s.count("valid"), 2);
        assert!(!s.all_ok());
        let t = s.render("verified");
        assert!(t.contains("4 files verified"), "{t}");
        assert!(t.contains("HASH_FAILURE"), "{t}");
        let mut ok = Summary::default();
        assert!(!ok.all_ok(), "an empty batch is not a success");
        ok.add("skipped", None, 1);
        ok.add("signed", None, 1);
        assert!(ok.all_ok());
    }

    #[test]
    fn merge_joins_and_counts_duplicates() {
        let a = "{\"file\":\"a.pdf\",\"status\":\"valid\",\"bytes\":10}\n";
        let b = "{\"file\":\"b.pdf\",\"status\":\"invalid\",\"reason\":\"HASH_FAILURE\",\"bytes\":5}\n\n{\"file\":\"a.pdf\",\"status\":\"valid\",\"bytes\":10}\n";
        let mut inputs: Vec<(String, Box<dyn std::io::BufRead>)> = vec![
            ("a".into(), Box::new(a.as_bytes())),
            ("b".into(), Box::new(b.as_bytes())),
        ];
        let mut out = Vec::new();
        let s = merge(&mut inputs, &mut out).unwrap();
        assert_eq!(s.files, 3);
        assert_eq!(s.duplicates, 1);
        assert_eq!(s.by_reason.get("HASH_FAILURE"), Some(&1));
        assert_eq!(String::from_utf8(out).unwrap().lines().count(), 3);
    }

    #[test]
    fn sign_errors_are_grouped_by_their_first_clause() {
        assert_eq!(
            reason_of_error("cannot read the input PDF: not a PDF"),
            "cannot read the input PDF"
        );
    }
}

//! Output writers for batch records: JSON Lines and CSV. They live in the CLI so the library
//! decides nothing about output formats.

use std::io::Write;

/// Whether an output error is a closed pipe (the reader went away, as under `| head`): not
/// an error of the command, whose verdict and exit code stay what they are.
pub fn is_broken_pipe(e: &std::io::Error) -> bool {
    e.kind() == std::io::ErrorKind::BrokenPipe
}

use kyso::batch::VerifyRecord;
use serde::Serialize;

/// Writes records as JSON Lines, flushing after each (so a reader sees every finished file,
/// and a crash loses none).
pub struct JsonlWriter<W: Write> {
    out: W,
}

impl<W: Write> JsonlWriter<W> {
    /// A writer.
    pub fn new(out: W) -> Self {
        JsonlWriter { out }
    }
    /// Writes one record and flushes.
    ///
    /// # Errors
    /// I/O errors (a closed pipe included).
    pub fn write<T: Serialize>(&mut self, record: &T) -> std::io::Result<()> {
        serde_json::to_writer(&mut self.out, record)?;
        self.out.write_all(b"\n")?;
        self.out.flush()
    }
}

/// CSV columns of [`CsvWriter`] for verify records.
pub const VERIFY_CSV_HEADER: &str =
    "file,status,indication,sub_indication,reason,signatures,signers,bytes,ms,error,message";

/// Writes verify records as CSV (RFC 4180 quoting; several signers joined with ` | `).
pub struct CsvWriter<W: Write> {
    out: W,
}

impl<W: Write> CsvWriter<W> {
    /// A writer; writes the header line.
    ///
    /// # Errors
    /// I/O errors.
    pub fn new(mut out: W) -> std::io::Result<Self> {
        writeln!(out, "{VERIFY_CSV_HEADER}")?;
        Ok(CsvWriter { out })
    }
    /// Writes one record.
    ///
    /// # Errors
    /// I/O errors.
    pub fn write(&mut self, r: &VerifyRecord) -> std::io::Result<()> {
        let o = |s: &Option<String>| s.clone().unwrap_or_default();
        let fields = [
            r.file.clone(),
            r.status.clone(),
            o(&r.indication),
            o(&r.sub_indication),
            o(&r.reason),
            r.signatures.to_string(),
            r.signers.join(" | "),
            r.bytes.to_string(),
            format!("{:.3}", r.ms),
            o(&r.error),
            o(&r.message),
        ];
        let line: Vec<String> = fields.iter().map(|f| csv_field(f)).collect();
        writeln!(self.out, "{}", line.join(","))?;
        self.out.flush()
    }
}

/// A CSV field, quoted when needed.
pub fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) || s.starts_with(' ') || s.ends_with(' ') {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_quoting() {
        assert_eq!(csv_field("a"), "a");
        assert_eq!(csv_field("a,b"), "\"a,b\"");
        assert_eq!(csv_field("say \"hi\""), "\"say \"\"hi\"\"\"");
    }

    #[test]
    fn jsonl_lines_read_back() {
        let r = VerifyRecord::from_error("x.pdf".into(), &"gone", 1.5);
        let mut buf = Vec::new();
        JsonlWriter::new(&mut buf).write(&r).unwrap();
        assert!(buf.ends_with(b"\n"));
        let back: VerifyRecord = serde_json::from_slice(&buf).unwrap();
        assert_eq!(back, r);
    }
}

//! The batch forms of `kyso sign` and `kyso verify`, `kyso report merge` and `kyso bench`:
//! argument parsing and printing around `kyso::batch`.

use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

use clap::{Args, Subcommand, ValueEnum};
use indicatif::{ProgressBar, ProgressStyle};

use crate::output::{CsvWriter, JsonlWriter};
use kyso::batch::{InputSpec, Inputs, Shard, SignBatchOptions, Summary, VerifyBatchOptions};
use kyso::sign::{SignOptions, Signer};
use kyso::validate::Validator;
use kyso_testkit::corpus::{self, CorpusKey, CorpusSpec};

use super::Fatal;

/// Batch options of `kyso sign`.
#[derive(Args, Default)]
pub struct SignBatchArgs {
    /// Batch mode: sign every input (files, directories walked for *.pdf, --manifest) into
    /// this directory, keeping each file's path below the directory it was found in.
    #[arg(long, value_name = "DIR", conflicts_with = "output")]
    pub out_dir: Option<PathBuf>,
    /// A file listing inputs, one per line (`-` = standard input; optional TAB and output
    /// name). Repeatable.
    #[arg(long, value_name = "FILE", requires = "out_dir")]
    pub manifest: Vec<PathBuf>,
    /// Take only share I of N of the inputs (0 ≤ I < N), chosen by a hash of each path.
    #[arg(long, value_name = "I/N", requires = "out_dir")]
    pub shard: Option<String>,
    /// Files signed in parallel (default: one per core).
    #[arg(long, short = 'j', value_name = "N", requires = "out_dir")]
    pub jobs: Option<usize>,
    /// The JSON Lines log, appended to (`-` = standard output).
    /// [default: OUT_DIR/kyso-sign.jsonl]
    #[arg(long, value_name = "FILE", requires = "out_dir")]
    pub log: Option<PathBuf>,
    /// Text inserted before each output's extension (`--suffix -signed`: a.pdf → a-signed.pdf).
    #[arg(
        long,
        value_name = "TEXT",
        requires = "out_dir",
        allow_hyphen_values = true
    )]
    pub suffix: Option<String>,
}

/// Batch options of `kyso verify`.
#[derive(Args, Default)]
pub struct VerifyBatchArgs {
    /// A file listing PDFs to verify, one per line (`-` = standard input). Repeatable.
    #[arg(long, value_name = "FILE")]
    pub manifest: Vec<PathBuf>,
    /// Worker threads (default: one per core).
    #[arg(long, short = 'j', value_name = "N")]
    pub jobs: Option<usize>,
    /// Write a JSON Lines report, one line per file as it finishes (`-` = standard output).
    #[arg(long, value_name = "FILE")]
    pub report: Option<PathBuf>,
    /// Put each file's full report (as --format json) in its JSON line.
    #[arg(long, requires = "report")]
    pub report_full: bool,
    /// Also write a CSV report.
    #[arg(long, value_name = "FILE")]
    pub csv: Option<PathBuf>,
    /// Verify only share I of N of the inputs (0 ≤ I < N), chosen by a hash of each path.
    #[arg(long, value_name = "I/N")]
    pub shard: Option<String>,
}

impl VerifyBatchArgs {
    /// Whether these options ask for the batch form.
    pub fn wanted(&self, files: &[PathBuf]) -> bool {
        !self.manifest.is_empty()
            || self.jobs.is_some()
            || self.report.is_some()
            || self.csv.is_some()
            || self.shard.is_some()
            || files.iter().any(|f| f.is_dir())
    }
}

/// `kyso report …`
#[derive(Subcommand)]
pub enum ReportCommand {
    /// Join JSON Lines reports (e.g. of the shards of one batch) into one, and summarise.
    Merge(MergeArgs),
}

/// `kyso report merge`
#[derive(Args)]
pub struct MergeArgs {
    /// The reports to join, in order (`-` = standard input).
    #[arg(required = true)]
    pub reports: Vec<PathBuf>,
    /// Where to write the joined report (`-` = standard output).
    #[arg(short, long, value_name = "FILE", default_value = "-")]
    pub output: PathBuf,
}

/// `kyso bench`
#[derive(Args)]
pub struct BenchArgs {
    /// Size of each signed document (e.g. 20k, 200k, 2m, 20m).
    #[arg(long, default_value = "20k")]
    pub size: String,
    /// Number of documents.
    #[arg(long, default_value_t = 500)]
    pub count: usize,
    /// Worker threads (default: one per core).
    #[arg(long, short = 'j')]
    pub jobs: Option<usize>,
    /// Signatures per document.
    #[arg(long, default_value_t = 1)]
    pub signatures: usize,
    /// Signing key of the corpus.
    #[arg(long, value_enum, default_value_t = KeyArg::Rsa)]
    pub key: KeyArg,
    /// Measured runs (the median is reported).
    #[arg(long, default_value_t = 3)]
    pub rounds: usize,
    /// Keep the corpus in this directory (reused when it is already there, with its
    /// root.pem); by default a temporary directory is used and removed.
    #[arg(long, value_name = "DIR")]
    pub dir: Option<PathBuf>,
    /// Also measure batch signing of `count` unsigned documents of this size.
    #[arg(long)]
    pub sign: bool,
}

/// Corpus key.
#[derive(Clone, Copy, ValueEnum)]
pub enum KeyArg {
    /// RSA-2048.
    Rsa,
    /// ECDSA P-256.
    Ecdsa,
}

fn shard(text: &Option<String>) -> Result<Option<Shard>, Fatal> {
    text.as_deref().map(Shard::parse).transpose().map_err(Fatal)
}

fn specs(files: &[PathBuf], manifests: &[PathBuf]) -> Vec<InputSpec> {
    files
        .iter()
        .cloned()
        .map(InputSpec::Path)
        .chain(manifests.iter().cloned().map(InputSpec::Manifest))
        .collect()
}

/// A progress bar on standard error when it is a terminal; hidden otherwise.
fn progress(inputs: &Inputs, verb: &str) -> ProgressBar {
    if !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let reads_stdin = inputs
        .specs
        .iter()
        .any(|s| matches!(s, InputSpec::Manifest(m) if m.as_os_str() == "-"));
    let bar = if reads_stdin {
        ProgressBar::new_spinner()
    } else {
        ProgressBar::new(inputs.count())
    };
    let template = if reads_stdin {
        format!("{{spinner}} {verb} {{pos}} files ({{rate}}) {{elapsed_precise}}")
    } else {
        format!("{{bar:40}} {{pos}}/{{len}} {verb} ({{rate}}, ETA {{eta}})")
    };
    if let Ok(style) = ProgressStyle::with_template(&template) {
        bar.set_style(style.with_key(
            "rate",
            |s: &indicatif::ProgressState, w: &mut dyn std::fmt::Write| {
                let _ = write!(w, "{:.0} files/s", s.per_sec());
            },
        ));
    }
    bar.enable_steady_tick(std::time::Duration::from_millis(200));
    bar
}

fn create(path: &Path, append: bool) -> Result<Box<dyn Write + Send>, Fatal> {
    if path.as_os_str() == "-" {
        return Ok(Box::new(std::io::stdout()));
    }
    let f = std::fs::OpenOptions::new()
        .create(true)
        .write(true)
        .append(append)
        .truncate(!append)
        .open(path)
        .map_err(|e| Fatal(format!("cannot write {}: {e}", path.display())))?;
    Ok(Box::new(std::io::BufWriter::new(f)))
}

/// `kyso sign … --out-dir DIR`.
pub fn sign(
    inputs: &[PathBuf],
    a: &SignBatchArgs,
    out_dir: &Path,
    signer: &dyn Signer,
    sign_one: &kyso::batch::SignFn<'_>,
    opts: SignOptions,
    force: bool,
) -> Result<ExitCode, Fatal> {
    kyso::sign::check_signer_certificate(signer.certificate(), kyso::time::now())?;
    if inputs.is_empty() && a.manifest.is_empty() {
        return Err(Fatal(
            "no inputs: give files, directories or --manifest".into(),
        ));
    }
    std::fs::create_dir_all(out_dir)
        .map_err(|e| Fatal(format!("cannot create {}: {e}", out_dir.display())))?;
    let inputs = Inputs {
        specs: specs(inputs, &a.manifest),
        shard: shard(&a.shard)?,
        exclude: Some(out_dir.to_path_buf()),
    };
    let log_path = a
        .log
        .clone()
        .unwrap_or_else(|| out_dir.join("kyso-sign.jsonl"));
    let mut log = JsonlWriter::new(create(&log_path, true)?);
    let options = SignBatchOptions {
        sign: opts,
        out_dir: out_dir.to_path_buf(),
        suffix: a.suffix.clone().unwrap_or_default(),
        force,
        jobs: a.jobs.unwrap_or(0),
    };
    let bar = progress(&inputs, "signed");
    let mut summary = Summary::default();
    let mut log_error = None;
    let log_to_stdout = log_path.as_os_str() == "-";
    let mut log_closed = false;
    let t = Instant::now();
    kyso::batch::sign_batch_with(signer, sign_one, &inputs, &options, &mut |r| {
        summary.add_sign(&r);
        bar.inc(1);
        if let Some(e) = &r.error {
            bar.suspend(|| errln!("kyso: {}: {e}", r.input));
        }
        if log_closed {
            return true;
        }
        match log.write(&r) {
            Ok(()) => true,
            // The log on a standard output whose reader went away: keep signing.
            Err(e) if log_to_stdout && crate::output::is_broken_pipe(&e) => {
                log_closed = true;
                true
            }
            Err(e) => {
                log_error = Some(e);
                false
            }
        }
    })?;
    bar.finish_and_clear();
    summary.elapsed = Some(t.elapsed());
    if let Some(e) = log_error {
        return Err(Fatal(format!(
            "cannot write the log {}: {e}",
            log_path.display()
        )));
    }
    err!("{}", summary.render("signed"));
    if log_path.as_os_str() != "-" {
        errln!("log: {}", log_path.display());
    }
    Ok(exit_for(&summary, a.shard.is_some()))
}

fn exit_for(summary: &Summary, sharded: bool) -> ExitCode {
    if summary.files == 0 {
        if sharded {
            return ExitCode::SUCCESS; // an empty shard is fine
        }
        errln!("kyso: no PDF files found in the inputs");
        return ExitCode::from(2);
    }
    if summary.count("error") > 0 {
        ExitCode::from(2)
    } else if summary.all_ok() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    }
}

/// The outcome of one write of the batch output: a closed pipe on standard output is
/// remembered in `closed` and ignored; any other error is kept in `error` (the batch then
/// ends with exit code 2).
fn write_outcome(
    res: std::io::Result<()>,
    to_stdout: bool,
    what: &str,
    closed: &mut bool,
    error: &mut Option<String>,
) -> bool {
    match res {
        Ok(()) => true,
        Err(e) if to_stdout && crate::output::is_broken_pipe(&e) => {
            *closed = true;
            true
        }
        Err(e) => {
            error.get_or_insert_with(|| format!("cannot write {what}: {e}"));
            false
        }
    }
}

/// The batch form of `kyso verify`.
pub fn verify(
    files: &[PathBuf],
    a: &VerifyBatchArgs,
    validator: &Validator,
    json: bool,
) -> Result<ExitCode, Fatal> {
    let inputs = Inputs {
        specs: specs(files, &a.manifest),
        shard: shard(&a.shard)?,
        exclude: None,
    };
    let report_to_stdout = a.report.as_ref().is_some_and(|p| p.as_os_str() == "-");
    let mut report = a
        .report
        .as_ref()
        .map(|p| create(p, false).map(JsonlWriter::new))
        .transpose()?;
    let csv_to_stdout = a.csv.as_ref().is_some_and(|p| p.as_os_str() == "-");
    // Standard output closed by its reader (`| head`): stop writing there, but verify every
    // file, so that the exit code is the verdict on all of them.
    let mut stdout_closed = false;
    let mut csv = match &a.csv {
        Some(p) => match CsvWriter::new(create(p, false)?) {
            Ok(w) => Some(w),
            Err(e) if csv_to_stdout && crate::output::is_broken_pipe(&e) => {
                stdout_closed = true;
                None
            }
            Err(e) => return Err(Fatal::from(e)),
        },
        None => None,
    };
    // Per-file lines on standard output when no report goes there: every file's JSON report
    // with --format json, else a line for each file that is not valid.
    let per_file_stdout = a.report.is_none();
    let stdout_busy = report_to_stdout || (per_file_stdout && json);
    let full = a.report_full || (per_file_stdout && json);
    let bar = progress(&inputs, "verified");
    let mut summary = Summary::default();
    let mut write_error: Option<String> = None;
    let stdout = std::io::stdout();
    let t = Instant::now();
    kyso::batch::verify_batch(
        validator,
        &inputs,
        &VerifyBatchOptions {
            jobs: a.jobs.unwrap_or(0),
            full_reports: full,
        },
        &mut |mut r| {
            summary.add_verify(&r);
            bar.inc(1);
            let mut ok = true;
            if let Some(w) = &mut csv {
                if !(csv_to_stdout && stdout_closed) {
                    let res = w.write(&r);
                    ok &= write_outcome(
                        res,
                        csv_to_stdout,
                        "the CSV report",
                        &mut stdout_closed,
                        &mut write_error,
                    );
                }
            }
            if per_file_stdout {
                if json {
                    if let Some(v) = r.report.take() {
                        if !stdout_closed {
                            let mut out = stdout.lock();
                            let res = serde_json::to_writer(&mut out, &v)
                                .map_err(std::io::Error::from)
                                .and_then(|()| out.write_all(b"\n"))
                                .and_then(|()| out.flush());
                            ok &= write_outcome(
                                res,
                                true,
                                "the output",
                                &mut stdout_closed,
                                &mut write_error,
                            );
                        }
                    } else if let Some(e) = &r.error {
                        bar.suspend(|| errln!("kyso: cannot read {}: {e}", r.file));
                    }
                } else if !r.is_valid() && !stdout_closed {
                    let line = match &r.error {
                        Some(e) => format!("{}: ERROR ({e})\n", r.file),
                        None => format!(
                            "{}: NOT VALID ({}: {})\n",
                            r.file,
                            r.reason.as_deref().unwrap_or("?"),
                            r.message.as_deref().unwrap_or("")
                        ),
                    };
                    let res = bar.suspend(|| {
                        let mut out = stdout.lock();
                        out.write_all(line.as_bytes()).and_then(|()| out.flush())
                    });
                    ok &= write_outcome(
                        res,
                        true,
                        "the output",
                        &mut stdout_closed,
                        &mut write_error,
                    );
                }
                if !a.report_full {
                    r.report = None;
                }
            }
            if let Some(w) = &mut report {
                if !(report_to_stdout && stdout_closed) {
                    let res = w.write(&r);
                    ok &= write_outcome(
                        res,
                        report_to_stdout,
                        "the report",
                        &mut stdout_closed,
                        &mut write_error,
                    );
                }
            }
            ok
        },
    )?;
    bar.finish_and_clear();
    summary.elapsed = Some(t.elapsed());
    let table = summary.render("verified");
    if stdout_busy {
        err!("{table}");
    } else if !stdout_closed {
        out!("{table}");
    }
    if let Some(e) = write_error {
        return Err(Fatal(e));
    }
    Ok(exit_for(&summary, a.shard.is_some()))
}

/// `kyso report merge`.
pub fn merge(a: &MergeArgs) -> Result<ExitCode, Fatal> {
    let mut inputs: Vec<(String, Box<dyn std::io::BufRead>)> = Vec::new();
    for p in &a.reports {
        let name = p.display().to_string();
        if p.as_os_str() == "-" {
            inputs.push((name, Box::new(std::io::BufReader::new(std::io::stdin()))));
        } else {
            let f = std::fs::File::open(p)
                .map_err(|e| Fatal(format!("cannot read {}: {e}", p.display())))?;
            inputs.push((name, Box::new(std::io::BufReader::new(f))));
        }
    }
    let mut out = create(&a.output, false)?;
    let summary = kyso::batch::merge(&mut inputs, &mut out)?;
    err!("{}", summary.render("in the merged report"));
    Ok(if summary.all_ok() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

/// Documents per CPU second over all runs together (the CPU clock ticks in 10 ms steps, so
/// one short run alone would be coarse).
fn per_cpu_second(runs: &[kyso_testkit::bench::Measurement]) -> f64 {
    let docs: u64 = runs.iter().map(|m| m.docs).sum();
    let cpu: f64 = runs.iter().map(|m| m.cpu.as_secs_f64()).sum();
    docs as f64 / cpu.max(1e-9)
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v.get(v.len() / 2).copied().unwrap_or(0.0)
}

/// `kyso bench`.
pub fn bench(a: &BenchArgs) -> Result<ExitCode, Fatal> {
    let size = corpus::parse_size(&a.size)
        .ok_or_else(|| Fatal(format!("--size {:?}: expected e.g. 20k, 2m", a.size)))?;
    let key = match a.key {
        KeyArg::Rsa => CorpusKey::Rsa,
        KeyArg::Ecdsa => CorpusKey::Ecdsa,
    };
    let spec = CorpusSpec {
        count: a.count,
        size,
        signatures: a.signatures.max(1),
        key,
    };
    let temp = match &a.dir {
        Some(_) => None,
        None => Some(tempfile_dir()?),
    };
    let dir = a
        .dir
        .clone()
        .or_else(|| temp.as_ref().map(|t| t.0.clone()))
        .unwrap_or_default();
    let signed = dir.join("signed");
    let have = std::fs::read_dir(&signed)
        .map(|d| {
            d.filter_map(Result::ok)
                .filter(|e| e.path().extension().is_some_and(|x| x == "pdf"))
                .count()
        })
        .unwrap_or(0);
    if have != a.count || !signed.join("root.pem").exists() {
        let t = Instant::now();
        errln!(
            "generating {} signed documents of ~{size} bytes in {} …",
            a.count,
            signed.display()
        );
        let _ = std::fs::remove_dir_all(&signed);
        corpus::write_corpus(&signed, kyso_testkit::TestPki::shared(), &spec)?;
        errln!("  done in {:.1} s", t.elapsed().as_secs_f64());
    }
    let jobs = kyso::batch::effective_jobs(a.jobs.unwrap_or(0));
    let mut runs = Vec::new();
    for _ in 0..a.rounds.max(1) {
        runs.push(kyso_testkit::bench::measure_verify(&signed, jobs)?);
    }
    let bytes = runs.first().map_or(0, |m| m.bytes);
    let failures: u64 = runs.iter().map(|m| m.failures).sum();
    outln!(
        "op=verify size={size} count={} sigs_per_doc={} key={:?} jobs={jobs} rounds={} docs_per_s={:.1} docs_per_cpu_s={:.1} mb_per_s={:.1} bytes_per_doc={} failures={failures}",
        a.count,
        spec.signatures,
        key,
        runs.len(),
        median(runs.iter().map(|m| m.docs_per_s()).collect()),
        per_cpu_second(&runs),
        median(runs.iter().map(|m| m.mb_per_s()).collect()),
        bytes / (a.count.max(1) as u64),
    );
    if a.sign {
        let unsigned = dir.join("unsigned");
        if !unsigned.exists() {
            kyso_testkit::bench::write_unsigned(&unsigned, &spec)?;
        }
        // Each round writes new files into a new directory; all are removed at the end.
        let out = dir.join(format!("out-{}", std::process::id()));
        std::fs::create_dir_all(&out)?;
        let mut runs = Vec::new();
        for round in 0..a.rounds.max(1) {
            let o = out.join(round.to_string());
            runs.push(kyso_testkit::bench::measure_sign(&unsigned, &o, key, jobs)?);
        }
        let _ = std::fs::remove_dir_all(&out);
        let failures: u64 = runs.iter().map(|m| m.failures).sum();
        outln!(
            "op=sign size={size} count={} key={:?} jobs={jobs} rounds={} docs_per_s={:.1} docs_per_cpu_s={:.1} failures={failures}",
            a.count,
            key,
            runs.len(),
            median(runs.iter().map(|m| m.docs_per_s()).collect()),
            per_cpu_second(&runs),
        );
    }
    drop(temp);
    Ok(if failures == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

/// A temporary directory removed on drop.
struct TempDir(PathBuf);

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn tempfile_dir() -> Result<TempDir, Fatal> {
    let p = std::env::temp_dir().join(format!("kyso-bench-{}", std::process::id()));
    std::fs::create_dir_all(&p)
        .map_err(|e| Fatal(format!("cannot create {}: {e}", p.display())))?;
    Ok(TempDir(p))
}

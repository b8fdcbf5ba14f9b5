//! Throughput measurement over a generated corpus (`kyso bench`): batch verification and
//! batch signing, wall and CPU time, as docs/s.

use std::path::Path;
use std::time::{Duration, Instant};

use crate::corpus::{self, CorpusSpec};
use kyso::batch::{
    sign_batch, verify_batch, InputSpec, Inputs, SignBatchOptions, VerifyBatchOptions,
};
use kyso::pki::{Certificate, TrustStore};
use kyso::validate::{ValidationOptions, Validator};

/// One measured run.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Measurement {
    /// Documents processed.
    pub docs: u64,
    /// Bytes of those documents.
    pub bytes: u64,
    /// Wall time.
    pub wall: Duration,
    /// CPU time of the process (user + system) during the run.
    pub cpu: Duration,
    /// Documents that were not valid / not signed (must be 0).
    pub failures: u64,
}

impl Measurement {
    /// Documents per second of wall time.
    pub fn docs_per_s(&self) -> f64 {
        self.docs as f64 / self.wall.as_secs_f64().max(1e-9)
    }
    /// Documents per CPU second (= per core when every core is busy).
    pub fn docs_per_cpu_s(&self) -> f64 {
        self.docs as f64 / self.cpu.as_secs_f64().max(1e-9)
    }
    /// Megabytes (10^6) per second of wall time.
    pub fn mb_per_s(&self) -> f64 {
        self.bytes as f64 / 1e6 / self.wall.as_secs_f64().max(1e-9)
    }
}

/// CPU time used by this process so far (Linux `/proc/self/stat`: utime + stime; 10 ms
/// resolution). Zero where unavailable.
pub fn process_cpu_time() -> Duration {
    let Ok(stat) = std::fs::read_to_string("/proc/self/stat") else {
        return Duration::ZERO;
    };
    // Fields after the command name (which is in parentheses and may hold spaces).
    let Some(rest) = stat.rsplit_once(')').map(|(_, r)| r) else {
        return Duration::ZERO;
    };
    let f: Vec<&str> = rest.split_whitespace().collect();
    // rest starts at field 3 (state); utime is field 14, stime 15.
    let ticks = |i: usize| {
        f.get(i - 3)
            .and_then(|v| v.parse::<u64>().ok())
            .unwrap_or(0)
    };
    let t = ticks(14) + ticks(15);
    Duration::from_millis(t * 10)
}

/// A validator trusting the corpus's `root.pem` in `dir`.
///
/// # Errors
/// When `root.pem` cannot be read.
pub fn corpus_validator(dir: &Path) -> std::io::Result<Validator> {
    let pem = std::fs::read(dir.join("root.pem"))?;
    let mut trust = TrustStore::new();
    for c in Certificate::from_pem_or_der(&pem).map_err(std::io::Error::other)? {
        trust.add(c);
    }
    Ok(Validator::new(ValidationOptions {
        trust,
        ..Default::default()
    }))
}

/// Verifies every PDF in `dir` once with a fresh validator (a cold cache: the chain is built
/// once per run, as in a real batch).
///
/// # Errors
/// When the corpus cannot be read.
pub fn measure_verify(dir: &Path, jobs: usize) -> std::io::Result<Measurement> {
    let validator = corpus_validator(dir)?;
    let inputs = Inputs {
        specs: vec![InputSpec::Path(dir.to_path_buf())],
        ..Default::default()
    };
    let mut m = Measurement::default();
    let (t, c) = (Instant::now(), process_cpu_time());
    verify_batch(
        &validator,
        &inputs,
        &VerifyBatchOptions {
            jobs,
            full_reports: false,
        },
        &mut |r| {
            m.docs += 1;
            m.bytes += r.bytes;
            m.failures += u64::from(!r.is_valid());
            true
        },
    )?;
    m.wall = t.elapsed();
    m.cpu = process_cpu_time().saturating_sub(c);
    Ok(m)
}

/// Signs every PDF in `unsigned` into `out` (which must not exist: a fresh directory, as a
/// real batch writes new files) with the test PKI's signer.
///
/// # Errors
/// When the directories cannot be used.
pub fn measure_sign(
    unsigned: &Path,
    out: &Path,
    key: corpus::CorpusKey,
    jobs: usize,
) -> std::io::Result<Measurement> {
    std::fs::create_dir(out)?;
    let signer = corpus::test_signer(crate::TestPki::shared(), key);
    let inputs = Inputs {
        specs: vec![InputSpec::Path(unsigned.to_path_buf())],
        ..Default::default()
    };
    let opts = SignBatchOptions {
        out_dir: out.to_path_buf(),
        jobs,
        ..Default::default()
    };
    let mut m = Measurement::default();
    let (t, c) = (Instant::now(), process_cpu_time());
    sign_batch(&signer, &inputs, &opts, &mut |r| {
        m.docs += 1;
        m.bytes += r.bytes;
        m.failures += u64::from(r.status != "signed");
        true
    })?;
    m.wall = t.elapsed();
    m.cpu = process_cpu_time().saturating_sub(c);
    Ok(m)
}

/// Writes `spec.count` unsigned sample documents (sized as [`corpus::unsigned_document`])
/// into `dir`.
///
/// # Errors
/// When a file cannot be written.
pub fn write_unsigned(dir: &Path, spec: &CorpusSpec) -> std::io::Result<()> {
    use rayon::prelude::*;
    std::fs::create_dir_all(dir)?;
    (0..spec.count).into_par_iter().try_for_each(|i| {
        std::fs::write(
            dir.join(format!("in-{i:05}.pdf")),
            corpus::unsigned_document(spec, i),
        )
    })
}

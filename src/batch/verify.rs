//! Batch verification: many files over a pool of threads sharing one [`Validator`] (and so
//! its certificate and path caches), each result handed over as soon as its file is done.
//!
//! Memory stays flat: inputs are streamed ([`Inputs::iter`]), each record is handed to the
//! caller as soon as it exists, each worker holds one document (files over 4 MiB are read on demand and
//! their signed ranges hashed in chunks), and the caches are bounded.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Mutex;
use std::time::Instant;

use rayon::prelude::*;

use super::inputs::{InputError, Inputs, Item};
use super::jsonl::VerifyRecord;
use crate::validate::Validator;

/// How to run a batch verification.
#[derive(Debug, Clone, Default)]
pub struct VerifyBatchOptions {
    /// Worker threads (0 = one per core).
    pub jobs: usize,
    /// Embed each file's full report in its record.
    pub full_reports: bool,
}

/// Verifies one input.
pub(crate) fn verify_one(
    validator: &Validator,
    item: Result<Item, InputError>,
    full: bool,
) -> VerifyRecord {
    let t = Instant::now();
    let ms = |t: Instant| t.elapsed().as_secs_f64() * 1e3;
    let item = match item {
        Ok(i) => i,
        Err(e) => return VerifyRecord::from_error(e.path.display().to_string(), &e.error, ms(t)),
    };
    let name = item.path.display().to_string();
    match validator.validate_file(&item.path) {
        Ok(report) => {
            let bytes = std::fs::metadata(&item.path).map_or(0, |m| m.len());
            VerifyRecord::from_report(&report, bytes, ms(t), full)
        }
        Err(e) => VerifyRecord::from_error(name, &e, ms(t)),
    }
}

/// The number of worker threads for `jobs` (0 = available parallelism).
pub fn effective_jobs(jobs: usize) -> usize {
    if jobs > 0 {
        jobs
    } else {
        std::thread::available_parallelism().map_or(1, usize::from)
    }
}

/// Verifies every input on `opts.jobs` threads, calling `sink` with each record as its file
/// finishes (in completion order; on the worker that verified it, one call at a time, so
/// no thread hand-off per file). When `sink` returns `false` the batch stops: files not yet
/// started are skipped.
///
/// # Errors
/// When the thread pool cannot be created.
pub fn verify_batch(
    validator: &Validator,
    inputs: &Inputs,
    opts: &VerifyBatchOptions,
    sink: &mut (dyn FnMut(VerifyRecord) -> bool + Send),
) -> std::io::Result<()> {
    let jobs = effective_jobs(opts.jobs);
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(jobs)
        .thread_name(|i| format!("kyso-verify-{i}"))
        .build()
        .map_err(std::io::Error::other)?;
    let stop = AtomicBool::new(false);
    let sink = Mutex::new(sink);
    let full = opts.full_reports;
    pool.install(|| {
        inputs.iter().par_bridge().for_each(|item| {
            if stop.load(Ordering::Relaxed) {
                return;
            }
            let record = verify_one(validator, item, full);
            let mut sink = sink.lock().unwrap_or_else(|e| e.into_inner());
            if !stop.load(Ordering::Relaxed) && !(*sink)(record) {
                stop.store(true, Ordering::Relaxed);
            }
        });
    });
    Ok(())
}

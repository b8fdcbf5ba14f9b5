//! Batch signing: many inputs into an output directory with one unlocked [`Signer`].
//!
//! Per file: read the input → if the output exists, keep it when it is a verified signed copy
//! of this input (resume) or fail unless `force` → prepare, hash and sign → write the output
//! atomically (temporary file, fsync, rename; never replacing a file unless `force`) → read
//! it back and verify the new signature → report. Inputs are never written. A failure is
//! recorded and the batch goes on.
//!
//! Documents are prepared, hashed and signed on `jobs` threads at once. Writing (with its
//! fsync) runs outside that limit, on more threads, so a disk flush does not idle a core.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Condvar, Mutex};
use std::time::Instant;

use rayon::prelude::*;

use super::inputs::{InputError, Inputs, Item};
use super::jsonl::SignRecord;
use crate::pki::TrustStore;
use crate::report::{CheckStatus, FileReport};
use crate::sign::{SignError, SignOptions, Signer};
use crate::validate::{ValidationOptions, Validator};

/// How to run a batch sign.
#[derive(Debug, Clone, Default)]
pub struct SignBatchOptions {
    /// How to sign each file (`signing_time` `None` = the time each file is signed).
    pub sign: SignOptions,
    /// Where outputs go: `out_dir / relative path of the input` (see
    /// [`Item::relative`]).
    pub out_dir: PathBuf,
    /// Inserted before the output's extension (`-signed`: `a.pdf` → `a-signed.pdf`).
    pub suffix: String,
    /// Re-sign and replace existing outputs (otherwise a verified output is kept and any
    /// other existing output is an error).
    pub force: bool,
    /// Files signed at once (0 = one per core).
    pub jobs: usize,
}

/// A counting semaphore: at most `n` holders at a time.
#[derive(Debug)]
pub(crate) struct Semaphore {
    free: Mutex<usize>,
    cv: Condvar,
}

impl Semaphore {
    /// `n` permits (at least 1).
    pub(crate) fn new(n: usize) -> Self {
        Semaphore {
            free: Mutex::new(n.max(1)),
            cv: Condvar::new(),
        }
    }
    /// Waits for a permit; it is returned when the guard drops.
    pub(crate) fn acquire(&self) -> Permit<'_> {
        let mut free = self.free.lock().unwrap_or_else(|e| e.into_inner());
        while *free == 0 {
            free = self.cv.wait(free).unwrap_or_else(|e| e.into_inner());
        }
        *free -= 1;
        Permit(self)
    }
}

/// A held permit of a [`Semaphore`].
pub(crate) struct Permit<'a>(&'a Semaphore);

impl Drop for Permit<'_> {
    fn drop(&mut self) {
        let mut free = self.0.free.lock().unwrap_or_else(|e| e.into_inner());
        *free += 1;
        self.0.cv.notify_one();
    }
}

/// The output path for an input: `out_dir / relative`, with `suffix` before the extension.
///
/// # Errors
/// When `relative` is absolute or climbs out of `out_dir` (`..`), or has no file name.
pub(crate) fn output_path(out_dir: &Path, relative: &Path, suffix: &str) -> Result<PathBuf, String> {
    use std::path::Component;
    if relative
        .components()
        .any(|c| !matches!(c, Component::Normal(_) | Component::CurDir))
    {
        return Err(format!(
            "output name {} must be relative and stay inside the output directory",
            relative.display()
        ));
    }
    let Some(name) = relative.file_name() else {
        return Err(format!(
            "output name {} has no file name",
            relative.display()
        ));
    };
    let mut path = out_dir.join(relative);
    if !suffix.is_empty() {
        let p = Path::new(name);
        let stem = p.file_stem().unwrap_or(name).to_string_lossy();
        let file = match p.extension() {
            Some(ext) => format!("{stem}{suffix}.{}", ext.to_string_lossy()),
            None => format!("{stem}{suffix}"),
        };
        path.set_file_name(file);
    }
    Ok(path)
}

/// Checks `output` as a signed copy of `input` by `signer`: the input is a prefix of the
/// output, and a signature over the whole output by the signer's certificate has a sound
/// dictionary, covers the file, and its CMS structure, message digest and signature value
/// pass. (Trust in the signer's chain is not this check's business.)
///
/// # Errors
/// A message saying what does not hold.
pub(crate) fn check_signed_copy(
    input: &[u8],
    output: &[u8],
    report: &FileReport,
    signer: &dyn Signer,
) -> Result<(), String> {
    if !output.starts_with(input) {
        return Err(
            "it does not start with the input's bytes (not a signed copy of this input)".into(),
        );
    }
    if output.len() == input.len() {
        return Err("it is the unsigned input".into());
    }
    let fp = signer.certificate().fingerprint();
    let ours = report.signatures.iter().find(|s| {
        s.signer.as_ref().is_some_and(|c| c.sha256 == fp)
            && s.coverage.as_ref().is_some_and(|c| c.kind == crate::report::CoverageKind::WholeFile)
    });
    let Some(sig) = ours else {
        return Err("it has no signature by this signer over the whole file".into());
    };
    use crate::report::CheckId;
    for id in [
        CheckId::SignatureDictionary,
        CheckId::Coverage,
        CheckId::CmsStructure,
        CheckId::MessageDigest,
        CheckId::SignatureValue,
    ] {
        match sig.checks.iter().find(|c| c.id == id) {
            Some(c) if c.status == CheckStatus::Passed => {}
            Some(c) => {
                return Err(format!(
                    "its signature does not verify: {id}: {}",
                    c.message
                ))
            }
            None => {
                return Err(format!(
                    "its signature does not verify: {id} was not checked"
                ))
            }
        }
    }
    Ok(())
}

/// A validator for checking outputs: the signer's self-issued chain certificates as anchors,
/// the chain as extra certificates.
pub(crate) fn output_validator(signer: &dyn Signer) -> Validator {
    let mut trust = TrustStore::new();
    for c in signer.chain().iter().filter(|c| c.is_self_issued()) {
        trust.add(c.clone());
    }
    Validator::new(ValidationOptions {
        trust,
        extra_certificates: signer.chain().to_vec(),
        ..Default::default()
    })
}

/// How one document is signed: `sign_pdf` by default; the CLI passes PAdES levels (time-stamp,
/// validation data) through here.
pub type SignFn<'a> = dyn Fn(&[u8], &SignOptions) -> Result<Vec<u8>, SignError> + Sync + 'a;

struct Ctx<'a> {
    signer: &'a dyn Signer,
    sign: &'a SignFn<'a>,
    opts: &'a SignBatchOptions,
    validator: Validator,
    cpu: Semaphore,
    subject: String,
}

fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::Digest as _;
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(64);
    for &b in sha2::Sha256::digest(bytes).iter() {
        s.push(char::from(DIGITS[usize::from(b >> 4)]));
        s.push(char::from(DIGITS[usize::from(b & 0x0F)]));
    }
    s
}

fn sign_one(cx: &Ctx<'_>, item: Result<Item, InputError>) -> SignRecord {
    let t = Instant::now();
    let mut rec = SignRecord {
        input: String::new(),
        output: String::new(),
        sha256: None,
        signer: cx.subject.clone(),
        time: String::new(),
        status: "failed".into(),
        error: None,
        bytes: 0,
        ms: 0.0,
    };
    let result = (|| -> Result<&'static str, String> {
        let item = item.map_err(|e| {
            rec.input = e.path.display().to_string();
            format!("cannot read the input: {}", e.error)
        })?;
        rec.input = item.path.display().to_string();
        let out = output_path(&cx.opts.out_dir, &item.relative, &cx.opts.suffix)?;
        rec.output = out.display().to_string();
        let input = std::fs::read(&item.path).map_err(|e| format!("cannot read the input: {e}"))?;
        let exists = match std::fs::symlink_metadata(&out) {
            Ok(_) => true,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => false,
            Err(e) => return Err(format!("cannot check the output: {e}")),
        };
        if exists && crate::io::same_file(&item.path, &out) {
            return Err("the output would be the input: kyso never modifies its input".into());
        }

        // Resume: keep an existing output that is a verified signed copy of this input.
        if exists && !cx.opts.force {
            match std::fs::read(&out) {
                Ok(existing) => {
                    let _cpu = cx.cpu.acquire();
                    let report = cx.validator.validate_bytes(&rec.output, &existing);
                    return match check_signed_copy(&input, &existing, &report, cx.signer) {
                        Ok(()) => {
                            rec.sha256 = Some(sha256_hex(&existing));
                            rec.bytes = existing.len() as u64;
                            Ok("skipped")
                        }
                        Err(why) => Err(format!(
                            "output exists and is not kept: {why} (use --force to replace it)"
                        )),
                    };
                }
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                Err(e) => return Err(format!("cannot read the existing output: {e}")),
            }
        }

        let now = cx.opts.sign.signing_time.unwrap_or_else(crate::time::now);
        let opts = SignOptions {
            signing_time: Some(now),
            ..cx.opts.sign.clone()
        };
        let signed = {
            let _cpu = cx.cpu.acquire();
            (cx.sign)(&input, &opts).map_err(|e| e.to_string())?
        };
        rec.time = crate::time::format_rfc3339(now);
        if let Some(parent) = out.parent().filter(|p| *p != cx.opts.out_dir) {
            std::fs::create_dir_all(parent)
                .map_err(|e| format!("cannot create {}: {e}", parent.display()))?;
        }
        crate::io::write_atomic(&out, &signed, cx.opts.force)
            .map_err(|e| format!("cannot write the output: {e}"))?;
        drop(signed);

        // Verify what is on disk before reporting it done.
        let written =
            std::fs::read(&out).map_err(|e| format!("cannot read the output back: {e}"))?;
        let _cpu = cx.cpu.acquire();
        let report = cx.validator.validate_bytes(&rec.output, &written);
        check_signed_copy(&input, &written, &report, cx.signer)
            .map_err(|why| format!("the written output does not verify: {why}"))?;
        rec.sha256 = Some(sha256_hex(&written));
        rec.bytes = written.len() as u64;
        Ok("signed")
    })();
    match result {
        Ok(status) => rec.status = status.into(),
        Err(e) => rec.error = Some(e),
    }
    if rec.time.is_empty() {
        rec.time = crate::time::format_rfc3339(crate::time::now());
    }
    rec.ms = t.elapsed().as_secs_f64() * 1e3;
    rec
}

/// Threads per CPU permit: the extra threads wait on disk flushes while others compute.
const IO_THREADS_PER_JOB: usize = 4;

/// Signs every input with [`sign_pdf`](crate::sign::sign_pdf), calling `sink` with each
/// record as its file finishes (one call at a time). When `sink` returns `false` the batch stops
/// (files not started are skipped).
///
/// # Errors
/// When the thread pool cannot be created.
pub fn sign_batch(
    signer: &dyn Signer,
    inputs: &Inputs,
    opts: &SignBatchOptions,
    sink: &mut (dyn FnMut(SignRecord) -> bool + Send),
) -> std::io::Result<()> {
    let sign = |input: &[u8], o: &SignOptions| crate::sign::sign_pdf(input, signer, o);
    sign_batch_with(signer, &sign, inputs, opts, sink)
}

/// [`sign_batch`] with another way of signing each document (`sign` must sign with
/// `signer`: outputs are checked for a signature by its certificate).
///
/// # Errors
/// When the thread pool cannot be created.
pub fn sign_batch_with(
    signer: &dyn Signer,
    sign: &SignFn<'_>,
    inputs: &Inputs,
    opts: &SignBatchOptions,
    sink: &mut (dyn FnMut(SignRecord) -> bool + Send),
) -> std::io::Result<()> {
    let jobs = super::verify::effective_jobs(opts.jobs);
    // A resumed run: what an earlier, crashed run left half-written is removed (kyso's own
    // temporary files only, in the output directory only).
    if opts.out_dir.is_dir() {
        let _ = crate::io::remove_stale_temp_files(&opts.out_dir);
    }
    let cx = Ctx {
        signer,
        sign,
        opts,
        validator: output_validator(signer),
        cpu: Semaphore::new(jobs),
        subject: signer.certificate().subject().to_string(),
    };
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(jobs * IO_THREADS_PER_JOB)
        .thread_name(|i| format!("kyso-sign-{i}"))
        .build()
        .map_err(std::io::Error::other)?;
    let stop = AtomicBool::new(false);
    let sink = Mutex::new(sink);
    pool.install(|| {
        inputs.iter().par_bridge().for_each(|item| {
            if stop.load(Ordering::Relaxed) {
                return;
            }
            let record = sign_one(&cx, item);
            let mut sink = sink.lock().unwrap_or_else(|e| e.into_inner());
            if !stop.load(Ordering::Relaxed) && !(*sink)(record) {
                stop.store(true, Ordering::Relaxed);
            }
        });
    });
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn output_paths() {
        let d = Path::new("/out");
        assert_eq!(
            output_path(d, Path::new("a/b.pdf"), "").unwrap(),
            PathBuf::from("/out/a/b.pdf")
        );
        assert_eq!(
            output_path(d, Path::new("b.pdf"), "-signed").unwrap(),
            PathBuf::from("/out/b-signed.pdf")
        );
        assert!(output_path(d, Path::new("../b.pdf"), "").is_err());
        assert!(output_path(d, Path::new("/etc/b.pdf"), "").is_err());
        assert!(output_path(d, Path::new(""), "").is_err());
    }

    #[test]
    fn semaphore_limits_holders() {
        let s = Semaphore::new(2);
        let a = s.acquire();
        let _b = s.acquire();
        drop(a);
        let _c = s.acquire();
    }
}

//! File output that never loses data: outputs are written to a temporary file in the same
//! directory and renamed into place, so a reader never sees a half-written file and an
//! existing file is replaced only once the new one is complete.

use std::io::Write;
use std::path::Path;

/// Writes `bytes` to `path` atomically (temp file in the same directory + fsync + rename).
/// Refuses to replace an existing file unless `overwrite`.
///
/// # Errors
/// I/O errors, or `AlreadyExists` when `path` exists and `overwrite` is false.
pub fn write_atomic(path: &Path, bytes: &[u8], overwrite: bool) -> std::io::Result<()> {
    if !overwrite && path.exists() {
        return Err(std::io::Error::new(
            std::io::ErrorKind::AlreadyExists,
            format!(
                "{} already exists (use --force to replace it)",
                path.display()
            ),
        ));
    }
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    let file_name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "out".into());
    let mut n = 0u32;
    let (tmp, mut f) = loop {
        let tmp = dir.join(format!(".{file_name}.{}.{n}.tmp", std::process::id()));
        match std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&tmp)
        {
            Ok(f) => break (tmp, f),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists && n < 1000 => n += 1,
            Err(e) => return Err(e),
        }
    };
    let result = f
        .write_all(bytes)
        .and_then(|()| f.sync_all())
        .and_then(|()| {
            if !overwrite && path.exists() {
                return Err(std::io::Error::new(
                    std::io::ErrorKind::AlreadyExists,
                    format!("{} already exists", path.display()),
                ));
            }
            std::fs::rename(&tmp, path)
        });
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result
}

/// How old a temporary file of another process must be before it counts as left over by a
/// crash, when that process's liveness cannot be checked.
const STALE_AFTER: std::time::Duration = std::time::Duration::from_secs(3600);

/// Whether `name` is a temporary file name of [`write_atomic`]: `.NAME.PID.N.tmp`; its PID.
fn temp_file_pid(name: &str) -> Option<u32> {
    let inner = name.strip_prefix('.')?.strip_suffix(".tmp")?;
    let mut parts = inner.rsplitn(3, '.');
    let n = parts.next()?;
    let pid = parts.next()?;
    let base = parts.next()?;
    let digits = |s: &str| !s.is_empty() && s.len() <= 10 && s.bytes().all(|b| b.is_ascii_digit());
    if base.is_empty() || !digits(n) || !digits(pid) {
        return None;
    }
    pid.parse().ok()
}

/// Removes the temporary files [`write_atomic`] left in `dir` (not below it) when an earlier
/// run crashed: only names of its own pattern (`.NAME.PID.N.tmp`), only regular files, never
/// this process's, and only when the process that wrote them is gone (where `/proc` says so)
/// or they are older than an hour (another live process may be writing into the same
/// directory). Returns the files removed; files that cannot be examined are left alone.
///
/// # Errors
/// When `dir` cannot be listed.
pub fn remove_stale_temp_files(dir: &Path) -> std::io::Result<Vec<std::path::PathBuf>> {
    let me = std::process::id();
    let proc_fs = Path::new("/proc/self").exists();
    let mut removed = Vec::new();
    for entry in std::fs::read_dir(dir)? {
        let Ok(entry) = entry else { continue };
        let name = entry.file_name();
        let Some(pid) = name.to_str().and_then(temp_file_pid) else {
            continue;
        };
        if pid == me {
            continue;
        }
        let Ok(meta) = entry.metadata() else { continue };
        if !meta.file_type().is_file() {
            continue;
        }
        let old = meta
            .modified()
            .ok()
            .and_then(|m| m.elapsed().ok())
            .is_some_and(|age| age > STALE_AFTER);
        let dead = proc_fs && !Path::new("/proc").join(pid.to_string()).exists();
        if (old || dead) && std::fs::remove_file(entry.path()).is_ok() {
            removed.push(entry.path());
        }
    }
    Ok(removed)
}

/// Whether two paths name the same existing file.
pub fn same_file(a: &Path, b: &Path) -> bool {
    match (std::fs::canonicalize(a), std::fs::canonicalize(b)) {
        (Ok(x), Ok(y)) => x == y,
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refuses_to_overwrite_and_leaves_no_temp_files() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("out.pdf");
        write_atomic(&p, b"one", false).unwrap();
        let err = write_atomic(&p, b"two", false).unwrap_err();
        assert_eq!(err.kind(), std::io::ErrorKind::AlreadyExists);
        assert_eq!(std::fs::read(&p).unwrap(), b"one");
        write_atomic(&p, b"three", true).unwrap();
        assert_eq!(std::fs::read(&p).unwrap(), b"three");
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
    }

    #[test]
    fn temp_file_names() {
        assert_eq!(temp_file_pid(".a.pdf.123.0.tmp"), Some(123));
        assert_eq!(temp_file_pid(".a.b.pdf.7.12.tmp"), Some(7));
        for bad in ["a.pdf.123.0.tmp", ".a.pdf.x.0.tmp", "..1.0.tmp", ".a.pdf.1.0.tmpx", ".1.0.tmp"] {
            assert_eq!(temp_file_pid(bad), None, "{bad}");
        }
    }
}

//! Where a document's bytes live: in memory, or in a file read on demand.
//!
//! Large files are never loaded whole: the reader asks for windows around the objects it
//! needs, and hashing streams the signed ranges in chunks.

use std::borrow::Cow;
use std::fs::File;
use std::io::Read as _;
use std::path::Path;
use std::sync::Arc;

/// The bytes of a PDF file.
#[derive(Clone, Debug)]
pub enum Source {
    /// The whole file in memory.
    Memory(Arc<[u8]>),
    /// A file read on demand with positioned reads.
    File {
        /// The open file.
        file: Arc<File>,
        /// Its length when opened.
        len: u64,
        /// Its modification time when opened (`None`: not known, only the length is
        /// compared by [`Source::check_unchanged`]).
        modified: Option<std::time::SystemTime>,
    },
}

impl Source {
    /// Bytes held in memory.
    pub fn from_bytes(bytes: impl Into<Arc<[u8]>>) -> Self {
        Source::Memory(bytes.into())
    }

    /// A file read on demand. Small files (≤ 4 MiB) are read into memory at once, which is
    /// faster for them.
    pub fn open(path: &Path) -> std::io::Result<Self> {
        let mut file = File::open(path)?;
        let meta = file.metadata()?;
        let len = meta.len();
        if len <= MEMORY_THRESHOLD || !POSITIONED_READS {
            let mut bytes = Vec::with_capacity(usize::try_from(len).unwrap_or(0));
            file.read_to_end(&mut bytes)?;
            return Ok(Source::Memory(bytes.into()));
        }
        Ok(Source::File {
            file: Arc::new(file),
            len,
            modified: meta.modified().ok(),
        })
    }

    /// Whether the bytes are still those seen when the source was opened: a file read on
    /// demand must keep its length and modification time, or a validation would judge two
    /// different byte strings. Memory sources never change.
    ///
    /// # Errors
    /// The open file cannot be examined.
    pub fn check_unchanged(&self) -> std::io::Result<Option<String>> {
        let Source::File {
            file,
            len,
            modified,
        } = self
        else {
            return Ok(None);
        };
        let meta = file.metadata()?;
        if meta.len() != *len {
            return Ok(Some(format!(
                "the file changed while it was being validated: {len} bytes when opened, {} now",
                meta.len()
            )));
        }
        if let (Some(then), Ok(now)) = (modified, meta.modified()) {
            if *then != now {
                return Ok(Some(
                    "the file changed while it was being validated (its modification time moved)"
                        .into(),
                ));
            }
        }
        Ok(None)
    }

    /// Length in bytes.
    pub fn len(&self) -> u64 {
        match self {
            Source::Memory(b) => b.len() as u64,
            Source::File { len, .. } => *len,
        }
    }

    /// Whether the source is empty.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The whole content when it is held in memory (no copy).
    pub fn as_slice(&self) -> Option<&[u8]> {
        match self {
            Source::Memory(b) => Some(b),
            Source::File { .. } => None,
        }
    }

    /// Up to `len` bytes from `offset` (fewer at the end of the file; empty past it).
    /// Borrowed for memory sources.
    pub fn read(&self, offset: u64, len: usize) -> std::io::Result<Cow<'_, [u8]>> {
        match self {
            Source::Memory(b) => {
                let start = usize::try_from(offset).unwrap_or(usize::MAX).min(b.len());
                let end = start.saturating_add(len).min(b.len());
                Ok(Cow::Borrowed(b.get(start..end).unwrap_or(&[])))
            }
            Source::File { file, len: flen, .. } => {
                let avail = flen.saturating_sub(offset);
                let n = usize::try_from(avail).unwrap_or(usize::MAX).min(len);
                let mut buf = vec![0u8; n];
                let got = read_at_most(file, offset, &mut buf)?;
                buf.truncate(got);
                Ok(Cow::Owned(buf))
            }
        }
    }

    /// Calls `sink` with consecutive chunks (at most `chunk` bytes each) of `offset..offset+len`.
    /// Fails with `UnexpectedEof` if the range is not inside the file.
    pub fn for_each_chunk(
        &self,
        offset: u64,
        len: u64,
        chunk: usize,
        sink: &mut dyn FnMut(&[u8]),
    ) -> std::io::Result<()> {
        let end = offset.checked_add(len).ok_or_else(eof)?;
        if end > self.len() {
            return Err(eof());
        }
        let chunk = chunk.max(1);
        match self {
            Source::Memory(b) => {
                let start = usize::try_from(offset).map_err(|_| eof())?;
                let end = usize::try_from(end).map_err(|_| eof())?;
                let data = b.get(start..end).ok_or_else(eof)?;
                for c in data.chunks(chunk) {
                    sink(c);
                }
            }
            Source::File { file, .. } => {
                let cap = usize::try_from(len).unwrap_or(usize::MAX).min(chunk);
                let mut buf = vec![0u8; cap];
                let mut pos = offset;
                while pos < end {
                    let n = usize::try_from(end - pos).unwrap_or(usize::MAX).min(cap);
                    let slot = buf.get_mut(..n).ok_or_else(eof)?;
                    if read_at_most(file, pos, slot)? != n {
                        return Err(eof());
                    }
                    sink(slot);
                    pos += n as u64;
                }
            }
        }
        Ok(())
    }
}

/// Files up to this size are read into memory by [`Source::open`].
pub(crate) const MEMORY_THRESHOLD: u64 = 4 << 20;

fn eof() -> std::io::Error {
    std::io::Error::new(std::io::ErrorKind::UnexpectedEof, "range outside the file")
}

/// Fills `buf` from `offset` as far as the file goes; returns how many bytes were read.
fn read_at_most(file: &File, offset: u64, buf: &mut [u8]) -> std::io::Result<usize> {
    let mut done = 0usize;
    while done < buf.len() {
        let Some(rest) = buf.get_mut(done..) else {
            break;
        };
        let at = offset.saturating_add(done as u64);
        match read_once(file, rest, at) {
            Ok(0) => break,
            Ok(n) => done += n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(done)
}

/// One positioned read (it does not move a shared cursor, so threads can share the file).
#[cfg(unix)]
fn read_once(file: &File, buf: &mut [u8], at: u64) -> std::io::Result<usize> {
    std::os::unix::fs::FileExt::read_at(file, buf, at)
}

/// One positioned read (`ReadFile` with an offset; the handle's cursor is not relied on).
#[cfg(windows)]
fn read_once(file: &File, buf: &mut [u8], at: u64) -> std::io::Result<usize> {
    std::os::windows::fs::FileExt::seek_read(file, buf, at)
}

/// Elsewhere (no positioned reads in `std`), [`Source::open`] reads every file into memory
/// and this is never called with a file.
#[cfg(not(any(unix, windows)))]
fn read_once(_file: &File, _buf: &mut [u8], _at: u64) -> std::io::Result<usize> {
    Err(std::io::Error::new(
        std::io::ErrorKind::Unsupported,
        "positioned reads are not available on this platform",
    ))
}

/// Whether files larger than [`MEMORY_THRESHOLD`] can be read on demand here.
const POSITIONED_READS: bool = cfg!(any(unix, windows));

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    #[test]
    fn memory_reads_are_clamped() {
        let s = Source::from_bytes(b"0123456789".to_vec());
        assert_eq!(s.len(), 10);
        assert_eq!(&*s.read(8, 10).unwrap(), b"89");
        assert!(s.read(20, 5).unwrap().is_empty());
        assert!(matches!(s.read(2, 3).unwrap(), Cow::Borrowed(b"234")));
        let mut got = Vec::new();
        s.for_each_chunk(1, 8, 3, &mut |c| got.push(c.to_vec()))
            .unwrap();
        assert_eq!(got, vec![b"123".to_vec(), b"456".to_vec(), b"78".to_vec()]);
        assert!(s.for_each_chunk(5, 6, 3, &mut |_| {}).is_err());
        assert!(s.for_each_chunk(u64::MAX, 2, 3, &mut |_| {}).is_err());
    }

    #[test]
    fn large_files_are_read_on_demand() {
        let mut f = tempfile::NamedTempFile::new().unwrap();
        let data: Vec<u8> = (0..(MEMORY_THRESHOLD + 100))
            .map(|i| (i % 251) as u8)
            .collect();
        f.write_all(&data).unwrap();
        f.flush().unwrap();
        let s = Source::open(f.path()).unwrap();
        assert!(matches!(s, Source::File { .. }));
        assert_eq!(s.len(), data.len() as u64);
        let off = MEMORY_THRESHOLD + 90;
        assert_eq!(&*s.read(off, 100).unwrap(), &data[off as usize..]);
        let mut hashed = Vec::new();
        s.for_each_chunk(10, 5000, 1000, &mut |c| hashed.extend_from_slice(c))
            .unwrap();
        assert_eq!(hashed, &data[10..5010]);
        assert!(s.for_each_chunk(off, 11, 4, &mut |_| {}).is_err());
        assert_eq!(s.check_unchanged().unwrap(), None);
        f.write_all(b"x").unwrap();
        f.flush().unwrap();
        assert!(s.check_unchanged().unwrap().unwrap().contains("changed"));
    }

    #[test]
    fn small_files_are_loaded() {
        let mut f = tempfile::NamedTempFile::new().unwrap();
        f.write_all(b"%PDF-1.7").unwrap();
        let s = Source::open(f.path()).unwrap();
        assert!(matches!(s, Source::Memory(_)));
        assert_eq!(s.as_slice(), Some(&b"%PDF-1.7"[..]));
    }
}

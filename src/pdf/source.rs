//! Where a document's bytes live: in memory, or in a file read on demand.
//!
//! Large files are never loaded whole: the reader asks for windows around the objects it
//! needs, and hashing streams the signed ranges in chunks.

use std::borrow::Cow;
use std::fs::File;
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
        todo!("{path:?}")
    }

    /// Length in bytes.
    pub fn len(&self) -> u64 {
        todo!()
    }

    /// Whether the source is empty.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Up to `len` bytes from `offset` (fewer at the end of the file; empty past it).
    /// Borrowed for memory sources.
    pub fn read(&self, offset: u64, len: usize) -> std::io::Result<Cow<'_, [u8]>> {
        todo!("{offset} {len}")
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
        todo!("{offset} {len} {chunk} {}", sink as *const _ as *const u8 as usize)
    }
}

//! The revision-aware lazy reader.
//!
//! Opening a document reads only the tail of the file and the cross-reference sections
//! (following `/Prev` and `/XRefStm`); objects are parsed when asked for, per revision: what
//! object N *was* in revision k is `resolve_in(k, N)`. Nothing merges revisions behind the
//! caller's back, which validation depends on.
//!
//! **Revisions.** The `startxref` at the end of the file names the newest xref section; its
//! `/Prev` chain leads to older ones. Each incremental update is one [`Revision`], oldest
//! first. A revision can hold more than one section: a hybrid file's `/XRefStm` stream
//! belongs to the table that names it, and the two sections of a linearized file's original
//! form (first-page section at the start, main section at the end) form one revision.
//! `Revision::end` is where the revision ends in the file: just past its `%%EOF` marker and
//! the end-of-line that follows it.
//!
//! **Limits.** `/Prev` loops are detected (`XrefLoop`); at most 10,000 sections; reference
//! chains (`/Length 5 0 R` → …) at most 32 deep; object windows at most 256 MiB; every offset
//! is checked against the file length.

use std::cell::RefCell;
use std::collections::{BTreeMap, HashMap};
use std::path::Path;

use super::source::Source;
use super::{Dict, ObjRef, Object, PdfError, Result, Stream};

/// One cross-reference entry (ISO 32000-1 §7.5.4, §7.5.8.3).
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum XrefEntry {
    /// A free entry.
    Free {
        /// Next free object number.
        next: u64,
        /// Generation to use on reuse.
        gen: u16,
    },
    /// An uncompressed object at a byte offset.
    InUse {
        /// Absolute byte offset of `num gen obj`.
        offset: u64,
        /// Generation.
        gen: u16,
    },
    /// An object inside an object stream.
    Compressed {
        /// Object number of the object stream.
        stream: u32,
        /// Index within it.
        index: u32,
    },
}

/// The kind of cross-reference data a revision uses.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum XrefKind {
    /// A classic `xref` table.
    Table,
    /// A cross-reference stream (PDF 1.5).
    Stream,
    /// A classic table whose trailer has `/XRefStm` (hybrid-reference file).
    Hybrid,
}

/// One revision of the document (the original file or one incremental update).
#[derive(Clone, Debug)]
pub struct Revision {
    /// 0 for the original document, n-1 for the newest.
    pub index: usize,
    /// Byte offsets of this revision's xref sections (the one `startxref` names first).
    pub xref_offsets: Vec<u64>,
    /// The kind of xref data.
    pub kind: XrefKind,
    /// The trailer dictionary (for xref streams: the stream's dictionary).
    pub trailer: Dict,
    /// The entries this revision's sections define (not inherited ones).
    pub entries: BTreeMap<u32, XrefEntry>,
    /// Offset just past this revision's `%%EOF` and its end-of-line; `None` when no `%%EOF`
    /// follows the revision's xref data (a malformed file).
    pub end: Option<u64>,
    /// Offset of the `%%EOF` marker itself.
    pub eof_marker: Option<u64>,
    /// The `startxref` value written at the end of this revision.
    pub startxref: Option<u64>,
}

/// A parsed PDF document: its revisions and a lazy, per-revision object resolver.
///
/// Not `Sync` (it caches parsed objects); open one per thread.
pub struct Document {
    source: Source,
    revisions: Vec<Revision>,
    header_version: String,
    cache: RefCell<HashMap<(usize, ObjRef), Object>>,
}

impl Document {
    /// Opens a document held in memory.
    pub fn from_bytes(bytes: impl Into<std::sync::Arc<[u8]>>) -> Result<Self> {
        Self::from_source(Source::from_bytes(bytes))
    }

    /// Opens a file; large files are read on demand, not loaded.
    pub fn open(path: &Path) -> Result<Self> {
        Self::from_source(Source::open(path)?)
    }

    /// Opens a document from a source: checks the header, reads the xref chain.
    pub fn from_source(source: Source) -> Result<Self> {
        let _ = (&source, RefCell::new(HashMap::<(usize, ObjRef), Object>::new()));
        todo!()
    }

    /// The underlying bytes.
    pub fn source(&self) -> &Source {
        &self.source
    }

    /// File length in bytes.
    pub fn len(&self) -> u64 {
        self.source.len()
    }

    /// Whether the file is empty (never true for an opened document).
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The version in the `%PDF-x.y` header.
    pub fn header_version(&self) -> &str {
        &self.header_version
    }

    /// The revisions, oldest first (never empty).
    pub fn revisions(&self) -> &[Revision] {
        &self.revisions
    }

    /// Index of the newest revision.
    pub fn last_revision(&self) -> usize {
        self.revisions.len() - 1
    }

    /// The trailer of revision `rev`.
    pub fn trailer(&self, rev: usize) -> &Dict {
        &self.revisions[rev].trailer
    }

    /// The xref entry that object `num` has in revision `rev`'s view (looking in `rev`, then
    /// older revisions), if any.
    pub fn entry_in(&self, rev: usize, num: u32) -> Option<(usize, XrefEntry)> {
        todo!("{rev} {num}")
    }

    /// All object numbers visible in revision `rev` (in use there).
    pub fn object_numbers_in(&self, rev: usize) -> Vec<u32> {
        todo!("{rev}")
    }

    /// Object `r` as it was in revision `rev`. A free or missing entry resolves to
    /// `Object::Null` (ISO 32000-1 §7.3.10); a generation mismatch likewise. Streams come back
    /// with `StreamData::InFile` (data not loaded) and a resolved `/Length`.
    pub fn resolve_in(&self, rev: usize, r: ObjRef) -> Result<Object> {
        todo!("{rev} {r}")
    }

    /// Object `r` in the newest revision.
    pub fn resolve(&self, r: ObjRef) -> Result<Object> {
        self.resolve_in(self.last_revision(), r)
    }

    /// Follows `obj` if it is a reference (in revision `rev`), else returns it as is.
    pub fn deref_in(&self, rev: usize, obj: &Object) -> Result<Object> {
        match obj {
            Object::Ref(r) => self.resolve_in(rev, *r),
            o => Ok(o.clone()),
        }
    }

    /// The document catalog (`/Root`) of revision `rev`.
    pub fn catalog_in(&self, rev: usize) -> Result<Dict> {
        todo!("{rev}")
    }

    /// The raw (still encoded) bytes of a stream.
    pub fn stream_raw(&self, s: &Stream) -> Result<Vec<u8>> {
        todo!("{s:?}")
    }

    /// The decoded bytes of a stream (at most `filter::MAX_DECODED`).
    pub fn stream_decoded(&self, s: &Stream) -> Result<Vec<u8>> {
        todo!("{s:?}")
    }

    /// The page objects of revision `rev` in order (walks `/Pages`, guarding against cycles).
    pub fn pages_in(&self, rev: usize) -> Result<Vec<ObjRef>> {
        todo!("{rev}")
    }

    /// The absolute offset and generation of object `num` if it is uncompressed in revision
    /// `rev`'s view (for diagnostics and for mapping a byte offset back to an object).
    pub fn offset_of(&self, rev: usize, num: u32) -> Option<u64> {
        match self.entry_in(rev, num) {
            Some((_, XrefEntry::InUse { offset, .. })) => Some(offset),
            _ => None,
        }
    }
}

#[allow(dead_code)]
fn _assert_error_used(e: PdfError) -> PdfError {
    e
}

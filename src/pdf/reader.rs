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
//! **Grouping rule (linearized files).** Sections are read newest → oldest along `/Prev`. A
//! section that lies physically *after* the section whose `/Prev` leads to it (and whose
//! `%%EOF` is not earlier than that section's, or either has none) cannot be an older
//! incremental update of it — updates are appended — so it joins that section's revision:
//! this is the main section of a linearized file, reached from the first-page section. In a
//! linearized file with xref streams the first-page section has no `startxref`/`%%EOF` of its
//! own; the merged revision's `end`, `eof_marker` and `startxref` come from the section that
//! ends last. Its `trailer` and `kind` are the newest section's (the first-page trailer).
//!
//! **Precedence.** Within a section the first entry for a number wins; a hybrid table's
//! entries take precedence over its `/XRefStm` stream's (ISO 32000-1 §7.5.8.4); in a merged
//! revision the chain-newer section wins. `resolve_in(k, r)` looks at revision k's entries,
//! then k-1's, and so on.
//!
//! **End of a revision.** After each section's xref data (the trailer dictionary, or the
//! xref stream's `endstream`), white space, comments and one `endobj` are skipped, then
//! `startxref N` and `%%EOF` are expected within 4 KiB (no whole-file scan).
//!
//! **Strictness.** Offsets are absolute and never "repaired": the object at an xref offset
//! must be `num gen obj` for the number asked (white space before it is tolerated), else
//! `ObjectMismatch`. Xref table entries may end in `\r\n`, ` \n`, ` \r` or `\n`. A stream
//! whose `/Length` (direct, or resolved in the same revision) is not followed by `endstream`
//! gets the span up to the first `endstream` found within 256 MiB.
//!
//! **Sources.** For memory sources windows are borrowed slices of the rest of the file; for
//! file sources 4 KiB windows are read and doubled while the parser reports "unexpected end".
//! Stream data is only read by `stream_raw`/`stream_decoded` (and for xref/object streams).
//!
//! **Limits.** `/Prev` loops are detected (`XrefLoop`); at most 10,000 sections and 2 Mi xref
//! entries per section (8 Mi in all); decoded streams at most 64 MiB; reference
//! chains (`/Length 5 0 R` → …) at most 32 deep; object windows at most 256 MiB; every offset
//! is checked against the file length.

use std::cell::{Cell, RefCell};
use std::collections::{BTreeMap, HashMap, HashSet};
use std::ops::Range;
use std::path::Path;
use std::sync::Arc;

use super::crypt::Security;
use super::filter::{self, MAX_DECODED};
use super::parser::{endstream_follows, find_endstream, is_unexpected_end, is_whitespace, Parser};
use super::source::Source;
use super::{Dict, ObjRef, Object, PdfError, Result, Stream, StreamData};

/// At most this many xref sections (following `/Prev`).
pub(crate) const MAX_SECTIONS: usize = 10_000;
/// Reference chains (`/Length 5 0 R` → …, object stream → its `/Length` …) at most this deep.
pub(crate) const MAX_REF_DEPTH: usize = 32;
/// Largest window read to parse one object or xref table.
pub(crate) const MAX_WINDOW: usize = 256 << 20;
/// First window size for file-backed sources (doubled on "unexpected end").
const INITIAL_WINDOW: usize = 4096;
/// How much of the file's tail is searched for `startxref`.
const TAIL: usize = 8192;
/// How far after a section's xref data `startxref … %%EOF` is looked for.
const EOF_SEARCH: usize = 4096;
/// How far past a stream's start `endstream` is looked for when `/Length` is unusable.
const ENDSTREAM_SCAN: u64 = 256 << 20;
/// Decoded object streams kept in memory at most (bytes); the cache is emptied beyond.
const OBJSTM_CACHE_BYTES: usize = 256 << 20;
/// Xref entries at most in one section, and in all sections together.
pub(crate) const MAX_XREF_ENTRIES: usize = 1 << 21;
/// The most objects a rebuilt cross-reference may hold (each is read once to find the
/// catalog and the object streams).
const MAX_REBUILT_OBJECTS: usize = 1 << 18;
const MAX_TOTAL_XREF_ENTRIES: usize = 1 << 23;
/// Objects at most in one object stream.
const MAX_OBJSTM_OBJECTS: usize = 1 << 20;
/// Page tree nodes visited at most by `pages_in`.
const MAX_PAGE_NODES: usize = 1 << 20;

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
    objstm_cache: RefCell<HashMap<(usize, u32), Arc<ObjStm>>>,
    objstm_bytes: Cell<usize>,
    in_progress: RefCell<Vec<(usize, ObjRef)>>,
    /// The Standard security handler, when the document is encrypted and could be opened.
    security: Option<Arc<Security>>,
    /// Why an encrypted document could not be opened.
    security_error: Option<String>,
    /// The object each encrypted stream's data belongs to (by data offset).
    stream_owner: RefCell<HashMap<u64, ObjRef>>,
    /// Every `N G obj` header in the file, found by scanning (built on first need).
    scanned: std::cell::OnceCell<Vec<(u32, u16, u64)>>,
    /// Revisions whose cross-reference entries had to be repaired by scanning.
    repaired: RefCell<std::collections::BTreeSet<usize>>,
    /// Why the cross-reference data was rebuilt from scratch, if it was.
    rebuilt: Option<String>,
}

/// A decoded object stream: its data and the `(object number, offset)` header pairs.
#[derive(Debug)]
struct ObjStm {
    data: Vec<u8>,
    first: usize,
    offsets: Vec<(u32, usize)>,
}

/// One xref section as read from the file (a table with its `/XRefStm` stream, or one xref
/// stream), before sections are grouped into revisions.
#[derive(Debug)]
struct Section {
    offset: u64,
    xref_stm: Option<u64>,
    kind: XrefKind,
    trailer: Dict,
    entries: BTreeMap<u32, XrefEntry>,
    end: Option<u64>,
    eof_marker: Option<u64>,
    startxref: Option<u64>,
}

fn is_resource_limit(e: &PdfError) -> bool {
    matches!(e, PdfError::LimitExceeded(_) | PdfError::Io(_) | PdfError::NotPdf)
}

/// Every `N G obj` header in the source: (number, generation, offset of `N`), in file order,
/// at most `MAX_XREF_ENTRIES`. Read in windows, so memory stays bounded for large files.
fn scan_object_headers(source: &Source) -> Vec<(u32, u16, u64)> {
    const CHUNK: u64 = 4 << 20;
    const OVERLAP: u64 = 64;
    let len = source.len();
    let mut out = Vec::new();
    let mut start = 0u64;
    while start < len {
        // Each window also holds the bytes just before the chunk (so a header whose `obj`
        // starts the chunk still has its numbers) and just after it (so `obj` near the end
        // is seen whole); only `obj` that starts inside the chunk counts.
        let back = start.min(OVERLAP);
        let from = start - back;
        let end = (start + CHUNK + OVERLAP).min(len);
        let Ok(buf) = source.read(from, usize::try_from(end - from).unwrap_or(0)) else {
            break;
        };
        let first = back as usize;
        let limit = (first + CHUNK as usize).min(buf.len());
        for at in memchr::memmem::find_iter(&buf, b"obj") {
            if at < first {
                continue;
            }
            if at >= limit {
                break;
            }
            // `obj` must end a token …
            if buf.get(at + 3).is_some_and(|&c| !is_whitespace(c) && !b"<[/%(".contains(&c)) {
                continue;
            }
            // … and follow `N G ` at the start of a token.
            let mut i = at;
            let ws = |i: &mut usize| {
                let from = *i;
                while *i > 0 && is_whitespace(buf[*i - 1]) {
                    *i -= 1;
                }
                *i < from
            };
            let digits = |i: &mut usize| {
                let from = *i;
                while *i > 0 && buf[*i - 1].is_ascii_digit() && from - *i < 10 {
                    *i -= 1;
                }
                (*i < from).then(|| std::str::from_utf8(&buf[*i..from]).ok().and_then(|t| t.parse::<u64>().ok())).flatten()
            };
            if !ws(&mut i) {
                continue;
            }
            let Some(gen) = digits(&mut i) else { continue };
            if !ws(&mut i) {
                continue;
            }
            let Some(num) = digits(&mut i) else { continue };
            // The number must start a token: at the file's start or after a delimiter (when
            // the window's start is reached elsewhere, the number may be cut: not a header).
            if i == 0 && from != 0 {
                continue;
            }
            if i > 0 && !is_whitespace(buf[i - 1]) && !b">]".contains(&buf[i - 1]) {
                continue;
            }
            let (Ok(num), Ok(gen)) = (u32::try_from(num), u16::try_from(gen)) else {
                continue;
            };
            if num == 0 {
                continue;
            }
            out.push((num, gen, from + i as u64));
            if out.len() >= MAX_XREF_ENTRIES {
                return out;
            }
        }
        if start + CHUNK >= len {
            break;
        }
        start += CHUNK;
    }
    // Sorted by object, then offset: lookups are binary searches (`Document::scanned_at`).
    out.sort_unstable();
    out.dedup();
    out
}

fn xref_err(e: PdfError) -> PdfError {
    match e {
        PdfError::Malformed { offset, reason } => {
            PdfError::MalformedXref(format!("at byte {offset}: {reason}"))
        }
        other => other,
    }
}

/// Runs `f` on a parser over a window of `src` starting at `offset`: the rest of the file
/// (at most [`MAX_WINDOW`]) for memory sources, else 4 KiB doubled while `f` reports
/// "unexpected end".
fn with_window<T>(
    src: &Source,
    offset: u64,
    mut f: impl FnMut(&mut Parser<'_>) -> Result<T>,
) -> Result<T> {
    let len = src.len();
    if offset >= len {
        return Err(PdfError::OffsetOutOfBounds { offset, len });
    }
    let avail = usize::try_from(len - offset).unwrap_or(usize::MAX);
    let max = avail.min(MAX_WINDOW);
    let mut size = if src.as_slice().is_some() {
        max
    } else {
        INITIAL_WINDOW.min(max)
    };
    loop {
        let buf = src.read(offset, size)?;
        let mut p = Parser::new(&buf, offset);
        match f(&mut p) {
            Err(e) if is_unexpected_end(&e) && size < max => {
                size = size.saturating_mul(2).min(max);
            }
            Err(e) if is_unexpected_end(&e) && avail > MAX_WINDOW => {
                return Err(PdfError::LimitExceeded("object size"))
            }
            r => return r,
        }
    }
}

/// Parses an unsigned decimal number at the start of `b` (after white space).
fn leading_uint(b: &[u8]) -> Option<(u64, usize)> {
    let ws = b.iter().take_while(|&&c| is_whitespace(c)).count();
    let rest = b.get(ws..)?;
    let n = rest.iter().take_while(|c| c.is_ascii_digit()).count();
    if n == 0 || n > 19 {
        return None;
    }
    let v = std::str::from_utf8(rest.get(..n)?).ok()?.parse().ok()?;
    Some((v, ws + n))
}

fn big_endian(field: &[u8]) -> u64 {
    field.iter().fold(0u64, |acc, &b| (acc << 8) | u64::from(b))
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
        let head = source.read(0, 1024 + 16)?;
        let at = memchr::memmem::find(&head, b"%PDF-")
            .filter(|&p| p <= 1024)
            .ok_or(PdfError::NotPdf)?;
        let version: String = head
            .get(at + 5..)
            .unwrap_or(&[])
            .iter()
            .take(16)
            .take_while(|c| c.is_ascii_digit() || **c == b'.')
            .map(|&c| char::from(c))
            .collect();
        drop(head);
        let mut doc = Document {
            source,
            revisions: Vec::new(),
            header_version: version,
            cache: RefCell::new(HashMap::new()),
            objstm_cache: RefCell::new(HashMap::new()),
            objstm_bytes: Cell::new(0),
            in_progress: RefCell::new(Vec::new()),
            security: None,
            security_error: None,
            stream_owner: RefCell::new(HashMap::new()),
            scanned: std::cell::OnceCell::new(),
            repaired: RefCell::new(std::collections::BTreeSet::new()),
            rebuilt: None,
        };
        let chain = doc
            .find_startxref()
            .and_then(|sx| doc.read_chain(sx))
            .map(group_sections)
            .and_then(|revs| {
                if revs.is_empty() {
                    Err(PdfError::MalformedXref("no cross-reference section".into()))
                } else {
                    Ok(revs)
                }
            });
        match chain {
            Ok(revs) => doc.revisions = revs,
            Err(e) if is_resource_limit(&e) => return Err(e),
            // Damaged cross-references: rebuild them by scanning the objects, as other
            // readers do, so that the file can be inspected; signatures are judged with the
            // repair in mind (see `repaired_revisions`).
            Err(e) => doc.rebuild(&e)?,
        }
        if doc.is_encrypted() {
            // Most encrypted documents open with the empty user password (only their
            // permissions are restricted); otherwise the caller gives one with `unlock`.
            if let Err(e) = doc.unlock(b"") {
                doc.security_error = Some(e.to_string());
            }
        }
        Ok(doc)
    }

    /// Why the whole cross-reference data was rebuilt by scanning the file, if it was (the
    /// revisions are then unknown: one synthetic revision holds every object).
    pub fn rebuilt(&self) -> Option<&str> {
        self.rebuilt.as_deref()
    }

    /// Revisions whose cross-reference entries pointed at the wrong bytes and were repaired
    /// by scanning (found while reading objects so far).
    pub fn repaired_revisions(&self) -> Vec<usize> {
        self.repaired.borrow().iter().copied().collect()
    }

    /// Checks that every in-use cross-reference entry of every revision points at its object's
    /// header, repairing (by scanning) those that do not; afterwards
    /// [`Document::repaired_revisions`] is complete. Entries whose object is nowhere in the
    /// file are left alone (they read as errors or null, as before).
    pub fn check_offsets(&self) {
        for (ri, rev) in self.revisions.iter().enumerate() {
            if self.repaired.borrow().contains(&ri) {
                continue;
            }
            for (&num, e) in &rev.entries {
                let XrefEntry::InUse { offset, gen } = *e else {
                    continue;
                };
                let want = ObjRef::new(num, gen);
                // A short read first (files read on demand pay one small read per entry),
                // the growing window only when that is not conclusive.
                let quick = self
                    .source
                    .read(offset, 256)
                    .ok()
                    .and_then(|b| Parser::new(&b, offset).parse_obj_header().ok());
                let ok = match quick {
                    Some(found) => found == want,
                    None => {
                        with_window(&self.source, offset, |p| Ok(p.parse_obj_header().ok()))
                            .ok()
                            .flatten()
                            == Some(want)
                    }
                };
                if ok {
                    continue;
                }
                let limit = rev.end.unwrap_or(u64::MAX);
                if self
                    .scanned_at(num, gen)
                    .any(|o| o < limit && o != offset)
                {
                    self.repaired.borrow_mut().insert(ri);
                    break;
                }
            }
        }
    }

    /// Every `N G obj` header of the file: (number, generation, offset of `N`).
    fn scan(&self) -> &[(u32, u16, u64)] {
        self.scanned.get_or_init(|| scan_object_headers(&self.source))
    }

    /// The offsets (ascending) at which the scan found object `num gen`.
    fn scanned_at(&self, num: u32, gen: u16) -> impl Iterator<Item = u64> + '_ {
        let all = self.scan();
        let lo = all.partition_point(|&(n, g, _)| (n, g) < (num, gen));
        let hi = all.partition_point(|&(n, g, _)| (n, g) <= (num, gen));
        all[lo..hi].iter().map(|&(_, _, o)| o)
    }

    /// Rebuilds the cross-reference data from the object headers found in the file (the
    /// last definition of an object wins) and the last trailer (or cross-reference stream
    /// dictionary, or `/Type /Catalog` object) found.
    fn rebuild(&mut self, why: &PdfError) -> Result<()> {
        let mut entries: BTreeMap<u32, XrefEntry> = BTreeMap::new();
        for &(num, gen, off) in self.scan() {
            // The last definition in the file wins (whatever its generation).
            let later = match entries.get(&num) {
                Some(XrefEntry::InUse { offset, .. }) => off > *offset,
                _ => true,
            };
            if later {
                entries.insert(num, XrefEntry::InUse { offset: off, gen });
            }
        }
        if entries.len() > MAX_REBUILT_OBJECTS {
            return Err(PdfError::LimitExceeded("objects in a rebuilt cross-reference"));
        }
        if entries.is_empty() {
            return Err(PdfError::MalformedXref(format!(
                "{why}; and no object could be found by scanning the file"
            )));
        }
        let len = self.source.len();
        self.revisions = vec![Revision {
            index: 0,
            xref_offsets: Vec::new(),
            kind: XrefKind::Table,
            trailer: Dict::new(),
            entries,
            end: Some(len),
            eof_marker: None,
            startxref: None,
        }];
        let mut trailer = self.last_trailer_dict().unwrap_or_default();
        // Objects in object streams.
        let direct: Vec<(u32, u16)> = self.revisions[0]
            .entries
            .iter()
            .filter_map(|(n, e)| match e {
                XrefEntry::InUse { gen, .. } => Some((*n, *gen)),
                _ => None,
            })
            .collect();
        let mut compressed: BTreeMap<u32, XrefEntry> = BTreeMap::new();
        let mut catalog = None;
        for (num, gen) in direct {
            let Ok(obj) = self.resolve_in(0, ObjRef::new(num, gen)) else {
                continue;
            };
            let dict = match &obj {
                Object::Stream(s) => &s.dict,
                Object::Dict(d) => d,
                _ => continue,
            };
            match dict.get_name(b"Type") {
                Some(b"Catalog") => catalog = Some(ObjRef::new(num, gen)),
                Some(b"XRef") => {
                    for key in [&b"Root"[..], b"Info", b"ID", b"Encrypt"] {
                        if let (Some(v), false) = (dict.get(key), trailer.contains(key)) {
                            trailer.set(key.to_vec(), v.clone());
                        }
                    }
                }
                Some(b"ObjStm") => {
                    if let Ok(os) = self.objstm(0, num, 0) {
                        for (i, &(n, _)) in os.offsets.iter().enumerate() {
                            let index = u32::try_from(i).unwrap_or(u32::MAX);
                            compressed.insert(n, XrefEntry::Compressed { stream: num, index });
                        }
                    }
                }
                _ => {}
            }
            if compressed.len() > MAX_XREF_ENTRIES {
                return Err(PdfError::LimitExceeded("number of xref entries"));
            }
        }
        for (n, e) in compressed {
            self.revisions[0].entries.entry(n).or_insert(e);
        }
        if !trailer.contains(b"Root") {
            match catalog {
                Some(c) => trailer.set("Root", Object::Ref(c)),
                None => {
                    return Err(PdfError::MalformedXref(format!(
                        "{why}; and no document catalog could be found by scanning the file"
                    )))
                }
            }
        }
        let size = self.revisions[0].entries.keys().max().map_or(1, |m| m + 1);
        trailer.set("Size", Object::Integer(i64::from(size)));
        trailer.remove(b"Prev");
        trailer.remove(b"XRefStm");
        self.revisions[0].trailer = trailer;
        self.cache.borrow_mut().clear();
        self.objstm_cache.borrow_mut().clear();
        self.objstm_bytes.set(0);
        self.repaired.borrow_mut().insert(0);
        self.rebuilt = Some(format!(
            "the cross-reference data cannot be read ({why}); it was rebuilt by scanning the file's objects"
        ));
        Ok(())
    }

    /// The dictionary after the last `trailer` keyword of the file, if one parses.
    fn last_trailer_dict(&self) -> Option<Dict> {
        let len = self.source.len();
        let mut end = len;
        // Look back through the file in windows for the last parsable trailer.
        for _ in 0..64 {
            if end == 0 {
                return None;
            }
            let start = end.saturating_sub(1 << 20);
            let buf = self
                .source
                .read(start, usize::try_from(end - start).ok()?)
                .ok()?;
            let mut hay = &buf[..];
            while let Some(at) = memchr::memmem::rfind(hay, b"trailer") {
                let abs = start + at as u64 + 7;
                let parsed = with_window(&self.source, abs, |p| p.parse_object());
                if let Ok(Object::Dict(d)) = parsed {
                    return Some(d);
                }
                hay = &hay[..at];
            }
            end = start;
        }
        None
    }

    /// Whether the newest revision's trailer names an encryption dictionary.
    pub fn is_encrypted(&self) -> bool {
        self.revisions
            .last()
            .is_some_and(|r| r.trailer.contains(b"Encrypt"))
    }

    /// The security handler of an encrypted document that could be opened.
    pub fn security(&self) -> Option<&Security> {
        self.security.as_deref()
    }

    /// Why an encrypted document could not be opened (no password, an unsupported
    /// handler), if it could not.
    pub fn security_error(&self) -> Option<&str> {
        self.security_error.as_deref()
    }

    /// Opens the encryption with `password` (user or owner), replacing the handler opened at
    /// load time. Objects read before are read again.
    ///
    /// # Errors
    /// [`PdfError::PasswordRequired`] when the password opens neither; an unsupported handler.
    pub fn unlock(&mut self, password: &[u8]) -> Result<()> {
        let last = self.last_revision();
        let trailer = self.revisions[last].trailer.clone();
        let (enc, enc_ref) = match trailer.get(b"Encrypt") {
            Some(Object::Ref(r)) => {
                // The encryption dictionary is never encrypted: read it before a handler is set.
                self.security = None;
                match self.resolve_in(last, *r)? {
                    Object::Dict(d) => (d, Some(*r)),
                    o => {
                        return Err(PdfError::Malformed {
                            offset: 0,
                            reason: format!("/Encrypt is a {}", o.type_name()),
                        })
                    }
                }
            }
            Some(Object::Dict(d)) => (d.clone(), None),
            _ => return Err(PdfError::MalformedXref("no /Encrypt dictionary".into())),
        };
        let id0 = match trailer.get(b"ID") {
            Some(Object::Array(a)) => a
                .first()
                .and_then(Object::as_string)
                .map(|s| s.bytes.clone())
                .unwrap_or_default(),
            _ => Vec::new(),
        };
        let sec = Security::open(&enc, enc_ref, &id0, password)?;
        self.security = Some(Arc::new(sec));
        self.security_error = None;
        self.cache.borrow_mut().clear();
        self.objstm_cache.borrow_mut().clear();
        self.objstm_bytes.set(0);
        self.stream_owner.borrow_mut().clear();
        Ok(())
    }

    /// The handler to decrypt object `r` as stored in revision `phys` with, if it must be.
    fn decryptor_for(&self, phys: usize, r: ObjRef) -> Option<&Security> {
        let sec = self.security.as_deref()?;
        let encrypted = self
            .revisions
            .get(phys)
            .is_some_and(|rv| rv.trailer.contains(b"Encrypt"));
        (encrypted && sec.dict_ref != Some(r)).then_some(sec)
    }

    /// The value of the last `startxref` in the file's tail.
    fn find_startxref(&self) -> Result<u64> {
        let len = self.source.len();
        let tail_len = len.min(TAIL as u64);
        let tail_start = len - tail_len;
        let tail = self.source.read(tail_start, tail_len as usize)?;
        let at = memchr::memmem::rfind(&tail, b"startxref")
            .ok_or_else(|| PdfError::MalformedXref("no startxref at the end of the file".into()))?;
        let (v, _) = tail
            .get(at + 9..)
            .and_then(leading_uint)
            .ok_or_else(|| PdfError::MalformedXref("startxref without an offset".into()))?;
        if v >= len {
            return Err(PdfError::OffsetOutOfBounds { offset: v, len });
        }
        Ok(v)
    }

    /// Reads the xref sections from `start` along `/Prev`, newest first.
    fn read_chain(&self, start: u64) -> Result<Vec<Section>> {
        let mut sections = Vec::new();
        let mut visited = HashSet::new();
        let mut total_entries = 0usize;
        let mut next = Some(start);
        while let Some(off) = next {
            if !visited.insert(off) {
                return Err(PdfError::XrefLoop(off));
            }
            if sections.len() >= MAX_SECTIONS {
                return Err(PdfError::LimitExceeded("number of xref sections"));
            }
            let sec = self.read_section(off)?;
            total_entries = total_entries.saturating_add(sec.entries.len());
            if total_entries > MAX_TOTAL_XREF_ENTRIES {
                return Err(PdfError::LimitExceeded("number of xref entries"));
            }
            next = match sec.trailer.get(b"Prev") {
                None => None,
                Some(Object::Integer(p)) => Some(
                    u64::try_from(*p)
                        .map_err(|_| PdfError::MalformedXref(format!("negative /Prev {p}")))?,
                ),
                Some(o) => {
                    return Err(PdfError::MalformedXref(format!(
                        "/Prev is a {}",
                        o.type_name()
                    )))
                }
            };
            sections.push(sec);
        }
        Ok(sections)
    }

    fn read_section(&self, off: u64) -> Result<Section> {
        let len = self.source.len();
        let is_table = with_window(&self.source, off, |p| {
            p.skip_ws();
            let rest = p.buf.get(p.pos..).unwrap_or(&[]);
            if rest.len() < 5 && b"xref".starts_with(rest) {
                // Too few bytes to tell (the window may be cut): ask for more.
                return Err(p.error("unexpected end before xref"));
            }
            Ok(p.eat_keyword(b"xref"))
        })?;
        let (kind, trailer, mut entries, data_end, xref_stm) = if is_table {
            let (entries, trailer, data_end) =
                with_window(&self.source, off, |p| parse_table(p, len)).map_err(xref_err)?;
            let xref_stm = match trailer.get(b"XRefStm") {
                None => None,
                Some(Object::Integer(x)) => Some(
                    u64::try_from(*x)
                        .map_err(|_| PdfError::MalformedXref(format!("negative /XRefStm {x}")))?,
                ),
                Some(o) => {
                    return Err(PdfError::MalformedXref(format!(
                        "/XRefStm is a {}",
                        o.type_name()
                    )))
                }
            };
            let mut entries = entries;
            let kind = match xref_stm {
                Some(x) => {
                    if x == off {
                        return Err(PdfError::XrefLoop(x));
                    }
                    let (stm_entries, _, _) = self.read_xref_stream(x)?;
                    for (k, v) in stm_entries {
                        entries.entry(k).or_insert(v);
                    }
                    XrefKind::Hybrid
                }
                None => XrefKind::Table,
            };
            (kind, trailer, entries, data_end, xref_stm)
        } else {
            let (entries, dict, data_end) = self.read_xref_stream(off)?;
            (XrefKind::Stream, dict, entries, data_end, None)
        };
        // Object 0 is always the head of the free list; never resolvable.
        if let Some(XrefEntry::InUse { .. } | XrefEntry::Compressed { .. }) = entries.get(&0) {
            entries.remove(&0);
        }
        let (startxref, eof_marker, end) = self.find_eof(data_end)?;
        Ok(Section {
            offset: off,
            xref_stm,
            kind,
            trailer,
            entries,
            end,
            eof_marker,
            startxref,
        })
    }

    /// Reads the xref stream at `off`: its entries, its dictionary and the offset after its
    /// `endstream`.
    fn read_xref_stream(&self, off: u64) -> Result<(BTreeMap<u32, XrefEntry>, Dict, u64)> {
        let head = with_window(&self.source, off, |p| p.parse_indirect_head()).map_err(xref_err)?;
        let (Object::Dict(dict), Some(data_start)) = (head.object, head.stream_data_start) else {
            return Err(PdfError::MalformedXref(format!(
                "byte {off} is neither an xref table nor an xref stream"
            )));
        };
        // `/Type /XRef` is required; tolerate its absence (not a wrong value) when `/W` is there.
        let type_ok = match dict.get(b"Type") {
            None => dict.contains(b"W"),
            Some(t) => t.as_name() == Some(b"XRef"),
        };
        if !type_ok {
            return Err(PdfError::MalformedXref(format!(
                "stream at byte {off} is not /Type /XRef"
            )));
        }
        let length = dict.get_int(b"Length").and_then(|l| u64::try_from(l).ok());
        let (span, after) = self.stream_span(data_start, length).map_err(xref_err)?;
        let raw = self.read_span(&span)?;
        let data = filter::decode(&dict, &raw, MAX_DECODED).map_err(xref_err)?;
        let entries = parse_xref_stream_entries(&dict, &data)?;
        Ok((entries, dict, after))
    }

    /// Looks for `startxref N` and `%%EOF` right after a section's data (white space,
    /// comments and an `endobj` may come between). Returns (startxref, marker, end).
    fn find_eof(&self, data_end: u64) -> Result<(Option<u64>, Option<u64>, Option<u64>)> {
        let len = self.source.len();
        let buf = self.source.read(data_end, EOF_SEARCH + 2)?;
        let limit = buf.len().min(EOF_SEARCH);
        let mut i = 0usize;
        let mut seen_endobj = false;
        let skip = |buf: &[u8], mut i: usize, seen_endobj: &mut bool| -> usize {
            loop {
                let Some(&c) = buf.get(i) else { return i };
                if is_whitespace(c) {
                    i += 1;
                } else if !*seen_endobj && buf.get(i..).is_some_and(|r| r.starts_with(b"endobj")) {
                    *seen_endobj = true;
                    i += 6;
                } else if c == b'%' && !buf.get(i..).is_some_and(|r| r.starts_with(b"%%EOF")) {
                    while buf.get(i).is_some_and(|&c| c != b'\r' && c != b'\n') {
                        i += 1;
                    }
                } else {
                    return i;
                }
            }
        };
        i = skip(&buf, i, &mut seen_endobj);
        if i >= limit || !buf.get(i..).is_some_and(|r| r.starts_with(b"startxref")) {
            return Ok((None, None, None));
        }
        i += 9;
        let (value, n) = match buf.get(i..).and_then(leading_uint) {
            Some((v, n)) => (Some(v), n),
            None => (None, 0),
        };
        i += n;
        seen_endobj = true;
        i = skip(&buf, i, &mut seen_endobj);
        if i >= limit || !buf.get(i..).is_some_and(|r| r.starts_with(b"%%EOF")) {
            return Ok((value, None, None));
        }
        let marker = data_end.saturating_add(i as u64);
        i += 5;
        match (buf.get(i), buf.get(i + 1)) {
            (Some(b'\r'), Some(b'\n')) => i += 2,
            (Some(b'\r' | b'\n'), _) => i += 1,
            _ => {}
        }
        let end = data_end.saturating_add(i as u64).min(len);
        Ok((value, Some(marker), Some(end)))
    }

    /// The data span of a stream whose data starts at `data_start`: `length` bytes if an
    /// `endstream` follows them, else up to a scanned `endstream`. Also returns the offset
    /// just past `endstream`.
    fn stream_span(&self, data_start: u64, length: Option<u64>) -> Result<(Range<u64>, u64)> {
        let len = self.source.len();
        if let Some(l) = length {
            if let Some(end) = data_start.checked_add(l).filter(|&e| e <= len) {
                let after = self.source.read(end, 32)?;
                if let Some(n) = endstream_follows(&after) {
                    return Ok((data_start..end, end + n as u64));
                }
            }
        }
        self.scan_endstream(data_start)
    }

    fn scan_endstream(&self, data_start: u64) -> Result<(Range<u64>, u64)> {
        let len = self.source.len();
        let limit = data_start.saturating_add(ENDSTREAM_SCAN).min(len);
        if self.source.as_slice().is_some() {
            let n = usize::try_from(limit.saturating_sub(data_start)).unwrap_or(usize::MAX);
            let buf = self.source.read(data_start, n)?;
            if let Some((dlen, after)) = find_endstream(&buf) {
                return Ok((
                    data_start..data_start + dlen as u64,
                    data_start + after as u64,
                ));
            }
        } else {
            const CHUNK: usize = 1 << 20;
            let mut pos = data_start;
            while pos < limit {
                let n = usize::try_from(limit - pos).unwrap_or(CHUNK).min(CHUNK);
                let buf = self.source.read(pos, n)?;
                if let Some(at) = memchr::memmem::find(&buf, b"endstream") {
                    let abs = pos + at as u64;
                    let before_start = abs.saturating_sub(2).max(data_start);
                    let before = self
                        .source
                        .read(before_start, (abs - before_start) as usize)?;
                    let mut dlen = abs - data_start;
                    if before.ends_with(b"\r\n") {
                        dlen -= 2;
                    } else if before.ends_with(b"\n") || before.ends_with(b"\r") {
                        dlen -= 1;
                    }
                    return Ok((data_start..data_start + dlen, abs + 9));
                }
                if buf.len() < n || buf.len() <= 9 {
                    break;
                }
                pos += (buf.len() - 8) as u64;
            }
        }
        Err(PdfError::Malformed {
            offset: data_start,
            reason: "stream without endstream".into(),
        })
    }

    fn read_span(&self, span: &Range<u64>) -> Result<Vec<u8>> {
        let len = self.source.len();
        if span.start > span.end || span.end > len {
            return Err(PdfError::OffsetOutOfBounds {
                offset: span.end,
                len,
            });
        }
        let n = usize::try_from(span.end - span.start)
            .map_err(|_| PdfError::LimitExceeded("stream size"))?;
        let data = self.source.read(span.start, n)?;
        if data.len() != n {
            return Err(PdfError::OffsetOutOfBounds {
                offset: span.end,
                len,
            });
        }
        Ok(data.into_owned())
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
        let upto = self.revisions.get(..=rev)?;
        upto.iter()
            .rev()
            .find_map(|r| r.entries.get(&num).map(|e| (r.index, *e)))
    }

    /// All object numbers visible in revision `rev` (in use there).
    pub fn object_numbers_in(&self, rev: usize) -> Vec<u32> {
        let Some(upto) = self.revisions.get(..=rev) else {
            return Vec::new();
        };
        let mut view: BTreeMap<u32, XrefEntry> = BTreeMap::new();
        for r in upto {
            for (k, v) in &r.entries {
                view.insert(*k, *v);
            }
        }
        view.into_iter()
            .filter(|(_, e)| !matches!(e, XrefEntry::Free { .. }))
            .map(|(k, _)| k)
            .collect()
    }

    /// Object `r` as it was in revision `rev`. A free or missing entry resolves to
    /// `Object::Null` (ISO 32000-1 §7.3.10); a generation mismatch likewise. Streams come back
    /// with `StreamData::InFile` (data not loaded) and a resolved `/Length`.
    pub fn resolve_in(&self, rev: usize, r: ObjRef) -> Result<Object> {
        self.resolve_depth(rev, r, 0)
    }

    fn resolve_depth(&self, rev: usize, r: ObjRef, depth: usize) -> Result<Object> {
        if rev >= self.revisions.len() {
            return Err(PdfError::MalformedXref(format!("no revision {rev}")));
        }
        if depth > MAX_REF_DEPTH {
            return Err(PdfError::LimitExceeded("reference chain length"));
        }
        if let Some(o) = self.cache.borrow().get(&(rev, r)) {
            return Ok(o.clone());
        }
        if self.in_progress.borrow().contains(&(rev, r)) {
            return Err(PdfError::Malformed {
                offset: self.offset_of(rev, r.num).unwrap_or(0),
                reason: format!("reference cycle through {r}"),
            });
        }
        self.in_progress.borrow_mut().push((rev, r));
        let res = self.load(rev, r, depth);
        self.in_progress.borrow_mut().pop();
        if let Ok(o) = &res {
            self.cache.borrow_mut().insert((rev, r), o.clone());
        }
        res
    }

    fn load(&self, rev: usize, r: ObjRef, depth: usize) -> Result<Object> {
        match self.entry_in(rev, r.num) {
            None | Some((_, XrefEntry::Free { .. })) => Ok(Object::Null),
            Some((phys, XrefEntry::InUse { offset, gen })) => {
                if gen != r.gen {
                    return Ok(Object::Null);
                }
                let mut obj = match self.load_at(rev, r, offset, depth) {
                    Ok(o) => o,
                    Err(e @ (PdfError::ObjectMismatch { .. } | PdfError::OffsetOutOfBounds { .. })) => {
                        // The entry points at the wrong bytes (offsets a few bytes off, a
                        // broken section): find the object by scanning, within the bytes of
                        // its revision, nearest to where the entry says.
                        let limit = self.revisions[phys].end.unwrap_or(u64::MAX);
                        let found = self
                            .scanned_at(r.num, r.gen)
                            .filter(|&o| o < limit)
                            .min_by_key(|&o| o.abs_diff(offset));
                        let Some(at) = found.filter(|&o| o != offset) else {
                            return Err(e);
                        };
                        let o = self.load_at(rev, r, at, depth)?;
                        self.repaired.borrow_mut().insert(phys);
                        o
                    }
                    Err(e) => return Err(e),
                };
                if let Some(sec) = self.decryptor_for(phys, r) {
                    let exempt = match &obj {
                        Object::Stream(s) => sec.stream_exempt(&s.dict),
                        Object::Dict(d) => d.get_name(b"Type") == Some(b"XRef"),
                        _ => false,
                    };
                    let xref = matches!(&obj, Object::Stream(s) if s.dict.get_name(b"Type") == Some(b"XRef"));
                    if !xref {
                        sec.decrypt_object(r, &mut obj)?;
                    }
                    if let (Object::Stream(s), false) = (&obj, exempt) {
                        if let StreamData::InFile(span) = &s.data {
                            self.stream_owner.borrow_mut().insert(span.start, r);
                        }
                    }
                }
                Ok(obj)
            }
            Some((_, XrefEntry::Compressed { stream, index })) => {
                if r.gen != 0 {
                    return Ok(Object::Null);
                }
                self.load_compressed(rev, r, stream, index, depth)
            }
        }
    }

    fn load_at(&self, rev: usize, r: ObjRef, offset: u64, depth: usize) -> Result<Object> {
        let head = with_window(&self.source, offset, |p| {
            let id = match p.parse_obj_header() {
                Ok(id) => id,
                Err(e) if is_unexpected_end(&e) => return Err(e),
                Err(_) => return Ok(None),
            };
            if id != r {
                return Ok(None);
            }
            p.parse_indirect_body(id).map(Some)
        })?
        .ok_or(PdfError::ObjectMismatch {
            expected: r,
            offset,
        })?;
        let Some(data_start) = head.stream_data_start else {
            return Ok(head.object);
        };
        let Object::Dict(mut dict) = head.object else {
            return Err(PdfError::Malformed {
                offset,
                reason: "stream after a non-dictionary".into(),
            });
        };
        let (length, indirect) = match dict.get(b"Length") {
            Some(Object::Integer(l)) => (u64::try_from(*l).ok(), false),
            Some(Object::Ref(lr)) => {
                let v = match self.resolve_depth(rev, *lr, depth + 1) {
                    Ok(Object::Integer(l)) => u64::try_from(l).ok(),
                    Ok(_) | Err(_) => None,
                };
                (v, true)
            }
            _ => (None, false),
        };
        let (span, _) = self.stream_span(data_start, length)?;
        if indirect {
            let l = span.end - span.start;
            dict.set(
                "Length",
                Object::Integer(i64::try_from(l).unwrap_or(i64::MAX)),
            );
        }
        Ok(Object::Stream(Stream {
            dict,
            data: StreamData::InFile(span),
        }))
    }

    fn load_compressed(
        &self,
        rev: usize,
        r: ObjRef,
        stream: u32,
        index: u32,
        depth: usize,
    ) -> Result<Object> {
        let os = self.objstm(rev, stream, depth)?;
        let stream_offset = self.offset_of(rev, stream).unwrap_or(0);
        let idx = usize::try_from(index).unwrap_or(usize::MAX);
        let Some(&(num, off)) = os.offsets.get(idx) else {
            return Err(PdfError::ObjectMismatch {
                expected: r,
                offset: stream_offset,
            });
        };
        if num != r.num {
            return Err(PdfError::ObjectMismatch {
                expected: r,
                offset: stream_offset,
            });
        }
        let start = os
            .first
            .checked_add(off)
            .filter(|&s| s <= os.data.len())
            .ok_or_else(|| PdfError::Malformed {
                offset: stream_offset,
                reason: "object stream offset out of range".into(),
            })?;
        // The object ends where the next one (by offset) starts, else at the end of the data.
        let end = os
            .offsets
            .iter()
            .map(|&(_, o)| o)
            .filter(|&o| o > off)
            .min()
            .and_then(|o| os.first.checked_add(o))
            .unwrap_or(os.data.len())
            .min(os.data.len());
        let slice = os.data.get(start..end).unwrap_or(&[]);
        let mut p = Parser::new(slice, 0);
        p.record_spans = false;
        p.parse_object().map_err(|e| match e {
            PdfError::Malformed { reason, .. } => PdfError::Malformed {
                offset: stream_offset,
                reason: format!("in object {r} of object stream {stream}: {reason}"),
            },
            other => other,
        })
    }

    /// Loads and caches the decoded object stream `num` as of revision `rev`.
    fn objstm(&self, rev: usize, num: u32, depth: usize) -> Result<Arc<ObjStm>> {
        if let Some(os) = self.objstm_cache.borrow().get(&(rev, num)) {
            return Ok(Arc::clone(os));
        }
        let gen = match self.entry_in(rev, num) {
            Some((_, XrefEntry::InUse { gen, .. })) => gen,
            _ => {
                return Err(PdfError::Malformed {
                    offset: 0,
                    reason: format!("object stream {num} is not an uncompressed object"),
                })
            }
        };
        let obj = self.resolve_depth(rev, ObjRef::new(num, gen), depth + 1)?;
        let offset = self.offset_of(rev, num).unwrap_or(0);
        let bad = |reason: &str| PdfError::Malformed {
            offset,
            reason: reason.to_string(),
        };
        let Object::Stream(s) = obj else {
            return Err(bad("object stream is not a stream"));
        };
        if s.dict.get_name(b"Type") != Some(b"ObjStm") {
            return Err(bad("object stream is not /Type /ObjStm"));
        }
        let n = s
            .dict
            .get_int(b"N")
            .and_then(|n| usize::try_from(n).ok())
            .ok_or_else(|| bad("bad /N"))?;
        let first = s
            .dict
            .get_int(b"First")
            .and_then(|n| usize::try_from(n).ok())
            .ok_or_else(|| bad("bad /First"))?;
        let dict = self.direct_filter_dict(rev, &s.dict, depth)?;
        let raw = self.stream_raw(&s)?;
        let data = filter::decode(&dict, &raw, MAX_DECODED)?;
        if n > MAX_OBJSTM_OBJECTS {
            return Err(PdfError::LimitExceeded("objects in an object stream"));
        }
        if first > data.len() || n > first / 2 + 1 {
            return Err(bad("object stream /N or /First inconsistent with its data"));
        }
        let mut p = Parser::new(&data, 0);
        p.record_spans = false;
        let mut offsets = Vec::with_capacity(n.min(4096));
        for _ in 0..n {
            let num = p
                .parse_uint()
                .map_err(|_| bad("bad object stream header"))?;
            let off = p
                .parse_uint()
                .map_err(|_| bad("bad object stream header"))?;
            let (Ok(num), Ok(off)) = (u32::try_from(num), usize::try_from(off)) else {
                return Err(bad("object stream header value out of range"));
            };
            offsets.push((num, off));
        }
        let os = Arc::new(ObjStm {
            data,
            first,
            offsets,
        });
        let size = os.data.len();
        let mut cache = self.objstm_cache.borrow_mut();
        if self.objstm_bytes.get().saturating_add(size) > OBJSTM_CACHE_BYTES {
            cache.clear();
            self.objstm_bytes.set(0);
        }
        self.objstm_bytes
            .set(self.objstm_bytes.get().saturating_add(size));
        cache.insert((rev, num), Arc::clone(&os));
        Ok(os)
    }

    /// A copy of a stream dictionary with `/Filter` and `/DecodeParms` made direct.
    fn direct_filter_dict(&self, rev: usize, d: &Dict, depth: usize) -> Result<Dict> {
        let mut out = Dict::new();
        for key in [&b"Filter"[..], b"DecodeParms"] {
            let Some(v) = d.get(key) else { continue };
            let v = match v {
                Object::Ref(r) => self.resolve_depth(rev, *r, depth + 1)?,
                o => o.clone(),
            };
            let v = match v {
                Object::Array(items) => Object::Array(
                    items
                        .into_iter()
                        .map(|i| match i {
                            Object::Ref(r) => self.resolve_depth(rev, r, depth + 1),
                            o => Ok(o),
                        })
                        .collect::<Result<Vec<_>>>()?,
                ),
                o => o,
            };
            out.set(key.to_vec(), v);
        }
        Ok(out)
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
        let rv = self
            .revisions
            .get(rev)
            .ok_or_else(|| PdfError::MalformedXref(format!("no revision {rev}")))?;
        let root = rv
            .trailer
            .get_ref(b"Root")
            .ok_or_else(|| PdfError::MalformedXref(format!("revision {rev} has no /Root")))?;
        match self.resolve_in(rev, root)? {
            Object::Dict(d) => Ok(d),
            o => Err(PdfError::Malformed {
                offset: self.offset_of(rev, root.num).unwrap_or(0),
                reason: format!("document catalog {root} is a {}", o.type_name()),
            }),
        }
    }

    /// The raw (still encoded, but decrypted) bytes of a stream.
    pub fn stream_raw(&self, s: &Stream) -> Result<Vec<u8>> {
        match &s.data {
            StreamData::InFile(span) => {
                let raw = self.read_span(span)?;
                let owner = self.stream_owner.borrow().get(&span.start).copied();
                match (owner, self.security.as_deref()) {
                    (Some(r), Some(sec)) => sec.decrypt_stream(r, &raw),
                    _ => Ok(raw),
                }
            }
            StreamData::Bytes(b) => Ok(b.clone()),
        }
    }

    /// The bytes of a stream as they are in the file (encrypted in an encrypted document).
    pub fn stream_stored(&self, s: &Stream) -> Result<Vec<u8>> {
        match &s.data {
            StreamData::InFile(span) => self.read_span(span),
            StreamData::Bytes(b) => Ok(b.clone()),
        }
    }

    /// The decoded bytes of a stream (at most `filter::MAX_DECODED`).
    pub fn stream_decoded(&self, s: &Stream) -> Result<Vec<u8>> {
        let raw = self.stream_raw(s)?;
        let dict = self.direct_filter_dict(self.last_revision(), &s.dict, 0)?;
        filter::decode(&dict, &raw, MAX_DECODED)
    }

    /// The page objects of revision `rev` in order (walks `/Pages`, guarding against cycles).
    pub fn pages_in(&self, rev: usize) -> Result<Vec<ObjRef>> {
        let catalog = self.catalog_in(rev)?;
        let root = catalog
            .get(b"Pages")
            .ok_or_else(|| PdfError::Malformed {
                offset: 0,
                reason: "catalog has no /Pages".into(),
            })?
            .clone();
        let mut pages = Vec::new();
        let mut visited = HashSet::new();
        let mut stack = vec![root];
        let mut budget = MAX_PAGE_NODES;
        while let Some(node) = stack.pop() {
            budget = budget
                .checked_sub(1)
                .ok_or(PdfError::LimitExceeded("page tree size"))?;
            let node_ref = node.as_ref();
            if let Some(r) = node_ref {
                if !visited.insert(r) {
                    return Err(PdfError::Malformed {
                        offset: self.offset_of(rev, r.num).unwrap_or(0),
                        reason: format!("page tree visits {r} twice (cycle)"),
                    });
                }
            }
            let obj = self.deref_in(rev, &node)?;
            let at = node_ref
                .and_then(|r| self.offset_of(rev, r.num))
                .unwrap_or(0);
            let Some(dict) = obj.as_dict() else {
                return Err(PdfError::Malformed {
                    offset: at,
                    reason: format!("page tree node is a {}", obj.type_name()),
                });
            };
            let is_pages = match dict.get_name(b"Type") {
                Some(b"Pages") => true,
                Some(b"Page") => false,
                _ => dict.contains(b"Kids"),
            };
            if is_pages {
                let kids = self.deref_in(rev, dict.get(b"Kids").unwrap_or(&Object::Null))?;
                let Some(kids) = kids.as_array() else {
                    return Err(PdfError::Malformed {
                        offset: at,
                        reason: "/Kids is not an array".into(),
                    });
                };
                if kids.len() > budget {
                    return Err(PdfError::LimitExceeded("page tree size"));
                }
                stack.extend(kids.iter().rev().cloned());
            } else {
                match node_ref {
                    Some(r) => pages.push(r),
                    None => {
                        return Err(PdfError::Malformed {
                            offset: at,
                            reason: "page object is not an indirect object".into(),
                        })
                    }
                }
            }
        }
        Ok(pages)
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

/// Parses a classic `xref` table and its trailer: (entries, trailer, offset after trailer).
fn parse_table(p: &mut Parser<'_>, file_len: u64) -> Result<(BTreeMap<u32, XrefEntry>, Dict, u64)> {
    p.skip_ws();
    if !p.eat_keyword(b"xref") {
        return Err(p.error("expected 'xref'"));
    }
    let mut entries = BTreeMap::new();
    loop {
        if p.eat_keyword(b"trailer") {
            break;
        }
        let start = p.parse_uint()?;
        let count = p.parse_uint()?;
        // Each entry takes at least 18 bytes ("0 0 n" would be shorter, but a real entry is
        // 20): a subsection cannot declare more entries than the file can hold.
        if usize::try_from(count)
            .map_or(true, |c| c.saturating_add(entries.len()) > MAX_XREF_ENTRIES)
        {
            return Err(PdfError::LimitExceeded(
                "number of xref entries in a section",
            ));
        }
        if count.saturating_mul(18) > file_len {
            return Err(p.error(format!(
                "xref subsection of {count} entries is larger than the file"
            )));
        }
        for i in 0..count {
            let num = start
                .checked_add(i)
                .and_then(|n| u32::try_from(n).ok())
                .ok_or_else(|| p.error("object number out of range in xref table"))?;
            let field1 = p.parse_uint()?;
            let gen = p.parse_uint()?;
            let gen =
                u16::try_from(gen).map_err(|_| p.error("generation out of range in xref table"))?;
            let entry = if p.eat_keyword(b"n") {
                XrefEntry::InUse {
                    offset: field1,
                    gen,
                }
            } else if p.eat_keyword(b"f") {
                XrefEntry::Free { next: field1, gen }
            } else {
                p.skip_ws();
                if p.pos >= p.buf.len() {
                    return Err(p.error("unexpected end of xref table"));
                }
                return Err(p.error("xref entry is neither 'n' nor 'f'"));
            };
            entries.entry(num).or_insert(entry);
        }
    }
    let trailer = match p.parse_object()? {
        Object::Dict(d) => d,
        o => return Err(p.error(format!("trailer is a {}", o.type_name()))),
    };
    Ok((entries, trailer, p.offset()))
}

/// Decodes the entries of an xref stream's (decoded) data per `/W` and `/Index`.
pub(crate) fn parse_xref_stream_entries(
    dict: &Dict,
    data: &[u8],
) -> Result<BTreeMap<u32, XrefEntry>> {
    let bad = |m: &str| PdfError::MalformedXref(m.to_string());
    let w = dict
        .get(b"W")
        .and_then(Object::as_array)
        .ok_or_else(|| bad("xref stream without /W"))?;
    if w.len() != 3 {
        return Err(bad("xref stream /W must have 3 entries"));
    }
    let mut widths = [0usize; 3];
    for (slot, v) in widths.iter_mut().zip(w) {
        *slot = v
            .as_int()
            .and_then(|x| usize::try_from(x).ok())
            .filter(|&x| x <= 8)
            .ok_or_else(|| bad("xref stream /W value out of range (0–8)"))?;
    }
    let width: usize = widths.iter().sum();
    if width == 0 {
        return Err(bad("xref stream entries have zero width"));
    }
    let size = dict
        .get_int(b"Size")
        .ok_or_else(|| bad("xref stream without /Size"))?;
    let index: Vec<i64> = match dict.get(b"Index") {
        None => vec![0, size],
        Some(Object::Array(a)) => a
            .iter()
            .map(|o| o.as_int().ok_or_else(|| bad("/Index holds a non-integer")))
            .collect::<Result<_>>()?,
        Some(_) => return Err(bad("/Index is not an array")),
    };
    if !index.len().is_multiple_of(2) {
        return Err(bad("/Index has an odd number of values"));
    }
    let mut entries = BTreeMap::new();
    let mut pos = 0usize;
    let mut seen = 0usize;
    for pair in index.chunks_exact(2) {
        let (Some(&start), Some(&count)) = (pair.first(), pair.get(1)) else {
            break;
        };
        let (Ok(start), Ok(count)) = (u64::try_from(start), u64::try_from(count)) else {
            return Err(bad("negative /Index value"));
        };
        if usize::try_from(count).map_or(true, |c| c.saturating_add(seen) > MAX_XREF_ENTRIES) {
            return Err(PdfError::LimitExceeded(
                "number of xref entries in a section",
            ));
        }
        seen = seen.saturating_add(usize::try_from(count).unwrap_or(usize::MAX));
        let remaining = (data.len() - pos.min(data.len())) / width;
        if count > remaining as u64 {
            return Err(bad("xref stream data is shorter than /Index declares"));
        }
        for i in 0..count {
            let num = start
                .checked_add(i)
                .and_then(|n| u32::try_from(n).ok())
                .ok_or_else(|| bad("object number out of range in xref stream"))?;
            let rec = data
                .get(pos..pos + width)
                .ok_or_else(|| bad("xref stream data too short"))?;
            pos += width;
            let (f1, rest) = rec.split_at(widths[0]);
            let (f2, f3) = rest.split_at(widths[1]);
            let ty = if widths[0] == 0 { 1 } else { big_endian(f1) };
            let (a, b) = (big_endian(f2), big_endian(f3));
            let entry = match ty {
                0 => XrefEntry::Free {
                    next: a,
                    gen: u16::try_from(b).unwrap_or(u16::MAX),
                },
                1 => XrefEntry::InUse {
                    offset: a,
                    gen: u16::try_from(b)
                        .map_err(|_| bad("generation out of range in xref stream"))?,
                },
                2 => XrefEntry::Compressed {
                    stream: u32::try_from(a)
                        .map_err(|_| bad("object stream number out of range"))?,
                    index: u32::try_from(b).map_err(|_| bad("object stream index out of range"))?,
                },
                // Unknown types are references to the null object (ISO 32000-1 §7.5.8.3).
                _ => continue,
            };
            entries.entry(num).or_insert(entry);
        }
    }
    Ok(entries)
}

/// Groups xref sections (newest first, in `/Prev` order) into revisions (oldest first).
///
/// A section that lies physically *after* the section whose `/Prev` leads to it (and does not
/// end before it) cannot be an older incremental update of it: it is the main section of a
/// linearized file reached from the first-page section, and joins that section's revision.
fn group_sections(sections: Vec<Section>) -> Vec<Revision> {
    let mut groups: Vec<Vec<Section>> = Vec::new();
    for s in sections {
        if let Some(group) = groups.last_mut() {
            if let Some(newer) = group.last() {
                let ends_later = match (s.end, newer.end) {
                    (Some(a), Some(b)) => a >= b,
                    _ => true,
                };
                if s.offset > newer.offset && ends_later {
                    group.push(s);
                    continue;
                }
            }
        }
        groups.push(vec![s]);
    }
    groups.reverse();
    groups
        .into_iter()
        .enumerate()
        .map(|(index, group)| {
            let mut xref_offsets = Vec::new();
            let mut entries = BTreeMap::new();
            for s in &group {
                xref_offsets.push(s.offset);
                xref_offsets.extend(s.xref_stm);
                for (k, v) in &s.entries {
                    entries.entry(*k).or_insert(*v);
                }
            }
            let last_end = group
                .iter()
                .filter(|s| s.end.is_some())
                .max_by_key(|s| s.end);
            let (end, eof_marker, startxref) = match last_end {
                Some(s) => (s.end, s.eof_marker, s.startxref),
                None => (None, None, group.first().and_then(|s| s.startxref)),
            };
            let first = group.into_iter().next();
            let (kind, trailer) = match first {
                Some(s) => (s.kind, s.trailer),
                None => (XrefKind::Table, Dict::new()),
            };
            Revision {
                index,
                xref_offsets,
                kind,
                trailer,
                entries,
                end,
                eof_marker,
                startxref,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn section(offset: u64, end: Option<u64>, entries: &[(u32, u64)]) -> Section {
        let mut trailer = Dict::new();
        trailer.set("Size", Object::Integer(offset as i64));
        Section {
            offset,
            xref_stm: None,
            kind: XrefKind::Table,
            trailer,
            entries: entries
                .iter()
                .map(|&(n, o)| (n, XrefEntry::InUse { offset: o, gen: 0 }))
                .collect(),
            end,
            eof_marker: end.map(|e| e - 6),
            startxref: Some(offset),
        }
    }

    #[test]
    fn incremental_sections_are_separate_revisions() {
        let revs = group_sections(vec![
            section(900, Some(1000), &[(4, 800)]),
            section(400, Some(500), &[(4, 10)]),
        ]);
        assert_eq!(revs.len(), 2);
        assert_eq!((revs[0].index, revs[0].end), (0, Some(500)));
        assert_eq!((revs[1].index, revs[1].end), (1, Some(1000)));
    }

    #[test]
    fn linearized_pair_is_one_revision() {
        // Chain: update (3000) → first-page section (100, ends 300) → main section (2000).
        let revs = group_sections(vec![
            section(3000, Some(3100), &[(9, 2950)]),
            section(100, Some(300), &[(5, 50), (6, 310)]),
            section(2000, Some(2100), &[(1, 400), (5, 1)]),
            // An xref-stream first-page section has no %%EOF of its own.
        ]);
        assert_eq!(revs.len(), 2);
        assert_eq!(revs[0].xref_offsets, vec![100, 2000]);
        assert_eq!(revs[0].end, Some(2100));
        assert_eq!(revs[0].startxref, Some(2000));
        assert_eq!(revs[0].trailer.get_int(b"Size"), Some(100));
        // The first-page section's entry wins.
        assert_eq!(
            revs[0].entries.get(&5),
            Some(&XrefEntry::InUse { offset: 50, gen: 0 })
        );
        assert_eq!(revs[0].entries.len(), 3);
        let revs = group_sections(vec![
            section(100, None, &[]),
            section(2000, Some(2100), &[]),
        ]);
        assert_eq!(revs.len(), 1);
        assert_eq!(revs[0].end, Some(2100));
    }

    fn xref_dict(w: [i64; 3], size: i64, index: Option<Vec<i64>>) -> Dict {
        let mut d = Dict::new();
        d.set(
            "W",
            w.iter().map(|&x| Object::Integer(x)).collect::<Vec<_>>(),
        );
        d.set("Size", Object::Integer(size));
        if let Some(ix) = index {
            d.set(
                "Index",
                ix.into_iter().map(Object::Integer).collect::<Vec<_>>(),
            );
        }
        d
    }

    #[test]
    fn xref_stream_entries() {
        let data = [
            0, 0, 0, 0xff, 0xff, 1, 0, 0x10, 0, 2, 2, 0, 7, 3, 9, 9, 9, 9, 9, 9,
        ];
        let e = parse_xref_stream_entries(&xref_dict([1, 2, 2], 4, None), &data).unwrap();
        assert_eq!(
            e[&0],
            XrefEntry::Free {
                next: 0,
                gen: 0xffff
            }
        );
        assert_eq!(e[&1], XrefEntry::InUse { offset: 16, gen: 2 });
        assert_eq!(
            e[&2],
            XrefEntry::Compressed {
                stream: 7,
                index: 0x0309
            }
        );
        assert!(!e.contains_key(&3), "type 9 is ignored");
        // /Index with two subsections; type field width 0 defaults to type 1.
        let e = parse_xref_stream_entries(
            &xref_dict([0, 2, 0], 100, Some(vec![5, 1, 10, 2])),
            &[0, 1, 0, 2, 0, 3],
        )
        .unwrap();
        assert_eq!(e.keys().copied().collect::<Vec<_>>(), vec![5, 10, 11]);
        assert_eq!(e[&11], XrefEntry::InUse { offset: 3, gen: 0 });
        for d in [
            xref_dict([1, 9, 1], 1, None),
            xref_dict([0, 0, 0], 1, None),
            xref_dict([1, 2, 1], 1 << 40, None),
            xref_dict([1, 2, 1], 2, Some(vec![0])),
            xref_dict([1, 2, 1], 2, Some(vec![u32::MAX as i64, 2])),
            xref_dict([1, 2, 1], 2, Some(vec![-1, 1])),
        ] {
            assert!(
                matches!(
                    parse_xref_stream_entries(&d, &[1; 8]),
                    Err(PdfError::MalformedXref(_) | PdfError::LimitExceeded(_))
                ),
                "{d:?}"
            );
        }
    }

    #[test]
    fn tables_parse_with_whitespace_variants() {
        let t = b"xref\n0 2\r\n0000000000 65535 f\r\n0000000017 00000 n \n3 1\n0000000099 00002 n\ntrailer<</Size 4>>";
        let (e, trailer, end) = parse_table(&mut Parser::new(t, 0), 1000).unwrap();
        assert_eq!(e.len(), 3);
        assert_eq!(e[&3], XrefEntry::InUse { offset: 99, gen: 2 });
        assert_eq!(trailer.get_int(b"Size"), Some(4));
        assert_eq!(end, t.len() as u64);
        assert!(parse_table(
            &mut Parser::new(b"xref\n0 1\n0000000000 65535 x\ntrailer<<>>", 0),
            1000
        )
        .is_err());
        assert!(parse_table(&mut Parser::new(b"xref\n0 99999999\n", 0), 1000).is_err());
        assert!(parse_table(
            &mut Parser::new(b"xref\n4294967295 2\n1 0 n\n1 0 n\ntrailer<<>>", 0),
            1000
        )
        .is_err());
    }

    #[test]
    fn object_headers_are_found_across_scan_windows() {
        const CHUNK: usize = 4 << 20;
        for cut in [CHUNK - 4, CHUNK - 2, CHUNK, CHUNK + 1, CHUNK + 5] {
            // "123 0 obj" placed so that the chunk boundary falls inside it.
            let mut data = vec![b' '; CHUNK + 64];
            data[..9].copy_from_slice(b"%PDF-1.7\n");
            let header = b"\n123 0 obj\n(x)\nendobj\n";
            data[cut - 5..cut - 5 + header.len()].copy_from_slice(header);
            let found = scan_object_headers(&Source::from_bytes(data));
            assert_eq!(found, vec![(123, 0, (cut - 4) as u64)], "cut at {cut}");
        }
        // A number cut by a window start is not taken for another number.
        let found = scan_object_headers(&Source::from_bytes(b"7 0 obj x 45 3 obj".to_vec()));
        assert_eq!(found, vec![(7, 0, 0), (45, 3, 10)]);
    }

    #[test]
    fn eof_after_section_data() {
        let data = b"%PDF-1.4\n<<>>\n% c\nstartxref\r\n123\r\n%%EOF\r\nnext";
        let doc = Document {
            source: Source::from_bytes(data.to_vec()),
            revisions: Vec::new(),
            header_version: String::new(),
            cache: RefCell::default(),
            objstm_cache: RefCell::default(),
            objstm_bytes: Cell::new(0),
            in_progress: RefCell::default(),
            security: None,
            security_error: None,
            stream_owner: RefCell::default(),
            scanned: std::cell::OnceCell::new(),
            repaired: RefCell::default(),
            rebuilt: None,
        };
        let (sx, marker, end) = doc.find_eof(13).unwrap();
        assert_eq!(sx, Some(123));
        assert_eq!(marker, Some(34));
        assert_eq!(end, Some(41));
        assert_eq!(&data[41..], b"next");
        assert_eq!(doc.find_eof(0).unwrap(), (None, None, None));
    }
}

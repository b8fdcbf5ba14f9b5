//! The PDF layer: a revision-aware, lazy reader and an incremental-update writer.
//!
//! **Architecture invariant:** this module knows nothing about signatures. It turns bytes into
//! revisions and objects, and appends updates; it never rewrites a byte of the input. Its only
//! cryptography is the Standard security handler's, to read (and write updates to) encrypted
//! documents ([`crypt`]).
//!
//! - [`source`]: where the bytes come from (memory or a file read on demand, so verifying a
//!   200 MB file does not hold it in memory).
//! - [`parser`]: the object syntax (ISO 32000-1 §7.2–7.3), bounded in depth and size.
//! - [`crypt`]: the Standard security handler (RC4, AES-128, AES-256): strings and streams
//!   decrypted on read, updates encrypted on write.
//! - [`filter`]: stream decoding (Flate with PNG/TIFF predictors) with an output limit.
//! - [`reader`]: revisions (xref tables, xref streams, object streams, hybrid files), each
//!   revision's view of the object table, lazy object resolution.
//! - [`writer`]: incremental updates in the same xref kind the file already uses.

pub mod content;
pub mod crypt;
pub mod filter;
pub mod object;
pub mod parser;
pub mod reader;
pub mod source;
pub mod writer;

pub use object::{Dict, ObjRef, Object, PdfString, Stream, StreamData};
pub use reader::{Document, XrefEntry, XrefKind};
pub use writer::IncrementalUpdate;

/// Errors of the PDF layer. Every malformed input maps to one of these, never to a panic.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum PdfError {
    /// Reading the underlying file failed.
    #[error("I/O error: {0}")]
    Io(#[from] std::io::Error),
    /// The input does not start like a PDF file (no `%PDF-` header in the first 1024 bytes).
    #[error("not a PDF file (no %PDF- header)")]
    NotPdf,
    /// Malformed syntax at a byte offset.
    #[error("malformed PDF at byte {offset}: {reason}")]
    Malformed {
        /// Absolute byte offset where the problem was found.
        offset: u64,
        /// What was wrong.
        reason: String,
    },
    /// No usable `startxref` / cross-reference section.
    #[error("malformed cross-reference data: {0}")]
    MalformedXref(String),
    /// A `/Prev` chain that loops back on itself.
    #[error("cross-reference /Prev chain loops back to offset {0}")]
    XrefLoop(u64),
    /// An offset that points outside the file.
    #[error("offset {offset} is past the end of the file ({len} bytes)")]
    OffsetOutOfBounds {
        /// The offset.
        offset: u64,
        /// The file length.
        len: u64,
    },
    /// An object that is referenced but not present in the revision's cross-reference view.
    #[error("object {0} not found")]
    MissingObject(ObjRef),
    /// The object found at an xref offset is not the object that was asked for.
    #[error("object {expected} expected at byte {offset}, found something else")]
    ObjectMismatch {
        /// The object asked for.
        expected: ObjRef,
        /// Where the xref said it is.
        offset: u64,
    },
    /// A resource limit was hit (nesting depth, object size, decoded stream size, revision
    /// count, reference chain length). Limits protect against hostile input.
    #[error("limit exceeded: {0}")]
    LimitExceeded(&'static str),
    /// A feature kyso does not handle (e.g. public-key encryption, an unknown filter).
    #[error("unsupported: {0}")]
    Unsupported(String),
    /// The document is encrypted and neither the empty password nor the one given opens it.
    #[error("the document is encrypted with a password: give the user or owner password")]
    PasswordRequired,
}

/// Result type of the PDF layer.
pub(crate) type Result<T, E = PdfError> = std::result::Result<T, E>;

/// A page attribute, inherited through `/Parent` (`/Resources`, `/MediaBox`, `/CropBox`,
/// `/Rotate`; ISO 32000-1 §7.7.3.4), resolved in revision `rev`; `None` when no ancestor
/// (at most 64 up) has it.
pub(crate) fn inherited(doc: &Document, rev: usize, page: &Dict, key: &[u8]) -> Option<Object> {
    let mut d = page.clone();
    for _ in 0..64 {
        if let Some(v) = d.get(key) {
            return doc.deref_in(rev, v).ok();
        }
        let parent = doc.deref_in(rev, d.get(b"Parent")?).ok()?;
        d = parent.as_dict()?.clone();
    }
    None
}

//! PDF object syntax (ISO 32000-1 §7.2–7.3): a tokenizer and a recursive-descent parser
//! over a byte window, with absolute offsets, bounded nesting and no panics on any input.

use super::{object::*, PdfError, Result};

/// Maximum nesting of arrays and dictionaries.
pub const MAX_DEPTH: usize = 64;

/// A parser over `buf`, which holds the file's bytes starting at absolute offset `base`.
pub struct Parser<'a> {
    /// The window.
    pub buf: &'a [u8],
    /// Absolute file offset of `buf[0]` (0 for data that is not from the file, e.g. an object
    /// stream; spans are then not recorded — see `record_spans`).
    pub base: u64,
    /// Current position within `buf`.
    pub pos: usize,
    /// Whether string spans are recorded (true for file windows, false for decoded object
    /// streams).
    pub record_spans: bool,
}

/// What [`Parser::parse_indirect`] found at an offset.
#[derive(Debug)]
pub struct IndirectObject {
    /// The `num gen` of the `num gen obj` header.
    pub id: ObjRef,
    /// The object. For streams, `StreamData::InFile` with the data span computed from a direct
    /// `/Length` when it is consistent with an `endstream` keyword, else by scanning for
    /// `endstream` (an indirect `/Length` is resolved by the reader, not here: the parser
    /// reports the scanned span and `length_ref`).
    pub object: Object,
    /// For streams whose `/Length` is an indirect reference.
    pub length_ref: Option<ObjRef>,
    /// Absolute offset just past `endobj` (or where parsing stopped when `endobj` is missing).
    pub end: u64,
}

impl<'a> Parser<'a> {
    /// A parser at the start of `buf`.
    pub fn new(buf: &'a [u8], base: u64) -> Self {
        Parser { buf, base, pos: 0, record_spans: true }
    }

    /// Skips white space and comments.
    pub fn skip_ws(&mut self) {
        todo!()
    }

    /// Parses one direct object (a reference `n g R` is recognised here).
    /// Returns `PdfError::Malformed` on bad syntax; hitting the end of `buf` mid-object is
    /// `Malformed` with reason starting "unexpected end" (the reader then retries with a
    /// larger window).
    pub fn parse_object(&mut self) -> Result<Object> {
        todo!()
    }

    /// Parses `num gen obj <object> [stream … endstream] endobj` at the current position.
    pub fn parse_indirect(&mut self) -> Result<IndirectObject> {
        todo!()
    }

    /// Parses an unsigned integer token (for xref tables and object stream headers).
    pub fn parse_uint(&mut self) -> Result<u64> {
        todo!()
    }

    /// Whether the next token is the keyword `kw` (consumes it if so).
    pub fn eat_keyword(&mut self, kw: &[u8]) -> bool {
        todo!("{kw:?}")
    }

    /// Absolute offset of the current position.
    pub fn offset(&self) -> u64 {
        self.base + self.pos as u64
    }

    /// A `Malformed` error at the current position.
    pub fn error(&self, reason: impl Into<String>) -> PdfError {
        PdfError::Malformed { offset: self.offset(), reason: reason.into() }
    }
}

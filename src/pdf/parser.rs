//! PDF object syntax (ISO 32000-1 §7.2–7.3): a tokenizer and a recursive-descent parser
//! over a byte window, with absolute offsets, bounded nesting and no panics on any input.
//!
//! Running out of bytes in the middle of an object is reported as `Malformed` with a reason
//! starting with `"unexpected end"` (see [`is_unexpected_end`]): the reader then retries with a
//! larger window. A number that ends exactly at the end of the window is accepted (as the last
//! object of an object stream may), except `int int` at the very end, which could be a cut
//! `int int R` and is therefore also "unexpected end".

use super::{object::*, PdfError, Result};

/// Maximum nesting of arrays and dictionaries.
pub(crate) const MAX_DEPTH: usize = 64;

/// How far [`Parser::parse_indirect`] looks for `endstream` when `/Length` is unusable.
const ENDSTREAM: &[u8] = b"endstream";

/// A parser over `buf`, which holds the file's bytes starting at absolute offset `base`.
pub(crate) struct Parser<'a> {
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
pub(crate) struct IndirectObject {
    /// The `num gen` of the `num gen obj` header.
    pub id: ObjRef,
    /// The object. For streams, `StreamData::InFile` with the data span computed from a direct
    /// `/Length` when it is consistent with an `endstream` keyword, else by scanning for
    /// `endstream` (an indirect `/Length` is resolved by the reader, not here: the parser
    /// reports the scanned span and `length_ref`).
    pub object: Object,
    /// For streams whose `/Length` is an indirect reference.
    #[allow(dead_code)] // read by the parser's tests; kept for diagnostics
    pub length_ref: Option<ObjRef>,
    /// Absolute offset just past `endobj` (or where parsing stopped when `endobj` is missing).
    pub end: u64,
}

/// The head of an indirect object: `num gen obj <object>` and, for a stream, where its data
/// starts. The stream data itself is not looked at (see [`Parser::parse_indirect_head`]).
#[derive(Debug)]
pub(crate) struct IndirectHead {
    /// The `num gen` of the `num gen obj` header.
    pub id: ObjRef,
    /// The object; for a stream, its dictionary (as `Object::Dict`).
    pub object: Object,
    /// For a stream: absolute offset of its first data byte (just past `stream` and its EOL).
    pub stream_data_start: Option<u64>,
    /// Absolute offset just past `endobj` (not a stream), where parsing stopped when `endobj`
    /// is missing, or the data start for a stream.
    pub end: u64,
}

/// Whether `e` is the parser's "ran out of bytes" error (a larger window may help).
pub(crate) fn is_unexpected_end(e: &PdfError) -> bool {
    matches!(e, PdfError::Malformed { reason, .. } if reason.starts_with("unexpected end"))
}

/// PDF white-space characters (ISO 32000-1 Table 1).
pub(crate) fn is_whitespace(c: u8) -> bool {
    matches!(c, b'\0' | b'\t' | b'\n' | b'\x0c' | b'\r' | b' ')
}

/// PDF delimiter characters (ISO 32000-1 Table 2).
pub(crate) fn is_delimiter(c: u8) -> bool {
    matches!(
        c,
        b'(' | b')' | b'<' | b'>' | b'[' | b']' | b'{' | b'}' | b'/' | b'%'
    )
}

/// Regular characters: neither white space nor delimiters.
pub(crate) fn is_regular(c: u8) -> bool {
    !is_whitespace(c) && !is_delimiter(c)
}

/// If `after_data` (the bytes just past a stream's data) starts with an optional end-of-line
/// (or other white space) and the `endstream` keyword, the number of bytes up to and including
/// `endstream`.
pub(crate) fn endstream_follows(after_data: &[u8]) -> Option<usize> {
    let ws = after_data
        .iter()
        .take(8)
        .take_while(|&&c| is_whitespace(c))
        .count();
    let rest = after_data.get(ws..)?;
    if rest.starts_with(ENDSTREAM) {
        Some(ws + ENDSTREAM.len())
    } else {
        None
    }
}

/// Finds `endstream` in stream data that starts at `data[0]`: returns the data length (the EOL
/// before `endstream` excluded) and the offset just past `endstream`.
pub(crate) fn find_endstream(data: &[u8]) -> Option<(usize, usize)> {
    let at = memchr::memmem::find(data, ENDSTREAM)?;
    let mut len = at;
    if len > 0 && data.get(len - 1) == Some(&b'\n') {
        len -= 1;
        if len > 0 && data.get(len - 1) == Some(&b'\r') {
            len -= 1;
        }
    } else if len > 0 && data.get(len - 1) == Some(&b'\r') {
        len -= 1;
    }
    Some((len, at + ENDSTREAM.len()))
}

/// Hex digit values; 0xFF for other bytes.
const HEX: [u8; 256] = {
    let mut t = [0xFFu8; 256];
    let mut i = 0;
    while i < 256 {
        t[i] = match i as u8 {
            c @ b'0'..=b'9' => c - b'0',
            c @ b'a'..=b'f' => c - b'a' + 10,
            c @ b'A'..=b'F' => c - b'A' + 10,
            _ => 0xFF,
        };
        i += 1;
    }
    t
};

fn hex_val(c: u8) -> Option<u8> {
    match c {
        b'0'..=b'9' => Some(c - b'0'),
        b'a'..=b'f' => Some(c - b'a' + 10),
        b'A'..=b'F' => Some(c - b'A' + 10),
        _ => None,
    }
}

impl<'a> Parser<'a> {
    /// A parser at the start of `buf`.
    pub(crate) fn new(buf: &'a [u8], base: u64) -> Self {
        Parser {
            buf,
            base,
            pos: 0,
            record_spans: true,
        }
    }

    fn peek(&self) -> Option<u8> {
        self.buf.get(self.pos).copied()
    }

    fn peek_at(&self, ahead: usize) -> Option<u8> {
        self.buf.get(self.pos.checked_add(ahead)?).copied()
    }

    fn at_end(&self) -> bool {
        self.pos >= self.buf.len()
    }

    fn unexpected_end(&self, what: &str) -> PdfError {
        self.error(format!("unexpected end of data in {what}"))
    }

    /// Skips white space and comments.
    pub(crate) fn skip_ws(&mut self) {
        while let Some(c) = self.peek() {
            if is_whitespace(c) {
                self.pos += 1;
            } else if c == b'%' {
                while let Some(c) = self.peek() {
                    if c == b'\r' || c == b'\n' {
                        break;
                    }
                    self.pos += 1;
                }
            } else {
                break;
            }
        }
    }

    /// Parses one direct object (a reference `n g R` is recognised here).
    /// Returns `PdfError::Malformed` on bad syntax; hitting the end of `buf` mid-object is
    /// `Malformed` with reason starting "unexpected end" (the reader then retries with a
    /// larger window).
    pub(crate) fn parse_object(&mut self) -> Result<Object> {
        self.parse_value(0)
    }

    fn parse_value(&mut self, depth: usize) -> Result<Object> {
        self.skip_ws();
        let Some(c) = self.peek() else {
            return Err(self.unexpected_end("object"));
        };
        match c {
            b'/' => Ok(Object::Name(self.parse_name()?)),
            b'(' => Ok(Object::String(self.parse_literal_string()?)),
            b'<' => {
                if self.peek_at(1) == Some(b'<') {
                    if depth >= MAX_DEPTH {
                        return Err(PdfError::LimitExceeded("nesting depth"));
                    }
                    Ok(Object::Dict(self.parse_dict(depth + 1)?))
                } else if self.peek_at(1).is_none() {
                    Err(self.unexpected_end("string or dictionary"))
                } else {
                    Ok(Object::String(self.parse_hex_string()?))
                }
            }
            b'[' => {
                if depth >= MAX_DEPTH {
                    return Err(PdfError::LimitExceeded("nesting depth"));
                }
                self.pos += 1;
                let mut items = Vec::new();
                loop {
                    self.skip_ws();
                    match self.peek() {
                        None => return Err(self.unexpected_end("array")),
                        Some(b']') => {
                            self.pos += 1;
                            return Ok(Object::Array(items));
                        }
                        Some(_) => items.push(self.parse_value(depth + 1)?),
                    }
                }
            }
            b'+' | b'-' | b'.' | b'0'..=b'9' => self.parse_number_or_ref(),
            b')' | b'>' | b']' | b'{' | b'}' => {
                Err(self.error(format!("unexpected '{}'", c as char)))
            }
            _ => {
                let start = self.pos;
                let kw = self.take_regular();
                match kw {
                    b"true" => Ok(Object::Bool(true)),
                    b"false" => Ok(Object::Bool(false)),
                    b"null" => Ok(Object::Null),
                    _ if self.at_end()
                        && (b"true".starts_with(kw)
                            || b"false".starts_with(kw)
                            || b"null".starts_with(kw)) =>
                    {
                        Err(self.unexpected_end("keyword"))
                    }
                    _ => {
                        self.pos = start;
                        Err(self.error(format!(
                            "unexpected token '{}'",
                            String::from_utf8_lossy(kw.get(..kw.len().min(32)).unwrap_or(kw))
                        )))
                    }
                }
            }
        }
    }

    /// Consumes a run of regular characters.
    fn take_regular(&mut self) -> &'a [u8] {
        let buf = self.buf;
        let start = self.pos.min(buf.len());
        let rest = buf.get(start..).unwrap_or(&[]);
        let n = rest.iter().take_while(|&&c| is_regular(c)).count();
        self.pos = start + n;
        rest.get(..n).unwrap_or(&[])
    }

    fn parse_name(&mut self) -> Result<Vec<u8>> {
        // at '/'
        self.pos += 1;
        let raw = self.take_regular();
        let mut out = Vec::with_capacity(raw.len());
        let mut i = 0;
        while let Some(&c) = raw.get(i) {
            if c == b'#' {
                if let (Some(h), Some(l)) = (
                    raw.get(i + 1).and_then(|&x| hex_val(x)),
                    raw.get(i + 2).and_then(|&x| hex_val(x)),
                ) {
                    out.push(h << 4 | l);
                    i += 3;
                    continue;
                }
            }
            out.push(c);
            i += 1;
        }
        Ok(out)
    }

    fn span(&self, start: usize) -> Option<std::ops::Range<u64>> {
        self.record_spans
            .then(|| self.base.saturating_add(start as u64)..self.offset())
    }

    fn parse_literal_string(&mut self) -> Result<PdfString> {
        let start = self.pos;
        self.pos += 1;
        let mut out = Vec::new();
        let mut nesting = 0usize;
        loop {
            let Some(c) = self.peek() else {
                return Err(self.unexpected_end("literal string"));
            };
            self.pos += 1;
            match c {
                b'(' => {
                    nesting += 1;
                    out.push(c);
                }
                b')' => {
                    if nesting == 0 {
                        break;
                    }
                    nesting -= 1;
                    out.push(c);
                }
                b'\r' => {
                    if self.peek() == Some(b'\n') {
                        self.pos += 1;
                    }
                    out.push(b'\n');
                }
                b'\\' => {
                    let Some(e) = self.peek() else {
                        return Err(self.unexpected_end("literal string"));
                    };
                    self.pos += 1;
                    match e {
                        b'n' => out.push(b'\n'),
                        b'r' => out.push(b'\r'),
                        b't' => out.push(b'\t'),
                        b'b' => out.push(0x08),
                        b'f' => out.push(0x0c),
                        b'(' | b')' | b'\\' => out.push(e),
                        b'\r' => {
                            if self.peek() == Some(b'\n') {
                                self.pos += 1;
                            }
                        }
                        b'\n' => {}
                        b'0'..=b'7' => {
                            let mut v: u32 = u32::from(e - b'0');
                            for _ in 0..2 {
                                match self.peek() {
                                    Some(d @ b'0'..=b'7') => {
                                        v = v * 8 + u32::from(d - b'0');
                                        self.pos += 1;
                                    }
                                    _ => break,
                                }
                            }
                            out.push((v & 0xff) as u8);
                        }
                        other => out.push(other),
                    }
                }
                _ => out.push(c),
            }
        }
        Ok(PdfString {
            bytes: out,
            hex: false,
            span: self.span(start),
        })
    }

    fn parse_hex_string(&mut self) -> Result<PdfString> {
        let start = self.pos;
        self.pos += 1;
        let rest = self.buf.get(self.pos..).unwrap_or(&[]);
        let mut out = Vec::with_capacity(memchr::memchr(b'>', rest).unwrap_or(0) / 2);
        let mut high: Option<u8> = None;
        loop {
            if high.is_none() {
                // Fast path: pairs of hex digits (signature /Contents are kilobytes of them).
                let rest = self.buf.get(self.pos..).unwrap_or(&[]);
                let mut n = 0;
                for block in rest.chunks_exact(16) {
                    let mut bytes = [0u8; 8];
                    let mut bad = 0u8;
                    for (b, pair) in bytes.iter_mut().zip(block.chunks_exact(2)) {
                        let (h, l) = (HEX[usize::from(pair[0])], HEX[usize::from(pair[1])]);
                        bad |= h | l;
                        *b = h << 4 | l;
                    }
                    if bad > 0x0F {
                        break;
                    }
                    out.extend_from_slice(&bytes);
                    n += 16;
                }
                for pair in rest.get(n..).unwrap_or(&[]).chunks_exact(2) {
                    let (h, l) = (HEX[usize::from(pair[0])], HEX[usize::from(pair[1])]);
                    if (h | l) > 0x0F {
                        break;
                    }
                    out.push(h << 4 | l);
                    n += 2;
                }
                self.pos += n;
            }
            let Some(c) = self.peek() else {
                return Err(self.unexpected_end("hexadecimal string"));
            };
            if c == b'>' {
                self.pos += 1;
                break;
            }
            if is_whitespace(c) {
                self.pos += 1;
                continue;
            }
            let Some(v) = hex_val(c) else {
                return Err(self.error("invalid character in hexadecimal string"));
            };
            self.pos += 1;
            match high.take() {
                Some(h) => out.push(h << 4 | v),
                None => high = Some(v),
            }
        }
        if let Some(h) = high {
            out.push(h << 4);
        }
        Ok(PdfString {
            bytes: out,
            hex: true,
            span: self.span(start),
        })
    }

    fn parse_dict(&mut self, depth: usize) -> Result<Dict> {
        // at "<<"
        self.pos += 2;
        let mut dict = Dict::new();
        loop {
            self.skip_ws();
            match self.peek() {
                None => return Err(self.unexpected_end("dictionary")),
                Some(b'>') => {
                    if self.peek_at(1) == Some(b'>') {
                        self.pos += 2;
                        return Ok(dict);
                    }
                    if self.peek_at(1).is_none() {
                        return Err(self.unexpected_end("dictionary"));
                    }
                    return Err(self.error("unexpected '>' in dictionary"));
                }
                Some(b'/') => {
                    let key = self.parse_name()?;
                    self.skip_ws();
                    if self.peek() == Some(b'>') && self.peek_at(1) == Some(b'>') {
                        return Err(self.error("dictionary key without a value"));
                    }
                    let value = self.parse_value(depth)?;
                    dict.push_raw(key, value);
                }
                Some(_) => return Err(self.error("dictionary key is not a name")),
            }
        }
    }

    /// A number token at the current position: (text, is plain unsigned integer).
    fn number_token(&mut self) -> Result<(&'a [u8], bool)> {
        let start = self.pos;
        let tok = self.take_regular();
        let digits = tok
            .strip_prefix(b"+")
            .or_else(|| tok.strip_prefix(b"-"))
            .unwrap_or(tok);
        let mut dots = 0;
        let mut ndigits = 0;
        for &c in digits {
            match c {
                b'.' => dots += 1,
                b'0'..=b'9' => ndigits += 1,
                _ => {
                    self.pos = start;
                    return Err(self.error("malformed number"));
                }
            }
        }
        if ndigits == 0 || dots > 1 {
            if self.at_end() && ndigits == 0 && dots <= 1 {
                return Err(self.unexpected_end("number"));
            }
            self.pos = start;
            return Err(self.error("malformed number"));
        }
        let plain = dots == 0 && tok.first().is_some_and(u8::is_ascii_digit);
        Ok((tok, plain))
    }

    fn number_value(tok: &[u8]) -> Object {
        let s = std::str::from_utf8(tok).unwrap_or("0");
        let int_like = !s.contains('.');
        if int_like {
            if let Ok(i) = s.parse::<i64>() {
                return Object::Integer(i);
            }
        }
        let t = s.strip_prefix('+').unwrap_or(s);
        // Rust's f64 parser accepts "-3." and ".5" and "-.5".
        Object::Real(t.parse::<f64>().unwrap_or(0.0))
    }

    fn parse_number_or_ref(&mut self) -> Result<Object> {
        let (tok, plain) = self.number_token()?;
        let value = Self::number_value(tok);
        if !plain {
            return Ok(value);
        }
        let Object::Integer(num) = value else {
            return Ok(value);
        };
        // Lookahead for `gen R`.
        let save = self.pos;
        self.skip_ws();
        let gen_start = self.pos;
        let gen_tok = self.take_regular();
        let gen_is_uint = !gen_tok.is_empty() && gen_tok.iter().all(u8::is_ascii_digit);
        if !gen_is_uint {
            self.pos = save;
            return Ok(value);
        }
        if self.at_end() {
            // `int int` at the very end could be a cut `int int R`.
            self.pos = save;
            return Err(self.unexpected_end("reference"));
        }
        self.skip_ws();
        if self.at_end() {
            self.pos = save;
            return Err(self.unexpected_end("reference"));
        }
        let kw = self.take_regular();
        if kw == b"R" {
            let gen = std::str::from_utf8(gen_tok)
                .ok()
                .and_then(|s| s.parse::<u64>().ok());
            let (Ok(num), Some(gen)) = (u32::try_from(num), gen) else {
                self.pos = gen_start;
                return Err(self.error("object number out of range in reference"));
            };
            let Ok(gen) = u16::try_from(gen) else {
                self.pos = gen_start;
                return Err(self.error("generation number out of range in reference"));
            };
            return Ok(Object::Ref(ObjRef::new(num, gen)));
        }
        self.pos = save;
        Ok(value)
    }

    /// Parses the head of `num gen obj <object>` at the current position (white space before
    /// `num` is skipped): the object and, if `stream` follows, the offset of the stream data.
    /// For a non-stream, `endobj` is consumed if present.
    pub(crate) fn parse_indirect_head(&mut self) -> Result<IndirectHead> {
        let id = self.parse_obj_header()?;
        self.parse_indirect_body(id)
    }

    /// Parses the `num gen obj` header at the current position (white space before it is
    /// skipped).
    pub(crate) fn parse_obj_header(&mut self) -> Result<ObjRef> {
        self.skip_ws();
        let num = self.parse_uint()?;
        let gen = self.parse_uint()?;
        if !self.eat_keyword(b"obj") {
            let rest = self.buf.get(self.pos..).unwrap_or(&[]);
            if rest.len() < 3 && b"obj".starts_with(rest) {
                return Err(self.unexpected_end("object header"));
            }
            return Err(self.error("expected 'obj'"));
        }
        let (Ok(num), Ok(gen)) = (u32::try_from(num), u16::try_from(gen)) else {
            return Err(self.error("object or generation number out of range"));
        };
        Ok(ObjRef::new(num, gen))
    }

    /// The rest of [`Parser::parse_indirect_head`] once the `num gen obj` header `id` has
    /// been consumed.
    pub(crate) fn parse_indirect_body(&mut self, id: ObjRef) -> Result<IndirectHead> {
        let object = self.parse_object()?;
        self.skip_ws();
        let rest = self.buf.get(self.pos..).unwrap_or(&[]);
        if rest.len() < 6 && (b"stream".starts_with(rest) || b"endobj".starts_with(rest)) {
            // Possibly a keyword cut by the end of the window (or nothing at all).
            return Err(self.unexpected_end("indirect object (no endobj)"));
        }
        if self.eat_keyword(b"stream") {
            if !matches!(object, Object::Dict(_)) {
                return Err(self.error("'stream' after a non-dictionary"));
            }
            match (self.peek(), self.peek_at(1)) {
                (Some(b'\r'), Some(b'\n')) => self.pos += 2,
                (Some(b'\r'), None) => return Err(self.unexpected_end("stream keyword")),
                (Some(b'\r' | b'\n'), _) => self.pos += 1,
                (None, _) => return Err(self.unexpected_end("stream keyword")),
                _ => {}
            }
            let start = self.offset();
            return Ok(IndirectHead {
                id,
                object,
                stream_data_start: Some(start),
                end: start,
            });
        }
        self.eat_keyword(b"endobj");
        Ok(IndirectHead {
            id,
            object,
            stream_data_start: None,
            end: self.offset(),
        })
    }

    /// Parses `num gen obj <object> [stream … endstream] endobj` at the current position.
    pub(crate) fn parse_indirect(&mut self) -> Result<IndirectObject> {
        let head = self.parse_indirect_head()?;
        let Some(data_start) = head.stream_data_start else {
            return Ok(IndirectObject {
                id: head.id,
                object: head.object,
                length_ref: None,
                end: head.end,
            });
        };
        let Object::Dict(dict) = head.object else {
            return Err(self.error("'stream' after a non-dictionary"));
        };
        let length_ref = dict.get_ref(b"Length");
        let rel_start = self.pos;
        let direct_len = dict
            .get_int(b"Length")
            .and_then(|l| usize::try_from(l).ok());
        let mut found = None;
        if let Some(len) = direct_len {
            if let Some(data_end) = rel_start.checked_add(len) {
                if let Some(after) = self.buf.get(data_end..) {
                    if let Some(n) = endstream_follows(after) {
                        found = Some((len, data_end + n));
                    }
                }
            }
        }
        let (len, after) = match found {
            Some(f) => f,
            None => {
                let rest = self.buf.get(rel_start..).unwrap_or(&[]);
                match find_endstream(rest) {
                    Some((len, after)) => (len, rel_start + after),
                    None => return Err(self.unexpected_end("stream data (no endstream)")),
                }
            }
        };
        self.pos = after;
        self.eat_keyword(b"endobj");
        let span = data_start..data_start.saturating_add(len as u64);
        Ok(IndirectObject {
            id: head.id,
            object: Object::Stream(Stream {
                dict,
                data: StreamData::InFile(span),
            }),
            length_ref,
            end: self.offset(),
        })
    }

    /// Parses an unsigned integer token (for xref tables and object stream headers).
    pub(crate) fn parse_uint(&mut self) -> Result<u64> {
        self.skip_ws();
        let start = self.pos;
        let tok = self.take_regular();
        if self.at_end() {
            // The token may continue past the window.
            self.pos = start;
            return Err(self.unexpected_end("integer"));
        }
        if tok.is_empty() {
            return Err(self.error("expected an unsigned integer"));
        }
        let mut v: u64 = 0;
        for &c in tok {
            if !c.is_ascii_digit() {
                self.pos = start;
                return Err(self.error("expected an unsigned integer"));
            }
            v = match v
                .checked_mul(10)
                .and_then(|v| v.checked_add(u64::from(c - b'0')))
            {
                Some(v) => v,
                None => {
                    self.pos = start;
                    return Err(self.error("integer out of range"));
                }
            };
        }
        Ok(v)
    }

    /// Whether the next token is the keyword `kw` (consumes it if so).
    pub(crate) fn eat_keyword(&mut self, kw: &[u8]) -> bool {
        self.skip_ws();
        let Some(rest) = self.buf.get(self.pos..) else {
            return false;
        };
        if !rest.starts_with(kw) {
            return false;
        }
        match rest.get(kw.len()) {
            Some(&c) if is_regular(c) => false,
            _ => {
                self.pos += kw.len();
                true
            }
        }
    }

    /// Absolute offset of the current position.
    pub(crate) fn offset(&self) -> u64 {
        self.base.saturating_add(self.pos as u64)
    }

    /// A `Malformed` error at the current position.
    pub(crate) fn error(&self, reason: impl Into<String>) -> PdfError {
        PdfError::Malformed {
            offset: self.offset(),
            reason: reason.into(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(s: &[u8]) -> Result<Object> {
        Parser::new(s, 0).parse_object()
    }

    fn obj(s: &str) -> Object {
        parse(s.as_bytes()).unwrap()
    }

    fn string_bytes(s: &[u8]) -> Vec<u8> {
        match parse(s).unwrap() {
            Object::String(p) => p.bytes,
            o => panic!("{o:?}"),
        }
    }

    #[test]
    fn numbers() {
        assert_eq!(obj("42 "), Object::Integer(42));
        assert_eq!(obj("-17 "), Object::Integer(-17));
        assert_eq!(obj("+5 "), Object::Integer(5));
        assert_eq!(obj("+.5 "), Object::Real(0.5));
        assert_eq!(obj("-3. "), Object::Real(-3.0));
        assert_eq!(obj("1.0 "), Object::Real(1.0));
        assert_eq!(obj("-.002 "), Object::Real(-0.002));
        assert_eq!(obj("99999999999999999999 "), Object::Real(1e20));
        assert_eq!(obj("7"), Object::Integer(7));
        assert!(parse(b"1.2.3 ").is_err());
        assert!(parse(b"12abc ").is_err());
        assert!(parse(b"- ").is_err());
    }

    #[test]
    fn keywords_names_and_refs() {
        assert_eq!(obj("true "), Object::Bool(true));
        assert_eq!(obj("false]"), Object::Bool(false));
        assert_eq!(obj("null "), Object::Null);
        assert!(is_unexpected_end(&parse(b"tr").unwrap_err()));
        assert!(!is_unexpected_end(&parse(b"bogus ").unwrap_err()));
        assert_eq!(obj("/Name "), Object::Name(b"Name".to_vec()));
        assert_eq!(obj("/A#20B#2f "), Object::Name(b"A B/".to_vec()));
        assert_eq!(obj("/#zz "), Object::Name(b"#zz".to_vec()));
        assert_eq!(obj("/ "), Object::Name(Vec::new()));
        assert_eq!(obj("12 0 R "), Object::Ref(ObjRef::new(12, 0)));
        assert_eq!(obj("12 0 R"), Object::Ref(ObjRef::new(12, 0)));
        assert_eq!(
            obj("[1 2 R 3 4]"),
            Object::Array(vec![Object::Ref(ObjRef::new(1, 2)), 3.into(), 4.into()])
        );
        assert_eq!(obj("[1 2]"), Object::Array(vec![1.into(), 2.into()]));
        assert!(parse(b"[1 0 obj]").is_err());
        // `int int` at the very end may be a cut reference.
        assert!(is_unexpected_end(&parse(b"1 0").unwrap_err()));
        assert!(parse(b"4294967296 0 R ").is_err());
    }

    #[test]
    fn literal_strings() {
        assert_eq!(string_bytes(b"(a (nested) string)"), b"a (nested) string");
        assert_eq!(
            string_bytes(b"(\\n\\r\\t\\b\\f\\(\\)\\\\)"),
            b"\n\r\t\x08\x0c()\\"
        );
        assert_eq!(string_bytes(b"(\\101\\0\\7777)"), b"A\x00\xff7");
        assert_eq!(string_bytes(b"(a\\\nb\\\r\nc)"), b"abc");
        assert_eq!(string_bytes(b"(a\r\nb\rc)"), b"a\nb\nc");
        assert_eq!(string_bytes(b"(\\q)"), b"q");
        assert!(is_unexpected_end(&parse(b"(abc").unwrap_err()));
        assert!(is_unexpected_end(&parse(b"(abc\\").unwrap_err()));
    }

    #[test]
    fn hex_strings_and_spans() {
        assert_eq!(string_bytes(b"<48 65\n6C6c 6f>"), b"Hello");
        assert_eq!(string_bytes(b"<414>"), b"A@");
        assert_eq!(string_bytes(b"<>"), b"");
        assert!(parse(b"<4G>").is_err());
        let mut p = Parser::new(b"  <</K <0011>/L (x)>>", 100);
        let d = p.parse_object().unwrap();
        let d = d.as_dict().unwrap();
        assert_eq!(
            d.get(b"K").unwrap().as_string().unwrap().span,
            Some(107..113)
        );
        assert_eq!(
            d.get(b"L").unwrap().as_string().unwrap().span,
            Some(116..119)
        );
        let mut p = Parser::new(b"<0011>", 100);
        p.record_spans = false;
        assert_eq!(p.parse_object().unwrap().as_string().unwrap().span, None);
    }

    #[test]
    fn dictionaries_keep_duplicates_and_comments_are_skipped() {
        let o = obj("<< /A 1 % comment >>\n /A 2 /B [/C] /D<<>> >>");
        let d = o.as_dict().unwrap();
        assert_eq!(d.len(), 4);
        assert_eq!(d.get_int(b"A"), Some(1));
        assert_eq!(d.iter().filter(|(k, _)| *k == b"A").count(), 2);
        assert!(parse(b"<< 1 2 >>").is_err());
        assert!(parse(b"<< /A >>").is_err());
        assert!(is_unexpected_end(&parse(b"<< /A 1").unwrap_err()));
        assert!(is_unexpected_end(&parse(b"[1 2").unwrap_err()));
        assert!(parse(b"]").is_err());
        assert!(parse(b"{").is_err());
    }

    #[test]
    fn depth_is_bounded() {
        let deep = vec![b'['; 10_000];
        assert!(matches!(parse(&deep), Err(PdfError::LimitExceeded(_))));
        let ok = format!("{}{}", "[".repeat(MAX_DEPTH), "]".repeat(MAX_DEPTH));
        assert!(parse(ok.as_bytes()).is_ok());
        let too_deep = format!("{}{}", "[".repeat(MAX_DEPTH + 1), "]".repeat(MAX_DEPTH + 1));
        assert!(parse(too_deep.as_bytes()).is_err());
    }

    #[test]
    fn indirect_objects_and_streams() {
        let src = b"  7 1 obj\n<< /Length 5 >>\nstream\r\nhello\nendstream\nendobj\n";
        let mut p = Parser::new(src, 1000);
        let io = p.parse_indirect().unwrap();
        assert_eq!(io.id, ObjRef::new(7, 1));
        let Object::Stream(s) = io.object else {
            panic!()
        };
        assert_eq!(s.data, StreamData::InFile(1034..1039));
        assert_eq!(io.end, 1000 + src.len() as u64 - 1);

        // Wrong /Length: scanned.
        let src = b"1 0 obj<</Length 50>>stream\nabc\r\nendstream endobj";
        let io = Parser::new(src, 0).parse_indirect().unwrap();
        let Object::Stream(s) = io.object else {
            panic!()
        };
        assert_eq!(s.data, StreamData::InFile(28..31));

        // Indirect /Length: scanned and reported.
        let src = b"1 0 obj<</Length 2 0 R>>stream\nabcendstream endobj";
        let io = Parser::new(src, 0).parse_indirect().unwrap();
        assert_eq!(io.length_ref, Some(ObjRef::new(2, 0)));

        let io = Parser::new(b"3 0 obj 5 endobj", 0)
            .parse_indirect()
            .unwrap();
        assert_eq!(io.object, Object::Integer(5));
        assert_eq!(io.end, 16);
        // A cut window is "unexpected end" so that the reader can grow it.
        assert!(is_unexpected_end(
            &Parser::new(b"3 0 obj 5 0", 0).parse_indirect().unwrap_err()
        ));
        assert!(is_unexpected_end(
            &Parser::new(b"3 0 obj << /A (x", 0)
                .parse_indirect()
                .unwrap_err()
        ));
        assert!(is_unexpected_end(
            &Parser::new(b"3 0 ob", 0).parse_indirect().unwrap_err()
        ));
        assert!(is_unexpected_end(
            &Parser::new(b"3 0 obj <<>> str", 0)
                .parse_indirect()
                .unwrap_err()
        ));
        assert!(is_unexpected_end(
            &Parser::new(b"3 0 obj <<>> stream", 0)
                .parse_indirect()
                .unwrap_err()
        ));
        assert!(is_unexpected_end(
            &Parser::new(b"3 0 obj <<>>\n", 0)
                .parse_indirect()
                .unwrap_err()
        ));
        assert!(is_unexpected_end(
            &Parser::new(b"trai", 0).parse_uint().unwrap_err()
        ));
        assert!(!is_unexpected_end(
            &Parser::new(b"trailer <<", 0).parse_uint().unwrap_err()
        ));
        assert!(!is_unexpected_end(
            &Parser::new(b"xref 0 1", 0).parse_indirect().unwrap_err()
        ));
        assert!(Parser::new(b"3 0 obj 5 stream\n", 0)
            .parse_indirect()
            .is_err());
    }

    #[test]
    fn uints_and_keywords() {
        let mut p = Parser::new(b" 0000000017 65535 f\r\ntrailer", 0);
        assert_eq!(p.parse_uint().unwrap(), 17);
        assert_eq!(p.parse_uint().unwrap(), 65535);
        assert!(!p.eat_keyword(b"n"));
        assert!(p.eat_keyword(b"f"));
        assert!(!p.eat_keyword(b"trail"));
        assert!(p.eat_keyword(b"trailer"));
        assert!(Parser::new(b"99999999999999999999999 ", 0)
            .parse_uint()
            .is_err());
        assert!(Parser::new(b"-1 ", 0).parse_uint().is_err());
    }

    #[test]
    fn endstream_helpers() {
        assert_eq!(endstream_follows(b"\r\nendstream"), Some(11));
        assert_eq!(endstream_follows(b"endstream"), Some(9));
        assert_eq!(endstream_follows(b"xendstream"), None);
        assert_eq!(find_endstream(b"abc\r\nendstream"), Some((3, 14)));
        assert_eq!(find_endstream(b"abc\rendstream"), Some((3, 13)));
        assert_eq!(find_endstream(b"endstream"), Some((0, 9)));
        assert_eq!(find_endstream(b"abc"), None);
    }
}

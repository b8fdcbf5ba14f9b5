//! A small, strict DER reader and writer (X.690) for the CMS, ESS, TSP and OCSP structures
//! that kyso parses and builds itself. Readers borrow the input, keep the raw bytes of every
//! element (signatures are computed over exact encodings), bound nesting, and never panic.

/// Maximum nesting depth the reader follows.
pub(crate) const MAX_DEPTH: usize = 32;

/// A DER parsing error, with the byte position where it happened.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("malformed DER at byte {position}: {reason}")]
pub struct DerError {
    /// Offset within the input given to the top-level reader.
    pub position: usize,
    /// What was wrong.
    pub reason: &'static str,
}

/// Common tags.
pub mod tag {
    /// BOOLEAN
    pub(crate) const BOOLEAN: u8 = 0x01;
    /// INTEGER
    pub(crate) const INTEGER: u8 = 0x02;
    /// BIT STRING
    pub const BIT_STRING: u8 = 0x03;
    /// OCTET STRING
    pub(crate) const OCTET_STRING: u8 = 0x04;
    /// NULL
    pub const NULL: u8 = 0x05;
    /// OBJECT IDENTIFIER
    pub(crate) const OID: u8 = 0x06;
    /// ENUMERATED
    pub const ENUMERATED: u8 = 0x0A;
    /// UTCTime
    pub(crate) const UTC_TIME: u8 = 0x17;
    /// GeneralizedTime
    pub(crate) const GENERALIZED_TIME: u8 = 0x18;
    /// SEQUENCE (constructed)
    pub(crate) const SEQUENCE: u8 = 0x30;
    /// SET (constructed)
    pub(crate) const SET: u8 = 0x31;
    /// `[n]` context-specific constructed
    pub const fn context(n: u8) -> u8 {
        0xA0 | n
    }
    /// `[n]` context-specific primitive
    pub(crate) const fn context_primitive(n: u8) -> u8 {
        0x80 | n
    }
}

/// One TLV element.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Element<'a> {
    /// The identifier octet (only single-octet tags are supported).
    pub tag: u8,
    /// The contents octets.
    pub value: &'a [u8],
    /// The whole encoding: identifier, length and contents.
    pub raw: &'a [u8],
    /// Offset of `raw` within the top-level input.
    pub position: usize,
}

/// A cursor over a sequence of DER elements.
#[derive(Debug, Clone)]
pub struct Reader<'a> {
    data: &'a [u8],
    pos: usize,
    base: usize,
    depth: usize,
}

fn err(position: usize, reason: &'static str) -> DerError {
    DerError { position, reason }
}

/// Shifts a relative error position by `offset` (saturating).
fn rebase(e: DerError, offset: usize) -> DerError {
    DerError {
        position: e.position.saturating_add(offset),
        reason: e.reason,
    }
}

impl<'a> Element<'a> {
    /// Length of the identifier and length octets.
    pub fn header_len(&self) -> usize {
        self.raw.len().saturating_sub(self.value.len())
    }

    /// Offset of the contents octets within the top-level input.
    pub fn contents_position(&self) -> usize {
        self.position.saturating_add(self.header_len())
    }

    /// Whether the constructed bit (0x20) of the identifier is set.
    pub fn is_constructed(&self) -> bool {
        self.tag & 0x20 != 0
    }

    /// The dotted form of an OBJECT IDENTIFIER element (errors carry absolute positions).
    pub fn to_oid_string(self) -> Result<String, DerError> {
        if self.tag != tag::OID {
            return Err(err(self.position, "expected an OBJECT IDENTIFIER"));
        }
        oid_to_string(self.value).map_err(|e| rebase(e, self.contents_position()))
    }

    /// Unix seconds of a UTCTime or GeneralizedTime element (errors carry absolute positions).
    pub fn to_time(self) -> Result<i64, DerError> {
        parse_time(self.tag, self.value).map_err(|e| rebase(e, self.contents_position()))
    }

    /// The value of a non-negative INTEGER element that fits a u64.
    pub fn to_u64(self) -> Result<u64, DerError> {
        if self.tag != tag::INTEGER {
            return Err(err(self.position, "expected an INTEGER"));
        }
        parse_u64(self.value).map_err(|e| rebase(e, self.contents_position()))
    }
}

impl<'a> Reader<'a> {
    /// A reader over a whole input.
    pub fn new(data: &'a [u8]) -> Self {
        Reader {
            data,
            pos: 0,
            base: 0,
            depth: 0,
        }
    }

    /// Whether all input has been consumed.
    pub fn is_empty(&self) -> bool {
        self.pos >= self.data.len()
    }

    /// Absolute offset (within the top-level input) of the next element.
    pub fn position(&self) -> usize {
        self.base.saturating_add(self.pos)
    }

    /// The nesting depth of this reader (0 for a top-level reader).
    pub fn depth(&self) -> usize {
        self.depth
    }

    /// Parses the element at the current position without consuming it; returns it and the
    /// position after it.
    fn parse_next(&self) -> Result<(Element<'a>, usize), DerError> {
        let start = self.pos;
        let at = |off: usize| self.base.saturating_add(off);
        let Some(&tag) = self.data.get(start) else {
            return Err(err(at(start), "unexpected end of input"));
        };
        if tag & 0x1f == 0x1f {
            return Err(err(
                at(start),
                "multi-byte (high) tag numbers are not supported",
            ));
        }
        let len_pos = start + 1;
        let Some(&first) = self.data.get(len_pos) else {
            return Err(err(at(len_pos), "truncated: missing length"));
        };
        let (len, header_end) = if first < 0x80 {
            (usize::from(first), len_pos + 1)
        } else if first == 0x80 {
            return Err(err(at(len_pos), "indefinite length is not allowed"));
        } else if first == 0xff {
            return Err(err(at(len_pos), "reserved length octet 0xFF"));
        } else {
            let n = usize::from(first & 0x7f);
            if n > std::mem::size_of::<usize>() {
                return Err(err(at(len_pos), "length does not fit in memory"));
            }
            let bytes = self
                .data
                .get(len_pos + 1..len_pos + 1 + n)
                .ok_or_else(|| err(at(len_pos), "truncated: length octets"))?;
            let mut len: usize = 0;
            for &b in bytes {
                len = len
                    .checked_mul(256)
                    .and_then(|l| l.checked_add(usize::from(b)))
                    .ok_or_else(|| err(at(len_pos), "length overflows"))?;
            }
            (len, len_pos + 1 + n)
        };
        let end = header_end
            .checked_add(len)
            .filter(|&e| e <= self.data.len())
            .ok_or_else(|| err(at(len_pos), "length exceeds the available input"))?;
        let raw = self
            .data
            .get(start..end)
            .ok_or_else(|| err(at(start), "truncated"))?;
        let value = self
            .data
            .get(header_end..end)
            .ok_or_else(|| err(at(start), "truncated"))?;
        Ok((
            Element {
                tag,
                value,
                raw,
                position: at(start),
            },
            end,
        ))
    }

    /// Reads the next element (definite lengths only, minimal length encoding not enforced
    /// for BER-ish producers but lengths must fit the input).
    pub fn read(&mut self) -> Result<Element<'a>, DerError> {
        let (e, next) = self.parse_next()?;
        self.pos = next;
        Ok(e)
    }

    /// Reads the next element and checks its tag.
    pub fn expect_tag(&mut self, tag: u8) -> Result<Element<'a>, DerError> {
        let (e, next) = self.parse_next()?;
        if e.tag != tag {
            return Err(err(e.position, "unexpected tag"));
        }
        self.pos = next;
        Ok(e)
    }

    /// Reads the next element if it has tag `tag`.
    pub fn optional(&mut self, tag: u8) -> Result<Option<Element<'a>>, DerError> {
        if self.peek_tag() == Some(tag) {
            self.read().map(Some)
        } else {
            Ok(None)
        }
    }

    /// Peeks at the next tag.
    pub fn peek_tag(&self) -> Option<u8> {
        self.data.get(self.pos).copied()
    }

    /// A reader over the contents of a constructed element (depth-limited).
    pub fn nested(&self, e: &Element<'a>) -> Result<Reader<'a>, DerError> {
        let depth = self.depth + 1;
        if depth > MAX_DEPTH {
            return Err(err(e.position, "nesting too deep"));
        }
        Ok(Reader {
            data: e.value,
            pos: 0,
            base: e.contents_position(),
            depth,
        })
    }

    /// Fails unless all input has been consumed.
    pub fn finish(&self) -> Result<(), DerError> {
        if self.is_empty() {
            Ok(())
        } else {
            Err(err(self.position(), "unexpected trailing data"))
        }
    }
}

/// An OBJECT IDENTIFIER in dotted form ("1.2.840.113549.1.7.2"). Error positions are
/// relative to `value` (see [`Element::to_oid_string`] for absolute ones).
pub(crate) fn oid_to_string(value: &[u8]) -> Result<String, DerError> {
    if value.is_empty() {
        return Err(err(0, "empty OBJECT IDENTIFIER"));
    }
    let mut out = String::new();
    let mut arc: u128 = 0;
    let mut arc_start = true;
    let mut first = true;
    for (i, &b) in value.iter().enumerate() {
        if arc_start && b == 0x80 {
            return Err(err(i, "non-minimal OBJECT IDENTIFIER arc"));
        }
        arc_start = false;
        if arc > (u128::MAX >> 7) {
            return Err(err(i, "OBJECT IDENTIFIER arc too large"));
        }
        arc = (arc << 7) | u128::from(b & 0x7f);
        if b & 0x80 == 0 {
            if first {
                let (a, b2) = match arc {
                    0..=39 => (0, arc),
                    40..=79 => (1, arc - 40),
                    _ => (2, arc - 80),
                };
                push_arc(&mut out, a);
                out.push('.');
                push_arc(&mut out, b2);
                first = false;
            } else {
                out.push('.');
                push_arc(&mut out, arc);
            }
            arc = 0;
            arc_start = true;
        }
    }
    if !arc_start {
        return Err(err(
            value.len().saturating_sub(1),
            "truncated OBJECT IDENTIFIER arc",
        ));
    }
    Ok(out)
}

/// Appends the decimal digits of `v` (without the formatting machinery: OIDs are on the
/// hot path of CMS parsing).
fn push_arc(out: &mut String, v: u128) {
    let Ok(mut v) = u64::try_from(v) else {
        out.push_str(&v.to_string());
        return;
    };
    let mut digits = [0u8; 20];
    let mut n = digits.len();
    loop {
        n -= 1;
        if let Some(d) = digits.get_mut(n) {
            *d = b'0' + (v % 10) as u8;
        }
        v /= 10;
        if v == 0 || n == 0 {
            break;
        }
    }
    for &d in digits.get(n..).unwrap_or(&[]) {
        out.push(char::from(d));
    }
}

fn push_base128(out: &mut Vec<u8>, mut v: u128) {
    let mut tmp = [0u8; 19];
    let mut n = 0;
    loop {
        if let Some(slot) = tmp.get_mut(n) {
            *slot = (v & 0x7f) as u8;
        }
        n += 1;
        v >>= 7;
        if v == 0 || n >= tmp.len() {
            break;
        }
    }
    for i in (0..n).rev() {
        let b = tmp.get(i).copied().unwrap_or(0);
        out.push(if i == 0 { b } else { b | 0x80 });
    }
}

/// Encodes a dotted OID into its contents octets (panics never; invalid input yields an
/// empty vector).
pub(crate) fn oid_from_str(dotted: &str) -> Vec<u8> {
    let mut arcs = Vec::new();
    for part in dotted.split('.') {
        if part.is_empty() || !part.bytes().all(|c| c.is_ascii_digit()) {
            return Vec::new();
        }
        match part.parse::<u128>() {
            Ok(v) => arcs.push(v),
            Err(_) => return Vec::new(),
        }
    }
    let (Some(&a), Some(&b)) = (arcs.first(), arcs.get(1)) else {
        return Vec::new();
    };
    if a > 2 || (a < 2 && b > 39) {
        return Vec::new();
    }
    let Some(first) = (a * 40).checked_add(b) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    push_base128(&mut out, first);
    for &arc in arcs.iter().skip(2) {
        push_base128(&mut out, arc);
    }
    out
}

/// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's days_from_civil).
fn days_from_civil(year: i64, month: u32, day: u32) -> i64 {
    let m = i64::from(month);
    let d = i64::from(day);
    let y = if m <= 2 { year - 1 } else { year };
    let era = if y >= 0 { y } else { y - 399 } / 400;
    let yoe = y - era * 400;
    let mp = if m > 2 { m - 3 } else { m + 9 };
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The proleptic Gregorian date (year, month, day) of a day count since 1970-01-01.
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = if z >= 0 { z } else { z - 146_096 } / 146_097;
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

fn is_leap(y: i64) -> bool {
    (y % 4 == 0 && y % 100 != 0) || y % 400 == 0
}

fn days_in_month(y: i64, m: u32) -> u32 {
    match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if is_leap(y) => 29,
        2 => 28,
        _ => 0,
    }
}

/// Parses `n` ASCII digits at `at`.
fn digits(value: &[u8], at: usize, n: usize) -> Result<u32, DerError> {
    let s = value
        .get(at..at + n)
        .ok_or_else(|| err(at, "truncated time"))?;
    let mut v = 0u32;
    for (i, &c) in s.iter().enumerate() {
        if !c.is_ascii_digit() {
            return Err(err(at + i, "non-digit in time"));
        }
        v = v * 10 + u32::from(c - b'0');
    }
    Ok(v)
}

/// Parses UTCTime / GeneralizedTime contents into Unix seconds (UTC). UTCTime must be
/// `YYMMDDHHMMSSZ` (YY < 50 means 20YY); GeneralizedTime `YYYYMMDDHHMMSS[.f+]Z` (the
/// fraction is truncated). Error positions are relative to `value`.
pub(crate) fn parse_time(tag: u8, value: &[u8]) -> Result<i64, DerError> {
    let (year, rest) = match tag {
        tag::UTC_TIME => {
            let yy = i64::from(digits(value, 0, 2)?);
            (if yy < 50 { 2000 + yy } else { 1900 + yy }, 2)
        }
        tag::GENERALIZED_TIME => (i64::from(digits(value, 0, 4)?), 4),
        _ => return Err(err(0, "expected UTCTime or GeneralizedTime")),
    };
    let month = digits(value, rest, 2)?;
    let day = digits(value, rest + 2, 2)?;
    let hour = digits(value, rest + 4, 2)?;
    let minute = digits(value, rest + 6, 2)?;
    let second = digits(value, rest + 8, 2)?;
    let mut i = rest + 10;
    if tag == tag::GENERALIZED_TIME && value.get(i) == Some(&b'.') {
        i += 1;
        let start = i;
        while value.get(i).is_some_and(|c| c.is_ascii_digit()) {
            i += 1;
        }
        if i == start {
            return Err(err(i, "empty fractional seconds"));
        }
    }
    match value.get(i) {
        Some(b'Z') => {}
        Some(_) => return Err(err(i, "time must end with 'Z' (UTC)")),
        None => return Err(err(i, "truncated time: missing 'Z'")),
    }
    if i + 1 != value.len() {
        return Err(err(i + 1, "trailing data in time"));
    }
    if !(1..=12).contains(&month) {
        return Err(err(rest, "month out of range"));
    }
    if day < 1 || day > days_in_month(year, month) {
        return Err(err(rest + 2, "day out of range"));
    }
    if hour > 23 {
        return Err(err(rest + 4, "hour out of range"));
    }
    if minute > 59 {
        return Err(err(rest + 6, "minute out of range"));
    }
    if second > 59 {
        return Err(err(rest + 8, "second out of range"));
    }
    let days = days_from_civil(year, month, day);
    Ok(days * 86_400 + i64::from(hour) * 3600 + i64::from(minute) * 60 + i64::from(second))
}

/// A non-negative INTEGER's contents as u64 (fails if negative or too large). Error
/// positions are relative to `value`.
pub(crate) fn parse_u64(value: &[u8]) -> Result<u64, DerError> {
    let Some(&first) = value.first() else {
        return Err(err(0, "empty INTEGER"));
    };
    if first & 0x80 != 0 {
        return Err(err(0, "negative INTEGER"));
    }
    let skip = value.iter().take_while(|&&b| b == 0).count();
    let mag = value.get(skip..).unwrap_or(&[]);
    if mag.len() > 8 {
        return Err(err(0, "INTEGER too large"));
    }
    Ok(mag.iter().fold(0u64, |acc, &b| (acc << 8) | u64::from(b)))
}

/// Encodes a definite length.
fn encode_len(out: &mut Vec<u8>, len: usize) {
    if len < 0x80 {
        out.push(len as u8);
    } else {
        let bytes = len.to_be_bytes();
        let skip = bytes.iter().take_while(|&&b| b == 0).count();
        let sig = bytes.get(skip..).unwrap_or(&[]);
        out.push(0x80 | sig.len() as u8);
        out.extend_from_slice(sig);
    }
}

/// Encodes one TLV.
pub fn encode(tag: u8, value: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(value.len() + 10);
    out.push(tag);
    encode_len(&mut out, value.len());
    out.extend_from_slice(value);
    out
}

/// Encodes a SEQUENCE of already-encoded elements.
pub fn sequence(parts: &[&[u8]]) -> Vec<u8> {
    encode(tag::SEQUENCE, &parts.concat())
}

/// Encodes a SET OF already-encoded elements, sorted as DER requires (X.690 §11.6).
pub(crate) fn set_of(parts: &[&[u8]]) -> Vec<u8> {
    // X.690 §11.6 compares encodings as octet strings, the shorter padded with trailing
    // zero octets; a plain lexicographic order agrees with it up to equal-comparing pairs.
    let mut sorted: Vec<&[u8]> = parts.to_vec();
    sorted.sort();
    encode(tag::SET, &sorted.concat())
}

/// Encodes an OBJECT IDENTIFIER from dotted form.
pub fn oid(dotted: &str) -> Vec<u8> {
    encode(tag::OID, &oid_from_str(dotted))
}

/// Encodes a non-negative INTEGER from big-endian magnitude bytes (adds a leading zero when
/// needed, strips redundant ones).
pub fn integer_from_unsigned(magnitude: &[u8]) -> Vec<u8> {
    let skip = magnitude.iter().take_while(|&&b| b == 0).count();
    let mag = magnitude.get(skip..).unwrap_or(&[]);
    let mut v = Vec::with_capacity(mag.len() + 1);
    match mag.first() {
        None => v.push(0),
        Some(&b) if b & 0x80 != 0 => {
            v.push(0);
            v.extend_from_slice(mag);
        }
        Some(_) => v.extend_from_slice(mag),
    }
    encode(tag::INTEGER, &v)
}

/// Encodes an INTEGER from a u64.
pub fn integer(v: u64) -> Vec<u8> {
    integer_from_unsigned(&v.to_be_bytes())
}

/// Encodes an OCTET STRING.
pub fn octet_string(v: &[u8]) -> Vec<u8> {
    encode(tag::OCTET_STRING, v)
}

/// Earliest and latest instants GeneralizedTime can express with a four-digit year.
const MIN_TIME: i64 = -62_167_219_200; // 0000-01-01T00:00:00Z
const MAX_TIME: i64 = 253_402_300_799; // 9999-12-31T23:59:59Z

/// (year, month, day, hour, minute, second) of Unix seconds, clamped to years 0–9999.
fn civil_time(unix: i64) -> (i64, u32, u32, u32, u32, u32) {
    let t = unix.clamp(MIN_TIME, MAX_TIME);
    let days = t.div_euclid(86_400);
    let secs = t.rem_euclid(86_400);
    let (y, m, d) = civil_from_days(days);
    (
        y,
        m,
        d,
        (secs / 3600) as u32,
        (secs % 3600 / 60) as u32,
        (secs % 60) as u32,
    )
}

/// Encodes a GeneralizedTime ("YYYYMMDDHHMMSSZ") from Unix seconds.
pub(crate) fn generalized_time(unix: i64) -> Vec<u8> {
    let (y, m, d, hh, mm, ss) = civil_time(unix);
    let s = format!("{y:04}{m:02}{d:02}{hh:02}{mm:02}{ss:02}Z");
    encode(tag::GENERALIZED_TIME, s.as_bytes())
}

/// Encodes a UTCTime ("YYMMDDHHMMSSZ") from Unix seconds (years 1950–2049; else
/// GeneralizedTime, as RFC 5280 requires).
pub fn utc_time(unix: i64) -> Vec<u8> {
    let (y, m, d, hh, mm, ss) = civil_time(unix);
    if !(1950..=2049).contains(&y) {
        return generalized_time(unix);
    }
    let s = format!("{:02}{m:02}{d:02}{hh:02}{mm:02}{ss:02}Z", y % 100);
    encode(tag::UTC_TIME, s.as_bytes())
}

/// Maximum number of elements [`ber_to_der`] converts (a bound against hostile input).
const MAX_BER_ELEMENTS: usize = 1 << 20;

/// Re-encodes BER as DER lengths: indefinite lengths (`0x80` … `00 00`) become definite,
/// long-form lengths become minimal. Tags, constructed-ness and contents are kept as they
/// are (constructed strings stay constructed; SET OF order is not changed), so DER input
/// comes back unchanged. Trailing zero bytes after the top element are dropped.
///
/// # Errors
/// Truncated or malformed BER, nesting deeper than [`MAX_DEPTH`], or too many elements.
pub(crate) fn ber_to_der(input: &[u8]) -> Result<Vec<u8>, DerError> {
    let mut out = Vec::with_capacity(input.len());
    let mut count = 0usize;
    let end = ber_element(input, 0, 0, &mut out, &mut count)?;
    if input
        .get(end..)
        .is_some_and(|rest| rest.iter().any(|&b| b != 0))
    {
        return Err(DerError {
            position: end,
            reason: "data after the top-level element",
        });
    }
    Ok(out)
}

/// Converts the element at `pos`, appending its DER to `out`; returns the position after it.
fn ber_element(
    input: &[u8],
    pos: usize,
    depth: usize,
    out: &mut Vec<u8>,
    count: &mut usize,
) -> Result<usize, DerError> {
    let fail = |position: usize, reason: &'static str| DerError { position, reason };
    if depth > MAX_DEPTH {
        return Err(fail(pos, "nesting too deep"));
    }
    *count += 1;
    if *count > MAX_BER_ELEMENTS {
        return Err(fail(pos, "too many elements"));
    }
    let tag = *input.get(pos).ok_or(fail(pos, "truncated element"))?;
    if tag & 0x1F == 0x1F {
        return Err(fail(pos, "multi-byte tags are not supported"));
    }
    let first = *input
        .get(pos + 1)
        .ok_or(fail(pos + 1, "truncated length"))?;
    let constructed = tag & 0x20 != 0;
    let mut content = Vec::new();
    let after;
    if first == 0x80 {
        if !constructed {
            return Err(fail(pos + 1, "indefinite length on a primitive element"));
        }
        let mut p = pos + 2;
        loop {
            match input.get(p..p + 2) {
                Some([0, 0]) => {
                    after = p + 2;
                    break;
                }
                Some(_) => p = ber_element(input, p, depth + 1, &mut content, count)?,
                None => return Err(fail(p, "missing end-of-contents")),
            }
        }
    } else {
        let (len, header) = if first < 0x80 {
            (usize::from(first), 2)
        } else {
            let n = usize::from(first & 0x7F);
            if n > 8 {
                return Err(fail(pos + 1, "length too long"));
            }
            let bytes = input
                .get(pos + 2..pos + 2 + n)
                .ok_or(fail(pos + 2, "truncated length"))?;
            let mut len = 0usize;
            for &b in bytes {
                len = len
                    .checked_mul(256)
                    .and_then(|l| l.checked_add(usize::from(b)))
                    .ok_or(fail(pos + 1, "length overflow"))?;
            }
            (len, 2 + n)
        };
        let start = pos + header;
        let end = start
            .checked_add(len)
            .filter(|&e| e <= input.len())
            .ok_or(fail(pos, "length past the end of the input"))?;
        if constructed {
            let mut p = start;
            while p < end {
                p = ber_element(&input[..end], p, depth + 1, &mut content, count)?;
            }
        } else {
            content.extend_from_slice(&input[start..end]);
        }
        after = end;
    }
    out.extend_from_slice(&encode(tag, &content));
    Ok(after)
}

#[cfg(test)]
mod tests {
    #[test]
    fn ber_indefinite_lengths_become_definite() {
        // SEQUENCE (indefinite) { INTEGER 5, OCTET STRING (long-form length) "ab" }
        let ber = [
            0x30, 0x80, 0x02, 0x01, 0x05, 0x04, 0x81, 0x02, b'a', b'b', 0x00, 0x00,
        ];
        let der = super::ber_to_der(&ber).unwrap();
        assert_eq!(der, [0x30, 0x07, 0x02, 0x01, 0x05, 0x04, 0x02, b'a', b'b']);
        assert_eq!(super::ber_to_der(&der).unwrap(), der);
        assert!(super::ber_to_der(&[0x30, 0x80, 0x02, 0x01]).is_err());
        assert!(super::ber_to_der(&[0x04, 0x80, 0x00, 0x00]).is_err());
        let mut bomb = [0x30, 0x80].repeat(10_000);
        bomb.extend([0u8; 20_000]);
        assert!(super::ber_to_der(&bomb).is_err());
    }

    use super::*;

    #[test]
    fn reads_nested_elements_with_absolute_positions() {
        // SEQUENCE { INTEGER 5, SEQUENCE { NULL } }
        let data = [0x30, 0x07, 0x02, 0x01, 0x05, 0x30, 0x02, 0x05, 0x00];
        let mut r = Reader::new(&data);
        let seq = r.expect_tag(tag::SEQUENCE).unwrap();
        assert_eq!(seq.position, 0);
        assert_eq!(seq.raw, &data[..]);
        r.finish().unwrap();
        let mut inner = r.nested(&seq).unwrap();
        let int = inner.expect_tag(tag::INTEGER).unwrap();
        assert_eq!(int.position, 2);
        assert_eq!(int.to_u64().unwrap(), 5);
        let s2 = inner.read().unwrap();
        assert_eq!(s2.position, 5);
        let mut inner2 = inner.nested(&s2).unwrap();
        assert_eq!(inner2.depth(), 2);
        let null = inner2.expect_tag(tag::NULL).unwrap();
        assert_eq!(null.position, 7);
        assert_eq!(null.value, &[] as &[u8]);
        inner2.finish().unwrap();
        inner.finish().unwrap();
        // Errors inside nested readers report absolute positions.
        let data = [0x30, 0x03, 0x02, 0x05, 0x01];
        let mut r = Reader::new(&data);
        let seq = r.read().unwrap();
        let e = r.nested(&seq).unwrap().read().unwrap_err();
        assert_eq!(e.position, 3);
        assert_eq!(e.reason, "length exceeds the available input");
    }

    #[test]
    fn truncated_inputs_fail() {
        for data in [
            &[][..],
            &[0x30],
            &[0x30, 0x82, 0x01],
            &[0x04, 0x03, 0x01, 0x02],
        ] {
            let mut r = Reader::new(data);
            assert!(r.read().is_err(), "{data:?}");
        }
        assert_eq!(
            Reader::new(&[]).read().unwrap_err().reason,
            "unexpected end of input"
        );
    }

    #[test]
    fn length_overflow_and_oversize_fail() {
        let e = Reader::new(&[0x04, 0x89, 1, 2, 3, 4, 5, 6, 7, 8, 9])
            .read()
            .unwrap_err();
        assert_eq!(e.position, 1);
        let e = Reader::new(&[0x04, 0x88, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff])
            .read()
            .unwrap_err();
        assert_eq!(e.reason, "length exceeds the available input");
        let e = Reader::new(&[0x04, 0xff, 0x00]).read().unwrap_err();
        assert_eq!(e.reason, "reserved length octet 0xFF");
        // Long-form non-minimal lengths are tolerated.
        let e = Reader::new(&[0x04, 0x81, 0x01, 0xaa]).read().unwrap();
        assert_eq!(e.value, &[0xaa]);
    }

    #[test]
    fn indefinite_length_rejected() {
        let e = Reader::new(&[0x30, 0x80, 0x05, 0x00, 0x00, 0x00])
            .read()
            .unwrap_err();
        assert_eq!(
            e,
            DerError {
                position: 1,
                reason: "indefinite length is not allowed"
            }
        );
    }

    #[test]
    fn high_tag_numbers_rejected() {
        let e = Reader::new(&[0x9f, 0x1f, 0x01, 0x00]).read().unwrap_err();
        assert_eq!(e.position, 0);
        assert!(e.reason.contains("multi-byte"));
        let e = Reader::new(&[0x1f, 0x81, 0x00, 0x00]).read().unwrap_err();
        assert!(e.reason.contains("high"));
    }

    fn walk(r: &mut Reader<'_>) -> Result<usize, DerError> {
        let mut max = r.depth();
        while !r.is_empty() {
            let e = r.read()?;
            if e.is_constructed() {
                max = max.max(walk(&mut r.nested(&e)?)?);
            }
        }
        Ok(max)
    }

    #[test]
    fn depth_bomb_is_bounded() {
        let mut v = encode(tag::NULL, &[]);
        for _ in 0..MAX_DEPTH {
            v = encode(tag::SEQUENCE, &v);
        }
        assert_eq!(walk(&mut Reader::new(&v)).unwrap(), MAX_DEPTH);
        let v = encode(tag::SEQUENCE, &v);
        let e = walk(&mut Reader::new(&v)).unwrap_err();
        assert_eq!(e.reason, "nesting too deep");
        assert_eq!(e.position, MAX_DEPTH * 2);
        // A deep bomb of 10 000 levels fails fast instead of overflowing the stack.
        let n = 10_000u32;
        let mut bomb = Vec::new();
        for i in 0..n {
            bomb.push(0x30);
            bomb.push(0x84);
            bomb.extend_from_slice(&(6 * (n - 1 - i)).to_be_bytes());
        }
        let e = walk(&mut Reader::new(&bomb)).unwrap_err();
        assert_eq!(e.reason, "nesting too deep");
        assert_eq!(e.position, MAX_DEPTH * 6);
    }

    #[test]
    fn expect_tag_and_optional() {
        let data = [0x02, 0x01, 0x01, 0x05, 0x00];
        let mut r = Reader::new(&data);
        assert!(r.optional(tag::NULL).unwrap().is_none());
        let e = r.expect_tag(tag::NULL).unwrap_err();
        assert_eq!(
            e,
            DerError {
                position: 0,
                reason: "unexpected tag"
            }
        );
        assert_eq!(
            r.peek_tag(),
            Some(tag::INTEGER),
            "a failed expect does not consume"
        );
        assert!(r.finish().is_err());
        r.expect_tag(tag::INTEGER).unwrap();
        assert!(r.optional(tag::NULL).unwrap().is_some());
        assert!(r.optional(tag::NULL).unwrap().is_none());
        r.finish().unwrap();
    }

    #[test]
    fn oid_round_trips() {
        for s in [
            "1.2.840.113549.1.7.2",
            "2.16.840.1.101.3.4.2.1",
            "1.3.101.112",
            "0.0",
            "2.999.3",
            "1.2.840.10045.4.3.2",
            "2.25.329800735698586629295641978511506172918",
        ] {
            let enc = oid_from_str(s);
            assert!(!enc.is_empty(), "{s}");
            assert_eq!(oid_to_string(&enc).unwrap(), s);
        }
        assert_eq!(
            oid_from_str("1.2.840.113549"),
            vec![0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d]
        );
        assert_eq!(oid("2.5.4.3"), vec![0x06, 0x03, 0x55, 0x04, 0x03]);
        for bad in [
            "",
            "1",
            "3.1",
            "1.40",
            "1..2",
            "1.2.x",
            "-1.2",
            "1.2.",
            "1.2.999999999999999999999999999999999999999999",
        ] {
            assert!(oid_from_str(bad).is_empty(), "{bad}");
        }
        assert!(oid_to_string(&[]).is_err());
        assert!(oid_to_string(&[0x2a, 0x86]).is_err(), "unterminated arc");
        assert!(
            oid_to_string(&[0x2a, 0x80, 0x01]).is_err(),
            "non-minimal arc"
        );
        let e = Reader::new(&[0x30, 0x03, 0x06, 0x01, 0x80]).read().unwrap();
        let inner = Reader::new(&[]).nested(&e).unwrap().read().unwrap();
        assert_eq!(inner.to_oid_string().unwrap_err().position, 4);
    }

    #[test]
    fn time_vectors() {
        let utc = |s: &str| parse_time(tag::UTC_TIME, s.as_bytes());
        let gen = |s: &str| parse_time(tag::GENERALIZED_TIME, s.as_bytes());
        assert_eq!(utc("700101000000Z").unwrap(), 0);
        assert_eq!(utc("491231235959Z").unwrap(), 2_524_607_999);
        assert_eq!(utc("500101000000Z").unwrap(), -631_152_000);
        assert_eq!(utc("000229120000Z").unwrap(), 951_825_600);
        assert_eq!(gen("20380119031408Z").unwrap(), 2_147_483_648);
        assert_eq!(gen("20240229235959.999Z").unwrap(), 1_709_251_199);
        assert_eq!(gen("19691231235959Z").unwrap(), -1);
        assert_eq!(gen("99991231235959Z").unwrap(), MAX_TIME);
        assert_eq!(gen("00000101000000Z").unwrap(), MIN_TIME);
        assert_eq!(gen("21000301000000Z").unwrap(), 4_107_542_400);
        for bad in [
            "700101000000",
            "7001010000Z",
            "700101000000+0700",
            "701301000000Z",
            "700132000000Z",
            "700100000000Z",
            "700101240000Z",
            "700101006000Z",
            "700101000060Z",
            "010229000000Z",
            "7001010000a0Z",
            "700101000000ZZ",
        ] {
            assert!(utc(bad).is_err(), "{bad}");
        }
        for bad in [
            "20240101000000",
            "20240101000000.Z",
            "21000229000000Z",
            "2024010100000Z",
            "20240101000000.5",
        ] {
            assert!(gen(bad).is_err(), "{bad}");
        }
        assert!(parse_time(tag::OCTET_STRING, b"700101000000Z").is_err());
    }

    #[test]
    fn time_encoding_round_trips() {
        for t in [
            0,
            1_709_251_199,
            -631_152_000,
            2_524_607_999,
            4_107_542_400,
            -1,
            MAX_TIME,
            MIN_TIME,
        ] {
            let g = generalized_time(t);
            let e = Reader::new(&g).read().unwrap();
            assert_eq!(e.to_time().unwrap(), t);
            let u = utc_time(t);
            let e = Reader::new(&u).read().unwrap();
            assert_eq!(e.to_time().unwrap(), t);
        }
        assert_eq!(utc_time(0), encode(tag::UTC_TIME, b"700101000000Z"));
        assert_eq!(
            utc_time(2_524_608_000),
            encode(tag::GENERALIZED_TIME, b"20500101000000Z")
        );
        assert_eq!(
            utc_time(-631_152_001),
            encode(tag::GENERALIZED_TIME, b"19491231235959Z")
        );
        assert_eq!(
            generalized_time(i64::MAX),
            encode(tag::GENERALIZED_TIME, b"99991231235959Z")
        );
        for days in (-800_000..800_000).step_by(997) {
            let (y, m, d) = civil_from_days(days);
            assert_eq!(days_from_civil(y, m, d), days);
        }
    }

    #[test]
    fn integers() {
        assert_eq!(integer(0), vec![0x02, 0x01, 0x00]);
        assert_eq!(integer(127), vec![0x02, 0x01, 0x7f]);
        assert_eq!(integer(128), vec![0x02, 0x02, 0x00, 0x80]);
        assert_eq!(integer(256), vec![0x02, 0x02, 0x01, 0x00]);
        assert_eq!(
            integer_from_unsigned(&[0, 0, 0xff]),
            vec![0x02, 0x02, 0x00, 0xff]
        );
        assert_eq!(integer_from_unsigned(&[]), vec![0x02, 0x01, 0x00]);
        assert_eq!(parse_u64(&[0x00, 0xff]).unwrap(), 255);
        assert_eq!(
            parse_u64(&[0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]).unwrap(),
            i64::MAX as u64
        );
        assert_eq!(
            parse_u64(&[0, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]).unwrap(),
            u64::MAX
        );
        assert!(parse_u64(&[0x01, 0, 0, 0, 0, 0, 0, 0, 0]).is_err());
        assert!(parse_u64(&[0x80]).is_err());
        assert!(parse_u64(&[]).is_err());
    }

    #[test]
    fn lengths_encode_minimally() {
        assert_eq!(encode(tag::OCTET_STRING, &[0; 127])[..2], [0x04, 0x7f]);
        assert_eq!(
            encode(tag::OCTET_STRING, &[0; 128])[..3],
            [0x04, 0x81, 0x80]
        );
        assert_eq!(
            encode(tag::OCTET_STRING, &[0; 256])[..4],
            [0x04, 0x82, 0x01, 0x00]
        );
        let big = encode(tag::OCTET_STRING, &[7; 70_000]);
        let e = Reader::new(&big).read().unwrap();
        assert_eq!(e.value.len(), 70_000);
        assert_eq!(e.header_len(), 5);
    }

    #[test]
    fn set_of_sorts_encodings() {
        let a = integer(5);
        let b = octet_string(&[1]);
        let c = integer(1);
        let d = sequence(&[&integer(1)]);
        let e = integer(256);
        let s = set_of(&[&d, &b, &a, &e, &c]);
        assert_eq!(
            s,
            encode(
                tag::SET,
                &[c.clone(), a.clone(), e.clone(), b.clone(), d.clone()].concat()
            )
        );
        // Prefix case: the shorter encoding comes first.
        let p = vec![0x04, 0x01, 0x00];
        let q = vec![0x04, 0x01, 0x00, 0x00];
        assert_eq!(
            set_of(&[&q, &p]),
            encode(tag::SET, &[p.clone(), q.clone()].concat())
        );
        assert_eq!(set_of(&[]), vec![0x31, 0x00]);
    }
}

//! The PDF object model (ISO 32000-1 §7.3) shared by the reader, the writer and the validators.
//!
//! Objects keep the byte spans they were parsed from where later checks need them (the
//! `/Contents` hex string of a signature dictionary must be exactly the `/ByteRange` gap, so
//! strings remember their span), and can be serialized back (`write_to`) for incremental updates.

use std::ops::Range;

/// An indirect reference `num gen R`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
pub struct ObjRef {
    /// Object number.
    pub num: u32,
    /// Generation number.
    pub gen: u16,
}

impl ObjRef {
    /// A reference to object `num`, generation `gen`.
    pub fn new(num: u32, gen: u16) -> Self {
        ObjRef { num, gen }
    }
}

impl std::fmt::Display for ObjRef {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {} R", self.num, self.gen)
    }
}

/// A string object: literal `( … )` or hexadecimal `< … >`, with its decoded bytes.
#[derive(Clone, Debug, PartialEq)]
pub struct PdfString {
    /// The decoded bytes (escapes resolved, hex digits decoded).
    pub bytes: Vec<u8>,
    /// Whether it was written as a hexadecimal string.
    pub hex: bool,
    /// Absolute byte offsets of the token in the file, delimiters included (`<` … `>`), when
    /// the string was parsed from a file (not for strings inside object streams).
    pub span: Option<Range<u64>>,
}

impl PdfString {
    /// A literal string with the given bytes (no span).
    pub fn literal(bytes: impl Into<Vec<u8>>) -> Self {
        PdfString {
            bytes: bytes.into(),
            hex: false,
            span: None,
        }
    }
    /// A hexadecimal string with the given bytes (no span).
    pub fn hex(bytes: impl Into<Vec<u8>>) -> Self {
        PdfString {
            bytes: bytes.into(),
            hex: true,
            span: None,
        }
    }
    /// The string as text: UTF-16BE with BOM, UTF-8 with BOM, else PDFDocEncoding (as Latin-1).
    pub fn to_text(&self) -> String {
        decode_text_string(&self.bytes)
    }
}

/// Decodes a PDF text string (ISO 32000-1 §7.9.2.2).
pub(crate) fn decode_text_string(b: &[u8]) -> String {
    if b.len() >= 2 && b[0] == 0xFE && b[1] == 0xFF {
        let units: Vec<u16> = b[2..]
            .chunks_exact(2)
            .map(|c| u16::from_be_bytes([c[0], c[1]]))
            .collect();
        return String::from_utf16_lossy(&units);
    }
    if b.len() >= 3 && b[..3] == [0xEF, 0xBB, 0xBF] {
        return String::from_utf8_lossy(&b[3..]).into_owned();
    }
    b.iter().map(|&c| char::from(c)).collect()
}

/// Encodes text as a PDF text string: PDFDocEncoding-compatible ASCII as is, else UTF-16BE
/// with a byte-order mark.
pub(crate) fn encode_text_string(s: &str) -> Vec<u8> {
    if s.bytes().all(|c| (0x20..0x7f).contains(&c)) {
        return s.as_bytes().to_vec();
    }
    let mut out = vec![0xFE, 0xFF];
    for u in s.encode_utf16() {
        out.extend_from_slice(&u.to_be_bytes());
    }
    out
}

/// A dictionary. Keys are names without the leading `/`; insertion order is kept so that
/// rewritten objects stay close to the original.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Dict {
    entries: Vec<(Vec<u8>, Object)>,
}

impl Dict {
    /// An empty dictionary.
    pub fn new() -> Self {
        Dict::default()
    }
    /// The value of `key` (without `/`), if present.
    pub fn get(&self, key: &[u8]) -> Option<&Object> {
        self.entries.iter().find(|(k, _)| k == key).map(|(_, v)| v)
    }
    /// Mutable access to the value of `key`.
    pub fn get_mut(&mut self, key: &[u8]) -> Option<&mut Object> {
        self.entries
            .iter_mut()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v)
    }
    /// Sets `key` to `value`, replacing an existing entry in place.
    pub fn set(&mut self, key: impl Into<Vec<u8>>, value: impl Into<Object>) {
        let key = key.into();
        let value = value.into();
        match self.entries.iter_mut().find(|(k, _)| *k == key) {
            Some(slot) => slot.1 = value,
            None => self.entries.push((key, value)),
        }
    }
    /// Removes `key`, returning its value.
    pub fn remove(&mut self, key: &[u8]) -> Option<Object> {
        let i = self.entries.iter().position(|(k, _)| k == key)?;
        Some(self.entries.remove(i).1)
    }
    /// Whether `key` is present.
    pub fn contains(&self, key: &[u8]) -> bool {
        self.get(key).is_some()
    }
    /// The entries in order.
    pub fn iter(&self) -> impl Iterator<Item = (&[u8], &Object)> {
        self.entries.iter().map(|(k, v)| (k.as_slice(), v))
    }
    /// The entries in order, values mutable.
    pub fn iter_mut(&mut self) -> impl Iterator<Item = (&[u8], &mut Object)> {
        self.entries.iter_mut().map(|(k, v)| (k.as_slice(), v))
    }
    /// Number of entries.
    pub fn len(&self) -> usize {
        self.entries.len()
    }
    /// Whether it has no entries.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
    /// Appends an entry without checking for duplicates (the parser keeps duplicates so that
    /// validators can see them; `get` returns the first).
    pub fn push_raw(&mut self, key: Vec<u8>, value: Object) {
        self.entries.push((key, value));
    }
    /// The value of `key` as a name.
    pub fn get_name(&self, key: &[u8]) -> Option<&[u8]> {
        self.get(key).and_then(Object::as_name)
    }
    /// The value of `key` as an integer.
    pub fn get_int(&self, key: &[u8]) -> Option<i64> {
        self.get(key).and_then(Object::as_int)
    }
    /// The value of `key` as an indirect reference.
    pub fn get_ref(&self, key: &[u8]) -> Option<ObjRef> {
        self.get(key).and_then(Object::as_ref)
    }
}

/// A stream: its dictionary and where its raw (still encoded) data lies.
#[derive(Clone, Debug, PartialEq)]
pub struct Stream {
    /// The stream dictionary.
    pub dict: Dict,
    /// Raw data: for parsed streams the absolute file span of the data (from just after the
    /// `stream` EOL, `/Length` bytes); the reader loads it on demand.
    pub data: StreamData,
}

/// Where a stream's encoded bytes are.
#[derive(Clone, Debug, PartialEq)]
pub enum StreamData {
    /// In the file at this absolute span.
    InFile(Range<u64>),
    /// In memory (streams from object streams never occur; this is for streams we create or
    /// that the reader has loaded).
    Bytes(Vec<u8>),
}

/// A PDF object.
#[derive(Clone, Debug, PartialEq)]
pub enum Object {
    /// `null`
    Null,
    /// `true` / `false`
    Bool(bool),
    /// An integer.
    Integer(i64),
    /// A real number.
    Real(f64),
    /// A name, without the `/`, `#xx` escapes decoded.
    Name(Vec<u8>),
    /// A string.
    String(PdfString),
    /// An array.
    Array(Vec<Object>),
    /// A dictionary.
    Dict(Dict),
    /// A stream (only as a top-level indirect object).
    Stream(Stream),
    /// An indirect reference.
    Ref(ObjRef),
}

impl Object {
    /// A name object from text.
    pub fn name(n: &str) -> Object {
        Object::Name(n.as_bytes().to_vec())
    }
    /// The name, if this is one.
    pub fn as_name(&self) -> Option<&[u8]> {
        match self {
            Object::Name(n) => Some(n),
            _ => None,
        }
    }
    /// The integer, if this is one.
    pub fn as_int(&self) -> Option<i64> {
        match self {
            Object::Integer(i) => Some(*i),
            _ => None,
        }
    }
    /// The number (integer or real) as f64.
    pub fn as_number(&self) -> Option<f64> {
        match self {
            Object::Integer(i) => Some(*i as f64),
            Object::Real(r) => Some(*r),
            _ => None,
        }
    }
    /// The reference, if this is one.
    pub fn as_ref(&self) -> Option<ObjRef> {
        match self {
            Object::Ref(r) => Some(*r),
            _ => None,
        }
    }
    /// The dictionary (of a dictionary or of a stream).
    pub fn as_dict(&self) -> Option<&Dict> {
        match self {
            Object::Dict(d) => Some(d),
            Object::Stream(s) => Some(&s.dict),
            _ => None,
        }
    }
    /// The array, if this is one.
    pub fn as_array(&self) -> Option<&[Object]> {
        match self {
            Object::Array(a) => Some(a),
            _ => None,
        }
    }
    /// The string, if this is one.
    pub fn as_string(&self) -> Option<&PdfString> {
        match self {
            Object::String(s) => Some(s),
            _ => None,
        }
    }
    /// The stream, if this is one.
    pub fn as_stream(&self) -> Option<&Stream> {
        match self {
            Object::Stream(s) => Some(s),
            _ => None,
        }
    }
    /// A short type name for messages ("dictionary", "integer" …).
    pub fn type_name(&self) -> &'static str {
        match self {
            Object::Null => "null",
            Object::Bool(_) => "boolean",
            Object::Integer(_) => "integer",
            Object::Real(_) => "real",
            Object::Name(_) => "name",
            Object::String(_) => "string",
            Object::Array(_) => "array",
            Object::Dict(_) => "dictionary",
            Object::Stream(_) => "stream",
            Object::Ref(_) => "reference",
        }
    }

    /// Serializes the object in PDF syntax. Streams must hold their data in memory
    /// (`StreamData::Bytes`); their `/Length` is written from the data.
    pub fn write_to(&self, out: &mut Vec<u8>) {
        match self {
            Object::Null => out.extend_from_slice(b"null"),
            Object::Bool(b) => out.extend_from_slice(if *b { b"true" } else { b"false" }),
            Object::Integer(i) => out.extend_from_slice(i.to_string().as_bytes()),
            Object::Real(r) => out.extend_from_slice(format_real(*r).as_bytes()),
            Object::Name(n) => write_name(n, out),
            Object::String(s) => write_string(s, out),
            Object::Array(a) => {
                out.push(b'[');
                for (i, o) in a.iter().enumerate() {
                    if i > 0 {
                        out.push(b' ');
                    }
                    o.write_to(out);
                }
                out.push(b']');
            }
            Object::Dict(d) => write_dict(d, out),
            Object::Stream(s) => {
                let data: &[u8] = match &s.data {
                    StreamData::Bytes(b) => b,
                    StreamData::InFile(_) => &[],
                };
                let mut d = s.dict.clone();
                d.set("Length", Object::Integer(data.len() as i64));
                write_dict(&d, out);
                out.extend_from_slice(b"\nstream\n");
                out.extend_from_slice(data);
                out.extend_from_slice(b"\nendstream");
            }
            Object::Ref(r) => out.extend_from_slice(format!("{} {} R", r.num, r.gen).as_bytes()),
        }
    }

    /// The serialized form as bytes.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut v = Vec::new();
        self.write_to(&mut v);
        v
    }
}

fn write_dict(d: &Dict, out: &mut Vec<u8>) {
    out.extend_from_slice(b"<<");
    for (k, v) in d.iter() {
        write_name(k, out);
        out.push(b' ');
        v.write_to(out);
    }
    out.extend_from_slice(b">>");
}

fn write_name(n: &[u8], out: &mut Vec<u8>) {
    out.push(b'/');
    for &c in n {
        let regular = c > b' '
            && c < 0x7f
            && !matches!(
                c,
                b'#' | b'/' | b'(' | b')' | b'<' | b'>' | b'[' | b']' | b'{' | b'}' | b'%'
            );
        if regular {
            out.push(c);
        } else {
            out.extend_from_slice(format!("#{c:02X}").as_bytes());
        }
    }
}

fn write_string(s: &PdfString, out: &mut Vec<u8>) {
    if s.hex {
        const DIGITS: &[u8; 16] = b"0123456789ABCDEF";
        out.reserve(s.bytes.len() * 2 + 2);
        out.push(b'<');
        for &b in &s.bytes {
            out.push(DIGITS[usize::from(b >> 4)]);
            out.push(DIGITS[usize::from(b & 0x0F)]);
        }
        out.push(b'>');
        return;
    }
    out.push(b'(');
    for &c in &s.bytes {
        match c {
            b'(' | b')' | b'\\' => {
                out.push(b'\\');
                out.push(c);
            }
            b'\r' => out.extend_from_slice(b"\\r"),
            b'\n' => out.extend_from_slice(b"\\n"),
            _ => out.push(c),
        }
    }
    out.push(b')');
}

/// Formats a real without exponent (PDF has no exponent syntax), trimming trailing zeros.
pub(crate) fn format_real(r: f64) -> String {
    if !r.is_finite() {
        return "0".into();
    }
    let s = format!("{r:.5}");
    let s = s.trim_end_matches('0').trim_end_matches('.');
    if s.is_empty() || s == "-0" {
        "0".into()
    } else {
        s.to_string()
    }
}

impl From<i64> for Object {
    fn from(i: i64) -> Self {
        Object::Integer(i)
    }
}
impl From<ObjRef> for Object {
    fn from(r: ObjRef) -> Self {
        Object::Ref(r)
    }
}
impl From<Dict> for Object {
    fn from(d: Dict) -> Self {
        Object::Dict(d)
    }
}
impl From<Vec<Object>> for Object {
    fn from(a: Vec<Object>) -> Self {
        Object::Array(a)
    }
}
impl From<PdfString> for Object {
    fn from(s: PdfString) -> Self {
        Object::String(s)
    }
}
impl From<bool> for Object {
    fn from(b: bool) -> Self {
        Object::Bool(b)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serializes_nested_objects() {
        let mut d = Dict::new();
        d.set("Type", Object::name("Sig"));
        d.set("Name", PdfString::literal(b"a(b)\\".to_vec()));
        d.set(
            "X",
            vec![
                Object::Integer(1),
                Object::Real(0.5),
                Object::Ref(ObjRef::new(3, 0)),
            ],
        );
        d.set("N", Object::Name(b"A B#".to_vec()));
        assert_eq!(
            String::from_utf8(Object::Dict(d).to_bytes()).unwrap(),
            "<</Type /Sig/Name (a\\(b\\)\\\\)/X [1 0.5 3 0 R]/N /A#20B#23>>"
        );
    }

    #[test]
    fn text_strings_round_trip() {
        let s = "Nguyễn Văn A";
        assert_eq!(decode_text_string(&encode_text_string(s)), s);
        assert_eq!(encode_text_string("plain"), b"plain");
    }

    #[test]
    fn reals_have_no_exponent() {
        assert_eq!(format_real(1e-7), "0");
        assert_eq!(format_real(12.5), "12.5");
        assert_eq!(format_real(3.0), "3");
    }
}

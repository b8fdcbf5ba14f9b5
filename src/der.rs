//! A small, strict DER reader and writer (X.690) for the CMS, ESS, TSP and OCSP structures
//! that kyso parses and builds itself. Readers borrow the input, keep the raw bytes of every
//! element (signatures are computed over exact encodings), bound nesting, and never panic.

/// Maximum nesting depth the reader follows.
pub const MAX_DEPTH: usize = 32;

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
    pub const BOOLEAN: u8 = 0x01;
    /// INTEGER
    pub const INTEGER: u8 = 0x02;
    /// BIT STRING
    pub const BIT_STRING: u8 = 0x03;
    /// OCTET STRING
    pub const OCTET_STRING: u8 = 0x04;
    /// NULL
    pub const NULL: u8 = 0x05;
    /// OBJECT IDENTIFIER
    pub const OID: u8 = 0x06;
    /// ENUMERATED
    pub const ENUMERATED: u8 = 0x0A;
    /// UTF8String
    pub const UTF8_STRING: u8 = 0x0C;
    /// PrintableString
    pub const PRINTABLE_STRING: u8 = 0x13;
    /// IA5String
    pub const IA5_STRING: u8 = 0x16;
    /// UTCTime
    pub const UTC_TIME: u8 = 0x17;
    /// GeneralizedTime
    pub const GENERALIZED_TIME: u8 = 0x18;
    /// SEQUENCE (constructed)
    pub const SEQUENCE: u8 = 0x30;
    /// SET (constructed)
    pub const SET: u8 = 0x31;
    /// `[n]` context-specific constructed
    pub const fn context(n: u8) -> u8 {
        0xA0 | n
    }
    /// `[n]` context-specific primitive
    pub const fn context_primitive(n: u8) -> u8 {
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

impl<'a> Reader<'a> {
    /// A reader over a whole input.
    pub fn new(data: &'a [u8]) -> Self {
        Reader { data, pos: 0, base: 0, depth: 0 }
    }

    /// Whether all input has been consumed.
    pub fn is_empty(&self) -> bool {
        self.pos >= self.data.len()
    }

    /// Reads the next element (definite lengths only, minimal length encoding not enforced
    /// for BER-ish producers but lengths must fit the input).
    pub fn read(&mut self) -> Result<Element<'a>, DerError> {
        todo!("{} {} {}", self.pos, self.base, self.depth)
    }

    /// Reads the next element and checks its tag.
    pub fn expect(&mut self, tag: u8) -> Result<Element<'a>, DerError> {
        todo!("{tag}")
    }

    /// Reads the next element if it has tag `tag`.
    pub fn optional(&mut self, tag: u8) -> Result<Option<Element<'a>>, DerError> {
        todo!("{tag}")
    }

    /// Peeks at the next tag.
    pub fn peek_tag(&self) -> Option<u8> {
        self.data.get(self.pos).copied()
    }

    /// A reader over the contents of a constructed element (depth-limited).
    pub fn nested(&self, e: &Element<'a>) -> Result<Reader<'a>, DerError> {
        todo!("{e:?}")
    }

    /// Fails unless all input has been consumed.
    pub fn finish(&self) -> Result<(), DerError> {
        todo!()
    }
}

/// An OBJECT IDENTIFIER in dotted form ("1.2.840.113549.1.7.2").
pub fn oid_to_string(value: &[u8]) -> Result<String, DerError> {
    todo!("{value:?}")
}

/// Encodes a dotted OID into its contents octets (panics never; invalid input yields an
/// empty vector).
pub fn oid_from_str(dotted: &str) -> Vec<u8> {
    todo!("{dotted}")
}

/// Parses UTCTime / GeneralizedTime contents into Unix seconds (UTC).
pub fn parse_time(tag: u8, value: &[u8]) -> Result<i64, DerError> {
    todo!("{tag} {value:?}")
}

/// A non-negative INTEGER's contents as u64 (fails if negative or too large).
pub fn parse_u64(value: &[u8]) -> Result<u64, DerError> {
    todo!("{value:?}")
}

/// Encodes one TLV.
pub fn encode(tag: u8, value: &[u8]) -> Vec<u8> {
    todo!("{tag} {}", value.len())
}

/// Encodes a SEQUENCE of already-encoded elements.
pub fn sequence(parts: &[&[u8]]) -> Vec<u8> {
    encode(tag::SEQUENCE, &parts.concat())
}

/// Encodes a SET OF already-encoded elements, sorted as DER requires (X.690 §11.6).
pub fn set_of(parts: &[&[u8]]) -> Vec<u8> {
    todo!("{}", parts.len())
}

/// Encodes an OBJECT IDENTIFIER from dotted form.
pub fn oid(dotted: &str) -> Vec<u8> {
    encode(tag::OID, &oid_from_str(dotted))
}

/// Encodes a non-negative INTEGER from big-endian magnitude bytes (adds a leading zero when
/// needed, strips redundant ones).
pub fn integer_from_unsigned(magnitude: &[u8]) -> Vec<u8> {
    todo!("{magnitude:?}")
}

/// Encodes an INTEGER from a u64.
pub fn integer(v: u64) -> Vec<u8> {
    integer_from_unsigned(&v.to_be_bytes())
}

/// Encodes an OCTET STRING.
pub fn octet_string(v: &[u8]) -> Vec<u8> {
    encode(tag::OCTET_STRING, v)
}

/// Encodes a GeneralizedTime ("YYYYMMDDHHMMSSZ") from Unix seconds.
pub fn generalized_time(unix: i64) -> Vec<u8> {
    todo!("{unix}")
}

/// Encodes a UTCTime ("YYMMDDHHMMSSZ") from Unix seconds (years 1950–2049; else
/// GeneralizedTime, as RFC 5280 requires).
pub fn utc_time(unix: i64) -> Vec<u8> {
    todo!("{unix}")
}

//! Distinguished names, shown correctly in UTF-8 (Vietnamese names such as
//! "RootCA chuyên dùng Chính phủ G2"), with the `UID` attribute
//! (0.9.2342.19200300.100.1.1) that Vietnamese CAs use for identifiers (`MST:` tax code,
//! `CCCD:` citizen ID, `CMND:` old ID card, `HC:` passport, `MNS:` budget-unit code) decoded.

use serde::Serialize;
use x509_parser::asn1_rs::{Any, Class, Tag, ToDer};
use x509_parser::prelude::FromDer;
use x509_parser::x509::X509Name;

/// One attribute of a name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct NameAttribute {
    /// Short label ("CN", "O", "OU", "L", "ST", "C", "E", "UID", "T", "SERIALNUMBER") or the
    /// dotted OID when unknown.
    pub label: String,
    /// Dotted OID.
    pub oid: String,
    /// The value as text (UTF8String, PrintableString, BMPString, … decoded). A value that
    /// is not a string type is shown RFC 4514-style as `#` and the hex of its DER encoding.
    pub value: String,
    /// Index of the RDN (the SET in the encoding) this attribute belongs to: attributes with
    /// the same index form one multi-valued RDN (shown joined with `+`).
    #[serde(skip)]
    pub rdn: usize,
}

/// A distinguished name: its attributes in order (most significant first, as encoded).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Default)]
pub struct DistinguishedName {
    /// The attributes, in encoding order.
    pub attributes: Vec<NameAttribute>,
}

/// A Vietnamese identifier from a `UID` attribute value such as `MST:0301519977-029`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct VnIdentifier {
    /// The prefix without the colon: "MST", "CCCD", "CMND", "HC", "MNS", or another.
    pub kind: String,
    /// The value after the colon.
    pub value: String,
}

impl DistinguishedName {
    /// Parses a DER-encoded Name.
    pub fn from_der(der: &[u8]) -> Result<Self, super::CertError> {
        let (rest, name) = X509Name::from_der(der)
            .map_err(|e| super::CertError::Malformed(format!("invalid Name: {e}")))?;
        if !rest.is_empty() {
            return Err(super::CertError::Malformed(
                "trailing data after Name".into(),
            ));
        }
        Ok(Self::from_x509_name(&name))
    }

    /// Converts a name parsed by `x509-parser`.
    pub(crate) fn from_x509_name(name: &X509Name<'_>) -> Self {
        let mut attributes = Vec::new();
        for (rdn, set) in name.iter_rdn().enumerate() {
            for atv in set.iter() {
                let oid = atv.attr_type().to_id_string();
                attributes.push(NameAttribute {
                    label: label_for_oid(&oid).map_or_else(|| oid.clone(), str::to_string),
                    oid,
                    value: decode_value(atv.attr_value()),
                    rdn,
                });
            }
        }
        DistinguishedName { attributes }
    }
    /// Values of all attributes with this label ("OU" can repeat).
    pub fn values(&self, label: &str) -> Vec<&str> {
        self.attributes
            .iter()
            .filter(|a| a.label == label)
            .map(|a| a.value.as_str())
            .collect()
    }
    /// The first value with this label.
    pub fn first(&self, label: &str) -> Option<&str> {
        self.values(label).into_iter().next()
    }
    /// The common name.
    pub fn common_name(&self) -> Option<&str> {
        self.first("CN")
    }
    /// The decoded `UID` identifiers (values without a `PREFIX:` form are kept with kind "").
    pub fn vn_identifiers(&self) -> Vec<VnIdentifier> {
        self.values("UID")
            .into_iter()
            .map(VnIdentifier::parse)
            .collect()
    }
}

impl std::fmt::Display for DistinguishedName {
    /// RFC 4514-style, most significant last ("CN=…, O=…, C=VN"), UTF-8 as is, with `,`, `+`,
    /// `"`, `\`, `<`, `>`, `;` escaped.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Group consecutive attributes of the same RDN, then print the RDNs in reverse.
        let mut rdns: Vec<&[NameAttribute]> = Vec::new();
        let mut start = 0;
        for i in 1..=self.attributes.len() {
            if i == self.attributes.len() || self.attributes[i].rdn != self.attributes[start].rdn {
                rdns.push(&self.attributes[start..i]);
                start = i;
            }
        }
        for (n, rdn) in rdns.iter().rev().enumerate() {
            if n > 0 {
                f.write_str(", ")?;
            }
            for (m, attr) in rdn.iter().enumerate() {
                if m > 0 {
                    f.write_str("+")?;
                }
                write!(f, "{}=", attr.label)?;
                write_escaped(f, &attr.value)?;
            }
        }
        Ok(())
    }
}

impl VnIdentifier {
    /// Splits a `UID` value at its first `:` ("MST:0301519977-029" → MST, 0301519977-029);
    /// the kind is trimmed and uppercased, the value trimmed. Without a colon the kind is "".
    pub fn parse(uid: &str) -> VnIdentifier {
        match uid.split_once(':') {
            Some((kind, value)) => VnIdentifier {
                kind: kind.trim().to_uppercase(),
                value: value.trim().to_string(),
            },
            None => VnIdentifier {
                kind: String::new(),
                value: uid.trim().to_string(),
            },
        }
    }
}

impl std::fmt::Display for VnIdentifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.kind.is_empty() {
            f.write_str(&self.value)
        } else {
            write!(f, "{}:{}", self.kind, self.value)
        }
    }
}

/// The short label of a well-known attribute type.
pub fn label_for_oid(oid: &str) -> Option<&'static str> {
    Some(match oid {
        "2.5.4.3" => "CN",
        "2.5.4.10" => "O",
        "2.5.4.11" => "OU",
        "2.5.4.7" => "L",
        "2.5.4.8" => "ST",
        "2.5.4.6" => "C",
        "1.2.840.113549.1.9.1" => "E",
        "0.9.2342.19200300.100.1.1" => "UID",
        "2.5.4.12" => "T",
        "2.5.4.5" => "SERIALNUMBER",
        "2.5.4.9" => "STREET",
        "0.9.2342.19200300.100.1.25" => "DC",
        "2.5.4.42" => "GIVENNAME",
        "2.5.4.4" => "SN",
        _ => return None,
    })
}

/// Decodes an attribute value of any ASN.1 string type into text.
fn decode_value(value: &Any<'_>) -> String {
    let data = value.data;
    let tag = if value.class() == Class::Universal {
        value.tag()
    } else {
        Tag::EndOfContent
    };
    match tag {
        Tag::Utf8String
        | Tag::PrintableString
        | Tag::Ia5String
        | Tag::NumericString
        | Tag::VisibleString
        | Tag::GeneralString
        | Tag::GraphicString => String::from_utf8_lossy(data).into_owned(),
        Tag::TeletexString | Tag::VideotexString => decode_teletex(data),
        Tag::BmpString => {
            let units: Vec<u16> = data
                .chunks(2)
                .map(|c| u16::from_be_bytes([c[0], *c.get(1).unwrap_or(&0)]))
                .collect();
            let mut s = String::from_utf16_lossy(&units);
            if data.len() % 2 != 0 {
                s.push(char::REPLACEMENT_CHARACTER);
            }
            s
        }
        Tag::UniversalString => data
            .chunks(4)
            .map(|c| {
                if c.len() == 4 {
                    char::from_u32(u32::from_be_bytes([c[0], c[1], c[2], c[3]]))
                        .unwrap_or(char::REPLACEMENT_CHARACTER)
                } else {
                    char::REPLACEMENT_CHARACTER
                }
            })
            .collect(),
        _ => {
            let der = value.to_der_vec().unwrap_or_default();
            let mut s = String::with_capacity(1 + 2 * der.len());
            s.push('#');
            for b in der {
                s.push_str(&format!("{b:02x}"));
            }
            s
        }
    }
}

/// TeletexString: Latin-1 (as OpenSSL and most software read it), except that a value which is
/// valid multi-byte UTF-8 is read as UTF-8 (CAs that put UTF-8 into T61String are common, and
/// Latin-1 text is practically never valid UTF-8 once it has non-ASCII characters).
fn decode_teletex(data: &[u8]) -> String {
    match std::str::from_utf8(data) {
        Ok(s) => s.to_string(),
        Err(_) => data.iter().map(|&b| char::from(b)).collect(),
    }
}

/// Writes a value with the RFC 4514 special characters escaped.
fn write_escaped(f: &mut std::fmt::Formatter<'_>, value: &str) -> std::fmt::Result {
    let last = value.chars().count().saturating_sub(1);
    for (i, c) in value.chars().enumerate() {
        match c {
            ',' | '+' | '"' | '\\' | '<' | '>' | ';' => write!(f, "\\{c}")?,
            ' ' if i == 0 || i == last => f.write_str("\\ ")?,
            '\0' => f.write_str("\\00")?,
            _ => write!(f, "{c}")?,
        }
    }
    Ok(())
}

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
pub(crate) fn label_for_oid(oid: &str) -> Option<&'static str> {
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
                .chunks_exact(2)
                .map(|c| u16::from_be_bytes([c[0], c[1]]))
                .collect();
            let mut s = String::from_utf16_lossy(&units);
            if !data.len().is_multiple_of(2) {
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

#[cfg(test)]
mod tests {
    use super::*;

    fn tlv(tag: u8, content: &[u8]) -> Vec<u8> {
        let len = content.len();
        let header = if len < 0x80 {
            vec![tag, len as u8]
        } else {
            vec![tag, 0x81, len as u8]
        };
        [header, content.to_vec()].concat()
    }
    fn atv(oid: &[u8], value: Vec<u8>) -> Vec<u8> {
        tlv(0x30, &[tlv(0x06, oid), value].concat())
    }
    fn rdn(atvs: &[Vec<u8>]) -> Vec<u8> {
        tlv(0x31, &atvs.concat())
    }
    fn name(rdns: &[Vec<u8>]) -> Vec<u8> {
        tlv(0x30, &rdns.concat())
    }
    const C: &[u8] = &[0x55, 4, 6];
    const O: &[u8] = &[0x55, 4, 10];
    const OU: &[u8] = &[0x55, 4, 11];
    const L: &[u8] = &[0x55, 4, 7];
    const CN: &[u8] = &[0x55, 4, 3];
    const SERIAL: &[u8] = &[0x55, 4, 5];
    const UID: &[u8] = &[0x09, 0x92, 0x26, 0x89, 0x93, 0xF2, 0x2C, 0x64, 0x01, 0x01];

    fn bmp(s: &str) -> Vec<u8> {
        tlv(
            0x1E,
            &s.encode_utf16()
                .flat_map(u16::to_be_bytes)
                .collect::<Vec<_>>(),
        )
    }
    fn universal(s: &str) -> Vec<u8> {
        tlv(
            0x1C,
            &s.chars()
                .flat_map(|c| (c as u32).to_be_bytes())
                .collect::<Vec<_>>(),
        )
    }

    #[test]
    fn decodes_every_string_type() {
        let der = name(&[
            rdn(&[atv(C, tlv(0x13, b"VN"))]),
            rdn(&[atv(O, bmp("Bộ Tài chính"))]),
            rdn(&[atv(OU, tlv(0x14, b"Caf\xE9 T61"))]),
            rdn(&[atv(L, universal("Hà Nội 𝔸"))]),
            rdn(&[atv(CN, tlv(0x0C, "Nguyễn Văn A".as_bytes()))]),
            rdn(&[atv(UID, tlv(0x16, b"MST:0301519977-029"))]),
            rdn(&[atv(&[0x2A, 3, 4], tlv(0x04, &[1, 2, 3]))]),
        ]);
        let dn = DistinguishedName::from_der(&der).unwrap();
        let pairs: Vec<(&str, &str)> = dn
            .attributes
            .iter()
            .map(|a| (a.label.as_str(), a.value.as_str()))
            .collect();
        assert_eq!(
            pairs,
            [
                ("C", "VN"),
                ("O", "Bộ Tài chính"),
                ("OU", "Café T61"),
                ("L", "Hà Nội 𝔸"),
                ("CN", "Nguyễn Văn A"),
                ("UID", "MST:0301519977-029"),
                ("1.2.3.4", "#0403010203"),
            ]
        );
        assert_eq!(dn.attributes[5].oid, "0.9.2342.19200300.100.1.1");
        assert_eq!(dn.common_name(), Some("Nguyễn Văn A"));
        assert_eq!(
            dn.to_string(),
            "1.2.3.4=#0403010203, UID=MST:0301519977-029, CN=Nguyễn Văn A, L=Hà Nội 𝔸, OU=Café T61, \
             O=Bộ Tài chính, C=VN"
        );
    }

    #[test]
    fn teletex_holding_utf8_is_read_as_utf8() {
        let der = name(&[rdn(&[atv(CN, tlv(0x14, "Thuế".as_bytes()))])]);
        assert_eq!(
            DistinguishedName::from_der(&der).unwrap().common_name(),
            Some("Thuế")
        );
    }

    #[test]
    fn malformed_string_contents_do_not_fail() {
        // Odd-length BMPString, invalid UTF-8 in a UTF8String, a surrogate in UniversalString.
        let der = name(&[
            rdn(&[atv(CN, tlv(0x1E, &[0x00, 0x41, 0x00]))]),
            rdn(&[atv(O, tlv(0x0C, &[0x41, 0xFF]))]),
            rdn(&[atv(OU, tlv(0x1C, &[0, 0, 0xD8, 0]))]),
        ]);
        let dn = DistinguishedName::from_der(&der).unwrap();
        assert_eq!(dn.values("CN"), ["A\u{FFFD}"]);
        assert_eq!(dn.values("O"), ["A\u{FFFD}"]);
        assert_eq!(dn.values("OU"), ["\u{FFFD}"]);
    }

    #[test]
    fn multi_valued_rdns_and_escaping() {
        let der = name(&[
            rdn(&[atv(C, tlv(0x13, b"VN"))]),
            rdn(&[atv(OU, tlv(0x0C, b"A")), atv(OU, tlv(0x0C, b"B"))]),
            rdn(&[
                atv(CN, tlv(0x0C, b" Le, Van+B \"x\" <y>; \\ ")),
                atv(SERIAL, tlv(0x13, b"CMND:123")),
            ]),
        ]);
        let dn = DistinguishedName::from_der(&der).unwrap();
        assert_eq!(dn.values("OU"), ["A", "B"]);
        assert_eq!(
            dn.attributes.iter().map(|a| a.rdn).collect::<Vec<_>>(),
            [0, 1, 1, 2, 2]
        );
        assert_eq!(
            dn.to_string(),
            r#"CN=\ Le\, Van\+B \"x\" \<y\>\; \\\ +SERIALNUMBER=CMND:123, OU=A+OU=B, C=VN"#
        );
    }

    #[test]
    fn vn_identifiers_split_at_the_first_colon() {
        let der = name(&[
            rdn(&[atv(UID, tlv(0x0C, b"MST:0301519977-029"))]),
            rdn(&[atv(UID, tlv(0x0C, b" cccd : 001099012345 "))]),
            rdn(&[atv(UID, tlv(0x0C, b"HC:B1234:567"))]),
            rdn(&[atv(UID, tlv(0x0C, b" 12345 "))]),
        ]);
        let ids = DistinguishedName::from_der(&der).unwrap().vn_identifiers();
        let pairs: Vec<(&str, &str)> = ids
            .iter()
            .map(|i| (i.kind.as_str(), i.value.as_str()))
            .collect();
        assert_eq!(
            pairs,
            [
                ("MST", "0301519977-029"),
                ("CCCD", "001099012345"),
                ("HC", "B1234:567"),
                ("", "12345")
            ]
        );
        assert_eq!(ids[0].to_string(), "MST:0301519977-029");
        assert_eq!(ids[3].to_string(), "12345");
    }

    #[test]
    fn empty_and_malformed_names() {
        let empty = DistinguishedName::from_der(&[0x30, 0x00]).unwrap();
        assert!(empty.attributes.is_empty());
        assert_eq!(empty.to_string(), "");
        assert_eq!(empty.common_name(), None);
        assert!(
            DistinguishedName::from_der(&[0x30, 0x00, 0x00]).is_err(),
            "trailing data"
        );
        assert!(
            DistinguishedName::from_der(&[0x31, 0x00]).is_err(),
            "not a SEQUENCE"
        );
        assert!(
            DistinguishedName::from_der(&[0x30, 0x05, 0x31]).is_err(),
            "truncated"
        );
        assert!(DistinguishedName::from_der(&[]).is_err());
    }

    #[test]
    fn labels() {
        assert_eq!(label_for_oid("1.2.840.113549.1.9.1"), Some("E"));
        assert_eq!(label_for_oid("2.5.4.12"), Some("T"));
        assert_eq!(label_for_oid("2.5.4.4"), Some("SN"));
        assert_eq!(label_for_oid("2.5.4.42"), Some("GIVENNAME"));
        assert_eq!(label_for_oid("0.9.2342.19200300.100.1.25"), Some("DC"));
        assert_eq!(label_for_oid("2.5.4.9"), Some("STREET"));
        assert_eq!(label_for_oid("2.5.4.99"), None);
    }
}

//! Distinguished names, shown correctly in UTF-8 (Vietnamese names such as
//! "RootCA chuyên dùng Chính phủ G2"), with the `UID` attribute
//! (0.9.2342.19200300.100.1.1) that Vietnamese CAs use for identifiers (`MST:` tax code,
//! `CCCD:` citizen ID, `CMND:` old ID card, `HC:` passport, `MNS:` budget-unit code) decoded.

use serde::Serialize;

/// One attribute of a name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct NameAttribute {
    /// Short label ("CN", "O", "OU", "L", "ST", "C", "E", "UID", "T", "SERIALNUMBER") or the
    /// dotted OID when unknown.
    pub label: String,
    /// Dotted OID.
    pub oid: String,
    /// The value as text (UTF8String, PrintableString, BMPString, … decoded).
    pub value: String,
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
        todo!("{}", der.len())
    }
    /// Values of all attributes with this label ("OU" can repeat).
    pub fn values(&self, label: &str) -> Vec<&str> {
        self.attributes.iter().filter(|a| a.label == label).map(|a| a.value.as_str()).collect()
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
        todo!()
    }
}

impl std::fmt::Display for DistinguishedName {
    /// RFC 4514-style, most significant last ("CN=…, O=…, C=VN"), UTF-8 as is, with `,`, `+`,
    /// `"`, `\`, `<`, `>`, `;` escaped.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let _ = f;
        todo!()
    }
}

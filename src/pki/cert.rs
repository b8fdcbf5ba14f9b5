//! An X.509 certificate with the facts validation and policy need, parsed once.

use std::sync::Arc;

use openssl::pkey::{PKey, Public};
use serde::Serialize;

use super::name::DistinguishedName;
use super::CertError;
use crate::crypto::KeyInfo;

/// keyUsage bits (RFC 5280 §4.2.1.3).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
pub struct KeyUsage {
    /// digitalSignature
    pub digital_signature: bool,
    /// nonRepudiation (contentCommitment)
    pub non_repudiation: bool,
    /// keyEncipherment
    pub key_encipherment: bool,
    /// dataEncipherment
    pub data_encipherment: bool,
    /// keyAgreement
    pub key_agreement: bool,
    /// keyCertSign
    pub key_cert_sign: bool,
    /// cRLSign
    pub crl_sign: bool,
}

/// A parsed certificate. Cheap to clone (shared).
#[derive(Clone)]
pub struct Certificate {
    inner: Arc<CertInner>,
}

#[allow(dead_code)]
struct CertInner {
    der: Vec<u8>,
    subject: DistinguishedName,
    issuer: DistinguishedName,
    subject_der: Vec<u8>,
    issuer_der: Vec<u8>,
    serial: Vec<u8>,
    not_before: i64,
    not_after: i64,
    public_key: PKey<Public>,
    key_info: KeyInfo,
    key_usage: Option<KeyUsage>,
    basic_constraints: Option<(bool, Option<u32>)>,
    extended_key_usage: Option<Vec<String>>,
    subject_key_id: Option<Vec<u8>>,
    authority_key_id: Option<Vec<u8>>,
    ocsp_urls: Vec<String>,
    ca_issuer_urls: Vec<String>,
    crl_urls: Vec<String>,
    policies: Vec<String>,
    signature_algorithm_oid: String,
    signature_algorithm_params: Option<Vec<u8>>,
    tbs: Vec<u8>,
    signature: Vec<u8>,
    sha256: [u8; 32],
    has_unknown_critical_extension: bool,
}

impl Certificate {
    /// Parses DER.
    pub fn from_der(der: &[u8]) -> Result<Self, CertError> {
        todo!("{}", der.len())
    }
    /// Every certificate in a PEM bundle (or a single DER certificate).
    pub fn from_pem_or_der(data: &[u8]) -> Result<Vec<Self>, CertError> {
        todo!("{}", data.len())
    }
    /// The DER encoding.
    pub fn der(&self) -> &[u8] {
        &self.inner.der
    }
    /// Subject name.
    pub fn subject(&self) -> &DistinguishedName {
        &self.inner.subject
    }
    /// Issuer name.
    pub fn issuer(&self) -> &DistinguishedName {
        &self.inner.issuer
    }
    /// DER of the subject Name (for exact comparisons).
    pub fn subject_der(&self) -> &[u8] {
        &self.inner.subject_der
    }
    /// DER of the issuer Name.
    pub fn issuer_der(&self) -> &[u8] {
        &self.inner.issuer_der
    }
    /// Serial number contents octets (big-endian, as encoded).
    pub fn serial(&self) -> &[u8] {
        &self.inner.serial
    }
    /// Serial number in hex (uppercase, no separators, leading zero byte stripped).
    pub fn serial_hex(&self) -> String {
        todo!()
    }
    /// notBefore (Unix seconds).
    pub fn not_before(&self) -> i64 {
        self.inner.not_before
    }
    /// notAfter (Unix seconds).
    pub fn not_after(&self) -> i64 {
        self.inner.not_after
    }
    /// Whether `t` is within [notBefore, notAfter].
    pub fn is_valid_at(&self, t: i64) -> bool {
        self.inner.not_before <= t && t <= self.inner.not_after
    }
    /// The public key.
    pub fn public_key(&self) -> &PKey<Public> {
        &self.inner.public_key
    }
    /// Key algorithm and size.
    pub fn key_info(&self) -> &KeyInfo {
        &self.inner.key_info
    }
    /// keyUsage, if the extension is present.
    pub fn key_usage(&self) -> Option<KeyUsage> {
        self.inner.key_usage
    }
    /// basicConstraints (cA, pathLenConstraint), if present.
    pub fn basic_constraints(&self) -> Option<(bool, Option<u32>)> {
        self.inner.basic_constraints
    }
    /// extKeyUsage OIDs, if present.
    pub fn extended_key_usage(&self) -> Option<&[String]> {
        self.inner.extended_key_usage.as_deref()
    }
    /// subjectKeyIdentifier.
    pub fn subject_key_id(&self) -> Option<&[u8]> {
        self.inner.subject_key_id.as_deref()
    }
    /// authorityKeyIdentifier keyIdentifier.
    pub fn authority_key_id(&self) -> Option<&[u8]> {
        self.inner.authority_key_id.as_deref()
    }
    /// OCSP responder URLs from authorityInfoAccess.
    pub fn ocsp_urls(&self) -> &[String] {
        &self.inner.ocsp_urls
    }
    /// caIssuers URLs from authorityInfoAccess.
    pub fn ca_issuer_urls(&self) -> &[String] {
        &self.inner.ca_issuer_urls
    }
    /// CRL distribution point URLs.
    pub fn crl_urls(&self) -> &[String] {
        &self.inner.crl_urls
    }
    /// certificatePolicies OIDs.
    pub fn policies(&self) -> &[String] {
        &self.inner.policies
    }
    /// SHA-256 of the DER.
    pub fn sha256(&self) -> [u8; 32] {
        self.inner.sha256
    }
    /// SHA-256 fingerprint as uppercase hex with colons.
    pub fn fingerprint(&self) -> String {
        todo!()
    }
    /// Whether subject and issuer names are equal (self-issued).
    pub fn is_self_issued(&self) -> bool {
        self.inner.subject_der == self.inner.issuer_der
    }
    /// Whether the certificate has a critical extension kyso does not process.
    pub fn has_unknown_critical_extension(&self) -> bool {
        self.inner.has_unknown_critical_extension
    }
    /// The signature algorithm of the certificate (issuer's signature over tbsCertificate).
    pub fn signature_scheme(&self) -> Option<crate::crypto::SignatureScheme> {
        todo!()
    }
    /// Whether `issuer`'s key verifies this certificate's signature.
    pub fn is_signed_by(&self, issuer: &Certificate) -> bool {
        todo!("{:?}", issuer.serial())
    }
    /// Whether this certificate matches a CMS issuerAndSerialNumber.
    pub fn matches_issuer_serial(&self, issuer_der: &[u8], serial: &[u8]) -> bool {
        todo!("{} {}", issuer_der.len(), serial.len())
    }
}

impl std::fmt::Debug for Certificate {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Certificate({})", self.inner.subject)
    }
}

impl PartialEq for Certificate {
    fn eq(&self, other: &Self) -> bool {
        self.inner.der == other.inner.der
    }
}
impl Eq for Certificate {}

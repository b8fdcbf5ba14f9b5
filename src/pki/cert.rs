//! An X.509 certificate with the facts validation and policy need, parsed once.

use std::sync::Arc;

use base64::Engine as _;
use openssl::pkey::{PKey, Public};
use openssl::x509::X509;
use serde::Serialize;
use sha2::Digest as _;
use x509_parser::asn1_rs::ToDer;
use x509_parser::certificate::X509Certificate;
use x509_parser::extensions::{DistributionPointName, GeneralName, ParsedExtension};
use x509_parser::prelude::FromDer;

use super::name::DistinguishedName;
use super::CertError;
use crate::crypto::SchemeKeys as _;
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
    /// nameConstraints, if present (RFC 5280 §4.2.1.10).
    name_constraints: Option<super::constraints::NameConstraints>,
    /// A nameConstraints extension that cannot be read: nothing below can be trusted to
    /// satisfy it.
    name_constraints_unreadable: bool,
    /// The names constraints apply to: the subject (when not empty), its e-mail addresses
    /// and the subjectAltNames.
    constrained_names: Vec<super::constraints::Name>,
    /// The OpenSSL form, for signature checks (`None` if OpenSSL cannot parse the DER).
    x509: Option<X509>,
}

/// Extension OIDs.
mod ext_oid {
    pub(super) const SUBJECT_KEY_ID: &str = "2.5.29.14";
    pub(super) const KEY_USAGE: &str = "2.5.29.15";
    pub(super) const SUBJECT_ALT_NAME: &str = "2.5.29.17";
    pub(super) const ISSUER_ALT_NAME: &str = "2.5.29.18";
    pub(super) const BASIC_CONSTRAINTS: &str = "2.5.29.19";
    pub(super) const NAME_CONSTRAINTS: &str = "2.5.29.30";
    pub(super) const CRL_DISTRIBUTION_POINTS: &str = "2.5.29.31";
    pub(super) const CERTIFICATE_POLICIES: &str = "2.5.29.32";
    pub(super) const AUTHORITY_KEY_ID: &str = "2.5.29.35";
    pub(super) const EXT_KEY_USAGE: &str = "2.5.29.37";
    pub(super) const AUTHORITY_INFO_ACCESS: &str = "1.3.6.1.5.5.7.1.1";
    pub(super) const QC_STATEMENTS: &str = "1.3.6.1.5.5.7.1.3";
    pub(super) const OCSP_NOCHECK: &str = "1.3.6.1.5.5.7.48.1.5";
    pub(super) const AD_OCSP: &str = "1.3.6.1.5.5.7.48.1";
    pub(super) const AD_CA_ISSUERS: &str = "1.3.6.1.5.5.7.48.2";
}

/// Extensions kyso knows. Those that are only informational (SAN, IAN, ocsp-nocheck,
/// qcStatements) or only read for facts (policies, AIA, CRL DP) may be critical without
/// harm. Name constraints (2.5.29.30) are processed by path building, critical or not.
/// Policy mappings (2.5.29.33), policy constraints (2.5.29.36) and inhibitAnyPolicy
/// (2.5.29.54) are known but NOT processed (no policy processing yet): when critical they
/// count as unknown critical extensions, so paths through such a CA fail closed.
fn extension_is_processed(oid: &str) -> bool {
    use ext_oid::*;
    matches!(
        oid,
        SUBJECT_KEY_ID
            | KEY_USAGE
            | SUBJECT_ALT_NAME
            | ISSUER_ALT_NAME
            | BASIC_CONSTRAINTS
            | NAME_CONSTRAINTS
            | CRL_DISTRIBUTION_POINTS
            | CERTIFICATE_POLICIES
            | AUTHORITY_KEY_ID
            | EXT_KEY_USAGE
            | AUTHORITY_INFO_ACCESS
            | QC_STATEMENTS
            | OCSP_NOCHECK
    )
}

/// The extended key usages that allow a certificate to sign documents (what Adobe accepts):
/// anyExtendedKeyUsage, id-kp-documentSigning (RFC 9336), emailProtection, Microsoft
/// document signing and Adobe Authentic Documents Trust.
pub const DOCUMENT_SIGNING_EKUS: &[&str] = &[
    "2.5.29.37.0",
    "1.3.6.1.5.5.7.3.36",
    "1.3.6.1.5.5.7.3.4",
    "1.3.6.1.4.1.311.10.3.12",
    "1.2.840.113583.1.1.5",
];

/// A readable name for an extended key usage OID (`name (oid)`, or the OID alone).
pub(crate) fn eku_name(oid: &str) -> String {
    let name = match oid {
        "2.5.29.37.0" => "anyExtendedKeyUsage",
        "1.3.6.1.5.5.7.3.1" => "serverAuth",
        "1.3.6.1.5.5.7.3.2" => "clientAuth",
        "1.3.6.1.5.5.7.3.3" => "codeSigning",
        "1.3.6.1.5.5.7.3.4" => "emailProtection",
        "1.3.6.1.5.5.7.3.8" => "timeStamping",
        "1.3.6.1.5.5.7.3.9" => "OCSPSigning",
        "1.3.6.1.5.5.7.3.36" => "documentSigning",
        "1.3.6.1.4.1.311.10.3.12" => "Microsoft document signing",
        "1.2.840.113583.1.1.5" => "Adobe Authentic Documents Trust",
        _ => return oid.to_string(),
    };
    format!("{name} ({oid})")
}

/// Well-known extended key usages as `x509-parser` reports them, with their OIDs.
fn eku_oids(eku: &x509_parser::extensions::ExtendedKeyUsage<'_>) -> Vec<String> {
    let known = [
        (eku.any, "2.5.29.37.0"),
        (eku.server_auth, "1.3.6.1.5.5.7.3.1"),
        (eku.client_auth, "1.3.6.1.5.5.7.3.2"),
        (eku.code_signing, "1.3.6.1.5.5.7.3.3"),
        (eku.email_protection, "1.3.6.1.5.5.7.3.4"),
        (eku.time_stamping, "1.3.6.1.5.5.7.3.8"),
        (eku.ocsp_signing, "1.3.6.1.5.5.7.3.9"),
    ];
    let mut out: Vec<String> = known
        .iter()
        .filter(|(set, _)| *set)
        .map(|(_, oid)| oid.to_string())
        .collect();
    out.extend(eku.other.iter().map(|o| o.to_id_string()));
    out
}

fn malformed(what: impl std::fmt::Display) -> CertError {
    CertError::Malformed(what.to_string())
}

/// Strips leading zero octets (keeping at least one octet).
fn strip_leading_zeros(mut b: &[u8]) -> &[u8] {
    while b.len() > 1 && b[0] == 0 {
        b = &b[1..];
    }
    b
}

/// Decodes every CERTIFICATE (or X509 CERTIFICATE) block of a PEM text.
fn pem_certificates(text: &str) -> Result<Vec<Vec<u8>>, CertError> {
    pem_certificate_blocks(text, false)
}

/// Maximum number of certificates read from one bundle (PEM or PKCS#7).
pub(crate) const MAX_BUNDLE_CERTIFICATES: usize = 1000;

/// The certificates of a PKCS#7 / CMS SignedData (certs-only `.p7b`/`.p7c` or any other).
fn pkcs7_certificates(der: &[u8]) -> Result<Vec<Vec<u8>>, CertError> {
    let sd = crate::cms::parse_signed_data(der)
        .map_err(|e| malformed(format!("not a certificate nor a PKCS#7 bundle: {e}")))?;
    Ok(sd.certificates)
}

/// The certificates of PEM `CERTIFICATE` blocks, and with `with_pkcs7` those of `PKCS7` /
/// `CMS` blocks too.
fn pem_certificate_blocks(text: &str, with_pkcs7: bool) -> Result<Vec<Vec<u8>>, CertError> {
    const BEGIN: &str = "-----BEGIN ";
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(pos) = rest.find(BEGIN) {
        let after = &rest[pos + BEGIN.len()..];
        let Some(label_end) = after.find("-----") else {
            break;
        };
        let label = &after[..label_end];
        let body_start = &after[label_end + 5..];
        let end_marker = format!("-----END {label}-----");
        let Some(end) = body_start.find(&end_marker) else {
            return Err(malformed(format!("PEM block {label} without its END line")));
        };
        let body = &body_start[..end];
        rest = &body_start[end + end_marker.len()..];
        let pkcs7 = matches!(label, "PKCS7" | "CMS" | "PKCS #7 SIGNED DATA");
        if label != "CERTIFICATE" && label != "X509 CERTIFICATE" && !(with_pkcs7 && pkcs7) {
            continue;
        }
        // Skip RFC 1421 headers ("Name: value" lines followed by a blank line), if any.
        let body = if body.contains(':') {
            body.split_once("\n\n")
                .or_else(|| body.split_once("\r\n\r\n"))
                .map_or(body, |(_, b)| b)
        } else {
            body
        };
        let b64: String = body.chars().filter(|c| !c.is_ascii_whitespace()).collect();
        let der = base64::engine::general_purpose::STANDARD
            .decode(b64.as_bytes())
            .map_err(|e| malformed(format!("bad base64 in PEM: {e}")))?;
        if pkcs7 {
            out.extend(pkcs7_certificates(&der)?);
        } else {
            out.push(der);
        }
        if out.len() > MAX_BUNDLE_CERTIFICATES {
            return Err(malformed("too many certificates in one bundle"));
        }
    }
    Ok(out)
}

impl Certificate {
    /// Parses DER.
    pub fn from_der(der: &[u8]) -> Result<Self, CertError> {
        let (rest, x) = X509Certificate::from_der(der).map_err(|e| malformed(format!("{e}")))?;
        if !rest.is_empty() {
            return Err(malformed("trailing data after the certificate"));
        }
        let tbs = &x.tbs_certificate;

        let spki = tbs.subject_pki.raw;
        // OpenSSL's parse of the certificate has decoded the key already: one decoding, not two.
        let x509 = X509::from_der(der).ok();
        let public_key = match x509.as_ref().and_then(|x| x.public_key().ok()) {
            Some(k) => k,
            None => PKey::public_key_from_der(spki)
                .map_err(|e| malformed(format!("unsupported or invalid public key: {e}")))?,
        };
        let key_info = KeyInfo::of(&public_key);

        let mut inner = CertInner {
            der: der.to_vec(),
            subject: DistinguishedName::from_x509_name(&tbs.subject),
            issuer: DistinguishedName::from_x509_name(&tbs.issuer),
            subject_der: tbs.subject.as_raw().to_vec(),
            issuer_der: tbs.issuer.as_raw().to_vec(),
            serial: tbs.raw_serial().to_vec(),
            not_before: tbs.validity.not_before.timestamp(),
            not_after: tbs.validity.not_after.timestamp(),
            public_key,
            key_info,
            key_usage: None,
            basic_constraints: None,
            extended_key_usage: None,
            subject_key_id: None,
            authority_key_id: None,
            ocsp_urls: Vec::new(),
            ca_issuer_urls: Vec::new(),
            crl_urls: Vec::new(),
            policies: Vec::new(),
            signature_algorithm_oid: x.signature_algorithm.algorithm.to_id_string(),
            signature_algorithm_params: match &x.signature_algorithm.parameters {
                Some(p) => Some(p.to_der_vec().map_err(|e| malformed(format!("{e}")))?),
                None => None,
            },
            tbs: tbs.as_ref().to_vec(),
            signature: x.signature_value.data.to_vec(),
            sha256: sha2::Sha256::digest(der).into(),
            has_unknown_critical_extension: false,
            name_constraints: None,
            name_constraints_unreadable: false,
            constrained_names: Vec::new(),
            x509,
        };
        if !tbs.subject.as_raw().is_empty() && tbs.subject.iter().next().is_some() {
            inner
                .constrained_names
                .push(super::constraints::Name::Directory(super::constraints::rdns(
                    &tbs.subject,
                )));
        }
        for e in super::constraints::dn_emails(&tbs.subject) {
            inner
                .constrained_names
                .push(super::constraints::Name::Email(e));
        }
        read_extensions(&mut inner, tbs.extensions())?;
        Ok(Certificate {
            inner: Arc::new(inner),
        })
    }
    /// Every certificate in a PEM bundle (or a single DER certificate).
    /// Non-CERTIFICATE PEM blocks (keys, CRLs, …) are skipped; PEM input without any
    /// certificate is [`CertError::NoCertificate`].
    pub fn from_pem_or_der(data: &[u8]) -> Result<Vec<Self>, CertError> {
        if data.first() == Some(&0x30) {
            return Ok(vec![Certificate::from_der(data)?]);
        }
        let text = String::from_utf8_lossy(data);
        if !text.contains("-----BEGIN ") {
            return Err(malformed("neither DER nor PEM"));
        }
        let ders = pem_certificates(&text)?;
        if ders.is_empty() {
            return Err(CertError::NoCertificate);
        }
        ders.iter().map(|d| Certificate::from_der(d)).collect()
    }
    /// Every certificate of a bundle in any of the usual forms: a DER certificate, a DER
    /// PKCS#7 / CMS SignedData (certs-only `.p7b`/`.p7c`, such as the bundles CAs publish at
    /// their caIssuers URLs), or PEM text with `CERTIFICATE` and `PKCS7` blocks. Duplicates
    /// are removed; at most 1000 certificates.
    ///
    /// # Errors
    /// Input that holds no certificate or cannot be read.
    pub fn from_bundle(data: &[u8]) -> Result<Vec<Self>, CertError> {
        let ders = if data.first() == Some(&0x30) {
            match Certificate::from_der(data) {
                Ok(c) => return Ok(vec![c]),
                Err(_) => pkcs7_certificates(data)?,
            }
        } else {
            let text = String::from_utf8_lossy(data);
            if !text.contains("-----BEGIN ") {
                return Err(malformed("neither DER nor PEM"));
            }
            pem_certificate_blocks(&text, true)?
        };
        if ders.len() > MAX_BUNDLE_CERTIFICATES {
            return Err(malformed("too many certificates in one bundle"));
        }
        let mut out: Vec<Certificate> = Vec::new();
        for d in &ders {
            let c = Certificate::from_der(d)?;
            if !out.contains(&c) {
                out.push(c);
            }
        }
        if out.is_empty() {
            return Err(CertError::NoCertificate);
        }
        Ok(out)
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
        let s = self.inner.serial.as_slice();
        let s = if s.len() > 1 && s[0] == 0 { &s[1..] } else { s };
        s.iter().map(|b| format!("{b:02X}")).collect()
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
    pub(crate) fn public_key(&self) -> &PKey<Public> {
        &self.inner.public_key
    }

    /// The DER `SubjectPublicKeyInfo` of the certificate's key.
    pub fn public_key_der(&self) -> Vec<u8> {
        self.public_key().public_key_to_der().unwrap_or_default()
    }

    /// Whether `signature` over `message` verifies with this certificate's key under
    /// `scheme` (for checking what a remote signing service returned).
    pub fn verifies(
        &self,
        scheme: crate::crypto::SignatureScheme,
        message: &[u8],
        signature: &[u8],
    ) -> bool {
        matches!(scheme.verify(self.public_key(), message, signature), Ok(true))
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
        const DIGITS: &[u8; 16] = b"0123456789ABCDEF";
        let mut s = String::with_capacity(3 * self.inner.sha256.len());
        for (i, b) in self.inner.sha256.iter().enumerate() {
            if i > 0 {
                s.push(':');
            }
            s.push(char::from(DIGITS[usize::from(b >> 4)]));
            s.push(char::from(DIGITS[usize::from(b & 0x0F)]));
        }
        s
    }
    /// Whether subject and issuer names are equal (self-issued).
    pub fn is_self_issued(&self) -> bool {
        self.inner.subject_der == self.inner.issuer_der
    }
    /// Its nameConstraints, if any; `Err` when the extension cannot be read.
    pub(crate) fn name_constraints(
        &self,
    ) -> Result<Option<&super::constraints::NameConstraints>, String> {
        if self.inner.name_constraints_unreadable {
            return Err("its nameConstraints extension cannot be read".into());
        }
        Ok(self.inner.name_constraints.as_ref())
    }
    /// The names nameConstraints apply to (subject, its e-mail addresses, subjectAltNames).
    pub(crate) fn constrained_names(&self) -> &[super::constraints::Name] {
        &self.inner.constrained_names
    }
    /// Whether the extended key usage, when present, allows signing documents (as Adobe
    /// Acrobat decides, RFC 5280 §4.2.1.12): it must hold one of
    /// [`DOCUMENT_SIGNING_EKUS`]. A certificate without the extension is not restricted.
    pub fn eku_allows_document_signing(&self) -> bool {
        self.extended_key_usage()
            .is_none_or(|ekus| ekus.iter().any(|e| DOCUMENT_SIGNING_EKUS.contains(&e.as_str())))
    }
    /// Whether the certificate has a critical extension kyso does not process.
    pub fn has_unknown_critical_extension(&self) -> bool {
        self.inner.has_unknown_critical_extension
    }
    /// The signature algorithm of the certificate (issuer's signature over tbsCertificate).
    pub fn signature_scheme(&self) -> Option<crate::crypto::SignatureScheme> {
        crate::crypto::SignatureScheme::from_algorithm(
            &self.inner.signature_algorithm_oid,
            self.inner.signature_algorithm_params.as_deref(),
            None,
        )
    }
    /// The signatureAlgorithm OID (dotted).
    pub fn signature_algorithm_oid(&self) -> &str {
        &self.inner.signature_algorithm_oid
    }
    /// The signatureAlgorithm parameters (DER), if present.
    pub fn signature_algorithm_params(&self) -> Option<&[u8]> {
        self.inner.signature_algorithm_params.as_deref()
    }
    /// The DER of tbsCertificate (what the issuer signed).
    pub fn tbs(&self) -> &[u8] {
        &self.inner.tbs
    }
    /// The signature value (the BIT STRING contents).
    pub fn signature_value(&self) -> &[u8] {
        &self.inner.signature
    }
    /// Whether `issuer`'s key verifies this certificate's signature.
    /// Checked by OpenSSL (which also requires the inner and outer signature algorithms to
    /// agree); false when OpenSSL could not parse this certificate.
    pub fn is_signed_by(&self, issuer: &Certificate) -> bool {
        match &self.inner.x509 {
            Some(x) => x.verify(issuer.public_key()).unwrap_or(false),
            None => false,
        }
    }
    /// Whether this certificate matches a CMS issuerAndSerialNumber.
    /// `issuer_der` is the DER of the issuer Name (compared bytewise), `serial` the serial
    /// number's contents octets (leading zero octets are ignored on both sides).
    pub fn matches_issuer_serial(&self, issuer_der: &[u8], serial: &[u8]) -> bool {
        self.inner.issuer_der == issuer_der
            && strip_leading_zeros(&self.inner.serial) == strip_leading_zeros(serial)
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

/// Reads the extensions into `inner`.
///
/// A duplicated extension makes the certificate malformed (RFC 5280 §4.2). An extension kyso
/// processes but cannot parse: if critical, it counts as an unknown critical extension; if
/// not, keyUsage and extKeyUsage become empty (nothing allowed) and the others are ignored.
fn read_extensions(
    inner: &mut CertInner,
    exts: &[x509_parser::extensions::X509Extension<'_>],
) -> Result<(), CertError> {
    let mut seen: Vec<String> = Vec::new();
    for ext in exts {
        let oid = ext.oid.to_id_string();
        if seen.contains(&oid) {
            return Err(malformed(format!("duplicate extension {oid}")));
        }
        seen.push(oid.clone());
        if ext.critical && !extension_is_processed(&oid) {
            inner.has_unknown_critical_extension = true;
        }
        match ext.parsed_extension() {
            ParsedExtension::KeyUsage(ku) => {
                inner.key_usage = Some(KeyUsage {
                    digital_signature: ku.digital_signature(),
                    non_repudiation: ku.non_repudiation(),
                    key_encipherment: ku.key_encipherment(),
                    data_encipherment: ku.data_encipherment(),
                    key_agreement: ku.key_agreement(),
                    key_cert_sign: ku.key_cert_sign(),
                    crl_sign: ku.crl_sign(),
                });
            }
            ParsedExtension::BasicConstraints(bc) => {
                inner.basic_constraints = Some((bc.ca, bc.path_len_constraint));
            }
            ParsedExtension::ExtendedKeyUsage(eku) => {
                inner.extended_key_usage = Some(eku_oids(eku))
            }
            ParsedExtension::SubjectKeyIdentifier(ki) => inner.subject_key_id = Some(ki.0.to_vec()),
            ParsedExtension::AuthorityKeyIdentifier(aki) => {
                inner.authority_key_id = aki.key_identifier.as_ref().map(|k| k.0.to_vec());
            }
            ParsedExtension::AuthorityInfoAccess(aia) => {
                for ad in aia.iter() {
                    let GeneralName::URI(uri) = &ad.access_location else {
                        continue;
                    };
                    match ad.access_method.to_id_string().as_str() {
                        ext_oid::AD_OCSP => inner.ocsp_urls.push(uri.to_string()),
                        ext_oid::AD_CA_ISSUERS => inner.ca_issuer_urls.push(uri.to_string()),
                        _ => {}
                    }
                }
            }
            ParsedExtension::CRLDistributionPoints(dps) => {
                for dp in dps.iter() {
                    if let Some(DistributionPointName::FullName(names)) = &dp.distribution_point {
                        for name in names {
                            if let GeneralName::URI(uri) = name {
                                inner.crl_urls.push(uri.to_string());
                            }
                        }
                    }
                }
            }
            ParsedExtension::SubjectAlternativeName(san) => {
                inner.constrained_names.extend(
                    san.general_names
                        .iter()
                        .map(super::constraints::from_general_name),
                );
            }
            ParsedExtension::NameConstraints(nc) => {
                let bases = |t: &Option<Vec<x509_parser::extensions::GeneralSubtree<'_>>>| {
                    t.iter()
                        .flatten()
                        .map(|s| super::constraints::from_general_name(&s.base))
                        .collect::<Vec<_>>()
                };
                inner.name_constraints = Some(super::constraints::NameConstraints {
                    permitted: bases(&nc.permitted_subtrees),
                    excluded: bases(&nc.excluded_subtrees),
                });
            }
            ParsedExtension::CertificatePolicies(policies) => {
                inner.policies = policies
                    .iter()
                    .map(|p| p.policy_id.to_id_string())
                    .collect();
            }
            ParsedExtension::ParseError { .. } if extension_is_processed(&oid) => {
                if oid == ext_oid::NAME_CONSTRAINTS {
                    inner.name_constraints_unreadable = true;
                }
                if ext.critical {
                    inner.has_unknown_critical_extension = true;
                } else if oid == ext_oid::KEY_USAGE {
                    inner.key_usage = Some(KeyUsage::default());
                } else if oid == ext_oid::EXT_KEY_USAGE {
                    inner.extended_key_usage = Some(Vec::new());
                }
            }
            _ => {}
        }
    }
    Ok(())
}

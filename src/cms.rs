//! CMS SignedData (RFC 5652) as PDF signatures use it: parsing with access to every
//! SignerInfo field and attribute (which the `openssl` crate's CMS API does not give), and
//! building the detached SignedData that kyso signs, with the ESS signing-certificate-v2
//! attribute (RFC 5035) PAdES requires.

use crate::crypto::{DigestAlgorithm, SignatureScheme};
use crate::der::DerError;

/// Errors parsing or building CMS.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CmsError {
    /// Malformed DER.
    #[error(transparent)]
    Der(#[from] DerError),
    /// Well-formed DER that is not the expected structure.
    #[error("malformed CMS: {0}")]
    Malformed(&'static str),
    /// A construct kyso does not handle (e.g. more than one SignerInfo, an attached content).
    #[error("unsupported CMS: {0}")]
    Unsupported(String),
}

/// An AlgorithmIdentifier: OID and raw parameters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AlgorithmIdentifier {
    /// Dotted OID.
    pub oid: String,
    /// DER of the parameters, if present (including an explicit NULL).
    pub params: Option<Vec<u8>>,
}

/// A CMS attribute: type and DER-encoded values.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attribute {
    /// Dotted OID of the attribute type.
    pub oid: String,
    /// Each AttributeValue's full DER.
    pub values: Vec<Vec<u8>>,
}

/// How a SignerInfo names its certificate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SignerIdentifier {
    /// issuerAndSerialNumber: the issuer Name DER and the serial INTEGER contents.
    IssuerAndSerial {
        /// DER of the issuer Name.
        issuer: Vec<u8>,
        /// Contents octets of the serial number INTEGER.
        serial: Vec<u8>,
    },
    /// subjectKeyIdentifier.
    SubjectKeyId(Vec<u8>),
}

/// One ESSCertIDv2 (or ESSCertID, with SHA-1) from a signing-certificate attribute.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EssCertId {
    /// Hash algorithm (SHA-256 when absent in v2; SHA-1 for v1).
    pub hash_algorithm: DigestAlgorithm,
    /// The certificate hash.
    pub cert_hash: Vec<u8>,
    /// issuerSerial, if present: issuer GeneralNames DER and serial contents.
    pub issuer_serial: Option<(Vec<u8>, Vec<u8>)>,
}

/// A parsed SignerInfo.
#[derive(Debug, Clone)]
pub struct SignerInfo {
    /// CMSVersion (1 or 3).
    pub version: u64,
    /// The sid.
    pub sid: SignerIdentifier,
    /// digestAlgorithm.
    pub digest_algorithm: AlgorithmIdentifier,
    /// signedAttrs, parsed.
    pub signed_attrs: Option<Vec<Attribute>>,
    /// The DER the signature is computed over: signedAttrs re-tagged as SET (0x31).
    pub signed_attrs_der: Option<Vec<u8>>,
    /// signatureAlgorithm.
    pub signature_algorithm: AlgorithmIdentifier,
    /// The signature value.
    pub signature: Vec<u8>,
    /// unsignedAttrs, parsed.
    pub unsigned_attrs: Vec<Attribute>,
}

impl SignerInfo {
    /// The first value of signed attribute `oid` (its full DER), and how many times the
    /// attribute occurs (a signed attribute must occur once, with one value).
    pub fn signed_attr(&self, oid: &str) -> (Option<&[u8]>, usize) {
        todo!("{oid}")
    }
    /// The content-type attribute's OID, dotted.
    pub fn content_type(&self) -> Option<String> {
        todo!()
    }
    /// The message-digest attribute's value.
    pub fn message_digest(&self) -> Option<Vec<u8>> {
        todo!()
    }
    /// The signing-time attribute (Unix seconds).
    pub fn signing_time(&self) -> Option<i64> {
        todo!()
    }
    /// ESSCertIDv2 entries of signing-certificate-v2, else ESSCertID entries of
    /// signing-certificate (v1), else `None`. `Some(Err)` if present but malformed.
    pub fn signing_certificate(&self) -> Option<Result<Vec<EssCertId>, CmsError>> {
        todo!()
    }
    /// The digest algorithm, if known.
    pub fn digest(&self) -> Option<DigestAlgorithm> {
        DigestAlgorithm::from_oid(&self.digest_algorithm.oid)
    }
    /// The signature scheme, if known.
    pub fn scheme(&self) -> Option<SignatureScheme> {
        SignatureScheme::from_algorithm(
            &self.signature_algorithm.oid,
            self.signature_algorithm.params.as_deref(),
            self.digest(),
        )
    }
    /// DER of each signature time-stamp token (unsigned attribute
    /// id-aa-signatureTimeStampToken), each a ContentInfo.
    pub fn timestamp_tokens(&self) -> Vec<&[u8]> {
        todo!()
    }
}

/// A parsed SignedData.
#[derive(Debug, Clone)]
pub struct SignedData {
    /// CMSVersion.
    pub version: u64,
    /// digestAlgorithms.
    pub digest_algorithms: Vec<AlgorithmIdentifier>,
    /// eContentType, dotted.
    pub encap_content_type: String,
    /// eContent, if the content is attached (never for PDF signatures; present for
    /// time-stamp tokens, whose eContent is the TSTInfo DER).
    pub encap_content: Option<Vec<u8>>,
    /// certificates (X.509 only), DER each; other certificate choices are skipped.
    pub certificates: Vec<Vec<u8>>,
    /// crls, DER each.
    pub crls: Vec<Vec<u8>>,
    /// signerInfos.
    pub signer_infos: Vec<SignerInfo>,
}

/// Parses a ContentInfo holding SignedData. Trailing zero bytes (the padding of a PDF
/// `/Contents` placeholder) are accepted; any other trailing data is an error.
pub fn parse_signed_data(der: &[u8]) -> Result<SignedData, CmsError> {
    todo!("{}", der.len())
}

/// The signed attributes kyso writes for a PAdES signature: content-type id-data,
/// message-digest, signing-certificate-v2 over `signer_cert_der` (SHA-256, with
/// issuerSerial), and CMS algorithm protection is not written. `signing_time` adds the
/// signing-time attribute (PAdES B-B forbids it in the CMS: pass `None` for ETSI.CAdES.detached;
/// adbe.pkcs7.detached may carry it). Returns the DER SET OF Attribute (tag 0x31), i.e. the
/// exact bytes to sign.
pub fn build_signed_attributes(
    digest_algorithm: DigestAlgorithm,
    content_digest: &[u8],
    signer_cert_der: &[u8],
    signing_time: Option<i64>,
) -> Result<Vec<u8>, CmsError> {
    todo!("{digest_algorithm:?} {} {} {signing_time:?}", content_digest.len(), signer_cert_der.len())
}

/// Assembles a ContentInfo/SignedData (version 1, detached id-data content, one SignerInfo
/// identified by issuerAndSerialNumber of `signer_cert_der`), with `certificates` (DER each,
/// signer first), the `signed_attrs_der` returned by [`build_signed_attributes`] (re-tagged
/// `[0] IMPLICIT`), the signature, and optional unsigned attributes (DER of each Attribute).
pub fn build_signed_data(
    digest_algorithm: DigestAlgorithm,
    scheme: SignatureScheme,
    signer_cert_der: &[u8],
    certificates: &[Vec<u8>],
    signed_attrs_der: &[u8],
    signature: &[u8],
    unsigned_attrs: &[Vec<u8>],
) -> Result<Vec<u8>, CmsError> {
    todo!(
        "{digest_algorithm:?} {scheme:?} {} {} {} {} {}",
        signer_cert_der.len(),
        certificates.len(),
        signed_attrs_der.len(),
        signature.len(),
        unsigned_attrs.len()
    )
}

/// Encodes one Attribute (type + SET OF values) from a dotted OID and value DERs.
pub fn encode_attribute(oid: &str, values: &[&[u8]]) -> Vec<u8> {
    todo!("{oid} {}", values.len())
}

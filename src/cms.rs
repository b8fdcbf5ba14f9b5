//! CMS SignedData (RFC 5652) as PDF signatures use it: parsing with access to every
//! SignerInfo field and attribute (which the `openssl` crate's CMS API does not give), and
//! building the detached SignedData that kyso signs, with the ESS signing-certificate-v2
//! attribute (RFC 5035) PAdES requires.

use crate::crypto::{oids, DigestAlgorithm, SignatureScheme};
use crate::der::{self, tag, DerError, Element, Reader};

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

impl AlgorithmIdentifier {
    /// Parses an AlgorithmIdentifier from its complete DER.
    pub fn from_der(der: &[u8]) -> Result<Self, CmsError> {
        let mut r = Reader::new(der);
        let e = r.expect_tag(tag::SEQUENCE)?;
        r.finish()?;
        Self::parse(&r, &e)
    }

    /// Parses the AlgorithmIdentifier SEQUENCE `e` read from `parent`.
    pub fn parse(parent: &Reader<'_>, e: &Element<'_>) -> Result<Self, CmsError> {
        if e.tag != tag::SEQUENCE {
            return Err(DerError {
                position: e.position,
                reason: "expected an AlgorithmIdentifier",
            }
            .into());
        }
        let mut r = parent.nested(e)?;
        let oid = r.expect_tag(tag::OID)?.to_oid_string()?;
        let params = if r.is_empty() {
            None
        } else {
            Some(r.read()?.raw.to_vec())
        };
        r.finish()?;
        Ok(AlgorithmIdentifier { oid, params })
    }

    /// The DER encoding.
    pub fn to_der(&self) -> Vec<u8> {
        let oid = der::oid(&self.oid);
        match &self.params {
            Some(p) => der::sequence(&[&oid, p]),
            None => der::sequence(&[&oid]),
        }
    }
}

/// Reads a complete DER input that must be exactly one element.
fn single(input: &[u8]) -> Result<Element<'_>, DerError> {
    let mut r = Reader::new(input);
    let e = r.read()?;
    r.finish()?;
    Ok(e)
}

impl SignerInfo {
    /// The first value of signed attribute `oid` (its full DER), and how many times the
    /// attribute occurs (a signed attribute must occur once, with one value).
    ///
    /// The count is the number of values over all occurrences, counting an occurrence
    /// without values as one: it is 1 exactly when the attribute occurs once with at most one
    /// value.
    pub fn signed_attr(&self, oid: &str) -> (Option<&[u8]>, usize) {
        let Some(attrs) = &self.signed_attrs else {
            return (None, 0);
        };
        let mut first = None;
        let mut count = 0;
        for a in attrs.iter().filter(|a| a.oid == oid) {
            if first.is_none() {
                first = a.values.first().map(Vec::as_slice);
            }
            count += a.values.len().max(1);
        }
        (first, count)
    }
    /// The content-type attribute's OID, dotted.
    pub fn content_type(&self) -> Option<String> {
        let e = single(self.signed_attr(oids::CONTENT_TYPE).0?).ok()?;
        e.to_oid_string().ok()
    }
    /// The message-digest attribute's value.
    pub fn message_digest(&self) -> Option<Vec<u8>> {
        let e = single(self.signed_attr(oids::MESSAGE_DIGEST).0?).ok()?;
        (e.tag == tag::OCTET_STRING).then(|| e.value.to_vec())
    }
    /// The signing-time attribute (Unix seconds).
    pub fn signing_time(&self) -> Option<i64> {
        single(self.signed_attr(oids::SIGNING_TIME).0?)
            .ok()?
            .to_time()
            .ok()
    }
    /// ESSCertIDv2 entries of signing-certificate-v2, else ESSCertID entries of
    /// signing-certificate (v1), else `None`. `Some(Err)` if present but malformed.
    pub fn signing_certificate(&self) -> Option<Result<Vec<EssCertId>, CmsError>> {
        for (oid, v2) in [
            (oids::SIGNING_CERTIFICATE_V2, true),
            (oids::SIGNING_CERTIFICATE, false),
        ] {
            let (value, count) = self.signed_attr(oid);
            if count > 0 {
                return Some(match value {
                    Some(v) => parse_signing_certificate(v, v2),
                    None => Err(CmsError::Malformed(
                        "signing-certificate attribute without a value",
                    )),
                });
            }
        }
        None
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
        self.unsigned_attrs
            .iter()
            .filter(|a| a.oid == oids::SIGNATURE_TIMESTAMP_TOKEN)
            .flat_map(|a| a.values.iter().map(Vec::as_slice))
            .collect()
    }
}

/// Parses SigningCertificateV2 (`v2`, RFC 5035) or SigningCertificate (RFC 2634).
fn parse_signing_certificate(value: &[u8], v2: bool) -> Result<Vec<EssCertId>, CmsError> {
    let mut top = Reader::new(value);
    let sc = top.expect_tag(tag::SEQUENCE)?;
    top.finish()?;
    let mut r = top.nested(&sc)?;
    let certs = r.expect_tag(tag::SEQUENCE)?;
    // policies SEQUENCE OF PolicyInformation OPTIONAL: not used.
    r.optional(tag::SEQUENCE)?;
    r.finish()?;
    let mut cr = r.nested(&certs)?;
    let mut out = Vec::new();
    while !cr.is_empty() {
        let id = cr.expect_tag(tag::SEQUENCE)?;
        let mut ir = cr.nested(&id)?;
        let hash_algorithm = if !v2 {
            DigestAlgorithm::Sha1
        } else if ir.peek_tag() == Some(tag::SEQUENCE) {
            let e = ir.read()?;
            let alg = AlgorithmIdentifier::parse(&ir, &e)?;
            DigestAlgorithm::from_oid(&alg.oid).ok_or_else(|| {
                CmsError::Unsupported(format!("ESSCertIDv2 hash algorithm {}", alg.oid))
            })?
        } else {
            DigestAlgorithm::Sha256
        };
        let cert_hash = ir.expect_tag(tag::OCTET_STRING)?.value.to_vec();
        let issuer_serial = match ir.optional(tag::SEQUENCE)? {
            Some(is) => {
                let mut x = ir.nested(&is)?;
                let names = x.expect_tag(tag::SEQUENCE)?;
                let serial = x.expect_tag(tag::INTEGER)?;
                x.finish()?;
                Some((names.raw.to_vec(), serial.value.to_vec()))
            }
            None => None,
        };
        ir.finish()?;
        out.push(EssCertId {
            hash_algorithm,
            cert_hash,
            issuer_serial,
        });
    }
    if out.is_empty() {
        return Err(CmsError::Malformed(
            "signing-certificate attribute lists no certificate",
        ));
    }
    Ok(out)
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
    match parse_signed_data_der(der) {
        // BER producers (NSS, used by pdfsig and Firefox-era tools) write indefinite lengths;
        // RFC 5652 §5.4 has the verifier use the DER encoding of the signed attributes, so
        // normalising the encoding is what a conforming verifier does.
        Err(CmsError::Der(e)) if e.reason == "indefinite length is not allowed" => {
            let normalised = crate::der::ber_to_der(der)?;
            parse_signed_data_der(&normalised)
        }
        other => other,
    }
}

fn parse_signed_data_der(der: &[u8]) -> Result<SignedData, CmsError> {
    let mut top = Reader::new(der);
    let ci = top.expect_tag(tag::SEQUENCE)?;
    let end = ci.raw.len();
    if let Some(i) = der
        .get(end..)
        .and_then(|rest| rest.iter().position(|&b| b != 0))
    {
        return Err(DerError {
            position: end + i,
            reason: "non-zero data after the ContentInfo",
        }
        .into());
    }
    let mut r = top.nested(&ci)?;
    let content_type = r.expect_tag(tag::OID)?.to_oid_string()?;
    if content_type != oids::SIGNED_DATA {
        return Err(CmsError::Unsupported(format!(
            "content type {content_type} is not SignedData"
        )));
    }
    let explicit = r.expect_tag(tag::context(0))?;
    r.finish()?;
    let mut c = r.nested(&explicit)?;
    let sd = c.expect_tag(tag::SEQUENCE)?;
    c.finish()?;
    let mut s = c.nested(&sd)?;

    let version = s.expect_tag(tag::INTEGER)?.to_u64()?;

    let algs = s.expect_tag(tag::SET)?;
    let mut ar = s.nested(&algs)?;
    let mut digest_algorithms = Vec::new();
    while !ar.is_empty() {
        let e = ar.read()?;
        digest_algorithms.push(AlgorithmIdentifier::parse(&ar, &e)?);
    }

    let encap = s.expect_tag(tag::SEQUENCE)?;
    let mut er = s.nested(&encap)?;
    let encap_content_type = er.expect_tag(tag::OID)?.to_oid_string()?;
    let encap_content = match er.optional(tag::context(0))? {
        Some(e) => {
            let mut x = er.nested(&e)?;
            let os = x.read()?;
            x.finish()?;
            Some(octet_string_contents(&x, &os)?)
        }
        None => None,
    };
    er.finish()?;

    let mut certificates = Vec::new();
    if let Some(e) = s.optional(tag::context(0))? {
        let mut cr = s.nested(&e)?;
        while !cr.is_empty() {
            let c = cr.read()?;
            match c.tag {
                tag::SEQUENCE => certificates.push(c.raw.to_vec()),
                // extendedCertificate, v1/v2 attribute certificates, other: skipped.
                0xA0..=0xA3 => {}
                _ => {
                    return Err(DerError {
                        position: c.position,
                        reason: "unknown CertificateChoices",
                    }
                    .into())
                }
            }
        }
    }

    let mut crls = Vec::new();
    if let Some(e) = s.optional(tag::context(1))? {
        let mut cr = s.nested(&e)?;
        while !cr.is_empty() {
            let c = cr.read()?;
            match c.tag {
                tag::SEQUENCE => crls.push(c.raw.to_vec()),
                // OtherRevocationInfoFormat: skipped.
                0xA1 => {}
                _ => {
                    return Err(DerError {
                        position: c.position,
                        reason: "unknown RevocationInfoChoice",
                    }
                    .into())
                }
            }
        }
    }

    let sis = s.expect_tag(tag::SET)?;
    s.finish()?;
    let mut sr = s.nested(&sis)?;
    let mut signer_infos = Vec::new();
    while !sr.is_empty() {
        let e = sr.expect_tag(tag::SEQUENCE)?;
        signer_infos.push(parse_signer_info(&sr, &e)?);
    }

    Ok(SignedData {
        version,
        digest_algorithms,
        encap_content_type,
        encap_content,
        certificates,
        crls,
        signer_infos,
    })
}

/// The contents of an OCTET STRING, primitive or constructed (BER segments, concatenated).
fn octet_string_contents(parent: &Reader<'_>, e: &Element<'_>) -> Result<Vec<u8>, CmsError> {
    match e.tag {
        tag::OCTET_STRING => Ok(e.value.to_vec()),
        0x24 => {
            let mut r = parent.nested(e)?;
            let mut out = Vec::new();
            while !r.is_empty() {
                let seg = r.read()?;
                out.extend_from_slice(&octet_string_contents(&r, &seg)?);
            }
            Ok(out)
        }
        _ => Err(DerError {
            position: e.position,
            reason: "expected an OCTET STRING",
        }
        .into()),
    }
}

/// Parses a SET OF Attribute (signedAttrs / unsignedAttrs, whatever their tag).
fn parse_attributes(parent: &Reader<'_>, e: &Element<'_>) -> Result<Vec<Attribute>, CmsError> {
    let mut r = parent.nested(e)?;
    let mut out = Vec::new();
    while !r.is_empty() {
        let a = r.expect_tag(tag::SEQUENCE)?;
        let mut ar = r.nested(&a)?;
        let oid = ar.expect_tag(tag::OID)?.to_oid_string()?;
        let set = ar.expect_tag(tag::SET)?;
        ar.finish()?;
        let mut vr = ar.nested(&set)?;
        let mut values = Vec::new();
        while !vr.is_empty() {
            values.push(vr.read()?.raw.to_vec());
        }
        out.push(Attribute { oid, values });
    }
    Ok(out)
}

/// Parses one SignerInfo SEQUENCE.
fn parse_signer_info(parent: &Reader<'_>, e: &Element<'_>) -> Result<SignerInfo, CmsError> {
    let mut r = parent.nested(e)?;
    let version = r.expect_tag(tag::INTEGER)?.to_u64()?;
    let sid_el = r.read()?;
    let sid = match sid_el.tag {
        tag::SEQUENCE => {
            let mut x = r.nested(&sid_el)?;
            let issuer = x.expect_tag(tag::SEQUENCE)?;
            let serial = x.expect_tag(tag::INTEGER)?;
            x.finish()?;
            SignerIdentifier::IssuerAndSerial {
                issuer: issuer.raw.to_vec(),
                serial: serial.value.to_vec(),
            }
        }
        0x80 => SignerIdentifier::SubjectKeyId(sid_el.value.to_vec()),
        _ => {
            return Err(DerError {
                position: sid_el.position,
                reason: "unknown SignerIdentifier",
            }
            .into())
        }
    };
    let da = r.expect_tag(tag::SEQUENCE)?;
    let digest_algorithm = AlgorithmIdentifier::parse(&r, &da)?;
    let (signed_attrs, signed_attrs_der) = match r.optional(tag::context(0))? {
        Some(a) => {
            let attrs = parse_attributes(&r, &a)?;
            if attrs.is_empty() {
                return Err(CmsError::Malformed("empty signedAttrs"));
            }
            let mut der = a.raw.to_vec();
            if let Some(first) = der.first_mut() {
                *first = tag::SET;
            }
            (Some(attrs), Some(der))
        }
        None => (None, None),
    };
    let sa = r.expect_tag(tag::SEQUENCE)?;
    let signature_algorithm = AlgorithmIdentifier::parse(&r, &sa)?;
    let signature = r.expect_tag(tag::OCTET_STRING)?.value.to_vec();
    let unsigned_attrs = match r.optional(tag::context(1))? {
        Some(a) => parse_attributes(&r, &a)?,
        None => Vec::new(),
    };
    r.finish()?;
    Ok(SignerInfo {
        version,
        sid,
        digest_algorithm,
        signed_attrs,
        signed_attrs_der,
        signature_algorithm,
        signature,
        unsigned_attrs,
    })
}

/// The issuer Name DER and the serialNumber INTEGER contents of an X.509 certificate, read
/// from its tbsCertificate.
pub fn certificate_issuer_and_serial(cert_der: &[u8]) -> Result<(&[u8], &[u8]), CmsError> {
    let mut top = Reader::new(cert_der);
    let cert = top.expect_tag(tag::SEQUENCE)?;
    top.finish()?;
    let mut c = top.nested(&cert)?;
    let tbs = c.expect_tag(tag::SEQUENCE)?;
    let mut t = c.nested(&tbs)?;
    t.optional(tag::context(0))?;
    let serial = t.expect_tag(tag::INTEGER)?;
    if serial.value.is_empty() {
        return Err(CmsError::Malformed("empty certificate serial number"));
    }
    t.expect_tag(tag::SEQUENCE)?;
    let issuer = t.expect_tag(tag::SEQUENCE)?;
    Ok((issuer.raw, serial.value))
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
    if content_digest.len() != digest_algorithm.output_len() {
        return Err(CmsError::Malformed(
            "content digest length does not match the digest algorithm",
        ));
    }
    let (issuer, serial) = certificate_issuer_and_serial(signer_cert_der)?;
    let content_type = encode_attribute(oids::CONTENT_TYPE, &[&der::oid(oids::DATA)]);
    let message_digest =
        encode_attribute(oids::MESSAGE_DIGEST, &[&der::octet_string(content_digest)]);
    // SigningCertificateV2 { certs { ESSCertIDv2 { certHash, issuerSerial } } }, hashAlgorithm
    // omitted (DEFAULT id-sha256).
    let general_names = der::sequence(&[&der::encode(tag::context(4), issuer)]);
    let issuer_serial = der::sequence(&[&general_names, &der::encode(tag::INTEGER, serial)]);
    let cert_hash = der::octet_string(&DigestAlgorithm::Sha256.digest(signer_cert_der));
    let ess_cert_id = der::sequence(&[&cert_hash, &issuer_serial]);
    let signing_cert = der::sequence(&[&der::sequence(&[&ess_cert_id])]);
    let signing_cert_attr = encode_attribute(oids::SIGNING_CERTIFICATE_V2, &[&signing_cert]);
    let mut attrs = vec![content_type, message_digest, signing_cert_attr];
    if let Some(t) = signing_time {
        attrs.push(encode_attribute(oids::SIGNING_TIME, &[&der::utc_time(t)]));
    }
    let parts: Vec<&[u8]> = attrs.iter().map(Vec::as_slice).collect();
    Ok(der::set_of(&parts))
}

/// Checks that `input` is exactly one element with tag `expected`.
fn check_single(input: &[u8], expected: u8, what: &'static str) -> Result<(), CmsError> {
    match single(input) {
        Ok(e) if e.tag == expected => Ok(()),
        _ => Err(CmsError::Malformed(what)),
    }
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
    if scheme.digest() != digest_algorithm {
        return Err(CmsError::Unsupported(format!(
            "{} with digest algorithm {}",
            scheme.name(),
            digest_algorithm.name()
        )));
    }
    let (issuer, serial) = certificate_issuer_and_serial(signer_cert_der)?;
    check_single(
        signed_attrs_der,
        tag::SET,
        "signed attributes are not a DER SET",
    )?;
    for c in certificates {
        check_single(c, tag::SEQUENCE, "a certificate is not a DER SEQUENCE")?;
    }
    for a in unsigned_attrs {
        check_single(
            a,
            tag::SEQUENCE,
            "an unsigned attribute is not a DER SEQUENCE",
        )?;
    }
    let mut signed_attrs = signed_attrs_der.to_vec();
    if let Some(first) = signed_attrs.first_mut() {
        *first = tag::context(0);
    }
    let digest_alg = digest_algorithm.algorithm_identifier();
    let sid = der::sequence(&[issuer, &der::encode(tag::INTEGER, serial)]);
    let mut si_parts: Vec<Vec<u8>> = vec![
        der::integer(1),
        sid,
        digest_alg.clone(),
        signed_attrs,
        scheme.algorithm_identifier(),
        der::octet_string(signature),
    ];
    if !unsigned_attrs.is_empty() {
        let parts: Vec<&[u8]> = unsigned_attrs.iter().map(Vec::as_slice).collect();
        let mut set = der::set_of(&parts);
        if let Some(first) = set.first_mut() {
            *first = tag::context(1);
        }
        si_parts.push(set);
    }
    let si_refs: Vec<&[u8]> = si_parts.iter().map(Vec::as_slice).collect();
    let signer_info = der::sequence(&si_refs);

    let mut sd_parts: Vec<Vec<u8>> = vec![
        der::integer(1),
        der::set_of(&[&digest_alg]),
        der::sequence(&[&der::oid(oids::DATA)]),
    ];
    if !certificates.is_empty() {
        // Kept in the given order (signer first), as PDF validators expect.
        sd_parts.push(der::encode(tag::context(0), &certificates.concat()));
    }
    sd_parts.push(der::set_of(&[&signer_info]));
    let sd_refs: Vec<&[u8]> = sd_parts.iter().map(Vec::as_slice).collect();
    let signed_data = der::sequence(&sd_refs);
    Ok(der::sequence(&[
        &der::oid(oids::SIGNED_DATA),
        &der::encode(tag::context(0), &signed_data),
    ]))
}

/// Encodes one Attribute (type + SET OF values) from a dotted OID and value DERs.
pub fn encode_attribute(oid: &str, values: &[&[u8]]) -> Vec<u8> {
    der::sequence(&[&der::oid(oid), &der::set_of(values)])
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::der::{encode, integer, octet_string, oid, sequence, set_of};

    const SHA256_OID: &str = "2.16.840.1.101.3.4.2.1";

    fn alg(o: &str) -> Vec<u8> {
        sequence(&[&oid(o)])
    }

    /// A SignerInfo SEQUENCE with the given sid, signed and unsigned attributes (SETs).
    fn signer_info(sid: &[u8], signed: Option<&[u8]>, unsigned: Option<&[u8]>) -> Vec<u8> {
        let retag = |set: &[u8], t: u8| {
            let mut v = set.to_vec();
            v[0] = t;
            v
        };
        let mut parts = vec![integer(1), sid.to_vec(), alg(SHA256_OID)];
        if let Some(s) = signed {
            parts.push(retag(s, 0xA0));
        }
        parts.push(sequence(&[&oid("1.2.840.10045.4.3.2")]));
        parts.push(octet_string(&[1, 2, 3]));
        if let Some(u) = unsigned {
            parts.push(retag(u, 0xA1));
        }
        let refs: Vec<&[u8]> = parts.iter().map(Vec::as_slice).collect();
        sequence(&refs)
    }

    /// ContentInfo { signedData, SignedData { … } } from raw field encodings.
    fn content_info(encap: &[u8], extra: &[&[u8]], signer_infos: &[&[u8]]) -> Vec<u8> {
        let mut parts: Vec<&[u8]> = Vec::new();
        let v = integer(1);
        let algs = set_of(&[&alg(SHA256_OID)]);
        parts.push(&v);
        parts.push(&algs);
        parts.push(encap);
        parts.extend_from_slice(extra);
        let sis = set_of(signer_infos);
        parts.push(&sis);
        let sd = sequence(&parts);
        sequence(&[&oid(oids::SIGNED_DATA), &encode(0xA0, &sd)])
    }

    fn detached() -> Vec<u8> {
        sequence(&[&oid(oids::DATA)])
    }

    fn issuer_serial_sid() -> Vec<u8> {
        let name = sequence(&[&set_of(&[&sequence(&[
            &oid("2.5.4.3"),
            &encode(0x0C, b"CA"),
        ])])]);
        sequence(&[&name, &integer(0x1234)])
    }

    #[test]
    fn constructed_econtent_is_concatenated() {
        let segments = encode(
            0x24,
            &[
                octet_string(b"hello, "),
                encode(0x24, &octet_string(b"wor")),
                octet_string(b"ld"),
            ]
            .concat(),
        );
        let encap = sequence(&[&oid(oids::TST_INFO), &encode(0xA0, &segments)]);
        let der = content_info(&encap, &[], &[]);
        let sd = parse_signed_data(&der).unwrap();
        assert_eq!(sd.encap_content_type, oids::TST_INFO);
        assert_eq!(sd.encap_content.as_deref(), Some(&b"hello, world"[..]));
        assert!(sd.signer_infos.is_empty());
        // Primitive eContent.
        let encap = sequence(&[&oid(oids::TST_INFO), &encode(0xA0, &octet_string(b"x"))]);
        let sd = parse_signed_data(&content_info(&encap, &[], &[])).unwrap();
        assert_eq!(sd.encap_content.as_deref(), Some(&b"x"[..]));
        // A non-OCTET STRING segment, and eContent that is not an OCTET STRING, are errors.
        let bad = encode(0x24, &[octet_string(b"a"), integer(1)].concat());
        let encap = sequence(&[&oid(oids::TST_INFO), &encode(0xA0, &bad)]);
        assert!(parse_signed_data(&content_info(&encap, &[], &[])).is_err());
        let encap = sequence(&[&oid(oids::TST_INFO), &encode(0xA0, &integer(1))]);
        assert!(parse_signed_data(&content_info(&encap, &[], &[])).is_err());
    }

    #[test]
    fn indefinite_lengths_are_normalised_from_ber() {
        // NSS writes BER with indefinite lengths; the content comes out as if it were DER.
        let mut encap_inner = oid(oids::DATA);
        encap_inner.extend_from_slice(&[0xA0, 0x80, 0x24, 0x80, 0x04, 0x01, b'a', 0, 0, 0, 0]);
        let encap = encode(0x30, &encap_inner);
        let sd = parse_signed_data(&content_info(&encap, &[], &[])).unwrap();
        assert_eq!(sd.encap_content.as_deref(), Some(&b"a"[..]));
        // Unterminated indefinite lengths are still errors.
        let mut broken = oid(oids::DATA);
        broken.extend_from_slice(&[0xA0, 0x80, 0x04, 0x01, b'a']);
        assert!(parse_signed_data(&content_info(&encode(0x30, &broken), &[], &[])).is_err());
    }

    #[test]
    fn certificate_and_crl_choices() {
        let cert = sequence(&[&sequence(&[&integer(1)])]);
        let crl = sequence(&[&sequence(&[&integer(2)])]);
        let certs = encode(
            0xA0,
            &[cert.clone(), encode(0xA1, &[1]), encode(0xA3, &[2])].concat(),
        );
        let crls = encode(0xA1, &[crl.clone(), encode(0xA1, &[3])].concat());
        let sd = parse_signed_data(&content_info(&detached(), &[&certs, &crls], &[])).unwrap();
        assert_eq!(sd.certificates, vec![cert.clone()]);
        assert_eq!(sd.crls, vec![crl]);
        let bad = encode(0xA0, &integer(5));
        assert!(parse_signed_data(&content_info(&detached(), &[&bad], &[])).is_err());
    }

    #[test]
    fn signer_info_fields_and_attributes() {
        let digest = [7u8; 32];
        let ct = encode_attribute(oids::CONTENT_TYPE, &[&oid(oids::DATA)]);
        let md = encode_attribute(oids::MESSAGE_DIGEST, &[&octet_string(&digest)]);
        let st = encode_attribute(oids::SIGNING_TIME, &[&encode(0x18, b"20240229123456.5Z")]);
        // ESS v1 (SHA-1), with issuerSerial.
        let gn = sequence(&[&encode(0xA4, &[0x30, 0x00])]);
        let ess1 = sequence(&[&sequence(&[&sequence(&[
            &octet_string(&[9; 20]),
            &sequence(&[&gn, &integer(5)]),
        ])])]);
        let sc1 = encode_attribute(oids::SIGNING_CERTIFICATE, &[&ess1]);
        let signed = set_of(&[&ct, &md, &st, &sc1]);
        let ts = encode_attribute(oids::SIGNATURE_TIMESTAMP_TOKEN, &[&sequence(&[])]);
        let unsigned = set_of(&[&ts]);
        let si = signer_info(&issuer_serial_sid(), Some(&signed), Some(&unsigned));
        let der = content_info(&detached(), &[], &[&si]);
        let sd = parse_signed_data(&der).unwrap();
        let si = &sd.signer_infos[0];
        assert_eq!(si.version, 1);
        match &si.sid {
            SignerIdentifier::IssuerAndSerial { serial, .. } => assert_eq!(serial, &[0x12, 0x34]),
            other => panic!("{other:?}"),
        }
        assert_eq!(si.signed_attrs_der.as_deref(), Some(signed.as_slice()));
        assert_eq!(si.signed_attrs.as_ref().map(Vec::len), Some(4));
        assert_eq!(si.content_type().as_deref(), Some(oids::DATA));
        assert_eq!(si.message_digest(), Some(digest.to_vec()));
        assert_eq!(si.signing_time(), Some(1_709_210_096));
        assert_eq!(
            si.signed_attr(oids::MESSAGE_DIGEST),
            (Some(octet_string(&digest).as_slice()), 1)
        );
        assert_eq!(si.signed_attr("1.2.3"), (None, 0));
        let ess = si.signing_certificate().unwrap().unwrap();
        assert_eq!(
            ess,
            vec![EssCertId {
                hash_algorithm: DigestAlgorithm::Sha1,
                cert_hash: vec![9; 20],
                issuer_serial: Some((gn.clone(), vec![5])),
            }]
        );
        assert_eq!(si.timestamp_tokens(), vec![&[0x30, 0x00][..]]);
        assert_eq!(si.signature, vec![1, 2, 3]);
        assert_eq!(
            si.scheme(),
            Some(SignatureScheme::Ecdsa {
                digest: DigestAlgorithm::Sha256
            })
        );
    }

    #[test]
    fn ess_v2_preferred_and_defaults() {
        // v2 without hashAlgorithm (SHA-256 default) and without issuerSerial, plus policies;
        // a second ESSCertIDv2 with SHA-512.
        let id1 = sequence(&[&octet_string(&[1; 32])]);
        let id2 = sequence(&[&alg("2.16.840.1.101.3.4.2.3"), &octet_string(&[2; 64])]);
        let v2 = sequence(&[&sequence(&[&id1, &id2]), &sequence(&[])]);
        let v1 = sequence(&[&sequence(&[&sequence(&[&octet_string(&[9; 20])])])]);
        let signed = set_of(&[
            &encode_attribute(oids::SIGNING_CERTIFICATE_V2, &[&v2]),
            &encode_attribute(oids::SIGNING_CERTIFICATE, &[&v1]),
        ]);
        let si = signer_info(&encode(0x80, &[0xAB; 20]), Some(&signed), None);
        let sd = parse_signed_data(&content_info(&detached(), &[], &[&si])).unwrap();
        let si = &sd.signer_infos[0];
        assert_eq!(si.sid, SignerIdentifier::SubjectKeyId(vec![0xAB; 20]));
        let ess = si.signing_certificate().unwrap().unwrap();
        assert_eq!(ess.len(), 2);
        assert_eq!(
            (ess[0].hash_algorithm, ess[0].issuer_serial.clone()),
            (DigestAlgorithm::Sha256, None)
        );
        assert_eq!(
            (ess[1].hash_algorithm, ess[1].cert_hash.len()),
            (DigestAlgorithm::Sha512, 64)
        );
    }

    #[test]
    fn malformed_or_repeated_attributes() {
        let md = encode_attribute(
            oids::MESSAGE_DIGEST,
            &[&octet_string(&[1]), &octet_string(&[2])],
        );
        let ct = encode_attribute(oids::CONTENT_TYPE, &[&octet_string(b"not an OID")]);
        let st = encode_attribute(oids::SIGNING_TIME, &[&encode(0x17, b"991301000000Z")]);
        let sc = encode_attribute(
            oids::SIGNING_CERTIFICATE_V2,
            &[&sequence(&[&sequence(&[])])],
        );
        let ct2 = encode_attribute(oids::CONTENT_TYPE, &[]);
        let signed = set_of(&[&md, &ct, &ct2, &st, &sc]);
        let si = signer_info(&issuer_serial_sid(), Some(&signed), None);
        let sd = parse_signed_data(&content_info(&detached(), &[], &[&si])).unwrap();
        let si = &sd.signer_infos[0];
        assert_eq!(si.signed_attr(oids::MESSAGE_DIGEST).1, 2);
        assert_eq!(si.signed_attr(oids::CONTENT_TYPE).1, 2);
        assert_eq!(si.content_type(), None);
        assert_eq!(si.signing_time(), None);
        assert!(matches!(si.signing_certificate(), Some(Err(_))));
        // An ESSCertIDv2 with an unknown hash algorithm.
        let id = sequence(&[&alg("1.2.3.4"), &octet_string(&[0; 4])]);
        let sc = encode_attribute(
            oids::SIGNING_CERTIFICATE_V2,
            &[&sequence(&[&sequence(&[&id])])],
        );
        let si = signer_info(&issuer_serial_sid(), Some(&set_of(&[&sc])), None);
        let sd = parse_signed_data(&content_info(&detached(), &[], &[&si])).unwrap();
        assert!(matches!(
            sd.signer_infos[0].signing_certificate(),
            Some(Err(CmsError::Unsupported(_)))
        ));
        // No signed attributes at all.
        let si = signer_info(&issuer_serial_sid(), None, None);
        let sd = parse_signed_data(&content_info(&detached(), &[], &[&si])).unwrap();
        let si = &sd.signer_infos[0];
        assert_eq!(
            (si.signed_attrs.is_none(), si.signed_attrs_der.is_none()),
            (true, true)
        );
        assert!(si.signing_certificate().is_none());
        assert_eq!(si.message_digest(), None);
        // Empty signedAttrs are malformed.
        let si = signer_info(&issuer_serial_sid(), Some(&[0x31, 0x00]), None);
        assert!(parse_signed_data(&content_info(&detached(), &[], &[&si])).is_err());
    }

    #[test]
    fn signed_attrs_der_keeps_the_exact_input_bytes() {
        // A non-sorted (BER-ish) SET with a long-form length: kept exactly, only re-tagged.
        let ct = encode_attribute(oids::CONTENT_TYPE, &[&oid(oids::DATA)]);
        let md = encode_attribute(oids::MESSAGE_DIGEST, &[&octet_string(&[5; 32])]);
        let body = [md.clone(), ct.clone()].concat();
        let mut signed = vec![0x31, 0x81, body.len() as u8];
        signed.extend_from_slice(&body);
        let si = signer_info(&issuer_serial_sid(), Some(&signed), None);
        let sd = parse_signed_data(&content_info(&detached(), &[], &[&si])).unwrap();
        assert_eq!(
            sd.signer_infos[0].signed_attrs_der.as_deref(),
            Some(signed.as_slice())
        );
    }

    #[test]
    fn wrong_outer_structures() {
        let not_signed = sequence(&[&oid(oids::DATA), &encode(0xA0, &octet_string(b"x"))]);
        assert!(matches!(
            parse_signed_data(&not_signed),
            Err(CmsError::Unsupported(_))
        ));
        let der = content_info(&detached(), &[], &[]);
        let mut extra = der.clone();
        extra.extend_from_slice(&[0, 0, 0]);
        assert!(parse_signed_data(&extra).is_ok());
        extra.push(1);
        assert_eq!(
            parse_signed_data(&extra).unwrap_err().to_string(),
            format!(
                "malformed DER at byte {}: non-zero data after the ContentInfo",
                der.len() + 3
            )
        );
        assert!(parse_signed_data(&[]).is_err());
        assert!(parse_signed_data(&[0; 16]).is_err());
        let bad_sid = signer_info(&integer(1), None, None);
        assert!(parse_signed_data(&content_info(&detached(), &[], &[&bad_sid])).is_err());
    }

    #[test]
    fn algorithm_identifier_der() {
        let a = AlgorithmIdentifier::from_der(&sequence(&[&oid("1.2.840.113549.1.1.11"), &[5, 0]]))
            .unwrap();
        assert_eq!(a.oid, "1.2.840.113549.1.1.11");
        assert_eq!(a.params.as_deref(), Some(&[5u8, 0][..]));
        assert_eq!(AlgorithmIdentifier::from_der(&a.to_der()).unwrap(), a);
        assert!(
            AlgorithmIdentifier::from_der(&sequence(&[&oid("1.2"), &[5, 0], &[5, 0]])).is_err()
        );
        assert!(AlgorithmIdentifier::from_der(&sequence(&[&integer(1)])).is_err());
    }

    #[test]
    fn built_attributes_are_sorted_der() {
        // A minimal "certificate": SEQUENCE { tbs { [0] v3, serial, sigalg, issuer } }.
        let issuer = sequence(&[&set_of(&[&sequence(&[
            &oid("2.5.4.3"),
            &encode(0x0C, b"Root"),
        ])])]);
        let tbs = sequence(&[
            &encode(0xA0, &integer(2)),
            &integer(0x80),
            &alg("1.2.840.113549.1.1.11"),
            &issuer,
        ]);
        let cert = sequence(&[&tbs, &alg("1.2.840.113549.1.1.11"), &encode(0x03, &[0])]);
        assert_eq!(
            certificate_issuer_and_serial(&cert).unwrap(),
            (issuer.as_slice(), &[0x00, 0x80][..])
        );
        let attrs =
            build_signed_attributes(DigestAlgorithm::Sha256, &[3; 32], &cert, Some(0)).unwrap();
        let mut r = Reader::new(&attrs);
        let set = r.expect_tag(tag::SET).unwrap();
        r.finish().unwrap();
        let mut items = Vec::new();
        let mut inner = r.nested(&set).unwrap();
        while !inner.is_empty() {
            items.push(inner.read().unwrap().raw);
        }
        assert_eq!(items.len(), 4);
        assert!(
            items.windows(2).all(|w| w[0] <= w[1]),
            "SET OF must be sorted"
        );
        // Round trip through the parser.
        let si = signer_info(&issuer_serial_sid(), Some(&attrs), None);
        let sd = parse_signed_data(&content_info(&detached(), &[], &[&si])).unwrap();
        let si = &sd.signer_infos[0];
        assert_eq!(si.signing_time(), Some(0));
        assert_eq!(si.message_digest(), Some(vec![3; 32]));
        let ess = si.signing_certificate().unwrap().unwrap();
        assert_eq!(ess[0].cert_hash, DigestAlgorithm::Sha256.digest(&cert));
        assert_eq!(
            ess[0].issuer_serial,
            Some((sequence(&[&encode(0xA4, &issuer)]), vec![0x00, 0x80]))
        );
        // No signing time → three attributes.
        let attrs =
            build_signed_attributes(DigestAlgorithm::Sha256, &[3; 32], &cert, None).unwrap();
        let si = signer_info(&issuer_serial_sid(), Some(&attrs), None);
        let sd = parse_signed_data(&content_info(&detached(), &[], &[&si])).unwrap();
        assert_eq!(
            sd.signer_infos[0].signed_attrs.as_ref().map(Vec::len),
            Some(3)
        );
        assert_eq!(sd.signer_infos[0].signing_time(), None);
    }
}

//! OCSP (RFC 6960): building requests, parsing responses, and verifying them against the
//! certificate's issuer.
//!
//! kyso parses OCSP itself (with [`crate::der`]) rather than through the `openssl` crate's
//! `ocsp` module, because that API exposes neither the responder ID, `producedAt`, the nonce
//! extension nor the embedded certificates, and verifies chains only at the current time —
//! validation needs all of these, and at past times.

use crate::crypto::SchemeKeys as _;
use crate::crypto::{DigestAlgorithm, SignatureScheme};
use crate::der::{self, tag, DerError, Reader};
use crate::pki::Certificate;

use super::evidence::strip0;
use super::{RevocationError, Status};

/// id-pkix-ocsp-basic
pub(crate) const OCSP_BASIC: &str = "1.3.6.1.5.5.7.48.1.1";
/// id-pkix-ocsp-nonce
pub(crate) const OCSP_NONCE: &str = "1.3.6.1.5.5.7.48.1.2";
/// id-kp-OCSPSigning
pub(crate) const ID_KP_OCSP_SIGNING: &str = "1.3.6.1.5.5.7.3.9";
/// Media type of an OCSP request.
pub(crate) const CONTENT_TYPE_REQUEST: &str = "application/ocsp-request";

/// Which certificate a request or a single response is about (RFC 6960 §4.1.1).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CertId {
    /// Hash algorithm of the two hashes.
    pub hash_algorithm: DigestAlgorithm,
    /// Hash of the issuer's subject Name DER.
    pub issuer_name_hash: Vec<u8>,
    /// Hash of the issuer's public key (the subjectPublicKey BIT STRING contents).
    pub issuer_key_hash: Vec<u8>,
    /// The serial number contents, leading zeros stripped.
    pub serial: Vec<u8>,
}

/// The subjectPublicKey BIT STRING contents (without the unused-bits octet) of a certificate.
pub(crate) fn public_key_bits(cert: &Certificate) -> Option<Vec<u8>> {
    let spki = cert.public_key().public_key_to_der().ok()?;
    let mut top = Reader::new(&spki);
    let seq = top.expect_tag(tag::SEQUENCE).ok()?;
    let mut r = top.nested(&seq).ok()?;
    r.expect_tag(tag::SEQUENCE).ok()?;
    let bits = r.expect_tag(tag::BIT_STRING).ok()?;
    bits.value.get(1..).map(<[u8]>::to_vec)
}

impl CertId {
    /// The CertID of `cert` issued by `issuer`, with `alg`.
    pub fn new(alg: DigestAlgorithm, cert: &Certificate, issuer: &Certificate) -> Option<Self> {
        Some(CertId {
            hash_algorithm: alg,
            issuer_name_hash: alg.digest(issuer.subject_der()),
            issuer_key_hash: alg.digest(&public_key_bits(issuer)?),
            serial: strip0(cert.serial()),
        })
    }

    /// Whether this CertID designates `cert` issued by `issuer`.
    pub fn matches(&self, cert: &Certificate, issuer: &Certificate) -> bool {
        CertId::new(self.hash_algorithm, cert, issuer).is_some_and(|c| &c == self)
    }

    /// DER encoding.
    pub fn to_der(&self) -> Vec<u8> {
        let alg = der::sequence(&[
            &der::oid(self.hash_algorithm.oid()),
            &der::encode(tag::NULL, &[]),
        ]);
        der::sequence(&[
            &alg,
            &der::octet_string(&self.issuer_name_hash),
            &der::octet_string(&self.issuer_key_hash),
            &der::integer_from_unsigned(&self.serial),
        ])
    }

    fn parse(r: &mut Reader<'_>) -> Result<Self, RevocationError> {
        let e = r.expect_tag(tag::SEQUENCE)?;
        let mut c = r.nested(&e)?;
        let alg = c.expect_tag(tag::SEQUENCE)?;
        let mut a = c.nested(&alg)?;
        let oid = der::oid_to_string(a.expect_tag(tag::OID)?.value)?;
        let hash_algorithm = DigestAlgorithm::from_oid(&oid)
            .ok_or(RevocationError::Malformed("unknown CertID hash"))?;
        let issuer_name_hash = c.expect_tag(tag::OCTET_STRING)?.value.to_vec();
        let issuer_key_hash = c.expect_tag(tag::OCTET_STRING)?.value.to_vec();
        let serial = strip0(c.expect_tag(tag::INTEGER)?.value);
        Ok(CertId {
            hash_algorithm,
            issuer_name_hash,
            issuer_key_hash,
            serial,
        })
    }
}

/// Builds an OCSPRequest for one certificate (SHA-1 CertID, as RFC 5019 responders expect),
/// with a nonce extension when `nonce` is given.
pub(crate) fn build_request(id: &CertId, nonce: Option<&[u8]>) -> Vec<u8> {
    let request = der::sequence(&[&id.to_der()]);
    let list = der::sequence(&[&request]);
    let tbs = match nonce {
        Some(n) => {
            let ext = der::sequence(&[
                &der::oid(OCSP_NONCE),
                &der::octet_string(&der::octet_string(n)),
            ]);
            let exts = der::encode(tag::context(2), &der::sequence(&[&ext]));
            der::sequence(&[&list, &exts])
        }
        None => der::sequence(&[&list]),
    };
    der::sequence(&[&tbs])
}

/// How a response names its responder.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ResponderId {
    /// byName: the responder's subject Name DER.
    ByName(Vec<u8>),
    /// byKey: SHA-1 of the responder's public key bits.
    ByKey(Vec<u8>),
}

/// One SingleResponse.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SingleResponse {
    /// The certificate it is about.
    pub cert_id: CertId,
    /// good / revoked / unknown (`None`).
    pub status: Option<Status>,
    /// thisUpdate (Unix seconds).
    pub this_update: i64,
    /// nextUpdate, if given.
    pub next_update: Option<i64>,
}

/// A parsed, successful OCSP response (BasicOCSPResponse).
#[derive(Debug, Clone)]
pub struct OcspResponse {
    /// The OCSPResponse DER as received (trailing bytes removed).
    pub der: Vec<u8>,
    /// The responder.
    pub responder: ResponderId,
    /// producedAt (Unix seconds).
    pub produced_at: i64,
    /// The single responses.
    pub responses: Vec<SingleResponse>,
    /// The nonce extension's value, if present.
    pub nonce: Option<Vec<u8>>,
    /// DER of tbsResponseData (what is signed).
    pub tbs: Vec<u8>,
    /// signatureAlgorithm OID and parameters.
    pub signature_algorithm: (String, Option<Vec<u8>>),
    /// The signature bits.
    pub signature: Vec<u8>,
    /// Certificates in the response (DER each).
    pub certs: Vec<Vec<u8>>,
}

fn gtime(value: &[u8]) -> Result<i64, DerError> {
    der::parse_time(tag::GENERALIZED_TIME, value)
}

/// The CRLReason names (RFC 5280 §5.3.1).
pub(crate) fn reason_name(code: u64) -> &'static str {
    match code {
        0 => "unspecified",
        1 => "keyCompromise",
        2 => "cACompromise",
        3 => "affiliationChanged",
        4 => "superseded",
        5 => "cessationOfOperation",
        6 => "certificateHold",
        8 => "removeFromCRL",
        9 => "privilegeWithdrawn",
        10 => "aACompromise",
        _ => "unknown reason",
    }
}

/// The length of the first DER element (responses stored with padding).
fn first_element_len(data: &[u8]) -> Result<usize, DerError> {
    Ok(Reader::new(data).read()?.raw.len())
}

impl OcspResponse {
    /// Parses an OCSPResponse. Unsuccessful statuses (malformedRequest, tryLater, …) are
    /// `Err(Refused)`.
    ///
    /// # Errors
    /// Malformed, unsupported or unsuccessful responses.
    pub fn from_der(data: &[u8]) -> Result<Self, RevocationError> {
        let data = &data[..first_element_len(data)?];
        let mut top = Reader::new(data);
        let outer = top.expect_tag(tag::SEQUENCE)?;
        let mut r = top.nested(&outer)?;
        let status = der::parse_u64(r.expect_tag(tag::ENUMERATED)?.value)?;
        if status != 0 {
            let what = match status {
                1 => "malformedRequest",
                2 => "internalError",
                3 => "tryLater",
                5 => "sigRequired",
                6 => "unauthorized",
                _ => "unknown status",
            };
            return Err(RevocationError::Refused(format!(
                "OCSP responder answered {what} ({status})"
            )));
        }
        let rb = r.expect_tag(tag::context(0))?;
        let mut rb = r.nested(&rb)?;
        let rbs = rb.expect_tag(tag::SEQUENCE)?;
        let mut rbs = rb.nested(&rbs)?;
        let rtype = der::oid_to_string(rbs.expect_tag(tag::OID)?.value)?;
        if rtype != OCSP_BASIC {
            return Err(RevocationError::Malformed("not a basic OCSP response"));
        }
        let basic = rbs.expect_tag(tag::OCTET_STRING)?;
        let mut b0 = Reader::new(basic.value);
        let bseq = b0.expect_tag(tag::SEQUENCE)?;
        b0.finish()?;
        let mut b = b0.nested(&bseq)?;
        let tbs_el = b.expect_tag(tag::SEQUENCE)?;
        let alg = b.expect_tag(tag::SEQUENCE)?;
        let mut a = b.nested(&alg)?;
        let alg_oid = der::oid_to_string(a.expect_tag(tag::OID)?.value)?;
        let alg_params = if a.is_empty() {
            None
        } else {
            Some(a.read()?.raw.to_vec())
        };
        let sig = b.expect_tag(tag::BIT_STRING)?;
        let signature = match sig.value.split_first() {
            Some((0, rest)) => rest.to_vec(),
            _ => {
                return Err(RevocationError::Malformed(
                    "OCSP signature BIT STRING with unused bits",
                ))
            }
        };
        let mut certs = Vec::new();
        if let Some(c) = b.optional(tag::context(0))? {
            let mut c = b.nested(&c)?;
            let list = c.expect_tag(tag::SEQUENCE)?;
            let mut l = c.nested(&list)?;
            while !l.is_empty() {
                certs.push(l.read()?.raw.to_vec());
            }
        }

        // ResponseData
        let mut t = b.nested(&tbs_el)?;
        if let Some(v) = t.optional(tag::context(0))? {
            let mut v = t.nested(&v)?;
            if der::parse_u64(v.expect_tag(tag::INTEGER)?.value)? != 0 {
                return Err(RevocationError::Malformed(
                    "unsupported OCSP response version",
                ));
            }
        }
        let responder = match t.peek_tag() {
            Some(0xA1) => {
                let e = t.read()?;
                let mut n = t.nested(&e)?;
                ResponderId::ByName(n.expect_tag(tag::SEQUENCE)?.raw.to_vec())
            }
            Some(0xA2) => {
                let e = t.read()?;
                let mut n = t.nested(&e)?;
                ResponderId::ByKey(n.expect_tag(tag::OCTET_STRING)?.value.to_vec())
            }
            _ => return Err(RevocationError::Malformed("bad OCSP responder ID")),
        };
        let produced_at = gtime(t.expect_tag(tag::GENERALIZED_TIME)?.value)?;
        let list = t.expect_tag(tag::SEQUENCE)?;
        let mut l = t.nested(&list)?;
        let mut responses = Vec::new();
        while !l.is_empty() {
            let sr = l.expect_tag(tag::SEQUENCE)?;
            let mut s = l.nested(&sr)?;
            let cert_id = CertId::parse(&mut s)?;
            let st = s.read()?;
            let status = match st.tag {
                0x80 => Some(Status::Good),
                0xA1 => {
                    let mut ri = s.nested(&st)?;
                    let time = gtime(ri.expect_tag(tag::GENERALIZED_TIME)?.value)?;
                    let mut reason = None;
                    if let Some(re) = ri.optional(tag::context(0))? {
                        let mut re = ri.nested(&re)?;
                        reason = Some(der::parse_u64(re.expect_tag(tag::ENUMERATED)?.value)?);
                    }
                    Some(Status::Revoked { time, reason })
                }
                0x82 => None,
                _ => return Err(RevocationError::Malformed("bad OCSP certStatus")),
            };
            let this_update = gtime(s.expect_tag(tag::GENERALIZED_TIME)?.value)?;
            let mut next_update = None;
            if let Some(nu) = s.optional(tag::context(0))? {
                let mut nu = s.nested(&nu)?;
                next_update = Some(gtime(nu.expect_tag(tag::GENERALIZED_TIME)?.value)?);
            }
            responses.push(SingleResponse {
                cert_id,
                status,
                this_update,
                next_update,
            });
        }
        let mut nonce = None;
        if let Some(ext) = t.optional(tag::context(1))? {
            let mut ext = t.nested(&ext)?;
            let seq = ext.expect_tag(tag::SEQUENCE)?;
            let mut exts = ext.nested(&seq)?;
            while !exts.is_empty() {
                let e = exts.expect_tag(tag::SEQUENCE)?;
                let mut e = exts.nested(&e)?;
                let oid = der::oid_to_string(e.expect_tag(tag::OID)?.value)?;
                let critical = e.optional(tag::BOOLEAN)?.is_some_and(|b| b.value != [0]);
                let value = e.expect_tag(tag::OCTET_STRING)?.value;
                if oid == OCSP_NONCE {
                    // RFC 8954: an OCTET STRING; some responders put the raw bytes.
                    let mut v = Reader::new(value);
                    nonce = Some(match v.read() {
                        Ok(inner) if inner.tag == tag::OCTET_STRING && v.is_empty() => {
                            inner.value.to_vec()
                        }
                        _ => value.to_vec(),
                    });
                } else if critical {
                    return Err(RevocationError::Malformed(
                        "unknown critical OCSP response extension",
                    ));
                }
            }
        }
        Ok(OcspResponse {
            der: data.to_vec(),
            responder,
            produced_at,
            responses,
            nonce,
            tbs: tbs_el.raw.to_vec(),
            signature_algorithm: (alg_oid, alg_params),
            signature,
            certs,
        })
    }

    /// The single response about `cert` issued by `issuer`, if any.
    pub fn find(&self, cert: &Certificate, issuer: &Certificate) -> Option<&SingleResponse> {
        self.responses
            .iter()
            .find(|s| s.cert_id.matches(cert, issuer))
    }

    /// Whether `c` is the responder this response names.
    fn names(&self, c: &Certificate) -> bool {
        match &self.responder {
            ResponderId::ByName(n) => n.as_slice() == c.subject_der(),
            ResponderId::ByKey(h) => {
                public_key_bits(c).is_some_and(|bits| DigestAlgorithm::Sha1.digest(&bits) == *h)
            }
        }
    }

    /// Verifies the response for certificates issued by `issuer`: the signer is the issuer
    /// itself, or a delegated responder (from the response's certificates or `extra`) issued
    /// by `issuer` with the id-kp-OCSPSigning extended key usage and valid at `producedAt`;
    /// and the signature verifies. Returns the responder certificate.
    ///
    /// # Errors
    /// `Unauthorized` or `BadSignature` with the reason.
    pub fn verify(
        &self,
        issuer: &Certificate,
        extra: &[Certificate],
    ) -> Result<Certificate, RevocationError> {
        let responder = if self.names(issuer) {
            issuer.clone()
        } else {
            let mut candidates: Vec<Certificate> = self
                .certs
                .iter()
                .filter_map(|d| Certificate::from_der(d).ok())
                .collect();
            candidates.extend(extra.iter().cloned());
            let named: Vec<Certificate> =
                candidates.into_iter().filter(|c| self.names(c)).collect();
            if named.is_empty() {
                return Err(RevocationError::Unauthorized(
                    "the OCSP responder's certificate is not available".into(),
                ));
            }
            let mut last = String::new();
            let mut found = None;
            for c in named {
                if c.issuer_der() != issuer.subject_der() || !c.is_signed_by(issuer) {
                    last = format!(
                        "the OCSP responder {} is not certified by the issuer {}",
                        c.subject(),
                        issuer.subject()
                    );
                } else if !c
                    .extended_key_usage()
                    .is_some_and(|e| e.iter().any(|o| o == ID_KP_OCSP_SIGNING))
                {
                    last = format!(
                        "the OCSP responder {} lacks the id-kp-OCSPSigning extended key usage",
                        c.subject()
                    );
                } else if !c.is_valid_at(self.produced_at) {
                    last = format!("the OCSP responder certificate {} was not valid when the response was produced", c.subject());
                } else {
                    found = Some(c);
                    break;
                }
            }
            found.ok_or(RevocationError::Unauthorized(last))?
        };
        let (oid, params) = &self.signature_algorithm;
        let scheme =
            SignatureScheme::from_algorithm(oid, params.as_deref(), None).ok_or_else(|| {
                RevocationError::BadSignature(format!("unknown OCSP signature algorithm {oid}"))
            })?;
        match scheme.verify(responder.public_key(), &self.tbs, &self.signature) {
            Ok(true) => Ok(responder),
            Ok(false) => Err(RevocationError::BadSignature(
                "the OCSP response's signature does not verify".into(),
            )),
            Err(_) => Err(RevocationError::BadSignature(
                "the OCSP signature algorithm does not fit the responder's key".into(),
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unsuccessful_and_malformed_responses_are_errors() {
        // OCSPResponse { responseStatus tryLater }
        let try_later = der::sequence(&[&der::encode(tag::ENUMERATED, &[3])]);
        assert!(matches!(
            OcspResponse::from_der(&try_later),
            Err(RevocationError::Refused(_))
        ));
        for junk in [
            &b""[..],
            b"\x30\x00",
            b"\x30\x03\x0A\x01\x00",
            &[0x30, 0x82, 0xFF, 0xFF],
            &[0xA0; 64],
        ] {
            assert!(OcspResponse::from_der(junk).is_err());
        }
    }

    #[test]
    fn request_shape() {
        let id = CertId {
            hash_algorithm: DigestAlgorithm::Sha1,
            issuer_name_hash: vec![1; 20],
            issuer_key_hash: vec![2; 20],
            serial: vec![0x05],
        };
        let req = build_request(&id, Some(&[9; 16]));
        let mut top = Reader::new(&req);
        let s = top.expect_tag(tag::SEQUENCE).unwrap();
        let mut r = top.nested(&s).unwrap();
        let tbs = r.expect_tag(tag::SEQUENCE).unwrap();
        let mut t = r.nested(&tbs).unwrap();
        let list = t.expect_tag(tag::SEQUENCE).unwrap();
        let mut l = t.nested(&list).unwrap();
        let one = l.expect_tag(tag::SEQUENCE).unwrap();
        let mut o = l.nested(&one).unwrap();
        assert_eq!(CertId::parse(&mut o).unwrap(), id);
        t.expect_tag(tag::context(2)).unwrap();
        t.finish().unwrap();
    }
}

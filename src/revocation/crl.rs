//! Certificate revocation lists (RFC 5280 §5): parsing, scope and signature checks, lookup.
//!
//! Only complete, direct CRLs are used: a CRL with a delta-CRL indicator, an indirect CRL,
//! a CRL limited to some revocation reasons, or one with an unknown critical extension is
//! parsed but never taken as evidence (it cannot prove a certificate good).

use crate::crypto::SchemeKeys as _;
use crate::crypto::SignatureScheme;
use crate::der::{self, tag, DerError, Reader};
use crate::pki::Certificate;

use super::evidence::strip0;
use super::{RevocationError, Status};

const EXT_CRL_NUMBER: &str = "2.5.29.20";
const EXT_DELTA_CRL_INDICATOR: &str = "2.5.29.27";
const EXT_ISSUING_DISTRIBUTION_POINT: &str = "2.5.29.28";
const EXT_AUTHORITY_KEY_ID: &str = "2.5.29.35";
const EXT_REASON_CODE: &str = "2.5.29.21";
const EXT_INVALIDITY_DATE: &str = "2.5.29.24";
const EXT_CERTIFICATE_ISSUER: &str = "2.5.29.29";

/// A parsed CRL.
#[derive(Debug, Clone)]
pub struct Crl {
    /// The DER as received (trailing bytes removed).
    pub der: Vec<u8>,
    /// The issuer Name DER.
    pub issuer: Vec<u8>,
    /// thisUpdate (Unix seconds).
    pub this_update: i64,
    /// nextUpdate, if given.
    pub next_update: Option<i64>,
    /// Revoked serials (leading zeros stripped) with time and reason, sorted by serial.
    revoked: Vec<(Vec<u8>, i64, Option<u64>)>,
    /// Why the CRL cannot serve as evidence, if it cannot.
    pub unusable: Option<&'static str>,
    /// IDP onlyContainsUserCerts / onlyContainsCACerts.
    only_user: bool,
    only_ca: bool,
    tbs: Vec<u8>,
    signature_algorithm: (String, Option<Vec<u8>>),
    signature: Vec<u8>,
}

fn time(r: &mut Reader<'_>) -> Result<i64, DerError> {
    let e = r.read()?;
    if e.tag != tag::UTC_TIME && e.tag != tag::GENERALIZED_TIME {
        return Err(DerError {
            position: e.position,
            reason: "expected a time",
        });
    }
    der::parse_time(e.tag, e.value)
}

fn is_time(t: Option<u8>) -> bool {
    matches!(t, Some(tag::UTC_TIME | tag::GENERALIZED_TIME))
}

/// One extension: OID, critical flag, extnValue contents.
type Extension<'a> = (String, bool, &'a [u8]);

/// Reads Extensions (SEQUENCE OF Extension) into (oid, critical, value) triples.
fn extensions<'a>(r: &Reader<'a>, seq: &der::Element<'a>) -> Result<Vec<Extension<'a>>, DerError> {
    let mut l = r.nested(seq)?;
    let mut out = Vec::new();
    while !l.is_empty() {
        let e = l.expect_tag(tag::SEQUENCE)?;
        let mut e = l.nested(&e)?;
        let oid = der::oid_to_string(e.expect_tag(tag::OID)?.value)?;
        let critical = e.optional(tag::BOOLEAN)?.is_some_and(|b| b.value != [0]);
        let value = e.expect_tag(tag::OCTET_STRING)?.value;
        out.push((oid, critical, value));
    }
    Ok(out)
}

impl Crl {
    /// Parses a CRL (DER; PEM is accepted too).
    ///
    /// # Errors
    /// Malformed input.
    pub fn from_der(data: &[u8]) -> Result<Self, RevocationError> {
        let owned;
        let data = if data.starts_with(b"-----BEGIN") {
            owned = pem_body(data).ok_or(RevocationError::Malformed("bad PEM CRL"))?;
            &owned[..]
        } else {
            data
        };
        let mut top = Reader::new(data);
        let outer = top.expect_tag(tag::SEQUENCE)?;
        let der_bytes = outer.raw.to_vec();
        let mut r = top.nested(&outer)?;
        let tbs_el = r.expect_tag(tag::SEQUENCE)?;
        let alg = r.expect_tag(tag::SEQUENCE)?;
        let mut a = r.nested(&alg)?;
        let alg_oid = der::oid_to_string(a.expect_tag(tag::OID)?.value)?;
        let alg_params = if a.is_empty() {
            None
        } else {
            Some(a.read()?.raw.to_vec())
        };
        let sig = r.expect_tag(tag::BIT_STRING)?;
        let signature = match sig.value.split_first() {
            Some((0, rest)) => rest.to_vec(),
            _ => {
                return Err(RevocationError::Malformed(
                    "CRL signature BIT STRING with unused bits",
                ))
            }
        };

        let mut t = r.nested(&tbs_el)?;
        let _version = t.optional(tag::INTEGER)?;
        t.expect_tag(tag::SEQUENCE)?; // signature algorithm (repeated)
        let issuer = t.expect_tag(tag::SEQUENCE)?.raw.to_vec();
        let this_update = time(&mut t)?;
        let next_update = if is_time(t.peek_tag()) {
            Some(time(&mut t)?)
        } else {
            None
        };
        let mut unusable = None;
        let mut revoked = Vec::new();
        if let Some(list) = t.optional(tag::SEQUENCE)? {
            let mut l = t.nested(&list)?;
            while !l.is_empty() {
                let e = l.expect_tag(tag::SEQUENCE)?;
                let mut e = l.nested(&e)?;
                let serial = strip0(e.expect_tag(tag::INTEGER)?.value);
                let when = time(&mut e)?;
                let mut reason = None;
                if let Some(x) = e.optional(tag::SEQUENCE)? {
                    for (oid, critical, value) in extensions(&e, &x)? {
                        match oid.as_str() {
                            EXT_REASON_CODE => {
                                let mut v = Reader::new(value);
                                reason = Some(der::parse_u64(v.expect_tag(tag::ENUMERATED)?.value)?);
                            }
                            EXT_INVALIDITY_DATE => {}
                            EXT_CERTIFICATE_ISSUER => {
                                unusable = Some("an indirect CRL (certificateIssuer entries)")
                            }
                            _ if critical => {
                                unusable = Some("an unknown critical CRL entry extension")
                            }
                            _ => {}
                        }
                    }
                }
                revoked.push((serial, when, reason));
            }
        }
        let (mut only_user, mut only_ca) = (false, false);
        if let Some(x) = t.optional(tag::context(0))? {
            let mut x = t.nested(&x)?;
            let seq = x.expect_tag(tag::SEQUENCE)?;
            for (oid, critical, value) in extensions(&x, &seq)? {
                match oid.as_str() {
                    EXT_CRL_NUMBER | EXT_AUTHORITY_KEY_ID => {}
                    EXT_DELTA_CRL_INDICATOR => unusable = Some("a delta CRL"),
                    EXT_ISSUING_DISTRIBUTION_POINT => {
                        let mut v = Reader::new(value);
                        let idp = v.expect_tag(tag::SEQUENCE)?;
                        let mut f = v.nested(&idp)?;
                        while !f.is_empty() {
                            let e = f.read()?;
                            let on = e.value.first().is_some_and(|&b| b != 0);
                            match e.tag {
                                0xA0 => {} // distributionPoint
                                0x81 => only_user = on,
                                0x82 => only_ca = on,
                                0xA3 | 0x83 => {
                                    unusable = Some("a CRL limited to some revocation reasons")
                                }
                                0x84 if on => unusable = Some("an indirect CRL"),
                                0x85 if on => unusable = Some("an attribute-certificate CRL"),
                                _ => {}
                            }
                        }
                    }
                    _ if critical => unusable = Some("a CRL with an unknown critical extension"),
                    _ => {}
                }
            }
        }
        revoked.sort();
        Ok(Crl {
            der: der_bytes,
            issuer,
            this_update,
            next_update,
            revoked,
            unusable,
            only_user,
            only_ca,
            tbs: tbs_el.raw.to_vec(),
            signature_algorithm: (alg_oid, alg_params),
            signature,
        })
    }

    /// Whether the CRL is in scope for `cert` issued by `issuer` (same issuer name, a complete
    /// direct CRL, user/CA scope matching).
    pub(crate) fn covers(&self, cert: &Certificate, issuer: &Certificate) -> bool {
        let is_ca = cert.basic_constraints().is_some_and(|(ca, _)| ca);
        self.unusable.is_none()
            && self.issuer == cert.issuer_der()
            && issuer.subject_der() == self.issuer
            && !(self.only_user && is_ca)
            && (!self.only_ca || is_ca)
    }

    /// The status of `cert` according to this CRL (check [`Crl::covers`] and
    /// [`Crl::verify`] first).
    pub fn status_of(&self, cert: &Certificate) -> Status {
        let serial = strip0(cert.serial());
        match self
            .revoked
            .binary_search_by(|(s, _, _)| s.as_slice().cmp(serial.as_slice()))
        {
            Ok(i) => Status::Revoked {
                time: self.revoked[i].1,
                reason: self.revoked[i].2,
            },
            Err(_) => Status::Good,
        }
    }

    /// Verifies the CRL's signature with `issuer`'s key (and that `issuer` may sign CRLs).
    ///
    /// # Errors
    /// `Unauthorized` or `BadSignature`.
    pub fn verify(&self, issuer: &Certificate) -> Result<(), RevocationError> {
        if issuer.subject_der() != self.issuer {
            return Err(RevocationError::Unauthorized(
                "the CRL was issued by another CA".into(),
            ));
        }
        if issuer.key_usage().is_some_and(|ku| !ku.crl_sign) {
            return Err(RevocationError::Unauthorized(format!(
                "{} may not sign CRLs (no cRLSign key usage)",
                issuer.subject()
            )));
        }
        let (oid, params) = &self.signature_algorithm;
        let scheme =
            SignatureScheme::from_algorithm(oid, params.as_deref(), None).ok_or_else(|| {
                RevocationError::BadSignature(format!("unknown CRL signature algorithm {oid}"))
            })?;
        match scheme.verify(issuer.public_key(), &self.tbs, &self.signature) {
            Ok(true) => Ok(()),
            Ok(false) => Err(RevocationError::BadSignature(
                "the CRL's signature does not verify".into(),
            )),
            Err(_) => Err(RevocationError::BadSignature(
                "the CRL signature algorithm does not fit the issuer's key".into(),
            )),
        }
    }
}

/// The DER inside a PEM block.
fn pem_body(pem: &[u8]) -> Option<Vec<u8>> {
    use base64::Engine as _;
    let text = std::str::from_utf8(pem).ok()?;
    let b64: String = text
        .lines()
        .filter(|l| !l.starts_with("-----"))
        .collect::<Vec<_>>()
        .concat();
    base64::engine::general_purpose::STANDARD
        .decode(b64.trim())
        .ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn malformed_crls_are_errors() {
        for junk in [
            &b""[..],
            b"\x30\x00",
            b"\x30\x03\x30\x01\x02",
            &[0x30, 0x84, 0xFF, 0xFF, 0xFF, 0xFF],
            b"-----BEGIN X509 CRL-----\n!!\n",
        ] {
            assert!(Crl::from_der(junk).is_err());
        }
    }
}

//! RFC 3161 time-stamps: the request and response types, the time-stamp token (a CMS
//! SignedData whose eContent is a `TSTInfo`), its verification, and a client that asks a
//! time-stamp authority over HTTP.
//!
//! Verification here is what a token proves by itself: the TSA's signature over the signed
//! attributes, the message digest of the `TSTInfo`, the ESS binding to the TSA certificate,
//! and that certificate's critical `id-kp-timeStamping` extended key usage (RFC 3161 §2.3).
//! Whether the TSA is trusted *at a given time* (path to an anchor, validity, revocation) is
//! the validator's business, because it depends on proofs of existence elsewhere in the
//! document. [`TsaClient`] additionally checks what the signer needs at signing time: the
//! response status, the imprint, the nonce, and (when given trust anchors) the TSA's chain.

use std::sync::{Arc, Mutex};

use crate::crypto::SchemeKeys as _;
use crate::cms::{self, SignedData, SignerIdentifier, SignerInfo};
use crate::crypto::{oids, DigestAlgorithm};
use crate::der::{self, tag, DerError, Reader};
#[cfg(feature = "online")]
use crate::net::HttpClient;
use crate::net::{HttpTransport, NetError};
use crate::pki::{Certificate, TrustStore};

/// id-kp-timeStamping
pub(crate) const ID_KP_TIME_STAMPING: &str = "1.3.6.1.5.5.7.3.8";
/// Extended key usage extension.
const EXT_KEY_USAGE: &str = "2.5.29.37";
/// Media type of a time-stamp request.
pub(crate) const CONTENT_TYPE_QUERY: &str = "application/timestamp-query";
/// Bytes added to a probed token size when reserving room for a token.
pub(crate) const TOKEN_SIZE_MARGIN: usize = 96;
/// Largest time-stamp response accepted (tokens are a few KiB; chains rarely exceed 64 KiB).
pub(crate) const MAX_RESPONSE: usize = 1 << 20;
/// Time allowed to one time-stamp request by [`TsaClient::new`]: generous, as Vietnamese
/// TSAs can take tens of seconds to answer.
pub const DEFAULT_TSA_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(60);

/// Errors of time-stamping and of time-stamp token verification.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum TspError {
    /// Talking to the TSA failed.
    #[error("time-stamp authority: {0}")]
    Net(#[from] NetError),
    /// Malformed DER.
    #[error("malformed time-stamp data: {0}")]
    Der(#[from] DerError),
    /// The token's CMS is malformed.
    #[error("malformed time-stamp token: {0}")]
    Cms(#[from] cms::CmsError),
    /// Well-formed DER that is not the expected structure.
    #[error("malformed time-stamp data: {0}")]
    Malformed(&'static str),
    /// The TSA refused the request.
    #[error("the time-stamp authority refused the request (status {status}{})", text.as_ref().map(|t| format!(": {t}")).unwrap_or_default())]
    Rejected {
        /// PKIStatus (2 = rejection, 3 = waiting, 4 = revocationWarning, 5 = revocationNotification).
        status: u64,
        /// The status text, if any.
        text: Option<String>,
    },
    /// The token does not match the request (imprint, nonce, algorithm).
    #[error("the time-stamp token does not match the request: {0}")]
    Mismatch(&'static str),
    /// The token's signature or its binding to the TSA certificate is wrong.
    #[error("the time-stamp token is not valid: {0}")]
    Invalid(String),
    /// The TSA's certificate does not chain to a trust anchor or is not usable.
    #[error("the time-stamp authority is not trusted: {0}")]
    Untrusted(String),
}

/// The content of a time-stamp token (RFC 3161 §2.4.2).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TstInfo {
    /// The TSA policy OID, dotted.
    pub policy: String,
    /// Hash algorithm of the message imprint.
    pub imprint_algorithm: DigestAlgorithm,
    /// The hashed message.
    pub imprint: Vec<u8>,
    /// Serial number contents octets.
    pub serial: Vec<u8>,
    /// genTime, Unix seconds (fractions dropped).
    pub gen_time: i64,
    /// Accuracy in milliseconds, if given.
    pub accuracy_ms: Option<u64>,
    /// The nonce contents octets (leading zeros stripped), if any.
    pub nonce: Option<Vec<u8>>,
}

/// A parsed time-stamp token.
#[derive(Debug, Clone)]
pub struct TimeStampToken {
    /// The ContentInfo DER.
    pub der: Vec<u8>,
    /// The SignedData.
    pub signed: SignedData,
    /// The TSTInfo.
    pub info: TstInfo,
}

/// Strips leading zero octets of an INTEGER's contents (for comparisons).
fn strip0(b: &[u8]) -> &[u8] {
    let i = b
        .iter()
        .position(|&x| x != 0)
        .unwrap_or(b.len().saturating_sub(1));
    &b[i..]
}

/// Reads an AlgorithmIdentifier, returning the OID.
fn read_algorithm(r: &mut Reader<'_>) -> Result<String, TspError> {
    let alg = r.expect_tag(tag::SEQUENCE)?;
    let mut a = r.nested(&alg)?;
    let oid = a.expect_tag(tag::OID)?;
    Ok(der::oid_to_string(oid.value)?)
}

impl TstInfo {
    /// Parses TSTInfo DER.
    ///
    /// # Errors
    /// Malformed or unsupported content.
    pub fn from_der(data: &[u8]) -> Result<Self, TspError> {
        let mut top = Reader::new(data);
        let seq = top.expect_tag(tag::SEQUENCE)?;
        top.finish()?;
        let mut r = top.nested(&seq)?;
        let version = der::parse_u64(r.expect_tag(tag::INTEGER)?.value)?;
        if version != 1 {
            return Err(TspError::Malformed("TSTInfo version is not 1"));
        }
        let policy = der::oid_to_string(r.expect_tag(tag::OID)?.value)?;
        let mi = r.expect_tag(tag::SEQUENCE)?;
        let mut m = r.nested(&mi)?;
        let alg = read_algorithm(&mut m)?;
        let imprint_algorithm = DigestAlgorithm::from_oid(&alg)
            .ok_or(TspError::Malformed("unknown imprint hash algorithm"))?;
        let imprint = m.expect_tag(tag::OCTET_STRING)?.value.to_vec();
        m.finish()?;
        let serial = r.expect_tag(tag::INTEGER)?.value.to_vec();
        let gt = r.expect_tag(tag::GENERALIZED_TIME)?;
        let gen_time = der::parse_time(tag::GENERALIZED_TIME, gt.value)?;
        let mut accuracy_ms = None;
        if let Some(acc) = r.optional(tag::SEQUENCE)? {
            let mut a = r.nested(&acc)?;
            let mut ms = 0u64;
            if let Some(s) = a.optional(tag::INTEGER)? {
                ms = ms.saturating_add(der::parse_u64(s.value)?.saturating_mul(1000));
            }
            if let Some(m) = a.optional(tag::context_primitive(0))? {
                ms = ms.saturating_add(der::parse_u64(m.value)?);
            }
            if let Some(u) = a.optional(tag::context_primitive(1))? {
                ms = ms.saturating_add(der::parse_u64(u.value)?.div_ceil(1000));
            }
            accuracy_ms = Some(ms);
        }
        let _ordering = r.optional(tag::BOOLEAN)?;
        let nonce = r.optional(tag::INTEGER)?.map(|n| strip0(n.value).to_vec());
        // tsa [0] GeneralName and extensions [1] are not needed.
        Ok(TstInfo {
            policy,
            imprint_algorithm,
            imprint,
            serial,
            gen_time,
            accuracy_ms,
            nonce,
        })
    }
}

impl TimeStampToken {
    /// Parses a time-stamp token (a ContentInfo with SignedData over a TSTInfo).
    ///
    /// # Errors
    /// Malformed CMS or TSTInfo.
    pub fn from_der(der: &[u8]) -> Result<Self, TspError> {
        let signed = cms::parse_signed_data(der)?;
        if signed.encap_content_type != oids::TST_INFO {
            return Err(TspError::Malformed(
                "the token's content type is not id-ct-TSTInfo",
            ));
        }
        let content = signed
            .encap_content
            .as_deref()
            .ok_or(TspError::Malformed("the token has no TSTInfo"))?;
        let info = TstInfo::from_der(content)?;
        let end = der_length(der).unwrap_or(der.len());
        Ok(TimeStampToken {
            der: der[..end].to_vec(),
            signed,
            info,
        })
    }

    /// The one SignerInfo of the token.
    ///
    /// # Errors
    /// `Invalid` unless there is exactly one.
    pub fn signer_info(&self) -> Result<&SignerInfo, TspError> {
        match self.signed.signer_infos.as_slice() {
            [si] => Ok(si),
            _ => Err(TspError::Invalid(
                "a time-stamp token has exactly one SignerInfo".into(),
            )),
        }
    }

    /// The certificates the token carries (unparsable ones are skipped).
    pub fn certificates(&self) -> Vec<Certificate> {
        self.signed
            .certificates
            .iter()
            .filter_map(|d| Certificate::from_der(d).ok())
            .collect()
    }

    /// Whether the imprint is `digest` computed with `alg`.
    pub fn matches_imprint(&self, alg: DigestAlgorithm, digest: &[u8]) -> bool {
        self.info.imprint_algorithm == alg && self.info.imprint == digest
    }

    /// Whether the imprint is the digest of `data` (with the token's own imprint algorithm).
    pub fn imprint_covers(&self, data: &[u8]) -> bool {
        self.info.imprint == self.info.imprint_algorithm.digest(data)
    }

    /// Verifies what the token proves by itself, returning the TSA certificate: one
    /// SignerInfo with signed attributes whose content-type is id-ct-TSTInfo and whose
    /// message-digest is the TSTInfo's digest, an ESS signing-certificate(-v2) attribute
    /// naming the TSA certificate (found among the token's certificates or `extra`), the
    /// signature value, and the TSA certificate's sole, critical `id-kp-timeStamping` EKU.
    ///
    /// # Errors
    /// `Invalid` with the reason.
    pub fn verify(&self, extra: &[Certificate]) -> Result<Certificate, TspError> {
        let invalid = |m: &str| TspError::Invalid(m.to_string());
        let si = self.signer_info()?;
        let digest = si
            .digest()
            .ok_or_else(|| invalid("unknown digest algorithm in the token"))?;
        let scheme = si
            .scheme()
            .ok_or_else(|| invalid("unknown signature algorithm in the token"))?;
        let attrs = si
            .signed_attrs_der
            .as_deref()
            .ok_or_else(|| invalid("the token has no signed attributes"))?;
        if si.content_type().as_deref() != Some(oids::TST_INFO) {
            return Err(invalid(
                "the token's content-type attribute is not id-ct-TSTInfo",
            ));
        }
        let content = self.signed.encap_content.as_deref().unwrap_or_default();
        if si.message_digest().as_deref() != Some(digest.digest(content).as_slice()) {
            return Err(invalid(
                "the token's message digest does not match its TSTInfo",
            ));
        }
        let mut pool = self.certificates();
        pool.extend(extra.iter().cloned());
        let tsa = pool
            .into_iter()
            .find(|c| match &si.sid {
                SignerIdentifier::IssuerAndSerial { issuer, serial } => {
                    c.matches_issuer_serial(issuer, serial)
                }
                SignerIdentifier::SubjectKeyId(k) => c.subject_key_id() == Some(k.as_slice()),
            })
            .ok_or_else(|| invalid("the TSA certificate is not in the token"))?;
        match si.signing_certificate() {
            Some(Ok(ids)) => {
                let id = ids
                    .first()
                    .ok_or_else(|| invalid("empty signing-certificate attribute"))?;
                if id.hash_algorithm.digest(tsa.der()) != id.cert_hash {
                    return Err(invalid("the signing-certificate attribute names another certificate than the TSA's"));
                }
                if let Some((_, serial)) = &id.issuer_serial {
                    if strip0(serial) != strip0(tsa.serial()) {
                        return Err(invalid(
                            "the signing-certificate attribute's serial number is not the TSA's",
                        ));
                    }
                }
            }
            Some(Err(e)) => {
                return Err(TspError::Invalid(format!(
                    "malformed signing-certificate attribute: {e}"
                )))
            }
            None => {
                return Err(invalid(
                    "the token has no signing-certificate attribute (RFC 3161 §2.4.2 requires one)",
                ))
            }
        }
        match scheme.verify(tsa.public_key(), attrs, &si.signature) {
            Ok(true) => {}
            Ok(false) => return Err(invalid("the TSA's signature does not verify")),
            Err(_) => {
                return Err(invalid(
                    "the TSA's signature algorithm does not fit its key",
                ))
            }
        }
        check_tsa_certificate(&tsa).map_err(TspError::Invalid)?;
        Ok(tsa)
    }
}

/// The length of the first DER element in `der` (tokens padded inside `/Contents`).
fn der_length(der: &[u8]) -> Option<usize> {
    let mut r = Reader::new(der);
    r.read().ok().map(|e| e.raw.len())
}

/// RFC 3161 §2.3: the TSA certificate has exactly one extended key usage, id-kp-timeStamping,
/// in a critical extension.
///
/// # Errors
/// The reason, when it does not.
pub(crate) fn check_tsa_certificate(cert: &Certificate) -> Result<(), String> {
    let (_, x) = x509_parser::parse_x509_certificate(cert.der())
        .map_err(|e| format!("unparsable TSA certificate: {e}"))?;
    let ekus: Vec<_> = x
        .extensions()
        .iter()
        .filter(|e| e.oid.to_id_string() == EXT_KEY_USAGE)
        .collect();
    match ekus.as_slice() {
        [] => Err(format!(
            "the TSA certificate {} has no extended key usage",
            cert.subject()
        )),
        [e] if !e.critical => Err(format!(
            "the TSA certificate {}'s extended key usage is not critical",
            cert.subject()
        )),
        [_] => match cert.extended_key_usage() {
            Some([only]) if only == ID_KP_TIME_STAMPING => Ok(()),
            _ => Err(format!(
                "the TSA certificate {}'s extended key usage is not exactly id-kp-timeStamping",
                cert.subject()
            )),
        },
        _ => Err("the TSA certificate has more than one extended key usage extension".into()),
    }
}

/// Builds a TimeStampReq (RFC 3161 §2.4.1) with `certReq` true.
pub(crate) fn build_request(
    alg: DigestAlgorithm,
    digest: &[u8],
    policy: Option<&str>,
    nonce: Option<&[u8]>,
) -> Vec<u8> {
    let alg_id = der::sequence(&[&der::oid(alg.oid()), &der::encode(tag::NULL, &[])]);
    let imprint = der::sequence(&[&alg_id, &der::octet_string(digest)]);
    let mut parts = vec![der::integer(1), imprint];
    if let Some(p) = policy {
        parts.push(der::oid(p));
    }
    if let Some(n) = nonce {
        parts.push(der::integer_from_unsigned(n));
    }
    parts.push(der::encode(tag::BOOLEAN, &[0xFF]));
    let refs: Vec<&[u8]> = parts.iter().map(Vec::as_slice).collect();
    der::sequence(&refs)
}

/// Parses a TimeStampResp, returning the token's DER when the status is granted (0) or
/// grantedWithMods (1).
///
/// # Errors
/// `Rejected` for other statuses; `Der`/`Malformed` for malformed responses.
pub(crate) fn parse_response(data: &[u8]) -> Result<Vec<u8>, TspError> {
    let mut top = Reader::new(data);
    let seq = top.expect_tag(tag::SEQUENCE)?;
    top.finish()?;
    let mut r = top.nested(&seq)?;
    let status_info = r.expect_tag(tag::SEQUENCE)?;
    let mut s = r.nested(&status_info)?;
    let status = der::parse_u64(s.expect_tag(tag::INTEGER)?.value)?;
    let mut text = None;
    if let Some(free) = s.optional(tag::SEQUENCE)? {
        let mut f = s.nested(&free)?;
        let mut parts = Vec::new();
        while !f.is_empty() {
            let e = f.read()?;
            parts.push(String::from_utf8_lossy(e.value).into_owned());
        }
        text = Some(parts.join("; "));
    }
    if status > 1 {
        return Err(TspError::Rejected { status, text });
    }
    let token = r
        .expect_tag(tag::SEQUENCE)
        .map_err(|_| TspError::Malformed("granted response without a token"))?;
    Ok(token.raw.to_vec())
}

/// A random positive 64-bit nonce.
fn new_nonce() -> Vec<u8> {
    let mut n = [0u8; 8];
    if openssl::rand::rand_bytes(&mut n).is_err() {
        // Fall back to the clock; a nonce only has to be unpredictable enough to pair replies.
        let t = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or(0);
        n = (t as u64).to_be_bytes();
    }
    n[0] = (n[0] & 0x7F) | 0x40;
    n.to_vec()
}

/// A client for one time-stamp authority.
#[derive(Debug, Clone)]
pub struct TsaClient {
    /// The TSA's URL (`http://…`).
    pub url: String,
    /// The imprint hash algorithm.
    pub digest: DigestAlgorithm,
    /// The TSA policy to ask for, if any.
    pub policy: Option<String>,
    /// Trust anchors for the TSA's certificate; when `None`, the chain is not checked at
    /// signing time (validation checks it later).
    pub trust: Option<TrustStore>,
    /// The HTTP transport.
    pub transport: Arc<dyn HttpTransport>,
    /// How many times a request that timed out or failed to connect is sent again (the
    /// same request). Default 1; refusals and malformed replies are never retried.
    pub retries: u32,
    /// The size of the tokens this TSA returns, learned once (see
    /// [`TsaClient::token_size_estimate`]).
    size_hint: Arc<Mutex<Option<usize>>>,
}

impl TsaClient {
    /// A client for `url` with SHA-256 imprints and the built-in HTTP client, allowing
    /// [`DEFAULT_TSA_TIMEOUT`] per attempt (Vietnamese TSAs can take tens of seconds).
    #[cfg(feature = "online")]
    pub fn new(url: &str) -> Self {
        TsaClient::with_timeout(url, DEFAULT_TSA_TIMEOUT)
    }

    /// A client for `url` with the built-in HTTP client, each attempt allowed `timeout` in
    /// all (connecting within at most 10 s of it).
    #[cfg(feature = "online")]
    pub fn with_timeout(url: &str, timeout: std::time::Duration) -> Self {
        let http = HttpClient {
            connect_timeout: timeout.min(std::time::Duration::from_secs(10)),
            io_timeout: timeout,
            total_timeout: timeout,
            max_response: MAX_RESPONSE,
            tls_roots: Vec::new(),
        };
        TsaClient::over(url, Arc::new(http))
    }

    /// A client for `url` with SHA-256 imprints over `transport` (HTTPS, a proxy, a test
    /// double; available without the `online` feature).
    pub fn over(url: &str, transport: Arc<dyn HttpTransport>) -> Self {
        TsaClient {
            url: url.to_string(),
            digest: DigestAlgorithm::Sha256,
            policy: None,
            trust: None,
            transport,
            retries: 1,
            size_hint: Arc::default(),
        }
    }

    /// With another HTTP transport.
    pub fn with_transport(mut self, transport: Arc<dyn HttpTransport>) -> Self {
        self.transport = transport;
        self
    }

    /// An upper bound for the DER size of this TSA's tokens, to size a signature placeholder:
    /// the size of a token obtained once for a dummy digest (asked on first use, then
    /// remembered), plus `TOKEN_SIZE_MARGIN` for what varies between tokens (nonce, serial
    /// number, fractions of seconds, ECDSA signature length).
    ///
    /// # Errors
    /// When the probe request fails.
    pub fn token_size_estimate(&self) -> Result<usize, TspError> {
        if let Some(n) = self.size_hint.lock().ok().and_then(|h| *h) {
            return Ok(n + TOKEN_SIZE_MARGIN);
        }
        let probe = self.timestamp(b"kyso: time-stamp token size probe")?;
        let n = probe.der.len();
        if let Ok(mut h) = self.size_hint.lock() {
            *h = Some(n);
        }
        Ok(n + TOKEN_SIZE_MARGIN)
    }

    /// Time-stamps `data` (hashing it with the client's algorithm).
    ///
    /// # Errors
    /// See [`TsaClient::timestamp_digest`].
    pub fn timestamp(&self, data: &[u8]) -> Result<TimeStampToken, TspError> {
        self.timestamp_digest(&self.digest.digest(data))
    }

    /// Asks for a time-stamp over `digest` (computed with `self.digest`), with a fresh nonce
    /// and `certReq`, and checks the reply: status, token signature and TSA certificate,
    /// imprint, nonce, policy (when one was asked for), and the TSA's chain when `trust` is
    /// set (validity at genTime).
    ///
    /// # Errors
    /// Network, refusal, malformed or mismatching replies.
    pub fn timestamp_digest(&self, digest: &[u8]) -> Result<TimeStampToken, TspError> {
        let nonce = new_nonce();
        let req = build_request(self.digest, digest, self.policy.as_deref(), Some(&nonce));
        let mut attempt = 0;
        let resp = loop {
            match self.transport.post(&self.url, CONTENT_TYPE_QUERY, &req) {
                Ok(r) => break r,
                Err(NetError::Timeout(_) | NetError::Io { .. }) if attempt < self.retries => {
                    attempt += 1;
                }
                Err(e) => return Err(e.into()),
            }
        };
        if resp.body.len() > MAX_RESPONSE {
            return Err(TspError::Malformed("time-stamp response too large"));
        }
        let token = TimeStampToken::from_der(&parse_response(&resp.body)?)?;
        if !token.matches_imprint(self.digest, digest) {
            return Err(TspError::Mismatch(
                "the message imprint is not the one sent",
            ));
        }
        if token.info.nonce.as_deref() != Some(strip0(&nonce)) {
            return Err(TspError::Mismatch("the nonce is not the one sent"));
        }
        if let Some(p) = &self.policy {
            if &token.info.policy != p {
                return Err(TspError::Mismatch(
                    "the TSA used another policy than the one asked for",
                ));
            }
        }
        let tsa = token.verify(&[])?;
        if let Some(trust) = &self.trust {
            let path = trust
                .build_path(&tsa, &token.certificates())
                .map_err(|e| TspError::Untrusted(e.to_string()))?;
            if let Some(p) = path.check_validity_at(token.info.gen_time).first() {
                return Err(TspError::Untrusted(format!(
                    "{} is not valid at the time-stamp's time",
                    p.subject
                )));
            }
        }
        Ok(token)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn request_round_trip_fields() {
        let req = build_request(
            DigestAlgorithm::Sha256,
            &[7u8; 32],
            Some("1.2.3.4"),
            Some(&[0x41, 1, 2]),
        );
        let mut top = Reader::new(&req);
        let seq = top.expect_tag(tag::SEQUENCE).unwrap();
        let mut r = top.nested(&seq).unwrap();
        assert_eq!(
            der::parse_u64(r.expect_tag(tag::INTEGER).unwrap().value).unwrap(),
            1
        );
        r.expect_tag(tag::SEQUENCE).unwrap();
        assert_eq!(
            der::oid_to_string(r.expect_tag(tag::OID).unwrap().value).unwrap(),
            "1.2.3.4"
        );
        assert_eq!(r.expect_tag(tag::INTEGER).unwrap().value, &[0x41, 1, 2]);
        assert_eq!(r.expect_tag(tag::BOOLEAN).unwrap().value, &[0xFF]);
        r.finish().unwrap();
    }

    #[test]
    fn responses_are_untrusted_input() {
        // Rejection with text.
        let rejected = der::sequence(&[&der::sequence(&[
            &der::integer(2),
            &der::sequence(&[&der::encode(0x0C, b"bad alg")]),
        ])]);
        match parse_response(&rejected) {
            Err(TspError::Rejected {
                status: 2,
                text: Some(t),
            }) => assert_eq!(t, "bad alg"),
            other => panic!("{other:?}"),
        }
        // Granted without a token, garbage, truncation: errors, never panics.
        let granted = der::sequence(&[&der::sequence(&[&der::integer(0)])]);
        assert!(parse_response(&granted).is_err());
        for junk in [
            &b""[..],
            b"\x30",
            b"\x30\x80",
            b"\x30\x03\x30\x01\x02",
            &[0xFF; 40],
        ] {
            assert!(parse_response(junk).is_err());
            assert!(TstInfo::from_der(junk).is_err());
            assert!(TimeStampToken::from_der(junk).is_err());
        }
        assert_eq!(new_nonce().len(), 8);
        assert!(new_nonce()[0] & 0x80 == 0);
    }
}

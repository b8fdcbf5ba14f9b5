//! Signing with keys kyso never holds: remote signing services (the key stays with the
//! provider, the portal sends a hash), browser-held keys, and anything else that answers a
//! digest with a signature.
//!
//! Two ways in:
//!
//! - **One call, synchronous.** [`CallbackSigner`] is a [`Signer`] around a closure that signs
//!   a digest (or the message); it works with [`sign_pdf`](super::sign_pdf) and every other
//!   signing path. It checks each signature it gets back against the certificate.
//! - **Two phases**, which a portal can split across HTTP requests: [`prepare_external`]
//!   writes the signature update with an empty placeholder and returns the prepared PDF and a
//!   small, serialisable [`PendingSignature`] (the digest to sign, the signed attributes, the
//!   certificate, where the placeholder is). Later, [`finish_external`] takes the prepared
//!   PDF, the state and the signature — a raw signature value over the signed attributes, or a
//!   complete CMS SignedData — checks that it belongs to this document and certificate, and
//!   embeds it.
//!
//! The helpers [`digest_info`] and [`ecdsa_raw_to_der`] convert what digest-signing devices
//! take and return (`CKM_RSA_PKCS` needs a DigestInfo; `CKM_ECDSA` returns `r || s`).

use base64::Engine as _;

use crate::cms;
use crate::crypto::SchemeKeys as _;
use crate::crypto::{DigestAlgorithm, SignatureScheme};
use crate::der::{self, tag};
use crate::pdf::ObjRef;
use crate::pki::Certificate;

use super::{
    check_signer_certificate, cms_capacity, embedded_certificates, prepare, scheme_for_certificate,
    PreparedDocument, SignError, SignOptions, Signer,
};

/// The DER `DigestInfo` (RFC 8017 §9.2) that RSA PKCS#1 v1.5 signs: what a device offering
/// only raw `CKM_RSA_PKCS` must be given instead of the bare digest. The algorithm
/// identifier has NULL parameters for SHA-1/SHA-2 (absent for SHA-3, RFC 8702).
pub fn digest_info(alg: DigestAlgorithm, digest: &[u8]) -> Vec<u8> {
    let alg_id = match alg {
        DigestAlgorithm::Sha3_256 | DigestAlgorithm::Sha3_384 | DigestAlgorithm::Sha3_512 => {
            alg.algorithm_identifier()
        }
        _ => der::sequence(&[&der::oid(alg.oid()), &der::encode(tag::NULL, &[])]),
    };
    der::sequence(&[&alg_id, &der::octet_string(digest)])
}

/// Converts an ECDSA signature from the fixed-width `r || s` form (PKCS#11 `CKM_ECDSA`,
/// WebCrypto, most remote services) into the DER `ECDSA-Sig-Value` a CMS carries.
///
/// # Errors
/// `SignError::Key` when `raw` is empty or of odd length.
pub fn ecdsa_raw_to_der(raw: &[u8]) -> Result<Vec<u8>, SignError> {
    if raw.is_empty() || !raw.len().is_multiple_of(2) {
        return Err(SignError::Key(format!(
            "an ECDSA r || s signature must have an even, non-zero length (got {} bytes)",
            raw.len()
        )));
    }
    let (r, s) = raw.split_at(raw.len() / 2);
    Ok(der::sequence(&[
        &der::integer_from_unsigned(r),
        &der::integer_from_unsigned(s),
    ]))
}

/// Brings a signature value into the form the CMS carries: an ECDSA signature given as
/// `r || s` (exactly twice the curve's size) becomes DER; everything else is returned as is.
pub fn normalize_signature(scheme: SignatureScheme, cert: &Certificate, sig: &[u8]) -> Vec<u8> {
    if let SignatureScheme::Ecdsa { .. } = scheme {
        let field = (cert.key_info().bits as usize).div_ceil(8);
        if sig.len() == 2 * field && !looks_like_der_sequence(sig) {
            if let Ok(der) = ecdsa_raw_to_der(sig) {
                return der;
            }
        }
    }
    sig.to_vec()
}

/// Whether `sig` is exactly one DER SEQUENCE (an `ECDSA-Sig-Value` already).
fn looks_like_der_sequence(sig: &[u8]) -> bool {
    let mut r = der::Reader::new(sig);
    r.expect_tag(tag::SEQUENCE).is_ok() && r.finish().is_ok()
}

/// What a [`CallbackSigner`]'s closure is given.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SignInput {
    /// The message (the DER of the signed attributes): for services that hash themselves.
    Message,
    /// The digest of the message with the scheme's digest algorithm: for services and devices
    /// that sign a hash (a DigestInfo is *not* added; wrap it with [`digest_info`] in the
    /// closure if the service wants one for RSA PKCS#1 v1.5).
    Digest,
}

type SignFn = dyn Fn(&[u8]) -> Result<Vec<u8>, SignError> + Send + Sync;

/// A [`Signer`] around a closure: a remote signing service called synchronously, a key in
/// another process, a test double.
///
/// The closure may return ECDSA signatures as `r || s` or DER. Every signature is verified
/// with the certificate's public key before it is used, so a service that signs with another
/// key, or returns garbage, fails the signing instead of producing an invalid PDF.
pub struct CallbackSigner {
    cert: Certificate,
    chain: Vec<Certificate>,
    scheme: SignatureScheme,
    input: SignInput,
    sign: Box<SignFn>,
}

impl std::fmt::Debug for CallbackSigner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "CallbackSigner({}, {:?}, {:?})",
            self.cert.subject(),
            self.scheme,
            self.input
        )
    }
}

impl CallbackSigner {
    /// A signer for `cert` (with `chain`, intermediates first) that signs with `scheme` by
    /// calling `sign` with the message or its digest, as `input` says.
    pub fn new(
        cert: Certificate,
        chain: Vec<Certificate>,
        scheme: SignatureScheme,
        input: SignInput,
        sign: impl Fn(&[u8]) -> Result<Vec<u8>, SignError> + Send + Sync + 'static,
    ) -> Self {
        let chain = chain.into_iter().filter(|c| c != &cert).collect();
        CallbackSigner {
            cert,
            chain,
            scheme,
            input,
            sign: Box::new(sign),
        }
    }
}

impl Signer for CallbackSigner {
    fn certificate(&self) -> &Certificate {
        &self.cert
    }
    fn chain(&self) -> &[Certificate] {
        &self.chain
    }
    fn scheme(&self) -> SignatureScheme {
        self.scheme
    }
    fn sign(&self, message: &[u8]) -> Result<Vec<u8>, SignError> {
        let returned = match self.input {
            SignInput::Message => (self.sign)(message)?,
            SignInput::Digest => (self.sign)(&self.scheme.digest().digest(message))?,
        };
        let sig = normalize_signature(self.scheme, &self.cert, &returned);
        check_raw_signature(self.scheme, &self.cert, message, &sig)?;
        Ok(sig)
    }
}

/// Verifies `sig` over `message` with `cert`'s key.
pub(crate) fn check_raw_signature(
    scheme: SignatureScheme,
    cert: &Certificate,
    message: &[u8],
    sig: &[u8],
) -> Result<(), SignError> {
    match scheme.verify(cert.public_key(), message, sig) {
        Ok(true) => Ok(()),
        Ok(false) => Err(SignError::Key(format!(
            "the signature does not verify with the key of the certificate of {} ({}): \
             it was made with another key, over other data, or with another algorithm",
            cert.subject(),
            scheme.name()
        ))),
        Err(e) => Err(SignError::Key(format!(
            "{} does not fit the certificate's key: {e}",
            scheme.name()
        ))),
    }
}

/// Who will sign in a two-phase signing: the certificate, its chain and the scheme. The key
/// is elsewhere.
#[derive(Debug, Clone)]
pub struct ExternalSigner {
    cert: Certificate,
    chain: Vec<Certificate>,
    scheme: SignatureScheme,
    extra_capacity: usize,
}

impl ExternalSigner {
    /// The signer of `cert` (with `chain`, intermediates first; self-signed roots are not
    /// embedded). The scheme defaults to RSA PKCS#1 v1.5 or ECDSA with SHA-256 (SHA-384 for
    /// P-384, SHA-512 for P-521), as for [`KeySigner`](super::KeySigner).
    ///
    /// # Errors
    /// When the certificate's key type is not supported.
    pub fn new(cert: Certificate, chain: Vec<Certificate>) -> Result<Self, SignError> {
        let scheme = scheme_for_certificate(&cert, DigestAlgorithm::Sha256, false)?;
        let chain = chain.into_iter().filter(|c| c != &cert).collect();
        Ok(ExternalSigner {
            cert,
            chain,
            scheme,
            extra_capacity: 0,
        })
    }

    /// Uses `digest`, and RSASSA-PSS instead of PKCS#1 v1.5 for RSA keys when `pss`.
    ///
    /// # Errors
    /// When the combination is not supported for this key.
    pub fn with_algorithm(mut self, digest: DigestAlgorithm, pss: bool) -> Result<Self, SignError> {
        self.scheme = scheme_for_certificate(&self.cert, digest, pss)?;
        Ok(self)
    }

    /// Uses exactly `scheme` (e.g. RSASSA-PSS with another salt length).
    pub fn with_scheme(mut self, scheme: SignatureScheme) -> Self {
        self.scheme = scheme;
        self
    }

    /// Reserves `bytes` more in the placeholder than kyso's own CMS needs: for services that
    /// return a complete CMS with more certificates or attributes than kyso would write.
    pub fn with_extra_capacity(mut self, bytes: usize) -> Self {
        self.extra_capacity = bytes;
        self
    }
}

/// The identity as a [`Signer`] for sizing the placeholder; it cannot sign.
struct Identity<'a>(&'a ExternalSigner);

impl Signer for Identity<'_> {
    fn certificate(&self) -> &Certificate {
        &self.0.cert
    }
    fn chain(&self) -> &[Certificate] {
        &self.0.chain
    }
    fn scheme(&self) -> SignatureScheme {
        self.0.scheme
    }
    fn sign(&self, _message: &[u8]) -> Result<Vec<u8>, SignError> {
        Err(SignError::Internal(
            "an external signer signs in the second phase".into(),
        ))
    }
}

/// The first phase's result: the prepared PDF (keep it as is) and the state for the second.
#[derive(Debug, Clone)]
pub struct PreparedExternal {
    /// The PDF with the signature update and an empty `/Contents` placeholder.
    pub pdf: Vec<u8>,
    /// What the second phase needs besides the PDF and the signature.
    pub state: PendingSignature,
}

/// The state between the two phases: small (a few kilobytes, mostly the certificates) and
/// serialisable (`serde`; binary values are base64, digests hex). It is not secret.
///
/// It need not be trusted either: [`finish_external`] recomputes the document digest from the
/// prepared PDF, requires the PDF's SHA-256 recorded here, and rebuilds the signed attributes
/// from the document and the certificate, so an altered state cannot attach a signature to
/// another document.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct PendingSignature {
    /// Format version (1).
    pub version: u32,
    /// SHA-256 of the prepared PDF, hex.
    #[serde(with = "hex_bytes")]
    pub prepared_sha256: Vec<u8>,
    /// Length of the prepared PDF.
    pub prepared_len: usize,
    /// The `/ByteRange` written: `[0, a, b, c]`.
    pub byte_range: [usize; 4],
    /// Capacity of the placeholder in bytes of CMS.
    pub capacity: usize,
    /// The signature dictionary's object number and generation.
    pub signature_object: (u32, u16),
    /// The signature scheme.
    pub scheme: SignatureScheme,
    /// The digest algorithm (the scheme's).
    pub digest_algorithm: DigestAlgorithm,
    /// The signer's certificate, DER (base64).
    #[serde(with = "b64")]
    pub certificate: Vec<u8>,
    /// The certificates to embed (the signer's first), DER each (base64).
    #[serde(with = "b64_list")]
    pub certificates: Vec<Vec<u8>>,
    /// The signing-time attribute's value, for `adbe.pkcs7.detached` (Unix seconds).
    pub signing_time: Option<i64>,
    /// Digest of the signed byte ranges (the CMS message digest), hex.
    #[serde(with = "hex_bytes")]
    pub document_digest: Vec<u8>,
    /// DER of the signed attributes: the message a raw signature is computed over (base64).
    #[serde(with = "b64")]
    pub signed_attributes: Vec<u8>,
    /// Digest of the signed attributes: what a digest-signing service signs, hex.
    #[serde(with = "hex_bytes")]
    pub to_be_signed_digest: Vec<u8>,
}

impl PendingSignature {
    /// As JSON.
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).unwrap_or_default()
    }

    /// From JSON.
    ///
    /// # Errors
    /// `SignError::Document` when the JSON is not a state kyso wrote.
    pub fn from_json(json: &str) -> Result<Self, SignError> {
        let s: Self = serde_json::from_str(json)
            .map_err(|e| SignError::Document(format!("not a kyso signing state: {e}")))?;
        if s.version != 1 {
            return Err(SignError::Document(format!(
                "unsupported signing state version {}",
                s.version
            )));
        }
        Ok(s)
    }

    /// The signer's certificate.
    ///
    /// # Errors
    /// When the stored certificate cannot be parsed.
    pub fn signer_certificate(&self) -> Result<Certificate, SignError> {
        Certificate::from_der(&self.certificate)
            .map_err(|e| SignError::Document(format!("the state's certificate: {e}")))
    }
}

/// Phase one: writes the signature update for `input` with a placeholder sized for `signer`
/// and computes what must be signed. The certificate is checked as for
/// [`sign_pdf`](super::sign_pdf) (validity, key usage) unless
/// `opts.danger_skip_certificate_checks`.
///
/// Give the remote side [`PendingSignature::to_be_signed_digest`] (services that sign a hash)
/// or [`PendingSignature::signed_attributes`] (services that hash themselves); services that
/// build their own CMS need [`PendingSignature::document_digest`].
///
/// # Errors
/// See [`SignError`].
pub fn prepare_external(
    input: &[u8],
    signer: &ExternalSigner,
    opts: &SignOptions,
) -> Result<PreparedExternal, SignError> {
    let now = opts.signing_time.unwrap_or_else(crate::time::now);
    if !opts.danger_skip_certificate_checks {
        check_signer_certificate(&signer.cert, now)?;
    }
    let identity = Identity(signer);
    let capacity = cms_capacity(&identity, opts, now)?
        .checked_add(signer.extra_capacity)
        .ok_or_else(|| SignError::Internal("placeholder size overflow".into()))?;
    let opts = &super::with_signer_identity(opts, &identity);
    let prepared = prepare(input, opts, now, capacity, crate::pdf::Dict::new())?;
    let digest_alg = signer.scheme.digest();
    let document_digest = prepared.digest(digest_alg);
    let signing_time = (opts.sub_filter == super::SubFilterChoice::Pkcs7).then_some(now);
    let signed_attributes = cms::build_signed_attributes(
        digest_alg,
        &document_digest,
        signer.cert.der(),
        signing_time,
    )?;
    let state = PendingSignature {
        version: 1,
        prepared_sha256: DigestAlgorithm::Sha256.digest(&prepared.bytes),
        prepared_len: prepared.bytes.len(),
        byte_range: prepared.byte_range,
        capacity: prepared.capacity,
        signature_object: (prepared.signature_object.num, prepared.signature_object.gen),
        scheme: signer.scheme,
        digest_algorithm: digest_alg,
        certificate: signer.cert.der().to_vec(),
        certificates: embedded_certificates(&identity),
        signing_time,
        document_digest,
        to_be_signed_digest: digest_alg.digest(&signed_attributes),
        signed_attributes,
    };
    Ok(PreparedExternal {
        pdf: prepared.bytes,
        state,
    })
}

/// Phase two: checks `signature` against the prepared PDF and the state, and embeds it.
///
/// `signature` is either a complete CMS `ContentInfo`/`SignedData` (detected by parsing), or
/// a raw signature value over [`PendingSignature::signed_attributes`] (RSA; ECDSA as DER or
/// `r || s`).
///
/// Refused, with nothing written: a prepared PDF that is not the one phase one wrote
/// (`SignError::Document`); a raw signature that does not verify with the certificate's key
/// over the signed attributes; a CMS that is not detached with one signer, whose message
/// digest is not this document's, whose signer certificate is not the prepared one, or whose
/// signature does not verify (`SignError::Key`).
///
/// # Errors
/// See above.
pub fn finish_external(
    prepared_pdf: &[u8],
    state: &PendingSignature,
    signature: &[u8],
) -> Result<Vec<u8>, SignError> {
    let prepared = check_prepared(prepared_pdf, state)?;
    let cert = state.signer_certificate()?;
    if state.scheme.digest() != state.digest_algorithm {
        return Err(SignError::Document(
            "the state's scheme and digest algorithm disagree".into(),
        ));
    }
    let document_digest = prepared.digest(state.digest_algorithm);
    if document_digest != state.document_digest {
        return Err(SignError::Document(
            "the prepared PDF's digest is not the one recorded in the state".into(),
        ));
    }
    let cms_der = match cms::parse_signed_data(signature) {
        Ok(sd) => {
            check_cms(&sd, &cert, &prepared)?;
            signature.to_vec()
        }
        Err(_) => {
            // Rebuild the signed attributes from the document and the certificate: the
            // signature must be over exactly what kyso would have asked to sign.
            let attrs = cms::build_signed_attributes(
                state.digest_algorithm,
                &document_digest,
                cert.der(),
                state.signing_time,
            )?;
            if attrs != state.signed_attributes {
                return Err(SignError::Document(
                    "the state's signed attributes do not belong to this document and certificate"
                        .into(),
                ));
            }
            let sig = normalize_signature(state.scheme, &cert, signature);
            check_raw_signature(state.scheme, &cert, &attrs, &sig)?;
            if state.certificates.first() != Some(&state.certificate) {
                return Err(SignError::Document(
                    "the state's certificate list does not start with the signer's".into(),
                ));
            }
            cms::build_signed_data(
                state.digest_algorithm,
                state.scheme,
                cert.der(),
                &state.certificates,
                &attrs,
                &sig,
                &[],
            )?
        }
    };
    if cms_der.len() > prepared.capacity {
        return Err(SignError::Document(format!(
            "the CMS ({} bytes) does not fit the placeholder ({} bytes): prepare again with \
             more extra capacity",
            cms_der.len(),
            prepared.capacity
        )));
    }
    prepared.embed(&cms_der)
}

/// The prepared PDF must be the one phase one wrote, with an intact empty placeholder.
fn check_prepared(pdf: &[u8], state: &PendingSignature) -> Result<PreparedDocument, SignError> {
    if pdf.len() != state.prepared_len
        || DigestAlgorithm::Sha256.digest(pdf) != state.prepared_sha256
    {
        return Err(SignError::Document(
            "the prepared PDF is not the one this signing state was made for \
             (it was changed, or it is another file)"
                .into(),
        ));
    }
    let [zero, a, b, c] = state.byte_range;
    let placeholder_ok = zero == 0
        && a < b
        && b.checked_add(c) == Some(pdf.len())
        && state.capacity.checked_mul(2).and_then(|n| n.checked_add(2)) == Some(b - a)
        && pdf.get(a) == Some(&b'<')
        && pdf.get(b - 1) == Some(&b'>')
        && pdf[a + 1..b - 1].iter().all(|&x| x == b'0');
    if !placeholder_ok {
        return Err(SignError::Document(
            "the signing state's byte range does not describe an empty placeholder".into(),
        ));
    }
    Ok(PreparedDocument {
        bytes: pdf.to_vec(),
        byte_range: state.byte_range,
        capacity: state.capacity,
        signature_object: ObjRef {
            num: state.signature_object.0,
            gen: state.signature_object.1,
        },
    })
}

/// A complete CMS from a service: detached, one signer, our document, our certificate, a
/// signature that verifies.
fn check_cms(
    sd: &cms::SignedData,
    cert: &Certificate,
    prepared: &PreparedDocument,
) -> Result<(), SignError> {
    let reject = |why: &str| Err(SignError::Key(format!("the CMS is refused: {why}")));
    if sd.encap_content.is_some() {
        return reject("it is not detached (it carries its content)");
    }
    let [si] = sd.signer_infos.as_slice() else {
        return reject("it must have exactly one signer");
    };
    let signer_cert = sd
        .certificates
        .iter()
        .filter_map(|der| Certificate::from_der(der).ok())
        .find(|c| match &si.sid {
            cms::SignerIdentifier::IssuerAndSerial { issuer, serial } => {
                c.matches_issuer_serial(issuer, serial)
            }
            cms::SignerIdentifier::SubjectKeyId(ski) => c.subject_key_id() == Some(ski),
        });
    match signer_cert {
        Some(c) if c.der() == cert.der() => {}
        Some(c) => {
            return reject(&format!(
                "its signer certificate ({}) is not the prepared one ({})",
                c.subject(),
                cert.subject()
            ))
        }
        None => return reject("it does not contain its signer's certificate"),
    }
    let Some(digest_alg) = si.digest() else {
        return reject("its digest algorithm is unknown");
    };
    if si.message_digest() != Some(prepared.digest(digest_alg)) {
        return reject("its message digest is not the prepared document's digest");
    }
    let (Some(scheme), Some(attrs)) = (si.scheme(), si.signed_attrs_der.as_deref()) else {
        return reject("it has no signed attributes or an unknown signature algorithm");
    };
    match scheme.verify(cert.public_key(), attrs, &si.signature) {
        Ok(true) => Ok(()),
        _ => reject("its signature does not verify with the certificate's key"),
    }
}

/// Hex strings for binary values.
mod hex_bytes {
    use serde::{Deserialize, Deserializer, Serializer};

    pub(super) fn serialize<S: Serializer>(v: &[u8], s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&super::super::hex_upper(v).to_ascii_lowercase())
    }

    pub(super) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<u8>, D::Error> {
        let s = String::deserialize(d)?;
        super::decode_hex(&s).ok_or_else(|| serde::de::Error::custom("invalid hex"))
    }
}

/// Base64 strings for DER values.
mod b64 {
    use base64::Engine as _;
    use serde::{Deserialize, Deserializer, Serializer};

    pub(super) fn serialize<S: Serializer>(v: &[u8], s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&base64::engine::general_purpose::STANDARD.encode(v))
    }

    pub(super) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<u8>, D::Error> {
        let s = String::deserialize(d)?;
        base64::engine::general_purpose::STANDARD
            .decode(s.as_bytes())
            .map_err(serde::de::Error::custom)
    }
}

/// Lists of base64 strings.
mod b64_list {
    use base64::Engine as _;
    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    pub(super) fn serialize<S: Serializer>(v: &[Vec<u8>], s: S) -> Result<S::Ok, S::Error> {
        v.iter()
            .map(|x| base64::engine::general_purpose::STANDARD.encode(x))
            .collect::<Vec<_>>()
            .serialize(s)
    }

    pub(super) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<Vec<u8>>, D::Error> {
        Vec::<String>::deserialize(d)?
            .iter()
            .map(|x| {
                base64::engine::general_purpose::STANDARD
                    .decode(x.as_bytes())
                    .map_err(serde::de::Error::custom)
            })
            .collect()
    }
}

/// Decodes hex (either case; no separators).
pub fn decode_hex(s: &str) -> Option<Vec<u8>> {
    let s = s.trim();
    if !s.len().is_multiple_of(2) {
        return None;
    }
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(s.get(i..i + 2)?, 16).ok())
        .collect()
}

/// Reads a signature or CMS as a service or tool delivers it: binary, hex, base64, or PEM
/// (`-----BEGIN PKCS7-----`, `-----BEGIN CMS-----`). Whitespace in text forms is ignored.
pub fn decode_signature_file(data: &[u8]) -> Vec<u8> {
    let Ok(text) = std::str::from_utf8(data) else {
        return data.to_vec();
    };
    let body: String = text
        .lines()
        .filter(|l| !l.trim_start().starts_with("-----"))
        .flat_map(|l| l.chars())
        .filter(|c| !c.is_whitespace())
        .collect();
    if body.is_empty() {
        return data.to_vec();
    }
    if body.chars().all(|c| c.is_ascii_hexdigit()) {
        if let Some(b) = decode_hex(&body) {
            return b;
        }
    }
    if body
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '/' | '=' | '-' | '_'))
    {
        let std = body.replace('-', "+").replace('_', "/");
        let engine = base64::engine::general_purpose::STANDARD;
        if let Ok(b) = engine.decode(std.as_bytes()) {
            return b;
        }
        let padded = format!("{std}{}", "=".repeat((4 - std.len() % 4) % 4));
        if let Ok(b) = engine.decode(padded.as_bytes()) {
            return b;
        }
    }
    data.to_vec()
}

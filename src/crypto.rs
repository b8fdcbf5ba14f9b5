//! Algorithms: digests and signature schemes, their OIDs, and the OpenSSL primitives behind
//! them. Everything that names an algorithm goes through here, so the policy ("SHA-1 is
//! weak", "RSA < 2048 is weak") lives in one place.

use openssl::error::ErrorStack;
use openssl::md::{Md, MdRef};
use openssl::nid::Nid;
use openssl::pkey::{HasPublic, Id, PKey, PKeyRef, Private, Public};
use openssl::pkey_ctx::PkeyCtx;
use openssl::rsa::Padding;
use openssl::sign::{RsaPssSaltlen, Signer, Verifier};

use crate::der::{self, tag, Reader};

/// A digest algorithm.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
#[non_exhaustive]
pub enum DigestAlgorithm {
    /// SHA-1 (broken for collisions: reported as weak).
    Sha1,
    /// SHA-224
    Sha224,
    /// SHA-256
    Sha256,
    /// SHA-384
    Sha384,
    /// SHA-512
    Sha512,
    /// SHA3-256
    Sha3_256,
    /// SHA3-384
    Sha3_384,
    /// SHA3-512
    Sha3_512,
}

impl DigestAlgorithm {
    /// All supported digests.
    pub const ALL: [DigestAlgorithm; 8] = [
        DigestAlgorithm::Sha1,
        DigestAlgorithm::Sha224,
        DigestAlgorithm::Sha256,
        DigestAlgorithm::Sha384,
        DigestAlgorithm::Sha512,
        DigestAlgorithm::Sha3_256,
        DigestAlgorithm::Sha3_384,
        DigestAlgorithm::Sha3_512,
    ];

    /// From a dotted OID.
    pub fn from_oid(oid: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|d| d.oid() == oid)
    }
    /// The dotted OID.
    pub fn oid(self) -> &'static str {
        match self {
            DigestAlgorithm::Sha1 => "1.3.14.3.2.26",
            DigestAlgorithm::Sha224 => "2.16.840.1.101.3.4.2.4",
            DigestAlgorithm::Sha256 => "2.16.840.1.101.3.4.2.1",
            DigestAlgorithm::Sha384 => "2.16.840.1.101.3.4.2.2",
            DigestAlgorithm::Sha512 => "2.16.840.1.101.3.4.2.3",
            DigestAlgorithm::Sha3_256 => "2.16.840.1.101.3.4.2.8",
            DigestAlgorithm::Sha3_384 => "2.16.840.1.101.3.4.2.9",
            DigestAlgorithm::Sha3_512 => "2.16.840.1.101.3.4.2.10",
        }
    }
    /// A display name ("SHA-256").
    pub fn name(self) -> &'static str {
        match self {
            DigestAlgorithm::Sha1 => "SHA-1",
            DigestAlgorithm::Sha224 => "SHA-224",
            DigestAlgorithm::Sha256 => "SHA-256",
            DigestAlgorithm::Sha384 => "SHA-384",
            DigestAlgorithm::Sha512 => "SHA-512",
            DigestAlgorithm::Sha3_256 => "SHA3-256",
            DigestAlgorithm::Sha3_384 => "SHA3-384",
            DigestAlgorithm::Sha3_512 => "SHA3-512",
        }
    }
    /// Output length in bytes.
    pub fn output_len(self) -> usize {
        match self {
            DigestAlgorithm::Sha1 => 20,
            DigestAlgorithm::Sha224 => 28,
            DigestAlgorithm::Sha256 | DigestAlgorithm::Sha3_256 => 32,
            DigestAlgorithm::Sha384 | DigestAlgorithm::Sha3_384 => 48,
            DigestAlgorithm::Sha512 | DigestAlgorithm::Sha3_512 => 64,
        }
    }
    /// Whether it is considered weak for signatures (SHA-1).
    pub fn is_weak(self) -> bool {
        matches!(self, DigestAlgorithm::Sha1)
    }
    /// A streaming hasher.
    pub fn hasher(self) -> Hasher {
        use sha2::Digest;
        let inner = match self {
            DigestAlgorithm::Sha224 => HasherInner::Sha224(sha2::Sha224::new()),
            DigestAlgorithm::Sha256 => HasherInner::Sha256(sha2::Sha256::new()),
            DigestAlgorithm::Sha384 => HasherInner::Sha384(sha2::Sha384::new()),
            DigestAlgorithm::Sha512 => HasherInner::Sha512(sha2::Sha512::new()),
            DigestAlgorithm::Sha1
            | DigestAlgorithm::Sha3_256
            | DigestAlgorithm::Sha3_384
            | DigestAlgorithm::Sha3_512 => {
                HasherInner::OpenSsl(openssl::hash::Hasher::new(self.message_digest()).ok())
            }
        };
        Hasher { inner }
    }
    /// Digest of `data` in one call.
    pub fn digest(self, data: &[u8]) -> Vec<u8> {
        let mut h = self.hasher();
        h.update(data);
        h.finish()
    }
    /// The OpenSSL message digest.
    pub(crate) fn message_digest(self) -> openssl::hash::MessageDigest {
        use openssl::hash::MessageDigest;
        match self {
            DigestAlgorithm::Sha1 => MessageDigest::sha1(),
            DigestAlgorithm::Sha224 => MessageDigest::sha224(),
            DigestAlgorithm::Sha256 => MessageDigest::sha256(),
            DigestAlgorithm::Sha384 => MessageDigest::sha384(),
            DigestAlgorithm::Sha512 => MessageDigest::sha512(),
            DigestAlgorithm::Sha3_256 => MessageDigest::sha3_256(),
            DigestAlgorithm::Sha3_384 => MessageDigest::sha3_384(),
            DigestAlgorithm::Sha3_512 => MessageDigest::sha3_512(),
        }
    }
    /// The OpenSSL `EVP_MD` (for `PkeyCtx`).
    fn md(self) -> &'static MdRef {
        match self {
            DigestAlgorithm::Sha1 => Md::sha1(),
            DigestAlgorithm::Sha224 => Md::sha224(),
            DigestAlgorithm::Sha256 => Md::sha256(),
            DigestAlgorithm::Sha384 => Md::sha384(),
            DigestAlgorithm::Sha512 => Md::sha512(),
            DigestAlgorithm::Sha3_256 => Md::sha3_256(),
            DigestAlgorithm::Sha3_384 => Md::sha3_384(),
            DigestAlgorithm::Sha3_512 => Md::sha3_512(),
        }
    }
    /// The AlgorithmIdentifier DER with absent parameters (what RFC 5754 and RFC 8702
    /// recommend for a CMS digestAlgorithm).
    pub fn algorithm_identifier(self) -> Vec<u8> {
        der::sequence(&[&der::oid(self.oid())])
    }
    /// The AlgorithmIdentifier DER with NULL parameters for SHA-1/SHA-2 (the form of RFC
    /// 4055's ASN.1 module, used inside RSASSA-PSS-params) and absent ones for SHA-3.
    fn algorithm_identifier_rfc4055(self) -> Vec<u8> {
        if self.is_sha3() {
            self.algorithm_identifier()
        } else {
            der::sequence(&[&der::oid(self.oid()), &der::encode(tag::NULL, &[])])
        }
    }
    fn is_sha3(self) -> bool {
        matches!(
            self,
            DigestAlgorithm::Sha3_256 | DigestAlgorithm::Sha3_384 | DigestAlgorithm::Sha3_512
        )
    }
}

/// A streaming hasher (SHA-2 through the `sha2` crate, which uses the CPU's SHA extensions;
/// SHA-1 and SHA-3 through OpenSSL).
pub struct Hasher {
    inner: HasherInner,
}

enum HasherInner {
    Sha224(sha2::Sha224),
    Sha256(sha2::Sha256),
    Sha384(sha2::Sha384),
    Sha512(sha2::Sha512),
    /// `None` once OpenSSL failed: the digest is then empty (it matches nothing).
    OpenSsl(Option<openssl::hash::Hasher>),
}

impl Hasher {
    /// Feeds bytes.
    pub fn update(&mut self, data: &[u8]) {
        use sha2::Digest;
        match &mut self.inner {
            HasherInner::Sha224(h) => h.update(data),
            HasherInner::Sha256(h) => h.update(data),
            HasherInner::Sha384(h) => h.update(data),
            HasherInner::Sha512(h) => h.update(data),
            HasherInner::OpenSsl(slot) => {
                if let Some(h) = slot {
                    if h.update(data).is_err() {
                        *slot = None;
                    }
                }
            }
        }
    }
    /// The digest (empty in the practically impossible case that OpenSSL failed).
    pub fn finish(self) -> Vec<u8> {
        use sha2::Digest;
        match self.inner {
            HasherInner::Sha224(h) => h.finalize().to_vec(),
            HasherInner::Sha256(h) => h.finalize().to_vec(),
            HasherInner::Sha384(h) => h.finalize().to_vec(),
            HasherInner::Sha512(h) => h.finalize().to_vec(),
            HasherInner::OpenSsl(Some(mut h)) => h.finish().map(|d| d.to_vec()).unwrap_or_default(),
            HasherInner::OpenSsl(None) => Vec::new(),
        }
    }
}

/// A signature scheme as used in a SignerInfo (or a certificate).
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(tag = "scheme", rename_all = "kebab-case")]
#[non_exhaustive]
pub enum SignatureScheme {
    /// RSASSA-PKCS1-v1_5 with the given digest.
    RsaPkcs1 {
        /// The digest.
        digest: DigestAlgorithm,
    },
    /// RSASSA-PSS with MGF1 (`mgf_digest`) and a salt length.
    RsaPss {
        /// The digest.
        digest: DigestAlgorithm,
        /// The MGF1 digest.
        mgf_digest: DigestAlgorithm,
        /// Salt length in bytes.
        salt_len: u32,
    },
    /// ECDSA with the given digest.
    Ecdsa {
        /// The digest.
        digest: DigestAlgorithm,
    },
    /// Ed25519 (pure).
    Ed25519,
}

/// rsaEncryption
const RSA_ENCRYPTION: &str = "1.2.840.113549.1.1.1";
/// id-RSASSA-PSS
const RSASSA_PSS: &str = "1.2.840.113549.1.1.10";
/// id-mgf1
const MGF1: &str = "1.2.840.113549.1.1.8";
/// id-ecPublicKey
const EC_PUBLIC_KEY: &str = "1.2.840.10045.2.1";
/// id-Ed25519
const ED25519: &str = "1.3.101.112";

/// (OID, digest) of the RSASSA-PKCS1-v1_5 signature algorithms.
const RSA_PKCS1_OIDS: [(&str, DigestAlgorithm); 8] = [
    ("1.2.840.113549.1.1.5", DigestAlgorithm::Sha1),
    ("1.2.840.113549.1.1.14", DigestAlgorithm::Sha224),
    ("1.2.840.113549.1.1.11", DigestAlgorithm::Sha256),
    ("1.2.840.113549.1.1.12", DigestAlgorithm::Sha384),
    ("1.2.840.113549.1.1.13", DigestAlgorithm::Sha512),
    ("2.16.840.1.101.3.4.3.14", DigestAlgorithm::Sha3_256),
    ("2.16.840.1.101.3.4.3.15", DigestAlgorithm::Sha3_384),
    ("2.16.840.1.101.3.4.3.16", DigestAlgorithm::Sha3_512),
];

/// (OID, digest) of the ECDSA signature algorithms.
const ECDSA_OIDS: [(&str, DigestAlgorithm); 8] = [
    ("1.2.840.10045.4.1", DigestAlgorithm::Sha1),
    ("1.2.840.10045.4.3.1", DigestAlgorithm::Sha224),
    ("1.2.840.10045.4.3.2", DigestAlgorithm::Sha256),
    ("1.2.840.10045.4.3.3", DigestAlgorithm::Sha384),
    ("1.2.840.10045.4.3.4", DigestAlgorithm::Sha512),
    ("2.16.840.1.101.3.4.3.10", DigestAlgorithm::Sha3_256),
    ("2.16.840.1.101.3.4.3.11", DigestAlgorithm::Sha3_384),
    ("2.16.840.1.101.3.4.3.12", DigestAlgorithm::Sha3_512),
];

fn lookup(table: &[(&'static str, DigestAlgorithm)], oid: &str) -> Option<DigestAlgorithm> {
    table.iter().find(|(o, _)| *o == oid).map(|&(_, d)| d)
}

fn reverse_lookup(
    table: &[(&'static str, DigestAlgorithm)],
    digest: DigestAlgorithm,
) -> &'static str {
    table
        .iter()
        .find(|(_, d)| *d == digest)
        .map(|&(o, _)| o)
        .unwrap_or("")
}

/// Whether `params` is absent or an explicit NULL.
fn absent_or_null(params: Option<&[u8]>) -> bool {
    matches!(params, None | Some([0x05, 0x00]))
}

/// Parses the hash AlgorithmIdentifier that is the single element of `r` (parameters absent
/// or NULL).
fn parse_hash_alg(mut r: Reader<'_>) -> Option<DigestAlgorithm> {
    let alg = r.expect_tag(tag::SEQUENCE).ok()?;
    r.finish().ok()?;
    let mut a = r.nested(&alg).ok()?;
    let oid = a.expect_tag(tag::OID).ok()?.to_oid_string().ok()?;
    if let Some(null) = a.optional(tag::NULL).ok()? {
        if !null.value.is_empty() {
            return None;
        }
    }
    a.finish().ok()?;
    DigestAlgorithm::from_oid(&oid)
}

/// Parses the single INTEGER inside an EXPLICIT tag.
fn explicit_u64(r: &Reader<'_>, e: &der::Element<'_>) -> Option<u64> {
    let mut x = r.nested(e).ok()?;
    let n = x.expect_tag(tag::INTEGER).ok()?.to_u64().ok()?;
    x.finish().ok()?;
    Some(n)
}

/// Parses RSASSA-PSS-params (RFC 4055 §3.1), with its defaults (SHA-1, MGF1-SHA-1, 20).
fn parse_pss_params(params: &[u8]) -> Option<SignatureScheme> {
    let mut top = Reader::new(params);
    let seq = top.expect_tag(tag::SEQUENCE).ok()?;
    top.finish().ok()?;
    let mut r = top.nested(&seq).ok()?;
    let mut digest = DigestAlgorithm::Sha1;
    let mut mgf_digest = DigestAlgorithm::Sha1;
    let mut salt_len: u32 = 20;
    if let Some(e) = r.optional(tag::context(0)).ok()? {
        digest = parse_hash_alg(r.nested(&e).ok()?)?;
    }
    if let Some(e) = r.optional(tag::context(1)).ok()? {
        let mut x = r.nested(&e).ok()?;
        let alg = x.expect_tag(tag::SEQUENCE).ok()?;
        x.finish().ok()?;
        let mut a = x.nested(&alg).ok()?;
        if a.expect_tag(tag::OID).ok()?.to_oid_string().ok()? != MGF1 {
            return None;
        }
        let hash = a.read().ok()?;
        a.finish().ok()?;
        mgf_digest = parse_hash_alg(Reader::new(hash.raw))?;
    }
    if let Some(e) = r.optional(tag::context(2)).ok()? {
        let n = explicit_u64(&r, &e)?;
        salt_len = u32::try_from(n)
            .ok()
            .filter(|&s| i32::try_from(s).is_ok())?;
    }
    if let Some(e) = r.optional(tag::context(3)).ok()? {
        if explicit_u64(&r, &e)? != 1 {
            return None;
        }
    }
    r.finish().ok()?;
    Some(SignatureScheme::RsaPss {
        digest,
        mgf_digest,
        salt_len,
    })
}

/// An empty error stack (displayed as "OpenSSL error"), for failures kyso detects itself.
fn plain_error() -> ErrorStack {
    let _ = ErrorStack::get();
    ErrorStack::get()
}

/// Checks that `key`'s type matches `scheme`; on a mismatch, returns OpenSSL's own error
/// when it has one ("expecting an rsa key").
fn check_key<T>(key: &PKeyRef<T>, scheme: SignatureScheme) -> Result<(), ErrorStack> {
    let id = key.id();
    let ok = match scheme {
        SignatureScheme::RsaPkcs1 { .. } => id == Id::RSA,
        SignatureScheme::RsaPss { .. } => id == Id::RSA || id == Id::RSA_PSS,
        SignatureScheme::Ecdsa { .. } => id == Id::EC,
        SignatureScheme::Ed25519 => id == Id::ED25519,
    };
    if ok {
        return Ok(());
    }
    let _ = ErrorStack::get();
    let openssl_says = match scheme {
        SignatureScheme::RsaPkcs1 { .. } | SignatureScheme::RsaPss { .. } => key.rsa().err(),
        SignatureScheme::Ecdsa { .. } => key.ec_key().err(),
        SignatureScheme::Ed25519 => None,
    };
    Err(openssl_says.unwrap_or_else(plain_error))
}

fn pss_salt(salt_len: u32) -> Result<RsaPssSaltlen, ErrorStack> {
    i32::try_from(salt_len)
        .map(RsaPssSaltlen::custom)
        .map_err(|_| plain_error())
}

impl SignatureScheme {
    /// Interprets a signatureAlgorithm (OID + raw DER parameters, if any). `digest_hint` is the
    /// SignerInfo's digestAlgorithm, used when the OID names only the key type
    /// (`rsaEncryption`, `id-ecPublicKey`). Returns `None` for unknown or inconsistent
    /// algorithms.
    pub fn from_algorithm(
        oid: &str,
        params: Option<&[u8]>,
        digest_hint: Option<DigestAlgorithm>,
    ) -> Option<Self> {
        if let Some(digest) = lookup(&RSA_PKCS1_OIDS, oid) {
            return absent_or_null(params).then_some(SignatureScheme::RsaPkcs1 { digest });
        }
        if let Some(digest) = lookup(&ECDSA_OIDS, oid) {
            return absent_or_null(params).then_some(SignatureScheme::Ecdsa { digest });
        }
        match oid {
            RSA_ENCRYPTION => {
                let digest = digest_hint?;
                absent_or_null(params).then_some(SignatureScheme::RsaPkcs1 { digest })
            }
            RSASSA_PSS => parse_pss_params(params?),
            EC_PUBLIC_KEY => {
                let digest = digest_hint?;
                // Parameters, if any, name the curve (or are NULL).
                let ok = match params {
                    None | Some([0x05, 0x00]) => true,
                    Some(p) => {
                        let mut r = Reader::new(p);
                        r.expect_tag(tag::OID).is_ok() && r.finish().is_ok()
                    }
                };
                ok.then_some(SignatureScheme::Ecdsa { digest })
            }
            ED25519 => params.is_none().then_some(SignatureScheme::Ed25519),
            _ => None,
        }
    }
    /// The AlgorithmIdentifier DER to write for this scheme (e.g. sha256WithRSAEncryption
    /// with NULL parameters; RSASSA-PSS with full parameters; ecdsa-with-SHA256 without).
    pub fn algorithm_identifier(self) -> Vec<u8> {
        match self {
            SignatureScheme::RsaPkcs1 { digest } => {
                let oid = der::oid(reverse_lookup(&RSA_PKCS1_OIDS, digest));
                if digest.is_sha3() {
                    // RFC 8702: the parameters MUST be absent.
                    der::sequence(&[&oid])
                } else {
                    der::sequence(&[&oid, &der::encode(tag::NULL, &[])])
                }
            }
            SignatureScheme::RsaPss {
                digest,
                mgf_digest,
                salt_len,
            } => {
                let hash = digest.algorithm_identifier_rfc4055();
                let mgf =
                    der::sequence(&[&der::oid(MGF1), &mgf_digest.algorithm_identifier_rfc4055()]);
                // DER omits fields equal to their DEFAULT.
                let mut fields = Vec::new();
                if digest != DigestAlgorithm::Sha1 {
                    fields.push(der::encode(tag::context(0), &hash));
                }
                if mgf_digest != DigestAlgorithm::Sha1 {
                    fields.push(der::encode(tag::context(1), &mgf));
                }
                if salt_len != 20 {
                    fields.push(der::encode(
                        tag::context(2),
                        &der::integer(u64::from(salt_len)),
                    ));
                }
                let parts: Vec<&[u8]> = fields.iter().map(Vec::as_slice).collect();
                der::sequence(&[&der::oid(RSASSA_PSS), &der::sequence(&parts)])
            }
            SignatureScheme::Ecdsa { digest } => {
                der::sequence(&[&der::oid(reverse_lookup(&ECDSA_OIDS, digest))])
            }
            SignatureScheme::Ed25519 => der::sequence(&[&der::oid(ED25519)]),
        }
    }
    /// The digest the scheme uses (SHA-512 for Ed25519).
    pub fn digest(self) -> DigestAlgorithm {
        match self {
            SignatureScheme::RsaPkcs1 { digest }
            | SignatureScheme::RsaPss { digest, .. }
            | SignatureScheme::Ecdsa { digest } => digest,
            SignatureScheme::Ed25519 => DigestAlgorithm::Sha512,
        }
    }
    /// The RSA-PSS scheme kyso writes for `digest`: MGF1 with the same digest, salt length
    /// equal to the digest length.
    pub fn rsa_pss(digest: DigestAlgorithm) -> Self {
        SignatureScheme::RsaPss {
            digest,
            mgf_digest: digest,
            salt_len: digest.output_len() as u32,
        }
    }
    /// A display name ("RSA-PSS with SHA-256", "ECDSA with SHA-384").
    pub fn name(self) -> String {
        match self {
            SignatureScheme::RsaPkcs1 { digest } => {
                format!("RSA PKCS#1 v1.5 with {}", digest.name())
            }
            SignatureScheme::RsaPss {
                digest,
                mgf_digest,
                salt_len,
            } => {
                if mgf_digest == digest && salt_len as usize == digest.output_len() {
                    format!("RSA-PSS with {}", digest.name())
                } else {
                    format!(
                        "RSA-PSS with {} (MGF1 with {}, salt {salt_len})",
                        digest.name(),
                        mgf_digest.name()
                    )
                }
            }
            SignatureScheme::Ecdsa { digest } => format!("ECDSA with {}", digest.name()),
            SignatureScheme::Ed25519 => "Ed25519".to_string(),
        }
    }
    /// The longest signature this scheme makes with `key` (exact for RSA; the DER maximum for
    /// ECDSA), used to size the signature placeholder.
    pub fn max_signature_len(self, key_bits: u32) -> usize {
        let bits = key_bits as usize;
        match self {
            SignatureScheme::RsaPkcs1 { .. } | SignatureScheme::RsaPss { .. } => bits.div_ceil(8),
            SignatureScheme::Ecdsa { .. } => {
                // SEQUENCE { INTEGER r, INTEGER s }: r, s < n take at most floor(bits/8)+1
                // octets (with a leading zero when the top bit of a full octet is set).
                let int = bits / 8 + 1;
                let int_tlv = 1 + der_len_len(int) + int;
                let content = 2 * int_tlv;
                1 + der_len_len(content) + content
            }
            SignatureScheme::Ed25519 => 64,
        }
    }
}

/// Signing and verifying with OpenSSL keys. Internal (a trait in a `pub(crate)` module), so
/// that [`SignatureScheme`], which is public, shows no OpenSSL type.
pub trait SchemeKeys: Copy {
    /// Verifies `signature` over `message` (the message itself, not its digest) with
    /// `key`. `Ok(false)` for a wrong signature; `Err` for a key/scheme mismatch.
    fn verify(
        self,
        key: &PKey<Public>,
        message: &[u8],
        signature: &[u8],
    ) -> Result<bool, openssl::error::ErrorStack>;

    /// Signs `message` with `key`.
    fn sign(
        self,
        key: &PKey<Private>,
        message: &[u8],
    ) -> Result<Vec<u8>, openssl::error::ErrorStack>;

    /// Signs a precomputed digest (for external signers and PKCS#11 that sign hashes):
    /// RSA PKCS#1 v1.5 wraps it in DigestInfo, PSS and ECDSA sign it directly. Ed25519 cannot
    /// sign a digest (`Err`).
    fn sign_digest(
        self,
        key: &PKey<Private>,
        digest: &[u8],
    ) -> Result<Vec<u8>, openssl::error::ErrorStack>;

    /// Verifies a signature made over a precomputed digest (a CMS SignerInfo without signed
    /// attributes signs the content digest directly). `Ok(false)` for a wrong signature.
    fn verify_digest(
        self,
        key: &PKey<Public>,
        digest: &[u8],
        signature: &[u8],
    ) -> Result<bool, openssl::error::ErrorStack>;
}

impl SchemeKeys for SignatureScheme {
    /// Verifies `signature` over `message` (the message itself, not its digest) with
    /// `key`. `Ok(false)` for a wrong signature; `Err` for a key/scheme mismatch.
    fn verify(
        self,
        key: &PKey<Public>,
        message: &[u8],
        signature: &[u8],
    ) -> Result<bool, openssl::error::ErrorStack> {
        check_key(key, self)?;
        let mut verifier = match self {
            SignatureScheme::Ed25519 => Verifier::new_without_digest(key)?,
            _ => Verifier::new(self.digest().message_digest(), key)?,
        };
        match self {
            SignatureScheme::RsaPkcs1 { .. } => verifier.set_rsa_padding(Padding::PKCS1)?,
            SignatureScheme::RsaPss {
                mgf_digest,
                salt_len,
                ..
            } => {
                verifier.set_rsa_padding(Padding::PKCS1_PSS)?;
                verifier.set_rsa_pss_saltlen(pss_salt(salt_len)?)?;
                verifier.set_rsa_mgf1_md(mgf_digest.message_digest())?;
            }
            SignatureScheme::Ecdsa { .. } | SignatureScheme::Ed25519 => {}
        }
        // A malformed signature value (wrong length, bad ECDSA DER) is a wrong signature.
        match verifier.verify_oneshot(signature, message) {
            Ok(ok) => Ok(ok),
            Err(_) => {
                let _ = ErrorStack::get();
                Ok(false)
            }
        }
    }

    /// Signs `message` with `key`.
    fn sign(
        self,
        key: &PKey<Private>,
        message: &[u8],
    ) -> Result<Vec<u8>, openssl::error::ErrorStack> {
        check_key(key, self)?;
        let mut signer = match self {
            SignatureScheme::Ed25519 => Signer::new_without_digest(key)?,
            _ => Signer::new(self.digest().message_digest(), key)?,
        };
        match self {
            SignatureScheme::RsaPkcs1 { .. } => signer.set_rsa_padding(Padding::PKCS1)?,
            SignatureScheme::RsaPss {
                mgf_digest,
                salt_len,
                ..
            } => {
                signer.set_rsa_padding(Padding::PKCS1_PSS)?;
                signer.set_rsa_pss_saltlen(pss_salt(salt_len)?)?;
                signer.set_rsa_mgf1_md(mgf_digest.message_digest())?;
            }
            SignatureScheme::Ecdsa { .. } | SignatureScheme::Ed25519 => {}
        }
        signer.sign_oneshot_to_vec(message)
    }

    /// Signs a precomputed digest (for external signers and PKCS#11 that sign hashes):
    /// RSA PKCS#1 v1.5 wraps it in DigestInfo, PSS and ECDSA sign it directly. Ed25519 cannot
    /// sign a digest (`Err`).
    fn sign_digest(
        self,
        key: &PKey<Private>,
        digest: &[u8],
    ) -> Result<Vec<u8>, openssl::error::ErrorStack> {
        check_key(key, self)?;
        if self == SignatureScheme::Ed25519 || digest.len() != self.digest().output_len() {
            return Err(plain_error());
        }
        let mut ctx = PkeyCtx::new(key)?;
        ctx.sign_init()?;
        ctx.set_signature_md(self.digest().md())?;
        match self {
            SignatureScheme::RsaPkcs1 { .. } => ctx.set_rsa_padding(Padding::PKCS1)?,
            SignatureScheme::RsaPss {
                mgf_digest,
                salt_len,
                ..
            } => {
                ctx.set_rsa_padding(Padding::PKCS1_PSS)?;
                ctx.set_rsa_pss_saltlen(pss_salt(salt_len)?)?;
                ctx.set_rsa_mgf1_md(mgf_digest.md())?;
            }
            SignatureScheme::Ecdsa { .. } | SignatureScheme::Ed25519 => {}
        }
        let mut out = Vec::new();
        ctx.sign_to_vec(digest, &mut out)?;
        Ok(out)
    }

    /// Verifies a signature made over a precomputed digest (a CMS SignerInfo without signed
    /// attributes signs the content digest directly). `Ok(false)` for a wrong signature.
    fn verify_digest(
        self,
        key: &PKey<Public>,
        digest: &[u8],
        signature: &[u8],
    ) -> Result<bool, openssl::error::ErrorStack> {
        if self == SignatureScheme::Ed25519 || digest.len() != self.digest().output_len() {
            return Err(plain_error());
        }
        let mut ctx = PkeyCtx::new(key)?;
        ctx.verify_init()?;
        ctx.set_signature_md(self.digest().md())?;
        match self {
            SignatureScheme::RsaPkcs1 { .. } => ctx.set_rsa_padding(Padding::PKCS1)?,
            SignatureScheme::RsaPss {
                mgf_digest,
                salt_len,
                ..
            } => {
                ctx.set_rsa_padding(Padding::PKCS1_PSS)?;
                ctx.set_rsa_pss_saltlen(pss_salt(salt_len)?)?;
                ctx.set_rsa_mgf1_md(mgf_digest.md())?;
            }
            SignatureScheme::Ecdsa { .. } | SignatureScheme::Ed25519 => {}
        }
        Ok(ctx.verify(digest, signature).unwrap_or(false))
    }
}

/// Octets of a DER definite length.
fn der_len_len(len: usize) -> usize {
    if len < 0x80 {
        1
    } else {
        1 + (usize::BITS - len.leading_zeros()).div_ceil(8) as usize
    }
}

/// Public key description for reports and the algorithm policy.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct KeyInfo {
    /// "RSA", "EC", "Ed25519", …
    pub algorithm: String,
    /// Key size in bits (modulus for RSA, field size for EC).
    pub bits: u32,
    /// The named curve, for EC keys ("P-256").
    #[serde(skip_serializing_if = "Option::is_none")]
    pub curve: Option<String>,
}

impl KeyInfo {
    /// Describes a public key.
    pub(crate) fn of(key: &PKey<Public>) -> KeyInfo {
        Self::of_key(key)
    }
    /// Describes any key (public or private) by its public part.
    pub(crate) fn of_key<T: HasPublic>(key: &PKeyRef<T>) -> KeyInfo {
        let id = key.id();
        let (algorithm, bits, curve) = if id == Id::RSA || id == Id::RSA_PSS {
            ("RSA".to_string(), key.bits(), None)
        } else if id == Id::EC {
            let curve = key
                .ec_key()
                .ok()
                .and_then(|ec| ec.group().curve_name())
                .map(curve_name);
            ("EC".to_string(), key.bits(), curve)
        } else if id == Id::ED25519 {
            ("Ed25519".to_string(), 256, None)
        } else if id == Id::ED448 {
            ("Ed448".to_string(), 456, None)
        } else if id == Id::DSA {
            ("DSA".to_string(), key.bits(), None)
        } else {
            (format!("unknown (NID {})", id.as_raw()), key.bits(), None)
        };
        KeyInfo {
            algorithm,
            bits,
            curve,
        }
    }
    /// Whether the key is weak (RSA < 2048 bits, EC < 256 bits).
    pub fn is_weak(&self) -> bool {
        (self.algorithm == "RSA" && self.bits < 2048) || (self.algorithm == "EC" && self.bits < 256)
    }
}

/// The display name of an EC curve ("P-256"), else OpenSSL's short name.
fn curve_name(nid: Nid) -> String {
    match nid {
        Nid::X9_62_PRIME256V1 => "P-256".to_string(),
        Nid::SECP384R1 => "P-384".to_string(),
        Nid::SECP521R1 => "P-521".to_string(),
        Nid::SECP224R1 => "P-224".to_string(),
        Nid::X9_62_PRIME192V1 => "P-192".to_string(),
        other => other
            .short_name()
            .map(str::to_string)
            .unwrap_or_else(|_| format!("NID {}", other.as_raw())),
    }
}

/// Well-known OIDs.
pub mod oids {
    /// id-data
    pub const DATA: &str = "1.2.840.113549.1.7.1";
    /// id-signedData
    pub const SIGNED_DATA: &str = "1.2.840.113549.1.7.2";
    /// id-contentType
    pub const CONTENT_TYPE: &str = "1.2.840.113549.1.9.3";
    /// id-messageDigest
    pub const MESSAGE_DIGEST: &str = "1.2.840.113549.1.9.4";
    /// id-signingTime
    pub(crate) const SIGNING_TIME: &str = "1.2.840.113549.1.9.5";
    /// id-aa-signingCertificate (ESS, SHA-1)
    pub(crate) const SIGNING_CERTIFICATE: &str = "1.2.840.113549.1.9.16.2.12";
    /// id-aa-signingCertificateV2 (ESS)
    pub(crate) const SIGNING_CERTIFICATE_V2: &str = "1.2.840.113549.1.9.16.2.47";
    /// id-aa-signatureTimeStampToken
    pub const SIGNATURE_TIMESTAMP_TOKEN: &str = "1.2.840.113549.1.9.16.2.14";
    /// id-ct-TSTInfo
    pub(crate) const TST_INFO: &str = "1.2.840.113549.1.9.16.1.4";
    /// id-aa-ets-revocationValues / adbe-revocationInfoArchival
    pub(crate) const ADBE_REVOCATION_INFO_ARCHIVAL: &str = "1.2.840.113583.1.1.8";
}

#[cfg(test)]
mod tests {
    use super::*;
    use openssl::ec::{EcGroup, EcKey};
    use openssl::rsa::Rsa;

    fn public(key: &PKey<Private>) -> PKey<Public> {
        PKey::public_key_from_der(&key.public_key_to_der().unwrap()).unwrap()
    }
    fn rsa(bits: u32) -> PKey<Private> {
        PKey::from_rsa(Rsa::generate(bits).unwrap()).unwrap()
    }
    fn ec(nid: Nid) -> PKey<Private> {
        PKey::from_ec_key(EcKey::generate(&EcGroup::from_curve_name(nid).unwrap()).unwrap())
            .unwrap()
    }

    /// Splits an AlgorithmIdentifier DER into (OID, params DER).
    fn split_alg(der_alg: &[u8]) -> (String, Option<Vec<u8>>) {
        let mut r = Reader::new(der_alg);
        let seq = r.expect_tag(tag::SEQUENCE).unwrap();
        r.finish().unwrap();
        let mut a = r.nested(&seq).unwrap();
        let oid = a.expect_tag(tag::OID).unwrap().to_oid_string().unwrap();
        let params = if a.is_empty() {
            None
        } else {
            Some(a.read().unwrap().raw.to_vec())
        };
        a.finish().unwrap();
        (oid, params)
    }

    #[test]
    fn digest_oids_round_trip_and_hash_like_openssl() {
        for d in DigestAlgorithm::ALL {
            assert_eq!(DigestAlgorithm::from_oid(d.oid()), Some(d));
            assert_eq!(
                der::oid_to_string(&der::oid_from_str(d.oid())).unwrap(),
                d.oid()
            );
            let data: Vec<u8> = (0..1000u32).map(|i| (i * 7) as u8).collect();
            let expected = openssl::hash::hash(d.message_digest(), &data)
                .unwrap()
                .to_vec();
            assert_eq!(d.digest(&data), expected, "{}", d.name());
            assert_eq!(expected.len(), d.output_len());
            let mut h = d.hasher();
            h.update(&data[..10]);
            h.update(&data[10..]);
            assert_eq!(h.finish(), expected);
        }
        assert_eq!(DigestAlgorithm::from_oid("1.2.3"), None);
        assert_eq!(
            hex(&DigestAlgorithm::Sha256.digest(b"abc")),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        assert_eq!(
            hex(&DigestAlgorithm::Sha1.digest(b"abc")),
            "a9993e364706816aba3e25717850c26c9cd0d89d"
        );
        assert_eq!(
            hex(&DigestAlgorithm::Sha3_256.digest(b"abc")),
            "3a985da74fe225b2045c172d6bd390bd855f086e3e9d525b46bfe24511431532"
        );
    }

    fn hex(b: &[u8]) -> String {
        b.iter().map(|x| format!("{x:02x}")).collect()
    }

    #[test]
    fn scheme_oids() {
        use DigestAlgorithm::*;
        type Case<'a> = (
            &'a str,
            Option<&'a [u8]>,
            Option<DigestAlgorithm>,
            Option<SignatureScheme>,
        );
        let cases: &[Case<'_>] = &[
            (
                "1.2.840.113549.1.1.11",
                Some(&[5, 0]),
                None,
                Some(SignatureScheme::RsaPkcs1 { digest: Sha256 }),
            ),
            (
                "1.2.840.113549.1.1.11",
                None,
                Some(Sha1),
                Some(SignatureScheme::RsaPkcs1 { digest: Sha256 }),
            ),
            (
                "1.2.840.113549.1.1.5",
                Some(&[5, 0]),
                None,
                Some(SignatureScheme::RsaPkcs1 { digest: Sha1 }),
            ),
            (
                "1.2.840.113549.1.1.14",
                None,
                None,
                Some(SignatureScheme::RsaPkcs1 { digest: Sha224 }),
            ),
            (
                "1.2.840.113549.1.1.12",
                None,
                None,
                Some(SignatureScheme::RsaPkcs1 { digest: Sha384 }),
            ),
            (
                "1.2.840.113549.1.1.13",
                None,
                None,
                Some(SignatureScheme::RsaPkcs1 { digest: Sha512 }),
            ),
            ("1.2.840.113549.1.1.11", Some(&[2, 1, 0]), None, None),
            (
                "1.2.840.113549.1.1.1",
                Some(&[5, 0]),
                Some(Sha384),
                Some(SignatureScheme::RsaPkcs1 { digest: Sha384 }),
            ),
            ("1.2.840.113549.1.1.1", Some(&[5, 0]), None, None),
            (
                "2.16.840.1.101.3.4.3.14",
                None,
                None,
                Some(SignatureScheme::RsaPkcs1 { digest: Sha3_256 }),
            ),
            (
                "2.16.840.1.101.3.4.3.16",
                None,
                None,
                Some(SignatureScheme::RsaPkcs1 { digest: Sha3_512 }),
            ),
            (
                "1.2.840.10045.4.1",
                None,
                None,
                Some(SignatureScheme::Ecdsa { digest: Sha1 }),
            ),
            (
                "1.2.840.10045.4.3.1",
                None,
                None,
                Some(SignatureScheme::Ecdsa { digest: Sha224 }),
            ),
            (
                "1.2.840.10045.4.3.2",
                None,
                Some(Sha512),
                Some(SignatureScheme::Ecdsa { digest: Sha256 }),
            ),
            (
                "1.2.840.10045.4.3.3",
                None,
                None,
                Some(SignatureScheme::Ecdsa { digest: Sha384 }),
            ),
            (
                "1.2.840.10045.4.3.4",
                None,
                None,
                Some(SignatureScheme::Ecdsa { digest: Sha512 }),
            ),
            (
                "2.16.840.1.101.3.4.3.11",
                None,
                None,
                Some(SignatureScheme::Ecdsa { digest: Sha3_384 }),
            ),
            (
                "1.2.840.10045.2.1",
                None,
                Some(Sha256),
                Some(SignatureScheme::Ecdsa { digest: Sha256 }),
            ),
            (
                "1.2.840.10045.2.1",
                Some(&[6, 8, 0x2a, 0x86, 0x48, 0xce, 0x3d, 3, 1, 7]),
                Some(Sha256),
                Some(SignatureScheme::Ecdsa { digest: Sha256 }),
            ),
            ("1.2.840.10045.2.1", None, None, None),
            (
                "1.3.101.112",
                None,
                Some(Sha256),
                Some(SignatureScheme::Ed25519),
            ),
            ("1.3.101.112", Some(&[5, 0]), None, None),
            ("1.2.840.113549.1.1.10", None, Some(Sha256), None),
            ("1.2.3.4", None, Some(Sha256), None),
        ];
        for (oid, params, hint, expected) in cases {
            assert_eq!(
                SignatureScheme::from_algorithm(oid, *params, *hint),
                *expected,
                "{oid} {params:?}"
            );
        }
    }

    #[test]
    fn pss_params() {
        use DigestAlgorithm::*;
        let pss = |p: &[u8]| {
            SignatureScheme::from_algorithm("1.2.840.113549.1.1.10", Some(p), Some(Sha256))
        };
        // Empty SEQUENCE: all defaults (RFC 4055).
        assert_eq!(
            pss(&[0x30, 0x00]),
            Some(SignatureScheme::RsaPss {
                digest: Sha1,
                mgf_digest: Sha1,
                salt_len: 20
            })
        );
        // A typical SHA-256 parameter set (as OpenSSL writes it).
        let p = hex_decode(
            "3034a00f300d06096086480165030402010500a11c301a06092a864886f70d010108300d06096086480165030402010500a203020120",
        );
        assert_eq!(pss(&p), Some(SignatureScheme::rsa_pss(Sha256)));
        // trailerField 1 is accepted, 2 is not.
        let mut with_trailer = p.clone();
        with_trailer.extend_from_slice(&[0xa3, 0x03, 0x02, 0x01, 0x01]);
        with_trailer[1] += 5;
        assert_eq!(pss(&with_trailer), Some(SignatureScheme::rsa_pss(Sha256)));
        let last = with_trailer.len() - 1;
        with_trailer[last] = 2;
        assert_eq!(pss(&with_trailer), None);
        // Unknown MGF, unknown hash, trailing garbage, NULL params.
        assert_eq!(
            pss(&[0x30, 0x09, 0xa1, 0x07, 0x30, 0x05, 0x06, 0x03, 0x2a, 0x03, 0x04]),
            None
        );
        assert_eq!(
            pss(&[0x30, 0x09, 0xa0, 0x07, 0x30, 0x05, 0x06, 0x03, 0x2a, 0x03, 0x04]),
            None
        );
        assert_eq!(pss(&[0x30, 0x00, 0x00]), None);
        assert_eq!(pss(&[0x05, 0x00]), None);
        // Salt length 0 and a SHA-384/MGF1-SHA-256 mix.
        let s = SignatureScheme::RsaPss {
            digest: Sha384,
            mgf_digest: Sha256,
            salt_len: 0,
        };
        let (oid, params) = split_alg(&s.algorithm_identifier());
        assert_eq!(oid, "1.2.840.113549.1.1.10");
        assert_eq!(pss(&params.unwrap()), Some(s));
    }

    fn hex_decode(s: &str) -> Vec<u8> {
        (0..s.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
            .collect()
    }

    #[test]
    fn algorithm_identifiers_round_trip() {
        for d in DigestAlgorithm::ALL {
            for s in [
                SignatureScheme::RsaPkcs1 { digest: d },
                SignatureScheme::rsa_pss(d),
                SignatureScheme::Ecdsa { digest: d },
            ] {
                let (oid, params) = split_alg(&s.algorithm_identifier());
                assert_eq!(
                    SignatureScheme::from_algorithm(&oid, params.as_deref(), None),
                    Some(s),
                    "{}",
                    s.name()
                );
            }
        }
        let (oid, params) = split_alg(
            &SignatureScheme::RsaPkcs1 {
                digest: DigestAlgorithm::Sha256,
            }
            .algorithm_identifier(),
        );
        assert_eq!(
            (oid.as_str(), params),
            ("1.2.840.113549.1.1.11", Some(vec![5, 0]))
        );
        let (oid, params) = split_alg(
            &SignatureScheme::Ecdsa {
                digest: DigestAlgorithm::Sha384,
            }
            .algorithm_identifier(),
        );
        assert_eq!((oid.as_str(), params), ("1.2.840.10045.4.3.3", None));
        let (oid, params) = split_alg(&SignatureScheme::Ed25519.algorithm_identifier());
        assert_eq!((oid.as_str(), params), ("1.3.101.112", None));
        assert_eq!(
            DigestAlgorithm::Sha256.algorithm_identifier(),
            hex_decode("300b0609608648016503040201")
        );
    }

    #[test]
    fn names() {
        assert_eq!(
            SignatureScheme::rsa_pss(DigestAlgorithm::Sha256).name(),
            "RSA-PSS with SHA-256"
        );
        assert_eq!(
            SignatureScheme::Ecdsa {
                digest: DigestAlgorithm::Sha384
            }
            .name(),
            "ECDSA with SHA-384"
        );
        assert_eq!(SignatureScheme::Ed25519.digest(), DigestAlgorithm::Sha512);
    }

    #[test]
    fn max_signature_lengths() {
        let e = SignatureScheme::Ecdsa {
            digest: DigestAlgorithm::Sha256,
        };
        assert_eq!(e.max_signature_len(256), 72);
        assert_eq!(e.max_signature_len(384), 104);
        assert_eq!(e.max_signature_len(521), 139);
        assert_eq!(
            SignatureScheme::RsaPkcs1 {
                digest: DigestAlgorithm::Sha256
            }
            .max_signature_len(2048),
            256
        );
        assert_eq!(
            SignatureScheme::rsa_pss(DigestAlgorithm::Sha256).max_signature_len(3071),
            384
        );
        assert_eq!(SignatureScheme::Ed25519.max_signature_len(256), 64);
        // Real signatures never exceed the bound.
        for (nid, bits) in [(Nid::X9_62_PRIME256V1, 256), (Nid::SECP521R1, 521)] {
            let k = ec(nid);
            for _ in 0..20 {
                let sig = e.sign(&k, b"m").unwrap();
                assert!(sig.len() <= e.max_signature_len(bits));
            }
        }
    }

    #[test]
    fn sign_verify_and_sign_digest() {
        let r = rsa(2048);
        let p256 = ec(Nid::X9_62_PRIME256V1);
        let p384 = ec(Nid::SECP384R1);
        let ed = PKey::generate_ed25519().unwrap();
        let msg = b"the message";
        let mut cases = vec![(SignatureScheme::Ed25519, &ed)];
        for d in [
            DigestAlgorithm::Sha1,
            DigestAlgorithm::Sha256,
            DigestAlgorithm::Sha512,
            DigestAlgorithm::Sha3_256,
        ] {
            cases.push((SignatureScheme::RsaPkcs1 { digest: d }, &r));
            cases.push((SignatureScheme::rsa_pss(d), &r));
            cases.push((SignatureScheme::Ecdsa { digest: d }, &p256));
            cases.push((SignatureScheme::Ecdsa { digest: d }, &p384));
        }
        for (s, key) in cases {
            let pk = public(key);
            let sig = s.sign(key, msg).unwrap();
            assert!(s.verify(&pk, msg, &sig).unwrap(), "{}", s.name());
            assert!(!s.verify(&pk, b"other", &sig).unwrap(), "{}", s.name());
            let mut bad = sig.clone();
            let mid = bad.len() / 2;
            bad[mid] ^= 1;
            assert!(!s.verify(&pk, msg, &bad).unwrap(), "{}", s.name());
            assert!(
                !s.verify(&pk, msg, &sig[..sig.len() - 1]).unwrap(),
                "{}",
                s.name()
            );
            if s == SignatureScheme::Ed25519 {
                assert!(s
                    .sign_digest(key, &DigestAlgorithm::Sha512.digest(msg))
                    .is_err());
                continue;
            }
            let digest = s.digest().digest(msg);
            let sig = s.sign_digest(key, &digest).unwrap();
            assert!(
                s.verify(&pk, msg, &sig).unwrap(),
                "sign_digest {}",
                s.name()
            );
            assert!(s.sign_digest(key, &digest[1..]).is_err());
        }
        // RSA PKCS#1 over a digest is deterministic and equals the message signature.
        let s = SignatureScheme::RsaPkcs1 {
            digest: DigestAlgorithm::Sha256,
        };
        assert_eq!(
            s.sign(&r, msg).unwrap(),
            s.sign_digest(&r, &DigestAlgorithm::Sha256.digest(msg))
                .unwrap()
        );
        // Key/scheme mismatches are errors.
        assert!(s.verify(&public(&p256), msg, &[0; 256]).is_err());
        assert!(s.sign(&ed, msg).is_err());
        let e = SignatureScheme::Ecdsa {
            digest: DigestAlgorithm::Sha256,
        };
        assert!(e.verify(&public(&r), msg, &[0; 72]).is_err());
        assert!(SignatureScheme::Ed25519
            .verify(&public(&r), msg, &[0; 64])
            .is_err());
        // PSS with the wrong salt length does not verify.
        let pss = SignatureScheme::rsa_pss(DigestAlgorithm::Sha256);
        let sig = pss.sign(&r, msg).unwrap();
        let other = SignatureScheme::RsaPss {
            digest: DigestAlgorithm::Sha256,
            mgf_digest: DigestAlgorithm::Sha256,
            salt_len: 20,
        };
        assert!(!other.verify(&public(&r), msg, &sig).unwrap());
    }

    #[test]
    fn key_info() {
        let k = KeyInfo::of(&public(&rsa(1024)));
        assert_eq!(
            (k.algorithm.as_str(), k.bits, k.curve.as_deref()),
            ("RSA", 1024, None)
        );
        assert!(k.is_weak());
        for (nid, bits, name) in [
            (Nid::X9_62_PRIME256V1, 256, "P-256"),
            (Nid::SECP384R1, 384, "P-384"),
            (Nid::SECP521R1, 521, "P-521"),
        ] {
            let k = KeyInfo::of(&public(&ec(nid)));
            assert_eq!(
                (k.algorithm.as_str(), k.bits, k.curve.as_deref()),
                ("EC", bits, Some(name))
            );
            assert!(!k.is_weak());
        }
        let k = KeyInfo::of(&public(&PKey::generate_ed25519().unwrap()));
        assert_eq!((k.algorithm.as_str(), k.bits), ("Ed25519", 256));
    }
}

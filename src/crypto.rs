//! Algorithms: digests and signature schemes, their OIDs, and the OpenSSL primitives behind
//! them. Everything that names an algorithm goes through here, so the policy ("SHA-1 is
//! weak", "RSA < 2048 is weak") lives in one place.

use openssl::pkey::{PKey, Private, Public};

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
    /// From a dotted OID.
    pub fn from_oid(oid: &str) -> Option<Self> {
        todo!("{oid}")
    }
    /// The dotted OID.
    pub fn oid(self) -> &'static str {
        todo!()
    }
    /// A display name ("SHA-256").
    pub fn name(self) -> &'static str {
        todo!()
    }
    /// Output length in bytes.
    pub fn output_len(self) -> usize {
        todo!()
    }
    /// Whether it is considered weak for signatures (SHA-1).
    pub fn is_weak(self) -> bool {
        matches!(self, DigestAlgorithm::Sha1)
    }
    /// A streaming hasher.
    pub fn hasher(self) -> Hasher {
        todo!()
    }
    /// Digest of `data` in one call.
    pub fn digest(self, data: &[u8]) -> Vec<u8> {
        let mut h = self.hasher();
        h.update(data);
        h.finish()
    }
    /// The OpenSSL message digest.
    pub fn message_digest(self) -> openssl::hash::MessageDigest {
        todo!()
    }
}

/// A streaming hasher (SHA-2 through the `sha2` crate, which uses the CPU's SHA extensions;
/// SHA-1 and SHA-3 through OpenSSL).
pub struct Hasher {
    inner: HasherInner,
}

#[allow(dead_code)]
enum HasherInner {
    Sha224(sha2::Sha224),
    Sha256(sha2::Sha256),
    Sha384(sha2::Sha384),
    Sha512(sha2::Sha512),
    OpenSsl(openssl::hash::Hasher),
}

impl Hasher {
    /// Feeds bytes.
    pub fn update(&mut self, data: &[u8]) {
        let _ = &self.inner;
        todo!("{}", data.len())
    }
    /// The digest.
    pub fn finish(self) -> Vec<u8> {
        todo!()
    }
}

/// A signature scheme as used in a SignerInfo (or a certificate).
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
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
        todo!("{oid} {params:?} {digest_hint:?}")
    }
    /// The AlgorithmIdentifier DER to write for this scheme (e.g. sha256WithRSAEncryption
    /// with NULL parameters; RSASSA-PSS with full parameters; ecdsa-with-SHA256 without).
    pub fn algorithm_identifier(self) -> Vec<u8> {
        todo!()
    }
    /// The digest the scheme uses (SHA-512 for Ed25519).
    pub fn digest(self) -> DigestAlgorithm {
        todo!()
    }
    /// A display name ("RSA-PSS with SHA-256", "ECDSA with SHA-384").
    pub fn name(self) -> String {
        todo!()
    }
    /// Verifies `signature` over `message` (the message itself, not its digest) with
    /// `key`. `Ok(false)` for a wrong signature; `Err` for a key/scheme mismatch.
    pub fn verify(
        self,
        key: &PKey<Public>,
        message: &[u8],
        signature: &[u8],
    ) -> Result<bool, openssl::error::ErrorStack> {
        todo!("{key:?} {} {}", message.len(), signature.len())
    }
    /// Signs `message` with `key`.
    pub fn sign(self, key: &PKey<Private>, message: &[u8]) -> Result<Vec<u8>, openssl::error::ErrorStack> {
        todo!("{key:?} {}", message.len())
    }
    /// Signs a precomputed digest (for external signers and PKCS#11 that sign hashes):
    /// RSA PKCS#1 v1.5 wraps it in DigestInfo, PSS and ECDSA sign it directly. Ed25519 cannot
    /// sign a digest (`Err`).
    pub fn sign_digest(self, key: &PKey<Private>, digest: &[u8]) -> Result<Vec<u8>, openssl::error::ErrorStack> {
        todo!("{key:?} {}", digest.len())
    }
    /// The longest signature this scheme makes with `key` (exact for RSA; the DER maximum for
    /// ECDSA), used to size the signature placeholder.
    pub fn max_signature_len(self, key_bits: u32) -> usize {
        todo!("{key_bits}")
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
    pub fn of(key: &PKey<Public>) -> KeyInfo {
        todo!("{key:?}")
    }
    /// Whether the key is weak (RSA < 2048 bits, EC < 256 bits).
    pub fn is_weak(&self) -> bool {
        (self.algorithm == "RSA" && self.bits < 2048) || (self.algorithm == "EC" && self.bits < 256)
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
    pub const SIGNING_TIME: &str = "1.2.840.113549.1.9.5";
    /// id-aa-signingCertificate (ESS, SHA-1)
    pub const SIGNING_CERTIFICATE: &str = "1.2.840.113549.1.9.16.2.12";
    /// id-aa-signingCertificateV2 (ESS)
    pub const SIGNING_CERTIFICATE_V2: &str = "1.2.840.113549.1.9.16.2.47";
    /// id-aa-signatureTimeStampToken
    pub const SIGNATURE_TIMESTAMP_TOKEN: &str = "1.2.840.113549.1.9.16.2.14";
    /// id-ct-TSTInfo
    pub const TST_INFO: &str = "1.2.840.113549.1.9.16.1.4";
    /// id-aa-ets-revocationValues / adbe-revocationInfoArchival
    pub const ADBE_REVOCATION_INFO_ARCHIVAL: &str = "1.2.840.113583.1.1.8";
    /// CMS algorithm protection
    pub const CMS_ALGORITHM_PROTECTION: &str = "1.2.840.113549.1.9.52";
}

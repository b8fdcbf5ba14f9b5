//! Signers: anything that holds a certificate chain and can sign. [`KeySigner`] holds a
//! private key in memory, loaded once from PKCS#12 or PEM; tokens and remote services
//! implement [`Signer`] too.

use openssl::pkey::{Id, PKey, Private};

use crate::crypto::SchemeKeys as _;
use crate::crypto::{DigestAlgorithm, SignatureScheme};
use crate::pki::Certificate;

use super::SignError;

/// Something that can sign for a certificate: a key file ([`KeySigner`]), a PKCS#11 token or
/// HSM (`Pkcs11Signer`, feature `pkcs11`), a remote service
/// ([`CallbackSigner`](super::external::CallbackSigner)), or your own implementation. Every
/// signing path (levels, certification, batches) takes a `&dyn Signer`.
///
/// Implementations must be cheap to call many times: unlock once, sign many.
///
/// Devices that sign a digest rather than the message implement [`Signer::sign`] by hashing
/// `message` with `self.scheme().digest()` and converting what the device returns into the
/// CMS form: [`digest_info`](super::external::digest_info) wraps the digest for raw RSA
/// PKCS#1 v1.5 (`CKM_RSA_PKCS`), [`ecdsa_raw_to_der`](super::external::ecdsa_raw_to_der)
/// turns an ECDSA `r || s` (`CKM_ECDSA`) into DER. [`CallbackSigner`](super::external::CallbackSigner)
/// does both for a closure.
pub trait Signer: Send + Sync {
    /// The signer's certificate.
    fn certificate(&self) -> &Certificate;
    /// The rest of the chain (intermediates, optionally the root) to embed.
    fn chain(&self) -> &[Certificate];
    /// The scheme this signer uses.
    fn scheme(&self) -> SignatureScheme;
    /// Signs `message` (the DER of the signed attributes) with the scheme, returning the
    /// signature value as it goes into the CMS (the RSA signature block; DER
    /// `ECDSA-Sig-Value` for ECDSA).
    ///
    /// # Errors
    /// When the key or device fails.
    fn sign(&self, message: &[u8]) -> Result<Vec<u8>, SignError>;
    /// An upper bound of the signature length, to size the placeholder.
    fn max_signature_len(&self) -> usize {
        self.scheme()
            .max_signature_len(self.certificate().key_info().bits)
    }
}

/// A private key in memory with its certificate chain.
pub struct KeySigner {
    key: PKey<Private>,
    cert: Certificate,
    chain: Vec<Certificate>,
    scheme: SignatureScheme,
}

impl std::fmt::Debug for KeySigner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "KeySigner({}, {:?})", self.cert.subject(), self.scheme)
    }
}

impl KeySigner {
    /// A signer from a key and its certificate chain (signer first). The scheme defaults to
    /// RSA PKCS#1 v1.5 or ECDSA with SHA-256 (SHA-384 for P-384 keys, SHA-512 for P-521).
    ///
    /// # Errors
    /// When the key does not belong to the certificate, or its type is unsupported.
    pub(crate) fn new(
        key: PKey<Private>,
        cert: Certificate,
        chain: Vec<Certificate>,
    ) -> Result<Self, SignError> {
        let cert_key = cert.public_key();
        if !key.public_eq(cert_key) {
            return Err(SignError::Key(
                "the private key does not match the certificate".into(),
            ));
        }
        let scheme = default_scheme(
            key.id(),
            cert.key_info().bits,
            DigestAlgorithm::Sha256,
            false,
        )?;
        let chain = chain.into_iter().filter(|c| c != &cert).collect();
        Ok(KeySigner {
            key,
            cert,
            chain,
            scheme,
        })
    }

    /// A signer from a private key in DER (PKCS#8 or the traditional RSA / EC encodings),
    /// its certificate and chain (signer first).
    ///
    /// # Errors
    /// When the key cannot be read, does not belong to the certificate, or its type is
    /// unsupported.
    pub fn from_key_der(
        key_der: &[u8],
        cert: Certificate,
        chain: Vec<Certificate>,
    ) -> Result<Self, SignError> {
        let key = PKey::private_key_from_der(key_der)
            .map_err(|e| SignError::Key(format!("not a private key: {e}")))?;
        KeySigner::new(key, cert, chain)
    }

    /// Loads a PKCS#12 file's key, certificate and chain.
    ///
    /// # Errors
    /// Wrong password, malformed file, or no key/certificate in it.
    pub fn from_pkcs12(der: &[u8], password: &str) -> Result<Self, SignError> {
        let p12 = openssl::pkcs12::Pkcs12::from_der(der)
            .map_err(|e| SignError::Key(format!("not a PKCS#12 file: {e}")))?;
        let parsed = p12.parse2(password).map_err(|_| {
            SignError::Key(
                "cannot open the PKCS#12 file: wrong password or unsupported encryption".into(),
            )
        })?;
        let key = parsed
            .pkey
            .ok_or_else(|| SignError::Key("the PKCS#12 file holds no private key".into()))?;
        let x509 = parsed
            .cert
            .ok_or_else(|| SignError::Key("the PKCS#12 file holds no certificate".into()))?;
        let cert =
            Certificate::from_der(&x509.to_der().map_err(|e| SignError::Key(e.to_string()))?)
                .map_err(|e| SignError::Key(e.to_string()))?;
        let mut chain = Vec::new();
        if let Some(ca) = parsed.ca {
            for c in ca.iter() {
                if let Ok(der) = c.to_der() {
                    if let Ok(c) = Certificate::from_der(&der) {
                        chain.push(c);
                    }
                }
            }
        }
        Self::new(key, cert, order_chain(chain))
    }

    /// Loads a PEM private key (PKCS#8 or traditional), a certificate, and an optional chain.
    ///
    /// # Errors
    /// Malformed PEM, or a key that does not match the certificate.
    pub fn from_pem(
        key_pem: &[u8],
        cert_pem: &[u8],
        chain_pem: Option<&[u8]>,
    ) -> Result<Self, SignError> {
        let key = PKey::private_key_from_pem(key_pem)
            .map_err(|e| SignError::Key(format!("cannot read the private key: {e}")))?;
        let mut certs =
            Certificate::from_pem_or_der(cert_pem).map_err(|e| SignError::Key(e.to_string()))?;
        if certs.is_empty() {
            return Err(SignError::Key(
                "no certificate in the certificate file".into(),
            ));
        }
        let cert = certs.remove(0);
        let mut chain = certs;
        if let Some(c) = chain_pem {
            chain.extend(
                Certificate::from_pem_or_der(c).map_err(|e| SignError::Key(e.to_string()))?,
            );
        }
        Self::new(key, cert, order_chain(chain))
    }

    /// Uses `digest` (and RSASSA-PSS instead of PKCS#1 v1.5 for RSA keys when `pss`).
    ///
    /// # Errors
    /// When the combination is not supported for this key.
    pub fn with_algorithm(mut self, digest: DigestAlgorithm, pss: bool) -> Result<Self, SignError> {
        self.scheme = default_scheme(self.key.id(), self.cert.key_info().bits, digest, pss)?;
        Ok(self)
    }

}

/// Puts intermediates in issuing order (closest to the signer first) where names allow.
fn order_chain(chain: Vec<Certificate>) -> Vec<Certificate> {
    chain
}

/// The scheme a signer for `cert`'s key uses with `digest` (RSASSA-PSS instead of PKCS#1
/// v1.5 for RSA keys when `pss`): the same choice [`KeySigner`] makes, for signers whose key
/// is elsewhere (tokens, remote services).
///
/// # Errors
/// When the combination is not supported for this key.
pub(crate) fn scheme_for_certificate(
    cert: &Certificate,
    digest: DigestAlgorithm,
    pss: bool,
) -> Result<SignatureScheme, SignError> {
    default_scheme(cert.public_key().id(), cert.key_info().bits, digest, pss)
}

fn default_scheme(
    key_id: Id,
    bits: u32,
    digest: DigestAlgorithm,
    pss: bool,
) -> Result<SignatureScheme, SignError> {
    match key_id {
        Id::RSA if pss => Ok(SignatureScheme::RsaPss {
            digest,
            mgf_digest: digest,
            salt_len: u32::try_from(digest.output_len()).unwrap_or(32),
        }),
        Id::RSA => Ok(SignatureScheme::RsaPkcs1 { digest }),
        Id::EC if pss => Err(SignError::Key("RSASSA-PSS needs an RSA key".into())),
        Id::EC => {
            // Match the digest to the curve unless the caller chose a stronger one.
            let curve_digest = match bits {
                0..=256 => DigestAlgorithm::Sha256,
                257..=384 => DigestAlgorithm::Sha384,
                _ => DigestAlgorithm::Sha512,
            };
            let d = if digest.output_len() >= curve_digest.output_len() {
                digest
            } else {
                curve_digest
            };
            Ok(SignatureScheme::Ecdsa { digest: d })
        }
        Id::ED25519 => Ok(SignatureScheme::Ed25519),
        other => Err(SignError::Key(format!("unsupported key type {other:?}"))),
    }
}

impl Signer for KeySigner {
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
        self.scheme
            .sign(&self.key, message)
            .map_err(|e| SignError::Key(format!("signing failed: {e}")))
    }
}

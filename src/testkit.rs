//! Test and demonstration material generated in code: a PKI and sample PDFs.
//!
//! Tests, examples, benchmarks and the bundled sample all come from here, so every fixture
//! can be regenerated and explains itself. Not for production keys.
//!
//! [`TestPki::generate`] builds: a root CA (RSA-2048) → an intermediate CA (RSA-2048) →
//! leaves: RSA-2048 and ECDSA P-256 signers (keyUsage digitalSignature + nonRepudiation),
//! an expired leaf, a not-yet-valid leaf, a leaf without digitalSignature/nonRepudiation
//! (keyEncipherment only), an RSA-1024 leaf; and an untrusted self-signed look-alike root
//! with the same subject as the real root, issuing a look-alike leaf with the RSA leaf's
//! subject.

use openssl::pkey::{PKey, Private};
use openssl::x509::X509;

use crate::pki::Certificate;

/// Key type for generated certificates.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeySpec {
    /// RSA with this many bits.
    Rsa(u32),
    /// ECDSA P-256.
    EcP256,
    /// ECDSA P-384.
    EcP384,
}

/// What to put in a generated certificate.
#[derive(Debug, Clone)]
pub struct CertSpec {
    /// Subject attributes in order, as (short name or dotted OID, UTF-8 value), e.g.
    /// `("CN", "Nguyễn Văn A")`, `("0.9.2342.19200300.100.1.1", "CCCD:001099012345")`.
    pub subject: Vec<(String, String)>,
    /// Key type.
    pub key: KeySpec,
    /// notBefore, Unix seconds.
    pub not_before: i64,
    /// notAfter, Unix seconds.
    pub not_after: i64,
    /// CA certificate (basicConstraints cA, keyUsage keyCertSign+cRLSign), with path length.
    pub ca: Option<Option<u32>>,
    /// Key usage for end entities (ignored for CAs): e.g. "digitalSignature,nonRepudiation".
    pub key_usage: String,
    /// Extended key usages (e.g. "timeStamping", critical when present), comma separated or
    /// empty.
    pub extended_key_usage: String,
    /// OCSP responder URL to put in authorityInfoAccess.
    pub ocsp_url: Option<String>,
    /// CRL distribution point URL.
    pub crl_url: Option<String>,
}

impl CertSpec {
    /// An end-entity spec with CN `cn`, RSA-2048, valid from one day ago for ten years,
    /// keyUsage digitalSignature+nonRepudiation.
    pub fn leaf(cn: &str) -> Self {
        todo!("{cn}")
    }
    /// A CA spec with CN `cn`, RSA-2048, valid from one day ago for twenty years.
    pub fn ca(cn: &str) -> Self {
        todo!("{cn}")
    }
}

/// A generated certificate with its private key.
#[derive(Clone)]
pub struct Issued {
    /// The certificate (OpenSSL form).
    pub x509: X509,
    /// The private key.
    pub key: PKey<Private>,
    /// The certificate (kyso form).
    pub cert: Certificate,
}

impl Issued {
    /// A self-signed CA.
    pub fn self_signed(spec: &CertSpec) -> Self {
        todo!("{spec:?}")
    }
    /// A certificate issued by `self`.
    pub fn issue(&self, spec: &CertSpec) -> Issued {
        todo!("{spec:?}")
    }
    /// PEM of the certificate.
    pub fn cert_pem(&self) -> Vec<u8> {
        todo!()
    }
    /// PEM (PKCS#8) of the private key.
    pub fn key_pem(&self) -> Vec<u8> {
        todo!()
    }
    /// A PKCS#12 with the key, the certificate and `chain`, protected by `password`.
    pub fn pkcs12(&self, password: &str, chain: &[&Issued]) -> Vec<u8> {
        todo!("{password} {}", chain.len())
    }
}

/// The standard test PKI (see the module docs).
#[derive(Clone)]
pub struct TestPki {
    /// Root CA.
    pub root: Issued,
    /// Intermediate CA (issued by root, pathlen 0).
    pub intermediate: Issued,
    /// RSA-2048 signer.
    pub rsa: Issued,
    /// ECDSA P-256 signer.
    pub ec: Issued,
    /// Expired signer (valid two years ago for one year).
    pub expired: Issued,
    /// Not yet valid (from next year).
    pub not_yet_valid: Issued,
    /// Signer without digitalSignature / nonRepudiation.
    pub no_signing_usage: Issued,
    /// RSA-1024 signer.
    pub weak_rsa: Issued,
    /// Untrusted self-signed root with the real root's subject.
    pub lookalike_root: Issued,
    /// Leaf issued by the look-alike root with the RSA signer's subject.
    pub lookalike_leaf: Issued,
}

impl TestPki {
    /// Generates a fresh PKI (takes a few hundred milliseconds: RSA key generation).
    pub fn generate() -> Self {
        todo!()
    }
    /// A process-wide PKI generated once (tests share it).
    pub fn shared() -> &'static TestPki {
        todo!()
    }
    /// The chain above the leaves: [intermediate, root].
    pub fn chain(&self) -> Vec<&Issued> {
        vec![&self.intermediate, &self.root]
    }
}

/// Options for [`sample_pdf`].
#[derive(Debug, Clone)]
pub struct SampleOptions {
    /// Number of pages.
    pub pages: usize,
    /// Use a cross-reference stream and object streams (PDF 1.5) instead of a classic table.
    pub xref_stream: bool,
    /// Text to put on page 1 (Helvetica, WinAnsi; ASCII recommended).
    pub title: String,
    /// Extra incompressible bytes (an image XObject on page 1) to reach a target size.
    pub padding: usize,
    /// Add an AcroForm with one empty signature field named "Signature1" and one text field
    /// "Comment".
    pub with_form: bool,
}

impl Default for SampleOptions {
    fn default() -> Self {
        SampleOptions { pages: 1, xref_stream: false, title: "kyso sample document".into(), padding: 0, with_form: false }
    }
}

/// A small valid PDF built in code (with lopdf), accepted by `qpdf --check`.
pub fn sample_pdf(opts: &SampleOptions) -> Vec<u8> {
    todo!("{opts:?}")
}

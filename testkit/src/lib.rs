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
//!
//! Panics: the functions here build known-good data and `expect` success from OpenSSL and
//! lopdf; they panic only if OpenSSL (or lopdf, writing to memory) fails, or on a
//! [`CertSpec`] that OpenSSL rejects (an unknown attribute label or key-usage name).
// Test material: panicking on a failure to build known-good data is the right answer.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::sync::OnceLock;
use std::time::{SystemTime, UNIX_EPOCH};

use lopdf::xref::XrefType;
use lopdf::{dictionary, Object, Stream};
use openssl::asn1::{Asn1Integer, Asn1Object, Asn1OctetString, Asn1Time, Asn1Type};
use openssl::bn::{BigNum, MsbOption};
use openssl::ec::{EcGroup, EcKey};
use openssl::hash::MessageDigest;
use openssl::nid::Nid;
use openssl::pkcs12::Pkcs12;
use openssl::pkey::{PKey, Private};
use openssl::rsa::Rsa;
use openssl::stack::Stack;
use openssl::x509::extension::{
    AuthorityKeyIdentifier, BasicConstraints, ExtendedKeyUsage, KeyUsage, SubjectKeyIdentifier,
};
use openssl::x509::{X509Builder, X509Extension, X509Name, X509NameBuilder, X509};

use kyso::pki::Certificate;

pub mod bench;
pub mod corpus;
pub mod csc;
pub mod images;

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
    /// subjectAltName entries (none: no extension).
    pub subject_alt_names: Vec<GeneralNameSpec>,
    /// nameConstraints (RFC 5280 §4.2.1.10), for CAs.
    pub name_constraints: Option<NameConstraintsSpec>,
    /// caIssuers URL to put in authorityInfoAccess (where the issuer's certificate is).
    pub ca_issuers_url: Option<String>,
}

/// A general name for subjectAltName and name constraints.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum GeneralNameSpec {
    /// rfc822Name: a mailbox, or in a constraint a host (`example.vn`) or domain (`.example.vn`).
    Email(String),
    /// dNSName.
    Dns(String),
    /// uniformResourceIdentifier (in a constraint a host or `.domain`).
    Uri(String),
    /// iPAddress: 4 or 16 bytes; in a constraint address then mask (8 or 32 bytes).
    Ip(Vec<u8>),
    /// directoryName, as (label, value) attributes like [`CertSpec::subject`].
    Directory(Vec<(String, String)>),
}

impl GeneralNameSpec {
    fn to_der(&self) -> Vec<u8> {
        match self {
            GeneralNameSpec::Email(s) => der_tlv(0x81, s.as_bytes()),
            GeneralNameSpec::Dns(s) => der_tlv(0x82, s.as_bytes()),
            GeneralNameSpec::Uri(s) => der_tlv(0x86, s.as_bytes()),
            GeneralNameSpec::Ip(b) => der_tlv(0x87, b),
            GeneralNameSpec::Directory(attrs) => {
                der_tlv(0xA4, &build_name(attrs).to_der().expect("name DER"))
            }
        }
    }
}

/// nameConstraints: permitted and excluded subtrees, and the criticality.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NameConstraintsSpec {
    /// Marked critical (RFC 5280 says it MUST be; real CAs do not always).
    pub critical: bool,
    /// permittedSubtrees bases.
    pub permitted: Vec<GeneralNameSpec>,
    /// excludedSubtrees bases.
    pub excluded: Vec<GeneralNameSpec>,
}

impl NameConstraintsSpec {
    fn to_der(&self) -> Vec<u8> {
        let subtrees = |tag: u8, names: &[GeneralNameSpec]| {
            if names.is_empty() {
                return Vec::new();
            }
            let body: Vec<u8> = names
                .iter()
                .flat_map(|n| der_tlv(0x30, &n.to_der()))
                .collect();
            der_tlv(tag, &body)
        };
        der_tlv(
            0x30,
            &[
                subtrees(0xA0, &self.permitted),
                subtrees(0xA1, &self.excluded),
            ]
            .concat(),
        )
    }
}

impl CertSpec {
    /// An end-entity spec with CN `cn`, RSA-2048, valid from one day ago for ten years,
    /// keyUsage digitalSignature+nonRepudiation.
    pub fn leaf(cn: &str) -> Self {
        let now = now();
        CertSpec {
            subject: vec![("CN".into(), cn.into())],
            key: KeySpec::Rsa(2048),
            not_before: now - DAY,
            not_after: now - DAY + 10 * YEAR,
            ca: None,
            key_usage: "digitalSignature,nonRepudiation".into(),
            extended_key_usage: String::new(),
            ocsp_url: None,
            crl_url: None,
            subject_alt_names: Vec::new(),
            name_constraints: None,
            ca_issuers_url: None,
        }
    }
    /// A CA spec with CN `cn`, RSA-2048, valid from one day ago for twenty years.
    pub fn ca(cn: &str) -> Self {
        let now = now();
        CertSpec {
            subject: vec![("CN".into(), cn.into())],
            key: KeySpec::Rsa(2048),
            not_before: now - DAY,
            not_after: now - DAY + 20 * YEAR,
            ca: Some(None),
            key_usage: String::new(),
            extended_key_usage: String::new(),
            ocsp_url: None,
            crl_url: None,
            subject_alt_names: Vec::new(),
            name_constraints: None,
            ca_issuers_url: None,
        }
    }
    /// Replaces the subject with these (label, value) attributes, in encoding order.
    pub fn with_subject(mut self, subject: &[(&str, &str)]) -> Self {
        self.subject = subject
            .iter()
            .map(|(l, v)| (l.to_string(), v.to_string()))
            .collect();
        self
    }
    /// Sets the key type.
    pub fn with_key(mut self, key: KeySpec) -> Self {
        self.key = key;
        self
    }
    /// Sets the validity period (Unix seconds).
    pub fn with_validity(mut self, not_before: i64, not_after: i64) -> Self {
        self.not_before = not_before;
        self.not_after = not_after;
        self
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
        let key = generate_key(spec.key);
        build_certificate(spec, key, None)
    }
    /// A certificate issued by `self`.
    pub fn issue(&self, spec: &CertSpec) -> Issued {
        let key = generate_key(spec.key);
        build_certificate(spec, key, Some(self))
    }
    /// A self-signed CA with a given key (`spec.key` is ignored).
    pub fn self_signed_with_key(spec: &CertSpec, key: PKey<Private>) -> Self {
        build_certificate(spec, key, None)
    }
    /// A certificate issued by `self` for a given key (`spec.key` is ignored): for
    /// cross-certificates, re-issued CAs and key-rollover tests.
    pub fn issue_with_key(&self, spec: &CertSpec, key: PKey<Private>) -> Issued {
        build_certificate(spec, key, Some(self))
    }
    /// PEM of the certificate.
    pub fn cert_pem(&self) -> Vec<u8> {
        self.x509.to_pem().expect("PEM encoding of a certificate")
    }
    /// DER (PKCS#8) of the private key, for `KeySigner::from_key_der`.
    pub fn key_der(&self) -> Vec<u8> {
        self.key
            .private_key_to_pkcs8()
            .expect("PKCS#8 encoding of a key")
    }
    /// PEM (PKCS#8) of the private key.
    pub fn key_pem(&self) -> Vec<u8> {
        self.key
            .private_key_to_pem_pkcs8()
            .expect("PKCS#8 encoding of a key")
    }
    /// A PKCS#12 with the key, the certificate and `chain`, protected by `password`
    /// (OpenSSL's default algorithms: AES-256-CBC with PBKDF2, HMAC-SHA-256 MAC). The
    /// friendly name is the certificate's common name.
    pub fn pkcs12(&self, password: &str, chain: &[&Issued]) -> Vec<u8> {
        let mut ca = Stack::new().expect("OpenSSL stack");
        for c in chain {
            ca.push(c.x509.clone()).expect("OpenSSL stack push");
        }
        let name = self
            .cert
            .subject()
            .common_name()
            .unwrap_or("kyso")
            .to_string();
        Pkcs12::builder()
            .name(&name)
            .pkey(&self.key)
            .cert(&self.x509)
            .ca(ca)
            .build2(password)
            .expect("PKCS#12 building")
            .to_der()
            .expect("PKCS#12 encoding")
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
    ///
    /// Subjects: root "C=VN, O=kyso test PKI, CN=kyso Test Root CA"; intermediate
    /// "C=VN, O=kyso test PKI, CN=kyso Test Intermediate CA" (pathlen 0); the RSA signer
    /// "C=VN, L=Hà Nội, O=kyso test PKI, CN=Nguyễn Văn An, UID=CCCD:001099012345"; the EC
    /// signer an organisation ("CN=SỞ THÔNG TIN VÀ TRUYỀN THÔNG TỈNH VĨNH LONG",
    /// "UID=MST:1500123456"). Root and intermediate are valid from three years ago (for 23 and
    /// 18 years), so every leaf's validity period lies within theirs. No OCSP/CRL URLs.
    pub fn generate() -> Self {
        let now = now();
        let root_subject = [
            ("C", "VN"),
            ("O", "kyso test PKI"),
            ("CN", "kyso Test Root CA"),
        ];
        // The CAs go back three years, so that the expired leaf had a valid chain when it was
        // valid (signatures made then can be validated at their proven time).
        let root = Issued::self_signed(
            &CertSpec::ca("")
                .with_subject(&root_subject)
                .with_validity(now - 3 * YEAR, now + 20 * YEAR),
        );
        let mut inter_spec = CertSpec::ca("")
            .with_subject(&[
                ("C", "VN"),
                ("O", "kyso test PKI"),
                ("CN", "kyso Test Intermediate CA"),
            ])
            .with_validity(now - 3 * YEAR, now + 15 * YEAR);
        inter_spec.ca = Some(Some(0));
        let intermediate = root.issue(&inter_spec);

        let rsa_subject = [
            ("C", "VN"),
            ("L", "Hà Nội"),
            ("O", "kyso test PKI"),
            ("CN", "Nguyễn Văn An"),
            ("UID", "CCCD:001099012345"),
        ];
        let rsa = intermediate.issue(&CertSpec::leaf("").with_subject(&rsa_subject));
        let ec = intermediate.issue(
            &CertSpec::leaf("")
                .with_subject(&[
                    ("C", "VN"),
                    ("ST", "Vĩnh Long"),
                    ("O", "kyso test PKI"),
                    ("CN", "SỞ THÔNG TIN VÀ TRUYỀN THÔNG TỈNH VĨNH LONG"),
                    ("UID", "MST:1500123456"),
                ])
                .with_key(KeySpec::EcP256),
        );
        let expired = intermediate.issue(
            &CertSpec::leaf("")
                .with_subject(&[
                    ("C", "VN"),
                    ("O", "kyso test PKI"),
                    ("CN", "Trần Thị Hết Hạn"),
                ])
                .with_validity(now - 2 * YEAR, now - YEAR),
        );
        let not_yet_valid = intermediate.issue(
            &CertSpec::leaf("")
                .with_subject(&[
                    ("C", "VN"),
                    ("O", "kyso test PKI"),
                    ("CN", "Lê Văn Chưa Hiệu Lực"),
                ])
                .with_validity(now + YEAR, now + 2 * YEAR),
        );
        let mut no_usage_spec = CertSpec::leaf("").with_subject(&[
            ("C", "VN"),
            ("O", "kyso test PKI"),
            ("CN", "Phạm Không Ký"),
        ]);
        no_usage_spec.key_usage = "keyEncipherment".into();
        let no_signing_usage = intermediate.issue(&no_usage_spec);
        let weak_rsa = intermediate.issue(
            &CertSpec::leaf("")
                .with_subject(&[("C", "VN"), ("O", "kyso test PKI"), ("CN", "Võ Khóa Yếu")])
                .with_key(KeySpec::Rsa(1024)),
        );
        let lookalike_root = Issued::self_signed(&CertSpec::ca("").with_subject(&root_subject));
        let lookalike_leaf = lookalike_root.issue(&CertSpec::leaf("").with_subject(&rsa_subject));
        TestPki {
            root,
            intermediate,
            rsa,
            ec,
            expired,
            not_yet_valid,
            no_signing_usage,
            weak_rsa,
            lookalike_root,
            lookalike_leaf,
        }
    }
    /// A process-wide PKI generated once (tests share it).
    pub fn shared() -> &'static TestPki {
        static SHARED: OnceLock<TestPki> = OnceLock::new();
        SHARED.get_or_init(TestPki::generate)
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
        SampleOptions {
            pages: 1,
            xref_stream: false,
            title: "kyso sample document".into(),
            padding: 0,
            with_form: false,
        }
    }
}

/// A small valid PDF built in code (with lopdf), accepted by `qpdf --check`.
///
/// Pages (at least one) are A4 with the title (page 1) and "Page N" in Helvetica; `padding` adds an
/// uncompressed DeviceGray image of random bytes (500 pixels wide) drawn on page 1; the
/// trailer /ID is derived from the options (the padding bytes themselves are random).
pub fn sample_pdf(opts: &SampleOptions) -> Vec<u8> {
    let pages = opts.pages.max(1);
    let mut doc = lopdf::Document::with_version("1.7");
    let pages_id = doc.new_object_id();
    let font_id = doc.add_object(dictionary! {
        "Type" => "Font",
        "Subtype" => "Type1",
        "BaseFont" => "Helvetica",
        "Encoding" => "WinAnsiEncoding"
    });
    let image_id = (opts.padding > 0).then(|| {
        let height = opts.padding.div_ceil(500);
        let mut pixels = vec![0u8; 500 * height];
        openssl::rand::rand_bytes(&mut pixels).expect("random bytes");
        let mut stream = Stream::new(
            dictionary! {
                "Type" => "XObject",
                "Subtype" => "Image",
                "Width" => 500,
                "Height" => height as i64,
                "ColorSpace" => "DeviceGray",
                "BitsPerComponent" => 8
            },
            pixels,
        );
        stream.allows_compression = false;
        doc.add_object(stream)
    });

    let mut page_ids = Vec::with_capacity(pages);
    for n in 1..=pages {
        let mut content = String::new();
        if n == 1 {
            if image_id.is_some() {
                content.push_str("q 450 0 0 300 72 380 cm /Im1 Do Q\n");
            }
            content.push_str(&format!(
                "BT /F1 18 Tf 72 770 Td <{}> Tj ET\n",
                win_ansi_hex(&opts.title)
            ));
        }
        content.push_str(&format!("BT /F1 10 Tf 280 40 Td (Page {n}) Tj ET\n"));
        let content_id = doc.add_object(Stream::new(dictionary! {}, content.into_bytes()));
        let mut resources = dictionary! { "Font" => dictionary! { "F1" => font_id } };
        if let (1, Some(image_id)) = (n, image_id) {
            resources.set("XObject", dictionary! { "Im1" => image_id });
        }
        let page_id = doc.add_object(dictionary! {
            "Type" => "Page",
            "Parent" => pages_id,
            "MediaBox" => vec![0.into(), 0.into(), 595.into(), 842.into()],
            "Resources" => resources,
            "Contents" => content_id
        });
        page_ids.push(page_id);
    }
    let first_page = page_ids[0];
    doc.objects.insert(
        pages_id,
        Object::Dictionary(dictionary! {
            "Type" => "Pages",
            "Kids" => page_ids.iter().map(|&id| Object::Reference(id)).collect::<Vec<_>>(),
            "Count" => pages as i64
        }),
    );

    let mut catalog = dictionary! { "Type" => "Catalog", "Pages" => pages_id };
    if opts.with_form {
        let signature_id = doc.add_object(dictionary! {
            "Type" => "Annot",
            "Subtype" => "Widget",
            "FT" => "Sig",
            "T" => Object::string_literal("Signature1"),
            "F" => 132,
            "Rect" => vec![0.into(), 0.into(), 0.into(), 0.into()],
            "P" => first_page
        });
        let comment_id = doc.add_object(dictionary! {
            "Type" => "Annot",
            "Subtype" => "Widget",
            "FT" => "Tx",
            "T" => Object::string_literal("Comment"),
            "V" => Object::string_literal(""),
            "DA" => Object::string_literal("/Helv 10 Tf 0 g"),
            "F" => 4,
            "Rect" => vec![72.into(), 700.into(), 372.into(), 720.into()],
            "P" => first_page
        });
        let helv_id = doc.add_object(dictionary! {
            "Type" => "Font",
            "Subtype" => "Type1",
            "BaseFont" => "Helvetica",
            "Encoding" => "WinAnsiEncoding",
            "Name" => "Helv"
        });
        if let Ok(Object::Dictionary(page)) = doc.get_object_mut(first_page) {
            page.set(
                "Annots",
                vec![
                    Object::Reference(signature_id),
                    Object::Reference(comment_id),
                ],
            );
        }
        catalog.set(
            "AcroForm",
            dictionary! {
                "Fields" => vec![Object::Reference(signature_id), Object::Reference(comment_id)],
                "DA" => Object::string_literal("/Helv 0 Tf 0 g"),
                "DR" => dictionary! { "Font" => dictionary! { "Helv" => helv_id } }
            },
        );
    }
    let catalog_id = doc.add_object(catalog);
    let info_id = doc.add_object(dictionary! {
        "Producer" => Object::string_literal("kyso testkit"),
        "Title" => Object::String(win_ansi(&opts.title), lopdf::StringFormat::Hexadecimal)
    });
    doc.trailer.set("Root", catalog_id);
    doc.trailer.set("Info", info_id);
    let id = document_id(opts);
    doc.trailer.set(
        "ID",
        vec![
            Object::String(id.clone(), lopdf::StringFormat::Hexadecimal),
            Object::String(id.clone(), lopdf::StringFormat::Hexadecimal),
        ],
    );

    let mut out = Vec::new();
    if opts.xref_stream {
        doc.save_modern(&mut out).expect("writing a PDF to memory");
        let hex: String = id.iter().map(|b| format!("{b:02X}")).collect();
        let trailer = format!(
            "/Root {} {} R/Info {} {} R/ID[<{hex}><{hex}>]",
            catalog_id.0, catalog_id.1, info_id.0, info_id.1
        );
        out = complete_xref_stream(&out, &trailer).unwrap_or(out);
    } else {
        doc.reference_table.cross_reference_type = XrefType::CrossReferenceTable;
        doc.save_to(&mut out).expect("writing a PDF to memory");
        out.push(b'\n');
    }
    out
}

/// lopdf 0.38's `save_modern` leaves the cross-reference stream's own entry out of the stream
/// although its /Size counts it (qpdf: "reported number of objects is not one plus the highest
/// object number"). This rewrites that final xref stream with entries for object 0 (free), the
/// objects lopdf listed, and itself. `None` if the layout is not the expected one (the
/// qpdf test of the testkit then fails).
fn complete_xref_stream(pdf: &[u8], trailer: &str) -> Option<Vec<u8>> {
    fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
        hay.windows(needle.len()).position(|w| w == needle)
    }
    fn number(bytes: &[u8]) -> Option<(usize, usize)> {
        let digits = bytes.iter().take_while(|b| b.is_ascii_digit()).count();
        let n = std::str::from_utf8(&bytes[..digits]).ok()?.parse().ok()?;
        Some((n, digits))
    }
    let sx = pdf.windows(9).rposition(|w| w == b"startxref")?;
    let after = &pdf[sx + 9..];
    let skip = after.iter().take_while(|b| b.is_ascii_whitespace()).count();
    let (start, _) = number(&after[skip..])?;
    let object = pdf.get(start..sx)?;
    let (id, _) = number(object)?;
    let dict_end = find(object, b">>stream\n")?;
    let dict = &object[..dict_end];
    let (length, _) = number(&dict[find(dict, b"/Length ")? + 8..])?;
    let index = &dict[find(dict, b"/Index[1 ")? + 9..];
    let (count, _) = number(index)?;
    if count * 7 != length || count + 1 != id {
        return None;
    }
    let content = object.get(dict_end + 9..dict_end + 9 + length)?;
    let size = id + 1;
    let mut entries = vec![0u8, 0, 0, 0, 0, 0xFF, 0xFF];
    entries.extend_from_slice(content);
    entries.push(1);
    entries.extend_from_slice(&u32::try_from(start).ok()?.to_be_bytes());
    entries.extend_from_slice(&[0, 0]);
    let mut out = pdf[..start].to_vec();
    out.extend_from_slice(
        format!(
            "{id} 0 obj\n<</Type/XRef/Size {size}/W[1 4 2]/Index[0 {size}]{trailer}/Length {}>>stream\n",
            entries.len()
        )
        .as_bytes(),
    );
    out.extend_from_slice(&entries);
    out.extend_from_slice(format!("\nendstream\nendobj\nstartxref\n{start}\n%%EOF\n").as_bytes());
    Some(out)
}

const DAY: i64 = 86_400;
const YEAR: i64 = 365 * DAY;

/// Now, in Unix seconds.
fn now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64)
}

/// A fresh private key.
fn generate_key(spec: KeySpec) -> PKey<Private> {
    match spec {
        KeySpec::Rsa(bits) => PKey::from_rsa(Rsa::generate(bits).expect("RSA key generation")),
        KeySpec::EcP256 | KeySpec::EcP384 => {
            let nid = if spec == KeySpec::EcP256 {
                Nid::X9_62_PRIME256V1
            } else {
                Nid::SECP384R1
            };
            let group = EcGroup::from_curve_name(nid).expect("EC group");
            PKey::from_ec_key(EcKey::generate(&group).expect("EC key generation"))
        }
    }
    .expect("PKey wrapping")
}

/// The OpenSSL attribute name for one of kyso's labels, and the string type to encode it as.
fn openssl_attribute(label: &str) -> (&str, Asn1Type) {
    match label {
        "C" => ("C", Asn1Type::PRINTABLESTRING),
        "E" => ("emailAddress", Asn1Type::IA5STRING),
        "DC" => ("DC", Asn1Type::IA5STRING),
        "SERIALNUMBER" => ("serialNumber", Asn1Type::PRINTABLESTRING),
        "T" => ("title", Asn1Type::UTF8STRING),
        "GIVENNAME" => ("GN", Asn1Type::UTF8STRING),
        "SN" => ("SN", Asn1Type::UTF8STRING),
        "STREET" => ("street", Asn1Type::UTF8STRING),
        "UID" => ("UID", Asn1Type::UTF8STRING),
        other => (other, Asn1Type::UTF8STRING),
    }
}

/// The X.509 Name for a spec's subject (UTF8String values, PrintableString for C).
fn build_name(attributes: &[(String, String)]) -> X509Name {
    let mut name = X509NameBuilder::new().expect("X509NameBuilder");
    for (label, value) in attributes {
        let (field, ty) = openssl_attribute(label);
        name.append_entry_by_text_with_type(field, value, ty)
            .unwrap_or_else(|e| panic!("name attribute {label}={value}: {e}"));
    }
    name.build()
}

/// Minimal DER writing for the extensions built by hand.
fn der_tlv(tag: u8, content: &[u8]) -> Vec<u8> {
    let mut out = vec![tag];
    let len = content.len();
    if len < 0x80 {
        out.push(len as u8);
    } else {
        let bytes: Vec<u8> = len
            .to_be_bytes()
            .into_iter()
            .skip_while(|&b| b == 0)
            .collect();
        out.push(0x80 | bytes.len() as u8);
        out.extend_from_slice(&bytes);
    }
    out.extend_from_slice(content);
    out
}

/// An extension from its OID and DER value.
fn der_extension(oid: &str, critical: bool, value: &[u8]) -> X509Extension {
    let oid = Asn1Object::from_str(oid).expect("extension OID");
    let value = Asn1OctetString::new_from_bytes(value).expect("octet string");
    X509Extension::new_from_der(&oid, critical, &value).expect("extension from DER")
}

/// Builds and signs a certificate (self-signed when `issuer` is `None`).
fn build_certificate(spec: &CertSpec, key: PKey<Private>, issuer: Option<&Issued>) -> Issued {
    let mut b = X509Builder::new().expect("X509Builder");
    b.set_version(2).expect("version");
    let mut serial = BigNum::new().expect("BigNum");
    serial
        .rand(128, MsbOption::MAYBE_ZERO, false)
        .expect("random serial");
    let serial: Asn1Integer = serial.to_asn1_integer().expect("serial");
    b.set_serial_number(&serial).expect("serial");
    let subject = build_name(&spec.subject);
    b.set_subject_name(&subject).expect("subject");
    match issuer {
        Some(i) => b.set_issuer_name(i.x509.subject_name()).expect("issuer"),
        None => b.set_issuer_name(&subject).expect("issuer"),
    }
    b.set_not_before(&Asn1Time::from_unix(spec.not_before).expect("notBefore"))
        .expect("notBefore");
    b.set_not_after(&Asn1Time::from_unix(spec.not_after).expect("notAfter"))
        .expect("notAfter");
    b.set_pubkey(&key).expect("public key");

    let mut bc = BasicConstraints::new();
    bc.critical();
    if let Some(pathlen) = spec.ca {
        bc.ca();
        if let Some(n) = pathlen {
            bc.pathlen(n);
        }
    }
    b.append_extension(bc.build().expect("basicConstraints"))
        .expect("extension");

    if spec.ca.is_some() {
        let ku = KeyUsage::new()
            .critical()
            .key_cert_sign()
            .crl_sign()
            .build()
            .expect("keyUsage");
        b.append_extension(ku).expect("extension");
    } else if !spec.key_usage.trim().is_empty() {
        let mut ku = KeyUsage::new();
        ku.critical();
        for usage in spec.key_usage.split(',').map(str::trim) {
            match usage {
                "digitalSignature" => ku.digital_signature(),
                "nonRepudiation" | "contentCommitment" => ku.non_repudiation(),
                "keyEncipherment" => ku.key_encipherment(),
                "dataEncipherment" => ku.data_encipherment(),
                "keyAgreement" => ku.key_agreement(),
                "keyCertSign" => ku.key_cert_sign(),
                "cRLSign" => ku.crl_sign(),
                "encipherOnly" => ku.encipher_only(),
                "decipherOnly" => ku.decipher_only(),
                other => panic!("unknown key usage {other:?}"),
            };
        }
        b.append_extension(ku.build().expect("keyUsage"))
            .expect("extension");
    }

    if !spec.extended_key_usage.trim().is_empty() {
        let mut eku = ExtendedKeyUsage::new();
        eku.critical();
        for usage in spec
            .extended_key_usage
            .split(',')
            .map(str::trim)
            .filter(|u| !u.is_empty())
        {
            match usage {
                "serverAuth" => eku.server_auth(),
                "clientAuth" => eku.client_auth(),
                "codeSigning" => eku.code_signing(),
                "emailProtection" => eku.email_protection(),
                "timeStamping" => eku.time_stamping(),
                other => eku.other(other),
            };
        }
        b.append_extension(eku.build().expect("extKeyUsage"))
            .expect("extension");
    }

    let ski = SubjectKeyIdentifier::new()
        .build(&b.x509v3_context(issuer.map(|i| i.x509.as_ref()), None))
        .expect("subjectKeyIdentifier");
    b.append_extension(ski).expect("extension");
    if let Some(i) = issuer {
        let aki = AuthorityKeyIdentifier::new()
            .keyid(true)
            .build(&b.x509v3_context(Some(&i.x509), None))
            .expect("authorityKeyIdentifier");
        b.append_extension(aki).expect("extension");
    }

    let mut access = Vec::new();
    if let Some(url) = &spec.ocsp_url {
        // AccessDescription { id-ad-ocsp, uniformResourceIdentifier }
        let method = der_tlv(0x06, &[0x2B, 0x06, 0x01, 0x05, 0x05, 0x07, 0x30, 0x01]);
        access.extend(der_tlv(
            0x30,
            &[method, der_tlv(0x86, url.as_bytes())].concat(),
        ));
    }
    if let Some(url) = &spec.ca_issuers_url {
        // AccessDescription { id-ad-caIssuers, uniformResourceIdentifier }
        let method = der_tlv(0x06, &[0x2B, 0x06, 0x01, 0x05, 0x05, 0x07, 0x30, 0x02]);
        access.extend(der_tlv(
            0x30,
            &[method, der_tlv(0x86, url.as_bytes())].concat(),
        ));
    }
    if !access.is_empty() {
        b.append_extension(der_extension(
            "1.3.6.1.5.5.7.1.1",
            false,
            &der_tlv(0x30, &access),
        ))
        .expect("extension");
    }
    if !spec.subject_alt_names.is_empty() {
        let names: Vec<u8> = spec
            .subject_alt_names
            .iter()
            .flat_map(GeneralNameSpec::to_der)
            .collect();
        b.append_extension(der_extension("2.5.29.17", false, &der_tlv(0x30, &names)))
            .expect("extension");
    }
    if let Some(nc) = &spec.name_constraints {
        b.append_extension(der_extension("2.5.29.30", nc.critical, &nc.to_der()))
            .expect("extension");
    }
    if let Some(url) = &spec.crl_url {
        // CRLDistributionPoints: DistributionPoint { [0] { fullName [0] { URI } } }
        let full_name = der_tlv(0xA0, &der_tlv(0x86, url.as_bytes()));
        let dp = der_tlv(0x30, &der_tlv(0xA0, &full_name));
        b.append_extension(der_extension("2.5.29.31", false, &der_tlv(0x30, &dp)))
            .expect("extension");
    }

    let signing_key = issuer.map_or(&key, |i| &i.key);
    b.sign(signing_key, MessageDigest::sha256())
        .expect("signing the certificate");
    let x509 = b.build();
    let cert = Certificate::from_der(&x509.to_der().expect("DER"))
        .expect("kyso parses its test certificate");
    Issued { x509, key, cert }
}

/// WinAnsi bytes for text (Latin-1 characters as is, others as '?').
fn win_ansi(text: &str) -> Vec<u8> {
    text.chars()
        .map(|c| if (c as u32) < 0x100 { c as u8 } else { b'?' })
        .collect()
}

/// Hex of the WinAnsi bytes (for a `<…>` string in a content stream).
fn win_ansi_hex(text: &str) -> String {
    win_ansi(text).iter().map(|b| format!("{b:02X}")).collect()
}

/// A deterministic 16-byte /ID derived from the options.
fn document_id(opts: &SampleOptions) -> Vec<u8> {
    use sha2::Digest as _;
    let digest = sha2::Sha256::digest(format!("kyso sample {opts:?}").as_bytes());
    digest[..16].to_vec()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spec_defaults() {
        let now = now();
        let leaf = CertSpec::leaf("A");
        assert_eq!(leaf.subject, vec![("CN".to_string(), "A".to_string())]);
        assert_eq!(leaf.key, KeySpec::Rsa(2048));
        assert!((now - DAY - 5..=now - DAY).contains(&leaf.not_before));
        assert_eq!(leaf.not_after - leaf.not_before, 10 * YEAR);
        assert_eq!(leaf.ca, None);
        assert_eq!(leaf.key_usage, "digitalSignature,nonRepudiation");
        let ca = CertSpec::ca("B");
        assert_eq!(ca.ca, Some(None));
        assert_eq!(ca.not_after - ca.not_before, 20 * YEAR);
    }

    #[test]
    fn subject_attributes_round_trip() {
        let pki = TestPki::shared();
        let subject = [
            ("C", "VN"),
            ("ST", "Thành phố Hồ Chí Minh"),
            ("L", "Quận 1"),
            ("STREET", "1 Lê Duẩn"),
            ("O", "Công ty TNHH Một Thành Viên"),
            ("OU", "Phòng Kế toán"),
            ("T", "Kế toán trưởng"),
            ("GIVENNAME", "Hùng"),
            ("SN", "Trần"),
            ("CN", "Trần Văn Hùng"),
            ("SERIALNUMBER", "CCCD:079099000001"),
            ("UID", "MST:0312345678"),
            ("0.9.2342.19200300.100.1.1", "CMND:023456789"),
            ("E", "hung@example.vn"),
            ("DC", "example"),
            ("2.5.4.97", "VATVN-0312345678"),
        ];
        let issued = pki.intermediate.issue(
            &CertSpec::leaf("")
                .with_subject(&subject)
                .with_key(KeySpec::EcP256),
        );
        let dn = issued.cert.subject();
        let got: Vec<(&str, &str)> = dn
            .attributes
            .iter()
            .map(|a| (a.label.as_str(), a.value.as_str()))
            .collect();
        let mut expected = subject.to_vec();
        expected[12].0 = "UID";
        assert_eq!(got, expected);
        assert_eq!(dn.vn_identifiers().len(), 2);
        // Non-ASCII values are UTF8Strings (tag 12) in the DER.
        let cn = "Trần Văn Hùng".as_bytes();
        let encoded = [&[0x0C, cn.len() as u8][..], cn].concat();
        assert!(issued
            .cert
            .subject_der()
            .windows(encoded.len())
            .any(|w| w == encoded.as_slice()));
    }

    #[test]
    fn test_pki_shape() {
        let pki = TestPki::shared();
        assert!(std::ptr::eq(pki, TestPki::shared()));
        let chain = pki.chain();
        assert_eq!(chain.len(), 2);
        assert_eq!(chain[0].cert, pki.intermediate.cert);
        assert_eq!(chain[1].cert, pki.root.cert);
        assert_eq!(pki.root.cert.basic_constraints(), Some((true, None)));
        assert_eq!(
            pki.intermediate.cert.basic_constraints(),
            Some((true, Some(0)))
        );
        let ca_ku = pki.intermediate.cert.key_usage().unwrap();
        assert!(ca_ku.key_cert_sign && ca_ku.crl_sign && !ca_ku.digital_signature);
        let now = now();
        for leaf in [
            &pki.rsa,
            &pki.ec,
            &pki.no_signing_usage,
            &pki.weak_rsa,
            &pki.expired,
            &pki.not_yet_valid,
        ] {
            assert_eq!(leaf.cert.issuer(), pki.intermediate.cert.subject());
            assert!(leaf.cert.is_signed_by(&pki.intermediate.cert));
            assert_eq!(leaf.cert.basic_constraints(), Some((false, None)));
            assert!(pki.root.cert.not_before() <= leaf.cert.not_before());
            assert!(pki.intermediate.cert.not_before() <= leaf.cert.not_before());
            assert!(leaf.cert.not_after() <= pki.intermediate.cert.not_after());
            assert_eq!(
                leaf.key.public_key_to_der().unwrap(),
                leaf.cert.public_key_der()
            );
        }
        assert!(pki.rsa.cert.is_valid_at(now) && pki.ec.cert.is_valid_at(now));
        assert!(!pki.expired.cert.is_valid_at(now) && pki.expired.cert.not_after() < now);
        assert!(pki.expired.cert.is_valid_at(now - YEAR - YEAR / 2));
        assert!(
            !pki.not_yet_valid.cert.is_valid_at(now) && pki.not_yet_valid.cert.not_before() > now
        );
        assert_eq!(pki.lookalike_root.cert.subject(), pki.root.cert.subject());
        assert_ne!(pki.lookalike_root.cert, pki.root.cert);
        assert!(pki
            .lookalike_leaf
            .cert
            .is_signed_by(&pki.lookalike_root.cert));
        assert!(!pki.lookalike_leaf.cert.is_signed_by(&pki.root.cert));
        assert_ne!(pki.rsa.cert.serial(), pki.lookalike_leaf.cert.serial());
    }

    #[test]
    fn sample_pdf_basics() {
        let opts = SampleOptions {
            padding: 10_000,
            ..SampleOptions::default()
        };
        let a = sample_pdf(&opts);
        let b = sample_pdf(&opts);
        assert!(a.len() > 10_000 && a.starts_with(b"%PDF-1.7\n"));
        assert_eq!(a.len(), b.len());
        assert_ne!(a, b, "random padding");
        let id = document_id(&opts);
        let hex: String = id.iter().map(|b| format!("{b:02X}")).collect();
        assert!(
            a.windows(hex.len()).any(|w| w == hex.as_bytes()),
            "deterministic /ID"
        );
        assert!(complete_xref_stream(b"not a pdf", "").is_none());
        assert!(complete_xref_stream(&a, "").is_none(), "classic xref table");
        assert_eq!(win_ansi("Aé ờ"), b"A\xE9 ?");
    }
}

//! Interoperability of kyso's CMS builder and parser with OpenSSL (library and CLI).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code

use kyso::crypto::SchemeKeys as _;
use std::path::Path;
use std::process::Command;
use std::sync::OnceLock;

use kyso::cms::{self, CmsError, SignedData, SignerIdentifier, SignerInfo};
use kyso::crypto::{oids, DigestAlgorithm, SignatureScheme};
use openssl::asn1::Asn1Time;
use openssl::bn::{BigNum, MsbOption};
use openssl::cms::{CMSOptions, CmsContentInfo};
use openssl::ec::{EcGroup, EcKey};
use openssl::hash::MessageDigest;
use openssl::nid::Nid;
use openssl::pkey::{PKey, Private, Public};
use openssl::rsa::Rsa;
use openssl::stack::Stack;
use openssl::x509::extension::{
    AuthorityKeyIdentifier, BasicConstraints, ExtendedKeyUsage, KeyUsage, SubjectKeyIdentifier,
};
use openssl::x509::store::{X509Store, X509StoreBuilder};
use openssl::x509::{X509Builder, X509NameBuilder, X509};
use proptest::prelude::*;

#[derive(Clone, Copy, Debug)]
enum Kind {
    Rsa,
    P256,
    P384,
}

struct Signer {
    cert: X509,
    key: PKey<Private>,
}

struct Pki {
    ca: Signer,
    rsa: Signer,
    p256: Signer,
    p384: Signer,
}

fn new_key(kind: Kind) -> PKey<Private> {
    match kind {
        Kind::Rsa => PKey::from_rsa(Rsa::generate(2048).unwrap()).unwrap(),
        Kind::P256 | Kind::P384 => {
            let nid = if matches!(kind, Kind::P256) {
                Nid::X9_62_PRIME256V1
            } else {
                Nid::SECP384R1
            };
            let group = EcGroup::from_curve_name(nid).unwrap();
            PKey::from_ec_key(EcKey::generate(&group).unwrap()).unwrap()
        }
    }
}

fn make_cert(cn: &str, key: &PKey<Private>, issuer: Option<&Signer>) -> X509 {
    let mut name = X509NameBuilder::new().unwrap();
    name.append_entry_by_text("C", "VN").unwrap();
    name.append_entry_by_text("O", "kyso test").unwrap();
    name.append_entry_by_text("CN", cn).unwrap();
    let name = name.build();
    let mut b = X509Builder::new().unwrap();
    b.set_version(2).unwrap();
    let mut serial = BigNum::new().unwrap();
    // 128-bit serials with the top bit set exercise the INTEGER leading-zero rule.
    serial.rand(128, MsbOption::ONE, false).unwrap();
    b.set_serial_number(&serial.to_asn1_integer().unwrap())
        .unwrap();
    b.set_subject_name(&name).unwrap();
    b.set_issuer_name(issuer.map_or(&*name, |i| i.cert.subject_name()))
        .unwrap();
    b.set_pubkey(key).unwrap();
    b.set_not_before(&Asn1Time::days_from_now(0).unwrap())
        .unwrap();
    b.set_not_after(&Asn1Time::days_from_now(365).unwrap())
        .unwrap();
    if issuer.is_none() {
        b.append_extension(BasicConstraints::new().critical().ca().build().unwrap())
            .unwrap();
        b.append_extension(
            KeyUsage::new()
                .critical()
                .key_cert_sign()
                .crl_sign()
                .build()
                .unwrap(),
        )
        .unwrap();
    } else {
        b.append_extension(BasicConstraints::new().build().unwrap())
            .unwrap();
        b.append_extension(
            KeyUsage::new()
                .critical()
                .digital_signature()
                .non_repudiation()
                .build()
                .unwrap(),
        )
        .unwrap();
        b.append_extension(ExtendedKeyUsage::new().email_protection().build().unwrap())
            .unwrap();
    }
    let ski = SubjectKeyIdentifier::new()
        .build(&b.x509v3_context(None, None))
        .unwrap();
    b.append_extension(ski).unwrap();
    if let Some(i) = issuer {
        let aki = AuthorityKeyIdentifier::new()
            .keyid(true)
            .build(&b.x509v3_context(Some(&i.cert), None))
            .unwrap();
        b.append_extension(aki).unwrap();
    }
    let signing_key = issuer.map_or(key, |i| &i.key);
    b.sign(signing_key, MessageDigest::sha256()).unwrap();
    b.build()
}

fn pki() -> &'static Pki {
    static PKI: OnceLock<Pki> = OnceLock::new();
    PKI.get_or_init(|| {
        let ca_key = new_key(Kind::Rsa);
        let ca = Signer {
            cert: make_cert("kyso Test Root", &ca_key, None),
            key: ca_key,
        };
        let leaf = |kind, cn| {
            let key = new_key(kind);
            Signer {
                cert: make_cert(cn, &key, Some(&ca)),
                key,
            }
        };
        let rsa = leaf(Kind::Rsa, "Nguyễn Văn RSA");
        let p256 = leaf(Kind::P256, "Trần Thị P-256");
        let p384 = leaf(Kind::P384, "Lê Văn P-384");
        Pki {
            ca,
            rsa,
            p256,
            p384,
        }
    })
}

fn signer(kind: Kind) -> &'static Signer {
    let p = pki();
    match kind {
        Kind::Rsa => &p.rsa,
        Kind::P256 => &p.p256,
        Kind::P384 => &p.p384,
    }
}

fn public(s: &Signer) -> PKey<Public> {
    s.cert.public_key().unwrap()
}

fn store() -> X509Store {
    let mut b = X509StoreBuilder::new().unwrap();
    b.add_cert(pki().ca.cert.clone()).unwrap();
    b.build()
}

fn content() -> Vec<u8> {
    (0..5000u32).map(|i| (i * 31 % 251) as u8).collect()
}

fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

/// Builds a detached CMS over `data` with kyso. `external` signs the digest of the signed
/// attributes (as an external signer would) instead of the attributes themselves.
fn kyso_sign(
    s: &Signer,
    scheme: SignatureScheme,
    data: &[u8],
    signing_time: Option<i64>,
    external: bool,
) -> Vec<u8> {
    let digest = scheme.digest();
    let cert_der = s.cert.to_der().unwrap();
    let attrs = cms::build_signed_attributes(digest, &digest.digest(data), &cert_der, signing_time)
        .unwrap();
    let signature = if external {
        scheme.sign_digest(&s.key, &digest.digest(&attrs)).unwrap()
    } else {
        scheme.sign(&s.key, &attrs).unwrap()
    };
    let certs = vec![cert_der.clone(), pki().ca.cert.to_der().unwrap()];
    cms::build_signed_data(digest, scheme, &cert_der, &certs, &attrs, &signature, &[]).unwrap()
}

/// OpenSSL's `CMS_CADES` flag: also check the ESS signing-certificate(-v2) attribute.
const CMS_CADES: u32 = 0x100000;

fn openssl_verify(der: &[u8], data: &[u8]) -> Result<(), openssl::error::ErrorStack> {
    let mut ci = CmsContentInfo::from_der(der)?;
    let flags = CMSOptions::BINARY | CMSOptions::from_bits_retain(CMS_CADES);
    ci.verify(None, Some(&store()), Some(data), None, flags)
}

fn tempdir() -> tempfile::TempDir {
    tempfile::tempdir().unwrap()
}

fn write_pem(dir: &Path, name: &str, pem: &[u8]) -> String {
    let p = dir.join(name);
    std::fs::write(&p, pem).unwrap();
    p.to_str().unwrap().to_string()
}

fn openssl_cli(args: &[&str]) -> std::process::Output {
    Command::new("openssl")
        .args(args)
        .output()
        .expect("the openssl command-line tool runs")
}

fn cli_verify(dir: &Path, der: &[u8], data: &[u8]) -> bool {
    cli_verify_with(dir, der, data, &[])
}

fn cli_verify_with(dir: &Path, der: &[u8], data: &[u8], extra: &[&str]) -> bool {
    let sig = dir.join("sig.der");
    let content = dir.join("content.bin");
    std::fs::write(&sig, der).unwrap();
    std::fs::write(&content, data).unwrap();
    let ca = write_pem(dir, "ca.pem", &pki().ca.cert.to_pem().unwrap());
    let out = openssl_cli(
        &[
            "cms",
            "-verify",
            "-binary",
            "-inform",
            "DER",
            "-in",
            sig.to_str().unwrap(),
            "-content",
            content.to_str().unwrap(),
            "-CAfile",
            &ca,
            "-out",
            dir.join("out.bin").to_str().unwrap(),
        ]
        .into_iter()
        .chain(extra.iter().copied())
        .collect::<Vec<_>>(),
    );
    out.status.success()
}

/// Checks what every kyso-built CMS must contain, through kyso's own parser.
fn check_kyso_cms(
    der: &[u8],
    s: &Signer,
    scheme: SignatureScheme,
    data: &[u8],
    signing_time: Option<i64>,
) {
    let sd = cms::parse_signed_data(der).unwrap();
    assert_eq!(sd.version, 1);
    assert_eq!(sd.encap_content_type, oids::DATA);
    assert_eq!(sd.encap_content, None);
    assert_eq!(sd.digest_algorithms.len(), 1);
    assert_eq!(sd.digest_algorithms[0].oid, scheme.digest().oid());
    assert_eq!(sd.digest_algorithms[0].params, None);
    let cert_der = s.cert.to_der().unwrap();
    assert_eq!(
        sd.certificates,
        vec![cert_der.clone(), pki().ca.cert.to_der().unwrap()]
    );
    assert_eq!(sd.signer_infos.len(), 1);
    let si = &sd.signer_infos[0];
    assert_eq!(si.version, 1);
    let (issuer, serial) = cms::certificate_issuer_and_serial(&cert_der).unwrap();
    assert_eq!(
        si.sid,
        SignerIdentifier::IssuerAndSerial {
            issuer: issuer.to_vec(),
            serial: serial.to_vec()
        }
    );
    assert_eq!(issuer, s.cert.issuer_name().to_der().unwrap().as_slice());
    let magnitude = s.cert.serial_number().to_bn().unwrap().to_vec();
    assert_eq!(
        serial
            .iter()
            .skip_while(|&&b| b == 0)
            .copied()
            .collect::<Vec<u8>>(),
        magnitude
    );
    assert_eq!(
        serial[0], 0,
        "serials with the top bit set carry a leading zero"
    );
    assert_eq!(si.scheme(), Some(scheme));
    assert_eq!(si.digest(), Some(scheme.digest()));
    assert_eq!(si.content_type().as_deref(), Some(oids::DATA));
    assert_eq!(si.message_digest(), Some(scheme.digest().digest(data)));
    assert_eq!(si.signing_time(), signing_time);
    assert_eq!(si.signed_attr(oids::MESSAGE_DIGEST).1, 1);
    let ess = si.signing_certificate().unwrap().unwrap();
    assert_eq!(ess.len(), 1);
    assert_eq!(ess[0].hash_algorithm, DigestAlgorithm::Sha256);
    assert_eq!(ess[0].cert_hash, DigestAlgorithm::Sha256.digest(&cert_der));
    let (names, ess_serial) = ess[0].issuer_serial.clone().unwrap();
    assert_eq!(ess_serial, serial);
    assert_eq!(
        names,
        kyso::der::sequence(&[&kyso::der::encode(0xA4, issuer)])
    );
    assert!(si.timestamp_tokens().is_empty());
    let attrs = si.signed_attrs_der.as_deref().unwrap();
    assert!(scheme.verify(&public(s), attrs, &si.signature).unwrap());
}

fn schemes() -> Vec<(Kind, SignatureScheme)> {
    use DigestAlgorithm::*;
    let mut v = Vec::new();
    for d in [Sha256, Sha384, Sha512] {
        v.push((Kind::Rsa, SignatureScheme::RsaPkcs1 { digest: d }));
        v.push((Kind::Rsa, SignatureScheme::rsa_pss(d)));
    }
    v.push((Kind::P256, SignatureScheme::Ecdsa { digest: Sha256 }));
    v.push((Kind::P256, SignatureScheme::Ecdsa { digest: Sha512 }));
    v.push((Kind::P384, SignatureScheme::Ecdsa { digest: Sha384 }));
    v.push((Kind::P384, SignatureScheme::Ecdsa { digest: Sha512 }));
    v
}

#[test]
fn kyso_cms_verifies_with_openssl_library() {
    let data = content();
    for (i, (kind, scheme)) in schemes().into_iter().enumerate() {
        let s = signer(kind);
        let time = (i % 2 == 0).then(now);
        let der = kyso_sign(s, scheme, &data, time, i % 3 == 0);
        check_kyso_cms(&der, s, scheme, &data, time);
        openssl_verify(&der, &data).unwrap_or_else(|e| panic!("{}: {e}", scheme.name()));
        let mut other = data.clone();
        other[100] ^= 1;
        assert!(
            openssl_verify(&der, &other).is_err(),
            "{}: altered content verified",
            scheme.name()
        );
        // A flipped signature bit fails OpenSSL's verification too.
        let sd = cms::parse_signed_data(&der).unwrap();
        let sig = &sd.signer_infos[0].signature;
        let pos = der
            .windows(sig.len())
            .position(|w| w == sig.as_slice())
            .unwrap();
        let mut bad = der.clone();
        bad[pos + sig.len() / 2] ^= 0x10;
        assert!(
            openssl_verify(&bad, &data).is_err(),
            "{}: bad signature verified",
            scheme.name()
        );
    }
}

#[test]
fn kyso_cms_verifies_with_openssl_cli() {
    let dir = tempdir();
    let data = content();
    for (kind, scheme) in [
        (
            Kind::Rsa,
            SignatureScheme::RsaPkcs1 {
                digest: DigestAlgorithm::Sha256,
            },
        ),
        (Kind::Rsa, SignatureScheme::rsa_pss(DigestAlgorithm::Sha384)),
        (
            Kind::P256,
            SignatureScheme::Ecdsa {
                digest: DigestAlgorithm::Sha256,
            },
        ),
        (
            Kind::P384,
            SignatureScheme::Ecdsa {
                digest: DigestAlgorithm::Sha384,
            },
        ),
    ] {
        let der = kyso_sign(signer(kind), scheme, &data, Some(now()), false);
        assert!(cli_verify(dir.path(), &der, &data), "{}", scheme.name());
        assert!(
            !cli_verify(dir.path(), &der, &data[1..]),
            "{}: truncated content verified",
            scheme.name()
        );
    }
}

#[test]
fn openssl_checks_the_signing_certificate_attribute() {
    // Signed attributes naming another certificate (but correctly signed by the RSA leaf):
    // OpenSSL's ESS check must reject them, which shows it reads kyso's ESSCertIDv2.
    let s = signer(Kind::Rsa);
    let scheme = SignatureScheme::RsaPkcs1 {
        digest: DigestAlgorithm::Sha256,
    };
    let data = b"ess";
    let cert_der = s.cert.to_der().unwrap();
    let digest = DigestAlgorithm::Sha256.digest(data);
    let other = signer(Kind::P256).cert.to_der().unwrap();
    let build = |ess_cert: &[u8]| {
        let attrs =
            cms::build_signed_attributes(DigestAlgorithm::Sha256, &digest, ess_cert, None).unwrap();
        let sig = scheme.sign(&s.key, &attrs).unwrap();
        cms::build_signed_data(
            DigestAlgorithm::Sha256,
            scheme,
            &cert_der,
            std::slice::from_ref(&cert_der),
            &attrs,
            &sig,
            &[],
        )
        .unwrap()
    };
    openssl_verify(&build(&cert_der), data).unwrap();
    assert!(openssl_verify(&build(&other), data).is_err());
    let dir = tempdir();
    assert!(cli_verify_with(
        dir.path(),
        &build(&cert_der),
        data,
        &["-cades"]
    ));
    assert!(!cli_verify_with(
        dir.path(),
        &build(&other),
        data,
        &["-cades"]
    ));
}

#[test]
fn unsigned_attributes_are_written_and_read() {
    let s = signer(Kind::Rsa);
    let scheme = SignatureScheme::RsaPkcs1 {
        digest: DigestAlgorithm::Sha256,
    };
    let data = b"unsigned attributes";
    let cert_der = s.cert.to_der().unwrap();
    let attrs = cms::build_signed_attributes(
        DigestAlgorithm::Sha256,
        &DigestAlgorithm::Sha256.digest(data),
        &cert_der,
        None,
    )
    .unwrap();
    let sig = scheme.sign(&s.key, &attrs).unwrap();
    // Stand-in "tokens": any DER values round-trip.
    let token_a = kyso::der::sequence(&[&kyso::der::oid(oids::SIGNED_DATA)]);
    let token_b = kyso::der::sequence(&[&kyso::der::integer(7)]);
    let ts = cms::encode_attribute(oids::SIGNATURE_TIMESTAMP_TOKEN, &[&token_a, &token_b]);
    let other = cms::encode_attribute("1.2.3.4", &[&kyso::der::integer(1)]);
    let der = cms::build_signed_data(
        DigestAlgorithm::Sha256,
        scheme,
        &cert_der,
        std::slice::from_ref(&cert_der),
        &attrs,
        &sig,
        &[ts, other],
    )
    .unwrap();
    let sd = cms::parse_signed_data(&der).unwrap();
    let si = &sd.signer_infos[0];
    assert_eq!(si.unsigned_attrs.len(), 2);
    let mut tokens = si.timestamp_tokens();
    tokens.sort();
    let mut expected = vec![token_a.as_slice(), token_b.as_slice()];
    expected.sort();
    assert_eq!(tokens, expected);
    assert_eq!(si.signed_attrs_der.as_deref(), Some(attrs.as_slice()));
    // Unsigned attributes do not disturb OpenSSL's verification.
    openssl_verify(&der, data).unwrap();
    // A digest mismatch between scheme and digestAlgorithm is refused.
    assert!(matches!(
        cms::build_signed_data(
            DigestAlgorithm::Sha384,
            scheme,
            &cert_der,
            &[],
            &attrs,
            &sig,
            &[]
        ),
        Err(CmsError::Unsupported(_))
    ));
    assert!(
        cms::build_signed_attributes(DigestAlgorithm::Sha384, &[0; 32], &cert_der, None).is_err()
    );
    assert!(
        cms::build_signed_attributes(DigestAlgorithm::Sha256, &[0; 32], b"\x30\x00", None).is_err()
    );
}

/// Checks an OpenSSL-made CMS through kyso: fields, message digest, and the signature over
/// the exact signed attributes; a flipped signature byte fails.
fn check_openssl_cms(
    sd: &SignedData,
    s: &Signer,
    data: &[u8],
    digest: DigestAlgorithm,
) -> SignerInfo {
    let by_key_id = matches!(sd.signer_infos[0].sid, SignerIdentifier::SubjectKeyId(_));
    assert_eq!(sd.version, if by_key_id { 3 } else { 1 });
    assert_eq!(sd.encap_content_type, oids::DATA);
    assert!(sd.digest_algorithms.iter().any(|a| a.oid == digest.oid()));
    let cert_der = s.cert.to_der().unwrap();
    assert!(sd.certificates.contains(&cert_der));
    assert_eq!(sd.signer_infos.len(), 1);
    let si = sd.signer_infos[0].clone();
    assert_eq!(si.digest(), Some(digest));
    assert_eq!(si.content_type().as_deref(), Some(oids::DATA));
    assert_eq!(si.message_digest(), Some(digest.digest(data)));
    assert_eq!(si.signed_attr(oids::MESSAGE_DIGEST).1, 1);
    let t = si.signing_time().expect("OpenSSL writes signingTime");
    assert!((t - now()).abs() < 600, "signing time {t}");
    let scheme = si.scheme().expect("known scheme");
    assert_eq!(scheme.digest(), digest);
    let key = public(s);
    let attrs = si.signed_attrs_der.as_deref().unwrap();
    assert_eq!(attrs[0], 0x31);
    assert!(
        scheme.verify(&key, attrs, &si.signature).unwrap(),
        "{}",
        scheme.name()
    );
    for i in [0, si.signature.len() / 2, si.signature.len() - 1] {
        let mut bad = si.signature.clone();
        bad[i] ^= 0x01;
        assert!(
            !scheme.verify(&key, attrs, &bad).unwrap(),
            "{} byte {i}",
            scheme.name()
        );
    }
    let mut bad_attrs = attrs.to_vec();
    let last = bad_attrs.len() - 1;
    bad_attrs[last] ^= 1;
    assert!(!scheme.verify(&key, &bad_attrs, &si.signature).unwrap());
    si
}

#[test]
fn openssl_library_cms_parsed_by_kyso() {
    let data = content();
    let mut chain = Stack::new().unwrap();
    chain.push(pki().ca.cert.clone()).unwrap();
    for kind in [Kind::Rsa, Kind::P256, Kind::P384] {
        let s = signer(kind);
        let ci = CmsContentInfo::sign(
            Some(&s.cert),
            Some(&s.key),
            Some(&chain),
            Some(&data),
            CMSOptions::DETACHED | CMSOptions::BINARY,
        )
        .unwrap();
        let der = ci.to_der().unwrap();
        let sd = cms::parse_signed_data(&der).unwrap();
        assert_eq!(sd.encap_content, None);
        assert!(sd.certificates.contains(&pki().ca.cert.to_der().unwrap()));
        let si = check_openssl_cms(&sd, s, &data, DigestAlgorithm::Sha256);
        let cert_der = s.cert.to_der().unwrap();
        let (issuer, serial) = cms::certificate_issuer_and_serial(&cert_der).unwrap();
        assert_eq!(
            si.sid,
            SignerIdentifier::IssuerAndSerial {
                issuer: issuer.to_vec(),
                serial: serial.to_vec()
            }
        );
        let info = kyso::Certificate::from_der(&cert_der)
            .unwrap()
            .key_info()
            .clone();
        assert!(si.signature.len() <= si.scheme().unwrap().max_signature_len(info.bits));
    }
}

#[test]
fn openssl_cli_cms_parsed_by_kyso() {
    let dir = tempdir();
    let d = dir.path();
    let data = content();
    let content_path = d.join("content.bin");
    std::fs::write(&content_path, &data).unwrap();
    let content_path = content_path.to_str().unwrap();
    let ca = write_pem(d, "ca.pem", &pki().ca.cert.to_pem().unwrap());
    let run = |kind: Kind, extra: &[&str]| -> Vec<u8> {
        let s = signer(kind);
        let cert = write_pem(d, "signer.pem", &s.cert.to_pem().unwrap());
        let key = write_pem(d, "key.pem", &s.key.private_key_to_pem_pkcs8().unwrap());
        let out = d.join("out.der");
        let mut args = vec![
            "cms",
            "-sign",
            "-binary",
            "-outform",
            "DER",
            "-signer",
            &cert,
            "-inkey",
            &key,
            "-certfile",
            &ca,
            "-in",
            content_path,
            "-out",
            out.to_str().unwrap(),
        ];
        args.extend_from_slice(extra);
        let o = openssl_cli(&args);
        assert!(
            o.status.success(),
            "openssl {args:?}: {}",
            String::from_utf8_lossy(&o.stderr)
        );
        std::fs::read(&out).unwrap()
    };

    // RSA with SHA-384 and the CAdES signing-certificate-v2 attribute.
    let s = signer(Kind::Rsa);
    let der = run(Kind::Rsa, &["-md", "sha384", "-cades"]);
    let sd = cms::parse_signed_data(&der).unwrap();
    assert_eq!(sd.encap_content, None);
    let si = check_openssl_cms(&sd, s, &data, DigestAlgorithm::Sha384);
    assert_eq!(
        si.scheme(),
        Some(SignatureScheme::RsaPkcs1 {
            digest: DigestAlgorithm::Sha384
        })
    );
    let ess = si
        .signing_certificate()
        .expect("-cades writes signing-certificate-v2")
        .unwrap();
    let cert_der = s.cert.to_der().unwrap();
    assert_eq!(ess[0].cert_hash, ess[0].hash_algorithm.digest(&cert_der));
    let (names, serial) = ess[0]
        .issuer_serial
        .clone()
        .expect("OpenSSL writes issuerSerial");
    let (issuer, cert_serial) = cms::certificate_issuer_and_serial(&cert_der).unwrap();
    assert_eq!(serial, cert_serial);
    assert_eq!(
        names,
        kyso::der::sequence(&[&kyso::der::encode(0xA4, issuer)])
    );

    // RSA-PSS.
    let der = run(
        Kind::Rsa,
        &["-md", "sha256", "-keyopt", "rsa_padding_mode:pss"],
    );
    let sd = cms::parse_signed_data(&der).unwrap();
    let si = check_openssl_cms(&sd, s, &data, DigestAlgorithm::Sha256);
    assert!(matches!(
        si.scheme(),
        Some(SignatureScheme::RsaPss {
            digest: DigestAlgorithm::Sha256,
            ..
        })
    ));

    // ECDSA P-384, SHA-512, signer named by subjectKeyIdentifier (SignerInfo v3).
    let s = signer(Kind::P384);
    let der = run(Kind::P384, &["-md", "sha512", "-keyid"]);
    let sd = cms::parse_signed_data(&der).unwrap();
    let si = check_openssl_cms(&sd, s, &data, DigestAlgorithm::Sha512);
    assert_eq!(si.version, 3);
    assert_eq!(
        si.sid,
        SignerIdentifier::SubjectKeyId(s.cert.subject_key_id().unwrap().as_slice().to_vec())
    );
    assert_eq!(
        si.scheme(),
        Some(SignatureScheme::Ecdsa {
            digest: DigestAlgorithm::Sha512
        })
    );

    // Attached content (as in time-stamp tokens).
    let der = run(Kind::P256, &["-nodetach"]);
    let sd = cms::parse_signed_data(&der).unwrap();
    assert_eq!(sd.encap_content.as_deref(), Some(data.as_slice()));
    check_openssl_cms(&sd, signer(Kind::P256), &data, DigestAlgorithm::Sha256);

    // Streaming output uses BER indefinite lengths (as NSS does); kyso normalises it to DER
    // and the signature still verifies.
    let der = run(Kind::P256, &["-nodetach", "-stream"]);
    let sd = cms::parse_signed_data(&der).unwrap();
    assert_eq!(sd.encap_content.as_deref(), Some(data.as_slice()));
    check_openssl_cms(&sd, signer(Kind::P256), &data, DigestAlgorithm::Sha256);
}

#[test]
fn trailing_zero_padding_only() {
    let data = content();
    let der = kyso_sign(
        signer(Kind::P256),
        SignatureScheme::Ecdsa {
            digest: DigestAlgorithm::Sha256,
        },
        &data,
        None,
        false,
    );
    let mut padded = der.clone();
    padded.resize(der.len() + 8192, 0);
    let sd = cms::parse_signed_data(&padded).unwrap();
    assert_eq!(
        sd.signer_infos[0].message_digest(),
        Some(DigestAlgorithm::Sha256.digest(&data))
    );
    let mut bad = padded.clone();
    bad[der.len() + 100] = 0x20;
    match cms::parse_signed_data(&bad) {
        Err(CmsError::Der(e)) => assert_eq!(e.position, der.len() + 100),
        other => panic!("non-zero trailing data accepted: {other:?}"),
    }
    let mut bad = der.clone();
    bad.push(0x30);
    assert!(cms::parse_signed_data(&bad).is_err());
    // Truncation anywhere fails cleanly.
    for cut in [1, 2, der.len() / 2, der.len() - 1] {
        assert!(cms::parse_signed_data(&der[..cut]).is_err(), "cut at {cut}");
    }
}

fn valid_cms() -> &'static Vec<u8> {
    static CMS: OnceLock<Vec<u8>> = OnceLock::new();
    CMS.get_or_init(|| {
        let s = signer(Kind::Rsa);
        let scheme = SignatureScheme::rsa_pss(DigestAlgorithm::Sha256);
        let data = b"proptest";
        let cert_der = s.cert.to_der().unwrap();
        let attrs = cms::build_signed_attributes(
            DigestAlgorithm::Sha256,
            &DigestAlgorithm::Sha256.digest(data),
            &cert_der,
            Some(now()),
        )
        .unwrap();
        let sig = scheme.sign(&s.key, &attrs).unwrap();
        let ts = cms::encode_attribute(
            oids::SIGNATURE_TIMESTAMP_TOKEN,
            &[&kyso::der::sequence(&[])],
        );
        let certs = vec![cert_der.clone(), pki().ca.cert.to_der().unwrap()];
        cms::build_signed_data(
            DigestAlgorithm::Sha256,
            scheme,
            &cert_der,
            &certs,
            &attrs,
            &sig,
            &[ts],
        )
        .unwrap()
    })
}

/// Parses and calls every accessor; must never panic.
fn exercise(der: &[u8]) {
    if let Ok(sd) = cms::parse_signed_data(der) {
        let key = public(signer(Kind::Rsa));
        for si in &sd.signer_infos {
            let _ = si.content_type();
            let _ = si.message_digest();
            let _ = si.signing_time();
            let _ = si.signing_certificate();
            let _ = si.timestamp_tokens();
            let _ = si.signed_attr(oids::CONTENT_TYPE);
            let _ = si.digest();
            if let (Some(scheme), Some(attrs)) = (si.scheme(), si.signed_attrs_der.as_deref()) {
                let _ = scheme.name();
                let _ = scheme.verify(&key, attrs, &si.signature);
            }
        }
        for c in &sd.certificates {
            let _ = cms::certificate_issuer_and_serial(c);
        }
    }
}

#[test]
fn the_proptest_fixture_is_valid() {
    let sd = cms::parse_signed_data(valid_cms()).unwrap();
    let si = &sd.signer_infos[0];
    assert!(si
        .scheme()
        .unwrap()
        .verify(
            &public(signer(Kind::Rsa)),
            si.signed_attrs_der.as_deref().unwrap(),
            &si.signature
        )
        .unwrap());
    assert_eq!(si.timestamp_tokens().len(), 1);
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2000, ..ProptestConfig::default() })]

    #[test]
    fn random_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..600)) {
        exercise(&bytes);
        let mut framed = vec![0x30, 0x82, (bytes.len() >> 8) as u8, bytes.len() as u8];
        framed.extend_from_slice(&bytes);
        exercise(&framed);
    }

    #[test]
    fn mutated_cms_never_panics(
        edits in proptest::collection::vec((any::<proptest::sample::Index>(), any::<u8>(), 0u8..4), 1..6),
    ) {
        let mut der = valid_cms().clone();
        for (at, byte, op) in edits {
            if der.is_empty() {
                break;
            }
            let i = at.index(der.len());
            match op {
                0 => der[i] = byte,
                1 => der[i] ^= 1 << (byte % 8),
                2 => { der.insert(i, byte); }
                _ => der.truncate(i),
            }
        }
        exercise(&der);
    }
}

//! Certificate facts (moved from unit tests: they use the test PKI of kyso-testkit).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code

use kyso::pki::cert::*;
use kyso::pki::CertError;
use kyso_testkit::{CertSpec, Issued, KeySpec, TestPki};
use openssl::asn1::{Asn1Object, Asn1OctetString, Asn1Time};
use openssl::ec::{EcGroup, EcKey};
use openssl::hash::MessageDigest;
use openssl::pkey::PKey;
use openssl::x509::{X509Builder, X509Extension, X509NameBuilder};

/// A self-signed EC certificate with these extensions (oid, critical, DER value).
fn with_extensions(exts: &[(&str, bool, &[u8])]) -> Certificate {
    let group = EcGroup::from_curve_name(openssl::nid::Nid::X9_62_PRIME256V1).unwrap();
    let key = PKey::from_ec_key(EcKey::generate(&group).unwrap()).unwrap();
    let mut name = X509NameBuilder::new().unwrap();
    name.append_entry_by_text("CN", "ext test").unwrap();
    let name = name.build();
    let mut b = X509Builder::new().unwrap();
    b.set_version(2).unwrap();
    b.set_subject_name(&name).unwrap();
    b.set_issuer_name(&name).unwrap();
    b.set_pubkey(&key).unwrap();
    b.set_not_before(&Asn1Time::from_unix(1_700_000_000).unwrap())
        .unwrap();
    b.set_not_after(&Asn1Time::from_unix(1_800_000_000).unwrap())
        .unwrap();
    for (oid, critical, value) in exts {
        let oid = Asn1Object::from_str(oid).unwrap();
        let value = Asn1OctetString::new_from_bytes(value).unwrap();
        b.append_extension(X509Extension::new_from_der(&oid, *critical, &value).unwrap())
            .unwrap();
    }
    b.sign(&key, MessageDigest::sha256()).unwrap();
    Certificate::from_der(&b.build().to_der().unwrap()).unwrap()
}

#[test]
fn facts_of_a_generated_certificate() {
    let pki = TestPki::shared();
    let mut spec = CertSpec::leaf("TSA kyso");
    spec.extended_key_usage = "timeStamping".into();
    spec.ocsp_url = Some("http://ocsp.kyso.test/".into());
    spec.crl_url = Some("http://crl.kyso.test/intermediate.crl".into());
    spec.key_usage = "digitalSignature".into();
    spec.not_before = 1_700_000_000;
    spec.not_after = 1_900_000_000;
    let tsa = pki.intermediate.issue(&spec);
    let c = &tsa.cert;
    assert_eq!(c.subject().to_string(), "CN=TSA kyso");
    assert_eq!(c.issuer(), pki.intermediate.cert.subject());
    assert_eq!(c.issuer_der(), pki.intermediate.cert.subject_der());
    assert_eq!(
        c.extended_key_usage(),
        Some(&["1.3.6.1.5.5.7.3.8".to_string()][..])
    );
    assert_eq!(c.ocsp_urls(), ["http://ocsp.kyso.test/"]);
    assert!(c.ca_issuer_urls().is_empty());
    assert_eq!(c.crl_urls(), ["http://crl.kyso.test/intermediate.crl"]);
    assert!(c.policies().is_empty());
    assert_eq!(c.basic_constraints(), Some((false, None)));
    assert_eq!(
        c.key_usage(),
        Some(KeyUsage {
            digital_signature: true,
            ..KeyUsage::default()
        })
    );
    assert_eq!(c.authority_key_id(), pki.intermediate.cert.subject_key_id());
    assert!(c.subject_key_id().is_some_and(|k| k.len() == 20));
    assert_eq!(
        (c.not_before(), c.not_after()),
        (1_700_000_000, 1_900_000_000)
    );
    assert!(c.is_valid_at(1_700_000_000) && c.is_valid_at(1_900_000_000));
    assert!(!c.is_valid_at(1_699_999_999) && !c.is_valid_at(1_900_000_001));
    assert!(
        !c.has_unknown_critical_extension(),
        "critical EKU, KU, BC are processed"
    );
    assert_eq!(c.signature_algorithm_oid(), "1.2.840.113549.1.1.11");
    assert_eq!(c.signature_algorithm_params(), Some(&[0x05, 0x00][..]));
    assert!(c.der().windows(c.tbs().len()).any(|w| w == c.tbs()));
    assert_eq!(c.signature_value().len(), 256);
    assert!(c.is_signed_by(&pki.intermediate.cert));
    assert!(!c.is_signed_by(&pki.root.cert));
    assert!(!c.is_signed_by(c));
    assert!(!c.is_self_issued());
    assert!(pki.root.cert.is_self_issued() && pki.root.cert.is_signed_by(&pki.root.cert));
    assert_eq!(format!("{c:?}"), "Certificate(CN=TSA kyso)");
}

#[test]
fn certificates_can_be_shared_between_threads() {
    fn assert_send_sync<T: Send + Sync>() {}
    assert_send_sync::<Certificate>();
    let c = TestPki::shared().rsa.cert.clone();
    let issuer = TestPki::shared().intermediate.cert.clone();
    let ok = std::thread::spawn(move || c.is_signed_by(&issuer))
        .join()
        .unwrap();
    assert!(ok);
}

#[test]
fn key_infos() {
    let pki = TestPki::shared();
    let rsa = pki.rsa.cert.key_info();
    assert_eq!(
        (rsa.algorithm.as_str(), rsa.bits, rsa.curve.as_deref()),
        ("RSA", 2048, None)
    );
    let ec = pki.ec.cert.key_info();
    assert_eq!(
        (ec.algorithm.as_str(), ec.bits, ec.curve.as_deref()),
        ("EC", 256, Some("P-256"))
    );
    let p384 = pki
        .intermediate
        .issue(&CertSpec::leaf("p384").with_key(KeySpec::EcP384));
    let k = p384.cert.key_info();
    assert_eq!(
        (k.algorithm.as_str(), k.bits, k.curve.as_deref()),
        ("EC", 384, Some("P-384"))
    );
    // An EC issuer signs with ecdsa-with-SHA256, without parameters.
    let ec_ca = Issued::self_signed(&CertSpec::ca("EC CA").with_key(KeySpec::EcP256));
    let leaf = ec_ca.issue(&CertSpec::leaf("leaf").with_key(KeySpec::EcP256));
    assert_eq!(leaf.cert.signature_algorithm_oid(), "1.2.840.10045.4.3.2");
    assert_eq!(leaf.cert.signature_algorithm_params(), None);
    assert!(leaf.cert.is_signed_by(&ec_ca.cert));
    assert!(
        !leaf.cert.is_signed_by(&pki.root.cert),
        "RSA key, EC signature"
    );
    assert_eq!(
        leaf.cert.signature_scheme(),
        Some(kyso::crypto::SignatureScheme::Ecdsa {
            digest: kyso::crypto::DigestAlgorithm::Sha256
        })
    );
}

#[test]
fn serial_and_fingerprint() {
    let pki = TestPki::shared();
    for issued in [&pki.rsa, &pki.ec, &pki.root, &pki.intermediate] {
        let c = &issued.cert;
        let bn = issued.x509.serial_number().to_bn().unwrap();
        assert_eq!(c.serial_hex(), bn.to_hex_str().unwrap().to_string());
        let hex: String = c.sha256().iter().map(|b| format!("{b:02X}")).collect();
        assert_eq!(c.fingerprint().replace(':', ""), hex);
        assert_eq!(c.fingerprint().len(), 32 * 3 - 1);
        assert_eq!(
            c.sha256().to_vec(),
            issued
                .x509
                .digest(MessageDigest::sha256())
                .unwrap()
                .to_vec()
        );

        // issuerAndSerialNumber: leading zero octets do not matter, the issuer must.
        let stripped: Vec<u8> = c.serial().iter().copied().skip_while(|b| *b == 0).collect();
        let padded = [&[0u8][..], &stripped].concat();
        assert!(c.matches_issuer_serial(c.issuer_der(), &stripped));
        assert!(c.matches_issuer_serial(c.issuer_der(), &padded));
        assert!(c.matches_issuer_serial(c.issuer_der(), c.serial()));
        assert!(!c.matches_issuer_serial(c.subject_der(), c.serial()) || c.is_self_issued());
        let mut other = stripped.clone();
        let last = other.len() - 1;
        other[last] ^= 1;
        assert!(!c.matches_issuer_serial(c.issuer_der(), &other));
    }
    // A serial with the high bit set is encoded with a leading zero octet, which serial_hex drops.
    let c = pki.rsa.cert.clone();
    if c.serial()[0] == 0 {
        assert_eq!(c.serial_hex().len(), (c.serial().len() - 1) * 2);
    }
}

#[test]
fn pem_and_der_inputs() {
    let pki = TestPki::shared();
    let der = pki.rsa.cert.der();
    assert_eq!(
        Certificate::from_pem_or_der(der).unwrap(),
        vec![pki.rsa.cert.clone()]
    );
    let bundle = [
        b"subject=whatever\n".to_vec(),
        pki.rsa.cert_pem(),
        pki.rsa.key_pem(),
        String::from_utf8(pki.root.cert_pem())
            .unwrap()
            .replace('\n', "\r\n")
            .into_bytes(),
    ]
    .concat();
    assert_eq!(
        Certificate::from_pem_or_der(&bundle).unwrap(),
        vec![pki.rsa.cert.clone(), pki.root.cert.clone()]
    );
    assert!(matches!(
        Certificate::from_pem_or_der(&pki.rsa.key_pem()),
        Err(CertError::NoCertificate)
    ));
    assert!(matches!(
        Certificate::from_pem_or_der(b"hello"),
        Err(CertError::Malformed(_))
    ));
    assert!(matches!(
        Certificate::from_pem_or_der(b""),
        Err(CertError::Malformed(_))
    ));
    let broken = b"-----BEGIN CERTIFICATE-----\nMII!!!\n-----END CERTIFICATE-----\n";
    assert!(matches!(
        Certificate::from_pem_or_der(broken),
        Err(CertError::Malformed(_))
    ));
    let unterminated = b"-----BEGIN CERTIFICATE-----\nMIIB\n";
    assert!(matches!(
        Certificate::from_pem_or_der(unterminated),
        Err(CertError::Malformed(_))
    ));

    // Trailing data, truncation and corruption are malformed, never a panic.
    let trailing = [der, &[0u8][..]].concat();
    assert!(matches!(
        Certificate::from_der(&trailing),
        Err(CertError::Malformed(_))
    ));
    for cut in [0, 1, 10, der.len() / 2, der.len() - 1] {
        assert!(Certificate::from_der(&der[..cut]).is_err(), "cut at {cut}");
    }
    for i in (0..der.len()).step_by(7) {
        let mut bad = der.to_vec();
        bad[i] ^= 0x5A;
        let _ = Certificate::from_der(&bad);
    }
}

#[test]
fn unknown_critical_extensions() {
    const NAME_CONSTRAINTS: &str = "2.5.29.30";
    // NameConstraints { permittedSubtrees [0] { GeneralSubtree { dNSName "kyso.test" } } }
    let nc: &[u8] = &[
        0x30, 0x0F, 0xA0, 0x0D, 0x30, 0x0B, 0x82, 0x09, b'k', b'y', b's', b'o', b'.', b't', b'e',
        b's', b't',
    ];
    // Name constraints are processed (by path building), critical or not.
    assert!(!with_extensions(&[(NAME_CONSTRAINTS, true, nc)]).has_unknown_critical_extension());
    assert!(!with_extensions(&[(NAME_CONSTRAINTS, false, nc)]).has_unknown_critical_extension());
    // A critical one that does not parse fails closed.
    assert!(with_extensions(&[(NAME_CONSTRAINTS, true, &[0x04, 0x00])])
        .has_unknown_critical_extension());
    // An unknown private extension.
    assert!(
        with_extensions(&[("1.3.6.1.4.1.99999.1", true, &[0x05, 0x00])])
            .has_unknown_critical_extension()
    );
    assert!(
        !with_extensions(&[("1.3.6.1.4.1.99999.1", false, &[0x05, 0x00])])
            .has_unknown_critical_extension()
    );
    // inhibitAnyPolicy (INTEGER 0), critical.
    assert!(with_extensions(&[("2.5.29.54", true, &[0x02, 0x01, 0x00])])
        .has_unknown_critical_extension());
    // ocsp-nocheck (NULL) and qcStatements (empty SEQUENCE) are known.
    assert!(
        !with_extensions(&[("1.3.6.1.5.5.7.48.1.5", true, &[0x05, 0x00])])
            .has_unknown_critical_extension()
    );
    assert!(
        !with_extensions(&[("1.3.6.1.5.5.7.1.3", true, &[0x30, 0x00])])
            .has_unknown_critical_extension()
    );
    // A critical keyUsage that does not parse fails closed.
    assert!(with_extensions(&[("2.5.29.15", true, &[0x04, 0x00])]).has_unknown_critical_extension());
    // A non-critical one that does not parse allows nothing.
    let c = with_extensions(&[("2.5.29.15", false, &[0x04, 0x00])]);
    assert_eq!(c.key_usage(), Some(KeyUsage::default()));
    // Duplicated extensions make the certificate malformed.
    let group = EcGroup::from_curve_name(openssl::nid::Nid::X9_62_PRIME256V1).unwrap();
    let key = PKey::from_ec_key(EcKey::generate(&group).unwrap()).unwrap();
    let mut b = X509Builder::new().unwrap();
    b.set_version(2).unwrap();
    b.set_pubkey(&key).unwrap();
    for _ in 0..2 {
        let ext = openssl::x509::extension::BasicConstraints::new()
            .build()
            .unwrap();
        b.append_extension(ext).unwrap();
    }
    b.sign(&key, MessageDigest::sha256()).unwrap();
    assert!(matches!(
        Certificate::from_der(&b.build().to_der().unwrap()),
        Err(CertError::Malformed(_))
    ));
}

#[test]
fn policies_and_ca_issuers() {
    // certificatePolicies { PolicyInformation { anyPolicy 2.5.29.32.0 } }
    let policies: &[u8] = &[0x30, 0x08, 0x30, 0x06, 0x06, 0x04, 0x55, 0x1D, 0x20, 0x00];
    // authorityInfoAccess { { caIssuers, URI "http://a/b" } }
    let aia: &[u8] = &[
        0x30, 0x16, 0x30, 0x14, 0x06, 0x08, 0x2B, 0x06, 0x01, 0x05, 0x05, 0x07, 0x30, 0x02, 0x86,
        0x08, b'h', b't', b't', b'p', b':', b'/', b'/', b'a',
    ];
    let c = with_extensions(&[
        ("2.5.29.32", true, policies),
        ("1.3.6.1.5.5.7.1.1", false, aia),
    ]);
    assert_eq!(c.policies(), ["2.5.29.32.0"]);
    assert_eq!(c.ca_issuer_urls(), ["http://a"]);
    assert!(c.ocsp_urls().is_empty());
    assert!(!c.has_unknown_critical_extension());
    assert_eq!(c.key_usage(), None);
    assert_eq!(c.basic_constraints(), None);
    assert_eq!(c.extended_key_usage(), None);
}

//! Two-phase signing helpers (moved from unit tests: they use the test PKI of kyso-testkit).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code

use base64::Engine as _;
use kyso::crypto::SchemeKeys as _;
use kyso::crypto::{DigestAlgorithm, SignatureScheme};
use kyso::sign::external::*;
use kyso::sign::{SignError, SignOptions, Signer};
use kyso_testkit::TestPki;

#[test]
fn ecdsa_raw_to_der_adds_leading_zeros_and_strips_them() {
    let mut raw = vec![0u8; 64];
    raw[0] = 0x80; // r needs a leading zero
    raw[32] = 0x00;
    raw[33] = 0x01; // s has a redundant one
    let der = ecdsa_raw_to_der(&raw).unwrap();
    assert_eq!(&der[..5], &[0x30, 0x44, 0x02, 0x21, 0x00]);
    assert!(ecdsa_raw_to_der(&[1, 2, 3]).is_err());
}

#[test]
fn digest_info_matches_openssl_pkcs1() {
    let pki = TestPki::shared();
    let message = b"signed attributes";
    let digest = DigestAlgorithm::Sha256.digest(message);
    // Raw RSA over the DigestInfo is PKCS#1 v1.5 with SHA-256.
    let rsa = pki.rsa.key.rsa().unwrap();
    let mut sig = vec![0u8; rsa.size() as usize];
    let n = rsa
        .private_encrypt(
            &digest_info(DigestAlgorithm::Sha256, &digest),
            &mut sig,
            openssl::rsa::Padding::PKCS1,
        )
        .unwrap();
    sig.truncate(n);
    let scheme = SignatureScheme::RsaPkcs1 {
        digest: DigestAlgorithm::Sha256,
    };
    assert!(pki.rsa.cert.verifies(scheme, message, &sig));
}

#[test]
fn callback_signer_checks_what_it_gets_back() {
    let pki = TestPki::shared();
    let key = pki.ec.key.clone();
    let scheme = SignatureScheme::Ecdsa {
        digest: DigestAlgorithm::Sha256,
    };
    // r || s from a digest, as a remote service returns it.
    let good = CallbackSigner::new(
        pki.ec.cert.clone(),
        vec![],
        scheme,
        SignInput::Digest,
        move |digest| {
            let der = scheme.sign_digest(&key, digest).unwrap();
            let sig = openssl::ecdsa::EcdsaSig::from_der(&der).unwrap();
            let mut raw = sig.r().to_vec_padded(32).unwrap();
            raw.extend(sig.s().to_vec_padded(32).unwrap());
            Ok(raw)
        },
    );
    let sig = good.sign(b"message").unwrap();
    assert!(pki.ec.cert.verifies(scheme, b"message", &sig));
    // A service that signs with another key is caught.
    let other = pki.rsa.key.clone();
    let wrong = CallbackSigner::new(
        pki.ec.cert.clone(),
        vec![],
        scheme,
        SignInput::Message,
        move |m| Ok(scheme.sign(&other, m).unwrap_or_default()),
    );
    assert!(matches!(wrong.sign(b"message"), Err(SignError::Key(_))));
}

#[test]
fn pending_signature_round_trips_through_json() {
    let pki = TestPki::shared();
    let input = kyso_testkit::sample_pdf(&Default::default());
    let signer =
        ExternalSigner::new(pki.rsa.cert.clone(), vec![pki.intermediate.cert.clone()]).unwrap();
    let p = prepare_external(&input, &signer, &SignOptions::default()).unwrap();
    let json = p.state.to_json();
    assert!(json.len() < 8 * 1024, "state is {} bytes", json.len());
    assert_eq!(PendingSignature::from_json(&json).unwrap(), p.state);
    assert!(PendingSignature::from_json("{}").is_err());
}

#[test]
fn signature_files_decode_in_every_form() {
    let raw: Vec<u8> = (0u8..=255).collect();
    let b64 = base64::engine::general_purpose::STANDARD.encode(&raw);
    assert_eq!(decode_signature_file(&raw), raw);
    assert_eq!(decode_signature_file(b64.as_bytes()), raw);
    assert_eq!(
        decode_signature_file(format!("{}\n", kyso::sign::hex_upper(&raw)).as_bytes()),
        raw
    );
    let pem = format!(
        "-----BEGIN CMS-----\n{}\n{}\n-----END CMS-----\n",
        &b64[..64],
        &b64[64..]
    );
    assert_eq!(decode_signature_file(pem.as_bytes()), raw);
}

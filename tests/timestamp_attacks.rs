//! A signature time-stamp that is present but broken makes the signature not valid: one
//! grafted from another signature, one computed over the signed attributes instead of the
//! signature value, one whose TSA signature does not verify, one from a TSA that cannot be
//! trusted. The CMS are built with kyso's own cms code; the tokens come from OpenSSL's TSA on
//! loopback (`common/ltv.rs`). A control built the same way with a correct token is valid.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code

mod common;
#[path = "common/ltv.rs"]
mod ltv_env;

use kyso::cms::{self, encode_attribute};
use kyso::crypto::oids::SIGNATURE_TIMESTAMP_TOKEN;
use kyso::pdf::Dict;
use kyso::report::{CheckStatus, FileReport, Indication, SignatureReport, SubIndication};
use kyso::revocation::RevocationPolicy;
use kyso::sign::{cms_capacity, prepare, KeySigner, SignOptions, Signer};
use kyso::tsp::TsaClient;
use kyso::validate::{ValidationOptions, Validator};
use kyso::TrustStore;
use ltv_env::LtvEnv;

/// Room for one time-stamp token in the placeholder.
const TOKEN_ROOM: usize = 8192;

fn show(r: &FileReport) -> String {
    kyso::report::render_text(r)
}

fn validate(trust: TrustStore, bytes: &[u8]) -> FileReport {
    Validator::new(ValidationOptions {
        trust,
        revocation_policy: RevocationPolicy::SoftFail,
        ..Default::default()
    })
    .validate_bytes("t.pdf", bytes)
}

/// The signed document, with the CMS of `signer` whose unsigned attributes hold the
/// signature time-stamp `stamp(signature value, signed attributes DER)` returns.
fn sign_with_stamp(signer: &dyn Signer, stamp: impl FnOnce(&[u8], &[u8]) -> Vec<u8>) -> Vec<u8> {
    sign_with_stamps(signer, |sig, attrs| vec![stamp(sig, attrs)])
}

/// [`sign_with_stamp`] with any number of signature time-stamps (one attribute each).
fn sign_with_stamps(
    signer: &dyn Signer,
    stamps: impl FnOnce(&[u8], &[u8]) -> Vec<Vec<u8>>,
) -> Vec<u8> {
    let opts = SignOptions::default();
    let now = kyso::time::now();
    let capacity = cms_capacity(signer, &opts, now).unwrap() + TOKEN_ROOM;
    let prepared = prepare(&common::sample_default(), &opts, now, capacity, Dict::new()).unwrap();
    let digest_alg = signer.scheme().digest();
    let digest = prepared.digest(digest_alg);
    // Sign once without unsigned attributes, then rebuild the CMS around the same signed
    // attributes and signature with the token chosen.
    let plain = kyso::sign::build_cms(signer, &opts, now, &digest, &[]).unwrap();
    let sd = cms::parse_signed_data(&plain).unwrap();
    let si = &sd.signer_infos[0];
    let attrs = si.signed_attrs_der.clone().unwrap();
    let unsigned: Vec<Vec<u8>> = stamps(&si.signature, &attrs)
        .iter()
        .map(|t| encode_attribute(SIGNATURE_TIMESTAMP_TOKEN, &[t]))
        .collect();
    let cms_der = cms::build_signed_data(
        digest_alg,
        signer.scheme(),
        signer.certificate().der(),
        &sd.certificates,
        &attrs,
        &si.signature,
        &unsigned,
    )
    .unwrap();
    prepared.embed(&cms_der).unwrap()
}

/// The signature time-stamp token of the (only) signature of `pdf`.
fn token_of(pdf: &[u8]) -> Vec<u8> {
    let at = pdf.windows(12).rposition(|w| w == b"/ByteRange [").unwrap();
    let nums: Vec<usize> = String::from_utf8_lossy(
        &pdf[at + 12..at + 12 + pdf[at + 12..].iter().position(|&c| c == b']').unwrap()],
    )
    .split_whitespace()
    .map(|n| n.parse().unwrap())
    .collect();
    let hex = &pdf[nums[1] + 1..nums[2] - 1];
    let der: Vec<u8> = hex
        .chunks(2)
        .map(|p| u8::from_str_radix(std::str::from_utf8(p).unwrap(), 16).unwrap())
        .collect();
    let sd = cms::parse_signed_data(&der).unwrap();
    sd.signer_infos[0].timestamp_tokens()[0].to_vec()
}

fn approval(r: &FileReport) -> &SignatureReport {
    r.signatures
        .first()
        .unwrap_or_else(|| panic!("{}", show(r)))
}

fn stamp_check(s: &SignatureReport) -> (CheckStatus, String, Option<SubIndication>) {
    let c = s
        .checks
        .iter()
        .filter(|c| c.id == "signature-timestamp")
        .find(|c| c.status != CheckStatus::Passed)
        .or_else(|| s.checks.iter().find(|c| c.id == "signature-timestamp"))
        .expect("a signature-timestamp check");
    (c.status, c.message.clone(), c.sub_indication)
}

fn signer(env: &LtvEnv, cn: &str) -> KeySigner {
    env.signer(&env.leaf(cn))
}

#[test]
fn a_correct_token_built_the_same_way_is_valid() {
    let env = LtvEnv::start();
    let tsa = TsaClient::new(&env.url("/tsa"));
    let pdf = sign_with_stamp(&signer(&env, "Control"), |sig, _| {
        tsa.timestamp(sig).unwrap().der
    });
    let r = validate(env.trust(), &pdf);
    assert!(r.valid, "{}", show(&r));
    let s = approval(&r);
    assert!(s.timestamped);
    assert_eq!(stamp_check(s).0, CheckStatus::Passed);
}

#[test]
fn a_token_grafted_from_another_signature_is_a_hash_failure() {
    let env = LtvEnv::start();
    let tsa = TsaClient::new(&env.url("/tsa"));
    // Signature A, time-stamped correctly.
    let a = sign_with_stamp(&signer(&env, "A"), |sig, _| tsa.timestamp(sig).unwrap().der);
    assert!(validate(env.trust(), &a).valid);
    let grafted = token_of(&a);
    // Signature B carries A's token.
    let b = sign_with_stamp(&signer(&env, "B"), |_, _| grafted.clone());
    let r = validate(env.trust(), &b);
    assert!(!r.valid, "{}", show(&r));
    let s = approval(&r);
    assert_eq!(s.indication, Indication::TotalFailed, "{}", show(&r));
    assert_eq!(s.sub_indication, Some(SubIndication::HashFailure));
    let (status, msg, sub) = stamp_check(s);
    assert_eq!(status, CheckStatus::Failed);
    assert_eq!(sub, Some(SubIndication::HashFailure));
    assert!(msg.contains("not over this signature's value"), "{msg}");
    assert!(!s.timestamped, "a broken time-stamp proves nothing");
}

#[test]
fn a_token_over_the_signed_attributes_is_a_hash_failure() {
    let env = LtvEnv::start();
    let tsa = TsaClient::new(&env.url("/tsa"));
    let pdf = sign_with_stamp(&signer(&env, "Attrs"), |_, attrs| {
        tsa.timestamp(attrs).unwrap().der
    });
    let r = validate(env.trust(), &pdf);
    assert!(!r.valid, "{}", show(&r));
    let s = approval(&r);
    assert_eq!(s.indication, Indication::TotalFailed);
    let (status, msg, sub) = stamp_check(s);
    assert_eq!(
        (status, sub),
        (CheckStatus::Failed, Some(SubIndication::HashFailure))
    );
    assert!(msg.contains("signed attributes"), "{msg}");
}

#[test]
fn a_token_whose_tsa_signature_does_not_verify_fails() {
    let env = LtvEnv::start();
    let tsa = TsaClient::new(&env.url("/tsa"));
    let pdf = sign_with_stamp(&signer(&env, "Forged"), |sig, _| {
        let mut der = tsa.timestamp(sig).unwrap().der;
        // The TSA's signature value ends the token (no unsigned attributes): flip its last
        // byte. The TSTInfo, and so the imprint, are untouched.
        let n = der.len();
        der[n - 1] ^= 0x01;
        der
    });
    let r = validate(env.trust(), &pdf);
    assert!(!r.valid, "{}", show(&r));
    let s = approval(&r);
    assert_eq!(s.indication, Indication::TotalFailed, "{}", show(&r));
    assert_eq!(stamp_check(s).0, CheckStatus::Failed);
    assert!(
        s.checks
            .iter()
            .any(|c| c.id == "timestamp-signature" && c.status == CheckStatus::Failed),
        "{}",
        show(&r)
    );
}

#[test]
fn a_token_that_cannot_be_read_fails() {
    let env = LtvEnv::start();
    let pdf = sign_with_stamp(&signer(&env, "Junk"), |_, _| {
        kyso::der::sequence(&[&kyso::der::integer(7)])
    });
    let r = validate(env.trust(), &pdf);
    let s = approval(&r);
    assert_eq!(s.indication, Indication::TotalFailed, "{}", show(&r));
    let (status, msg, sub) = stamp_check(s);
    assert_eq!(
        (status, sub),
        (CheckStatus::Failed, Some(SubIndication::FormatFailure))
    );
    assert!(msg.contains("cannot be read"), "{msg}");
}

#[test]
fn a_token_from_an_untrusted_tsa_is_indeterminate() {
    // Signed with the shared test PKI (trusted), time-stamped by the loopback TSA, whose
    // root is not trusted: the time-stamp cannot be validated. (TSA 2 is directly under
    // the loopback root, so trusting that root later completes its chain.)
    let env = LtvEnv::start();
    let tsa = TsaClient::new(&env.url("/tsa2"));
    let pdf = sign_with_stamp(&common::signer_for(&common::pki().rsa), |sig, _| {
        tsa.timestamp(sig).unwrap().der
    });
    let r = validate(common::trust_root(), &pdf);
    assert!(!r.valid, "{}", show(&r));
    let s = approval(&r);
    assert_eq!(s.indication, Indication::Indeterminate, "{}", show(&r));
    let (status, _, sub) = stamp_check(s);
    assert_eq!(status, CheckStatus::Indeterminate);
    assert_eq!(sub, Some(SubIndication::NoCertificateChainFound));
    // With both roots trusted, the same file is valid.
    let mut both = common::trust_root();
    both.add(env.root.cert.clone());
    assert!(validate(both, &pdf).valid);
}

#[test]
fn a_valid_token_does_not_excuse_a_grafted_one_beside_it() {
    let env = LtvEnv::start();
    let tsa = TsaClient::new(&env.url("/tsa"));
    let a = sign_with_stamp(&signer(&env, "A2"), |sig, _| {
        tsa.timestamp(sig).unwrap().der
    });
    let grafted = token_of(&a);
    for order in [false, true] {
        let b = sign_with_stamps(&signer(&env, "B2"), |sig, _| {
            let good = tsa.timestamp(sig).unwrap().der;
            if order {
                vec![good, grafted.clone()]
            } else {
                vec![grafted.clone(), good]
            }
        });
        let r = validate(env.trust(), &b);
        assert!(!r.valid, "{}", show(&r));
        let s = approval(&r);
        assert_eq!(s.indication, Indication::TotalFailed, "{}", show(&r));
        assert_eq!(s.sub_indication, Some(SubIndication::HashFailure));
    }
}

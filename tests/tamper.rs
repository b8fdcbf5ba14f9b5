//! Negative tests: tampered, truncated, re-certified and randomly mutated signed files are
//! never reported valid, and never crash the verifier.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code

mod common;

use common::*;
use kyso::report::{Indication, SubIndication};
use proptest::prelude::*;

fn signed() -> Vec<u8> {
    sign_default(&sample_default())
}

fn byte_range(bytes: &[u8]) -> [usize; 4] {
    let doc = kyso::pdf::Document::from_bytes(bytes.to_vec()).unwrap();
    let f = kyso::form::fields_in(&doc, doc.last_revision()).unwrap();
    let sig = doc
        .resolve(
            f.iter()
                .find(|f| f.is_signature())
                .unwrap()
                .value_ref()
                .unwrap(),
        )
        .unwrap();
    let br = kyso::validate::sigdict::raw_byte_range(sig.as_dict().unwrap());
    [
        br[0] as usize,
        br[1] as usize,
        br[2] as usize,
        br[3] as usize,
    ]
}

#[test]
fn a_flipped_bit_in_the_signed_bytes_is_a_hash_failure() {
    let good = signed();
    let br = byte_range(&good);
    // Flip a byte inside the page content (first range) and inside the second range.
    for pos in [br[1] / 2, br[2] + br[3] / 2] {
        let mut bad = good.clone();
        // Flip within a comment-safe place: a digit or letter keeps the file parsable most of
        // the time; any change must be detected either way.
        bad[pos] ^= 0x01;
        let r = verify(&bad);
        assert!(!r.valid, "flipping byte {pos} went unnoticed");
        if let Some(s) = r.signatures.first() {
            assert_ne!(s.indication, Indication::TotalPassed);
        }
    }
}

#[test]
fn flipping_page_content_is_reported_as_hash_failure() {
    // A byte inside the first stream's data: the file still parses, only the digest differs.
    let good = signed();
    let pos = good
        .windows(7)
        .position(|w| w == b"stream\n" || w == b"stream\r")
        .expect("a stream")
        + 12;
    let mut bad = good.clone();
    bad[pos] ^= 0x20;
    let r = verify(&bad);
    assert_eq!(r.indication, Indication::TotalFailed);
    assert_eq!(
        r.signatures[0].sub_indication,
        Some(SubIndication::HashFailure)
    );
}

#[test]
fn a_changed_signature_value_is_a_crypto_failure() {
    let good = signed();
    let br = byte_range(&good);
    // The RSA signature value is the last 256 bytes of the CMS, i.e. the last 512 hex digits
    // before the closing '>' of /Contents.
    let mut bad = good.clone();
    let pos = br[2] - 2 - 20;
    bad[pos] = if bad[pos] == b'0' { b'1' } else { b'0' };
    let r = verify(&bad);
    assert_eq!(r.signatures[0].indication, Indication::TotalFailed);
    assert_eq!(
        r.signatures[0].sub_indication,
        Some(SubIndication::SigCryptoFailure)
    );
}

#[test]
fn truncated_files_are_not_valid() {
    let good = signed();
    for cut in [
        good.len() - 1,
        good.len() - 10,
        good.len() - 200,
        good.len() / 2,
        100,
        5,
        0,
    ] {
        let r = verify(&good[..cut]);
        assert!(!r.valid, "truncated at {cut} reported valid");
    }
}

#[test]
fn junk_after_eof_is_not_valid() {
    let mut bad = signed();
    bad.extend_from_slice(b"\n1 0 obj\n(junk)\nendobj\n");
    let r = verify(&bad);
    assert!(!r.valid);
    assert!(
        r.findings.iter().any(|f| f.id == "trailing-bytes"),
        "{:#?}",
        r.findings
    );
    // Trailing white space alone is harmless.
    let mut ok = signed();
    ok.extend_from_slice(b"\r\n\n");
    assert!(verify(&ok).valid);
}

#[test]
fn swapped_certificate_is_rejected() {
    // Sign with the RSA key but embed the look-alike certificate that has the same subject:
    // the ESS binding and the signature no longer match the embedded certificate.
    let p = pki();
    let good = signed();
    let rsa_der = p.rsa.cert.der();
    let other = p.lookalike_leaf.cert.der();
    let hex = |b: &[u8]| kyso::sign::hex_upper(b);
    let (a, b) = (hex(rsa_der), hex(other));
    let text = good.clone();
    let pos = text
        .windows(a.len())
        .position(|w| w == a.as_bytes())
        .expect("signer certificate in /Contents");
    let mut bad = good.clone();
    if a.len() == b.len() {
        bad[pos..pos + a.len()].copy_from_slice(b.as_bytes());
    } else {
        // Different lengths would break the DER; swap the serial bytes of the certificate instead.
        let serial = hex(p.rsa.cert.serial());
        let s = text[pos..pos + a.len()]
            .windows(serial.len())
            .position(|w| w == serial.as_bytes())
            .unwrap()
            + pos;
        bad[s] = if bad[s] == b'0' { b'1' } else { b'0' };
    }
    let r = verify(&bad);
    assert!(!r.valid);
    assert_ne!(r.signatures[0].indication, Indication::TotalPassed);
}

#[test]
fn content_changed_in_a_later_revision_is_not_valid() {
    let good = signed();
    let doc = kyso::pdf::Document::from_bytes(good.clone()).unwrap();
    let page = doc.pages_in(doc.last_revision()).unwrap()[0];
    let page_obj = doc.resolve(page).unwrap();
    let contents = page_obj.as_dict().unwrap().get_ref(b"Contents").unwrap();
    let mut up = kyso::pdf::IncrementalUpdate::new(&doc);
    let mut s = kyso::pdf::Dict::new();
    s.set("Length", kyso::pdf::Object::Integer(0));
    up.put(
        contents,
        kyso::pdf::Object::Stream(kyso::pdf::Stream {
            dict: s,
            data: kyso::pdf::StreamData::Bytes(
                b"BT /F1 24 Tf 72 700 Td (PAID IN FULL) Tj ET".to_vec(),
            ),
        }),
    );
    let mut out = good.clone();
    up.write(&doc, &mut out).unwrap();
    let r = verify(&out);
    assert!(!r.valid);
    assert_eq!(
        r.signatures[0].sub_indication,
        Some(SubIndication::DisallowedModification)
    );
    assert!(
        r.signatures[0]
            .changes
            .iter()
            .any(|c| !c.allowed && c.description.contains("stream")),
        "{:#?}",
        r.signatures[0].changes
    );
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 200, .. ProptestConfig::default() })]

    #[test]
    fn random_mutations_are_never_valid_and_never_panic(
        edits in proptest::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..4),
        cut in proptest::option::of(any::<prop::sample::Index>()),
    ) {
        let good = signed_once();
        let mut bad = good.to_vec();
        let mut changed = false;
        for (i, v) in &edits {
            let pos = i.index(bad.len());
            if bad[pos] != *v {
                bad[pos] = *v;
                changed = true;
            }
        }
        if let Some(c) = cut {
            let n = c.index(bad.len());
            if n < bad.len() {
                bad.truncate(n);
                changed = true;
            }
        }
        let r = verify(&bad);
        if changed {
            // A mutation inside the /Contents padding or white space could in principle be
            // harmless; everything else must be caught.
            let harmless = is_harmless(good, &bad);
            prop_assert!(!r.valid || harmless, "mutation reported valid: {:?}", edits);
        }
    }
}

fn signed_once() -> &'static [u8] {
    static S: std::sync::OnceLock<Vec<u8>> = std::sync::OnceLock::new();
    S.get_or_init(signed)
}

/// Mutations that cannot change what was signed: a hex digit of /Contents changing case
/// (hex strings are case-insensitive) or white space after the final %%EOF becoming other
/// white space.
fn is_harmless(good: &[u8], bad: &[u8]) -> bool {
    if bad.len() != good.len() {
        return false;
    }
    let br = byte_range(good);
    let eof = good.windows(5).rposition(|w| w == b"%%EOF").unwrap() + 5;
    let ws = |c: u8| matches!(c, b' ' | b'\t' | b'\r' | b'\n' | b'\0' | b'\x0c');
    good.iter().zip(bad).enumerate().all(|(i, (&a, &b))| {
        a == b
            || (i > br[1] && i + 1 < br[2] && a.is_ascii_hexdigit() && a.eq_ignore_ascii_case(&b))
            || (i >= eof && ws(a) && ws(b))
    })
}

//! What real signers produce, judged as they deserve: a `/Filter` kyso does not know (the
//! `/SubFilter` decides the format), empty signature placeholders (unsigned fields, not
//! failed signatures, never a valid file by themselves), and the signer certificate's
//! extended key usage (RFC 5280 §4.2.1.12, as Adobe decides).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code

mod common;

use common::{pki, sample, sample_default, signer_for, verify};
use kyso::pdf::{Dict, Object};
use kyso::report::{CheckStatus, FileReport, Indication, SubIndication};
use kyso::sign::{build_cms, cms_capacity, prepare, KeySigner, SignOptions, Signer};
use kyso_testkit::{CertSpec, SampleOptions};

fn show(r: &FileReport) -> String {
    kyso::report::render_text(r)
}

fn find(hay: &[u8], needle: &[u8]) -> usize {
    hay.windows(needle.len())
        .position(|w| w == needle)
        .unwrap_or_else(|| panic!("{} not found", String::from_utf8_lossy(needle)))
}

/// Signs `input` through the public two-step API, letting `edit` change the prepared
/// bytes (the signature dictionary) before they are hashed and signed.
fn sign_edited(
    input: &[u8],
    signer: &dyn Signer,
    opts: &SignOptions,
    extra: Dict,
    edit: impl FnOnce(&mut Vec<u8>),
) -> Vec<u8> {
    let now = kyso::time::now();
    let capacity = cms_capacity(signer, opts, now).unwrap();
    let mut prepared = prepare(input, opts, now, capacity, extra).unwrap();
    edit(&mut prepared.bytes);
    let digest = prepared.digest(signer.scheme().digest());
    let cms = build_cms(signer, opts, now, &digest, &[]).unwrap();
    prepared.embed(&cms).unwrap()
}

fn dictionary_check(r: &FileReport) -> (CheckStatus, String) {
    let c = r.signatures[0]
        .checks
        .iter()
        .find(|c| c.id == "signature-dictionary")
        .unwrap_or_else(|| panic!("{}", show(r)));
    (c.status, c.message.clone())
}

#[test]
fn an_unknown_filter_is_a_warning_and_the_signature_stays_valid() {
    let signer = signer_for(&pki().rsa);
    let mut extra = Dict::new();
    extra.set(b"Filter".to_vec(), Object::Name(b"VNPT.SmartCA".to_vec()));
    let signed = sign_edited(
        &sample_default(),
        &signer,
        &SignOptions::default(),
        extra,
        |_| {},
    );
    let r = verify(&signed);
    assert!(r.valid, "{}", show(&r));
    let (status, msg) = dictionary_check(&r);
    assert_eq!(status, CheckStatus::Warning, "{msg}");
    assert!(
        msg.contains("unknown /Filter VNPT.SmartCA") && msg.contains("ETSI.CAdES.detached"),
        "{msg}"
    );
}

#[test]
fn a_missing_filter_is_a_warning_but_a_missing_subfilter_fails() {
    let signer = signer_for(&pki().rsa);
    let opts = SignOptions::default();
    // The dictionary is edited before hashing, so the signature covers the edit.
    let no_filter = sign_edited(&sample_default(), &signer, &opts, Dict::new(), |b| {
        let at = find(b, b"/Filter /Adobe.PPKLite");
        b[at..at + 7].copy_from_slice(b"/Filtex");
    });
    let r = verify(&no_filter);
    assert!(r.valid, "{}", show(&r));
    let (status, msg) = dictionary_check(&r);
    assert_eq!(status, CheckStatus::Warning);
    assert!(msg.contains("has no /Filter"), "{msg}");

    let no_sub = sign_edited(&sample_default(), &signer, &opts, Dict::new(), |b| {
        let at = find(b, b"/SubFilter /ETSI.CAdES.detached");
        b[at..at + 10].copy_from_slice(b"/SubFiltex");
    });
    let r = verify(&no_sub);
    assert!(!r.valid);
    assert_eq!(r.signatures[0].indication, Indication::TotalFailed);
    assert_eq!(
        r.signatures[0].sub_indication,
        Some(SubIndication::FormatFailure)
    );
    let (status, msg) = dictionary_check(&r);
    assert_eq!(status, CheckStatus::Failed);
    assert!(msg.contains("no /SubFilter"), "{msg}");

    let unknown_sub = sign_edited(&sample_default(), &signer, &opts, Dict::new(), |b| {
        let at = find(b, b"/SubFilter /ETSI.CAdES.detached");
        b[at + 12..at + 16].copy_from_slice(b"EVIL");
    });
    let r = verify(&unknown_sub);
    assert_eq!(
        r.signatures[0].sub_indication,
        Some(SubIndication::FormatFailure)
    );
    assert!(dictionary_check(&r).1.contains("unknown /SubFilter EVIL"));
}

fn form_sample() -> Vec<u8> {
    sample(&SampleOptions {
        with_form: true,
        ..Default::default()
    })
}

fn unsigned_findings(r: &FileReport) -> Vec<String> {
    r.findings
        .iter()
        .filter(|f| f.id == "unsigned-signature-field")
        .inspect(|f| assert_eq!(f.status, CheckStatus::Warning))
        .map(|f| f.message.clone())
        .collect()
}

/// A signature update written but never filled: `/Contents` zeros, and `/ByteRange`
/// overwritten with zeros (no usable byte range), as a signer that crashed leaves it.
fn never_filled(input: &[u8], field: &str) -> Vec<u8> {
    let signer = signer_for(&pki().rsa);
    let opts = SignOptions {
        field: Some(field.into()),
        ..Default::default()
    };
    let now = kyso::time::now();
    let capacity = cms_capacity(&signer, &opts, now).unwrap();
    let mut p = prepare(input, &opts, now, capacity, Dict::new()).unwrap();
    let at = find(&p.bytes, b"/ByteRange [") + b"/ByteRange [".len();
    let end = at + p.bytes[at..].iter().position(|&c| c == b']').unwrap();
    for b in &mut p.bytes[at..end] {
        if b.is_ascii_digit() {
            *b = b'0';
        }
    }
    p.bytes
}

#[test]
fn a_field_without_value_is_an_unsigned_field_and_the_file_is_not_valid() {
    let r = verify(&form_sample());
    assert!(!r.valid);
    assert!(r.signatures.is_empty(), "{}", show(&r));
    assert!(r.findings.iter().any(|f| f.id == "no-signatures"));
    let unsigned = unsigned_findings(&r);
    assert_eq!(unsigned.len(), 1, "{}", show(&r));
    assert!(unsigned[0].contains("\"Signature1\""), "{unsigned:?}");
}

#[test]
fn a_never_filled_placeholder_is_unsigned_not_a_failed_signature() {
    let bytes = never_filled(&form_sample(), "Signature1");
    let r = verify(&bytes);
    assert!(!r.valid);
    assert!(
        r.signatures.is_empty(),
        "an empty placeholder is not a signature: {}",
        show(&r)
    );
    assert_ne!(r.indication, Indication::TotalFailed, "{}", show(&r));
    assert!(r.findings.iter().any(|f| f.id == "no-signatures"));
    assert_eq!(unsigned_findings(&r).len(), 1, "{}", show(&r));
    // Not reported as a stray /ByteRange object either.
    assert!(!r.findings.iter().any(|f| f.id == "unreachable-signature"));
}

#[test]
fn a_placeholder_with_a_usable_byte_range_still_fails() {
    // Zero /Contents but a /ByteRange that names the gap: a filled dictionary whose
    // signature was wiped (or never embedded) is a failed signature, not an unsigned field.
    let signer = signer_for(&pki().rsa);
    let opts = SignOptions::default();
    let now = kyso::time::now();
    let capacity = cms_capacity(&signer, &opts, now).unwrap();
    let p = prepare(&sample_default(), &opts, now, capacity, Dict::new()).unwrap();
    let r = verify(&p.bytes);
    assert_eq!(r.signatures.len(), 1, "{}", show(&r));
    assert_eq!(r.signatures[0].indication, Indication::TotalFailed);
    assert!(dictionary_check(&r).1.contains("only zero bytes"));
    assert!(unsigned_findings(&r).is_empty());
}

#[test]
fn a_signed_file_with_an_empty_field_is_valid_and_lists_the_field() {
    let signed = common::sign_with(
        &form_sample(),
        &pki().rsa,
        &SignOptions {
            field: Some("Approval".into()),
            ..Default::default()
        },
    );
    let r = verify(&signed);
    assert!(r.valid, "{}", show(&r));
    assert_eq!(r.signatures.len(), 1);
    let unsigned = unsigned_findings(&r);
    assert_eq!(unsigned.len(), 1, "{}", show(&r));
    assert!(unsigned[0].contains("\"Signature1\""));
    // The JSON carries it as a finding with its stable identifier.
    let json = serde_json::to_string(&r).unwrap();
    assert!(json.contains("\"unsigned-signature-field\""), "{json}");
}

fn leaf_with_eku(eku: &str) -> KeySigner {
    let p = pki();
    let mut spec = CertSpec::leaf("Nguyễn Văn EKU");
    spec.extended_key_usage = eku.into();
    let leaf = p.intermediate.issue(&spec);
    KeySigner::from_key_der(
        &leaf.key_der(),
        leaf.cert.clone(),
        vec![p.intermediate.cert.clone(), p.root.cert.clone()],
    )
    .unwrap()
}

#[test]
fn a_signer_restricted_to_tls_fails_the_key_usage_check() {
    for eku in ["clientAuth", "serverAuth,clientAuth,timeStamping"] {
        // kyso refuses to sign with such a certificate…
        let refused = kyso::sign::sign_pdf(
            &sample_default(),
            &leaf_with_eku(eku),
            &SignOptions::default(),
        );
        match refused {
            Err(kyso::sign::SignError::Certificate(m)) => {
                assert!(m.contains("extended key usage"), "{m}")
            }
            other => panic!("{eku}: expected a certificate refusal, got {other:?}"),
        }
        // …and a signature made anyway (another signer) does not validate.
        let opts = SignOptions {
            danger_skip_certificate_checks: true,
            ..Default::default()
        };
        let signed = kyso::sign::sign_pdf(&sample_default(), &leaf_with_eku(eku), &opts).unwrap();
        let r = verify(&signed);
        assert!(!r.valid, "{eku}: {}", show(&r));
        let s = &r.signatures[0];
        assert_eq!(s.indication, Indication::TotalFailed, "{}", show(&r));
        assert_eq!(s.sub_indication, Some(SubIndication::SigConstraintsFailure));
        let c = s.checks.iter().find(|c| c.id == "key-usage").unwrap();
        assert_eq!(c.status, CheckStatus::Failed);
        assert!(
            c.message.contains("clientAuth (1.3.6.1.5.5.7.3.2)"),
            "{}",
            c.message
        );
    }
}

#[test]
fn document_signing_purposes_pass_the_key_usage_check() {
    for eku in [
        "emailProtection",
        "clientAuth,emailProtection",
        "1.3.6.1.5.5.7.3.36",
        "1.3.6.1.4.1.311.10.3.12",
        "1.2.840.113583.1.1.5",
        "2.5.29.37.0",
    ] {
        let signed = kyso::sign::sign_pdf(
            &sample_default(),
            &leaf_with_eku(eku),
            &SignOptions::default(),
        )
        .unwrap();
        let r = verify(&signed);
        assert!(r.valid, "{eku}: {}", show(&r));
    }
}

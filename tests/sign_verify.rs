//! Signing and verifying round trips through the library: every key type and option, the
//! structure of what is written, and the verdicts.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code

mod common;

use common::*;
use kyso::crypto::DigestAlgorithm;
use kyso::report::{CheckStatus, Indication, SubIndication};
use kyso::sign::{SignOptions, Signer, SubFilterChoice};
use kyso_testkit::SampleOptions;

fn check<'a>(r: &'a kyso::report::SignatureReport, id: &str) -> &'a kyso::report::Check {
    r.checks
        .iter()
        .find(|c| c.id == id)
        .unwrap_or_else(|| panic!("no check {id} in {:#?}", r.checks))
}

#[test]
fn rsa_pades_round_trip_is_valid_and_append_only() {
    let input = sample_default();
    let signed = sign_default(&input);
    assert!(
        signed.starts_with(&input),
        "the input must be a prefix of the output"
    );
    let r = verify(&signed);
    assert!(r.valid, "{}", kyso::report::render_text(&r));
    assert_eq!(r.signatures.len(), 1);
    let s = &r.signatures[0];
    assert_eq!(s.indication, Indication::TotalPassed);
    assert_eq!(s.sub_filter.as_deref(), Some("ETSI.CAdES.detached"));
    assert_eq!(s.coverage.as_ref().unwrap().kind, "whole-file");
    assert_eq!(s.field, "Signature1");
    let signer = s.signer.as_ref().unwrap();
    assert_eq!(signer.common_name.as_deref(), Some("Nguyễn Văn An"));
    assert!(signer.identifiers.iter().any(|i| i.kind == "CCCD"));
    for id in [
        "message-digest",
        "signature-value",
        "ess-signing-certificate",
        "certificate-chain",
        "validity-period",
        "key-usage",
    ] {
        assert_eq!(check(s, id).status, CheckStatus::Passed, "{id}");
    }
}

#[test]
fn every_key_and_digest_combination_verifies() {
    let input = sample_default();
    let p = pki();
    let cases: Vec<(&kyso_testkit::Issued, DigestAlgorithm, bool)> = vec![
        (&p.rsa, DigestAlgorithm::Sha256, false),
        (&p.rsa, DigestAlgorithm::Sha384, false),
        (&p.rsa, DigestAlgorithm::Sha512, false),
        (&p.rsa, DigestAlgorithm::Sha256, true),
        (&p.rsa, DigestAlgorithm::Sha512, true),
        (&p.ec, DigestAlgorithm::Sha256, false),
        (&p.ec, DigestAlgorithm::Sha384, false),
    ];
    for (who, digest, pss) in cases {
        let signer = signer_for(who).with_algorithm(digest, pss).unwrap();
        let signed = kyso::sign::sign_pdf(&input, &signer, &SignOptions::default()).unwrap();
        let r = verify(&signed);
        assert!(
            r.valid,
            "{digest:?} pss={pss}: {}",
            kyso::report::render_text(&r)
        );
        assert_eq!(
            r.signatures[0].digest_algorithm.as_deref(),
            Some(digest.name())
        );
    }
}

#[test]
fn pkcs7_subfilter_and_metadata_are_written() {
    let opts = SignOptions {
        sub_filter: SubFilterChoice::Pkcs7,
        reason: Some("Phê duyệt kết quả".into()),
        location: Some("Vĩnh Long".into()),
        contact_info: Some("vanthu@example.vn".into()),
        name: Some("Nguyễn Văn An".into()),
        field: Some("Approval".into()),
        ..Default::default()
    };
    let signed = sign_with(&sample_default(), &pki().ec, &opts);
    let r = verify(&signed);
    assert!(r.valid, "{}", kyso::report::render_text(&r));
    let s = &r.signatures[0];
    assert_eq!(s.sub_filter.as_deref(), Some("adbe.pkcs7.detached"));
    assert_eq!(s.field, "Approval");
    assert_eq!(s.reason.as_deref(), Some("Phê duyệt kết quả"));
    assert_eq!(s.location.as_deref(), Some("Vĩnh Long"));
    assert_eq!(s.contact_info.as_deref(), Some("vanthu@example.vn"));
    assert_eq!(s.name.as_deref(), Some("Nguyễn Văn An"));
}

#[test]
fn xref_stream_documents_get_xref_stream_updates() {
    let input = sample(&SampleOptions {
        xref_stream: true,
        pages: 3,
        ..Default::default()
    });
    let signed = sign_default(&input);
    let doc = kyso::pdf::Document::from_bytes(signed.clone()).unwrap();
    let revs = doc.revisions();
    assert_eq!(revs.len(), 2);
    assert_eq!(revs[1].kind, kyso::pdf::XrefKind::Stream);
    let r = verify(&signed);
    assert!(r.valid, "{}", kyso::report::render_text(&r));
}

#[test]
fn two_signatures_both_valid_first_covers_revision_two_of_three() {
    let once = sign_default(&sample_default());
    let twice = sign_with(&once, &pki().ec, &SignOptions::default());
    assert!(twice.starts_with(&once));
    let r = verify(&twice);
    assert!(r.valid, "{}", kyso::report::render_text(&r));
    assert_eq!(r.signatures.len(), 2);
    assert_eq!(r.signatures[0].field, "Signature1");
    assert_eq!(r.signatures[1].field, "Signature2");
    let c0 = r.signatures[0].coverage.as_ref().unwrap();
    assert_eq!(
        (c0.kind, c0.revision, c0.revisions),
        (kyso::report::CoverageKind::Revision, Some(2), 3)
    );
    assert!(r.signatures[0].changes.iter().all(|c| c.allowed));
    assert!(!r.signatures[0].changes.is_empty());
}

#[test]
fn existing_empty_field_is_signed_and_signed_field_refused() {
    let input = sample(&SampleOptions {
        with_form: true,
        ..Default::default()
    });
    let opts = SignOptions {
        field: Some("Signature1".into()),
        ..Default::default()
    };
    let signed = sign_with(&input, &pki().rsa, &opts);
    let r = verify(&signed);
    assert!(r.valid, "{}", kyso::report::render_text(&r));
    assert_eq!(r.signatures[0].field, "Signature1");
    let again = kyso::sign::sign_pdf(&signed, &signer_for(&pki().rsa), &opts).unwrap_err();
    assert!(again.to_string().contains("already signed"), "{again}");
    let not_sig = SignOptions {
        field: Some("Comment".into()),
        ..Default::default()
    };
    let err = kyso::sign::sign_pdf(&input, &signer_for(&pki().rsa), &not_sig).unwrap_err();
    assert!(err.to_string().contains("not a signature field"), "{err}");
}

#[test]
fn signer_certificate_is_checked_before_signing() {
    let p = pki();
    let input = sample_default();
    for (who, why) in [
        (&p.expired, "expired"),
        (&p.not_yet_valid, "not valid before"),
        (&p.no_signing_usage, "key usage"),
    ] {
        let err =
            kyso::sign::sign_pdf(&input, &signer_for(who), &SignOptions::default()).unwrap_err();
        assert!(err.to_string().contains(why), "{why}: {err}");
    }
}

#[test]
fn placeholder_is_sized_exactly() {
    let signed = sign_default(&sample_default());
    let doc = kyso::pdf::Document::from_bytes(signed.clone()).unwrap();
    let f = kyso::form::fields_in(&doc, doc.last_revision()).unwrap();
    let sig = doc.resolve(f[0].value_ref().unwrap()).unwrap();
    let contents = &sig
        .as_dict()
        .unwrap()
        .get(b"Contents")
        .unwrap()
        .as_string()
        .unwrap()
        .bytes;
    kyso::cms::parse_signed_data(contents).unwrap();
    // RSA signatures have a fixed size: the DER value fills the placeholder exactly, with no
    // zero padding after it. (The last byte alone says nothing: an RSA signature ends in 0x00
    // one time in 256.)
    assert_eq!(contents[0], 0x30, "a DER SEQUENCE");
    let (len, header) = match contents[1] {
        n if n < 0x80 => (n as usize, 2),
        n => {
            let k = (n & 0x7f) as usize;
            let len = contents[2..2 + k]
                .iter()
                .fold(0usize, |acc, b| (acc << 8) | *b as usize);
            (len, 2 + k)
        }
    };
    assert_eq!(
        header + len,
        contents.len(),
        "an RSA CMS fills its placeholder exactly"
    );
}

#[test]
fn verdicts_for_bad_certificates() {
    let p = pki();
    let input = sample_default();
    let unchecked = SignOptions {
        danger_skip_certificate_checks: true,
        ..Default::default()
    };

    // Expired signer, no time-stamp: no proof the signature predates the expiry.
    let r = verify(&sign_with(
        &input,
        &p.expired,
        &SignOptions {
            signing_time: Some(p.expired.cert.not_before() + 86_400),
            ..unchecked.clone()
        },
    ));
    assert_eq!(r.indication, Indication::Indeterminate);
    assert_eq!(
        r.signatures[0].sub_indication,
        Some(SubIndication::OutOfBoundsNoPoe)
    );

    // Without digitalSignature/nonRepudiation.
    let r = verify(&sign_with(&input, &p.no_signing_usage, &unchecked));
    assert!(!r.valid);
    assert_eq!(
        r.signatures[0].sub_indication,
        Some(SubIndication::ChainConstraintsFailure)
    );

    // A look-alike certificate with the same names but from another root.
    let lookalike = kyso::sign::KeySigner::from_key_der(
        &p.lookalike_leaf.key_der(),
        p.lookalike_leaf.cert.clone(),
        vec![p.lookalike_root.cert.clone()],
    )
    .unwrap();
    let r = verify(&kyso::sign::sign_pdf(&input, &lookalike, &SignOptions::default()).unwrap());
    assert!(!r.valid);
    assert_eq!(r.signatures[0].indication, Indication::Indeterminate);
    // The look-alike root shares the real root's name, so path building tries it under the
    // real root and finds its signature does not verify; either way there is no chain.
    assert!(
        matches!(
            r.signatures[0].sub_indication,
            Some(
                SubIndication::NoCertificateChainFound
                    | SubIndication::CertificateChainGeneralFailure
            )
        ),
        "{:?}",
        r.signatures[0].sub_indication
    );

    // RSA-1024: weak key.
    let r = verify(&sign_with(&input, &p.weak_rsa, &unchecked));
    assert!(!r.valid);
    assert_eq!(
        r.signatures[0].sub_indication,
        Some(SubIndication::CryptoConstraintsFailureNoPoe)
    );

    // No trust anchors at all.
    let r = kyso::validate::Validator::default().validate_bytes("x.pdf", &sign_default(&input));
    assert!(!r.valid);
    assert_eq!(
        r.signatures[0].sub_indication,
        Some(SubIndication::NoCertificateChainFound)
    );
}

#[test]
fn validation_at_a_later_time_without_timestamp_is_indeterminate() {
    let signed = sign_default(&sample_default());
    let after_expiry = pki().rsa.cert.not_after() + 86_400;
    let v = kyso::validate::Validator::new(kyso::validate::ValidationOptions {
        trust: trust_root(),
        validation_time: Some(after_expiry),
        ..Default::default()
    });
    let r = v.validate_bytes("x.pdf", &signed);
    assert_eq!(r.indication, Indication::Indeterminate);
    assert_eq!(r.sub_indication, Some(SubIndication::OutOfBoundsNoPoe));
}

#[test]
fn unsigned_and_non_pdf_files_are_not_valid() {
    let r = verify(&sample_default());
    assert!(!r.valid);
    assert!(r.findings.iter().any(|f| f.id == "no-signatures"));
    let r = verify(b"hello, this is not a PDF");
    assert!(!r.valid);
    assert_eq!(r.findings[0].id, "not-a-pdf");
    assert_eq!(r.indication, Indication::TotalFailed);
}

#[test]
fn report_json_has_stable_field_names() {
    let r = verify(&sign_default(&sample_default()));
    let v = serde_json::to_value(&r).unwrap();
    for key in [
        "schema_version",
        "file",
        "valid",
        "indication",
        "summary",
        "validation_time",
        "revisions",
        "signatures",
        "findings",
    ] {
        assert!(v.get(key).is_some(), "missing {key}");
    }
    assert_eq!(v["indication"], "TOTAL-PASSED");
    let s = &v["signatures"][0];
    for key in [
        "field",
        "kind",
        "indication",
        "sub_filter",
        "signer",
        "chain",
        "claimed_signing_time",
        "digest_algorithm",
        "signature_algorithm",
        "coverage",
        "changes",
        "checks",
    ] {
        assert!(s.get(key).is_some(), "missing signatures[0].{key}");
    }
    assert_eq!(s["signer"]["identifiers"][0]["kind"], "CCCD");
}

#[test]
fn ecdsa_p384_signs_with_sha384() {
    use kyso_testkit::{CertSpec, KeySpec};
    let p = pki();
    let leaf = p
        .intermediate
        .issue(&CertSpec::leaf("P-384 signer").with_key(KeySpec::EcP384));
    let signer = kyso::sign::KeySigner::from_key_der(
        &leaf.key_der(),
        leaf.cert.clone(),
        vec![p.intermediate.cert.clone()],
    )
    .unwrap();
    assert_eq!(
        signer.scheme().digest(),
        DigestAlgorithm::Sha384,
        "P-384 keys default to SHA-384"
    );
    let signed = kyso::sign::sign_pdf(&sample_default(), &signer, &SignOptions::default()).unwrap();
    let r = verify(&signed);
    assert!(r.valid, "{}", kyso::report::render_text(&r));
    assert_eq!(
        r.signatures[0]
            .signer
            .as_ref()
            .unwrap()
            .key
            .curve
            .as_deref(),
        Some("P-384")
    );
}

//! Two-phase (external) signing: prepare, sign the digest elsewhere (OpenSSL, as a remote
//! service or a browser would), finish; and every way a wrong signature, a changed prepared
//! file or another certificate is refused.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code

mod common;

use kyso::crypto::SchemeKeys as _;
use std::path::Path;
use std::process::Command;

use common::*;
use kyso::crypto::{DigestAlgorithm, SignatureScheme};
use kyso::sign::external::{
    finish_external, prepare_external, ExternalSigner, PendingSignature, PreparedExternal,
};
use kyso::sign::{SignError, SignOptions, SubFilterChoice};
use kyso_testkit::Issued;

fn external_for(who: &Issued) -> ExternalSigner {
    ExternalSigner::new(who.cert.clone(), vec![pki().intermediate.cert.clone()]).unwrap()
}

/// Phase one, with the state taken through JSON as a portal would store it.
fn prepare(signer: &ExternalSigner, opts: &SignOptions) -> PreparedExternal {
    let p = prepare_external(&sample_default(), signer, opts).unwrap();
    let state = PendingSignature::from_json(&p.state.to_json()).unwrap();
    assert_eq!(state, p.state);
    PreparedExternal { pdf: p.pdf, state }
}

/// What a remote service does: sign the digest it was sent with the key it holds.
fn remote_sign(who: &Issued, state: &PendingSignature) -> Vec<u8> {
    state
        .scheme
        .sign_digest(&who.key, &state.to_be_signed_digest)
        .unwrap()
}

fn pyhanko_validate(w: &Workspace, file: &Path) {
    let o = Command::new(peer("pyhanko"))
        .args([
            "sign",
            "validate",
            "--no-revocation-check",
            "--trust-replace",
            "--trust",
        ])
        .arg(w.path("root.pem"))
        .arg(file)
        .output()
        .unwrap();
    let out = format!("{}{}", stdout(&o), stderr(&o));
    assert!(
        o.status.success() && out.contains("INTACT:TRUSTED,UNTOUCHED"),
        "pyHanko rejected {}:\n{out}",
        file.display()
    );
}

fn assert_valid(bytes: &[u8], algo: &str) {
    let r = verify(bytes);
    let text = kyso::report::render_text(&r);
    assert!(r.valid, "{text}");
    assert!(text.contains(algo), "expected {algo}:\n{text}");
}

#[test]
fn raw_signatures_from_elsewhere_complete_the_prepared_pdf() {
    let p = pki();
    let w = Workspace::new();
    let cases: Vec<(&str, &Issued, ExternalSigner, SignOptions, &str)> = vec![
        (
            "rsa",
            &p.rsa,
            external_for(&p.rsa),
            SignOptions::default(),
            "RSA PKCS#1 v1.5 with SHA-256",
        ),
        (
            "pss-sha384",
            &p.rsa,
            external_for(&p.rsa)
                .with_algorithm(DigestAlgorithm::Sha384, true)
                .unwrap(),
            SignOptions::default(),
            "RSA-PSS with SHA-384",
        ),
        (
            "ecdsa",
            &p.ec,
            external_for(&p.ec),
            SignOptions::default(),
            "ECDSA with SHA-256",
        ),
        (
            "pkcs7",
            &p.rsa,
            external_for(&p.rsa),
            SignOptions {
                sub_filter: SubFilterChoice::Pkcs7,
                reason: Some("Phê duyệt".into()),
                ..Default::default()
            },
            "RSA PKCS#1 v1.5 with SHA-256",
        ),
    ];
    for (name, who, signer, opts, algo) in cases {
        let prepared = prepare(&signer, &opts);
        assert_eq!(
            prepared.state.to_be_signed_digest,
            prepared
                .state
                .digest_algorithm
                .digest(&prepared.state.signed_attributes)
        );
        let sig = remote_sign(who, &prepared.state);
        let signed = finish_external(&prepared.pdf, &prepared.state, &sig).unwrap();
        assert!(signed.starts_with(&sample_default()[..100]));
        assert_eq!(signed.len(), prepared.pdf.len(), "{name}");
        assert_valid(&signed, algo);
        pyhanko_validate(&w, &w.write(&format!("{name}.pdf"), &signed));
    }
}

#[test]
fn ecdsa_r_s_from_a_service_is_converted_to_der() {
    let p = pki();
    let prepared = prepare(&external_for(&p.ec), &SignOptions::default());
    let der = remote_sign(&p.ec, &prepared.state);
    let sig = openssl::ecdsa::EcdsaSig::from_der(&der).unwrap();
    let mut raw = sig.r().to_vec_padded(32).unwrap();
    raw.extend(sig.s().to_vec_padded(32).unwrap());
    let signed = finish_external(&prepared.pdf, &prepared.state, &raw).unwrap();
    assert_valid(&signed, "ECDSA with SHA-256");
}

#[test]
fn a_complete_cms_from_a_service_is_checked_and_embedded() {
    let p = pki();
    let prepared = prepare(&external_for(&p.rsa), &SignOptions::default());
    // The service builds its own CMS over the document digest (here: kyso's builder with the
    // key, as a service using kyso would).
    let cms_for = |who: &Issued, digest: &[u8]| {
        kyso::sign::build_cms(
            &signer_for(who),
            &SignOptions::default(),
            kyso::time::now(),
            digest,
            &[],
        )
        .unwrap()
    };
    let good = cms_for(&p.rsa, &prepared.state.document_digest);
    let signed = finish_external(&prepared.pdf, &prepared.state, &good).unwrap();
    assert_valid(&signed, "RSA PKCS#1 v1.5 with SHA-256");

    // Another document's digest.
    let other = cms_for(&p.rsa, &DigestAlgorithm::Sha256.digest(b"another document"));
    let e = finish_external(&prepared.pdf, &prepared.state, &other).unwrap_err();
    assert!(e.to_string().contains("message digest"), "{e}");
    // Another signer.
    let ec_digest = &prepared.state.document_digest;
    let by_ec = cms_for(&p.ec, ec_digest);
    let e = finish_external(&prepared.pdf, &prepared.state, &by_ec).unwrap_err();
    assert!(e.to_string().contains("not the prepared one"), "{e}");
    // A CMS whose signature was damaged.
    let mut broken = good.clone();
    let n = broken.len();
    broken[n - 10] ^= 1;
    let e = finish_external(&prepared.pdf, &prepared.state, &broken).unwrap_err();
    assert!(matches!(e, SignError::Key(_)), "{e}");
    // A CMS larger than the placeholder: refused, unless room was reserved.
    let big = |state: &PendingSignature| {
        let s = signer_for(&p.rsa);
        let attrs = kyso::cms::build_signed_attributes(
            DigestAlgorithm::Sha256,
            &state.document_digest,
            p.rsa.cert.der(),
            None,
        )
        .unwrap();
        let scheme = SignatureScheme::RsaPkcs1 {
            digest: DigestAlgorithm::Sha256,
        };
        kyso::cms::build_signed_data(
            DigestAlgorithm::Sha256,
            scheme,
            p.rsa.cert.der(),
            &[
                p.rsa.cert.der().to_vec(),
                p.intermediate.cert.der().to_vec(),
                p.root.cert.der().to_vec(),
            ],
            &attrs,
            &kyso::sign::Signer::sign(&s, &attrs).unwrap(),
            &[],
        )
        .unwrap()
    };
    let e = finish_external(&prepared.pdf, &prepared.state, &big(&prepared.state)).unwrap_err();
    assert!(e.to_string().contains("does not fit"), "{e}");
    let roomy = prepare(
        &external_for(&p.rsa).with_extra_capacity(4096),
        &SignOptions::default(),
    );
    let signed = finish_external(&roomy.pdf, &roomy.state, &big(&roomy.state)).unwrap();
    assert_valid(&signed, "RSA PKCS#1 v1.5 with SHA-256");
}

#[test]
fn wrong_signatures_tampered_files_and_other_certificates_are_refused() {
    let p = pki();
    let prepared = prepare(&external_for(&p.rsa), &SignOptions::default());
    let good = remote_sign(&p.rsa, &prepared.state);

    // A damaged signature.
    let mut bad = good.clone();
    bad[10] ^= 0x40;
    let e = finish_external(&prepared.pdf, &prepared.state, &bad).unwrap_err();
    assert!(
        matches!(&e, SignError::Key(m) if m.contains("does not verify")),
        "{e}"
    );
    // A signature over something else.
    let other = SignatureScheme::RsaPkcs1 {
        digest: DigestAlgorithm::Sha256,
    }
    .sign(&p.rsa.key, b"something else")
    .unwrap();
    assert!(finish_external(&prepared.pdf, &prepared.state, &other).is_err());
    // The right digest signed by another key (a mismatched certificate).
    let by_other_key = SignatureScheme::RsaPkcs1 {
        digest: DigestAlgorithm::Sha256,
    }
    .sign_digest(&p.weak_rsa.key, &prepared.state.to_be_signed_digest)
    .unwrap();
    let e = finish_external(&prepared.pdf, &prepared.state, &by_other_key).unwrap_err();
    assert!(e.to_string().contains("does not verify"), "{e}");
    // Garbage.
    assert!(finish_external(&prepared.pdf, &prepared.state, b"").is_err());

    // A prepared file changed between the phases: outside the placeholder…
    let mut tampered = prepared.pdf.clone();
    let at = prepared.pdf.len() / 3;
    tampered[at] ^= 1;
    let e = finish_external(&tampered, &prepared.state, &good).unwrap_err();
    assert!(
        matches!(&e, SignError::Document(m) if m.contains("not the one")),
        "{e}"
    );
    // …inside it, or truncated, or another file.
    let mut filled = prepared.pdf.clone();
    filled[prepared.state.byte_range[1] + 1] = b'F';
    assert!(finish_external(&filled, &prepared.state, &good).is_err());
    assert!(finish_external(
        &prepared.pdf[..prepared.pdf.len() - 1],
        &prepared.state,
        &good
    )
    .is_err());
    let another = prepare(
        &external_for(&p.rsa),
        &SignOptions {
            reason: Some("another".into()),
            ..Default::default()
        },
    );
    assert!(finish_external(&another.pdf, &prepared.state, &good).is_err());

    // A state whose certificate was swapped for another: the signed attributes name the
    // prepared certificate, so even a valid signature by the other key is refused.
    let mut swapped = prepared.state.clone();
    swapped.certificate = p.ec.cert.der().to_vec();
    swapped.certificates[0] = p.ec.cert.der().to_vec();
    swapped.scheme = SignatureScheme::Ecdsa {
        digest: DigestAlgorithm::Sha256,
    };
    let ec_sig = swapped
        .scheme
        .sign(&p.ec.key, &swapped.signed_attributes)
        .unwrap();
    let e = finish_external(&prepared.pdf, &swapped, &ec_sig).unwrap_err();
    assert!(e.to_string().contains("do not belong"), "{e}");

    // The untouched originals still finish.
    let signed = finish_external(&prepared.pdf, &prepared.state, &good).unwrap();
    assert_valid(&signed, "RSA PKCS#1 v1.5 with SHA-256");
}

#[test]
fn prepare_checks_the_certificate_like_signing_does() {
    let p = pki();
    let e = prepare_external(
        &sample_default(),
        &external_for(&p.expired),
        &SignOptions::default(),
    )
    .unwrap_err();
    assert!(matches!(e, SignError::Certificate(_)), "{e}");
}

fn openssl(args: &[&str]) {
    let o = Command::new(peer("openssl")).args(args).output().unwrap();
    assert!(o.status.success(), "openssl {args:?}: {}", stderr(&o));
}

#[test]
fn cli_prepare_sign_with_openssl_finish() {
    let w = Workspace::new();
    let input = w.write("in.pdf", &sample_default());
    let s = |p: &Path| p.to_str().unwrap().to_string();
    for (name, key, cert, sig_form) in [
        ("rsa", "rsa.key", "rsa.pem", "digest"),
        ("rsa-attrs", "rsa.key", "rsa.pem", "attributes"),
        ("ec", "ec.key", "ec.pem", "digest-base64"),
    ] {
        let prepared = w.path(&format!("{name}.prepared.pdf"));
        let state = w.path(&format!("{name}.state.json"));
        let tbs = w.path(&format!("{name}.tbs.der"));
        let o = kyso(&[
            "sign",
            &s(&input),
            "-o",
            &s(&prepared),
            "--prepare",
            "--cert",
            &s(&w.path(cert)),
            "--chain",
            &s(&w.path("chain.pem")),
            "--state",
            &s(&state),
            "--signed-attributes-out",
            &s(&tbs),
        ]);
        assert!(o.status.success(), "{}", stderr(&o));
        let digest_hex = stdout(&o).trim().to_string();
        assert_eq!(digest_hex.len(), 64, "{digest_hex}");
        let digest = kyso::sign::external::decode_hex(&digest_hex).unwrap();
        assert_eq!(
            digest,
            DigestAlgorithm::Sha256.digest(&w.read(&format!("{name}.tbs.der")))
        );
        let digest_file = w.write(&format!("{name}.digest.bin"), &digest);

        // The separate key operation.
        let sig = w.path(&format!("{name}.sig"));
        match sig_form {
            "attributes" => openssl(&[
                "dgst",
                "-sha256",
                "-sign",
                &s(&w.path(key)),
                "-out",
                &s(&sig),
                &s(&tbs),
            ]),
            _ => openssl(&[
                "pkeyutl",
                "-sign",
                "-inkey",
                &s(&w.path(key)),
                "-pkeyopt",
                "digest:sha256",
                "-in",
                &s(&digest_file),
                "-out",
                &s(&sig),
            ]),
        }
        if sig_form == "digest-base64" {
            use base64::Engine as _;
            let b64 =
                base64::engine::general_purpose::STANDARD.encode(std::fs::read(&sig).unwrap());
            std::fs::write(&sig, format!("{b64}\n")).unwrap();
        }

        let signed = w.path(&format!("{name}.signed.pdf"));
        let o = kyso(&[
            "sign",
            &s(&prepared),
            "-o",
            &s(&signed),
            "--finish",
            "--state",
            &s(&state),
            "--signature",
            &s(&sig),
        ]);
        assert!(o.status.success(), "{name}: {}", stderr(&o));
        let o = kyso(&["verify", &s(&signed), "--trust", &s(&w.path("root.pem"))]);
        assert!(o.status.success(), "{name}: {}", stdout(&o));
        pyhanko_validate(&w, &signed);
    }

    // A signature by the wrong key, and a prepared file changed in between: exit 2, nothing
    // written.
    let wrong = w.path("wrong.sig");
    openssl(&[
        "pkeyutl",
        "-sign",
        "-inkey",
        &s(&w.path("ec.key")),
        "-pkeyopt",
        "digest:sha256",
        "-in",
        &s(&w.path("rsa.digest.bin")),
        "-out",
        &s(&wrong),
    ]);
    let out = w.path("refused.pdf");
    let finish = |prepared: &Path, sig: &Path| {
        kyso(&[
            "sign",
            &s(prepared),
            "-o",
            &s(&out),
            "--finish",
            "--state",
            &s(&w.path("rsa.state.json")),
            "--signature",
            &s(sig),
        ])
    };
    let o = finish(&w.path("rsa.prepared.pdf"), &wrong);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("does not verify"), "{}", stderr(&o));
    let mut changed = w.read("rsa.prepared.pdf");
    changed[200] ^= 1;
    let changed = w.write("changed.pdf", &changed);
    let o = finish(&changed, &w.path("rsa.sig"));
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("not the one"), "{}", stderr(&o));
    assert!(!out.exists());

    // Usage errors: --finish without --signature, --prepare without --cert.
    let o = kyso(&[
        "sign",
        &s(&input),
        "-o",
        &s(&out),
        "--finish",
        "--state",
        "x.json",
    ]);
    assert_eq!(o.status.code(), Some(2));
    let o = kyso(&[
        "sign",
        &s(&input),
        "-o",
        &s(&out),
        "--prepare",
        "--state",
        "x.json",
    ]);
    assert_eq!(o.status.code(), Some(2));
}

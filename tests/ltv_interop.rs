//! Long-term validation interoperability with pyHanko, both ways, against the loopback
//! OCSP/CRL/TSA services of `common/ltv.rs`: pyHanko accepts kyso's B-LT and B-LTA files
//! (time-stamp trusted, LTA updates recognised), and kyso validates pyHanko's B-LTA files
//! offline, now and years later.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code

mod common;
#[path = "common/ltv.rs"]
mod ltv_env;

use std::path::Path;
use std::process::Command;
use std::sync::Arc;

use kyso::revocation::{OnlineSource, RevocationPolicy};
use kyso::sign::levels::{self, LevelOptions, PadesLevel};
use kyso::tsp::TsaClient;
use kyso::validate::{ValidationOptions, Validator};
use ltv_env::{LtvEnv, YEAR};

fn pyhanko(args: &[&str]) -> (bool, String) {
    let o = Command::new(common::peer("pyhanko"))
        .args(args)
        .output()
        .unwrap();
    (
        o.status.success(),
        format!("{}{}", common::stdout(&o), common::stderr(&o)),
    )
}

fn kyso_sign(env: &LtvEnv, level: PadesLevel) -> Vec<u8> {
    let lvl = LevelOptions {
        level,
        tsa: Some(TsaClient::new(&env.url("/tsa"))),
        revocation: Some(Arc::new(OnlineSource::default())),
        ..Default::default()
    };
    let leaf = env.leaf("Lê Văn Interop");
    levels::sign(
        &common::sample_default(),
        &env.signer(&leaf),
        &Default::default(),
        &lvl,
    )
    .unwrap()
    .pdf
}

#[test]
fn pyhanko_accepts_kyso_b_lt_and_b_lta() {
    let mut env = LtvEnv::start();
    let root = env.path("root.pem").display().to_string();
    let mut files = Vec::new();
    for (name, level) in [("lt.pdf", PadesLevel::BLT), ("lta.pdf", PadesLevel::BLTA)] {
        let p = env.path(name);
        std::fs::write(&p, kyso_sign(&env, level)).unwrap();
        common::qpdf_check(&p);
        files.push((p, level));
    }
    for (p, level) in &files {
        let f = p.display().to_string();
        for cmd in ["validate", "adesverify"] {
            let (ok, out) = pyhanko(&["sign", cmd, "--trust", &root, "--trust-replace", &f]);
            assert!(ok, "pyHanko {cmd} rejected {f}:\n{out}");
            let line = out
                .lines()
                .find(|l| l.starts_with("Signature1:"))
                .unwrap_or_else(|| panic!("{out}"));
            assert!(
                line.contains(":INTACT:TRUSTED,TIMESTAMP_TOKEN<INTACT:TRUSTED>"),
                "{cmd} {f}: {out}"
            );
            if *level == PadesLevel::BLTA {
                assert!(
                    line.contains("EXTENDED_WITH_LTA_UPDATES"),
                    "{cmd} {f}: {out}"
                );
            }
        }
    }
    // With every service gone, pyHanko's AdES validation still finds the signature, its
    // time-stamps and the LTA updates sound (pyHanko itself wants fresh revocation data for
    // the newest time-stamp, for its own B-LTA files as much as for kyso's).
    env.stop();
    let f = files[1].0.display().to_string();
    let (ok, out) = pyhanko(&[
        "sign",
        "adesverify",
        "--no-revocation-check",
        "--trust",
        &root,
        "--trust-replace",
        &f,
    ]);
    assert!(
        ok && out
            .contains(":INTACT:TRUSTED,TIMESTAMP_TOKEN<INTACT:TRUSTED>,EXTENDED_WITH_LTA_UPDATES"),
        "{out}"
    );
}

#[test]
fn kyso_validates_pyhanko_b_lta_offline() {
    let mut env = LtvEnv::start();
    let leaf = env.leaf("Phạm Thị pyHanko");
    let p12 = env.write_p12("ph", &leaf);
    std::fs::write(env.path("pw"), b"pw").unwrap();
    let input = env.path("in.pdf");
    std::fs::write(&input, common::sample_default()).unwrap();
    let out = env.path("ph-lta.pdf");
    let s = |p: &Path| p.display().to_string();
    let (ok, log) = pyhanko(&[
        "sign",
        "addsig",
        "--field",
        "Sig1",
        "--use-pades-lta",
        "--timestamp-url",
        &env.url("/tsa"),
        "--with-validation-info",
        "--trust",
        &s(&env.path("root.pem")),
        "--trust-replace",
        "pkcs12",
        "--passfile",
        &s(&env.path("pw")),
        &s(&input),
        &s(&out),
        &s(&p12),
    ]);
    assert!(ok, "pyHanko could not sign B-LTA: {log}");
    env.stop();
    let bytes = std::fs::read(&out).unwrap();
    let v = |at: i64| {
        Validator::new(ValidationOptions {
            trust: env.trust(),
            validation_time: Some(at),
            revocation_policy: RevocationPolicy::SoftFail,
            ..Default::default()
        })
        .validate_bytes("ph-lta.pdf", &bytes)
    };
    for at in [kyso::time::now(), kyso::time::now() + 2 * YEAR] {
        let r = v(at);
        assert!(r.valid, "{}", kyso::report::render_text(&r));
        let sig = r.signatures.iter().find(|s| s.field == "Sig1").unwrap();
        assert_eq!(
            sig.pades_level,
            Some(kyso::PadesLevel::BLTA),
            "{}",
            kyso::report::render_text(&r)
        );
        assert!(sig.timestamped);
        assert!(r
            .signatures
            .iter()
            .any(|s| s.kind == "document-timestamp" && s.is_valid()));
    }
}

#[test]
fn kyso_extends_a_pyhanko_signature_to_b_lta() {
    let mut env = LtvEnv::start();
    let leaf = env.leaf("Võ Văn Extend");
    let p12 = env.write_p12("ext", &leaf);
    std::fs::write(env.path("pw"), b"pw").unwrap();
    let input = env.path("in.pdf");
    std::fs::write(&input, common::sample_default()).unwrap();
    let signed = env.path("ph-bt.pdf");
    let s = |p: &Path| p.display().to_string();
    let (ok, log) = pyhanko(&[
        "sign",
        "addsig",
        "--field",
        "Sig1",
        "--use-pades",
        "--timestamp-url",
        &env.url("/tsa"),
        "pkcs12",
        "--passfile",
        &s(&env.path("pw")),
        &s(&input),
        &s(&signed),
        &s(&p12),
    ]);
    assert!(ok, "pyHanko could not sign B-T: {log}");
    let before = std::fs::read(&signed).unwrap();
    let lvl = LevelOptions {
        level: PadesLevel::BLTA,
        tsa: Some(TsaClient::new(&env.url("/tsa"))),
        revocation: Some(Arc::new(OnlineSource::default())),
        extra_certificates: vec![env.root.cert.clone(), env.inter.cert.clone()],
        ..Default::default()
    };
    let out = levels::extend(&before, &lvl).unwrap();
    assert!(
        out.pdf.starts_with(&before),
        "extending never touches an earlier byte"
    );
    let f = env.path("ph-lta-by-kyso.pdf");
    std::fs::write(&f, &out.pdf).unwrap();
    common::qpdf_check(&f);
    let (ok, log) = pyhanko(&[
        "sign",
        "adesverify",
        "--trust",
        &s(&env.path("root.pem")),
        "--trust-replace",
        &s(&f),
    ]);
    assert!(
        ok && log.contains("TIMESTAMP_TOKEN<INTACT:TRUSTED>,EXTENDED_WITH_LTA_UPDATES"),
        "{log}"
    );
    env.stop();
    let r = Validator::new(ValidationOptions {
        trust: env.trust(),
        validation_time: Some(kyso::time::now() + 2 * YEAR),
        ..Default::default()
    })
    .validate_bytes("ph-lta-by-kyso.pdf", &out.pdf);
    assert!(r.valid, "{}", kyso::report::render_text(&r));
    let sig = r.signatures.iter().find(|s| s.field == "Sig1").unwrap();
    assert_eq!(
        sig.pades_level,
        Some(kyso::PadesLevel::BLTA),
        "{}",
        kyso::report::render_text(&r)
    );
}

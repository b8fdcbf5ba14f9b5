//! A visible signature at PAdES B-LTA (signature time-stamp, DSS, document time-stamp) with
//! the services of `common/ltv.rs` on loopback: the appearance takes the identity from the
//! certificate also on the time-stamped path, and the DSS and document time-stamp added
//! after it keep the file valid.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code

mod common;
#[path = "common/ltv.rs"]
mod ltv_env;

use std::sync::Arc;

use kyso::appearance::{Preset, VisibleSignature};
use kyso::revocation::OnlineSource;
use kyso::sign::levels::{self, LevelOptions, PadesLevel};
use kyso::sign::SignOptions;
use kyso::tsp::TsaClient;
use kyso::validate::{ValidationOptions, Validator};
use ltv_env::LtvEnv;

#[test]
fn visible_copy_signature_at_b_lta() {
    let env = LtvEnv::start();
    let leaf = env.leaf("Sở Thông tin và Truyền thông");
    let input = common::sample_default();
    let t = kyso::time::now();
    let out = levels::sign(
        &input,
        &env.signer(&leaf),
        &SignOptions {
            signing_time: Some(t),
            visible: Some(VisibleSignature {
                preset: Some(Preset::Copy),
                ..Default::default()
            }),
            ..Default::default()
        },
        &LevelOptions {
            level: PadesLevel::BLTA,
            tsa: Some(TsaClient::new(&env.url("/tsa"))),
            revocation: Some(Arc::new(OnlineSource::default())),
            extra_certificates: vec![env.root.cert.clone()],
            ..Default::default()
        },
    )
    .unwrap();
    let report = Validator::new(ValidationOptions {
        trust: env.trust(),
        ..Default::default()
    })
    .validate_bytes("lta.pdf", &out.pdf);
    assert!(report.valid, "{}", kyso::report::render_text(&report));

    let path = env.path("lta.pdf");
    std::fs::write(&path, &out.pdf).unwrap();
    common::qpdf_check(&path);
    let o = std::process::Command::new(common::peer("pdftotext"))
        .arg(&path)
        .arg("-")
        .output()
        .unwrap();
    let text = common::stdout(&o);
    // {org}: the certificate has no O, so its CN.
    for line in [
        "SAO Y",
        "Sở Thông tin và Truyền thông",
        &kyso::appearance::vietnam_time(t),
    ] {
        assert!(text.contains(line), "{line:?} not in {text}");
    }
}

//! Signs the bundled sample with each visible-signature preset and renders the results with
//! poppler's `pdftoppm` into the documentation pictures:
//!
//! ```sh
//! cargo run --example visible_signatures -- docs
//! ```
//!
//! writes `docs/appearance-official.png` (the official's handwritten signature under the
//! title), `docs/appearance-seal.png` (then the organisation's seal over its left third) and
//! `docs/appearance-copy.png` (an electronic copy's signature at the top right), plus the
//! signed PDFs in `target/visible-*.pdf`.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code

use std::path::Path;
use std::process::Command;

use kyso::appearance::{AnchorPosition, Placement, Preset, VisibleSignature};
use kyso::sign::{sign_pdf, KeySigner, SignOptions};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let out_dir = std::env::args().nth(1).unwrap_or_else(|| "docs".into());
    std::fs::create_dir_all(&out_dir)?;
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let password = std::fs::read_to_string(root.join("testdata/demo/password.txt"))?;
    let signer = KeySigner::from_pkcs12(
        &std::fs::read(root.join("testdata/demo/signer.p12"))?,
        password.lines().next().unwrap_or(""),
    )?;
    let sample = std::fs::read(root.join("testdata/sample.pdf"))?;
    let org = "Sở Thông tin và Truyền thông tỉnh Vĩnh Long";

    // 1. The official signs under the title "GIÁM ĐỐC".
    let official = sign_pdf(
        &sample,
        &signer,
        &SignOptions {
            reason: Some("Phê duyệt kết quả".into()),
            visible: Some(VisibleSignature {
                preset: Some(Preset::Official),
                image: Some(kyso_testkit::images::signature_png()),
                placement: Placement::Anchor {
                    text: "GIÁM ĐỐC".into(),
                    position: AnchorPosition::Below,
                },
                ..Default::default()
            }),
            ..Default::default()
        },
    )?;
    // 2. The organisation's seal over the left third of the official's signature.
    let sealed = sign_pdf(
        &official,
        &signer,
        &SignOptions {
            visible: Some(VisibleSignature {
                preset: Some(Preset::Seal),
                image: Some(kyso_testkit::images::seal_png()),
                organization: Some(org.into()),
                ..Default::default()
            }),
            ..Default::default()
        },
    )?;
    // 3. An electronic copy: the organisation's signature at the top right. (The Vietnamese
    // sample's national motto reaches into the top right corner, so the copy is made of the
    // generated sample, whose top margin is free as Decree 30's 20–25 mm margins keep it.)
    let copy_input = kyso_testkit::sample_pdf(&kyso_testkit::SampleOptions {
        title: "GIAY PHEP so 123/GP-STTTT (ban sao dien tu)".into(),
        ..Default::default()
    });
    let copy = sign_pdf(
        &copy_input,
        &signer,
        &SignOptions {
            visible: Some(VisibleSignature {
                preset: Some(Preset::Copy),
                organization: Some(org.into()),
                ..Default::default()
            }),
            ..Default::default()
        },
    )?;

    let target = root.join("target");
    for (name, pdf, crop) in [
        ("official", &official, (280.0, 385.0, 310.0, 115.0)),
        ("seal", &sealed, (280.0, 385.0, 310.0, 115.0)),
        ("copy", &copy, (40.0, 0.0, 555.0, 110.0)),
    ] {
        let pdf_path = target.join(format!("visible-{name}.pdf"));
        std::fs::write(&pdf_path, pdf)?;
        let png = Path::new(&out_dir).join(format!("appearance-{name}.png"));
        // 150 dpi, cropped to the signature's region (x, y, w, h in points from the top left).
        let px = |v: f64| ((v * 150.0 / 72.0).round() as i64).to_string();
        let (x, y, w, h) = (px(crop.0), px(crop.1), px(crop.2), px(crop.3));
        let status = Command::new("pdftoppm")
            .args(["-png", "-singlefile", "-r", "150", "-f", "1", "-l", "1"])
            .args(["-x", &x, "-y", &y, "-W", &w, "-H", &h])
            .arg(&pdf_path)
            .arg(png.with_extension(""))
            .status()?;
        if !status.success() {
            return Err(format!("pdftoppm failed for {name}").into());
        }
        println!("{}", png.display());
    }
    Ok(())
}

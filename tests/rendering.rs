//! The rendering backstop of modification analysis and `kyso diff --png`: pages of the
//! signed and the current revision rendered with hayro and compared.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code

mod common;

use common::*;
use kyso::appearance::{Placement, Preset, Rect, VisibleSignature};
use kyso::diff::render::backstop;
use kyso::diff::Permissions;
use kyso::pdf::{Dict, Document, IncrementalUpdate, Object, Stream, StreamData};
use kyso::report::{CheckStatus, Indication, RenderingStatus};
use kyso::sign::SignOptions;
use kyso::validate::{ValidationOptions, Validator};
use kyso::{CheckId, RenderCheck};

fn visible(input: &[u8], preset: Preset, image: Vec<u8>, placement: Placement) -> Vec<u8> {
    sign_with(
        input,
        &pki().rsa,
        &SignOptions {
            visible: Some(VisibleSignature {
                preset: Some(preset),
                image: Some(image),
                placement,
                ..Default::default()
            }),
            ..Default::default()
        },
    )
}

/// A document signed visibly by an official, then sealed visibly by the agency.
fn official_then_seal() -> Vec<u8> {
    let official = visible(
        &sample_default(),
        Preset::Official,
        kyso_testkit::images::signature_png(),
        Placement::Rect(Rect {
            x1: 340.0,
            y1: 100.0,
            x2: 540.0,
            y2: 160.0,
        }),
    );
    visible(
        &official,
        Preset::Seal,
        kyso_testkit::images::seal_png(),
        Placement::Auto,
    )
}

fn verify_rendering(bytes: &[u8], rendering: RenderCheck) -> kyso::FileReport {
    Validator::new(ValidationOptions {
        trust: trust_root(),
        rendering,
        ..Default::default()
    })
    .validate_bytes("doc.pdf", bytes)
}

/// Replaces page 1's content stream in place with one that shows other text.
fn forged(base: &[u8]) -> Vec<u8> {
    let doc = Document::from_bytes(base.to_vec()).unwrap();
    let page = doc.pages_in(doc.last_revision()).unwrap()[0];
    let pd = doc.resolve(page).unwrap().as_dict().cloned().unwrap();
    let c = pd.get_ref(b"Contents").unwrap();
    let old = doc.resolve(c).unwrap();
    let mut text = doc.stream_decoded(old.as_stream().unwrap()).unwrap();
    text.extend_from_slice(b"\nBT /F1 30 Tf 300 300 Td (PAID IN FULL) Tj ET\n");
    let mut up = IncrementalUpdate::new(&doc);
    up.put(
        c,
        Object::Stream(Stream {
            dict: Dict::new(),
            data: StreamData::Bytes(text),
        }),
    );
    let mut out = base.to_vec();
    up.write(&doc, &mut out).unwrap();
    out
}

#[test]
fn a_second_visible_signature_changes_pixels_only_inside_its_widget() {
    let sealed = official_then_seal();
    // Thorough mode renders page 1 for the first signature and finds only permitted change.
    let r = verify_rendering(&sealed, RenderCheck::AllPages);
    assert!(r.signatures.iter().all(|s| s.is_valid()), "{r:#?}");
    let first = &r.signatures[0];
    let g = first
        .rendering
        .as_ref()
        .expect("the first signature has a later update");
    assert_eq!(g.status, RenderingStatus::Compared, "{g:?}");
    assert_eq!(g.pages_rendered, 1);
    assert!(!g.regions.is_empty(), "the seal changed pixels: {g:?}");
    assert!(g.regions.iter().all(|x| x.permitted), "{g:?}");
    let check = first
        .checks
        .iter()
        .find(|c| c.id == CheckId::Rendering)
        .unwrap();
    assert_eq!(check.status, CheckStatus::Passed);
    // The last signature covers the whole file: nothing to render, no entry.
    assert!(r.signatures[1].rendering.is_none());

    // The default mode sees that only a permitted widget was added: nothing rendered.
    let r = verify_rendering(&sealed, RenderCheck::Changed);
    let g = r.signatures[0].rendering.as_ref().unwrap();
    assert_eq!(g.status, RenderingStatus::NotNeeded, "{g:?}");
    assert_eq!(g.pages_rendered, 0);
    assert!(r.signatures[0].is_valid());

    // Off: reported as skipped, the verdict unchanged.
    let r = verify_rendering(&sealed, RenderCheck::Off);
    let g = r.signatures[0].rendering.as_ref().unwrap();
    assert_eq!(g.status, RenderingStatus::Skipped);
    let check = r.signatures[0]
        .checks
        .iter()
        .find(|c| c.id == CheckId::Rendering)
        .unwrap();
    assert_eq!(check.status, CheckStatus::NotRun);
    assert!(check.message.contains("turned off"), "{}", check.message);
    assert!(r.signatures[0].is_valid());
}

#[test]
fn a_page_whose_content_changed_is_rendered_and_the_region_found() {
    let signed = sign_default(&sample_default());
    let bad = forged(&signed);
    // The structural analysis already refuses it.
    let r = verify(&bad);
    assert_eq!(r.signatures[0].indication, Indication::TotalFailed);
    // The backstop on its own (as if every change had been allowed) finds the new text.
    let doc = Document::from_bytes(bad.clone()).unwrap();
    for perms in [Permissions::for_signature(true), Permissions::certified(3)] {
        let g = backstop(&doc, 0, &perms, None, RenderCheck::Changed);
        assert_eq!(g.status, RenderingStatus::Compared, "{g:?}");
        assert_eq!(g.pages_rendered, 1);
        let outside: Vec<_> = g.regions.iter().filter(|x| !x.permitted).collect();
        assert!(!outside.is_empty(), "{g:?}");
        // "PAID IN FULL" at (300, 300), 30 pt: the region holds that point.
        assert!(
            outside.iter().any(|x| x.page == 1
                && x.rect[0] <= 310.0
                && x.rect[2] >= 310.0
                && x.rect[1] <= 305.0
                && x.rect[3] >= 305.0),
            "{outside:?}"
        );
    }
    // Unchanged content in both revisions: no region at all when every page is rendered.
    let twice = sign_default(&signed);
    let doc = Document::from_bytes(twice).unwrap();
    let g = backstop(
        &doc,
        0,
        &Permissions::for_signature(false),
        None,
        RenderCheck::AllPages,
    );
    assert_eq!(g.status, RenderingStatus::Compared, "{g:?}");
    assert!(
        g.regions.is_empty(),
        "an invisible signature paints nothing: {g:?}"
    );
}

#[test]
fn a_renderer_that_cannot_read_the_file_is_reported_not_a_crash() {
    let budget = kyso::diff::raster::Budget::default();
    for junk in [
        b"not a pdf at all".to_vec(),
        b"%PDF-1.7\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
            .to_vec(),
        vec![0u8; 4096],
    ] {
        let n = junk.len();
        let mut pairs = 0;
        let e = kyso::diff::raster::render_pairs(
            junk.into(),
            n,
            String::new(),
            vec![0],
            &budget,
            &mut |_| pairs += 1,
        )
        .unwrap_err();
        assert_eq!(pairs, 0);
        assert!(
            e.contains("cannot open") || e.contains("no page") || e.contains("no usable size"),
            "{e}"
        );
    }
}

#[test]
fn cli_diff_writes_side_by_side_pictures_and_lists_the_regions() {
    let w = tempfile::tempdir().unwrap();
    let good = w.path().join("sealed.pdf");
    std::fs::write(&good, official_then_seal()).unwrap();
    let dir = w.path().join("pictures");
    let out = kyso(&[
        "diff",
        good.to_str().unwrap(),
        "--signature",
        "1",
        "--png",
        dir.to_str().unwrap(),
        "--format",
        "json",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let v: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(v["revision"], 2);
    let regions = v["regions"].as_array().unwrap();
    assert!(!regions.is_empty());
    assert!(regions.iter().all(|r| r["permitted"] == true), "{v}");
    let png = std::fs::read(dir.join("page-1.png")).unwrap();
    assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n");
    // Two pages at 72 dpi (1 px = 1 pt) and a 16-pixel gap.
    let doc = Document::from_bytes(std::fs::read(&good).unwrap()).unwrap();
    let page = doc.pages_in(0).unwrap()[0];
    let mb = doc
        .resolve(page)
        .unwrap()
        .as_dict()
        .unwrap()
        .get(b"MediaBox")
        .cloned()
        .unwrap();
    let mb: Vec<f64> = mb
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_number().unwrap())
        .collect();
    let (pw, ph) = (
        (mb[2] - mb[0]).round() as u32,
        (mb[3] - mb[1]).round() as u32,
    );
    let width = u32::from_be_bytes(png[16..20].try_into().unwrap());
    let height = u32::from_be_bytes(png[20..24].try_into().unwrap());
    assert_eq!((width, height), (pw * 2 + 16, ph), "{width} × {height}");
    // Pictures are never written over existing ones without --force.
    let again = kyso(&[
        "diff",
        good.to_str().unwrap(),
        "--png",
        dir.to_str().unwrap(),
    ]);
    assert_eq!(again.status.code(), Some(2), "{}", stdout(&again));

    let bad = w.path().join("forged.pdf");
    std::fs::write(&bad, forged(&sign_default(&sample_default()))).unwrap();
    let out = kyso(&[
        "diff",
        bad.to_str().unwrap(),
        "--png",
        w.path().join("bad").to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(text.contains("NOT ALLOWED"), "{text}");
    assert!(text.contains("OUTSIDE THE PERMITTED CHANGES"), "{text}");
    assert!(w.path().join("bad/page-1.png").exists());

    // No such signature: a clear error.
    let out = kyso(&["diff", good.to_str().unwrap(), "--signature", "9"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("no signature 9"), "{}", stderr(&out));
}

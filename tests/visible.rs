//! Visible signatures: rendered with poppler's `pdftoppm` and compared with the unsigned
//! render (pixels change only inside the widget), the widget's text read back with
//! `pdftotext`, the font checked with `pdffonts`, and the output validated by kyso, pyHanko,
//! pdfsig and `qpdf --check`. Run with `KYSO_PEERS_DIR` pointing at the installed peers.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code

mod common;

use std::path::Path;
use std::process::Command;

use common::*;
use kyso::appearance::{
    vietnam_time, AnchorPosition, AppearanceError, Placement, Preset, Rect, VisibleSignature,
};
use kyso::sign::{SignError, SignOptions};
use kyso_testkit::SampleOptions;

const ORG: &str = "Sở Thông tin và Truyền thông tỉnh Vĩnh Long";

fn vietnamese_sample() -> Vec<u8> {
    std::fs::read(Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata/sample.pdf")).unwrap()
}

fn now() -> i64 {
    kyso::time::now()
}

fn try_sign(input: &[u8], vis: VisibleSignature, t: i64) -> Result<Vec<u8>, SignError> {
    kyso::sign::sign_pdf(
        input,
        &signer_for(&pki().rsa),
        &SignOptions {
            signing_time: Some(t),
            visible: Some(vis),
            ..Default::default()
        },
    )
}

/// A page rendered at 72 dpi (1 px = 1 pt): width, height, RGB rows from the top.
struct Render {
    w: usize,
    h: usize,
    rgb: Vec<u8>,
}

fn render(path: &Path, page: usize) -> Render {
    let out = path.with_extension(format!("p{page}"));
    let o = Command::new(peer("pdftoppm"))
        .args(["-png", "-singlefile", "-r", "72"])
        .args(["-f", &page.to_string(), "-l", &page.to_string()])
        .arg(path)
        .arg(&out)
        .output()
        .unwrap();
    assert!(o.status.success(), "pdftoppm: {}", stderr(&o));
    let png = std::fs::read(format!("{}.png", out.display())).unwrap();
    let mut dec = png::Decoder::new(std::io::Cursor::new(png));
    dec.set_transformations(png::Transformations::normalize_to_color8());
    let mut r = dec.read_info().unwrap();
    let mut buf = vec![0; r.output_buffer_size().unwrap()];
    let info = r.next_frame(&mut buf).unwrap();
    assert_eq!(info.color_type, png::ColorType::Rgb);
    Render {
        w: info.width as usize,
        h: info.height as usize,
        rgb: buf,
    }
}

/// Asserts that the renders differ only inside `rects` (page user space, 1 pt tolerance for
/// anti-aliasing) and do differ inside each.
fn assert_changes_only_inside(before: &Render, after: &Render, page_h: f64, rects: &[Rect]) {
    assert_eq!((before.w, before.h), (after.w, after.h));
    let mut inside = vec![0usize; rects.len()];
    for y in 0..before.h {
        for x in 0..before.w {
            let i = (y * before.w + x) * 3;
            if before.rgb[i..i + 3] == after.rgb[i..i + 3] {
                continue;
            }
            // Pixel (x, y) from the top covers user space [x, x+1] × [H-y-1, H-y].
            let (ux, uy) = (x as f64 + 0.5, page_h - y as f64 - 0.5);
            let hit = rects.iter().position(|r| {
                ux >= r.x1 - 1.5 && ux <= r.x2 + 1.5 && uy >= r.y1 - 1.5 && uy <= r.y2 + 1.5
            });
            match hit {
                Some(k) => inside[k] += 1,
                None => panic!("pixel ({x}, {y}) changed outside the widgets {rects:?}"),
            }
        }
    }
    for (k, n) in inside.iter().enumerate() {
        assert!(*n > 20, "widget {k} ({}) shows nothing", rects[k]);
    }
}

/// The text inside `r` on `page`, per pdftotext (lines trimmed, empty lines dropped).
fn text_in(path: &Path, page: usize, page_h: f64, r: &Rect) -> Vec<String> {
    let o = Command::new(peer("pdftotext"))
        .args(["-f", &page.to_string(), "-l", &page.to_string(), "-r", "72"])
        .args(["-x", &(r.x1.floor() as i64).to_string()])
        .args(["-y", &((page_h - r.y2).floor() as i64).to_string()])
        .args(["-W", &(r.width().ceil() as i64 + 1).to_string()])
        .args(["-H", &(r.height().ceil() as i64 + 1).to_string()])
        .arg(path)
        .arg("-")
        .output()
        .unwrap();
    assert!(o.status.success(), "pdftotext: {}", stderr(&o));
    stdout(&o)
        .lines()
        .map(|l| l.trim().to_string())
        .filter(|l| !l.is_empty() && l != "\u{c}")
        .collect()
}

/// The `/Rect`s of the signature fields of the newest revision, in field order.
fn signature_rects(bytes: &[u8]) -> Vec<Rect> {
    let doc = kyso::pdf::Document::from_bytes(bytes.to_vec()).unwrap();
    kyso::form::fields_in(&doc, doc.last_revision())
        .unwrap()
        .into_iter()
        .filter(|f| f.is_signature())
        .filter_map(|f| {
            let v: Vec<f64> = f
                .dict
                .get(b"Rect")?
                .as_array()?
                .iter()
                .filter_map(|o| o.as_number())
                .collect();
            let r = Rect::new(v[0], v[1], v[2], v[3]);
            (r.width() > 0.0).then_some(r)
        })
        .collect()
}

fn pdffonts(path: &Path) -> String {
    let o = Command::new(peer("pdffonts")).arg(path).output().unwrap();
    stdout(&o)
}

fn pyhanko_lines(w: &Workspace, file: &Path) -> Vec<String> {
    let o = Command::new(peer("pyhanko"))
        .args([
            "sign",
            "validate",
            "--no-revocation-check",
            "--trust-replace",
        ])
        .arg("--trust")
        .arg(w.path("root.pem"))
        .arg(file)
        .output()
        .unwrap();
    let out = format!("{}{}", stdout(&o), stderr(&o));
    assert!(
        o.status.success(),
        "pyHanko rejected {}:\n{out}",
        file.display()
    );
    out.lines()
        .filter(|l| l.contains(":INTACT:"))
        .map(str::to_string)
        .collect()
}

fn pdfsig_valid_count(w: &Workspace, file: &Path) -> usize {
    let db = w.path("nssdb");
    if !db.exists() {
        std::fs::create_dir(&db).unwrap();
        let spec = format!("sql:{}", db.display());
        assert!(Command::new(peer("certutil"))
            .args(["-N", "-d", &spec, "--empty-password"])
            .status()
            .unwrap()
            .success());
        assert!(Command::new(peer("certutil"))
            .args(["-A", "-d", &spec, "-n", "root", "-t", "CT,C,C", "-a", "-i"])
            .arg(w.path("root.pem"))
            .status()
            .unwrap()
            .success());
    }
    let o = Command::new(peer("pdfsig"))
        .args(["-nssdir", &format!("sql:{}", db.display())])
        .arg(file)
        .output()
        .unwrap();
    let out = stdout(&o);
    assert!(!out.contains("Digest Mismatch"), "{out}");
    out.matches("Signature is Valid").count()
}

fn assert_valid_everywhere(w: &Workspace, path: &Path, bytes: &[u8], signatures: usize) {
    let report = verify(bytes);
    assert!(report.valid, "{}", kyso::report::render_text(&report));
    assert_eq!(report.signatures.len(), signatures);
    qpdf_check(path);
    let lines = pyhanko_lines(w, path);
    assert_eq!(lines.len(), signatures, "{lines:?}");
    assert!(
        lines.last().unwrap().contains("INTACT:TRUSTED,UNTOUCHED"),
        "{lines:?}"
    );
    assert!(
        lines.iter().all(|l| l.contains("INTACT:TRUSTED")),
        "{lines:?}"
    );
    assert_eq!(pdfsig_valid_count(w, path), signatures);
}

#[test]
fn copy_preset_top_right_with_vietnamese_text() {
    let w = Workspace::new();
    let input = sample_default();
    let t = now();
    let vis = VisibleSignature {
        preset: Some(Preset::Copy),
        organization: Some(ORG.into()),
        ..Default::default()
    };
    let signed = try_sign(&input, vis, t).unwrap();
    let (before, after) = (w.write("in.pdf", &input), w.write("copy.pdf", &signed));

    let rects = signature_rects(&signed);
    assert_eq!(rects.len(), 1);
    let r = rects[0];
    // Top right: 15 mm from the right edge, 5 mm from the top of the A4 page.
    assert!((r.x2 - (595.0 - 42.52)).abs() < 0.01, "{r}");
    assert!((r.y2 - (842.0 - 14.17)).abs() < 0.01, "{r}");

    assert_changes_only_inside(&render(&before, 1), &render(&after, 1), 842.0, &[r]);
    let expected = ["SAO Y", ORG, &vietnam_time(t)];
    assert_eq!(text_in(&after, 1, 842.0, &r), expected);
    assert!(vietnam_time(t).ends_with("+07:00"));

    // The whole-page text holds the same lines (searchable, copyable).
    let o = Command::new(peer("pdftotext"))
        .arg(&after)
        .arg("-")
        .output()
        .unwrap();
    assert!(stdout(&o).contains(ORG), "{}", stdout(&o));

    let fonts = pdffonts(&after);
    let line = fonts
        .lines()
        .find(|l| l.contains("LiberationSerif"))
        .unwrap_or_else(|| panic!("{fonts}"));
    assert!(
        line.contains("CID TrueType") && line.contains("Identity-H"),
        "{line}"
    );
    assert!(
        line.contains("yes yes yes"),
        "embedded, subset, ToUnicode: {line}"
    );
    let tag = line.split('+').next().unwrap();
    assert!(
        tag.len() == 6 && tag.chars().all(|c| c.is_ascii_uppercase()),
        "{line}"
    );

    // 10 pt, black.
    let doc = kyso::pdf::Document::from_bytes(signed.clone()).unwrap();
    let field = kyso::form::fields_in(&doc, doc.last_revision())
        .unwrap()
        .into_iter()
        .find(|f| f.is_signature())
        .unwrap();
    let ap = field
        .dict
        .get(b"AP")
        .unwrap()
        .as_dict()
        .unwrap()
        .get_ref(b"N")
        .unwrap();
    let stream = doc.resolve(ap).unwrap();
    let content = doc.stream_decoded(stream.as_stream().unwrap()).unwrap();
    let content = String::from_utf8_lossy(&content);
    assert!(
        content.contains("/F0 10 Tf") && content.contains("0 g"),
        "{content}"
    );

    // Small: the font subset, not the font.
    let invisible = sign_with(&input, &pki().rsa, &SignOptions::default());
    let added = signed.len() - invisible.len();
    assert!(
        added < 20_000,
        "a visible copy signature added {added} bytes"
    );

    assert_valid_everywhere(&w, &after, &signed, 1);
}

#[test]
fn official_then_seal_on_the_vietnamese_sample() {
    let w = Workspace::new();
    let input = vietnamese_sample();
    let t = now();
    let official = try_sign(
        &input,
        VisibleSignature {
            preset: Some(Preset::Official),
            image: Some(kyso_testkit::images::signature_png()),
            placement: Placement::Anchor {
                text: "GIÁM ĐỐC".into(),
                position: AnchorPosition::Below,
            },
            ..Default::default()
        },
        t,
    )
    .unwrap();
    let off_rect = signature_rects(&official)[0];
    // Under the title (its baseline is at y = 435.2 on the page), 60 pt high.
    assert!(off_rect.y2 < 435.2 && off_rect.y2 > 420.0, "{off_rect}");
    assert!((off_rect.height() - 60.0).abs() < 0.01, "{off_rect}");

    let sealed = try_sign(
        &official,
        VisibleSignature {
            preset: Some(Preset::Seal),
            image: Some(kyso_testkit::images::seal_png()),
            ..Default::default()
        },
        t,
    )
    .unwrap();
    let rects = signature_rects(&sealed);
    assert_eq!(rects.len(), 2);
    let seal = rects[1];
    // Actual size: 400 px at 300 dpi = 96 pt; over the left third of the signature.
    assert!((seal.width() - 96.0).abs() < 0.01 && (seal.height() - 96.0).abs() < 0.01);
    assert!(
        (seal.x2 - (off_rect.x1 + off_rect.width() / 3.0)).abs() < 0.01,
        "{seal} vs {off_rect}"
    );

    let p0 = w.write("in.pdf", &input);
    let p1 = w.write("official.pdf", &official);
    let p2 = w.write("sealed.pdf", &sealed);
    let (r0, r1, r2) = (render(&p0, 1), render(&p1, 1), render(&p2, 1));
    let page_h = 841.89;
    assert_changes_only_inside(&r0, &r1, page_h, &[off_rect]);
    assert_changes_only_inside(&r1, &r2, page_h, &[seal]);
    // The seal is red where it does not overlap the signature, transparent elsewhere: the
    // signature still shows through in the overlap.
    let px = |r: &Render, x: f64, y: f64| {
        let (px, py) = (x as usize, (page_h - y) as usize);
        let i = (py * r.w + px) * 3;
        [r.rgb[i], r.rgb[i + 1], r.rgb[i + 2]]
    };
    let blue_in_overlap = (off_rect.x1 as usize..seal.x2 as usize).any(|x| {
        (off_rect.y1 as usize..off_rect.y2 as usize).any(|y| {
            let c = px(&r2, x as f64, y as f64);
            c[2] > 100 && c[0] < 100
        })
    });
    assert!(
        blue_in_overlap,
        "the signature does not show through the seal"
    );
    let (cx, cy) = ((seal.x1 + seal.x2) / 2.0, (seal.y1 + seal.y2) / 2.0);
    let centre = px(&r2, cx, cy);
    assert!(
        centre[0] > 150 && centre[1] < 100 && centre[2] < 100,
        "{centre:?}"
    );

    // Images carry their transparency as /SMask.
    let tail = String::from_utf8_lossy(&sealed[official.len()..]);
    assert!(tail.contains("/SMask"), "no soft mask in the seal's update");

    // The second signature's appearance (new objects only, over a third of the first
    // signature's widget) is an allowed change.
    let report = verify(&sealed);
    assert!(report.valid, "{}", kyso::report::render_text(&report));
    assert_valid_everywhere(&w, &p2, &sealed, 2);

    // Covering most of the official's signature, or the page's text, is not (Sneaky
    // Signature Attack): kyso's own overlap check only looks at text, validation decides.
    for (what, rect) in [
        ("the whole signature", off_rect),
        ("the title", Rect::new(480.0, 430.0, 560.0, 450.0)),
    ] {
        let covering = try_sign(
            &official,
            VisibleSignature {
                placement: Placement::Rect(rect),
                text: Some("X".into()),
                allow_overlap: true,
                ..Default::default()
            },
            t,
        )
        .unwrap();
        let report = verify(&covering);
        assert!(!report.valid, "covering {what} was accepted");
        assert!(
            report.summary.contains("Sneaky")
                || kyso::report::render_text(&report).contains("Sneaky"),
            "{what}: {}",
            kyso::report::render_text(&report)
        );
    }
}

#[test]
fn image_and_text_in_a_rectangle_on_page_two_of_an_xref_stream_file() {
    let w = Workspace::new();
    let input = sample(&SampleOptions {
        pages: 2,
        xref_stream: true,
        ..Default::default()
    });
    let t = now();
    let template = "Ký bởi: {name}\nLý do: {reason}\nTại: {location}\n{time}\n\
                    ắằẳẵặ ếềểễệ ốồổỗộ ớờởỡợ ứừửữự đĐ";
    let r = Rect::new(250.0, 100.0, 560.0, 200.0);
    let signed = kyso::sign::sign_pdf(
        &input,
        &signer_for(&pki().rsa),
        &SignOptions {
            signing_time: Some(t),
            reason: Some("Phê duyệt".into()),
            location: Some("Vĩnh Long".into()),
            visible: Some(VisibleSignature {
                page: 2,
                placement: Placement::Rect(r),
                image: Some(kyso_testkit::images::signature_png()),
                text: Some(template.into()),
                ..Default::default()
            }),
            ..Default::default()
        },
    )
    .unwrap();
    assert_eq!(signature_rects(&signed), vec![r]);
    let (p0, p1) = (w.write("in.pdf", &input), w.write("out.pdf", &signed));
    // Page 1 unchanged; page 2 changed inside the rectangle only.
    assert_changes_only_inside(&render(&p0, 2), &render(&p1, 2), 842.0, &[r]);
    let (a, b) = (render(&p0, 1), render(&p1, 1));
    assert!(a.rgb == b.rgb, "page 1 changed");

    let name = pki().rsa.cert.subject().common_name().unwrap().to_string();
    // The text sits right of the image (40% of the width at most).
    let text_area = Rect::new(r.x1 + r.width() * 0.4, r.y1, r.x2, r.y2);
    assert_eq!(
        text_in(&p1, 2, 842.0, &text_area),
        [
            format!("Ký bởi: {name}"),
            "Lý do: Phê duyệt".into(),
            "Tại: Vĩnh Long".into(),
            vietnam_time(t),
            "ắằẳẵặ ếềểễệ ốồổỗộ ớờởỡợ ứừửữự đĐ".into(),
        ]
    );
    assert_valid_everywhere(&w, &p1, &signed, 1);
}

#[test]
fn refusals() {
    let input = sample_default();
    let t = now();
    let err = |vis: VisibleSignature| match try_sign(&input, vis, t) {
        Err(SignError::Appearance(e)) => e,
        other => panic!(
            "expected an appearance error, got {:?}",
            other.map(|b| b.len())
        ),
    };
    // Over the title "kyso sample document" (18 pt at 72, 770).
    let over_title = Rect::new(100.0, 760.0, 200.0, 800.0);
    let e = err(VisibleSignature {
        placement: Placement::Rect(over_title),
        ..Default::default()
    });
    match e {
        AppearanceError::Overlap { text, page, .. } => {
            assert_eq!(page, 1);
            assert!(text.contains("sample"), "{text}");
        }
        other => panic!("{other}"),
    }
    // Allowed when asked.
    try_sign(
        &input,
        VisibleSignature {
            placement: Placement::Rect(over_title),
            allow_overlap: true,
            ..Default::default()
        },
        t,
    )
    .unwrap();
    assert!(matches!(
        err(VisibleSignature {
            placement: Placement::Anchor {
                text: "no such text".into(),
                position: AnchorPosition::Below
            },
            ..Default::default()
        }),
        AppearanceError::AnchorNotFound { .. }
    ));
    assert!(matches!(
        err(VisibleSignature::default()),
        AppearanceError::Placement(_)
    ));
    assert!(matches!(
        err(VisibleSignature {
            page: 3,
            placement: Placement::Rect(Rect::new(0.0, 0.0, 10.0, 10.0)),
            ..Default::default()
        }),
        AppearanceError::NoSuchPage { page: 3, count: 1 }
    ));
    assert!(matches!(
        err(VisibleSignature {
            placement: Placement::Rect(Rect::new(500.0, 10.0, 700.0, 50.0)),
            ..Default::default()
        }),
        AppearanceError::BadRect(_)
    ));
    assert!(matches!(
        err(VisibleSignature {
            preset: Some(Preset::Copy),
            image: Some(kyso_testkit::images::seal_png()),
            ..Default::default()
        }),
        AppearanceError::Preset(_)
    ));
    assert!(matches!(
        err(VisibleSignature {
            preset: Some(Preset::Official),
            placement: Placement::Rect(Rect::new(300.0, 100.0, 500.0, 160.0)),
            ..Default::default()
        }),
        AppearanceError::Preset(_)
    ));
    // The seal needs a signature to overlap, or a place.
    assert!(matches!(
        err(VisibleSignature {
            preset: Some(Preset::Seal),
            image: Some(kyso_testkit::images::seal_png()),
            ..Default::default()
        }),
        AppearanceError::Placement(_)
    ));
    assert!(matches!(
        err(VisibleSignature {
            placement: Placement::Rect(Rect::new(300.0, 100.0, 500.0, 160.0)),
            text: Some("漢字".into()),
            ..Default::default()
        }),
        AppearanceError::MissingGlyph('漢')
    ));
    assert!(matches!(
        err(VisibleSignature {
            placement: Placement::Rect(Rect::new(300.0, 100.0, 500.0, 160.0)),
            image: Some(b"not a png".to_vec()),
            ..Default::default()
        }),
        AppearanceError::Image(_)
    ));
    // The Vietnamese sample's national motto fills its top right corner: an e-copy's
    // signature cannot go there without covering it.
    let e = try_sign(
        &vietnamese_sample(),
        VisibleSignature {
            preset: Some(Preset::Copy),
            organization: Some(ORG.into()),
            ..Default::default()
        },
        t,
    );
    assert!(
        matches!(
            e,
            Err(SignError::Appearance(AppearanceError::Overlap { .. }))
        ),
        "{e:?}"
    );
}

#[test]
fn anchors_on_the_vietnamese_sample() {
    // Found through the ToUnicode maps of LibreOffice's subset fonts, whitespace-insensitive.
    let input = vietnamese_sample();
    let doc = kyso::pdf::Document::from_bytes(input).unwrap();
    let page = doc.pages_in(0).unwrap()[0];
    let text = kyso::appearance::text::PageText::of_page(&doc, 0, page);
    let title = text.find("GIÁM ĐỐC").unwrap();
    assert!(
        (title.x1 - 487.9).abs() < 0.1 && title.y1 < 435.2 && title.y2 > 440.0,
        "{title}"
    );
    let motto = text.find("Độc lập - Tự do - Hạnh phúc").unwrap();
    assert!((motto.x1 - 209.3).abs() < 0.1, "{motto}");
    assert!(text.find("CỘNGHÒAXÃHỘI").is_some());
    assert!(
        text.find("Giám đốc").is_none(),
        "matching is case-sensitive"
    );
    // Decomposed input (NFD) matches the composed page text.
    assert!(text.find("GIA\u{301}M \u{110}Ô\u{301}C").is_some());
}

#[test]
fn cli_visible_signatures() {
    let w = Workspace::new();
    let input = w.write("in.pdf", &sample_default());
    w.write("sig.png", &kyso_testkit::images::signature_png());
    let base = |out: &str| -> Vec<String> {
        [
            "sign",
            input.to_str().unwrap(),
            "-o",
            w.path(out).to_str().unwrap(),
            "--p12",
            w.path("rsa.p12").to_str().unwrap(),
            "--password-file",
            w.path("p12.pass").to_str().unwrap(),
        ]
        .iter()
        .map(|s| s.to_string())
        .collect()
    };
    let run = |args: Vec<String>| kyso(&args.iter().map(String::as_str).collect::<Vec<_>>());

    let mut a = base("copy.pdf");
    a.extend(["--appearance", "copy", "--org", ORG].map(String::from));
    let o = run(a);
    assert!(o.status.success(), "{}", stderr(&o));

    let mut a = base("custom.pdf");
    a.extend(
        [
            "--visible",
            "--page",
            "1",
            "--rect",
            "300,100,540,170",
            "--image",
            w.path("sig.png").to_str().unwrap(),
            "--text",
            "{org}\\nKý ngày {time}",
            "--org",
            ORG,
        ]
        .map(String::from),
    );
    let o = run(a);
    assert!(o.status.success(), "{}", stderr(&o));
    let o = kyso(&[
        "verify",
        w.path("copy.pdf").to_str().unwrap(),
        w.path("custom.pdf").to_str().unwrap(),
        "--trust",
        w.path("root.pem").to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", stdout(&o));

    let mut a = base("anchored.pdf");
    a.extend(
        [
            "--anchor",
            "kyso sample document",
            "--anchor-position",
            "below",
            "--size",
            "200,40",
            "--text",
            "{name}",
        ]
        .map(String::from),
    );
    let o = run(a);
    assert!(o.status.success(), "{}", stderr(&o));

    // No place given: exit 2 with the question.
    let mut a = base("nowhere.pdf");
    a.push("--visible".into());
    let o = run(a);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("--rect") && stderr(&o).contains("--anchor"),
        "{}",
        stderr(&o)
    );
    assert!(!w.path("nowhere.pdf").exists());
    // Over text: refused, naming --allow-overlap.
    let mut a = base("over.pdf");
    a.extend(["--rect", "60,760,300,800"].map(String::from));
    let o = run(a);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("--allow-overlap"), "{}", stderr(&o));
    // --rect and --anchor exclude each other.
    let mut a = base("both.pdf");
    a.extend(["--rect", "1,1,50,50", "--anchor", "x"].map(String::from));
    assert_eq!(run(a).status.code(), Some(2));
}

#[test]
fn existing_field_signed_visibly_after_another_signature() {
    // A form whose empty signature field "Signature1" has a place on page 1.
    let base = sample(&SampleOptions {
        with_form: true,
        ..Default::default()
    });
    let doc = kyso::pdf::Document::from_bytes(base.clone()).unwrap();
    let field = kyso::form::fields_in(&doc, 0)
        .unwrap()
        .into_iter()
        .find(|f| f.name == "Signature1")
        .unwrap();
    let place = Rect::new(300.0, 100.0, 540.0, 160.0);
    let mut dict = field.dict.clone();
    dict.set(
        "Rect",
        vec![
            kyso::pdf::Object::Integer(300),
            kyso::pdf::Object::Integer(100),
            kyso::pdf::Object::Integer(540),
            kyso::pdf::Object::Integer(160),
        ],
    );
    let mut up = kyso::pdf::IncrementalUpdate::new(&doc);
    up.put(field.object.unwrap(), kyso::pdf::Object::Dict(dict));
    let mut input = base.clone();
    up.write(&doc, &mut input).unwrap();

    // Someone approves first (a new invisible field), then Signature1 is signed visibly.
    let approved = sign_with(
        &input,
        &pki().ec,
        &SignOptions {
            field: Some("Approval".into()),
            ..Default::default()
        },
    );
    let t = now();
    let signed = kyso::sign::sign_pdf(
        &approved,
        &signer_for(&pki().rsa),
        &SignOptions {
            field: Some("Signature1".into()),
            signing_time: Some(t),
            visible: Some(VisibleSignature {
                text: Some("Đã ký: {name}".into()),
                ..Default::default()
            }),
            ..Default::default()
        },
    )
    .unwrap();
    assert_eq!(signature_rects(&signed), vec![place]);
    let w = Workspace::new();
    let (p0, p1) = (w.write("in.pdf", &approved), w.write("out.pdf", &signed));
    assert_changes_only_inside(&render(&p0, 1), &render(&p1, 1), 842.0, &[place]);
    let name = pki().rsa.cert.subject().common_name().unwrap().to_string();
    assert_eq!(text_in(&p1, 1, 842.0, &place), [format!("Đã ký: {name}")]);
    assert_valid_everywhere(&w, &p1, &signed, 2);

    // A field without a place cannot be signed visibly; nor moved elsewhere.
    let e = kyso::sign::sign_pdf(
        &base,
        &signer_for(&pki().rsa),
        &SignOptions {
            field: Some("Signature1".into()),
            visible: Some(VisibleSignature::default()),
            ..Default::default()
        },
    );
    assert!(
        matches!(e, Err(SignError::Document(ref m)) if m.contains("invisible")),
        "{e:?}"
    );
    let e = kyso::sign::sign_pdf(
        &input,
        &signer_for(&pki().rsa),
        &SignOptions {
            field: Some("Signature1".into()),
            visible: Some(VisibleSignature {
                placement: Placement::Rect(Rect::new(1.0, 1.0, 50.0, 50.0)),
                ..Default::default()
            }),
            ..Default::default()
        },
    );
    assert!(matches!(e, Err(SignError::Document(_))), "{e:?}");
}

/// `{org}` of the copy stamp: an organisation's certificate names the organisation in its
/// CN (its O is the parent body); a person's certificate names their employer in O.
#[test]
fn org_of_the_copy_stamp_is_an_organisations_cn_and_a_persons_o() {
    use kyso_testkit::{CertSpec, Issued};
    let root = Issued::self_signed(&CertSpec::ca("kyso org Test Root"));
    let agency = root.issue(&CertSpec::leaf("x").with_subject(&[
        ("C", "VN"),
        ("ST", "Vĩnh Long"),
        ("O", "UBND tỉnh Vĩnh Long"),
        ("CN", "SỞ TƯ PHÁP TỈNH VĨNH LONG"),
    ]));
    let person = root.issue(&CertSpec::leaf("x").with_subject(&[
        ("C", "VN"),
        ("O", "Sở Tư pháp tỉnh Vĩnh Long"),
        ("CN", "Nguyễn Văn An"),
        ("0.9.2342.19200300.100.1.1", "CCCD:086090001234"),
    ]));
    let fill = |who: &Issued| {
        let cert = who.cert.clone();
        let mut v = VisibleSignature {
            preset: Some(Preset::Copy),
            ..VisibleSignature::default()
        };
        v.fill_identity(&cert, None);
        v
    };
    let a = fill(&agency);
    assert_eq!(a.organization.as_deref(), Some("SỞ TƯ PHÁP TỈNH VĨNH LONG"));
    assert_eq!(a.signer_name.as_deref(), Some("SỞ TƯ PHÁP TỈNH VĨNH LONG"));
    let p = fill(&person);
    assert_eq!(p.organization.as_deref(), Some("Sở Tư pháp tỉnh Vĩnh Long"));
    assert_eq!(p.signer_name.as_deref(), Some("Nguyễn Văn An"));
    // An explicit --org still wins.
    let cert = agency.cert.clone();
    let mut v = VisibleSignature {
        organization: Some("Phòng Tư pháp".into()),
        ..VisibleSignature::default()
    };
    v.fill_identity(&cert, None);
    assert_eq!(v.organization.as_deref(), Some("Phòng Tư pháp"));
}

//! Drawing the widget: the appearance stream with text in an embedded font subset and PNG
//! images (the `appearance` feature).

use unicode_normalization::UnicodeNormalization as _;

use super::*;
use crate::pdf::{Stream, StreamData};

/// Gap between an anchor text and the widget, in points.
const ANCHOR_GAP: f64 = 2.0;
/// Least distance kept from the page edges when an anchored or automatic widget is moved
/// onto the page (5 mm).
const EDGE_MARGIN: f64 = 14.17;
/// Default height of a handwritten-signature image placed by anchor, in points (≈ 21 mm).
const SIGNATURE_HEIGHT: f64 = 60.0;
/// Distance of the `copy` box from the top of the page: 5 mm, inside the 20–25 mm top
/// margin of Decree 30 documents.
const COPY_TOP: f64 = 14.17;
/// Distances tried between the `copy` box and the right edge of the page: 15 mm (the right
/// margin), 10 mm, 5 mm.
const COPY_RIGHT: [f64; 3] = [42.52, 28.35, 14.17];

/// Builds the widget's place and appearance for `vis` on the newest revision of `doc`,
/// adding the appearance stream, font subset and images to `update` as new objects.
///
/// # Errors
/// See [`AppearanceError`].
pub(crate) fn build_widget(
    doc: &Document,
    update: &mut IncrementalUpdate,
    vis: &VisibleSignature,
    values: &TemplateValues,
) -> Result<Widget, AppearanceError> {
    let rev = doc.last_revision();
    let pages = doc.pages_in(rev)?;
    let page_no = vis.page.max(1);
    let page_ref = *pages.get(page_no - 1).ok_or(AppearanceError::NoSuchPage {
        page: page_no,
        count: pages.len(),
    })?;
    let page = doc
        .resolve_in(rev, page_ref)?
        .as_dict()
        .cloned()
        .ok_or_else(|| AppearanceError::Placement(format!("page {page_no} is not a dictionary")))?;
    let bounds = page_box(doc, rev, &page);

    // What to show.
    let image = vis.image.as_deref().map(image::Png::decode).transpose()?;
    match vis.preset {
        Some(Preset::Official) if image.is_none() => {
            return Err(AppearanceError::Preset(
                "the official preset shows the handwritten-signature image: give --image".into(),
            ))
        }
        Some(Preset::Seal) if image.is_none() => {
            return Err(AppearanceError::Preset(
                "the seal preset shows the seal image: give --image".into(),
            ))
        }
        Some(Preset::Copy) if image.is_some() => {
            return Err(AppearanceError::Preset(
                "an electronic copy's signature carries no image (Decree 30 Appendix I)".into(),
            ))
        }
        _ => {}
    }
    let template = match (&vis.text, vis.preset) {
        (Some(t), _) => Some(t.clone()),
        (None, Some(Preset::Copy)) => Some(if values.reason.trim().is_empty() {
            "SAO Y\n{org}\n{time}".to_string()
        } else {
            "{reason}\n{org}\n{time}".to_string()
        }),
        (None, None) if image.is_none() => {
            Some("Ký bởi: {name}\n{org}\nThời gian ký: {time}".into())
        }
        (None, _) => None,
    };
    let lines: Vec<String> = match &template {
        Some(t) => {
                    layout::render_template(&t.nfc().collect::<String>(), &nfc_values(values))?
        }
        None => Vec::new(),
    };
    let has_text = lines.iter().any(|l| !l.trim().is_empty());
    let mut font = font::EmbeddedFont::liberation_serif()?;
    for l in &lines {
        font.check_coverage(l)?;
    }
    let size = vis.font_size.unwrap_or(DEFAULT_FONT_SIZE);
    if !(size.is_finite() && (1.0..=200.0).contains(&size)) {
        return Err(AppearanceError::Preset(format!(
            "font size {size} is outside 1…200 pt"
        )));
    }

    // The natural size, for placements that do not give a rectangle.
    let text_size = has_text.then(|| layout::text_extent(&font, &lines, size));
    let image_size = image.as_ref().map(|img| match vis.preset {
        Some(Preset::Seal) => img.natural_size(),
        _ => (SIGNATURE_HEIGHT * img.aspect(), SIGNATURE_HEIGHT),
    });
    let natural = vis.size.unwrap_or(match (image_size, text_size) {
        (Some((iw, ih)), Some((tw, th))) => (iw + tw, ih.max(th)),
        (Some(s), None) | (None, Some(s)) => s,
        (None, None) => (SIGNATURE_HEIGHT * 2.5, SIGNATURE_HEIGHT),
    });
    if !(natural.0 > 0.0 && natural.1 > 0.0 && natural.0.is_finite() && natural.1.is_finite()) {
        return Err(AppearanceError::BadRect(format!(
            "the widget size {}×{} is not positive",
            natural.0, natural.1
        )));
    }

    // Where.
    let page_text = text::PageText::of_page(doc, rev, page_ref);
    let rect = match &vis.placement {
        Placement::Rect(r) => {
            if !bounds.contains(r) {
                return Err(AppearanceError::BadRect(format!(
                    "the rectangle {r} is not inside page {page_no} ({bounds})"
                )));
            }
            *r
        }
        Placement::Anchor { text, position } => {
            let a = page_text
                .find(text)
                .ok_or_else(|| AppearanceError::AnchorNotFound {
                    text: text.clone(),
                    page: page_no,
                })?;
            let (w, h) = natural;
            let (cx, cy) = ((a.x1 + a.x2) / 2.0, (a.y1 + a.y2) / 2.0);
            let r = match position {
                AnchorPosition::Below => {
                    Rect::new(cx - w / 2.0, a.y1 - ANCHOR_GAP - h, cx + w / 2.0, a.y1 - ANCHOR_GAP)
                }
                AnchorPosition::Above => {
                    Rect::new(cx - w / 2.0, a.y2 + ANCHOR_GAP, cx + w / 2.0, a.y2 + ANCHOR_GAP + h)
                }
                AnchorPosition::Left => {
                    Rect::new(a.x1 - ANCHOR_GAP - w, cy - h / 2.0, a.x1 - ANCHOR_GAP, cy + h / 2.0)
                }
                AnchorPosition::Right => {
                    Rect::new(a.x2 + ANCHOR_GAP, cy - h / 2.0, a.x2 + ANCHOR_GAP + w, cy + h / 2.0)
                }
            };
            r.placed_within(&bounds, EDGE_MARGIN)
        }
        Placement::Auto => match vis.preset {
            Some(Preset::Copy) => copy_rect(&font, &lines, size, vis, natural, &bounds, &page_text),
            Some(Preset::Seal) => {
                let sig = signature_widgets(doc, rev, &page).pop().ok_or_else(|| {
                    AppearanceError::Placement(format!(
                        "the seal overlaps the official's visible signature, but page {page_no} has none: sign with the official preset first, or give --rect or --anchor"
                    ))
                })?;
                let (w, h) = natural;
                let right = sig.x1 + sig.width() / 3.0;
                let cy = (sig.y1 + sig.y2) / 2.0;
                Rect::new(right - w, cy - h / 2.0, right, cy + h / 2.0)
                    .placed_within(&bounds, EDGE_MARGIN)
            }
            _ => {
                return Err(AppearanceError::Placement(
                    "where should the signature go? give a rectangle (--rect) or an anchor text (--anchor)".into(),
                ))
            }
        },
    };
    if !(rect.width() >= 1.0 && rect.height() >= 1.0) {
        return Err(AppearanceError::BadRect(format!(
            "the rectangle {rect} is too small (at least 1×1 pt)"
        )));
    }
    if !bounds.contains(&rect) {
        return Err(AppearanceError::BadRect(format!(
            "the signature ({}×{} pt) does not fit on page {page_no} ({bounds})",
            format_real(rect.width()),
            format_real(rect.height())
        )));
    }
    if !vis.allow_overlap {
        if let Some(t) = page_text.text_in(&rect) {
            return Err(AppearanceError::Overlap {
                rect,
                page: page_no,
                text: t,
            });
        }
    }

    // The appearance stream: image left, text right (or either alone).
    let (w, h) = (rect.width(), rect.height());
    let inner = Rect::new(0.0, 0.0, w, h);
    let mut ops = String::from("q\n");
    let mut xobjects = Dict::new();
    let mut text_area = Rect::new(
        layout::PADDING,
        layout::PADDING,
        w - layout::PADDING,
        h - layout::PADDING,
    );
    if let Some(img) = &image {
        let area = if has_text {
            let (iw, _) = layout::fit_aspect(img.aspect(), w * 0.4, h);
            text_area.x1 = iw + layout::PADDING;
            Rect::new(0.0, 0.0, iw, h)
        } else {
            inner
        };
        let r = img.embed(update);
        xobjects.set("Im0", r);
        layout::draw_image(&mut ops, "Im0", img.aspect(), &area);
    }
    let mut fonts = Dict::new();
    if has_text {
        let fitted = layout::fit(&font, &lines, size, text_area.width(), text_area.height());
        for l in &fitted.lines {
            font.use_text(l)?;
        }
        let (font_ref, enc) = font.embed(update)?;
        fonts.set("F0", font_ref);
        layout::draw_text(&mut ops, &font, &enc, &fitted, &text_area);
    }
    ops.push_str("Q\n");

    let mut resources = Dict::new();
    if !fonts.is_empty() {
        resources.set("Font", fonts);
    }
    if !xobjects.is_empty() {
        resources.set("XObject", xobjects);
    }
    let mut d = Dict::new();
    d.set("Type", Object::name("XObject"));
    d.set("Subtype", Object::name("Form"));
    d.set("BBox", inner.to_object());
    d.set("Resources", resources);
    d.set("Filter", Object::name("FlateDecode"));
    let ap = update.alloc();
    update.put(
        ap,
        Object::Stream(Stream {
            dict: d,
            data: StreamData::Bytes(crate::pdf::filter::flate_encode(ops.as_bytes())),
        }),
    );
    Ok(Widget {
        page: page_ref,
        rect,
        appearance: ap,
    })
}

/// The `copy` preset's automatic place: the top right corner of the page, at the natural
/// size if that covers no text; else closer to the right edge and narrower (lines broken
/// between words), the first of these that covers no text. With `--size` or
/// `--allow-overlap`, the natural place.
fn copy_rect(
    font: &font::EmbeddedFont,
    lines: &[String],
    size: f64,
    vis: &VisibleSignature,
    natural: (f64, f64),
    bounds: &Rect,
    page_text: &text::PageText,
) -> Rect {
    let at = |right: f64, (w, h): (f64, f64)| {
        Rect::new(
            bounds.x2 - right - w,
            bounds.y2 - COPY_TOP - h,
            bounds.x2 - right,
            bounds.y2 - COPY_TOP,
        )
        .shifted_into(bounds)
    };
    let first = at(COPY_RIGHT[0], natural);
    if vis.size.is_some() || vis.allow_overlap || page_text.text_in(&first).is_none() {
        return first;
    }
    let pad = 2.0 * layout::PADDING;
    let narrowest = lines
        .iter()
        .flat_map(|l| l.split(' '))
        .map(|word| font.width(word, size))
        .fold(0.0, f64::max)
        + pad;
    for right in COPY_RIGHT {
        let mut w = natural.0;
        while w >= narrowest - 1e-6 {
            let wrapped = layout::wrap(font, lines, size, w - pad + 0.01);
            let (tw, th) = layout::text_extent(font, &wrapped, size);
            let r = at(right, (tw.max(narrowest), th));
            if page_text.text_in(&r).is_none() {
                return r;
            }
            w -= 5.0;
        }
    }
    first
}

fn nfc_values(v: &TemplateValues) -> TemplateValues {
    let n = |s: &str| s.nfc().collect::<String>();
    TemplateValues {
        name: n(&v.name),
        org: n(&v.org),
        time: n(&v.time),
        reason: n(&v.reason),
        location: n(&v.location),
    }
}


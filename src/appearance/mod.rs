//! Visible signatures: where the widget goes and what it shows (its `/AP /N` appearance
//! stream), the way Vietnamese documents show signatures (Decree 30/2020/NĐ-CP, Appendix I).
//!
//! Everything this module writes is a **new** object of the signature's incremental update
//! (the appearance form XObject, the font subset, the images): existing page resources are
//! never touched, so a later signature's appearance is accepted by modification analysis.
//!
//! - `font`: the embedded Liberation Serif subset (Type0/CIDFontType2, Identity-H,
//!   ToUnicode).
//! - `image`: PNG → image XObject with an `/SMask` for transparency.
//! - `text`: where the page's text is (for `--anchor` and the overlap check).
//! - `layout`: templates, line breaking, fitting, drawing.
//!
//! Presets ([`Preset`]):
//! - `official`: the competent official's handwritten-signature image, placed between the
//!   title and the name (typically `--anchor` on the title, below it).
//! - `seal`: the organisation's red seal image at actual size (from the PNG's `pHYs`
//!   resolution, else 300 dpi), overlapping the left third of the previous visible
//!   signature on the page.
//! - `copy`: an electronic copy's organisation signature at the top right of page 1, no
//!   image: the copy form, the organisation and the signing time in ISO 8601 with the
//!   Vietnam time zone, 10 pt Times-like, black.

internal_mod! {
    #[cfg(feature = "appearance")]
    font;
    #[cfg(feature = "appearance")]
    image;
    #[cfg(feature = "appearance")]
    layout;
    text;
    #[cfg(feature = "appearance")]
    widget;
}

#[cfg(feature = "appearance")]
pub(crate) use widget::build_widget;

use crate::pdf::object::format_real;
use crate::pdf::{Dict, Document, IncrementalUpdate, ObjRef, Object, PdfError};

/// Values for the text template's placeholders.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TemplateValues {
    /// `{name}`: the signer's name.
    pub name: String,
    /// `{org}`: the organisation.
    pub org: String,
    /// `{time}`: the signing time, ISO 8601 in Vietnam time (`2025-06-01T17:00:00+07:00`).
    pub time: String,
    /// `{reason}`.
    pub reason: String,
    /// `{location}`.
    pub location: String,
}

/// Vietnam's UTC offset in minutes (ICT, +07:00, no daylight saving).
pub(crate) const VIETNAM_OFFSET_MINUTES: i32 = 420;
/// Default font size (Decree 30: Times New Roman 10 pt for e-copies).
#[cfg(feature = "appearance")]
pub(crate) const DEFAULT_FONT_SIZE: f64 = 10.0;

/// Errors while building a visible signature.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum AppearanceError {
    /// Reading the document failed.
    #[error("cannot read the document: {0}")]
    Pdf(#[from] PdfError),
    /// The page does not exist.
    #[error("page {page} does not exist (the document has {count} pages)")]
    NoSuchPage {
        /// The page asked for (1-based).
        page: usize,
        /// How many pages there are.
        count: usize,
    },
    /// The widget's place is not given and cannot be derived.
    #[error("{0}")]
    Placement(String),
    /// The anchor text is not on the page.
    #[error("the anchor text {text:?} was not found on page {page}")]
    AnchorNotFound {
        /// The text searched.
        text: String,
        /// The page (1-based).
        page: usize,
    },
    /// The widget would cover text of the page.
    #[error("the signature at {rect} would cover text of page {page} ({text:?}); move it or allow overlap (--allow-overlap)")]
    Overlap {
        /// The widget rectangle.
        rect: Rect,
        /// The page (1-based).
        page: usize,
        /// The text found under it.
        text: String,
    },
    /// The rectangle is unusable (empty, or outside the page).
    #[error("{0}")]
    BadRect(String),
    /// The font cannot show a character.
    #[error("the embedded font has no glyph for {0:?} (U+{code:04X})", code = *.0 as u32)]
    MissingGlyph(char),
    /// The font could not be read or subset.
    #[error("font: {0}")]
    Font(String),
    /// The image could not be read.
    #[error("image: {0}")]
    Image(String),
    /// The text template is malformed.
    #[error("text template: {0}")]
    Template(String),
    /// The options contradict a preset's rules.
    #[error("{0}")]
    Preset(String),
    /// kyso was built without the `appearance` feature (no font or image code).
    #[error("visible signatures need kyso's `appearance` feature")]
    Unsupported,
}

/// A rectangle in PDF user space (points; origin bottom-left), normalised so that
/// `x1 ≤ x2` and `y1 ≤ y2`.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct Rect {
    /// Left.
    pub x1: f64,
    /// Bottom.
    pub y1: f64,
    /// Right.
    pub x2: f64,
    /// Top.
    pub y2: f64,
}

impl Rect {
    /// The rectangle with these corners, in any order.
    pub fn new(x1: f64, y1: f64, x2: f64, y2: f64) -> Rect {
        Rect {
            x1: x1.min(x2),
            y1: y1.min(y2),
            x2: x1.max(x2),
            y2: y1.max(y2),
        }
    }
    /// The smallest rectangle around `points`.
    pub fn around(points: &[(f64, f64)]) -> Rect {
        let mut r = Rect {
            x1: f64::INFINITY,
            y1: f64::INFINITY,
            x2: f64::NEG_INFINITY,
            y2: f64::NEG_INFINITY,
        };
        for &(x, y) in points {
            r.x1 = r.x1.min(x);
            r.y1 = r.y1.min(y);
            r.x2 = r.x2.max(x);
            r.y2 = r.y2.max(y);
        }
        r
    }
    /// Parses `x1,y1,x2,y2`.
    ///
    /// # Errors
    /// `BadRect` unless there are four finite numbers.
    pub fn parse(s: &str) -> Result<Rect, AppearanceError> {
        let v: Vec<f64> = s
            .split(',')
            .map(|p| p.trim().parse::<f64>())
            .collect::<Result<_, _>>()
            .map_err(|_| AppearanceError::BadRect(format!("cannot read {s:?} as x1,y1,x2,y2")))?;
        if v.len() != 4 || v.iter().any(|x| !x.is_finite()) {
            return Err(AppearanceError::BadRect(format!(
                "cannot read {s:?} as x1,y1,x2,y2"
            )));
        }
        Ok(Rect::new(v[0], v[1], v[2], v[3]))
    }
    /// Width.
    pub fn width(&self) -> f64 {
        self.x2 - self.x1
    }
    /// Height.
    pub fn height(&self) -> f64 {
        self.y2 - self.y1
    }
    /// The rectangle around both.
    pub fn union(self, o: Rect) -> Rect {
        Rect {
            x1: self.x1.min(o.x1),
            y1: self.y1.min(o.y1),
            x2: self.x2.max(o.x2),
            y2: self.y2.max(o.y2),
        }
    }
    /// Whether the interiors overlap (touching edges do not).
    pub fn intersects(&self, o: &Rect) -> bool {
        self.x1 < o.x2 && o.x1 < self.x2 && self.y1 < o.y2 && o.y1 < self.y2
    }
    /// Whether `o` lies inside (with a tolerance of 0.01 pt).
    pub fn contains(&self, o: &Rect) -> bool {
        o.x1 >= self.x1 - 0.01
            && o.y1 >= self.y1 - 0.01
            && o.x2 <= self.x2 + 0.01
            && o.y2 <= self.y2 + 0.01
    }
    /// Smaller by `d` on every side (unchanged if that leaves nothing).
    pub fn inset(&self, d: f64) -> Rect {
        if self.width() > 2.0 * d && self.height() > 2.0 * d {
            Rect::new(self.x1 + d, self.y1 + d, self.x2 - d, self.y2 - d)
        } else {
            *self
        }
    }
    /// Moved into `bounds` keeping a `margin` from its edges where it fits, else flush.
    pub fn placed_within(self, bounds: &Rect, margin: f64) -> Rect {
        let inner = bounds.inset(margin);
        if self.width() <= inner.width() && self.height() <= inner.height() {
            self.shifted_into(&inner)
        } else {
            self.shifted_into(bounds)
        }
    }
    /// Moved by the least amount that puts it inside `bounds` (if it fits).
    pub fn shifted_into(self, bounds: &Rect) -> Rect {
        let dx = if self.x2 > bounds.x2 {
            bounds.x2 - self.x2
        } else if self.x1 < bounds.x1 {
            bounds.x1 - self.x1
        } else {
            0.0
        };
        let dy = if self.y2 > bounds.y2 {
            bounds.y2 - self.y2
        } else if self.y1 < bounds.y1 {
            bounds.y1 - self.y1
        } else {
            0.0
        };
        Rect {
            x1: self.x1 + dx,
            y1: self.y1 + dy,
            x2: self.x2 + dx,
            y2: self.y2 + dy,
        }
    }
    fn to_object(self) -> Object {
        Object::Array(
            [self.x1, self.y1, self.x2, self.y2]
                .iter()
                .map(|v| number(*v))
                .collect(),
        )
    }
}

impl std::fmt::Display for Rect {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "[{} {} {} {}]",
            format_real(self.x1),
            format_real(self.y1),
            format_real(self.x2),
            format_real(self.y2)
        )
    }
}

fn number(v: f64) -> Object {
    let r = (v * 1000.0).round() / 1000.0;
    if r.fract() == 0.0 && r.abs() < 1e15 {
        Object::Integer(r as i64)
    } else {
        Object::Real(r)
    }
}

/// The rules a visible signature follows (Decree 30/2020 Appendix I).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Preset {
    /// The competent official's handwritten-signature image (required), no text unless given.
    Official,
    /// The organisation's seal image (required) at actual size, overlapping the left third
    /// of the previous visible signature on the page unless placed otherwise.
    Seal,
    /// An electronic copy: no image; copy form, organisation, time; 10 pt; top right of the
    /// page unless placed otherwise.
    Copy,
}

/// Where the widget goes relative to an anchor text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum AnchorPosition {
    /// Under the text, centred on it.
    #[default]
    Below,
    /// Over the text, centred on it.
    Above,
    /// Left of the text, centred vertically.
    Left,
    /// Right of the text, centred vertically.
    Right,
}

/// Where the widget goes.
#[derive(Debug, Clone, PartialEq, Default)]
pub enum Placement {
    /// Derived from the preset (`copy`: top right; `seal`: over the previous signature).
    #[default]
    Auto,
    /// This rectangle (page user space, points).
    Rect(Rect),
    /// Next to the last occurrence of this text on the page.
    Anchor {
        /// The text to find.
        text: String,
        /// Which side.
        position: AnchorPosition,
    },
}

/// A visible signature: where and what.
#[derive(Debug, Clone, Default)]
pub struct VisibleSignature {
    /// The page, 1-based (0 means 1).
    pub page: usize,
    /// Where.
    pub placement: Placement,
    /// Widget size (width, height) in points for anchored and automatic placement; `None`:
    /// from the content (text extent, image aspect or actual size).
    pub size: Option<(f64, f64)>,
    /// A PNG image (handwritten signature or seal).
    pub image: Option<Vec<u8>>,
    /// A text template (see `layout::render_template`); `None`: the preset's or the
    /// default text.
    pub text: Option<String>,
    /// Rules to follow.
    pub preset: Option<Preset>,
    /// Font size in points (default 10; shrunk to fit a given rectangle).
    pub font_size: Option<f64>,
    /// Allow the widget over page text.
    pub allow_overlap: bool,
    /// `{name}`: `None` = the signer's `/Name` option or the certificate's common name.
    pub signer_name: Option<String>,
    /// `{org}`: `None` = the certificate's organisation (O), else its common name.
    pub organization: Option<String>,
}

impl VisibleSignature {
    /// Fills `signer_name` and `organization` from the signer's certificate where unset.
    ///
    /// The organisation (`{org}` of the templates) depends on whose certificate it is, as
    /// the policy classifies it ([`crate::policy::CertKind`]): an organisation's certificate
    /// names the organisation in its CN (`CN=SỞ TƯ PHÁP TỈNH …, O=UBND tỉnh …`: the O is
    /// the parent body, not the agency that signs), so `{org}` is the CN; a person's
    /// certificate names their employer in O, so `{org}` is the O (the CN when there is none).
    pub fn fill_identity(&mut self, cert: &crate::pki::Certificate, name: Option<&str>) {
        let subject = cert.subject();
        if self.signer_name.is_none() {
            self.signer_name = name.or(subject.common_name()).map(str::to_string);
        }
        if self.organization.is_none() {
            let kind = crate::policy::classify::classify(
                &subject.to_string(),
                subject.common_name(),
                &subject.vn_identifiers(),
                &[],
            )
            .kind;
            let org = if kind == crate::policy::CertKind::Organisation {
                subject.common_name().or(subject.first("O"))
            } else {
                subject.first("O").or(subject.common_name())
            };
            self.organization = org.map(str::to_string);
        }
    }
}

/// The text of the signing time: ISO 8601 with the Vietnam time zone.
pub fn vietnam_time(unix: i64) -> String {
    crate::time::format_rfc3339_offset(unix, VIETNAM_OFFSET_MINUTES)
}

/// The widget built for a visible signature.
#[derive(Debug, Clone)]
pub(crate) struct Widget {
    /// The page it is on.
    pub page: ObjRef,
    /// Its `/Rect`.
    pub rect: Rect,
    /// The `/AP /N` form XObject (a new object of the update).
    pub appearance: ObjRef,
}

impl Widget {
    /// The `/Rect` value.
    pub(crate) fn rect_object(&self) -> Object {
        self.rect.to_object()
    }
    /// The `/AP` value: `<< /N ref >>`.
    pub(crate) fn ap_object(&self) -> Object {
        let mut d = Dict::new();
        d.set("N", self.appearance);
        Object::Dict(d)
    }
}

/// The box of a page: `/CropBox` (inherited) clipped to `/MediaBox` (inherited), else US
/// Letter.
#[cfg(feature = "appearance")]
pub(crate) fn page_box(doc: &Document, rev: usize, page: &Dict) -> Rect {
    let get = |k: &[u8]| {
        crate::pdf::inherited(doc, rev, page, k)
            .and_then(|o| doc.deref_in(rev, &o).ok())
            .and_then(|o| {
                let v: Vec<f64> = o
                    .as_array()?
                    .iter()
                    .filter_map(|x| doc.deref_in(rev, x).ok()?.as_number())
                    .collect();
                (v.len() == 4).then(|| Rect::new(v[0], v[1], v[2], v[3]))
            })
    };
    let media = get(b"MediaBox").unwrap_or(Rect::new(0.0, 0.0, 612.0, 792.0));
    match get(b"CropBox") {
        Some(c) if c.intersects(&media) => Rect {
            x1: c.x1.max(media.x1),
            y1: c.y1.max(media.y1),
            x2: c.x2.min(media.x2),
            y2: c.y2.min(media.y2),
        },
        _ => media,
    }
}

/// The rectangles of the visible signature widgets already on a page, in `/Annots` order.
#[cfg(feature = "appearance")]
pub(crate) fn signature_widgets(doc: &Document, rev: usize, page: &Dict) -> Vec<Rect> {
    let annots = page
        .get(b"Annots")
        .and_then(|a| doc.deref_in(rev, a).ok())
        .and_then(|a| a.as_array().map(<[Object]>::to_vec))
        .unwrap_or_default();
    let mut out = Vec::new();
    for a in annots.iter().take(10_000) {
        let Some(d) = doc.deref_in(rev, a).ok().and_then(|d| d.as_dict().cloned()) else {
            continue;
        };
        if d.get_name(b"Subtype") != Some(b"Widget") {
            continue;
        }
        let ft = d.get_name(b"FT").map(<[u8]>::to_vec).or_else(|| {
            d.get(b"Parent")
                .and_then(|p| doc.deref_in(rev, p).ok())
                .and_then(|p| {
                    p.as_dict()
                        .and_then(|p| p.get_name(b"FT"))
                        .map(<[u8]>::to_vec)
                })
        });
        if ft.as_deref() != Some(b"Sig") {
            continue;
        }
        let r: Vec<f64> = d
            .get(b"Rect")
            .and_then(|r| doc.deref_in(rev, r).ok())
            .and_then(|r| {
                r.as_array()
                    .map(|a| a.iter().filter_map(Object::as_number).collect())
            })
            .unwrap_or_default();
        if r.len() == 4 {
            let rect = Rect::new(r[0], r[1], r[2], r[3]);
            if rect.width() > 0.0 && rect.height() > 0.0 {
                out.push(rect);
            }
        }
    }
    out
}

/// Without the `appearance` feature kyso cannot draw a widget: the font and image code is
/// not built in.
///
/// # Errors
/// Always [`AppearanceError::Unsupported`].
#[cfg(not(feature = "appearance"))]
pub(crate) fn build_widget(
    _doc: &Document,
    _update: &mut IncrementalUpdate,
    _vis: &VisibleSignature,
    _values: &TemplateValues,
) -> Result<Widget, AppearanceError> {
    Err(AppearanceError::Unsupported)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rects() {
        let r = Rect::parse("100, 50, 10, 20").unwrap();
        assert_eq!(r, Rect::new(10.0, 20.0, 100.0, 50.0));
        assert!(Rect::parse("1,2,3").is_err() && Rect::parse("a,b,c,d").is_err());
        assert!(Rect::parse("1,2,3,inf").is_err());
        let page = Rect::new(0.0, 0.0, 595.0, 842.0);
        let moved = Rect::new(500.0, -10.0, 650.0, 40.0).shifted_into(&page);
        assert_eq!(moved, Rect::new(445.0, 0.0, 595.0, 50.0));
        assert!(page.contains(&moved));
        assert!(!Rect::new(0.0, 0.0, 1.0, 1.0).intersects(&Rect::new(1.0, 0.0, 2.0, 1.0)));
        assert_eq!(r.to_string(), "[10 20 100 50]");
        assert_eq!(number(12.3456), Object::Real(12.346));
        assert_eq!(number(12.0), Object::Integer(12));
    }

    #[test]
    fn vietnam_time_format() {
        let t = crate::time::unix_from_fields(2025, 6, 1, 10, 0, 0).unwrap();
        assert_eq!(vietnam_time(t), "2025-06-01T17:00:00+07:00");
    }
}

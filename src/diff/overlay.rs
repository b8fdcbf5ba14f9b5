//! What a page paints, roughly: the bounding boxes (in default user space) of the text,
//! images, XObjects and painted paths of its content streams, and of its visible
//! annotations. Used to decide whether an annotation or a signature widget added after a
//! signature covers signed content (the Evil Annotation and Sneaky Signature attacks,
//! Rohlmann et al., IEEE S&P 2021).
//!
//! The boxes over-approximate (text widths assume 0.6 em per byte; form XObjects count by
//! their whole `/BBox`); when a content stream cannot be read or is too long to scan, the
//! whole page counts as painted. Over-approximating is the safe direction here: it can only
//! turn an added annotation into a disallowed change.

use crate::pdf::content::{apply, bbox_of, mul, Item, Lexer, Matrix, Operand, State, IDENTITY};
use crate::pdf::{Dict, Document, ObjRef, Object};

/// A rectangle `[llx, lly, urx, ury]`, normalised.
pub(crate) type Rect = [f64; 4];

/// What a painted box holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Painted {
    /// Text.
    Text,
    /// An image (or an XObject).
    Image,
    /// Paths and shadings.
    Graphics,
    /// A visible annotation or form field.
    Annotation,
    /// Content that could not be read: the whole page.
    Unknown,
}

impl Painted {
    /// For messages: "over text".
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Painted::Text => "text",
            Painted::Image => "an image",
            Painted::Graphics => "graphics",
            Painted::Annotation => "a form field or annotation",
            Painted::Unknown => "page content",
        }
    }
}

/// A painted box.
pub(crate) type Boxed = (Rect, Painted);

/// What `r` covers among `boxes`, text first.
pub(crate) fn covers(r: &Rect, boxes: &[Boxed]) -> Option<Painted> {
    let hits: Vec<Painted> = boxes
        .iter()
        .filter(|(b, _)| intersects(r, b))
        .map(|(_, k)| *k)
        .collect();
    [
        Painted::Text,
        Painted::Image,
        Painted::Annotation,
        Painted::Graphics,
        Painted::Unknown,
    ]
    .into_iter()
    .find(|k| hits.contains(k))
}

/// Tokens scanned at most per page before giving up (the whole page then counts as painted).
const MAX_TOKENS: usize = 2_000_000;

/// A normalised rectangle from a PDF array of four numbers.
pub(crate) fn rect_of(o: &Object) -> Option<Rect> {
    let a = o.as_array()?;
    if a.len() != 4 {
        return None;
    }
    let v: Vec<f64> = a.iter().filter_map(Object::as_number).collect();
    if v.len() != 4 || v.iter().any(|x| !x.is_finite()) {
        return None;
    }
    Some([
        v[0].min(v[2]),
        v[1].min(v[3]),
        v[0].max(v[2]),
        v[1].max(v[3]),
    ])
}

/// Whether two rectangles share an area (more than a hairline).
pub(crate) fn intersects(a: &Rect, b: &Rect) -> bool {
    let w = a[2].min(b[2]) - a[0].max(b[0]);
    let h = a[3].min(b[3]) - a[1].max(b[1]);
    w > 0.5 && h > 0.5
}

/// Whether `r` has an area.
pub(crate) fn has_area(r: &Rect) -> bool {
    r[2] - r[0] > 0.5 && r[3] - r[1] > 0.5
}

/// The page's `/MediaBox` (inherited), or US Letter-ish A4 when unreadable.
pub(crate) fn media_box(doc: &Document, rev: usize, page: &Dict) -> Rect {
    crate::pdf::inherited(doc, rev, page, b"MediaBox")
        .and_then(|m| rect_of(&m))
        .unwrap_or([0.0, 0.0, 612.0, 842.0])
}

/// An annotation's `/Rect`, resolved (an indirect rectangle counts like a direct one).
pub(crate) fn rect_in(doc: &Document, rev: usize, annot: &Dict) -> Option<Rect> {
    let r = doc.deref_in(rev, annot.get(b"Rect")?).ok()?;
    let a = r.as_array()?;
    // Indirect numbers inside the array are resolved too.
    let resolved: Vec<Object> = a
        .iter()
        .take(4)
        .map(|x| doc.deref_in(rev, x).unwrap_or(Object::Null))
        .collect();
    if a.len() != 4 {
        return None;
    }
    rect_of(&Object::Array(resolved))
}

/// Whether an annotation is shown in the view of revision `rev` as signed: not hidden, and
/// displayed on screen or printed (a printed-only annotation still shows on paper).
pub(crate) fn annotation_visible(doc: &Document, rev: usize, annot: &Dict) -> bool {
    let flags = annot.get_int(b"F").unwrap_or(0);
    let hidden = flags & 2 != 0;
    let no_view = flags & 32 != 0;
    let print = flags & 4 != 0;
    !hidden && (!no_view || print) && annotation_paints(doc, rev, annot)
}

/// Whether an annotation dictionary (new or changed after a signature) can paint something:
/// a rectangle with an area, and an appearance stream with content in any appearance
/// (`/N`, `/R`, `/D`) and any state — or, without one, a type viewers draw themselves. Its
/// flags are not trusted: a hidden, printed-only or no-view annotation can be shown by an
/// action, on paper, or by a later flag change.
pub(crate) fn annotation_paints(doc: &Document, rev: usize, annot: &Dict) -> bool {
    if !rect_in(doc, rev, annot).is_some_and(|r| has_area(&r)) {
        return false;
    }
    let streams = appearance_stream_objects(doc, rev, annot);
    if annot.contains(b"AP") {
        return streams.iter().any(|s| stream_has_content(doc, s));
    }
    let sig = annot.get_name(b"FT") == Some(b"Sig");
    !sig && !matches!(
        annot.get_name(b"Subtype"),
        Some(b"Text" | b"Popup" | b"Link")
    )
}

/// The appearance streams of an annotation: every stream of `/N`, `/R` and `/D`, each a
/// stream or a dictionary of states (bounded).
pub(crate) fn appearance_stream_objects(
    doc: &Document,
    rev: usize,
    annot: &Dict,
) -> Vec<crate::pdf::Stream> {
    let mut out = Vec::new();
    let Some(Object::Dict(ap)) = annot.get(b"AP").and_then(|a| doc.deref_in(rev, a).ok()) else {
        return out;
    };
    for key in [&b"N"[..], b"R", b"D"] {
        match ap.get(key).and_then(|v| doc.deref_in(rev, v).ok()) {
            Some(Object::Stream(s)) => out.push(s),
            Some(Object::Dict(states)) => {
                out.extend(
                    states
                        .iter()
                        .take(64)
                        .filter_map(|(_, v)| match doc.deref_in(rev, v) {
                            Ok(Object::Stream(s)) => Some(s),
                            _ => None,
                        }),
                )
            }
            _ => {}
        }
    }
    out
}

fn stream_has_content(doc: &Document, s: &crate::pdf::Stream) -> bool {
    match doc.stream_decoded(s) {
        Ok(d) => d.iter().any(|c| !c.is_ascii_whitespace()),
        Err(_) => true,
    }
}

/// What an annotation's appearances paint (text, images, graphics), in every appearance and
/// state, from their content; `None` when it has no appearance stream.
pub(crate) fn appearance_kinds(doc: &Document, rev: usize, annot: &Dict) -> Option<Vec<Painted>> {
    let streams = appearance_stream_objects(doc, rev, annot);
    if streams.is_empty() {
        return None;
    }
    let mut kinds = Vec::new();
    for s in streams {
        let resources = s
            .dict
            .get(b"Resources")
            .and_then(|r| doc.deref_in(rev, r).ok())
            .and_then(|r| r.as_dict().cloned())
            .unwrap_or_default();
        let mut boxes = Vec::new();
        match doc.stream_decoded(&s) {
            Ok(data) => {
                if !scan(doc, rev, &data, &resources, [0.0; 4], &mut boxes) {
                    kinds.push(Painted::Unknown);
                }
            }
            Err(_) => kinds.push(Painted::Unknown),
        }
        kinds.extend(boxes.into_iter().map(|b| b.1));
    }
    Some(kinds)
}

/// The boxes a page paints in revision `rev`: its content streams, and its visible
/// annotations other than those in `ignore`.
pub(crate) fn painted_boxes(doc: &Document, rev: usize, page: ObjRef, ignore: &[ObjRef]) -> Vec<Boxed> {
    let Ok(Object::Dict(pd)) = doc.resolve_in(rev, page) else {
        return Vec::new();
    };
    let mbox = media_box(doc, rev, &pd);
    let mut boxes = Vec::new();
    let mut data = Vec::new();
    let mut unreadable = false;
    match pd.get(b"Contents").map(|c| doc.deref_in(rev, c)) {
        Some(Ok(Object::Stream(s))) => match doc.stream_decoded(&s) {
            Ok(d) => data = d,
            Err(_) => unreadable = true,
        },
        Some(Ok(Object::Array(parts))) => {
            for p in parts.iter().take(10_000) {
                match doc.deref_in(rev, p) {
                    Ok(Object::Stream(s)) => match doc.stream_decoded(&s) {
                        Ok(d) => {
                            data.extend_from_slice(&d);
                            data.push(b'\n');
                        }
                        Err(_) => unreadable = true,
                    },
                    Ok(Object::Null) => {}
                    _ => unreadable = true,
                }
            }
        }
        Some(Ok(Object::Null)) | None => {}
        Some(_) => unreadable = true,
    }
    let resources = crate::pdf::inherited(doc, rev, &pd, b"Resources")
        .and_then(|r| r.as_dict().cloned())
        .unwrap_or_default();
    if unreadable || !scan(doc, rev, &data, &resources, mbox, &mut boxes) {
        boxes.push((mbox, Painted::Unknown));
    }
    if let Some(Ok(Object::Array(annots))) = pd.get(b"Annots").map(|a| doc.deref_in(rev, a)) {
        for a in annots.iter().take(10_000) {
            if a.as_ref().is_some_and(|r| ignore.contains(&r)) {
                continue;
            }
            let Ok(Object::Dict(ad)) = doc.deref_in(rev, a) else {
                continue;
            };
            if annotation_visible(doc, rev, &ad) {
                if let Some(r) = rect_in(doc, rev, &ad) {
                    boxes.push((r, Painted::Annotation));
                }
            }
        }
    }
    boxes
}

/// Scans content; false when it had to give up (token budget).
fn scan(
    doc: &Document,
    rev: usize,
    data: &[u8],
    resources: &Dict,
    mbox: Rect,
    out: &mut Vec<Boxed>,
) -> bool {
    let mut lx = Lexer::new(data);
    let mut ops: Vec<Operand> = Vec::new();
    let mut st = State::<()>::new(IDENTITY);
    let mut path: Option<Rect> = None;
    let xobjects = resources
        .get(b"XObject")
        .and_then(|x| doc.deref_in(rev, x).ok())
        .and_then(|x| x.as_dict().cloned())
        .unwrap_or_default();
    let mut budget = MAX_TOKENS;
    let num = |ops: &[Operand], i: usize| -> f64 { ops.get(i).and_then(Operand::num).unwrap_or(0.0) };
    let add_point = |path: &mut Option<Rect>, m: &Matrix, x: f64, y: f64| {
        let (x, y) = apply(m, x, y);
        *path = Some(match path {
            Some(p) => [p[0].min(x), p[1].min(y), p[2].max(x), p[3].max(y)],
            None => [x, y, x, y],
        });
    };
    while let Some(item) = lx.next_operand_or_op() {
        budget = match budget.checked_sub(1) {
            Some(b) => b,
            None => return false,
        };
        let op = match item {
            Item::Operand(o) => {
                if ops.len() >= 64 {
                    ops.remove(0);
                }
                ops.push(o);
                continue;
            }
            Item::InlineImage => {
                out.push((bbox_of(&st.ctm, &[0.0, 0.0, 1.0, 1.0]), Painted::Image));
                ops.clear();
                continue;
            }
            Item::Op(op) => op,
        };
        if st.apply(&op, &ops, &mut |_| Some(())) {
            ops.clear();
            continue;
        }
        let n = ops.len();
        let last = |k: usize| n.checked_sub(k).unwrap_or(usize::MAX);
        // Text without a `Tf` is measured at 12 points (a viewer may draw it anyway).
        let tfs = if st.text.font.is_none() && st.text.size == 0.0 {
            12.0
        } else {
            st.text.size
        };
        let (tc, tw, th, rise) = (st.text.tc, st.text.tw, st.text.th, st.text.ts);
        // Shows text spanning `lo..hi` from the current point (text space, before
        // horizontal scaling) and advancing by `w`.
        let mut show = |st: &mut State<()>, lo: f64, hi: f64, w: f64| {
            let size = tfs.abs();
            let (bottom, top) = if tfs < 0.0 {
                (-0.9 * size, 0.9 * size)
            } else {
                (-0.25 * size, 0.9 * size)
            };
            let r = [lo * th, bottom + rise, hi * th, top + rise];
            let m = mul(&st.tm, &st.ctm);
            out.push((bbox_of(&m, &r), Painted::Text));
            st.advance(w * th);
        };
        // One glyph's width (over-approximated by 0.6 em).
        let glyph = 0.6 * tfs.abs();
        let spaces = |s: &[u8]| s.iter().filter(|&&c| c == b' ').count();
        match op.as_slice() {
            b"Tj" | b"'" | b"\"" => {
                if let Some(Operand::Str(s)) = ops.last() {
                    // Glyph positions move linearly: the extremes are the first and last.
                    let w = len_advance(s.len(), spaces(s), tfs, tc, tw);
                    let last_start = w - (0.6 * tfs + tc);
                    let lo = 0f64.min(last_start).min(w);
                    let hi = (0f64.max(last_start) + glyph).max(w);
                    show(&mut st, lo, hi, w);
                }
            }
            b"TJ" => {
                if let Some(Operand::Array(items)) = ops.last() {
                    let (mut x, mut lo, mut hi) = (0.0f64, 0.0f64, 0.0f64);
                    for it in items.iter().take(100_000) {
                        match it {
                            Operand::Str(s) => {
                                let w = len_advance(s.len(), spaces(s), tfs, tc, tw);
                                let last_start = x + w - (0.6 * tfs + tc);
                                lo = lo.min(x).min(last_start).min(x + w);
                                hi = hi.max(x.max(last_start) + glyph).max(x + w);
                                x += w;
                            }
                            Operand::Num(v) => {
                                x -= v / 1000.0 * tfs;
                                lo = lo.min(x);
                                hi = hi.max(x);
                            }
                            _ => {}
                        }
                    }
                    show(&mut st, lo, hi, x);
                }
            }
            b"m" | b"l" if n >= 2 => {
                add_point(&mut path, &st.ctm, num(&ops, last(2)), num(&ops, last(1)));
            }
            b"c" if n >= 6 => {
                for k in [6, 4, 2] {
                    add_point(&mut path, &st.ctm, num(&ops, last(k)), num(&ops, last(k - 1)));
                }
            }
            b"v" | b"y" if n >= 4 => {
                for k in [4, 2] {
                    add_point(&mut path, &st.ctm, num(&ops, last(k)), num(&ops, last(k - 1)));
                }
            }
            b"re" if n >= 4 => {
                let (x, y, w, h) = (
                    num(&ops, last(4)),
                    num(&ops, last(3)),
                    num(&ops, last(2)),
                    num(&ops, last(1)),
                );
                for (px, py) in [(x, y), (x + w, y), (x, y + h), (x + w, y + h)] {
                    add_point(&mut path, &st.ctm, px, py);
                }
            }
            b"S" | b"s" | b"f" | b"F" | b"f*" | b"B" | b"B*" | b"b" | b"b*" => {
                if let Some(p) = path.take() {
                    // A stroked line has no area; give it the width of a pen.
                    out.push((
                        [p[0] - 0.5, p[1] - 0.5, p[2] + 0.5, p[3] + 0.5],
                        Painted::Graphics,
                    ));
                }
            }
            b"n" => path = None,
            b"sh" => out.push((mbox, Painted::Graphics)),
            b"Do" => {
                let unit = [0.0, 0.0, 1.0, 1.0];
                let xo = match ops.last() {
                    Some(Operand::Name(name)) => {
                        xobjects.get(name).and_then(|x| doc.deref_in(rev, x).ok())
                    }
                    _ => None,
                };
                match xo {
                    Some(Object::Stream(s)) if s.dict.get_name(b"Subtype") == Some(b"Form") => {
                        let bbox = s.dict.get(b"BBox").and_then(rect_of).unwrap_or(mbox);
                        let m = s
                            .dict
                            .get(b"Matrix")
                            .and_then(Object::as_array)
                            .filter(|a| a.len() == 6)
                            .map(|a| {
                                let v: Vec<f64> =
                                    a.iter().map(|o| o.as_number().unwrap_or(0.0)).collect();
                                [v[0], v[1], v[2], v[3], v[4], v[5]]
                            })
                            .unwrap_or(IDENTITY);
                        out.push((bbox_of(&mul(&m, &st.ctm), &bbox), Painted::Image));
                    }
                    _ => out.push((bbox_of(&st.ctm, &unit), Painted::Image)),
                }
            }
            _ => {}
        }
        ops.clear();
    }
    true
}

fn len_advance(len: usize, spaces: usize, tfs: f64, tc: f64, tw: f64) -> f64 {
    len as f64 * (0.6 * tfs + tc) + spaces as f64 * tw
}

#[cfg(test)]
mod tests {
    use super::*;

    fn boxes(content: &[u8]) -> Vec<Rect> {
        kinds(content).into_iter().map(|b| b.0).collect()
    }

    fn kinds(content: &[u8]) -> Vec<Boxed> {
        let doc = Document::from_bytes(kyso_testkit::sample_pdf(&Default::default())).unwrap();
        let mut out = Vec::new();
        assert!(scan(
            &doc,
            0,
            content,
            &Dict::new(),
            [0.0, 0.0, 595.0, 842.0],
            &mut out
        ));
        out
    }

    #[test]
    fn text_and_paths_are_located() {
        let b = boxes(b"BT /F1 18 Tf 72 770 Td (Hello) Tj ET");
        assert_eq!(b.len(), 1);
        assert!(intersects(&b[0], &[80.0, 770.0, 90.0, 780.0]));
        assert!(!intersects(&b[0], &[72.0, 600.0, 300.0, 700.0]));
        let b = boxes(b"q 2 0 0 2 10 10 cm 0 0 50 50 re f Q 1 0 0 RG 0 0 m 5 5 l S");
        assert_eq!(b.len(), 2);
        assert_eq!(b[0], [9.5, 9.5, 110.5, 110.5]);
        let b = boxes(b"BT /F1 10 Tf 100 100 Td [(AB) -500 (CD)] TJ T* (x) ' ET");
        assert_eq!(b.len(), 2);
        assert!(b[0][2] > 120.0);
        let b = boxes(b"q 100 0 0 50 20 30 cm BI /W 1 /H 1 /CS /G /BPC 8 ID \xff EI Q");
        assert_eq!(b, vec![[20.0, 30.0, 120.0, 80.0]]);
    }

    #[test]
    fn hostile_content_terminates() {
        let mut c = Vec::new();
        for _ in 0..10_000 {
            c.extend_from_slice(b"q [[[[[[[[[[ (((((( <<<< ");
        }
        let _ = boxes(&c);
        let _ = boxes(b"BT 1e308 1e308 Td (x) Tj ET ( unterminated");
    }
}

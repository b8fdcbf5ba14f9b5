//! Where the text of a page is: a small content-stream interpreter that follows the text
//! operators (ISO 32000-1 §9.4) and the graphics state's `cm`, and returns every glyph with
//! its character(s) and its box in page user space.
//!
//! It serves `--anchor` (find a text on the page) and the overlap check (refuse a widget
//! over text). The method and its limits:
//!
//! - Characters come from the font's `/ToUnicode` CMap where there is one; otherwise simple
//!   fonts are read as WinAnsi (with `/Differences` names of the form `uniXXXX`, single
//!   letters/digits and the ASCII punctuation names). Type0 fonts without `/ToUnicode` yield
//!   no characters (their glyphs still count as text for the overlap check).
//! - Widths come from `/Widths` (simple fonts) or `/W` and `/DW` (CID fonts); a font without
//!   widths (the standard 14) is measured at 0.5 em per glyph. Glyph boxes span the font
//!   descriptor's `/Descent`…`/Ascent` (−0.2…0.8 em when absent).
//! - Form XObjects are followed (nesting ≤ 8); images, vector graphics, annotations and
//!   text rendered invisibly (`3 Tr`) are not text. A scanned page is one image: nothing on
//!   it counts as text, so the overlap check cannot protect it.
//! - Work is bounded (operators, glyphs, nesting); on malformed content the glyphs found so
//!   far are returned.

use std::collections::HashMap;
use std::rc::Rc;

use crate::pdf::content::{apply, mul, Item, Lexer, Matrix, Operand, State, IDENTITY};
use crate::pdf::{Dict, Document, ObjRef, Object};

use super::Rect;

/// Most content operators interpreted per page (all streams and forms together).
const MAX_OPS: usize = 2_000_000;
/// Most glyphs collected per page.
const MAX_GLYPHS: usize = 500_000;
/// Deepest form XObject nesting followed.
const MAX_FORM_DEPTH: usize = 8;
/// Most decoded form XObject bytes interpreted per page (forms drawn many times count
/// each time).
const MAX_FORM_BYTES: usize = 64 << 20;
/// Most font dictionaries loaded per page (then glyphs are measured with the fallback).
const MAX_FONT_LOADS: usize = 1000;

/// One glyph drawn on the page.
#[derive(Debug, Clone, PartialEq)]
pub struct Glyph {
    /// Its text (from `/ToUnicode` or the encoding; empty when unknown).
    pub text: String,
    /// Its box in page user space.
    pub bbox: Rect,
}

/// The glyphs of a page, in content-stream order.
#[derive(Debug, Clone, Default)]
pub struct PageText {
    /// Every glyph shown (invisible text excluded).
    pub glyphs: Vec<Glyph>,
}

impl PageText {
    /// Reads the text of page `page` in revision `rev`.
    pub fn of_page(doc: &Document, rev: usize, page: ObjRef) -> PageText {
        let mut it = Interpreter {
            doc,
            rev,
            ops: 0,
            form_bytes: MAX_FORM_BYTES,
            font_loads: MAX_FONT_LOADS,
            fonts: HashMap::new(),
            out: Vec::new(),
        };
        let Ok(page_obj) = doc.resolve_in(rev, page) else {
            return PageText::default();
        };
        let Some(page_dict) = page_obj.as_dict() else {
            return PageText::default();
        };
        let resources = crate::pdf::inherited(doc, rev, page_dict, b"Resources")
            .and_then(|r| doc.deref_in(rev, &r).ok())
            .and_then(|r| r.as_dict().cloned())
            .unwrap_or_default();
        let mut content = Vec::new();
        let contents = page_dict
            .get(b"Contents")
            .and_then(|c| doc.deref_in(rev, c).ok());
        let streams: Vec<Object> = match contents {
            Some(Object::Array(a)) => a,
            Some(o) => vec![o],
            None => Vec::new(),
        };
        for s in streams {
            if let Ok(Object::Stream(st)) = doc.deref_in(rev, &s) {
                if let Ok(bytes) = doc.stream_decoded(&st) {
                    content.extend_from_slice(&bytes);
                    content.push(b'\n');
                }
            }
        }
        it.run(&content, &resources, IDENTITY, 0);
        PageText { glyphs: it.out }
    }

    /// The box around the last occurrence of `needle` on the page. Matching is exact
    /// (case-sensitive) after Unicode NFC normalisation, and ignores all whitespace on both
    /// sides (pages often position words instead of drawing spaces).
    pub fn find(&self, needle: &str) -> Option<Rect> {
        use unicode_normalization::UnicodeNormalization as _;
        let want: Vec<char> = needle.nfc().filter(|c| !c.is_whitespace()).collect();
        if want.is_empty() {
            return None;
        }
        let mut hay: Vec<(char, usize)> = Vec::new();
        for (i, g) in self.glyphs.iter().enumerate() {
            for c in g.text.nfc().filter(|c| !c.is_whitespace()) {
                hay.push((c, i));
            }
        }
        if hay.len() < want.len() {
            return None;
        }
        (0..=hay.len() - want.len()).rev().find_map(|start| {
            let window = &hay[start..start + want.len()];
            window
                .iter()
                .zip(&want)
                .all(|((h, _), w)| h == w)
                .then(|| {
                    window
                        .iter()
                        .map(|(_, i)| self.glyphs[*i].bbox)
                        .reduce(Rect::union)
                })
                .flatten()
        })
    }

    /// The text of the (non-blank) glyphs whose boxes intersect `r`, in content order.
    pub(crate) fn text_in(&self, r: &Rect) -> Option<String> {
        let hits: String = self
            .glyphs
            .iter()
            .filter(|g| !g.text.chars().all(char::is_whitespace) && g.bbox.intersects(r))
            .map(|g| {
                if g.text.is_empty() {
                    "\u{FFFD}"
                } else {
                    &g.text
                }
            })
            .collect();
        (!hits.is_empty()).then_some(hits)
    }
}

/// What the interpreter needs of a font.
#[derive(Debug)]
struct FontInfo {
    /// Two-byte codes (Type0) instead of one-byte codes.
    two_byte: bool,
    widths: HashMap<u32, f64>,
    default_width: f64,
    /// Glyph-space units per text-space unit (1/1000, or Type3's FontMatrix).
    scale: f64,
    to_unicode: HashMap<u32, String>,
    /// For simple fonts without a ToUnicode entry.
    encoding: Option<Box<[Option<char>; 256]>>,
    ascent: f64,
    descent: f64,
}

impl FontInfo {
    fn fallback() -> FontInfo {
        FontInfo {
            two_byte: false,
            widths: HashMap::new(),
            default_width: 500.0,
            scale: 0.001,
            to_unicode: HashMap::new(),
            encoding: Some(Box::new(win_ansi_table())),
            ascent: 800.0,
            descent: -200.0,
        }
    }

    fn text_of(&self, code: u32) -> String {
        if let Some(t) = self.to_unicode.get(&code) {
            return t.clone();
        }
        match &self.encoding {
            Some(table) => usize::try_from(code)
                .ok()
                .and_then(|i| table.get(i).copied().flatten())
                .map(String::from)
                .unwrap_or_default(),
            None => String::new(),
        }
    }
}

/// The graphics state of the interpreter, with the fonts it loaded.
type GState = State<Rc<FontInfo>>;

struct Interpreter<'a> {
    doc: &'a Document,
    rev: usize,
    ops: usize,
    /// Decoded form XObject bytes still allowed.
    form_bytes: usize,
    /// Font dictionaries still allowed to be loaded.
    font_loads: usize,
    fonts: HashMap<ObjRef, Rc<FontInfo>>,
    out: Vec<Glyph>,
}

impl Interpreter<'_> {
    fn run(&mut self, content: &[u8], resources: &Dict, ctm: Matrix, depth: usize) {
        let mut lx = Lexer::new(content);
        let mut gs = GState::new(ctm);
        let mut operands: Vec<Operand> = Vec::new();
        while let Some(tok) = lx.next_operand_or_op() {
            let op = match tok {
                Item::Operand(o) => {
                    if operands.len() < 64 {
                        operands.push(o);
                    }
                    continue;
                }
                Item::Op(op) => op,
                Item::InlineImage => continue,
            };
            self.ops += 1;
            if self.ops > MAX_OPS || self.out.len() > MAX_GLYPHS {
                return;
            }
            if gs.apply(&op, &operands, &mut |name| Some(self.font(resources, name))) {
                operands.clear();
                continue;
            }
            match op.as_slice() {
                b"Tj" | b"'" | b"\"" => {
                    if let Some(Operand::Str(s)) = operands.last() {
                        self.show(&mut gs, s);
                    }
                }
                b"TJ" => {
                    if let Some(Operand::Array(items)) = operands.last() {
                        for item in items {
                            match item {
                                Operand::Str(s) => self.show(&mut gs, s),
                                Operand::Num(k) => {
                                    gs.advance(-k / 1000.0 * gs.text.size * gs.text.th);
                                }
                                _ => {}
                            }
                        }
                    }
                }
                b"Do" if depth < MAX_FORM_DEPTH => {
                    if let Some(name) = operands.last().and_then(Operand::name) {
                        self.form(resources, name, &gs, depth);
                    }
                }
                _ => {}
            }
            operands.clear();
        }
    }

    fn form(&mut self, resources: &Dict, name: &[u8], gs: &GState, depth: usize) {
        let doc = self.doc;
        let rev = self.rev;
        let Some(xobjects) = resources
            .get(b"XObject")
            .and_then(|x| doc.deref_in(rev, x).ok())
        else {
            return;
        };
        let Some(entry) = xobjects.as_dict().and_then(|d| d.get(name)).cloned() else {
            return;
        };
        let Ok(Object::Stream(s)) = doc.deref_in(rev, &entry) else {
            return;
        };
        if s.dict.get_name(b"Subtype") != Some(b"Form") {
            return;
        }
        if self.form_bytes == 0 {
            return;
        }
        let Ok(content) = doc.stream_decoded(&s) else {
            return;
        };
        self.form_bytes = self.form_bytes.saturating_sub(content.len().max(1));
        let matrix = s
            .dict
            .get(b"Matrix")
            .and_then(|m| doc.deref_in(rev, m).ok())
            .and_then(|m| {
                let a = m.as_array()?;
                let v: Vec<f64> = a.iter().filter_map(Object::as_number).collect();
                (v.len() == 6).then(|| [v[0], v[1], v[2], v[3], v[4], v[5]])
            })
            .unwrap_or(IDENTITY);
        let form_resources = s
            .dict
            .get(b"Resources")
            .and_then(|r| doc.deref_in(rev, r).ok())
            .and_then(|r| r.as_dict().cloned())
            .unwrap_or_else(|| resources.clone());
        self.run(&content, &form_resources, mul(&matrix, &gs.ctm), depth + 1);
    }

    fn show(&mut self, gs: &mut GState, s: &[u8]) {
        let font = gs
            .text
            .font
            .clone()
            .unwrap_or_else(|| Rc::new(FontInfo::fallback()));
        let codes: Vec<u32> = if font.two_byte {
            s.chunks(2)
                .map(|c| c.iter().fold(0u32, |a, &b| (a << 8) | u32::from(b)))
                .collect()
        } else {
            s.iter().map(|&b| u32::from(b)).collect()
        };
        for code in codes {
            let w0 = font
                .widths
                .get(&code)
                .copied()
                .unwrap_or(font.default_width)
                * font.scale;
            let trm = gs.text_matrix();
            if gs.text.tr != 3 && self.out.len() < MAX_GLYPHS {
                let (a, d) = (font.ascent / 1000.0, font.descent / 1000.0);
                let corners = [
                    apply(&trm, 0.0, d),
                    apply(&trm, w0, d),
                    apply(&trm, 0.0, a),
                    apply(&trm, w0, a),
                ];
                let bbox = Rect::around(&corners);
                self.out.push(Glyph {
                    text: font.text_of(code),
                    bbox,
                });
            }
            let space = if !font.two_byte && code == 32 {
                gs.text.tw
            } else {
                0.0
            };
            gs.advance((w0 * gs.text.size + gs.text.tc + space) * gs.text.th);
        }
    }

    fn font(&mut self, resources: &Dict, name: &[u8]) -> Rc<FontInfo> {
        let doc = self.doc;
        let rev = self.rev;
        let entry = resources
            .get(b"Font")
            .and_then(|f| doc.deref_in(rev, f).ok())
            .and_then(|f| f.as_dict().and_then(|d| d.get(name)).cloned());
        let Some(entry) = entry else {
            return Rc::new(FontInfo::fallback());
        };
        if let Some(r) = entry.as_ref() {
            if let Some(f) = self.fonts.get(&r) {
                return f.clone();
            }
        }
        if self.font_loads == 0 {
            return Rc::new(FontInfo::fallback());
        }
        self.font_loads -= 1;
        let info = Rc::new(
            doc.deref_in(rev, &entry)
                .ok()
                .and_then(|f| f.as_dict().map(|d| load_font(doc, rev, d)))
                .unwrap_or_else(FontInfo::fallback),
        );
        if let Some(r) = entry.as_ref() {
            if self.fonts.len() < 4096 {
                self.fonts.insert(r, info.clone());
            }
        }
        info
    }
}

fn load_font(doc: &Document, rev: usize, font: &Dict) -> FontInfo {
    let deref = |o: Option<&Object>| o.and_then(|o| doc.deref_in(rev, o).ok());
    let numbers = |o: Option<&Object>| -> Vec<f64> {
        deref(o)
            .and_then(|a| {
                a.as_array().map(|a| {
                    a.iter()
                        .map(|x| {
                            doc.deref_in(rev, x)
                                .ok()
                                .and_then(|x| x.as_number())
                                .unwrap_or(0.0)
                        })
                        .collect()
                })
            })
            .unwrap_or_default()
    };
    let mut info = FontInfo::fallback();
    let subtype = font.get_name(b"Subtype").unwrap_or_default().to_vec();
    let descriptor_holder;
    if subtype == b"Type0" {
        info.two_byte = true;
        info.encoding = None;
        info.default_width = 1000.0;
        let descendant = deref(font.get(b"DescendantFonts"))
            .and_then(|a| a.as_array().and_then(|a| a.first().cloned()))
            .and_then(|d| doc.deref_in(rev, &d).ok())
            .and_then(|d| d.as_dict().cloned())
            .unwrap_or_default();
        if let Some(dw) = deref(descendant.get(b"DW")).and_then(|d| d.as_number()) {
            info.default_width = dw;
        }
        let w = deref(descendant.get(b"W"))
            .and_then(|w| w.as_array().map(<[Object]>::to_vec))
            .unwrap_or_default();
        let mut i = 0;
        // At most this many width entries are read (a /W array of huge ranges is hostile).
        let mut budget = 200_000usize;
        let code = |v: f64| v.clamp(0.0, 65_535.0) as u32;
        while i < w.len() && budget > 0 {
            let first = doc.deref_in(rev, &w[i]).ok().and_then(|o| o.as_number());
            let next = w.get(i + 1).and_then(|o| doc.deref_in(rev, o).ok());
            match (first, next) {
                (Some(f), Some(Object::Array(ws))) => {
                    for (k, x) in ws.iter().enumerate().take(budget) {
                        if let Some(v) = doc.deref_in(rev, x).ok().and_then(|x| x.as_number()) {
                            info.widths
                                .insert(code(f).saturating_add(k as u32).min(65_535), v);
                        }
                    }
                    budget = budget.saturating_sub(ws.len().max(1));
                    i += 2;
                }
                (Some(f), Some(l)) => {
                    let last = l.as_number().unwrap_or(f);
                    let v = w
                        .get(i + 2)
                        .and_then(|o| doc.deref_in(rev, o).ok())
                        .and_then(|o| o.as_number())
                        .unwrap_or(info.default_width);
                    let (f, last) = (code(f), code(last));
                    for c in (f..=last).take(budget) {
                        info.widths.insert(c, v);
                    }
                    budget = budget.saturating_sub((last.saturating_sub(f) as usize).max(1));
                    i += 3;
                }
                _ => break,
            }
        }
        descriptor_holder = descendant;
    } else {
        let first = deref(font.get(b"FirstChar"))
            .and_then(|f| f.as_number())
            .unwrap_or(0.0)
            .clamp(0.0, 255.0) as u32;
        for (k, v) in numbers(font.get(b"Widths"))
            .into_iter()
            .enumerate()
            .take(256)
        {
            info.widths.insert(first.saturating_add(k as u32), v);
        }
        if subtype == b"Type3" {
            let m = numbers(font.get(b"FontMatrix"));
            info.scale = m.first().copied().unwrap_or(0.001);
        }
        let mut table = win_ansi_table();
        if let Some(enc) = deref(font.get(b"Encoding")) {
            if let Some(d) = enc.as_dict() {
                let diffs = deref(d.get(b"Differences"))
                    .and_then(|a| a.as_array().map(<[Object]>::to_vec))
                    .unwrap_or_default();
                let mut code = 0usize;
                for item in diffs {
                    match item {
                        Object::Integer(c) => code = usize::try_from(c).unwrap_or(256),
                        Object::Name(n) => {
                            if code < 256 {
                                table[code] = glyph_name_char(&n);
                            }
                            code += 1;
                        }
                        _ => {}
                    }
                }
            }
        }
        info.encoding = Some(Box::new(table));
        descriptor_holder = font.clone();
    }
    if let Some(fd) = deref(descriptor_holder.get(b"FontDescriptor")) {
        if let Some(fd) = fd.as_dict() {
            let get = |k: &[u8]| deref(fd.get(k)).and_then(|v| v.as_number());
            if subtype != b"Type3" {
                if let Some(a) = get(b"Ascent").filter(|a| *a > 100.0 && *a < 2000.0) {
                    info.ascent = a;
                }
                // Some producers write `/Descent 0`: keep the default then.
                if let Some(d) = get(b"Descent").filter(|d| *d < 0.0 && *d > -1000.0) {
                    info.descent = d;
                }
            }
            if let Some(mw) = get(b"MissingWidth").filter(|w| *w > 0.0) {
                if !info.two_byte {
                    info.default_width = mw;
                }
            }
        }
    }
    if let Some(Object::Stream(s)) = deref(font.get(b"ToUnicode")) {
        if let Ok(data) = doc.stream_decoded(&s) {
            info.to_unicode = parse_to_unicode(&data);
        }
    }
    info
}

/// Parses `bfchar` and `bfrange` entries of a ToUnicode CMap.
fn parse_to_unicode(data: &[u8]) -> HashMap<u32, String> {
    let mut map = HashMap::new();
    let mut lx = Lexer::new(data);
    let mut pending: Vec<Operand> = Vec::new();
    let mut mode = 0u8; // 1 = bfchar, 2 = bfrange
    let code_of = |b: &[u8]| b.iter().fold(0u32, |a, &x| (a << 8) | u32::from(x));
    while let Some(item) = lx.next_operand_or_op() {
        match item {
            Item::Op(op) => {
                mode = match op.as_slice() {
                    b"beginbfchar" => 1,
                    b"beginbfrange" => 2,
                    _ => 0,
                };
                pending.clear();
            }
            Item::InlineImage => pending.clear(),
            Item::Operand(o) => {
                if mode == 0 {
                    continue;
                }
                pending.push(o);
                if mode == 1 && pending.len() == 2 {
                    if let (Operand::Str(src), Operand::Str(dst)) = (&pending[0], &pending[1]) {
                        map.insert(code_of(src), utf16be(dst));
                    }
                    pending.clear();
                } else if mode == 2 && pending.len() == 3 {
                    if let (Operand::Str(lo), Operand::Str(hi)) = (&pending[0], &pending[1]) {
                        let (lo, hi) = (code_of(lo), code_of(hi));
                        let hi = hi.min(lo.saturating_add(65_535));
                        match &pending[2] {
                            Operand::Str(dst) if !dst.is_empty() => {
                                let mut units: Vec<u16> = dst
                                    .chunks(2)
                                    .map(|c| c.iter().fold(0u16, |a, &x| (a << 8) | u16::from(x)))
                                    .collect();
                                for code in lo..=hi {
                                    map.insert(code, String::from_utf16_lossy(&units));
                                    if let Some(last) = units.last_mut() {
                                        *last = last.wrapping_add(1);
                                    }
                                }
                            }
                            Operand::Array(dsts) => {
                                for (code, d) in (lo..=hi).zip(dsts) {
                                    if let Operand::Str(d) = d {
                                        map.insert(code, utf16be(d));
                                    }
                                }
                            }
                            _ => {}
                        }
                    }
                    pending.clear();
                }
            }
        }
        if map.len() > 200_000 {
            break;
        }
    }
    map
}

fn utf16be(b: &[u8]) -> String {
    let units: Vec<u16> = b
        .chunks(2)
        .map(|c| c.iter().fold(0u16, |a, &x| (a << 8) | u16::from(x)))
        .collect();
    String::from_utf16_lossy(&units)
}

/// WinAnsiEncoding (ISO 32000-1 Annex D): Latin-1 plus the CP1252 characters at 0x80–0x9F.
fn win_ansi_table() -> [Option<char>; 256] {
    const HIGH: [u32; 32] = [
        0x20AC, 0, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021, 0x02C6, 0x2030, 0x0160, 0x2039,
        0x0152, 0, 0x017D, 0, 0, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013, 0x2014, 0x02DC,
        0x2122, 0x0161, 0x203A, 0x0153, 0, 0x017E, 0x0178,
    ];
    let mut t = [None; 256];
    for (i, slot) in t.iter_mut().enumerate() {
        let cp = match i {
            0x20..=0x7E | 0xA0..=0xFF => i as u32,
            0x80..=0x9F => HIGH[i - 0x80],
            _ => 0,
        };
        *slot = (cp != 0).then(|| char::from_u32(cp)).flatten();
    }
    t
}

/// The character of a glyph name: `uniXXXX`, `uXXXX`, a single letter or digit, or an ASCII
/// punctuation name.
fn glyph_name_char(name: &[u8]) -> Option<char> {
    let s = std::str::from_utf8(name).ok()?;
    if let Some(hex) = s.strip_prefix("uni").or_else(|| s.strip_prefix('u')) {
        if (4..=6).contains(&hex.len()) {
            if let Some(c) = u32::from_str_radix(hex, 16).ok().and_then(char::from_u32) {
                return Some(c);
            }
        }
    }
    if s.len() == 1 && s.as_bytes()[0].is_ascii_alphabetic() {
        return s.chars().next();
    }
    const NAMES: [(&str, char); 43] = [
        ("space", ' '),
        ("exclam", '!'),
        ("quotedbl", '"'),
        ("numbersign", '#'),
        ("dollar", '$'),
        ("percent", '%'),
        ("ampersand", '&'),
        ("quotesingle", '\''),
        ("parenleft", '('),
        ("parenright", ')'),
        ("asterisk", '*'),
        ("plus", '+'),
        ("comma", ','),
        ("hyphen", '-'),
        ("period", '.'),
        ("slash", '/'),
        ("zero", '0'),
        ("one", '1'),
        ("two", '2'),
        ("three", '3'),
        ("four", '4'),
        ("five", '5'),
        ("six", '6'),
        ("seven", '7'),
        ("eight", '8'),
        ("nine", '9'),
        ("colon", ':'),
        ("semicolon", ';'),
        ("less", '<'),
        ("equal", '='),
        ("greater", '>'),
        ("question", '?'),
        ("at", '@'),
        ("bracketleft", '['),
        ("backslash", '\\'),
        ("bracketright", ']'),
        ("asciicircum", '^'),
        ("underscore", '_'),
        ("grave", '`'),
        ("braceleft", '{'),
        ("bar", '|'),
        ("braceright", '}'),
        ("asciitilde", '~'),
    ];
    NAMES.iter().find(|(n, _)| *n == s).map(|(_, c)| *c)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn to_unicode_char_and_range() {
        let cmap = b"2 beginbfchar <01> <0041> <02> <1EC7> endbfchar \
                     1 beginbfrange <10> <12> <0061> endbfrange \
                     1 beginbfrange <20> <21> [<0078> <00660069>] endbfrange";
        let m = parse_to_unicode(cmap);
        assert_eq!(m[&1], "A");
        assert_eq!(m[&2], "ệ");
        assert_eq!(m[&0x12], "c");
        assert_eq!(m[&0x21], "fi");
    }

    #[test]
    fn encodings_and_names() {
        let t = win_ansi_table();
        assert_eq!(t[0x41], Some('A'));
        assert_eq!(t[0x80], Some('€'));
        assert_eq!(t[0xC9], Some('É'));
        assert_eq!(t[0x81], None);
        assert_eq!(glyph_name_char(b"uni1EC7"), Some('ệ'));
        assert_eq!(glyph_name_char(b"period"), Some('.'));
        assert_eq!(glyph_name_char(b"Q"), Some('Q'));
        assert_eq!(glyph_name_char(b"whatever"), None);
    }

    proptest::proptest! {
        #[test]
        fn cmaps_never_panic(data in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..2000)) {
            let _ = parse_to_unicode(&data);
        }
    }

    #[test]
    fn hostile_cmap_ranges_are_bounded() {
        let cmap = b"1 beginbfrange <0000> <FFFFFFFF> <0041> endbfrange";
        assert_eq!(parse_to_unicode(cmap).len(), 65_536);
    }
}

//! The embedded font: Liberation Serif (metric-compatible with Times New Roman, SIL OFL 1.1,
//! `assets/fonts/LICENSE`), written as a subset into each visible signature.
//!
//! The PDF objects follow ISO 32000-1 §9.7: a `Type0` font with `Identity-H` encoding over a
//! `CIDFontType2` descendant whose CIDs are the subset's glyph ids (`/CIDToGIDMap /Identity`),
//! `/W` widths, a `FontDescriptor` with the subset program (`/FontFile2`, tagged `XXXXXX+`),
//! and a `ToUnicode` CMap so that the text can be copied and searched.
//!
//! Subsetting is done by the `subsetter` crate (typst's): it keeps only the glyphs used
//! (and the components of composite glyphs, which Vietnamese letters with two diacritics
//! are) and renumbers them; `ttf-parser` reads `cmap`, advances and metrics.

use std::collections::BTreeMap;

use crate::pdf::{filter, Dict, IncrementalUpdate, ObjRef, Object, PdfString, Stream, StreamData};

use super::AppearanceError;

/// The font program, compiled into the library (≈390 KB; only a subset lands in a PDF).
pub(crate) static LIBERATION_SERIF: &[u8] =
    include_bytes!("../../assets/fonts/LiberationSerif-Regular.ttf");

/// The PostScript name of the embedded font.
const POSTSCRIPT_NAME: &str = "LiberationSerif";

/// A font face used to lay out and then embed text.
pub(crate) struct EmbeddedFont {
    face: ttf_parser::Face<'static>,
    data: &'static [u8],
    /// Characters used so far, with their original glyph ids.
    used: BTreeMap<char, u16>,
}

impl std::fmt::Debug for EmbeddedFont {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EmbeddedFont")
            .field("used", &self.used.len())
            .finish()
    }
}

impl EmbeddedFont {
    /// The bundled Liberation Serif.
    ///
    /// # Errors
    /// When the bundled font cannot be parsed (never for the shipped file).
    pub(crate) fn liberation_serif() -> Result<Self, AppearanceError> {
        Self::from_static(LIBERATION_SERIF)
    }

    /// A TrueType font from bytes that live for the program's duration.
    ///
    /// # Errors
    /// When the data is not a TrueType/OpenType font.
    pub(crate) fn from_static(data: &'static [u8]) -> Result<Self, AppearanceError> {
        let face = ttf_parser::Face::parse(data, 0)
            .map_err(|e| AppearanceError::Font(format!("cannot parse the font: {e}")))?;
        Ok(EmbeddedFont {
            face,
            data,
            used: BTreeMap::new(),
        })
    }

    fn units(&self) -> f64 {
        f64::from(self.face.units_per_em().max(1))
    }

    /// Whether the font has a glyph for `c`.
    pub(crate) fn covers(&self, c: char) -> bool {
        self.face.glyph_index(c).is_some_and(|g| g.0 != 0)
    }

    /// The advance width of `c` in thousandths of an em (0 for a missing glyph).
    pub(crate) fn advance(&self, c: char) -> f64 {
        let Some(g) = self.face.glyph_index(c) else {
            return 0.0;
        };
        f64::from(self.face.glyph_hor_advance(g).unwrap_or(0)) * 1000.0 / self.units()
    }

    /// The width of `text` at `size` points.
    pub(crate) fn width(&self, text: &str, size: f64) -> f64 {
        text.chars().map(|c| self.advance(c)).sum::<f64>() * size / 1000.0
    }

    /// Ascender (positive) and descender (negative) in thousandths of an em.
    pub(crate) fn vertical_metrics(&self) -> (f64, f64) {
        let u = self.units();
        (
            f64::from(self.face.ascender()) * 1000.0 / u,
            f64::from(self.face.descender()) * 1000.0 / u,
        )
    }

    /// Checks that every character of `text` has a glyph.
    ///
    /// # Errors
    /// `MissingGlyph` naming the first character the font lacks.
    pub(crate) fn check_coverage(&self, text: &str) -> Result<(), AppearanceError> {
        match text.chars().find(|&c| !self.covers(c)) {
            Some(c) => Err(AppearanceError::MissingGlyph(c)),
            None => Ok(()),
        }
    }

    /// Records the characters of `text` as used. Characters without a glyph are an error.
    ///
    /// # Errors
    /// `MissingGlyph`.
    pub(crate) fn use_text(&mut self, text: &str) -> Result<(), AppearanceError> {
        for c in text.chars() {
            let g = self
                .face
                .glyph_index(c)
                .filter(|g| g.0 != 0)
                .ok_or(AppearanceError::MissingGlyph(c))?;
            self.used.insert(c, g.0);
        }
        Ok(())
    }

    /// Builds the subset and its objects into `update`; returns the Type0 font's reference
    /// and the encoder that turns text into the content-stream string for that font.
    ///
    /// # Errors
    /// When subsetting fails.
    pub(crate) fn embed(
        &self,
        update: &mut IncrementalUpdate,
    ) -> Result<(ObjRef, Encoder), AppearanceError> {
        let mut remapper = subsetter::GlyphRemapper::new();
        let mut cids: BTreeMap<char, u16> = BTreeMap::new();
        // Glyph ids in a stable order (by original id) so the subset is deterministic.
        let mut originals: Vec<u16> = self.used.values().copied().collect();
        originals.sort_unstable();
        originals.dedup();
        for g in &originals {
            remapper.remap(*g);
        }
        for (c, g) in &self.used {
            let cid = remapper
                .get(*g)
                .ok_or_else(|| AppearanceError::Font("glyph lost while subsetting".into()))?;
            cids.insert(*c, cid);
        }
        let program = subsetter::subset(self.data, 0, &remapper)
            .map_err(|e| AppearanceError::Font(format!("subsetting failed: {e}")))?;

        let base_font = format!("{}+{POSTSCRIPT_NAME}", subset_tag(&originals));
        let u = self.units();
        let scale = |v: i16| Object::Integer((f64::from(v) * 1000.0 / u).round() as i64);

        // /W: one entry per CID in use: [cid [w]] runs of consecutive CIDs.
        let mut widths: BTreeMap<u16, i64> = BTreeMap::new();
        for g in &originals {
            if let Some(cid) = remapper.get(*g) {
                let adv = self
                    .face
                    .glyph_hor_advance(ttf_parser::GlyphId(*g))
                    .unwrap_or(0);
                widths.insert(cid, (f64::from(adv) * 1000.0 / u).round() as i64);
            }
        }
        let mut w_array = Vec::new();
        let mut run: Vec<Object> = Vec::new();
        let mut run_start: Option<u16> = None;
        let mut prev: Option<u16> = None;
        for (&cid, &w) in &widths {
            if prev.and_then(|p| p.checked_add(1)) != Some(cid) {
                if let Some(s) = run_start {
                    w_array.push(Object::Integer(i64::from(s)));
                    w_array.push(Object::Array(std::mem::take(&mut run)));
                }
                run_start = Some(cid);
            }
            run.push(Object::Integer(w));
            prev = Some(cid);
        }
        if let Some(s) = run_start {
            w_array.push(Object::Integer(i64::from(s)));
            w_array.push(Object::Array(run));
        }

        let file_ref = update.alloc();
        let mut ff = Dict::new();
        ff.set("Length1", Object::Integer(program.len() as i64));
        ff.set("Filter", Object::name("FlateDecode"));
        update.put(
            file_ref,
            Object::Stream(Stream {
                dict: ff,
                data: StreamData::Bytes(filter::flate_encode(&program)),
            }),
        );

        let bbox = self.face.global_bounding_box();
        let (asc, desc) = (self.face.ascender(), self.face.descender());
        let descriptor_ref = update.alloc();
        let mut fd = Dict::new();
        fd.set("Type", Object::name("FontDescriptor"));
        fd.set("FontName", Object::name(&base_font));
        fd.set("Flags", Object::Integer(4 | 2)); // Symbolic (CID font) + Serif
        fd.set(
            "FontBBox",
            vec![
                scale(bbox.x_min),
                scale(bbox.y_min),
                scale(bbox.x_max),
                scale(bbox.y_max),
            ],
        );
        fd.set("ItalicAngle", Object::Integer(0));
        fd.set("Ascent", scale(asc));
        fd.set("Descent", scale(desc));
        fd.set(
            "CapHeight",
            scale(self.face.capital_height().unwrap_or(asc)),
        );
        fd.set("StemV", Object::Integer(80));
        fd.set("FontFile2", file_ref);
        update.put(descriptor_ref, Object::Dict(fd));

        let cid_ref = update.alloc();
        let mut cid_font = Dict::new();
        cid_font.set("Type", Object::name("Font"));
        cid_font.set("Subtype", Object::name("CIDFontType2"));
        cid_font.set("BaseFont", Object::name(&base_font));
        let mut info = Dict::new();
        info.set("Registry", PdfString::literal(b"Adobe".to_vec()));
        info.set("Ordering", PdfString::literal(b"Identity".to_vec()));
        info.set("Supplement", Object::Integer(0));
        cid_font.set("CIDSystemInfo", info);
        cid_font.set("FontDescriptor", descriptor_ref);
        cid_font.set("DW", Object::Integer(1000));
        cid_font.set("W", w_array);
        cid_font.set("CIDToGIDMap", Object::name("Identity"));
        update.put(cid_ref, Object::Dict(cid_font));

        let to_unicode_ref = update.alloc();
        let cmap = to_unicode_cmap(&cids);
        let mut tu = Dict::new();
        tu.set("Filter", Object::name("FlateDecode"));
        update.put(
            to_unicode_ref,
            Object::Stream(Stream {
                dict: tu,
                data: StreamData::Bytes(filter::flate_encode(cmap.as_bytes())),
            }),
        );

        let font_ref = update.alloc();
        let mut font = Dict::new();
        font.set("Type", Object::name("Font"));
        font.set("Subtype", Object::name("Type0"));
        font.set("BaseFont", Object::name(&base_font));
        font.set("Encoding", Object::name("Identity-H"));
        font.set("DescendantFonts", vec![Object::Ref(cid_ref)]);
        font.set("ToUnicode", to_unicode_ref);
        update.put(font_ref, Object::Dict(font));
        Ok((font_ref, Encoder { cids }))
    }
}

/// Turns text into the 2-byte CIDs of an embedded subset.
#[derive(Debug, Clone)]
pub(crate) struct Encoder {
    cids: BTreeMap<char, u16>,
}

impl Encoder {
    /// The hex string (`<…>`) of `text` for `Tj`. Characters not embedded are skipped (they
    /// cannot occur: every laid-out character was recorded with [`EmbeddedFont::use_text`]).
    pub(crate) fn hex(&self, text: &str) -> String {
        use std::fmt::Write as _;
        let mut s = String::with_capacity(2 + 4 * text.len());
        s.push('<');
        for c in text.chars() {
            if let Some(cid) = self.cids.get(&c) {
                let _ = write!(s, "{cid:04X}");
            }
        }
        s.push('>');
        s
    }
}

/// A six-letter subset tag derived from the glyph set (ISO 32000-1 §9.6.4).
fn subset_tag(glyphs: &[u16]) -> String {
    use sha2::Digest as _;
    let mut h = sha2::Sha256::new();
    for g in glyphs {
        h.update(g.to_be_bytes());
    }
    h.finalize()
        .iter()
        .take(6)
        .map(|b| char::from(b'A' + b % 26))
        .collect()
}

/// A ToUnicode CMap mapping each CID to its character (UTF-16BE).
fn to_unicode_cmap(cids: &BTreeMap<char, u16>) -> String {
    use std::fmt::Write as _;
    let mut by_cid: BTreeMap<u16, char> = BTreeMap::new();
    for (&c, &cid) in cids {
        by_cid.entry(cid).or_insert(c);
    }
    let mut s = String::from(
        "/CIDInit /ProcSet findresource begin\n12 dict begin\nbegincmap\n\
         /CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def\n\
         /CMapName /Adobe-Identity-UCS def\n/CMapType 2 def\n\
         1 begincodespacerange\n<0000> <FFFF>\nendcodespacerange\n",
    );
    let entries: Vec<(u16, char)> = by_cid.into_iter().collect();
    for chunk in entries.chunks(100) {
        let _ = writeln!(s, "{} beginbfchar", chunk.len());
        for (cid, c) in chunk {
            let mut buf = [0u16; 2];
            let units: String = c
                .encode_utf16(&mut buf)
                .iter()
                .map(|u| format!("{u:04X}"))
                .collect();
            let _ = writeln!(s, "<{cid:04X}> <{units}>");
        }
        s.push_str("endbfchar\n");
    }
    s.push_str("endcmap\nCMapName currentdict /CMap defineresource pop\nend\nend\n");
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn covers_vietnamese() {
        let f = EmbeddedFont::liberation_serif().unwrap();
        let letters = "ắằẳẵặếềểễệốồổỗộớờởỡợứừửữựđĐ ẮẰẲẴẶẾỀỂỄỆỐỒỔỖỘỚỜỞỠỢỨỪỬỮỰ \
                       àáảãạăâèéẻẽẹêìíỉĩịòóỏõọôơùúủũụưỳýỷỹỵ";
        f.check_coverage(letters).unwrap();
        assert!(matches!(
            f.check_coverage("漢"),
            Err(AppearanceError::MissingGlyph('漢'))
        ));
        // Times New Roman metrics: "A" is 722/1000.
        assert_eq!(f.advance('A').round(), 722.0);
    }

    #[test]
    fn cmap_and_tag() {
        let mut m = BTreeMap::new();
        m.insert('ệ', 3u16);
        m.insert('A', 1u16);
        let c = to_unicode_cmap(&m);
        assert!(
            c.contains("2 beginbfchar\n<0001> <0041>\n<0003> <1EC7>\n"),
            "{c}"
        );
        let t = subset_tag(&[1, 2, 3]);
        assert_eq!(t.len(), 6);
        assert!(t.chars().all(|c| c.is_ascii_uppercase()));
        assert_eq!(t, subset_tag(&[1, 2, 3]));
    }
}

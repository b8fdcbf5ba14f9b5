//! PNG images (handwritten signatures, seals) as PDF image XObjects: the colour channels as
//! a `DeviceRGB` (or `DeviceGray`) image, the alpha channel as a `DeviceGray` soft mask
//! (`/SMask`, ISO 32000-1 §11.6.5.3), both Flate-compressed.

use crate::pdf::{filter, Dict, IncrementalUpdate, ObjRef, Object, Stream, StreamData};

use super::AppearanceError;

/// Largest accepted image side in pixels.
const MAX_SIDE: u32 = 8000;
/// Largest decoded image in bytes.
const MAX_BYTES: usize = 128 * 1024 * 1024;
/// Resolution assumed when the PNG does not say (`pHYs`): scans of seals are usually 300 dpi.
pub(crate) const DEFAULT_DPI: f64 = 300.0;

/// A decoded PNG.
#[derive(Debug, Clone)]
pub struct Png {
    /// Width in pixels.
    pub width: u32,
    /// Height in pixels.
    pub height: u32,
    /// 1 (gray) or 3 (RGB) colour components per pixel.
    pub components: u8,
    /// The colour samples, 8 bits each, row by row.
    pub color: Vec<u8>,
    /// The alpha samples (one byte per pixel), when the image has transparency.
    pub alpha: Option<Vec<u8>>,
    /// Pixels per inch from `pHYs`, when the file states it in metres.
    pub dpi: Option<(f64, f64)>,
}

impl Png {
    /// Decodes a PNG (any bit depth, palette, gray or colour, with or without alpha or
    /// `tRNS`), normalised to 8-bit samples.
    ///
    /// # Errors
    /// `Image` when the data is not a PNG or is larger than the limits.
    pub fn decode(data: &[u8]) -> Result<Png, AppearanceError> {
        let bad =
            |e: &dyn std::fmt::Display| AppearanceError::Image(format!("not a usable PNG: {e}"));
        let mut decoder = png::Decoder::new_with_limits(
            std::io::Cursor::new(data),
            png::Limits { bytes: MAX_BYTES },
        );
        decoder.set_transformations(png::Transformations::normalize_to_color8());
        let mut reader = decoder.read_info().map_err(|e| bad(&e))?;
        let (w, h) = (reader.info().width, reader.info().height);
        if w == 0 || h == 0 || w > MAX_SIDE || h > MAX_SIDE {
            return Err(AppearanceError::Image(format!(
                "image size {w}×{h} is outside 1…{MAX_SIDE} pixels"
            )));
        }
        let dpi = reader.info().pixel_dims.and_then(|d| {
            (d.unit == png::Unit::Meter && d.xppu > 0 && d.yppu > 0)
                .then(|| (f64::from(d.xppu) * 0.0254, f64::from(d.yppu) * 0.0254))
        });
        let size = reader
            .output_buffer_size()
            .ok_or_else(|| AppearanceError::Image("image too large".into()))?;
        if size > MAX_BYTES {
            return Err(AppearanceError::Image("image too large".into()));
        }
        let mut buf = vec![0u8; size];
        let frame = reader.next_frame(&mut buf).map_err(|e| bad(&e))?;
        if frame.bit_depth != png::BitDepth::Eight {
            return Err(AppearanceError::Image(
                "unexpected bit depth after decoding".into(),
            ));
        }
        let line = frame.line_size;
        let channels = match frame.color_type {
            png::ColorType::Grayscale => 1,
            png::ColorType::GrayscaleAlpha => 2,
            png::ColorType::Rgb => 3,
            png::ColorType::Rgba => 4,
            png::ColorType::Indexed => {
                return Err(AppearanceError::Image("palette was not expanded".into()))
            }
        };
        let has_alpha = channels == 2 || channels == 4;
        let components: u8 = if channels >= 3 { 3 } else { 1 };
        let pixels = w as usize * h as usize;
        let mut color = Vec::with_capacity(pixels * usize::from(components));
        let mut alpha = has_alpha.then(|| Vec::with_capacity(pixels));
        for row in buf.chunks(line).take(h as usize) {
            for px in row.chunks_exact(channels).take(w as usize) {
                color.extend_from_slice(&px[..usize::from(components)]);
                if let Some(a) = alpha.as_mut() {
                    a.push(px[channels - 1]);
                }
            }
        }
        // A fully opaque alpha channel needs no mask.
        if alpha.as_ref().is_some_and(|a| a.iter().all(|&v| v == 255)) {
            alpha = None;
        }
        Ok(Png {
            width: w,
            height: h,
            components,
            color,
            alpha,
            dpi,
        })
    }

    /// The image's size in points at its stated resolution (`pHYs`), or at
    /// [`DEFAULT_DPI`] when it states none: the "actual size" of a scanned seal.
    pub fn natural_size(&self) -> (f64, f64) {
        let (dx, dy) = self.dpi.unwrap_or((DEFAULT_DPI, DEFAULT_DPI));
        (
            f64::from(self.width) * 72.0 / dx,
            f64::from(self.height) * 72.0 / dy,
        )
    }

    /// Width / height.
    pub(crate) fn aspect(&self) -> f64 {
        f64::from(self.width) / f64::from(self.height)
    }

    /// Writes the image (and its soft mask) into `update` as new objects.
    pub(crate) fn embed(&self, update: &mut IncrementalUpdate) -> ObjRef {
        let smask = self.alpha.as_ref().map(|a| {
            let r = update.alloc();
            update.put(
                r,
                image_stream(self.width, self.height, "DeviceGray", a, None),
            );
            r
        });
        let r = update.alloc();
        let cs = if self.components == 3 {
            "DeviceRGB"
        } else {
            "DeviceGray"
        };
        update.put(
            r,
            image_stream(self.width, self.height, cs, &self.color, smask),
        );
        r
    }
}

fn image_stream(w: u32, h: u32, cs: &str, samples: &[u8], smask: Option<ObjRef>) -> Object {
    let mut d = Dict::new();
    d.set("Type", Object::name("XObject"));
    d.set("Subtype", Object::name("Image"));
    d.set("Width", Object::Integer(i64::from(w)));
    d.set("Height", Object::Integer(i64::from(h)));
    d.set("ColorSpace", Object::name(cs));
    d.set("BitsPerComponent", Object::Integer(8));
    if let Some(m) = smask {
        d.set("SMask", m);
    }
    d.set("Filter", Object::name("FlateDecode"));
    Object::Stream(Stream {
        dict: d,
        data: StreamData::Bytes(filter::flate_encode(samples)),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use kyso_testkit::images::encode_rgba_png;

    #[test]
    fn rgba_round_trip_with_mask() {
        let mut px = Vec::new();
        for i in 0..6u8 {
            px.extend_from_slice(&[i, 10 + i, 20 + i, if i % 2 == 0 { 0 } else { 255 }]);
        }
        let png = encode_rgba_png(3, 2, &px, Some(254.0));
        let d = Png::decode(&png).unwrap();
        assert_eq!((d.width, d.height, d.components), (3, 2, 3));
        assert_eq!(&d.color[..6], &[0, 10, 20, 1, 11, 21]);
        assert_eq!(d.alpha.as_deref(), Some(&[0, 255, 0, 255, 0, 255][..]));
        let (w, h) = d.natural_size();
        assert!((w - 3.0 * 72.0 / 254.0).abs() < 0.01 && (h - 2.0 * 72.0 / 254.0).abs() < 0.01);
    }

    #[test]
    fn opaque_has_no_mask_and_junk_is_refused() {
        let png = encode_rgba_png(1, 1, &[1, 2, 3, 255], None);
        let d = Png::decode(&png).unwrap();
        assert!(d.alpha.is_none() && d.dpi.is_none());
        assert!(matches!(
            Png::decode(b"not a png"),
            Err(AppearanceError::Image(_))
        ));
        assert!(Png::decode(&png[..png.len() / 2]).is_err());
    }
}

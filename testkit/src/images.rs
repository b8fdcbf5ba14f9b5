//! Sample images drawn in code, for tests, examples and the documentation pictures: a blue
//! handwritten-like signature and a red round seal, both PNG with transparency. They keep the
//! repository free of binary test images.

/// An RGBA canvas with anti-aliased round brushes.
struct Canvas {
    w: u32,
    h: u32,
    px: Vec<u8>,
}

impl Canvas {
    fn new(w: u32, h: u32) -> Self {
        Canvas {
            w,
            h,
            px: vec![0; w as usize * h as usize * 4],
        }
    }

    /// A disc of radius `r` at (`cx`, `cy`) (y down) in colour `rgb`.
    fn disc(&mut self, cx: f64, cy: f64, r: f64, rgb: [u8; 3]) {
        let (x0, x1) = ((cx - r - 1.0).floor().max(0.0), (cx + r + 1.0).ceil());
        let (y0, y1) = ((cy - r - 1.0).floor().max(0.0), (cy + r + 1.0).ceil());
        let mut y = y0;
        while y <= y1 && y < f64::from(self.h) {
            let mut x = x0;
            while x <= x1 && x < f64::from(self.w) {
                let d = ((x + 0.5 - cx).powi(2) + (y + 0.5 - cy).powi(2)).sqrt();
                let cover = (r + 0.5 - d).clamp(0.0, 1.0);
                if cover > 0.0 {
                    let i = (y as usize * self.w as usize + x as usize) * 4;
                    let a = (cover * 255.0).round() as u8;
                    if a > self.px[i + 3] {
                        self.px[i..i + 3].copy_from_slice(&rgb);
                        self.px[i + 3] = a;
                    }
                }
                x += 1.0;
            }
            y += 1.0;
        }
    }

    /// A stroke through `points` with a round brush.
    fn stroke(&mut self, points: &[(f64, f64)], r: f64, rgb: [u8; 3]) {
        for pair in points.windows(2) {
            let ((ax, ay), (bx, by)) = (pair[0], pair[1]);
            let steps = ((bx - ax).hypot(by - ay) / (r / 2.0).max(0.5))
                .ceil()
                .max(1.0) as usize;
            for k in 0..=steps {
                let t = k as f64 / steps as f64;
                self.disc(ax + (bx - ax) * t, ay + (by - ay) * t, r, rgb);
            }
        }
    }

    fn png(&self, dpi: f64) -> Vec<u8> {
        encode_rgba_png(self.w, self.h, &self.px, Some(dpi))
    }
}

/// The blue of a ballpoint pen.
pub const SIGNATURE_BLUE: [u8; 3] = [20, 45, 160];
/// The red of a seal.
pub const SEAL_RED: [u8; 3] = [210, 25, 30];

/// A blue handwritten-like signature, 600 × 240 px at 300 dpi (≈ 51 × 20 mm), transparent
/// background.
pub fn signature_png() -> Vec<u8> {
    let mut c = Canvas::new(600, 240);
    // A tall first letter, then cursive loops (a prolate cycloid) that shrink towards the
    // end, then an underline flourish.
    let capital: Vec<(f64, f64)> = (0..=120)
        .map(|i| {
            let t = f64::from(i) / 120.0;
            let a = t * std::f64::consts::TAU * 1.25;
            (
                70.0 + 45.0 * a.sin() + 60.0 * t,
                120.0 - 85.0 * a.cos() * (1.0 - 0.3 * t),
            )
        })
        .collect();
    c.stroke(&capital, 4.0, SIGNATURE_BLUE);
    let loops: Vec<(f64, f64)> = (0..=900)
        .map(|i| {
            let t = f64::from(i) / 900.0;
            let phi = t * std::f64::consts::TAU * 6.0;
            let size = 1.0 - 0.45 * t;
            (
                150.0 + 400.0 * t - 30.0 * size * phi.sin(),
                150.0 - 70.0 * size * (1.0 - phi.cos()) / 2.0 - 25.0 * t,
            )
        })
        .collect();
    c.stroke(&loops, 3.5, SIGNATURE_BLUE);
    let flourish: Vec<(f64, f64)> = (0..=200)
        .map(|i| {
            let t = f64::from(i) / 200.0;
            (50.0 + 520.0 * t, 205.0 - 30.0 * (t * 3.0).sin() + 10.0 * t)
        })
        .collect();
    c.stroke(&flourish, 3.0, SIGNATURE_BLUE);
    c.png(300.0)
}

/// A red round seal, 400 × 400 px at 300 dpi (≈ 34 mm, the size of an agency's seal): two
/// rings, a band of marks standing for the lettering, and a star in the middle; transparent
/// outside the ink.
pub fn seal_png() -> Vec<u8> {
    let mut c = Canvas::new(400, 400);
    let (cx, cy) = (200.0, 200.0);
    let ring = |c: &mut Canvas, radius: f64, width: f64| {
        let pts: Vec<(f64, f64)> = (0..=720)
            .map(|i| {
                let a = f64::from(i) / 720.0 * std::f64::consts::TAU;
                (cx + radius * a.cos(), cy + radius * a.sin())
            })
            .collect();
        c.stroke(&pts, width, SEAL_RED);
    };
    ring(&mut c, 190.0, 6.0);
    ring(&mut c, 130.0, 3.0);
    // Lettering stand-in: short radial marks between the rings.
    for k in 0..48 {
        if k % 12 == 11 {
            continue; // word gaps
        }
        let a = f64::from(k) / 48.0 * std::f64::consts::TAU;
        let (s, e) = (145.0, 172.0);
        c.stroke(
            &[
                (cx + s * a.cos(), cy + s * a.sin()),
                (cx + e * a.cos(), cy + e * a.sin()),
            ],
            3.5,
            SEAL_RED,
        );
    }
    // A five-pointed star.
    let star: Vec<(f64, f64)> = (0..=10)
        .map(|k| {
            let a = -std::f64::consts::FRAC_PI_2 + f64::from(k % 10) * std::f64::consts::PI / 5.0;
            let r = if k % 2 == 0 { 70.0 } else { 28.0 };
            (cx + r * a.cos(), cy + r * a.sin())
        })
        .collect();
    c.stroke(&star, 4.0, SEAL_RED);
    for r in (0..28).step_by(3) {
        c.disc(cx, cy, f64::from(r), SEAL_RED);
    }
    c.png(300.0)
}

/// Encodes an RGBA image as PNG (for tests and the generated demo images).
///
/// # Panics
/// If `rgba` is not `width * height * 4` bytes.
pub fn encode_rgba_png(width: u32, height: u32, rgba: &[u8], dpi: Option<f64>) -> Vec<u8> {
    assert_eq!(rgba.len(), width as usize * height as usize * 4);
    let mut out = Vec::new();
    {
        let mut enc = png::Encoder::new(&mut out, width, height);
        enc.set_color(png::ColorType::Rgba);
        enc.set_depth(png::BitDepth::Eight);
        if let Some(dpi) = dpi {
            let ppm = (dpi / 0.0254).round() as u32;
            enc.set_pixel_dims(Some(png::PixelDimensions {
                xppu: ppm,
                yppu: ppm,
                unit: png::Unit::Meter,
            }));
        }
        let mut w = enc.write_header().expect("PNG header to memory");
        w.write_image_data(rgba).expect("PNG data to memory");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use kyso::appearance::image::Png;

    #[test]
    fn samples_decode_with_transparency_and_actual_size() {
        let sig = Png::decode(&signature_png()).unwrap();
        assert_eq!((sig.width, sig.height), (600, 240));
        assert!(sig.alpha.is_some());
        let seal = Png::decode(&seal_png()).unwrap();
        let (w, h) = seal.natural_size();
        // 400 px at 300 dpi = 96 pt ≈ 33.9 mm.
        assert!((w - 96.0).abs() < 0.1 && (h - 96.0).abs() < 0.1, "{w}×{h}");
        assert!(seal.alpha.as_ref().unwrap().contains(&0));
    }
}

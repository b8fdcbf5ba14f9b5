//! Rendering pages with `hayro` (pure Rust) on a bounded worker thread, comparing pixels,
//! and drawing the side-by-side pictures of `kyso diff --png`.
//!
//! The rasterizer reads attacker-controlled bytes, so it runs on its own thread: a panic is
//! caught and reported as "could not run", and the caller stops waiting at the time budget
//! (the thread is told to stop after the page it is rendering). Pages are rendered at a
//! modest resolution (72 dpi, at most [`Budget::max_pixels`] pixels a page).

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{mpsc, Arc};
use std::time::{Duration, Instant};

use hayro::hayro_interpret::util::TransformExt as _;
use hayro::hayro_interpret::InterpreterSettings;
use hayro::hayro_syntax::{Pdf, PdfData};
use hayro::kurbo::{Affine, Point};
use hayro::vello_cpu::color::palette::css::WHITE;
use hayro::{PixmapSettings, RenderCache, RenderSettings};

use super::overlay::Rect;

/// Bounds of one comparison.
#[derive(Debug, Clone)]
pub struct Budget {
    /// Pages rendered at most (in each revision).
    pub max_pages: usize,
    /// Pixels of one rendered page at most (larger pages are rendered at a lower scale).
    pub max_pixels: f64,
    /// Wall-clock time for all the pages of one comparison.
    pub timeout: Duration,
    /// Pixels per point (1.0 = 72 dpi).
    pub scale: f64,
}

impl Default for Budget {
    fn default() -> Self {
        Budget {
            max_pages: 40,
            max_pixels: 4_000_000.0,
            timeout: Duration::from_secs(30),
            scale: 1.0,
        }
    }
}

/// One rendered page: straight RGBA on white, and the map from user space to pixels.
#[derive(Debug, Clone)]
pub struct Raster {
    pub width: u32,
    pub height: u32,
    pub rgba: Vec<u8>,
    pub to_pixels: [f64; 6],
}

/// A page rendered in the signed and in the current revision.
#[derive(Debug, Clone)]
pub struct PagePair {
    /// 0-based page index.
    pub index: usize,
    pub signed: Raster,
    pub current: Raster,
}

/// A contiguous slice of a shared byte buffer (the signed revision is a prefix of the file).
struct Prefix(Arc<[u8]>, usize);

impl AsRef<[u8]> for Prefix {
    fn as_ref(&self) -> &[u8] {
        self.0.get(..self.1).unwrap_or(&self.0)
    }
}

enum Msg {
    Pair(Box<PagePair>),
    Failed(String),
}

/// Renders `pages` (0-based) of the file prefix `signed_len` and of the whole `file`.
///
/// # Errors
/// Why the pages could not be rendered: the renderer cannot open a revision or a page,
/// it panicked, or the time budget ran out.
pub fn render_pairs(
    file: Arc<[u8]>,
    signed_len: usize,
    password: String,
    pages: Vec<usize>,
    budget: &Budget,
    on_pair: &mut dyn FnMut(PagePair),
) -> Result<(), String> {
    // Renderings that outlived their caller's budget keep their thread until their page is
    // done; past this many live renderer threads, new comparisons are skipped.
    let live = LIVE.fetch_add(1, Ordering::SeqCst);
    if live >= MAX_LIVE {
        LIVE.fetch_sub(1, Ordering::SeqCst);
        return Err(format!(
            "{live} renderings are still running (earlier ones past their time budget)"
        ));
    }
    // One page pair in flight: memory stays at two pages' pixels per comparison.
    let (tx, rx) = mpsc::sync_channel::<Msg>(1);
    let cancel = Arc::new(AtomicBool::new(false));
    let stop = cancel.clone();
    let b = budget.clone();
    let total = pages.len();
    std::thread::Builder::new()
        .name("kyso-render".into())
        .stack_size(64 << 20)
        .spawn(move || {
            let _live = LiveGuard;
            let run = catch_unwind(AssertUnwindSafe(|| {
                work(&file, signed_len, &password, &pages, &b, &stop, &tx)
            }));
            let failed = match run {
                Ok(Ok(())) => return,
                Ok(Err(e)) => e,
                Err(p) => format!(
                    "the renderer panicked: {}",
                    p.downcast_ref::<&str>()
                        .map(|s| s.to_string())
                        .or_else(|| p.downcast_ref::<String>().cloned())
                        .unwrap_or_else(|| "no message".into())
                ),
            };
            let _ = tx.send(Msg::Failed(failed));
        })
        .map_err(|e| {
            LIVE.fetch_sub(1, Ordering::SeqCst);
            format!("no thread for the renderer: {e}")
        })?;
    let deadline = Instant::now() + budget.timeout;
    let mut done = 0;
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        match rx.recv_timeout(left) {
            Ok(Msg::Pair(p)) => {
                done += 1;
                on_pair(*p);
            }
            Ok(Msg::Failed(e)) => return Err(e),
            Err(mpsc::RecvTimeoutError::Disconnected) => break,
            Err(mpsc::RecvTimeoutError::Timeout) => {
                cancel.store(true, Ordering::Relaxed);
                return Err(format!(
                    "rendering took longer than {} s ({} of {total} page(s) done)",
                    budget.timeout.as_secs(),
                    done
                ));
            }
        }
    }
    if done == total {
        Ok(())
    } else {
        Err(format!("the renderer stopped after {done} of {total} page(s)"))
    }
}

/// Renderer threads alive (counted from spawn to exit).
static LIVE: AtomicUsize = AtomicUsize::new(0);
/// Renderer threads alive at most.
const MAX_LIVE: usize = 16;

struct LiveGuard;

impl Drop for LiveGuard {
    fn drop(&mut self) {
        LIVE.fetch_sub(1, Ordering::SeqCst);
    }
}

fn work(
    file: &Arc<[u8]>,
    signed_len: usize,
    password: &str,
    pages: &[usize],
    budget: &Budget,
    stop: &AtomicBool,
    tx: &mpsc::SyncSender<Msg>,
) -> Result<(), String> {
    let open = |data: PdfData, which: &str| {
        Pdf::new_with_password(data, password)
            .map_err(|e| format!("the renderer cannot open the {which} revision: {e:?}"))
    };
    let signed = open(
        PdfData::from(Arc::new(Prefix(file.clone(), signed_len))),
        "signed",
    )?;
    let current = open(
        PdfData::from(Arc::new(Prefix(file.clone(), file.len()))),
        "current",
    )?;
    let settings = InterpreterSettings::default();
    for &index in pages {
        if stop.load(Ordering::Relaxed) {
            return Ok(());
        }
        let (Some(sp), Some(cp)) = (signed.pages().get(index), current.pages().get(index)) else {
            return Err(format!("the renderer finds no page {}", index + 1));
        };
        let (w, h) = cp.render_dimensions();
        let (w, h) = (f64::from(w), f64::from(h));
        if !(w.is_finite() && h.is_finite() && w >= 1.0 && h >= 1.0) {
            return Err(format!("page {} has no usable size", index + 1));
        }
        let mut scale = budget.scale;
        if w * h * scale * scale > budget.max_pixels {
            scale = (budget.max_pixels / (w * h)).sqrt();
        }
        scale = scale.min(65_000.0 / w).min(65_000.0 / h);
        let raster = |page: &hayro::hayro_syntax::page::Page<'_>| {
            let cache = RenderCache::new();
            let pix = hayro::render(
                page,
                &cache,
                &settings,
                &RenderSettings::default(),
                &PixmapSettings {
                    x_scale: scale as f32,
                    y_scale: scale as f32,
                    bg_color: WHITE,
                },
            );
            let to_pixels =
                (Affine::scale(scale) * page.initial_transform(true).to_kurbo()).as_coeffs();
            Raster {
                width: u32::from(pix.width()),
                height: u32::from(pix.height()),
                rgba: pix.data_as_u8_slice().to_vec(),
                to_pixels,
            }
        };
        let pair = PagePair {
            index,
            signed: raster(sp),
            current: raster(cp),
        };
        if tx.send(Msg::Pair(Box::new(pair))).is_err() {
            return Ok(());
        }
    }
    Ok(())
}

/// Side of the square cells differing pixels are grouped in.
const CELL: u32 = 8;
/// Regions reported at most per page and kind.
const MAX_REGIONS: usize = 32;
/// Pixels added around permitted rectangles (anti-aliased edges).
const MARGIN: f64 = 2.0;

/// The regions where the two renderings differ, in user space, each with whether it lies
/// inside `permitted` (user-space rectangles). A page whose size changed differs all over.
pub fn changed_regions(pair: &PagePair, permitted: &[Rect]) -> Vec<(Rect, bool)> {
    let (s, c) = (&pair.signed, &pair.current);
    let whole = || {
        let r = to_user(c, [0.0, 0.0, f64::from(c.width), f64::from(c.height)]);
        vec![(r, false)]
    };
    if s.width != c.width || s.height != c.height || s.rgba.len() != c.rgba.len() {
        return whole();
    }
    let boxes: Vec<[f64; 4]> = permitted
        .iter()
        .map(|r| {
            let p = to_pixels(c, *r);
            [p[0] - MARGIN, p[1] - MARGIN, p[2] + MARGIN, p[3] + MARGIN]
        })
        .collect();
    let inside = |x: u32, y: u32| {
        let (fx, fy) = (f64::from(x) + 0.5, f64::from(y) + 0.5);
        boxes
            .iter()
            .any(|b| fx >= b[0] && fx <= b[2] && fy >= b[1] && fy <= b[3])
    };
    let cols = c.width.div_ceil(CELL) as usize;
    let rows = c.height.div_ceil(CELL) as usize;
    // 0 = same, 1 = permitted change only, 2 = change outside permitted rectangles.
    let mut cells = vec![0u8; cols * rows];
    for y in 0..c.height {
        for x in 0..c.width {
            let i = ((y * c.width + x) * 4) as usize;
            if s.rgba[i..i + 4] != c.rgba[i..i + 4] {
                let cell = (y / CELL) as usize * cols + (x / CELL) as usize;
                let kind = if inside(x, y) { 1 } else { 2 };
                cells[cell] = cells[cell].max(kind);
            }
        }
    }
    let mut out = Vec::new();
    for kind in [2u8, 1u8] {
        let mut seen = vec![false; cells.len()];
        let mut n = 0;
        for start in 0..cells.len() {
            if cells[start] != kind || seen[start] {
                continue;
            }
            // Flood fill over cells of this kind at most one cell apart (a word's letters
            // and the words of a line make one region).
            let (mut x0, mut y0, mut x1, mut y1) = (usize::MAX, usize::MAX, 0, 0);
            let mut stack = vec![start];
            seen[start] = true;
            while let Some(i) = stack.pop() {
                let (cx, cy) = (i % cols, i / cols);
                x0 = x0.min(cx);
                y0 = y0.min(cy);
                x1 = x1.max(cx);
                y1 = y1.max(cy);
                for dy in -2i64..=2 {
                    for dx in -2i64..=2 {
                        let (nx, ny) = (cx as i64 + dx, cy as i64 + dy);
                        if nx < 0 || ny < 0 || nx >= cols as i64 || ny >= rows as i64 {
                            continue;
                        }
                        let j = ny as usize * cols + nx as usize;
                        if cells[j] == kind && !seen[j] {
                            seen[j] = true;
                            stack.push(j);
                        }
                    }
                }
            }
            let px = [
                (x0 as u32 * CELL) as f64,
                (y0 as u32 * CELL) as f64,
                (((x1 as u32 + 1) * CELL).min(c.width)) as f64,
                (((y1 as u32 + 1) * CELL).min(c.height)) as f64,
            ];
            out.push((to_user(c, px), kind == 1));
            n += 1;
            if n >= MAX_REGIONS {
                break;
            }
        }
    }
    out
}

fn affine(r: &Raster) -> Affine {
    Affine::new(r.to_pixels)
}

fn bbox(a: Affine, r: Rect) -> [f64; 4] {
    let pts = [
        a * Point::new(r[0], r[1]),
        a * Point::new(r[2], r[1]),
        a * Point::new(r[0], r[3]),
        a * Point::new(r[2], r[3]),
    ];
    let xs = pts.iter().map(|p| p.x);
    let ys = pts.iter().map(|p| p.y);
    [
        xs.clone().fold(f64::INFINITY, f64::min),
        ys.clone().fold(f64::INFINITY, f64::min),
        xs.fold(f64::NEG_INFINITY, f64::max),
        ys.fold(f64::NEG_INFINITY, f64::max),
    ]
}

/// A user-space rectangle in pixels of `r`.
fn to_pixels(r: &Raster, rect: Rect) -> [f64; 4] {
    bbox(affine(r), rect)
}

/// A pixel rectangle of `r` in user space (rounded to tenths of a point).
fn to_user(r: &Raster, px: [f64; 4]) -> Rect {
    let a = affine(r);
    let inv = if a.determinant().abs() > f64::EPSILON {
        a.inverse()
    } else {
        Affine::IDENTITY
    };
    let u = bbox(inv, px);
    u.map(|v| (v * 10.0).round() / 10.0)
}

/// Colours of the outlines: changes outside permitted ones, and permitted changes.
const CHANGED: [u8; 3] = [220, 20, 20];
const PERMITTED: [u8; 3] = [20, 90, 220];
/// Gap between the two renderings.
const GAP: u32 = 16;

/// The signed rendering (left) and the current one (right), with the changed regions
/// outlined (red: outside the permitted changes; blue: permitted), as a PNG.
pub fn side_by_side_png(pair: &PagePair, regions: &[(Rect, bool)]) -> Result<Vec<u8>, String> {
    let (s, c) = (&pair.signed, &pair.current);
    let width = s.width + GAP + c.width;
    let height = s.height.max(c.height);
    let mut img = vec![255u8; (width * height * 4) as usize];
    let blit = |img: &mut [u8], r: &Raster, left: u32| {
        for y in 0..r.height {
            let src = (y * r.width * 4) as usize;
            let dst = ((y * width + left) * 4) as usize;
            let n = (r.width * 4) as usize;
            img[dst..dst + n].copy_from_slice(&r.rgba[src..src + n]);
        }
    };
    blit(&mut img, s, 0);
    blit(&mut img, c, s.width + GAP);
    for (rect, permitted) in regions {
        let colour = if *permitted { PERMITTED } else { CHANGED };
        for (r, left) in [(s, 0), (c, s.width + GAP)] {
            let p = to_pixels(r, *rect);
            outline(&mut img, width, height, left, r, p, colour);
        }
    }
    let mut png = Vec::new();
    {
        let mut enc = png::Encoder::new(&mut png, width, height);
        enc.set_color(png::ColorType::Rgba);
        enc.set_depth(png::BitDepth::Eight);
        let mut w = enc.write_header().map_err(|e| e.to_string())?;
        w.write_image_data(&img).map_err(|e| e.to_string())?;
    }
    Ok(png)
}

fn outline(
    img: &mut [u8],
    width: u32,
    height: u32,
    left: u32,
    r: &Raster,
    p: [f64; 4],
    colour: [u8; 3],
) {
    let clamp = |v: f64, hi: u32| (v.max(0.0) as u32).min(hi.saturating_sub(1));
    let (x0, x1) = (clamp(p[0] - 2.0, r.width), clamp(p[2] + 1.0, r.width));
    let (y0, y1) = (clamp(p[1] - 2.0, r.height), clamp(p[3] + 1.0, r.height));
    let mut put = |x: u32, y: u32| {
        if y < height && x + left < width {
            let i = ((y * width + x + left) * 4) as usize;
            img[i..i + 3].copy_from_slice(&colour);
            img[i + 3] = 255;
        }
    };
    for t in 0..2 {
        for x in x0..=x1 {
            put(x, y0 + t);
            put(x, y1.saturating_sub(t));
        }
        for y in y0..=y1 {
            put(x0 + t, y);
            put(x1.saturating_sub(t), y);
        }
    }
}

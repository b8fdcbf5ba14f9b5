//! Laying out an appearance: templates, line breaking, fitting text into a box, and the
//! appearance stream's operators.

use std::fmt::Write as _;

use crate::pdf::object::format_real;

use super::font::{EmbeddedFont, Encoder};
use super::{AppearanceError, Rect, TemplateValues};

/// Smallest font size text is shrunk to when it does not fit.
pub(crate) const MIN_FONT_SIZE: f64 = 4.0;
/// Line height as a multiple of the font size.
pub(crate) const LEADING: f64 = 1.15;
/// Inner margin of the appearance box, in points.
pub(crate) const PADDING: f64 = 2.0;

/// Fills a template: `{name}`, `{org}`, `{time}`, `{reason}`, `{location}`; `{{` and `}}`
/// for literal braces; a newline or the two characters `\n` break lines. A line that holds
/// placeholders and is blank once they are filled in is dropped (an empty `{reason}` leaves
/// no empty line).
///
/// # Errors
/// `Template` for an unknown placeholder or an unclosed brace.
pub(crate) fn render_template(template: &str, v: &TemplateValues) -> Result<Vec<String>, AppearanceError> {
    let template = template.replace("\\n", "\n");
    let mut lines = Vec::new();
    for raw in template.split('\n') {
        let mut out = String::new();
        let mut had_placeholder = false;
        let mut chars = raw.chars().peekable();
        while let Some(c) = chars.next() {
            match c {
                '{' if chars.peek() == Some(&'{') => {
                    chars.next();
                    out.push('{');
                }
                '}' if chars.peek() == Some(&'}') => {
                    chars.next();
                    out.push('}');
                }
                '{' => {
                    let mut key = String::new();
                    let mut closed = false;
                    for k in chars.by_ref() {
                        if k == '}' {
                            closed = true;
                            break;
                        }
                        key.push(k);
                    }
                    if !closed {
                        return Err(AppearanceError::Template(format!(
                            "unclosed '{{' in {raw:?}"
                        )));
                    }
                    had_placeholder = true;
                    out.push_str(match key.as_str() {
                        "name" => &v.name,
                        "org" => &v.org,
                        "time" => &v.time,
                        "reason" => &v.reason,
                        "location" => &v.location,
                        other => {
                            return Err(AppearanceError::Template(format!(
                                "unknown placeholder {{{other}}} (known: {{name}} {{org}} {{time}} {{reason}} {{location}})"
                            )))
                        }
                    });
                }
                '}' => {
                    return Err(AppearanceError::Template(format!(
                        "unmatched '}}' in {raw:?} (write '}}}}' for a brace)"
                    )))
                }
                c => out.push(c),
            }
        }
        let out = out.replace(['\r', '\t'], " ");
        if had_placeholder && out.trim().is_empty() {
            continue;
        }
        lines.push(out.trim_end().to_string());
    }
    Ok(lines)
}

/// Breaks `lines` so that none is wider than `width` at `size` (words first, then
/// characters for a word longer than the line).
pub(crate) fn wrap(font: &EmbeddedFont, lines: &[String], size: f64, width: f64) -> Vec<String> {
    let mut out = Vec::new();
    for line in lines {
        if font.width(line, size) <= width {
            out.push(line.clone());
            continue;
        }
        let mut current = String::new();
        for word in line.split(' ') {
            let candidate = if current.is_empty() {
                word.to_string()
            } else {
                format!("{current} {word}")
            };
            if font.width(&candidate, size) <= width {
                current = candidate;
                continue;
            }
            if !current.is_empty() {
                out.push(std::mem::take(&mut current));
            }
            // The word alone: break it by characters if needed.
            for c in word.chars() {
                let mut next = current.clone();
                next.push(c);
                if font.width(&next, size) > width && !current.is_empty() {
                    out.push(std::mem::replace(&mut current, c.to_string()));
                } else {
                    current = next;
                }
            }
        }
        out.push(current);
    }
    out
}

/// Text fitted into a box: lines and the size that makes them fit.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct FittedText {
    /// The lines after breaking.
    pub lines: Vec<String>,
    /// The font size.
    pub size: f64,
}

/// The largest size ≤ `size` (down to [`MIN_FONT_SIZE`], by half points) at which `lines`,
/// broken to `width`, fit in `height`. At the minimum the text may still overflow (it is
/// then clipped by the appearance's bounding box).
pub(crate) fn fit(
    font: &EmbeddedFont,
    lines: &[String],
    size: f64,
    width: f64,
    height: f64,
) -> FittedText {
    let mut s = size.max(MIN_FONT_SIZE);
    loop {
        let wrapped = wrap(font, lines, s, width);
        let h = wrapped.len() as f64 * s * LEADING;
        if h <= height + 1e-6 || s <= MIN_FONT_SIZE {
            return FittedText {
                lines: wrapped,
                size: s,
            };
        }
        s = (s - 0.5).max(MIN_FONT_SIZE);
    }
}

/// The natural size of `lines` at `size`, padding included.
pub(crate) fn text_extent(font: &EmbeddedFont, lines: &[String], size: f64) -> (f64, f64) {
    let w = lines
        .iter()
        .map(|l| font.width(l, size))
        .fold(0.0, f64::max);
    (
        w + 2.0 * PADDING,
        lines.len() as f64 * size * LEADING + 2.0 * PADDING,
    )
}

/// Appends the operators that draw `text` in the box `area` (appearance coordinates), lines
/// from the top, left-aligned, black, vertically centred when there is room.
pub(crate) fn draw_text(
    out: &mut String,
    font: &EmbeddedFont,
    enc: &Encoder,
    text: &FittedText,
    area: &Rect,
) {
    let (asc, desc) = font.vertical_metrics();
    let line_h = text.size * LEADING;
    let block = text.lines.len() as f64 * line_h;
    let top = area.y2 - ((area.height() - block) / 2.0).max(0.0);
    // Baseline of the first line: the ascender below the top, with the leading's extra
    // space split around the glyphs.
    let glyph_h = (asc - desc) / 1000.0 * text.size;
    let first_baseline = top - (line_h - glyph_h) / 2.0 - asc / 1000.0 * text.size;
    let _ = writeln!(out, "0 g\nBT\n/F0 {} Tf", format_real(text.size));
    for (i, line) in text.lines.iter().enumerate() {
        let y = first_baseline - i as f64 * line_h;
        let _ = writeln!(
            out,
            "1 0 0 1 {} {} Tm {} Tj",
            format_real(area.x1),
            format_real(y),
            enc.hex(line)
        );
    }
    out.push_str("ET\n");
}

/// Appends the operators that draw image `name` with aspect `aspect` (w/h) as large as fits
/// in `area`, centred.
pub(crate) fn draw_image(out: &mut String, name: &str, aspect: f64, area: &Rect) {
    let (w, h) = fit_aspect(aspect, area.width(), area.height());
    let x = area.x1 + (area.width() - w) / 2.0;
    let y = area.y1 + (area.height() - h) / 2.0;
    let _ = writeln!(
        out,
        "q {} 0 0 {} {} {} cm /{name} Do Q",
        format_real(w),
        format_real(h),
        format_real(x),
        format_real(y)
    );
}

/// The largest `w × h` with `w / h == aspect` inside `max_w × max_h`.
pub(crate) fn fit_aspect(aspect: f64, max_w: f64, max_h: f64) -> (f64, f64) {
    if max_w <= 0.0 || max_h <= 0.0 || aspect <= 0.0 {
        return (0.0, 0.0);
    }
    if max_w / max_h > aspect {
        (max_h * aspect, max_h)
    } else {
        (max_w, max_w / aspect)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn values() -> TemplateValues {
        TemplateValues {
            name: "Nguyễn Văn An".into(),
            org: "Sở Thông tin và Truyền thông".into(),
            time: "2025-06-01T17:00:00+07:00".into(),
            reason: String::new(),
            location: "Vĩnh Long".into(),
        }
    }

    #[test]
    fn templates() {
        let v = values();
        assert_eq!(
            render_template("Ký bởi: {name}\\n{reason}\n{org}, {location}\n{{x}}", &v).unwrap(),
            vec![
                "Ký bởi: Nguyễn Văn An",
                "Sở Thông tin và Truyền thông, Vĩnh Long",
                "{x}"
            ]
        );
        assert_eq!(render_template("", &v).unwrap(), vec![""]);
        assert!(matches!(
            render_template("{nme}", &v),
            Err(AppearanceError::Template(_))
        ));
        assert!(render_template("{name", &v).is_err());
        assert!(render_template("a } b", &v).is_err());
    }

    #[test]
    fn wrapping_and_fitting() {
        let f = EmbeddedFont::liberation_serif().unwrap();
        let lines = vec!["Sở Thông tin và Truyền thông tỉnh Vĩnh Long".to_string()];
        let w = f.width(&lines[0], 10.0);
        let wrapped = wrap(&f, &lines, 10.0, w / 2.0 + 5.0);
        assert_eq!(wrapped.len(), 2);
        assert_eq!(wrapped.join(" "), lines[0]);
        assert!(wrapped.iter().all(|l| f.width(l, 10.0) <= w / 2.0 + 5.0));
        // A word longer than the line is broken by characters.
        let long = wrap(&f, &["Nghiêngnghiêngnghiêng".to_string()], 10.0, 30.0);
        assert!(long.len() > 1 && long.concat() == "Nghiêngnghiêngnghiêng");
        // Fitting shrinks until it fits.
        let height = 12.0 * LEADING * 1.5;
        let fitted = fit(&f, &lines, 12.0, w / 2.0, height);
        assert!(fitted.size < 12.0);
        assert!(fitted.lines.len() as f64 * fitted.size * LEADING <= height);
        assert!(fitted
            .lines
            .iter()
            .all(|l| f.width(l, fitted.size) <= w / 2.0));
        let (ew, eh) = text_extent(&f, &lines, 10.0);
        assert!((ew - w - 4.0).abs() < 1e-9 && (eh - 10.0 * LEADING - 4.0).abs() < 1e-9);
    }

    #[test]
    fn aspect_fit() {
        assert_eq!(fit_aspect(2.0, 100.0, 100.0), (100.0, 50.0));
        assert_eq!(fit_aspect(0.5, 100.0, 100.0), (50.0, 100.0));
        assert_eq!(fit_aspect(1.0, 0.0, 10.0), (0.0, 0.0));
    }
}

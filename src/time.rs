//! Time as kyso uses it: Unix seconds (UTC) internally, RFC 3339 in reports, PDF date strings
//! (`D:YYYYMMDDHHmmSSOHH'mm'`, ISO 32000-1 §7.9.4) in signature dictionaries.

/// Days since 1970-01-01 for a proleptic Gregorian date (H. Hinnant's algorithm).
pub fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = if y >= 0 { y } else { y - 399 } / 400;
    let yoe = y - era * 400;
    let m = i64::from(m);
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(d) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The date for a day count since 1970-01-01: (year, month, day).
pub fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = if z >= 0 { z } else { z - 146_096 } / 146_097;
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

/// Unix seconds from date and time fields (UTC). Returns `None` for out-of-range fields.
pub fn unix_from_fields(y: i64, mo: u32, d: u32, h: u32, mi: u32, s: u32) -> Option<i64> {
    if !(1..=12).contains(&mo) || !(1..=31).contains(&d) || h > 23 || mi > 59 || s > 60 {
        return None;
    }
    Some(
        days_from_civil(y, mo, d) * 86_400
            + i64::from(h) * 3600
            + i64::from(mi) * 60
            + i64::from(s),
    )
}

/// The current time in Unix seconds.
pub fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
        .unwrap_or(0)
}

fn split(t: i64, offset_minutes: i32) -> (i64, u32, u32, u32, u32, u32) {
    let t = t + i64::from(offset_minutes) * 60;
    let days = t.div_euclid(86_400);
    let secs = t.rem_euclid(86_400);
    let (y, m, d) = civil_from_days(days);
    (
        y,
        m,
        d,
        (secs / 3600) as u32,
        ((secs % 3600) / 60) as u32,
        (secs % 60) as u32,
    )
}

/// RFC 3339 in UTC: `2025-06-01T10:00:00Z`.
pub fn format_rfc3339(t: i64) -> String {
    let (y, m, d, h, mi, s) = split(t, 0);
    format!("{y:04}-{m:02}-{d:02}T{h:02}:{mi:02}:{s:02}Z")
}

/// RFC 3339 with a fixed offset, e.g. Vietnam time (`+07:00`, 420 minutes):
/// `2025-06-01T17:00:00+07:00`.
pub fn format_rfc3339_offset(t: i64, offset_minutes: i32) -> String {
    let (y, m, d, h, mi, s) = split(t, offset_minutes);
    let sign = if offset_minutes < 0 { '-' } else { '+' };
    let o = offset_minutes.unsigned_abs();
    format!(
        "{y:04}-{m:02}-{d:02}T{h:02}:{mi:02}:{s:02}{sign}{:02}:{:02}",
        o / 60,
        o % 60
    )
}

/// Parses RFC 3339 (`2025-06-01T10:00:00Z`, `…+07:00`, fractional seconds ignored) or a
/// bare date (`2025-06-01`, midnight UTC).
pub fn parse_rfc3339(s: &str) -> Option<i64> {
    let s = s.trim();
    let b = s.as_bytes();
    let num = |r: std::ops::Range<usize>| -> Option<u32> {
        let part = s.get(r)?;
        if part.bytes().all(|c| c.is_ascii_digit()) {
            part.parse().ok()
        } else {
            None
        }
    };
    if b.len() < 10 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    let (y, mo, d) = (i64::from(num(0..4)?), num(5..7)?, num(8..10)?);
    if b.len() == 10 {
        return unix_from_fields(y, mo, d, 0, 0, 0);
    }
    if !matches!(b[10], b'T' | b't' | b' ') || b.len() < 19 || b[13] != b':' || b[16] != b':' {
        return None;
    }
    let (h, mi, sec) = (num(11..13)?, num(14..16)?, num(17..19)?);
    let mut rest = &s[19..];
    if let Some(r) = rest.strip_prefix('.') {
        rest = r.trim_start_matches(|c: char| c.is_ascii_digit());
    }
    let offset = match rest {
        "Z" | "z" => 0i64,
        _ if rest.len() == 6
            && (rest.starts_with('+') || rest.starts_with('-'))
            && &rest[3..4] == ":" =>
        {
            let oh: i64 = rest.get(1..3)?.parse().ok()?;
            let om: i64 = rest.get(4..6)?.parse().ok()?;
            let v = oh * 3600 + om * 60;
            if rest.starts_with('-') {
                -v
            } else {
                v
            }
        }
        _ => return None,
    };
    Some(unix_from_fields(y, mo, d, h, mi, sec)? - offset)
}

/// A PDF date string in UTC: `D:20250601100000+00'00'`.
pub fn format_pdf_date(t: i64) -> String {
    let (y, m, d, h, mi, s) = split(t, 0);
    format!("D:{y:04}{m:02}{d:02}{h:02}{mi:02}{s:02}+00'00'")
}

/// Parses a PDF date string (`D:YYYYMMDDHHmmSSOHH'mm'`, with the optional parts of
/// ISO 32000-1 §7.9.4; the `D:` prefix is optional; a missing offset is taken as UTC).
pub fn parse_pdf_date(s: &str) -> Option<i64> {
    let s = s.trim();
    let s = s.strip_prefix("D:").unwrap_or(s);
    let digits: String = s.chars().take_while(|c| c.is_ascii_digit()).collect();
    if digits.len() < 4 || digits.len() > 14 || !digits.len().is_multiple_of(2) {
        return None;
    }
    let field = |i: usize, default: u32| -> Option<u32> {
        match digits.get(i..i + 2) {
            Some(p) => p.parse().ok(),
            None => Some(default),
        }
    };
    let y: i64 = digits.get(0..4)?.parse().ok()?;
    let (mo, d, h, mi, sec) = (
        field(4, 1)?,
        field(6, 1)?,
        field(8, 0)?,
        field(10, 0)?,
        field(12, 0)?,
    );
    let base = unix_from_fields(y, mo, d, h, mi, sec)?;
    let rest = &s[digits.len()..];
    let offset = match rest.chars().next() {
        None | Some('Z') => 0,
        Some(c @ ('+' | '-')) => {
            let r: String = rest[1..].chars().filter(|c| c.is_ascii_digit()).collect();
            let oh: i64 = r.get(0..2).and_then(|p| p.parse().ok()).unwrap_or(0);
            let om: i64 = r.get(2..4).and_then(|p| p.parse().ok()).unwrap_or(0);
            if oh > 23 || om > 59 {
                return None;
            }
            let v = oh * 3600 + om * 60;
            if c == '-' {
                -v
            } else {
                v
            }
        }
        Some(_) => return None,
    };
    Some(base - offset)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn civil_round_trip() {
        for days in [-800_000, -1, 0, 1, 19_000, 20_000, 2_932_896] {
            let (y, m, d) = civil_from_days(days);
            assert_eq!(days_from_civil(y, m, d), days);
        }
        assert_eq!(days_from_civil(2000, 3, 1), 11_017);
    }

    #[test]
    fn rfc3339() {
        let t = parse_rfc3339("2025-06-01T17:00:00+07:00").unwrap();
        assert_eq!(format_rfc3339(t), "2025-06-01T10:00:00Z");
        assert_eq!(format_rfc3339_offset(t, 420), "2025-06-01T17:00:00+07:00");
        assert_eq!(
            parse_rfc3339("2025-06-01"),
            parse_rfc3339("2025-06-01T00:00:00Z")
        );
        assert_eq!(
            parse_rfc3339("2025-06-01T00:00:00.123Z"),
            parse_rfc3339("2025-06-01")
        );
        assert!(parse_rfc3339("2025-13-01").is_none());
        assert!(parse_rfc3339("yesterday").is_none());
        assert!(parse_rfc3339("2025-06-01T00:00:00+0700").is_none());
    }

    #[test]
    fn pdf_dates() {
        let t = parse_pdf_date("D:20250601170000+07'00'").unwrap();
        assert_eq!(format_rfc3339(t), "2025-06-01T10:00:00Z");
        assert_eq!(parse_pdf_date(&format_pdf_date(t)), Some(t));
        assert_eq!(parse_pdf_date("D:2025"), parse_rfc3339("2025-01-01"));
        assert_eq!(parse_pdf_date("D:20250601100000Z"), Some(t));
        assert!(parse_pdf_date("D:20251301").is_none());
        assert!(parse_pdf_date("garbage").is_none());
    }
}

//! Stream filters: FlateDecode with PNG and TIFF predictors (what xref and object streams
//! use), with a hard cap on output size so a decompression bomb cannot exhaust memory.

use std::io::Read as _;

use super::{Dict, Object, PdfError, Result};

/// Default cap on a decoded stream (64 MiB).
pub(crate) const MAX_DECODED: usize = 64 << 20;

/// Decodes `data` according to the stream dictionary's `/Filter` and `/DecodeParms`
/// (FlateDecode with predictors; no filter = identity; other filters → `Unsupported`),
/// producing at most `limit` bytes (`LimitExceeded` beyond).
///
/// `/Filter` and `/DecodeParms` must be direct objects here (the reader resolves indirect
/// ones before calling).
pub(crate) fn decode(dict: &Dict, data: &[u8], limit: usize) -> Result<Vec<u8>> {
    let filters: Vec<&[u8]> = match dict.get(b"Filter") {
        None | Some(Object::Null) => Vec::new(),
        Some(Object::Name(n)) => vec![n.as_slice()],
        Some(Object::Array(a)) => {
            let mut v = Vec::with_capacity(a.len().min(16));
            for f in a {
                match f {
                    Object::Name(n) => v.push(n.as_slice()),
                    other => {
                        return Err(malformed(format!(
                            "/Filter entry is a {}",
                            other.type_name()
                        )))
                    }
                }
            }
            v
        }
        Some(other) => return Err(malformed(format!("/Filter is a {}", other.type_name()))),
    };
    let parms_at = |i: usize| -> Option<&Dict> {
        match dict.get(b"DecodeParms").or_else(|| dict.get(b"DP")) {
            Some(Object::Dict(d)) if i == 0 => Some(d),
            Some(Object::Array(a)) => a.get(i).and_then(Object::as_dict),
            _ => None,
        }
    };
    if filters.is_empty() {
        if data.len() > limit {
            return Err(PdfError::LimitExceeded("decoded stream size"));
        }
        return Ok(data.to_vec());
    }
    let mut current: Option<Vec<u8>> = None;
    for (i, f) in filters.iter().enumerate() {
        let input: &[u8] = current.as_deref().unwrap_or(data);
        let out = match *f {
            b"FlateDecode" | b"Fl" => {
                let raw = inflate(input, limit)?;
                match parms_at(i) {
                    Some(p) => apply_predictor(raw, p)?,
                    None => raw,
                }
            }
            other => {
                return Err(PdfError::Unsupported(format!(
                    "stream filter /{}",
                    String::from_utf8_lossy(other)
                )))
            }
        };
        current = Some(out);
    }
    Ok(current.unwrap_or_default())
}

fn malformed(reason: String) -> PdfError {
    PdfError::Malformed { offset: 0, reason }
}

/// Inflates zlib data, failing with `LimitExceeded` past `limit` output bytes.
fn inflate(data: &[u8], limit: usize) -> Result<Vec<u8>> {
    let cap = u64::try_from(limit).unwrap_or(u64::MAX).saturating_add(1);
    let mut reader = flate2::read::ZlibDecoder::new(data).take(cap);
    let mut out = Vec::with_capacity(data.len().saturating_mul(4).min(limit).min(1 << 20));
    let mut chunk = [0u8; 16 * 1024];
    loop {
        match reader.read(&mut chunk) {
            Ok(0) => break,
            Ok(n) => {
                out.extend_from_slice(chunk.get(..n).unwrap_or(&[]));
                if out.len() > limit {
                    return Err(PdfError::LimitExceeded("decoded stream size"));
                }
            }
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(malformed(format!("FlateDecode: {e}"))),
        }
    }
    Ok(out)
}

fn parm(p: &Dict, key: &[u8], default: i64) -> i64 {
    p.get_int(key).unwrap_or(default)
}

/// Applies the `/Predictor` of `p` (1, 2, 10–15) to inflated data.
fn apply_predictor(data: Vec<u8>, p: &Dict) -> Result<Vec<u8>> {
    let predictor = parm(p, b"Predictor", 1);
    if predictor == 1 {
        return Ok(data);
    }
    let colors = parm(p, b"Colors", 1);
    let bpc = parm(p, b"BitsPerComponent", 8);
    let columns = parm(p, b"Columns", 1);
    if !(1..=32).contains(&colors) {
        return Err(malformed(format!(
            "predictor /Colors {colors} out of range"
        )));
    }
    if ![1, 2, 4, 8, 16].contains(&bpc) {
        return Err(malformed(format!(
            "predictor /BitsPerComponent {bpc} invalid"
        )));
    }
    if !(1..=1 << 24).contains(&columns) {
        return Err(malformed(format!(
            "predictor /Columns {columns} out of range"
        )));
    }
    // All three are small positive numbers now: the products fit in usize.
    let (colors, bpc, columns) = (colors as usize, bpc as usize, columns as usize);
    let bits_per_pixel = colors * bpc;
    let bpp = bits_per_pixel.div_ceil(8).max(1);
    let row_len = (bits_per_pixel * columns).div_ceil(8);
    match predictor {
        2 => Ok(tiff_predictor(data, row_len, colors, bpc)),
        10..=15 => png_predictor(&data, row_len, bpp),
        _ => Err(PdfError::Unsupported(format!("predictor {predictor}"))),
    }
}

fn tiff_predictor(mut data: Vec<u8>, row_len: usize, colors: usize, bpc: usize) -> Vec<u8> {
    if row_len == 0 {
        return data;
    }
    for row in data.chunks_mut(row_len) {
        match bpc {
            8 => {
                for i in colors..row.len() {
                    let prev = row.get(i - colors).copied().unwrap_or(0);
                    if let Some(c) = row.get_mut(i) {
                        *c = c.wrapping_add(prev);
                    }
                }
            }
            16 => {
                let step = colors * 2;
                let mut i = step;
                while i + 1 < row.len() {
                    let (Some(&ph), Some(&pl), Some(&ch), Some(&cl)) = (
                        row.get(i - step),
                        row.get(i - step + 1),
                        row.get(i),
                        row.get(i + 1),
                    ) else {
                        break;
                    };
                    let v = u16::from_be_bytes([ch, cl]).wrapping_add(u16::from_be_bytes([ph, pl]));
                    let [h, l] = v.to_be_bytes();
                    if let Some(x) = row.get_mut(i) {
                        *x = h;
                    }
                    if let Some(x) = row.get_mut(i + 1) {
                        *x = l;
                    }
                    i += 2;
                }
            }
            _ => {
                // 1, 2 or 4 bits per component: samples packed MSB first.
                let total = row.len() * 8 / bpc;
                let mask = (1u16 << bpc) - 1;
                for s in colors..total {
                    let get = |row: &[u8], s: usize| -> u16 {
                        let bit = s * bpc;
                        let byte = row.get(bit / 8).copied().unwrap_or(0);
                        let shift = 8 - bpc - (bit % 8);
                        (u16::from(byte) >> shift) & mask
                    };
                    let v = (get(row, s) + get(row, s - colors)) & mask;
                    let bit = s * bpc;
                    let shift = 8 - bpc - (bit % 8);
                    if let Some(b) = row.get_mut(bit / 8) {
                        let cleared = u16::from(*b) & !(mask << shift);
                        *b = (cleared | (v << shift)) as u8;
                    }
                }
            }
        }
    }
    data
}

fn png_predictor(data: &[u8], row_len: usize, bpp: usize) -> Result<Vec<u8>> {
    let stride = row_len + 1;
    let mut out = Vec::with_capacity(data.len());
    // A row longer than the data can only be a single partial row: do not allocate for more.
    let alloc = row_len.min(data.len());
    let mut prev = vec![0u8; alloc];
    let mut cur = vec![0u8; alloc];
    for chunk in data.chunks(stride) {
        let Some((&ty, raw)) = chunk.split_first() else {
            break;
        };
        let n = raw.len();
        for i in 0..n {
            let x = raw.get(i).copied().unwrap_or(0);
            let a = if i >= bpp {
                cur.get(i - bpp).copied().unwrap_or(0)
            } else {
                0
            };
            let b = prev.get(i).copied().unwrap_or(0);
            let c = if i >= bpp {
                prev.get(i - bpp).copied().unwrap_or(0)
            } else {
                0
            };
            let v = match ty {
                0 => x,
                1 => x.wrapping_add(a),
                2 => x.wrapping_add(b),
                3 => x.wrapping_add(((u16::from(a) + u16::from(b)) / 2) as u8),
                4 => x.wrapping_add(paeth(a, b, c)),
                _ => return Err(malformed(format!("invalid PNG predictor row type {ty}"))),
            };
            if let Some(slot) = cur.get_mut(i) {
                *slot = v;
            }
        }
        out.extend_from_slice(cur.get(..n).unwrap_or(&[]));
        std::mem::swap(&mut prev, &mut cur);
    }
    Ok(out)
}

fn paeth(a: u8, b: u8, c: u8) -> u8 {
    let (ia, ib, ic) = (i16::from(a), i16::from(b), i16::from(c));
    let p = ia + ib - ic;
    let (pa, pb, pc) = ((p - ia).abs(), (p - ib).abs(), (p - ic).abs());
    if pa <= pb && pa <= pc {
        a
    } else if pb <= pc {
        b
    } else {
        c
    }
}

/// Compresses with zlib (for streams we write: xref streams, appearance streams).
pub fn flate_encode(data: &[u8]) -> Vec<u8> {
    use std::io::Write as _;
    let mut enc = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::default());
    // Writing into a Vec cannot fail.
    let _ = enc.write_all(data);
    enc.finish().unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn flate_dict(parms: Option<Dict>) -> Dict {
        let mut d = Dict::new();
        d.set("Filter", Object::name("FlateDecode"));
        if let Some(p) = parms {
            d.set("DecodeParms", p);
        }
        d
    }

    fn png_encode(rows: &[&[u8]], ty: u8) -> Vec<u8> {
        // Encodes rows with PNG filter `ty` (0 none, 1 sub, 2 up) with bpp 1.
        let mut out = Vec::new();
        let mut prev = vec![0u8; rows[0].len()];
        for r in rows {
            out.push(ty);
            for (i, &x) in r.iter().enumerate() {
                let a = if i > 0 { r[i - 1] } else { 0 };
                let b = prev[i];
                out.push(match ty {
                    0 => x,
                    1 => x.wrapping_sub(a),
                    2 => x.wrapping_sub(b),
                    3 => x.wrapping_sub(((a as u16 + b as u16) / 2) as u8),
                    _ => x.wrapping_sub(paeth(a, b, if i > 0 { prev[i - 1] } else { 0 })),
                });
            }
            prev = r.to_vec();
        }
        out
    }

    #[test]
    fn identity_and_flate() {
        assert_eq!(decode(&Dict::new(), b"abc", 10).unwrap(), b"abc");
        assert!(matches!(
            decode(&Dict::new(), b"abc", 2),
            Err(PdfError::LimitExceeded(_))
        ));
        let enc = flate_encode(b"hello hello hello");
        assert_eq!(
            decode(&flate_dict(None), &enc, 100).unwrap(),
            b"hello hello hello"
        );
        let mut arr = Dict::new();
        arr.set(
            "Filter",
            vec![Object::name("FlateDecode"), Object::name("FlateDecode")],
        );
        let twice = flate_encode(&enc);
        assert_eq!(decode(&arr, &twice, 100).unwrap(), b"hello hello hello");
    }

    #[test]
    fn bomb_is_limited() {
        let enc = flate_encode(&vec![0u8; 10 << 20]);
        assert!(matches!(
            decode(&flate_dict(None), &enc, 1 << 20),
            Err(PdfError::LimitExceeded(_))
        ));
    }

    #[test]
    fn bad_data_and_unknown_filters() {
        assert!(matches!(
            decode(&flate_dict(None), b"not zlib", 100),
            Err(PdfError::Malformed { .. })
        ));
        let mut d = Dict::new();
        d.set("Filter", Object::name("DCTDecode"));
        assert!(matches!(
            decode(&d, b"x", 100),
            Err(PdfError::Unsupported(_))
        ));
        d.set(
            "Filter",
            vec![Object::name("FlateDecode"), Object::name("LZWDecode")],
        );
        assert!(matches!(
            decode(&d, &flate_encode(b"x"), 100),
            Err(PdfError::Unsupported(_))
        ));
    }

    #[test]
    fn png_predictors() {
        let rows: [&[u8]; 3] = [&[1, 2, 3, 250], &[4, 4, 9, 1], &[200, 100, 50, 25]];
        let plain: Vec<u8> = rows.concat();
        for ty in 0..=4u8 {
            let mut p = Dict::new();
            p.set("Predictor", Object::Integer(10 + i64::from(ty)));
            p.set("Columns", Object::Integer(4));
            let enc = flate_encode(&png_encode(&rows, ty));
            assert_eq!(
                decode(&flate_dict(Some(p)), &enc, 1000).unwrap(),
                plain,
                "type {ty}"
            );
        }
        let mut p = Dict::new();
        p.set("Predictor", Object::Integer(12));
        p.set("Columns", Object::Integer(4));
        let enc = flate_encode(&[7, 1, 2, 3, 4]);
        assert!(decode(&flate_dict(Some(p.clone())), &enc, 1000).is_err());
        p.set("Columns", Object::Integer(1 << 24));
        p.set("Colors", Object::Integer(32));
        p.set("BitsPerComponent", Object::Integer(16));
        // One partial 1 GiB row: decoded without allocating for the whole row.
        assert_eq!(
            decode(
                &flate_dict(Some(p.clone())),
                &flate_encode(&[0, 1, 2]),
                1000
            )
            .unwrap(),
            vec![1, 2]
        );
        p.set("Columns", Object::Integer(i64::MAX));
        assert!(decode(&flate_dict(Some(p)), &flate_encode(&[0, 1]), 1000).is_err());
    }

    #[test]
    fn tiff_predictor_8_bit() {
        let mut p = Dict::new();
        p.set("Predictor", Object::Integer(2));
        p.set("Columns", Object::Integer(3));
        p.set("Colors", Object::Integer(1));
        let enc = flate_encode(&[1, 1, 1, 5, 0, 255]);
        assert_eq!(
            decode(&flate_dict(Some(p)), &enc, 100).unwrap(),
            vec![1, 2, 3, 5, 5, 4]
        );
    }

    #[test]
    fn tiff_predictor_4_bit() {
        let mut p = Dict::new();
        p.set("Predictor", Object::Integer(2));
        p.set("Columns", Object::Integer(4));
        p.set("BitsPerComponent", Object::Integer(4));
        // samples 1,1,1,1 -> 1,2,3,4
        let enc = flate_encode(&[0x11, 0x11]);
        assert_eq!(
            decode(&flate_dict(Some(p)), &enc, 100).unwrap(),
            vec![0x12, 0x34]
        );
    }
}

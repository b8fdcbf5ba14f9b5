//! Incremental updates (ISO 32000-1 §7.5.6): new and changed objects appended after the
//! original bytes, followed by a cross-reference section of the same kind the file already
//! uses (a table after a table or a hybrid file, a stream after a stream), whose `/Prev` is
//! the previous `startxref`.
//!
//! **Invariant:** every byte of the input is a prefix of the output.

use std::collections::BTreeMap;
use std::ops::Range;

use super::{
    filter, Dict, Document, ObjRef, Object, PdfError, Result, Stream, StreamData, XrefKind,
};

/// An incremental update being built against a document's newest revision.
#[derive(Debug)]
pub struct IncrementalUpdate {
    objects: BTreeMap<ObjRef, Object>,
    next_num: u32,
}

/// Where the update's objects landed in the output.
#[derive(Debug, Clone)]
pub struct WrittenUpdate {
    /// Absolute span of each object written (`num gen obj` … `endobj`).
    pub objects: BTreeMap<ObjRef, Range<u64>>,
    /// Absolute offset of the new xref section (the new `startxref` value).
    pub startxref: u64,
    /// Length of the output.
    pub len: u64,
}

impl IncrementalUpdate {
    /// An empty update; new object numbers start at the newest trailer's `/Size`.
    pub fn new(doc: &Document) -> Self {
        let next = doc
            .trailer(doc.last_revision())
            .get_int(b"Size")
            .unwrap_or(1);
        IncrementalUpdate {
            objects: BTreeMap::new(),
            next_num: u32::try_from(next).unwrap_or(1).max(1),
        }
    }

    /// Allocates a fresh object number (generation 0).
    pub fn alloc(&mut self) -> ObjRef {
        let r = ObjRef::new(self.next_num, 0);
        self.next_num = self.next_num.saturating_add(1);
        r
    }

    /// Adds or replaces object `r` in the update (a changed existing object keeps its number).
    pub fn put(&mut self, r: ObjRef, obj: Object) {
        self.objects.insert(r, obj);
    }

    /// The objects in the update.
    pub fn objects(&self) -> &BTreeMap<ObjRef, Object> {
        &self.objects
    }

    /// Appends the update to `out`, which must already hold exactly the document's bytes.
    /// Writes the objects (each preceded by a newline if `out` does not end with one), then an
    /// xref table + trailer or an xref stream (`/Type /XRef`, FlateDecode, `/W` sized to fit),
    /// the trailer carrying over `/Root`, `/Info`, `/ID` and setting `/Size` and `/Prev`; then
    /// `startxref`, `%%EOF` and a newline. In an encrypted document (opened with a password,
    /// see [`Document::unlock`]) the objects' strings and streams are encrypted with the
    /// document's key and the trailer keeps `/Encrypt`; one that could not be opened is
    /// refused ([`PdfError::PasswordRequired`]).
    ///
    /// Streams whose data is still in the file (`StreamData::InFile`) are copied from it.
    pub fn write(&self, doc: &Document, out: &mut Vec<u8>) -> Result<WrittenUpdate> {
        let newest = doc.last_revision();
        let rev = &doc.revisions()[newest];
        let old_trailer = &rev.trailer;
        // An encrypted document's update is encrypted with the document's key.
        let security = if old_trailer.contains(b"Encrypt") {
            match doc.security() {
                Some(s) => Some(s),
                None => return Err(PdfError::PasswordRequired),
            }
        } else {
            None
        };
        if out.len() as u64 != doc.len() {
            return Err(PdfError::Malformed {
                offset: out.len() as u64,
                reason: "the output buffer does not hold exactly the document's bytes".into(),
            });
        }
        let prev =
            rev.xref_offsets.first().copied().ok_or_else(|| {
                PdfError::MalformedXref("newest revision has no xref section".into())
            })?;
        let highest = self.objects.keys().map(|r| r.num).max();
        if highest == Some(u32::MAX) || self.objects.keys().any(|r| r.num == 0) {
            return Err(PdfError::Unsupported(
                "object number out of range in update".into(),
            ));
        }
        let old_size = old_trailer
            .get_int(b"Size")
            .and_then(|s| u32::try_from(s).ok())
            .unwrap_or(0);
        let mut size = old_size.max(highest.map_or(0, |h| h + 1));

        if !matches!(out.last(), Some(b'\n' | b'\r')) {
            out.push(b'\n');
        }
        let mut spans = BTreeMap::new();
        let mut offsets: BTreeMap<u32, (u64, u16)> = BTreeMap::new();
        for (r, obj) in &self.objects {
            let start = out.len() as u64;
            out.extend_from_slice(format!("{} {} obj\n", r.num, r.gen).as_bytes());
            match (obj, security) {
                (Object::Stream(s), None) if matches!(s.data, StreamData::InFile(_)) => {
                    let data = doc.stream_raw(s)?;
                    let loaded = Stream {
                        dict: s.dict.clone(),
                        data: StreamData::Bytes(data),
                    };
                    Object::Stream(loaded).write_to(out);
                }
                (o, None) => o.write_to(out),
                (o, Some(sec)) => {
                    let mut o = o.clone();
                    if let Object::Stream(st) = &mut o {
                        // Decrypted (if read from the file), then encrypted for this object.
                        let plain = doc.stream_raw(st)?;
                        let data = if sec.stream_exempt(&st.dict) {
                            plain
                        } else {
                            sec.encrypt_stream(*r, &plain)?
                        };
                        st.dict.set(
                            "Length",
                            Object::Integer(i64::try_from(data.len()).unwrap_or(i64::MAX)),
                        );
                        st.data = StreamData::Bytes(data);
                    }
                    if sec.dict_ref != Some(*r) {
                        sec.encrypt_object(*r, &mut o)?;
                    }
                    o.write_to(out);
                }
            }
            out.extend_from_slice(b"\nendobj");
            spans.insert(*r, start..out.len() as u64);
            out.push(b'\n');
            offsets.insert(r.num, (start, r.gen));
        }

        let mut trailer = Dict::new();
        for key in [&b"Root"[..], b"Info", b"ID", b"Encrypt"] {
            if let Some(v) = old_trailer.get(key) {
                trailer.set(key.to_vec(), v.clone());
            }
        }
        let startxref = out.len() as u64;
        match rev.kind {
            XrefKind::Table | XrefKind::Hybrid => {
                out.extend_from_slice(b"xref\n");
                for run in runs(&offsets) {
                    let first = run.first().map_or(0, |(n, _)| *n);
                    out.extend_from_slice(format!("{first} {}\n", run.len()).as_bytes());
                    for (_, (off, gen)) in run {
                        out.extend_from_slice(format!("{off:010} {gen:05} n\r\n").as_bytes());
                    }
                }
                let mut t = Dict::new();
                t.set("Size", Object::Integer(i64::from(size)));
                t.set(
                    "Prev",
                    Object::Integer(i64::try_from(prev).unwrap_or(i64::MAX)),
                );
                for (k, v) in trailer.iter() {
                    t.set(k.to_vec(), v.clone());
                }
                out.extend_from_slice(b"trailer\n");
                Object::Dict(t).write_to(out);
                out.push(b'\n');
            }
            XrefKind::Stream => {
                let xref_num = size.max(self.next_num);
                if xref_num == u32::MAX {
                    return Err(PdfError::Unsupported(
                        "object number out of range in update".into(),
                    ));
                }
                size = xref_num + 1;
                offsets.insert(xref_num, (startxref, 0));
                let max_off = offsets.values().map(|(o, _)| *o).max().unwrap_or(0);
                let off_width = (1..=8)
                    .find(|&w| w == 8 || max_off >> (8 * w) == 0)
                    .unwrap_or(8);
                let mut data = Vec::with_capacity(offsets.len() * (3 + off_width));
                let mut index = Vec::new();
                for run in runs(&offsets) {
                    index.push(Object::Integer(i64::from(
                        run.first().map_or(0, |(n, _)| *n),
                    )));
                    index.push(Object::Integer(run.len() as i64));
                    for (_, (off, gen)) in run {
                        data.push(1);
                        data.extend_from_slice(
                            off.to_be_bytes().get(8 - off_width..).unwrap_or(&[]),
                        );
                        data.extend_from_slice(&gen.to_be_bytes());
                    }
                }
                let mut d = Dict::new();
                d.set("Type", Object::name("XRef"));
                d.set("Size", Object::Integer(i64::from(size)));
                d.set(
                    "W",
                    vec![
                        Object::Integer(1),
                        Object::Integer(off_width as i64),
                        Object::Integer(2),
                    ],
                );
                d.set("Index", index);
                d.set(
                    "Prev",
                    Object::Integer(i64::try_from(prev).unwrap_or(i64::MAX)),
                );
                for (k, v) in trailer.iter() {
                    d.set(k.to_vec(), v.clone());
                }
                d.set("Filter", Object::name("FlateDecode"));
                let stream = Stream {
                    dict: d,
                    data: StreamData::Bytes(filter::flate_encode(&data)),
                };
                out.extend_from_slice(format!("{xref_num} 0 obj\n").as_bytes());
                Object::Stream(stream).write_to(out);
                out.extend_from_slice(b"\nendobj\n");
            }
        }
        out.extend_from_slice(format!("startxref\n{startxref}\n%%EOF\n").as_bytes());
        Ok(WrittenUpdate {
            objects: spans,
            startxref,
            len: out.len() as u64,
        })
    }
}

/// Splits sorted `(number, value)` entries into runs of consecutive numbers.
fn runs<V: Copy>(entries: &BTreeMap<u32, V>) -> Vec<Vec<(u32, V)>> {
    let mut out: Vec<Vec<(u32, V)>> = Vec::new();
    for (&n, &v) in entries {
        match out.last_mut() {
            Some(run) if run.last().is_some_and(|(p, _)| p.checked_add(1) == Some(n)) => {
                run.push((n, v))
            }
            _ => out.push(vec![(n, v)]),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn runs_split_on_gaps() {
        let m: BTreeMap<u32, u8> = [(1, 0), (2, 0), (3, 0), (7, 0), (9, 0), (10, 0)]
            .into_iter()
            .collect();
        let r: Vec<Vec<u32>> = runs(&m)
            .into_iter()
            .map(|r| r.into_iter().map(|(n, _)| n).collect())
            .collect();
        assert_eq!(r, vec![vec![1, 2, 3], vec![7], vec![9, 10]]);
        assert!(runs::<u8>(&BTreeMap::new()).is_empty());
    }

    #[test]
    fn update_numbers_and_output() {
        let mut pdf = b"%PDF-1.4\n1 0 obj\n<</Type/Catalog>>\nendobj\n".to_vec();
        let xref = pdf.len();
        pdf.extend_from_slice(
            format!("xref\n0 2\n0000000000 65535 f\r\n0000000009 00000 n\r\ntrailer\n<</Size 2/Root 1 0 R/ID [<01><02>]>>\nstartxref\n{xref}\n%%EOF")
                .as_bytes(),
        );
        let doc = Document::from_bytes(pdf.clone()).unwrap();
        let mut up = IncrementalUpdate::new(&doc);
        let a = up.alloc();
        assert_eq!(a, ObjRef::new(2, 0));
        up.put(a, Object::Integer(5));
        let mut out = pdf.clone();
        let w = up.write(&doc, &mut out).unwrap();
        let tail = String::from_utf8_lossy(&out[pdf.len()..]).into_owned();
        assert!(
            tail.starts_with("\n2 0 obj\n5\nendobj\nxref\n2 1\n"),
            "{tail}"
        );
        assert!(tail.contains("/Size 3/Prev "), "{tail}");
        assert!(tail.contains("/ID [<01> <02>]"), "{tail}");
        assert!(tail.ends_with(&format!("startxref\n{}\n%%EOF\n", w.startxref)));
        assert_eq!(w.objects[&a], pdf.len() as u64 + 1..pdf.len() as u64 + 17);
        // A buffer that is not the document is refused.
        let mut wrong = Vec::new();
        assert!(up.write(&doc, &mut wrong).is_err());
    }
}

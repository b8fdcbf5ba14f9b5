//! The bytes of a revision made after a signature must be a well-formed incremental update:
//! nothing but the objects its cross-reference section lists, that section, `startxref` and
//! `%%EOF` (white space and comments between them). Anything else — objects no xref lists,
//! a second definition of an object, an xref section `startxref` does not reach, garbage —
//! is content that a repairing reader may display and a strict one does not (the Incremental
//! Saving Attack variants of Mladenov et al., CCS 2019). A hybrid section whose table and
//! `/XRefStm` stream disagree about an object is the same problem: readers that prefer
//! one or the other show different documents.

use std::collections::BTreeMap;

use crate::pdf::parser::Parser;
use crate::pdf::reader::parse_xref_stream_entries;
use crate::pdf::{filter, Document, Object, StreamData, XrefEntry, XrefKind};

/// Largest object parsed to account for the bytes of an update (larger ones are a problem).
const MAX_OBJECT: u64 = 256 << 20;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Known {
    Object(u32, u16),
    XrefStm,
    Section,
}

/// Problems with the bytes of revision `rev` (≥ 1): (description, reason). Empty when the
/// revision is a well-formed incremental update.
pub(crate) fn revision_problems(doc: &Document, rev: usize) -> Vec<(String, &'static str)> {
    let mut out = Vec::new();
    let revs = doc.revisions();
    let (Some(prev), Some(r)) = (rev.checked_sub(1).and_then(|p| revs.get(p)), revs.get(rev))
    else {
        return out;
    };
    let human = rev + 1;
    let Some(start) = prev.end else {
        out.push((
            format!(
                "revision {} has no %%EOF, so revision {human} has no clear start",
                rev
            ),
            "an update must follow a complete revision",
        ));
        return out;
    };
    let Some(end) = r.end else {
        out.push((
            format!("revision {human} has no %%EOF after its cross-reference section"),
            "an update must end with startxref and %%EOF",
        ));
        return out;
    };
    let sections = r.xref_offsets.len();
    let expected = if r.kind == XrefKind::Hybrid { 2 } else { 1 };
    if sections != expected {
        out.push((
            format!("revision {human} has {sections} cross-reference sections"),
            "an incremental update has exactly one cross-reference section",
        ));
        return out;
    }
    let mut known: BTreeMap<u64, Known> = BTreeMap::new();
    for (i, &x) in r.xref_offsets.iter().enumerate() {
        if x < start || x >= end {
            out.push((
                format!(
                    "revision {human}'s cross-reference section at byte {x} lies outside its bytes {start}–{end}"
                ),
                "an update's cross-reference section must be part of the update",
            ));
            return out;
        }
        known.insert(
            x,
            if i == 0 {
                Known::Section
            } else {
                Known::XrefStm
            },
        );
    }
    for (&num, e) in &r.entries {
        if let XrefEntry::InUse { offset, gen } = *e {
            if offset >= start && offset < end {
                known.entry(offset).or_insert(Known::Object(num, gen));
            }
        }
    }
    let src = doc.source();
    let mut pos = start;
    loop {
        // White space and comments.
        pos = match skip_blank(doc, pos, end) {
            Ok(p) => p,
            Err(()) => {
                out.push((
                    format!("revision {human}: bytes from {pos} cannot be read"),
                    "unreadable update",
                ));
                return out;
            }
        };
        if pos >= end {
            break;
        }
        let Some(&what) = known.get(&pos) else {
            let next = known.range(pos..).next().map_or(end, |(&o, _)| o);
            out.push((
                format!(
                    "bytes {pos}–{next} of revision {human} are not an object its cross-reference section lists"
                ),
                "bytes no cross-reference section accounts for may be shown by a repairing reader",
            ));
            return out;
        };
        if what == Known::Section {
            if let Some((&o, _)) = known.range(pos + 1..).next() {
                out.push((
                    format!("revision {human} has an object at byte {o}, after its cross-reference section"),
                    "an update's objects come before its cross-reference section",
                ));
                return out;
            }
            break;
        }
        let next = known.range(pos + 1..).next().map_or(end, |(&o, _)| o);
        if next - pos > MAX_OBJECT {
            out.push((
                format!("revision {human}: the object at byte {pos} is too large to check"),
                "limit exceeded",
            ));
            return out;
        }
        let Ok(buf) = src.read(pos, (next - pos) as usize) else {
            out.push((
                format!("revision {human}: bytes from {pos} cannot be read"),
                "unreadable update",
            ));
            return out;
        };
        let mut p = Parser::new(&buf, pos);
        match p.parse_indirect() {
            Ok(obj) => {
                if let Known::Object(num, gen) = what {
                    if obj.id.num != num || obj.id.gen != gen {
                        out.push((
                            format!(
                                "revision {human}'s cross-reference section puts object {num} {gen} at byte {pos}, where object {} {} is",
                                obj.id.num, obj.id.gen
                            ),
                            "readers that repair the file would find a different object",
                        ));
                        return out;
                    }
                }
                pos = obj.end;
            }
            Err(e) => {
                out.push((
                    format!("revision {human}: the object at byte {pos} is malformed ({e})"),
                    "readers that repair the file may read it differently",
                ));
                return out;
            }
        }
    }
    if r.kind == XrefKind::Hybrid {
        hybrid_conflicts(doc, rev, &mut out);
    }
    out
}

/// Skips white space and comments from `pos` (not past `end`).
fn skip_blank(doc: &Document, mut pos: u64, end: u64) -> Result<u64, ()> {
    const CHUNK: usize = 4096;
    let mut in_comment = false;
    while pos < end {
        let n = usize::try_from(end - pos).unwrap_or(CHUNK).min(CHUNK);
        let buf = doc.source().read(pos, n).map_err(|_| ())?;
        if buf.is_empty() {
            return Err(());
        }
        for &c in buf.iter() {
            if in_comment {
                if c == b'\r' || c == b'\n' {
                    in_comment = false;
                }
            } else if c == b'%' {
                in_comment = true;
            } else if !matches!(c, b' ' | b'\t' | b'\r' | b'\n' | b'\x0c' | b'\0') {
                return Ok(pos);
            }
            pos += 1;
        }
    }
    Ok(pos)
}

/// A hybrid section: the `/XRefStm` stream's entries must not contradict the table's.
fn hybrid_conflicts(doc: &Document, rev: usize, out: &mut Vec<(String, &'static str)>) {
    let r = &doc.revisions()[rev];
    let Some(&stm) = r.xref_offsets.get(1) else {
        return;
    };
    let human = rev + 1;
    let entries = (|| -> Option<BTreeMap<u32, XrefEntry>> {
        let len = doc.len();
        let buf = doc
            .source()
            .read(stm, usize::try_from((len - stm).min(MAX_OBJECT)).ok()?)
            .ok()?;
        let obj = Parser::new(&buf, stm).parse_indirect().ok()?;
        let Object::Stream(s) = obj.object else {
            return None;
        };
        let StreamData::InFile(span) = &s.data else {
            return None;
        };
        let raw = doc
            .source()
            .read(span.start, usize::try_from(span.end - span.start).ok()?)
            .ok()?;
        let data = filter::decode(&s.dict, &raw, filter::MAX_DECODED).ok()?;
        parse_xref_stream_entries(&s.dict, &data).ok()
    })();
    let Some(entries) = entries else {
        out.push((
            format!("revision {human}'s /XRefStm stream cannot be read"),
            "readers that use the stream and readers that ignore it show different documents",
        ));
        return;
    };
    for (num, e) in entries {
        if num == 0 {
            continue;
        }
        if let Some(t) = r.entries.get(&num) {
            if *t != e {
                out.push((
                    format!(
                        "revision {human}: the xref table and its /XRefStm stream disagree about object {num}"
                    ),
                    "readers that prefer the table and readers that prefer the stream show different documents",
                ));
                return;
            }
        }
    }
}

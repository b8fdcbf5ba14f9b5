//! `kyso inspect`: the structure of a PDF as a signature expert wants to see it —
//! revisions and where they end, what each revision changed (object ids), form fields,
//! signatures and their byte ranges. Reads only; no cryptography.

use serde::Serialize;

use crate::pdf::{Document, Object, PdfError, XrefEntry, XrefKind};

/// One revision.
#[derive(Debug, Clone, Serialize)]
pub struct RevisionInfo {
    /// 1-based number.
    pub number: usize,
    /// Kind of cross-reference data.
    pub xref: XrefKind,
    /// Offsets of its xref sections.
    pub xref_offsets: Vec<u64>,
    /// Offset just past its `%%EOF`.
    pub end: Option<u64>,
    /// Objects this revision added (`"num gen"`).
    pub added: Vec<String>,
    /// Objects this revision redefined.
    pub changed: Vec<String>,
    /// Objects this revision freed.
    pub freed: Vec<String>,
}

/// One form field.
#[derive(Debug, Clone, Serialize)]
pub struct FieldInfo {
    /// Fully qualified name.
    pub name: String,
    /// `/FT` (`Sig`, `Tx`, `Btn`, `Ch`).
    pub field_type: Option<String>,
    /// Object id.
    pub object: Option<String>,
    /// Whether it has a value.
    pub filled: bool,
}

/// One signature dictionary.
#[derive(Debug, Clone, Serialize)]
pub struct SignatureInfo {
    /// Field name.
    pub field: String,
    /// Object id of the signature dictionary.
    pub object: Option<String>,
    /// `/SubFilter`.
    pub sub_filter: Option<String>,
    /// `/ByteRange` as written.
    pub byte_range: Vec<i64>,
    /// Size of `/Contents` in bytes.
    pub contents_len: usize,
    /// The revision (1-based) whose end the signed bytes reach, if any.
    pub covers_revision: Option<usize>,
}

/// The inspection of one file.
#[derive(Debug, Clone, Serialize)]
pub struct Inspection {
    /// File name as given.
    pub file: String,
    /// Size in bytes.
    pub size: u64,
    /// `%PDF-x.y` version.
    pub header_version: String,
    /// Revisions, oldest first.
    pub revisions: Vec<RevisionInfo>,
    /// Pages in the final revision.
    pub pages: usize,
    /// Terminal form fields in the final revision.
    pub fields: Vec<FieldInfo>,
    /// Signature dictionaries reachable from the form.
    pub signatures: Vec<SignatureInfo>,
}

fn id(num: u32, gen: u16) -> String {
    format!("{num} {gen}")
}

/// Inspects the PDF file at `path` (read on demand, so large files stay cheap).
///
/// # Errors
/// When the file cannot be opened or its structure cannot be read.
pub fn inspect_file(path: &std::path::Path) -> Result<Inspection, PdfError> {
    let doc = Document::open(path)?;
    inspect(&path.display().to_string(), &doc)
}

/// Inspects a PDF held in memory; `name` is what the report calls it.
///
/// # Errors
/// When the structure cannot be read.
pub fn inspect_bytes(name: &str, bytes: Vec<u8>) -> Result<Inspection, PdfError> {
    let doc = Document::from_bytes(bytes)?;
    inspect(name, &doc)
}

/// Inspects a document.
///
/// # Errors
/// When the structure cannot be read.
pub(crate) fn inspect(name: &str, doc: &Document) -> Result<Inspection, PdfError> {
    let mut revisions = Vec::new();
    for (i, r) in doc.revisions().iter().enumerate() {
        let (mut added, mut changed, mut freed) = (Vec::new(), Vec::new(), Vec::new());
        for (&num, e) in &r.entries {
            if num == 0 {
                continue;
            }
            let existed = i > 0
                && matches!(
                    doc.entry_in(i - 1, num),
                    Some((_, XrefEntry::InUse { .. } | XrefEntry::Compressed { .. }))
                );
            match e {
                XrefEntry::Free { gen, .. } => {
                    if existed {
                        freed.push(id(num, *gen));
                    }
                }
                XrefEntry::InUse { gen, .. } => {
                    if existed {
                        changed.push(id(num, *gen))
                    } else {
                        added.push(id(num, *gen))
                    }
                }
                XrefEntry::Compressed { .. } => {
                    if existed {
                        changed.push(id(num, 0))
                    } else {
                        added.push(id(num, 0))
                    }
                }
            }
        }
        revisions.push(RevisionInfo {
            number: i + 1,
            xref: r.kind,
            xref_offsets: r.xref_offsets.clone(),
            end: r.end,
            added,
            changed,
            freed,
        });
    }
    let last = doc.last_revision();
    let pages = doc.pages_in(last).map(|p| p.len()).unwrap_or(0);
    let mut fields = Vec::new();
    let mut signatures = Vec::new();
    for f in crate::form::fields_in(doc, last)? {
        fields.push(FieldInfo {
            name: f.name.clone(),
            field_type: f
                .field_type
                .as_ref()
                .map(|t| String::from_utf8_lossy(t).into_owned()),
            object: f.object.map(|r| id(r.num, r.gen)),
            filled: f.value.as_ref().is_some_and(|v| !matches!(v, Object::Null)),
        });
        if !f.is_signature() {
            continue;
        }
        let Some(v) = &f.value else { continue };
        let Ok(resolved) = doc.deref_in(last, v) else {
            continue;
        };
        let Some(d) = resolved.as_dict() else {
            continue;
        };
        let byte_range = crate::validate::sigdict::raw_byte_range(d);
        let end = match byte_range.as_slice() {
            [_, _, c, d] => c.checked_add(*d).and_then(|e| u64::try_from(e).ok()),
            _ => None,
        };
        let covers_revision = end.and_then(|e| {
            doc.revisions()
                .iter()
                .position(
                    |r| matches!((r.eof_marker, r.end), (Some(m), Some(x)) if e >= m + 5 && e <= x),
                )
                .map(|i| i + 1)
        });
        signatures.push(SignatureInfo {
            field: f.name.clone(),
            object: v.as_ref().map(|r| id(r.num, r.gen)),
            sub_filter: d
                .get_name(b"SubFilter")
                .map(|n| String::from_utf8_lossy(n).into_owned()),
            byte_range,
            contents_len: d
                .get(b"Contents")
                .and_then(Object::as_string)
                .map(|s| s.bytes.len())
                .unwrap_or(0),
            covers_revision,
        });
    }
    Ok(Inspection {
        file: name.to_string(),
        size: doc.len(),
        header_version: doc.header_version().to_string(),
        revisions,
        pages,
        fields,
        signatures,
    })
}

/// Renders an inspection as text.
pub fn render_text(i: &Inspection) -> String {
    use std::fmt::Write as _;
    let mut o = String::new();
    let _ = writeln!(
        o,
        "{}: PDF {}, {} bytes, {} page(s), {} revision(s)",
        i.file,
        i.header_version,
        i.size,
        i.pages,
        i.revisions.len()
    );
    for r in &i.revisions {
        let end = r
            .end
            .map(|e| e.to_string())
            .unwrap_or_else(|| "no %%EOF".into());
        let _ = writeln!(
            o,
            "  revision {}: {:?} xref at {:?}, ends at {end}",
            r.number, r.xref, r.xref_offsets
        );
        let list = |v: &[String]| {
            if v.len() > 12 {
                format!("{} … ({} objects)", v[..12].join(", "), v.len())
            } else {
                v.join(", ")
            }
        };
        if !r.added.is_empty() {
            let _ = writeln!(o, "    added:   {}", list(&r.added));
        }
        if !r.changed.is_empty() {
            let _ = writeln!(o, "    changed: {}", list(&r.changed));
        }
        if !r.freed.is_empty() {
            let _ = writeln!(o, "    freed:   {}", list(&r.freed));
        }
    }
    for f in &i.fields {
        let _ = writeln!(
            o,
            "  field {:?}: {} {}{}",
            f.name,
            f.field_type.as_deref().unwrap_or("?"),
            f.object.as_deref().unwrap_or("(direct)"),
            if f.filled { ", filled" } else { "" }
        );
    }
    for s in &i.signatures {
        let cov = s
            .covers_revision
            .map(|r| format!("revision {r}"))
            .unwrap_or_else(|| "no revision boundary".into());
        let _ = writeln!(
            o,
            "  signature {:?}: {} ByteRange {:?}, /Contents {} bytes, covers {cov}",
            s.field,
            s.sub_filter.as_deref().unwrap_or("?"),
            s.byte_range,
            s.contents_len
        );
    }
    o
}

//! Interactive form fields (ISO 32000-1 §12.7): walks a revision's `/AcroForm /Fields` tree
//! into a flat list of terminal fields with their inherited attributes. Used to find
//! signatures (validation) and signature fields (signing). Knows PDF only, no crypto.

use std::collections::HashSet;

use crate::pdf::{Dict, Document, ObjRef, Object, PdfError};

/// Maximum depth of the field tree and number of fields visited.
const MAX_DEPTH: usize = 32;
const MAX_FIELDS: usize = 100_000;

/// A terminal field.
#[derive(Debug, Clone)]
pub struct Field {
    /// Fully qualified name (partial names joined with `.`).
    pub name: String,
    /// The field's object, if it is indirect.
    pub object: Option<ObjRef>,
    /// The field dictionary.
    pub dict: Dict,
    /// Field type `/FT`, inherited from ancestors when absent.
    pub field_type: Option<Vec<u8>>,
    /// Value `/V` (unresolved: signatures keep their reference), inherited when absent.
    pub value: Option<Object>,
    /// Widget annotations: the field itself when it has `/Subtype /Widget` (merged), else its
    /// `/Kids` that are widgets.
    pub widgets: Vec<ObjRef>,
}

impl Field {
    /// Whether this is a signature field.
    pub fn is_signature(&self) -> bool {
        self.field_type.as_deref() == Some(b"Sig")
    }
    /// The reference of the signature dictionary in `/V`, if it is indirect.
    pub fn value_ref(&self) -> Option<ObjRef> {
        self.value.as_ref().and_then(Object::as_ref)
    }
}

/// The document's AcroForm dictionary in revision `rev` (resolved), if any.
pub(crate) fn acroform_in(doc: &Document, rev: usize) -> Result<Option<(Option<ObjRef>, Dict)>, PdfError> {
    let catalog = doc.catalog_in(rev)?;
    match catalog.get(b"AcroForm") {
        Some(Object::Ref(r)) => Ok(doc
            .resolve_in(rev, *r)?
            .as_dict()
            .cloned()
            .map(|d| (Some(*r), d))),
        Some(Object::Dict(d)) => Ok(Some((None, d.clone()))),
        _ => Ok(None),
    }
}

/// All terminal fields of revision `rev`, in tree order. Cycles and excessive depth are
/// cut off (the offending branch is skipped), so hostile files cannot loop.
pub fn fields_in(doc: &Document, rev: usize) -> Result<Vec<Field>, PdfError> {
    let Some((_, acro)) = acroform_in(doc, rev)? else {
        return Ok(Vec::new());
    };
    let mut out = Vec::new();
    let mut seen = HashSet::new();
    if let Some(fields) = doc
        .deref_in(rev, acro.get(b"Fields").unwrap_or(&Object::Null))?
        .as_array()
    {
        for f in fields {
            walk(doc, rev, f, "", None, None, 0, &mut seen, &mut out)?;
        }
    }
    Ok(out)
}

#[allow(clippy::too_many_arguments)]
fn walk(
    doc: &Document,
    rev: usize,
    node: &Object,
    parent_name: &str,
    inherited_ft: Option<&[u8]>,
    inherited_v: Option<&Object>,
    depth: usize,
    seen: &mut HashSet<ObjRef>,
    out: &mut Vec<Field>,
) -> Result<(), PdfError> {
    if depth > MAX_DEPTH || seen.len() > MAX_FIELDS {
        return Ok(());
    }
    let object = node.as_ref();
    if let Some(r) = object {
        if !seen.insert(r) {
            return Ok(());
        }
    }
    let resolved = doc.deref_in(rev, node)?;
    let Some(dict) = resolved.as_dict().cloned() else {
        return Ok(());
    };
    let partial = dict
        .get(b"T")
        .and_then(Object::as_string)
        .map(|s| s.to_text());
    let name = match (&partial, parent_name.is_empty()) {
        (Some(p), true) => p.clone(),
        (Some(p), false) => format!("{parent_name}.{p}"),
        (None, _) => parent_name.to_string(),
    };
    let ft = dict
        .get_name(b"FT")
        .map(<[u8]>::to_vec)
        .or_else(|| inherited_ft.map(<[u8]>::to_vec));
    let v = dict.get(b"V").cloned().or_else(|| inherited_v.cloned());

    // Kids that are fields (have /T) make this a non-terminal node; kids without /T are widgets.
    let mut field_kids = Vec::new();
    let mut widget_kids = Vec::new();
    if let Some(kids) = doc
        .deref_in(rev, dict.get(b"Kids").unwrap_or(&Object::Null))?
        .as_array()
    {
        for k in kids {
            let kd = doc.deref_in(rev, k)?;
            match kd.as_dict() {
                Some(d) if d.contains(b"T") => field_kids.push(k.clone()),
                Some(_) => {
                    if let Some(r) = k.as_ref() {
                        widget_kids.push(r);
                    }
                }
                None => {}
            }
        }
    }
    if !field_kids.is_empty() {
        for k in &field_kids {
            walk(
                doc,
                rev,
                k,
                &name,
                ft.as_deref(),
                v.as_ref(),
                depth + 1,
                seen,
                out,
            )?;
        }
        return Ok(());
    }
    let mut widgets = widget_kids;
    if dict.get_name(b"Subtype") == Some(b"Widget") {
        if let Some(r) = object {
            widgets.insert(0, r);
        }
    }
    out.push(Field {
        name,
        object,
        dict,
        field_type: ft,
        value: v,
        widgets,
    });
    Ok(())
}

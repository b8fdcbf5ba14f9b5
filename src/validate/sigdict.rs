//! The signature dictionary (ISO 32000-1 §12.8.1, ISO 32000-2 §12.8.1) and the checks that
//! stop Universal Signature Forgery and Signature Wrapping: `/Contents` must be a direct,
//! non-empty, non-zero string whose exact bytes in the file are the `/ByteRange` gap, and
//! `/ByteRange` must be exactly two ranges starting at 0, in bounds and in order.

use std::ops::Range;

use crate::pdf::{Dict, Document, ObjRef, Object};
use crate::report::SignatureKind;

/// The signature handlers (`/Filter`) commonly written. ISO 32000 (§12.8.1) says `/Filter`
/// only names the preferred handler; the `/SubFilter` says how to verify the signature, so
/// an unknown or missing `/Filter` is a remark, never a reason to refuse a signature.
const KNOWN_FILTERS: &[&[u8]] = &[
    b"Adobe.PPKLite",
    b"Adobe.PPKMS",
    b"Adobe.PubSec",
    b"Entrust.PPKEF",
    b"CICI.SignIt",
    b"VeriSign.PPKVS",
];

/// The `/SubFilter`s kyso validates.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum SubFilter {
    /// `adbe.pkcs7.detached`
    Pkcs7Detached,
    /// `ETSI.CAdES.detached` (PAdES)
    CadesDetached,
    /// `adbe.pkcs7.sha1` (deprecated: the CMS signs the SHA-1 of the signed bytes)
    Pkcs7Sha1,
    /// `ETSI.RFC3161` (document time-stamp)
    Rfc3161,
}

/// A signature dictionary that passed the structural checks.
#[derive(Debug, Clone)]
pub(crate) struct SignatureDictionary {
    /// Its object, if indirect.
    pub object: Option<ObjRef>,
    /// The dictionary.
    pub dict: Dict,
    /// Kind.
    pub kind: SignatureKind,
    /// `/SubFilter`.
    pub sub_filter: SubFilter,
    /// `/SubFilter` as written.
    pub sub_filter_name: String,
    /// The `/Contents` bytes (the CMS, with its zero padding).
    pub contents: Vec<u8>,
    /// The `/ByteRange`: `[0, a, b, c]` as u64.
    pub byte_range: [u64; 4],
    /// `/M` (Unix seconds), if present and parsable.
    pub signing_time: Option<i64>,
    /// Harmless deviations (an unknown or missing `/Filter`), reported as
    /// warnings on the `signature-dictionary` check.
    pub remarks: Vec<String>,
}

impl SignatureDictionary {
    /// The two signed ranges.
    pub(crate) fn signed_ranges(&self) -> [Range<u64>; 2] {
        let [a, b, c, d] = self.byte_range;
        [a..a + b, c..c + d]
    }
    /// Offset just past the signed bytes.
    pub(crate) fn signed_end(&self) -> u64 {
        self.byte_range[2] + self.byte_range[3]
    }
    /// Number of signed bytes.
    pub(crate) fn signed_len(&self) -> u64 {
        self.byte_range[1] + self.byte_range[3]
    }
    /// A text entry (`/Reason`, `/Location`, `/ContactInfo`, `/Name`).
    pub(crate) fn text(&self, key: &[u8]) -> Option<String> {
        self.dict
            .get(key)
            .and_then(Object::as_string)
            .map(|s| s.to_text())
    }
}

/// The `/ByteRange` as written, for reports, even when it is malformed.
pub fn raw_byte_range(dict: &Dict) -> Vec<i64> {
    dict.get(b"ByteRange")
        .and_then(Object::as_array)
        .map(|a| a.iter().map(|o| o.as_int().unwrap_or(-1)).collect())
        .unwrap_or_default()
}

/// Checks a signature dictionary's structure against the file. `is_certification` says
/// whether the catalog's `/Perms /DocMDP` names it. The error is the reason, for a
/// `FORMAT_FAILURE`.
pub(crate) fn check(
    doc: &Document,
    object: Option<ObjRef>,
    dict: &Dict,
    is_certification: bool,
) -> Result<SignatureDictionary, String> {
    let type_name = dict.get_name(b"Type");
    let mut remarks = Vec::new();
    let sub_name = match dict.get(b"SubFilter") {
        Some(Object::Name(n)) => String::from_utf8_lossy(n).into_owned(),
        Some(_) => return Err("/SubFilter is not a name".into()),
        None => return Err("the signature dictionary has no /SubFilter".into()),
    };
    let sub_filter =
        match sub_name.as_str() {
            "adbe.pkcs7.detached" => SubFilter::Pkcs7Detached,
            "ETSI.CAdES.detached" => SubFilter::CadesDetached,
            "adbe.pkcs7.sha1" => SubFilter::Pkcs7Sha1,
            "ETSI.RFC3161" => SubFilter::Rfc3161,
            "adbe.x509.rsa_sha1" => return Err(
                "legacy /SubFilter adbe.x509.rsa_sha1 (raw PKCS#1 with /Cert) is not accepted: \
                 it signs with SHA-1 and binds no certificate"
                    .into(),
            ),
            other => return Err(format!("unknown /SubFilter {other}")),
        };
    match (type_name, sub_filter) {
        (Some(b"DocTimeStamp"), SubFilter::Rfc3161) | (None, SubFilter::Rfc3161) => {}
        (Some(b"DocTimeStamp"), _) => {
            return Err("/Type /DocTimeStamp with a /SubFilter other than ETSI.RFC3161".into())
        }
        (_, SubFilter::Rfc3161) => {
            return Err(
                "/SubFilter ETSI.RFC3161 on a dictionary that is not /Type /DocTimeStamp".into(),
            )
        }
        (Some(b"Sig") | None, _) => {}
        (Some(other), _) => {
            return Err(format!(
                "unexpected /Type /{}",
                String::from_utf8_lossy(other)
            ))
        }
    }
    // /Filter only names the preferred handler (ISO 32000-1 §12.8.1): the /SubFilter decided
    // the format above, so an unknown or missing handler is only reported.
    match dict.get(b"Filter") {
        None => remarks.push(
            "the signature dictionary has no /Filter (required by ISO 32000; the /SubFilter decides the format)"
                .into(),
        ),
        Some(Object::Name(n)) if KNOWN_FILTERS.contains(&n.as_slice()) => {}
        Some(Object::Name(n)) => remarks.push(format!(
            "unknown /Filter {} (it only names the preferred signature handler; the /SubFilter {sub_name} decides the format)",
            String::from_utf8_lossy(n)
        )),
        Some(_) => return Err("/Filter is not a name".into()),
    }
    if dict.contains(b"Cert") && sub_filter != SubFilter::Rfc3161 {
        // /Cert is only meaningful for adbe.x509.rsa_sha1; elsewhere it is ignored, harmlessly.
    }

    // /Contents: a direct string with a known position in the file.
    let contents = match dict.get(b"Contents") {
        None => return Err("the signature dictionary has no /Contents".into()),
        Some(Object::Ref(_)) => {
            return Err("/Contents is an indirect reference; it must be a direct string".into())
        }
        Some(Object::Null) => return Err("/Contents is null".into()),
        Some(Object::String(s)) => s,
        Some(o) => return Err(format!("/Contents is a {}, not a string", o.type_name())),
    };
    if contents.bytes.is_empty() {
        return Err("/Contents is empty".into());
    }
    if contents.bytes.iter().all(|&b| b == 0) {
        return Err("/Contents holds only zero bytes (an unsigned placeholder)".into());
    }
    let span = contents.span.clone().ok_or(
        "/Contents is inside an object stream; a signature dictionary must be a plain object",
    )?;

    // /ByteRange: direct, four non-negative integers, [0 a b c] with the gap = /Contents.
    let br = match dict.get(b"ByteRange") {
        None => return Err("the signature dictionary has no /ByteRange".into()),
        Some(Object::Ref(_)) => {
            return Err("/ByteRange is an indirect reference; it must be a direct array".into())
        }
        Some(Object::Array(a)) => a,
        Some(o) => return Err(format!("/ByteRange is a {}, not an array", o.type_name())),
    };
    if br.len() != 4 {
        return Err(format!(
            "/ByteRange has {} numbers; exactly two ranges (four numbers) are allowed",
            br.len()
        ));
    }
    let mut v = [0u64; 4];
    for (i, o) in br.iter().enumerate() {
        let n = o.as_int().ok_or("/ByteRange holds a non-integer")?;
        v[i] = u64::try_from(n).map_err(|_| "/ByteRange holds a negative number".to_string())?;
    }
    let [start, len1, start2, len2] = v;
    let len = doc.len();
    if start != 0 {
        return Err(format!(
            "/ByteRange does not start at 0 (starts at {start})"
        ));
    }
    if start2 < len1 {
        return Err("/ByteRange ranges overlap".into());
    }
    let end = start2.checked_add(len2).ok_or("/ByteRange overflows")?;
    if end > len {
        return Err(format!(
            "/ByteRange ends at {end}, past the end of the file ({len} bytes)"
        ));
    }
    if len1 != span.start || start2 != span.end {
        return Err(format!(
            "the /ByteRange gap [{len1}, {start2}) is not this dictionary's /Contents string at [{}, {})",
            span.start, span.end
        ));
    }
    if !contents.hex {
        return Err("/Contents is a literal string; signatures use a hexadecimal string".into());
    }

    let kind = if sub_filter == SubFilter::Rfc3161 {
        SignatureKind::DocumentTimestamp
    } else if is_certification || has_docmdp_reference(doc, dict) {
        SignatureKind::Certification
    } else {
        SignatureKind::Approval
    };
    let signing_time = dict
        .get(b"M")
        .and_then(Object::as_string)
        .and_then(|s| crate::time::parse_pdf_date(&s.to_text()));
    Ok(SignatureDictionary {
        object,
        dict: dict.clone(),
        kind,
        sub_filter,
        sub_filter_name: sub_name,
        contents: contents.bytes.clone(),
        byte_range: v,
        signing_time,
        remarks,
    })
}

/// Whether a signature dictionary was never filled: its `/Contents` is absent or holds only
/// zero bytes, and it has no usable `/ByteRange` (absent, or not four non-negative integers
/// `[0 a b c]` with two non-empty ranges in order within the file). Such an empty
/// placeholder is an unsigned field, not a failed signature. A dictionary with a usable
/// `/ByteRange` or non-zero `/Contents` was filled, and is checked (and fails) as a
/// signature.
pub(crate) fn is_unfilled_placeholder(dict: &Dict, file_len: u64) -> bool {
    let contents_empty = match dict.get(b"Contents") {
        None | Some(Object::Null) => true,
        Some(Object::String(s)) => s.bytes.iter().all(|&b| b == 0),
        Some(_) => false,
    };
    contents_empty && !has_usable_byte_range(dict, file_len)
}

fn has_usable_byte_range(dict: &Dict, file_len: u64) -> bool {
    let Some(a) = dict.get(b"ByteRange").and_then(Object::as_array) else {
        return false;
    };
    let Some(v) = a
        .iter()
        .map(|o| o.as_int().and_then(|n| u64::try_from(n).ok()))
        .collect::<Option<Vec<u64>>>()
    else {
        return false;
    };
    match v.as_slice() {
        &[0, len1, start2, len2] => {
            len1 > 0
                && len2 > 0
                && start2 >= len1
                && start2.checked_add(len2).is_some_and(|e| e <= file_len)
        }
        _ => false,
    }
}

fn has_docmdp_reference(doc: &Document, dict: &Dict) -> bool {
    let rev = doc.last_revision();
    let Ok(refs) = doc.deref_in(rev, dict.get(b"Reference").unwrap_or(&Object::Null)) else {
        return false;
    };
    refs.as_array().is_some_and(|a| {
        a.iter().any(|r| {
            doc.deref_in(rev, r)
                .ok()
                .and_then(|o| {
                    o.as_dict()
                        .and_then(|d| d.get_name(b"TransformMethod").map(|n| n == b"DocMDP"))
                })
                .unwrap_or(false)
        })
    })
}

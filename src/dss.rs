//! The document security store (ISO 32000-2 §12.8.4.3, ETSI EN 319 142-1 §5.4.2): the
//! catalog's `/DSS` dictionary, whose `/Certs`, `/OCSPs` and `/CRLs` arrays hold streams of
//! DER certificates, OCSP responses and CRLs — the validation data that keeps signatures
//! verifiable after certificates expire and responders disappear.
//!
//! Reading collects every item of a revision's DSS (bounded in count and size); writing adds
//! items to an incremental update as a new DSS dictionary that keeps every existing entry,
//! so earlier bytes are never touched. The optional `/VRI` dictionaries are read past and
//! not written: validators (kyso, pyHanko, Adobe Reader) use the arrays.

use std::collections::HashSet;

use crate::pdf::{Dict, Document, IncrementalUpdate, Object, PdfError, Stream, StreamData};

/// Most items read from one DSS array.
pub(crate) const MAX_ITEMS: usize = 10_000;
/// Most bytes read from one DSS in all (decoded).
pub(crate) const MAX_TOTAL: usize = 256 << 20;

/// The validation data of a DSS.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Dss {
    /// Certificates (DER).
    pub certs: Vec<Vec<u8>>,
    /// OCSP responses (DER OCSPResponse).
    pub ocsps: Vec<Vec<u8>>,
    /// CRLs (DER).
    pub crls: Vec<Vec<u8>>,
    /// Number of `/VRI` entries (not interpreted).
    pub vri_entries: usize,
}

impl Dss {
    /// The DSS of revision `rev`, if its catalog has one. Items that cannot be decoded are
    /// skipped (they are unusable evidence, not a reason to reject the document).
    ///
    /// # Errors
    /// `LimitExceeded` when the DSS is larger than the limits; structure errors from the
    /// PDF layer.
    pub fn read(doc: &Document, rev: usize) -> Result<Option<Dss>, PdfError> {
        let catalog = doc.catalog_in(rev)?;
        let Some(d) = catalog.get(b"DSS") else {
            return Ok(None);
        };
        let Some(dict) = doc.deref_in(rev, d)?.as_dict().cloned() else {
            return Ok(None);
        };
        let mut total = 0usize;
        let mut out = Dss::default();
        for (key, list) in [
            (&b"Certs"[..], &mut out.certs),
            (b"OCSPs", &mut out.ocsps),
            (b"CRLs", &mut out.crls),
        ] {
            *list = read_array(doc, rev, &dict, key, &mut total)?;
        }
        out.vri_entries = match dict.get(b"VRI") {
            Some(v) => doc.deref_in(rev, v)?.as_dict().map_or(0, Dict::len),
            None => 0,
        };
        Ok(Some(out))
    }

}

fn read_array(
    doc: &Document,
    rev: usize,
    dss: &Dict,
    key: &[u8],
    total: &mut usize,
) -> Result<Vec<Vec<u8>>, PdfError> {
    let Some(a) = dss.get(key) else {
        return Ok(Vec::new());
    };
    let arr = doc.deref_in(rev, a)?;
    let Some(items) = arr.as_array() else {
        return Ok(Vec::new());
    };
    if items.len() > MAX_ITEMS {
        return Err(PdfError::LimitExceeded("DSS array length"));
    }
    let mut out = Vec::new();
    for item in items {
        let Ok(obj) = doc.deref_in(rev, item) else {
            continue;
        };
        let Some(s) = obj.as_stream() else { continue };
        let Ok(data) = doc.stream_decoded(s) else {
            continue;
        };
        *total = total.saturating_add(data.len());
        if *total > MAX_TOTAL {
            return Err(PdfError::LimitExceeded("DSS size"));
        }
        out.push(data);
    }
    Ok(out)
}

/// Validation data to add to a document's DSS.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct DssAdditions {
    /// Certificates (DER).
    pub certs: Vec<Vec<u8>>,
    /// OCSP responses (DER).
    pub ocsps: Vec<Vec<u8>>,
    /// CRLs (DER).
    pub crls: Vec<Vec<u8>>,
}

impl DssAdditions {
    /// Adds a certificate unless already present.
    pub(crate) fn add_cert(&mut self, der: &[u8]) {
        push_unique(&mut self.certs, der);
    }
    /// Adds an OCSP response unless already present.
    pub(crate) fn add_ocsp(&mut self, der: &[u8]) {
        push_unique(&mut self.ocsps, der);
    }
    /// Adds a CRL unless already present.
    pub(crate) fn add_crl(&mut self, der: &[u8]) {
        push_unique(&mut self.crls, der);
    }
}

fn push_unique(list: &mut Vec<Vec<u8>>, der: &[u8]) {
    if !list.iter().any(|x| x == der) {
        list.push(der.to_vec());
    }
}

/// What [`add_to_update`] added.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct DssCounts {
    /// Certificates added.
    pub certs: usize,
    /// OCSP responses added.
    pub ocsps: usize,
    /// CRLs added.
    pub crls: usize,
}

/// Adds `add` to the DSS of the document's newest revision within `update`: a new DSS
/// dictionary holding the existing entries (arrays made direct) plus one new stream per item
/// not already there, and the catalog pointed at it. Items already in the DSS are not added
/// again. Returns what was added (nothing is put into `update` when nothing is new).
///
/// # Errors
/// Structure errors from the PDF layer.
pub(crate) fn add_to_update(
    doc: &Document,
    update: &mut IncrementalUpdate,
    add: &DssAdditions,
) -> Result<DssCounts, PdfError> {
    let last = doc.last_revision();
    let catalog_ref = doc
        .trailer(last)
        .get_ref(b"Root")
        .ok_or_else(|| PdfError::MalformedXref("the trailer has no /Root".into()))?;
    let mut catalog = match update.objects().get(&catalog_ref).and_then(Object::as_dict) {
        Some(d) => d.clone(),
        None => doc.catalog_in(last)?,
    };
    let mut dss = match catalog.get(b"DSS") {
        Some(d) => doc
            .deref_in(last, d)?
            .as_dict()
            .cloned()
            .unwrap_or_default(),
        None => Dict::new(),
    };
    if dss.is_empty() {
        dss.set("Type", Object::name("DSS"));
    }
    let existing = Dss::read(doc, last)?.unwrap_or_default();
    let mut counts = DssCounts::default();
    for (key, items, have, count) in [
        ("Certs", &add.certs, &existing.certs, &mut counts.certs),
        ("OCSPs", &add.ocsps, &existing.ocsps, &mut counts.ocsps),
        ("CRLs", &add.crls, &existing.crls, &mut counts.crls),
    ] {
        let have: HashSet<&[u8]> = have.iter().map(Vec::as_slice).collect();
        let mut arr: Vec<Object> = match dss.get(key.as_bytes()) {
            Some(a) => doc
                .deref_in(last, a)?
                .as_array()
                .map(<[Object]>::to_vec)
                .unwrap_or_default(),
            None => Vec::new(),
        };
        let mut added_here = HashSet::new();
        for der in items {
            if have.contains(der.as_slice()) || !added_here.insert(der.as_slice()) {
                continue;
            }
            let r = update.alloc();
            let mut sd = Dict::new();
            sd.set("Filter", Object::name("FlateDecode"));
            update.put(
                r,
                Object::Stream(Stream {
                    dict: sd,
                    data: StreamData::Bytes(crate::pdf::filter::flate_encode(der)),
                }),
            );
            arr.push(Object::Ref(r));
            *count += 1;
        }
        if !arr.is_empty() {
            dss.set(key, arr);
        }
    }
    if counts == DssCounts::default() {
        return Ok(counts);
    }
    let dss_ref = update.alloc();
    update.put(dss_ref, Object::Dict(dss));
    catalog.set("DSS", dss_ref);
    update.put(catalog_ref, Object::Dict(catalog));
    Ok(counts)
}

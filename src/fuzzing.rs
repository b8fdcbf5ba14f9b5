//! Entry points for the fuzz targets in `fuzz/` and for the stable test that replays their
//! corpus (`tests/fuzz_corpus.rs`): each takes arbitrary bytes, runs one parser or the
//! whole validation over them, and must return without panicking, hanging or allocating
//! without bound. Only with the unstable `internals` feature.

use crate::pdf::{Document, ObjRef};

/// Upper bound on the objects resolved per input (the reader is lazy; this walks it).
const MAX_OBJECTS: usize = 2_000;

/// The PDF reader: open, every revision's cross-reference entries resolved, the page tree.
pub fn pdf(data: &[u8]) {
    let Ok(doc) = Document::from_bytes(data.to_vec()) else {
        return;
    };
    let last = doc.last_revision();
    let mut n = 0;
    for rev in doc.revisions() {
        for (&num, _) in rev.entries.iter().take(MAX_OBJECTS) {
            n += 1;
            if n > MAX_OBJECTS {
                break;
            }
            let _ = doc.resolve_in(rev.index, ObjRef::new(num, 0));
        }
    }
    let _ = doc.pages_in(last);
    let _ = crate::form::fields_in(&doc, last);
    let _ = crate::inspect::inspect("fuzz", &doc);
}

/// The DER reader: every element, recursively (depth is bounded by the reader).
pub fn der(data: &[u8]) {
    fn walk(r: &mut crate::der::Reader<'_>, budget: &mut usize) {
        while !r.is_empty() && *budget > 0 {
            *budget -= 1;
            let Ok(e) = r.read() else { return };
            let _ = e.to_oid_string();
            let _ = e.to_time();
            let _ = e.to_u64();
            if e.is_constructed() {
                if let Ok(mut inner) = r.nested(&e) {
                    walk(&mut inner, budget);
                }
            }
        }
    }
    let mut budget = 100_000;
    walk(&mut crate::der::Reader::new(data), &mut budget);
}

/// CMS SignedData.
pub fn cms(data: &[u8]) {
    if let Ok(sd) = crate::cms::parse_signed_data(data) {
        for si in &sd.signer_infos {
            let _ = si.scheme();
        }
    }
}

/// OCSP responses.
pub fn ocsp(data: &[u8]) {
    let _ = crate::revocation::OcspResponse::from_der(data);
}

/// CRLs.
pub fn crl(data: &[u8]) {
    let _ = crate::revocation::Crl::from_der(data);
}

/// RFC 3161: a time-stamp response and a time-stamp token.
pub fn tsp(data: &[u8]) {
    let _ = crate::tsp::parse_response(data);
    let _ = crate::tsp::TimeStampToken::from_der(data);
}

/// The whole validation of a file, with an empty trust store.
pub fn validate(data: &[u8]) {
    let v = crate::validate::Validator::default();
    let report = v.validate_bytes("fuzz.pdf", data);
    // A file with no trust anchors can never be valid.
    assert!(!report.valid, "valid without trust anchors");
}

/// The procedure catalog (TOML).
pub fn catalog(data: &[u8]) {
    if let Ok(text) = std::str::from_utf8(data) {
        if let Ok(c) = crate::policy::Catalog::from_toml(text, "fuzz.toml") {
            // What the catalog writes, it reads back.
            let again = crate::policy::Catalog::from_toml(&c.to_toml(), "again.toml");
            assert!(
                again.is_ok(),
                "a loaded catalog's TOML does not load: {again:?}"
            );
        }
        // The same text as the national CSV, the details and an overlay of an import.
        let input = |name| Some(crate::policy::ImportInput { name, text });
        let _ = crate::policy::import_catalog(&crate::policy::ImportSources {
            national: input("fuzz.csv"),
            details: None,
            overlay: None,
        });
        let _ = crate::policy::import_catalog(&crate::policy::ImportSources {
            national: None,
            details: input("fuzz.jsonl"),
            overlay: None,
        });
        let _ = crate::policy::import_catalog(&crate::policy::ImportSources {
            national: Some(crate::policy::ImportInput {
                name: "n.csv",
                text: "code,name\n1.000001,A\n",
            }),
            details: None,
            overlay: input("fuzz-overlay.toml"),
        });
    }
}

/// The content-stream interpreter: the text of every page.
pub fn content(data: &[u8]) {
    let Ok(doc) = Document::from_bytes(data.to_vec()) else {
        return;
    };
    let last = doc.last_revision();
    if let Ok(pages) = doc.pages_in(last) {
        for p in pages.into_iter().take(50) {
            let _ = crate::appearance::text::PageText::of_page(&doc, last, p);
        }
    }
}

/// A fuzz target's entry point.
pub type Target = fn(&[u8]);

/// Every target by name, for the corpus replay.
pub const TARGETS: &[(&str, Target)] = &[
    ("pdf", pdf),
    ("der", der),
    ("cms", cms),
    ("ocsp", ocsp),
    ("crl", crl),
    ("tsp", tsp),
    ("validate", validate),
    ("catalog", catalog),
    ("content", content),
];

//! A benchmark corpus generated in code: N signed PDFs of a chosen size and signature count,
//! signed with the test PKI's RSA-2048 or ECDSA P-256 signer (see [`crate::TestPki`]).
//!
//! Used by the criterion benches, `kyso bench` and the batch tests. Not for real documents.

use std::path::{Path, PathBuf};

use rayon::prelude::*;

use crate::{Issued, SampleOptions, TestPki};
use kyso::sign::{sign_pdf, KeySigner, SignOptions};

/// Which of the test PKI's signers signs the corpus.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum CorpusKey {
    /// RSA-2048, PKCS#1 v1.5, SHA-256.
    #[default]
    Rsa,
    /// ECDSA P-256, SHA-256.
    Ecdsa,
}

/// What to generate.
#[derive(Debug, Clone)]
pub struct CorpusSpec {
    /// Number of documents.
    pub count: usize,
    /// Approximate size of each signed document in bytes.
    pub size: usize,
    /// Signatures per document (each in its own incremental update), at least 1.
    pub signatures: usize,
    /// The signer.
    pub key: CorpusKey,
}

impl Default for CorpusSpec {
    fn default() -> Self {
        CorpusSpec {
            count: 10,
            size: 20_000,
            signatures: 1,
            key: CorpusKey::Rsa,
        }
    }
}

/// A signer for the test PKI's RSA or EC leaf, with the intermediate and root as chain.
pub fn test_signer(pki: &TestPki, key: CorpusKey) -> KeySigner {
    let who: &Issued = match key {
        CorpusKey::Rsa => &pki.rsa,
        CorpusKey::Ecdsa => &pki.ec,
    };
    KeySigner::from_key_der(
        &who.key_der(),
        who.cert.clone(),
        vec![pki.intermediate.cert.clone(), pki.root.cert.clone()],
    )
    .expect("the test PKI's key matches its certificate")
}

/// Bytes that one signature adds (dictionary, field, xref and the CMS placeholder), about.
const SIGNATURE_OVERHEAD: usize = 5_900;
/// Size of an unpadded sample document, about.
const BASE_SIZE: usize = 1_100;

/// An unsigned sample document `i` whose signed form is about `spec.size` bytes.
pub fn unsigned_document(spec: &CorpusSpec, i: usize) -> Vec<u8> {
    let overhead = BASE_SIZE + SIGNATURE_OVERHEAD * spec.signatures.max(1);
    crate::sample_pdf(&SampleOptions {
        title: format!("kyso benchmark document {i}"),
        padding: spec.size.saturating_sub(overhead),
        ..SampleOptions::default()
    })
}

/// Signed document `i` of the corpus.
///
/// # Panics
/// If signing fails (the test PKI and sample documents are known good).
pub fn signed_document(signer: &KeySigner, spec: &CorpusSpec, i: usize) -> Vec<u8> {
    let mut doc = unsigned_document(spec, i);
    for n in 0..spec.signatures.max(1) {
        let opts = SignOptions {
            field: Some(format!("Signature{}", n + 1)),
            reason: Some("kyso benchmark".into()),
            ..SignOptions::default()
        };
        doc = sign_pdf(&doc, signer, &opts).expect("signing a sample document");
    }
    doc
}

/// Writes the corpus into `dir` as `doc-00000.pdf`, … (in parallel) and the trust anchor as
/// `root.pem`; returns the documents' paths in order.
///
/// # Errors
/// When a file cannot be written.
pub fn write_corpus(dir: &Path, pki: &TestPki, spec: &CorpusSpec) -> std::io::Result<Vec<PathBuf>> {
    std::fs::create_dir_all(dir)?;
    std::fs::write(dir.join("root.pem"), pki.root.cert_pem())?;
    let signer = test_signer(pki, spec.key);
    let paths: Vec<PathBuf> = (0..spec.count)
        .map(|i| dir.join(format!("doc-{i:05}.pdf")))
        .collect();
    paths.par_iter().enumerate().try_for_each(|(i, p)| {
        let bytes = signed_document(&signer, spec, i);
        kyso::write_atomic(p, &bytes, true)
    })?;
    Ok(paths)
}

/// Parses a size such as `20000`, `20k`, `200KB`, `2m`, `2MiB`, `1g` (k = 1000, Ki = 1024).
pub fn parse_size(text: &str) -> Option<usize> {
    let t = text.trim();
    let digits = t
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(t.len());
    let (num, unit) = t.split_at(digits);
    let n: f64 = num.parse().ok()?;
    let mult = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "b" => 1.0,
        "k" | "kb" => 1e3,
        "ki" | "kib" => 1024.0,
        "m" | "mb" => 1e6,
        "mi" | "mib" => 1024.0 * 1024.0,
        "g" | "gb" => 1e9,
        "gi" | "gib" => 1024.0 * 1024.0 * 1024.0,
        _ => return None,
    };
    let v = n * mult;
    (0.0..1e13).contains(&v).then_some(v as usize)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_parse() {
        assert_eq!(parse_size("20k"), Some(20_000));
        assert_eq!(parse_size("200KB"), Some(200_000));
        assert_eq!(parse_size("2m"), Some(2_000_000));
        assert_eq!(parse_size("1KiB"), Some(1024));
        assert_eq!(parse_size("1.5k"), Some(1500));
        assert_eq!(parse_size("12"), Some(12));
        assert_eq!(parse_size("k"), None);
        assert_eq!(parse_size("3 parsecs"), None);
    }

    #[test]
    fn documents_reach_the_size_and_verify() {
        let pki = TestPki::shared();
        let signer = test_signer(pki, CorpusKey::Ecdsa);
        let spec = CorpusSpec {
            count: 1,
            size: 50_000,
            signatures: 2,
            key: CorpusKey::Ecdsa,
        };
        let doc = signed_document(&signer, &spec, 0);
        assert!(doc.len() > 40_000 && doc.len() < 60_000, "{}", doc.len());
        let mut trust = kyso::pki::TrustStore::new();
        trust.add(pki.root.cert.clone());
        let v = kyso::validate::Validator::new(kyso::validate::ValidationOptions {
            trust,
            ..Default::default()
        });
        let r = v.validate_bytes("d.pdf", &doc);
        assert!(r.valid, "{}", kyso::report::render_text(&r));
        assert_eq!(r.signatures.len(), 2);
    }
}

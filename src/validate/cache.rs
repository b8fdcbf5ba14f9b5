//! Caches shared by the files of a batch: parsed certificates, certification paths and the
//! embedded-certificate integrity check, so that documents from one issuer pay for their
//! chain once.
//!
//! Every entry is a pure function of its key: a certificate of its DER; a path of the signer,
//! the candidate pool and the trust anchors (path building is time-independent: validity at
//! the signing or validation time is checked on the path afterwards, per signature); the
//! corruption check of the embedded certificates, the extra certificates and the anchors.
//! Keys are SHA-256 digests over every input, so a hit returns exactly what recomputing would.
//! Nothing here depends on the validation time, and no check is skipped: a hit replays the
//! result of the same check on the same inputs.
//!
//! The cache is `Sync` (read-mostly `RwLock`s) and shared by clones of a
//! [`Validator`](super::Validator). Each map holds at most [`MAX_ENTRIES`] entries and is
//! cleared when full, so memory stays bounded over any number of files.

use std::collections::HashMap;
use std::hash::Hash;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::RwLock;

use sha2::{Digest as _, Sha256};

use crate::pki::{CertError, CertPath, Certificate, PathError, TrustStore};
use crate::report::CertificateSummary;

/// Entries per map before it is cleared.
pub(crate) const MAX_ENTRIES: usize = 4096;

type Key = [u8; 32];

/// A bounded map behind a lock.
#[derive(Debug)]
struct Bounded<K, V> {
    map: RwLock<HashMap<K, V>>,
}

impl<K: Eq + Hash, V: Clone> Bounded<K, V> {
    fn new() -> Self {
        Bounded {
            map: RwLock::new(HashMap::new()),
        }
    }
    fn get(&self, k: &K) -> Option<V> {
        self.map.read().ok()?.get(k).cloned()
    }
    fn put(&self, k: K, v: V) {
        if let Ok(mut m) = self.map.write() {
            if m.len() >= MAX_ENTRIES {
                m.clear();
            }
            m.insert(k, v);
        }
    }
    fn len(&self) -> usize {
        self.map.read().map(|m| m.len()).unwrap_or(0)
    }
}

/// Hit and miss counters.
#[derive(Debug, Default)]
struct Counter {
    hits: AtomicU64,
    misses: AtomicU64,
}

impl Counter {
    fn hit(&self) {
        self.hits.fetch_add(1, Ordering::Relaxed);
    }
    fn miss(&self) {
        self.misses.fetch_add(1, Ordering::Relaxed);
    }
    fn get(&self) -> (u64, u64) {
        (
            self.hits.load(Ordering::Relaxed),
            self.misses.load(Ordering::Relaxed),
        )
    }
}

/// What the cache did (for benchmarks and `--verbose` output).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CacheStats {
    /// Certificate parses saved / done.
    pub certificates: (u64, u64),
    /// Path buildings saved / done.
    pub paths: (u64, u64),
    /// Embedded-certificate checks saved / done.
    pub embedded: (u64, u64),
    /// Entries held now (all maps).
    pub entries: usize,
}

/// The caches of a validator (see the module docs).
#[derive(Debug)]
pub struct ValidationCache {
    enabled: bool,
    certificates: Bounded<Key, Certificate>,
    paths: Bounded<Key, Result<CertPath, PathError>>,
    embedded: Bounded<Key, Option<usize>>,
    summaries: Bounded<Key, (CertificateSummary, String)>,
    cert_count: Counter,
    path_count: Counter,
    embedded_count: Counter,
}

impl Default for ValidationCache {
    fn default() -> Self {
        Self::new()
    }
}

impl ValidationCache {
    /// An empty cache.
    pub fn new() -> Self {
        ValidationCache {
            enabled: true,
            certificates: Bounded::new(),
            paths: Bounded::new(),
            embedded: Bounded::new(),
            summaries: Bounded::new(),
            cert_count: Counter::default(),
            path_count: Counter::default(),
            embedded_count: Counter::default(),
        }
    }

    /// A cache that stores nothing (every call computes).
    pub fn disabled() -> Self {
        ValidationCache {
            enabled: false,
            ..Self::new()
        }
    }

    /// The certificate with this DER, parsed once.
    ///
    /// # Errors
    /// As [`Certificate::from_der`] (errors are not cached).
    pub fn certificate(&self, der: &[u8]) -> Result<Certificate, CertError> {
        if !self.enabled {
            return Certificate::from_der(der);
        }
        let key: Key = Sha256::digest(der).into();
        if let Some(c) = self.certificates.get(&key) {
            self.cert_count.hit();
            return Ok(c);
        }
        self.cert_count.miss();
        let c = Certificate::from_der(der)?;
        self.certificates.put(key, c.clone());
        Ok(c)
    }

    /// `trust.build_path(leaf, pool)`, computed once per (leaf, pool, anchors).
    ///
    /// # Errors
    /// As [`TrustStore::build_path`].
    pub fn build_path(
        &self,
        trust: &TrustStore,
        leaf: &Certificate,
        pool: &[Certificate],
    ) -> Result<CertPath, PathError> {
        if !self.enabled {
            return trust.build_path(leaf, pool);
        }
        let mut h = Sha256::new();
        h.update(b"path");
        h.update(leaf.sha256());
        digest_certs(&mut h, b"pool", pool);
        digest_certs(&mut h, b"anchors", trust.anchors());
        let key: Key = h.finalize().into();
        if let Some(p) = self.paths.get(&key) {
            self.path_count.hit();
            return p;
        }
        self.path_count.miss();
        let p = trust.build_path(leaf, pool);
        self.paths.put(key, p.clone());
        p
    }

    /// `check(embedded)`, computed once per (embedded, extra, anchors): the index of the
    /// first embedded certificate that fails the check.
    pub fn embedded_check(
        &self,
        embedded: &[Certificate],
        extra: &[Certificate],
        trust: &TrustStore,
        check: impl FnOnce() -> Option<usize>,
    ) -> Option<usize> {
        if !self.enabled {
            return check();
        }
        let mut h = Sha256::new();
        h.update(b"embedded");
        digest_certs(&mut h, b"embedded", embedded);
        digest_certs(&mut h, b"extra", extra);
        digest_certs(&mut h, b"anchors", trust.anchors());
        let key: Key = h.finalize().into();
        if let Some(r) = self.embedded.get(&key) {
            self.embedded_count.hit();
            return r;
        }
        self.embedded_count.miss();
        let r = check();
        self.embedded.put(key, r);
        r
    }

    /// [`CertificateSummary::of`] `cert`, and its subject as text, rendered once.
    pub fn summary(&self, cert: &Certificate) -> (CertificateSummary, String) {
        let render = || (CertificateSummary::of(cert), cert.subject().to_string());
        if !self.enabled {
            return render();
        }
        let key = cert.sha256();
        if let Some(s) = self.summaries.get(&key) {
            return s;
        }
        let s = render();
        self.summaries.put(key, s.clone());
        s
    }

    /// Hits and misses so far.
    pub fn stats(&self) -> CacheStats {
        CacheStats {
            certificates: self.cert_count.get(),
            paths: self.path_count.get(),
            embedded: self.embedded_count.get(),
            entries: self.certificates.len()
                + self.paths.len()
                + self.embedded.len()
                + self.summaries.len(),
        }
    }
}

/// Feeds a labelled, length-prefixed list of certificate fingerprints.
fn digest_certs(h: &mut Sha256, label: &[u8], certs: &[Certificate]) {
    h.update(label);
    h.update((certs.len() as u64).to_be_bytes());
    for c in certs {
        h.update(c.sha256());
    }
}

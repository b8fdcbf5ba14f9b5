//! The validation cache (moved from unit tests: they use the test PKI of kyso-testkit).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code

use kyso::pki::TrustStore;
use kyso::validate::cache::*;
use kyso_testkit::TestPki;

#[test]
fn hits_return_what_computing_returns() {
    let pki = TestPki::shared();
    let mut trust = TrustStore::new();
    trust.add(pki.root.cert.clone());
    let cache = ValidationCache::new();
    let pool = vec![pki.rsa.cert.clone(), pki.intermediate.cert.clone()];
    let a = cache.build_path(&trust, &pki.rsa.cert, &pool);
    let b = cache.build_path(&trust, &pki.rsa.cert, &pool);
    assert_eq!(a, b);
    assert_eq!(a, trust.build_path(&pki.rsa.cert, &pool));
    assert_eq!(cache.stats().paths, (1, 1));
    // Another pool is another key: without the intermediate there is no chain.
    let c = cache.build_path(&trust, &pki.rsa.cert, &pool[..1]);
    assert!(c.is_err());
    // Other anchors are another key.
    let mut other = TrustStore::new();
    other.add(pki.lookalike_root.cert.clone());
    assert!(cache.build_path(&other, &pki.rsa.cert, &pool).is_err());
    assert_eq!(cache.stats().paths, (1, 3));

    let der = pki.rsa.cert.der();
    let c1 = cache.certificate(der).unwrap();
    let c2 = cache.certificate(der).unwrap();
    assert_eq!(c1, c2);
    assert_eq!(cache.stats().certificates, (1, 1));
    assert!(cache.certificate(&der[..der.len() - 1]).is_err());

    let mut calls = 0;
    for _ in 0..3 {
        let r = cache.embedded_check(&pool, &[], &trust, || {
            calls += 1;
            None
        });
        assert_eq!(r, None);
    }
    assert_eq!(calls, 1);
}

#[test]
fn disabled_cache_always_computes() {
    let pki = TestPki::shared();
    let cache = ValidationCache::disabled();
    let mut calls = 0;
    for _ in 0..2 {
        cache.embedded_check(&[], &[], &TrustStore::new(), || {
            calls += 1;
            Some(0)
        });
    }
    assert_eq!(calls, 2);
    cache.certificate(pki.root.cert.der()).unwrap();
    assert_eq!(cache.stats(), CacheStats::default());
}

#[test]
fn the_cache_is_sync() {
    fn sync<T: Sync + Send>() {}
    sync::<ValidationCache>();
    sync::<kyso::validate::Validator>();
}

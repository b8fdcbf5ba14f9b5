//! Verifies a generated corpus in a loop, single-threaded, for profiling the verify hot path:
//! `cargo run --release --example profile_verify -- SIZE COUNT ROUNDS [rsa|ec]`.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code
use kyso::pki::TrustStore;
use kyso::validate::{ValidationOptions, Validator};
use kyso_testkit::corpus::{self, CorpusKey, CorpusSpec};

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let size = args
        .get(1)
        .and_then(|s| corpus::parse_size(s))
        .unwrap_or(20_000);
    let count: usize = args.get(2).and_then(|s| s.parse().ok()).unwrap_or(200);
    let rounds: usize = args.get(3).and_then(|s| s.parse().ok()).unwrap_or(5);
    let key = if args.get(4).map(String::as_str) == Some("ec") {
        CorpusKey::Ecdsa
    } else {
        CorpusKey::Rsa
    };
    let dir = std::env::temp_dir().join(format!("kyso-profile-{size}-{count}-{key:?}"));
    // The corpus is kept between runs (same PKI needed: stored as root.pem and reused below).
    let spec = CorpusSpec {
        count,
        size,
        signatures: 1,
        key,
    };
    if !dir.join("root.pem").exists() {
        corpus::write_corpus(&dir, kyso_testkit::TestPki::shared(), &spec).unwrap();
    }
    let files: Vec<_> = (0..count)
        .map(|i| dir.join(format!("doc-{i:05}.pdf")))
        .collect();
    let mut trust = TrustStore::new();
    let root = std::fs::read(dir.join("root.pem")).unwrap();
    for c in kyso::pki::Certificate::from_pem_or_der(&root).unwrap() {
        trust.add(c);
    }
    let v = Validator::new(ValidationOptions {
        trust,
        ..Default::default()
    });
    let cpu0 = cpu_ns();
    let t = std::time::Instant::now();
    let mut n = 0;
    for _ in 0..rounds {
        for f in &files {
            let r = v.validate_file(f).unwrap();
            assert!(r.valid);
            n += 1;
        }
    }
    let s = t.elapsed().as_secs_f64();
    let cpu = (cpu_ns() - cpu0) as f64 / 1e9;
    println!(
        "{n} docs in {s:.3}s wall, {cpu:.3}s CPU: {:.0} docs/s per CPU second, {:.1} us CPU/doc ({:.0} docs/s wall)",
        n as f64 / cpu,
        cpu * 1e6 / n as f64,
        n as f64 / s
    );
    println!("{:?}", v.cache().stats());
}

/// CPU time of this thread (Linux: /proc/thread-self/schedstat), in nanoseconds.
fn cpu_ns() -> u64 {
    std::fs::read_to_string("/proc/thread-self/schedstat")
        .ok()
        .and_then(|s| s.split_whitespace().next()?.parse().ok())
        .unwrap_or(0)
}
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

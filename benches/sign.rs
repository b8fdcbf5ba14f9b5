//! Signing benchmarks: the raw RSA/ECDSA operation, one document in memory, a batch to disk.
//!
//! `cargo bench --bench sign -- --warm-up-time 1 --measurement-time 3`
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code

#[path = "common/mod.rs"]
mod common;

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use kyso::batch::{InputSpec, Inputs, SignBatchOptions};
use kyso::sign::{sign_pdf, SignOptions, Signer};
use kyso_testkit::corpus::{self, CorpusKey, CorpusSpec};

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn sign_one(c: &mut Criterion) {
    let mut g = c.benchmark_group("sign_one");
    g.throughput(Throughput::Elements(1));
    for (key, name) in [(CorpusKey::Rsa, "rsa"), (CorpusKey::Ecdsa, "ecdsa")] {
        let signer = corpus::test_signer(common::pki(), key);
        // The key operation alone, on signed-attributes-sized input.
        g.bench_function(BenchmarkId::new("key-operation", name), |b| {
            b.iter(|| signer.sign(&[0x31u8; 200]).expect("signs"))
        });
        let spec = CorpusSpec {
            count: 1,
            size: 20_000,
            signatures: 1,
            key,
        };
        let input = corpus::unsigned_document(&spec, 0);
        g.bench_function(BenchmarkId::new("sign_pdf-20k", name), |b| {
            b.iter(|| sign_pdf(&input, &signer, &SignOptions::default()).expect("signs"))
        });
    }
    g.finish();
}

fn batch_sign(c: &mut Criterion) {
    let mut g = c.benchmark_group("batch_sign");
    g.sample_size(10);
    let signer = corpus::test_signer(common::pki(), CorpusKey::Rsa);
    let spec = CorpusSpec {
        count: 100,
        size: 20_000,
        signatures: 1,
        key: CorpusKey::Rsa,
    };
    let dir = tempfile::tempdir().expect("temp dir");
    let unsigned = dir.path().join("in");
    kyso_testkit::bench::write_unsigned(&unsigned, &spec).expect("inputs");
    let inputs = Inputs {
        specs: vec![InputSpec::Path(unsigned)],
        ..Default::default()
    };
    let cores = kyso::batch::verify::effective_jobs(0);
    g.throughput(Throughput::Elements(spec.count as u64));
    let mut round = 0;
    for jobs in [1, cores] {
        g.bench_function(BenchmarkId::new(format!("jobs{jobs}"), "20k"), |b| {
            b.iter(|| {
                round += 1;
                let out = dir.path().join(format!("out-{round}"));
                let opts = SignBatchOptions {
                    out_dir: out.clone(),
                    jobs,
                    ..Default::default()
                };
                let mut bad = 0;
                kyso::batch::sign_batch(&signer, &inputs, &opts, &mut |r| {
                    bad += usize::from(r.status != "signed");
                    true
                })
                .expect("runs");
                assert_eq!(bad, 0);
                let _ = std::fs::remove_dir_all(out);
            })
        });
        if jobs == cores {
            break;
        }
    }
    g.finish();
}

criterion_group!(benches, sign_one, batch_sign);
criterion_main!(benches);

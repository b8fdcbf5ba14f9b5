//! Verification benchmarks: parse, hash, one document, a batch (see BENCHMARKS.md).
//!
//! `cargo bench --bench verify -- --warm-up-time 1 --measurement-time 3`
//! Sizes: `KYSO_BENCH_SIZES=20k,200k,2m,20m` (default 20k,200k,2m).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code

#[path = "common/mod.rs"]
mod common;

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use kyso::batch::{InputSpec, Inputs, VerifyBatchOptions};
use kyso::crypto::DigestAlgorithm;
use kyso::pdf::source::Source;
use kyso::pdf::Document;
use kyso_testkit::corpus::CorpusKey;

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn parse(c: &mut Criterion) {
    let mut g = c.benchmark_group("parse");
    for (label, size) in common::sizes() {
        let doc: std::sync::Arc<[u8]> = common::signed(size, CorpusKey::Rsa, 1).into();
        g.throughput(Throughput::Elements(1));
        g.bench_with_input(BenchmarkId::from_parameter(&label), &doc, |b, doc| {
            b.iter(|| {
                let d = Document::from_bytes(doc.clone()).expect("parses");
                kyso::form::fields_in(&d, d.last_revision()).expect("fields")
            })
        });
    }
    g.finish();
}

fn hash(c: &mut Criterion) {
    let mut g = c.benchmark_group("hash");
    for (label, size) in common::sizes() {
        let source = Source::from_bytes(vec![0x5Au8; size]);
        g.throughput(Throughput::Bytes(size as u64));
        g.bench_with_input(BenchmarkId::new("sha256", &label), &source, |b, s| {
            b.iter(|| {
                let mut h = DigestAlgorithm::Sha256.hasher();
                s.for_each_chunk(0, s.len(), 256 << 10, &mut |chunk| h.update(chunk))
                    .expect("in range");
                h.finish()
            })
        });
    }
    g.finish();
}

fn verify_one(c: &mut Criterion) {
    let mut g = c.benchmark_group("verify_one");
    let v = common::validator();
    for (label, size) in common::sizes() {
        for (key, name) in [(CorpusKey::Rsa, "rsa"), (CorpusKey::Ecdsa, "ecdsa")] {
            let doc = common::signed(size, key, 1);
            assert!(v.validate_bytes("d.pdf", &doc).valid);
            g.throughput(Throughput::Elements(1));
            g.bench_with_input(BenchmarkId::new(name, &label), &doc, |b, doc| {
                b.iter(|| v.validate_bytes("d.pdf", doc))
            });
        }
        // Two signatures (the first with modification analysis of the second's update).
        let doc = common::signed(size, CorpusKey::Rsa, 2);
        assert!(v.validate_bytes("d.pdf", &doc).valid);
        g.bench_with_input(BenchmarkId::new("rsa-2sigs", &label), &doc, |b, doc| {
            b.iter(|| v.validate_bytes("d.pdf", doc))
        });
    }
    g.finish();
}

/// The rendering backstop on a two-signature document (one page): off, the default plan
/// (nothing to render: only a signature was added), and every page rendered in both
/// revisions. (all − off) / 2 is the cost of rendering and comparing one page.
fn rendering(c: &mut Criterion) {
    let mut g = c.benchmark_group("rendering");
    let doc = common::signed(200 << 10, CorpusKey::Rsa, 2);
    for (name, check) in [
        ("off", kyso::RenderCheck::Off),
        ("changed", kyso::RenderCheck::Changed),
        ("all-pages", kyso::RenderCheck::AllPages),
    ] {
        let mut trust = kyso::TrustStore::new();
        trust.add(common::pki().root.cert.clone());
        let v = kyso::Validator::new(kyso::ValidationOptions {
            trust,
            rendering: check,
            ..Default::default()
        });
        let r = v.validate_bytes("d.pdf", &doc);
        assert!(r.valid, "{r:?}");
        g.throughput(Throughput::Elements(1));
        g.bench_with_input(BenchmarkId::new(name, "200k-2sigs"), &doc, |b, doc| {
            b.iter(|| v.validate_bytes("d.pdf", doc))
        });
    }
    g.finish();
}

fn batch_verify(c: &mut Criterion) {
    let mut g = c.benchmark_group("batch_verify");
    g.sample_size(10);
    let cores = kyso::batch::verify::effective_jobs(0);
    for (label, size) in common::sizes() {
        let corpus = common::corpus_dir(size, common::batch_count(size), CorpusKey::Rsa);
        let inputs = Inputs {
            specs: vec![InputSpec::Path(corpus.dir.path().to_path_buf())],
            ..Default::default()
        };
        g.throughput(Throughput::Elements(corpus.files.len() as u64));
        for jobs in [1, cores] {
            g.bench_function(BenchmarkId::new(format!("jobs{jobs}"), &label), |b| {
                b.iter(|| {
                    let v = common::validator(); // a fresh cache per batch
                    let mut bad = 0;
                    kyso::batch::verify_batch(
                        &v,
                        &inputs,
                        &VerifyBatchOptions {
                            jobs,
                            full_reports: false,
                        },
                        &mut |r| {
                            bad += usize::from(!r.is_valid());
                            true
                        },
                    )
                    .expect("runs");
                    assert_eq!(bad, 0);
                })
            });
            if jobs == cores {
                break;
            }
        }
    }
    g.finish();
}

criterion_group!(benches, parse, hash, verify_one, rendering, batch_verify);
criterion_main!(benches);

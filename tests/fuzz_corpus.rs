//! Replays the fuzz targets' corpus (`fuzz/corpus/<target>/`) on stable Rust: every input
//! must be handled without a panic (a panic fails this test), and a few mutations of each
//! seed too. Inputs a fuzzing campaign found are added to the corpus, so they stay fixed.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code

use std::path::Path;

#[test]
fn every_corpus_input_is_handled() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz/corpus");
    let mut total = 0;
    for (name, run) in kyso::fuzzing::TARGETS {
        let dir = root.join(name);
        let mut files: Vec<_> = std::fs::read_dir(&dir)
            .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
            .map(|e| e.unwrap().path())
            .collect();
        files.sort();
        assert!(!files.is_empty(), "no corpus for target {name}");
        for f in files {
            let data = std::fs::read(&f).unwrap();
            run(&data);
            // Cheap deterministic mutations: truncations and a flipped byte every 97 bytes.
            for cut in [data.len() / 2, data.len().saturating_sub(1)] {
                run(&data[..cut]);
            }
            let mut flipped = data.clone();
            for i in (0..flipped.len()).step_by(97) {
                flipped[i] ^= 0x5a;
            }
            run(&flipped);
            total += 1;
        }
    }
    assert!(total >= kyso::fuzzing::TARGETS.len());
}

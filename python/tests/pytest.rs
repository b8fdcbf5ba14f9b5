//! Runs the Python package's test suite (python/tests/test_*.py) with pytest in the peers'
//! venv (`scripts/install-test-peers.sh` installs pytest, pyspark and the kyso package built
//! from this source), on test material generated here with the test PKI.
//!
//! It fails, never skips, when the venv or the package is missing. `KYSO_PYTEST_ARGS` passes
//! more arguments to pytest (e.g. `-k thread -x`).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::{Path, PathBuf};
use std::process::Command;

use kyso::sign::{sign_pdf, KeySigner, SignOptions};
use kyso_testkit::corpus::{self, CorpusKey, CorpusSpec};
use kyso_testkit::TestPki;

/// Password of the test PKCS#12 file.
const P12_PASSWORD: &str = "kyso-test";
/// Documents of the Spark archive (≥ 2,000, as the issue asks), of which some are not valid.
const ARCHIVE_VALID: usize = 1_960;
const ARCHIVE_TAMPERED: usize = 25;
const ARCHIVE_WRONG_TRUST: usize = 20;
const ARCHIVE_NOT_PDF: usize = 5;

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_path_buf()
}

fn peers_dir() -> PathBuf {
    std::env::var_os("KYSO_PEERS_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| workspace().join(".peers"))
}

/// The `kyso` binary beside this test executable (`cargo test --workspace` builds it).
fn kyso_bin() -> PathBuf {
    if let Some(p) = std::env::var_os("KYSO_BIN") {
        return PathBuf::from(p);
    }
    let exe = std::env::current_exe().unwrap();
    let dir = exe.parent().and_then(Path::parent).unwrap();
    let bin = dir.join(format!("kyso{}", std::env::consts::EXE_SUFFIX));
    assert!(
        bin.exists(),
        "{} not found: build the CLI first (`cargo build -p kyso-cli`; `cargo test --workspace` does)",
        bin.display()
    );
    bin
}

/// Flips one byte in the middle of the document (inside the signed range, in the padding
/// image): the signature's digest no longer matches.
fn tamper(mut doc: Vec<u8>) -> Vec<u8> {
    let i = doc.len() / 3;
    doc[i] ^= 0x55;
    doc
}

/// A signer of the look-alike PKI: a root with the real root's subject that is not trusted.
fn wrong_trust_signer(pki: &TestPki) -> KeySigner {
    KeySigner::from_key_der(
        &pki.lookalike_leaf.key_der(),
        pki.lookalike_leaf.cert.clone(),
        vec![pki.lookalike_root.cert.clone()],
    )
    .unwrap()
}

fn write(dir: &Path, name: &str, bytes: &[u8]) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, bytes).unwrap();
    p
}

/// The material the Python tests read (see python/tests/conftest.py).
fn make_material(dir: &Path) {
    let pki = TestPki::shared();
    write(dir, "root.pem", &pki.root.cert_pem());
    write(dir, "other-root.pem", &pki.lookalike_root.cert_pem());
    write(
        dir,
        "signer.p12",
        &pki.rsa
            .pkcs12(P12_PASSWORD, &[&pki.intermediate, &pki.root]),
    );
    write(dir, "signer.key.pem", &pki.rsa.key_pem());
    write(dir, "signer.cert.pem", &pki.rsa.cert_pem());
    let mut chain = pki.intermediate.cert_pem();
    chain.extend(pki.root.cert_pem());
    write(dir, "chain.pem", &chain);
    write(dir, "expired.key.pem", &pki.expired.key_pem());
    write(dir, "expired.cert.pem", &pki.expired.cert_pem());
    write(dir, "p12-password.txt", P12_PASSWORD.as_bytes());

    let spec = CorpusSpec {
        count: 1,
        size: 20_000,
        signatures: 1,
        key: CorpusKey::Rsa,
    };
    write(dir, "unsigned.pdf", &corpus::unsigned_document(&spec, 0));

    // A few files of each kind for the API tests.
    let small = dir.join("small");
    std::fs::create_dir_all(&small).unwrap();
    let signer = corpus::test_signer(pki, CorpusKey::Rsa);
    let ec = corpus::test_signer(pki, CorpusKey::Ecdsa);
    let wrong = wrong_trust_signer(pki);
    for i in 0..3 {
        write(
            &small,
            &format!("valid-{i}.pdf"),
            &corpus::signed_document(&signer, &spec, i),
        );
    }
    write(
        &small,
        "valid-ecdsa.pdf",
        &corpus::signed_document(&ec, &spec, 3),
    );
    write(
        &small,
        "tampered.pdf",
        &tamper(corpus::signed_document(&signer, &spec, 4)),
    );
    write(
        &small,
        "wrong-trust.pdf",
        &corpus::signed_document(&wrong, &spec, 5),
    );
    write(&small, "not-a-pdf.pdf", b"this is not a PDF\n");
    write(&small, "unsigned.pdf", &corpus::unsigned_document(&spec, 6));

    // The archive the Spark test verifies (and `kyso verify --report` too).
    let archive = dir.join("archive");
    let valid = archive.join("valid");
    corpus::write_corpus(
        &valid,
        pki,
        &CorpusSpec {
            count: ARCHIVE_VALID,
            ..spec.clone()
        },
    )
    .unwrap();
    std::fs::remove_file(valid.join("root.pem")).unwrap();
    let bad = archive.join("bad");
    std::fs::create_dir_all(&bad).unwrap();
    for i in 0..ARCHIVE_TAMPERED {
        let doc = corpus::signed_document(&signer, &spec, 10_000 + i);
        write(&bad, &format!("tampered-{i:03}.pdf"), &tamper(doc));
    }
    for i in 0..ARCHIVE_WRONG_TRUST {
        let doc = corpus::signed_document(&wrong, &spec, 20_000 + i);
        write(&bad, &format!("wrong-trust-{i:03}.pdf"), &doc);
    }
    for i in 0..ARCHIVE_NOT_PDF {
        write(
            &bad,
            &format!("not-a-pdf-{i:03}.pdf"),
            format!("not a PDF {i}\n").as_bytes(),
        );
    }
    // Two files over the Spark job's size threshold (the test sets it low), read by path on
    // the executor.
    let big = CorpusSpec {
        size: 300_000,
        ..spec.clone()
    };
    for i in 0..2 {
        let doc = corpus::signed_document(&signer, &big, 30_000 + i);
        write(&archive, &format!("large-{i}.pdf"), &doc);
    }
    // A signed document (for the tests that sign a second time).
    let opts = SignOptions {
        reason: Some("kyso python tests".into()),
        ..SignOptions::default()
    };
    let signed = sign_pdf(&corpus::unsigned_document(&spec, 7), &signer, &opts).unwrap();
    write(dir, "signed.pdf", &signed);
}

/// The newest modification time of the files below `dir`.
fn newest(dir: &Path) -> std::time::SystemTime {
    let mut t = std::time::UNIX_EPOCH;
    for e in std::fs::read_dir(dir).unwrap().flatten() {
        let p = e.path();
        let m = if p.is_dir() {
            newest(&p)
        } else {
            e.metadata().and_then(|m| m.modified()).unwrap()
        };
        t = t.max(m);
    }
    t
}

/// Fails when the installed extension module is older than the sources it is built from
/// (the library's and the binding's): the tests would test another build.
fn assert_installed_is_current(module: &Path) {
    let installed = std::fs::metadata(module).unwrap().modified().unwrap();
    let ws = workspace();
    for dir in ["src", "python/src", "python/kyso"] {
        let changed = newest(&ws.join(dir));
        assert!(
            installed >= changed,
            "the installed kyso package ({}) is older than {}/: run `bash scripts/install-test-peers.sh` to rebuild it from this source",
            module.display(),
            dir
        );
    }
}

#[test]
fn python_package_tests_pass() {
    let python = peers_dir().join("venv/bin/python");
    assert!(
        python.exists(),
        "{} not found: run `bash scripts/install-test-peers.sh` (it makes the venv with pytest, pyspark and the kyso package)",
        python.display()
    );
    let import = Command::new(&python)
        .args([
            "-c",
            "import kyso._kyso, pytest; print(kyso._kyso.__file__)",
        ])
        // Not python/ (cargo's directory for this test), where `kyso` is the source package.
        .current_dir(workspace())
        .output()
        .unwrap();
    assert!(
        import.status.success(),
        "the kyso Python package or pytest is not installed in {}: run `bash scripts/install-test-peers.sh` (it builds and installs the package from this source)\n{}",
        python.display(),
        String::from_utf8_lossy(&import.stderr)
    );
    let module = PathBuf::from(String::from_utf8_lossy(&import.stdout).trim());
    assert_installed_is_current(&module);
    let material = tempfile::tempdir().unwrap();
    let t = std::time::Instant::now();
    make_material(material.path());
    eprintln!(
        "test material in {} ({:.1} s)",
        material.path().display(),
        t.elapsed().as_secs_f64()
    );
    let mut cmd = Command::new(&python);
    cmd.args(["-m", "pytest", "-p", "no:cacheprovider", "-q", "-ra"])
        .arg(workspace().join("python/tests"))
        .env("KYSO_TEST_MATERIAL", material.path())
        .env("KYSO_BIN", kyso_bin())
        .env("KYSO_P12_PASSWORD", P12_PASSWORD)
        .env("KYSO_REPO", workspace())
        .current_dir(workspace());
    if let Ok(extra) = std::env::var("KYSO_PYTEST_ARGS") {
        cmd.args(extra.split_whitespace());
    }
    let status = cmd.status().unwrap();
    assert!(
        status.success(),
        "pytest failed ({status}): see its output above"
    );
}

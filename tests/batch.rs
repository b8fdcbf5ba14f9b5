//! Batch signing and verification through the CLI: directories and manifests, JSON Lines
//! logs and reports, resume, --force, failures that do not stop the batch, shards and
//! `kyso report merge`. No timed assertions.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code

mod common;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use common::*;
use kyso_testkit::SampleOptions;

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

/// A workspace with `in/` holding `n` unsigned documents (two in a subdirectory).
fn inputs(n: usize) -> Workspace {
    let w = Workspace::new();
    std::fs::create_dir_all(w.path("in/sub")).unwrap();
    for i in 0..n {
        let name = if i < 2 {
            format!("in/sub/doc-{i}.pdf")
        } else {
            format!("in/doc-{i}.pdf")
        };
        w.write(
            &name,
            &sample(&SampleOptions {
                title: format!("document {i}"),
                ..Default::default()
            }),
        );
    }
    w
}

fn batch_sign(w: &Workspace, extra: &[&str]) -> std::process::Output {
    let mut args = vec![
        "sign".to_string(),
        s(&w.path("in")).into(),
        "--out-dir".into(),
        s(&w.path("out")).into(),
        "--p12".into(),
        s(&w.path("rsa.p12")).into(),
        "--password-file".into(),
        s(&w.path("p12.pass")).into(),
        "--jobs".into(),
        "2".into(),
    ];
    args.extend(extra.iter().map(|a| a.to_string()));
    let refs: Vec<&str> = args.iter().map(String::as_str).collect();
    kyso(&refs)
}

fn jsonl(text: &str) -> Vec<serde_json::Value> {
    text.lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .collect()
}

fn snapshot(dir: &Path) -> Vec<(PathBuf, Vec<u8>)> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else {
                out.push((p.clone(), std::fs::read(&p).unwrap()));
            }
        }
    }
    out.sort();
    out
}

#[test]
fn batch_sign_a_directory_logs_verifies_resumes_and_never_overwrites() {
    let w = inputs(5);
    let before = snapshot(&w.path("in"));
    let o = batch_sign(&w, &[]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(stderr(&o).contains("5 files signed"), "{}", stderr(&o));

    // Outputs keep the layout, start with their input, and verify.
    for (p, bytes) in &before {
        let rel = p.strip_prefix(w.path("in")).unwrap();
        let out = w.path("out").join(rel);
        let signed = std::fs::read(&out).unwrap();
        assert!(signed.starts_with(bytes), "{}", out.display());
        let r = verify(&signed);
        assert!(r.valid, "{}", kyso::report::render_text(&r));
    }
    assert_eq!(snapshot(&w.path("in")), before, "inputs are never modified");

    // The log: one line per file with the documented fields.
    let log = jsonl(&std::fs::read_to_string(w.path("out/kyso-sign.jsonl")).unwrap());
    assert_eq!(log.len(), 5);
    for l in &log {
        for field in ["input", "output", "sha256", "signer", "time", "status"] {
            assert!(l.get(field).is_some(), "{field} missing in {l}");
        }
        assert_eq!(l["status"], "signed");
        assert!(l.get("error").is_none());
        assert!(l["signer"].as_str().unwrap().contains("Nguyễn Văn An"));
        let out = std::fs::read(l["output"].as_str().unwrap()).unwrap();
        use sha2::Digest;
        let hex: String = sha2::Sha256::digest(&out)
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        assert_eq!(l["sha256"], hex.as_str());
    }

    // Resume: outputs that exist and verify are skipped, not rewritten.
    let outputs = snapshot(&w.path("out"));
    let o = batch_sign(&w, &["--log", s(&w.path("second.jsonl"))]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let log = jsonl(&std::fs::read_to_string(w.path("second.jsonl")).unwrap());
    assert_eq!(log.len(), 5);
    assert!(log.iter().all(|l| l["status"] == "skipped"), "{log:?}");
    let pdfs = |v: Vec<(PathBuf, Vec<u8>)>| -> Vec<(PathBuf, Vec<u8>)> {
        v.into_iter()
            .filter(|(p, _)| p.extension().is_some_and(|e| e == "pdf"))
            .collect()
    };
    assert_eq!(pdfs(snapshot(&w.path("out"))), pdfs(outputs.clone()));

    // An existing output that is not a signed copy of its input is not overwritten...
    let victim = w.path("out/doc-2.pdf");
    std::fs::write(&victim, b"precious other file").unwrap();
    let o = batch_sign(&w, &["--log", s(&w.path("third.jsonl"))]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert_eq!(std::fs::read(&victim).unwrap(), b"precious other file");
    let log = jsonl(&std::fs::read_to_string(w.path("third.jsonl")).unwrap());
    let bad: Vec<_> = log.iter().filter(|l| l["status"] == "failed").collect();
    assert_eq!(bad.len(), 1, "{log:?}");
    assert!(bad[0]["error"].as_str().unwrap().contains("--force"));
    assert_eq!(log.iter().filter(|l| l["status"] == "skipped").count(), 4);

    // ...unless --force.
    let o = batch_sign(&w, &["--force", "--log", s(&w.path("fourth.jsonl"))]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(verify(&std::fs::read(&victim).unwrap()).valid);
    let log = jsonl(&std::fs::read_to_string(w.path("fourth.jsonl")).unwrap());
    assert!(log.iter().all(|l| l["status"] == "signed"));
    // No temporary files are left behind.
    assert!(snapshot(&w.path("out")).iter().all(|(p, _)| !p
        .file_name()
        .unwrap()
        .to_string_lossy()
        .starts_with('.')));
}

#[test]
fn batch_sign_reports_a_corrupt_input_and_goes_on() {
    let w = inputs(4);
    w.write("in/broken.pdf", b"%PDF-1.7\nthis is not a PDF body\n");
    let o = batch_sign(&w, &["--log", "-"]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let log = jsonl(&stdout(&o));
    assert_eq!(log.len(), 5);
    let failed: Vec<_> = log.iter().filter(|l| l["status"] == "failed").collect();
    assert_eq!(failed.len(), 1);
    assert!(failed[0]["input"].as_str().unwrap().ends_with("broken.pdf"));
    assert!(failed[0]["error"].as_str().is_some());
    assert_eq!(log.iter().filter(|l| l["status"] == "signed").count(), 4);
    assert!(!w.path("out/broken.pdf").exists());
    assert!(stderr(&o).contains("broken.pdf"));
}

#[test]
fn batch_sign_from_a_manifest_with_output_names_and_suffix() {
    let w = inputs(3);
    let manifest = format!(
        "# inputs\n{}\n{}\tnamed/x.pdf\n",
        s(&w.path("in/doc-2.pdf")),
        s(&w.path("in/sub/doc-0.pdf")),
    );
    w.write("list.txt", manifest.as_bytes());
    let o = kyso(&[
        "sign",
        "--manifest",
        s(&w.path("list.txt")),
        "--out-dir",
        s(&w.path("out")),
        "--suffix",
        "-signed",
        "--p12",
        s(&w.path("ec.p12")),
        "--password-file",
        s(&w.path("p12.pass")),
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(verify(&w.read("out/doc-2-signed.pdf")).valid);
    assert!(verify(&w.read("out/named/x-signed.pdf")).valid);
}

#[test]
fn single_file_sign_still_needs_an_output() {
    let w = inputs(3);
    let o = kyso(&[
        "sign",
        s(&w.path("in/doc-2.pdf")),
        s(&w.path("in/sub/doc-0.pdf")),
        "-o",
        s(&w.path("x.pdf")),
        "--p12",
        s(&w.path("rsa.p12")),
        "--password-file",
        s(&w.path("p12.pass")),
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("--out-dir"), "{}", stderr(&o));
}

/// A workspace with `signed/` holding `n` signed documents (some in `signed/more/`).
fn signed_corpus(n: usize) -> Workspace {
    let w = Workspace::new();
    std::fs::create_dir_all(w.path("signed/more")).unwrap();
    for i in 0..n {
        let doc = sign_default(&sample(&SampleOptions {
            title: format!("signed {i}"),
            ..Default::default()
        }));
        let name = if i % 3 == 0 {
            format!("signed/more/s-{i:02}.pdf")
        } else {
            format!("signed/s-{i:02}.pdf")
        };
        w.write(&name, &doc);
    }
    w
}

#[test]
fn batch_verify_streams_one_json_line_per_file_and_exit_code_1_on_a_bad_one() {
    let w = signed_corpus(8);
    // All good.
    let o = kyso(&[
        "verify",
        s(&w.path("signed")),
        "--trust",
        s(&w.path("root.pem")),
        "--jobs",
        "2",
        "--report",
        "-",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let lines = jsonl(&stdout(&o));
    assert_eq!(lines.len(), 8);
    assert!(lines
        .iter()
        .all(|l| l["status"] == "valid" && l["signatures"] == 1));
    assert!(stderr(&o).contains("8 files verified"), "{}", stderr(&o));

    // One tampered file.
    let mut bad = w.read("signed/s-01.pdf");
    let at = bad.len() / 3;
    bad[at] ^= 0x01;
    w.write("signed/s-01.pdf", &bad);
    let o = kyso(&[
        "verify",
        s(&w.path("signed")),
        "--trust",
        s(&w.path("root.pem")),
        "--jobs",
        "2",
        "--report",
        "-",
        "--csv",
        s(&w.path("report.csv")),
    ]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let lines = jsonl(&stdout(&o));
    assert_eq!(lines.len(), 8);
    let invalid: Vec<_> = lines.iter().filter(|l| l["status"] != "valid").collect();
    assert_eq!(invalid.len(), 1);
    assert!(invalid[0]["file"].as_str().unwrap().ends_with("s-01.pdf"));
    assert!(invalid[0]["reason"].as_str().is_some());
    let table = stderr(&o);
    assert!(table.contains("invalid") && table.contains(invalid[0]["reason"].as_str().unwrap()));
    let csv = std::fs::read_to_string(w.path("report.csv")).unwrap();
    assert_eq!(csv.lines().count(), 9);
    assert!(csv.starts_with("file,status,"));

    // Without --report: the not-valid files are listed, then the summary.
    let o = kyso(&[
        "verify",
        s(&w.path("signed")),
        "--trust",
        s(&w.path("root.pem")),
    ]);
    assert_eq!(o.status.code(), Some(1));
    let out = stdout(&o);
    assert!(out.contains("s-01.pdf: NOT VALID"), "{out}");
    assert!(out.contains("8 files verified"), "{out}");
}

#[test]
fn batch_verify_a_manifest_with_a_missing_file_is_an_io_error() {
    let w = signed_corpus(3);
    let manifest = format!(
        "{}\n{}\n",
        s(&w.path("signed/s-01.pdf")),
        s(&w.path("signed/nope.pdf"))
    );
    w.write("list.txt", manifest.as_bytes());
    let o = kyso(&[
        "verify",
        "--manifest",
        s(&w.path("list.txt")),
        "--trust",
        s(&w.path("root.pem")),
        "--report",
        s(&w.path("r.jsonl")),
    ]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    let lines = jsonl(&std::fs::read_to_string(w.path("r.jsonl")).unwrap());
    assert_eq!(lines.len(), 2);
    assert_eq!(
        lines.iter().filter(|l| l["status"] == "error").count(),
        1,
        "{lines:?}"
    );
}

#[test]
fn explicit_files_keep_the_classic_output() {
    let w = signed_corpus(2);
    let o = kyso(&[
        "verify",
        s(&w.path("signed/s-01.pdf")),
        s(&w.path("signed/more/s-00.pdf")),
        "--trust",
        s(&w.path("root.pem")),
        "--format",
        "json",
    ]);
    assert_eq!(o.status.code(), Some(0));
    let lines = jsonl(&stdout(&o));
    assert_eq!(lines.len(), 2);
    assert_eq!(lines[0]["schema_version"], 1);
    assert!(lines[0]["file"].as_str().unwrap().ends_with("s-01.pdf"));
}

#[test]
fn shards_partition_a_manifest_and_merge_joins_them() {
    let w = signed_corpus(12);
    let mut list = String::new();
    for e in snapshot(&w.path("signed")) {
        list.push_str(s(&e.0));
        list.push('\n');
    }
    w.write("list.txt", list.as_bytes());
    let mut union = BTreeSet::new();
    let mut total = 0;
    let mut reports = Vec::new();
    for i in 0..3 {
        let report = w.path(&format!("shard-{i}.jsonl"));
        let o = kyso(&[
            "verify",
            "--manifest",
            s(&w.path("list.txt")),
            "--shard",
            &format!("{i}/3"),
            "--trust",
            s(&w.path("root.pem")),
            "--report",
            s(&report),
        ]);
        assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
        let lines = jsonl(&std::fs::read_to_string(&report).unwrap());
        // Deterministic: the same shard again gives the same files.
        let again = kyso(&[
            "verify",
            "--manifest",
            s(&w.path("list.txt")),
            "--shard",
            &format!("{i}/3"),
            "--trust",
            s(&w.path("root.pem")),
            "--report",
            "-",
        ]);
        let mut a: Vec<String> = lines.iter().map(|l| l["file"].to_string()).collect();
        let mut b: Vec<String> = jsonl(&stdout(&again))
            .iter()
            .map(|l| l["file"].to_string())
            .collect();
        a.sort();
        b.sort();
        assert_eq!(a, b);
        total += lines.len();
        for l in lines {
            assert!(
                union.insert(l["file"].as_str().unwrap().to_string()),
                "disjoint"
            );
        }
        reports.push(report);
    }
    assert_eq!(total, 12);
    assert_eq!(union.len(), 12, "the union of the shards is the manifest");

    let mut args = vec!["report", "merge"];
    for r in &reports {
        args.push(s(r));
    }
    let all = w.path("all.jsonl");
    args.extend(["-o", s(&all)]);
    let o = kyso(&args);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(stderr(&o).contains("12 files"), "{}", stderr(&o));
    let merged = jsonl(&std::fs::read_to_string(&all).unwrap());
    assert_eq!(merged.len(), 12);
    let files: BTreeSet<String> = merged
        .iter()
        .map(|l| l["file"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(files, union);

    // A shard with a bad file makes the merge exit 1.
    w.write(
        "bad.jsonl",
        b"{\"file\":\"x.pdf\",\"status\":\"invalid\",\"reason\":\"HASH_FAILURE\"}\n",
    );
    let o = kyso(&["report", "merge", s(&all), s(&w.path("bad.jsonl"))]);
    assert_eq!(o.status.code(), Some(1));
    assert_eq!(jsonl(&stdout(&o)).len(), 13);
    assert!(stderr(&o).contains("HASH_FAILURE"));

    let o = kyso(&[
        "verify",
        "--manifest",
        s(&w.path("list.txt")),
        "--shard",
        "3/3",
    ]);
    assert_eq!(o.status.code(), Some(2), "shard index out of range");
}

//! The CLI when its output goes away (`kyso verify … | head -c0`): a closed standard output
//! never changes the verdict's exit code (0 valid, 1 not valid, 2 error) and never panics.
//! And a resumed batch sign cleans up what a crashed run left half-written.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code

mod common;

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, SystemTime};

use common::*;

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

/// Runs `kyso ARGS` with standard output connected to a pipe whose read end is closed
/// before the process starts: its first write fails with EPIPE.
fn kyso_closed_stdout(args: &[&str]) -> (Option<i32>, String) {
    // The write end of a pipe whose only reader (`true`) has exited.
    let mut reader = Command::new("true").stdin(Stdio::piped()).spawn().unwrap();
    let writer = reader.stdin.take().unwrap();
    reader.wait().unwrap();
    let o = Command::new(kyso_bin())
        .args(args)
        .stdout(Stdio::from(writer))
        .stderr(Stdio::piped())
        .output()
        .unwrap();
    let err = stderr(&o);
    assert!(!err.contains("panicked"), "{err}");
    assert_ne!(o.status.code(), Some(101), "{err}");
    (o.status.code(), err)
}

/// A workspace with `good.pdf` (signed), `bad.pdf` (unsigned) and `dir/` holding both.
fn files() -> Workspace {
    let w = Workspace::new();
    let good = sign_default(&sample_default());
    let bad = sample_default();
    w.write("good.pdf", &good);
    w.write("bad.pdf", &bad);
    std::fs::create_dir_all(w.path("dir")).unwrap();
    w.write("dir/a-good.pdf", &good);
    w.write("dir/b-bad.pdf", &bad);
    std::fs::create_dir_all(w.path("gooddir")).unwrap();
    w.write("gooddir/a.pdf", &good);
    w.write("gooddir/b.pdf", &good);
    w
}

#[test]
fn verify_keeps_its_exit_code_when_stdout_is_closed() {
    let w = files();
    let root = w.path("root.pem");
    for format in ["text", "json"] {
        let run = |file: &str| {
            kyso_closed_stdout(&[
                "verify",
                s(&w.path(file)),
                "--trust",
                s(&root),
                "--offline",
                "--format",
                format,
            ])
        };
        assert_eq!(run("bad.pdf").0, Some(1), "{format}: not valid stays 1");
        assert_eq!(run("good.pdf").0, Some(0), "{format}: valid stays 0");
        // Every file is still judged after the pipe closed on the first.
        let (code, _) = kyso_closed_stdout(&[
            "verify",
            s(&w.path("good.pdf")),
            s(&w.path("bad.pdf")),
            "--trust",
            s(&root),
            "--offline",
            "--format",
            format,
        ]);
        assert_eq!(code, Some(1), "{format}");
        // A file that cannot be read stays an error.
        let (code, _) = kyso_closed_stdout(&[
            "verify",
            s(&w.path("missing.pdf")),
            "--trust",
            s(&root),
            "--offline",
            "--format",
            format,
        ]);
        assert_eq!(code, Some(2));
    }
}

#[test]
fn batch_verify_keeps_its_exit_code_when_stdout_is_closed() {
    let w = files();
    let root = w.path("root.pem");
    let cases: &[(&str, &[&str], i32)] = &[
        ("dir", &[], 1),
        ("dir", &["--format", "json"], 1),
        ("dir", &["--report", "-"], 1),
        ("dir", &["--csv", "-"], 1),
        ("gooddir", &[], 0),
        ("gooddir", &["--format", "json"], 0),
        ("gooddir", &["--report", "-"], 0),
    ];
    for (dir, extra, want) in cases {
        let dir_path = w.path(dir);
        let mut args = vec![
            "verify",
            s(&dir_path),
            "--trust",
            s(&root),
            "--offline",
            "--jobs",
            "1",
        ];
        args.extend_from_slice(extra);
        let (code, err) = kyso_closed_stdout(&args);
        assert_eq!(code, Some(*want), "{dir} {extra:?}: {err}");
    }
}

#[test]
fn other_commands_do_not_panic_on_a_closed_stdout() {
    let w = files();
    for args in [vec!["inspect", s(&w.path("good.pdf"))], vec!["--help"]] {
        let (code, err) = kyso_closed_stdout(&args);
        assert!(matches!(code, Some(0..=2)), "{args:?}: {code:?} {err}");
    }
}

fn set_age(p: &Path, age: Duration) {
    let f = std::fs::File::options().write(true).open(p).unwrap();
    f.set_modified(SystemTime::now() - age).unwrap();
}

#[test]
fn a_resumed_batch_sign_removes_stale_temporary_files_of_kyso_only() {
    let w = Workspace::new();
    std::fs::create_dir_all(w.path("in")).unwrap();
    std::fs::create_dir_all(w.path("out/sub")).unwrap();
    w.write("in/doc.pdf", &sample_default());
    // Left by a crashed run: an old one, and one whose process is gone.
    w.write("out/.doc.pdf.1.0.tmp", b"half");
    set_age(
        &w.path("out/.doc.pdf.1.0.tmp"),
        Duration::from_secs(2 * 3600),
    );
    let dead_pid_file = "out/.other.pdf.4000000.3.tmp";
    w.write(dead_pid_file, b"half");
    // Kept: a fresh one of a live process (PID 1) that may still be writing, files of other
    // patterns, one below the output directory, one in the input directory.
    let kept = [
        "out/.live.pdf.1.0.tmp",
        "out/notes.tmp",
        "out/.doc.pdf.x.0.tmp",
        "out/sub/.doc.pdf.1.0.tmp",
        "in/.doc.pdf.1.0.tmp",
    ];
    for k in kept {
        w.write(k, b"keep");
    }
    set_age(
        &w.path("out/sub/.doc.pdf.1.0.tmp"),
        Duration::from_secs(2 * 3600),
    );
    set_age(
        &w.path("in/.doc.pdf.1.0.tmp"),
        Duration::from_secs(2 * 3600),
    );
    let o = kyso(&[
        "sign",
        s(&w.path("in")),
        "--out-dir",
        s(&w.path("out")),
        "--p12",
        s(&w.path("rsa.p12")),
        "--password-file",
        s(&w.path("p12.pass")),
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(verify(&w.read("out/doc.pdf")).valid);
    assert!(
        !w.path("out/.doc.pdf.1.0.tmp").exists(),
        "old temp file removed"
    );
    if Path::new("/proc/self").exists() {
        assert!(
            !w.path(dead_pid_file).exists(),
            "dead writer's temp file removed"
        );
    }
    for k in kept {
        assert!(w.path(k).exists(), "{k} must be kept");
    }
}

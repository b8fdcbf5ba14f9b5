//! Shared helpers for the integration tests: the test PKI, signing shortcuts, temp files,
//! the `kyso` binary and the interoperability peers (pyHanko, pdfsig, qpdf).
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use kyso::pki::{Certificate, TrustStore};
use kyso::sign::{KeySigner, SignOptions};
use kyso::validate::{ValidationOptions, Validator};
use kyso_testkit::{Issued, SampleOptions, TestPki};

pub fn pki() -> &'static TestPki {
    TestPki::shared()
}

pub fn signer_for(who: &Issued) -> KeySigner {
    let p = pki();
    KeySigner::from_key_der(
        &who.key_der(),
        who.cert.clone(),
        vec![p.intermediate.cert.clone(), p.root.cert.clone()],
    )
    .unwrap()
}

pub fn sample(opts: &SampleOptions) -> Vec<u8> {
    kyso_testkit::sample_pdf(opts)
}

pub fn sample_default() -> Vec<u8> {
    sample(&SampleOptions::default())
}

pub fn sign_with(input: &[u8], who: &Issued, opts: &SignOptions) -> Vec<u8> {
    kyso::sign::sign_pdf(input, &signer_for(who), opts).unwrap()
}

pub fn sign_default(input: &[u8]) -> Vec<u8> {
    sign_with(input, &pki().rsa, &SignOptions::default())
}

pub fn trust_root() -> TrustStore {
    let mut t = TrustStore::new();
    t.add(pki().root.cert.clone());
    t
}

/// The tests' validator: like the default, except that the rendering backstop renders every
/// page after every signature with later updates, so each benign file of every suite is also
/// a false-positive test of the renderer comparison.
pub fn validator() -> Validator {
    Validator::new(ValidationOptions {
        trust: trust_root(),
        rendering: kyso::RenderCheck::AllPages,
        ..Default::default()
    })
}

pub fn verify(bytes: &[u8]) -> kyso::report::FileReport {
    validator().validate_bytes("test.pdf", bytes)
}

/// A temp dir that holds the test PKI files: root.pem, chain.pem, rsa.p12 (password in
/// p12.pass), rsa.key/rsa.pem, ec.p12.
pub struct Workspace {
    pub dir: tempfile::TempDir,
}

impl Workspace {
    pub fn new() -> Self {
        let w = Workspace {
            dir: tempfile::tempdir().unwrap(),
        };
        let p = pki();
        w.write("root.pem", &p.root.cert_pem());
        let mut chain = p.intermediate.cert_pem();
        chain.extend(p.root.cert_pem());
        w.write("chain.pem", &chain);
        w.write("p12.pass", b"test-password\n");
        w.write(
            "rsa.p12",
            &p.rsa.pkcs12("test-password", &[&p.intermediate, &p.root]),
        );
        w.write(
            "ec.p12",
            &p.ec.pkcs12("test-password", &[&p.intermediate, &p.root]),
        );
        w.write("rsa.key", &p.rsa.key_pem());
        w.write("rsa.pem", &p.rsa.cert_pem());
        w.write("ec.key", &p.ec.key_pem());
        w.write("ec.pem", &p.ec.cert_pem());
        w
    }
    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }
    pub fn write(&self, name: &str, bytes: &[u8]) -> PathBuf {
        let p = self.path(name);
        std::fs::write(&p, bytes).unwrap();
        p
    }
    pub fn read(&self, name: &str) -> Vec<u8> {
        std::fs::read(self.path(name)).unwrap()
    }
}

/// The `kyso` binary of the `kyso-cli` workspace member: `KYSO_BIN` if set, else the one
/// beside this test executable (`cargo test --workspace` builds it before any test runs).
pub fn kyso_bin() -> PathBuf {
    if let Some(p) = std::env::var_os("KYSO_BIN") {
        return PathBuf::from(p);
    }
    let exe = std::env::current_exe().unwrap();
    // target/<profile>/deps/<test> -> target/<profile>/kyso
    let dir = exe.parent().and_then(Path::parent).unwrap();
    let bin = dir.join(format!("kyso{}", std::env::consts::EXE_SUFFIX));
    assert!(
        bin.exists(),
        "{} not found: build the CLI first (`cargo build -p kyso-cli`; `cargo test --workspace` does)",
        bin.display()
    );
    bin
}

pub fn kyso(args: &[&str]) -> Output {
    Command::new(kyso_bin()).args(args).output().unwrap()
}

pub fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// The directory of the interop peers installed by scripts/install-test-peers.sh.
pub fn peers_dir() -> PathBuf {
    std::env::var_os("KYSO_PEERS_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join(".peers"))
}

/// A peer program; panics with the install instruction when it is missing (tests never skip).
pub fn peer(name: &str) -> PathBuf {
    let venv = peers_dir().join("venv/bin").join(name);
    if venv.exists() {
        return venv;
    }
    for dir in ["/usr/bin", "/usr/local/bin"] {
        let p = Path::new(dir).join(name);
        if p.exists() {
            return p;
        }
    }
    panic!("interop peer {name} is not installed: run scripts/install-test-peers.sh");
}

pub fn qpdf_check(path: &Path) {
    let o = Command::new(peer("qpdf"))
        .arg("--check")
        .arg(path)
        .output()
        .unwrap();
    assert!(
        o.status.success(),
        "qpdf --check failed on {}:\n{}{}",
        path.display(),
        stdout(&o),
        stderr(&o)
    );
}

/// Certificates of the test PKI as kyso certificates.
pub fn cert(i: &Issued) -> Certificate {
    i.cert.clone()
}

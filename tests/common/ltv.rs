//! A long-term-validation test environment on loopback: a test PKI whose certificates name
//! OCSP responders and CRL distribution points on 127.0.0.1, served by one small HTTP
//! server thread:
//!
//! - `POST /ocsp/inter`: OpenSSL's OCSP responder (`openssl ocsp -index … -reqin … -respout`,
//!   one run per request, so the index is always current) for everything the intermediate
//!   issued, signing with the intermediate's own key;
//! - `POST /ocsp/delegated`: the same, signed by a delegated responder (id-kp-OCSPSigning,
//!   issued by the intermediate);
//! - `POST /ocsp/down`: a broken responder (HTTP 503), to exercise the CRL fallback;
//! - `GET /crl/inter.crl`, `GET /crl/root.crl`: CRLs built and signed here, from the
//!   revocations recorded so far;
//! - `POST /tsa`, `POST /tsa2`: OpenSSL's time-stamp authority (`openssl ts -reply`), with
//!   a TSA certificate under the intermediate (critical EKU timeStamping) and a second TSA
//!   directly under the root with a longer life (for archive renewal).
//!
//! Validity periods (from one day ago): root 20 years, intermediate 3 years, TSA 3 years,
//! TSA 2 10 years, leaves and the OCSP responder 1 year.
#![allow(dead_code)]

use std::collections::HashMap;
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::Command;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;

use kyso::der;
use kyso::pki::TrustStore;
use kyso::sign::KeySigner;
use kyso_testkit::{CertSpec, Issued, KeySpec};

pub const DAY: i64 = 86_400;
pub const YEAR: i64 = 365 * DAY;
const OPENSSL: &str = "/usr/bin/openssl";

#[derive(Default)]
struct State {
    /// (serial hex, notAfter, revoked at) of what the intermediate issued.
    inter_issued: Vec<(String, i64, Option<i64>)>,
    /// Same for the root.
    root_issued: Vec<(String, i64, Option<i64>)>,
    requests: HashMap<String, usize>,
}

pub struct LtvEnv {
    pub dir: tempfile::TempDir,
    pub port: u16,
    pub root: Issued,
    pub inter: Issued,
    pub responder: Issued,
    pub tsa: Issued,
    pub tsa2: Issued,
    state: Arc<Mutex<State>>,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

fn now() -> i64 {
    kyso::time::now()
}

/// `YYMMDDHHMMSSZ` (the index file's time format).
fn index_time(t: i64) -> String {
    let s = kyso::time::format_rfc3339(t); // 2026-11-22T11:31:34Z
    format!(
        "{}{}{}{}{}{}Z",
        &s[2..4],
        &s[5..7],
        &s[8..10],
        &s[11..13],
        &s[14..16],
        &s[17..19]
    )
}

impl LtvEnv {
    pub fn start() -> LtvEnv {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let url = |p: &str| format!("http://127.0.0.1:{port}{p}");
        let t = now();
        let root = Issued::self_signed(
            &CertSpec::ca("kyso LTV Test Root").with_validity(t - DAY, t + 20 * YEAR),
        );
        let mut inter_spec =
            CertSpec::ca("kyso LTV Test Intermediate").with_validity(t - DAY, t + 3 * YEAR);
        inter_spec.ca = Some(Some(0));
        inter_spec.crl_url = Some(url("/crl/root.crl"));
        let inter = root.issue(&inter_spec);
        let mut resp_spec = CertSpec::leaf("kyso LTV OCSP Responder")
            .with_key(KeySpec::EcP256)
            .with_validity(t - DAY, t + YEAR);
        resp_spec.key_usage = "digitalSignature".into();
        resp_spec.extended_key_usage = "OCSPSigning".into();
        let responder = inter.issue(&resp_spec);
        let mut tsa_spec = CertSpec::leaf("kyso LTV TSA")
            .with_key(KeySpec::EcP256)
            .with_validity(t - DAY, t + 3 * YEAR);
        tsa_spec.key_usage = "digitalSignature".into();
        tsa_spec.extended_key_usage = "timeStamping".into();
        tsa_spec.ocsp_url = Some(url("/ocsp/inter"));
        tsa_spec.crl_url = Some(url("/crl/inter.crl"));
        let tsa = inter.issue(&tsa_spec);
        let mut tsa2_spec = CertSpec::leaf("kyso LTV TSA 2")
            .with_key(KeySpec::EcP256)
            .with_validity(t - DAY, t + 10 * YEAR);
        tsa2_spec.key_usage = "digitalSignature".into();
        tsa2_spec.extended_key_usage = "timeStamping".into();
        tsa2_spec.crl_url = Some(url("/crl/root.crl"));
        let tsa2 = root.issue(&tsa2_spec);

        let dir = tempfile::tempdir().unwrap();
        let w = |name: &str, bytes: &[u8]| std::fs::write(dir.path().join(name), bytes).unwrap();
        w("root.pem", &root.cert_pem());
        w("inter.pem", &inter.cert_pem());
        w("responder.pem", &responder.cert_pem());
        w("responder.key", &responder.key_pem());
        w("inter.key", &inter.key_pem());
        w("tsa.pem", &tsa.cert_pem());
        w("tsa.key", &tsa.key_pem());
        w("tsa2.pem", &tsa2.cert_pem());
        w("tsa2.key", &tsa2.key_pem());
        for (name, serial) in [("tsa.cnf", "tsa.serial"), ("tsa2.cnf", "tsa2.serial")] {
            w(serial, b"01\n");
            let cnf = format!(
                "[ tsa ]\ndefault_tsa = tsa1\n[ tsa1 ]\nserial = {}\ncrypto_device = builtin\nsigner_digest = sha256\n\
                 default_policy = 1.3.6.1.4.1.99999.1\nother_policies = 1.3.6.1.4.1.99999.2\n\
                 digests = sha1, sha256, sha384, sha512\naccuracy = secs:1\nordering = no\ntsa_name = no\n\
                 ess_cert_id_chain = no\ness_cert_id_alg = sha256\n",
                dir.path().join(serial).display()
            );
            w(name, cnf.as_bytes());
        }

        let mut state = State::default();
        for i in [&responder, &tsa] {
            state
                .inter_issued
                .push((i.cert.serial_hex(), i.cert.not_after(), None));
        }
        for i in [&inter, &tsa2] {
            state
                .root_issued
                .push((i.cert.serial_hex(), i.cert.not_after(), None));
        }
        let state = Arc::new(Mutex::new(state));
        let stop = Arc::new(AtomicBool::new(false));
        let ctx = Ctx {
            dir: dir.path().to_path_buf(),
            root: root.clone(),
            inter: inter.clone(),
            state: state.clone(),
        };
        let stop2 = stop.clone();
        let thread = std::thread::spawn(move || {
            for conn in listener.incoming() {
                if stop2.load(Ordering::SeqCst) {
                    break;
                }
                if let Ok(s) = conn {
                    ctx.serve(s);
                }
            }
        });
        LtvEnv {
            dir,
            port,
            root,
            inter,
            responder,
            tsa,
            tsa2,
            state,
            stop,
            thread: Some(thread),
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{path}", self.port)
    }

    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    /// A leaf under the intermediate with OCSP (at `ocsp_path`, if any) and CRL URLs.
    pub fn leaf_with(&self, cn: &str, ocsp_path: Option<&str>, crl: bool) -> Issued {
        let t = now();
        let mut spec = CertSpec::leaf(cn)
            .with_key(KeySpec::EcP256)
            .with_validity(t - DAY, t + YEAR);
        spec.ocsp_url = ocsp_path.map(|p| self.url(p));
        spec.crl_url = crl.then(|| self.url("/crl/inter.crl"));
        let leaf = self.inter.issue(&spec);
        self.state.lock().unwrap().inter_issued.push((
            leaf.cert.serial_hex(),
            leaf.cert.not_after(),
            None,
        ));
        leaf
    }

    /// A leaf with OCSP and CRL.
    pub fn leaf(&self, cn: &str) -> Issued {
        self.leaf_with(cn, Some("/ocsp/inter"), true)
    }

    /// Records `who` as revoked at `at` (OCSP and CRLs answer accordingly from now on).
    pub fn revoke(&self, who: &Issued, at: i64) {
        let serial = who.cert.serial_hex();
        let mut guard = self.state.lock().unwrap();
        let st = &mut *guard;
        for e in st.inter_issued.iter_mut().chain(st.root_issued.iter_mut()) {
            if e.0 == serial {
                e.2 = Some(at);
            }
        }
    }

    pub fn requests(&self, prefix: &str) -> usize {
        self.state
            .lock()
            .unwrap()
            .requests
            .iter()
            .filter(|(k, _)| k.starts_with(prefix))
            .map(|(_, v)| *v)
            .sum()
    }

    pub fn signer(&self, leaf: &Issued) -> KeySigner {
        KeySigner::from_key_der(
            &leaf.key_der(),
            leaf.cert.clone(),
            vec![self.inter.cert.clone(), self.root.cert.clone()],
        )
        .unwrap()
    }

    pub fn trust(&self) -> TrustStore {
        let mut t = TrustStore::new();
        t.add(self.root.cert.clone());
        t
    }

    /// Writes `NAME.p12` (password "pw") for the CLI, with the chain.
    pub fn write_p12(&self, name: &str, leaf: &Issued) -> PathBuf {
        let p = self.path(&format!("{name}.p12"));
        std::fs::write(&p, leaf.pkcs12("pw", &[&self.inter, &self.root])).unwrap();
        std::fs::write(self.path("pw.txt"), b"pw\n").unwrap();
        p
    }

    /// Stops the server: every URL of the environment refuses connections from now on.
    pub fn stop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        let _ = TcpStream::connect(("127.0.0.1", self.port));
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

impl Drop for LtvEnv {
    fn drop(&mut self) {
        self.stop();
    }
}

struct Ctx {
    dir: PathBuf,
    root: Issued,
    inter: Issued,
    state: Arc<Mutex<State>>,
}

impl Ctx {
    fn serve(&self, mut s: TcpStream) {
        let _ = s.set_read_timeout(Some(Duration::from_secs(5)));
        let mut buf = Vec::new();
        let mut chunk = [0u8; 8192];
        let head_end = loop {
            if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
                break i + 4;
            }
            match s.read(&mut chunk) {
                Ok(0) | Err(_) => return,
                Ok(n) => buf.extend_from_slice(&chunk[..n]),
            }
        };
        let head = String::from_utf8_lossy(&buf[..head_end]).into_owned();
        let mut first = head.lines().next().unwrap_or("").split(' ');
        let (method, path) = (
            first.next().unwrap_or("").to_string(),
            first.next().unwrap_or("").to_string(),
        );
        let len: usize = head
            .lines()
            .find_map(|l| {
                l.to_ascii_lowercase()
                    .strip_prefix("content-length:")
                    .map(|v| v.trim().parse().unwrap_or(0))
            })
            .unwrap_or(0);
        while buf.len() < head_end + len {
            match s.read(&mut chunk) {
                Ok(0) | Err(_) => return,
                Ok(n) => buf.extend_from_slice(&chunk[..n]),
            }
        }
        let body = buf[head_end..head_end + len].to_vec();
        *self
            .state
            .lock()
            .unwrap()
            .requests
            .entry(path.clone())
            .or_default() += 1;
        let (status, ctype, out) = match (method.as_str(), path.as_str()) {
            ("POST", "/ocsp/inter") => (200, "application/ocsp-response", self.ocsp(&body, false)),
            ("POST", "/ocsp/delegated") => {
                (200, "application/ocsp-response", self.ocsp(&body, true))
            }
            ("POST", "/tsa") => (
                200,
                "application/timestamp-reply",
                self.tsa("tsa", &body, true),
            ),
            ("POST", "/tsa2") => (
                200,
                "application/timestamp-reply",
                self.tsa("tsa2", &body, false),
            ),
            ("GET", "/crl/inter.crl") => (200, "application/pkix-crl", self.crl(false)),
            ("GET", "/crl/root.crl") => (200, "application/pkix-crl", self.crl(true)),
            _ => (503, "text/plain", b"unavailable".to_vec()),
        };
        let _ = s.write_all(
            format!("HTTP/1.1 {status} X\r\nContent-Type: {ctype}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n", out.len())
                .as_bytes(),
        );
        let _ = s.write_all(&out);
    }

    fn run(&self, args: &[&str]) {
        let o = Command::new(OPENSSL)
            .args(args)
            .current_dir(&self.dir)
            .output()
            .unwrap();
        assert!(
            o.status.success(),
            "openssl {args:?}: {}",
            String::from_utf8_lossy(&o.stderr)
        );
    }

    fn ocsp(&self, req: &[u8], delegated: bool) -> Vec<u8> {
        let mut index = String::new();
        for (serial, not_after, revoked) in &self.state.lock().unwrap().inter_issued {
            match revoked {
                None => index.push_str(&format!(
                    "V\t{}\t\t{serial}\tunknown\t/CN={serial}\n",
                    index_time(*not_after)
                )),
                Some(r) => index.push_str(&format!(
                    "R\t{}\t{},keyCompromise\t{serial}\tunknown\t/CN={serial}\n",
                    index_time(*not_after),
                    index_time(*r)
                )),
            }
        }
        std::fs::write(self.dir.join("index.txt"), index).unwrap();
        std::fs::write(self.dir.join("inter.pem"), self.inter.cert_pem()).unwrap();
        std::fs::write(self.dir.join("req.der"), req).unwrap();
        self.run(&[
            "ocsp",
            "-index",
            "index.txt",
            "-reqin",
            "req.der",
            "-respout",
            "resp.der",
            "-rsigner",
            if delegated {
                "responder.pem"
            } else {
                "inter.pem"
            },
            "-rkey",
            if delegated {
                "responder.key"
            } else {
                "inter.key"
            },
            "-CA",
            "inter.pem",
            "-nmin",
            "5",
        ]);
        std::fs::read(self.dir.join("resp.der")).unwrap()
    }

    fn tsa(&self, which: &str, req: &[u8], chain: bool) -> Vec<u8> {
        std::fs::write(self.dir.join("q.tsq"), req).unwrap();
        let (key, cert, cnf) = (
            format!("{which}.key"),
            format!("{which}.pem"),
            format!("{which}.cnf"),
        );
        let mut args = vec![
            "ts",
            "-reply",
            "-queryfile",
            "q.tsq",
            "-inkey",
            &key,
            "-signer",
            &cert,
            "-config",
            &cnf,
            "-out",
            "r.tsr",
        ];
        if chain {
            args.extend(["-chain", "inter.pem"]);
        }
        self.run(&args);
        std::fs::read(self.dir.join("r.tsr")).unwrap()
    }

    fn crl(&self, of_root: bool) -> Vec<u8> {
        let st = self.state.lock().unwrap();
        let (issuer, list) = if of_root {
            (&self.root, &st.root_issued)
        } else {
            (&self.inter, &st.inter_issued)
        };
        let revoked: Vec<(Vec<u8>, i64)> = list
            .iter()
            .filter_map(|(serial, _, r)| r.map(|t| (hex_decode(serial), t)))
            .collect();
        let t = now();
        build_crl(issuer, &revoked, t - 60, t + DAY)
    }
}

fn hex_decode(s: &str) -> Vec<u8> {
    (0..s.len() / 2)
        .map(|i| u8::from_str_radix(&s[2 * i..2 * i + 2], 16).unwrap())
        .collect()
}

/// A CRL (v2, sha256WithRSAEncryption, with a CRL number and keyCompromise reasons).
pub fn build_crl(
    issuer: &Issued,
    revoked: &[(Vec<u8>, i64)],
    this_update: i64,
    next_update: i64,
) -> Vec<u8> {
    let alg = der::sequence(&[
        &der::oid("1.2.840.113549.1.1.11"),
        &der::encode(der::tag::NULL, &[]),
    ]);
    let mut parts = vec![
        der::integer(1),
        alg.clone(),
        issuer.cert.subject_der().to_vec(),
        der::utc_time(this_update),
        der::utc_time(next_update),
    ];
    if !revoked.is_empty() {
        let reason = der::sequence(&[
            &der::oid("2.5.29.21"),
            &der::octet_string(&der::encode(der::tag::ENUMERATED, &[1])),
        ]);
        let exts = der::sequence(&[&reason]);
        let entries: Vec<Vec<u8>> = revoked
            .iter()
            .map(|(serial, t)| {
                der::sequence(&[
                    &der::integer_from_unsigned(serial),
                    &der::utc_time(*t),
                    &exts,
                ])
            })
            .collect();
        let refs: Vec<&[u8]> = entries.iter().map(Vec::as_slice).collect();
        parts.push(der::sequence(&refs));
    }
    let number = der::sequence(&[
        &der::oid("2.5.29.20"),
        &der::octet_string(&der::integer(now() as u64)),
    ]);
    parts.push(der::encode(
        der::tag::context(0),
        &der::sequence(&[&number]),
    ));
    let refs: Vec<&[u8]> = parts.iter().map(Vec::as_slice).collect();
    let tbs = der::sequence(&refs);
    let mut signer =
        openssl::sign::Signer::new(openssl::hash::MessageDigest::sha256(), &issuer.key).unwrap();
    signer.update(&tbs).unwrap();
    let sig = signer.sign_to_vec().unwrap();
    let mut bits = vec![0u8];
    bits.extend(sig);
    der::sequence(&[&tbs, &alg, &der::encode(der::tag::BIT_STRING, &bits)])
}

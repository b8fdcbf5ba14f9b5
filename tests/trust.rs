//! Trust material: the bundled real Vietnamese sub-CAs (VNPT SmartCA RS), missing
//! intermediates fetched by caIssuers from a server on 127.0.0.1 (DER, PEM, PKCS#7; cached;
//! bounded), user trust-profile files and `kyso trust`, and the TSA a profile names.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code

mod common;

#[path = "common/ltv.rs"]
mod ltv_env;

use std::collections::HashMap;
use std::io::{Read, Write};
use std::net::TcpListener;
use std::process::Command;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use kyso::pki::{AiaFetcher, Certificate, IssuerSource, TrustStore};
use kyso::policy::{Profiles, TrustProfile, VNPT_SMARTCA_RS_SHA256, VN_NATIONAL_ROOT_SHA256};
use kyso::report::{CheckId, CheckStatus};
use kyso::sign::{KeySigner, SignOptions};
use kyso::validate::{ValidationOptions, Validator};
use kyso_testkit::{CertSpec, Issued};

const SMARTCA_PEM: &[u8] = include_bytes!("../testdata/pki-vn/vnpt-smartca-rs-ca.pem");
const NEAC_ROOT_PEM: &[u8] = include_bytes!("../testdata/pki-vn/vietnam-national-root-ca.pem");
const VNPT_SHA2_PEM: &[u8] = include_bytes!("../testdata/pki-vn/vnpt-ca-sha2.pem");

// ---- A caIssuers server on loopback ------------------------------------------------------

/// Serves fixed bodies by path, counting the requests per path.
struct Server {
    port: u16,
    hits: Arc<Mutex<HashMap<String, usize>>>,
    stop: Arc<AtomicBool>,
}

impl Server {
    fn start(files: HashMap<String, Vec<u8>>) -> Server {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let hits = Arc::new(Mutex::new(HashMap::new()));
        let stop = Arc::new(AtomicBool::new(false));
        let (h, st) = (hits.clone(), stop.clone());
        std::thread::spawn(move || {
            for s in listener.incoming() {
                if st.load(Ordering::SeqCst) {
                    break;
                }
                let Ok(mut s) = s else { continue };
                let mut buf = Vec::new();
                let mut chunk = [0u8; 4096];
                while !buf.windows(4).any(|w| w == b"\r\n\r\n") {
                    match s.read(&mut chunk) {
                        Ok(0) | Err(_) => break,
                        Ok(n) => buf.extend_from_slice(&chunk[..n]),
                    }
                }
                let head = String::from_utf8_lossy(&buf).to_string();
                let path = head.split_whitespace().nth(1).unwrap_or("/").to_string();
                *h.lock().unwrap().entry(path.clone()).or_default() += 1;
                let resp = match files.get(&path) {
                    Some(body) => {
                        let mut r = format!(
                            "HTTP/1.1 200 OK\r\nContent-Type: application/pkix-cert\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                            body.len()
                        )
                        .into_bytes();
                        r.extend_from_slice(body);
                        r
                    }
                    None => {
                        b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
                            .to_vec()
                    }
                };
                let _ = s.write_all(&resp);
            }
        });
        Server { port, hits, stop }
    }
    fn url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{path}", self.port)
    }
    fn hits(&self, path: &str) -> usize {
        self.hits.lock().unwrap().get(path).copied().unwrap_or(0)
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        let _ = std::net::TcpStream::connect(("127.0.0.1", self.port));
    }
}

/// A root, an intermediate the documents do not carry, and leaves naming the intermediate
/// at a caIssuers URL of `server_port` (path per format).
struct AiaPki {
    root: Issued,
    inter: Issued,
}

fn aia_pki() -> AiaPki {
    let root = Issued::self_signed(&CertSpec::ca("kyso AIA Test Root"));
    let mut spec = CertSpec::ca("kyso AIA Test Intermediate");
    spec.ca = Some(Some(0));
    let inter = root.issue(&spec);
    AiaPki { root, inter }
}

fn pkcs7_of(pems: &[&[u8]]) -> Vec<u8> {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("in.pem");
    std::fs::write(&input, pems.concat()).unwrap();
    let out = dir.path().join("out.p7c");
    let st = Command::new("openssl")
        .args(["crl2pkcs7", "-nocrl", "-certfile"])
        .arg(&input)
        .args(["-outform", "DER", "-out"])
        .arg(&out)
        .status()
        .unwrap();
    assert!(st.success());
    std::fs::read(out).unwrap()
}

/// A PDF signed by a leaf under `pki.inter` whose caIssuers URL is `url`; the CMS carries
/// the leaf only.
fn signed_by_leaf_naming(pki: &AiaPki, url: &str) -> Vec<u8> {
    let mut spec = CertSpec::leaf("Nguyễn Văn AIA");
    spec.ca_issuers_url = Some(url.to_string());
    let leaf = pki.inter.issue(&spec);
    let signer = KeySigner::from_key_der(&leaf.key_der(), leaf.cert.clone(), Vec::new()).unwrap();
    kyso::sign::sign_pdf(&common::sample_default(), &signer, &SignOptions::default()).unwrap()
}

fn validator(pki: &AiaPki, source: Option<Arc<dyn IssuerSource>>) -> Validator {
    let mut trust = TrustStore::new();
    trust.add(pki.root.cert.clone());
    Validator::new(ValidationOptions {
        trust,
        issuer_source: source,
        revocation_policy: kyso::RevocationPolicy::Off,
        ..Default::default()
    })
}

fn chain_check(r: &kyso::report::FileReport) -> (CheckStatus, String) {
    let c = r.signatures[0]
        .checks
        .iter()
        .find(|c| c.id == CheckId::CertificateChain)
        .unwrap();
    (c.status, c.message.clone())
}

#[test]
fn a_missing_intermediate_is_fetched_by_caissuers_in_der_pem_and_pkcs7() {
    let pki = aia_pki();
    let files = HashMap::from([
        ("/inter.cer".to_string(), pki.inter.cert.der().to_vec()),
        ("/inter.pem".to_string(), pki.inter.cert_pem()),
        (
            "/inter.p7c".to_string(),
            pkcs7_of(&[&pki.inter.cert_pem(), &pki.root.cert_pem()]),
        ),
    ]);
    let server = Server::start(files);
    for path in ["/inter.cer", "/inter.pem", "/inter.p7c"] {
        let pdf = signed_by_leaf_naming(&pki, &server.url(path));

        // Without a source, validation does no I/O: no chain.
        let offline = validator(&pki, None).validate_bytes("aia.pdf", &pdf);
        let (status, msg) = chain_check(&offline);
        assert_eq!(status, CheckStatus::Indeterminate, "{msg}");
        assert!(msg.contains("no certificate chain"), "{msg}");
        assert_eq!(server.hits(path), 0);

        // With the fetcher: the intermediate comes from the URL, once per run.
        let fetcher: Arc<dyn IssuerSource> = Arc::new(AiaFetcher::default());
        let v = validator(&pki, Some(fetcher));
        let r = v.validate_bytes("aia.pdf", &pdf);
        let (status, msg) = chain_check(&r);
        assert_eq!(status, CheckStatus::Passed, "{path}: {msg}");
        assert!(
            msg.contains("caIssuers") && msg.contains("kyso AIA Test Intermediate"),
            "{msg}"
        );
        assert!(r.valid, "{path}: {}", r.summary);
        let again = v.validate_bytes("aia2.pdf", &pdf);
        assert!(again.valid);
        assert_eq!(server.hits(path), 1, "{path} fetched once (cache)");
    }
}

#[test]
fn a_fetched_certificate_is_only_a_candidate_never_an_anchor() {
    // The URL serves an intermediate of another hierarchy with the same name: path building
    // checks the signature and refuses it.
    let pki = aia_pki();
    let other_root = Issued::self_signed(&CertSpec::ca("kyso AIA Test Root"));
    let mut spec = CertSpec::ca("kyso AIA Test Intermediate");
    spec.ca = Some(Some(0));
    let impostor = other_root.issue(&spec);
    let server = Server::start(HashMap::from([(
        "/inter.cer".to_string(),
        impostor.cert.der().to_vec(),
    )]));
    let pdf = signed_by_leaf_naming(&pki, &server.url("/inter.cer"));
    let v = validator(&pki, Some(Arc::new(AiaFetcher::default())));
    let r = v.validate_bytes("aia.pdf", &pdf);
    let (status, msg) = chain_check(&r);
    assert_eq!(status, CheckStatus::Indeterminate, "{msg}");
    assert!(!r.valid);
}

#[test]
fn caissuers_failures_are_reported_and_bounded() {
    let pki = aia_pki();
    let huge = vec![0x30u8; kyso::pki::MAX_AIA_RESPONSE + 10];
    let server = Server::start(HashMap::from([("/huge.cer".to_string(), huge)]));
    let fetcher = AiaFetcher::default();

    // Too large, not found, not http.
    let e = fetcher.fetch_url(&server.url("/huge.cer")).unwrap_err();
    assert!(e.contains("larger than"), "{e}");
    let e = fetcher.fetch_url(&server.url("/missing.cer")).unwrap_err();
    assert!(e.contains("404"), "{e}");
    let e = fetcher
        .fetch_url("https://rootca.gov.vn/crt/vnrca256.p7b")
        .unwrap_err();
    assert!(e.contains("unsupported URL scheme"), "{e}");
    // A failed URL is not asked again in the same run.
    let _ = fetcher.fetch_url(&server.url("/missing.cer"));
    assert_eq!(server.hits("/missing.cer"), 1);

    // The chain check names the problem.
    let pdf = signed_by_leaf_naming(&pki, &server.url("/missing.cer"));
    let v = validator(&pki, Some(Arc::new(fetcher)));
    let (status, msg) = chain_check(&v.validate_bytes("aia.pdf", &pdf));
    assert_eq!(status, CheckStatus::Indeterminate);
    assert!(msg.contains("caIssuers") && msg.contains("404"), "{msg}");
}

// ---- The bundled real sub-CAs -----------------------------------------------------------

#[test]
fn vn_public_bundles_vnpt_smartca_rs_which_chains_to_the_national_root() {
    let profiles = Profiles::bundled();
    let public = profiles.require("vn-public").unwrap();
    assert!(public
        .intermediate_fingerprints()
        .contains(&VNPT_SMARTCA_RS_SHA256.to_string()));
    // An intermediate, not an anchor.
    assert!(!public.has_anchor(VNPT_SMARTCA_RS_SHA256));
    assert!(public.has_anchor(VN_NATIONAL_ROOT_SHA256));

    let (trust, pool) = profiles.trust_material(&["vn-public"]).unwrap();
    let smartca = Certificate::from_pem_or_der(SMARTCA_PEM).unwrap().remove(0);
    assert_eq!(smartca.subject().common_name(), Some("VNPT SmartCA RS"));
    let path = trust.build_path(&smartca, &pool).unwrap();
    assert_eq!(path.certificates.len(), 2);
    assert_eq!(
        path.anchor().subject().common_name(),
        Some("Vietnam National Root CA")
    );
    // Inside its validity at 2025-01-01, expired after 2026-11-18 (hence `--at`).
    let t2025 = kyso::time::parse_rfc3339("2025-01-01T00:00:00Z").unwrap();
    assert!(path.check_validity_at(t2025).is_empty());
    let t2027 = kyso::time::parse_rfc3339("2027-01-01T00:00:00Z").unwrap();
    let late = path.check_validity_at(t2027);
    assert_eq!(late.len(), 1);
    assert!(late[0].expired && late[0].subject.contains("VNPT SmartCA RS"));
    // vn-gov does not chain it.
    let (gov, gov_pool) = profiles.trust_material(&["vn-gov"]).unwrap();
    assert!(gov.build_path(&smartca, &gov_pool).is_err());
}

// ---- Profiles: bundles, files, the CLI -----------------------------------------------------

#[test]
fn a_pkcs7_bundle_makes_a_profile_roots_as_anchors_others_as_candidates() {
    let p7b = pkcs7_of(&[NEAC_ROOT_PEM, SMARTCA_PEM, VNPT_SHA2_PEM]);
    assert_eq!(Certificate::from_bundle(&p7b).unwrap().len(), 3);
    let p = TrustProfile::from_bundle("neac", "NEAC bundle", &p7b).unwrap();
    assert_eq!(
        p.anchor_fingerprints(),
        vec![VN_NATIONAL_ROOT_SHA256.to_string()]
    );
    assert_eq!(p.intermediates_der().len(), 2);
    // PEM-armoured PKCS#7 too.
    let pem = format!(
        "-----BEGIN PKCS7-----\n{}\n-----END PKCS7-----\n",
        base64_lines(&p7b)
    );
    assert_eq!(Certificate::from_bundle(pem.as_bytes()).unwrap().len(), 3);
    // The TOML file round-trips.
    let mut p2 = p.clone();
    p2.tsa_url = Some("http://tsa.example.vn/tsa".into());
    let back = TrustProfile::from_toml(&p2.to_toml()).unwrap();
    assert_eq!(back, p2);
    // Only intermediates: no anchor, refused.
    let only_inter = pkcs7_of(&[SMARTCA_PEM]);
    assert!(TrustProfile::from_bundle("x", "", &only_inter).is_err());
}

fn base64_lines(der: &[u8]) -> String {
    let out = Command::new("openssl")
        .args(["base64", "-A"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .and_then(|mut c| {
            c.stdin.take().unwrap().write_all(der)?;
            c.wait_with_output()
        })
        .unwrap();
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn kyso_trust_lists_shows_exports_and_adds_profiles() {
    let w = common::Workspace::new();
    let dir = w.path("trust");
    let dirs = dir.display().to_string();

    let o = common::kyso(&["trust", "list"]);
    assert!(o.status.success(), "{}", common::stderr(&o));
    let list = common::stdout(&o);
    assert!(
        list.contains("vn-public\t1 anchor(s), 2 intermediate(s)"),
        "{list}"
    );
    assert!(list.contains("vn-gov"), "{list}");

    let o = common::kyso(&["trust", "show", "vn-public"]);
    let show = common::stdout(&o);
    assert!(show.contains("VNPT SmartCA RS"), "{show}");
    assert!(show.contains(VNPT_SMARTCA_RS_SHA256), "{show}");
    assert!(show.contains("2026-11-18"), "{show}");

    let out = w.path("vn-public.pem");
    let o = common::kyso(&[
        "trust",
        "export",
        "vn-public",
        "-o",
        &out.display().to_string(),
    ]);
    assert!(o.status.success(), "{}", common::stderr(&o));
    let exported = Certificate::from_pem_or_der(&std::fs::read(&out).unwrap()).unwrap();
    assert_eq!(exported.len(), 3);
    assert_eq!(exported[0].fingerprint(), VN_NATIONAL_ROOT_SHA256);

    // add: a PKCS#7 bundle makes a new user profile.
    let p7b = w.write("neac.p7b", &pkcs7_of(&[NEAC_ROOT_PEM, SMARTCA_PEM]));
    let o = common::kyso(&[
        "trust",
        "add",
        "neac",
        &p7b.display().to_string(),
        "--trust-dir",
        &dirs,
        "--tsa",
        "http://127.0.0.1:9/tsa",
    ]);
    assert!(o.status.success(), "{}", common::stderr(&o));
    assert!(dir.join("neac.toml").exists());
    let o = common::kyso(&["trust", "list", "--trust-dir", &dirs]);
    let list = common::stdout(&o);
    assert!(
        list.contains("neac\t1 anchor(s), 1 intermediate(s), TSA http://127.0.0.1:9/tsa"),
        "{list}"
    );
    // KYSO_TRUST_DIR works as --trust-dir.
    let o = Command::new(common::kyso_bin())
        .args(["trust", "show", "neac"])
        .env("KYSO_TRUST_DIR", &dir)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", common::stderr(&o));
    assert!(common::stdout(&o).contains("VNPT SmartCA RS"));
    // Adding to a bundled profile's name extends it.
    let root = w.path("root.pem").display().to_string();
    let o = common::kyso(&["trust", "add", "vn-public", &root, "--trust-dir", &dirs]);
    assert!(o.status.success(), "{}", common::stderr(&o));
    let o = common::kyso(&["trust", "list", "--trust-dir", &dirs]);
    assert!(
        common::stdout(&o).contains("vn-public\t2 anchor(s), 2 intermediate(s)"),
        "{}",
        common::stdout(&o)
    );
    // Without a directory, add refuses; a bad name is refused.
    let o = Command::new(common::kyso_bin())
        .args(["trust", "add", "x", &root])
        .env_remove("KYSO_TRUST_DIR")
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    let o = common::kyso(&["trust", "add", "../evil", &root, "--trust-dir", &dirs]);
    assert_eq!(o.status.code(), Some(2));
    assert!(common::stderr(&o).contains("invalid trust profile name"));
}

#[test]
fn kyso_verify_uses_user_profiles_and_fetches_intermediates_unless_offline() {
    let pki = aia_pki();
    let server = Server::start(HashMap::from([(
        "/inter.p7c".to_string(),
        pkcs7_of(&[&pki.inter.cert_pem()]),
    )]));
    let w = common::Workspace::new();
    let pdf = w.write(
        "aia.pdf",
        &signed_by_leaf_naming(&pki, &server.url("/inter.p7c")),
    );
    let root = w.write("aia-root.pem", &pki.root.cert_pem());
    let dir = w.path("trust").display().to_string();
    let o = common::kyso(&[
        "trust",
        "add",
        "test-ca",
        &root.display().to_string(),
        "--trust-dir",
        &dir,
    ]);
    assert!(o.status.success(), "{}", common::stderr(&o));
    let verify = |extra: &[&str]| {
        let mut args = vec![
            "verify",
            "--trust-profile",
            "test-ca",
            "--trust-dir",
            &dir,
            "--revocation",
            "off",
            "--lang",
            "en",
        ];
        args.extend_from_slice(extra);
        let p = pdf.display().to_string();
        args.push(&p);
        common::kyso(&args)
    };
    let o = verify(&["--offline"]);
    assert_eq!(o.status.code(), Some(1), "{}", common::stdout(&o));
    assert_eq!(server.hits("/inter.p7c"), 0);
    let o = verify(&[]);
    assert!(o.status.success(), "{}", common::stdout(&o));
    assert!(common::stdout(&o).contains("caIssuers"));
    assert_eq!(server.hits("/inter.p7c"), 1);
}

#[test]
fn sign_b_t_uses_the_tsa_of_the_trust_profile_when_no_tsa_is_given() {
    let env = ltv_env::LtvEnv::start();
    let leaf = env.leaf("Profile TSA signer");
    let p12 = env.write_p12("signer", &leaf).display().to_string();
    let pw = env.path("pw.txt").display().to_string();
    let input = env.path("in.pdf");
    std::fs::write(&input, common::sample_default()).unwrap();
    let ins = input.display().to_string();
    let dir = env.path("trust").display().to_string();
    let root = env.path("root.pem").display().to_string();
    let out = env.path("bt.pdf").display().to_string();
    let sign = |profile: &str| {
        common::kyso(&[
            "sign",
            &ins,
            "-o",
            &out,
            "--force",
            "--p12",
            &p12,
            "--password-file",
            &pw,
            "--level",
            "B-T",
            "--trust-profile",
            profile,
            "--trust-dir",
            &dir,
            "--tsa-timeout",
            "30",
            "--no-revocation-check",
        ])
    };
    // A profile without a TSA: a clear refusal.
    let o = common::kyso(&["trust", "add", "no-tsa", &root, "--trust-dir", &dir]);
    assert!(o.status.success(), "{}", common::stderr(&o));
    let o = sign("no-tsa");
    assert_eq!(o.status.code(), Some(2));
    assert!(
        common::stderr(&o).contains("names no time-stamp authority"),
        "{}",
        common::stderr(&o)
    );
    // With one: the signature is time-stamped by it.
    let tsa = env.url("/tsa");
    let o = common::kyso(&[
        "trust",
        "add",
        "ltv-ca",
        &root,
        "--trust-dir",
        &dir,
        "--tsa",
        &tsa,
    ]);
    assert!(o.status.success(), "{}", common::stderr(&o));
    let o = sign("ltv-ca");
    assert!(o.status.success(), "{}", common::stderr(&o));
    assert!(env.requests("/tsa") >= 1);
    let r = Validator::new(ValidationOptions {
        trust: env.trust(),
        revocation_policy: kyso::RevocationPolicy::Off,
        ..Default::default()
    })
    .validate_file(std::path::Path::new(&out))
    .unwrap();
    assert!(r.signatures[0].proven_signing_time.is_some(), "{r:?}");
    let ts = r.signatures[0]
        .checks
        .iter()
        .find(|c| c.id == CheckId::SignatureTimestamp)
        .unwrap();
    assert_eq!(ts.status, CheckStatus::Passed, "{}", ts.message);
}

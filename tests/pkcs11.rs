//! PKCS#11 signing against SoftHSM2 as a real token (Debian `softhsm2`, installed by
//! `scripts/install-test-peers.sh`).
//!
//! One token directory serves the whole test binary: SoftHSM reads `SOFTHSM2_CONF` (process
//! global) when the module is initialised, so the tokens are made once, before the first
//! in-process use, and every test holds `LOCK`. Tokens:
//!
//! - `kyso-rsa` (PIN 1234): the RSA signer's key `signer` (id 01) with its certificate, the
//!   intermediate and root certificates, and a second key `other` (id 03, the expired
//!   signer's) with its certificate;
//! - `kyso-ec` (PIN 5678): the ECDSA P-256 signer's key `ec-signer` (id 02) and certificate,
//!   no chain (it comes from `--chain`);
//! - `kyso-pulled` (PIN 1234): a copy of the RSA signer, whose directory a test deletes to
//!   pull the token out mid-batch.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::{Arc, Mutex, MutexGuard, OnceLock};

use common::*;
use cryptoki::context::{CInitializeArgs, CInitializeFlags, Pkcs11};
use cryptoki::error::{Error as CkError, RvError};
use cryptoki::object::{Attribute, CertificateType, ObjectClass};
use cryptoki::session::UserType;
use cryptoki::types::AuthPin;
use kyso::crypto::DigestAlgorithm;
use kyso::sign::pkcs11::{Pkcs11Module, Pkcs11Options, Pkcs11Signer};
use kyso::sign::{sign_pdf, SignError, SignOptions, Signer};
use kyso_testkit::Issued;

const MODULE: &str = "/usr/lib/softhsm/libsofthsm2.so";
const RSA_PIN: &str = "1234";
const EC_PIN: &str = "5678";

static LOCK: Mutex<()> = Mutex::new(());

struct Hsm {
    conf: PathBuf,
    pulled_dir: PathBuf,
    files: PathBuf,
}

fn softhsm_util(conf: &Path, args: &[&str]) -> String {
    let o = Command::new(peer("softhsm2-util"))
        .env("SOFTHSM2_CONF", conf)
        .args(args)
        .output()
        .unwrap();
    assert!(
        o.status.success(),
        "softhsm2-util {args:?} failed:\n{}{}",
        stdout(&o),
        stderr(&o)
    );
    stdout(&o)
}

fn token_dirs(dir: &Path) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    v.sort();
    v
}

fn init_token(h: &Path, tokens: &Path, label: &str, pin: &str) -> PathBuf {
    let before = token_dirs(tokens);
    softhsm_util(
        h,
        &[
            "--init-token",
            "--free",
            "--label",
            label,
            "--pin",
            pin,
            "--so-pin",
            "87654321",
        ],
    );
    token_dirs(tokens)
        .into_iter()
        .find(|d| !before.contains(d))
        .expect("the new token's directory")
}

fn import_key(h: &Hsm, token: &str, pin: &str, label: &str, id: &str, who: &Issued) {
    let key = h.files.join(format!("{label}-{id}.key.pem"));
    std::fs::write(&key, who.key_pem()).unwrap();
    softhsm_util(
        &h.conf,
        &[
            "--import",
            key.to_str().unwrap(),
            "--token",
            token,
            "--label",
            label,
            "--id",
            id,
            "--pin",
            pin,
        ],
    );
    std::fs::remove_file(key).unwrap();
}

/// Writes certificate objects with cryptoki (as a CA's token personalisation does).
fn write_certificates(token: &str, pin: &str, certs: &[(&str, &[u8], &Issued)]) {
    let ctx = Pkcs11::new(MODULE).unwrap();
    match ctx.initialize(CInitializeArgs::new(CInitializeFlags::OS_LOCKING_OK)) {
        Ok(()) | Err(CkError::Pkcs11(RvError::CryptokiAlreadyInitialized, _)) => {}
        Err(e) => panic!("{e}"),
    }
    let slot = ctx
        .get_slots_with_token()
        .unwrap()
        .into_iter()
        .find(|s| ctx.get_token_info(*s).unwrap().label().trim_end() == token)
        .unwrap();
    let session = ctx.open_rw_session(slot).unwrap();
    session
        .login(UserType::User, Some(&AuthPin::from(pin)))
        .unwrap();
    for (label, id, who) in certs {
        session
            .create_object(&[
                Attribute::Class(ObjectClass::CERTIFICATE),
                Attribute::CertificateType(CertificateType::X_509),
                Attribute::Token(true),
                Attribute::Private(false),
                Attribute::Label(label.as_bytes().to_vec()),
                Attribute::Id(id.to_vec()),
                Attribute::Subject(who.cert.subject_der().to_vec()),
                Attribute::Value(who.cert.der().to_vec()),
            ])
            .unwrap();
    }
}

/// Makes the tokens (once) and points this process at them.
fn hsm() -> &'static Hsm {
    static HSM: OnceLock<Hsm> = OnceLock::new();
    HSM.get_or_init(|| {
        let tmp = Path::new(env!("CARGO_TARGET_TMPDIR"));
        // Token directories of earlier runs whose process is gone.
        for e in std::fs::read_dir(tmp).into_iter().flatten().flatten() {
            let name = e.file_name().to_string_lossy().into_owned();
            if let Some(pid) = name.strip_prefix("softhsm-") {
                if !Path::new("/proc").join(pid).exists() {
                    let _ = std::fs::remove_dir_all(e.path());
                }
            }
        }
        let root = tmp.join(format!("softhsm-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&root);
        let tokens = root.join("tokens");
        let files = root.join("files");
        std::fs::create_dir_all(&tokens).unwrap();
        std::fs::create_dir_all(&files).unwrap();
        let conf = root.join("softhsm2.conf");
        std::fs::write(
            &conf,
            format!(
                "directories.tokendir = {}\nobjectstore.backend = file\nlog.level = ERROR\n",
                tokens.display()
            ),
        )
        .unwrap();
        init_token(&conf, &tokens, "kyso-rsa", RSA_PIN);
        init_token(&conf, &tokens, "kyso-ec", EC_PIN);
        let pulled_dir = init_token(&conf, &tokens, "kyso-pulled", RSA_PIN);
        let h = Hsm {
            conf,
            pulled_dir,
            files,
        };
        let p = pki();
        import_key(&h, "kyso-rsa", RSA_PIN, "signer", "01", &p.rsa);
        import_key(&h, "kyso-rsa", RSA_PIN, "other", "03", &p.expired);
        import_key(&h, "kyso-ec", EC_PIN, "ec-signer", "02", &p.ec);
        import_key(&h, "kyso-pulled", RSA_PIN, "signer", "01", &p.rsa);
        // The process-global variable is set once, before the module is first loaded here.
        std::env::set_var("SOFTHSM2_CONF", &h.conf);
        write_certificates(
            "kyso-rsa",
            RSA_PIN,
            &[
                ("signer", &[1], &p.rsa),
                ("other", &[3], &p.expired),
                ("kyso Test Intermediate CA", &[0x10], &p.intermediate),
                ("kyso Test Root CA", &[0x11], &p.root),
            ],
        );
        write_certificates("kyso-ec", EC_PIN, &[("ec-signer", &[2], &p.ec)]);
        write_certificates(
            "kyso-pulled",
            RSA_PIN,
            &[
                ("signer", &[1], &p.rsa),
                ("kyso Test Intermediate CA", &[0x10], &p.intermediate),
            ],
        );
        h
    })
}

fn lock() -> MutexGuard<'static, ()> {
    let g = LOCK
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    hsm();
    g
}

fn module() -> Pkcs11Module {
    Pkcs11Module::load(MODULE).unwrap()
}

fn rsa_opts() -> Pkcs11Options {
    Pkcs11Options {
        token_label: Some("kyso-rsa".into()),
        key_label: Some("signer".into()),
        ..Default::default()
    }
}

fn ec_opts() -> Pkcs11Options {
    Pkcs11Options {
        token_label: Some("kyso-ec".into()),
        chain: vec![pki().intermediate.cert.clone()],
        ..Default::default()
    }
}

fn assert_valid(bytes: &[u8], algo: &str) {
    let r = verify(bytes);
    assert!(r.valid, "{}", kyso::report::render_text(&r));
    let text = kyso::report::render_text(&r);
    assert!(text.contains(algo), "expected {algo}:\n{text}");
}

fn err_text(r: Result<Pkcs11Signer, SignError>) -> String {
    match r {
        Ok(s) => panic!("expected an error, got {s:?}"),
        Err(e) => e.to_string(),
    }
}

#[test]
fn rsa_pkcs1_pss_and_ecdsa_on_the_token_validate() {
    let _g = lock();
    let m = module();
    let input = sample_default();
    let cases: Vec<(&str, Pkcs11Options, &str, bool)> = vec![
        ("rsa", rsa_opts(), "RSA PKCS#1 v1.5 with SHA-256", true),
        (
            "rsa-host-hash",
            Pkcs11Options {
                hash_on_host: true,
                ..rsa_opts()
            },
            "RSA PKCS#1 v1.5 with SHA-256",
            false,
        ),
        (
            "rsa-sha512",
            Pkcs11Options {
                digest: DigestAlgorithm::Sha512,
                ..rsa_opts()
            },
            "RSA PKCS#1 v1.5 with SHA-512",
            true,
        ),
        (
            "pss",
            Pkcs11Options {
                pss: true,
                ..rsa_opts()
            },
            "RSA-PSS with SHA-256",
            true,
        ),
        (
            "pss-host-hash",
            Pkcs11Options {
                pss: true,
                digest: DigestAlgorithm::Sha384,
                hash_on_host: true,
                ..rsa_opts()
            },
            "RSA-PSS with SHA-384",
            false,
        ),
        // SoftHSM 2.6 offers only CKM_ECDSA: kyso hashes, the token signs, r || s → DER.
        ("ecdsa", ec_opts(), "ECDSA with SHA-256", false),
        (
            "ecdsa-sha384",
            Pkcs11Options {
                digest: DigestAlgorithm::Sha384,
                ..ec_opts()
            },
            "ECDSA with SHA-384",
            false,
        ),
    ];
    for (name, opts, algo, token_hashes) in cases {
        let pin = if name.starts_with("ecdsa") {
            EC_PIN
        } else {
            RSA_PIN
        };
        let signer = m.signer(&opts, Some(pin)).unwrap();
        assert_eq!(signer.token_hashes(), token_hashes, "{name}");
        // The certificate and the chain come from the token (the EC chain from the options).
        let who = if name.starts_with("ecdsa") {
            &pki().ec
        } else {
            &pki().rsa
        };
        assert_eq!(signer.certificate().der(), who.cert.der(), "{name}");
        assert!(
            signer
                .chain()
                .iter()
                .any(|c| c.der() == pki().intermediate.cert.der()),
            "{name}: no intermediate in the chain"
        );
        let signed = sign_pdf(&input, &signer, &SignOptions::default()).unwrap();
        assert!(signed.starts_with(&input));
        assert_valid(&signed, algo);
    }
}

#[test]
fn one_login_signs_a_batch_from_several_threads() {
    let _g = lock();
    fn send_sync<T: Send + Sync>() {}
    send_sync::<Pkcs11Signer>();
    let m = module();
    let signer = Arc::new(m.signer(&rsa_opts(), Some(RSA_PIN)).unwrap());
    assert_eq!(signer.certificate().der(), pki().rsa.cert.der());
    // Eight documents, two threads, one session, one login.
    let docs: Vec<Vec<u8>> = (0..8)
        .map(|i| {
            sample(&kyso_testkit::SampleOptions {
                title: format!("Ho so so {i}"),
                ..Default::default()
            })
        })
        .collect();
    let docs = Arc::new(docs);
    let handles: Vec<_> = (0..2)
        .map(|t| {
            let signer = Arc::clone(&signer);
            let docs = Arc::clone(&docs);
            std::thread::spawn(move || {
                docs.iter()
                    .skip(t)
                    .step_by(2)
                    .map(|d| sign_pdf(d, signer.as_ref(), &SignOptions::default()).unwrap())
                    .collect::<Vec<_>>()
            })
        })
        .collect();
    let mut n = 0;
    for h in handles {
        for signed in h.join().unwrap() {
            assert_valid(&signed, "RSA PKCS#1 v1.5 with SHA-256");
            n += 1;
        }
    }
    assert_eq!(n, 8);
    Arc::try_unwrap(signer).unwrap().close().unwrap();
}

#[test]
fn a_token_pulled_out_mid_batch_fails_the_rest_cleanly() {
    let _g = lock();
    let h = hsm();
    let m = module();
    let signer = m
        .signer(
            &Pkcs11Options {
                token_label: Some("kyso-pulled".into()),
                ..Default::default()
            },
            Some(RSA_PIN),
        )
        .unwrap();
    let out = tempfile::tempdir().unwrap();
    let mut results = Vec::new();
    for i in 0..4 {
        if i == 2 {
            // Pull the token out: its storage disappears under the open session.
            std::fs::remove_dir_all(&h.pulled_dir).unwrap();
        }
        let input = sample(&kyso_testkit::SampleOptions {
            title: format!("Van ban {i}"),
            ..Default::default()
        });
        let r = sign_pdf(&input, &signer, &SignOptions::default());
        if let Ok(signed) = &r {
            kyso::io::write_atomic(&out.path().join(format!("{i}.pdf")), signed, false).unwrap();
        }
        results.push(r);
    }
    assert!(results[0].is_ok() && results[1].is_ok(), "{results:?}");
    for r in &results[2..] {
        match r {
            Err(SignError::Key(msg)) => assert!(
                msg.contains("kyso-pulled")
                    && (msg.contains("removed")
                        || msg.contains("closed")
                        || msg.contains("no longer")),
                "{msg}"
            ),
            other => panic!("expected a clean token error, got {other:?}"),
        }
    }
    // The documents signed before the token went away are intact and valid.
    for i in 0..2 {
        let bytes = std::fs::read(out.path().join(format!("{i}.pdf"))).unwrap();
        assert_valid(&bytes, "RSA PKCS#1 v1.5 with SHA-256");
    }
    assert!(!out.path().join("2.pdf").exists());
    drop(signer);
}

#[test]
fn token_key_and_pin_errors_are_clear() {
    let _g = lock();
    let m = module();
    let wrong = err_text(m.signer(&rsa_opts(), Some("0000")));
    assert!(wrong.contains("wrong PIN"), "{wrong}");
    assert!(!wrong.contains("0000"), "the PIN leaked: {wrong}");
    let none = err_text(m.signer(&rsa_opts(), None));
    assert!(none.contains("needs a PIN"), "{none}");
    let several = err_text(m.signer(
        &Pkcs11Options {
            token_label: Some("kyso-rsa".into()),
            ..Default::default()
        },
        Some(RSA_PIN),
    ));
    assert!(several.contains("several private keys"), "{several}");
    assert!(
        several.contains("\"signer\"") && several.contains("\"other\""),
        "{several}"
    );
    let no_token = err_text(m.signer(
        &Pkcs11Options {
            token_label: Some("không có".into()),
            ..Default::default()
        },
        Some(RSA_PIN),
    ));
    assert!(
        no_token.contains("no token matches") && no_token.contains("kyso-ec"),
        "{no_token}"
    );
    let all_tokens = err_text(m.signer(&Pkcs11Options::default(), Some(RSA_PIN)));
    assert!(all_tokens.contains("several tokens"), "{all_tokens}");
    let no_key = err_text(m.signer(
        &Pkcs11Options {
            key_id: Some(vec![0x99]),
            ..rsa_opts()
        },
        Some(RSA_PIN),
    ));
    assert!(no_key.contains("no private key"), "{no_key}");
    // By ID instead of label; the expired signer's key is found, signing refuses its
    // certificate.
    let other = m
        .signer(
            &Pkcs11Options {
                key_label: None,
                key_id: Some(vec![3]),
                ..rsa_opts()
            },
            Some(RSA_PIN),
        )
        .unwrap();
    assert_eq!(other.certificate().der(), pki().expired.cert.der());
    assert!(matches!(
        sign_pdf(&sample_default(), &other, &SignOptions::default()),
        Err(SignError::Certificate(_))
    ));
    // By slot.
    let slot = m
        .list(&Pkcs11Options::default(), None)
        .unwrap()
        .into_iter()
        .find(|s| s.token.as_ref().is_some_and(|t| t.label == "kyso-ec"))
        .unwrap()
        .slot;
    let by_slot = m
        .signer(
            &Pkcs11Options {
                slot: Some(slot),
                ..Default::default()
            },
            Some(EC_PIN),
        )
        .unwrap();
    assert_eq!(by_slot.certificate().der(), pki().ec.cert.der());
}

#[test]
fn listing_shows_tokens_keys_and_certificates() {
    let _g = lock();
    let m = module();
    let public = m.list(&Pkcs11Options::default(), None).unwrap();
    let rsa = public
        .iter()
        .filter_map(|s| s.token.as_ref())
        .find(|t| t.label == "kyso-rsa")
        .unwrap();
    assert!(!rsa.logged_in);
    assert!(rsa
        .signing_mechanisms
        .iter()
        .any(|m| m == "CKM_SHA256_RSA_PKCS"));
    assert!(!rsa.objects.iter().any(|o| o.class == "private-key"));
    let cert = rsa
        .objects
        .iter()
        .find(|o| o.class == "certificate" && o.id == "01")
        .unwrap();
    assert!(cert.subject.as_deref().unwrap().contains("Nguyễn Văn An"));
    let text = kyso::sign::pkcs11::render_listing(&public);
    assert!(text.contains("token \"kyso-ec\""), "{text}");
    assert!(text.contains("after logging in"), "{text}");

    let private = m
        .list(
            &Pkcs11Options {
                token_label: Some("kyso-rsa".into()),
                ..Default::default()
            },
            Some(RSA_PIN),
        )
        .unwrap();
    assert_eq!(private.len(), 1);
    let t = private[0].token.as_ref().unwrap();
    assert!(t.logged_in);
    let keys: Vec<_> = t
        .objects
        .iter()
        .filter(|o| o.class == "private-key")
        .map(|o| (o.label.as_str(), o.id.as_str(), o.key_type.as_deref()))
        .collect();
    assert!(keys.contains(&("signer", "01", Some("RSA"))), "{keys:?}");
    assert!(keys.contains(&("other", "03", Some("RSA"))), "{keys:?}");
}

fn kyso_with_hsm(args: &[&str], envs: &[(&str, &str)]) -> std::process::Output {
    let mut c = Command::new(common::kyso_bin());
    c.env("SOFTHSM2_CONF", &hsm().conf).args(args);
    for (k, v) in envs {
        c.env(k, v);
    }
    c.output().unwrap()
}

#[test]
fn cli_signs_with_a_token_and_lists_it() {
    let _g = lock();
    let w = Workspace::new();
    let input = w.write("in.pdf", &sample_default());
    let out = w.path("rsa.pdf");
    let o = kyso_with_hsm(
        &[
            "sign",
            input.to_str().unwrap(),
            "-o",
            out.to_str().unwrap(),
            "--pkcs11-module",
            MODULE,
            "--token-label",
            "kyso-rsa",
            "--key-label",
            "signer",
            "--pin-env",
            "KYSO_TEST_PIN",
            "--pss",
        ],
        &[("KYSO_TEST_PIN", RSA_PIN)],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    assert_valid(&std::fs::read(&out).unwrap(), "RSA-PSS with SHA-256");

    // EC token, PIN from a file, key by ID, chain from --chain.
    let pin = w.write("pin.txt", format!("{EC_PIN}\n").as_bytes());
    let inter = w.write("inter.pem", &pki().intermediate.cert_pem());
    let ec_out = w.path("ec.pdf");
    let o = kyso_with_hsm(
        &[
            "sign",
            input.to_str().unwrap(),
            "-o",
            ec_out.to_str().unwrap(),
            "--pkcs11-module",
            MODULE,
            "--token-label",
            "kyso-ec",
            "--key-id",
            "02",
            "--pin-file",
            pin.to_str().unwrap(),
            "--chain",
            inter.to_str().unwrap(),
        ],
        &[],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    assert_valid(&std::fs::read(&ec_out).unwrap(), "ECDSA with SHA-256");

    // A wrong PIN: exit 2, a clear message, the PIN not echoed, no output written.
    let bad = w.path("bad.pdf");
    let o = kyso_with_hsm(
        &[
            "sign",
            input.to_str().unwrap(),
            "-o",
            bad.to_str().unwrap(),
            "--pkcs11-module",
            MODULE,
            "--token-label",
            "kyso-rsa",
            "--key-label",
            "signer",
            "--pin-env",
            "KYSO_TEST_PIN",
        ],
        &[("KYSO_TEST_PIN", "97531")],
    );
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("wrong PIN"), "{}", stderr(&o));
    assert!(!stderr(&o).contains("97531") && !stdout(&o).contains("97531"));
    assert!(!bad.exists());

    // --pkcs11-module and --p12 do not mix.
    let o = kyso_with_hsm(
        &[
            "sign",
            input.to_str().unwrap(),
            "-o",
            bad.to_str().unwrap(),
            "--pkcs11-module",
            MODULE,
            "--p12",
            w.path("rsa.p12").to_str().unwrap(),
        ],
        &[],
    );
    assert_eq!(o.status.code(), Some(2));

    // kyso tokens: text, then JSON with the private keys after logging in.
    let o = kyso_with_hsm(&["tokens", "--pkcs11-module", MODULE], &[]);
    assert!(o.status.success(), "{}", stderr(&o));
    let text = stdout(&o);
    for want in [
        "token \"kyso-rsa\"",
        "token \"kyso-ec\"",
        "certificate \"signer\" id 01",
        "Nguyễn Văn An",
    ] {
        assert!(text.contains(want), "missing {want}:\n{text}");
    }
    let o = kyso_with_hsm(
        &[
            "tokens",
            "--pkcs11-module",
            MODULE,
            "--token-label",
            "kyso-ec",
            "--pin-env",
            "KYSO_TEST_PIN",
            "--format",
            "json",
        ],
        &[("KYSO_TEST_PIN", EC_PIN)],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    let objects = v[0]["token"]["objects"].as_array().unwrap();
    assert!(objects.iter().any(|o| o["class"] == "private-key"
        && o["label"] == "ec-signer"
        && o["key_type"] == "EC"));
}

#[test]
fn token_signatures_validate_in_pyhanko() {
    let _g = lock();
    let w = Workspace::new();
    let m = module();
    for (name, signer) in [
        ("rsa", m.signer(&rsa_opts(), Some(RSA_PIN)).unwrap()),
        ("ec", m.signer(&ec_opts(), Some(EC_PIN)).unwrap()),
    ] {
        let signed = sign_pdf(&sample_default(), &signer, &SignOptions::default()).unwrap();
        let f = w.write(&format!("{name}.pdf"), &signed);
        let o = Command::new(peer("pyhanko"))
            .args([
                "sign",
                "validate",
                "--no-revocation-check",
                "--trust-replace",
                "--trust",
            ])
            .arg(w.path("root.pem"))
            .arg(&f)
            .output()
            .unwrap();
        let out = format!("{}{}", stdout(&o), stderr(&o));
        assert!(o.status.success(), "pyHanko rejected {name}:\n{out}");
        assert!(out.contains("INTACT:TRUSTED,UNTOUCHED"), "{name}: {out}");
    }
}

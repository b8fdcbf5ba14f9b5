//! A server-side key on a PKCS#11 token (SoftHSM, installed by
//! `scripts/install-test-peers.sh`): the server logs in once at start and signs for the API
//! keys allowed to use it; audited like a PKCS#12 key.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code

mod common;

use std::path::Path;
use std::process::Command;

use common::*;
use cryptoki::context::{CInitializeArgs, CInitializeFlags, Pkcs11};
use cryptoki::object::{Attribute, CertificateType, ObjectClass};
use cryptoki::session::UserType;
use cryptoki::types::AuthPin;
use kyso_service::{Config, Service};
use sha2::{Digest, Sha256};

const MODULE: &str = "/usr/lib/softhsm/libsofthsm2.so";
const PIN: &str = "24681357";

fn softhsm_util(conf: &Path, args: &[&str]) {
    let o = Command::new("softhsm2-util")
        .env("SOFTHSM2_CONF", conf)
        .args(args)
        .output()
        .expect("softhsm2-util is not installed: run scripts/install-test-peers.sh");
    assert!(
        o.status.success(),
        "softhsm2-util {args:?}: {}",
        String::from_utf8_lossy(&o.stderr)
    );
}

#[test]
fn a_token_key_signs_for_the_api_keys_allowed_to_use_it() {
    let w = Workspace::new();
    let tokens = w.path("tokens");
    std::fs::create_dir_all(&tokens).unwrap();
    let conf = w.path("softhsm2.conf");
    std::fs::write(
        &conf,
        format!(
            "directories.tokendir = {}\nobjectstore.backend = file\nlog.level = ERROR\n",
            tokens.display()
        ),
    )
    .unwrap();
    softhsm_util(
        &conf,
        &[
            "--init-token",
            "--free",
            "--label",
            "kyso-seal",
            "--pin",
            PIN,
            "--so-pin",
            "11223344",
        ],
    );
    let p = pki();
    let key = w.write("seal.key.pem", &p.ec.key_pem());
    softhsm_util(
        &conf,
        &[
            "--import",
            key.to_str().unwrap(),
            "--token",
            "kyso-seal",
            "--label",
            "seal",
            "--id",
            "01",
            "--pin",
            PIN,
        ],
    );
    std::fs::remove_file(&key).unwrap();
    // This process loads the module (here and in the server): one SOFTHSM2_CONF.
    std::env::set_var("SOFTHSM2_CONF", &conf);
    {
        let ctx = Pkcs11::new(MODULE).unwrap();
        ctx.initialize(CInitializeArgs::new(CInitializeFlags::OS_LOCKING_OK))
            .unwrap();
        let slot = ctx
            .get_slots_with_token()
            .unwrap()
            .into_iter()
            .find(|s| ctx.get_token_info(*s).unwrap().label().trim_end() == "kyso-seal")
            .unwrap();
        let session = ctx.open_rw_session(slot).unwrap();
        session
            .login(UserType::User, Some(&AuthPin::from(PIN)))
            .unwrap();
        for (label, id, who) in [
            ("seal", 1u8, &p.ec),
            ("kyso Test Intermediate CA", 0x10, &p.intermediate),
        ] {
            session
                .create_object(&[
                    Attribute::Class(ObjectClass::CERTIFICATE),
                    Attribute::CertificateType(CertificateType::X_509),
                    Attribute::Token(true),
                    Attribute::Private(false),
                    Attribute::Label(label.as_bytes().to_vec()),
                    Attribute::Id(vec![id]),
                    Attribute::Subject(who.cert.subject_der().to_vec()),
                    Attribute::Value(who.cert.der().to_vec()),
                ])
                .unwrap();
        }
        session.logout().unwrap();
        drop(session);
        ctx.finalize().unwrap();
    }
    std::env::set_var("KYSO_TEST_TOKEN_PIN", PIN);
    let sha = hex(&Sha256::digest(b"portal-key"));
    let extra = format!(
        "audit_log = \"{}\"\n[[keys]]\nid = \"seal\"\npkcs11_module = \"{MODULE}\"\ntoken_label = \"kyso-seal\"\nkey_label = \"seal\"\npin_env = \"KYSO_TEST_TOKEN_PIN\"\n[[api_keys]]\nid = \"portal\"\nsha256 = \"{sha}\"\nscopes = [\"verify\", \"sign:seal\"]\n",
        w.path("audit.jsonl").display()
    );
    let s = Server::start(&config_with(&w, &extra), true);
    let h = [
        ("Content-Type", "application/pdf"),
        ("Authorization", "Bearer portal-key"),
    ];
    let pdf = sample();
    for _ in 0..2 {
        let r = s.post_with("/v1/sign?key=seal", &h, &pdf);
        assert_eq!(r.status, 200, "{}", r.text());
        let v = s.post_with("/v1/verify?revocation=off", &h, &r.body).json();
        assert_eq!(v["valid"], true, "{v}");
        assert_eq!(
            v["signatures"][0]["signer"]["sha256"],
            p.ec.cert.fingerprint(),
            "{v}"
        );
    }
    let audit = std::fs::read_to_string(w.path("audit.jsonl")).unwrap();
    assert_eq!(audit.lines().count(), 2, "{audit}");
    drop(s);
    // A wrong PIN or a missing token stops the server at start, with the reason.
    std::env::set_var("KYSO_TEST_TOKEN_PIN", "00000000");
    let e = Service::new(&config_with(&w, &extra), true)
        .err()
        .expect("a wrong PIN is refused");
    assert!(e.to_string().contains("key seal"), "{e}");
    let bad = extra.replace("kyso-seal", "no-such-token");
    std::env::set_var("KYSO_TEST_TOKEN_PIN", PIN);
    let e = Service::new(&config_with(&w, &bad), true)
        .err()
        .expect("a missing token is refused");
    assert!(e.to_string().contains("key seal"), "{e}");
    // Neither or both key sources: a configuration error.
    let both = extra.replace("pkcs11_module", "pkcs12 = \"x.p12\"\npkcs11_module");
    let e = Service::new(
        &Config::parse(&format!("offline = true\n{both}")).unwrap(),
        true,
    )
    .err()
    .expect("both sources are refused");
    assert!(e.to_string().contains("either pkcs12"), "{e}");
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

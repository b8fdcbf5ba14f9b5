//! Server-side signing at B-T to B-LTA and `POST /v1/extend`, against a real OpenSSL TSA and
//! OCSP responder on 127.0.0.1 (the library tests' LTV environment), audited.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code

mod common;
#[path = "../../tests/common/ltv.rs"]
mod ltv;

use common::*;
use kyso_service::Config;
use sha2::{Digest, Sha256};

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

#[test]
fn server_keys_sign_at_every_level_and_signed_files_are_extended() {
    let env = ltv::LtvEnv::start();
    let leaf = env.leaf("Sở Tư pháp (kiểm thử)");
    let p12 = env.write_p12("seal", &leaf);
    std::env::set_var("KYSO_TEST_LEVEL_SEAL_PW", "pw");
    let root = env.path("root.pem");
    std::fs::write(&root, env.root.cert_pem()).unwrap();
    let w = Workspace::new();
    let sha = |k: &str| hex(&Sha256::digest(k.as_bytes()));
    let text = format!(
        r#"
audit_log = "{audit}"
anonymous = ["verify"]

[tsa]
url = "{tsa}"
timeout_secs = 20

[trust]
anchors = [{root:?}]

[[keys]]
id = "seal"
pkcs12 = "{p12}"
password_env = "KYSO_TEST_LEVEL_SEAL_PW"

[[api_keys]]
id = "portal"
sha256 = "{a}"
scopes = ["sign:seal", "extend"]

[[api_keys]]
id = "signer-only"
sha256 = "{b}"
scopes = ["sign:seal"]
"#,
        audit = w.path("audit.jsonl").display(),
        tsa = env.url("/tsa"),
        root = root.display().to_string(),
        p12 = p12.display(),
        a = sha("portal-key"),
        b = sha("signer-key"),
    );
    let s = Server::start(&Config::parse(&text).unwrap(), true);
    let auth = |k: &'static str| [("Content-Type", "application/pdf"), ("Authorization", k)];
    let pdf = sample();
    let verify = |bytes: &[u8]| s.post("/v1/verify", "application/pdf", bytes).json();

    let mut outputs = Vec::new();
    for level in ["B-T", "B-LT", "B-LTA"] {
        let r = s.post_with(
            &format!("/v1/sign?key=seal&level={level}"),
            &auth("Bearer portal-key"),
            &pdf,
        );
        assert_eq!(r.status, 200, "{level}: {}", r.text());
        let v = verify(&r.body);
        assert_eq!(v["valid"], true, "{level}: {v}");
        assert_eq!(v["signatures"][0]["pades_level"], level, "{level}: {v}");
        outputs.push(r.body.clone());
    }
    // Extension of a B-B file (signed here) to B-LTA; only with the `extend` scope.
    let bb = s.post_with("/v1/sign?key=seal", &auth("Bearer portal-key"), &pdf);
    assert_eq!(bb.status, 200, "{}", bb.text());
    s.post_with("/v1/extend", &auth("Bearer signer-key"), &bb.body)
        .assert_error(403, "forbidden");
    s.post_with("/v1/extend?level=B-T", &auth("Bearer portal-key"), &bb.body)
        .assert_error(400, "bad_option");
    let ext = s.post_with(
        "/v1/extend?level=B-LTA",
        &auth("Bearer portal-key"),
        &bb.body,
    );
    assert_eq!(ext.status, 200, "{}", ext.text());
    assert!(ext.body.starts_with(&bb.body), "an incremental update");
    let v = verify(&ext.body);
    assert_eq!(v["valid"], true, "{v}");
    assert_eq!(v["signatures"][1]["kind"], "document-timestamp", "{v}");
    // A B-T file extended to B-LTA reaches B-LTA.
    let ext = s.post_with("/v1/extend", &auth("Bearer portal-key"), &outputs[0]);
    assert_eq!(ext.status, 200, "{}", ext.text());
    let v = verify(&ext.body);
    assert_eq!(v["valid"], true, "{v}");
    assert_eq!(v["signatures"][0]["pades_level"], "B-LTA", "{v}");
    // A file that is not signed is refused, not a 5xx.
    let r = s.post_with("/v1/extend", &auth("Bearer portal-key"), &pdf);
    assert!(
        r.status >= 400 && r.status < 500,
        "{} {}",
        r.status,
        r.text()
    );

    // Every signature and extension is audited with its level.
    let audit = std::fs::read_to_string(w.path("audit.jsonl")).unwrap();
    let levels: Vec<String> = audit
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap())
        .map(|a| {
            format!(
                "{}:{}",
                a["key"].as_str().unwrap(),
                a["level"].as_str().unwrap()
            )
        })
        .collect();
    assert_eq!(
        levels,
        [
            "seal:B-T",
            "seal:B-LT",
            "seal:B-LTA",
            "seal:B-B",
            "extend:B-LTA",
            "extend:B-LTA"
        ]
    );
}

#[test]
fn levels_need_a_tsa_and_the_network() {
    let w = Workspace::new();
    let p = pki();
    w.write("seal.p12", &p.ec.pkcs12("pw", &[&p.intermediate, &p.root]));
    std::env::set_var("KYSO_TEST_LEVEL_SEAL_PW2", "pw");
    let extra = format!(
        "audit_log = \"{}\"\n[[keys]]\nid = \"seal\"\npkcs12 = \"{}\"\npassword_env = \"KYSO_TEST_LEVEL_SEAL_PW2\"\n[[api_keys]]\nid = \"a\"\nsha256 = \"{}\"\nscopes = [\"sign:seal\", \"extend\"]\n",
        w.path("audit.jsonl").display(),
        w.path("seal.p12").display(),
        hex(&Sha256::digest(b"k")),
    );
    // config_with is offline and has no [tsa].
    let s = Server::start(&config_with(&w, &extra), true);
    let h = [
        ("Content-Type", "application/pdf"),
        ("Authorization", "Bearer k"),
    ];
    s.post_with("/v1/sign?key=seal&level=B-T", &h, &sample())
        .assert_error(400, "no_tsa");
    s.post_with("/v1/sign?key=seal&level=B-X", &h, &sample())
        .assert_error(400, "bad_option");
    s.post_with("/v1/extend?level=B-LT", &h, &signed_sample())
        .assert_error(400, "offline");
    assert!(std::fs::read_to_string(w.path("audit.jsonl"))
        .unwrap_or_default()
        .is_empty());
}

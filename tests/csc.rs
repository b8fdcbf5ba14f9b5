//! Signing through a Cloud Signature Consortium (CSC API) service: kyso's client against the
//! service of `kyso_testkit::csc` (written from the specification, on 127.0.0.1, HTTP and
//! HTTPS), at B-B and B-T, RSA and ECDSA, v1 and v2; the results verify with kyso and pyHanko.
//! Refusals: wrong token, wrong or missing PIN, several credentials, a service signing another
//! hash or with another key, garbage and oversized answers, an untrusted TLS certificate.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code

mod common;
#[path = "common/ltv.rs"]
mod ltv_env;

use std::process::Command;
use std::sync::Arc;
use std::time::Duration;

use kyso::report::{FileReport, Indication};
use kyso::revocation::{OnlineSource, RevocationPolicy, RevocationSource};
use kyso::sign::csc::{self, CscApiVersion, CscError, CscOptions, CscSigner, Presence};
use kyso::sign::levels::{self, LevelOptions, PadesLevel};
use kyso::sign::{SignError, SignOptions, Signer};
use kyso::tsp::TsaClient;
use kyso::validate::{ValidationOptions, Validator};
use kyso::{HttpTransport, NetError};
use kyso_testkit::csc::{CscCredentialSpec, CscServer, Misbehaviour};
use kyso_testkit::{CertSpec, GeneralNameSpec, Issued};

use common::*;

const TOKEN: &str = "test-access-token";

fn rsa_credential() -> CscCredentialSpec {
    let p = pki();
    CscCredentialSpec::new("rsa-1", &p.rsa, &[&p.intermediate, &p.root], Some("123456"))
}

fn ec_credential() -> CscCredentialSpec {
    let p = pki();
    CscCredentialSpec::new("ec-1", &p.ec, &[&p.intermediate], Some("2468"))
}

fn options(server: &CscServer, api: CscApiVersion) -> CscOptions {
    CscOptions {
        url: server.url(),
        api,
        access_token: TOKEN.into(),
        pin: Some("123456".into()),
        timeout: Duration::from_secs(20),
        ..CscOptions::default()
    }
}

fn assert_total_passed(r: &FileReport) {
    assert!(r.valid, "{}", kyso::report::render_text(r));
    assert_eq!(r.signatures.len(), 1);
    assert_eq!(
        r.signatures[0].indication,
        Indication::TotalPassed,
        "{}",
        kyso::report::render_text(r)
    );
}

fn pyhanko_validate(root_pem: &[u8], pdf: &[u8]) -> String {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("root.pem");
    let file = dir.path().join("signed.pdf");
    std::fs::write(&root, root_pem).unwrap();
    std::fs::write(&file, pdf).unwrap();
    let o = Command::new(peer("pyhanko"))
        .args([
            "sign",
            "validate",
            "--no-revocation-check",
            "--trust-replace",
            "--trust",
        ])
        .arg(&root)
        .arg(&file)
        .output()
        .unwrap();
    let out = format!("{}{}", stdout(&o), stderr(&o));
    assert!(o.status.success(), "pyHanko rejected the file:\n{out}");
    out
}

fn sign_err(signer: &dyn Signer) -> SignError {
    kyso::sign::sign_pdf(&sample_default(), signer, &SignOptions::default()).unwrap_err()
}

/// A TLS server certificate for 127.0.0.1 under the test PKI's intermediate.
fn tls_server_cert() -> Issued {
    let mut spec = CertSpec::leaf("127.0.0.1");
    spec.key_usage = "digitalSignature,keyEncipherment".into();
    spec.extended_key_usage = "serverAuth".into();
    spec.subject_alt_names = vec![GeneralNameSpec::Ip(vec![127, 0, 0, 1])];
    pki().intermediate.issue(&spec)
}

#[test]
fn rsa_b_b_over_csc_v2_verifies_with_kyso_and_pyhanko() {
    let server = CscServer::start(TOKEN, vec![rsa_credential()]);
    // No credential named: the only one is used.
    let signer = CscSigner::connect(options(&server, CscApiVersion::V2)).unwrap();
    let cred = signer.credential();
    assert_eq!(cred.id, "rsa-1");
    assert_eq!(cred.certificate, pki().rsa.cert);
    assert_eq!(cred.auth_mode, "explicit");
    assert_eq!((cred.scal, cred.pin_presence), (2, Presence::Required));
    assert_eq!(signer.sign_algorithm(), "1.2.840.113549.1.1.11");

    let input = sample_default();
    let signed = kyso::sign::sign_pdf(&input, &signer, &SignOptions::default()).unwrap();
    assert!(signed.starts_with(&input));
    assert_total_passed(&verify(&signed));
    pyhanko_validate(&pki().root.cert_pem(), &signed);

    // One authorization per signature, bound to the hash it signs, with the PIN in authData.
    assert_eq!(server.calls("credentials/authorize"), 1);
    assert_eq!(server.calls("signatures/signHash"), 1);
    let auth = &server.requests("credentials/authorize")[0];
    let sign = &server.requests("signatures/signHash")[0];
    assert_eq!(auth["authData"][0]["id"], "PIN");
    assert_eq!(auth["authData"][0]["value"], "123456");
    assert_eq!(auth["hashes"], sign["hashes"]);
    assert_eq!(sign["hashAlgorithmOID"], "2.16.840.1.101.3.4.2.1");
    assert!(auth.get("PIN").is_none(), "v2 carries the PIN in authData");
}

#[test]
fn ecdsa_b_t_over_csc_v1_and_https() {
    let env = ltv_env::LtvEnv::start();
    let leaf = env.leaf("CSC EC signer");
    let mut cred = CscCredentialSpec::new("ec-ltv", &leaf, &[&env.inter], Some("2468"));
    cred.otp = Some("777111".into());
    let server = CscServer::start_tls(
        TOKEN,
        vec![cred],
        &tls_server_cert(),
        &[&pki().intermediate],
    );
    assert!(server.url().starts_with("https://"));
    let opts = CscOptions {
        pin: Some("2468".into()),
        otp: Some("777111".into()),
        credential_id: Some("ec-ltv".into()),
        tls_roots: vec![pki().root.cert.clone()],
        ..options(&server, CscApiVersion::V1)
    };
    let e = CscSigner::connect(CscOptions {
        otp: None,
        ..opts.clone()
    })
    .unwrap_err();
    assert!(
        matches!(&e, CscError::OtpRequired(id) if id == "ec-ltv"),
        "{e:?}"
    );
    let signer = CscSigner::connect(opts).unwrap();
    assert_eq!(signer.credential().otp_presence, Presence::Required);
    assert_eq!(signer.sign_algorithm(), "1.2.840.10045.4.3.2");

    let lvl = LevelOptions {
        level: PadesLevel::BT,
        tsa: Some(TsaClient::new(&env.url("/tsa"))),
        revocation: Some(Arc::new(OnlineSource::default())),
        ..Default::default()
    };
    let out = levels::sign(&sample_default(), &signer, &SignOptions::default(), &lvl).unwrap();
    let v = Validator::new(ValidationOptions {
        trust: env.trust(),
        revocation_policy: RevocationPolicy::Require,
        revocation_source: Some(Arc::new(OnlineSource::default()) as Arc<dyn RevocationSource>),
        ..Default::default()
    });
    let r = v.validate_bytes("csc-bt.pdf", &out.pdf);
    assert_total_passed(&r);
    let s = &r.signatures[0];
    assert!(s.timestamped);
    assert_eq!(s.pades_level, Some(PadesLevel::BT));
    pyhanko_validate(&env.root.cert_pem(), &out.pdf);

    // One signature, one authorization (the placeholder is sized without signing).
    assert_eq!(server.calls("credentials/authorize"), 1);
    assert_eq!(server.calls("signatures/signHash"), 1);
    // v1 names: PIN and OTP as fields, `hash` and `hashAlgo`.
    let auth = &server.requests("credentials/authorize")[0];
    assert_eq!(
        (auth["PIN"].as_str(), auth["OTP"].as_str()),
        (Some("2468"), Some("777111"))
    );
    let sign = &server.requests("signatures/signHash")[0];
    assert_eq!(auth["hash"], sign["hash"]);
    assert_eq!(sign["hashAlgo"], "2.16.840.1.101.3.4.2.1");
}

#[test]
fn ecdsa_raw_signatures_are_converted() {
    let server = CscServer::start(TOKEN, vec![ec_credential()]);
    server.misbehave(Misbehaviour {
        raw_ecdsa: true,
        ..Misbehaviour::default()
    });
    let signer = CscSigner::connect(CscOptions {
        pin: Some("2468".into()),
        ..options(&server, CscApiVersion::V2)
    })
    .unwrap();
    let signed = kyso::sign::sign_pdf(&sample_default(), &signer, &SignOptions::default()).unwrap();
    assert_total_passed(&verify(&signed));
}

#[test]
fn token_and_pin_problems_are_clear_errors() {
    let server = CscServer::start(TOKEN, vec![rsa_credential()]);
    let e = CscSigner::connect(CscOptions {
        access_token: "expired".into(),
        ..options(&server, CscApiVersion::V2)
    })
    .unwrap_err();
    assert!(matches!(e, CscError::TokenRefused { .. }), "{e:?}");
    assert!(e.to_string().contains("access token was refused"), "{e}");

    // No PIN for a credential that needs one: refused before any document is touched.
    let e = CscSigner::connect(CscOptions {
        pin: None,
        ..options(&server, CscApiVersion::V2)
    })
    .unwrap_err();
    assert!(
        matches!(&e, CscError::PinRequired(id) if id == "rsa-1"),
        "{e:?}"
    );
    assert!(e.to_string().contains("needs a PIN"), "{e}");

    // A wrong PIN: the service refuses the authorization; signing fails, nothing returned.
    for api in [CscApiVersion::V1, CscApiVersion::V2] {
        let signer = CscSigner::connect(CscOptions {
            pin: Some("000000".into()),
            ..options(&server, api)
        })
        .unwrap();
        let e = sign_err(&signer);
        let SignError::Remote(CscError::AuthorizationRefused { error, .. }) = &e else {
            panic!("{e:?}")
        };
        assert_eq!(error, "invalid_pin");
        assert!(e.to_string().contains("wrong PIN or OTP"), "{e}");
    }
    assert_eq!(server.calls("signatures/signHash"), 0);

    // An unknown credential.
    let e = CscSigner::connect(CscOptions {
        credential_id: Some("nope".into()),
        ..options(&server, CscApiVersion::V2)
    })
    .unwrap_err();
    assert!(
        matches!(&e, CscError::Service { status: 400, .. })
            && e.to_string().contains("credentialID"),
        "{e}"
    );
}

#[test]
fn several_credentials_need_a_choice() {
    let server = CscServer::start(TOKEN, vec![rsa_credential(), ec_credential()]);
    let e = CscSigner::connect(options(&server, CscApiVersion::V2)).unwrap_err();
    let CscError::ChooseCredential(ids) = &e else {
        panic!("{e:?}")
    };
    assert_eq!(ids, &["rsa-1", "ec-1"]);
    let listed = csc::list_credentials(
        &options(&server, CscApiVersion::V2),
        csc::default_transport(&options(&server, CscApiVersion::V2)).as_ref(),
        10,
    )
    .unwrap();
    assert_eq!(listed.len(), 2);
    assert_eq!(listed[1].certificate, pki().ec.cert);
    let text = csc::render_credentials(&listed);
    assert!(
        text.contains("credential ec-1") && text.contains("Nguyễn Văn An"),
        "{text}"
    );
    let info = csc::service_info(
        &options(&server, CscApiVersion::V2),
        csc::default_transport(&options(&server, CscApiVersion::V2)).as_ref(),
    )
    .unwrap();
    assert_eq!(info.specs, "2.0.0.2");
    assert!(info.methods.iter().any(|m| m == "signatures/signHash"));
}

#[test]
fn a_signature_of_another_hash_or_key_is_refused() {
    let server = CscServer::start(TOKEN, vec![rsa_credential()]);
    let signer = CscSigner::connect(options(&server, CscApiVersion::V2)).unwrap();
    for m in [
        Misbehaviour {
            sign_other_hash: true,
            ..Misbehaviour::default()
        },
        Misbehaviour {
            sign_with: Some(pki().weak_rsa.key.clone()),
            ..Misbehaviour::default()
        },
        Misbehaviour {
            sign_with: Some(pki().lookalike_leaf.key.clone()),
            ..Misbehaviour::default()
        },
    ] {
        server.misbehave(m);
        let e = sign_err(&signer);
        assert!(
            matches!(e, SignError::Remote(CscError::BadSignature(_))),
            "{e:?}"
        );
        assert!(e.to_string().contains("was refused"), "{e}");
    }
    assert_eq!(server.calls("signatures/signHash"), 3);
}

#[test]
fn garbage_and_oversized_answers_are_errors_not_panics() {
    let server = CscServer::start(TOKEN, vec![rsa_credential()]);
    let signer = CscSigner::connect(options(&server, CscApiVersion::V2)).unwrap();
    let huge = format!("{{\"signatures\":[\"{}\"]}}", "A".repeat(2 << 20));
    let cases: Vec<(u16, Vec<u8>, &str)> = vec![
        (200, b"not json".to_vec(), "not JSON"),
        (200, b"[1,2]".to_vec(), "not a JSON object"),
        (200, b"{}".to_vec(), "no signatures array"),
        (200, br#"{"signatures":[]}"#.to_vec(), "0 signatures"),
        (200, br#"{"signatures":["a","b"]}"#.to_vec(), "2 signatures"),
        (200, br#"{"signatures":[7]}"#.to_vec(), "not a string"),
        (200, br#"{"signatures":["%%%"]}"#.to_vec(), "not base64"),
        (200, br#"{"signatures":["AAAA"]}"#.to_vec(), "was refused"),
        (200, huge.into_bytes(), "larger than"),
        (200, "[".repeat(100_000).into_bytes(), "not JSON"),
        (500, b"<html>oops</html>".to_vec(), "HTTP 500"),
    ];
    for (status, body, expect) in cases {
        server.misbehave(Misbehaviour {
            replace: [("signatures/signHash".to_string(), (status, body))].into(),
            ..Misbehaviour::default()
        });
        let e = sign_err(&signer);
        assert!(e.to_string().contains(expect), "{expect}: {e}");
    }
    // A credential answer without certificates.
    server.misbehave(Misbehaviour {
        replace: [(
            "credentials/info".to_string(),
            (
                200,
                br#"{"cert":{"certificates":["bm90IGEgY2VydA=="]}}"#.to_vec(),
            ),
        )]
        .into(),
        ..Misbehaviour::default()
    });
    let e = CscSigner::connect(options(&server, CscApiVersion::V2)).unwrap_err();
    assert!(e.to_string().contains("certificate 0"), "{e}");
}

#[test]
fn the_test_service_enforces_the_sad() {
    // The service the other tests rely on refuses what a real one refuses.
    let server = CscServer::start(TOKEN, vec![rsa_credential()]);
    let opts = options(&server, CscApiVersion::V2);
    let t = csc::default_transport(&opts);
    let bearer = format!("Bearer {TOKEN}");
    let call = |method: &str, body: serde_json::Value| {
        let r = t
            .post_with_headers(
                &opts.endpoint(method),
                &[("Authorization", bearer.as_str())],
                "application/json",
                body.to_string().as_bytes(),
            )
            .unwrap();
        (
            r.status,
            serde_json::from_slice::<serde_json::Value>(&r.body).unwrap(),
        )
    };
    let h1 = "sTOgwOm+474gFj0q0x1iSNspKqbcse4IeiqlDg/HWuI=";
    let h2 = "HZQzZmMAIWekfGH0/ZKW1nsdt0xg3H6bZYztgsMTLw0=";
    let authorize = || {
        let (s, v) = call(
            "credentials/authorize",
            serde_json::json!({"credentialID": "rsa-1", "numSignatures": 1, "hashes": [h1],
                "hashAlgorithmOID": "2.16.840.1.101.3.4.2.1",
                "authData": [{"id": "PIN", "value": "123456"}]}),
        );
        assert_eq!(s, 200, "{v}");
        v["SAD"].as_str().unwrap().to_string()
    };
    let sign = |sad: &str, hash: &str| {
        call(
            "signatures/signHash",
            serde_json::json!({"credentialID": "rsa-1", "SAD": sad, "hashes": [hash],
                "hashAlgorithmOID": "2.16.840.1.101.3.4.2.1", "signAlgo": "1.2.840.113549.1.1.11"}),
        )
    };
    // Without authorization, with a made-up SAD, with a hash the SAD does not cover.
    assert_eq!(sign("made-up", h1).0, 400);
    let sad = authorize();
    let (s, v) = sign(&sad, h2);
    assert_eq!(
        (s, v["error_description"].as_str()),
        (400, Some("Hash not authorized by the SAD"))
    );
    // The right hash once; numSignatures = 1, so not twice.
    assert_eq!(sign(&sad, h1).0, 200);
    assert_eq!(sign(&sad, h1).0, 400);
    // An expired SAD.
    server.set_sad_lifetime(Duration::ZERO);
    let sad = authorize();
    std::thread::sleep(Duration::from_millis(20));
    let (s, v) = sign(&sad, h1);
    assert_eq!(
        (s, v["error_description"].as_str()),
        (400, Some("SAD expired"))
    );
    // More signatures than multisign, and no token at all.
    let (s, _) = call(
        "credentials/authorize",
        serde_json::json!({"credentialID": "rsa-1", "numSignatures": 2, "hashes": [h1, h2]}),
    );
    assert_eq!(s, 400);
    let r = t
        .post_with_headers(
            &opts.endpoint("credentials/list"),
            &[],
            "application/json",
            b"{}",
        )
        .unwrap();
    assert_eq!(r.status, 401);
}

#[test]
fn an_untrusted_tls_certificate_is_refused() {
    let server = CscServer::start_tls(
        TOKEN,
        vec![rsa_credential()],
        &tls_server_cert(),
        &[&pki().intermediate],
    );
    let e = CscSigner::connect(options(&server, CscApiVersion::V2)).unwrap_err();
    assert!(
        matches!(&e, CscError::Net(NetError::Tls { .. })) && e.to_string().contains("not trusted"),
        "{e}"
    );
    // Trusted, but issued for another name.
    let mut spec = CertSpec::leaf("csc.example.vn");
    spec.extended_key_usage = "serverAuth".into();
    spec.subject_alt_names = vec![GeneralNameSpec::Dns("csc.example.vn".into())];
    let other = pki().intermediate.issue(&spec);
    let server = CscServer::start_tls(
        TOKEN,
        vec![rsa_credential()],
        &other,
        &[&pki().intermediate],
    );
    let e = CscSigner::connect(CscOptions {
        tls_roots: vec![pki().root.cert.clone()],
        ..options(&server, CscApiVersion::V2)
    })
    .unwrap_err();
    assert!(matches!(&e, CscError::Net(NetError::Tls { .. })), "{e}");
}

/// A transport written before `post_with_headers` existed.
#[derive(Debug)]
struct OldTransport;

impl HttpTransport for OldTransport {
    fn post(&self, _: &str, _: &str, _: &[u8]) -> Result<kyso::HttpResponse, NetError> {
        unreachable!("the bearer token needs headers")
    }
    fn get(&self, _: &str) -> Result<kyso::HttpResponse, NetError> {
        unreachable!()
    }
}

#[test]
fn a_transport_without_headers_says_so() {
    let opts = CscOptions {
        url: "https://csc.example.vn".into(),
        access_token: TOKEN.into(),
        ..CscOptions::default()
    };
    let e = CscSigner::connect_over(opts, Arc::new(OldTransport)).unwrap_err();
    assert!(
        matches!(e, CscError::Net(NetError::HeadersUnsupported(_))),
        "{e:?}"
    );
}

/// The two-phase recipe of docs/tokens-and-remote-signing.md for asynchronous services (VNPT
/// SmartCA style): prepare, send the digest, the user confirms in an app while the portal
/// polls, finish when the signature arrives. The "service" here answers `r || s` after a delay.
#[test]
fn asynchronous_service_recipe_prepare_poll_finish() {
    use kyso::sign::external::PendingSignature;
    use kyso::sign::external::{finish_external, prepare_external, ExternalSigner};
    use std::collections::HashMap;
    use std::sync::Mutex;

    let p = pki();
    // 1. Prepare with the certificate the service reports; keep the PDF and the state.
    let signer = ExternalSigner::new(p.ec.cert.clone(), vec![p.intermediate.cert.clone()]).unwrap();
    let input = sample_default();
    let prepared = prepare_external(&input, &signer, &SignOptions::default()).unwrap();
    let state_json = prepared.state.to_json();

    // 2. Send the digest: the service answers a transaction id at once.
    let results: Arc<Mutex<HashMap<String, Vec<u8>>>> = Arc::default();
    let tx_id = "tx-0001".to_string();
    let digest = prepared.state.to_be_signed_digest.clone();
    let (service_results, id) = (results.clone(), tx_id.clone());
    let key = p.ec.key.clone();
    let service = std::thread::spawn(move || {
        // 3. The user confirms in the app, some time later.
        std::thread::sleep(Duration::from_millis(300));
        let sig = openssl::ecdsa::EcdsaSig::sign(&digest, &key.ec_key().unwrap()).unwrap();
        let raw = [
            sig.r().to_vec_padded(32).unwrap(),
            sig.s().to_vec_padded(32).unwrap(),
        ]
        .concat();
        service_results.lock().unwrap().insert(id, raw);
    });

    // 4. Poll (or receive the webhook) until the signature is there.
    let started = std::time::Instant::now();
    let signature = loop {
        if let Some(s) = results.lock().unwrap().get(&tx_id) {
            break s.clone();
        }
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "the service never answered"
        );
        std::thread::sleep(Duration::from_millis(50));
    };
    service.join().unwrap();

    // 5. Finish with the state read back and the prepared PDF.
    let state = PendingSignature::from_json(&state_json).unwrap();
    let signed = finish_external(&prepared.pdf, &state, &signature).unwrap();
    assert!(signed.starts_with(&input));
    assert_total_passed(&verify(&signed));
    // A signature for another transaction's digest is refused.
    let other = openssl::ecdsa::EcdsaSig::sign(&[7u8; 32], &p.ec.key.ec_key().unwrap())
        .unwrap()
        .to_der()
        .unwrap();
    assert!(finish_external(&prepared.pdf, &state, &other).is_err());
}

#[test]
fn bare_key_algorithms_and_oauth2code_credentials() {
    // A service offering only rsaEncryption / id-ecPublicKey: kyso sends the bare key
    // algorithm with the hash algorithm (v1 hashAlgo, v2 hashAlgorithmOID).
    let mut rsa = rsa_credential();
    rsa.algorithms = vec!["1.2.840.113549.1.1.1".into()];
    let mut ec = ec_credential();
    ec.algorithms = vec!["1.2.840.10045.2.1".into()];
    ec.auth_mode = "oauth2code".into();
    let server = CscServer::start(TOKEN, vec![rsa, ec]);
    for api in [CscApiVersion::V1, CscApiVersion::V2] {
        let signer = CscSigner::connect(CscOptions {
            credential_id: Some("rsa-1".into()),
            ..options(&server, api)
        })
        .unwrap();
        assert_eq!(signer.sign_algorithm(), "1.2.840.113549.1.1.1");
        let signed =
            kyso::sign::sign_pdf(&sample_default(), &signer, &SignOptions::default()).unwrap();
        assert_total_passed(&verify(&signed));
    }
    let sent = server.requests("signatures/signHash");
    assert_eq!(sent[0]["hashAlgo"], "2.16.840.1.101.3.4.2.1");
    assert_eq!(sent[1]["hashAlgorithmOID"], "2.16.840.1.101.3.4.2.1");

    // oauth2code: the token carries the credential authorization; no authorize, no SAD, and
    // no PIN asked for.
    let before = server.calls("credentials/authorize");
    let signer = CscSigner::connect(CscOptions {
        credential_id: Some("ec-1".into()),
        pin: None,
        ..options(&server, CscApiVersion::V2)
    })
    .unwrap();
    assert_eq!(signer.credential().auth_mode, "oauth2code");
    let signed = kyso::sign::sign_pdf(&sample_default(), &signer, &SignOptions::default()).unwrap();
    assert_total_passed(&verify(&signed));
    assert_eq!(server.calls("credentials/authorize"), before);
    assert!(server.requests("signatures/signHash")[2]
        .get("SAD")
        .is_none());

    // A credential whose key algorithms do not fit the certificate's key is refused early.
    let mut odd = rsa_credential();
    odd.id = "odd".into();
    odd.algorithms = vec!["1.2.840.10045.4.3.2".into()];
    let server = CscServer::start(TOKEN, vec![odd]);
    let e = CscSigner::connect(options(&server, CscApiVersion::V2)).unwrap_err();
    assert!(e.to_string().contains("do not include"), "{e}");
}

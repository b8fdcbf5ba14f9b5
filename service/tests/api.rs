//! The HTTP API on a server started in this process on 127.0.0.1:0: verification, errors,
//! limits, the bounded queue, metrics, the OpenAPI document, two-phase signing with OpenSSL
//! as the outside signer, API keys and server-side signing with its audit log.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code

mod common;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::process::Command;
use std::time::Duration;

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use common::*;
use kyso_service::{Config, Service, ROUTES};
use sha2::{Digest, Sha256};

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

#[test]
fn verify_takes_a_raw_pdf_or_multipart_and_reports_like_the_library() {
    let w = Workspace::new();
    let s = Server::start(&config_with(&w, ""), true);
    let signed = signed_sample();
    let r = s.post("/v1/verify?revocation=off", "application/pdf", &signed);
    assert_eq!(r.status, 200, "{}", r.text());
    let j = r.json();
    assert_eq!(j["valid"], true, "{j}");
    assert_eq!(j["schema_version"], 1);
    assert_eq!(j["file"], "document.pdf");
    assert_eq!(j["signatures"][0]["indication"], "TOTAL-PASSED");

    let body = multipart(&[("file", Some("hồ sơ.pdf"), &signed)]);
    let r = s.post("/v1/verify?revocation=off", &multipart_type(), &body);
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(r.json()["valid"], true);
    assert_eq!(r.json()["file"], "hồ sơ.pdf");

    // The same file, one byte changed inside the signed range: not valid, still 200.
    let mut tampered = signed.clone();
    let at = tampered.windows(3).position(|w| w == b"595").unwrap();
    tampered[at + 2] = b'6'; // MediaBox 595 → 596: still a PDF, no longer the signed one
    let r = s.post("/v1/verify?revocation=off", "application/pdf", &tampered);
    assert_eq!(r.status, 200);
    assert_eq!(r.json()["valid"], false, "{}", r.text());

    // Without the server's trust anchor the chain is not trusted.
    let bare = Server::start(&Config::parse("offline = true").unwrap(), true);
    let r = bare.post("/v1/verify?revocation=off", "application/pdf", &signed);
    assert_eq!(r.json()["valid"], false);
}

#[test]
fn a_bad_pdf_is_a_200_with_a_not_valid_report() {
    let s = Server::start(&Config::default(), false);
    for body in [
        &b"not a pdf"[..],
        b"",
        b"%PDF-1.7\n1 0 obj <<",
        b"%PDF-1.4\n%%EOF",
    ] {
        let r = s.post("/v1/verify", "application/pdf", body);
        assert_eq!(r.status, 200, "{}", r.text());
        let j = r.json();
        assert_eq!(j["valid"], false);
        assert_ne!(j["indication"], "TOTAL-PASSED");
    }
}

#[test]
fn verify_options_are_checked_and_applied() {
    let w = Workspace::new();
    let s = Server::start(&config_with(&w, ""), true);
    let signed = signed_sample();
    s.post("/v1/verify?revocation=maybe", "application/pdf", &signed)
        .assert_error(400, "bad_option");
    s.post("/v1/verify?at=yesterday", "application/pdf", &signed)
        .assert_error(400, "bad_time");
    s.post("/v1/verify?lang=fr", "application/pdf", &signed)
        .assert_error(400, "bad_option");
    s.post(
        "/v1/verify?trust_profile=nowhere",
        "application/pdf",
        &signed,
    )
    .assert_error(400, "unknown_trust_profile");
    s.post("/v1/verify?colour=blue", "application/pdf", &signed)
        .assert_error(400, "bad_query");
    // `at` before the signer's certificate existed: not valid then.
    let r = s.post(
        "/v1/verify?revocation=off&at=2001-01-01T00:00:00Z",
        "application/pdf",
        &signed,
    );
    assert_eq!(r.status, 200);
    let j = r.json();
    assert_eq!(j["validation_time"], "2001-01-01T00:00:00Z", "{j}");
    assert_eq!(j["valid"], false);
    assert_eq!(j["revocation_policy"], "off");
    let r = s.post(
        "/v1/verify?revocation=require&trust_profile=vn-public",
        "application/pdf",
        &signed,
    );
    assert_eq!(r.status, 200);
    assert_eq!(r.json()["revocation_policy"], "require");
}

#[test]
fn errors_outside_the_handlers_are_json_too() {
    let s = Server::start(&Config::default(), false);
    s.get("/nowhere").assert_error(404, "not_found");
    s.get("/v1/verify").assert_error(405, "method_not_allowed");
    s.post("/v1/verify", "text/plain", b"hello")
        .assert_error(415, "unsupported_media_type");
    s.post(
        "/v1/verify",
        &multipart_type(),
        &multipart(&[("other", None, b"x")]),
    )
    .assert_error(400, "missing_file");
}

#[test]
fn an_oversized_body_is_a_413_json_error() {
    let w = Workspace::new();
    let s = Server::start(&config_with(&w, "[limits]\nbody_bytes = 4096\n"), true);
    let big = vec![b'x'; 20_000];
    // Declared length over the limit.
    s.post("/v1/verify", "application/pdf", &big)
        .assert_error(413, "payload_too_large");
    // Multipart over the limit.
    s.post(
        "/v1/verify",
        &multipart_type(),
        &multipart(&[("file", Some("a.pdf"), &big)]),
    )
    .assert_error(413, "payload_too_large");
    // Chunked, so the length is only known while reading.
    let mut raw = b"POST /v1/verify HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Type: application/pdf\r\nTransfer-Encoding: chunked\r\n\r\n"
        .to_vec();
    for _ in 0..10 {
        raw.extend_from_slice(b"7d0\r\n");
        raw.extend_from_slice(&[b'y'; 2000]);
        raw.extend_from_slice(b"\r\n");
    }
    raw.extend_from_slice(b"0\r\n\r\n");
    raw_request(s.addr, &raw).assert_error(413, "payload_too_large");
    // Under the limit still works.
    let r = s.post("/v1/verify", "application/pdf", b"%PDF-1.7 small");
    assert_eq!(r.status, 200);
    let m = s.get("/metrics").text();
    assert!(
        m.contains("kyso_rejected_total{reason=\"payload_too_large\"}"),
        "{m}"
    );
}

#[test]
fn a_truncated_multipart_body_is_a_400() {
    let s = Server::start(&Config::default(), false);
    let full = multipart(&[("file", Some("a.pdf"), &signed_sample())]);
    // Cut before the closing boundary; the declared length matches what is sent.
    let cut = &full[..full.len() / 2];
    s.post("/v1/verify", &multipart_type(), cut)
        .assert_error(400, "bad_multipart");
    // No boundary parameter at all.
    s.post("/v1/verify", "multipart/form-data", &full)
        .assert_error(400, "bad_multipart");
    // A client that goes away mid-body: the server notices and keeps serving.
    let mut c = TcpStream::connect(s.addr).unwrap();
    write!(
        c,
        "POST /v1/verify HTTP/1.1\r\nHost: x\r\nContent-Type: {}\r\nContent-Length: {}\r\n\r\n",
        multipart_type(),
        full.len()
    )
    .unwrap();
    c.write_all(cut).unwrap();
    drop(c);
    assert_eq!(s.get("/healthz").status, 200);
}

/// A deterministic generator for the malformed requests.
struct Lcg(u64);
impl Lcg {
    fn next(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        self.0 >> 33
    }
    fn bytes(&mut self, n: usize) -> Vec<u8> {
        (0..n).map(|_| self.next() as u8).collect()
    }
}

#[test]
fn two_hundred_malformed_requests_each_get_a_json_4xx_and_the_server_keeps_serving() {
    let w = Workspace::new();
    let s = Server::start(
        &config_with(
            &w,
            "anonymous = [\"verify\", \"check\", \"sign\"]\n[limits]\nbody_bytes = 65536\n",
        ),
        true,
    );
    let mut g = Lcg(14);
    let signed = signed_sample();
    let paths = [
        "/v1/verify",
        "/v1/check",
        "/v1/sign/prepare",
        "/v1/sign/finish",
        "/v1/sign",
    ];
    let mut seen = std::collections::BTreeMap::<String, usize>::new();
    for i in 0..200 {
        let path = paths[i % paths.len()];
        let n = 1 + (g.next() % 300) as usize;
        let junk = g.bytes(n);
        let r = match (i / paths.len()) % 8 {
            0 => s.post(path, "text/plain", &junk),
            1 => s.post(path, &multipart_type(), &junk),
            2 => s.post(
                path,
                &multipart_type(),
                &multipart(&[("procedure", None, &junk[..junk.len().min(20)])])[..40],
            ),
            3 => s.post(
                &format!("{path}?at=x{i}&revocation=z&key=&digest=md5"),
                "application/pdf",
                &junk,
            ),
            4 => s.post(path, "application/json", &junk),
            5 => s.post(
                path,
                "application/json",
                format!(
                    "{{\"state_token\":\"{}.{}\",\"signature\":\"00\",\"prepared_pdf\":\"AA==\"}}",
                    i,
                    hex(&junk)
                )
                .as_bytes(),
            ),
            6 => s.post(
                path,
                &multipart_type(),
                &multipart(&[("nothing", None, &junk)]),
            ),
            _ => s.post(
                &format!(
                    "{path}?{}",
                    String::from_utf8_lossy(&junk).replace(
                        |c: char| !(c.is_ascii_alphanumeric() || "=&_.-".contains(c)),
                        "_"
                    )
                ),
                "application/pdf",
                &junk,
            ),
        };
        // verify answers 200 for any bytes sent as a PDF (a not-valid report); everything
        // else here is malformed and must be a JSON 4xx.
        if r.status == 200 {
            assert_eq!(path, "/v1/verify", "{i}: {}", r.text());
            assert_eq!(r.json()["valid"], false);
        } else {
            assert!(
                (400..500).contains(&r.status),
                "{i} {path}: {} {}",
                r.status,
                r.text()
            );
            let j = r.json();
            let code = j["error"]["code"].as_str().unwrap().to_string();
            *seen.entry(code).or_default() += 1;
        }
    }
    assert!(seen.len() >= 5, "{seen:?}");
    // Not HTTP at all.
    for junk in [
        &b"\x16\x03\x01\x02\x00hello"[..],
        b"GET\r\n\r\n",
        b"POST / HTTP/9.9\r\n\r\n",
    ] {
        let mut c = TcpStream::connect(s.addr).unwrap();
        c.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
        let _ = c.write_all(junk);
        let _ = read_response_lenient(&mut c);
    }
    let r = s.post("/v1/verify?revocation=off", "application/pdf", &signed);
    assert_eq!(r.status, 200);
    assert_eq!(r.json()["valid"], true);
    assert_eq!(s.get("/healthz").status, 200);
}

fn read_response_lenient(c: &mut TcpStream) -> Vec<u8> {
    use std::io::Read;
    let mut buf = Vec::new();
    let _ = c.read_to_end(&mut buf);
    buf
}

#[test]
fn a_full_queue_answers_429_with_retry_after() {
    let w = Workspace::new();
    let s = Server::start(
        &config_with(&w, "[limits]\nconcurrency = 1\nqueue = 0\n"),
        true,
    );
    // A slow client holds the only slot: headers and half of the body, then nothing.
    let body = signed_sample();
    let mut slow = TcpStream::connect(s.addr).unwrap();
    write!(
        slow,
        "POST /v1/verify?revocation=off HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Type: application/pdf\r\nContent-Length: {}\r\n\r\n",
        body.len()
    )
    .unwrap();
    slow.write_all(&body[..body.len() / 2]).unwrap();
    std::thread::sleep(Duration::from_millis(300));
    let r = s.post("/v1/verify", "application/pdf", &body);
    r.assert_error(429, "too_many_requests");
    assert_eq!(r.header("retry-after"), Some("1"));
    // Health and metrics are not queued.
    assert_eq!(s.get("/healthz").status, 200);
    // The slow client finishes: its request completes, and the slot is free again.
    slow.write_all(&body[body.len() / 2..]).unwrap();
    let first = read_response(&mut slow);
    assert_eq!(first.status, 200);
    assert_eq!(first.json()["valid"], true);
    let r = s.post("/v1/verify?revocation=off", "application/pdf", &body);
    assert_eq!(r.status, 200);
}

#[test]
fn a_stalled_request_times_out_with_a_json_error() {
    let w = Workspace::new();
    let s = Server::start(&config_with(&w, "[limits]\ntimeout_secs = 1\n"), true);
    let mut slow = TcpStream::connect(s.addr).unwrap();
    slow.set_read_timeout(Some(Duration::from_secs(20)))
        .unwrap();
    write!(
        slow,
        "POST /v1/verify HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Type: application/pdf\r\nContent-Length: 1000\r\n\r\nabc"
    )
    .unwrap();
    let r = read_response(&mut slow);
    r.assert_error(503, "timeout");
    assert_eq!(s.get("/healthz").status, 200);
}

#[test]
fn metrics_count_requests_latency_verdicts_and_in_flight() {
    let w = Workspace::new();
    let s = Server::start(&config_with(&w, ""), true);
    let signed = signed_sample();
    for _ in 0..3 {
        assert_eq!(
            s.post("/v1/verify?revocation=off", "application/pdf", &signed)
                .status,
            200
        );
    }
    assert_eq!(s.post("/v1/verify", "application/pdf", b"junk").status, 200);
    let _ = s.get("/nope");
    let r = s.get("/metrics");
    assert_eq!(r.status, 200);
    assert!(r.header("content-type").unwrap().starts_with("text/plain"));
    let m = r.text();
    for line in [
        "kyso_http_requests_total{route=\"/v1/verify\",status=\"200\"} 4",
        "kyso_http_requests_total{route=\"unmatched\",status=\"404\"} 1",
        "kyso_verdicts_total{indication=\"TOTAL-PASSED\"} 3",
        "kyso_http_request_duration_seconds_count{route=\"/v1/verify\"} 4",
        "kyso_http_request_duration_seconds_bucket{route=\"/v1/verify\",le=\"+Inf\"} 4",
        "# TYPE kyso_http_requests_in_flight gauge",
        "kyso_http_requests_in_flight 1",
    ] {
        assert!(m.contains(line), "missing {line:?} in\n{m}");
    }
    assert!(
        m.lines().any(
            |l| l.starts_with("kyso_verdicts_total{indication=\"TOTAL-FAILED\"}")
                || l.starts_with("kyso_verdicts_total{indication=\"INDETERMINATE\"}")
        ),
        "{m}"
    );
}

#[test]
fn health_readiness_and_the_page() {
    let s = Server::start(&Config::default(), false);
    assert_eq!(s.get("/healthz").json()["status"], "ok");
    assert_eq!(s.get("/readyz").json()["status"], "ready");
    let page = s.get("/");
    assert_eq!(page.status, 200);
    assert!(page
        .header("content-type")
        .unwrap()
        .starts_with("text/html"));
    let html = page.text();
    assert!(html.contains("Hợp lệ") && html.contains("Không hợp lệ") && html.contains("English"));
    assert!(html.contains("<html lang=\"vi\">"));
    assert!(html.contains("/v1/verify"));
    // Served from the binary, nothing from elsewhere (works offline on an intranet).
    assert!(
        !html.contains("src=\"http") && !html.contains("href=\"http") && !html.contains("@import")
    );
    // Every form control has a label.
    for id in ["file", "procedure", "role"] {
        assert!(html.contains(&format!("for=\"{id}\"")), "no label for {id}");
    }
}

#[test]
fn the_openapi_document_describes_every_route_and_only_those() {
    let s = Server::start(&Config::default(), false);
    let doc = s.get("/openapi.json").json();
    assert!(doc["openapi"].as_str().unwrap().starts_with("3."));
    let paths = doc["paths"].as_object().unwrap();
    for (method, path) in ROUTES {
        assert!(
            paths.get(*path).and_then(|p| p.get(*method)).is_some(),
            "{method} {path} not in openapi.json"
        );
        // And the router really serves it (not 404/405).
        let path = &path.replace("{code}", "2.001098");
        let r = if *method == "get" {
            s.get(path)
        } else {
            s.post(path, "text/plain", b"")
        };
        assert!(
            r.status != 404 && r.status != 405,
            "{method} {path}: {}",
            r.status
        );
    }
    for (path, ops) in paths {
        for method in ops.as_object().unwrap().keys() {
            assert!(
                ROUTES.contains(&(method.as_str(), path.as_str())),
                "openapi.json describes {method} {path}, which is not served"
            );
        }
    }
}

#[test]
fn check_runs_a_procedure_on_a_dossier() {
    let s = Server::start(&Config::default(), false);
    let signed = signed_sample();
    let body = multipart(&[
        ("file", Some("to-khai.pdf"), &signed),
        ("procedure", None, b"2.001098"),
        ("role", None, b"submission"),
        ("lang", None, b"en"),
    ]);
    let r = s.post("/v1/check", &multipart_type(), &body);
    assert_eq!(r.status, 200, "{}", r.text());
    let j = r.json();
    assert_eq!(j["schema_version"], 1);
    assert_eq!(j["role"], "submission");
    assert_eq!(j["lang"], "en");
    assert!(j["procedure"].to_string().contains("2.001098"), "{j}");
    assert!(j["verdict"].is_string());
    assert_eq!(j["files"][0]["file"], "to-khai.pdf", "{}", j["files"]);
    // Query parameters work as well as fields.
    let body = multipart(&[("file", Some("a.pdf"), &signed)]);
    let r = s.post(
        "/v1/check?procedure=2.001098&role=submission",
        &multipart_type(),
        &body,
    );
    assert_eq!(r.status, 200, "{}", r.text());
    s.post(
        "/v1/check?procedure=9.999999&role=submission",
        &multipart_type(),
        &body,
    )
    .assert_error(404, "unknown_procedure");
    s.post(
        "/v1/check?procedure=nonsense&role=submission",
        &multipart_type(),
        &body,
    )
    .assert_error(400, "bad_procedure_code");
    s.post(
        "/v1/check?procedure=2.001098&role=other",
        &multipart_type(),
        &body,
    )
    .assert_error(400, "bad_role");
    s.post("/v1/check?role=submission", &multipart_type(), &body)
        .assert_error(400, "missing_procedure");
    s.post(
        "/v1/check?procedure=2.001098&role=submission",
        "application/pdf",
        &signed,
    )
    .assert_error(415, "unsupported_media_type");
}

/// The outside signer: OpenSSL signs the digest with the key it holds.
fn openssl_sign(w: &Workspace, digest: &[u8], key_pem: &[u8]) -> Vec<u8> {
    let key = w.write("signer-key.pem", key_pem);
    let dig = w.write("digest.bin", digest);
    let out = w.path("sig.bin");
    let o = Command::new("openssl")
        .args(["pkeyutl", "-sign", "-pkeyopt", "digest:sha256", "-inkey"])
        .arg(&key)
        .arg("-in")
        .arg(&dig)
        .arg("-out")
        .arg(&out)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    std::fs::read(out).unwrap()
}

fn prepare(
    s: &Server,
    headers: &[(&str, &str)],
    pdf: &[u8],
    who: &kyso_testkit::Issued,
) -> serde_json::Value {
    let mut certs = who.cert_pem();
    certs.extend(pki().intermediate.cert_pem());
    let body = multipart(&[
        ("file", Some("a.pdf"), pdf),
        ("certificate", Some("cert.pem"), &certs),
    ]);
    let mut h = vec![("Content-Type", multipart_type())];
    h.extend(headers.iter().map(|(k, v)| (*k, v.to_string())));
    let h: Vec<(&str, &str)> = h.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let r = s.post_with(
        "/v1/sign/prepare?reason=Ph%C3%AA%20duy%E1%BB%87t",
        &h,
        &body,
    );
    assert_eq!(r.status, 200, "{}", r.text());
    r.json()
}

fn finish(
    s: &Server,
    headers: &[(&str, &str)],
    token: &str,
    sig: &[u8],
    prepared: &[u8],
) -> Response {
    let body = serde_json::json!({
        "state_token": token,
        "signature": STANDARD.encode(sig),
        "prepared_pdf": STANDARD.encode(prepared),
    });
    let mut h = vec![("Content-Type", "application/json")];
    h.extend_from_slice(headers);
    s.post_with("/v1/sign/finish", &h, body.to_string().as_bytes())
}

#[test]
fn two_phase_signing_with_openssl_as_the_outside_signer() {
    let w = Workspace::new();
    std::env::set_var(
        "KYSO_TEST_STATE_KEY_A",
        "0123456789abcdef0123456789abcdef-replica-key",
    );
    let cfg = config_with(
        &w,
        "state_key_env = \"KYSO_TEST_STATE_KEY_A\"\nanonymous = [\"verify\", \"sign\"]\n",
    );
    let a = Server::start(&cfg, true);
    let b = Server::start(&cfg, true); // another replica, same key
    let p = pki();
    let pdf = sample();
    let prep = prepare(&a, &[], &pdf, &p.rsa);
    let digest_hex = prep["digest"]["hex"].as_str().unwrap();
    let digest = STANDARD
        .decode(prep["digest"]["base64"].as_str().unwrap())
        .unwrap();
    assert_eq!(hex(&digest), digest_hex);
    assert_eq!(prep["digest"]["algorithm"], "SHA-256");
    let prepared = STANDARD
        .decode(prep["prepared_pdf"].as_str().unwrap())
        .unwrap();
    assert_eq!(prep["prepared_sha256"], hex(&Sha256::digest(&prepared)));
    let token = prep["state_token"].as_str().unwrap();
    let sig = openssl_sign(&w, &digest, &p.rsa.key_pem());

    // Finished by the other replica.
    let r = finish(&b, &[], token, &sig, &prepared);
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(r.header("content-type"), Some("application/pdf"));
    assert_eq!(
        r.header("x-kyso-output-sha256").unwrap(),
        hex(&Sha256::digest(&r.body))
    );
    let signed = r.body.clone();
    assert!(signed.starts_with(&prepared[..prepared.len().min(100)]));
    let v = a
        .post("/v1/verify?revocation=off", "application/pdf", &signed)
        .json();
    assert_eq!(v["valid"], true, "{v}");
    assert_eq!(v["signatures"][0]["reason"], "Phê duyệt");

    // Multipart works as well.
    let body = multipart(&[
        ("state_token", None, token.as_bytes()),
        ("signature", Some("sig.bin"), &sig),
        ("prepared_pdf", Some("prepared.pdf"), &prepared),
    ]);
    let r = b.post("/v1/sign/finish", &multipart_type(), &body);
    assert_eq!(r.status, 200, "{}", r.text());

    // A tampered token: one character of the payload changed, or of the MAC.
    let (payload, mac) = token.split_once('.').unwrap();
    let mut chars: Vec<char> = payload.chars().collect();
    let i = chars.len() / 2;
    chars[i] = if chars[i] == 'A' { 'B' } else { 'A' };
    let bad_payload: String = chars.into_iter().collect();
    finish(&a, &[], &format!("{bad_payload}.{mac}"), &sig, &prepared)
        .assert_error(400, "invalid_state_token");
    let mut mac_chars: Vec<char> = mac.chars().collect();
    mac_chars[0] = if mac_chars[0] == 'A' { 'B' } else { 'A' };
    let bad_mac: String = mac_chars.into_iter().collect();
    finish(&a, &[], &format!("{payload}.{bad_mac}"), &sig, &prepared)
        .assert_error(400, "invalid_state_token");
    finish(&a, &[], "garbage", &sig, &prepared).assert_error(400, "invalid_state_token");

    // A server with another key refuses the token.
    let other = Server::start(&config_with(&w, "anonymous = [\"sign\"]\n"), true);
    finish(&other, &[], token, &sig, &prepared).assert_error(400, "invalid_state_token");

    // A changed prepared PDF is refused.
    let mut changed = prepared.clone();
    let at = changed.len() / 3;
    changed[at] ^= 1;
    finish(&a, &[], token, &sig, &changed).assert_error(400, "prepared_pdf_mismatch");
    let mut longer = prepared.clone();
    longer.extend_from_slice(b"\n% appended\n");
    finish(&a, &[], token, &sig, &longer).assert_error(400, "prepared_pdf_mismatch");

    // A signature by another key is refused.
    let wrong = openssl_sign(&w, &digest, &p.lookalike_leaf.key_pem());
    finish(&a, &[], token, &wrong, &prepared).assert_error(400, "signature_invalid");
}

#[test]
fn without_a_config_only_verify_and_check_are_open() {
    let s = Server::start(&Config::default(), false);
    let body = multipart(&[("file", Some("a.pdf"), &sample())]);
    s.post("/v1/sign/prepare", &multipart_type(), &body)
        .assert_error(401, "unauthorized");
    s.post("/v1/sign/finish", "application/json", b"{}")
        .assert_error(401, "unauthorized");
    s.post("/v1/sign?key=seal", "application/pdf", &sample())
        .assert_error(401, "unauthorized");
    assert!(kyso_service::check_listener(&"0.0.0.0:8080".parse().unwrap(), false).is_err());
    assert!(kyso_service::check_listener(&"[::]:8080".parse().unwrap(), false).is_err());
    assert!(kyso_service::check_listener(&"127.0.0.1:8080".parse().unwrap(), false).is_ok());
    assert!(kyso_service::check_listener(&"[::1]:8080".parse().unwrap(), false).is_ok());
    assert!(kyso_service::check_listener(&"0.0.0.0:8080".parse().unwrap(), true).is_ok());
}

#[test]
fn server_side_signing_needs_the_key_scope_and_is_audited() {
    let w = Workspace::new();
    let p = pki();
    w.write(
        "seal.p12",
        &p.ec.pkcs12("mật khẩu", &[&p.intermediate, &p.root]),
    );
    std::env::set_var("KYSO_TEST_SEAL_PASSWORD", "mật khẩu");
    let sha = |k: &str| hex(&Sha256::digest(k.as_bytes()));
    let extra = format!(
        r#"
audit_log = "{audit}"
anonymous = []

[[keys]]
id = "seal"
pkcs12 = "{p12}"
password_env = "KYSO_TEST_SEAL_PASSWORD"

[[api_keys]]
id = "portal-a"
sha256 = "{a}"
scopes = ["verify", "sign:seal"]

[[api_keys]]
id = "reader"
sha256 = "{b}"
scopes = ["verify"]
"#,
        audit = w.path("audit.jsonl").display(),
        p12 = w.path("seal.p12").display(),
        a = sha("key-of-portal-a"),
        b = sha("key-of-reader"),
    );
    let s = Server::start(&config_with(&w, &extra), true);
    let pdf = sample();
    s.post("/v1/sign?key=seal", "application/pdf", &pdf)
        .assert_error(401, "unauthorized");
    s.post_with(
        "/v1/sign?key=seal",
        &[
            ("Content-Type", "application/pdf"),
            ("Authorization", "Bearer wrong"),
        ],
        &pdf,
    )
    .assert_error(401, "invalid_api_key");
    s.post_with(
        "/v1/sign?key=seal",
        &[
            ("Content-Type", "application/pdf"),
            ("Authorization", "Bearer key-of-reader"),
        ],
        &pdf,
    )
    .assert_error(403, "forbidden");
    s.post_with(
        "/v1/sign?key=other",
        &[
            ("Content-Type", "application/pdf"),
            ("Authorization", "Bearer key-of-portal-a"),
        ],
        &pdf,
    )
    .assert_error(403, "forbidden");
    // Anonymous verification is closed by `anonymous = []`; the reader's key opens it.
    s.post("/v1/verify", "application/pdf", &pdf)
        .assert_error(401, "unauthorized");
    let r = s.post_with(
        "/v1/verify",
        &[
            ("Content-Type", "application/pdf"),
            ("X-API-Key", "key-of-reader"),
        ],
        &pdf,
    );
    assert_eq!(r.status, 200);
    assert!(std::fs::read_to_string(w.path("audit.jsonl"))
        .unwrap()
        .is_empty());

    let r = s.post_with(
        "/v1/sign?key=seal&reason=%C4%90%C3%B3ng%20d%E1%BA%A5u",
        &[
            ("Content-Type", "application/pdf"),
            ("Authorization", "Bearer key-of-portal-a"),
        ],
        &pdf,
    );
    assert_eq!(r.status, 200, "{}", r.text());
    let signed = r.body.clone();
    let v = s
        .post_with(
            "/v1/verify?revocation=off",
            &[
                ("Content-Type", "application/pdf"),
                ("X-API-Key", "key-of-reader"),
            ],
            &signed,
        )
        .json();
    assert_eq!(v["valid"], true, "{v}");
    assert_eq!(v["signatures"][0]["reason"], "Đóng dấu");

    let audit = std::fs::read_to_string(w.path("audit.jsonl")).unwrap();
    let lines: Vec<&str> = audit.lines().collect();
    assert_eq!(lines.len(), 1, "{audit}");
    let a: serde_json::Value = serde_json::from_str(lines[0]).unwrap();
    assert_eq!(a["api_key"], "portal-a");
    assert_eq!(a["key"], "seal");
    assert_eq!(a["level"], "B-B");
    assert_eq!(a["input_sha256"], hex(&Sha256::digest(&pdf)));
    assert_eq!(a["output_sha256"], hex(&Sha256::digest(&signed)));
    assert!(kyso::time::parse_rfc3339(a["time"].as_str().unwrap()).is_some());
    // The audit line holds hashes and sizes, never the key or the document.
    assert!(!audit.contains("key-of-portal-a"));
}

#[test]
fn graceful_shutdown_finishes_the_request_in_flight() {
    let w = Workspace::new();
    let svc = Service::new(&config_with(&w, ""), true).unwrap();
    let s = Server::start_service(svc);
    let body = signed_sample();
    let mut slow = TcpStream::connect(s.addr).unwrap();
    write!(
        slow,
        "POST /v1/verify?revocation=off HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Type: application/pdf\r\nContent-Length: {}\r\n\r\n",
        body.len()
    )
    .unwrap();
    slow.write_all(&body[..100]).unwrap();
    std::thread::sleep(Duration::from_millis(200));
    let addr = s.addr;
    let stopper = std::thread::spawn(move || s.shutdown());
    std::thread::sleep(Duration::from_millis(300));
    // No new connections are served once shutdown began.
    let refused = TcpStream::connect_timeout(&addr, Duration::from_secs(2))
        .map(|mut c| {
            let _ = c.set_read_timeout(Some(Duration::from_secs(3)));
            let _ = c.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
            read_response_lenient(&mut c).is_empty()
        })
        .unwrap_or(true);
    assert!(refused, "a new connection was served during shutdown");
    slow.write_all(&body[100..]).unwrap();
    let r = read_response(&mut slow);
    assert_eq!(r.status, 200);
    assert_eq!(r.json()["valid"], true);
    stopper.join().unwrap();
}

#[test]
fn an_expired_state_token_is_refused() {
    let w = Workspace::new();
    let s = Server::start(
        &config_with(&w, "state_ttl_secs = 0\nanonymous = [\"sign\"]\n"),
        true,
    );
    let p = pki();
    let prep = prepare(&s, &[], &sample(), &p.rsa);
    let digest = STANDARD
        .decode(prep["digest"]["base64"].as_str().unwrap())
        .unwrap();
    let prepared = STANDARD
        .decode(prep["prepared_pdf"].as_str().unwrap())
        .unwrap();
    let sig = openssl_sign(&w, &digest, &p.rsa.key_pem());
    std::thread::sleep(Duration::from_millis(2100));
    finish(
        &s,
        &[],
        prep["state_token"].as_str().unwrap(),
        &sig,
        &prepared,
    )
    .assert_error(400, "state_token_expired");
}

#[test]
fn the_catalog_describes_a_procedure() {
    let s = Server::start(&Config::default(), false);
    let r = s.get("/v1/catalog/procedures/2.001098");
    assert_eq!(r.status, 200, "{}", r.text());
    let j = r.json();
    assert_eq!(j["code"], "2.001098");
    assert!(!j["components"].as_array().unwrap().is_empty(), "{j}");
    assert!(j["components"][0]["id"].is_string());
    assert!(j["name"].as_str().is_some_and(|n| !n.is_empty()));
    // Mode and paper are separate facts; the example's no-paper decision is shown.
    assert_eq!(j["mode"], "toan-trinh");
    assert_eq!(j["paper_accepted"], false);
    assert!(j["no_paper"]["decision"].is_string(), "{j}");
    assert!(
        j["catalog"].as_str().is_some_and(|t| t.contains("ví dụ")),
        "{j}"
    );
    // A provincial copy's code finds the national procedure.
    let r = s.get("/v1/catalog/procedures/2.001098.H62");
    assert_eq!(r.json()["code"], "2.001098");
    s.get("/v1/catalog/procedures/9.999999")
        .assert_error(404, "unknown_procedure");
    s.get("/v1/catalog/procedures/nonsense")
        .assert_error(400, "bad_procedure_code");
}

#[test]
fn a_client_that_stalls_while_sending_headers_is_disconnected() {
    let w = Workspace::new();
    let config = config_with(&w, "[limits]\nheader_timeout_secs = 1\n");
    let s = Server::start(&config, true);
    // Half a request line and one header, then nothing (a slowloris client).
    let mut slow = TcpStream::connect(s.addr).unwrap();
    slow.write_all(b"POST /v1/verify HTTP/1.1\r\nHost: x\r\n")
        .unwrap();
    slow.set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    let started = std::time::Instant::now();
    let mut buf = Vec::new();
    // The server closes the connection (whatever it says before): read reaches EOF.
    let r = slow.read_to_end(&mut buf);
    assert!(r.is_ok(), "the server did not close the connection: {r:?}");
    assert!(
        started.elapsed() < Duration::from_secs(8),
        "{:?}",
        started.elapsed()
    );
    // Meanwhile and afterwards, ordinary requests are served.
    assert_eq!(s.get("/healthz").status, 200);
}

#[test]
fn a_configured_catalog_serves_its_procedures() {
    let w = Workspace::new();
    // A catalog as `kyso catalog import` writes it (the fixture of the library's tests).
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../testdata/catalog");
    let read = |n: &str| std::fs::read_to_string(dir.join(n)).unwrap();
    let (n, d) = (read("national-sample.csv"), read("details-sample.jsonl"));
    let imported = kyso::policy::import_catalog(&kyso::policy::ImportSources {
        national: Some(kyso::policy::ImportInput {
            name: "n.csv",
            text: &n,
        }),
        details: Some(kyso::policy::ImportInput {
            name: "d.jsonl",
            text: &d,
        }),
        overlay: None,
    })
    .unwrap();
    let cat = w.write("tinh.toml", imported.toml.as_bytes());
    let config = config_with(&w, &format!("catalog = {:?}\n", cat.display().to_string()));
    let s = Server::start(&config, true);
    let j = s.get("/v1/catalog/procedures/2.900005").json();
    assert_eq!(j["code"], "2.900005", "{j}");
    assert_eq!(j["mode"], "toan-trinh");
    assert_eq!(j["submission_methods"], serde_json::json!(["online"]));
    assert_eq!(j["national"]["results"][0]["code"], "KQ.G98.000001");
    // The example's codes are not in this catalog.
    s.get("/v1/catalog/procedures/2.001098")
        .assert_error(404, "unknown_procedure");
    // A broken catalog stops the server at start.
    let bad = w.write("bad.toml", b"[[procedure]]\ncode = \"x\"\n");
    let config = config_with(&w, &format!("catalog = {:?}\n", bad.display().to_string()));
    let e = Service::new(&config, true).err().expect("refused");
    assert!(e.to_string().contains("catalog"), "{e}");
}

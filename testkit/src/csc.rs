//! A remote signing service speaking the Cloud Signature Consortium API (v1 and v2), written
//! from the specification for tests: `info`, `credentials/list`, `credentials/info`,
//! `credentials/authorize` and `signatures/signHash`, over HTTP or HTTPS on 127.0.0.1.
//!
//! It enforces what a real service enforces: the bearer token on every method but `info`;
//! the PIN and OTP of explicit credentials; `numSignatures` (at most `multisign`); for SCAL 2
//! credentials, hashes bound to the SAD at authorization; the SAD's credential, lifetime and
//! remaining signatures. Keys are the caller's (the test PKI's). It can also misbehave on
//! request (sign another hash, sign with another key, answer garbage), to test that clients
//! refuse what they get.

use std::collections::HashMap;
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use base64::Engine as _;
use openssl::ecdsa::EcdsaSig;
use openssl::md::Md;
use openssl::pkey::{Id, PKey, Private};
use openssl::pkey_ctx::PkeyCtx;
use openssl::rsa::Padding;
use openssl::ssl::{SslAcceptor, SslMethod};
use serde_json::{json, Value};

use crate::Issued;

const B64: base64::engine::GeneralPurpose = base64::engine::general_purpose::STANDARD;

/// A credential of the fake service.
#[derive(Clone)]
pub struct CscCredentialSpec {
    /// `credentialID`.
    pub id: String,
    /// The private key.
    pub key: PKey<Private>,
    /// The certificates returned by `credentials/info`, the signer's first (DER).
    pub certificates: Vec<Vec<u8>>,
    /// `implicit`, `explicit` or `oauth2code`.
    pub auth_mode: String,
    /// The PIN an explicit credential requires, if any.
    pub pin: Option<String>,
    /// The OTP an explicit credential requires, if any.
    pub otp: Option<String>,
    /// 1 or 2 (2: the SAD is bound to the hashes).
    pub scal: u8,
    /// `multisign`.
    pub multisign: u32,
    /// `key/algo` OIDs.
    pub algorithms: Vec<String>,
}

impl CscCredentialSpec {
    /// A credential for `leaf` (with `chain` after it), explicit with `pin`, SCAL 2, the key
    /// algorithms of its key type (combined SHA-2 OIDs and the bare key OID).
    pub fn new(id: &str, leaf: &Issued, chain: &[&Issued], pin: Option<&str>) -> Self {
        let mut certificates = vec![leaf.x509.to_der().expect("certificate DER")];
        certificates.extend(
            chain
                .iter()
                .map(|c| c.x509.to_der().expect("certificate DER")),
        );
        let algorithms = if leaf.key.id() == Id::RSA {
            [
                "1.2.840.113549.1.1.1",
                "1.2.840.113549.1.1.11",
                "1.2.840.113549.1.1.12",
                "1.2.840.113549.1.1.13",
            ]
        } else {
            [
                "1.2.840.10045.2.1",
                "1.2.840.10045.4.3.2",
                "1.2.840.10045.4.3.3",
                "1.2.840.10045.4.3.4",
            ]
        };
        CscCredentialSpec {
            id: id.into(),
            key: leaf.key.clone(),
            certificates,
            auth_mode: "explicit".into(),
            pin: pin.map(str::to_string),
            otp: None,
            scal: 2,
            multisign: 1,
            algorithms: algorithms.iter().map(|s| s.to_string()).collect(),
        }
    }
}

/// Ways the service can misbehave (for tests of the client's checks).
#[derive(Clone, Default)]
pub struct Misbehaviour {
    /// Sign a different hash than the one asked.
    pub sign_other_hash: bool,
    /// Sign with this key instead of the credential's.
    pub sign_with: Option<PKey<Private>>,
    /// Return ECDSA signatures as `r || s` instead of DER.
    pub raw_ecdsa: bool,
    /// Answer this method with this status and body instead.
    pub replace: HashMap<String, (u16, Vec<u8>)>,
}

struct Sad {
    credential: String,
    hashes: Option<Vec<String>>,
    remaining: u32,
    expires: Instant,
}

struct State {
    token: String,
    credentials: Vec<CscCredentialSpec>,
    sads: HashMap<String, Sad>,
    next_sad: u64,
    sad_lifetime: Duration,
    misbehaviour: Misbehaviour,
    calls: Vec<(String, Value)>,
}

/// The running service. Stops when dropped.
pub struct CscServer {
    base: String,
    state: Arc<Mutex<State>>,
    stop: Arc<AtomicBool>,
    port: u16,
    handle: Option<JoinHandle<()>>,
}

trait Stream: Read + Write {}
impl<T: Read + Write> Stream for T {}

impl CscServer {
    /// Starts a plain-HTTP service accepting the bearer `token`.
    pub fn start(token: &str, credentials: Vec<CscCredentialSpec>) -> Self {
        Self::start_inner(token, credentials, None)
    }

    /// Starts an HTTPS service whose certificate is `server` (issued for 127.0.0.1), sent
    /// with the intermediates `chain`.
    pub fn start_tls(
        token: &str,
        credentials: Vec<CscCredentialSpec>,
        server: &Issued,
        chain: &[&Issued],
    ) -> Self {
        let mut b = SslAcceptor::mozilla_intermediate_v5(SslMethod::tls()).expect("acceptor");
        b.set_private_key(&server.key).expect("server key");
        b.set_certificate(&server.x509).expect("server certificate");
        for c in chain {
            b.add_extra_chain_cert(c.x509.clone())
                .expect("chain certificate");
        }
        Self::start_inner(token, credentials, Some(Arc::new(b.build())))
    }

    fn start_inner(
        token: &str,
        credentials: Vec<CscCredentialSpec>,
        tls: Option<Arc<SslAcceptor>>,
    ) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1");
        let port = listener.local_addr().expect("local address").port();
        let scheme = if tls.is_some() { "https" } else { "http" };
        let state = Arc::new(Mutex::new(State {
            token: token.into(),
            credentials,
            sads: HashMap::new(),
            next_sad: 1,
            sad_lifetime: Duration::from_secs(300),
            misbehaviour: Misbehaviour::default(),
            calls: Vec::new(),
        }));
        let stop = Arc::new(AtomicBool::new(false));
        let (st, sp) = (state.clone(), stop.clone());
        let handle = std::thread::spawn(move || {
            for conn in listener.incoming() {
                if sp.load(Ordering::SeqCst) {
                    break;
                }
                let Ok(tcp) = conn else { continue };
                let st = st.clone();
                let tls = tls.clone();
                std::thread::spawn(move || {
                    let _ = tcp.set_read_timeout(Some(Duration::from_secs(10)));
                    let mut stream: Box<dyn Stream> = match &tls {
                        Some(acc) => match acc.accept(tcp) {
                            Ok(s) => Box::new(s),
                            Err(_) => return,
                        },
                        None => Box::new(tcp),
                    };
                    serve(&mut *stream, &st);
                });
            }
        });
        CscServer {
            base: format!("{scheme}://127.0.0.1:{port}"),
            state,
            stop,
            port,
            handle: Some(handle),
        }
    }

    /// The service's base URL (the API is under `/csc/v1/` and `/csc/v2/`).
    pub fn url(&self) -> String {
        self.base.clone()
    }

    /// How many times `method` (e.g. `signatures/signHash`) was called.
    pub fn calls(&self, method: &str) -> usize {
        self.state
            .lock()
            .unwrap()
            .calls
            .iter()
            .filter(|(m, _)| m == method)
            .count()
    }

    /// The request bodies of `method`, in order.
    pub fn requests(&self, method: &str) -> Vec<Value> {
        self.state
            .lock()
            .unwrap()
            .calls
            .iter()
            .filter(|(m, _)| m == method)
            .map(|(_, v)| v.clone())
            .collect()
    }

    /// Sets how the service misbehaves from now on.
    pub fn misbehave(&self, m: Misbehaviour) {
        self.state.lock().unwrap().misbehaviour = m;
    }

    /// Sets the lifetime of the SADs issued from now on.
    pub fn set_sad_lifetime(&self, d: Duration) {
        self.state.lock().unwrap().sad_lifetime = d;
    }
}

impl Drop for CscServer {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        let _ = TcpStream::connect(("127.0.0.1", self.port));
        if let Some(h) = self.handle.take() {
            let _ = h.join();
        }
    }
}

/// Reads one request, answers it, closes.
fn serve(s: &mut dyn Stream, state: &Mutex<State>) {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 8192];
    let head_end = loop {
        if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break i;
        }
        match s.read(&mut chunk) {
            Ok(0) | Err(_) => return,
            Ok(n) => buf.extend_from_slice(&chunk[..n]),
        }
        if buf.len() > 64 << 10 {
            return;
        }
    };
    let head = String::from_utf8_lossy(&buf[..head_end]).into_owned();
    let mut lines = head.split("\r\n");
    let request_line = lines.next().unwrap_or("");
    let path = request_line.split(' ').nth(1).unwrap_or("").to_string();
    let mut headers = HashMap::new();
    for l in lines {
        if let Some((n, v)) = l.split_once(':') {
            headers.insert(n.trim().to_ascii_lowercase(), v.trim().to_string());
        }
    }
    let len: usize = headers
        .get("content-length")
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    let mut body = buf[head_end + 4..].to_vec();
    while body.len() < len {
        match s.read(&mut chunk) {
            Ok(0) | Err(_) => return,
            Ok(n) => body.extend_from_slice(&chunk[..n]),
        }
    }
    let (status, reply) = handle(state, &path, headers.get("authorization"), &body);
    let reason = match status {
        200 => "OK",
        400 => "Bad Request",
        401 => "Unauthorized",
        _ => "Error",
    };
    let head = format!(
        "HTTP/1.1 {status} {reason}\r\nContent-Type: application/json;charset=UTF-8\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        reply.len()
    );
    let _ = s.write_all(head.as_bytes());
    let _ = s.write_all(&reply);
    let _ = s.flush();
}

fn error(status: u16, code: &str, description: &str) -> (u16, Vec<u8>) {
    (
        status,
        serde_json::to_vec(&json!({ "error": code, "error_description": description })).unwrap(),
    )
}

fn ok(v: Value) -> (u16, Vec<u8>) {
    (200, serde_json::to_vec(&v).unwrap())
}

fn handle(
    state: &Mutex<State>,
    path: &str,
    authorization: Option<&String>,
    body: &[u8],
) -> (u16, Vec<u8>) {
    let mut st = state.lock().unwrap();
    let (v2, method) = if let Some(m) = path.strip_prefix("/csc/v2/") {
        (true, m.to_string())
    } else if let Some(m) = path.strip_prefix("/csc/v1/") {
        (false, m.to_string())
    } else {
        return error(404, "invalid_request", "unknown path");
    };
    let req: Value = match serde_json::from_slice(body) {
        Ok(v @ Value::Object(_)) => v,
        _ => return error(400, "invalid_request", "the body is not a JSON object"),
    };
    st.calls.push((method.clone(), req.clone()));
    if let Some((status, b)) = st.misbehaviour.replace.get(&method) {
        return (*status, b.clone());
    }
    if method == "info" {
        return ok(json!({
            "specs": if v2 { "2.0.0.2" } else { "1.0.4.0" },
            "name": "kyso test CSC service",
            "logo": "",
            "region": "VN",
            "lang": "en-US",
            "description": "A CSC service for kyso's tests",
            "authType": ["oauth2client"],
            "methods": ["credentials/list", "credentials/info", "credentials/authorize", "signatures/signHash"],
        }));
    }
    let expected = format!("Bearer {}", st.token);
    if authorization != Some(&expected) {
        return error(401, "invalid_token", "The access token is not valid");
    }
    let cred_of = |st: &State| -> Option<CscCredentialSpec> {
        let id = req.get("credentialID").and_then(Value::as_str)?;
        st.credentials.iter().find(|c| c.id == id).cloned()
    };
    match method.as_str() {
        "credentials/list" => ok(json!({
            "credentialIDs": st.credentials.iter().map(|c| c.id.clone()).collect::<Vec<_>>(),
        })),
        "credentials/info" => {
            let Some(c) = cred_of(&st) else {
                return error(400, "invalid_request", "Invalid parameter credentialID");
            };
            ok(credential_info(&c, v2))
        }
        "credentials/authorize" => {
            let Some(c) = cred_of(&st) else {
                return error(400, "invalid_request", "Invalid parameter credentialID");
            };
            let n = req
                .get("numSignatures")
                .and_then(Value::as_u64)
                .unwrap_or(0) as u32;
            if n == 0 || n > c.multisign {
                return error(400, "invalid_request", "Invalid parameter numSignatures");
            }
            if c.auth_mode == "explicit" {
                let given = |id: &str| -> Option<String> {
                    if v2 {
                        req.get("authData")?
                            .as_array()?
                            .iter()
                            .find(|o| o.get("id").and_then(Value::as_str) == Some(id))?
                            .get("value")?
                            .as_str()
                            .map(str::to_string)
                    } else {
                        req.get(id)?.as_str().map(str::to_string)
                    }
                };
                if let Some(pin) = &c.pin {
                    match given("PIN") {
                        None => return error(400, "invalid_request", "Missing parameter PIN"),
                        Some(p) if &p != pin => {
                            return error(400, "invalid_pin", "The PIN is invalid")
                        }
                        _ => {}
                    }
                }
                if let Some(otp) = &c.otp {
                    match given("OTP") {
                        None => return error(400, "invalid_request", "Missing parameter OTP"),
                        Some(p) if &p != otp => {
                            return error(400, "invalid_otp", "The OTP is invalid")
                        }
                        _ => {}
                    }
                }
            }
            let hashes = req
                .get(if v2 { "hashes" } else { "hash" })
                .and_then(Value::as_array)
                .map(|a| {
                    a.iter()
                        .filter_map(Value::as_str)
                        .map(str::to_string)
                        .collect::<Vec<_>>()
                });
            if c.scal == 2 {
                match &hashes {
                    Some(h) if h.len() == n as usize => {}
                    _ => return error(400, "invalid_request", "Missing parameter hash"),
                }
                if v2
                    && req
                        .get("hashAlgorithmOID")
                        .and_then(Value::as_str)
                        .is_none()
                {
                    return error(400, "invalid_request", "Missing parameter hashAlgorithmOID");
                }
            }
            let sad = format!("SAD-{}-{}", st.next_sad, c.id);
            st.next_sad += 1;
            let lifetime = st.sad_lifetime;
            st.sads.insert(
                sad.clone(),
                Sad {
                    credential: c.id.clone(),
                    hashes: if c.scal == 2 { hashes } else { None },
                    remaining: n,
                    expires: Instant::now() + lifetime,
                },
            );
            ok(json!({ "SAD": sad, "expiresIn": lifetime.as_secs() }))
        }
        "signatures/signHash" => {
            let c = cred_of(&st);
            sign_hash(&mut st, &req, v2, c)
        }
        _ => error(400, "invalid_request", "unknown method"),
    }
}

fn credential_info(c: &CscCredentialSpec, v2: bool) -> Value {
    let leaf = openssl::x509::X509::from_der(&c.certificates[0]).unwrap();
    let bits = leaf.public_key().unwrap().bits();
    let mut v = json!({
        "description": format!("test credential {}", c.id),
        "key": { "status": "enabled", "algo": c.algorithms, "len": bits },
        "cert": {
            "status": "valid",
            "certificates": c.certificates.iter().map(|d| B64.encode(d)).collect::<Vec<_>>(),
            "serialNumber": leaf.serial_number().to_bn().unwrap().to_hex_str().unwrap().to_string(),
        },
        "multisign": c.multisign,
    });
    if v2 {
        let mut objects = Vec::new();
        if c.pin.is_some() {
            objects.push(json!({ "type": "Password", "id": "PIN", "format": "N", "label": "PIN" }));
        }
        if c.otp.is_some() {
            objects.push(json!({ "type": "OTP", "id": "OTP", "format": "N", "generator": "totp" }));
        }
        v["auth"] = json!({ "mode": c.auth_mode, "objects": objects });
        if c.pin.is_some() && c.otp.is_some() {
            v["auth"]["expression"] = json!("PIN AND OTP");
        }
        v["SCAL"] = json!(c.scal.to_string());
    } else {
        v["authMode"] = json!(c.auth_mode);
        v["SCAL"] = json!(c.scal.to_string());
        if c.pin.is_some() {
            v["PIN"] = json!({ "presence": "true", "format": "N", "label": "PIN" });
        }
        if c.otp.is_some() {
            v["OTP"] = json!({ "presence": "true", "type": "offline", "format": "N" });
        }
    }
    v
}

/// The hash algorithm named by `signAlgo` (a combined OID) or by `hashAlgo` /
/// `hashAlgorithmOID`.
fn hash_md(sign_algo: &str, hash_algo: Option<&str>) -> Option<&'static openssl::md::MdRef> {
    let by_sign = match sign_algo {
        "1.2.840.113549.1.1.11" | "1.2.840.10045.4.3.2" => Some("2.16.840.1.101.3.4.2.1"),
        "1.2.840.113549.1.1.12" | "1.2.840.10045.4.3.3" => Some("2.16.840.1.101.3.4.2.2"),
        "1.2.840.113549.1.1.13" | "1.2.840.10045.4.3.4" => Some("2.16.840.1.101.3.4.2.3"),
        _ => None,
    };
    match by_sign.or(hash_algo)? {
        "2.16.840.1.101.3.4.2.1" => Some(Md::sha256()),
        "2.16.840.1.101.3.4.2.2" => Some(Md::sha384()),
        "2.16.840.1.101.3.4.2.3" => Some(Md::sha512()),
        _ => None,
    }
}

fn sign_hash(
    st: &mut State,
    req: &Value,
    v2: bool,
    cred: Option<CscCredentialSpec>,
) -> (u16, Vec<u8>) {
    let Some(c) = cred else {
        return error(400, "invalid_request", "Invalid parameter credentialID");
    };
    let hashes: Vec<String> = match req
        .get(if v2 { "hashes" } else { "hash" })
        .and_then(Value::as_array)
    {
        Some(a) if !a.is_empty() => a
            .iter()
            .filter_map(Value::as_str)
            .map(str::to_string)
            .collect(),
        _ => return error(400, "invalid_request", "Missing parameter hash"),
    };
    let Some(sign_algo) = req.get("signAlgo").and_then(Value::as_str) else {
        return error(400, "invalid_request", "Missing parameter signAlgo");
    };
    if !c.algorithms.iter().any(|a| a == sign_algo) {
        return error(400, "invalid_request", "Invalid parameter signAlgo");
    }
    let hash_algo = req
        .get(if v2 { "hashAlgorithmOID" } else { "hashAlgo" })
        .and_then(Value::as_str);
    let Some(md) = hash_md(sign_algo, hash_algo) else {
        return error(400, "invalid_request", "Missing parameter hashAlgo");
    };
    if c.auth_mode != "oauth2code" {
        let Some(sad_text) = req.get("SAD").and_then(Value::as_str) else {
            return error(400, "invalid_request", "Missing parameter SAD");
        };
        let Some(sad) = st.sads.get_mut(sad_text) else {
            return error(400, "invalid_request", "Invalid parameter SAD");
        };
        if sad.credential != c.id {
            return error(400, "invalid_request", "The SAD is for another credential");
        }
        if Instant::now() > sad.expires {
            return error(400, "invalid_request", "SAD expired");
        }
        if let Some(bound) = &sad.hashes {
            if hashes.iter().any(|h| !bound.contains(h)) {
                return error(400, "invalid_request", "Hash not authorized by the SAD");
            }
        }
        if hashes.len() as u32 > sad.remaining {
            return error(400, "invalid_request", "The SAD allows no more signatures");
        }
        sad.remaining -= hashes.len() as u32;
        if sad.remaining == 0 {
            st.sads.remove(sad_text);
        }
    }
    let m = st.misbehaviour.clone();
    let key = m.sign_with.as_ref().unwrap_or(&c.key);
    let mut signatures = Vec::new();
    for h in &hashes {
        let Ok(mut digest) = B64.decode(h) else {
            return error(
                400,
                "invalid_request",
                "Invalid Base64 hash string parameter",
            );
        };
        if digest.len() != md.size() {
            return error(400, "invalid_request", "Invalid hash length");
        }
        if m.sign_other_hash {
            digest[0] ^= 0xff;
        }
        let sig = if key.id() == Id::RSA {
            let mut ctx = PkeyCtx::new(key).unwrap();
            ctx.sign_init().unwrap();
            ctx.set_rsa_padding(Padding::PKCS1).unwrap();
            ctx.set_signature_md(md).unwrap();
            let mut out = Vec::new();
            ctx.sign_to_vec(&digest, &mut out).unwrap();
            out
        } else {
            let ec = key.ec_key().unwrap();
            let s = EcdsaSig::sign(&digest, &ec).unwrap();
            if m.raw_ecdsa {
                let n = (key.bits() as i32 + 7) / 8;
                let fixed = |b: &openssl::bn::BigNumRef| b.to_vec_padded(n).unwrap();
                [fixed(s.r()), fixed(s.s())].concat()
            } else {
                s.to_der().unwrap()
            }
        };
        signatures.push(B64.encode(sig));
    }
    ok(json!({ "signatures": signatures }))
}

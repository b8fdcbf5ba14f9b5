//! Signing through a remote signing service that speaks the Cloud Signature Consortium API
//! (CSC API v2, and v1 where it differs): Viettel MySign and many qualified trust service
//! providers expose it.
//!
//! [`CscSigner`] is a [`Signer`]: `sign_pdf`, `sign::levels::sign` and batches use it like a
//! key file. Connecting ([`CscSigner::connect`]) picks the credential (`credentials/list`
//! when none is named and there is exactly one), reads its certificate chain, key algorithms
//! and authorization mode (`credentials/info`), and checks that the PIN or OTP it needs were
//! given. Each signature then takes two calls: `credentials/authorize` (the PIN and/or OTP,
//! and the hash, which a SCAL 2 credential requires) returns the Signature Activation Data
//! (SAD), and `signatures/signHash` signs the digest of the signed attributes with it. The
//! signature that comes back is verified with the certificate's public key before it is
//! used: a service that signs another hash or with another key fails the signing, and
//! nothing is written.
//!
//! **The access token** (`Authorization: Bearer`) is the caller's: kyso runs no OAuth 2.0
//! flow. Obtain it from the service (client credentials, the authorization code flow in a
//! browser, or the service's own login) and pass it in [`CscOptions::access_token`]. A
//! credential whose authorization mode is `oauth2code` is authorized by a token with the
//! `credential` scope: pass that token; kyso then calls `signatures/signHash` without SAD.
//!
//! **v1 and v2** differ in the names on the wire: v1 `credentials/authorize` takes `hash`,
//! `PIN` and `OTP`, v2 `hashes`, `hashAlgorithmOID` and `authData` (`[{"id": "PIN",
//! "value": …}]`); v1 `signatures/signHash` takes `hash` and `hashAlgo`, v2 `hashes` and
//! `hashAlgorithmOID`; v1 `credentials/info` reports `authMode`, `PIN` and `OTP`, v2 an `auth`
//! object with `mode` and `objects`.
//!
//! Services that sign asynchronously (the user confirms in a phone app, the result comes by
//! polling or webhook, as with VNPT SmartCA) do not fit one synchronous call: use the
//! two-phase API ([`prepare_external`](super::external::prepare_external) /
//! [`finish_external`](super::external::finish_external)); `docs/tokens-and-remote-signing.md`
//! has the recipe.

use std::sync::Arc;
use std::time::Duration;

use base64::Engine as _;
use serde_json::{json, Value};

use crate::crypto::{DigestAlgorithm, SignatureScheme};
use crate::net::{HttpTransport, NetError};
use crate::pki::Certificate;

use super::external::{check_raw_signature, normalize_signature};
use super::{scheme_for_certificate, SignError, Signer};

/// Largest CSC response accepted (a chain of a few certificates is a few kilobytes).
pub const MAX_CSC_RESPONSE: usize = 1 << 20;
/// Most credentials read from `credentials/list`.
const MAX_CREDENTIALS: usize = 1000;
/// Most certificates read from a credential's chain.
const MAX_CHAIN: usize = 16;

/// The CSC API version the service speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum CscApiVersion {
    /// CSC API v1 (1.0.3, 1.0.4).
    V1,
    /// CSC API v2 (2.0).
    #[default]
    V2,
}

impl CscApiVersion {
    /// `v1` or `v2`, as in the URL path.
    pub fn as_str(self) -> &'static str {
        match self {
            CscApiVersion::V1 => "v1",
            CscApiVersion::V2 => "v2",
        }
    }
}

/// How to reach a CSC service and which credential to use. The secrets (token, PIN, OTP)
/// are not shown by `Debug`.
#[derive(Clone)]
pub struct CscOptions {
    /// The service's base URL: either the API root ending in `/csc/v2` (or `/csc/v1`), or
    /// the part before it (then `/csc/<version>` is appended). `https://`; plain `http://`
    /// only to this machine (a local proxy, tests).
    pub url: String,
    /// The API version.
    pub api: CscApiVersion,
    /// The OAuth 2.0 bearer access token, obtained by the caller.
    pub access_token: String,
    /// The credential; `None`: the only credential `credentials/list` returns.
    pub credential_id: Option<String>,
    /// The PIN (v1 `PIN`, v2 `authData` of type `Password`), when the credential needs one.
    pub pin: Option<String>,
    /// The one-time password, when the credential needs one.
    pub otp: Option<String>,
    /// The digest algorithm of the signatures (SHA-256 by default; raised to the curve's
    /// size for P-384 and P-521 keys).
    pub digest: DigestAlgorithm,
    /// A description of the signing shown to the user by services that display one.
    pub description: Option<String>,
    /// Time allowed to each request (connect, send, answer). Services whose
    /// `credentials/authorize` waits for the user's confirmation need minutes.
    pub timeout: Duration,
    /// Extra trust anchors for the service's TLS certificate (the system's CA bundle is
    /// always used).
    pub tls_roots: Vec<Certificate>,
}

impl Default for CscOptions {
    fn default() -> Self {
        CscOptions {
            url: String::new(),
            api: CscApiVersion::V2,
            access_token: String::new(),
            credential_id: None,
            pin: None,
            otp: None,
            digest: DigestAlgorithm::Sha256,
            description: None,
            timeout: Duration::from_secs(120),
            tls_roots: Vec::new(),
        }
    }
}

impl std::fmt::Debug for CscOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let hidden = |s: &Option<String>| s.as_ref().map(|_| "<hidden>");
        f.debug_struct("CscOptions")
            .field("url", &self.url)
            .field("api", &self.api)
            .field("access_token", &"<hidden>")
            .field("credential_id", &self.credential_id)
            .field("pin", &hidden(&self.pin))
            .field("otp", &hidden(&self.otp))
            .field("digest", &self.digest)
            .field("description", &self.description)
            .field("timeout", &self.timeout)
            .field("tls_roots", &self.tls_roots.len())
            .finish()
    }
}

impl CscOptions {
    /// The URL of `method` (e.g. `credentials/info`).
    pub fn endpoint(&self, method: &str) -> String {
        let base = self.url.trim_end_matches('/');
        let root_given = ["/csc/v1", "/csc/v2"]
            .iter()
            .any(|s| base.to_ascii_lowercase().ends_with(s));
        if root_given {
            format!("{base}/{method}")
        } else {
            format!("{base}/csc/{}/{method}", self.api.as_str())
        }
    }
}

/// Errors of the CSC client. They reach the caller of a signing function as
/// [`SignError::Remote`].
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CscError {
    /// The service could not be reached, or answered with broken HTTP.
    #[error("{0}")]
    Net(#[from] NetError),
    /// HTTP 401: the access token is missing, expired or revoked.
    #[error("{method}: the access token was refused (HTTP 401{detail}); get a new token from the signing service")]
    TokenRefused {
        /// The API method.
        method: String,
        /// The service's error, if it gave one (`": …"`).
        detail: String,
    },
    /// The service answered an error (`error` and `error_description` of the CSC API).
    #[error("{method}: the signing service answered HTTP {status}: {error}{description}")]
    Service {
        /// The API method.
        method: String,
        /// The HTTP status.
        status: u16,
        /// The CSC `error` code.
        error: String,
        /// The `error_description`, if any (`": …"`).
        description: String,
    },
    /// `credentials/authorize` was refused: usually a wrong PIN or OTP.
    #[error("the signing service refused to authorize credential {credential} (wrong PIN or OTP?): HTTP {status}: {error}{description}")]
    AuthorizationRefused {
        /// The credential.
        credential: String,
        /// The HTTP status.
        status: u16,
        /// The CSC `error` code.
        error: String,
        /// The `error_description`, if any (`": …"`).
        description: String,
    },
    /// The answer is not what the API defines.
    #[error("{method}: the signing service's answer is not valid: {reason}")]
    BadResponse {
        /// The API method.
        method: String,
        /// What was wrong.
        reason: String,
    },
    /// The account holds no credential.
    #[error("the signing service lists no credential for this access token")]
    NoCredential,
    /// Several credentials and none chosen.
    #[error("the account holds {} credentials: choose one ({})", .0.len(), .0.join(", "))]
    ChooseCredential(Vec<String>),
    /// The credential cannot be used as asked.
    #[error("credential {credential}: {reason}")]
    Credential {
        /// The credential.
        credential: String,
        /// Why.
        reason: String,
    },
    /// The credential needs a PIN to authorize a signature and none was given.
    #[error("credential {0}: it needs a PIN to authorize a signature")]
    PinRequired(String),
    /// The credential needs a one-time password and none was given.
    #[error("credential {0}: it needs a one-time password (OTP) to authorize a signature")]
    OtpRequired(String),
    /// A plain `http://` URL to another host than this machine: the access token and the PIN
    /// would travel in clear.
    #[error("{0}: refusing to send the access token and PIN over plain http:// to another host than this machine; use https://")]
    InsecureUrl(String),
    /// The returned signature does not verify with the credential's certificate.
    #[error("the signature returned by the signing service was refused: {0}")]
    BadSignature(String),
}

/// What `credentials/info` says about a credential.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct CscCredential {
    /// The credential's identifier.
    pub id: String,
    /// The signer's certificate.
    pub certificate: Certificate,
    /// The rest of the chain as the service returned it.
    pub chain: Vec<Certificate>,
    /// The key's algorithms (OIDs: `key/algo`).
    pub key_algorithms: Vec<String>,
    /// The key length in bits (`key/len`).
    pub key_length: Option<u64>,
    /// `key/status` (`enabled`, `disabled`).
    pub key_status: Option<String>,
    /// The authorization mode: `implicit`, `explicit` or `oauth2code`.
    pub auth_mode: String,
    /// The Sole Control Assurance Level: 1, or 2 (the SAD is bound to the hashes).
    pub scal: u8,
    /// How many signatures one authorization allows at most (`multisign`).
    pub multisign: u64,
    /// Whether a PIN is needed (`true`), optional, or not (`false`).
    pub pin_presence: Presence,
    /// Whether an OTP is needed.
    pub otp_presence: Presence,
    /// v2: the `authData` identifier of the PIN object (`PIN` by default).
    pub pin_id: String,
    /// v2: the `authData` identifier of the OTP object (`OTP` by default).
    pub otp_id: String,
    /// v2: the `auth/expression` (`PIN AND OTP`, `PIN OR OTP`...), if any.
    pub auth_expression: Option<String>,
    /// The credential's description, if any.
    pub description: Option<String>,
}

/// Whether an authentication object is required.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Presence {
    /// Required.
    Required,
    /// Optional.
    Optional,
    /// Not used.
    Absent,
}

/// What `info` says about the service.
#[derive(Debug, Clone, Default)]
#[non_exhaustive]
pub struct CscServiceInfo {
    /// The version of the specification (`specs`).
    pub specs: String,
    /// The service's name.
    pub name: String,
    /// The methods it implements.
    pub methods: Vec<String>,
}

/// A [`Signer`] whose key is a credential of a CSC remote signing service.
pub struct CscSigner {
    opts: CscOptions,
    transport: Arc<dyn HttpTransport>,
    credential: CscCredential,
    scheme: SignatureScheme,
    sign_algo: &'static str,
}

impl std::fmt::Debug for CscSigner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "CscSigner({}, credential {}, {})",
            self.opts.url,
            self.credential.id,
            self.credential.certificate.subject()
        )
    }
}

/// A CSC API client over a transport (the calls without a chosen credential).
struct Client<'a> {
    opts: &'a CscOptions,
    transport: &'a dyn HttpTransport,
}

/// The `error` and `": error_description"` of a CSC error body.
fn error_parts(body: &[u8]) -> (String, String) {
    let v: Value = serde_json::from_slice(body).unwrap_or(Value::Null);
    let clip = |s: &str| s.chars().take(300).collect::<String>();
    let error = v
        .get("error")
        .and_then(Value::as_str)
        .map(clip)
        .unwrap_or_else(|| "error".into());
    let description = v
        .get("error_description")
        .and_then(Value::as_str)
        .map(|d| format!(": {}", clip(d)))
        .unwrap_or_default();
    (error, description)
}

impl Client<'_> {
    /// POSTs `body` to `method`, with the bearer token unless `anonymous`.
    fn call(&self, method: &str, body: &Value, anonymous: bool) -> Result<Value, CscError> {
        let url = self.opts.endpoint(method);
        let parsed = crate::net::HttpUrl::parse_web(&url)?;
        let loopback = parsed.host.eq_ignore_ascii_case("localhost")
            || parsed
                .host
                .parse::<std::net::IpAddr>()
                .is_ok_and(|ip| ip.is_loopback());
        if !parsed.tls && !loopback {
            return Err(CscError::InsecureUrl(url));
        }
        let auth = format!("Bearer {}", self.opts.access_token);
        let mut headers = vec![("Accept", "application/json")];
        if !anonymous {
            headers.push(("Authorization", auth.as_str()));
        }
        let payload = serde_json::to_vec(body).map_err(|e| CscError::BadResponse {
            method: method.into(),
            reason: e.to_string(),
        })?;
        let reply =
            self.transport
                .post_with_headers(&url, &headers, "application/json", &payload)?;
        if reply.body.len() > MAX_CSC_RESPONSE {
            return Err(CscError::Net(NetError::TooLarge {
                url,
                limit: MAX_CSC_RESPONSE,
            }));
        }
        if reply.status == 401 {
            let (error, description) = error_parts(&reply.body);
            let detail = if reply.body.is_empty() {
                String::new()
            } else {
                format!(": {error}{description}")
            };
            return Err(CscError::TokenRefused {
                method: method.into(),
                detail,
            });
        }
        if !(200..300).contains(&reply.status) {
            let (error, description) = error_parts(&reply.body);
            return Err(CscError::Service {
                method: method.into(),
                status: reply.status,
                error,
                description,
            });
        }
        let v: Value = serde_json::from_slice(&reply.body).map_err(|e| CscError::BadResponse {
            method: method.into(),
            reason: format!("not JSON: {e}"),
        })?;
        if !v.is_object() {
            return Err(CscError::BadResponse {
                method: method.into(),
                reason: "not a JSON object".into(),
            });
        }
        Ok(v)
    }

    fn info(&self) -> Result<CscServiceInfo, CscError> {
        let v = self.call("info", &json!({}), true)?;
        let s = |k: &str| v.get(k).and_then(Value::as_str).unwrap_or("").to_string();
        Ok(CscServiceInfo {
            specs: s("specs"),
            name: s("name"),
            methods: strings(&v, "methods", 200),
        })
    }

    fn list(&self) -> Result<Vec<String>, CscError> {
        let body = match self.opts.api {
            CscApiVersion::V1 => json!({ "maxResults": 100 }),
            CscApiVersion::V2 => json!({}),
        };
        let v = self.call("credentials/list", &body, false)?;
        if !v.get("credentialIDs").is_some_and(Value::is_array) {
            return Err(CscError::BadResponse {
                method: "credentials/list".into(),
                reason: "no credentialIDs array".into(),
            });
        }
        Ok(strings(&v, "credentialIDs", MAX_CREDENTIALS))
    }

    fn credential_info(&self, id: &str) -> Result<CscCredential, CscError> {
        const M: &str = "credentials/info";
        let v = self.call(
            M,
            &json!({
                "credentialID": id,
                "certificates": "chain",
                "certInfo": true,
                "authInfo": true,
            }),
            false,
        )?;
        let bad = |reason: String| CscError::BadResponse {
            method: M.into(),
            reason,
        };
        let cert = v.get("cert").ok_or_else(|| bad("no cert object".into()))?;
        let mut certs = Vec::new();
        for (i, b64) in strings(cert, "certificates", MAX_CHAIN).iter().enumerate() {
            let der = base64::engine::general_purpose::STANDARD
                .decode(b64.trim())
                .map_err(|e| bad(format!("certificate {i} is not base64: {e}")))?;
            certs.push(
                Certificate::from_der(&der).map_err(|e| bad(format!("certificate {i}: {e}")))?,
            );
        }
        if certs.is_empty() {
            return Err(bad("no certificate in cert/certificates".into()));
        }
        let certificate = certs.remove(0);
        let key = v.get("key");
        let key_algorithms = key.map(|k| strings(k, "algo", 64)).unwrap_or_default();
        let key_length = key.and_then(|k| k.get("len")).and_then(number);
        let key_status = key
            .and_then(|k| k.get("status"))
            .and_then(Value::as_str)
            .map(str::to_string);
        let scal = match v.get("SCAL").and_then(number) {
            None | Some(1) => 1,
            Some(2) => 2,
            Some(n) => return Err(bad(format!("SCAL {n} is neither 1 nor 2"))),
        };
        let multisign = v.get("multisign").and_then(number).unwrap_or(1);
        let mut cred = CscCredential {
            id: id.to_string(),
            certificate,
            chain: certs,
            key_algorithms,
            key_length,
            key_status,
            auth_mode: String::new(),
            scal,
            multisign,
            pin_presence: Presence::Absent,
            otp_presence: Presence::Absent,
            pin_id: "PIN".into(),
            otp_id: "OTP".into(),
            auth_expression: None,
            description: v
                .get("description")
                .and_then(Value::as_str)
                .map(str::to_string),
        };
        match self.opts.api {
            CscApiVersion::V1 => {
                cred.auth_mode = v
                    .get("authMode")
                    .and_then(Value::as_str)
                    .unwrap_or("explicit")
                    .to_string();
                cred.pin_presence = presence(v.get("PIN").and_then(|p| p.get("presence")));
                cred.otp_presence = presence(v.get("OTP").and_then(|p| p.get("presence")));
            }
            CscApiVersion::V2 => {
                let auth = v.get("auth");
                cred.auth_mode = auth
                    .and_then(|a| a.get("mode"))
                    .and_then(Value::as_str)
                    .unwrap_or("explicit")
                    .to_string();
                cred.auth_expression = auth
                    .and_then(|a| a.get("expression"))
                    .and_then(Value::as_str)
                    .map(str::to_string);
                let objects = auth
                    .and_then(|a| a.get("objects"))
                    .and_then(Value::as_array)
                    .map(Vec::as_slice)
                    .unwrap_or_default();
                let optional = cred
                    .auth_expression
                    .as_deref()
                    .is_some_and(|e| e.to_ascii_uppercase().contains(" OR "));
                let p = if optional {
                    Presence::Optional
                } else {
                    Presence::Required
                };
                for o in objects.iter().take(16) {
                    let ty = o.get("type").and_then(Value::as_str).unwrap_or("");
                    let oid = o.get("id").and_then(Value::as_str);
                    if ty.eq_ignore_ascii_case("Password") || ty.eq_ignore_ascii_case("PIN") {
                        cred.pin_presence = p;
                        cred.pin_id = oid.unwrap_or("PIN").to_string();
                    } else if ty.eq_ignore_ascii_case("OTP") {
                        cred.otp_presence = p;
                        cred.otp_id = oid.unwrap_or("OTP").to_string();
                    }
                }
            }
        }
        Ok(cred)
    }
}

/// A JSON number, or a string holding one (v1 sends `"SCAL": "2"`).
fn number(v: &Value) -> Option<u64> {
    v.as_u64()
        .or_else(|| v.as_str().and_then(|s| s.trim().parse().ok()))
}

/// Up to `max` strings of the array `key` of `v`.
fn strings(v: &Value, key: &str, max: usize) -> Vec<String> {
    v.get(key)
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(Value::as_str)
                .take(max)
                .map(str::to_string)
                .collect()
        })
        .unwrap_or_default()
}

fn presence(v: Option<&Value>) -> Presence {
    match v {
        Some(Value::Bool(true)) => Presence::Required,
        Some(Value::String(s)) if s == "true" => Presence::Required,
        Some(Value::String(s)) if s == "optional" => Presence::Optional,
        _ => Presence::Absent,
    }
}

/// rsaEncryption: the service applies PKCS#1 v1.5 with the hash algorithm given.
const RSA_ENCRYPTION: &str = "1.2.840.113549.1.1.1";
/// id-ecPublicKey: the service signs with ECDSA and the hash algorithm given.
const EC_PUBLIC_KEY: &str = "1.2.840.10045.2.1";

/// The combined signature algorithm OID of `scheme`, and the bare key algorithm OID.
fn sign_algorithms(scheme: SignatureScheme) -> Option<(&'static str, &'static str)> {
    match scheme {
        SignatureScheme::RsaPkcs1 { digest } => Some((
            match digest {
                DigestAlgorithm::Sha256 => "1.2.840.113549.1.1.11",
                DigestAlgorithm::Sha384 => "1.2.840.113549.1.1.12",
                DigestAlgorithm::Sha512 => "1.2.840.113549.1.1.13",
                _ => return None,
            },
            RSA_ENCRYPTION,
        )),
        SignatureScheme::Ecdsa { digest } => Some((
            match digest {
                DigestAlgorithm::Sha256 => "1.2.840.10045.4.3.2",
                DigestAlgorithm::Sha384 => "1.2.840.10045.4.3.3",
                DigestAlgorithm::Sha512 => "1.2.840.10045.4.3.4",
                _ => return None,
            },
            EC_PUBLIC_KEY,
        )),
        _ => None,
    }
}

/// Asks the service's `info` (no token needed).
///
/// # Errors
/// See [`CscError`].
pub fn service_info(
    opts: &CscOptions,
    transport: &dyn HttpTransport,
) -> Result<CscServiceInfo, CscError> {
    Client { opts, transport }.info()
}

/// Lists the account's credentials with what `credentials/info` says about each (at most
/// `max`).
///
/// # Errors
/// See [`CscError`].
pub fn list_credentials(
    opts: &CscOptions,
    transport: &dyn HttpTransport,
    max: usize,
) -> Result<Vec<CscCredential>, CscError> {
    let c = Client { opts, transport };
    c.list()?
        .iter()
        .take(max)
        .map(|id| c.credential_info(id))
        .collect()
}

/// The built-in HTTP client for `opts` (timeouts, size limit, extra TLS roots).
#[cfg(feature = "online")]
pub fn default_transport(opts: &CscOptions) -> Arc<dyn HttpTransport> {
    Arc::new(crate::net::HttpClient {
        connect_timeout: opts.timeout.min(Duration::from_secs(10)),
        io_timeout: opts.timeout,
        total_timeout: opts.timeout,
        max_response: MAX_CSC_RESPONSE,
        tls_roots: opts.tls_roots.iter().map(|c| c.der().to_vec()).collect(),
    })
}

impl CscSigner {
    /// Connects with the built-in HTTP client (`http://` and `https://`).
    ///
    /// # Errors
    /// See [`CscSigner::connect_over`].
    #[cfg(feature = "online")]
    pub fn connect(opts: CscOptions) -> Result<Self, CscError> {
        let t = default_transport(&opts);
        Self::connect_over(opts, t)
    }

    /// Connects over `transport`: chooses the credential, reads its certificate and
    /// authorization requirements, and checks that the PIN / OTP it needs are given.
    ///
    /// # Errors
    /// The service is unreachable or refuses the token; no credential or several without a
    /// choice; the credential's key is disabled, of an unsupported algorithm, or needs a PIN
    /// or OTP that was not given.
    pub fn connect_over(
        opts: CscOptions,
        transport: Arc<dyn HttpTransport>,
    ) -> Result<Self, CscError> {
        let c = Client {
            opts: &opts,
            transport: transport.as_ref(),
        };
        let id = match &opts.credential_id {
            Some(id) => id.clone(),
            None => {
                let mut ids = c.list()?;
                match ids.len() {
                    0 => return Err(CscError::NoCredential),
                    1 => ids.remove(0),
                    _ => return Err(CscError::ChooseCredential(ids)),
                }
            }
        };
        let credential = c.credential_info(&id)?;
        let fail = |reason: String| CscError::Credential {
            credential: id.clone(),
            reason,
        };
        if credential
            .key_status
            .as_deref()
            .is_some_and(|s| s.eq_ignore_ascii_case("disabled"))
        {
            return Err(fail("its key is disabled".into()));
        }
        let scheme = scheme_for_certificate(&credential.certificate, opts.digest, false)
            .map_err(|e| fail(e.to_string()))?;
        let (combined, bare) = sign_algorithms(scheme).ok_or_else(|| {
            fail(format!(
                "{} is not supported over the CSC API",
                scheme.name()
            ))
        })?;
        let algos = &credential.key_algorithms;
        let sign_algo = if algos.is_empty() || algos.iter().any(|a| a == combined) {
            combined
        } else if algos.iter().any(|a| a == bare) {
            bare
        } else {
            return Err(fail(format!(
                "its key algorithms ({}) do not include {} ({combined} or {bare})",
                algos.join(", "),
                scheme.name()
            )));
        };
        if credential.auth_mode != "oauth2code" {
            if credential.pin_presence == Presence::Required && opts.pin.is_none() {
                return Err(CscError::PinRequired(id));
            }
            if credential.otp_presence == Presence::Required && opts.otp.is_none() {
                return Err(CscError::OtpRequired(id));
            }
        }
        Ok(CscSigner {
            opts,
            transport,
            credential,
            scheme,
            sign_algo,
        })
    }

    /// What the service said about the credential.
    pub fn credential(&self) -> &CscCredential {
        &self.credential
    }

    /// The signature algorithm OID sent to `signatures/signHash`.
    pub fn sign_algorithm(&self) -> &str {
        self.sign_algo
    }

    fn client(&self) -> Client<'_> {
        Client {
            opts: &self.opts,
            transport: self.transport.as_ref(),
        }
    }

    /// `credentials/authorize` for one signature of `hash_b64`: the SAD.
    fn authorize(&self, hash_b64: &str) -> Result<String, CscError> {
        const M: &str = "credentials/authorize";
        let o = &self.opts;
        let cred = &self.credential;
        let digest_oid = self.scheme.digest().oid();
        let mut body = json!({
            "credentialID": cred.id,
            "numSignatures": 1,
        });
        match o.api {
            CscApiVersion::V1 => {
                body["hash"] = json!([hash_b64]);
                if let Some(p) = &o.pin {
                    body["PIN"] = json!(p);
                }
                if let Some(p) = &o.otp {
                    body["OTP"] = json!(p);
                }
            }
            CscApiVersion::V2 => {
                body["hashes"] = json!([hash_b64]);
                body["hashAlgorithmOID"] = json!(digest_oid);
                let mut auth = Vec::new();
                if let Some(p) = &o.pin {
                    auth.push(json!({ "id": cred.pin_id, "value": p }));
                }
                if let Some(p) = &o.otp {
                    auth.push(json!({ "id": cred.otp_id, "value": p }));
                }
                if !auth.is_empty() {
                    body["authData"] = Value::Array(auth);
                }
            }
        }
        if let Some(d) = &o.description {
            body["description"] = json!(d);
        }
        let v = match self.client().call(M, &body, false) {
            Ok(v) => v,
            Err(CscError::Service {
                status,
                error,
                description,
                ..
            }) if status == 400 || status == 403 => {
                return Err(CscError::AuthorizationRefused {
                    credential: cred.id.clone(),
                    status,
                    error,
                    description,
                })
            }
            Err(e) => return Err(e),
        };
        v.get("SAD")
            .and_then(Value::as_str)
            .filter(|s| !s.is_empty())
            .map(str::to_string)
            .ok_or_else(|| CscError::BadResponse {
                method: M.into(),
                reason: "no SAD".into(),
            })
    }

    /// `signatures/signHash` of one hash: the signature value as returned.
    fn sign_hash(&self, sad: Option<&str>, hash_b64: &str) -> Result<Vec<u8>, CscError> {
        const M: &str = "signatures/signHash";
        let digest_oid = self.scheme.digest().oid();
        let mut body = json!({
            "credentialID": self.credential.id,
            "signAlgo": self.sign_algo,
        });
        if let Some(s) = sad {
            body["SAD"] = json!(s);
        }
        match self.opts.api {
            CscApiVersion::V1 => {
                body["hash"] = json!([hash_b64]);
                body["hashAlgo"] = json!(digest_oid);
            }
            CscApiVersion::V2 => {
                body["hashes"] = json!([hash_b64]);
                body["hashAlgorithmOID"] = json!(digest_oid);
                body["operationMode"] = json!("S");
            }
        }
        let v = self.client().call(M, &body, false)?;
        let sigs = v
            .get("signatures")
            .and_then(Value::as_array)
            .ok_or_else(|| CscError::BadResponse {
                method: M.into(),
                reason: "no signatures array".into(),
            })?;
        let [one] = sigs.as_slice() else {
            return Err(CscError::BadResponse {
                method: M.into(),
                reason: format!("{} signatures for one hash", sigs.len()),
            });
        };
        let b64 = one.as_str().ok_or_else(|| CscError::BadResponse {
            method: M.into(),
            reason: "the signature is not a string".into(),
        })?;
        base64::engine::general_purpose::STANDARD
            .decode(b64.trim())
            .map_err(|e| CscError::BadResponse {
                method: M.into(),
                reason: format!("the signature is not base64: {e}"),
            })
    }

    /// Signs `message`: its digest goes to the service; the returned signature is checked.
    fn sign_remote(&self, message: &[u8]) -> Result<Vec<u8>, CscError> {
        let digest = self.scheme.digest().digest(message);
        let hash_b64 = base64::engine::general_purpose::STANDARD.encode(&digest);
        let sad = if self.credential.auth_mode == "oauth2code" {
            None
        } else {
            Some(self.authorize(&hash_b64)?)
        };
        let returned = self.sign_hash(sad.as_deref(), &hash_b64)?;
        let sig = normalize_signature(self.scheme, &self.credential.certificate, &returned);
        check_raw_signature(self.scheme, &self.credential.certificate, message, &sig)
            .map_err(|e| CscError::BadSignature(e.to_string()))?;
        Ok(sig)
    }
}

impl Signer for CscSigner {
    fn certificate(&self) -> &Certificate {
        &self.credential.certificate
    }
    fn chain(&self) -> &[Certificate] {
        &self.credential.chain
    }
    fn scheme(&self) -> SignatureScheme {
        self.scheme
    }
    fn sign(&self, message: &[u8]) -> Result<Vec<u8>, SignError> {
        Ok(self.sign_remote(message)?)
    }
}

/// A short listing of credentials for people: id, subject, issuer, validity, key, mode.
pub fn render_credentials(creds: &[CscCredential]) -> String {
    let mut out = String::new();
    for c in creds {
        let cert = &c.certificate;
        out.push_str(&format!("credential {}\n", c.id));
        out.push_str(&format!("  subject:  {}\n", cert.subject()));
        out.push_str(&format!("  issuer:   {}\n", cert.issuer()));
        out.push_str(&format!(
            "  valid:    {} to {}\n",
            crate::time::format_rfc3339(cert.not_before()),
            crate::time::format_rfc3339(cert.not_after())
        ));
        out.push_str(&format!(
            "  key:      {} {} bits{}\n",
            cert.key_info().algorithm,
            cert.key_info().bits,
            c.key_status
                .as_deref()
                .map(|s| format!(" ({s})"))
                .unwrap_or_default()
        ));
        let mut auth = vec![format!("mode {}", c.auth_mode), format!("SCAL {}", c.scal)];
        if c.pin_presence != Presence::Absent {
            auth.push("PIN".into());
        }
        if c.otp_presence != Presence::Absent {
            auth.push("OTP".into());
        }
        out.push_str(&format!("  auth:     {}\n", auth.join(", ")));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn endpoints() {
        let mut o = CscOptions {
            url: "https://csc.example.vn/".into(),
            ..CscOptions::default()
        };
        assert_eq!(
            o.endpoint("credentials/list"),
            "https://csc.example.vn/csc/v2/credentials/list"
        );
        o.api = CscApiVersion::V1;
        assert_eq!(o.endpoint("info"), "https://csc.example.vn/csc/v1/info");
        o.url = "https://x.vn/trustedx-resources/csc/v2".into();
        assert_eq!(
            o.endpoint("info"),
            "https://x.vn/trustedx-resources/csc/v2/info"
        );
    }

    #[derive(Debug)]
    struct Never;
    impl HttpTransport for Never {
        fn post(&self, _: &str, _: &str, _: &[u8]) -> Result<crate::net::Response, NetError> {
            Err(NetError::Url("never".into()))
        }
        fn get(&self, _: &str) -> Result<crate::net::Response, NetError> {
            Err(NetError::Url("never".into()))
        }
    }

    #[test]
    fn tokens_never_travel_in_clear_to_another_host() {
        let o = CscOptions {
            url: "http://csc.example.vn".into(),
            access_token: "t".into(),
            ..CscOptions::default()
        };
        let e = CscSigner::connect_over(o, Arc::new(Never)).unwrap_err();
        assert!(matches!(e, CscError::InsecureUrl(_)), "{e:?}");
        for local in [
            "http://127.0.0.1:8080",
            "http://localhost",
            "http://[::1]:9",
        ] {
            let o = CscOptions {
                url: local.into(),
                access_token: "t".into(),
                ..CscOptions::default()
            };
            // Reaches the transport (which refuses headers): not refused as insecure.
            let e = CscSigner::connect_over(o, Arc::new(Never)).unwrap_err();
            assert!(
                matches!(e, CscError::Net(NetError::HeadersUnsupported(_))),
                "{local}: {e:?}"
            );
        }
    }

    #[test]
    fn secrets_are_not_debug_printed() {
        let o = CscOptions {
            access_token: "tok-SECRET".into(),
            pin: Some("PIN-SECRET".into()),
            otp: Some("OTP-SECRET".into()),
            ..CscOptions::default()
        };
        let d = format!("{o:?}");
        assert!(!d.contains("SECRET"), "{d}");
    }

    #[test]
    fn numbers_and_presence() {
        assert_eq!(number(&json!("2")), Some(2));
        assert_eq!(number(&json!(1)), Some(1));
        assert_eq!(number(&json!("x")), None);
        assert_eq!(presence(Some(&json!("true"))), Presence::Required);
        assert_eq!(presence(Some(&json!("optional"))), Presence::Optional);
        assert_eq!(presence(Some(&json!("false"))), Presence::Absent);
        assert_eq!(presence(None), Presence::Absent);
    }
}

//! The route handlers. Each reads and checks its inputs on the reactor, then runs the kyso
//! call on the blocking pool through [`Shared::run`].

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::rejection::QueryRejection;
use axum::extract::{FromRequest, Multipart, Query, Request, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use kyso::pki::Certificate;
use kyso::policy::{InputFile, Lang, Policy, PolicyOptions};
use kyso::revocation::RevocationPolicy;
use kyso::sign::external::{decode_signature_file, ExternalSigner};
use kyso::sign::{SignOptions, SubFilterChoice};
use kyso::validate::{ValidationOptions, Validator};
use kyso::DigestAlgorithm;
use kyso::{LevelOptions, PadesLevel};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::error::ApiError;
use crate::{hex, Shared};

/// Largest number of parts in one multipart body.
const MAX_PARTS: usize = 64;
/// The name used in reports when the client gave none.
const DEFAULT_NAME: &str = "document.pdf";

type St = State<Arc<Shared>>;

static PAGE: &str = include_str!("page.html");

pub(crate) async fn page() -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/html; charset=utf-8"),
            (
                header::CONTENT_SECURITY_POLICY,
                "default-src 'self'; style-src 'self' 'unsafe-inline'; script-src 'self' 'unsafe-inline'; img-src 'self' data:",
            ),
        ],
        PAGE,
    )
        .into_response()
}

pub(crate) async fn healthz() -> Response {
    json(&serde_json::json!({"status": "ok"}))
}

pub(crate) async fn readyz(State(s): St) -> Response {
    if s.is_ready() {
        json(&serde_json::json!({"status": "ready"}))
    } else {
        ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "shutting_down",
            "the service is shutting down",
        )
        .into_response()
    }
}

pub(crate) async fn metrics(State(s): St) -> Response {
    (
        [(
            header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        s.metrics.render(),
    )
        .into_response()
}

pub(crate) async fn openapi() -> Response {
    json(&crate::openapi::openapi_document())
}

/// A JSON 200 response.
fn json<T: Serialize>(v: &T) -> Response {
    match serde_json::to_string(v) {
        Ok(body) => ([(header::CONTENT_TYPE, "application/json")], body).into_response(),
        Err(e) => {
            tracing::error!(error = %e, "serialising a response");
            ApiError::internal().into_response()
        }
    }
}

fn query<T>(q: Result<Query<T>, QueryRejection>) -> Result<T, ApiError> {
    q.map(|Query(v)| v)
        .map_err(|e| ApiError::bad_request("bad_query", e.body_text()))
}

/// One part of a request body.
pub(crate) struct Part {
    name: String,
    file_name: Option<String>,
    data: Bytes,
}

impl Part {
    fn text(&self) -> Result<String, ApiError> {
        String::from_utf8(self.data.to_vec())
            .map(|s| s.trim().to_string())
            .map_err(|_| {
                ApiError::bad_request(
                    "bad_field",
                    format!("field {:?} is not UTF-8 text", self.name),
                )
            })
    }
}

fn content_type(headers: &HeaderMap) -> String {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_ascii_lowercase()
}

fn limit_error(e: &(dyn std::error::Error + 'static)) -> bool {
    let mut cur = Some(e);
    while let Some(err) = cur {
        if err.is::<http_body_util::LengthLimitError>() {
            return true;
        }
        cur = err.source();
    }
    false
}

/// The whole body, within the limit.
async fn body_bytes(req: Request, limit: usize) -> Result<Bytes, ApiError> {
    axum::body::to_bytes(req.into_body(), limit)
        .await
        .map_err(|e| {
            if limit_error(&e) {
                ApiError::too_large(limit)
            } else {
                ApiError::bad_request("bad_body", "the request body could not be read completely")
            }
        })
}

/// The parts of a multipart body, or the whole body as one part `file` (`application/pdf`,
/// `application/octet-stream` or no content type).
async fn read_parts(req: Request, limit: usize) -> Result<Vec<Part>, ApiError> {
    let ct = content_type(req.headers());
    if ct.starts_with("multipart/form-data") {
        let mut mp = Multipart::from_request(req, &())
            .await
            .map_err(|e| ApiError::bad_request("bad_multipart", e.body_text()))?;
        let mut parts = Vec::new();
        loop {
            let field = match mp.next_field().await {
                Ok(Some(f)) => f,
                Ok(None) => break,
                Err(e) => return Err(multipart_error(&e, limit)),
            };
            if parts.len() >= MAX_PARTS {
                return Err(ApiError::bad_request(
                    "too_many_parts",
                    format!("more than {MAX_PARTS} parts"),
                ));
            }
            let name = field.name().unwrap_or("").to_string();
            let file_name = field.file_name().map(|n| n.chars().take(255).collect());
            let data = field
                .bytes()
                .await
                .map_err(|e| multipart_error(&e, limit))?;
            parts.push(Part {
                name,
                file_name,
                data,
            });
        }
        Ok(parts)
    } else if ct.is_empty()
        || ct.starts_with("application/pdf")
        || ct.starts_with("application/octet-stream")
    {
        let data = body_bytes(req, limit).await?;
        Ok(vec![Part {
            name: "file".into(),
            file_name: None,
            data,
        }])
    } else {
        Err(ApiError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
            "send application/pdf or multipart/form-data",
        ))
    }
}

fn multipart_error(e: &axum::extract::multipart::MultipartError, limit: usize) -> ApiError {
    if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
        ApiError::too_large(limit)
    } else {
        ApiError::bad_request("bad_multipart", e.body_text())
    }
}

fn part<'a>(parts: &'a [Part], name: &str) -> Option<&'a Part> {
    parts.iter().find(|p| p.name == name)
}

fn text_field(parts: &[Part], name: &str) -> Result<Option<String>, ApiError> {
    part(parts, name).map(Part::text).transpose()
}

fn required_file(parts: Vec<Part>) -> Result<(String, Bytes), ApiError> {
    parts
        .into_iter()
        .find(|p| p.name == "file")
        .map(|p| (p.file_name.unwrap_or_else(|| DEFAULT_NAME.into()), p.data))
        .ok_or_else(|| ApiError::bad_request("missing_file", "no part named \"file\""))
}

fn parse_at(at: Option<&str>) -> Result<Option<i64>, ApiError> {
    at.map(|t| {
        kyso::time::parse_rfc3339(t).ok_or_else(|| {
            ApiError::bad_request(
                "bad_time",
                format!("at: cannot read {t:?} as RFC 3339 time"),
            )
        })
    })
    .transpose()
}

fn parse_lang(lang: Option<&str>) -> Result<Lang, ApiError> {
    match lang.unwrap_or("vi") {
        "vi" => Ok(Lang::Vi),
        "en" => Ok(Lang::En),
        other => Err(ApiError::bad_request(
            "bad_option",
            format!("lang: {other:?} is not vi or en"),
        )),
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct VerifyQuery {
    trust_profile: Option<String>,
    at: Option<String>,
    revocation: Option<String>,
    lang: Option<String>,
}

impl Shared {
    fn validation_options(&self, q: &VerifyQuery) -> Result<ValidationOptions, ApiError> {
        let mut o = self.validation.clone();
        if let Some(p) = &q.trust_profile {
            let names: Vec<&str> = p.split(',').map(str::trim).collect();
            let (t, inter) = self
                .profiles
                .trust_material(&names)
                .map_err(|e| ApiError::bad_request("unknown_trust_profile", e.to_string()))?;
            for c in t.anchors() {
                o.trust.add(c.clone());
            }
            o.extra_certificates.extend(inter);
        }
        o.validation_time = parse_at(q.at.as_deref())?;
        o.revocation_policy = match q.revocation.as_deref() {
            None | Some("soft-fail") => RevocationPolicy::SoftFail,
            Some("require") => RevocationPolicy::Require,
            Some("off") => RevocationPolicy::Off,
            Some(other) => {
                return Err(ApiError::bad_request(
                    "bad_option",
                    format!("revocation: {other:?} is not require, soft-fail or off"),
                ))
            }
        };
        parse_lang(q.lang.as_deref())?;
        Ok(o)
    }
}

/// `POST /v1/verify`.
pub(crate) async fn verify(
    State(s): St,
    headers: HeaderMap,
    q: Result<Query<VerifyQuery>, QueryRejection>,
    req: Request,
) -> Result<Response, ApiError> {
    s.authorize(&headers, "verify")?;
    let q = query(q)?;
    let opts = s.validation_options(&q)?;
    // Without per-request options the server's shared validator (and its caches) serves.
    let validator = if q.trust_profile.is_none() && q.at.is_none() && q.revocation.is_none() {
        s.validator.clone()
    } else {
        Validator::new(opts)
    };
    let admission = s.admit()?;
    let (name, data) = required_file(read_parts(req, s.limits.body_bytes).await?)?;
    let report = s
        .run(admission, move || validator.validate_bytes(&name, &data))
        .await?;
    let indication = serde_json::to_value(report.indication)
        .ok()
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_default();
    s.metrics.verdict(&indication);
    Ok(json(&report))
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct CheckQuery {
    procedure: Option<String>,
    role: Option<String>,
    lang: Option<String>,
    at: Option<String>,
}

/// `POST /v1/check`: a dossier (parts named `file`), `procedure` and `role` as fields or
/// query parameters.
pub(crate) async fn check(
    State(s): St,
    headers: HeaderMap,
    q: Result<Query<CheckQuery>, QueryRejection>,
    req: Request,
) -> Result<Response, ApiError> {
    s.authorize(&headers, "check")?;
    let q = query(q)?;
    if !content_type(req.headers()).starts_with("multipart/form-data") {
        return Err(ApiError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
            "send multipart/form-data: parts \"file\" (repeatable), \"procedure\", \"role\"",
        ));
    }
    let admission = s.admit()?;
    let parts = read_parts(req, s.limits.body_bytes).await?;
    let procedure = text_field(&parts, "procedure")?
        .or(q.procedure)
        .ok_or_else(|| ApiError::bad_request("missing_procedure", "give a procedure code"))?;
    let role = text_field(&parts, "role")?.or(q.role);
    let result = match role.as_deref() {
        Some("submission") => false,
        Some("result") => true,
        _ => {
            return Err(ApiError::bad_request(
                "bad_role",
                "role must be submission or result",
            ))
        }
    };
    let lang = parse_lang(text_field(&parts, "lang")?.or(q.lang).as_deref())?;
    let validation_time = parse_at(text_field(&parts, "at")?.or(q.at).as_deref())?;
    let files: Vec<(String, Bytes)> = parts
        .into_iter()
        .filter(|p| p.name == "file")
        .enumerate()
        .map(|(i, p)| {
            (
                p.file_name.unwrap_or_else(|| format!("file{}.pdf", i + 1)),
                p.data,
            )
        })
        .collect();
    let policy = Policy::new(s.catalog.clone(), s.profiles.clone()).with_options(PolicyOptions {
        lang,
        validation_time,
        allow_form_filling: false,
    });
    let report = s
        .run(admission, move || {
            let inputs: Vec<InputFile<'_>> =
                files.iter().map(|(n, b)| InputFile::new(n, b)).collect();
            if result {
                policy.check_result(&procedure, &inputs)
            } else {
                policy.check_submission(&procedure, &inputs)
            }
        })
        .await??;
    Ok(json(&report))
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct SignQuery {
    key: Option<String>,
    level: Option<String>,
    digest: Option<String>,
    pss: Option<bool>,
    reason: Option<String>,
    location: Option<String>,
    contact_info: Option<String>,
    name: Option<String>,
    field: Option<String>,
    sub_filter: Option<String>,
}

impl SignQuery {
    fn options(&self) -> Result<SignOptions, ApiError> {
        Ok(SignOptions {
            field: self.field.clone(),
            reason: self.reason.clone(),
            location: self.location.clone(),
            contact_info: self.contact_info.clone(),
            name: self.name.clone(),
            sub_filter: match self.sub_filter.as_deref() {
                None | Some("pades") => SubFilterChoice::Pades,
                Some("pkcs7") => SubFilterChoice::Pkcs7,
                Some(o) => {
                    return Err(ApiError::bad_request(
                        "bad_option",
                        format!("sub_filter: {o:?} is not pades or pkcs7"),
                    ))
                }
            },
            ..SignOptions::default()
        })
    }
    fn digest(&self) -> Result<DigestAlgorithm, ApiError> {
        match self.digest.as_deref() {
            None | Some("sha256") => Ok(DigestAlgorithm::Sha256),
            Some("sha384") => Ok(DigestAlgorithm::Sha384),
            Some("sha512") => Ok(DigestAlgorithm::Sha512),
            Some(o) => Err(ApiError::bad_request(
                "bad_option",
                format!("digest: {o:?} is not sha256, sha384 or sha512"),
            )),
        }
    }
}

#[derive(Serialize)]
struct DigestOut {
    algorithm: &'static str,
    hex: String,
    base64: String,
}

#[derive(Serialize)]
struct PrepareOut {
    /// What the signer signs: the digest of the signed attributes.
    digest: DigestOut,
    /// The signature scheme expected (e.g. "RSA PKCS#1 v1.5 with SHA-256").
    signature_scheme: String,
    /// The DER signed attributes, base64 (for signers that hash themselves).
    signed_attributes: String,
    /// The opaque, authenticated state to send back to `finish`.
    state_token: String,
    /// The prepared PDF, base64, to send back to `finish` unchanged.
    prepared_pdf: String,
    /// SHA-256 of the prepared PDF, hex.
    prepared_sha256: String,
}

/// `POST /v1/sign/prepare`: parts `file` (the PDF) and `certificate` (PEM or DER; a PEM
/// may hold the chain after the signer's certificate), options as query parameters.
pub(crate) async fn sign_prepare(
    State(s): St,
    headers: HeaderMap,
    q: Result<Query<SignQuery>, QueryRejection>,
    req: Request,
) -> Result<Response, ApiError> {
    s.authorize(&headers, "sign")?;
    let q = query(q)?;
    let opts = q.options()?;
    let digest = q.digest()?;
    let pss = q.pss.unwrap_or(false);
    let admission = s.admit()?;
    let parts = read_parts(req, s.limits.body_bytes).await?;
    let mut certs = match part(&parts, "certificate") {
        Some(p) => Certificate::from_pem_or_der(&p.data)
            .map_err(|e| ApiError::bad_request("bad_certificate", e.to_string()))?,
        None => {
            return Err(ApiError::bad_request(
                "missing_certificate",
                "no part named \"certificate\"",
            ))
        }
    };
    if let Some(p) = part(&parts, "chain") {
        certs.extend(
            Certificate::from_pem_or_der(&p.data)
                .map_err(|e| ApiError::bad_request("bad_certificate", e.to_string()))?,
        );
    }
    if certs.is_empty() {
        return Err(ApiError::bad_request("bad_certificate", "no certificate"));
    }
    let cert = certs.remove(0);
    let (_, pdf) = required_file(parts)?;
    let signer = ExternalSigner::new(cert, certs)?.with_algorithm(digest, pss)?;
    let prepared = s
        .run(admission, move || {
            kyso::prepare_external(&pdf, &signer, &opts)
        })
        .await??;
    let state_token = s
        .tokens
        .seal(&prepared.state, kyso::time::now())
        .map_err(|e| {
            tracing::error!(error = %e, "sealing a state token");
            ApiError::internal()
        })?;
    let st = &prepared.state;
    Ok(json(&PrepareOut {
        digest: DigestOut {
            algorithm: st.digest_algorithm.name(),
            hex: hex(&st.to_be_signed_digest),
            base64: STANDARD.encode(&st.to_be_signed_digest),
        },
        signature_scheme: st.scheme.name(),
        signed_attributes: STANDARD.encode(&st.signed_attributes),
        state_token,
        prepared_sha256: hex(&Sha256::digest(&prepared.pdf)),
        prepared_pdf: STANDARD.encode(&prepared.pdf),
    }))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FinishIn {
    state_token: String,
    /// Raw signature or CMS: hex, base64 or PEM.
    signature: String,
    /// The prepared PDF, base64.
    prepared_pdf: String,
}

/// `POST /v1/sign/finish`: JSON `{state_token, signature, prepared_pdf}`, or multipart with
/// parts of those names (`prepared_pdf` binary, `signature` binary/hex/base64/PEM).
pub(crate) async fn sign_finish(
    State(s): St,
    headers: HeaderMap,
    req: Request,
) -> Result<Response, ApiError> {
    s.authorize(&headers, "sign")?;
    let admission = s.admit()?;
    let limit = s.limits.body_bytes;
    let (token, signature, prepared) =
        if content_type(req.headers()).starts_with("application/json") {
            let body = body_bytes(req, limit).await?;
            let f: FinishIn = serde_json::from_slice(&body)
                .map_err(|e| ApiError::bad_request("bad_json", e.to_string()))?;
            let pdf = STANDARD
                .decode(f.prepared_pdf.trim())
                .map_err(|_| ApiError::bad_request("bad_base64", "prepared_pdf is not base64"))?;
            (
                f.state_token,
                decode_signature_file(f.signature.as_bytes()),
                pdf,
            )
        } else if content_type(req.headers()).starts_with("multipart/form-data") {
            let parts = read_parts(req, limit).await?;
            let token = text_field(&parts, "state_token")?;
            let sig = part(&parts, "signature").map(|p| decode_signature_file(&p.data));
            let pdf = part(&parts, "prepared_pdf").map(|p| p.data.to_vec());
            match (token, sig, pdf) {
                (Some(t), Some(s), Some(p)) => (t, s, p),
                _ => {
                    return Err(ApiError::bad_request(
                        "missing_field",
                        "give state_token, signature and prepared_pdf",
                    ))
                }
            }
        } else {
            return Err(ApiError::new(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "unsupported_media_type",
                "send application/json or multipart/form-data",
            ));
        };
    let state = s
        .tokens
        .open(&token, kyso::time::now())
        .map_err(|e| match e {
            crate::TokenError::Expired => {
                ApiError::bad_request("state_token_expired", e.to_string())
            }
            crate::TokenError::Crypto => ApiError::internal(),
            _ => ApiError::bad_request("invalid_state_token", e.to_string()),
        })?;
    let signed = s
        .run(admission, move || {
            kyso::finish_external(&prepared, &state, &signature)
        })
        .await?
        .map_err(|e| match e {
            kyso::SignError::Document(m) => ApiError::bad_request("prepared_pdf_mismatch", m),
            e => ApiError::from(e),
        })?;
    Ok(pdf_response(signed))
}

fn pdf_response(pdf: Vec<u8>) -> Response {
    let sha = hex(&Sha256::digest(&pdf));
    let mut r = ([(header::CONTENT_TYPE, "application/pdf")], pdf).into_response();
    if let Ok(v) = HeaderValue::from_str(&sha) {
        r.headers_mut().insert("x-kyso-output-sha256", v);
    }
    r
}

#[derive(Serialize)]
struct AuditLine<'a> {
    time: String,
    api_key: Option<&'a str>,
    key: &'a str,
    input_sha256: String,
    input_bytes: usize,
    output_sha256: String,
    output_bytes: usize,
    level: &'static str,
}

/// `POST /v1/sign?key=ID`: signs with a server-side key (PAdES B-B), for API keys with the
/// scope `sign:ID`; every signature is audited before it is returned.
pub(crate) async fn sign_server(
    State(s): St,
    headers: HeaderMap,
    q: Result<Query<SignQuery>, QueryRejection>,
    req: Request,
) -> Result<Response, ApiError> {
    let q = query(q)?;
    let key_id = q
        .key
        .clone()
        .ok_or_else(|| ApiError::bad_request("missing_key", "give ?key=ID"))?;
    let api_key = s.authorize(&headers, &format!("sign:{key_id}"))?;
    let signer = s.signers.get(&key_id).cloned().ok_or_else(|| {
        ApiError::new(
            StatusCode::NOT_FOUND,
            "unknown_key",
            format!("no key {key_id:?}"),
        )
    })?;
    let opts = q.options()?;
    let level = parse_level(q.level.as_deref(), PadesLevel::BB)?;
    let lvl = level_options(&s, level, false)?;
    let admission = s.admit()?;
    let (_, pdf) = required_file(read_parts(req, s.limits.body_bytes).await?)?;
    let input_sha256 = hex(&Sha256::digest(&pdf));
    let input_bytes = pdf.len();
    let signed = s
        .run(admission, move || {
            if lvl.level == PadesLevel::BB {
                kyso::sign_pdf(&pdf, signer.as_ref(), &opts)
            } else {
                kyso::sign::levels::sign(&pdf, signer.as_ref(), &opts, &lvl).map(|o| o.pdf)
            }
        })
        .await??;
    let line = AuditLine {
        time: kyso::time::format_rfc3339(kyso::time::now()),
        api_key: api_key.as_deref(),
        key: &key_id,
        input_sha256,
        input_bytes,
        output_sha256: hex(&Sha256::digest(&signed)),
        output_bytes: signed.len(),
        level: level.as_str(),
    };
    audit(&s, &line)?;
    tracing::info!(key = %key_id, api_key = ?api_key, output_sha256 = %line.output_sha256, "signed");
    Ok(pdf_response(signed))
}

fn parse_level(v: Option<&str>, default: PadesLevel) -> Result<PadesLevel, ApiError> {
    match v {
        None => Ok(default),
        Some(t) => PadesLevel::parse(t).ok_or_else(|| {
            ApiError::bad_request(
                "bad_option",
                format!("level: {t:?} is not B-B, B-T, B-LT or B-LTA"),
            )
        }),
    }
}

/// The level options of the server: its TSA, its revocation source (none when offline).
fn level_options(s: &Shared, level: PadesLevel, extending: bool) -> Result<LevelOptions, ApiError> {
    // Signing needs the TSA from B-T on (the signature time-stamp); extending only for B-LTA.
    let needs_tsa = if extending {
        level >= PadesLevel::BLTA
    } else {
        level >= PadesLevel::BT
    };
    if needs_tsa && s.tsa.is_none() {
        return Err(ApiError::bad_request(
            "no_tsa",
            format!(
                "{} needs a time-stamp authority: the server has no [tsa] configured",
                level.as_str()
            ),
        ));
    }
    if level >= PadesLevel::BLT && s.validation.revocation_source.is_none() {
        return Err(ApiError::bad_request(
            "offline",
            format!(
                "{} needs revocation data and the server is configured offline",
                level.as_str()
            ),
        ));
    }
    Ok(LevelOptions {
        level,
        tsa: s.tsa.clone(),
        revocation: s.validation.revocation_source.clone(),
        skip_revocation_check: s.validation.revocation_source.is_none(),
        // The anchors too: the validation data of a chain's last intermediate is signed by
        // the root, which a signature rarely carries.
        extra_certificates: s
            .validation
            .extra_certificates
            .iter()
            .chain(s.validation.trust.anchors())
            .cloned()
            .collect(),
    })
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct ExtendQuery {
    level: Option<String>,
}

/// `POST /v1/extend?level=B-LT|B-LTA`: adds validation data (and a document time-stamp for
/// B-LTA) to a signed PDF, for API keys with the scope `extend`; audited like a signature.
pub(crate) async fn extend(
    State(s): St,
    headers: HeaderMap,
    q: Result<Query<ExtendQuery>, QueryRejection>,
    req: Request,
) -> Result<Response, ApiError> {
    let api_key = s.authorize(&headers, "extend")?;
    let q = query(q)?;
    let level = parse_level(q.level.as_deref(), PadesLevel::BLTA)?;
    if level < PadesLevel::BLT {
        return Err(ApiError::bad_request(
            "bad_option",
            "level: a signed file is extended to B-LT or B-LTA",
        ));
    }
    let lvl = level_options(&s, level, true)?;
    let admission = s.admit()?;
    let (_, pdf) = required_file(read_parts(req, s.limits.body_bytes).await?)?;
    let input_sha256 = hex(&Sha256::digest(&pdf));
    let input_bytes = pdf.len();
    let out = s.run(admission, move || kyso::extend(&pdf, &lvl)).await??;
    let line = AuditLine {
        time: kyso::time::format_rfc3339(kyso::time::now()),
        api_key: api_key.as_deref(),
        key: "extend",
        input_sha256,
        input_bytes,
        output_sha256: hex(&Sha256::digest(&out.pdf)),
        output_bytes: out.pdf.len(),
        level: level.as_str(),
    };
    audit(&s, &line)?;
    tracing::info!(api_key = ?api_key, output_sha256 = %line.output_sha256, notes = ?out.notes, "extended");
    Ok(pdf_response(out.pdf))
}

fn audit(s: &Shared, line: &AuditLine<'_>) -> Result<(), ApiError> {
    use std::io::Write;
    let Some(log) = &s.audit else {
        tracing::error!("server-side signing without an audit log");
        return Err(ApiError::internal());
    };
    let mut text = serde_json::to_string(line).map_err(|_| ApiError::internal())?;
    text.push('\n');
    let mut f = log.lock().map_err(|_| ApiError::internal())?;
    f.write_all(text.as_bytes())
        .and_then(|()| f.sync_data())
        .map_err(|e| {
            tracing::error!(error = %e, "audit log write failed: the signed PDF is withheld");
            ApiError::internal()
        })
}

/// `GET /v1/catalog/procedures/{code}`: what the bundled catalog requires of a procedure
/// (for a portal building its upload form, or the page).
pub(crate) async fn procedure(
    State(s): St,
    headers: HeaderMap,
    axum::extract::Path(code): axum::extract::Path<String>,
) -> Result<Response, ApiError> {
    s.authorize(&headers, "check")?;
    let policy = Policy::new(s.catalog.clone(), s.profiles.clone());
    let p = policy.procedure(&code)?;
    // The catalog's procedure as the library serialises it (components with their national
    // codes, the paper decision, the national facts, result rules), plus the catalog's title.
    let mut v = serde_json::to_value(p).map_err(|_| ApiError::internal())?;
    if let Some(o) = v.as_object_mut() {
        o.remove("line");
        o.insert(
            "catalog".into(),
            serde_json::Value::String(policy.catalog().title.clone()),
        );
    }
    Ok(json(&v))
}

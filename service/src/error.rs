//! Errors as JSON bodies with stable codes: `{"error":{"code":"…","message":"…"}}`.

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Serialize;

/// An error answered to the client. `code` is stable (clients branch on it); `message` is
/// for people and may change.
#[derive(Debug, Clone)]
pub struct ApiError {
    /// HTTP status.
    pub status: StatusCode,
    /// Stable machine-readable code, snake_case.
    pub code: &'static str,
    /// Human-readable explanation (never a stack trace, never request data).
    pub message: String,
    /// Seconds for a `Retry-After` header (429, 503).
    pub retry_after: Option<u64>,
}

#[derive(Serialize)]
struct Body<'a> {
    error: Inner<'a>,
}

#[derive(Serialize)]
struct Inner<'a> {
    code: &'a str,
    message: &'a str,
}

impl ApiError {
    /// An error with a status, a code and a message.
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        ApiError {
            status,
            code,
            message: message.into(),
            retry_after: None,
        }
    }
    /// 400 with a code.
    pub fn bad_request(code: &'static str, message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, code, message)
    }
    /// 413.
    pub fn too_large(limit: usize) -> Self {
        Self::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "payload_too_large",
            format!("the request body is larger than the limit of {limit} bytes"),
        )
    }
    /// 500 without details (they go to the log).
    pub fn internal() -> Self {
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal",
            "internal error (see the server log)",
        )
    }
    /// Adds `Retry-After`.
    pub fn with_retry_after(mut self, secs: u64) -> Self {
        self.retry_after = Some(secs);
        self
    }
    /// The generic error for a status produced outside the handlers (routing, limits,
    /// timeouts, panics).
    pub fn from_status(status: StatusCode) -> Self {
        let (code, message) = match status.as_u16() {
            400 => ("bad_request", "the request could not be read"),
            401 => ("unauthorized", "an API key is required"),
            403 => ("forbidden", "not allowed"),
            404 => ("not_found", "no such route"),
            405 => ("method_not_allowed", "method not allowed on this route"),
            408 => ("request_timeout", "the request took too long"),
            411 => ("length_required", "a Content-Length is required"),
            413 => ("payload_too_large", "the request body is too large"),
            415 => ("unsupported_media_type", "unsupported content type"),
            422 => ("unprocessable", "the request could not be processed"),
            429 => (
                "too_many_requests",
                "too many requests in progress; retry later",
            ),
            503 => ("unavailable", "the service is unavailable"),
            s if s >= 500 => ("internal", "internal error (see the server log)"),
            _ => ("error", "the request failed"),
        };
        Self::new(status, code, message)
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = serde_json::to_string(&Body {
            error: Inner {
                code: self.code,
                message: &self.message,
            },
        })
        .unwrap_or_else(|_| String::from("{\"error\":{\"code\":\"internal\",\"message\":\"\"}}"));
        let mut r = (self.status, body).into_response();
        r.headers_mut().insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        );
        if let Some(s) = self.retry_after {
            r.headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(s));
        }
        r
    }
}

impl From<kyso::SignError> for ApiError {
    fn from(e: kyso::SignError) -> Self {
        use kyso::SignError as E;
        let code = match &e {
            E::Pdf(_) => "bad_pdf",
            E::Key(_) => "signature_invalid",
            E::Certificate(_) => "certificate_unusable",
            E::Document(_) => "document_refused",
            E::Cms(_) => "bad_cms",
            E::Timestamp(_) => "timestamp_failed",
            E::Appearance(_) => "bad_appearance",
            _ => "sign_failed",
        };
        if matches!(e, E::Internal(_)) {
            tracing::error!(error = %e, "signing failed");
            return ApiError::internal();
        }
        ApiError::bad_request(code, e.to_string())
    }
}

impl From<kyso::policy::PolicyError> for ApiError {
    fn from(e: kyso::policy::PolicyError) -> Self {
        use kyso::policy::PolicyError as E;
        let (status, code) = match &e {
            E::BadProcedureCode { .. } => (StatusCode::BAD_REQUEST, "bad_procedure_code"),
            E::UnknownProcedure { .. } => (StatusCode::NOT_FOUND, "unknown_procedure"),
            E::NoResultRules { .. } => (StatusCode::BAD_REQUEST, "no_result_rules"),
            E::EmptyDossier => (StatusCode::BAD_REQUEST, "empty_dossier"),
            _ => {
                tracing::error!(error = %e, "policy configuration");
                return ApiError::internal();
            }
        };
        ApiError::new(status, code, e.to_string())
    }
}

//! The OpenAPI 3 document, written by hand next to the router; a test checks that every
//! route of [`crate::ROUTES`] is described and that every described route is served.

use serde_json::{json, Value};

fn error_responses() -> Value {
    let e = json!({"$ref": "#/components/responses/Error"});
    json!({"400": e, "401": e, "403": e, "413": e, "415": e, "429": e, "503": e})
}

fn with_errors(mut ok: Value) -> Value {
    if let (Some(o), Value::Object(errs)) = (ok.as_object_mut(), error_responses()) {
        for (k, v) in errs {
            o.insert(k, v);
        }
    }
    ok
}

fn q(name: &str, description: &str, schema: Value) -> Value {
    json!({"name": name, "in": "query", "required": false, "description": description, "schema": schema})
}

fn pdf_body(extra: Value) -> Value {
    let mut props = json!({"file": {"type": "string", "format": "binary"}});
    if let (Some(p), Value::Object(e)) = (props.as_object_mut(), extra) {
        p.extend(e);
    }
    json!({"required": true, "content": {
        "application/pdf": {"schema": {"type": "string", "format": "binary"}},
        "multipart/form-data": {"schema": {"type": "object", "properties": props, "required": ["file"]}}
    }})
}

fn sign_params() -> Value {
    json!([
        q(
            "digest",
            "Digest algorithm",
            json!({"type": "string", "enum": ["sha256", "sha384", "sha512"]})
        ),
        q(
            "pss",
            "RSA-PSS instead of PKCS#1 v1.5",
            json!({"type": "boolean"})
        ),
        q("reason", "/Reason", json!({"type": "string"})),
        q("location", "/Location", json!({"type": "string"})),
        q("contact_info", "/ContactInfo", json!({"type": "string"})),
        q("name", "/Name", json!({"type": "string"})),
        q("field", "Signature field name", json!({"type": "string"})),
        q(
            "sub_filter",
            "SubFilter",
            json!({"type": "string", "enum": ["pades", "pkcs7"]})
        )
    ])
}

/// The document served at `GET /openapi.json`.
pub fn openapi_document() -> Value {
    let text = |d: &str, ct: &str| json!({"description": d, "content": {ct: {"schema": {"type": "string"}}}});
    let report = json!({"description": "The verification report (the JSON of `kyso verify --format json`, schema_version 1)",
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/FileReport"}}}});
    let pdf_out = json!({"description": "The signed PDF", "content": {"application/pdf": {"schema": {"type": "string", "format": "binary"}}}});
    let mut sign_server_params = sign_params();
    if let Some(a) = sign_server_params.as_array_mut() {
        a.insert(0, json!({"name": "key", "in": "query", "required": true, "description": "Server key id (scope sign:<key>)", "schema": {"type": "string"}}));
        a.insert(1, json!({"name": "level", "in": "query", "required": false, "description": "PAdES level (default B-B; B-T and above need the server's [tsa], B-LT and above the network)", "schema": {"type": "string", "enum": ["B-B", "B-T", "B-LT", "B-LTA"]}}));
    }
    json!({
        "openapi": "3.0.3",
        "info": {
            "title": "kyso service",
            "version": env!("CARGO_PKG_VERSION"),
            "description": "Verify, check and sign PDF documents (PAdES). Errors are JSON: {\"error\":{\"code\",\"message\"}} with stable codes."
        },
        "components": {
            "securitySchemes": {"apiKey": {"type": "http", "scheme": "bearer"}},
            "schemas": {
                "Error": {"type": "object", "required": ["error"], "properties": {"error": {"type": "object",
                    "required": ["code", "message"],
                    "properties": {"code": {"type": "string"}, "message": {"type": "string"}}}}},
                "FileReport": {"type": "object", "description": "See docs/json-report.md",
                    "required": ["schema_version", "file", "valid", "indication", "signatures"],
                    "properties": {"schema_version": {"type": "integer"}, "file": {"type": "string"},
                        "valid": {"type": "boolean"}, "indication": {"type": "string"},
                        "sub_indication": {"type": "string"}, "summary": {"type": "string"},
                        "signatures": {"type": "array", "items": {"type": "object"}},
                        "findings": {"type": "array", "items": {"type": "object"}}}},
                "PolicyReport": {"type": "object", "description": "The procedure check report (kyso check --format json)"},
                "Prepared": {"type": "object", "required": ["digest", "state_token", "prepared_pdf"],
                    "properties": {
                        "digest": {"type": "object", "properties": {"algorithm": {"type": "string"}, "hex": {"type": "string"}, "base64": {"type": "string"}}},
                        "signature_scheme": {"type": "string"},
                        "signed_attributes": {"type": "string", "format": "byte"},
                        "state_token": {"type": "string"},
                        "prepared_pdf": {"type": "string", "format": "byte"},
                        "prepared_sha256": {"type": "string"}}}
            },
            "responses": {"Error": {"description": "An error", "headers": {"Retry-After": {"schema": {"type": "integer"}}},
                "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}}
        },
        "paths": {
            "/": {"get": {"summary": "The web page", "responses": {"200": text("HTML", "text/html")}}},
            "/healthz": {"get": {"summary": "Liveness", "responses": {"200": {"description": "alive"}}}},
            "/readyz": {"get": {"summary": "Readiness (503 while shutting down)", "responses": {"200": {"description": "ready"}, "503": {"$ref": "#/components/responses/Error"}}}},
            "/metrics": {"get": {"summary": "Prometheus metrics", "responses": {"200": text("Prometheus text", "text/plain")}}},
            "/openapi.json": {"get": {"summary": "This document", "responses": {"200": {"description": "OpenAPI 3"}}}},
            "/v1/verify": {"post": {
                "summary": "Verify the signatures of a PDF",
                "security": [{}, {"apiKey": []}],
                "parameters": [
                    q("trust_profile", "Bundled trust profiles to add (comma separated: vn-public, vn-gov)", json!({"type": "string"})),
                    q("at", "Validate as of this time (RFC 3339)", json!({"type": "string", "format": "date-time"})),
                    q("revocation", "Revocation policy", json!({"type": "string", "enum": ["require", "soft-fail", "off"]})),
                    q("lang", "Language", json!({"type": "string", "enum": ["vi", "en"]}))
                ],
                "requestBody": pdf_body(json!({})),
                "responses": with_errors(json!({"200": report}))
            }},
            "/v1/check": {"post": {
                "summary": "Check a dossier against a procedure of the catalog",
                "security": [{}, {"apiKey": []}],
                "parameters": [
                    q("procedure", "Procedure code (or a form field)", json!({"type": "string"})),
                    q("role", "submission or result (or a form field)", json!({"type": "string", "enum": ["submission", "result"]})),
                    q("lang", "Report language", json!({"type": "string", "enum": ["vi", "en"]})),
                    q("at", "Validate as of this time (RFC 3339)", json!({"type": "string", "format": "date-time"}))
                ],
                "requestBody": {"required": true, "content": {"multipart/form-data": {"schema": {"type": "object",
                    "properties": {"file": {"type": "array", "items": {"type": "string", "format": "binary"}},
                        "procedure": {"type": "string"}, "role": {"type": "string"}, "lang": {"type": "string"}}}}}},
                "responses": with_errors(json!({"200": {"description": "The policy report",
                    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/PolicyReport"}}}},
                    "404": {"$ref": "#/components/responses/Error"}}))
            }},
            "/v1/sign/prepare": {"post": {
                "summary": "Two-phase signing, phase one: the digest to sign and an authenticated state token",
                "security": [{"apiKey": []}],
                "parameters": sign_params(),
                "requestBody": pdf_body(json!({"certificate": {"type": "string", "format": "binary", "description": "Signer certificate (PEM or DER), then its chain"},
                    "chain": {"type": "string", "format": "binary"}})),
                "responses": with_errors(json!({"200": {"description": "Prepared",
                    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Prepared"}}}}}))
            }},
            "/v1/sign/finish": {"post": {
                "summary": "Two-phase signing, phase two: embed the signature (raw or CMS)",
                "security": [{"apiKey": []}],
                "requestBody": {"required": true, "content": {
                    "application/json": {"schema": {"type": "object", "required": ["state_token", "signature", "prepared_pdf"],
                        "properties": {"state_token": {"type": "string"}, "signature": {"type": "string", "description": "hex, base64 or PEM"},
                            "prepared_pdf": {"type": "string", "format": "byte"}}}},
                    "multipart/form-data": {"schema": {"type": "object", "properties": {"state_token": {"type": "string"},
                        "signature": {"type": "string", "format": "binary"}, "prepared_pdf": {"type": "string", "format": "binary"}}}}}},
                "responses": with_errors(json!({"200": pdf_out.clone()}))
            }},
            "/v1/catalog/procedures/{code}": {"get": {
                "summary": "What the bundled catalog requires of a procedure (components, signers, result rules)",
                "security": [{}, {"apiKey": []}],
                "parameters": [{"name": "code", "in": "path", "required": true, "schema": {"type": "string"}, "example": "2.001098"}],
                "responses": with_errors(json!({"200": {"description": "The procedure", "content": {"application/json": {"schema": {"type": "object"}}}},
                    "404": {"$ref": "#/components/responses/Error"}}))
            }},
            "/v1/sign": {"post": {
                "summary": "Sign with a server-side key (PAdES B-B to B-LTA); audited",
                "security": [{"apiKey": []}],
                "parameters": sign_server_params,
                "requestBody": pdf_body(json!({})),
                "responses": with_errors(json!({"200": pdf_out.clone(), "404": {"$ref": "#/components/responses/Error"}}))
            }},
            "/v1/extend": {"post": {
                "summary": "Add validation data (B-LT) and a document time-stamp (B-LTA) to a signed PDF; scope extend; audited",
                "security": [{"apiKey": []}],
                "parameters": [{"name": "level", "in": "query", "required": false, "description": "B-LT or B-LTA (default; needs the server's [tsa])", "schema": {"type": "string", "enum": ["B-LT", "B-LTA"]}}],
                "requestBody": pdf_body(json!({})),
                "responses": with_errors(json!({"200": pdf_out}))
            }}
        }
    })
}

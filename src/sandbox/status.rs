//! Kubernetes `Status` failure bodies, shaped exactly as the real API server writes them
//! (apimachinery `errors.go`), and their HTTP responses.

use axum::response::{IntoResponse, Response};
use http::{HeaderValue, StatusCode, header};
use serde_json::{Value, json};

use super::catalog::ResourceType;

/// A failed request: the HTTP code plus the `Status` object sent as its body.
#[derive(Debug, Clone)]
pub struct ApiError {
    pub code: u16,
    pub body: Value,
    /// Seconds for a `Retry-After` header (429 faults).
    pub retry_after: Option<u32>,
}

fn status(code: u16, reason: &str, message: String, details: Option<Value>) -> ApiError {
    let mut body = json!({"kind": "Status", "apiVersion": "v1", "metadata": {},
        "status": "Failure", "message": message, "reason": reason});
    if let Some(details) = details {
        body["details"] = details;
    }
    body["code"] = json!(code);
    ApiError {
        code,
        body,
        retry_after: None,
    }
}

/// `{"name":..,"group":..,"kind":<resource>}`, the group omitted for the core group.
fn details(rt: &ResourceType, name: &str) -> Value {
    let mut d = json!({"name": name});
    if !rt.group.is_empty() {
        d["group"] = json!(rt.group);
    }
    d["kind"] = json!(rt.resource);
    d
}

impl ApiError {
    pub fn not_found(rt: &ResourceType, name: &str) -> ApiError {
        status(
            404,
            "NotFound",
            format!("{} \"{name}\" not found", rt.qualified()),
            Some(details(rt, name)),
        )
    }

    pub fn namespace_not_found(namespace: &str) -> ApiError {
        status(
            404,
            "NotFound",
            format!("namespaces \"{namespace}\" not found"),
            Some(json!({"name": namespace, "kind": "namespaces"})),
        )
    }

    /// A path that names no served resource.
    pub fn path_not_found() -> ApiError {
        status(
            404,
            "NotFound",
            "the server could not find the requested resource".into(),
            Some(json!({})),
        )
    }

    pub fn already_exists(rt: &ResourceType, name: &str) -> ApiError {
        status(
            409,
            "AlreadyExists",
            format!("{} \"{name}\" already exists", rt.qualified()),
            Some(details(rt, name)),
        )
    }

    pub fn conflict(rt: &ResourceType, name: &str, why: &str) -> ApiError {
        status(
            409,
            "Conflict",
            format!(
                "Operation cannot be fulfilled on {} \"{name}\": {why}",
                rt.qualified()
            ),
            Some(details(rt, name)),
        )
    }

    /// The optimistic-concurrency failure of an update carrying a stale resourceVersion.
    pub fn stale(rt: &ResourceType, name: &str) -> ApiError {
        Self::conflict(
            rt,
            name,
            "the object has been modified; please apply your changes to the latest version and try again",
        )
    }

    /// 422 Invalid with one cause per (field, reason, message).
    pub fn invalid(rt: &ResourceType, name: &str, causes: &[(&str, &str, String)]) -> ApiError {
        let summary: Vec<String> = causes.iter().map(|(f, _, m)| format!("{f}: {m}")).collect();
        let summary = match summary.len() {
            1 => summary[0].clone(),
            _ => format!("[{}]", summary.join(", ")),
        };
        let causes: Vec<Value> = causes
            .iter()
            .map(|(field, reason, message)| json!({"reason": reason, "message": message, "field": field}))
            .collect();
        let mut d = json!({"name": name});
        if !rt.group.is_empty() {
            d["group"] = json!(rt.group);
        }
        d["kind"] = json!(rt.kind);
        d["causes"] = json!(causes);
        status(
            422,
            "Invalid",
            format!("{} \"{name}\" is invalid: {summary}", rt.qualified_kind()),
            Some(d),
        )
    }

    pub fn bad_request(message: impl Into<String>) -> ApiError {
        status(400, "BadRequest", message.into(), None)
    }

    pub fn method_not_allowed() -> ApiError {
        status(
            405,
            "MethodNotAllowed",
            "the server does not allow this method on the requested resource".into(),
            Some(json!({})),
        )
    }

    /// 415; `accepted` lists what the endpoint takes.
    pub fn unsupported_media_type(content_type: &str, accepted: &str) -> ApiError {
        status(
            415,
            "UnsupportedMediaType",
            format!(
                "the body of the request was in an unknown format - accepted media types include: {accepted} \
                 (got {content_type:?})"
            ),
            None,
        )
    }

    pub fn too_large() -> ApiError {
        status(
            413,
            "RequestEntityTooLarge",
            "Request entity too large: limit is 3145728".into(),
            None,
        )
    }

    /// 410 Gone / Expired (continue tokens and, in-stream, watches).
    pub fn expired(message: String) -> ApiError {
        status(410, "Expired", message, None)
    }

    pub fn forbidden(rt: &ResourceType, name: &str, why: &str) -> ApiError {
        status(
            403,
            "Forbidden",
            format!("{} \"{name}\" is forbidden: {why}", rt.qualified()),
            Some(details(rt, name)),
        )
    }

    /// Injected fault: 429 with Retry-After, or 500.
    pub fn fault(code: u16, retry_after: u32) -> ApiError {
        if code == 429 {
            let mut e = status(
                429,
                "TooManyRequests",
                "the server has received too many requests and has asked us to try again later"
                    .into(),
                Some(json!({"retryAfterSeconds": retry_after})),
            );
            e.retry_after = Some(retry_after);
            e
        } else {
            let (code, reason, message) = match code {
                503 => (
                    503,
                    "ServiceUnavailable",
                    "the server is currently unable to handle the request",
                ),
                504 => (
                    504,
                    "Timeout",
                    "the server was unable to return a response in the time allotted",
                ),
                c if (500..600).contains(&c) => (
                    c,
                    "InternalError",
                    "Internal error occurred: injected fault",
                ),
                // Anything else is not a server fault; inject the generic one.
                _ => (
                    500,
                    "InternalError",
                    "Internal error occurred: injected fault",
                ),
            };
            status(
                code,
                reason,
                message.into(),
                Some(json!({"causes": [{"message": "injected fault"}]})),
            )
        }
    }

    /// An error from the SSA engine, carrying its own Status body.
    pub fn from_ssa(err: &super::ssa::SsaError, rt: &ResourceType, name: &str) -> ApiError {
        ApiError {
            code: err.http_status(),
            body: err.status_body(&rt.group, &rt.kind, name),
            retry_after: None,
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let code = StatusCode::from_u16(self.code).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let mut resp = (code, self.body.to_string()).into_response();
        let headers = resp.headers_mut();
        headers.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        );
        if let Some(secs) = self.retry_after {
            headers.insert(header::RETRY_AFTER, HeaderValue::from(secs));
        }
        resp
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sandbox::catalog::Catalog;

    #[test]
    fn not_found_body_matches_the_real_server() {
        let rt = Catalog::new()
            .find("apps", "v1", "deployments")
            .expect("builtin");
        let e = ApiError::not_found(&rt, "web");
        let expected: Value = serde_json::from_str(
            r#"{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"deployments.apps \"web\" not found","reason":"NotFound","details":{"name":"web","group":"apps","kind":"deployments"},"code":404}"#,
        )
        .expect("valid JSON");
        assert_eq!(e.body, expected);
    }

    #[test]
    fn invalid_lists_causes() {
        let rt = Catalog::new()
            .find("", "v1", "configmaps")
            .expect("builtin");
        let e = ApiError::invalid(
            &rt,
            "",
            &[(
                "metadata.name",
                "FieldValueRequired",
                "Required value: name or generateName is required".into(),
            )],
        );
        assert_eq!(e.code, 422);
        assert_eq!(
            e.body["message"],
            "ConfigMap \"\" is invalid: metadata.name: Required value: name or generateName is required"
        );
        assert_eq!(e.body["details"]["causes"][0]["field"], "metadata.name");
    }
}

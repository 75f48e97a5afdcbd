//! Reading a request: the URL path as a route, the query string (tolerating kube-rs's `?&`
//! and empty pairs), the wanted response form (Accept) and the body (JSON or YAML).

use std::collections::HashMap;

use http::HeaderMap;
use serde_json::Value;

use super::status::ApiError;

/// Where a request goes.
#[derive(Debug, Clone, PartialEq)]
pub enum Route {
    Version,
    Health,
    /// `/api`: aggregated or legacy core discovery.
    Api,
    /// `/apis`: aggregated or legacy group list.
    Apis,
    /// `/apis/G`.
    Group(String),
    /// `/api/v1` or `/apis/G/V`: legacy resource list.
    GroupVersion(String, String),
    OpenApiV3Root,
    /// `/openapi/v3/api/v1` (group "") or `/openapi/v3/apis/G/V`.
    OpenApiV3(String, String),
    Resource(ResourcePath),
    NotFound,
}

/// A resource URL split into its parts.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ResourcePath {
    pub group: String,
    pub version: String,
    pub namespace: Option<String>,
    pub resource: String,
    pub name: Option<String>,
    pub subresource: Option<String>,
}

pub fn route(path: &str) -> Route {
    let segs: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
    match segs.as_slice() {
        ["version"] => Route::Version,
        ["healthz" | "livez" | "readyz", ..] => Route::Health,
        ["api"] => Route::Api,
        ["apis"] => Route::Apis,
        ["apis", g] => Route::Group(g.to_string()),
        ["api", v] => Route::GroupVersion(String::new(), v.to_string()),
        ["apis", g, v] => Route::GroupVersion(g.to_string(), v.to_string()),
        ["openapi", "v3"] => Route::OpenApiV3Root,
        ["openapi", "v3", "api", v] => Route::OpenApiV3(String::new(), v.to_string()),
        ["openapi", "v3", "apis", g, v] => Route::OpenApiV3(g.to_string(), v.to_string()),
        ["api", v, rest @ ..] => resource_route("", v, rest),
        ["apis", g, v, rest @ ..] => resource_route(g, v, rest),
        _ => Route::NotFound,
    }
}

fn resource_route(group: &str, version: &str, rest: &[&str]) -> Route {
    let mut p = ResourcePath {
        group: group.into(),
        version: version.into(),
        ..Default::default()
    };
    let tail: &[&str] = match rest {
        // `namespaces/X/status` and `namespaces/X/finalize` are subresources of a Namespace.
        ["namespaces", ns, sub @ ("status" | "finalize")] if group.is_empty() => {
            p.resource = "namespaces".into();
            p.name = Some(ns.to_string());
            p.subresource = Some(sub.to_string());
            return Route::Resource(p);
        }
        ["namespaces", ns, tail @ ..] if !tail.is_empty() => {
            p.namespace = Some(ns.to_string());
            tail
        }
        other => other,
    };
    match tail {
        [res] => p.resource = res.to_string(),
        [res, name] => {
            p.resource = res.to_string();
            p.name = Some(name.to_string());
        }
        [res, name, sub] => {
            p.resource = res.to_string();
            p.name = Some(name.to_string());
            p.subresource = Some(sub.to_string());
        }
        _ => return Route::NotFound,
    }
    Route::Resource(p)
}

fn percent_decode(s: &str) -> String {
    fn hex(b: u8) -> Option<u8> {
        (b as char).to_digit(16).map(|d| d as u8)
    }
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < bytes.len() => match (hex(bytes[i + 1]), hex(bytes[i + 2])) {
                (Some(h), Some(l)) => {
                    out.push(h * 16 + l);
                    i += 2;
                }
                _ => out.push(b'%'),
            },
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Query parameters; the last occurrence of a name wins, empty pairs are ignored.
#[derive(Debug, Clone, Default)]
pub struct Query(HashMap<String, String>);

impl Query {
    pub fn parse(raw: Option<&str>) -> Query {
        let mut map = HashMap::new();
        for pair in raw.unwrap_or("").split('&').filter(|p| !p.is_empty()) {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            map.insert(percent_decode(k), percent_decode(v));
        }
        Query(map)
    }

    pub fn get(&self, name: &str) -> Option<&str> {
        self.0
            .get(name)
            .map(String::as_str)
            .filter(|v| !v.is_empty())
    }

    pub fn flag(&self, name: &str) -> bool {
        matches!(self.get(name), Some("true" | "1"))
    }
}

/// The response form a client asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Form {
    Full,
    /// `as=PartialObjectMetadata[List]`: metadata only.
    Metadata,
    /// `as=Table`: rows of printed columns (kubectl get).
    Table,
}

pub fn form(headers: &HeaderMap) -> Form {
    let accept = headers
        .get(http::header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let first = accept.split(',').next().unwrap_or("");
    if first.contains("as=PartialObjectMetadata") {
        Form::Metadata
    } else if first.contains("as=Table") {
        Form::Table
    } else {
        Form::Full
    }
}

pub fn content_type(headers: &HeaderMap) -> String {
    headers
        .get(http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase()
}

/// A JSON body, or YAML when it is not JSON (apply patches may be YAML).
pub fn parse_body(bytes: &[u8]) -> Result<Value, ApiError> {
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Err(ApiError::bad_request("the request body is empty"));
    }
    match serde_json::from_slice::<Value>(bytes) {
        Ok(v) => Ok(v),
        Err(json_err) => {
            let text = std::str::from_utf8(bytes)
                .map_err(|_| ApiError::bad_request("the request body is not valid UTF-8"))?;
            let looks_json = text.trim_start().starts_with(['{', '[']);
            match serde_yaml::from_str::<Value>(text) {
                Ok(v) if !looks_json && v.is_object() => Ok(v),
                _ => Err(ApiError::bad_request(format!(
                    "json parse error: {json_err}"
                ))),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn routes() {
        assert_eq!(route("/api"), Route::Api);
        assert_eq!(
            route("/apis/apps/v1"),
            Route::GroupVersion("apps".into(), "v1".into())
        );
        let Route::Resource(p) = route("/apis/apps/v1/namespaces/x/deployments/web/status") else {
            panic!("resource")
        };
        assert_eq!(p.namespace.as_deref(), Some("x"));
        assert_eq!(p.subresource.as_deref(), Some("status"));
        let Route::Resource(p) = route("/api/v1/namespaces/x") else {
            panic!("resource")
        };
        assert_eq!(
            (p.resource.as_str(), p.name.as_deref(), p.namespace),
            ("namespaces", Some("x"), None)
        );
        let Route::Resource(p) = route("/api/v1/namespaces/x/status") else {
            panic!("resource")
        };
        assert_eq!(p.subresource.as_deref(), Some("status"));
        let Route::Resource(p) = route("/api/v1/namespaces/x/configmaps") else {
            panic!("resource")
        };
        assert_eq!(
            (p.resource.as_str(), p.namespace.as_deref()),
            ("configmaps", Some("x"))
        );
        assert_eq!(
            route("/openapi/v3/apis/apps/v1"),
            Route::OpenApiV3("apps".into(), "v1".into())
        );
        assert_eq!(route("/openapi/v2"), Route::NotFound);
    }

    #[test]
    fn query_tolerates_kube_rs_form() {
        let q = Query::parse(Some("&labelSelector=app%3Dweb&&watch=1&x"));
        assert_eq!(q.get("labelSelector"), Some("app=web"));
        assert!(q.flag("watch"));
        assert_eq!(q.get("x"), None);
        assert_eq!(Query::parse(Some("a=%2")).get("a"), Some("%2"));
    }

    #[test]
    fn bodies() {
        assert!(parse_body(b"{\"a\":1}").is_ok());
        assert!(parse_body(b"a: 1\n").is_ok());
        assert_eq!(parse_body(b"{bad").err().map(|e| e.code), Some(400));
        assert_eq!(parse_body(b"- a").err().map(|e| e.code), Some(400));
        assert_eq!(parse_body(b"").err().map(|e| e.code), Some(400));
    }
}

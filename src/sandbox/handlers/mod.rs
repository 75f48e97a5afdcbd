//! REST handlers for resource URLs: dispatch by method and path shape, the per-request
//! context, and the shared response helpers.

mod delete;
mod hooks;
mod patch;
mod read;
mod scale;
mod watch;
mod write;

use std::sync::Arc;

use axum::body::Body;
use axum::response::{IntoResponse, Response};
use http::request::Parts;
use http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use serde_json::{Value, json};

use super::catalog::ResourceType;
use super::request::{Form, Query, ResourcePath, form};
use super::server::AppState;
use super::ssa::FieldValidation;
use super::status::ApiError;
use super::store::{Key, key};

pub use write::{bootstrap, write_status};

/// Largest accepted request body (the real server's limit is 3 MiB).
const BODY_LIMIT: usize = 3 * 1024 * 1024;

/// One resource request, resolved against the catalog.
pub struct Ctx {
    pub state: Arc<AppState>,
    pub rt: Arc<ResourceType>,
    pub path: ResourcePath,
    pub query: Query,
    pub headers: HeaderMap,
}

impl Ctx {
    pub fn namespace(&self) -> &str {
        self.path.namespace.as_deref().unwrap_or("")
    }

    pub fn key(&self, name: &str) -> Key {
        key(&self.rt.group, &self.rt.resource, self.namespace(), name)
    }

    pub fn name(&self) -> &str {
        self.path.name.as_deref().unwrap_or("")
    }

    pub fn form(&self) -> Form {
        form(&self.headers)
    }

    /// `dryRun` from the query: only `All` is valid.
    pub fn dry_run(&self) -> Result<bool, ApiError> {
        match self.query.get("dryRun") {
            None => Ok(false),
            Some("All") => Ok(true),
            Some(other) => Err(ApiError::bad_request(format!(
                "dryRun: Unsupported value: \"{other}\": supported values: \"All\""
            ))),
        }
    }

    /// `fieldValidation`, default Warn as on the real server.
    pub fn validation(&self) -> Result<FieldValidation, ApiError> {
        match self.query.get("fieldValidation") {
            None | Some("Warn") => Ok(FieldValidation::Warn),
            Some("Strict") => Ok(FieldValidation::Strict),
            Some("Ignore") => Ok(FieldValidation::Ignore),
            Some(other) => Err(ApiError::bad_request(format!(
                "fieldValidation: Unsupported value: \"{other}\": supported values: \"Ignore\", \"Strict\", \"Warn\""
            ))),
        }
    }

    /// The field manager of a non-apply write: the parameter, else the User-Agent's program.
    pub fn manager(&self) -> Result<String, ApiError> {
        if let Some(m) = self.query.get("fieldManager") {
            return check_manager(m);
        }
        let ua = self
            .headers
            .get(header::USER_AGENT)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("unknown");
        let prefix: String = ua
            .split('/')
            .next()
            .unwrap_or("unknown")
            .chars()
            .filter(|c| !c.is_control())
            .take(128)
            .collect();
        Ok(prefix)
    }

    /// Whether the namespace of a namespaced request exists (404 otherwise), and is not
    /// terminating (403 on creation otherwise).
    pub fn check_namespace(&self, creating: bool) -> Result<(), ApiError> {
        if !self.rt.namespaced {
            return Ok(());
        }
        let ns = self.namespace();
        match self.state.store.get(&key("", "namespaces", "", ns)) {
            None => Err(ApiError::namespace_not_found(ns)),
            Some(n) if creating && n["metadata"]["deletionTimestamp"].is_string() => {
                Err(ApiError::forbidden(
                    &self.rt,
                    self.name(),
                    &format!(
                        "unable to create new content in namespace {ns} because it is being terminated"
                    ),
                ))
            }
            Some(_) => Ok(()),
        }
    }

    /// The `includeObject` parameter of Table requests (default Metadata).
    pub fn include_object(&self) -> &str {
        self.query.get("includeObject").unwrap_or("Metadata")
    }

    /// An object as this request's client sees it: its served apiVersion, or metadata only.
    pub fn present(&self, mut object: Value) -> Value {
        if let Some(map) = object.as_object_mut() {
            map.insert("apiVersion".into(), json!(self.rt.api_version()));
            map.insert("kind".into(), json!(self.rt.kind));
        }
        match self.form() {
            Form::Full => object,
            Form::Table => super::table::table(&self.rt, &[object], None, self.include_object()),
            Form::Metadata => {
                json!({"kind": "PartialObjectMetadata", "apiVersion": "meta.k8s.io/v1",
                "metadata": object.get("metadata").cloned().unwrap_or_else(|| json!({}))})
            }
        }
    }
}

pub fn check_manager(m: &str) -> Result<String, ApiError> {
    if m.chars().count() > 128 || m.chars().any(|c| c.is_control()) {
        return Err(ApiError::bad_request(format!(
            "fieldManager: Invalid value: \"{m}\": must be less than 128 characters and printable"
        )));
    }
    Ok(m.to_string())
}

/// A JSON response with optional `Warning` headers.
pub fn respond(code: u16, body: &Value, warnings: &[String]) -> Response {
    let status = StatusCode::from_u16(code).unwrap_or(StatusCode::OK);
    let mut resp = (status, body.to_string()).into_response();
    let headers = resp.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    for w in warnings {
        let escaped = w.replace('\\', "\\\\").replace('"', "\\\"");
        let text = format!("299 - \"{escaped}\"");
        if let Ok(v) = HeaderValue::from_str(&text) {
            headers.append(header::WARNING, v);
        }
    }
    resp
}

fn verb(method: &Method, path: &ResourcePath, query: &Query, headers: &HeaderMap) -> &'static str {
    let named = path.name.is_some();
    match *method {
        Method::GET if query.flag("watch") => "watch",
        Method::GET if named => "get",
        Method::GET => "list",
        Method::POST => "create",
        Method::PUT => "update",
        Method::PATCH
            if super::request::content_type(headers) == "application/apply-patch+yaml" =>
        {
            "apply"
        }
        Method::PATCH => "patch",
        Method::DELETE if named => "delete",
        Method::DELETE => "deletecollection",
        _ => "other",
    }
}

async fn read_body(body: Body) -> Result<axum::body::Bytes, ApiError> {
    axum::body::to_bytes(body, BODY_LIMIT)
        .await
        .map_err(|_| ApiError::too_large())
}

/// Serves one resource request.
pub async fn resource(
    state: Arc<AppState>,
    parts: Parts,
    body: Body,
    path: ResourcePath,
) -> Response {
    let query = Query::parse(parts.uri.query());
    let verb = verb(&parts.method, &path, &query, &parts.headers);
    state.count(|s| *s.by_verb.entry(verb.to_string()).or_default() += 1);
    let Some(rt) = state
        .catalog()
        .find(&path.group, &path.version, &path.resource)
    else {
        return ApiError::path_not_found().into_response();
    };
    // Scope: cluster-scoped types never take a namespace; namespaced ones need one for a
    // named object (lists and watches may span namespaces).
    if (!rt.namespaced && path.namespace.is_some())
        || (rt.namespaced && path.namespace.is_none() && path.name.is_some())
    {
        return ApiError::path_not_found().into_response();
    }
    match path.subresource.as_deref() {
        None => {}
        Some("status") if rt.status => {}
        Some("scale") if rt.scale => {}
        Some(_) => return ApiError::path_not_found().into_response(),
    }
    let ctx = Ctx {
        state,
        rt,
        path,
        query,
        headers: parts.headers,
    };
    let result = match verb {
        "watch" => return watch::watch(ctx).await,
        "get" if ctx.path.subresource.as_deref() == Some("scale") => scale::get(&ctx),
        "get" => read::get(&ctx),
        "list" => read::list(&ctx),
        "create" | "update" | "apply" | "patch" | "delete" | "deletecollection" => {
            let bytes = match read_body(body).await {
                Ok(b) => b,
                Err(e) => return e.into_response(),
            };
            let ct = super::request::content_type(&ctx.headers);
            let bytes = if ct.contains("protobuf") || ct.contains("cbor") {
                // kubectl's typed create commands send protobuf; a few kinds are understood.
                match super::protobuf::decode(&bytes).filter(|_| verb == "create") {
                    Some(object) => axum::body::Bytes::from(object.to_string()),
                    None => {
                        return ApiError::unsupported_media_type(
                            &ct,
                            "application/json, application/yaml",
                        )
                        .into_response();
                    }
                }
            } else {
                bytes
            };
            match verb {
                "create" if ctx.path.name.is_none() && ctx.path.subresource.is_none() => {
                    write::create(&ctx, &bytes).await
                }
                "update" | "patch" if ctx.path.subresource.as_deref() == Some("scale") => {
                    scale::write(&ctx, &bytes, verb == "patch").await
                }
                "apply" if ctx.path.subresource.as_deref() == Some("scale") => {
                    Err(ApiError::unsupported_media_type(
                        "application/apply-patch+yaml",
                        "application/json-patch+json, application/merge-patch+json, application/strategic-merge-patch+json",
                    ))
                }
                "update" => write::update(&ctx, &bytes).await,
                "apply" | "patch" => patch::patch(&ctx, &bytes, verb == "apply").await,
                "delete" if ctx.path.subresource.is_none() => delete::delete(&ctx, &bytes).await,
                "deletecollection" if ctx.path.subresource.is_none() => {
                    delete::delete_collection(&ctx, &bytes).await
                }
                _ => Err(ApiError::method_not_allowed()),
            }
        }
        _ => Err(ApiError::method_not_allowed()),
    };
    result.unwrap_or_else(IntoResponse::into_response)
}

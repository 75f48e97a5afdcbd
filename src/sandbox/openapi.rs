//! OpenAPI v3: the root index of every served group version and per-group-version documents
//! with what kubectl's query-parameter verifier looks for (a PATCH operation tagged with the
//! kind and declaring `fieldValidation`), so `kubectl apply` validates server-side.

use axum::response::{IntoResponse, Response};
use serde_json::{Map, Value, json};
use sha2::{Digest, Sha256};

use super::catalog::ResourceType;
use super::discovery::json_response;
use super::server::AppState;
use super::status::ApiError;

fn url_path(group: &str, version: &str) -> String {
    if group.is_empty() {
        format!("api/{version}")
    } else {
        format!("apis/{group}/{version}")
    }
}

fn query_param(name: &str) -> Value {
    json!({"name": name, "in": "query", "schema": {"type": "string", "uniqueItems": true}})
}

fn item_path(rt: &ResourceType) -> String {
    let base = url_path(&rt.group, &rt.version);
    if rt.namespaced {
        format!("/{base}/namespaces/{{namespace}}/{}/{{name}}", rt.resource)
    } else {
        format!("/{base}/{}/{{name}}", rt.resource)
    }
}

fn build(types: &[std::sync::Arc<ResourceType>], group: &str, version: &str) -> Value {
    let mut paths = Map::new();
    for rt in types {
        let gvk = json!({"group": rt.group, "version": rt.version, "kind": rt.kind});
        // No component schemas: with none, kubectl's client-side apply keeps using its
        // compiled-in patch metadata instead of an incomplete schema.
        let ok = json!({"200": {"description": "OK"}});
        let op = |action: &str, params: Vec<Value>| {
            json!({"operationId": format!("{action}{}", rt.kind), "x-kubernetes-action": action,
                "x-kubernetes-group-version-kind": gvk, "parameters": params, "responses": ok})
        };
        let mut item = Map::new();
        item.insert("get".into(), op("get", vec![]));
        item.insert(
            "put".into(),
            op(
                "put",
                vec![
                    query_param("dryRun"),
                    query_param("fieldManager"),
                    query_param("fieldValidation"),
                ],
            ),
        );
        item.insert(
            "patch".into(),
            op(
                "patch",
                vec![
                    query_param("dryRun"),
                    query_param("fieldManager"),
                    query_param("fieldValidation"),
                    query_param("force"),
                ],
            ),
        );
        item.insert("delete".into(), op("delete", vec![query_param("dryRun")]));
        paths.insert(item_path(rt), Value::Object(item));
    }
    json!({"openapi": "3.0.0", "info": {"title": "Kubernetes", "version": "v1.32.4"},
        "paths": paths, "components": {},
        "x-converge-group-version": url_path(group, version)})
}

fn document_for(state: &AppState, group: &str, version: &str) -> Option<Value> {
    let groups = state.catalog().groups();
    let (_, types) = groups
        .iter()
        .filter(|g| g.name == group)
        .flat_map(|g| g.versions.iter())
        .find(|(v, _)| v == version)?;
    Some(build(types, group, version))
}

fn hash(doc: &Value) -> String {
    hex::encode_upper(Sha256::digest(doc.to_string().as_bytes()))
}

pub fn root(state: &AppState) -> Response {
    let groups = state.catalog().groups();
    let mut paths = Map::new();
    for g in &groups {
        for (v, types) in &g.versions {
            let doc = build(types, &g.name, v);
            let p = url_path(&g.name, v);
            paths.insert(
                p.clone(),
                json!({"serverRelativeURL": format!("/openapi/v3/{p}?hash={}", hash(&doc))}),
            );
        }
    }
    json_response(&json!({"paths": paths}))
}

pub fn document(state: &AppState, group: &str, version: &str) -> Response {
    match document_for(state, group, version) {
        Some(doc) => json_response(&doc),
        None => ApiError::path_not_found().into_response(),
    }
}

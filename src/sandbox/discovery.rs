//! `/version` and API discovery: aggregated (apidiscovery.k8s.io/v2, with its exact content
//! type, when the client asks for it) and the legacy `/api`, `/apis`, per-group and
//! per-group-version documents.

use axum::response::{IntoResponse, Response};
use http::{HeaderMap, HeaderValue, header};
use serde_json::{Value, json};

use super::catalog::{GroupInfo, ResourceType};
use super::server::AppState;
use super::status::ApiError;

pub fn json_response(body: &Value) -> Response {
    let mut resp = body.to_string().into_response();
    resp.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    resp
}

pub fn version() -> Response {
    json_response(&json!({
        "major": "1", "minor": "32", "gitVersion": "v1.32.4",
        "gitCommit": "59526cd4867447956156ae3a602fcbac10a2c335", "gitTreeState": "clean",
        "buildDate": "2025-04-22T16:02:27Z", "goVersion": "go1.23.6", "compiler": "gc",
        "platform": "linux/amd64"
    }))
}

/// Which aggregated discovery version the Accept header asks for, if any.
fn aggregated(headers: &HeaderMap) -> Option<&'static str> {
    let accept = headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    accept
        .split(',')
        .filter(|m| m.contains("as=APIGroupDiscoveryList") && m.contains("g=apidiscovery.k8s.io"))
        .find_map(|m| {
            if m.contains("v=v2beta1") {
                Some("v2beta1")
            } else if m.contains("v=v2") {
                Some("v2")
            } else {
                None
            }
        })
}

fn gvk(rt: &ResourceType) -> Value {
    json!({"group": rt.group, "version": rt.version, "kind": rt.kind})
}

fn discovery_resource(rt: &ResourceType) -> Value {
    let mut r = json!({
        "resource": rt.resource, "responseKind": gvk(rt),
        "scope": if rt.namespaced { "Namespaced" } else { "Cluster" },
        "singularResource": rt.singular, "verbs": rt.verbs(),
    });
    if !rt.short_names.is_empty() {
        r["shortNames"] = json!(rt.short_names);
    }
    if !rt.categories.is_empty() {
        r["categories"] = json!(rt.categories);
    }
    let mut subresources = Vec::new();
    if rt.status {
        subresources.push(json!({"subresource": "status", "responseKind": gvk(rt), "verbs": ["get", "patch", "update"]}));
    }
    if rt.scale {
        subresources.push(json!({"subresource": "scale",
            "responseKind": {"group": "autoscaling", "version": "v1", "kind": "Scale"},
            "verbs": ["get", "patch", "update"]}));
    }
    if !subresources.is_empty() {
        r["subresources"] = Value::Array(subresources);
    }
    r
}

fn discovery_group(g: &GroupInfo) -> Value {
    let mut metadata = json!({"creationTimestamp": null});
    if !g.name.is_empty() {
        metadata["name"] = json!(g.name);
    }
    let versions: Vec<Value> = g
        .versions
        .iter()
        .map(|(v, resources)| {
            let resources: Vec<Value> = resources.iter().map(|r| discovery_resource(r)).collect();
            json!({"version": v, "resources": resources, "freshness": "Current"})
        })
        .collect();
    json!({"metadata": metadata, "versions": versions})
}

fn aggregated_response(version: &str, items: Vec<Value>) -> Response {
    let body = json!({"kind": "APIGroupDiscoveryList", "apiVersion": format!("apidiscovery.k8s.io/{version}"),
        "metadata": {}, "items": items});
    let mut resp = body.to_string().into_response();
    let ct = format!("application/json;g=apidiscovery.k8s.io;v={version};as=APIGroupDiscoveryList");
    // Built from fixed ASCII text, so it is a valid header value.
    let value = HeaderValue::from_str(&ct).unwrap_or(HeaderValue::from_static("application/json"));
    resp.headers_mut().insert(header::CONTENT_TYPE, value);
    resp
}

pub fn api(state: &AppState, headers: &HeaderMap) -> Response {
    let groups = state.catalog().groups();
    if let Some(version) = aggregated(headers) {
        let items = groups
            .iter()
            .filter(|g| g.name.is_empty())
            .map(discovery_group)
            .collect();
        return aggregated_response(version, items);
    }
    json_response(&json!({"kind": "APIVersions", "versions": ["v1"],
        "serverAddressByClientCIDRs": [{"clientCIDR": "0.0.0.0/0", "serverAddress": state.addr.to_string()}]}))
}

fn group_entry(g: &GroupInfo) -> Value {
    let versions: Vec<Value> = g
        .versions
        .iter()
        .map(|(v, _)| json!({"groupVersion": format!("{}/{v}", g.name), "version": v}))
        .collect();
    let preferred = versions.first().cloned().unwrap_or(Value::Null);
    json!({"name": g.name, "versions": versions, "preferredVersion": preferred})
}

pub fn apis(state: &AppState, headers: &HeaderMap) -> Response {
    let groups = state.catalog().groups();
    let named = groups.iter().filter(|g| !g.name.is_empty());
    if let Some(version) = aggregated(headers) {
        return aggregated_response(version, named.map(discovery_group).collect());
    }
    let list: Vec<Value> = named.map(group_entry).collect();
    json_response(&json!({"kind": "APIGroupList", "apiVersion": "v1", "groups": list}))
}

pub fn group(state: &AppState, name: &str) -> Response {
    let groups = state.catalog().groups();
    match groups.iter().find(|g| g.name == name && !name.is_empty()) {
        Some(g) => {
            let mut body = group_entry(g);
            body["kind"] = json!("APIGroup");
            body["apiVersion"] = json!("v1");
            json_response(&body)
        }
        None => ApiError::path_not_found().into_response(),
    }
}

pub fn resources(state: &AppState, group: &str, version: &str) -> Response {
    let groups = state.catalog().groups();
    let Some((_, types)) = groups
        .iter()
        .filter(|g| g.name == group)
        .flat_map(|g| g.versions.iter())
        .find(|(v, _)| v == version)
    else {
        return ApiError::path_not_found().into_response();
    };
    let mut resources = Vec::new();
    for rt in types {
        let mut r = json!({"name": rt.resource, "singularName": rt.singular, "namespaced": rt.namespaced,
            "kind": rt.kind, "verbs": rt.verbs()});
        if !rt.short_names.is_empty() {
            r["shortNames"] = json!(rt.short_names);
        }
        if !rt.categories.is_empty() {
            r["categories"] = json!(rt.categories);
        }
        resources.push(r);
        if rt.status {
            resources.push(
                json!({"name": format!("{}/status", rt.resource), "singularName": "",
                "namespaced": rt.namespaced, "kind": rt.kind, "verbs": ["get", "patch", "update"]}),
            );
        }
        if rt.scale {
            resources.push(json!({"name": format!("{}/scale", rt.resource), "singularName": "",
                "namespaced": rt.namespaced, "group": "autoscaling", "version": "v1", "kind": "Scale",
                "verbs": ["get", "patch", "update"]}));
        }
    }
    let gv = if group.is_empty() {
        version.to_string()
    } else {
        format!("{group}/{version}")
    };
    let mut body = json!({"kind": "APIResourceList", "groupVersion": gv, "resources": resources});
    if !group.is_empty() {
        body["apiVersion"] = json!("v1");
    }
    json_response(&body)
}

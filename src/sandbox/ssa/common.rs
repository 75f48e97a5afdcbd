//! Pieces shared by the apply and update flows: type identity strings, reset fields, and the
//! "store the object" pipeline (status/spec reset, defaulting, normalization).

use serde_json::{Map, Value};

use super::defaults;
use super::fieldpath::{PathElement, Set};
use super::normalize;
use super::schema::{Origin, Schema};

pub(crate) const LAST_APPLIED: &str = "kubectl.kubernetes.io/last-applied-configuration";

/// `(group, version)` of an apiVersion string (`v1` is the core group).
pub(crate) fn split_api_version(api_version: &str) -> (&str, &str) {
    match api_version.split_once('/') {
        Some((g, v)) => (g, v),
        None => ("", api_version),
    }
}

/// `schema.GroupVersionKind.String()`: `apps/v1, Kind=Deployment`, `/v1, Kind=Pod`.
pub(crate) fn gvk_string(api_version: &str, kind: &str) -> String {
    let (g, v) = split_api_version(api_version);
    format!("{g}/{v}, Kind={kind}")
}

pub(crate) fn str_at<'a>(v: &'a Value, path: &[&str]) -> &'a str {
    let mut cur = v;
    for p in path {
        match cur.get(p) {
            Some(next) => cur = next,
            None => return "",
        }
    }
    cur.as_str().unwrap_or("")
}

/// `objectGVKNN`: `namespace/name; apps/v1, Kind=Deployment`.
pub(crate) fn object_gvknn(obj: &Value) -> String {
    format!(
        "{}/{}; {}",
        str_at(obj, &["metadata", "namespace"]),
        str_at(obj, &["metadata", "name"]),
        gvk_string(str_at(obj, &["apiVersion"]), str_at(obj, &["kind"]))
    )
}

fn path_set(paths: &[&[&str]]) -> Set {
    let mut s = Set::new();
    for p in paths {
        let path: Vec<PathElement> = p.iter().map(|f| PathElement::field(f)).collect();
        s.insert(&path);
    }
    s
}

/// Fields a write never owns: the strategy's `GetResetFields` for the main resource or for
/// `/status`.
pub(crate) fn reset_fields(schema: &Schema, subresource: Option<&str>) -> Set {
    match subresource {
        Some("status") => match schema.builtin_kind() {
            Some("Deployment" | "StatefulSet" | "DaemonSet" | "ReplicaSet") => {
                path_set(&[&["spec"], &["metadata", "labels"]])
            }
            Some("Pod") => path_set(&[
                &["spec"],
                &["metadata", "deletionTimestamp"],
                &["metadata", "ownerReferences"],
            ]),
            _ => path_set(&[&["spec"]]),
        },
        Some(_) => Set::new(),
        // Namespace finalizers change only through `/finalize`.
        None if schema.builtin_kind() == Some("Namespace") => {
            path_set(&[&["status"], &["spec", "finalizers"]])
        }
        None if schema.has_status_subresource() => path_set(&[&["status"]]),
        None => Set::new(),
    }
}

fn meta_of(v: &mut Value) -> Option<&mut Map<String, Value>> {
    v.get_mut("metadata").and_then(Value::as_object_mut)
}

fn copy_field(dst: &mut Value, src: Option<&Value>, key: &str) {
    let Some(obj) = dst.as_object_mut() else {
        return;
    };
    match src.and_then(|s| s.get(key)) {
        Some(v) => {
            obj.insert(key.to_string(), v.clone());
        }
        None => {
            obj.remove(key);
        }
    }
}

fn copy_meta(dst: &mut Value, src: Option<&Value>, key: &str) {
    let from = src
        .and_then(|s| s.get("metadata"))
        .and_then(|m| m.get(key))
        .cloned();
    if let Some(meta) = meta_of(dst) {
        match from {
            Some(v) => {
                meta.insert(key.to_string(), v);
            }
            None => {
                meta.remove(key);
            }
        }
    }
}

/// The strategy's `PrepareForCreate` / `PrepareForUpdate`: what a write may not change.
pub(crate) fn reset_object(
    schema: &Schema,
    subresource: Option<&str>,
    live: Option<&Value>,
    obj: &mut Value,
) {
    match subresource {
        None if schema.has_status_subresource() => {
            copy_field(obj, live, "status");
            if live.is_some() && schema.builtin_kind() == Some("Namespace") {
                copy_namespace_finalizers(obj, live);
            }
        }
        Some("status") => {
            copy_field(obj, live, "spec");
            match schema.origin() {
                Origin::Builtin(k)
                    if matches!(
                        k.kind,
                        "Deployment" | "StatefulSet" | "DaemonSet" | "ReplicaSet"
                    ) =>
                {
                    copy_meta(obj, live, "labels");
                }
                Origin::Builtin(k) if k.kind == "Pod" => {
                    copy_meta(obj, live, "deletionTimestamp");
                    copy_meta(obj, live, "ownerReferences");
                }
                Origin::Crd { .. } => {
                    for key in [
                        "labels",
                        "annotations",
                        "finalizers",
                        "ownerReferences",
                        "deletionTimestamp",
                        "generation",
                    ] {
                        copy_meta(obj, live, key);
                    }
                }
                _ => {}
            }
        }
        _ => {}
    }
}

/// Namespace `PrepareForUpdate`: `spec.finalizers` stay as they were.
fn copy_namespace_finalizers(obj: &mut Value, live: Option<&Value>) {
    let old = live
        .and_then(|l| l.get("spec"))
        .and_then(|s| s.get("finalizers"))
        .cloned();
    let Some(root) = obj.as_object_mut() else {
        return;
    };
    match old {
        Some(f) => {
            let spec = root
                .entry("spec")
                .or_insert_with(|| Value::Object(Map::new()));
            if let Some(spec) = spec.as_object_mut() {
                spec.insert("finalizers".into(), f);
            }
        }
        None => {
            if let Some(spec) = root.get_mut("spec").and_then(Value::as_object_mut) {
                spec.remove("finalizers");
            }
        }
    }
}

/// Defaults and storage normalization; returns the unknown fields that were dropped.
pub(crate) fn store_form(schema: &Schema, obj: &mut Value) -> Vec<String> {
    let mut unknown = Vec::new();
    match schema.origin() {
        Origin::Builtin(k) => {
            // Defaults only add values already in stored form, so one pass suffices.
            normalize::go_roundtrip(schema.table(), schema.root(), obj, &mut unknown);
            defaults::apply(k.kind, obj);
        }
        Origin::Crd { .. } => {
            normalize::structural(schema.table(), schema.root(), obj, &mut unknown)
        }
        Origin::Unstructured => {}
    }
    unknown
}

/// The strategy's `PrepareForCreate` beyond clearing status: pod phase and QoS class,
/// namespace phase and `kubernetes` finalizer. Runs after ownership is computed, so nobody owns
/// these (they are reset fields anyway).
pub(crate) fn prepare_for_create(schema: &Schema, obj: &mut Value) {
    match schema.builtin_kind() {
        Some("Pod") => prepare_pod(obj),
        Some("Namespace") => prepare_namespace(obj),
        _ => {}
    }
}

/// A new namespace is active and carries the `kubernetes` finalizer (appended to any given).
fn prepare_namespace(obj: &mut Value) {
    let Some(root) = obj.as_object_mut() else {
        return;
    };
    root.insert("status".into(), serde_json::json!({"phase": "Active"}));
    let spec = root
        .entry("spec")
        .or_insert_with(|| Value::Object(Map::new()));
    let Some(spec) = spec.as_object_mut() else {
        return;
    };
    let finalizers = spec
        .entry("finalizers")
        .or_insert_with(|| Value::Array(Vec::new()));
    if !finalizers.is_array() {
        *finalizers = Value::Array(Vec::new());
    }
    if let Some(list) = finalizers.as_array_mut()
        && !list.iter().any(|f| f == "kubernetes")
    {
        list.push(Value::from("kubernetes"));
    }
}

/// A new pod is pending, with its QoS class.
fn prepare_pod(obj: &mut Value) {
    let qos = pod_qos(obj);
    if let Some(root) = obj.as_object_mut() {
        let status = root
            .entry("status")
            .or_insert_with(|| Value::Object(Map::new()));
        if let Some(status) = status.as_object_mut() {
            status.insert("phase".into(), Value::from("Pending"));
            status.insert("qosClass".into(), Value::from(qos));
        }
    }
}

/// `qos.GetPodQOS`, on the containers' cpu and memory requests and limits.
fn pod_qos(pod: &Value) -> &'static str {
    let mut any = false;
    let mut guaranteed = true;
    let spec = pod.get("spec");
    for key in ["containers", "initContainers"] {
        for c in spec
            .and_then(|s| s.get(key))
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            let requests = c
                .get("resources")
                .and_then(|r| r.get("requests"))
                .and_then(Value::as_object);
            let limits = c
                .get("resources")
                .and_then(|r| r.get("limits"))
                .and_then(Value::as_object);
            for res in ["cpu", "memory"] {
                let req = requests
                    .and_then(|r| r.get(res))
                    .filter(|v| v.as_str() != Some("0"));
                let lim = limits
                    .and_then(|l| l.get(res))
                    .filter(|v| v.as_str() != Some("0"));
                if req.is_some() || lim.is_some() {
                    any = true;
                }
                if lim.is_none() || req.is_some_and(|r| Some(r) != lim) {
                    guaranteed = false;
                }
            }
        }
    }
    if !any {
        "BestEffort"
    } else if guaranteed {
        "Guaranteed"
    } else {
        "Burstable"
    }
}

/// The object as it exists before a create: the kind's zero value.
pub(crate) fn empty_object(schema: &Schema, api_version: &str, kind: &str) -> Value {
    let mut obj = match schema.origin() {
        Origin::Builtin(_) => normalize::zero_object(schema.table(), schema.root()),
        _ => Value::Object(Map::new()),
    };
    if let Some(m) = obj.as_object_mut() {
        m.insert("apiVersion".into(), Value::from(api_version));
        m.insert("kind".into(), Value::from(kind));
    }
    obj
}

/// A copy of `obj` without `metadata.managedFields`, and those fields: the engine works on the
/// object proper, and copying the (large) managedFields only to drop them is wasted work.
pub(crate) fn split_managed_fields(obj: &Value) -> (Value, Option<&Value>) {
    let Some(root) = obj.as_object() else {
        return (obj.clone(), None);
    };
    let mut managed = None;
    let mut copy = Map::new();
    for (k, v) in root {
        let v = match (k.as_str(), v) {
            ("metadata", Value::Object(meta)) => {
                let mut m = Map::new();
                for (mk, mv) in meta {
                    if mk == "managedFields" {
                        managed = Some(mv);
                    } else {
                        m.insert(mk.clone(), mv.clone());
                    }
                }
                Value::Object(m)
            }
            _ => v.clone(),
        };
        copy.insert(k.clone(), v);
    }
    (Value::Object(copy), managed)
}

pub(crate) fn take_managed_fields(obj: &mut Value) -> Option<Value> {
    meta_of(obj).and_then(|m| m.remove("managedFields"))
}

pub(crate) fn set_managed_fields(obj: &mut Value, managed: Option<Value>) {
    match managed {
        Some(v) => {
            if let Some(root) = obj.as_object_mut() {
                let meta = root
                    .entry("metadata")
                    .or_insert_with(|| Value::Object(Map::new()));
                if let Some(meta) = meta.as_object_mut() {
                    meta.insert("managedFields".into(), v);
                }
            }
        }
        None => {
            if let Some(meta) = meta_of(obj) {
                meta.remove("managedFields");
            }
        }
    }
}

//! DELETE and deletecollection: DeleteOptions (in the body or the query), preconditions,
//! finalizers and deletionTimestamp, propagation to dependents, namespace termination and
//! the removal of a CRD's custom resources.

use axum::response::Response;
use serde_json::{Value, json};

use super::read::selectors;
use super::{Ctx, respond};
use crate::sandbox::catalog::ResourceType;
use crate::sandbox::objects::{self, finalizers, meta_mut};
use crate::sandbox::server::AppState;
use crate::sandbox::status::ApiError;
use crate::sandbox::store::{Key, key};

/// The parts of DeleteOptions the sandbox honours.
struct DeleteOptions {
    dry_run: bool,
    propagation: String,
    uid: Option<String>,
    resource_version: Option<String>,
}

fn options(ctx: &Ctx, bytes: &[u8]) -> Result<DeleteOptions, ApiError> {
    let body: Value = if bytes.iter().all(u8::is_ascii_whitespace) {
        json!({})
    } else {
        serde_json::from_slice(bytes)
            .map_err(|e| ApiError::bad_request(format!("invalid DeleteOptions: {e}")))?
    };
    if !body.is_object() {
        return Err(ApiError::bad_request(
            "invalid DeleteOptions: not an object",
        ));
    }
    let body_dry = match &body["dryRun"] {
        Value::Null => false,
        Value::Array(a) if a.iter().all(|v| v == "All") => !a.is_empty(),
        other => {
            return Err(ApiError::bad_request(format!(
                "dryRun: Unsupported value: {other}: supported values: \"All\""
            )));
        }
    };
    let orphan = body["orphanDependents"].as_bool();
    let propagation = match (
        body["propagationPolicy"].as_str(),
        ctx.query.get("propagationPolicy"),
        orphan,
    ) {
        (Some(p), _, _) | (None, Some(p), _) => p.to_string(),
        (None, None, Some(true)) => "Orphan".into(),
        _ => "Background".into(),
    };
    if !["Background", "Foreground", "Orphan"].contains(&propagation.as_str()) {
        return Err(ApiError::bad_request(format!(
            "propagationPolicy: Unsupported value: \"{propagation}\": supported values: \"Foreground\", \"Background\", \"Orphan\""
        )));
    }
    Ok(DeleteOptions {
        dry_run: ctx.dry_run()? || body_dry,
        propagation,
        uid: body["preconditions"]["uid"].as_str().map(String::from),
        resource_version: body["preconditions"]["resourceVersion"]
            .as_str()
            .map(String::from),
    })
}

fn success(rt: &ResourceType, name: &str, uid: &str) -> Value {
    let mut details = json!({"name": name});
    if !rt.group.is_empty() {
        details["group"] = json!(rt.group);
    }
    details["kind"] = json!(rt.resource);
    details["uid"] = json!(uid);
    json!({"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Success", "details": details})
}

pub async fn delete(ctx: &Ctx, bytes: &[u8]) -> Result<Response, ApiError> {
    let opts = options(ctx, bytes)?;
    let _guard = ctx.state.write_lock.lock().await;
    let key = ctx.key(ctx.name());
    let old = ctx
        .state
        .store
        .get(&key)
        .ok_or_else(|| ApiError::not_found(&ctx.rt, ctx.name()))?;
    let uid = old["metadata"]["uid"].as_str().unwrap_or("").to_string();
    if let Some(want) = &opts.uid
        && *want != uid
    {
        return Err(ApiError::conflict(
            &ctx.rt,
            ctx.name(),
            &format!("Precondition failed: UID in precondition: {want}, UID in object meta: {uid}"),
        ));
    }
    let rv = old["metadata"]["resourceVersion"]
        .as_str()
        .unwrap_or("")
        .to_string();
    if let Some(want) = &opts.resource_version
        && *want != rv
    {
        return Err(ApiError::conflict(
            &ctx.rt,
            ctx.name(),
            &format!(
                "Precondition failed: ResourceVersion in precondition: {want}, ResourceVersion in object meta: {rv}"
            ),
        ));
    }
    let (code, body, persisted) = delete_object(
        &ctx.state,
        &ctx.rt,
        &key,
        old,
        &opts.propagation,
        opts.dry_run,
    );
    if persisted {
        ctx.state.count_write();
    }
    let body = if body["kind"] == "Status" {
        body
    } else {
        ctx.present(body)
    };
    Ok(respond(code, &body, &[]))
}

/// Deletes one object (write lock held): marks it when finalizers or namespace contents hold
/// it, else removes it. Returns the HTTP code, the body and whether anything was persisted.
fn delete_object(
    state: &AppState,
    rt: &ResourceType,
    key: &Key,
    old: Value,
    propagation: &str,
    dry_run: bool,
) -> (u16, Value, bool) {
    let is_namespace = rt.group.is_empty() && rt.resource == "namespaces" && !rt.custom;
    if !finalizers(&old).is_empty() || is_namespace {
        if old["metadata"]["deletionTimestamp"].is_string() {
            return (200, old, false);
        }
        let mut marked = old.clone();
        let meta = meta_mut(&mut marked);
        meta.insert("deletionTimestamp".into(), json!(objects::now()));
        meta.insert("deletionGracePeriodSeconds".into(), json!(0));
        if is_namespace {
            marked["status"] = json!({"phase": "Terminating"});
        }
        if dry_run {
            return (200, marked, false);
        }
        let stored = state.store.put(key.clone(), marked);
        if is_namespace {
            return (200, terminate_namespace(state, key, stored), true);
        }
        return (200, stored, true);
    }
    let uid = old["metadata"]["uid"].as_str().unwrap_or("").to_string();
    let body = success(rt, &key.3, &uid);
    if dry_run {
        return (200, body, false);
    }
    if propagation == "Orphan" {
        orphan_dependents(state, &uid);
    }
    remove_with_dependents(state, key);
    (200, body, true)
}

/// Deletes everything in a terminating namespace, and the namespace once it is empty.
fn terminate_namespace(state: &AppState, ns_key: &Key, ns: Value) -> Value {
    let name = ns_key.3.clone();
    for k in state.store.keys_in_namespace(&name) {
        let Some(object) = state.store.get(&k) else {
            continue;
        };
        let Some(rt) = state.catalog().find_any_version(&k.0, &k.1) else {
            state.store.remove(&k);
            continue;
        };
        delete_object(state, &rt, &k, object, "Background", false);
    }
    finish_namespace(state, &name).unwrap_or(ns)
}

/// Removes a terminating namespace that has become empty; returns it when removed.
fn finish_namespace(state: &AppState, namespace: &str) -> Option<Value> {
    let ns_key = key("", "namespaces", "", namespace);
    let ns = state.store.get(&ns_key)?;
    let terminating = ns["metadata"]["deletionTimestamp"].is_string() && finalizers(&ns).is_empty();
    if terminating && state.store.keys_in_namespace(namespace).is_empty() {
        return state.store.remove(&ns_key);
    }
    None
}

fn orphan_dependents(state: &AppState, owner_uid: &str) {
    for (k, mut object) in dependents(state, owner_uid) {
        if let Some(refs) = object["metadata"]["ownerReferences"].as_array_mut() {
            refs.retain(|r| r["uid"] != owner_uid);
        }
        state.store.put(k, object);
    }
}

fn dependents(state: &AppState, owner_uid: &str) -> Vec<(Key, Value)> {
    let (_, all) = state.store.snapshot();
    all.into_iter()
        .filter(|(_, o)| {
            o["metadata"]["ownerReferences"]
                .as_array()
                .is_some_and(|refs| refs.iter().any(|r| r["uid"] == owner_uid))
        })
        .collect()
}

/// Removes an object now (write lock held) and cleans up after it: garbage-collects its
/// dependents, a CRD's custom resources and served types, and a terminating namespace that
/// it leaves empty. Returns the removed object with its deletion resourceVersion.
pub fn remove_with_dependents(state: &AppState, key: &Key) -> Option<Value> {
    let removed = state.store.remove(key)?;
    let uid = removed["metadata"]["uid"]
        .as_str()
        .unwrap_or("")
        .to_string();
    if !uid.is_empty() {
        for (k, object) in dependents(state, &uid) {
            // Bound first: the catalog lock must not be held while deleting (a CRD's removal
            // takes it for writing).
            let rt = state.catalog().find_any_version(&k.0, &k.1);
            if let Some(rt) = rt {
                delete_object(state, &rt, &k, object, "Background", false);
            }
        }
    }
    if key.0 == "apiextensions.k8s.io" && key.1 == "customresourcedefinitions" {
        let group = removed["spec"]["group"].as_str().unwrap_or("");
        let plural = removed["spec"]["names"]["plural"].as_str().unwrap_or("");
        let (crs, _) = state.store.list(group, plural, None);
        for (k, _) in crs {
            state.store.remove(&k);
        }
        state.catalog_mut().remove_custom(&key.3);
    }
    if !key.2.is_empty() {
        finish_namespace(state, &key.2);
    }
    Some(removed)
}

pub async fn delete_collection(ctx: &Ctx, bytes: &[u8]) -> Result<Response, ApiError> {
    let opts = options(ctx, bytes)?;
    let (labels, fields) = selectors(ctx)?;
    let _guard = ctx.state.write_lock.lock().await;
    let (objects, _) = ctx.state.store.list(
        &ctx.rt.group,
        &ctx.rt.resource,
        ctx.path.namespace.as_deref(),
    );
    let mut items = Vec::new();
    for (k, object) in objects
        .into_iter()
        .filter(|(_, o)| labels.matches(o) && fields.matches(o))
    {
        let (_, body, persisted) = delete_object(
            &ctx.state,
            &ctx.rt,
            &k,
            object.clone(),
            &opts.propagation,
            opts.dry_run,
        );
        if persisted {
            ctx.state.count_write();
        }
        items.push(ctx.present(if body["kind"] == "Status" {
            object
        } else {
            body
        }));
    }
    let list = json!({"kind": format!("{}List", ctx.rt.kind), "apiVersion": ctx.rt.api_version(),
        "metadata": {"resourceVersion": ctx.state.store.current_rv().to_string()}, "items": items});
    Ok(respond(200, &list, &[]))
}

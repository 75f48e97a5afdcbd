//! POST (create) and PUT (update), and the write pipeline every mutation shares: server-owned
//! metadata, status reset rules, registry hooks, finalizer completion, dry run and the commit.

use axum::response::Response;
use serde_json::{Value, json};

use super::{Ctx, hooks, respond};
use crate::sandbox::catalog::ResourceType;
use crate::sandbox::objects::{self, bumps_generation, initial_status, meta_mut, meta_str};
use crate::sandbox::request::parse_body;
use crate::sandbox::server::AppState;
use crate::sandbox::ssa::{self, FieldValidation, UpdateOptions};
use crate::sandbox::status::ApiError;
use crate::sandbox::store::{Key, key};

/// Metadata only the server writes; dropped from create requests.
const SERVER_OWNED: &[&str] = &[
    "uid",
    "creationTimestamp",
    "deletionTimestamp",
    "deletionGracePeriodSeconds",
    "generation",
    "selfLink",
];

/// Checks the body's apiVersion/kind against the URL and fills them when missing.
pub fn check_type(rt: &ResourceType, object: &mut Value) -> Result<(), ApiError> {
    let Some(map) = object.as_object_mut() else {
        return Err(ApiError::bad_request(
            "the request body must be a JSON object",
        ));
    };
    let want = rt.api_version();
    match map.get("apiVersion").and_then(Value::as_str) {
        Some(v) if v != want => {
            return Err(ApiError::bad_request(format!(
                "the API version in the data ({v}) does not match the expected API version ({want})"
            )));
        }
        _ => {}
    }
    match map.get("kind").and_then(Value::as_str) {
        Some(k) if k != rt.kind => {
            return Err(ApiError::bad_request(format!(
                "{k} in version \"{}\" cannot be handled as a {}: the kind in the data does not match the URL",
                rt.version, rt.kind
            )));
        }
        _ => {}
    }
    map.insert("apiVersion".into(), json!(want));
    map.insert("kind".into(), json!(rt.kind));
    Ok(())
}

/// Body namespace must agree with the URL's; the URL's is filled in.
pub fn check_namespace_field(ctx: &Ctx, object: &mut Value) -> Result<(), ApiError> {
    let meta = meta_mut(object);
    if !ctx.rt.namespaced {
        meta.remove("namespace");
        return Ok(());
    }
    match meta.get("namespace").and_then(Value::as_str) {
        Some(ns) if !ns.is_empty() && ns != ctx.namespace() => Err(ApiError::bad_request(
            "the namespace of the provided object does not match the namespace sent on the request",
        )),
        _ => {
            meta.insert("namespace".into(), json!(ctx.namespace()));
            Ok(())
        }
    }
}

/// Status reset rules: a create starts from the initial status; a main-resource write keeps
/// the stored status; a `/status` write changes nothing but status (and managedFields).
pub fn reset_status(
    rt: &ResourceType,
    old: Option<&Value>,
    mut object: Value,
    subresource: Option<&str>,
) -> Value {
    let put = |object: &mut Value, status: Option<Value>| {
        if let Some(map) = object.as_object_mut() {
            match status {
                Some(s) if !s.is_null() => {
                    map.insert("status".into(), s);
                }
                _ => {
                    map.remove("status");
                }
            }
        }
    };
    match (old, subresource) {
        (Some(old), Some("status")) => {
            let mut out = old.clone();
            put(&mut out, object.get("status").cloned());
            let managed = object["metadata"].get("managedFields").cloned();
            let meta = meta_mut(&mut out);
            match managed {
                Some(m) => meta.insert("managedFields".into(), m),
                None => meta.remove("managedFields"),
            };
            out
        }
        (None, _) if rt.status => {
            // The SSA engine computes a Pod's QoS class from its resources; keep it.
            let qos_class = object.pointer("/status/qosClass").cloned();
            put(&mut object, initial_status(rt));
            if let (Some(qos), Some(status)) = (
                qos_class,
                object.get_mut("status").and_then(Value::as_object_mut),
            ) {
                status.insert("qosClass".into(), qos);
            }
            object
        }
        (Some(old), None) if rt.status => {
            put(&mut object, old.get("status").cloned());
            object
        }
        _ => object,
    }
}

/// Server-owned metadata: fresh on create, carried over (and generation bumped) on update.
fn server_fields(rt: &ResourceType, old: Option<&Value>, object: &mut Value) {
    let generation = match old {
        None => rt.generation.then_some(1),
        Some(old) => {
            let g = old["metadata"]["generation"].as_i64();
            if bumps_generation(rt, old, object) {
                Some(g.unwrap_or(0) + 1)
            } else {
                g
            }
        }
    };
    let carried: Vec<(String, Value)> = match old {
        None => vec![
            ("uid".into(), json!(objects::new_uid())),
            ("creationTimestamp".into(), json!(objects::now())),
        ],
        Some(old) => SERVER_OWNED
            .iter()
            .filter_map(|f| old["metadata"].get(*f).map(|v| (f.to_string(), v.clone())))
            .collect(),
    };
    let rv = old.and_then(|o| o["metadata"].get("resourceVersion").cloned());
    let meta = meta_mut(object);
    for f in SERVER_OWNED {
        meta.remove(*f);
    }
    meta.remove("resourceVersion");
    for (f, v) in carried {
        meta.insert(f, v);
    }
    if let Some(g) = generation {
        meta.insert("generation".into(), json!(g));
    }
    if let Some(rv) = rv {
        meta.insert("resourceVersion".into(), rv);
    }
}

/// The end of every write: server fields, hooks, finalizer completion, dry run, commit.
/// Returns the object as stored (or as it would be) and whether anything was persisted.
pub fn finish_write(
    state: &AppState,
    rt: &ResourceType,
    key: &Key,
    old: Option<&Value>,
    mut object: Value,
    dry_run: bool,
) -> Result<(Value, bool), ApiError> {
    server_fields(rt, old, &mut object);
    hooks::validate(rt, &object)?;
    match old {
        None => hooks::on_create(state, rt, &mut object),
        Some(old) => {
            hooks::on_update(state, rt, old, &mut object);
            if *old == object {
                return Ok((object, false));
            }
            let deleting = object["metadata"]["deletionTimestamp"].is_string();
            if deleting && objects::finalizers(&object).is_empty() {
                if dry_run {
                    return Ok((object, false));
                }
                let removed = super::delete::remove_with_dependents(state, key).unwrap_or(object);
                return Ok((removed, true));
            }
        }
    }
    if dry_run {
        return Ok((object, false));
    }
    let stored = state.store.put(key.clone(), object);
    hooks::after_commit(state, rt, key, &stored);
    Ok((stored, true))
}

pub async fn create(ctx: &Ctx, bytes: &[u8]) -> Result<Response, ApiError> {
    let mut object = parse_body(bytes)?;
    check_type(&ctx.rt, &mut object)?;
    check_namespace_field(ctx, &mut object)?;
    let (dry_run, validation, manager) = (ctx.dry_run()?, ctx.validation()?, ctx.manager()?);
    if meta_str(&object, "resourceVersion").is_some_and(|rv| !rv.is_empty()) {
        return Err(ApiError::bad_request(
            "resourceVersion should not be set on objects to be created",
        ));
    }
    let name = match (meta_str(&object, "name"), meta_str(&object, "generateName")) {
        (Some(n), _) if !n.is_empty() => n.to_string(),
        (_, Some(prefix)) if !prefix.is_empty() => format!("{prefix}{}", objects::name_suffix()),
        _ => {
            return Err(ApiError::invalid(
                &ctx.rt,
                "",
                &[(
                    "metadata.name",
                    "FieldValueRequired",
                    "Required value: name or generateName is required".into(),
                )],
            ));
        }
    };
    if let Some(msg) = objects::invalid_name(&name) {
        return Err(ApiError::invalid(
            &ctx.rt,
            &name,
            &[("metadata.name", "FieldValueInvalid", msg)],
        ));
    }
    meta_mut(&mut object).insert("name".into(), json!(name));
    let _guard = ctx.state.write_lock.lock().await;
    ctx.check_namespace(true)?;
    let key = ctx.key(&name);
    if ctx.state.store.get(&key).is_some() {
        return Err(ApiError::already_exists(&ctx.rt, &name));
    }
    insert_new(ctx, &name, object, &manager, validation, dry_run)
}

/// The create pipeline once the name is known and free (write lock held): 201.
fn insert_new(
    ctx: &Ctx,
    name: &str,
    object: Value,
    manager: &str,
    validation: FieldValidation,
    dry_run: bool,
) -> Result<Response, ApiError> {
    let key = ctx.key(name);
    let object = reset_status(&ctx.rt, None, object, None);
    let now = objects::now();
    let api_version = ctx.rt.api_version();
    let opts = UpdateOptions {
        manager,
        api_version: &api_version,
        subresource: None,
        now: &now,
        validation,
    };
    let applied = ssa::update(&ctx.rt.schema, None, object, &opts)
        .map_err(|e| ApiError::from_ssa(&e, &ctx.rt, name))?;
    let object = reset_status(&ctx.rt, None, applied.object, None);
    let (stored, persisted) = finish_write(&ctx.state, &ctx.rt, &key, None, object, dry_run)?;
    if persisted {
        ctx.state.count_write();
    }
    Ok(respond(201, &ctx.present(stored), &applied.warnings))
}

/// Kinds whose registry creates the object on a PUT to a missing name.
fn allows_create_on_update(rt: &ResourceType) -> bool {
    !rt.custom
        && matches!(
            (rt.group.as_str(), rt.resource.as_str()),
            ("", "endpoints" | "events")
                | ("coordination.k8s.io", "leases")
                | ("rbac.authorization.k8s.io", _)
        )
}

/// Stale-resourceVersion check of an update whose body names a resourceVersion.
pub fn check_precondition(ctx: &Ctx, old: &Value, new: &Value) -> Result<(), ApiError> {
    match meta_str(new, "resourceVersion") {
        Some(rv) if !rv.is_empty() && Some(rv) != meta_str(old, "resourceVersion") => {
            Err(ApiError::stale(&ctx.rt, ctx.name()))
        }
        _ => Ok(()),
    }
}

/// The rest of a non-apply write to an existing object (PUT or a merge/strategic/JSON patch):
/// field management as an Update, then the shared pipeline. Answers 200.
pub fn write_existing(
    ctx: &Ctx,
    old: &Value,
    candidate: Value,
    manager: &str,
    validation: FieldValidation,
) -> Result<Response, ApiError> {
    let dry_run = ctx.dry_run()?;
    let sub = ctx.path.subresource.as_deref();
    let candidate = reset_status(&ctx.rt, Some(old), candidate, sub);
    let now = objects::now();
    let api_version = ctx.rt.api_version();
    let opts = UpdateOptions {
        manager,
        api_version: &api_version,
        subresource: sub,
        now: &now,
        validation,
    };
    let applied = ssa::update(&ctx.rt.schema, Some(old), candidate, &opts)
        .map_err(|e| ApiError::from_ssa(&e, &ctx.rt, ctx.name()))?;
    if !applied.changed {
        return Ok(respond(200, &ctx.present(old.clone()), &applied.warnings));
    }
    let object = reset_status(&ctx.rt, Some(old), applied.object, sub);
    let (stored, persisted) = finish_write(
        &ctx.state,
        &ctx.rt,
        &ctx.key(ctx.name()),
        Some(old),
        object,
        dry_run,
    )?;
    if persisted {
        ctx.state.count_write();
    }
    Ok(respond(200, &ctx.present(stored), &applied.warnings))
}

pub async fn update(ctx: &Ctx, bytes: &[u8]) -> Result<Response, ApiError> {
    let mut object = parse_body(bytes)?;
    check_type(&ctx.rt, &mut object)?;
    check_namespace_field(ctx, &mut object)?;
    let body_name = meta_str(&object, "name").unwrap_or("");
    if body_name != ctx.name() {
        return Err(ApiError::bad_request(format!(
            "the name of the object ({body_name}) does not match the name on the URL ({})",
            ctx.name()
        )));
    }
    let (validation, manager, dry_run) = (ctx.validation()?, ctx.manager()?, ctx.dry_run()?);
    let _guard = ctx.state.write_lock.lock().await;
    let old = match ctx.state.store.get(&ctx.key(ctx.name())) {
        Some(old) => old,
        None if allows_create_on_update(&ctx.rt) && ctx.path.subresource.is_none() => {
            ctx.check_namespace(true)?;
            if let Some(msg) = objects::invalid_name(ctx.name()) {
                return Err(ApiError::invalid(
                    &ctx.rt,
                    ctx.name(),
                    &[("metadata.name", "FieldValueInvalid", msg)],
                ));
            }
            let mut object = object;
            meta_mut(&mut object).remove("resourceVersion");
            return insert_new(ctx, ctx.name(), object, &manager, validation, dry_run);
        }
        None => return Err(ApiError::not_found(&ctx.rt, ctx.name())),
    };
    check_precondition(ctx, &old, &object)?;
    write_existing(ctx, &old, object, &manager, validation)
}

/// A status write by a server-side actor (simulated controllers, the CRD controller), as an
/// Update of the `/status` subresource. Returns the stored object, or None if it is gone.
pub async fn write_status(
    state: &AppState,
    rt: &ResourceType,
    key: &Key,
    status: Value,
    manager: &str,
) -> Result<Option<Value>, ApiError> {
    let _guard = state.write_lock.lock().await;
    write_status_locked(state, rt, key, status, manager)
}

/// `write_status` for callers already holding the write lock.
pub fn write_status_locked(
    state: &AppState,
    rt: &ResourceType,
    key: &Key,
    status: Value,
    manager: &str,
) -> Result<Option<Value>, ApiError> {
    let Some(old) = state.store.get(key) else {
        return Ok(None);
    };
    let candidate = reset_status(
        rt,
        Some(&old),
        json!({"status": status, "metadata": old["metadata"]}),
        Some("status"),
    );
    let now = objects::now();
    let api_version = rt.api_version();
    let opts = UpdateOptions {
        manager,
        api_version: &api_version,
        subresource: Some("status"),
        now: &now,
        validation: FieldValidation::Ignore,
    };
    let applied = ssa::update(&rt.schema, Some(&old), candidate, &opts)
        .map_err(|e| ApiError::from_ssa(&e, rt, &key.3))?;
    if !applied.changed {
        return Ok(Some(old));
    }
    let object = reset_status(rt, Some(&old), applied.object, Some("status"));
    finish_write(state, rt, key, Some(&old), object, false).map(|(v, _)| Some(v))
}

/// The namespaces (and the `kubernetes` Service) a fresh cluster has.
pub fn bootstrap(state: &AppState) {
    let catalog = state.catalog();
    let (Some(ns_type), Some(svc_type)) = (
        catalog.find("", "v1", "namespaces"),
        catalog.find("", "v1", "services"),
    ) else {
        return;
    };
    drop(catalog);
    let now = objects::now();
    let create = |rt: &ResourceType, namespace: &str, object: Value| {
        let opts = UpdateOptions {
            manager: "kube-apiserver",
            api_version: "v1",
            subresource: None,
            now: &now,
            validation: FieldValidation::Ignore,
        };
        let name = object["metadata"]["name"]
            .as_str()
            .unwrap_or("")
            .to_string();
        let object = match ssa::update(&rt.schema, None, object.clone(), &opts) {
            Ok(applied) => applied.object,
            Err(_) => object,
        };
        let object = reset_status(rt, None, object, None);
        let key = key(&rt.group, &rt.resource, namespace, &name);
        if let Err(e) = finish_write(state, rt, &key, None, object, false) {
            tracing::warn!(name, code = e.code, "bootstrap object not created");
        }
    };
    for ns in ["default", "kube-system", "kube-public", "kube-node-lease"] {
        create(
            &ns_type,
            "",
            json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": ns}}),
        );
    }
    create(
        &svc_type,
        "default",
        json!({"apiVersion": "v1", "kind": "Service",
            "metadata": {"name": "kubernetes", "namespace": "default",
                "labels": {"component": "apiserver", "provider": "kubernetes"}},
            "spec": {"clusterIP": "10.96.0.1", "type": "ClusterIP", "sessionAffinity": "None",
                "ports": [{"name": "https", "port": 443, "protocol": "TCP", "targetPort": 6443}]}}),
    );
}

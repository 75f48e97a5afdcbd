//! PATCH: server-side apply (create-on-apply, conflicts, force) through the SSA engine, and
//! merge, strategic-merge and JSON patches, which are then written as Update operations.

use axum::response::Response;
use serde_json::{Value, json};

use super::write::{check_precondition, check_type, finish_write, reset_status, write_existing};
use super::{Ctx, check_manager, respond};
use crate::sandbox::objects::{self, meta_mut, meta_str};
use crate::sandbox::request::{content_type, parse_body};
use crate::sandbox::ssa::{self, ApplyOptions};
use crate::sandbox::status::ApiError;

/// What a PATCH accepts, as the real server lists it.
const PATCH_TYPES: &str = "application/json-patch+json, application/merge-patch+json, \
                           application/apply-patch+yaml, application/strategic-merge-patch+json";

pub async fn patch(ctx: &Ctx, bytes: &[u8], apply: bool) -> Result<Response, ApiError> {
    let ct = content_type(&ctx.headers);
    let known = [
        "application/apply-patch+yaml",
        "application/json-patch+json",
        "application/merge-patch+json",
        "application/strategic-merge-patch+json",
    ];
    if !known.contains(&ct.as_str()) {
        return Err(ApiError::unsupported_media_type(&ct, PATCH_TYPES));
    }
    let body = parse_body(bytes)?;
    let validation = ctx.validation()?;
    ctx.dry_run()?;
    if apply {
        return server_side_apply(ctx, body, validation).await;
    }
    if ctx.query.get("force").is_some() {
        return Err(ApiError::bad_request(
            "force: Forbidden: may not be specified for non-apply patch",
        ));
    }
    let manager = ctx.manager()?;
    let _guard = ctx.state.write_lock.lock().await;
    let old = ctx
        .state
        .store
        .get(&ctx.key(ctx.name()))
        .ok_or_else(|| ApiError::not_found(&ctx.rt, ctx.name()))?;
    let patched = match ct.as_str() {
        "application/json-patch+json" => {
            let ops: json_patch::Patch = serde_json::from_value(body)
                .map_err(|e| ApiError::bad_request(format!("the JSON patch is not valid: {e}")))?;
            let mut doc = old.clone();
            json_patch::patch(&mut doc, &ops).map_err(|e| invalid_patch(&e.to_string()))?;
            doc
        }
        "application/merge-patch+json" => {
            if !body.is_object() {
                return Err(ApiError::bad_request("a merge patch must be a JSON object"));
            }
            let mut doc = old.clone();
            json_patch::merge(&mut doc, &body);
            doc
        }
        _ => {
            if ctx.rt.custom {
                return Err(ApiError::unsupported_media_type(&ct, PATCH_TYPES));
            }
            ssa::strategic_merge_patch(&ctx.rt.schema, &old, &body)
                .map_err(|e| ApiError::from_ssa(&e, &ctx.rt, ctx.name()))?
        }
    };
    let mut patched = patched;
    check_identity(ctx, &old, &mut patched)?;
    check_precondition(ctx, &old, &patched)?;
    write_existing(ctx, &old, patched, &manager, validation)
}

/// A patch may not rename, move or retype the object.
fn check_identity(ctx: &Ctx, old: &Value, patched: &mut Value) -> Result<(), ApiError> {
    if !patched.is_object() {
        return Err(invalid_patch("the patched object is not an object"));
    }
    for field in ["name", "namespace"] {
        if meta_str(patched, field) != meta_str(old, field) {
            return Err(ApiError::bad_request(format!(
                "metadata.{field}: Invalid value: the {field} of the object does not match the request"
            )));
        }
    }
    check_type(&ctx.rt, patched)
}

/// A patch that cannot be applied: 422 with the patch library's message, as the real server.
fn invalid_patch(message: &str) -> ApiError {
    let mut e = ApiError::bad_request(message);
    e.code = 422;
    e.body["reason"] = json!("Invalid");
    e.body["code"] = json!(422);
    e
}

async fn server_side_apply(
    ctx: &Ctx,
    mut config: Value,
    validation: ssa::FieldValidation,
) -> Result<Response, ApiError> {
    let Some(manager) = ctx.query.get("fieldManager") else {
        let mut e = ApiError::bad_request("");
        e.code = 422;
        e.body["reason"] = json!("Invalid");
        e.body["code"] = json!(422);
        e.body["message"] = json!(
            "PatchOptions.meta.k8s.io \"\" is invalid: fieldManager: Required value: is required for apply patch"
        );
        return Err(e);
    };
    let manager = check_manager(manager)?;
    let force = ctx.query.flag("force");
    let dry_run = ctx.dry_run()?;
    if !config.is_object() {
        return Err(ApiError::bad_request("the apply patch must be an object"));
    }
    match meta_str(&config, "name") {
        Some(n) if n != ctx.name() => {
            return Err(ApiError::bad_request(format!(
                "the name of the object ({n}) does not match the name on the URL ({})",
                ctx.name()
            )));
        }
        _ => {}
    }
    if ctx.rt.namespaced
        && let Some(ns) = meta_str(&config, "namespace")
        && ns != ctx.namespace()
    {
        return Err(ApiError::bad_request(
            "the namespace of the provided object does not match the namespace sent on the request",
        ));
    }
    if config
        .get("kind")
        .and_then(Value::as_str)
        .is_some_and(|k| k != ctx.rt.kind)
    {
        return Err(ApiError::bad_request(format!(
            "the kind in the apply patch ({}) does not match the URL ({})",
            config["kind"].as_str().unwrap_or(""),
            ctx.rt.kind
        )));
    }
    let _guard = ctx.state.write_lock.lock().await;
    let key = ctx.key(ctx.name());
    let old = ctx.state.store.get(&key);
    if old.is_none() {
        if ctx.path.subresource.is_some() {
            return Err(ApiError::not_found(&ctx.rt, ctx.name()));
        }
        ctx.check_namespace(true)?;
        if let Some(msg) = objects::invalid_name(ctx.name()) {
            return Err(ApiError::invalid(
                &ctx.rt,
                ctx.name(),
                &[("metadata.name", "FieldValueInvalid", msg)],
            ));
        }
    }
    // The server supplies identity the applier may leave out.
    let meta = meta_mut(&mut config);
    meta.entry("name").or_insert_with(|| json!(ctx.name()));
    if ctx.rt.namespaced {
        meta.entry("namespace")
            .or_insert_with(|| json!(ctx.namespace()));
    }
    let now = objects::now();
    let api_version = ctx.rt.api_version();
    let sub = ctx.path.subresource.as_deref();
    let opts = ApplyOptions {
        manager: &manager,
        force,
        api_version: &api_version,
        subresource: sub,
        now: &now,
        validation,
    };
    let applied = ssa::apply(&ctx.rt.schema, old.as_ref(), &config, &opts)
        .map_err(|e| ApiError::from_ssa(&e, &ctx.rt, ctx.name()))?;
    if let Some(old) = &old
        && !applied.changed
    {
        return Ok(respond(200, &ctx.present(old.clone()), &applied.warnings));
    }
    let mut object = reset_status(&ctx.rt, old.as_ref(), applied.object, sub);
    check_type(&ctx.rt, &mut object)?;
    let (stored, persisted) =
        finish_write(&ctx.state, &ctx.rt, &key, old.as_ref(), object, dry_run)?;
    if persisted {
        ctx.state.count_write();
    }
    let code = if old.is_none() { 201 } else { 200 };
    Ok(respond(code, &ctx.present(stored), &applied.warnings))
}

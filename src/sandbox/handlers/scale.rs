//! The `/scale` subresource (autoscaling/v1 Scale) of Deployments, StatefulSets and
//! ReplicaSets: read and write `spec.replicas`, as `kubectl scale` and HPAs do.

use axum::response::Response;
use serde_json::{Value, json};

use super::write::finish_write;
use super::{Ctx, respond};
use crate::sandbox::objects;
use crate::sandbox::request::{content_type, parse_body};
use crate::sandbox::ssa::{self, UpdateOptions};
use crate::sandbox::status::ApiError;

/// `matchLabels` and `matchExpressions` as a selector string (`a=b,c in (d,e)`).
fn selector_string(selector: &Value) -> String {
    let mut parts: Vec<String> = selector["matchLabels"]
        .as_object()
        .map(|m| {
            m.iter()
                .map(|(k, v)| format!("{k}={}", v.as_str().unwrap_or("")))
                .collect()
        })
        .unwrap_or_default();
    for e in selector["matchExpressions"]
        .as_array()
        .into_iter()
        .flatten()
    {
        let key = e["key"].as_str().unwrap_or("");
        let values: Vec<&str> = e["values"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
            .collect();
        parts.push(match e["operator"].as_str().unwrap_or("") {
            "In" => format!("{key} in ({})", values.join(",")),
            "NotIn" => format!("{key} notin ({})", values.join(",")),
            "DoesNotExist" => format!("!{key}"),
            _ => key.to_string(),
        });
    }
    parts.join(",")
}

fn to_scale(object: &Value) -> Value {
    let meta = &object["metadata"];
    json!({
        "kind": "Scale", "apiVersion": "autoscaling/v1",
        "metadata": {"name": meta["name"], "namespace": meta["namespace"], "uid": meta["uid"],
            "resourceVersion": meta["resourceVersion"], "creationTimestamp": meta["creationTimestamp"]},
        "spec": {"replicas": object["spec"]["replicas"].as_i64().unwrap_or(1)},
        "status": {"replicas": object["status"]["replicas"].as_i64().unwrap_or(0),
            "selector": selector_string(&object["spec"]["selector"])},
    })
}

pub fn get(ctx: &Ctx) -> Result<Response, ApiError> {
    let object = ctx
        .state
        .store
        .get(&ctx.key(ctx.name()))
        .ok_or_else(|| ApiError::not_found(&ctx.rt, ctx.name()))?;
    Ok(respond(200, &to_scale(&object), &[]))
}

/// PUT of a Scale, or a merge / strategic / JSON patch of it.
pub async fn write(ctx: &Ctx, bytes: &[u8], is_patch: bool) -> Result<Response, ApiError> {
    let body = parse_body(bytes)?;
    let (dry_run, validation, manager) = (ctx.dry_run()?, ctx.validation()?, ctx.manager()?);
    let _guard = ctx.state.write_lock.lock().await;
    let key = ctx.key(ctx.name());
    let old = ctx
        .state
        .store
        .get(&key)
        .ok_or_else(|| ApiError::not_found(&ctx.rt, ctx.name()))?;
    let current = to_scale(&old);
    let scale = if !is_patch {
        body
    } else if content_type(&ctx.headers) == "application/json-patch+json" {
        let ops: json_patch::Patch = serde_json::from_value(body)
            .map_err(|e| ApiError::bad_request(format!("the JSON patch is not valid: {e}")))?;
        let mut doc = current.clone();
        json_patch::patch(&mut doc, &ops).map_err(|e| ApiError::bad_request(e.to_string()))?;
        doc
    } else {
        // Scale has no lists: a strategic merge patch is a merge patch.
        let mut doc = current.clone();
        json_patch::merge(&mut doc, &body);
        doc
    };
    match scale["metadata"]["resourceVersion"].as_str() {
        Some(rv) if !rv.is_empty() && Some(rv) != old["metadata"]["resourceVersion"].as_str() => {
            return Err(ApiError::stale(&ctx.rt, ctx.name()));
        }
        _ => {}
    }
    let replicas = scale["spec"]["replicas"].as_i64().unwrap_or(0);
    if replicas < 0 {
        return Err(ApiError::invalid(
            &ctx.rt,
            ctx.name(),
            &[(
                "spec.replicas",
                "FieldValueInvalid",
                format!("Invalid value: {replicas}: must be greater than or equal to 0"),
            )],
        ));
    }
    let mut candidate = old.clone();
    candidate["spec"]["replicas"] = json!(replicas);
    let now = objects::now();
    let api_version = ctx.rt.api_version();
    let opts = UpdateOptions {
        manager: &manager,
        api_version: &api_version,
        subresource: Some("scale"),
        now: &now,
        validation,
    };
    let applied = ssa::update(&ctx.rt.schema, Some(&old), candidate, &opts)
        .map_err(|e| ApiError::from_ssa(&e, &ctx.rt, ctx.name()))?;
    if !applied.changed {
        return Ok(respond(200, &current, &applied.warnings));
    }
    let (stored, persisted) = finish_write(
        &ctx.state,
        &ctx.rt,
        &key,
        Some(&old),
        applied.object,
        dry_run,
    )?;
    if persisted {
        ctx.state.count_write();
    }
    Ok(respond(200, &to_scale(&stored), &applied.warnings))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn selectors_render_like_the_server() {
        let s = json!({"matchLabels": {"app": "web"}, "matchExpressions": [{"key": "tier", "operator": "In", "values": ["a", "b"]}]});
        assert_eq!(selector_string(&s), "app=web,tier in (a,b)");
    }
}

//! GET of one object and LIST with label/field selectors and limit/continue paging.

use axum::response::Response;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::{Value, json};

use super::{Ctx, respond};
use crate::sandbox::request::Form;
use crate::sandbox::selector::{FieldSelector, LabelSelector};
use crate::sandbox::status::ApiError;
use crate::sandbox::table::table;

pub fn get(ctx: &Ctx) -> Result<Response, ApiError> {
    let object = ctx
        .state
        .store
        .get(&ctx.key(ctx.name()))
        .ok_or_else(|| ApiError::not_found(&ctx.rt, ctx.name()))?;
    Ok(respond(200, &ctx.present(object), &[]))
}

/// The selectors of a list or watch request.
pub fn selectors(ctx: &Ctx) -> Result<(LabelSelector, FieldSelector), ApiError> {
    let labels = LabelSelector::parse(ctx.query.get("labelSelector").unwrap_or(""))
        .map_err(|e| ApiError::bad_request(format!("unable to parse requirement: {e}")))?;
    let fields = FieldSelector::parse(ctx.query.get("fieldSelector").unwrap_or(""))
        .map_err(ApiError::bad_request)?;
    Ok((labels, fields))
}

/// Where a paged list resumes: the list's resourceVersion and the last key returned.
struct Continue {
    rv: u64,
    namespace: String,
    name: String,
}

fn encode_continue(c: &Continue) -> String {
    let raw = json!({"v": "converge.sandbox/v1", "rv": c.rv, "ns": c.namespace, "name": c.name});
    URL_SAFE_NO_PAD.encode(raw.to_string())
}

fn decode_continue(token: &str) -> Option<Continue> {
    let bytes = URL_SAFE_NO_PAD.decode(token.trim_end_matches('=')).ok()?;
    let v: Value = serde_json::from_slice(&bytes).ok()?;
    Some(Continue {
        rv: v["rv"].as_u64()?,
        namespace: v["ns"].as_str()?.to_string(),
        name: v["name"].as_str()?.to_string(),
    })
}

pub fn list(ctx: &Ctx) -> Result<Response, ApiError> {
    let (labels, fields) = selectors(ctx)?;
    let limit: Option<usize> = match ctx.query.get("limit") {
        None => None,
        Some(l) => match l.parse::<i64>() {
            Ok(n) if n > 0 => Some(n as usize),
            Ok(_) => None,
            Err(_) => {
                return Err(ApiError::bad_request(format!(
                    "limit: Invalid value: \"{l}\""
                )));
            }
        },
    };
    let resume = match ctx.query.get("continue") {
        None => None,
        Some(token) => {
            let c = decode_continue(token).ok_or_else(|| {
                ApiError::bad_request("continue key is not valid: incorrect encoded start resourceVersion (version meta.k8s.io/v1)")
            })?;
            if c.rv < ctx.state.store.compacted() {
                return Err(ApiError::expired(
                    "The provided continue parameter is too old to display a consistent list result. \
                     You can start a new list without the continue parameter."
                        .into(),
                ));
            }
            Some(c)
        }
    };
    let (objects, current_rv) = ctx.state.store.list(
        &ctx.rt.group,
        &ctx.rt.resource,
        ctx.path.namespace.as_deref(),
    );
    let list_rv = resume.as_ref().map(|c| c.rv).unwrap_or(current_rv);
    let mut matching = objects.into_iter().filter(|((_, _, ns, name), object)| {
        resume
            .as_ref()
            .is_none_or(|c| (ns.as_str(), name.as_str()) > (c.namespace.as_str(), c.name.as_str()))
            && labels.matches(object)
            && fields.matches(object)
    });
    let mut items = Vec::new();
    let mut last = None;
    for ((_, _, ns, name), object) in matching.by_ref() {
        if limit.is_some_and(|l| items.len() >= l) {
            // One more exists: this page ends at `last`.
            let remaining = 1 + matching.count();
            return Ok(page(
                ctx,
                items,
                list_rv,
                last.map(|(ns, name)| (ns, name, remaining)),
            ));
        }
        last = Some((ns, name));
        items.push(object);
    }
    Ok(page(ctx, items, list_rv, None))
}

fn page(ctx: &Ctx, items: Vec<Value>, rv: u64, more: Option<(String, String, usize)>) -> Response {
    let mut metadata = json!({"resourceVersion": rv.to_string()});
    if let Some((namespace, name, remaining)) = more {
        metadata["continue"] = json!(encode_continue(&Continue {
            rv,
            namespace,
            name
        }));
        if ctx.query.get("labelSelector").is_none() && ctx.query.get("fieldSelector").is_none() {
            metadata["remainingItemCount"] = json!(remaining);
        }
    }
    if ctx.form() == Form::Table {
        let mut table = table(&ctx.rt, &items, Some(rv.to_string()), ctx.include_object());
        table["metadata"] = metadata;
        return respond(200, &table, &[]);
    }
    let items: Vec<Value> = items.into_iter().map(|o| ctx.present(o)).collect();
    let (kind, api_version) = match ctx.form() {
        Form::Full | Form::Table => (format!("{}List", ctx.rt.kind), ctx.rt.api_version()),
        Form::Metadata => (
            "PartialObjectMetadataList".to_string(),
            "meta.k8s.io/v1".to_string(),
        ),
    };
    respond(
        200,
        &json!({"kind": kind, "apiVersion": api_version, "metadata": metadata, "items": items}),
        &[],
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn continue_round_trips() {
        let t = encode_continue(&Continue {
            rv: 7,
            namespace: "a".into(),
            name: "b".into(),
        });
        let c = decode_continue(&t).expect("decodes");
        assert_eq!((c.rv, c.namespace.as_str(), c.name.as_str()), (7, "a", "b"));
        assert!(decode_continue("not-a-token").is_none());
    }
}

//! Turning YAML text into resources, as kustomize's resource factory does: empty documents
//! dropped, `kind` and `metadata.name` required, `*List` objects expanded into their items,
//! null list entries refused.

use serde_json::{Map, Value};

use super::error::RenderError;
use super::resource::Resource;

/// Parses every resource in `text` (from `origin`, for messages).
pub fn resources_from_yaml(text: &str, origin: &str) -> Result<Vec<Resource>, RenderError> {
    let docs = crate::yaml::parse_documents(text).map_err(|e| RenderError::Yaml {
        path: origin.into(),
        message: e.to_string(),
    })?;
    resources_from_values(docs, origin)
}

/// Validates and expands parsed documents into resources.
pub fn resources_from_values(docs: Vec<Value>, origin: &str) -> Result<Vec<Resource>, RenderError> {
    let mut queue: std::collections::VecDeque<Value> = docs.into();
    let mut out = Vec::new();
    while let Some(doc) = queue.pop_front() {
        let obj = match doc {
            Value::Null => continue,
            Value::Object(map) if map.is_empty() => continue,
            Value::Object(map) => map,
            other => {
                return Err(invalid(
                    origin,
                    format!(
                        "expected a mapping (a Kubernetes object), found {}",
                        super::kustomization::kind_of(&other)
                    ),
                ));
            }
        };
        let kind = obj.get("kind").and_then(Value::as_str).unwrap_or("");
        if kind.is_empty() {
            return Err(invalid(
                origin,
                format!("missing kind in object {}", describe(&obj)),
            ));
        }
        if kind.ends_with("List") {
            match obj.get("items") {
                None => {}
                Some(Value::Null) => continue,
                Some(Value::Array(items)) => {
                    // kustomize skips null items of a List.
                    for item in items.iter().rev().filter(|item| !item.is_null()) {
                        queue.push_front(item.clone());
                    }
                    continue;
                }
                Some(_) => {
                    return Err(invalid(origin, format!("expected array in {kind}/items")));
                }
            }
        } else {
            let name = obj
                .get("metadata")
                .and_then(|m| m.get("name"))
                .and_then(Value::as_str)
                .unwrap_or("");
            if name.is_empty() {
                return Err(invalid(
                    origin,
                    format!("missing metadata.name in object {}", describe(&obj)),
                ));
            }
        }
        out.push(Resource::new(obj));
    }
    Ok(out)
}

fn invalid(origin: &str, message: String) -> RenderError {
    RenderError::InvalidResource {
        path: origin.to_string(),
        message,
    }
}

fn describe(obj: &Map<String, Value>) -> String {
    let kind = obj.get("kind").and_then(Value::as_str).unwrap_or("");
    let name = obj
        .get("metadata")
        .and_then(|m| m.get("name"))
        .and_then(Value::as_str)
        .unwrap_or("");
    format!("{{kind: {kind:?}, name: {name:?}}}")
}

//! JSON 6902 operations as kustomize applies them: through the Go json-patch v4 library,
//! which is laxer than RFC 6902 in two ways users rely on: `replace` of a missing member
//! of an existing object adds it, and `test` of a missing member against `null` passes.

use json_patch::{AddOperation, PatchOperation};
use serde_json::Value;

/// Applies `ops` to `doc` in order, with the library's semantics.
pub fn apply(doc: &mut Value, ops: &json_patch::Patch) -> Result<(), json_patch::PatchError> {
    for op in &ops.0 {
        let op = match op {
            PatchOperation::Replace(r) if missing_member(doc, r.path.as_str()) => {
                PatchOperation::Add(AddOperation {
                    path: r.path.clone(),
                    value: r.value.clone(),
                })
            }
            PatchOperation::Test(t)
                if t.value.is_null() && missing_member(doc, t.path.as_str()) =>
            {
                continue;
            }
            other => other.clone(),
        };
        json_patch::patch(doc, std::slice::from_ref(&op))?;
    }
    Ok(())
}

/// Whether an operation writes or removes the whole `metadata.annotations` map (or a parent
/// of it), where kustomize keeps its build-metadata records (origin, transformations).
pub fn rewrites_annotations(ops: &json_patch::Patch) -> bool {
    ops.0.iter().any(|op| {
        let written = match op {
            PatchOperation::Add(o) => Some(&o.path),
            PatchOperation::Remove(o) => Some(&o.path),
            PatchOperation::Replace(o) => Some(&o.path),
            PatchOperation::Move(o) => {
                if matches!(o.from.as_str(), "" | "/metadata" | "/metadata/annotations") {
                    return true;
                }
                Some(&o.path)
            }
            PatchOperation::Copy(o) => Some(&o.path),
            PatchOperation::Test(_) => None,
        };
        written.is_some_and(|p| matches!(p.as_str(), "" | "/metadata" | "/metadata/annotations"))
    })
}

/// Whether `pointer` names a member absent from an object that exists.
fn missing_member(doc: &Value, pointer: &str) -> bool {
    let Some((parent, last)) = pointer.rsplit_once('/') else {
        return false;
    };
    let key = last.replace("~1", "/").replace("~0", "~");
    matches!(doc.pointer(parent), Some(Value::Object(map)) if !map.contains_key(&key))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn ops(v: Value) -> json_patch::Patch {
        serde_json::from_value(v).unwrap_or_else(|e| panic!("test ops parse: {e}"))
    }

    #[test]
    fn replace_of_a_missing_member_adds_it() {
        let mut doc = json!({"spec": {}});
        let patch = ops(json!([
            {"op": "replace", "path": "/spec/replicas", "value": 3},
            {"op": "test", "path": "/spec/paused", "value": null},
        ]));
        apply(&mut doc, &patch).expect("applies");
        assert_eq!(doc, json!({"spec": {"replicas": 3}}));
    }

    #[test]
    fn a_missing_parent_or_index_still_fails() {
        let mut doc = json!({"spec": {"list": []}});
        for op in [
            json!([{"op": "replace", "path": "/status/x", "value": 1}]),
            json!([{"op": "replace", "path": "/spec/list/0", "value": 1}]),
            json!([{"op": "test", "path": "/spec/x", "value": 1}]),
        ] {
            assert!(apply(&mut doc, &ops(op)).is_err());
        }
    }
}

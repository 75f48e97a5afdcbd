//! Field-level differences between two (normalised, masked) objects, as paths a reviewer
//! can read: `spec.replicas`, `spec.template.spec.containers[name=api].image`,
//! `metadata.labels["app.kubernetes.io/name"]`.
//!
//! Lists whose items all carry a unique merge key (`name`, `containerPort`, ...) are
//! compared item by item under that key, so inserting a container reports one added item
//! rather than every later index changing; other lists are compared whole.

use serde::Serialize;
use serde_json::{Map, Value};

/// One changed field: absent `before` means added, absent `after` means removed.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FieldChange {
    pub path: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub before: Option<Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub after: Option<Value>,
}

/// Keys that identify list items, tried in order (the patch merge keys of the built-in
/// types, and `type` for conditions).
const LIST_KEYS: &[&str] = &[
    "name",
    "containerPort",
    "port",
    "mountPath",
    "devicePath",
    "ip",
    "topologyKey",
    "type",
];

/// Every leaf that differs between `before` and `after`, in document order.
pub fn field_changes(before: &Value, after: &Value) -> Vec<FieldChange> {
    let mut out = Vec::new();
    walk("", Some(before), Some(after), &mut out);
    out
}

fn walk(path: &str, before: Option<&Value>, after: Option<&Value>, out: &mut Vec<FieldChange>) {
    if before == after {
        return;
    }
    match (before, after) {
        (Some(Value::Object(b)), Some(Value::Object(a))) => objects(path, b, a, out),
        (Some(Value::Array(b)), Some(Value::Array(a))) => match list_key(b, a) {
            Some(key) => keyed_lists(path, key, b, a, out),
            None => out.push(leaf(path, before, after)),
        },
        _ => out.push(leaf(path, before, after)),
    }
}

fn leaf(path: &str, before: Option<&Value>, after: Option<&Value>) -> FieldChange {
    FieldChange {
        path: if path.is_empty() {
            ".".into()
        } else {
            path.to_string()
        },
        before: before.cloned(),
        after: after.cloned(),
    }
}

fn objects(path: &str, b: &Map<String, Value>, a: &Map<String, Value>, out: &mut Vec<FieldChange>) {
    let mut keys: Vec<&String> = b
        .keys()
        .chain(a.keys().filter(|k| !b.contains_key(*k)))
        .collect();
    keys.sort();
    for key in keys {
        walk(&child(path, key), b.get(key), a.get(key), out);
    }
}

fn keyed_lists(path: &str, key: &str, b: &[Value], a: &[Value], out: &mut Vec<FieldChange>) {
    let mut seen: Vec<&Value> = Vec::new();
    for item in b.iter().chain(a) {
        let k = &item[key];
        if seen.contains(&k) {
            continue;
        }
        seen.push(k);
        let label = match k {
            Value::String(s) => s.clone(),
            other => other.to_string(),
        };
        walk(
            &format!("{path}[{key}={label}]"),
            find(b, key, k),
            find(a, key, k),
            out,
        );
    }
}

fn find<'a>(list: &'a [Value], key: &str, value: &Value) -> Option<&'a Value> {
    list.iter().find(|item| &item[key] == value)
}

/// A key every item of both lists has, unique within each list.
fn list_key(b: &[Value], a: &[Value]) -> Option<&'static str> {
    if b.is_empty() && a.is_empty() {
        return None;
    }
    LIST_KEYS.iter().copied().find(|key| {
        [b, a].iter().all(|list| {
            let mut values: Vec<&Value> = Vec::with_capacity(list.len());
            list.iter().all(|item| match item.get(*key) {
                Some(v @ (Value::String(_) | Value::Number(_))) if !values.contains(&v) => {
                    values.push(v);
                    true
                }
                _ => false,
            })
        })
    })
}

fn child(path: &str, key: &str) -> String {
    let plain = !key.is_empty()
        && key
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
    match (path.is_empty(), plain) {
        (true, true) => key.to_string(),
        (false, true) => format!("{path}.{key}"),
        (_, false) => format!("{path}[{}]", Value::String(key.to_string())),
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn paths(changes: &[FieldChange]) -> Vec<&str> {
        changes.iter().map(|c| c.path.as_str()).collect()
    }

    #[test]
    fn replicas_and_image_are_two_fields() {
        let before = json!({"spec": {"replicas": 1, "template": {"spec": {"containers": [
            {"name": "api", "image": "api:1"}, {"name": "side", "image": "s:1"}]}}}});
        let after = json!({"spec": {"replicas": 3, "template": {"spec": {"containers": [
            {"name": "api", "image": "api:2"}, {"name": "side", "image": "s:1"}]}}}});
        let changes = field_changes(&before, &after);
        assert_eq!(
            paths(&changes),
            [
                "spec.replicas",
                "spec.template.spec.containers[name=api].image"
            ]
        );
        assert_eq!(changes[0].before, Some(json!(1)));
        assert_eq!(changes[0].after, Some(json!(3)));
    }

    #[test]
    fn added_items_removed_keys_and_odd_key_names() {
        let before = json!({"metadata": {"labels": {"app.kubernetes.io/name": "a", "x": "1"}},
            "ports": [{"containerPort": 80}], "args": ["a", "b"]});
        let after = json!({"metadata": {"labels": {"app.kubernetes.io/name": "b"}},
            "ports": [{"containerPort": 80}, {"containerPort": 443}], "args": ["a"]});
        let changes = field_changes(&before, &after);
        assert_eq!(
            paths(&changes),
            [
                "args",
                r#"metadata.labels["app.kubernetes.io/name"]"#,
                "metadata.labels.x",
                "ports[containerPort=443]"
            ]
        );
        assert_eq!(changes[2].after, None);
        assert_eq!(changes[3].before, None);
    }

    #[test]
    fn equal_values_have_no_changes() {
        let v = json!({"a": [1, 2], "b": {"c": null}});
        assert!(field_changes(&v, &v).is_empty());
    }
}

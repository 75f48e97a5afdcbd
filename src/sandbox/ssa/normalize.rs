//! What storing an object does to it. Built-in kinds go through Go structs: unknown fields are
//! dropped, `null`s and `omitempty` zero values vanish, non-pointer structs and non-omitempty
//! fields always appear (`resources: {}`, `creationTimestamp: null`), quantities are
//! canonicalized. Custom resources are pruned and defaulted from their structural schema.
//! Both report the unknown fields they drop, as `spec.foo` / `spec.items[0].bar`.

use std::fmt::Write as _;

use serde_json::{Map, Value};

use super::quantity;
use super::schema::{Emit, FieldDef, MapDef, TypeId, TypeTable};
use super::typed::{Facet, facet};

/// Go JSON round trip of a built-in object of type `ty`.
pub(crate) fn go_roundtrip(
    table: &TypeTable,
    ty: TypeId,
    v: &mut Value,
    unknown: &mut Vec<String>,
) {
    go_value(table, ty, v, &mut String::new(), unknown, false);
}

/// The zero value Go writes for an unset field, fully expanded.
pub(crate) fn zero_object(table: &TypeTable, ty: TypeId) -> Value {
    let mut v = Value::Object(Map::new());
    go_roundtrip(table, ty, &mut v, &mut Vec::new());
    v
}

fn is_quantity(table: &TypeTable, ty: TypeId) -> bool {
    table
        .atom(ty)
        .go_zero
        .as_ref()
        .is_some_and(|z| z.as_str() == Some("0"))
}

fn go_value(
    table: &TypeTable,
    ty: TypeId,
    v: &mut Value,
    path: &mut String,
    unknown: &mut Vec<String>,
    milli: bool,
) {
    if is_quantity(table, ty) {
        let text = match v {
            Value::String(s) => Some(s.clone()),
            Value::Number(n) => Some(n.to_string()),
            _ => None,
        };
        if let Some(c) = text.and_then(|t| quantity::canonical(&t, milli)) {
            *v = Value::String(c);
        }
        return;
    }
    let atom = table.atom(ty);
    match (facet(atom, Some(v)), v) {
        (Facet::Map(map), Value::Object(obj)) if !(map.fields.is_empty() && map.elem.is_none()) => {
            if map.fields.is_empty() {
                // A Go map: entries keep their (normalized) values.
                let elem = map.elem.unwrap_or(super::schema::types::DEDUCED);
                let milli = is_quantity(table, elem);
                for (k, item) in obj.iter_mut() {
                    let len = path.len();
                    push_field(path, k);
                    go_value(table, elem, item, path, unknown, milli);
                    path.truncate(len);
                }
                return;
            }
            go_struct(table, map, obj, path, unknown);
        }
        (Facet::List(list), Value::Array(items)) => {
            for (i, item) in items.iter_mut().enumerate() {
                let len = path.len();
                let _ = write!(path, "[{i}]");
                go_value(table, list.elem, item, path, unknown, false);
                path.truncate(len);
            }
        }
        _ => {}
    }
}

fn push_field(path: &mut String, k: &str) {
    if !path.is_empty() {
        path.push('.');
    }
    path.push_str(k);
}

/// Whether Go's `omitempty` drops this value of `field`.
fn omitted(table: &TypeTable, field: &FieldDef, v: &Value) -> bool {
    if field.emit != Emit::Omit {
        return false;
    }
    match v {
        Value::Null => true,
        Value::Array(a) => a.is_empty(),
        // Maps (not structs) are dropped when empty; pointer structs are kept.
        Value::Object(o) => {
            o.is_empty()
                && table
                    .atom(field.ty)
                    .map
                    .as_ref()
                    .is_some_and(|m| m.fields.is_empty() && m.elem.is_some())
        }
        _ if field.keep_zero || table.atom(field.ty).go_zero.is_some() => false,
        Value::String(s) => s.is_empty(),
        Value::Bool(b) => !b,
        Value::Number(n) => n.as_f64() == Some(0.0),
    }
}

fn go_struct(
    table: &TypeTable,
    map: &MapDef,
    obj: &mut Map<String, Value>,
    path: &mut String,
    unknown: &mut Vec<String>,
) {
    let mut drop: Vec<String> = Vec::new();
    for (k, v) in obj.iter_mut() {
        let len = path.len();
        push_field(path, k);
        match map.field(k) {
            Some(field) => {
                if !v.is_null() {
                    go_value(table, field.ty, v, path, unknown, false);
                }
                if omitted(table, field, v) {
                    drop.push(k.clone());
                }
            }
            None => match map.elem {
                Some(elem) => go_value(table, elem, v, path, unknown, false),
                None => {
                    unknown.push(path.clone());
                    drop.push(k.clone());
                }
            },
        }
        path.truncate(len);
    }
    for k in drop {
        obj.remove(&k);
    }
    for field in &map.fields {
        if matches!(field.emit, Emit::Omit) {
            continue;
        }
        if obj.get(&*field.name).is_some_and(|v| !v.is_null()) {
            continue;
        }
        match &field.emit {
            Emit::Null => {
                obj.insert(field.name.to_string(), Value::Null);
            }
            Emit::Zero(zero) => {
                let mut z = zero.clone();
                go_value(
                    table,
                    field.ty,
                    &mut z,
                    &mut String::new(),
                    &mut Vec::new(),
                    false,
                );
                obj.insert(field.name.to_string(), z);
            }
            Emit::Omit => {}
        }
    }
}

/// Structural pruning, null pruning and defaulting of a custom resource.
pub(crate) fn structural(table: &TypeTable, ty: TypeId, v: &mut Value, unknown: &mut Vec<String>) {
    let object_meta = table.names.get("ObjectMeta").copied();
    if let (Some(meta_ty), Some(meta)) = (object_meta, v.get_mut("metadata"))
        && meta.is_object()
    {
        let mut meta_unknown = Vec::new();
        go_roundtrip(table, meta_ty, meta, &mut meta_unknown);
        unknown.extend(meta_unknown.into_iter().map(|p| format!("metadata.{p}")));
    }
    structural_value(table, ty, v, &mut String::new(), unknown, true);
}

fn structural_value(
    table: &TypeTable,
    ty: TypeId,
    v: &mut Value,
    path: &mut String,
    unknown: &mut Vec<String>,
    root: bool,
) {
    let atom = table.atom(ty);
    match (facet(atom, Some(v)), v) {
        (Facet::Map(map), Value::Object(obj)) => {
            let keys: Vec<String> = obj.keys().cloned().collect();
            for k in keys {
                if root && k == "metadata" {
                    continue;
                }
                let len = path.len();
                push_field(path, &k);
                let child_ty = map.field(&k).map(|f| f.ty).or(map.elem);
                match (map.field(&k), child_ty) {
                    (Some(field), _)
                        if obj.get(&k).is_some_and(Value::is_null) && !field.nullable =>
                    {
                        match &field.default {
                            Some(d) => {
                                obj.insert(k.clone(), d.clone());
                            }
                            None => {
                                obj.remove(&k);
                            }
                        }
                    }
                    (_, Some(child)) => {
                        if let Some(item) = obj.get_mut(&k) {
                            structural_value(table, child, item, path, unknown, false);
                        }
                    }
                    (_, None) => {
                        unknown.push(path.clone());
                        obj.remove(&k);
                    }
                }
                path.truncate(len);
            }
            for field in &map.fields {
                if let Some(d) = &field.default
                    && !obj.contains_key(&*field.name)
                {
                    let mut d = d.clone();
                    let len = path.len();
                    push_field(path, &field.name);
                    structural_value(table, field.ty, &mut d, path, &mut Vec::new(), false);
                    path.truncate(len);
                    obj.insert(field.name.to_string(), d);
                }
            }
        }
        (Facet::List(list), Value::Array(items)) => {
            for (i, item) in items.iter_mut().enumerate() {
                let len = path.len();
                path.push_str(&format!("[{i}]"));
                structural_value(table, list.elem, item, path, unknown, false);
                path.truncate(len);
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sandbox::ssa::schema::Schema;
    use serde_json::json;

    #[test]
    fn deployment_round_trip_matches_stored_form() {
        let s = Schema::builtin("apps", "v1", "Deployment").expect("builtin");
        let mut d = json!({"apiVersion": "apps/v1", "kind": "Deployment",
            "metadata": {"name": "web", "labels": {}, "bogus": 1},
            "spec": {"paused": false, "replicas": 0, "template": {"spec": {"containers": [
                {"name": "nginx", "image": "nginx", "ports": [],
                 "resources": {"limits": {"cpu": 0.5, "memory": "1024Mi"}}}]}}}});
        let mut unknown = Vec::new();
        go_roundtrip(s.table(), s.root(), &mut d, &mut unknown);
        assert_eq!(unknown, vec!["metadata.bogus".to_string()]);
        assert_eq!(
            d,
            json!({"apiVersion": "apps/v1", "kind": "Deployment",
                "metadata": {"name": "web", "creationTimestamp": null},
                "spec": {"replicas": 0, "selector": null, "strategy": {},
                    "template": {"metadata": {"creationTimestamp": null}, "spec": {"containers": [
                        {"name": "nginx", "image": "nginx",
                         "resources": {"limits": {"cpu": "500m", "memory": "1Gi"}}}]}}},
                "status": {}})
        );
    }

    #[test]
    fn zero_object_of_a_kind() {
        let s = Schema::builtin("", "v1", "ConfigMap").expect("builtin");
        assert_eq!(
            zero_object(s.table(), s.root()),
            json!({"metadata": {"creationTimestamp": null}})
        );
    }

    #[test]
    fn custom_resources_are_pruned_and_defaulted() {
        let s = Schema::from_openapi_v3(&json!({"type": "object", "properties": {
            "spec": {"type": "object", "properties": {
                "size": {"type": "integer", "default": 3},
                "mode": {"type": "string"},
                "opt": {"type": "string", "nullable": true}}}}}))
        .expect("schema");
        let mut cr = json!({"apiVersion": "x/v1", "kind": "X", "metadata": {"name": "a"},
            "spec": {"mode": null, "opt": null, "junk": 1}});
        let mut unknown = Vec::new();
        structural(s.table(), s.root(), &mut cr, &mut unknown);
        assert_eq!(unknown, vec!["spec.junk".to_string()]);
        assert_eq!(cr["spec"], json!({"size": 3, "opt": null}));
    }
}

//! What kustomize does around the merge itself (`ResMap.ApplySmPatch` and
//! `Resource.ApplySmPatch`): the patch is normalised first, the target's
//! identity restored after.
//!
//! Before merging, kustomize rewrites a copy of the patch
//! (`CopyMergeMetaDataFieldsFrom`, `SetGvk`, `SetKind`): its labels and
//! annotations become string maps (`1` → `"1"`, `null` → `"null"`; an empty,
//! null or non-map `labels:` disappears, so it cannot delete the target's), its
//! name and namespace are re-set (an empty namespace is dropped), its apiVersion
//! becomes the target's. After merging, the target gets back its kind, name
//! (unless the patch options allow changing them) and namespace.

use serde_json::{Map, Value};

use super::SmpOptions;
use super::hash::FxIndexMap;
use super::node::{Arena, Kind, Node, NodeId, scalar_text};

/// Applies kustomize's rewrites to the patch (see the module docs).
pub(super) fn prepare_patch(arena: &mut Arena<'_>, patch: NodeId, target: &Value) {
    if arena.kind(patch) != Kind::Map {
        return;
    }
    let metadata = match arena.field(patch, "metadata") {
        Some(meta) if arena.kind(meta) == Kind::Map => meta,
        _ => {
            let meta = arena.alloc(Node::Map(Default::default()));
            arena.set_field(patch, "metadata", Some(meta));
            meta
        }
    };
    for field in ["labels", "annotations"] {
        let strings = string_map(arena, metadata, field);
        arena.clear_field(metadata, field);
        if strings.is_empty() {
            continue;
        }
        let mut fields = FxIndexMap::default();
        for (key, value) in strings {
            fields.insert(key, string_node(arena, value));
        }
        let map = arena.alloc(Node::Map(fields));
        arena.set_field(metadata, field, Some(map));
    }
    if present_scalar(arena, metadata, "name").is_none() {
        let empty = string_node(arena, String::new());
        arena.set_field(metadata, "name", Some(empty));
    }
    if present_scalar(arena, metadata, "namespace").is_none_or(|ns| arena.text(ns).is_empty()) {
        arena.clear_field(metadata, "namespace");
    }
    let kind = arena
        .field(patch, "kind")
        .map(|k| arena.text(k).into_owned())
        .unwrap_or_default();
    for (field, text) in [
        ("apiVersion", scalar_field_text(target, "apiVersion")),
        ("kind", kind),
    ] {
        let value = string_node(arena, text);
        arena.set_field(patch, field, Some(value));
    }
}

/// kyaml's `getMapFromMeta`: a map's entries as texts, sorted by key; nothing
/// for a missing, null, empty or non-map field.
fn string_map(arena: &Arena<'_>, metadata: NodeId, field: &str) -> Vec<(String, String)> {
    let Some(map) = arena.field(metadata, field) else {
        return Vec::new();
    };
    let mut entries: Vec<(String, String)> = arena
        .field_names(map)
        .map(|key| {
            let text = arena
                .field(map, key)
                .map(|v| arena.text(v).into_owned())
                .unwrap_or_default();
            (key.clone(), text)
        })
        .collect();
    entries.sort();
    entries
}

/// A scalar field that kyaml's getters would see (not null, not a collection).
fn present_scalar(arena: &Arena<'_>, map: NodeId, field: &str) -> Option<NodeId> {
    arena
        .field(map, field)
        .filter(|f| arena.kind(*f) == Kind::Scalar && !arena.is_null(*f))
}

fn string_node(arena: &mut Arena<'_>, text: String) -> NodeId {
    arena.alloc(Node::Scalar {
        value: Value::String(text),
        null_tag: false,
    })
}

/// The text kyaml's getters return for a top-level scalar field ("" if absent).
fn scalar_field_text(object: &Value, field: &str) -> String {
    match object.get(field) {
        Some(v @ (Value::String(_) | Value::Number(_) | Value::Bool(_) | Value::Null)) => {
            scalar_text(v).into_owned()
        }
        _ => String::new(),
    }
}

/// kyaml's `IsNilOrEmpty` on a result: such a resource leaves the build.
pub(super) fn is_nil_or_empty(value: &Value) -> bool {
    match value {
        Value::Object(map) => map.is_empty(),
        Value::Array(items) => items.is_empty(),
        Value::Null => true,
        _ => false,
    }
}

/// `Resource.ApplySmPatch`'s epilogue: the target keeps its kind, name and
/// namespace (a target without namespace loses one the patch added).
pub(super) fn restore_identity(result: &mut Value, target: &Value, options: SmpOptions) {
    let Value::Object(result) = result else {
        return;
    };
    let target_meta = target.get("metadata").and_then(Value::as_object);
    // kyaml reads these as text and treats null and empty values as absent.
    let meta_value = |field: &str| -> Option<Value> {
        target_meta?
            .get(field)
            .filter(|v| matches!(v, Value::String(_) | Value::Number(_) | Value::Bool(_)))
            .cloned()
    };
    if !options.allow_kind_change {
        let kind = match target.get("kind") {
            Some(v @ (Value::String(_) | Value::Number(_) | Value::Bool(_))) => v.clone(),
            _ => Value::String(String::new()),
        };
        result.insert("kind".to_string(), kind);
    }
    if !options.allow_name_change {
        let name = meta_value("name").unwrap_or_else(|| Value::String(String::new()));
        let metadata = result
            .entry("metadata")
            .or_insert_with(|| Value::Object(Map::new()));
        if !metadata.is_object() {
            *metadata = Value::Object(Map::new());
        }
        if let Value::Object(metadata) = metadata {
            metadata.insert("name".to_string(), name);
        }
    }
    let namespace = meta_value("namespace").filter(|ns| !scalar_text(ns).is_empty());
    match (namespace, result.get_mut("metadata")) {
        (Some(namespace), Some(Value::Object(metadata))) => {
            metadata.insert("namespace".to_string(), namespace);
        }
        (Some(namespace), _) => {
            let mut metadata = Map::new();
            metadata.insert("namespace".to_string(), namespace);
            result.insert("metadata".to_string(), Value::Object(metadata));
        }
        (None, Some(Value::Object(metadata))) => {
            metadata.remove("namespace");
        }
        (None, _) => {}
    }
}

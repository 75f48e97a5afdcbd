//! Conversion of a CRD version's `openAPIV3Schema` into a type table, following what the API
//! server's schema converter does for custom resources: objects with properties become structs,
//! `additionalProperties` maps, arrays atomic unless `x-kubernetes-list-type` says otherwise,
//! `x-kubernetes-preserve-unknown-fields` admits untyped extra keys, and `metadata` is always
//! the built-in `ObjectMeta`.

use serde_json::{Map, Value};

use super::super::SsaError;
use super::builtin;
use super::types::{
    Atom, BOOLEAN, DEDUCED, Emit, FieldDef, ListDef, ListRel, MapDef, NUMERIC, STRING, SmpField,
    TypeId, TypeTable, UNTYPED_ATOMIC, UNTYPED_SCALAR,
};

/// Builds the table and root type of a custom resource.
pub(super) fn build(schema: &Value) -> Result<(TypeTable, TypeId), SsaError> {
    let mut table = builtin::meta_table().unwrap_or_else(TypeTable::primitives);
    let root = convert(&mut table, schema, "")?;
    let object_meta = table.names.get("ObjectMeta").copied();
    let mut atom = table.atom(root).clone();
    let map = atom.map.get_or_insert_with(MapDef::default);
    for (name, ty) in [
        ("apiVersion", Some(STRING)),
        ("kind", Some(STRING)),
        ("metadata", object_meta),
    ] {
        let Some(ty) = ty else { continue };
        map.fields.retain(|f| &*f.name != name);
        map.fields.push(plain_field(name, ty));
    }
    map.reindex();
    atom.scalar = None;
    atom.list = None;
    let root = table.push(atom);
    Ok((table, root))
}

fn plain_field(name: &str, ty: TypeId) -> FieldDef {
    FieldDef {
        name: name.into(),
        ty,
        default: None,
        emit: Emit::Omit,
        keep_zero: true,
        nullable: false,
        smp: SmpField::default(),
    }
}

fn schema_error(path: &str, message: &str) -> SsaError {
    SsaError::Schema {
        path: if path.is_empty() {
            ".".into()
        } else {
            path.into()
        },
        message: message.into(),
    }
}

fn flag(node: &Map<String, Value>, key: &str) -> bool {
    node.get(key).and_then(Value::as_bool).unwrap_or(false)
}

fn convert(table: &mut TypeTable, schema: &Value, path: &str) -> Result<TypeId, SsaError> {
    let Value::Object(node) = schema else {
        return Err(schema_error(path, "schema must be an object"));
    };
    if flag(node, "x-kubernetes-int-or-string") {
        return Ok(UNTYPED_SCALAR);
    }
    let preserve = flag(node, "x-kubernetes-preserve-unknown-fields");
    let ty = node.get("type").and_then(Value::as_str).unwrap_or("");
    match ty {
        "string" => Ok(STRING),
        "integer" | "number" => Ok(NUMERIC),
        "boolean" => Ok(BOOLEAN),
        "array" => {
            let elem = match node.get("items") {
                Some(items) => convert(table, items, &format!("{path}.items"))?,
                None => UNTYPED_ATOMIC,
            };
            let rel = match node.get("x-kubernetes-list-type").and_then(Value::as_str) {
                Some("map") => {
                    let keys = node
                        .get("x-kubernetes-list-map-keys")
                        .and_then(Value::as_array)
                        .map(|ks| {
                            ks.iter()
                                .filter_map(Value::as_str)
                                .map(str::to_string)
                                .collect::<Vec<_>>()
                        })
                        .unwrap_or_default();
                    if keys.is_empty() {
                        return Err(schema_error(
                            path,
                            "x-kubernetes-list-type map needs x-kubernetes-list-map-keys",
                        ));
                    }
                    ListRel::Associative(keys)
                }
                Some("set") => ListRel::Associative(Vec::new()),
                _ => ListRel::Atomic,
            };
            Ok(table.push(Atom {
                list: Some(ListDef { elem, rel }),
                ..Atom::default()
            }))
        }
        "object" | "" => {
            let properties = node.get("properties").and_then(Value::as_object);
            let additional = node.get("additionalProperties");
            if properties.is_none() && additional.is_none() {
                // Upstream parses an object without properties as "arbitrary": anything goes.
                return Ok(DEDUCED);
            }
            let mut fields = Vec::new();
            if let Some(props) = properties {
                for (name, prop) in props {
                    let child = convert(table, prop, &format!("{path}.properties.{name}"))?;
                    let prop = prop.as_object();
                    fields.push(FieldDef {
                        name: name.as_str().into(),
                        ty: child,
                        default: prop.and_then(|p| p.get("default")).cloned(),
                        emit: Emit::Omit,
                        keep_zero: true,
                        nullable: prop.is_some_and(|p| flag(p, "nullable")),
                        smp: SmpField::default(),
                    });
                }
            }
            let mut elem = match additional {
                Some(Value::Object(_)) => Some(convert(
                    table,
                    additional.unwrap_or(&Value::Null),
                    &format!("{path}.additionalProperties"),
                )?),
                Some(Value::Bool(true)) => Some(DEDUCED),
                _ => None,
            };
            if preserve && elem.is_none() {
                elem = Some(DEDUCED);
            }
            let atomic =
                node.get("x-kubernetes-map-type").and_then(Value::as_str) == Some("atomic");
            let mut atom = Atom {
                map: Some(MapDef::new(fields, elem, atomic)),
                ..Atom::default()
            };
            if flag(node, "x-kubernetes-embedded-resource") {
                embed_object_meta(table, &mut atom);
            }
            Ok(table.push(atom))
        }
        other => Err(schema_error(path, &format!("unsupported type {other:?}"))),
    }
}

/// Embedded resources carry their own `apiVersion`, `kind` and `metadata`.
fn embed_object_meta(table: &TypeTable, atom: &mut Atom) {
    let Some(map) = atom.map.as_mut() else { return };
    let object_meta = table.names.get("ObjectMeta").copied().unwrap_or(DEDUCED);
    for (name, ty) in [
        ("apiVersion", STRING),
        ("kind", STRING),
        ("metadata", object_meta),
    ] {
        if map.field(name).is_none() {
            map.fields.push(plain_field(name, ty));
        }
    }
    map.reindex();
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn converts_list_types_maps_and_preserve_unknown() {
        let schema = json!({
            "type": "object",
            "properties": {
                "spec": {
                    "type": "object",
                    "properties": {
                        "ports": {
                            "type": "array",
                            "x-kubernetes-list-type": "map",
                            "x-kubernetes-list-map-keys": ["port", "protocol"],
                            "items": {"type": "object", "properties": {
                                "port": {"type": "integer"},
                                "protocol": {"type": "string", "default": "TCP"}
                            }}
                        },
                        "tags": {"type": "array", "x-kubernetes-list-type": "set",
                                 "items": {"type": "string"}},
                        "args": {"type": "array", "items": {"type": "string"}},
                        "labels": {"type": "object", "additionalProperties": {"type": "string"},
                                   "x-kubernetes-map-type": "atomic"},
                        "extra": {"type": "object", "x-kubernetes-preserve-unknown-fields": true},
                        "port": {"x-kubernetes-int-or-string": true}
                    }
                }
            }
        });
        let (table, root) = build(&schema).expect("converts");
        let root_map = table.atom(root).map.as_ref().expect("struct");
        assert!(root_map.field("metadata").is_some());
        assert!(root_map.field("apiVersion").is_some());
        let spec = table
            .atom(root_map.field("spec").expect("spec").ty)
            .map
            .clone()
            .expect("struct");
        let ports = table
            .atom(spec.field("ports").expect("ports").ty)
            .list
            .clone()
            .expect("list");
        assert_eq!(
            ports.rel,
            ListRel::Associative(vec!["port".into(), "protocol".into()])
        );
        let item = table.atom(ports.elem).map.clone().expect("struct");
        assert_eq!(
            item.field("protocol").expect("protocol").default,
            Some(json!("TCP"))
        );
        let tags = table
            .atom(spec.field("tags").expect("tags").ty)
            .list
            .clone()
            .expect("list");
        assert_eq!(tags.rel, ListRel::Associative(vec![]));
        let args = table
            .atom(spec.field("args").expect("args").ty)
            .list
            .clone()
            .expect("list");
        assert_eq!(args.rel, ListRel::Atomic);
        assert!(
            table
                .atom(spec.field("labels").expect("labels").ty)
                .map
                .as_ref()
                .expect("map")
                .atomic
        );
        assert_eq!(spec.field("extra").expect("extra").ty, DEDUCED);
        assert_eq!(spec.field("port").expect("port").ty, UNTYPED_SCALAR);
    }

    #[test]
    fn rejects_map_lists_without_keys() {
        let schema = json!({"type": "object", "properties": {"l": {
            "type": "array", "x-kubernetes-list-type": "map", "items": {"type": "object"}}}});
        assert!(matches!(build(&schema), Err(SsaError::Schema { .. })));
    }
}

//! `RemoveItems`: drops the fields of a set from a value (SMD `remove.go`). A map or list that
//! loses all its entries becomes `null`, as upstream leaves it.

use serde_json::{Map, Value};

use super::super::fieldpath::{PathElement, Set};
use super::super::schema::{ListRel, TypeId, TypeTable};
use super::{Facet, facet, key_type, list_item_pe};

/// `value` without the members of `set` (and their subtrees).
pub(crate) fn remove_items(table: &TypeTable, ty: TypeId, value: &Value, set: &Set) -> Value {
    if set.is_empty() {
        return value.clone();
    }
    match facet(table.atom(ty), Some(value)) {
        Facet::Scalar(_) | Facet::Invalid => value.clone(),
        Facet::List(list) => {
            let Value::Array(items) = value else {
                return value.clone();
            };
            if items.is_empty() || list.rel == ListRel::Atomic {
                return value.clone();
            }
            let mut out = Vec::with_capacity(items.len());
            for (i, item) in items.iter().enumerate() {
                let pe = match list_item_pe(table, list, i, item) {
                    Ok(pe) => pe,
                    Err(_) => {
                        out.push(item.clone());
                        continue;
                    }
                };
                if set.has_member(&pe) {
                    continue;
                }
                match set.child(&pe) {
                    Some(sub) if !sub.is_empty() => {
                        out.push(remove_items(table, list.elem, item, sub))
                    }
                    _ => out.push(item.clone()),
                }
            }
            if out.is_empty() {
                Value::Null
            } else {
                Value::Array(out)
            }
        }
        Facet::Map(map) => {
            let Value::Object(obj) = value else {
                return value.clone();
            };
            if obj.is_empty() || map.atomic {
                return value.clone();
            }
            let mut out = Map::new();
            for (k, v) in obj {
                let pe = PathElement::field(k);
                if set.has_member(&pe) {
                    continue;
                }
                match set.child(&pe) {
                    Some(sub) if !sub.is_empty() => {
                        out.insert(k.clone(), remove_items(table, key_type(map, k), v, sub));
                    }
                    _ => {
                        out.insert(k.clone(), v.clone());
                    }
                }
            }
            if out.is_empty() {
                Value::Null
            } else {
                Value::Object(out)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sandbox::ssa::schema::dsl;
    use serde_json::json;

    #[test]
    fn removes_members_and_nulls_emptied_maps() {
        let t = dsl::build(&["Obj: a b m:{s} items:[Item/name]\nItem: name v"]).expect("table");
        let root = t.names["Obj"];
        let v = json!({"a": "1", "b": "2", "m": {"k": "v"},
                       "items": [{"name": "x", "v": "1"}, {"name": "y", "v": "2"}]});
        let mut set = Set::new();
        set.insert(&[PathElement::field("a")]);
        set.insert(&[PathElement::field("m"), PathElement::field("k")]);
        set.insert(&[
            PathElement::field("items"),
            PathElement::key(vec![("name".into(), json!("x"))]),
        ]);
        set.insert(&[
            PathElement::field("items"),
            PathElement::key(vec![("name".into(), json!("y"))]),
            PathElement::field("v"),
        ]);
        assert_eq!(
            remove_items(&t, root, &v, &set),
            json!({"b": "2", "m": null, "items": [{"name": "y"}]})
        );
    }
}

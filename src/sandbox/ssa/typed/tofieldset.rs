//! `ToFieldSet`: the fields a value sets, as an applier would own them (SMD `tofieldset.go`).
//!
//! Scalars and atomic lists/maps are leaves; associative-list items and map entries that are not
//! struct fields are members in their own right (`"."`), struct fields only through their leaves.

use serde_json::Value;

use super::super::fieldpath::{PathElement, Set};
use super::super::schema::{ListRel, TypeId, TypeTable};
use super::{Facet, facet, key_type, list_item_pe};

/// The field set of `value` typed as `ty`.
pub(crate) fn to_field_set(table: &TypeTable, ty: TypeId, value: &Value) -> Set {
    let mut root = Set::new();
    match facet(table.atom(ty), Some(value)) {
        Facet::Map(map) if !map.atomic => {
            if let Value::Object(obj) = value {
                for (k, v) in obj {
                    let pe = field_pe(map, k);
                    visit(table, key_type(map, k), v, &mut root, &pe);
                    if map.field(k).is_none() {
                        root.insert_member(pe);
                    }
                }
            }
        }
        Facet::List(list) if list.rel != ListRel::Atomic => {
            if let Value::Array(items) = value {
                visit_items(table, list, items, &mut root);
            }
        }
        // The root itself is never tracked.
        _ => {}
    }
    root
}

/// Adds the paths of `value`, found at `pe` under `node`, to `node`.
fn visit(table: &TypeTable, ty: TypeId, value: &Value, node: &mut Set, pe: &PathElement) {
    match facet(table.atom(ty), Some(value)) {
        Facet::Scalar(_) => node.insert_member(pe.clone()),
        Facet::List(list) => {
            if list.rel == ListRel::Atomic {
                node.insert_member(pe.clone());
                return;
            }
            let Value::Array(items) = value else { return };
            let mut sub = Set::new();
            visit_items(table, list, items, &mut sub);
            attach(node, pe, sub);
        }
        Facet::Map(map) => {
            if map.atomic {
                node.insert_member(pe.clone());
                return;
            }
            let Value::Object(obj) = value else { return };
            let mut sub = Set::new();
            for (k, v) in obj {
                let child = field_pe(map, k);
                visit(table, key_type(map, k), v, &mut sub, &child);
                if map.field(k).is_none() {
                    sub.insert_member(child);
                }
            }
            attach(node, pe, sub);
        }
        Facet::Invalid => {}
    }
}

fn visit_items(
    table: &TypeTable,
    list: &super::super::schema::types::ListDef,
    items: &[Value],
    node: &mut Set,
) {
    for (i, item) in items.iter().enumerate() {
        // Items that cannot be addressed were rejected by validation; skip them here.
        let Ok(pe) = list_item_pe(table, list, i, item) else {
            continue;
        };
        visit(table, list.elem, item, node, &pe);
        node.insert_member(pe);
    }
}

/// The path element of key `k`, sharing the schema's copy of declared field names.
fn field_pe(map: &super::super::schema::MapDef, k: &str) -> PathElement {
    match map.field(k) {
        Some(f) => PathElement::Field(f.name.clone()),
        None => PathElement::field(k),
    }
}

/// Hangs `sub` under `pe`, merging with an existing subtree; empty subtrees are not kept.
fn attach(node: &mut Set, pe: &PathElement, sub: Set) {
    if sub.is_empty() {
        return;
    }
    let slot = node.child_mut(pe);
    if slot.is_empty() {
        *slot = sub;
    } else {
        *slot = slot.union(&sub);
    }
}

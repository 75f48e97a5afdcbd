//! `Merge`: the object an apply produces, live ⊕ config, config winning on leaves
//! (SMD `merge.go` with `ruleKeepRHS`). Associative lists merge item by item and keep live
//! items the config does not mention, in the order upstream chooses.

use std::collections::BTreeMap;

use serde_json::{Map, Value};

use super::super::fieldpath::PathElement;
use super::super::schema::types::ListDef;
use super::super::schema::{ListRel, TypeId, TypeTable};
use super::{Facet, facet, key_type, list_item_pe};

/// Merges `rhs` (the applied configuration) into `lhs` (the live object).
pub(crate) fn merge(table: &TypeTable, ty: TypeId, lhs: &Value, rhs: &Value) -> Value {
    merge_node(table, ty, Some(lhs), Some(rhs)).unwrap_or(Value::Null)
}

fn leaf(lhs: Option<&Value>, rhs: Option<&Value>) -> Option<Value> {
    rhs.or(lhs).cloned()
}

fn merge_node(
    table: &TypeTable,
    ty: TypeId,
    lhs: Option<&Value>,
    rhs: Option<&Value>,
) -> Option<Value> {
    let atom = table.atom(ty);
    // When the two sides deduce to different facets, upstream walks the left one only for
    // validation; the right one decides the result.
    match facet(atom, rhs) {
        Facet::Scalar(_) | Facet::Invalid => leaf(lhs, rhs),
        Facet::List(list) => {
            let l = lhs.and_then(Value::as_array);
            let r = rhs.and_then(Value::as_array);
            let empty = l.is_none_or(|v| v.is_empty()) && r.is_none_or(|v| v.is_empty());
            if list.rel == ListRel::Atomic || empty {
                return leaf(lhs, rhs);
            }
            merge_list(table, list, l.map(Vec::as_slice), r.map(Vec::as_slice))
        }
        Facet::Map(map) => {
            let l = lhs.and_then(Value::as_object);
            let r = rhs.and_then(Value::as_object);
            let empty = l.is_none_or(|m| m.is_empty()) && r.is_none_or(|m| m.is_empty());
            if map.atomic || empty {
                return leaf(lhs, rhs);
            }
            let mut out = Map::new();
            let keys = l.into_iter().flat_map(|m| m.keys()).chain(
                r.into_iter()
                    .flat_map(|m| m.keys().filter(|k| !l.is_some_and(|l| l.contains_key(*k)))),
            );
            let keys: Vec<&String> = keys.collect();
            for k in keys {
                let merged = merge_node(
                    table,
                    key_type(map, k),
                    l.and_then(|m| m.get(k)),
                    r.and_then(|m| m.get(k)),
                );
                if let Some(v) = merged {
                    out.insert(k.clone(), v);
                }
            }
            if out.is_empty() {
                None
            } else {
                Some(Value::Object(out))
            }
        }
    }
}

/// Items of a list with their path elements, first occurrence of each key only.
fn index<'v>(
    table: &TypeTable,
    list: &ListDef,
    items: &'v [Value],
) -> (Vec<PathElement>, BTreeMap<PathElement, &'v Value>) {
    let mut order = Vec::with_capacity(items.len());
    let mut seen = BTreeMap::new();
    for (i, item) in items.iter().enumerate() {
        let Ok(pe) = list_item_pe(table, list, i, item) else {
            continue;
        };
        if seen.contains_key(&pe) {
            continue;
        }
        seen.insert(pe.clone(), item);
        order.push(pe);
    }
    (order, seen)
}

/// SMD's list merge: walks both sides, keeping live order for live-only items and config order
/// for shared and new ones.
fn merge_list(
    table: &TypeTable,
    list: &ListDef,
    lhs: Option<&[Value]>,
    rhs: Option<&[Value]>,
) -> Option<Value> {
    let (rhs_order, observed_rhs) = index(table, list, rhs.unwrap_or(&[]));
    let (lhs_order, observed_lhs) = index(table, list, lhs.unwrap_or(&[]));
    let mut shared = rhs_order
        .iter()
        .filter(|pe| observed_lhs.contains_key(*pe))
        .collect::<Vec<_>>()
        .into_iter();
    let mut next_shared = shared.next();
    let mut out = Vec::with_capacity(lhs_order.len().max(rhs_order.len()));
    let push = |out: &mut Vec<Value>, key: &PathElement| {
        if let Some(v) = merge_node(
            table,
            list.elem,
            observed_lhs.get(key).copied(),
            observed_rhs.get(key).copied(),
        ) {
            out.push(v);
        }
    };
    let (l_len, r_len) = (lhs_order.len(), rhs_order.len());
    let (mut li, mut ri) = (0, 0);
    while li < l_len || ri < r_len {
        if li < l_len && ri < r_len {
            let pe = &lhs_order[li];
            if *pe == rhs_order[ri] {
                push(&mut out, pe);
                li += 1;
                ri += 1;
                next_shared = shared.next();
                continue;
            }
            if observed_rhs.contains_key(pe) && next_shared.is_some_and(|n| n != pe) {
                // A shared item, but not the one due in this round.
                li += 1;
                continue;
            }
        }
        if li < l_len {
            let key = &lhs_order[li];
            if !observed_rhs.contains_key(key) {
                push(&mut out, key);
                li += 1;
                continue;
            }
        }
        if ri < r_len {
            let key = &rhs_order[ri];
            push(&mut out, key);
            ri += 1;
            if next_shared == Some(key) {
                next_shared = shared.next();
            }
        } else {
            // Only reachable with inconsistent input; never loop forever.
            li += 1;
        }
    }
    if out.is_empty() {
        None
    } else {
        Some(Value::Array(out))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sandbox::ssa::schema::dsl;
    use serde_json::json;

    fn table() -> TypeTable {
        dsl::build(&["Obj: items:[Item/name] tags:[s]set args:[s] m:{s} sel:{s}a\nItem: name v"])
            .expect("table")
    }

    #[test]
    fn merges_keyed_items_and_keeps_live_only_ones() {
        let t = table();
        let root = t.names["Obj"];
        let live = json!({"items": [{"name": "a", "v": "1"}, {"name": "b", "v": "2"}],
                          "args": ["x"], "m": {"k": "1"}, "sel": {"a": "1"}});
        let config = json!({"items": [{"name": "b", "v": "3"}, {"name": "c"}],
                            "args": ["y"], "m": {"j": "2"}, "sel": {"b": "2"}});
        let merged = merge(&t, root, &live, &config);
        assert_eq!(
            merged,
            json!({"items": [{"name": "a", "v": "1"}, {"name": "b", "v": "3"}, {"name": "c"}],
                   "args": ["y"], "m": {"j": "2", "k": "1"}, "sel": {"b": "2"}})
        );
    }

    #[test]
    fn shared_items_follow_config_order() {
        let t = table();
        let root = t.names["Obj"];
        let live = json!({"tags": ["a", "b", "c"]});
        let config = json!({"tags": ["c", "a"]});
        assert_eq!(
            merge(&t, root, &live, &config),
            json!({"tags": ["b", "c", "a"]})
        );
    }
}

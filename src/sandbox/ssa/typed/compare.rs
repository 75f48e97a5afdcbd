//! `Compare`: which fields a change removed, modified or added (SMD `compare.go`).
//! Non-leaf nodes that appear or disappear are reported themselves as well as their leaves.

use std::collections::BTreeMap;

use serde_json::Value;

use super::super::fieldpath::{PathElement, Set};
use super::super::schema::types::ListDef;
use super::super::schema::{ListRel, TypeId, TypeTable};
use super::super::value::equals;
use super::{Facet, facet, key_type, list_item_pe};

/// The result of comparing two versions of an object.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct Comparison {
    pub(crate) removed: Set,
    pub(crate) modified: Set,
    pub(crate) added: Set,
}

impl Comparison {
    /// Drops `fields` and everything under them from all three sets (SMD `ExcludeFields`).
    pub(crate) fn exclude(&mut self, fields: &Set) {
        if fields.is_empty() {
            return;
        }
        self.removed = self.removed.recursive_difference(fields);
        self.modified = self.modified.recursive_difference(fields);
        self.added = self.added.recursive_difference(fields);
    }
}

/// Compares `lhs` (before) with `rhs` (after), both typed as `ty`.
pub(crate) fn compare(table: &TypeTable, ty: TypeId, lhs: &Value, rhs: &Value) -> Comparison {
    let mut w = Walker {
        table,
        path: Vec::new(),
        out: Comparison::default(),
    };
    w.node(ty, Some(lhs), Some(rhs));
    w.out
}

/// A path step; field names stay borrowed until a path is actually recorded.
enum Step<'v> {
    Field(&'v str),
    Item(PathElement),
}

struct Walker<'t, 'v> {
    table: &'t TypeTable,
    path: Vec<Step<'v>>,
    out: Comparison,
}

enum Which {
    Added,
    Removed,
    Modified,
}

impl<'v> Walker<'_, 'v> {
    fn record(&mut self, which: Which) {
        let path: Vec<PathElement> = self
            .path
            .iter()
            .map(|s| match s {
                Step::Field(f) => PathElement::field(f),
                Step::Item(pe) => pe.clone(),
            })
            .collect();
        match which {
            Which::Added => self.out.added.insert(&path),
            Which::Removed => self.out.removed.insert(&path),
            Which::Modified => self.out.modified.insert(&path),
        }
    }

    fn node(&mut self, ty: TypeId, lhs: Option<&'v Value>, rhs: Option<&'v Value>) {
        let atom = self.table.atom(ty);
        let al = facet(atom, lhs);
        let ar = facet(atom, rhs);
        let in_leaf = if rhs.is_none() {
            self.handle(al, lhs, rhs)
        } else if lhs.is_none() || al.same(&ar) {
            self.handle(ar, lhs, rhs)
        } else {
            // Upstream walks both facets, recording into the same comparison.
            self.handle(al, lhs, rhs);
            self.handle(ar, lhs, rhs)
        };
        if !in_leaf {
            if lhs.is_none() {
                self.record(Which::Added);
            } else if rhs.is_none() {
                self.record(Which::Removed);
            }
        }
    }

    /// Returns whether the node was treated as a leaf.
    fn handle(&mut self, f: Facet<'_>, lhs: Option<&'v Value>, rhs: Option<&'v Value>) -> bool {
        match f {
            Facet::Scalar(_) => {
                self.leaf(lhs, rhs);
                true
            }
            Facet::Invalid => false,
            Facet::List(list) => {
                let l = lhs.and_then(Value::as_array);
                let r = rhs.and_then(Value::as_array);
                let empty = l.is_none_or(|v| v.is_empty()) && r.is_none_or(|v| v.is_empty());
                if list.rel == ListRel::Atomic || empty {
                    self.leaf(lhs, rhs);
                    return true;
                }
                self.list_items(
                    list,
                    l.map(Vec::as_slice).unwrap_or(&[]),
                    r.map(Vec::as_slice).unwrap_or(&[]),
                );
                false
            }
            Facet::Map(map) => {
                let l = lhs.and_then(Value::as_object);
                let r = rhs.and_then(Value::as_object);
                let empty = l.is_none_or(|m| m.is_empty()) && r.is_none_or(|m| m.is_empty());
                if map.atomic || empty {
                    self.leaf(lhs, rhs);
                    return true;
                }
                let mut keys: Vec<&'v String> = l.into_iter().flat_map(|m| m.keys()).collect();
                if let Some(r) = r {
                    keys.extend(r.keys().filter(|k| !l.is_some_and(|l| l.contains_key(*k))));
                }
                for k in keys {
                    self.path.push(Step::Field(k));
                    self.node(
                        key_type(map, k),
                        l.and_then(|m| m.get(k)),
                        r.and_then(|m| m.get(k)),
                    );
                    self.path.pop();
                }
                false
            }
        }
    }

    fn leaf(&mut self, lhs: Option<&Value>, rhs: Option<&Value>) {
        match (lhs, rhs) {
            (None, _) => self.record(Which::Added),
            (_, None) => self.record(Which::Removed),
            (Some(l), Some(r)) if !equals(l, r) => self.record(Which::Modified),
            _ => {}
        }
    }

    fn list_items(&mut self, list: &ListDef, lhs: &'v [Value], rhs: &'v [Value]) {
        // Items grouped by key, in first-seen order; duplicates are kept together.
        type Group<'v> = (PathElement, Vec<&'v Value>, Vec<&'v Value>);
        let mut groups: Vec<Group<'v>> = Vec::new();
        let mut index: BTreeMap<PathElement, usize> = BTreeMap::new();
        for (side, items) in [(0, lhs), (1, rhs)] {
            for (i, item) in items.iter().enumerate() {
                let Ok(pe) = list_item_pe(self.table, list, i, item) else {
                    continue;
                };
                let at = match index.get(&pe) {
                    Some(at) => *at,
                    None => {
                        index.insert(pe.clone(), groups.len());
                        groups.push((pe, Vec::new(), Vec::new()));
                        groups.len() - 1
                    }
                };
                if side == 0 {
                    groups[at].1.push(item);
                } else {
                    groups[at].2.push(item);
                }
            }
        }
        for (pe, l, r) in groups {
            self.path.push(Step::Item(pe));
            match (l.len(), r.len()) {
                (0, 0) => {}
                (a, b) if a <= 1 && b <= 1 => {
                    self.node(list.elem, l.first().copied(), r.first().copied())
                }
                (a, b) if a >= 2 && b >= 2 => {
                    let same = a == b && l.iter().zip(r.iter()).all(|(x, y)| equals(x, y));
                    if !same {
                        self.record(Which::Modified);
                    }
                }
                (a, _) if a >= 2 => {
                    if let Some(first) = r.first() {
                        self.node(list.elem, None, Some(first));
                    }
                    self.record(Which::Removed);
                }
                _ => {
                    if let Some(first) = l.first() {
                        self.node(list.elem, Some(first), None);
                    }
                    self.record(Which::Added);
                }
            }
            self.path.pop();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sandbox::ssa::fieldpath::path_string;
    use crate::sandbox::ssa::schema::dsl;
    use serde_json::json;

    fn paths(s: &Set) -> Vec<String> {
        let mut v = Vec::new();
        s.iterate(&mut |p| v.push(path_string(p)));
        v
    }

    #[test]
    fn reports_added_modified_removed() {
        let t = dsl::build(&["Obj: a b m:{s} items:[Item/name]\nItem: name v"]).expect("table");
        let root = t.names["Obj"];
        let before = json!({"a": "1", "b": "2", "items": [{"name": "x", "v": "1"}]});
        let after = json!({"a": "1", "b": "3", "m": {"k": "v"},
                           "items": [{"name": "x", "v": "1"}, {"name": "y"}]});
        let c = compare(&t, root, &before, &after);
        assert_eq!(paths(&c.modified), vec![".b"]);
        assert_eq!(
            paths(&c.added),
            vec![
                ".m",
                r#".items[name="y"]"#,
                r#".items[name="y"].name"#,
                ".m.k"
            ]
        );
        assert!(c.removed.is_empty());
        let back = compare(&t, root, &after, &before);
        assert_eq!(back.removed, c.added);
    }
}

//! Lists with a merge key: kyaml's `walkAssociativeSequence`.
//!
//! kustomize merges with "prepend" list growth: the patch's elements come first
//! (in the patch's order), then the target's elements the patch does not
//! mention. A list of primitives with the merge strategy (`finalizers`) merges
//! by value the same way. Lists keyed by several fields (`ports` by
//! `containerPort` and `protocol`) first unify key tuples that differ only by an
//! empty value, and re-append the target's elements after the patch's new ones.
//!
//! A list-level directive is an element holding only `$patch` (`- $patch:
//! replace`); kyaml honours it only where the target has the list, and drops
//! every element carrying the same directive. The upstream algorithm has more
//! sharp edges that decide real outputs, all kept: a `$patch: replace` element
//! is undone by the target's element; an element without the key deletes every
//! keyed element of the target; a target element without the key wipes the
//! merged list; duplicate keys collapse to the last one. The general path is quadratic like upstream; `fast.rs` covers
//! the common case (one key, every element keyed and unique) in linear time.

use std::collections::HashSet;

use super::error::MergeError;
use super::node::{Kind, Node, NodeId};
use super::schema::SchemaId;
use super::walk::{Directive, Sources, Walker};

impl Walker<'_, '_> {
    /// kyaml's `walkAssociativeSequence`, for a list whose schema has a merge strategy.
    pub(super) fn walk_associative(
        &mut self,
        sources: Sources,
        schema: SchemaId,
    ) -> Result<Option<NodeId>, MergeError> {
        // The patch's elements are read for a list directive first.
        if let Some(origin) = sources[1] {
            self.materialize_elements(origin);
        }
        // `VisitList`: add the patch's list (as it is), clear on null, else
        // follow the patch list's directive (see `Walker::directive`).
        let [dest, origin] = sources;
        let dest = if self.arena.missing_or_null(dest) {
            origin
        } else if origin.is_some_and(|o| self.arena.is_null(o)) {
            None
        } else {
            match self.directive(origin) {
                (_, Some(err)) => return Err(err),
                (Directive::Delete, _) => None,
                (Directive::Replace, _) => origin,
                _ => dest,
            }
        };
        let Some(dest) = dest else {
            return Ok(None);
        };
        let sources = [Some(dest), origin];
        let keys: Vec<String> = self.schemas.strategy_and_keys(schema).1.to_vec();
        let element_schema = self.schemas.elements(schema);
        if let Some(merged) = self.merge_fast(sources, &keys, element_schema)? {
            return Ok(Some(merged));
        }
        // The general algorithm looks into every element by key.
        self.materialize_elements(dest);
        let values = self.element_values(&sources, &keys);
        if !values.is_empty() || !keys.is_empty() {
            self.set_elements(sources, values, &keys, element_schema)
        } else {
            let values = self.primitive_values(&sources);
            self.set_elements(sources, values, &[String::new()], element_schema)
        }
    }

    fn materialize_elements(&mut self, list: NodeId) {
        for elem in self.arena.elements(list).to_vec() {
            self.arena.materialize(elem);
        }
    }

    /// The sources in the order new elements are collected: patch first.
    pub(super) fn prepend_order(sources: &Sources) -> [Option<NodeId>; 2] {
        [sources[1], sources[0]]
    }

    /// `elementValues`: the distinct key-value tuples of all elements, patch
    /// first. A missing, null or empty key field counts as "".
    fn element_values(&self, sources: &Sources, keys: &[String]) -> Vec<Vec<String>> {
        let mut seen = HashSet::new();
        let mut out = Vec::new();
        if keys.is_empty() {
            return out;
        }
        for list in Self::prepend_order(sources).into_iter().flatten() {
            for elem in self.arena.elements(list) {
                let values: Vec<String> = keys
                    .iter()
                    .map(|key| match self.arena.field(*elem, key) {
                        Some(f) if !self.arena.nil_or_empty(f) => self.arena.text(f).into_owned(),
                        _ => String::new(),
                    })
                    .collect();
                if seen.insert(values.clone()) {
                    out.push(values);
                }
            }
        }
        out
    }

    /// `elementPrimitiveValues`: the distinct element texts, patch first.
    fn primitive_values(&self, sources: &Sources) -> Vec<Vec<String>> {
        let mut seen = HashSet::new();
        let mut out = Vec::new();
        for list in Self::prepend_order(sources).into_iter().flatten() {
            for elem in self.arena.elements(list) {
                let text = self.arena.text(*elem).into_owned();
                if seen.insert(text.clone()) {
                    out.push(vec![text]);
                }
            }
        }
        out
    }

    /// `setAssociativeSequenceElements`.
    fn set_elements(
        &mut self,
        sources: Sources,
        mut values_list: Vec<Vec<String>>,
        keys: &[String],
        element_schema: Option<SchemaId>,
    ) -> Result<Option<NodeId>, MergeError> {
        let Some(dest) = sources[0] else {
            return Ok(None);
        };
        let items = self.arena.alloc(Node::Seq(Vec::new()));
        if keys.len() > 1 {
            merge_values(&mut values_list);
        }
        let valid_set = valid_key_set(&values_list, keys);
        let mut valid_keys = keys.to_vec();
        for values in &values_list {
            if values.is_empty() {
                continue;
            }
            let valid_values;
            (valid_keys, valid_values) = validate_keys(&valid_set, values, keys);
            // `elementValueList` narrows further, to this tuple's non-empty keys.
            let own_set = valid_key_set(std::slice::from_ref(&valid_values), &valid_keys);
            let (own_keys, own_values) = validate_keys(&own_set, &valid_values, &valid_keys);
            let element_sources = [
                self.find_element(sources[0], &own_keys, &own_values),
                self.find_element(sources[1], &own_keys, &own_values),
            ];
            self.path.push(selector(&own_keys, &own_values));
            let val = self.walk(element_sources, element_schema)?;
            self.path.pop();
            let mut deleted = false;
            for (key, value) in valid_keys.iter().zip(&valid_values) {
                if self.arena.empty_map(val) {
                    // A deleted (or emptied) element goes from the target's list too.
                    self.set_element(dest, &valid_keys, &valid_values, None)?;
                    deleted = true;
                } else if let Some(val) = val
                    && self.arena.kind(val) == Kind::Map
                    && self.arena.field(val, key).is_none()
                    && !value.is_empty()
                {
                    let scalar = self.arena.plain_scalar(value);
                    self.arena.set_field(val, key, Some(scalar));
                }
            }
            if deleted {
                continue;
            }
            self.set_element(items, &valid_keys, &valid_values, val)?;
        }
        if values_list.is_empty() {
            return Ok(Some(dest));
        }
        // Prepend: the target's (merged) elements are set into the new items.
        self.append_list(items, dest, &valid_keys)?;
        Ok(Some(items))
    }
}

/// Keys that have a non-empty value in some tuple (`validateKeys`'s set).
fn valid_key_set(values_list: &[Vec<String>], keys: &[String]) -> Vec<bool> {
    let mut set = vec![false; keys.len()];
    for values in values_list {
        for (i, v) in values.iter().enumerate() {
            if !v.is_empty()
                && let Some(slot) = set.get_mut(i)
            {
                *slot = true;
            }
        }
    }
    set
}

/// `validateKeys`: drop the keys no tuple has a value for (all of them kept
/// when no tuple has any value).
fn validate_keys(set: &[bool], values: &[String], keys: &[String]) -> (Vec<String>, Vec<String>) {
    if !set.iter().any(|s| *s) {
        return (keys.to_vec(), values.to_vec());
    }
    let keep = |i: usize| set.get(i).copied().unwrap_or(false);
    let valid_keys = keys
        .iter()
        .enumerate()
        .filter(|(i, _)| keep(*i))
        .map(|(_, k)| k.clone())
        .collect();
    let valid_values = values
        .iter()
        .enumerate()
        .filter(|(i, v)| !v.is_empty() || keep(*i))
        .map(|(_, v)| v.clone())
        .collect();
    (valid_keys, valid_values)
}

/// `mergeValues`: tuples that agree wherever both have a value (and share one)
/// become one tuple, e.g. a port with and without `protocol`.
fn merge_values(values_list: &mut [Vec<String>]) {
    for i in 0..values_list.len() {
        // kyaml compares against the tuple as it was when its turn came.
        let first = values_list[i].clone();
        for j in 0..values_list.len() {
            if let Some(merged) = match_values(&first, &values_list[j]) {
                values_list[i] = merged.clone();
                values_list[j] = merged;
            }
        }
    }
}

fn match_values(a: &[String], b: &[String]) -> Option<Vec<String>> {
    if a.len() != b.len() {
        return None;
    }
    let mut common = false;
    let mut merged = Vec::with_capacity(a.len());
    for (x, y) in a.iter().zip(b) {
        if x == y {
            common = true;
            merged.push(x.clone());
        } else if !x.is_empty() && !y.is_empty() {
            return None;
        } else if x.is_empty() {
            merged.push(y.clone());
        } else {
            merged.push(x.clone());
        }
    }
    common.then_some(merged)
}

/// `[key=value,...]` for error paths.
fn selector(keys: &[String], values: &[String]) -> String {
    let parts: Vec<String> = keys
        .iter()
        .zip(values)
        .map(|(k, v)| format!("{k}={v}"))
        .collect();
    format!("[{}]", parts.join(","))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn strings(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn merge_values_unifies_missing_protocol() {
        let mut list = vec![
            strings(&["80", "TCP"]),
            strings(&["80", ""]),
            strings(&["81", ""]),
        ];
        merge_values(&mut list);
        assert_eq!(
            list,
            vec![
                strings(&["80", "TCP"]),
                strings(&["80", "TCP"]),
                strings(&["81", ""])
            ]
        );
    }

    #[test]
    fn validate_keys_drops_keys_nobody_has() {
        let keys = strings(&["containerPort", "protocol"]);
        let list = vec![strings(&["80", ""]), strings(&["81", ""])];
        let set = valid_key_set(&list, &keys);
        assert_eq!(
            validate_keys(&set, &list[0], &keys),
            (strings(&["containerPort"]), strings(&["80"]))
        );
        let none = valid_key_set(&[strings(&["", ""])], &keys);
        assert_eq!(
            validate_keys(&none, &strings(&["", ""]), &keys),
            (keys.clone(), strings(&["", ""]))
        );
    }
}

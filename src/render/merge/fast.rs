//! Linear-time merge of the common keyed list: one merge key, and in both the
//! target's and the patch's list every element a map with a unique, non-empty
//! scalar key. Under those conditions kyaml's quadratic algorithm (`assoc.rs`)
//! reduces to: merge the elements pairwise by key; order the result as the
//! patch's keys followed by the target's remaining keys; drop deleted elements;
//! and let every surviving target element take its key's place (which is how a
//! `$patch: replace` element is undone). The unit tests check this against the
//! general path on random lists.

use std::collections::{HashMap, HashSet};

use super::error::MergeError;
use super::node::{Kind, Node, NodeId};
use super::schema::SchemaId;
use super::walk::{Sources, Walker};

/// A list's elements with their key texts, in order and indexed.
type Keyed = (Vec<(String, NodeId)>, HashMap<String, NodeId>);

/// A list's elements by key text, or `None` when the list does not qualify.
fn index_by_key(walker: &Walker<'_, '_>, list: NodeId, key: &str) -> Option<Keyed> {
    let elements = walker.arena.elements(list);
    let mut ordered = Vec::with_capacity(elements.len());
    let mut index = HashMap::with_capacity(elements.len());
    for elem in elements {
        if walker.arena.kind(*elem) != Kind::Map {
            return None;
        }
        // Target elements may still be lazy: only those the patch reaches are
        // looked into, by the element walk.
        let text = walker.arena.key_text(*elem, key)?.into_owned();
        if text.is_empty() || index.insert(text.clone(), *elem).is_some() {
            return None;
        }
        ordered.push((text, *elem));
    }
    Some((ordered, index))
}

impl Walker<'_, '_> {
    /// Merges the list in linear time when it qualifies (see the module docs);
    /// `Ok(None)` leaves it to the general algorithm.
    pub(super) fn merge_fast(
        &mut self,
        [dest, origin]: Sources,
        keys: &[String],
        element_schema: Option<SchemaId>,
    ) -> Result<Option<NodeId>, MergeError> {
        if !self.fast_lists {
            return Ok(None);
        }
        let ([key], Some(dest)) = (keys, dest) else {
            return Ok(None);
        };
        if key.is_empty() || self.arena.kind(dest) != Kind::Seq || origin == Some(dest) {
            return Ok(None);
        }
        let Some((dest_order, dest_index)) = index_by_key(self, dest, key) else {
            return Ok(None);
        };
        let (origin_order, origin_index) = match origin {
            None => (Vec::new(), HashMap::new()),
            Some(origin) if self.arena.kind(origin) != Kind::Seq => return Ok(None),
            Some(origin) => match index_by_key(self, origin, key) {
                Some(found) => found,
                None => return Ok(None),
            },
        };
        let dest_ids: HashSet<NodeId> = dest_index.values().copied().collect();
        if origin_index.values().any(|id| dest_ids.contains(id)) {
            return Ok(None);
        }

        let mut pairs: Vec<(&str, Option<NodeId>, Option<NodeId>)> = Vec::new();
        for (text, elem) in &origin_order {
            pairs.push((text, dest_index.get(text).copied(), Some(*elem)));
        }
        for (text, elem) in &dest_order {
            if !origin_index.contains_key(text) {
                pairs.push((text, Some(*elem), None));
            }
        }

        let mut items: Vec<NodeId> = Vec::with_capacity(pairs.len());
        let mut position: HashMap<&str, usize> = HashMap::with_capacity(pairs.len());
        let mut deleted: HashSet<&str> = HashSet::new();
        for (text, dest_elem, origin_elem) in pairs {
            let val = match (dest_elem, origin_elem) {
                // Most elements of a long list are not in the patch.
                (Some(dest), None) if self.arena.is_lazy(dest) => {
                    self.normalize_element(dest, element_schema, Some((key, text)))?
                }
                _ => {
                    self.path.push(format!("[{key}={text}]"));
                    let val = self.walk([dest_elem, origin_elem], element_schema)?;
                    self.path.pop();
                    val
                }
            };
            let Some(val) = val.filter(|v| !self.arena.empty_map(Some(*v))) else {
                deleted.insert(text);
                continue;
            };
            if self.arena.kind(val) == Kind::Map && !self.arena.has_field(val, key) {
                self.arena.materialize(val);
                let scalar = self.arena.plain_scalar(text);
                self.arena.set_field(val, key, Some(scalar));
            }
            position.insert(text, items.len());
            items.push(val);
        }
        for (text, elem) in &dest_order {
            if deleted.contains(text.as_str()) {
                continue;
            }
            match position.get(text.as_str()) {
                Some(at) => items[*at] = *elem,
                None => items.push(*elem),
            }
        }
        Ok(Some(self.arena.alloc(Node::Seq(items))))
    }
}

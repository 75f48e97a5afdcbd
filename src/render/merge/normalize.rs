//! The walk of a target subtree the patch does not reach, done on the JSON.
//!
//! kyaml walks every node of the target, also where the patch has nothing, and
//! that walk is almost always the identity: maps keep their fields, scalars and
//! lists without merge keys stay as they are. Only a list with merge keys can
//! change (duplicate keys collapse, elements without a key wipe the list, null
//! elements vanish, primitive duplicates merge). So an untouched subtree is
//! read in place, without copying it into the arena; a keyed list is checked
//! for the conditions under which kyaml leaves it unchanged, and only a list
//! that fails them goes through the general algorithm. The unit tests check
//! this against walking the fully imported subtree.

use std::collections::HashSet;

use serde_json::{Map, Value};

use super::error::MergeError;
use super::node::{Lazy, MAX_DEPTH, Node, NodeId, scalar_text, value_field_text};
use super::schema::SchemaId;
use super::walk::{Walker, push_segment};

impl<'a> Walker<'a, '_> {
    /// `walk([dest, None])` for a lazy `dest`: returns `dest`, replaced by its
    /// normalized JSON when that differs.
    pub(super) fn normalize_node(
        &mut self,
        dest: NodeId,
        schema: Option<SchemaId>,
    ) -> Result<Option<NodeId>, MergeError> {
        self.normalize_element(dest, schema, None)
    }

    /// [`Self::normalize_node`] for a list element the walker has not pushed a
    /// path segment for: `selector` (key, value) is spelled out only on error.
    pub(super) fn normalize_element(
        &mut self,
        dest: NodeId,
        schema: Option<SchemaId>,
        selector: Option<(&str, &str)>,
    ) -> Result<Option<NodeId>, MergeError> {
        let value = match self.arena.lazy_value(dest) {
            Some(Lazy::Borrowed(value)) => *value,
            // Owned values are results of an earlier normalization.
            _ => return Ok(Some(dest)),
        };
        let depth = self.depth_offset + self.path.len() + usize::from(selector.is_some());
        match self.normalize(value, schema, depth) {
            Ok(Some(changed)) => *self.arena.node_mut(dest) = Node::Lazy(Lazy::Owned(changed)),
            Ok(None) => {}
            Err(err) => {
                let mut prefix = self.path_string();
                if let Some((key, text)) = selector {
                    push_segment(&mut prefix, &format!("[{key}={text}]"));
                }
                return Err(prefix_path(err, &prefix));
            }
        }
        Ok(Some(dest))
    }

    /// The normalized value, `None` when it is `value` itself. Error paths are
    /// relative to `value` (callers prefix their part on the way out).
    fn normalize(
        &mut self,
        value: &'a Value,
        schema: Option<SchemaId>,
        depth: usize,
    ) -> Result<Option<Value>, MergeError> {
        if depth > MAX_DEPTH {
            return Err(MergeError::TooDeep {
                path: String::new(),
                limit: MAX_DEPTH,
            });
        }
        match value {
            Value::Object(map) => {
                let schema = schema.or_else(|| self.schema_of(value));
                let mut changed: Option<Map<String, Value>> = None;
                for (key, child) in map {
                    let child_schema = schema.and_then(|s| self.schemas.field(s, key));
                    let normalized = self
                        .normalize(child, child_schema, depth + 1)
                        .map_err(|e| prefix_path(e, key))?;
                    if let Some(new) = normalized {
                        changed
                            .get_or_insert_with(|| map.clone())
                            .insert(key.clone(), new);
                    }
                }
                Ok(changed.map(Value::Object))
            }
            Value::Array(items) => {
                let Some(schema) = schema.filter(|s| self.schemas.is_associative(*s)) else {
                    return Ok(None);
                };
                if !self.stable_list(items, schema) {
                    return self.normalize_general(value, schema, depth);
                }
                let element_schema = self.schemas.elements(schema);
                let mut changed: Option<Vec<Value>> = None;
                for (i, item) in items.iter().enumerate() {
                    let normalized = self
                        .normalize(item, element_schema, depth + 1)
                        .map_err(|e| prefix_path(e, &self.element_selector(item, schema, i)))?;
                    if let Some(new) = normalized {
                        changed.get_or_insert_with(|| items.clone())[i] = new;
                    }
                }
                Ok(changed.map(Value::Array))
            }
            _ => Ok(None),
        }
    }

    /// `[key=value,...]` naming a keyed list's element in error paths.
    fn element_selector(&self, item: &Value, schema: SchemaId, index: usize) -> String {
        let (_, keys) = self.schemas.strategy_and_keys(schema);
        let parts: Vec<String> = keys
            .iter()
            .filter_map(|key| keyed_text(item, key).map(|text| format!("{key}={text}")))
            .collect();
        if parts.is_empty() {
            return format!("[{index}]");
        }
        format!("[{}]", parts.join(","))
    }

    /// The resource type schema a map names with `apiVersion` and `kind`.
    fn schema_of(&self, map: &Value) -> Option<SchemaId> {
        let api_version = value_field_text(map, "apiVersion")?;
        let kind = value_field_text(map, "kind")?;
        if api_version.is_empty() || kind.is_empty() {
            return None;
        }
        self.schemas.for_kind(&api_version, &kind)
    }

    /// Whether kyaml's keyed-list merge leaves the list as it is (but for its
    /// elements' own normalization) when the patch does not touch it. For a
    /// list of primitives: non-null scalars with distinct texts. For a keyed
    /// list, every element a map and either the first key a non-empty scalar
    /// with distinct texts in all elements (other keys may come and go: ports
    /// with and without `protocol`), or each key a non-empty scalar in all
    /// elements or absent from all, with distinct key tuples.
    fn stable_list(&self, items: &[Value], schema: SchemaId) -> bool {
        let (_, keys) = self.schemas.strategy_and_keys(schema);
        let Some(first) = keys.first() else {
            let mut seen = HashSet::new();
            return items.iter().all(|item| match item {
                Value::Null | Value::Object(_) | Value::Array(_) => false,
                scalar => seen.insert(scalar_text(scalar)),
            });
        };
        let mut seen = HashSet::with_capacity(items.len());
        if items
            .iter()
            .all(|item| keyed_text(item, first).is_some_and(|t| seen.insert(t)))
        {
            return true;
        }
        let present: Vec<bool> = keys
            .iter()
            .map(|key| {
                items
                    .first()
                    .is_some_and(|first| keyed_text(first, key).is_some())
            })
            .collect();
        if !items.is_empty() && !present.contains(&true) {
            return false;
        }
        let mut seen = HashSet::new();
        for item in items {
            if !item.is_object() {
                return false;
            }
            let mut tuple = Vec::with_capacity(keys.len());
            for (key, present) in keys.iter().zip(&present) {
                match (keyed_text(item, key), present) {
                    (Some(text), true) => tuple.push(text),
                    (None, false) => {}
                    _ => return false,
                }
            }
            if !seen.insert(tuple) {
                return false;
            }
        }
        true
    }

    /// A keyed list kyaml may change: run the general algorithm on it.
    fn normalize_general(
        &mut self,
        list: &'a Value,
        schema: SchemaId,
        depth: usize,
    ) -> Result<Option<Value>, MergeError> {
        let saved_path = std::mem::take(&mut self.path);
        let saved_offset = self.depth_offset;
        self.depth_offset = depth;
        let id = self.arena.import_lazy(list);
        self.arena.materialize(id);
        let merged = self.walk_associative([Some(id), None], schema);
        self.path = saved_path;
        self.depth_offset = saved_offset;
        // With nothing from the patch the list is always kept (maybe emptied).
        let merged = match merged? {
            Some(id) => self.arena.export(id),
            None => Value::Array(Vec::new()),
        };
        Ok((merged != *list).then_some(merged))
    }
}

/// The text of a merge key that counts as present: a non-empty, non-null scalar.
fn keyed_text<'v>(item: &'v Value, key: &str) -> Option<std::borrow::Cow<'v, str>> {
    match item.as_object()?.get(key)? {
        Value::Null | Value::Object(_) | Value::Array(_) => None,
        scalar => Some(scalar_text(scalar)).filter(|t| !t.is_empty()),
    }
}

/// Puts `prefix` in front of an error's field path.
pub(super) fn prefix_path(mut err: MergeError, prefix: &str) -> MergeError {
    let path = match &mut err {
        MergeError::WrongKind { path, .. }
        | MergeError::UnknownDirective { path, .. }
        | MergeError::BadListElement { path, .. }
        | MergeError::TooDeep { path, .. } => path,
        MergeError::InvalidOpenApi { .. } => return err,
    };
    let mut full = prefix.to_string();
    if !path.is_empty() {
        push_segment(&mut full, path);
    }
    if full.is_empty() {
        full.push_str("(root)");
    }
    *path = full;
    err
}

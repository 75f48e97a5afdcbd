//! An arena of YAML-like nodes mirroring the node graph kyaml's merge walks.
//!
//! kyaml merges by mutating `yaml.Node`s in place and relies on pointer identity:
//! a merged list element *is* the target's element, a map added from the patch is
//! then walked against itself, a `$patch` directive removed from the patch is gone
//! from every place that shares it. Ids into an arena reproduce that aliasing
//! exactly, which owned `serde_json::Value` trees cannot.

use std::borrow::Cow;

use serde_json::{Map, Value};

use super::error::MergeError;
use super::hash::FxIndexMap;

/// Index of a node in the [`Arena`].
pub(super) type NodeId = usize;

/// How deep objects may nest. Kubernetes objects stay far below; the limit keeps
/// hostile input from exhausting the stack.
pub(super) const MAX_DEPTH: usize = 512;

/// The three node kinds of YAML (documents and aliases do not occur here).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Kind {
    Map,
    Seq,
    Scalar,
}

impl Kind {
    /// The name kyaml uses in its messages.
    pub(super) fn name(self) -> &'static str {
        match self {
            Kind::Map => "MappingNode",
            Kind::Seq => "SequenceNode",
            Kind::Scalar => "ScalarNode",
        }
    }
}

/// One node. Scalars keep their JSON value; `null_tag` is YAML's `!!null` tag,
/// which a null that kyaml decided to keep no longer carries. `Lazy` is a map or
/// list of the target not looked into yet: most of a target is never reached by
/// the patch, and is then neither copied into nor out of the arena node by node.
#[derive(Debug, Clone)]
pub(super) enum Node<'a> {
    Map(FxIndexMap<String, NodeId>),
    Seq(Vec<NodeId>),
    Scalar { value: Value, null_tag: bool },
    Lazy(Lazy<'a>),
}

/// A collection held as JSON: borrowed from the target, or owned once changed.
#[derive(Debug, Clone)]
pub(super) enum Lazy<'a> {
    Borrowed(&'a Value),
    Owned(Value),
}

impl Lazy<'_> {
    pub(super) fn value(&self) -> &Value {
        match self {
            Lazy::Borrowed(v) => v,
            Lazy::Owned(v) => v,
        }
    }
}

/// Owner of all nodes of one merge.
#[derive(Debug)]
pub(super) struct Arena<'a> {
    nodes: Vec<Node<'a>>,
}

impl Default for Arena<'_> {
    fn default() -> Self {
        // Room for a typical patch and the part of the target it reaches.
        Arena {
            nodes: Vec::with_capacity(256),
        }
    }
}

impl<'a> Arena<'a> {
    pub(super) fn alloc(&mut self, node: Node<'a>) -> NodeId {
        self.nodes.push(node);
        self.nodes.len() - 1
    }

    pub(super) fn node_mut(&mut self, id: NodeId) -> &mut Node<'a> {
        &mut self.nodes[id]
    }

    /// Copies a JSON value into the arena, every level at once.
    pub(super) fn import(&mut self, value: &Value, depth: usize) -> Result<NodeId, MergeError> {
        if depth > MAX_DEPTH {
            return Err(MergeError::TooDeep {
                path: String::new(),
                limit: MAX_DEPTH,
            });
        }
        let node = match value {
            Value::Object(map) => {
                let mut fields =
                    FxIndexMap::with_capacity_and_hasher(map.len(), Default::default());
                for (key, child) in map {
                    fields.insert(key.clone(), self.import(child, depth + 1)?);
                }
                Node::Map(fields)
            }
            Value::Array(items) => {
                let mut content = Vec::with_capacity(items.len());
                for child in items {
                    content.push(self.import(child, depth + 1)?);
                }
                Node::Seq(content)
            }
            scalar => Node::Scalar {
                value: scalar.clone(),
                null_tag: scalar.is_null(),
            },
        };
        Ok(self.alloc(node))
    }

    /// Adds a value without looking into it (see [`Node::Lazy`]).
    pub(super) fn import_lazy(&mut self, value: &'a Value) -> NodeId {
        let node = match value {
            Value::Object(_) | Value::Array(_) => Node::Lazy(Lazy::Borrowed(value)),
            scalar => Node::Scalar {
                value: scalar.clone(),
                null_tag: scalar.is_null(),
            },
        };
        self.alloc(node)
    }

    /// Turns a lazy node into a map or list whose children are lazy. The walker
    /// does this to every node before looking at its fields or elements.
    pub(super) fn materialize(&mut self, id: NodeId) {
        let Node::Lazy(lazy) = &self.nodes[id] else {
            return;
        };
        let node = match lazy.clone() {
            Lazy::Borrowed(Value::Object(map)) => {
                let mut fields =
                    FxIndexMap::with_capacity_and_hasher(map.len(), Default::default());
                for (key, child) in map {
                    fields.insert(key.clone(), self.import_lazy(child));
                }
                Node::Map(fields)
            }
            Lazy::Borrowed(Value::Array(items)) => {
                Node::Seq(items.iter().map(|c| self.import_lazy(c)).collect())
            }
            Lazy::Owned(Value::Object(map)) => {
                let mut fields =
                    FxIndexMap::with_capacity_and_hasher(map.len(), Default::default());
                for (key, child) in map {
                    fields.insert(key, self.import_owned(child));
                }
                Node::Map(fields)
            }
            Lazy::Owned(Value::Array(items)) => {
                Node::Seq(items.into_iter().map(|c| self.import_owned(c)).collect())
            }
            // Scalars are never lazy; keep whatever it is as a scalar.
            Lazy::Borrowed(scalar) => Node::Scalar {
                value: scalar.clone(),
                null_tag: scalar.is_null(),
            },
            Lazy::Owned(scalar) => Node::Scalar {
                null_tag: scalar.is_null(),
                value: scalar,
            },
        };
        self.nodes[id] = node;
    }

    fn import_owned(&mut self, value: Value) -> NodeId {
        let node = match value {
            Value::Object(_) | Value::Array(_) => Node::Lazy(Lazy::Owned(value)),
            scalar => Node::Scalar {
                null_tag: scalar.is_null(),
                value: scalar,
            },
        };
        self.alloc(node)
    }

    /// Whether the node is lazy (a collection not looked into).
    pub(super) fn is_lazy(&self, id: NodeId) -> bool {
        matches!(self.nodes[id], Node::Lazy(_))
    }

    /// The JSON of a lazy node.
    pub(super) fn lazy_value(&self, id: NodeId) -> Option<&Lazy<'a>> {
        match &self.nodes[id] {
            Node::Lazy(lazy) => Some(lazy),
            _ => None,
        }
    }

    /// Copies a node (and everything under it) back out as JSON.
    pub(super) fn export(&self, id: NodeId) -> Value {
        match &self.nodes[id] {
            Node::Map(fields) => {
                let mut map = Map::new();
                for (key, child) in fields {
                    map.insert(key.clone(), self.export(*child));
                }
                Value::Object(map)
            }
            Node::Seq(items) => Value::Array(items.iter().map(|c| self.export(*c)).collect()),
            Node::Scalar { value, .. } => value.clone(),
            Node::Lazy(lazy) => lazy.value().clone(),
        }
    }

    pub(super) fn kind(&self, id: NodeId) -> Kind {
        match &self.nodes[id] {
            Node::Map(_) => Kind::Map,
            Node::Seq(_) => Kind::Seq,
            Node::Scalar { .. } => Kind::Scalar,
            Node::Lazy(lazy) => match lazy.value() {
                Value::Object(_) => Kind::Map,
                Value::Array(_) => Kind::Seq,
                _ => Kind::Scalar,
            },
        }
    }

    /// kyaml's `IsTaggedNull`.
    pub(super) fn is_null(&self, id: NodeId) -> bool {
        matches!(self.nodes[id], Node::Scalar { null_tag: true, .. })
    }

    /// kyaml's `IsMissingOrNull`.
    pub(super) fn missing_or_null(&self, id: Option<NodeId>) -> bool {
        id.is_none_or(|id| self.is_null(id))
    }

    /// kyaml's `IsEmptyMap`: missing, null or `{}`.
    pub(super) fn empty_map(&self, id: Option<NodeId>) -> bool {
        match id {
            None => true,
            Some(id) => match &self.nodes[id] {
                Node::Map(fields) => fields.is_empty(),
                Node::Scalar { null_tag, .. } => *null_tag,
                Node::Seq(_) => false,
                Node::Lazy(lazy) => lazy.value().as_object().is_some_and(Map::is_empty),
            },
        }
    }

    /// kyaml's `IsNilOrEmpty` on a present node: null, `{}` or `[]`.
    pub(super) fn nil_or_empty(&self, id: NodeId) -> bool {
        match &self.nodes[id] {
            Node::Map(fields) => fields.is_empty(),
            Node::Seq(items) => items.is_empty(),
            Node::Scalar { null_tag, .. } => *null_tag,
            Node::Lazy(lazy) => match lazy.value() {
                Value::Object(map) => map.is_empty(),
                Value::Array(items) => items.is_empty(),
                _ => false,
            },
        }
    }

    /// The node's `Value` as go-yaml holds it: the scalar's text, "" for collections.
    /// Kyaml matches list elements on this text, so `80` and `"80"` are the same key.
    pub(super) fn text(&self, id: NodeId) -> Cow<'_, str> {
        match &self.nodes[id] {
            Node::Scalar { value, .. } => scalar_text(value),
            Node::Map(_) | Node::Seq(_) | Node::Lazy(_) => Cow::Borrowed(""),
        }
    }

    /// The text of a map's field, for a lazy map too; `None` when absent, null,
    /// empty or the node is not a map (kyaml's `GetMeta` reading).
    pub(super) fn field_text(&self, map: NodeId, key: &str) -> Option<Cow<'_, str>> {
        match &self.nodes[map] {
            Node::Map(fields) => {
                let field = *fields.get(key)?;
                (!self.nil_or_empty(field)).then(|| self.text(field))
            }
            Node::Lazy(lazy) => value_field_text(lazy.value(), key),
            _ => None,
        }
    }

    /// The text of a map's field when it is a non-null scalar, for a lazy map
    /// too (what a merge key must be for the linear-time list merge).
    pub(super) fn key_text(&self, map: NodeId, key: &str) -> Option<Cow<'_, str>> {
        match &self.nodes[map] {
            Node::Map(fields) => match &self.nodes[*fields.get(key)?] {
                Node::Scalar {
                    value,
                    null_tag: false,
                } => Some(scalar_text(value)),
                _ => None,
            },
            Node::Lazy(lazy) => match lazy.value().as_object()?.get(key)? {
                Value::Null | Value::Object(_) | Value::Array(_) => None,
                scalar => Some(scalar_text(scalar)),
            },
            _ => None,
        }
    }

    /// Whether a map (lazy or not) has the field.
    pub(super) fn has_field(&self, map: NodeId, key: &str) -> bool {
        match &self.nodes[map] {
            Node::Map(fields) => fields.contains_key(key),
            Node::Lazy(lazy) => lazy
                .value()
                .as_object()
                .is_some_and(|m| m.contains_key(key)),
            _ => false,
        }
    }

    /// kyaml's `RNode.Field(name).Value`: `None` when absent or not a map.
    /// The map must have been materialized.
    pub(super) fn field(&self, map: NodeId, key: &str) -> Option<NodeId> {
        match &self.nodes[map] {
            Node::Map(fields) => fields.get(key).copied(),
            _ => None,
        }
    }

    /// Field names of a (materialized) map; none for other kinds.
    pub(super) fn field_names(&self, id: NodeId) -> impl Iterator<Item = &String> {
        let fields = match &self.nodes[id] {
            Node::Map(fields) => Some(fields.keys()),
            _ => None,
        };
        fields.into_iter().flatten()
    }

    /// Elements of a (materialized) list; none for other kinds.
    pub(super) fn elements(&self, id: NodeId) -> &[NodeId] {
        match &self.nodes[id] {
            Node::Seq(items) => items,
            _ => &[],
        }
    }

    /// kyaml's `FieldSetter{Name, Value}`: a missing or null value removes the
    /// field, an existing field takes a copy of the value's node, a new field is
    /// appended pointing at the value node itself.
    pub(super) fn set_field(&mut self, map: NodeId, key: &str, value: Option<NodeId>) {
        let value = match value {
            Some(v) if !self.is_null(v) => v,
            _ => {
                if let Node::Map(fields) = &mut self.nodes[map] {
                    fields.shift_remove(key);
                }
                return;
            }
        };
        let existing = self.field(map, key);
        match existing {
            Some(existing) if existing == value => {}
            Some(existing) => self.nodes[existing] = self.nodes[value].clone(),
            None => {
                if let Node::Map(fields) = &mut self.nodes[map] {
                    fields.insert(key.to_string(), value);
                }
            }
        }
    }

    /// Removes a field; returns whether it was there.
    pub(super) fn clear_field(&mut self, map: NodeId, key: &str) -> bool {
        match &mut self.nodes[map] {
            Node::Map(fields) => fields.shift_remove(key).is_some(),
            _ => false,
        }
    }

    /// A plain (untagged, unquoted) scalar with this text, typed the way YAML
    /// resolves such a scalar: kyaml creates these from key values it copies.
    pub(super) fn plain_scalar(&mut self, text: &str) -> NodeId {
        let value = resolve_plain(text);
        self.alloc(Node::Scalar {
            value,
            null_tag: false,
        })
    }
}

/// The text of a JSON map's field as kyaml's `GetMeta` reads it.
pub(super) fn value_field_text<'v>(value: &'v Value, key: &str) -> Option<Cow<'v, str>> {
    match value.as_object()?.get(key)? {
        Value::Null => None,
        Value::Object(m) if m.is_empty() => None,
        Value::Array(a) if a.is_empty() => None,
        Value::Object(_) | Value::Array(_) => Some(Cow::Borrowed("")),
        scalar => Some(scalar_text(scalar)),
    }
}

/// The text go-yaml keeps for a scalar.
pub(super) fn scalar_text(value: &Value) -> Cow<'_, str> {
    match value {
        Value::String(s) => Cow::Borrowed(s),
        Value::Null => Cow::Borrowed("null"),
        Value::Bool(true) => Cow::Borrowed("true"),
        Value::Bool(false) => Cow::Borrowed("false"),
        Value::Number(n) => Cow::Owned(n.to_string()),
        // Collections never reach here; their text is empty.
        Value::Array(_) | Value::Object(_) => Cow::Borrowed(""),
    }
}

/// YAML 1.2 core-schema resolution of a plain scalar (what go-yaml v3 does).
fn resolve_plain(text: &str) -> Value {
    match text {
        "" | "~" | "null" | "Null" | "NULL" => return Value::Null,
        "true" | "True" | "TRUE" => return Value::Bool(true),
        "false" | "False" | "FALSE" => return Value::Bool(false),
        _ => {}
    }
    let plain_int = text
        .strip_prefix(['-', '+'])
        .unwrap_or(text)
        .bytes()
        .all(|b| b.is_ascii_digit());
    if plain_int {
        if let Ok(i) = text.parse::<i64>() {
            return Value::from(i);
        }
        if let Ok(u) = text.parse::<u64>() {
            return Value::from(u);
        }
    }
    let looks_float = text
        .bytes()
        .all(|b| b.is_ascii_digit() || matches!(b, b'.' | b'e' | b'E' | b'-' | b'+'))
        && text.bytes().any(|b| b.is_ascii_digit());
    if looks_float
        && let Ok(f) = text.parse::<f64>()
        && let Some(n) = serde_json::Number::from_f64(f)
    {
        return Value::Number(n);
    }
    Value::String(text.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn import_export_round_trips() {
        let v = json!({"a": [1, "x", null, {"b": true}], "c": {}, "d": []});
        let mut arena = Arena::default();
        let id = arena.import(&v, 0).unwrap();
        assert_eq!(arena.export(id), v);
    }

    #[test]
    fn text_matches_go_yaml_values() {
        assert_eq!(scalar_text(&json!(80)), "80");
        assert_eq!(scalar_text(&json!("80")), "80");
        assert_eq!(scalar_text(&json!(true)), "true");
        assert_eq!(scalar_text(&json!(1.5)), "1.5");
        assert_eq!(scalar_text(&Value::Null), "null");
    }

    #[test]
    fn plain_scalars_resolve_like_yaml() {
        assert_eq!(resolve_plain("8080"), json!(8080));
        assert_eq!(resolve_plain("-3"), json!(-3));
        assert_eq!(resolve_plain("TCP"), json!("TCP"));
        assert_eq!(resolve_plain("1.5"), json!(1.5));
        assert_eq!(resolve_plain("true"), json!(true));
        assert_eq!(resolve_plain("1.2.3"), json!("1.2.3"));
        assert_eq!(resolve_plain("e"), json!("e"));
    }

    #[test]
    fn set_field_copies_into_existing_and_clears_on_null() {
        let mut arena = Arena::default();
        let map = arena.import(&json!({"a": 1}), 0).unwrap();
        let two = arena.import(&json!(2), 0).unwrap();
        arena.set_field(map, "a", Some(two));
        arena.set_field(map, "b", Some(two));
        assert_eq!(arena.export(map), json!({"a": 2, "b": 2}));
        let null = arena.import(&Value::Null, 0).unwrap();
        arena.set_field(map, "a", Some(null));
        arena.set_field(map, "b", None);
        assert_eq!(arena.export(map), json!({}));
    }

    #[test]
    fn import_rejects_absurd_nesting() {
        let mut v = json!(1);
        for _ in 0..(MAX_DEPTH + 2) {
            v = json!([v]);
        }
        let mut arena = Arena::default();
        assert!(matches!(
            arena.import(&v, 0),
            Err(MergeError::TooDeep { .. })
        ));
        // Dropping a deeply nested Value recurses too; keep it bounded.
        drop(v);
    }
}

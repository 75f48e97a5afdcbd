//! Type information for strategic merges: which lists merge by key, and by which.
//!
//! kyaml consults an OpenAPI (swagger 2.0) schema: a resource's root definition is
//! found by `apiVersion`/`kind` through `x-kubernetes-group-version-kind`, fields by
//! `properties` / `additionalProperties`, list elements by `items`, all through
//! `$ref`s. A list merges by key only if its `x-kubernetes-patch-strategy` lists
//! `merge`; its keys are `x-kubernetes-list-map-keys`, else the
//! `x-kubernetes-patch-merge-key`, else none (a list of primitives merged by value).
//! Every other list is replaced wholesale, and so is every list of a type the
//! schema does not know (CRDs): kustomize does not infer merge keys.
//!
//! The schema is an arena of inline schema nodes; `$ref`s stay names and are
//! resolved at lookup, as kyaml resolves them against its global definitions.

use std::sync::{Arc, OnceLock};

use serde_json::Value;

use super::builtin;
use super::error::MergeError;
use super::hash::FxHashMap;

/// Index of a schema node.
pub(super) type SchemaId = usize;

/// `$ref` chains longer than this are treated as unresolvable (they would loop).
const MAX_REF_CHAIN: usize = 64;

/// One inline schema.
#[derive(Debug, Default, Clone)]
pub(super) struct SchemaNode {
    /// `$ref`, reduced to the definition path after `#/definitions/`.
    pub(super) reference: Option<String>,
    /// `type` is exactly `["array"]` (kyaml only follows `items` then).
    pub(super) array: bool,
    pub(super) items: Option<SchemaId>,
    pub(super) properties: FxHashMap<String, SchemaId>,
    pub(super) additional: Option<SchemaId>,
    /// `x-kubernetes-patch-strategy`.
    pub(super) strategy: Option<String>,
    /// Merge keys, see the module docs.
    pub(super) keys: Vec<String>,
}

/// A set of definitions plus the index from resource type to root definition.
#[derive(Debug, Default, Clone)]
pub(super) struct SchemaSet {
    nodes: Vec<SchemaNode>,
    definitions: FxHashMap<String, SchemaId>,
    /// apiVersion → kind → root definition.
    kinds: FxHashMap<String, FxHashMap<String, SchemaId>>,
}

impl SchemaSet {
    pub(super) fn add_node(&mut self, node: SchemaNode) -> SchemaId {
        self.nodes.push(node);
        self.nodes.len() - 1
    }

    pub(super) fn define(&mut self, name: &str, id: SchemaId) {
        self.definitions.insert(name.to_string(), id);
    }

    pub(super) fn define_kind(&mut self, api_version: &str, kind: &str, id: SchemaId) {
        self.kinds
            .entry(api_version.to_string())
            .or_default()
            .insert(kind.to_string(), id);
    }

    /// kyaml's `SchemaForResourceType`.
    pub(super) fn for_kind(&self, api_version: &str, kind: &str) -> Option<SchemaId> {
        self.kinds.get(api_version)?.get(kind).copied()
    }

    /// Follows `$ref`s to the schema they name.
    fn resolve(&self, mut id: SchemaId) -> Option<SchemaId> {
        for _ in 0..MAX_REF_CHAIN {
            match &self.nodes[id].reference {
                None => return Some(id),
                Some(name) => id = self.lookup_pointer(name)?,
            }
        }
        None
    }

    /// Resolves `NAME[/properties/P|/items|/additionalProperties...]`.
    fn lookup_pointer(&self, pointer: &str) -> Option<SchemaId> {
        let mut parts = pointer.split('/').map(unescape_pointer);
        let name = parts.next()?;
        let mut id = *self.definitions.get(name.as_ref())?;
        while let Some(part) = parts.next() {
            let node = &self.nodes[id];
            id = match part.as_ref() {
                "properties" => *node.properties.get(parts.next()?.as_ref())?,
                "items" => node.items?,
                "additionalProperties" => node.additional?,
                _ => return None,
            };
        }
        Some(id)
    }

    /// kyaml's `ResourceSchema.Field`.
    pub(super) fn field(&self, id: SchemaId, name: &str) -> Option<SchemaId> {
        let node = &self.nodes[id];
        let child = node.properties.get(name).copied().or(node.additional)?;
        self.resolve(child)
    }

    /// kyaml's `ResourceSchema.Elements`.
    pub(super) fn elements(&self, id: SchemaId) -> Option<SchemaId> {
        let node = &self.nodes[id];
        if !node.array {
            return None;
        }
        self.resolve(node.items?)
    }

    /// kyaml's `PatchStrategyAndKeyList`: no strategy means no keys either.
    pub(super) fn strategy_and_keys(&self, id: SchemaId) -> (&str, &[String]) {
        let node = &self.nodes[id];
        match &node.strategy {
            None => ("", &[]),
            Some(strategy) => (strategy, &node.keys),
        }
    }

    /// kyaml's `schema.IsAssociative` for a list with a schema.
    pub(super) fn is_associative(&self, id: SchemaId) -> bool {
        let (strategy, _) = self.strategy_and_keys(id);
        strategy.split(',').any(|s| s == "merge")
    }

    /// Adds (or overrides) the definitions of a swagger 2.0 document.
    fn add_document(&mut self, doc: &Value) -> Result<(), MergeError> {
        let doc = doc
            .as_object()
            .ok_or_else(|| invalid("(root)", "not a map"))?;
        let Some(definitions) = doc.get("definitions") else {
            return Ok(());
        };
        let definitions = definitions
            .as_object()
            .ok_or_else(|| invalid("definitions", "not a map"))?;
        for (name, definition) in definitions {
            let location = format!("definitions.{name}");
            let id = self.add_inline(definition, &location, 0)?;
            self.define(name, id);
            if let Some(gvks) = definition.get("x-kubernetes-group-version-kind") {
                for (api_version, kind) in parse_gvks(gvks, &location)? {
                    self.define_kind(&api_version, &kind, id);
                }
            }
        }
        Ok(())
    }

    fn add_inline(
        &mut self,
        schema: &Value,
        location: &str,
        depth: usize,
    ) -> Result<SchemaId, MergeError> {
        if depth > super::node::MAX_DEPTH {
            return Err(invalid(location, "nested too deeply"));
        }
        // kube-openapi accepts `true`/`false` and other non-maps in places; they
        // carry no structure, so they become empty schemas.
        let Some(map) = schema.as_object() else {
            return Ok(self.add_node(SchemaNode::default()));
        };
        let mut node = SchemaNode {
            reference: map
                .get("$ref")
                .and_then(Value::as_str)
                .and_then(|r| r.strip_prefix("#/definitions/"))
                .map(str::to_string),
            ..SchemaNode::default()
        };
        if map.get("$ref").is_some() && node.reference.is_none() {
            // A reference kyaml cannot resolve: the field has no usable schema.
            node.reference = Some(String::new());
        }
        node.array = match map.get("type") {
            Some(Value::String(t)) => t == "array",
            Some(Value::Array(ts)) => ts.len() == 1 && ts[0] == "array",
            _ => false,
        };
        if let Some(items) = map.get("items").filter(|i| i.is_object()) {
            node.items = Some(self.add_inline(items, &format!("{location}.items"), depth + 1)?);
        }
        if let Some(props) = map.get("properties").and_then(Value::as_object) {
            for (name, prop) in props {
                let id =
                    self.add_inline(prop, &format!("{location}.properties.{name}"), depth + 1)?;
                node.properties.insert(name.clone(), id);
            }
        }
        if let Some(extra) = map.get("additionalProperties").filter(|a| a.is_object()) {
            let id = self.add_inline(
                extra,
                &format!("{location}.additionalProperties"),
                depth + 1,
            )?;
            node.additional = Some(id);
        }
        node.strategy = map
            .get("x-kubernetes-patch-strategy")
            .and_then(Value::as_str)
            .map(str::to_string);
        node.keys = match (
            map.get("x-kubernetes-list-map-keys")
                .and_then(Value::as_array),
            map.get("x-kubernetes-patch-merge-key")
                .and_then(Value::as_str),
        ) {
            (Some(list), _) => list
                .iter()
                .filter_map(Value::as_str)
                .map(str::to_string)
                .collect(),
            (None, Some(key)) => vec![key.to_string()],
            (None, None) => Vec::new(),
        };
        Ok(self.add_node(node))
    }
}

fn invalid(location: &str, reason: &str) -> MergeError {
    MergeError::InvalidOpenApi {
        location: location.to_string(),
        reason: reason.to_string(),
    }
}

fn unescape_pointer(part: &str) -> std::borrow::Cow<'_, str> {
    if part.contains('~') {
        std::borrow::Cow::Owned(part.replace("~1", "/").replace("~0", "~"))
    } else {
        std::borrow::Cow::Borrowed(part)
    }
}

/// `x-kubernetes-group-version-kind` entries as (apiVersion, kind).
fn parse_gvks(gvks: &Value, location: &str) -> Result<Vec<(String, String)>, MergeError> {
    // kyaml skips an extension that is not a list, but panics on an entry
    // without a string version or kind; that becomes an error here.
    let Some(entries) = gvks.as_array() else {
        return Ok(Vec::new());
    };
    let mut out = Vec::new();
    for entry in entries {
        let Some(entry) = entry.as_object() else {
            continue;
        };
        let field = |name: &str| entry.get(name).and_then(Value::as_str);
        let (Some(version), Some(kind)) = (field("version"), field("kind")) else {
            return Err(invalid(
                &format!("{location}.x-kubernetes-group-version-kind"),
                "entry needs string `version` and `kind`",
            ));
        };
        let api_version = match field("group") {
            Some(group) if !group.is_empty() => format!("{group}/{version}"),
            _ => version.to_string(),
        };
        out.push((api_version, kind.to_string()));
    }
    Ok(out)
}

/// Type information for strategic merges: which lists are associative (and by
/// which key), which use the replace strategy, for built-in kinds and for
/// user-supplied schemas. Cheap to clone.
#[derive(Clone)]
pub struct MergeSchema {
    pub(super) set: Arc<SchemaSet>,
}

impl std::fmt::Debug for MergeSchema {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MergeSchema")
            .field("definitions", &self.set.definitions.len())
            .field("api_versions", &self.set.kinds.len())
            .finish()
    }
}

impl MergeSchema {
    /// The built-in Kubernetes types as kustomize's default embedded schema
    /// (Kubernetes v1.21.2) knows them.
    pub fn builtin() -> MergeSchema {
        static BUILTIN: OnceLock<Arc<SchemaSet>> = OnceLock::new();
        MergeSchema {
            set: BUILTIN.get_or_init(|| Arc::new(builtin::build())).clone(),
        }
    }

    /// The schema kustomize uses when a kustomization names an OpenAPI document
    /// (`openapi: {path: ...}`): the document's definitions (swagger 2.0
    /// `definitions` with `x-kubernetes-group-version-kind`, JSON or YAML already
    /// parsed) REPLACE the built-in Kubernetes schema, they do not extend it:
    /// kyaml parses either the custom document or the built-in one, never both.
    /// So a Deployment patched under a CRD-only document has its lists replaced.
    pub fn with_openapi_document(&self, doc: &Value) -> Result<MergeSchema, MergeError> {
        let mut set = SchemaSet::default();
        set.add_document(doc)?;
        Ok(MergeSchema { set: Arc::new(set) })
    }

    /// The document's definitions added to (and overriding) this schema's. kyaml
    /// ends up with this when a base sets a custom document after the built-in
    /// schema was already loaded by an earlier patch in the same build (its schema
    /// is process-global state); the renderer decides when that applies.
    pub fn extended_with_openapi_document(&self, doc: &Value) -> Result<MergeSchema, MergeError> {
        let mut set = (*self.set).clone();
        set.add_document(doc)?;
        Ok(MergeSchema { set: Arc::new(set) })
    }

    /// Whether the schema has a root definition for this resource type.
    pub fn knows_kind(&self, api_version: &str, kind: &str) -> bool {
        self.set.for_kind(api_version, kind).is_some()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn keys_at(
        schema: &MergeSchema,
        av: &str,
        kind: &str,
        path: &[&str],
    ) -> Option<(String, Vec<String>)> {
        let set = &schema.set;
        let mut id = set.for_kind(av, kind)?;
        for (i, part) in path.iter().enumerate() {
            id = if *part == "[]" {
                set.elements(id)?
            } else {
                set.field(id, part)?
            };
            if i + 1 == path.len() {
                let (s, k) = set.strategy_and_keys(id);
                return Some((s.to_string(), k.to_vec()));
            }
        }
        None
    }

    #[test]
    fn builtin_knows_pod_template_lists() {
        let s = MergeSchema::builtin();
        let containers = ["spec", "template", "spec", "containers"];
        assert_eq!(
            keys_at(&s, "apps/v1", "Deployment", &containers),
            Some(("merge".into(), vec!["name".into()]))
        );
        let ports = ["spec", "template", "spec", "containers", "[]", "ports"];
        assert_eq!(
            keys_at(&s, "apps/v1", "Deployment", &ports),
            Some((
                "merge".into(),
                vec!["containerPort".into(), "protocol".into()]
            ))
        );
        let volumes = ["spec", "jobTemplate", "spec", "template", "spec", "volumes"];
        assert_eq!(
            keys_at(&s, "batch/v1", "CronJob", &volumes),
            Some(("merge,retainKeys".into(), vec!["name".into()]))
        );
        assert_eq!(
            keys_at(&s, "v1", "Service", &["spec", "ports"]),
            Some(("merge".into(), vec!["port".into(), "protocol".into()]))
        );
        assert_eq!(
            keys_at(&s, "v1", "ConfigMap", &["metadata", "finalizers"]),
            Some(("merge".into(), vec![]))
        );
        // Tolerations have no patch strategy in Kubernetes: replaced.
        assert_eq!(keys_at(&s, "v1", "Pod", &["spec", "tolerations"]), None);
        assert!(!s.knows_kind("example.com/v1", "Foo"));
    }

    #[test]
    fn custom_document_replaces_builtin() {
        let doc = json!({"definitions": {
            "v1.Foo": {
                "type": "object",
                "properties": {"spec": {"$ref": "#/definitions/v1.FooSpec"}},
                "x-kubernetes-group-version-kind": [{"group": "example.com", "version": "v1", "kind": "Foo"}]
            },
            "v1.FooSpec": {"properties": {"items": {
                "type": "array", "items": {"type": "object"},
                "x-kubernetes-patch-strategy": "merge", "x-kubernetes-patch-merge-key": "id"
            }}}
        }});
        let custom = MergeSchema::builtin().with_openapi_document(&doc).unwrap();
        assert!(custom.knows_kind("example.com/v1", "Foo"));
        assert!(!custom.knows_kind("apps/v1", "Deployment"));
        assert_eq!(
            keys_at(&custom, "example.com/v1", "Foo", &["spec", "items"]),
            Some(("merge".into(), vec!["id".into()]))
        );
        let extended = MergeSchema::builtin()
            .extended_with_openapi_document(&doc)
            .unwrap();
        assert!(extended.knows_kind("example.com/v1", "Foo"));
        assert!(extended.knows_kind("apps/v1", "Deployment"));
    }

    #[test]
    fn malformed_documents_are_errors_not_panics() {
        let s = MergeSchema::builtin();
        assert!(s.with_openapi_document(&json!([1])).is_err());
        assert!(s.with_openapi_document(&json!({"definitions": 3})).is_err());
        let bad_gvk =
            json!({"definitions": {"x": {"x-kubernetes-group-version-kind": [{"group": "g"}]}}});
        assert!(s.with_openapi_document(&bad_gvk).is_err());
        let looping = json!({"definitions": {
            "a": {"$ref": "#/definitions/b"}, "b": {"$ref": "#/definitions/a"},
            "root": {"properties": {"x": {"$ref": "#/definitions/a"}},
                     "x-kubernetes-group-version-kind": [{"version": "v1", "kind": "R"}]}
        }});
        let s = s.with_openapi_document(&looping).unwrap();
        let root = s.set.for_kind("v1", "R").unwrap();
        assert_eq!(s.set.field(root, "x"), None);
    }
}

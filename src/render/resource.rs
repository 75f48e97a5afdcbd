//! One resource of a build: the object itself plus the build-time facts kustomize tracks
//! about it (earlier ids, applied prefixes and suffixes, generator settings). Those facts
//! live beside the object, never inside it, so nothing needs stripping before output.

use serde_json::{Map, Value};

use super::alias::Aliases;
use super::resid::{Gvk, ResId};
use super::transform::build_metadata::Origin;

/// How a generated resource combines with an existing one of the same id.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Behavior {
    #[default]
    Create,
    Merge,
    Replace,
}

impl Behavior {
    pub fn parse(text: &str) -> Option<Behavior> {
        match text {
            "" | "create" => Some(Behavior::Create),
            "merge" => Some(Behavior::Merge),
            "replace" => Some(Behavior::Replace),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Behavior::Create => "create",
            Behavior::Merge => "merge",
            Behavior::Replace => "replace",
        }
    }
}

/// Build-time facts about a resource (kustomize keeps these in internal annotations).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct BuildMeta {
    /// Earlier ids, oldest first: (kind, name, effective namespace) before each rename.
    pub previous: Vec<(String, String, String)>,
    pub prefixes: Vec<String>,
    pub suffixes: Vec<String>,
    /// Set on generated resources.
    pub behavior: Option<Behavior>,
    pub needs_hash: bool,
    /// Ids of the resources whose fields were rewritten to refer to this one.
    pub ref_by: Vec<ResId>,
    /// Names of the vars whose values come from this resource.
    pub ref_var_names: Vec<String>,
    /// On a patch: whether it may rename or re-kind its target.
    pub allow_name_change: bool,
    pub allow_kind_change: bool,
    /// Where the resource came from (`config.kubernetes.io/origin`), tracked when the
    /// top kustomization has `buildMetadata`.
    pub origin: Option<Origin>,
    /// The transformers that ran over it (`alpha.config.kubernetes.io/transformations`).
    pub transformations: Vec<Origin>,
    /// Whether kyaml wrote the keys of `data`, `binaryData` and `stringData` as untagged
    /// plain scalars (generated objects): yaml.v3 then types a key such as `10` or `true`,
    /// and kustomize cannot print the object.
    pub plain_data_keys: bool,
    /// Places of the object that share one YAML node in kustomize.
    pub aliases: Aliases,
}

impl BuildMeta {
    /// Whether kustomize would hold any of this as annotations on the object (previous
    /// ids, prefixes, suffixes, generator behavior, hash need, patch permissions, origin).
    pub fn has_internal_annotations(&self) -> bool {
        !self.previous.is_empty()
            || !self.prefixes.is_empty()
            || !self.suffixes.is_empty()
            || self.behavior.is_some()
            || self.needs_hash
            || self.allow_name_change
            || self.allow_kind_change
            || self.origin.is_some()
    }

    /// Forgets what [`has_internal_annotations`](Self::has_internal_annotations) covers.
    pub fn clear_internal_annotations(&mut self) {
        self.previous.clear();
        self.prefixes.clear();
        self.suffixes.clear();
        self.behavior = None;
        self.needs_hash = false;
        self.allow_name_change = false;
        self.allow_kind_change = false;
        self.origin = None;
    }
}

/// A resource in a build.
#[derive(Debug, Clone, PartialEq)]
pub struct Resource {
    pub obj: Map<String, Value>,
    pub build: BuildMeta,
}

fn str_at<'a>(obj: &'a Map<String, Value>, key: &str) -> &'a str {
    obj.get(key).and_then(Value::as_str).unwrap_or("")
}

impl Resource {
    pub fn new(obj: Map<String, Value>) -> Resource {
        Resource {
            obj,
            build: BuildMeta::default(),
        }
    }

    pub fn api_version(&self) -> &str {
        str_at(&self.obj, "apiVersion")
    }

    pub fn kind(&self) -> &str {
        str_at(&self.obj, "kind")
    }

    pub fn gvk(&self) -> Gvk {
        Gvk::from_api_version(self.api_version(), self.kind())
    }

    pub fn metadata(&self) -> Option<&Map<String, Value>> {
        self.obj.get("metadata").and_then(Value::as_object)
    }

    /// The metadata map, created (or replacing a non-map value) when missing.
    pub fn metadata_mut(&mut self) -> &mut Map<String, Value> {
        let entry = self
            .obj
            .entry("metadata")
            .or_insert_with(|| Value::Object(Map::new()));
        if !entry.is_object() {
            *entry = Value::Object(Map::new());
        }
        match entry {
            Value::Object(map) => map,
            // Made an object just above.
            _ => unreachable!("metadata was just made an object"),
        }
    }

    pub fn name(&self) -> &str {
        self.metadata().map(|m| str_at(m, "name")).unwrap_or("")
    }

    pub fn namespace(&self) -> &str {
        self.metadata()
            .map(|m| str_at(m, "namespace"))
            .unwrap_or("")
    }

    pub fn set_name(&mut self, name: &str) {
        self.metadata_mut()
            .insert("name".into(), Value::String(name.into()));
    }

    /// Sets the namespace; an empty namespace removes the field.
    pub fn set_namespace(&mut self, namespace: &str) {
        let meta = self.metadata_mut();
        if namespace.is_empty() {
            meta.remove("namespace");
        } else {
            meta.insert("namespace".into(), Value::String(namespace.into()));
        }
    }

    pub fn set_kind(&mut self, kind: &str) {
        self.obj.insert("kind".into(), Value::String(kind.into()));
    }

    pub fn set_api_version(&mut self, api_version: &str) {
        self.obj
            .insert("apiVersion".into(), Value::String(api_version.into()));
    }

    /// The current id.
    pub fn cur_id(&self) -> ResId {
        ResId::new(self.gvk(), self.name(), self.namespace())
    }

    /// Earlier ids, oldest first (kind/name/namespace changes; group and version are current).
    pub fn prev_ids(&self) -> Vec<ResId> {
        let gvk = self.gvk();
        self.build
            .previous
            .iter()
            .map(|(kind, name, namespace)| {
                let mut g = gvk.clone();
                g.kind = kind.clone();
                ResId::new(g, name.clone(), namespace.clone())
            })
            .collect()
    }

    /// The id the resource had when it was first read.
    pub fn org_id(&self) -> ResId {
        self.prev_ids()
            .into_iter()
            .next()
            .unwrap_or_else(|| self.cur_id())
    }

    /// Every id the resource has had, current last.
    pub fn all_ids(&self) -> Vec<ResId> {
        let mut ids = self.prev_ids();
        ids.push(self.cur_id());
        ids
    }

    /// Records the current id before a rename (kustomize's `StorePreviousId`).
    pub fn store_previous_id(&mut self) {
        let id = self.cur_id();
        let namespace = id.effective_namespace().to_string();
        self.build.previous.push((id.gvk.kind, id.name, namespace));
    }

    pub fn string_map(&self, field: &str) -> Vec<(String, String)> {
        self.metadata()
            .and_then(|m| m.get(field))
            .and_then(Value::as_object)
            .map(|m| m.iter().map(|(k, v)| (k.clone(), scalar_text(v))).collect())
            .unwrap_or_default()
    }

    pub fn labels(&self) -> Vec<(String, String)> {
        self.string_map("labels")
    }

    pub fn annotations(&self) -> Vec<(String, String)> {
        self.string_map("annotations")
    }

    pub fn annotation(&self, key: &str) -> Option<&str> {
        self.metadata()?
            .get("annotations")?
            .as_object()?
            .get(key)?
            .as_str()
    }

    /// With [`BuildMeta::plain_data_keys`], the first data key that yaml.v3 would not read
    /// as a string, as kustomize's error when it turns the object into JSON.
    pub fn check_plain_data_keys(&self) -> Result<(), String> {
        if !self.build.plain_data_keys {
            return Ok(());
        }
        for field in ["data", "binaryData", "stringData"] {
            let Some(Value::Object(map)) = self.obj.get(field) else {
                continue;
            };
            if let Some(key) = map.keys().find(|k| !crate::yaml::plain_scalar_is_string(k)) {
                return Err(format!(
                    "{field} key {key:?} of {} {} is not a string in YAML: json: unsupported type: map[interface {{}}]interface {{}}",
                    self.kind(),
                    self.name()
                ));
            }
        }
        Ok(())
    }

    /// Rewrites annotation values as strings (kustomize rewrites the annotations map as
    /// `map[string]string` when it strips its build annotations, so `port: 8080` becomes
    /// `port: "8080"`).
    ///
    /// kyaml reads the map by walking the node's children in key/value pairs whatever its
    /// kind: a scalar (or null) gives no annotations and the field is cleared, a sequence
    /// is read as alternating keys and values, and one of odd length makes kustomize crash
    /// (an error here).
    pub fn stringify_annotations(&mut self) -> Result<(), String> {
        let Some(meta) = self.obj.get_mut("metadata").and_then(|m| m.as_object_mut()) else {
            return Ok(());
        };
        let Some(field) = meta.get_mut("annotations") else {
            return Ok(());
        };
        match field {
            Value::Object(annotations) => {
                for value in annotations.values_mut() {
                    if !value.is_string() {
                        *value = Value::String(node_text(value));
                    }
                }
            }
            Value::Array(items) if items.len() % 2 == 1 => {
                return Err(format!(
                    "metadata.annotations is a sequence of {} items, not a mapping",
                    items.len()
                ));
            }
            Value::Array(items) => {
                let mut map = serde_json::Map::new();
                for pair in items.chunks(2) {
                    if let [k, v] = pair {
                        map.insert(node_text(k), Value::String(node_text(v)));
                    }
                }
                if map.is_empty() {
                    meta.remove("annotations");
                } else {
                    *field = Value::Object(map);
                }
            }
            _ => {
                meta.remove("annotations");
            }
        }
        Ok(())
    }

    /// Whether the object is empty (kustomize drops such documents).
    pub fn is_empty(&self) -> bool {
        self.obj.is_empty()
    }
}

/// A node's scalar text: collections have none.
fn node_text(value: &Value) -> String {
    match value {
        Value::Array(_) | Value::Object(_) => String::new(),
        other => scalar_text(other),
    }
}

/// The text of a scalar as kustomize reads string maps (numbers and booleans as written).
pub fn scalar_text(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        Value::Null => String::new(),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn res(v: Value) -> Resource {
        Resource::new(v.as_object().cloned().unwrap_or_default())
    }

    #[test]
    fn annotations_are_read_like_kyaml_whatever_their_kind() {
        let mut r = res(json!({"metadata": {"name": "x", "annotations": {"a": 1, "b": {"c": 1}}}}));
        r.stringify_annotations().expect("map");
        assert_eq!(r.obj["metadata"]["annotations"], json!({"a": "1", "b": ""}));
        let mut r = res(json!({"metadata": {"name": "x", "annotations": 5}}));
        r.stringify_annotations().expect("scalar");
        assert!(r.obj["metadata"].get("annotations").is_none());
        let mut r = res(json!({"metadata": {"name": "x", "annotations": ["a", "b"]}}));
        r.stringify_annotations().expect("pairs");
        assert_eq!(r.obj["metadata"]["annotations"], json!({"a": "b"}));
        let mut r = res(json!({"metadata": {"name": "x", "annotations": ["a"]}}));
        assert!(r.stringify_annotations().is_err());
    }

    #[test]
    fn generated_keys_that_yaml_types_cannot_be_printed() {
        let mut r = res(json!({"kind": "ConfigMap", "metadata": {"name": "x"},
            "data": {"10": "a", "ok": "b"}}));
        assert!(
            r.check_plain_data_keys().is_ok(),
            "written keys are quoted as needed"
        );
        r.build.plain_data_keys = true;
        assert!(r.check_plain_data_keys().is_err());
        r.obj.insert("data".into(), json!({"x10": "a", "a.b": "c"}));
        assert!(r.check_plain_data_keys().is_ok());
    }
}

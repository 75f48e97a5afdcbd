//! The kustomization file: its fields (v5.5.0), strict parsing and the legacy-field fix-ups
//! kustomize applies before building.

use std::collections::BTreeMap;

use serde::Deserialize;
use serde_json::Value;

use super::resid::Gvk;

pub const KUSTOMIZATION_VERSION: &str = "kustomize.config.k8s.io/v1beta1";
pub const COMPONENT_VERSION: &str = "kustomize.config.k8s.io/v1alpha1";
pub const KUSTOMIZATION_KIND: &str = "Kustomization";
pub const COMPONENT_KIND: &str = "Component";

/// The file names kustomize recognises, in its order.
pub const FILE_NAMES: [&str; 3] = ["kustomization.yaml", "kustomization.yml", "Kustomization"];

/// A kustomization (or component) file.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Kustomization {
    #[serde(default)]
    pub api_version: String,
    #[serde(default)]
    pub kind: String,
    #[serde(default)]
    pub metadata: Option<Value>,
    #[serde(default)]
    pub openapi: BTreeMap<String, String>,
    #[serde(default)]
    pub name_prefix: String,
    #[serde(default)]
    pub name_suffix: String,
    #[serde(default)]
    pub namespace: String,
    #[serde(default)]
    pub common_labels: BTreeMap<String, String>,
    #[serde(default)]
    pub labels: Vec<Label>,
    #[serde(default)]
    pub common_annotations: BTreeMap<String, String>,
    #[serde(default)]
    pub patches_strategic_merge: Vec<String>,
    #[serde(default)]
    pub patches_json6902: Vec<Patch>,
    #[serde(default)]
    pub patches: Vec<Patch>,
    #[serde(default)]
    pub images: Vec<Image>,
    #[serde(default)]
    pub image_tags: Vec<Image>,
    #[serde(default)]
    pub replacements: Vec<ReplacementField>,
    #[serde(default)]
    pub replicas: Vec<Replica>,
    #[serde(
        default,
        deserialize_with = "crate::render::transform::vars::deserialize_vars"
    )]
    pub vars: Vec<Var>,
    #[serde(default)]
    pub sort_options: Option<SortOptions>,
    #[serde(default)]
    pub resources: Vec<String>,
    #[serde(default)]
    pub components: Vec<String>,
    #[serde(default)]
    pub crds: Vec<String>,
    #[serde(default)]
    pub bases: Vec<String>,
    #[serde(default)]
    pub config_map_generator: Vec<GeneratorArgs>,
    #[serde(default)]
    pub secret_generator: Vec<GeneratorArgs>,
    #[serde(default)]
    pub helm_globals: Option<Value>,
    #[serde(default)]
    pub helm_charts: Vec<Value>,
    #[serde(default)]
    pub helm_chart_inflation_generator: Vec<Value>,
    #[serde(default)]
    pub generator_options: Option<GeneratorOptions>,
    #[serde(default)]
    pub configurations: Vec<String>,
    #[serde(default)]
    pub generators: Vec<String>,
    #[serde(default)]
    pub transformers: Vec<String>,
    #[serde(default)]
    pub validators: Vec<String>,
    #[serde(default)]
    pub inventory: Option<Value>,
    #[serde(default)]
    pub build_metadata: Vec<String>,
}

/// A `labels:` entry.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Label {
    #[serde(default)]
    pub pairs: BTreeMap<String, String>,
    #[serde(default)]
    pub include_selectors: bool,
    #[serde(default)]
    pub include_templates: bool,
    #[serde(default)]
    pub fields: Vec<FieldSpec>,
}

/// Where a transformer writes: an optional gvk filter and a `/`-separated path.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FieldSpec {
    #[serde(default)]
    pub group: String,
    #[serde(default)]
    pub version: String,
    #[serde(default)]
    pub kind: String,
    #[serde(default)]
    pub path: String,
    #[serde(default, rename = "create")]
    pub create_if_not_present: bool,
}

impl FieldSpec {
    pub fn gvk(&self) -> Gvk {
        Gvk {
            group: self.group.clone(),
            version: self.version.clone(),
            kind: self.kind.clone(),
        }
    }

    pub fn at(path: &str, create: bool) -> FieldSpec {
        FieldSpec {
            path: path.to_string(),
            create_if_not_present: create,
            ..FieldSpec::default()
        }
    }
}

/// A `patches:` / `patchesJson6902:` entry.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Patch {
    #[serde(default)]
    pub path: String,
    #[serde(default)]
    pub patch: String,
    #[serde(default)]
    pub target: Option<Selector>,
    #[serde(default)]
    pub options: BTreeMap<String, bool>,
}

/// Selects resources by id fields (regular expressions) and label/annotation selectors.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Selector {
    #[serde(default)]
    pub group: String,
    #[serde(default)]
    pub version: String,
    #[serde(default)]
    pub kind: String,
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub namespace: String,
    #[serde(default)]
    pub label_selector: String,
    #[serde(default)]
    pub annotation_selector: String,
}

/// An `images:` entry.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Image {
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub new_name: String,
    #[serde(default)]
    pub new_tag: String,
    #[serde(default)]
    pub digest: String,
}

/// A `replicas:` entry.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Replica {
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub count: i64,
}

/// A `configMapGenerator:` / `secretGenerator:` entry.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GeneratorArgs {
    #[serde(default)]
    pub namespace: String,
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub behavior: String,
    #[serde(default)]
    pub literals: Vec<String>,
    #[serde(default)]
    pub files: Vec<String>,
    #[serde(default)]
    pub envs: Vec<String>,
    #[serde(default)]
    pub env: String,
    #[serde(default)]
    pub options: Option<GeneratorOptions>,
    /// Secrets only.
    #[serde(default, rename = "type")]
    pub secret_type: String,
}

/// `generatorOptions:` or a generator's `options:`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct GeneratorOptions {
    #[serde(default)]
    pub labels: BTreeMap<String, String>,
    #[serde(default)]
    pub annotations: BTreeMap<String, String>,
    #[serde(default)]
    pub disable_name_suffix_hash: bool,
    #[serde(default)]
    pub immutable: bool,
}

impl GeneratorOptions {
    /// kustomize's `MergeGlobalOptionsIntoLocal`: local values win, maps merge, flags OR.
    pub fn merge_global(
        local: Option<&GeneratorOptions>,
        global: Option<&GeneratorOptions>,
    ) -> GeneratorOptions {
        let mut merged = local.cloned().unwrap_or_default();
        if let Some(global) = global {
            for (k, v) in &global.labels {
                merged.labels.entry(k.clone()).or_insert_with(|| v.clone());
            }
            for (k, v) in &global.annotations {
                merged
                    .annotations
                    .entry(k.clone())
                    .or_insert_with(|| v.clone());
            }
            merged.disable_name_suffix_hash |= global.disable_name_suffix_hash;
            merged.immutable |= global.immutable;
        }
        merged
    }
}

/// A `vars:` entry.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Var {
    pub name: String,
    #[serde(default)]
    pub objref: VarTarget,
    #[serde(default)]
    pub fieldref: FieldSelector,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct VarTarget {
    #[serde(default)]
    pub api_version: String,
    #[serde(default)]
    pub group: String,
    #[serde(default)]
    pub version: String,
    #[serde(default)]
    pub kind: String,
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub namespace: String,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct FieldSelector {
    #[serde(default)]
    pub field_path: String,
}

/// A `replacements:` entry: inline, or a `path` to a file of replacements.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReplacementField {
    #[serde(default)]
    pub path: String,
    #[serde(default)]
    pub source: Option<Value>,
    #[serde(default)]
    pub targets: Option<Value>,
}

/// `sortOptions:`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct SortOptions {
    #[serde(default)]
    pub order: String,
    #[serde(default)]
    pub legacy_sort_options: Option<LegacySortOptions>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct LegacySortOptions {
    #[serde(default)]
    pub order_first: Vec<String>,
    #[serde(default)]
    pub order_last: Vec<String>,
}

/// kustomize's `CheckEmpty`: whether the decoded kustomization equals an empty one, its
/// type metadata aside. Go tells a missing or null slice, map or pointer from an empty
/// one, so `resources: []` is not empty while `namePrefix: ""` is.
pub fn is_empty_value(value: &Value) -> bool {
    match value {
        Value::Null => true,
        Value::Object(map) => map.iter().all(|(key, v)| {
            key.eq_ignore_ascii_case("apiVersion")
                || key.eq_ignore_ascii_case("kind")
                || match v {
                    Value::Null => true,
                    Value::String(s) => s.is_empty(),
                    Value::Bool(b) => !b,
                    _ => false,
                }
        }),
        _ => false,
    }
}

/// Why a kustomization could not be read.
#[derive(Debug, Clone)]
pub struct KustomizationProblem(pub String);

impl Kustomization {
    /// Parses the kustomization from its YAML value: unknown fields and wrong types are
    /// errors; field names match case-insensitively, as with kustomize's JSON decoding.
    pub fn from_value(value: Value) -> Result<Kustomization, KustomizationProblem> {
        if !value.is_object() && !value.is_null() {
            return Err(KustomizationProblem(format!(
                "expected a mapping, found {}",
                kind_of(&value)
            )));
        }
        let value = if value.is_null() {
            Value::Object(serde_json::Map::new())
        } else {
            value
        };
        super::fold::from_value(value).map_err(|e| KustomizationProblem(e.to_string()))
    }

    /// kustomize's `FixKustomization`: default kind/apiVersion, fold deprecated fields in.
    pub fn fix_legacy_fields(&mut self) {
        if self.kind.is_empty() {
            self.kind = KUSTOMIZATION_KIND.to_string();
        }
        if self.api_version.is_empty() {
            self.api_version = if self.kind == COMPONENT_KIND {
                COMPONENT_VERSION.to_string()
            } else {
                KUSTOMIZATION_VERSION.to_string()
            };
        }
        let bases = std::mem::take(&mut self.bases);
        self.resources.extend(bases);
        let tags = std::mem::take(&mut self.image_tags);
        self.images.extend(tags);
        for generator in self
            .config_map_generator
            .iter_mut()
            .chain(self.secret_generator.iter_mut())
        {
            if !generator.env.is_empty() {
                let env = std::mem::take(&mut generator.env);
                generator.envs.push(env);
            }
        }
    }

    /// kustomize's `EnforceFields`: kind and apiVersion must be the known pair.
    pub fn enforce_fields(&self) -> Vec<String> {
        let mut errors = Vec::new();
        if !self.kind.is_empty() && self.kind != KUSTOMIZATION_KIND && self.kind != COMPONENT_KIND {
            errors.push(format!(
                "kind should be {KUSTOMIZATION_KIND} or {COMPONENT_KIND}"
            ));
        }
        let required = if self.kind == COMPONENT_KIND {
            COMPONENT_VERSION
        } else {
            KUSTOMIZATION_VERSION
        };
        if !self.api_version.is_empty() && self.api_version != required {
            errors.push(format!("apiVersion for {} should be {required}", self.kind));
        }
        errors
    }

    pub fn is_component(&self) -> bool {
        self.kind == COMPONENT_KIND
    }
}

pub fn kind_of(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "a mapping",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn unknown_fields_are_rejected_and_case_is_ignored() {
        let k = Kustomization::from_value(json!({"nameprefix": "a-"})).expect("parses");
        assert_eq!(k.name_prefix, "a-");
        let err = Kustomization::from_value(json!({"resourcez": []})).expect_err("unknown");
        assert!(err.0.contains("resourcez"), "{}", err.0);
        let err = Kustomization::from_value(json!({"commonLabels": {"a": 1}})).expect_err("type");
        assert!(err.0.contains("invalid type"), "{}", err.0);
    }

    #[test]
    fn emptiness_follows_go_zero_values() {
        assert!(is_empty_value(&Value::Null));
        assert!(is_empty_value(
            &json!({"apiVersion": "v1", "kind": "Kustomization", "namePrefix": "", "images": null})
        ));
        assert!(!is_empty_value(&json!({"resources": []})));
        assert!(!is_empty_value(&json!({"commonLabels": {}})));
    }

    #[test]
    fn null_values_read_as_go_zero_values() {
        let k = Kustomization::from_value(
            json!({"namePrefix": null, "images": null, "commonAnnotations": {"a": null}}),
        )
        .expect("parses");
        assert_eq!(k.name_prefix, "");
        assert!(k.images.is_empty());
        assert_eq!(k.common_annotations.get("a").map(String::as_str), Some(""));
    }
}

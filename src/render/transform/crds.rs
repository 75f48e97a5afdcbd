//! Transformer configuration from `crds:` (kustomize's `LoadConfigFromCRDs`): each file is a
//! map of OpenAPI definitions (Go type name → `{Schema, Dependencies}`), and the vendor
//! extensions on a custom kind's properties say which fields are name references
//! (`x-kubernetes-object-ref-api-version` + `-kind`, optional `-name-key`), label selectors,
//! annotations, or the object's identity (prefixed like a name).

use std::path::Path;

use serde_json::{Map, Value};

use crate::render::config::{NameBackReferences, TransformerConfig};
use crate::render::error::RenderError;
use crate::render::kustomization::FieldSpec;
use crate::render::loader::Loader;

const X_ANNOTATION: &str = "x-kubernetes-annotation";
const X_LABEL_SELECTOR: &str = "x-kubernetes-label-selector";
const X_IDENTITY: &str = "x-kubernetes-identity";
const X_VERSION: &str = "x-kubernetes-object-ref-api-version";
const X_KIND: &str = "x-kubernetes-object-ref-kind";
const X_NAME_KEY: &str = "x-kubernetes-object-ref-name-key";

pub fn config_from_crds(
    loader: &Loader,
    paths: &[String],
) -> Result<TransformerConfig, RenderError> {
    let mut config = TransformerConfig::default();
    for path in paths {
        let bytes = loader.load(path)?;
        let file = loader.root().join(path);
        let definitions = parse_definitions(&bytes, &file)?;
        let more = config_from_definitions(&definitions, &file)?;
        merge(&mut config, &more, &file)?;
    }
    Ok(config)
}

fn crd_error(file: &Path, message: impl Into<String>) -> RenderError {
    RenderError::Crd {
        path: file.to_path_buf(),
        message: message.into(),
    }
}

fn merge(
    config: &mut TransformerConfig,
    more: &TransformerConfig,
    file: &Path,
) -> Result<(), RenderError> {
    config
        .merge(more)
        .map_err(|c| crd_error(file, format!("conflicting field spec {:?}", c.0.path)))
}

/// JSON when the file starts with `{`, YAML otherwise (as kustomize decides).
fn parse_definitions(bytes: &[u8], file: &Path) -> Result<Map<String, Value>, RenderError> {
    let unparsable =
        |m: String| crd_error(file, format!("unable to parse open API definition: {m}"));
    if bytes.is_empty() {
        return Err(unparsable("empty file".into()));
    }
    let text = std::str::from_utf8(bytes).map_err(|_| unparsable("not valid UTF-8".into()))?;
    let value = if bytes[0] == b'{' {
        serde_json::from_str(text).map_err(|e| unparsable(e.to_string()))?
    } else {
        crate::yaml::parse_document(text).map_err(|e| unparsable(e.to_string()))?
    };
    match value {
        Value::Object(map) => Ok(map),
        Value::Null => Ok(Map::new()),
        _ => Err(unparsable("expected a map of definitions".into())),
    }
}

/// A field of a Go-decoded struct: exact name first, then any case.
fn field<'a>(obj: &'a Map<String, Value>, name: &str) -> Option<&'a Value> {
    obj.get(name).or_else(|| {
        obj.iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v)
    })
}

/// The `properties` of a definition's schema.
fn properties(definition: &Value) -> Option<&Map<String, Value>> {
    let schema = field(definition.as_object()?, "Schema")?.as_object()?;
    field(schema, "properties")?.as_object()
}

/// A string-valued vendor extension (go-openapi only finds lower-case keys).
fn extension<'a>(property: &'a Map<String, Value>, key: &str) -> Option<&'a str> {
    property.get(key)?.as_str()
}

fn config_from_definitions(
    definitions: &Map<String, Value>,
    file: &Path,
) -> Result<TransformerConfig, RenderError> {
    let mut result = TransformerConfig::default();
    for (name, definition) in definitions {
        let Some(props) = properties(definition) else {
            continue;
        };
        if !(props.contains_key("kind")
            && props.contains_key("apiVersion")
            && props.contains_key("metadata"))
        {
            continue;
        }
        // The kind is the last dot-separated part of the Go type name; the name must
        // spell group.version.kind.
        let parts: Vec<&str> = name.split('.').collect();
        if parts.len() < 3 {
            return Err(crd_error(
                file,
                format!(
                    "`api` should be specified in dot notation: group.version.kind (got '{name}')"
                ),
            ));
        }
        let kind = parts.last().copied().unwrap_or_default();
        let mut one = Collector {
            definitions,
            kind,
            config: TransformerConfig::default(),
            stack: Vec::new(),
        };
        one.load(name, &mut Vec::new())
            .map_err(|c| crd_error(file, format!("conflicting field spec {:?}", c.0.path)))?;
        merge(&mut result, &one.config, file)?;
    }
    Ok(result)
}

/// Walks one custom kind's schema, following `$ref`s, collecting its field specs.
struct Collector<'a> {
    definitions: &'a Map<String, Value>,
    kind: &'a str,
    config: TransformerConfig,
    /// Type names being walked, to stop on a type that contains itself.
    stack: Vec<String>,
}

impl Collector<'_> {
    fn spec(&self, path: &[&str]) -> FieldSpec {
        FieldSpec {
            kind: self.kind.to_string(),
            path: path.join("/"),
            ..FieldSpec::default()
        }
    }

    fn load(
        &mut self,
        type_name: &str,
        path: &mut Vec<String>,
    ) -> Result<(), crate::render::config::ConflictingFieldSpec> {
        let definitions = self.definitions;
        let Some(props) = definitions.get(type_name).and_then(properties) else {
            return Ok(());
        };
        if self.stack.iter().any(|t| t == type_name) {
            return Ok(());
        }
        self.stack.push(type_name.to_string());
        for (prop_name, property) in props {
            let Some(property) = property.as_object() else {
                continue;
            };
            path.push(prop_name.clone());
            let here: Vec<&str> = path.iter().map(String::as_str).collect();
            if extension(property, X_ANNOTATION).is_some() {
                let fs = self.spec(&here);
                crate::render::config::merge_one(&mut self.config.common_annotations, fs)?;
            }
            if extension(property, X_LABEL_SELECTOR).is_some() {
                let fs = self.spec(&here);
                crate::render::config::merge_one(&mut self.config.common_labels, fs)?;
            }
            if extension(property, X_IDENTITY).is_some() {
                let fs = self.spec(&here);
                crate::render::config::merge_one(&mut self.config.name_prefix, fs)?;
            }
            if let (Some(version), Some(kind)) =
                (extension(property, X_VERSION), extension(property, X_KIND))
            {
                let name_key = extension(property, X_NAME_KEY).unwrap_or("name");
                let mut with_key = here.clone();
                with_key.push(name_key);
                let backref = NameBackReferences {
                    group: String::new(),
                    version: version.to_string(),
                    kind: kind.to_string(),
                    referrers: vec![self.spec(&with_key)],
                };
                self.config.merge(&TransformerConfig {
                    name_reference: vec![backref],
                    ..TransformerConfig::default()
                })?;
            }
            if let Some(reference) = property.get("$ref").and_then(Value::as_str) {
                self.load(reference, path)?;
            }
            path.pop();
        }
        self.stack.pop();
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn object_refs_become_name_references() {
        let defs = json!({
            "example.com/v1.MyKind": {"Schema": {"properties": {
                "apiVersion": {"type": "string"},
                "kind": {"type": "string"},
                "metadata": {"$ref": "meta.ObjectMeta"},
                "spec": {"$ref": "example.com/v1.MyKindSpec"},
            }}},
            "example.com/v1.MyKindSpec": {"Schema": {"properties": {
                "secretRef": {
                    "x-kubernetes-object-ref-api-version": "v1",
                    "x-kubernetes-object-ref-kind": "Secret",
                },
                "beeRef": {
                    "x-kubernetes-object-ref-api-version": "v1beta1",
                    "x-kubernetes-object-ref-kind": "Bee",
                    "x-kubernetes-object-ref-name-key": "beeName",
                },
                "selector": {"x-kubernetes-label-selector": ""},
                "loop": {"$ref": "example.com/v1.MyKindSpec"},
            }}},
        });
        let defs = defs.as_object().cloned().unwrap_or_default();
        let config = config_from_definitions(&defs, Path::new("crd.json")).expect("loads");
        let secret = config
            .name_reference
            .iter()
            .find(|b| b.kind == "Secret")
            .expect("secret back reference");
        assert_eq!(secret.version, "v1");
        assert_eq!(secret.referrers[0].kind, "MyKind");
        assert_eq!(secret.referrers[0].path, "spec/secretRef/name");
        let bee = config
            .name_reference
            .iter()
            .find(|b| b.kind == "Bee")
            .expect("bee back reference");
        assert_eq!(bee.referrers[0].path, "spec/beeRef/beeName");
        assert_eq!(config.common_labels[0].path, "spec/selector");
    }

    #[test]
    fn type_names_need_three_parts() {
        let defs = json!({"v1.MyKind": {"Schema": {"properties": {
            "apiVersion": {}, "kind": {}, "metadata": {},
        }}}});
        let defs = defs.as_object().cloned().unwrap_or_default();
        assert!(config_from_definitions(&defs, Path::new("crd.json")).is_err());
    }
}

//! Builtin plugin configurations (`apiVersion: builtin`): reading each kind's config as
//! kustomize's plugin `Config` does (Go's decoder: exact or case-insensitive field names,
//! unknown fields ignored) into the types the transformers and generators take.

use std::collections::BTreeMap;

use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

use super::transform_error;
use crate::render::error::RenderError;
use crate::render::generate;
use crate::render::kustomization::{
    FieldSpec, GeneratorArgs, Image, Patch, ReplacementField, Replica, Selector,
};
use crate::render::resource::Resource;
use crate::render::target::Target;

/// Which fields a config has (Go's decoder: exact, then case-insensitive names; unknown
/// fields and nulls ignored), so that the strict kustomization types can read it.
enum Shape {
    Any,
    Obj(&'static [(&'static str, &'static Shape)]),
    List(&'static Shape),
}

static ANY: Shape = Shape::Any;
static FIELD_SPEC: Shape = Shape::Obj(&[
    ("group", &ANY),
    ("version", &ANY),
    ("kind", &ANY),
    ("path", &ANY),
    ("create", &ANY),
]);
static FIELD_SPECS: Shape = Shape::List(&FIELD_SPEC);
static SELECTOR: Shape = Shape::Obj(&[
    ("group", &ANY),
    ("version", &ANY),
    ("kind", &ANY),
    ("name", &ANY),
    ("namespace", &ANY),
    ("labelSelector", &ANY),
    ("annotationSelector", &ANY),
]);
static META: Shape = Shape::Obj(&[("name", &ANY), ("namespace", &ANY)]);
static REPLACEMENT_FIELD: Shape =
    Shape::Obj(&[("path", &ANY), ("source", &ANY), ("targets", &ANY)]);
static REPLACEMENT_FIELDS: Shape = Shape::List(&REPLACEMENT_FIELD);
static PREFIX_SUFFIX: Shape = Shape::Obj(&[
    ("prefix", &ANY),
    ("suffix", &ANY),
    ("fieldSpecs", &FIELD_SPECS),
]);
static LABELS: Shape = Shape::Obj(&[("labels", &ANY), ("fieldSpecs", &FIELD_SPECS)]);
static ANNOTATIONS: Shape = Shape::Obj(&[("annotations", &ANY), ("fieldSpecs", &FIELD_SPECS)]);
static NAMESPACE: Shape = Shape::Obj(&[
    ("metadata", &META),
    ("fieldSpecs", &FIELD_SPECS),
    ("unsetOnly", &ANY),
    ("setRoleBindingSubjects", &ANY),
]);
static IMAGE_TAG: Shape = Shape::Obj(&[
    (
        "imageTag",
        &Shape::Obj(&[
            ("name", &ANY),
            ("newName", &ANY),
            ("newTag", &ANY),
            ("digest", &ANY),
        ]),
    ),
    ("fieldSpecs", &FIELD_SPECS),
]);
static REPLICA_COUNT: Shape = Shape::Obj(&[
    ("replica", &Shape::Obj(&[("name", &ANY), ("count", &ANY)])),
    ("fieldSpecs", &FIELD_SPECS),
]);
static PATCH: Shape = Shape::Obj(&[
    ("path", &ANY),
    ("patch", &ANY),
    ("target", &SELECTOR),
    ("options", &ANY),
]);
static PATCH_SM: Shape = Shape::Obj(&[("paths", &ANY), ("patches", &ANY)]);
static PATCH_JSON: Shape = Shape::Obj(&[("target", &SELECTOR), ("path", &ANY), ("jsonOp", &ANY)]);
static REPLACEMENTS: Shape = Shape::Obj(&[("replacements", &REPLACEMENT_FIELDS)]);
static IAM_POLICY: Shape = Shape::Obj(&[
    ("cloud", &ANY),
    ("kubernetesService", &META),
    (
        "serviceAccount",
        &Shape::Obj(&[("name", &ANY), ("projectId", &ANY)]),
    ),
]);

fn normalize(value: &Value, shape: &Shape) -> Value {
    match (shape, value) {
        (Shape::Obj(fields), Value::Object(map)) => {
            let mut out = Map::new();
            for (key, v) in map {
                if v.is_null() {
                    continue;
                }
                let field = fields
                    .iter()
                    .find(|(n, _)| n == key)
                    .or_else(|| fields.iter().find(|(n, _)| n.eq_ignore_ascii_case(key)));
                if let Some((name, inner)) = field {
                    out.insert(name.to_string(), normalize(v, inner));
                }
            }
            Value::Object(out)
        }
        (Shape::List(item), Value::Array(items)) => {
            Value::Array(items.iter().map(|v| normalize(v, item)).collect())
        }
        _ => value.clone(),
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub(crate) struct PrefixSuffixConfig {
    pub(crate) prefix: String,
    pub(crate) suffix: String,
    /// Required: kustomize refuses these configs without `fieldSpecs`.
    pub(crate) field_specs: Option<Vec<FieldSpec>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub(crate) struct MapConfig {
    pub(crate) labels: BTreeMap<String, String>,
    pub(crate) annotations: BTreeMap<String, String>,
    pub(crate) field_specs: Vec<FieldSpec>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(crate) struct Meta {
    pub(crate) name: String,
    pub(crate) namespace: String,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub(crate) struct NamespaceConfig {
    pub(crate) metadata: Meta,
    pub(crate) field_specs: Vec<FieldSpec>,
    pub(crate) unset_only: bool,
    pub(crate) set_role_binding_subjects: String,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub(crate) struct ImageTagConfig {
    pub(crate) image_tag: Image,
    pub(crate) field_specs: Vec<FieldSpec>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub(crate) struct ReplicaCountConfig {
    pub(crate) replica: Replica,
    pub(crate) field_specs: Vec<FieldSpec>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(crate) struct PatchSmConfig {
    pub(crate) paths: Vec<String>,
    pub(crate) patches: String,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub(crate) struct PatchJsonConfig {
    pub(crate) target: Option<Selector>,
    pub(crate) path: String,
    pub(crate) json_op: String,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(crate) struct ReplacementConfig {
    pub(crate) replacements: Vec<ReplacementField>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub(crate) struct ServiceAccount {
    pub(crate) name: String,
    pub(crate) project_id: String,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub(crate) struct IamPolicyConfig {
    pub(crate) cloud: String,
    pub(crate) kubernetes_service: Meta,
    pub(crate) service_account: ServiceAccount,
}

/// A configured builtin plugin.
pub(crate) enum Builtin {
    PrefixSuffix(PrefixSuffixConfig),
    Labels(MapConfig),
    Annotations(MapConfig),
    Namespace(NamespaceConfig),
    ImageTag(ImageTagConfig),
    ReplicaCount(ReplicaCountConfig),
    Patch(Patch),
    PatchSm(PatchSmConfig),
    PatchJson(PatchJsonConfig),
    Replacement(ReplacementConfig),
    Hash,
    ConfigMap(GeneratorArgs),
    Secret(GeneratorArgs),
    IamPolicy(IamPolicyConfig),
}

impl Builtin {
    pub(crate) fn is_generator(&self) -> bool {
        matches!(
            self,
            Builtin::ConfigMap(_) | Builtin::Secret(_) | Builtin::IamPolicy(_)
        )
    }
}

fn read<T: DeserializeOwned>(obj: &Value, shape: &Shape, id: &str) -> Result<T, String> {
    serde_json::from_value(normalize(obj, shape))
        .map_err(|e| format!("plugin {id} fails configuration: {e}"))
}

/// Reads a builtin plugin config (kustomize's `makeBuiltinPlugin` + `Config`).
pub(crate) fn configure(target: &Target, config: &Resource) -> Result<Builtin, RenderError> {
    let id = config.org_id().to_string();
    let gvk = config.gvk();
    if !(gvk.group.is_empty() && gvk.version == "builtin") {
        return Err(RenderError::Unsupported {
            what: format!("plugin {id} (only builtin plugins are)"),
            needs: "running external plugins",
            kustomization: target.file.clone(),
        });
    }
    let obj = Value::Object(config.obj.clone());
    let fail = |m: String| transform_error("plugins", &target.file, m);
    let no_specs = || {
        fail(format!(
            "plugin {id} fails configuration: fieldSpecs is not expected to be nil"
        ))
    };
    let plugin = match gvk.kind.as_str() {
        "PrefixSuffixTransformer" | "PrefixTransformer" | "SuffixTransformer" => {
            let mut c: PrefixSuffixConfig = read(&obj, &PREFIX_SUFFIX, &id).map_err(fail)?;
            if c.field_specs.is_none() {
                return Err(no_specs());
            }
            match gvk.kind.as_str() {
                "PrefixTransformer" => c.suffix.clear(),
                "SuffixTransformer" => c.prefix.clear(),
                _ => {}
            }
            Builtin::PrefixSuffix(c)
        }
        "LabelTransformer" => Builtin::Labels(read(&obj, &LABELS, &id).map_err(fail)?),
        "AnnotationsTransformer" => {
            Builtin::Annotations(read(&obj, &ANNOTATIONS, &id).map_err(fail)?)
        }
        "NamespaceTransformer" => Builtin::Namespace(read(&obj, &NAMESPACE, &id).map_err(fail)?),
        "ImageTagTransformer" => Builtin::ImageTag(read(&obj, &IMAGE_TAG, &id).map_err(fail)?),
        "ReplicaCountTransformer" => {
            Builtin::ReplicaCount(read(&obj, &REPLICA_COUNT, &id).map_err(fail)?)
        }
        "PatchTransformer" => Builtin::Patch(read(&obj, &PATCH, &id).map_err(fail)?),
        "PatchStrategicMergeTransformer" => {
            let c: PatchSmConfig = read(&obj, &PATCH_SM, &id).map_err(fail)?;
            if c.paths.is_empty() && c.patches.is_empty() {
                return Err(fail(format!(
                    "plugin {id} fails configuration: empty file path and empty patch content"
                )));
            }
            Builtin::PatchSm(c)
        }
        "PatchJson6902Transformer" => {
            Builtin::PatchJson(read(&obj, &PATCH_JSON, &id).map_err(fail)?)
        }
        "ReplacementTransformer" => {
            Builtin::Replacement(read(&obj, &REPLACEMENTS, &id).map_err(fail)?)
        }
        "HashTransformer" => Builtin::Hash,
        "ConfigMapGenerator" => {
            Builtin::ConfigMap(generate::plugin_args(&config.obj, false, &target.file)?)
        }
        "SecretGenerator" => {
            Builtin::Secret(generate::plugin_args(&config.obj, true, &target.file)?)
        }
        "IAMPolicyGenerator" => Builtin::IamPolicy(read(&obj, &IAM_POLICY, &id).map_err(fail)?),
        "HelmChartInflationGenerator" => {
            return Err(RenderError::Unsupported {
                what: "helm chart inflation".into(),
                needs: "running helm",
                kustomization: target.file.clone(),
            });
        }
        "ValueAddTransformer" => {
            return Err(RenderError::Unsupported {
                what: "the ValueAddTransformer builtin".into(),
                needs: "a value-add implementation",
                kustomization: target.file.clone(),
            });
        }
        _ => {
            return Err(fail(format!("unable to load builtin {}", config.gvk())));
        }
    };
    Ok(plugin)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn configs_are_read_leniently_and_case_insensitively() {
        let obj = json!({
            "apiVersion": "builtin", "kind": "PrefixSuffixTransformer",
            "metadata": {"name": "x"}, "Prefix": "p-", "unknown": 1,
            "fieldSpecs": [{"path": "metadata/name", "extra": true}]
        });
        let c: PrefixSuffixConfig = read(&obj, &PREFIX_SUFFIX, "x").expect("reads");
        assert_eq!(c.prefix, "p-");
        assert_eq!(
            c.field_specs,
            Some(vec![FieldSpec::at("metadata/name", false)])
        );
        let bad = json!({"prefix": 3});
        assert!(read::<PrefixSuffixConfig>(&bad, &PREFIX_SUFFIX, "x").is_err());
    }
}

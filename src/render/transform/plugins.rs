//! `generators:` and `transformers:` — builtin plugin configurations (`apiVersion: builtin`,
//! kind `PrefixSuffixTransformer`, `ConfigMapGenerator`, ...) given inline, in files, or as
//! the output of other kustomizations, run through the same transformer and generator code
//! as the kustomization fields. As in kustomize, inline configs come first, then the ones
//! loaded from paths, in list order. Exec, Go and KRM-function plugins are not supported.

use std::collections::BTreeMap;

use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

use super::build_metadata::{self, Origin};
use super::transform_error;
use crate::render::error::RenderError;
use crate::render::kustomization::{
    FieldSpec, GeneratorArgs, Image, Patch, ReplacementField, Replica, Selector,
};
use crate::render::resmap::ResMap;
use crate::render::resource::Resource;
use crate::render::target::{Accumulator, BuildContext, Target};
use crate::render::{generate, reader};

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
static GENERATOR_OPTIONS: Shape = Shape::Obj(&[
    ("labels", &ANY),
    ("annotations", &ANY),
    ("disableNameSuffixHash", &ANY),
    ("immutable", &ANY),
]);
static GENERATOR_ARGS: Shape = Shape::Obj(&[
    ("namespace", &ANY),
    ("name", &ANY),
    ("behavior", &ANY),
    ("literals", &ANY),
    ("files", &ANY),
    ("envs", &ANY),
    ("env", &ANY),
    ("options", &GENERATOR_OPTIONS),
    ("type", &ANY),
]);
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
struct PrefixSuffixConfig {
    prefix: String,
    suffix: String,
    /// Required: kustomize refuses these configs without `fieldSpecs`.
    field_specs: Option<Vec<FieldSpec>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
struct MapConfig {
    labels: BTreeMap<String, String>,
    annotations: BTreeMap<String, String>,
    field_specs: Vec<FieldSpec>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct Meta {
    name: String,
    namespace: String,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
struct NamespaceConfig {
    metadata: Meta,
    field_specs: Vec<FieldSpec>,
    unset_only: bool,
    set_role_binding_subjects: String,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
struct ImageTagConfig {
    image_tag: Image,
    field_specs: Vec<FieldSpec>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
struct ReplicaCountConfig {
    replica: Replica,
    field_specs: Vec<FieldSpec>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct PatchSmConfig {
    paths: Vec<String>,
    patches: String,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
struct PatchJsonConfig {
    target: Option<Selector>,
    path: String,
    json_op: String,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct ReplacementConfig {
    replacements: Vec<ReplacementField>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
struct ServiceAccount {
    name: String,
    project_id: String,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
struct IamPolicyConfig {
    cloud: String,
    kubernetes_service: Meta,
    service_account: ServiceAccount,
}

/// A configured builtin plugin.
enum Builtin {
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
    fn is_generator(&self) -> bool {
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
fn configure(target: &Target, config: &Resource) -> Result<Builtin, RenderError> {
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
        "ConfigMapGenerator" | "SecretGenerator" => {
            let mut args: GeneratorArgs = read(&obj, &GENERATOR_ARGS, &id).map_err(fail)?;
            // The generator's name and namespace default to the config's own.
            if args.name.is_empty() {
                args.name = config.name().to_string();
            }
            if args.namespace.is_empty() {
                args.namespace = config.namespace().to_string();
            }
            if !args.env.is_empty() {
                let env = std::mem::take(&mut args.env);
                args.envs.push(env);
            }
            if gvk.kind == "ConfigMapGenerator" {
                Builtin::ConfigMap(args)
            } else {
                Builtin::Secret(args)
            }
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

/// The configs listed in `generators:` or `transformers:`: inline YAML first, then files
/// and kustomization directories (built like bases).
fn load_configs(
    target: &Target,
    ctx: &BuildContext,
    entries: &[String],
) -> Result<Vec<Resource>, RenderError> {
    let mut acc = Accumulator::new();
    let mut paths = Vec::new();
    for entry in entries {
        let inline = crate::yaml::parse_documents(entry)
            .ok()
            .and_then(|docs| reader::resources_from_values(docs, "inline plugin config").ok());
        let Some(mut list) = inline else {
            paths.push(entry.clone());
            continue;
        };
        if let Some(t) = &ctx.tracking {
            let from = Origin::file(t.kustomization_of(target));
            build_metadata::add_origin(list.iter_mut(), &from);
        }
        for res in list {
            let id = res.cur_id();
            acc.resources
                .append(res)
                .map_err(|_| RenderError::DuplicateId {
                    id: id.to_string(),
                    origin: target.file.display().to_string(),
                })?;
        }
    }
    target.accumulate_resources(ctx, &mut acc, &paths)?;
    Ok(acc.resources.into_resources())
}

/// Runs the generators of `generators:` after the kustomization's own generators.
pub fn run_generators(
    target: &Target,
    ctx: &BuildContext,
    ra: &mut Accumulator,
) -> Result<(), RenderError> {
    let entries = &target.kustomization.generators;
    if entries.is_empty() {
        return Ok(());
    }
    let configs = load_configs(target, ctx, entries)?;
    let mut plugins = Vec::with_capacity(configs.len());
    for config in &configs {
        let plugin = configure(target, config)?;
        if !plugin.is_generator() {
            return Err(transform_error(
                "generators",
                &target.file,
                format!("plugin {} not a generator", config.org_id()),
            ));
        }
        plugins.push(plugin);
    }
    for (config, plugin) in configs.iter().zip(plugins) {
        let mut generated = generate_with(target, &plugin)?;
        if ctx.tracking.is_some()
            && let Some(origin) = Origin::from_plugin(config)
        {
            build_metadata::add_origin(generated.iter_mut(), &origin);
        }
        for res in generated {
            generate::absorb(&mut ra.resources, res, &target.file)?;
        }
    }
    Ok(())
}

fn generate_with(target: &Target, plugin: &Builtin) -> Result<Vec<Resource>, RenderError> {
    Ok(match plugin {
        Builtin::ConfigMap(args) => vec![generate::config_map(&target.loader, args, None)?],
        Builtin::Secret(args) => vec![generate::secret(&target.loader, args, None)?],
        Builtin::IamPolicy(c) => vec![iam_service_account(target, c)?],
        _ => Vec::new(),
    })
}

/// kustomize's IAMPolicyGenerator: a ServiceAccount bound to a GKE service account.
fn iam_service_account(target: &Target, c: &IamPolicyConfig) -> Result<Resource, RenderError> {
    if c.cloud != "gke" {
        return Err(transform_error(
            "generators",
            &target.file,
            format!("cloud provider {} not supported yet", c.cloud),
        ));
    }
    let account = format!(
        "{}@{}.iam.gserviceaccount.com",
        c.service_account.name, c.service_account.project_id
    );
    let mut metadata = Map::new();
    let mut annotations = Map::new();
    annotations.insert(
        "iam.gke.io/gcp-service-account".into(),
        Value::String(account),
    );
    metadata.insert("annotations".into(), Value::Object(annotations));
    metadata.insert(
        "name".into(),
        Value::String(c.kubernetes_service.name.clone()),
    );
    if !c.kubernetes_service.namespace.is_empty() {
        metadata.insert(
            "namespace".into(),
            Value::String(c.kubernetes_service.namespace.clone()),
        );
    }
    let mut obj = Map::new();
    obj.insert("apiVersion".into(), Value::String("v1".into()));
    obj.insert("kind".into(), Value::String("ServiceAccount".into()));
    obj.insert("metadata".into(), Value::Object(metadata));
    Ok(Resource::new(obj))
}

/// Runs the transformers of `transformers:` after the kustomization's builtin ones.
pub fn run_transformers(
    target: &Target,
    ctx: &BuildContext,
    ra: &mut Accumulator,
) -> Result<(), RenderError> {
    let entries = &target.kustomization.transformers;
    if entries.is_empty() {
        return Ok(());
    }
    let configs = load_configs(target, ctx, entries)?;
    let mut plugins = Vec::with_capacity(configs.len());
    for config in &configs {
        let plugin = configure(target, config)?;
        if plugin.is_generator() {
            return Err(transform_error(
                "transformers",
                &target.file,
                format!("plugin {} not a transformer", config.org_id()),
            ));
        }
        plugins.push(plugin);
    }
    for (config, plugin) in configs.iter().zip(plugins) {
        transform_with(target, ctx, &mut ra.resources, &plugin)?;
        if ctx.tracking.is_some() {
            build_metadata::record_transformer(
                &mut ra.resources,
                Origin::from_plugin(config).as_ref(),
            );
        }
        ra.resources.retain(|r| !r.is_empty());
    }
    Ok(())
}

fn transform_with(
    target: &Target,
    ctx: &BuildContext,
    resources: &mut ResMap,
    plugin: &Builtin,
) -> Result<(), RenderError> {
    let file = target.file.as_path();
    match plugin {
        Builtin::PrefixSuffix(c) => {
            if !c.prefix.is_empty() || !c.suffix.is_empty() {
                let specs = c.field_specs.as_deref().unwrap_or_default();
                super::prefix_suffix::apply(resources, &c.prefix, &c.suffix, specs, file)?;
            }
        }
        Builtin::Labels(c) => {
            super::labels::set_entries(resources, &c.labels, &c.field_specs, "labels", file)?;
        }
        Builtin::Annotations(c) => {
            super::labels::set_entries(
                resources,
                &c.annotations,
                &c.field_specs,
                "annotations",
                file,
            )?;
        }
        Builtin::Namespace(c) => {
            let mode = c.set_role_binding_subjects.as_str();
            if !matches!(mode, "" | "defaultOnly") {
                return Err(RenderError::Unsupported {
                    what: format!("setRoleBindingSubjects: {mode}"),
                    needs: "role binding subject modes other than defaultOnly",
                    kustomization: target.file.clone(),
                });
            }
            if !c.metadata.namespace.is_empty() {
                super::namespace::apply(
                    resources,
                    &c.metadata.namespace,
                    &c.field_specs,
                    c.unset_only,
                    file,
                )?;
            }
        }
        Builtin::ImageTag(c) => {
            super::images::apply(resources, &c.image_tag, &c.field_specs, file)?
        }
        Builtin::ReplicaCount(c) => {
            super::replicas::apply(resources, &c.replica, &c.field_specs, file)?
        }
        Builtin::Patch(p) => {
            let schema = ctx.merge_schema();
            super::patch::apply_patches(target, &schema, resources, std::slice::from_ref(p))?;
        }
        Builtin::PatchSm(c) => {
            let schema = ctx.merge_schema();
            let mut entries = c.paths.clone();
            if !c.patches.is_empty() {
                entries.push(c.patches.clone());
            }
            super::patch::apply_strategic_merge_files(target, &schema, resources, &entries)?;
        }
        Builtin::PatchJson(c) => {
            let entry = Patch {
                path: c.path.clone(),
                patch: c.json_op.clone(),
                target: c.target.clone(),
                options: BTreeMap::new(),
            };
            super::patch::apply_json6902_entry(target, resources, &entry)?;
        }
        Builtin::Replacement(c) => {
            let loaded = super::replacements::load(&target.loader, file, &c.replacements, false)?;
            super::replacements::run(resources, &loaded, file)?;
        }
        Builtin::Hash => super::hash::add_hash_suffixes(resources)?,
        Builtin::ConfigMap(_) | Builtin::Secret(_) | Builtin::IamPolicy(_) => {}
    }
    Ok(())
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

//! `generators:` and `transformers:` — builtin plugin configurations (`apiVersion: builtin`,
//! kind `PrefixSuffixTransformer`, `ConfigMapGenerator`, ...) given inline, in files, or as
//! the output of other kustomizations, run through the same transformer and generator code
//! as the kustomization fields. As in kustomize, inline configs come first, then the ones
//! loaded from paths, in list order. Exec, Go and KRM-function plugins are not supported.

use std::collections::BTreeMap;

use serde_json::{Map, Value};

use super::build_metadata::{self, Origin};
use super::plugin_config::{Builtin, IamPolicyConfig, configure};
use super::transform_error;
use crate::render::error::RenderError;
use crate::render::kustomization::Patch;
use crate::render::resmap::ResMap;
use crate::render::resource::Resource;
use crate::render::target::{Accumulator, BuildContext, Target};
use crate::render::{generate, reader};

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
        generated
            .iter_mut()
            .for_each(build_metadata::keep_annotations);
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

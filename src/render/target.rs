//! One kustomization being built (kustomize's `KustTarget`): accumulate resources and
//! bases, generators, components, then the built-in transformers in kustomize's order.

use std::cell::RefCell;
use std::path::{Path, PathBuf};

use super::config::TransformerConfig;
use super::error::RenderError;
use super::kustomization::{Kustomization, Var};
use super::loader::Loader;
use super::merge::MergeSchema;
use super::resmap::ResMap;
use super::{generate, reader, transform};
use transform::build_metadata::{self, Tracking};

/// What a kustomization (and everything below it) has produced so far.
#[derive(Debug, Default)]
pub struct Accumulator {
    pub resources: ResMap,
    pub config: TransformerConfig,
    pub vars: Vec<Var>,
}

impl Accumulator {
    pub fn new() -> Accumulator {
        Accumulator::default()
    }

    fn merge_config(&mut self, config: &TransformerConfig, at: &Path) -> Result<(), RenderError> {
        self.config
            .merge(config)
            .map_err(|c| RenderError::Kustomization {
                path: at.to_path_buf(),
                message: format!(
                    "conflicting field spec for path {:?} (create differs)",
                    c.0.path
                ),
            })
    }

    /// Absorbs a child's accumulation: resources (ids must not collide), config and vars.
    fn merge_child(&mut self, child: Accumulator, at: &Path) -> Result<(), RenderError> {
        for res in child.resources.into_resources() {
            let id = res.cur_id();
            self.resources
                .append(res)
                .map_err(|_| RenderError::DuplicateId {
                    id: id.to_string(),
                    origin: at.display().to_string(),
                })?;
        }
        self.merge_config(&child.config, at)?;
        transform::vars::merge_vars(&mut self.vars, child.vars, at)
    }
}

/// State shared by every kustomization of one build.
pub struct BuildContext {
    /// The strategic-merge schema: the first kustomization with `openapi:` decides it.
    pub schema: RefCell<Option<MergeSchema>>,
    /// Whether the built-in schema has been consulted yet. kustomize keeps its schema in
    /// global state and loads the built-in definitions on first use; a custom document set
    /// after that adds to them instead of replacing them.
    pub schema_used: std::cell::Cell<bool>,
    /// Origin tracking (buildMetadata), decided by the top kustomization.
    pub tracking: Option<Tracking>,
}

impl BuildContext {
    pub fn new() -> BuildContext {
        BuildContext {
            schema: RefCell::new(None),
            schema_used: std::cell::Cell::new(false),
            tracking: None,
        }
    }

    pub fn merge_schema(&self) -> MergeSchema {
        self.schema
            .borrow()
            .clone()
            .unwrap_or_else(MergeSchema::builtin)
    }
}

impl Default for BuildContext {
    fn default() -> Self {
        BuildContext::new()
    }
}

/// A loaded kustomization.
pub struct Target<'s> {
    pub loader: Loader<'s>,
    pub kustomization: Kustomization,
    pub file: PathBuf,
}

impl<'s> Target<'s> {
    /// Reads and validates the kustomization file of the loader's directory.
    pub fn load(loader: Loader<'s>) -> Result<Target<'s>, RenderError> {
        let (file, bytes) = loader.kustomization_file()?;
        let text = String::from_utf8(bytes).map_err(|_| RenderError::Kustomization {
            path: file.clone(),
            message: "not valid UTF-8".into(),
        })?;
        // kustomize reads kustomization files with YAML 1.1 rules (yes/on are booleans) and
        // lets a repeated key replace the earlier one.
        let value = crate::yaml::parse_kustomization(&text).map_err(|e| RenderError::Yaml {
            path: file.clone(),
            message: e.to_string(),
        })?;
        let empty = super::kustomization::is_empty_value(&value);
        let mut kustomization =
            Kustomization::from_value(value).map_err(|p| RenderError::Kustomization {
                path: file.clone(),
                message: p.0,
            })?;
        if empty {
            return Err(RenderError::Kustomization {
                path: file,
                message: "kustomization.yaml is empty".into(),
            });
        }
        kustomization.fix_legacy_fields();
        let errors = kustomization.enforce_fields();
        if !errors.is_empty() {
            return Err(RenderError::Kustomization {
                path: file,
                message: errors.join("; "),
            });
        }
        if !kustomization.helm_charts.is_empty()
            || !kustomization.helm_chart_inflation_generator.is_empty()
            || kustomization.helm_globals.is_some()
        {
            return Err(RenderError::Unsupported {
                what: "helm chart inflation".into(),
                needs: "running helm",
                kustomization: file,
            });
        }
        if !kustomization.validators.is_empty() {
            return Err(RenderError::Unsupported {
                what: "validators".into(),
                needs: "running plugins",
                kustomization: file,
            });
        }
        Ok(Target {
            loader,
            kustomization,
            file,
        })
    }

    fn entry_error(&self, entry: &str, message: impl Into<String>) -> RenderError {
        RenderError::Entry {
            kustomization: self.file.clone(),
            entry: entry.to_string(),
            message: message.into(),
        }
    }

    /// Sets the build's merge schema from this kustomization's `openapi:` field, unless an
    /// earlier kustomization already did.
    pub fn apply_openapi(&self, ctx: &BuildContext, first: bool) -> Result<(), RenderError> {
        if !first && ctx.schema.borrow().is_some() {
            return Ok(());
        }
        let openapi = &self.kustomization.openapi;
        if let Some(path) = openapi.get("path") {
            if openapi.contains_key("version") {
                return Err(self.entry_error(
                    "openapi",
                    "builtin version and custom schema provided, cannot use both",
                ));
            }
            let bytes = self.loader.load(path)?;
            let text = String::from_utf8_lossy(&bytes);
            let doc = crate::yaml::parse_document(&text).map_err(|e| RenderError::Yaml {
                path: self.loader.root().join(path),
                message: e.to_string(),
            })?;
            let builtin = MergeSchema::builtin();
            let schema = if ctx.schema_used.get() {
                builtin.extended_with_openapi_document(&doc)
            } else {
                builtin.with_openapi_document(&doc)
            }
            .map_err(|e| self.entry_error(path, e.to_string()))?;
            *ctx.schema.borrow_mut() = Some(schema);
        } else if let Some(version) = openapi.get("version") {
            let known = ["v1.21.2", "v1212", "v1.21", ""];
            if !known.contains(&version.as_str()) && !version.replace('.', "").starts_with("v121") {
                return Err(
                    self.entry_error("openapi", "the specified OpenAPI version is not built in")
                );
            }
            *ctx.schema.borrow_mut() = Some(MergeSchema::builtin());
        }
        Ok(())
    }

    /// kustomize's `accumulateTarget`: `ra` is empty for a kustomization and the parent's
    /// accumulation for a component.
    pub fn accumulate(
        &self,
        ctx: &BuildContext,
        mut ra: Accumulator,
    ) -> Result<Accumulator, RenderError> {
        let k = &self.kustomization;
        self.accumulate_resources(ctx, &mut ra, &k.resources)?;
        let mut config = TransformerConfig::defaults();
        for path in &k.configurations {
            let bytes = self.loader.load(path)?;
            let text = String::from_utf8_lossy(&bytes);
            let value = crate::yaml::parse_kustomization(&text).map_err(|e| RenderError::Yaml {
                path: self.loader.root().join(path),
                message: e.to_string(),
            })?;
            let custom: TransformerConfig = if value.is_null() {
                TransformerConfig::default()
            } else {
                super::fold::from_value(value).map_err(|e| self.entry_error(path, e.to_string()))?
            };
            config.merge(&custom).map_err(|c| {
                self.entry_error(path, format!("conflicting field spec {:?}", c.0.path))
            })?;
        }
        ra.merge_config(&config, &self.file)?;
        let crd_config = transform::crds::config_from_crds(&self.loader, &k.crds)?;
        ra.merge_config(&crd_config, &self.file)?;
        self.run_generators(ctx, &mut ra)?;
        for path in &k.components {
            let child = self
                .loader
                .child(path)
                .map_err(|e| self.entry_error(path, e.to_string()))?;
            let sub = Target::load(child)?;
            sub.apply_openapi(ctx, false)?;
            if !sub.kustomization.is_component() {
                return Err(self.entry_error(
                    path,
                    format!(
                        "expected kind 'Component' for path '{}' but got '{}'",
                        sub.loader.root().display(),
                        sub.kustomization.kind
                    ),
                ));
            }
            let parent = std::mem::take(&mut ra);
            let built = sub.accumulate(ctx, parent)?;
            ra.merge_child(built, &sub.file)?;
        }
        self.run_transformers(ctx, &mut ra)?;
        transform::vars::declare_vars(&mut ra.resources, &mut ra.vars, k.vars.clone(), &self.file)?;
        Ok(ra)
    }

    /// Adds the resources of files and kustomization directories named by `paths` (also
    /// used for the configs of `generators:` and `transformers:`).
    pub(crate) fn accumulate_resources(
        &self,
        ctx: &BuildContext,
        ra: &mut Accumulator,
        paths: &[String],
    ) -> Result<(), RenderError> {
        for path in paths {
            if self.loader.is_file(path) {
                let bytes = self.loader.load(path)?;
                let origin = self.loader.root().join(path);
                let text = String::from_utf8(bytes).map_err(|_| RenderError::Yaml {
                    path: origin.clone(),
                    message: "not valid UTF-8".into(),
                })?;
                let mut list = reader::resources_from_yaml(&text, &origin.display().to_string())?;
                list.iter_mut().for_each(build_metadata::keep_annotations);
                // buildMetadata: remember the file each resource was read from.
                if let Some(t) = &ctx.tracking {
                    let from = build_metadata::Origin::file(t.path_of(self, path));
                    build_metadata::add_origin(list.iter_mut(), &from);
                }
                // Comparing ids consults the schema for kinds kustomize has no precomputed
                // scope for.
                if !list.is_empty() {
                    ctx.schema_used.set(true);
                }
                for res in list {
                    let id = res.cur_id();
                    ra.resources
                        .append(res)
                        .map_err(|_| RenderError::DuplicateId {
                            id: id.to_string(),
                            origin: origin.display().to_string(),
                        })?;
                }
                continue;
            }
            let child = self.loader.child(path).map_err(|e| match e {
                RenderError::Source { .. } => self.entry_error(path, "no such file or directory"),
                other => other,
            })?;
            let sub = Target::load(child)?;
            sub.apply_openapi(ctx, false)?;
            if sub.kustomization.is_component() {
                return Err(self.entry_error(
                    path,
                    format!(
                        "expected kind != 'Component' for path '{}'",
                        sub.loader.root().display()
                    ),
                ));
            }
            let built = sub.accumulate(ctx, Accumulator::new())?;
            ra.merge_child(built, &sub.file)?;
        }
        Ok(())
    }

    fn run_generators(&self, ctx: &BuildContext, ra: &mut Accumulator) -> Result<(), RenderError> {
        let k = &self.kustomization;
        let global = k.generator_options.as_ref();
        // buildMetadata: generated resources come from the builtin generator plugins.
        let origin = |kind: &str| ctx.tracking.as_ref().map(|t| t.builtin(self, kind));
        for args in &k.config_map_generator {
            let mut res = generate::config_map(&self.loader, args, global)?;
            build_metadata::keep_annotations(&mut res);
            if let Some(o) = origin("ConfigMapGenerator") {
                build_metadata::add_origin(std::iter::once(&mut res), &o);
            }
            generate::absorb(&mut ra.resources, res, &self.file)?;
        }
        for args in &k.secret_generator {
            let mut res = generate::secret(&self.loader, args, global)?;
            build_metadata::keep_annotations(&mut res);
            if let Some(o) = origin("SecretGenerator") {
                build_metadata::add_origin(std::iter::once(&mut res), &o);
            }
            generate::absorb(&mut ra.resources, res, &self.file)?;
        }
        transform::plugins::run_generators(self, ctx, ra)
    }

    fn run_transformers(
        &self,
        ctx: &BuildContext,
        ra: &mut Accumulator,
    ) -> Result<(), RenderError> {
        let k = &self.kustomization;
        let file = self.file.as_path();
        let schema = ctx.merge_schema();
        let resources = &mut ra.resources;
        // buildMetadata: after each builtin transformer instance kustomize configures for
        // this kustomization, every resource records that it ran (`times` instances).
        let ran = |resources: &mut ResMap, kind: &str, times: usize| {
            if let Some(t) = &ctx.tracking {
                let origin = t.builtin(self, kind);
                for _ in 0..times {
                    build_metadata::record_transformer(resources, Some(&origin));
                }
            }
        };
        if !k.patches_strategic_merge.is_empty() {
            transform::patch::apply_strategic_merge_files(
                self,
                &schema,
                resources,
                &k.patches_strategic_merge,
            )?;
            ran(resources, "PatchStrategicMergeTransformer", 1);
        }
        transform::patch::apply_patches(self, &schema, resources, &k.patches)?;
        ran(resources, "PatchTransformer", k.patches.len());
        if !k.namespace.is_empty() {
            transform::namespace::apply(
                resources,
                &k.namespace,
                &ra.config.namespace,
                false,
                file,
            )?;
            ran(resources, "NamespaceTransformer", 1);
        }
        if !k.name_prefix.is_empty() {
            transform::prefix_suffix::apply(
                resources,
                &k.name_prefix,
                "",
                &ra.config.name_prefix,
                file,
            )?;
            ran(resources, "PrefixTransformer", 1);
        }
        if !k.name_suffix.is_empty() {
            transform::prefix_suffix::apply(
                resources,
                "",
                &k.name_suffix,
                &ra.config.name_suffix,
                file,
            )?;
            ran(resources, "SuffixTransformer", 1);
        }
        transform::labels::apply_kustomization_labels(k, &ra.config, resources, file)?;
        if !k.labels.is_empty() || !k.common_labels.is_empty() {
            ran(resources, "LabelTransformer", k.labels.len() + 1);
        }
        if !k.common_annotations.is_empty() {
            transform::labels::add_annotations(
                resources,
                &k.common_annotations,
                &ra.config.common_annotations,
                file,
            )?;
            ran(resources, "AnnotationsTransformer", 1);
        }
        for patch in &k.patches_json6902 {
            transform::patch::apply_json6902_entry(self, resources, patch)?;
            ran(resources, "PatchJson6902Transformer", 1);
        }
        transform::replicas::apply_all(resources, &k.replicas, &ra.config.replicas, file)?;
        ran(resources, "ReplicaCountTransformer", k.replicas.len());
        transform::images::apply_all(resources, &k.images, &ra.config.images, file)?;
        ran(resources, "ImageTagTransformer", k.images.len());
        if !k.replacements.is_empty() {
            transform::replacements::apply(self, resources, &k.replacements)?;
            ran(resources, "ReplacementTransformer", 1);
        }
        transform::plugins::run_transformers(self, ctx, ra)
    }
}

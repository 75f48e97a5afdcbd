//! Render: a kustomize-compatible renderer (Kustomize v5.5.0 semantics, byte-identical
//! output). Pure: it reads files through a [`Source`] and never touches a network or cluster.
//!
//! The pipeline mirrors kustomize's: each kustomization accumulates its resources, bases,
//! generators and components, then runs the built-in transformers in kustomize's order;
//! at the top, generated names get their hash suffixes, name references are fixed, vars
//! are resolved, local-config objects are dropped and the result is sorted. Resources are
//! held in an id-indexed [`ResMap`], so each transformer is a single linear pass.

pub mod alias;
pub mod config;
pub mod error;
pub mod fieldspec;
pub mod fold;
pub mod generate;
pub mod kustomization;
pub mod loader;
pub mod merge;
pub mod reader;
pub mod resid;
pub mod resmap;
pub mod resource;
pub mod selector;
pub mod target;
pub mod transform;

use std::path::Path;

pub use error::RenderError;
pub use resmap::ResMap;
pub use resource::Resource;

use crate::source::{InputClosure, Recording, Source};
use loader::Loader;
use target::{Accumulator, BuildContext, Target};

/// The result of rendering one kustomization.
#[derive(Debug)]
pub struct Rendered {
    pub resources: Vec<Resource>,
    /// Every file the render read or probed.
    pub closure: InputClosure,
}

impl Rendered {
    /// The objects as kustomize prints them: documents joined by `---`. Fails, as kustomize
    /// does, on strings YAML cannot print (the error names the field, never the value).
    pub fn to_yaml(&self) -> Result<String, RenderError> {
        let mut out = String::new();
        for (i, res) in self.resources.iter().enumerate() {
            if i > 0 {
                out.push_str("---\n");
            }
            crate::yaml::try_write_yaml(&mut out, &serde_json::Value::Object(res.obj.clone()))
                .map_err(|e| RenderError::InvalidResource {
                    path: res.cur_id().to_string(),
                    message: e.to_string(),
                })?;
        }
        Ok(out)
    }

    /// The objects as JSON values.
    pub fn objects(&self) -> Vec<serde_json::Value> {
        self.resources
            .iter()
            .map(|r| serde_json::Value::Object(r.obj.clone()))
            .collect()
    }
}

/// Renders the kustomization in `dir` of `source`, recording the input closure.
pub fn render(source: &dyn Source, dir: &Path) -> Result<Rendered, RenderError> {
    let recording = Recording::new(source);
    let resources = build(&recording, dir)?;
    Ok(Rendered {
        resources,
        closure: recording.closure(),
    })
}

/// kustomize rebuilds the final map from the objects left (`IgnoreLocal`), which refuses
/// two objects that a patch or a rename left with one id.
fn refuse_duplicate_ids(resources: &ResMap, dir: &Path) -> Result<(), RenderError> {
    let mut seen = std::collections::HashSet::with_capacity(resources.len());
    for res in resources.resources() {
        let id = res.cur_id();
        if !seen.insert(id.key()) {
            return Err(RenderError::DuplicateId {
                id: id.to_string(),
                origin: dir.display().to_string(),
            });
        }
    }
    Ok(())
}

/// Builds the kustomization in `dir` (kustomize's `Kustomizer.Run`).
pub fn build(source: &dyn Source, dir: &Path) -> Result<Vec<Resource>, RenderError> {
    let mut ctx = BuildContext::new();
    let loader = Loader::new(source, dir)?;
    let target = Target::load(loader)?;
    ctx.tracking = transform::build_metadata::Tracking::for_build(&target);
    target.apply_openapi(&ctx, true)?;
    let mut ra = target.accumulate(&ctx, Accumulator::new())?;
    transform::hash::add_hash_suffixes(&mut ra.resources)?;
    transform::name_reference::fix_back_references(&mut ra.resources, &ra.config)?;
    transform::vars::resolve(&mut ra.resources, &ra.vars, &ra.config, &target.file)?;
    ra.resources
        .retain(|r| r.annotation("config.kubernetes.io/local-config") != Some("true"));
    refuse_duplicate_ids(&ra.resources, dir)?;
    transform::sort::apply(
        &mut ra.resources,
        target.kustomization.sort_options.as_ref(),
        &target.file,
    )?;
    transform::build_metadata::finish(&mut ra.resources, &target.kustomization.build_metadata);
    for res in ra.resources.resources_mut() {
        res.check_plain_data_keys()
            .and_then(|()| res.stringify_annotations())
            .map_err(|message| RenderError::InvalidResource {
                path: target.file.display().to_string(),
                message,
            })?;
    }
    Ok(ra.resources.into_resources())
}

//! The transformers, one file each, applied in kustomize's order by [`super::target`].

pub mod build_metadata;
pub mod crds;
pub mod hash;
pub mod images;
pub mod json_ops;
pub mod labels;
pub mod name_reference;
mod name_reference_defaults;
mod name_reference_referral;
pub mod namespace;
pub mod patch;
pub mod plugin_config;
pub mod plugins;
pub mod prefix_suffix;
pub mod replacement_config;
pub mod replacement_path;
pub mod replacements;
pub mod replicas;
pub mod sort;
mod var_expand;
mod var_reference_defaults;
pub mod vars;

use std::path::Path;

use super::config::NameBackReferences;
use super::error::RenderError;
use super::kustomization::FieldSpec;

/// kustomize's default name-reference table.
pub fn name_reference_defaults() -> Vec<NameBackReferences> {
    name_reference::defaults()
}

/// kustomize's default var-reference field specs.
pub fn var_reference_defaults() -> Vec<FieldSpec> {
    vars::defaults()
}

pub(crate) fn transform_error(
    transformer: &'static str,
    kustomization: &Path,
    message: impl Into<String>,
) -> RenderError {
    RenderError::Transform {
        transformer,
        kustomization: kustomization.to_path_buf(),
        message: message.into(),
    }
}

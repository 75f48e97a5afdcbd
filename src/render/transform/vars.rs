//! Vars (interface stub: the vars implementation replaces this file).

use std::path::Path;

use crate::render::config::TransformerConfig;
use crate::render::error::RenderError;
use crate::render::kustomization::{FieldSpec, Var};
use crate::render::resmap::ResMap;

pub fn defaults() -> Vec<FieldSpec> {
    Vec::new()
}

pub fn merge_vars(into: &mut Vec<Var>, more: Vec<Var>, at: &Path) -> Result<(), RenderError> {
    for v in more {
        if into.iter().any(|e| e.name == v.name) {
            return Err(RenderError::Kustomization {
                path: at.to_path_buf(),
                message: format!("var '{}' already encountered", v.name),
            });
        }
        into.push(v);
    }
    Ok(())
}

pub fn resolve(
    resources: &mut ResMap,
    vars: &[Var],
    config: &TransformerConfig,
    file: &Path,
) -> Result<(), RenderError> {
    let _ = (resources, vars, config, file);
    Ok(())
}

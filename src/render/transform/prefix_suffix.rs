//! The name prefix and suffix transformers.

use std::path::Path;

use serde_json::Value;

use super::namespace::res_label;
use super::transform_error;
use crate::render::error::RenderError;
use crate::render::fieldspec::{self, CreateKind};
use crate::render::kustomization::FieldSpec;
use crate::render::resid::Gvk;
use crate::render::resmap::ResMap;

/// Kinds whose names kustomize never prefixes or suffixes.
fn skipped(gvk: &Gvk) -> bool {
    gvk.kind == "CustomResourceDefinition"
        || gvk.kind == "Namespace"
        || (gvk.kind == "APIService" && gvk.group == "apiregistration.k8s.io")
}

/// Adds `prefix` and `suffix` to the fields of the field specs (normally `metadata/name`).
pub fn apply(
    resources: &mut ResMap,
    prefix: &str,
    suffix: &str,
    specs: &[FieldSpec],
    file: &Path,
) -> Result<(), RenderError> {
    let which = if prefix.is_empty() {
        "nameSuffix"
    } else {
        "namePrefix"
    };
    for res in resources.resources_mut().iter_mut() {
        let org = res.org_id();
        if skipped(&org.gvk) {
            continue;
        }
        for fs in specs {
            if !org.gvk.is_selected_by(&fs.gvk()) {
                continue;
            }
            if fs.path == "metadata/name" {
                if !prefix.is_empty() {
                    res.build.prefixes.push(prefix.to_string());
                }
                if !suffix.is_empty() {
                    res.build.suffixes.push(suffix.to_string());
                }
                res.store_previous_id();
            }
            let mut set = |node: &mut Value| -> Result<(), String> {
                let current = match &*node {
                    Value::String(s) => s.clone(),
                    Value::Null | Value::Object(_) | Value::Array(_) => String::new(),
                    other => other.to_string(),
                };
                *node = Value::String(format!("{prefix}{current}{suffix}"));
                Ok(())
            };
            fieldspec::apply(&mut res.obj, fs, CreateKind::Scalar, &mut set).map_err(|e| {
                transform_error(
                    which,
                    file,
                    format!("{}: {}: {}", res_label(&res.obj), e.path, e.message),
                )
            })?;
        }
    }
    Ok(())
}

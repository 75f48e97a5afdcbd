//! The replica count transformer (`replicas:`).

use std::path::Path;

use serde_json::Value;

use super::transform_error;
use crate::render::error::RenderError;
use crate::render::fieldspec::{self, CreateKind};
use crate::render::kustomization::{FieldSpec, Replica};
use crate::render::resmap::ResMap;

/// Sets the replica count of the resources named `replica.name` (current or earlier name).
pub fn apply(
    resources: &mut ResMap,
    replica: &Replica,
    specs: &[FieldSpec],
    file: &Path,
) -> Result<(), RenderError> {
    let mut found = false;
    for fs in specs {
        let selector = fs.gvk();
        let matching: Vec<usize> = resources
            .resources()
            .iter()
            .enumerate()
            .filter(|(_, r)| {
                !r.is_empty()
                    && r.all_ids()
                        .iter()
                        .any(|id| id.name == replica.name && id.gvk.is_selected_by(&selector))
            })
            .map(|(i, _)| i)
            .collect();
        if matching.is_empty() {
            continue;
        }
        found = true;
        for i in matching {
            let Some(res) = resources.get_mut(i) else {
                continue;
            };
            let mut set = |node: &mut Value| -> Result<(), String> {
                *node = Value::from(replica.count);
                Ok(())
            };
            fieldspec::apply(&mut res.obj, fs, CreateKind::Scalar, &mut set).map_err(|e| {
                transform_error("replicas", file, format!("{}: {}", e.path, e.message))
            })?;
        }
    }
    if !found {
        let gvks: Vec<String> = specs.iter().map(|fs| fs.gvk().to_string()).collect();
        return Err(transform_error(
            "replicas",
            file,
            format!(
                "resource with name {} does not match a config with the following GVK [{}]",
                replica.name,
                gvks.join(" ")
            ),
        ));
    }
    Ok(())
}

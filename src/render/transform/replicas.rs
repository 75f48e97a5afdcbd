//! The replica count transformer (`replicas:`).

use std::collections::HashMap;
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
    apply_all(resources, std::slice::from_ref(replica), specs, file)
}

/// Applies a kustomization's `replicas:` entries in order. Resources are indexed by every
/// name they have had once, so each entry costs only its own matches.
pub fn apply_all(
    resources: &mut ResMap,
    replicas: &[Replica],
    specs: &[FieldSpec],
    file: &Path,
) -> Result<(), RenderError> {
    if replicas.is_empty() {
        return Ok(());
    }
    // Replica entries change only counts, never names or kinds, so one index serves all.
    let mut by_name: HashMap<String, Vec<usize>> = HashMap::new();
    for (i, res) in resources.resources().iter().enumerate() {
        if res.is_empty() {
            continue;
        }
        for id in res.all_ids() {
            let slot = by_name.entry(id.name).or_default();
            if slot.last() != Some(&i) {
                slot.push(i);
            }
        }
    }
    for replica in replicas {
        let candidates = by_name.get(&replica.name).map(Vec::as_slice).unwrap_or(&[]);
        let mut found = false;
        for fs in specs {
            let selector = fs.gvk();
            let matching: Vec<usize> = candidates
                .iter()
                .copied()
                .filter(|&i| {
                    resources.get(i).is_some_and(|r| {
                        r.all_ids()
                            .iter()
                            .any(|id| id.name == replica.name && id.gvk.is_selected_by(&selector))
                    })
                })
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
    }
    Ok(())
}

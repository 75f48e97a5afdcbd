//! The label and annotation transformers (`commonLabels`, `labels`, `commonAnnotations`).

use std::collections::BTreeMap;
use std::path::Path;

use serde_json::{Map, Value};

use super::namespace::res_label;
use super::transform_error;
use crate::render::alias::Seg;
use crate::render::config::{TransformerConfig, merge_all, merge_one};
use crate::render::error::RenderError;
use crate::render::fieldspec::{self, CreateKind};
use crate::render::kustomization::{FieldSpec, Kustomization};
use crate::render::resmap::ResMap;

/// Runs the label transformers of a kustomization: each `labels:` entry, then `commonLabels`.
pub fn apply_kustomization_labels(
    k: &Kustomization,
    config: &TransformerConfig,
    resources: &mut ResMap,
    file: &Path,
) -> Result<(), RenderError> {
    let conflict = |c: crate::render::config::ConflictingFieldSpec| {
        transform_error(
            "labels",
            file,
            format!("conflicting field spec for path {:?}", c.0.path),
        )
    };
    for label in &k.labels {
        let mut specs: Vec<FieldSpec> = label.fields.clone();
        merge_all(&mut specs, &config.labels).map_err(conflict)?;
        if label.include_selectors {
            merge_all(&mut specs, &config.common_labels).map_err(conflict)?;
        } else {
            if label.include_templates {
                merge_all(&mut specs, &config.template_labels).map_err(conflict)?;
            }
            merge_one(&mut specs, FieldSpec::at("metadata/labels", true)).map_err(conflict)?;
        }
        set_entries(resources, &label.pairs, &specs, "labels", file)?;
    }
    if !k.common_labels.is_empty() {
        set_entries(
            resources,
            &k.common_labels,
            &config.common_labels,
            "commonLabels",
            file,
        )?;
    }
    Ok(())
}

/// Adds annotations at the field specs.
pub fn add_annotations(
    resources: &mut ResMap,
    annotations: &BTreeMap<String, String>,
    specs: &[FieldSpec],
    file: &Path,
) -> Result<(), RenderError> {
    set_entries(resources, annotations, specs, "commonAnnotations", file)
}

/// Sets every `entries` key in the map found at each field spec, creating maps as allowed.
pub fn set_entries(
    resources: &mut ResMap,
    entries: &BTreeMap<String, String>,
    specs: &[FieldSpec],
    which: &'static str,
    file: &Path,
) -> Result<(), RenderError> {
    if entries.is_empty() {
        return Ok(());
    }
    for res in resources.resources_mut().iter_mut() {
        // kustomize sets each key from one node per resource: the places where the key is
        // new all get that node (shared); existing entries are overwritten in place.
        let mut created: BTreeMap<&str, Vec<Vec<Seg>>> = BTreeMap::new();
        for fs in specs {
            let mut set = |trail: &[Seg], node: &mut Value| -> Result<(), String> {
                if node.is_null() {
                    *node = Value::Object(Map::new());
                }
                let Value::Object(map) = node else {
                    return Err(format!(
                        "wrong node kind: expected a mapping at {}",
                        fs.path
                    ));
                };
                for (k, v) in entries {
                    if !map.contains_key(k) {
                        let mut path = trail.to_vec();
                        path.push(Seg::Key(k.clone()));
                        created.entry(k).or_default().push(path);
                    }
                    map.insert(k.clone(), Value::String(v.clone()));
                }
                Ok(())
            };
            fieldspec::apply_traced(&mut res.obj, fs, CreateKind::Map, &mut set).map_err(|e| {
                transform_error(
                    which,
                    file,
                    format!("{}: {}: {}", res_label(&res.obj), e.path, e.message),
                )
            })?;
        }
        res.build.aliases.sync(&mut res.obj);
        for (k, paths) in created {
            if let Some(v) = entries.get(k) {
                res.build.aliases.share(paths, v);
            }
        }
    }
    Ok(())
}

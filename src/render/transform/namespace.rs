//! The namespace transformer: sets `metadata.namespace` on namespaced objects and the other
//! namespace fields of the field specs (RoleBinding subjects, webhook services, ...).

use std::collections::HashSet;
use std::path::Path;

use serde_json::Value;

use super::transform_error;
use crate::render::error::RenderError;
use crate::render::fieldspec::{self, CreateKind};
use crate::render::kustomization::FieldSpec;
use crate::render::resmap::ResMap;

/// Sets `namespace` everywhere the field specs say (`skip_existing`: only empty fields).
pub fn apply(
    resources: &mut ResMap,
    namespace: &str,
    specs: &[FieldSpec],
    skip_existing: bool,
    file: &Path,
) -> Result<(), RenderError> {
    let specs: Vec<&FieldSpec> = specs
        .iter()
        .filter(|fs| fs.path != "metadata/namespace")
        .collect();
    for res in resources.resources_mut().iter_mut() {
        if res.is_empty() {
            continue;
        }
        res.store_previous_id();
        let gvk = res.gvk();
        let mut set = |node: &mut Value| -> Result<(), String> {
            if skip_existing && !matches!(node, Value::String(s) if s.is_empty()) && !node.is_null()
            {
                return Ok(());
            }
            *node = Value::String(namespace.to_string());
            Ok(())
        };
        if gvk.is_namespaceable() {
            let meta_spec = FieldSpec::at("metadata/namespace", true);
            fieldspec::apply(&mut res.obj, &meta_spec, CreateKind::Scalar, &mut set).map_err(
                |e| {
                    transform_error(
                        "namespace",
                        file,
                        format!("{}: {}: {}", res_label(&res.obj), e.path, e.message),
                    )
                },
            )?;
        }
        let is_binding = gvk.kind == "RoleBinding" || gvk.kind == "ClusterRoleBinding";
        if is_binding && let Some(Value::Array(subjects)) = res.obj.get_mut("subjects") {
            for subject in subjects.iter_mut() {
                let Value::Object(subject) = subject else {
                    continue;
                };
                if subject.get("name").and_then(Value::as_str) == Some("default") {
                    let slot = subject
                        .entry("namespace")
                        .or_insert(Value::String(String::new()));
                    set(slot).map_err(|m| transform_error("namespace", file, m))?;
                }
            }
        }
        // Only a core Namespace's name is the namespace; other kinds called Namespace keep theirs.
        let core = res.api_version() == "v1";
        for fs in &specs {
            if (is_binding && fs.path == "subjects") || (fs.path == "metadata/name" && !core) {
                continue;
            }
            fieldspec::apply(&mut res.obj, fs, CreateKind::Scalar, &mut set).map_err(|e| {
                transform_error(
                    "namespace",
                    file,
                    format!("{}: {}: {}", res_label(&res.obj), e.path, e.message),
                )
            })?;
        }
    }
    let mut seen = HashSet::new();
    for res in resources.resources() {
        let id = res.cur_id();
        if !seen.insert(id.key()) {
            return Err(transform_error(
                "namespace",
                file,
                format!("namespace transformation produces ID conflict: {id}"),
            ));
        }
    }
    Ok(())
}

pub(crate) fn res_label(obj: &serde_json::Map<String, Value>) -> String {
    let kind = obj.get("kind").and_then(Value::as_str).unwrap_or("");
    let name = obj
        .get("metadata")
        .and_then(|m| m.get("name"))
        .and_then(Value::as_str)
        .unwrap_or("");
    format!("{kind}/{name}")
}

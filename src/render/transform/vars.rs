//! Vars (kustomize's deprecated `vars:`): each kustomization declares vars naming a field of
//! one of its resources; at the top of the build, after name references are fixed, every
//! `$(VAR)` in the var-reference fields is replaced by that field's final value.
//!
//! As in kustomize, a var is bound to its resource when its kustomization is accumulated
//! (so a var stays attached to its resource however the parents rename or duplicate it),
//! and is resolved once, at the end, from that resource's current content.

use std::collections::{HashMap, HashSet};
use std::path::Path;

use serde::{Deserialize, Deserializer};
use serde_json::Value;

use super::name_reference::kustomize_id;
use super::var_expand::{Replacer, field_value};
use crate::render::config::TransformerConfig;
use crate::render::error::RenderError;
use crate::render::fieldspec::{self, CreateKind};
use crate::render::kustomization::{FieldSpec, Var, VarTarget};
use crate::render::resid::{Gvk, ResId, split_api_version};
use crate::render::resmap::ResMap;

/// The field a var reads when its `fieldref` names none.
const DEFAULT_FIELD_PATH: &str = "metadata.name";

pub fn defaults() -> Vec<FieldSpec> {
    super::var_reference_defaults::defaults()
}

/// Reads `vars:` as kustomize does: Go's JSON decoding matches field names without regard
/// to case (`fieldpath` is as good as `fieldPath`).
pub fn deserialize_vars<'de, D>(deserializer: D) -> Result<Vec<Var>, D::Error>
where
    D: Deserializer<'de>,
{
    let raw = Option::<Vec<Value>>::deserialize(deserializer)?.unwrap_or_default();
    raw.into_iter()
        .map(|mut v| {
            fold_keys(&mut v, &["name", "objref", "fieldref"]);
            if let Some(objref) = v.get_mut("objref") {
                fold_keys(
                    objref,
                    &[
                        "apiVersion",
                        "group",
                        "version",
                        "kind",
                        "name",
                        "namespace",
                    ],
                );
            }
            if let Some(fieldref) = v.get_mut("fieldref") {
                fold_keys(fieldref, &["fieldPath"]);
            }
            serde_json::from_value(v).map_err(serde::de::Error::custom)
        })
        .collect()
}

/// Renames keys that match one of `fields` only by case to that field.
fn fold_keys(value: &mut Value, fields: &[&str]) {
    let Value::Object(map) = value else {
        return;
    };
    let entries = std::mem::take(map);
    for (key, v) in entries {
        let canonical = if fields.contains(&key.as_str()) {
            key
        } else {
            fields
                .iter()
                .find(|f| f.eq_ignore_ascii_case(&key))
                .map_or(key, |f| f.to_string())
        };
        map.insert(canonical, v);
    }
}

/// The gvk a var's `objref` names (kustomize's `Target.GVK`).
fn objref_gvk(t: &VarTarget) -> Gvk {
    let mut gvk = Gvk {
        group: t.group.clone(),
        version: t.version.clone(),
        kind: t.kind.clone(),
    };
    if t.api_version.is_empty() {
        return gvk;
    }
    match t.api_version.split('/').count() {
        1 => gvk.version = t.api_version.clone(),
        2 => {
            let (group, version) = split_api_version(&t.api_version);
            gvk.group = group.to_string();
            gvk.version = version.to_string();
        }
        _ => {}
    }
    gvk
}

fn field_path(v: &Var) -> &str {
    if v.fieldref.field_path.is_empty() {
        DEFAULT_FIELD_PATH
    } else {
        &v.fieldref.field_path
    }
}

/// A var as kustomize prints one in messages.
fn describe(v: &Var) -> String {
    let gvk = objref_gvk(&v.objref);
    let or = |s: &str, missing: &str| {
        if s.is_empty() {
            missing.to_string()
        } else {
            s.to_string()
        }
    };
    format!(
        "{{{} {}.{}.{} {{{}}}}}",
        v.name,
        or(&gvk.kind, "[noKind]"),
        or(&gvk.version, "[noVer]"),
        or(&gvk.group, "[noGrp]"),
        field_path(v)
    )
}

/// Adds `more` to the declared vars, refusing a name declared twice (kustomize's
/// `VarSet.MergeSlice`); an empty field path becomes `metadata.name`.
pub fn merge_vars(into: &mut Vec<Var>, more: Vec<Var>, at: &Path) -> Result<(), RenderError> {
    let mut known: HashSet<String> = into.iter().map(|v| v.name.clone()).collect();
    for mut v in more {
        if !known.insert(v.name.clone()) {
            return Err(RenderError::Var {
                kustomization: at.to_path_buf(),
                var: v.name.clone(),
                message: "var already encountered".into(),
            });
        }
        if v.fieldref.field_path.is_empty() {
            v.fieldref.field_path = DEFAULT_FIELD_PATH.to_string();
        }
        into.push(v);
    }
    Ok(())
}

/// Declares a kustomization's own vars (kustomize's `ResAccumulator.MergeVars`): each var is
/// bound to the one resource that has, or ever had, the id its `objref` names (any
/// namespace when the objref gives none); two such resources are an error.
pub fn declare_vars(
    resources: &mut ResMap,
    into: &mut Vec<Var>,
    more: Vec<Var>,
    at: &Path,
) -> Result<(), RenderError> {
    if more.is_empty() {
        return Ok(());
    }
    // Every (gvk, name) the resources have had, to their positions and effective namespaces.
    let mut ids: HashMap<(Gvk, String), Vec<(usize, String)>> = HashMap::new();
    for (i, res) in resources.resources().iter().enumerate() {
        for id in res.all_ids() {
            let namespace = id.effective_namespace().to_string();
            ids.entry((id.gvk, id.name))
                .or_default()
                .push((i, namespace));
        }
    }
    let mut bindings = Vec::new();
    for v in &more {
        let target = ResId::new(
            objref_gvk(&v.objref),
            v.objref.name.clone(),
            v.objref.namespace.clone(),
        );
        let with_namespace = !target.namespace.is_empty() || target.is_cluster_scoped();
        let mut matched: Vec<usize> = ids
            .get(&(target.gvk.clone(), target.name.clone()))
            .map(|found| {
                found
                    .iter()
                    .filter(|(_, ns)| !with_namespace || ns == target.effective_namespace())
                    .map(|(i, _)| *i)
                    .collect()
            })
            .unwrap_or_default();
        matched.dedup();
        match matched.as_slice() {
            [] => {}
            [one] => bindings.push((*one, v.name.clone())),
            many => {
                return Err(RenderError::Var {
                    kustomization: at.to_path_buf(),
                    var: v.name.clone(),
                    message: format!(
                        "found {} resId matches for var {} (unable to disambiguate)",
                        many.len(),
                        describe(v)
                    ),
                });
            }
        }
    }
    let list = resources.resources_mut();
    for (i, name) in bindings {
        list[i].build.ref_var_names.push(name);
    }
    merge_vars(into, more, at)
}

/// Replaces `$(VAR)` everywhere the var-reference field specs point (kustomize's
/// `ResolveVars`), after reading every var's value from its resource.
pub fn resolve(
    resources: &mut ResMap,
    vars: &[Var],
    config: &TransformerConfig,
    file: &Path,
) -> Result<(), RenderError> {
    if vars.is_empty() {
        return Ok(());
    }
    let var_error = |v: &Var, message: String| RenderError::Var {
        kustomization: file.to_path_buf(),
        var: v.name.clone(),
        message,
    };
    let mut holder: HashMap<&str, usize> = HashMap::new();
    for (i, res) in resources.resources().iter().enumerate() {
        for name in &res.build.ref_var_names {
            holder.entry(name.as_str()).or_insert(i);
        }
    }
    let mut sorted: Vec<&Var> = vars.iter().collect();
    sorted.sort_by(|a, b| a.name.cmp(&b.name));
    let mut values: HashMap<String, Value> = HashMap::new();
    for v in sorted {
        let Some(&i) = holder.get(v.name.as_str()) else {
            return Err(var_error(
                v,
                format!(
                    "var '{}' cannot be mapped to a field in the set of known resources",
                    describe(v)
                ),
            ));
        };
        let value = field_value(&resources.resources()[i].obj, field_path(v)).ok_or_else(|| {
            var_error(
                v,
                format!(
                    "field specified in var '{}' not found in corresponding resource",
                    describe(v)
                ),
            )
        })?;
        values.insert(v.name.clone(), value);
    }
    let specs: Vec<FieldSpec> = config
        .var_reference
        .iter()
        .map(|fs| FieldSpec {
            // kustomize never creates a field to substitute in.
            create_if_not_present: false,
            ..fs.clone()
        })
        .collect();
    let mut replacer = Replacer {
        values: &values,
        counts: HashMap::new(),
    };
    for res in resources.resources_mut().iter_mut() {
        let id = res.cur_id();
        for fs in &specs {
            fieldspec::apply(&mut res.obj, fs, CreateKind::Nothing, &mut |node| {
                replacer.substitute(node)
            })
            .map_err(|e| RenderError::Transform {
                transformer: "vars",
                kustomization: file.to_path_buf(),
                message: format!(
                    "considering field '{}' of object {}: {}",
                    fs.path,
                    kustomize_id(&id),
                    e.message
                ),
            })?;
        }
        stringify_annotations(res);
    }
    let mut unused: Vec<&str> = values
        .keys()
        .filter(|k| !replacer.counts.contains_key(*k))
        .map(String::as_str)
        .collect();
    if !unused.is_empty() {
        unused.sort_unstable();
        tracing::warn!(
            "well-defined vars that were never replaced: {}",
            unused.join(",")
        );
    }
    Ok(())
}

/// kustomize rewrites `metadata.annotations` as a string map when it strips its build
/// annotations, so a var that put a number or boolean there ends up a string.
fn stringify_annotations(res: &mut crate::render::resource::Resource) {
    let Some(Value::Object(annotations)) = res
        .obj
        .get_mut("metadata")
        .and_then(|m| m.get_mut("annotations"))
    else {
        return;
    };
    for value in annotations.values_mut() {
        if matches!(value, Value::Number(_) | Value::Bool(_)) {
            *value = Value::String(value.to_string());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::render::resource::Resource;
    use serde_json::json;

    fn res(v: Value) -> Resource {
        Resource::new(v.as_object().cloned().unwrap_or_default())
    }

    fn var(name: &str, kind: &str, target: &str, path: &str) -> Var {
        let v = json!({
            "name": name,
            "objref": {"apiVersion": "v1", "kind": kind, "name": target},
            "fieldref": {"fieldPath": path},
        });
        serde_json::from_value(v).expect("a var")
    }

    #[test]
    fn parses_vars_without_regard_to_case() {
        let doc = json!({"vars": [{
            "name": "X",
            "objRef": {"APIVersion": "v1", "Kind": "Service", "name": "s"},
            "fieldref": {"fieldpath": "spec.x"},
        }]});
        #[derive(Deserialize)]
        struct Doc {
            #[serde(deserialize_with = "deserialize_vars")]
            vars: Vec<Var>,
        }
        let doc: Doc = serde_json::from_value(doc).expect("parses");
        assert_eq!(doc.vars[0].objref.kind, "Service");
        assert_eq!(doc.vars[0].objref.api_version, "v1");
        assert_eq!(doc.vars[0].fieldref.field_path, "spec.x");
    }

    #[test]
    fn declares_binds_and_resolves() {
        let mut m = ResMap::new();
        let svc = json!({"apiVersion": "v1", "kind": "Service",
            "metadata": {"name": "svc"}, "spec": {"ports": [{"port": 80}]}});
        let pod = json!({"apiVersion": "v1", "kind": "Pod",
            "metadata": {"name": "p", "annotations": {"port": "$(PORT)"}},
            "spec": {"containers": [{"args": ["$(SVC)", "--p=$(PORT)"]}]}});
        m.append(res(svc)).expect("svc");
        m.append(res(pod)).expect("pod");
        let mut vars = Vec::new();
        let declared = vec![
            var("SVC", "Service", "svc", ""),
            var("PORT", "Service", "svc", "spec.ports[0].port"),
        ];
        declare_vars(&mut m, &mut vars, declared, Path::new("k")).expect("declares");
        assert_eq!(m.resources()[0].build.ref_var_names, vec!["SVC", "PORT"]);
        assert_eq!(vars[0].fieldref.field_path, "metadata.name");
        let dup = vec![var("SVC", "Service", "svc", "")];
        assert!(declare_vars(&mut m, &mut vars, dup, Path::new("k")).is_err());
        let config = TransformerConfig::defaults();
        resolve(&mut m, &vars, &config, Path::new("k")).expect("resolves");
        let pod = &m.resources()[1].obj;
        assert_eq!(
            pod["spec"]["containers"][0]["args"],
            json!(["svc", "--p=80"])
        );
        assert_eq!(pod["metadata"]["annotations"]["port"], json!("80"));
    }

    #[test]
    fn unbound_var_is_an_error() {
        let mut m = ResMap::new();
        m.append(res(json!({"apiVersion": "v1", "kind": "Service",
            "metadata": {"name": "svc"}})))
            .expect("svc");
        let mut vars = Vec::new();
        let declared = vec![var("X", "Service", "other", "")];
        declare_vars(&mut m, &mut vars, declared, Path::new("k")).expect("declares");
        let config = TransformerConfig::defaults();
        let err = resolve(&mut m, &vars, &config, Path::new("k")).expect_err("unbound");
        assert!(err.to_string().contains("cannot be mapped"), "{err}");
    }

    #[test]
    fn ambiguous_var_is_an_error() {
        let mut m = ResMap::new();
        for ns in ["a", "b"] {
            m.append(res(json!({"apiVersion": "v1", "kind": "Service",
                "metadata": {"name": "svc", "namespace": ns}})))
                .expect("svc");
        }
        let mut vars = Vec::new();
        let declared = vec![var("X", "Service", "svc", "")];
        let err = declare_vars(&mut m, &mut vars, declared, Path::new("k")).expect_err("two");
        assert!(err.to_string().contains("unable to disambiguate"), "{err}");
    }
}

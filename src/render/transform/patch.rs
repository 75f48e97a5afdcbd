//! Patches: `patchesStrategicMerge`, `patches` (strategic merge or JSON 6902, with or
//! without a target selector) and `patchesJson6902`.

use serde_json::{Map, Value};

use super::transform_error;
use crate::render::alias::Seg;
use crate::render::error::RenderError;
use crate::render::kustomization::{Patch, Selector};
use crate::render::merge::{MergeOutcome, MergeSchema, SmpOptions, strategic_merge_with};
use crate::render::reader;
use crate::render::resmap::ResMap;
use crate::render::resource::Resource;
use crate::render::selector::Compiled;
use crate::render::target::Target;

/// `patchesStrategicMerge:`: each entry is inline patch text or a file of patches; each
/// patch applies to the one resource with its id.
pub fn apply_strategic_merge_files(
    target: &Target,
    schema: &MergeSchema,
    resources: &mut ResMap,
    entries: &[String],
) -> Result<(), RenderError> {
    if entries.is_empty() {
        return Ok(());
    }
    let mut patches = Vec::new();
    for entry in entries {
        let inline = crate::yaml::parse_documents(entry)
            .ok()
            .and_then(|docs| reader::resources_from_values(docs, "inline patch").ok())
            .filter(|list| !list.is_empty());
        match inline {
            Some(list) if entry.contains('\n') || entry.contains(':') => patches.extend(list),
            _ => {
                let bytes = target.loader.load(entry)?;
                let origin = target.loader.root().join(entry).display().to_string();
                let text = String::from_utf8_lossy(&bytes);
                patches.extend(reader::resources_from_yaml(&text, &origin)?);
            }
        }
    }
    if patches.is_empty() {
        return Err(transform_error(
            "patchesStrategicMerge",
            &target.file,
            format!("patch appears to be empty; files={entries:?}"),
        ));
    }
    for patch in patches {
        apply_by_id(target, schema, resources, &patch)?;
    }
    Ok(())
}

/// Applies a strategic-merge patch to the single resource that has (or had) its id.
fn apply_by_id(
    target: &Target,
    schema: &MergeSchema,
    resources: &mut ResMap,
    patch: &Resource,
) -> Result<(), RenderError> {
    let id = patch.org_id();
    let matches = resources.positions_by_any_id(&id);
    match matches.len() {
        1 => {}
        0 => {
            return Err(transform_error(
                "patch",
                &target.file,
                format!("no matches for Id {id}; failed to find unique target for patch {id}"),
            ));
        }
        _ => {
            return Err(transform_error(
                "patch",
                &target.file,
                format!(
                    "multiple matches for Id {id}; failed to find unique target for patch {id}"
                ),
            ));
        }
    }
    let index = matches[0];
    let deleted = resources
        .update(index, |res| apply_to(schema, res, patch))
        .transpose()
        .map_err(|m| transform_error("patch", &target.file, m))?;
    if deleted == Some(true) {
        resources.remove(index);
    }
    Ok(())
}

/// Applies `patch` to `res` as kustomize's `Resource.ApplySmPatch`; returns true when the
/// patch deleted the resource.
fn apply_to(schema: &MergeSchema, res: &mut Resource, patch: &Resource) -> Result<bool, String> {
    let options = SmpOptions {
        allow_name_change: patch.build.allow_name_change,
        allow_kind_change: patch.build.allow_kind_change,
    };
    if options.allow_name_change || options.allow_kind_change {
        res.store_previous_id();
    }
    // The engine also does kustomize's steps around the merge: it rewrites the patch's
    // metadata and restores the target's kind, name and namespace unless allowed to change.
    let current = Value::Object(std::mem::take(&mut res.obj));
    let patch_value = Value::Object(patch.obj.clone());
    match strategic_merge_with(schema, &current, &patch_value, options) {
        Ok(MergeOutcome::Merged(Value::Object(map))) => {
            res.obj = map;
            // The merge writes existing scalars of maps in place (shared nodes follow), but
            // builds merged list elements and `$patch: replace` maps anew.
            let replaced = replaced_maps(&patch.obj);
            res.build.aliases.sync_detaching(&mut res.obj, |path| {
                path.iter().any(|s| matches!(s, Seg::Index(_)))
                    || replaced.iter().any(|r| path.starts_with(r))
            });
        }
        Ok(MergeOutcome::Merged(_)) | Ok(MergeOutcome::Deleted) => return Ok(true),
        Err(e) => {
            if let Value::Object(map) = current {
                res.obj = map;
            }
            return Err(format!("{}: {e}", res.cur_id()));
        }
    }
    Ok(res.is_empty())
}

/// The paths of the maps a strategic-merge patch replaces whole (`$patch: replace`).
fn replaced_maps(patch: &Map<String, Value>) -> Vec<Vec<Seg>> {
    fn walk(map: &Map<String, Value>, trail: &mut Vec<Seg>, out: &mut Vec<Vec<Seg>>) {
        if map.get("$patch").and_then(Value::as_str) == Some("replace") {
            out.push(trail.clone());
        }
        for (k, v) in map {
            if let Value::Object(child) = v {
                trail.push(Seg::Key(k.clone()));
                walk(child, trail, out);
                trail.pop();
            }
        }
    }
    let mut out = Vec::new();
    walk(patch, &mut Vec::new(), &mut out);
    out
}

/// The parsed form of one `patches:` entry.
enum Loaded {
    Strategic(Vec<Resource>),
    Json(json_patch::Patch),
}

fn load_patch(target: &Target, entry: &Patch) -> Result<(Loaded, String), RenderError> {
    let file = &target.file;
    let inline = entry.patch.trim();
    if inline.is_empty() && entry.path.is_empty() {
        return Err(transform_error(
            "patches",
            file,
            "must specify one of patch and path",
        ));
    }
    if !inline.is_empty() && !entry.path.is_empty() {
        return Err(transform_error(
            "patches",
            file,
            "patch and path can't be set at the same time",
        ));
    }
    let text = if entry.path.is_empty() {
        inline.to_string()
    } else {
        String::from_utf8_lossy(&target.loader.load(&entry.path)?).into_owned()
    };
    let as_json = json_patch_from_text(&text);
    let as_strategic = crate::yaml::parse_documents(&text)
        .ok()
        .and_then(|docs| reader::resources_from_values(docs, "patch").ok());
    match (as_strategic, as_json) {
        (Some(list), Err(_)) => Ok((Loaded::Strategic(list), text)),
        (None, Ok(json)) => Ok((Loaded::Json(json), text)),
        (Some(_), Ok(_)) => Err(transform_error(
            "patches",
            file,
            format!("illegally qualifies as both an SM and JSON patch: [{text}]"),
        )),
        (None, Err(e)) => Err(transform_error(
            "patches",
            file,
            format!("unable to parse SM or JSON patch from [{text}]: {e}"),
        )),
    }
}

/// Parses JSON 6902 operations from JSON, or from YAML when the text does not start with `[`.
pub fn json_patch_from_text(text: &str) -> Result<json_patch::Patch, String> {
    if text.is_empty() {
        return Err("empty json patch operations".into());
    }
    let value: Value = if text.starts_with('[') {
        serde_json::from_str(text).map_err(|e| e.to_string())?
    } else {
        // kustomize converts YAML patches with YAML 1.1 rules (sigs.k8s.io/yaml).
        crate::yaml::parse_kustomization(text).map_err(|e| e.to_string())?
    };
    // Go decodes a document that is only comments (null) as an empty list of operations.
    if value.is_null() {
        return Ok(json_patch::Patch(Vec::new()));
    }
    if !value.is_array() {
        return Err("a JSON patch must be a list of operations".into());
    }
    serde_json::from_value(value).map_err(|e| e.to_string())
}

/// Positions of the resources a target selector picks, in load order. A selector naming one
/// resource by a plain name (the common case: one patch per service) is answered from the
/// name index instead of testing every resource, which keeps many patches linear.
fn selected(
    resources: &mut ResMap,
    selector: &Selector,
    file: &std::path::Path,
) -> Result<Vec<usize>, RenderError> {
    let compiled = Compiled::new(selector).map_err(|m| transform_error("patches", file, m))?;
    let literal_name = !selector.name.is_empty() && regex::escape(&selector.name) == selector.name;
    let candidates: Vec<usize> = if literal_name {
        resources.positions_by_name(&selector.name)
    } else {
        (0..resources.len()).collect()
    };
    Ok(candidates
        .into_iter()
        .filter(|&i| resources.get(i).is_some_and(|r| compiled.selects(r)))
        .collect())
}

/// `patches:` entries, in order.
pub fn apply_patches(
    target: &Target,
    schema: &MergeSchema,
    resources: &mut ResMap,
    entries: &[Patch],
) -> Result<(), RenderError> {
    for entry in entries {
        let (loaded, text) = load_patch(target, entry)?;
        match loaded {
            Loaded::Strategic(mut patches) => {
                for patch in &mut patches {
                    patch.build.allow_name_change = entry
                        .options
                        .get("allowNameChange")
                        .copied()
                        .unwrap_or(false);
                    patch.build.allow_kind_change = entry
                        .options
                        .get("allowKindChange")
                        .copied()
                        .unwrap_or(false);
                }
                let Some(selector) = &entry.target else {
                    for patch in &patches {
                        apply_by_id(target, schema, resources, patch)?;
                    }
                    continue;
                };
                for patch in &patches {
                    let chosen = selected(resources, selector, &target.file)?;
                    let mut deleted = Vec::new();
                    for &i in &chosen {
                        let outcome = resources.update(i, |res| {
                            let mut copy = patch.clone();
                            copy.set_api_version(res.api_version());
                            copy.set_kind(patch.kind());
                            apply_to(schema, res, &copy)
                        });
                        if outcome
                            .transpose()
                            .map_err(|m| transform_error("patches", &target.file, m))?
                            == Some(true)
                        {
                            deleted.push(i);
                        }
                    }
                    for i in deleted.into_iter().rev() {
                        resources.remove(i);
                    }
                }
            }
            Loaded::Json(ops) => {
                let Some(selector) = &entry.target else {
                    return Err(transform_error(
                        "patches",
                        &target.file,
                        format!("must specify a target for patch {text}"),
                    ));
                };
                for i in selected(resources, selector, &target.file)? {
                    resources
                        .update(i, |res| {
                            res.store_previous_id();
                            apply_json_ops(res, &ops)
                        })
                        .transpose()
                        .map_err(|m| transform_error("patches", &target.file, m))?;
                }
            }
        }
    }
    Ok(())
}

/// A `patchesJson6902:` entry (a target is required and must name a resource).
pub fn apply_json6902_entry(
    target: &Target,
    resources: &mut ResMap,
    entry: &Patch,
) -> Result<(), RenderError> {
    let file = &target.file;
    let Some(selector) = &entry.target else {
        return Err(transform_error(
            "patchesJson6902",
            file,
            "must specify the target field in patchesJson6902",
        ));
    };
    if selector.name.is_empty() {
        return Err(transform_error(
            "patchesJson6902",
            file,
            "must specify the target name",
        ));
    }
    let text = if !entry.path.is_empty() {
        let bytes = target.loader.load(&entry.path)?;
        let text = String::from_utf8_lossy(&bytes).into_owned();
        if text.is_empty() {
            return Err(transform_error(
                "patchesJson6902",
                file,
                format!("patch file '{}' empty seems to be empty", entry.path),
            ));
        }
        text
    } else if !entry.patch.is_empty() {
        entry.patch.clone()
    } else {
        return Err(transform_error(
            "patchesJson6902",
            file,
            "empty file path and empty jsonOp",
        ));
    };
    let ops =
        json_patch_from_text(&text).map_err(|m| transform_error("patchesJson6902", file, m))?;
    for i in selected(resources, selector, file)? {
        resources
            .update(i, |res| apply_json_ops(res, &ops))
            .transpose()
            .map_err(|m| transform_error("patchesJson6902", file, m))?;
    }
    Ok(())
}

fn apply_json_ops(res: &mut Resource, ops: &json_patch::Patch) -> Result<(), String> {
    let id = res.cur_id();
    // kustomize re-parses the patched JSON: no node stays shared
    res.build.aliases.clear();
    let mut doc = Value::Object(std::mem::take(&mut res.obj));
    let result = super::json_ops::apply(&mut doc, ops);
    if super::json_ops::rewrites_annotations(ops) {
        // the build-metadata records lived in the map the patch replaced
        res.build.origin = None;
        res.build.transformations.clear();
    }
    match doc {
        Value::Object(map) => res.obj = map,
        _ => return Err(format!("{id}: a JSON patch must leave an object")),
    }
    result.map_err(|e| format!("{id}: {e}"))
}

//! The replacement transformer (`replacements:`, kustomize's `ReplacementTransformer`):
//! copy a field of one source resource into fields of selected target resources.
//! Replacements come inline or from files (`path:`), are read like kustomize (Go JSON
//! field names, case-insensitive; strict only inside a kustomization file) and run in order.

use std::collections::HashSet;
use std::path::Path;

use serde_json::Value;

use super::replacement_config::DEFAULT_FIELD_PATH;
pub use super::replacement_config::{
    FieldOptions, IdSelector, Replacement, Selector, SourceSelector, TargetSelector, load,
    read_replacement,
};
use super::replacement_path::{
    Matched, NodeKind, ScalarTag, decode_scalar, lookup, match_target, scalar_text, split_path,
};
use super::transform_error;
use crate::render::error::RenderError;
use crate::render::kustomization::ReplacementField;
use crate::render::resmap::ResMap;
use crate::render::resource::Resource;
use crate::render::selector::{Requirement, parse_selector};
use crate::render::target::Target;

/// `replacements:` of a kustomization.
pub fn apply(
    target: &Target,
    resources: &mut ResMap,
    replacements: &[ReplacementField],
) -> Result<(), RenderError> {
    let loaded = load(&target.loader, &target.file, replacements, true)?;
    run(resources, &loaded, &target.file)
}

/// The value a replacement copies: a scalar (its tag and text) or a whole node.
enum Copied {
    Scalar(ScalarTag, String),
    Node(Value),
}

impl Copied {
    fn text(&self) -> String {
        match self {
            Copied::Scalar(_, text) => text.clone(),
            Copied::Node(_) => String::new(),
        }
    }

    fn kind(&self) -> NodeKind {
        match self {
            Copied::Scalar(..) => NodeKind::Scalar,
            Copied::Node(v) => NodeKind::of(v),
        }
    }

    fn to_value(&self) -> Result<Value, String> {
        match self {
            Copied::Scalar(tag, text) => decode_scalar(*tag, text),
            Copied::Node(v) => Ok(v.clone()),
        }
    }
}

/// Runs replacements over the resources, in order.
pub fn run(
    resources: &mut ResMap,
    replacements: &[Replacement],
    file: &Path,
) -> Result<(), RenderError> {
    let fail = |m: String| transform_error("replacements", file, m);
    let mut untagged = Untagged::default();
    for r in replacements {
        let (Some(source), Some(targets)) = (&r.source, &r.targets) else {
            return Err(fail(
                "replacements must specify a source and at least one target".into(),
            ));
        };
        let (mut value, mut live) = source_value(resources, source).map_err(fail)?;
        for t in targets {
            apply_target(resources, &mut value, &mut live, t, &mut untagged).map_err(fail)?;
        }
        // a replaced scalar is written in place: the places sharing its node follow
        for res in resources.resources_mut() {
            res.build.aliases.sync(&mut res.obj);
        }
    }
    Ok(())
}

/// Where a collection source lives. kustomize holds the source node itself and copies it
/// at each write, so writes into the source resource (and fields created on the way to a
/// target inside the source) show in the copies made after them.
struct LiveSource {
    index: usize,
    pointer: String,
}

fn source_value(
    resources: &ResMap,
    source: &SourceSelector,
) -> Result<(Copied, Option<LiveSource>), String> {
    let mut found: Option<(usize, &Resource)> = None;
    for (index, res) in resources.resources().iter().enumerate() {
        if res.all_ids().iter().any(|id| source.id.selects(id)) {
            if found.is_some() {
                return Err(format!("multiple matches for selector {}", source.id));
            }
            found = Some((index, res));
        }
    }
    let Some((index, res)) = found else {
        return Err(format!("nothing selected by {}", source.id));
    };
    let field_path = if source.field_path.is_empty() {
        DEFAULT_FIELD_PATH
    } else {
        source.field_path.as_str()
    };
    let obj = Value::Object(res.obj.clone());
    let node = lookup(&obj, &split_path(field_path))
        .map_err(|e| format!("error looking up replacement source: {e}"))?;
    let node = match node {
        None | Some(Value::Null) => None,
        Some(Value::Object(m)) if m.is_empty() => None,
        Some(Value::Array(a)) if a.is_empty() => None,
        Some(v) => Some(v),
    };
    let Some(node) = node else {
        return Err(format!(
            "fieldPath `{field_path}` is missing for replacement source {}",
            source.id
        ));
    };
    let Some(tag) = ScalarTag::of(node) else {
        if source
            .options
            .as_ref()
            .is_some_and(|o| !o.delimiter.is_empty())
        {
            return Err("delimiter option can only be used with scalar nodes".into());
        }
        let mut probe = obj.clone();
        let mut at = Vec::new();
        let live = match match_target(&mut probe, &split_path(field_path), None, &mut at) {
            Ok(()) if at.len() == 1 => at.pop().map(|m| LiveSource {
                index,
                pointer: m.pointer,
            }),
            _ => None,
        };
        return Ok((Copied::Node(node.clone()), live));
    };
    let mut text = scalar_text(node);
    if let Some(opts) = &source.options
        && !opts.delimiter.is_empty()
    {
        let parts: Vec<&str> = text.split(opts.delimiter.as_str()).collect();
        let part = usize::try_from(opts.index)
            .ok()
            .and_then(|i| parts.get(i))
            .ok_or_else(|| {
                // The value itself is not shown: it may be a Secret's.
                format!(
                    "options.index {} is out of bounds for the source value ({} parts)",
                    opts.index,
                    parts.len()
                )
            })?;
        text = part.to_string();
    }
    Ok((Copied::Scalar(tag, text), None))
}

fn requirements(text: &str) -> Result<Option<Vec<Requirement>>, String> {
    if text.is_empty() {
        Ok(None)
    } else {
        parse_selector(text).map(Some)
    }
}

fn matches_labels(res: &Resource, sel: &Selector) -> Result<bool, String> {
    if let Some(reqs) = requirements(&sel.label_selector)? {
        let labels = res.labels();
        if !reqs.iter().all(|r| r.matches(&labels)) {
            return Ok(false);
        }
    }
    if let Some(reqs) = requirements(&sel.annotation_selector)? {
        let annotations = res.annotations();
        if !reqs.iter().all(|r| r.matches(&annotations)) {
            return Ok(false);
        }
    }
    Ok(true)
}

/// Whether the target selector picks `res`: its label/annotation selectors match, no
/// reject's label/annotation selector matches, one of its ids (current or earlier) is
/// selected, and none of its ids is rejected.
fn is_target(res: &Resource, t: &TargetSelector, select: &Selector) -> Result<bool, String> {
    if !matches_labels(res, select)? {
        return Ok(false);
    }
    for reject in &t.reject {
        if reject.label_selector.is_empty() && reject.annotation_selector.is_empty() {
            continue;
        }
        if matches_labels(res, reject)? {
            return Ok(false);
        }
    }
    let ids = res.all_ids();
    if !ids.iter().any(|id| select.id.selects(id)) {
        return Ok(false);
    }
    let rejected = t
        .reject
        .iter()
        .filter(|r| !r.id.is_empty())
        .any(|r| ids.iter().any(|id| r.id.selects(id)));
    Ok(!rejected)
}

/// Scalars that replacements created (resource position, JSON pointer): kustomize leaves
/// them untagged, so their type keeps following their text when later replacements of
/// the same transformer write them again.
#[derive(Default)]
struct Untagged(HashSet<(usize, String)>);

fn apply_target(
    resources: &mut ResMap,
    value: &mut Copied,
    live: &mut Option<LiveSource>,
    t: &TargetSelector,
    untagged: &mut Untagged,
) -> Result<(), String> {
    let Some(select) = &t.select else {
        return Err("target must specify resources to select".into());
    };
    let default_paths = [DEFAULT_FIELD_PATH.to_string()];
    let paths: &[String] = if t.field_paths.is_empty() {
        &default_paths
    } else {
        &t.field_paths
    };
    let create = t.options.as_ref().is_some_and(|o| o.create);
    for (index, res) in resources.resources_mut().iter_mut().enumerate() {
        if !is_target(res, t, select)? {
            continue;
        }
        for fp in paths {
            let kind = create.then(|| value.kind());
            let retrieval = || {
                if create {
                    format!("unable to find or create field {fp:?} in replacement target")
                } else {
                    format!("unable to find field {fp:?} in replacement target")
                }
            };
            // Every resource carries an annotation map during a build (see
            // `keep_annotations`); kustomize's exists only while it holds user or
            // internal annotations, so an empty one is hidden from the walk.
            let hidden = !res.build.has_internal_annotations() && take_empty_annotations(res);
            let mut root = Value::Object(std::mem::take(&mut res.obj));
            let mut wiped = false;
            let at = Spot {
                index,
                untagged: &mut *untagged,
                wiped: &mut wiped,
            };
            let result = if live.as_ref().is_some_and(|l| l.index == index) {
                set_all_live(
                    &mut root,
                    fp,
                    kind,
                    value,
                    live,
                    t.options.as_ref(),
                    &retrieval,
                    at,
                )
            } else {
                set_all(
                    &mut root,
                    fp,
                    kind,
                    value,
                    t.options.as_ref(),
                    &retrieval,
                    at,
                )
            };
            if let Value::Object(map) = root {
                res.obj = map;
            }
            if hidden {
                crate::render::transform::build_metadata::keep_annotations(res);
            }
            if wiped {
                // The annotation map was replaced, and kustomize's internal annotations
                // (previous ids, prefixes, ...) with it.
                res.build.clear_internal_annotations();
            }
            result?;
        }
    }
    Ok(())
}

/// Removes `metadata.annotations` when it is an empty map; whether it did.
fn take_empty_annotations(res: &mut Resource) -> bool {
    let Some(Value::Object(meta)) = res.obj.get_mut("metadata") else {
        return false;
    };
    if matches!(meta.get("annotations"), Some(Value::Object(m)) if m.is_empty()) {
        meta.remove("annotations");
        return true;
    }
    false
}

/// The resource being written and the untagged scalars known so far.
struct Spot<'u> {
    index: usize,
    untagged: &'u mut Untagged,
    /// Set when a write replaced `metadata.annotations` or a node above it.
    wiped: &'u mut bool,
}

fn set_all(
    root: &mut Value,
    fp: &str,
    kind: Option<NodeKind>,
    value: &Copied,
    options: Option<&FieldOptions>,
    retrieval: &dyn Fn() -> String,
    mut at: Spot,
) -> Result<(), String> {
    let mut found: Vec<Matched> = Vec::new();
    match_target(root, &split_path(fp), kind, &mut found)
        .map_err(|e| format!("{}: {e}", retrieval()))?;
    if found.is_empty() {
        return Err(retrieval());
    }
    for m in found {
        set_one(m, value, options, &mut at)?;
    }
    Ok(())
}

fn set_one(
    m: Matched,
    value: &Copied,
    options: Option<&FieldOptions>,
    at: &mut Spot,
) -> Result<(), String> {
    let key = (at.index, m.pointer.clone());
    if matches!(
        m.pointer.as_str(),
        "" | "/metadata" | "/metadata/annotations"
    ) {
        *at.wiped = true;
    }
    let untagged = m.created || at.untagged.0.contains(&key);
    let still_scalar = set_field(m, untagged, value, options)?;
    if untagged && still_scalar {
        at.untagged.0.insert(key);
    } else if !still_scalar {
        let below = format!("{}/", key.1);
        at.untagged
            .0
            .retain(|(i, p)| *i != key.0 || (*p != key.1 && !p.starts_with(&below)));
    }
    Ok(())
}

/// [`set_all`] on the resource holding a collection source: the value is copied from the
/// source anew before each write, and a write over an ancestor of the source detaches it.
#[allow(clippy::too_many_arguments)]
fn set_all_live(
    root: &mut Value,
    fp: &str,
    kind: Option<NodeKind>,
    value: &mut Copied,
    live: &mut Option<LiveSource>,
    options: Option<&FieldOptions>,
    retrieval: &dyn Fn() -> String,
    mut at: Spot,
) -> Result<(), String> {
    let mut found: Vec<Matched> = Vec::new();
    match_target(root, &split_path(fp), kind, &mut found)
        .map_err(|e| format!("{}: {e}", retrieval()))?;
    let spots: Vec<(String, bool)> = found.into_iter().map(|m| (m.pointer, m.created)).collect();
    if spots.is_empty() {
        return Err(retrieval());
    }
    let refresh = |root: &Value, value: &mut Copied, live: &Option<LiveSource>| {
        if let Some(node) = live.as_ref().and_then(|l| root.pointer(&l.pointer)) {
            *value = Copied::Node(node.clone());
        }
    };
    for (pointer, created) in spots {
        refresh(root, value, live);
        let detaches = live
            .as_ref()
            .is_some_and(|l| l.pointer.starts_with(&format!("{pointer}/")));
        let Some(node) = root.pointer_mut(&pointer) else {
            continue;
        };
        set_one(
            Matched {
                node,
                created,
                pointer,
            },
            value,
            options,
            &mut at,
        )?;
        if detaches {
            *live = None;
        }
    }
    refresh(root, value, live);
    Ok(())
}

/// kustomize's `setFieldValue`: a scalar target keeps its type and takes the value's
/// text (joined into its own text with a delimiter); other targets become the value.
/// Returns whether the target is (still) a scalar.
fn set_field(
    m: Matched,
    untagged: bool,
    value: &Copied,
    options: Option<&FieldOptions>,
) -> Result<bool, String> {
    let target_tag = if untagged {
        Some(ScalarTag::Untagged)
    } else {
        ScalarTag::of(m.node)
    };
    let mut text = value.text();
    if let Some(opts) = options
        && !opts.delimiter.is_empty()
    {
        if target_tag.is_none() {
            return Err("delimiter option can only be used with scalar nodes".into());
        }
        let current = scalar_text(m.node);
        let mut parts: Vec<&str> = current.split(opts.delimiter.as_str()).collect();
        match usize::try_from(opts.index) {
            Err(_) => parts.insert(0, &text),
            Ok(i) if i >= parts.len() => parts.push(&text),
            Ok(i) => parts[i] = &text,
        }
        text = parts.join(&opts.delimiter);
    }
    *m.node = match target_tag {
        Some(tag) => decode_scalar(tag, &text)?,
        None => value.to_value()?,
    };
    Ok(target_tag.is_some())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::render::transform::replacement_config::read_replacement_value;
    use serde_json::json;

    fn res(v: Value) -> Resource {
        Resource::new(v.as_object().cloned().unwrap_or_default())
    }

    fn replacement(v: Value) -> Replacement {
        read_replacement_value(&v, true).expect("valid replacement")
    }

    #[test]
    fn copies_into_selected_targets_keeping_scalar_types() {
        let mut m = ResMap::new();
        m.append(res(json!({"apiVersion": "v1", "kind": "ConfigMap",
            "metadata": {"name": "cm"}, "data": {"n": "5"}})))
            .unwrap();
        m.append(res(json!({"apiVersion": "apps/v1", "kind": "Deployment",
            "metadata": {"name": "d"}, "spec": {"replicas": 1}})))
            .unwrap();
        let r = replacement(json!({
            "source": {"kind": "ConfigMap", "name": "cm", "fieldPath": "data.n"},
            "targets": [{"select": {"kind": "Deployment"},
                "fieldPaths": ["spec.replicas", "metadata.labels.n"],
                "options": {"create": true}}]
        }));
        run(&mut m, &[r], Path::new("k")).unwrap();
        let d = &m.resources()[1].obj;
        assert_eq!(d["spec"]["replicas"], json!(5));
        assert_eq!(
            d["metadata"]["labels"]["n"],
            json!(5),
            "created nodes are untagged"
        );
    }

    #[test]
    fn rejects_by_any_id_and_errors_on_missing_fields() {
        let mut m = ResMap::new();
        let mut d = res(json!({"apiVersion": "apps/v1", "kind": "Deployment",
            "metadata": {"name": "orig"}, "spec": {"x": "a"}}));
        d.store_previous_id();
        d.set_name("orig-dev");
        m.append(d).unwrap();
        let r = replacement(json!({
            "source": {"kind": "Deployment", "fieldPath": "metadata.name"},
            "targets": [{"select": {"kind": "Deployment"}, "reject": [{"name": "orig"}],
                "fieldPaths": ["spec.x"]}]
        }));
        run(&mut m, &[r], Path::new("k")).unwrap();
        assert_eq!(m.resources()[0].obj["spec"]["x"], json!("a"));
        let r = replacement(json!({
            "source": {"kind": "Deployment"},
            "targets": [{"select": {"kind": "Deployment"}, "fieldPaths": ["spec.y"]}]
        }));
        assert!(run(&mut m, &[r], Path::new("k")).is_err());
    }

    #[test]
    fn delimiters_split_sources_and_join_targets() {
        let mut m = ResMap::new();
        m.append(res(json!({"apiVersion": "v1", "kind": "Service",
            "metadata": {"name": "svc", "namespace": "ns"},
            "spec": {"url": "http://old.example:80"}})))
            .unwrap();
        let r = replacement(json!({
            "source": {"kind": "Service", "fieldPath": "spec.url",
                "options": {"delimiter": ":", "index": 2}},
            "targets": [{"select": {"kind": "Service"}, "fieldPaths": ["metadata.name"],
                "options": {"delimiter": "-", "index": -1}}]
        }));
        run(&mut m, &[r], Path::new("k")).unwrap();
        assert_eq!(m.resources()[0].name(), "80-svc");
    }

    #[test]
    fn strict_reading_refuses_unknown_fields() {
        let v = json!({"source": {"kind": "A", "fieldpath": "x", "bogus": 1}, "targets": []});
        assert!(read_replacement_value(&v, true).is_err());
        let r = read_replacement_value(&v, false).unwrap();
        assert_eq!(r.source.unwrap().field_path, "x");
    }
}

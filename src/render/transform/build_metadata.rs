//! `buildMetadata:` — where each resource came from (`config.kubernetes.io/origin`), which
//! transformers ran over it (`alpha.config.kubernetes.io/transformations`), and the
//! `app.kubernetes.io/managed-by` label. Like kustomize, origins are tracked whenever the
//! top kustomization lists any option (children inherit the top's setting), but they live
//! in [`BuildMeta`](crate::render::resource::BuildMeta) and are written into the objects
//! only at the end, as asked.

use std::collections::BTreeMap;
use std::path::{Component, Path, PathBuf};

use serde_json::Value;

use crate::render::kustomization::FieldSpec;
use crate::render::resmap::ResMap;
use crate::render::resource::Resource;
use crate::render::target::Target;

pub const ORIGIN_ANNOTATIONS: &str = "originAnnotations";
pub const TRANSFORMER_ANNOTATIONS: &str = "transformerAnnotations";
pub const MANAGED_BY_LABEL: &str = "managedByLabel";

pub const ORIGIN_ANNOTATION: &str = "config.kubernetes.io/origin";
pub const TRANSFORMATIONS_ANNOTATION: &str = "alpha.config.kubernetes.io/transformations";
pub const MANAGED_BY_KEY: &str = "app.kubernetes.io/managed-by";
/// The version string of the kustomize built into the reference kubectl.
pub const MANAGED_BY_VALUE: &str = "kustomize-(devel)";

/// The object that configured a generator or transformer.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ConfiguredBy {
    pub api_version: String,
    pub kind: String,
    pub name: String,
    pub namespace: String,
}

/// kustomize's `resource.Origin`: the file a resource was read from, or the file and
/// object that configured the generator or transformer involved.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Origin {
    pub path: String,
    pub configured_in: String,
    pub configured_by: ConfiguredBy,
}

impl Origin {
    /// The origin of a resource read from `path` (relative to the top kustomization).
    pub fn file(path: String) -> Origin {
        Origin {
            path,
            ..Origin::default()
        }
    }

    /// A builtin generator or transformer configured by a kustomization field.
    pub fn builtin(configured_in: String, kind: &str) -> Origin {
        Origin {
            configured_in,
            configured_by: ConfiguredBy {
                api_version: "builtin".into(),
                kind: kind.into(),
                ..ConfiguredBy::default()
            },
            ..Origin::default()
        }
    }

    /// kustomize's `OriginFromCustomPlugin`: a generator or transformer configured by the
    /// object `config` (which must itself have an origin).
    pub fn from_plugin(config: &Resource) -> Option<Origin> {
        let origin = config.build.origin.as_ref()?;
        Some(Origin {
            configured_in: origin.path.clone(),
            configured_by: ConfiguredBy {
                api_version: config.api_version().to_string(),
                kind: config.kind().to_string(),
                name: config.name().to_string(),
                namespace: config.namespace().to_string(),
            },
            ..Origin::default()
        })
    }

    /// The fields as yaml.v3 marshals the struct (empty ones omitted), each line prefixed
    /// by `first` (first line) or `rest`.
    fn write(&self, out: &mut String, first: &str, rest: &str) {
        let mut lines: Vec<String> = Vec::new();
        if !self.path.is_empty() {
            lines.push(format!("path: {}", quote(&self.path)));
        }
        if !self.configured_in.is_empty() {
            lines.push(format!("configuredIn: {}", quote(&self.configured_in)));
        }
        let by = &self.configured_by;
        if *by != ConfiguredBy::default() {
            lines.push("configuredBy:".into());
            for (key, value) in [
                ("apiVersion", &by.api_version),
                ("kind", &by.kind),
                ("name", &by.name),
                ("namespace", &by.namespace),
            ] {
                if !value.is_empty() {
                    lines.push(format!("  {key}: {}", quote(value)));
                }
            }
        }
        if lines.is_empty() {
            lines.push("{}".into());
        }
        for (i, line) in lines.iter().enumerate() {
            out.push_str(if i == 0 { first } else { rest });
            out.push_str(line);
            out.push('\n');
        }
    }

    /// The `config.kubernetes.io/origin` annotation value.
    pub fn to_annotation(&self) -> String {
        let mut out = String::new();
        self.write(&mut out, "", "");
        out
    }
}

/// The `alpha.config.kubernetes.io/transformations` annotation value.
pub fn transformations_annotation(list: &[Origin]) -> String {
    let mut out = String::new();
    for origin in list {
        origin.write(&mut out, "- ", "  ");
    }
    out
}

/// A string as yaml.v3 would write it in a block mapping.
fn quote(s: &str) -> String {
    let resolves_elsewhere = !matches!(
        super::replacement_path::plain_scalar(s),
        Value::String(ref t) if t == s
    );
    if resolves_elsewhere || s.contains('\n') || s.chars().any(|c| c.is_control()) {
        return serde_json::to_string(s).unwrap_or_else(|_| format!("\"{s}\""));
    }
    let first = s.chars().next().unwrap_or(' ');
    let unsafe_plain = "-?:,[]{}#&*!|>'\"%@`".contains(first)
        || s.starts_with(' ')
        || s.ends_with(' ')
        || s.ends_with(':')
        || s.contains(": ")
        || s.contains(" #");
    if unsafe_plain {
        format!("'{}'", s.replace('\'', "''"))
    } else {
        s.to_string()
    }
}

/// Go's `path.Clean` for slash-separated relative paths.
pub fn clean(path: &str) -> String {
    let rooted = path.starts_with('/');
    let mut parts: Vec<&str> = Vec::new();
    for part in path.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                if parts.last().is_some_and(|p| *p != "..") {
                    parts.pop();
                } else if !rooted {
                    parts.push("..");
                }
            }
            other => parts.push(other),
        }
    }
    let joined = parts.join("/");
    match (rooted, joined.is_empty()) {
        (true, _) => format!("/{joined}"),
        (false, true) => ".".into(),
        (false, false) => joined,
    }
}

/// Go's `path.Join(dir, rel)`.
pub fn join(dir: &str, rel: &str) -> String {
    match (dir.is_empty(), rel.is_empty()) {
        (true, true) => String::new(),
        (true, false) => clean(rel),
        (false, true) => clean(dir),
        (false, false) => clean(&format!("{dir}/{rel}")),
    }
}

/// The path of `to` relative to `from` (both absolute), slash-separated; empty when equal.
fn relative(from: &Path, to: &Path) -> String {
    let a: Vec<Component> = from.components().collect();
    let b: Vec<Component> = to.components().collect();
    let common = a.iter().zip(&b).take_while(|(x, y)| x == y).count();
    let mut parts: Vec<String> = vec!["..".to_string(); a.len() - common];
    parts.extend(
        b[common..]
            .iter()
            .map(|c| c.as_os_str().to_string_lossy().into_owned()),
    );
    parts.join("/")
}

/// Origin tracking for one build: on when the top kustomization has `buildMetadata`.
#[derive(Debug, Clone)]
pub struct Tracking {
    top: PathBuf,
}

impl Tracking {
    /// Tracking for a build whose top kustomization is `target` (`None` when it is off).
    pub fn for_build(target: &Target) -> Option<Tracking> {
        if target.kustomization.build_metadata.is_empty() {
            None
        } else {
            Some(Tracking {
                top: target.loader.root().to_path_buf(),
            })
        }
    }

    /// The directory of `target` relative to the top kustomization (kustomize's `origin.Path`).
    pub fn dir_of(&self, target: &Target) -> String {
        relative(&self.top, target.loader.root())
    }

    /// Where `entry` of `target` (a file it names) is, relative to the top kustomization.
    pub fn path_of(&self, target: &Target, entry: &str) -> String {
        join(&self.dir_of(target), entry)
    }

    /// The kustomization file of `target`, relative to the top kustomization.
    pub fn kustomization_of(&self, target: &Target) -> String {
        let name = target
            .file
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        self.path_of(target, &name)
    }

    /// The origin of a builtin generator or transformer configured by `target`'s fields.
    pub fn builtin(&self, target: &Target, kind: &str) -> Origin {
        Origin::builtin(self.kustomization_of(target), kind)
    }
}

/// Sets `origin` on every resource that has none (kustomize's `AddOriginAnnotation`).
pub fn add_origin<'a>(resources: impl IntoIterator<Item = &'a mut Resource>, origin: &Origin) {
    for res in resources {
        if res.build.origin.is_none() {
            set_origin(res, origin);
        }
    }
}

fn set_origin(res: &mut Resource, origin: &Origin) {
    res.build.origin = Some(origin.clone());
    keep_annotations(res);
}

/// kustomize carries internal annotations (reader indexes, generator behavior, origins) on
/// every resource it reads or generates, so during a build each has an annotation map: a
/// JSON patch adding `/metadata/annotations/x` succeeds on a resource written without
/// annotations. [`finish`] removes the maps that end up empty, as kustomize does.
pub fn keep_annotations(res: &mut Resource) {
    let annotations = res
        .metadata_mut()
        .entry("annotations")
        .or_insert_with(|| Value::Object(serde_json::Map::new()));
    if annotations.is_null() {
        *annotations = Value::Object(serde_json::Map::new());
    }
}

/// Records that a transformer ran over every resource of the map (kustomize's
/// `AddTransformerAnnotation`: a resource without an origin takes the transformer's).
pub fn record_transformer(resources: &mut ResMap, origin: Option<&Origin>) {
    let Some(origin) = origin else {
        return;
    };
    for res in resources.resources_mut().iter_mut() {
        if res.build.origin.is_none() {
            set_origin(res, origin);
        } else {
            res.build.transformations.push(origin.clone());
        }
        // kustomize writes the record with SetAnnotations, which rebuilds the map
        res.build.aliases.detach_under(&["metadata", "annotations"]);
    }
}

/// buildMetadata options at the end of a build: the managed-by label, and the origin and
/// transformation annotations that were asked for.
pub fn finish(resources: &mut ResMap, options: &[String]) {
    if options.is_empty() {
        for res in resources.resources_mut().iter_mut() {
            drop_empty_annotations(res);
        }
        return;
    }
    let has = |o: &str| options.iter().any(|x| x == o);
    let (origins, transformations) = (has(ORIGIN_ANNOTATIONS), has(TRANSFORMER_ANNOTATIONS));
    if has(MANAGED_BY_LABEL) {
        let mut label = BTreeMap::new();
        label.insert(MANAGED_BY_KEY.to_string(), MANAGED_BY_VALUE.to_string());
        // The label transformer can only fail on a `metadata.labels` that is not a mapping,
        // which the reader never produces; such a resource is left as it is.
        let _ = super::labels::set_entries(
            resources,
            &label,
            &[FieldSpec::at("metadata/labels", true)],
            "buildMetadata",
            Path::new("buildMetadata"),
        );
    }
    for res in resources.resources_mut().iter_mut() {
        let origin = res.build.origin.take().filter(|_| origins);
        let list = std::mem::take(&mut res.build.transformations);
        let meta = res.metadata_mut();
        let annotations = meta
            .entry("annotations")
            .or_insert_with(|| Value::Object(serde_json::Map::new()));
        if annotations.is_null() {
            *annotations = Value::Object(serde_json::Map::new());
        }
        if let Value::Object(map) = annotations {
            if let Some(origin) = origin {
                map.insert(
                    ORIGIN_ANNOTATION.into(),
                    Value::String(origin.to_annotation()),
                );
            }
            if transformations && !list.is_empty() {
                map.insert(
                    TRANSFORMATIONS_ANNOTATION.into(),
                    Value::String(transformations_annotation(&list)),
                );
            }
        }
        drop_empty_annotations(res);
    }
}

/// kustomize clears an annotation map left empty once its internal annotations are gone.
fn drop_empty_annotations(res: &mut Resource) {
    let Some(Value::Object(meta)) = res.obj.get_mut("metadata") else {
        return;
    };
    if matches!(meta.get("annotations"), Some(Value::Object(m)) if m.is_empty()) {
        meta.remove("annotations");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cleans_and_joins_like_go() {
        assert_eq!(join("", "./service.yaml"), "service.yaml");
        assert_eq!(
            join("../base", "deployment.yaml"),
            "../base/deployment.yaml"
        );
        assert_eq!(join("../base", "../common/x.yaml"), "../common/x.yaml");
        assert_eq!(clean("a/../.."), "..");
        assert_eq!(
            relative(Path::new("/a/prod"), Path::new("/a/base")),
            "../base"
        );
        assert_eq!(relative(Path::new("/a/prod"), Path::new("/a/prod")), "");
    }

    #[test]
    fn writes_annotations_as_kustomize() {
        let file = Origin::file("../base/service.yaml".into());
        assert_eq!(file.to_annotation(), "path: ../base/service.yaml\n");
        let mut by = Origin::builtin("kustomization.yaml".into(), "PrefixTransformer");
        by.configured_by.name = "true".into();
        assert_eq!(
            transformations_annotation(&[by]),
            "- configuredIn: kustomization.yaml\n  configuredBy:\n    apiVersion: builtin\n    kind: PrefixTransformer\n    name: \"true\"\n"
        );
    }
}

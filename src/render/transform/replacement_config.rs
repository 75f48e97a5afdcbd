//! Reading `replacements:` (kustomize's `types.Replacement`): inline entries of a
//! kustomization (strict, like the kustomization itself) and `path:` files or plugin
//! configs (lenient, like Go's decoder); field names match case-insensitively.

use std::path::Path;

use serde_json::Value;

use super::transform_error;
use crate::render::error::RenderError;
use crate::render::kustomization::ReplacementField;
use crate::render::loader::Loader;
use crate::render::resid::{CLUSTER_SCOPE, DEFAULT_NAMESPACE, Gvk, ResId};

pub(crate) const DEFAULT_FIELD_PATH: &str = "metadata.name";

/// A resource id used as a selector: empty fields match anything.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct IdSelector {
    pub gvk: Gvk,
    pub name: String,
    pub namespace: String,
}

impl IdSelector {
    pub(crate) fn is_empty(&self) -> bool {
        self.name.is_empty() && self.namespace.is_empty() && self.gvk == Gvk::default()
    }

    /// kyaml's `ResId.IsSelectedBy`.
    pub(crate) fn selects(&self, id: &ResId) -> bool {
        if !self.name.is_empty() && self.name != id.name {
            return false;
        }
        if !self.namespace.is_empty()
            && plain_namespace(&self.namespace) != plain_namespace(&id.namespace)
        {
            return false;
        }
        id.gvk.is_selected_by(&self.gvk)
    }
}

/// The namespace kustomize v5.5.0 compares in replacement selectors: empty means
/// `default`, for every kind (it treats cluster-scoped kinds alike there).
fn plain_namespace(namespace: &str) -> &str {
    if namespace.is_empty() || namespace == CLUSTER_SCOPE {
        DEFAULT_NAMESPACE
    } else {
        namespace
    }
}

impl std::fmt::Display for IdSelector {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let id = ResId::new(self.gvk.clone(), self.name.clone(), self.namespace.clone());
        write!(f, "{id}")
    }
}

/// A target `select:` / `reject:` entry.
#[derive(Debug, Clone, Default)]
pub struct Selector {
    pub id: IdSelector,
    pub label_selector: String,
    pub annotation_selector: String,
}

/// `options:` of a source or target.
#[derive(Debug, Clone, Default)]
pub struct FieldOptions {
    pub delimiter: String,
    pub index: i64,
    pub create: bool,
}

#[derive(Debug, Clone, Default)]
pub struct SourceSelector {
    pub id: IdSelector,
    pub field_path: String,
    pub options: Option<FieldOptions>,
}

#[derive(Debug, Clone, Default)]
pub struct TargetSelector {
    pub select: Option<Selector>,
    pub reject: Vec<Selector>,
    pub field_paths: Vec<String>,
    pub options: Option<FieldOptions>,
}

/// One replacement.
#[derive(Debug, Clone, Default)]
pub struct Replacement {
    pub source: Option<SourceSelector>,
    /// `None` when the field is absent (an error when the replacement runs).
    pub targets: Option<Vec<TargetSelector>>,
}

/// Reads a JSON object the way Go's decoder fills a struct: keys match field names exactly
/// or else case-insensitively; unknown keys are errors only when `strict`.
struct Fields<'v> {
    found: Vec<(&'static str, &'v Value)>,
}

impl<'v> Fields<'v> {
    fn read(
        value: &'v Value,
        names: &[&'static str],
        strict: bool,
        what: &str,
    ) -> Result<Option<Fields<'v>>, String> {
        let map = match value {
            Value::Null => return Ok(None),
            Value::Object(map) => map,
            other => {
                return Err(format!(
                    "{what}: expected a mapping, found {}",
                    crate::render::kustomization::kind_of(other)
                ));
            }
        };
        let mut found: Vec<(&'static str, &'v Value)> = Vec::new();
        for (key, v) in map {
            let name = names
                .iter()
                .find(|n| **n == key)
                .or_else(|| names.iter().find(|n| n.eq_ignore_ascii_case(key)));
            match name {
                Some(name) => {
                    found.retain(|(n, _)| n != name);
                    found.push((name, v));
                }
                None if strict => return Err(format!("{what}: unknown field \"{key}\"")),
                None => {}
            }
        }
        Ok(Some(Fields { found }))
    }

    fn get(&self, name: &str) -> Option<&'v Value> {
        self.found
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, v)| *v)
            .filter(|v| !v.is_null())
    }

    fn string(&self, name: &str, what: &str) -> Result<String, String> {
        match self.get(name) {
            None => Ok(String::new()),
            Some(Value::String(s)) => Ok(s.clone()),
            Some(other) => Err(format!(
                "{what}.{name}: expected a string, found {}",
                crate::render::kustomization::kind_of(other)
            )),
        }
    }
}

fn read_id(f: &Fields, what: &str) -> Result<IdSelector, String> {
    Ok(IdSelector {
        gvk: Gvk {
            group: f.string("group", what)?,
            version: f.string("version", what)?,
            kind: f.string("kind", what)?,
        },
        name: f.string("name", what)?,
        namespace: f.string("namespace", what)?,
    })
}

fn read_selector(value: &Value, strict: bool, what: &str) -> Result<Option<Selector>, String> {
    const NAMES: &[&str] = &[
        "group",
        "version",
        "kind",
        "name",
        "namespace",
        "labelSelector",
        "annotationSelector",
    ];
    let Some(f) = Fields::read(value, NAMES, strict, what)? else {
        return Ok(None);
    };
    Ok(Some(Selector {
        id: read_id(&f, what)?,
        label_selector: f.string("labelSelector", what)?,
        annotation_selector: f.string("annotationSelector", what)?,
    }))
}

fn read_options(
    value: Option<&Value>,
    strict: bool,
    what: &str,
) -> Result<Option<FieldOptions>, String> {
    let Some(value) = value else {
        return Ok(None);
    };
    let what = format!("{what}.options");
    const NAMES: &[&str] = &["delimiter", "index", "encoding", "create"];
    let Some(f) = Fields::read(value, NAMES, strict, &what)? else {
        return Ok(None);
    };
    // `encoding` is accepted and, as in kustomize v5.5.0, has no effect.
    f.string("encoding", &what)?;
    let index = match f.get("index") {
        None => 0,
        Some(v) => v
            .as_i64()
            .ok_or_else(|| format!("{what}.index: expected an integer"))?,
    };
    let create = match f.get("create") {
        None => false,
        Some(Value::Bool(b)) => *b,
        Some(_) => return Err(format!("{what}.create: expected a boolean")),
    };
    Ok(Some(FieldOptions {
        delimiter: f.string("delimiter", &what)?,
        index,
        create,
    }))
}

fn read_source(value: &Value, strict: bool) -> Result<Option<SourceSelector>, String> {
    const NAMES: &[&str] = &[
        "group",
        "version",
        "kind",
        "name",
        "namespace",
        "fieldPath",
        "options",
    ];
    let Some(f) = Fields::read(value, NAMES, strict, "source")? else {
        return Ok(None);
    };
    Ok(Some(SourceSelector {
        id: read_id(&f, "source")?,
        field_path: f.string("fieldPath", "source")?,
        options: read_options(f.get("options"), strict, "source")?,
    }))
}

fn read_target(value: &Value, strict: bool, i: usize) -> Result<TargetSelector, String> {
    const NAMES: &[&str] = &["select", "reject", "fieldPaths", "options"];
    let what = format!("targets[{i}]");
    let Some(f) = Fields::read(value, NAMES, strict, &what)? else {
        return Err(format!("{what}: a target must not be null"));
    };
    let select = match f.get("select") {
        None => None,
        Some(v) => read_selector(v, strict, &format!("{what}.select"))?,
    };
    let mut reject = Vec::new();
    if let Some(list) = f.get("reject") {
        let Value::Array(items) = list else {
            return Err(format!("{what}.reject: expected a list"));
        };
        for (j, item) in items.iter().enumerate() {
            if let Some(sel) = read_selector(item, strict, &format!("{what}.reject[{j}]"))? {
                reject.push(sel);
            }
        }
    }
    let mut field_paths = Vec::new();
    if let Some(list) = f.get("fieldPaths") {
        let Value::Array(items) = list else {
            return Err(format!("{what}.fieldPaths: expected a list"));
        };
        for item in items {
            match item {
                Value::String(s) => field_paths.push(s.clone()),
                Value::Null => field_paths.push(String::new()),
                _ => return Err(format!("{what}.fieldPaths: expected strings")),
            }
        }
    }
    Ok(TargetSelector {
        select,
        reject,
        field_paths,
        options: read_options(f.get("options"), strict, &what)?,
    })
}

/// Reads one replacement (`source` and `targets`) from its JSON form.
pub fn read_replacement(
    source: Option<&Value>,
    targets: Option<&Value>,
    strict: bool,
) -> Result<Replacement, String> {
    let source = match source {
        Some(v) => read_source(v, strict)?,
        None => None,
    };
    let targets = match targets {
        None | Some(Value::Null) => None,
        Some(Value::Array(items)) => Some(
            items
                .iter()
                .enumerate()
                .map(|(i, t)| read_target(t, strict, i))
                .collect::<Result<Vec<_>, _>>()?,
        ),
        Some(_) => return Err("targets: expected a list".into()),
    };
    Ok(Replacement { source, targets })
}

pub(crate) fn read_replacement_value(value: &Value, strict: bool) -> Result<Replacement, String> {
    let Some(f) = Fields::read(value, &["source", "targets"], strict, "replacement")? else {
        return Ok(Replacement::default());
    };
    read_replacement(f.get("source"), f.get("targets"), strict)
}

/// Loads `replacements:` entries: inline ones as they are, `path:` entries from their file
/// (one replacement or a list of them).
pub fn load(
    loader: &Loader,
    file: &Path,
    entries: &[ReplacementField],
    strict: bool,
) -> Result<Vec<Replacement>, RenderError> {
    let fail = |m: String| transform_error("replacements", file, m);
    let mut out = Vec::new();
    for entry in entries {
        let has_targets = match &entry.targets {
            Some(Value::Array(items)) => !items.is_empty(),
            _ => false,
        };
        let has_source = entry.source.as_ref().is_some_and(|v| !v.is_null());
        if !entry.path.is_empty() && (has_source || has_targets) {
            return Err(fail(
                "cannot specify both path and inline replacement".into(),
            ));
        }
        if entry.path.is_empty() {
            out.push(
                read_replacement(entry.source.as_ref(), entry.targets.as_ref(), strict)
                    .map_err(fail)?,
            );
            continue;
        }
        let bytes = loader.load(&entry.path)?;
        let text = String::from_utf8_lossy(&bytes);
        let docs = crate::yaml::parse_documents(&text).map_err(|e| RenderError::Yaml {
            path: loader.root().join(&entry.path),
            message: e.to_string(),
        })?;
        let in_file = |m: String| fail(format!("{}: {m}", entry.path));
        match docs.into_iter().next() {
            Some(Value::Array(items)) => {
                for item in &items {
                    out.push(read_replacement_value(item, false).map_err(in_file)?);
                }
            }
            Some(map @ Value::Object(_)) => {
                out.push(read_replacement_value(&map, false).map_err(in_file)?);
            }
            Some(other) => {
                return Err(in_file(format!(
                    "unsupported replacement type encountered within replacement path: {}",
                    crate::render::kustomization::kind_of(&other)
                )));
            }
            None => {
                return Err(in_file(
                    "unsupported replacement type encountered within replacement path: invalid"
                        .into(),
                ));
            }
        }
    }
    Ok(out)
}

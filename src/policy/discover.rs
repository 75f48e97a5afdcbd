//! Finding the policy files of a selection in a source tree: every `.rego` file under the
//! selected paths, and the data files (`data.yaml`, `data.yml`, `data.json`) beside them.
//! Data files are merged into one document at the root of `data`, as conftest's `--data`
//! does; two files giving one key different values is an error naming both.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use serde_json::{Map, Value};

use super::error::PolicyError;
use crate::source::{EntryKind, Source};

/// Directory nesting deeper than this is refused (it would be a symlink loop in practice).
const MAX_DEPTH: usize = 32;

/// The key of `data` that converge fills in at evaluation (the environment's name).
pub(super) const RESERVED_DATA_KEY: &str = "converge";

/// One Rego file, by its repository-relative path.
#[derive(Debug, Clone)]
pub(super) struct PolicyFile {
    pub rel: String,
    pub text: String,
}

/// Everything a selection loads.
#[derive(Debug, Default)]
pub(super) struct Discovered {
    pub rego: Vec<PolicyFile>,
    /// The merged data document, and which file set each top-level key (for conflicts).
    pub data: Map<String, Value>,
    /// Every file read, repository-relative.
    pub files: Vec<String>,
}

fn is_data_file(name: &str) -> bool {
    matches!(name, "data.yaml" | "data.yml" | "data.json")
}

/// Reads the policy and data files under `paths` (relative to the source root).
pub(super) fn discover(source: &dyn Source, paths: &[String]) -> Result<Discovered, PolicyError> {
    let mut rego = BTreeSet::new();
    let mut data = BTreeSet::new();
    for path in paths {
        let full = source.root().join(path);
        let kind = source.kind(&full).map_err(|source| PolicyError::Read {
            path: PathBuf::from(path),
            source,
        })?;
        match kind {
            EntryKind::Missing => return Err(PolicyError::MissingPath { path: path.clone() }),
            EntryKind::File => {
                let name = full.file_name().and_then(|n| n.to_str()).unwrap_or("");
                if name.ends_with(".rego") {
                    rego.insert(full.clone());
                } else {
                    // A file selected by name is data whatever it is called.
                    data.insert(full.clone());
                }
            }
            EntryKind::Dir => {
                if walk(source, &full, 0, &mut rego, &mut data)? == 0 {
                    return Err(PolicyError::NoPolicies { path: path.clone() });
                }
            }
        }
    }
    let mut out = Discovered::default();
    let mut owners: Vec<(String, String)> = Vec::new();
    for path in &data {
        let rel = relative(source, path);
        let bytes = source.read(path).map_err(|source| PolicyError::Read {
            path: PathBuf::from(&rel),
            source,
        })?;
        merge_data(&rel, &bytes, &mut out.data, &mut owners)?;
        out.files.push(rel);
    }
    for path in &rego {
        let rel = relative(source, path);
        let bytes = source.read(path).map_err(|source| PolicyError::Read {
            path: PathBuf::from(&rel),
            source,
        })?;
        let text = String::from_utf8(bytes).map_err(|_| PolicyError::Syntax {
            file: rel.clone(),
            line: 1,
            col: 1,
            message: "not UTF-8 text".into(),
        })?;
        out.files.push(rel.clone());
        out.rego.push(PolicyFile { rel, text });
    }
    out.files.sort();
    Ok(out)
}

/// Collects the policy and data files under `dir`; returns how many it saw (including ones
/// already collected through another selected path).
fn walk(
    source: &dyn Source,
    dir: &Path,
    depth: usize,
    rego: &mut BTreeSet<PathBuf>,
    data: &mut BTreeSet<PathBuf>,
) -> Result<usize, PolicyError> {
    if depth > MAX_DEPTH {
        return Err(PolicyError::Read {
            path: dir.to_path_buf(),
            source: crate::source::SourceError::SymlinkLoop {
                path: dir.to_path_buf(),
            },
        });
    }
    let names = source.list(dir).map_err(|source| PolicyError::Read {
        path: dir.to_path_buf(),
        source,
    })?;
    let mut found = 0;
    for name in names {
        // Hidden entries (.git, editor files) are never policies.
        if name.starts_with('.') {
            continue;
        }
        let path = dir.join(&name);
        let kind = source.kind(&path).map_err(|source| PolicyError::Read {
            path: path.clone(),
            source,
        })?;
        match kind {
            EntryKind::Dir => found += walk(source, &path, depth + 1, rego, data)?,
            EntryKind::File if name.ends_with(".rego") => {
                rego.insert(path);
                found += 1;
            }
            EntryKind::File if is_data_file(&name) => {
                data.insert(path);
                found += 1;
            }
            _ => {}
        }
    }
    Ok(found)
}

/// `path` relative to the source root, with `/` separators, for messages and reports.
fn relative(source: &dyn Source, path: &Path) -> String {
    let rel = path.strip_prefix(source.root()).unwrap_or(path);
    rel.components()
        .map(|c| c.as_os_str().to_string_lossy())
        .collect::<Vec<_>>()
        .join("/")
}

/// Parses one data file and merges it into `into`; `owners` remembers which file set each
/// dotted key path, so a conflict can name both files.
fn merge_data(
    rel: &str,
    bytes: &[u8],
    into: &mut Map<String, Value>,
    owners: &mut Vec<(String, String)>,
) -> Result<(), PolicyError> {
    let bad = |message: String| PolicyError::Data {
        file: rel.to_string(),
        message,
    };
    let text = std::str::from_utf8(bytes).map_err(|_| bad("not UTF-8 text".into()))?;
    let value: Value = if rel.ends_with(".json") {
        serde_json::from_str(text).map_err(|e| bad(e.to_string()))?
    } else {
        serde_yaml::from_str(text).map_err(|e| bad(e.to_string()))?
    };
    let map = match value {
        Value::Null => return Ok(()),
        Value::Object(map) => map,
        other => {
            return Err(bad(format!(
                "must be a mapping at the top, found {}",
                kind_of(&other)
            )));
        }
    };
    if map.contains_key(RESERVED_DATA_KEY) {
        return Err(bad(format!(
            "the top-level key `{RESERVED_DATA_KEY}` is reserved: converge sets \
             data.{RESERVED_DATA_KEY}.environment at evaluation"
        )));
    }
    merge_into(rel, into, map, "", owners)
}

fn merge_into(
    rel: &str,
    into: &mut Map<String, Value>,
    from: Map<String, Value>,
    prefix: &str,
    owners: &mut Vec<(String, String)>,
) -> Result<(), PolicyError> {
    for (key, value) in from {
        let path = if prefix.is_empty() {
            key.clone()
        } else {
            format!("{prefix}.{key}")
        };
        match into.get_mut(&key) {
            None => {
                owners.push((path, rel.to_string()));
                into.insert(key, value);
            }
            Some(Value::Object(existing)) if value.is_object() => {
                if let Value::Object(inner) = value {
                    merge_into(rel, existing, inner, &path, owners)?;
                }
            }
            Some(existing) if *existing == value => {}
            Some(_) => {
                let other = owners
                    .iter()
                    .rev()
                    .find(|(p, _)| path == *p || path.starts_with(&format!("{p}.")))
                    .map(|(_, file)| file.clone())
                    .unwrap_or_else(|| "another data file".into());
                return Err(PolicyError::DataConflict {
                    file: rel.to_string(),
                    other,
                    key: path,
                });
            }
        }
    }
    Ok(())
}

fn kind_of(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "a mapping",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn data_files_merge_and_conflicts_name_both_files() {
        let mut data = Map::new();
        let mut owners = Vec::new();
        merge_data(
            "policies/common/data.yaml",
            b"images:\n  registries: [registry.example.com]\n",
            &mut data,
            &mut owners,
        )
        .expect("first file");
        merge_data(
            "policies/production/data.yaml",
            b"production:\n  min_replicas: 3\nimages:\n  allow_latest: false\n",
            &mut data,
            &mut owners,
        )
        .expect("disjoint keys merge");
        assert_eq!(data["images"]["allow_latest"], Value::Bool(false));
        assert_eq!(data["production"]["min_replicas"], 3);
        let err = merge_data(
            "policies/other/data.json",
            br#"{"production": {"min_replicas": 2}}"#,
            &mut data,
            &mut owners,
        )
        .expect_err("conflict");
        let text = err.to_string();
        assert!(
            text.contains("policies/other/data.json")
                && text.contains("policies/production/data.yaml")
                && text.contains("production.min_replicas"),
            "{text}"
        );
    }

    #[test]
    fn data_must_be_a_mapping_and_not_use_the_reserved_key() {
        let mut data = Map::new();
        let mut owners = Vec::new();
        let err =
            merge_data("d/data.yaml", b"- a\n- b\n", &mut data, &mut owners).expect_err("a list");
        assert!(err.to_string().contains("a list"), "{err}");
        let err = merge_data("d/data.yaml", b"converge: {}\n", &mut data, &mut owners)
            .expect_err("reserved");
        assert!(err.to_string().contains("reserved"), "{err}");
        merge_data("d/data.yaml", b"", &mut data, &mut owners).expect("empty file is no data");
    }
}

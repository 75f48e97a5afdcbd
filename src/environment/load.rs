//! Loading environment files from a source tree (work tree or git revision).

use std::path::{Path, PathBuf};

use super::error::EnvironmentError;
use super::types::{API_VERSION, Environment, KIND};
use crate::source::{EntryKind, Source};

/// The directory environment files live in, relative to the repository root.
pub const ENVIRONMENTS_DIR: &str = "environments";

fn path_of(name: &str) -> PathBuf {
    PathBuf::from(ENVIRONMENTS_DIR).join(format!("{name}.yaml"))
}

/// Parses and validates one environment file's text.
pub fn parse(text: &str, path: &Path) -> Result<Environment, EnvironmentError> {
    let invalid = |message: String| EnvironmentError::Invalid {
        path: path.to_path_buf(),
        message,
    };
    let env: Environment = serde_yaml::from_str(text).map_err(|e| invalid(e.to_string()))?;
    if env.api_version != API_VERSION {
        return Err(invalid(format!(
            "apiVersion: must be {API_VERSION}, found {:?}",
            env.api_version
        )));
    }
    if env.kind != KIND {
        return Err(invalid(format!(
            "kind: must be {KIND}, found {:?}",
            env.kind
        )));
    }
    let stem = path.file_stem().and_then(|s| s.to_str()).unwrap_or("");
    if env.metadata.name != stem {
        return Err(invalid(format!(
            "metadata.name: {:?} must match the file name {stem:?}",
            env.metadata.name
        )));
    }
    if env.spec.overlay.is_empty()
        || Path::new(&env.spec.overlay).is_absolute()
        || env.spec.overlay.split('/').any(|p| p == "..")
    {
        return Err(invalid(format!(
            "spec.overlay: {:?} must be a relative path inside the repository",
            env.spec.overlay
        )));
    }
    if env.spec.target.namespace.is_empty() {
        return Err(invalid("spec.target.namespace: must not be empty".into()));
    }
    for (i, image) in env.spec.images.iter().enumerate() {
        // The bot's own compiler, so that what loads here is what the bot can apply.
        crate::bot::CompiledPolicy::compile(&image.policy)
            .map_err(|e| invalid(format!("spec.images[{i}].policy.{e}")))?;
    }
    let policies = &env.spec.policies;
    for (i, path) in policies.paths.iter().enumerate() {
        if path.is_empty() || Path::new(path).is_absolute() || path.split('/').any(|p| p == "..") {
            return Err(invalid(format!(
                "spec.policies.paths[{i}]: {path:?} must be a relative path inside the repository"
            )));
        }
    }
    for (field, names) in [
        ("namespaces", &policies.namespaces),
        ("combinedNamespaces", &policies.combined_namespaces),
    ] {
        for (i, name) in names.iter().enumerate() {
            if !is_package_name(name) {
                return Err(invalid(format!(
                    "spec.policies.{field}[{i}]: {name:?} is not a Rego package name \
                     (identifiers joined by dots, e.g. main or k8s.security)"
                )));
            }
        }
    }
    Ok(env)
}

/// Whether `name` is a dotted Rego package path such as `main` or `k8s.security`.
fn is_package_name(name: &str) -> bool {
    !name.is_empty()
        && name.split('.').all(|part| {
            let mut chars = part.chars();
            chars
                .next()
                .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
                && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
        })
}

/// Loads the environment `name` from `source` (rooted at the repository root).
pub fn load_from_source(source: &dyn Source, name: &str) -> Result<Environment, EnvironmentError> {
    let rel = path_of(name);
    let full = source.root().join(&rel);
    match source.kind(&full) {
        Ok(EntryKind::File) => {}
        Ok(_) => {
            return Err(EnvironmentError::NotFound {
                name: name.to_string(),
                path: rel,
            });
        }
        Err(source) => return Err(EnvironmentError::Read { path: rel, source }),
    }
    let bytes = source
        .read(&full)
        .map_err(|source| EnvironmentError::Read {
            path: rel.clone(),
            source,
        })?;
    let text = String::from_utf8(bytes).map_err(|_| EnvironmentError::Invalid {
        path: rel.clone(),
        message: "not valid UTF-8".into(),
    })?;
    parse(&text, &rel)
}

/// Loads the environment `name` from the work tree at `repo_root`.
pub fn load(repo_root: &Path, name: &str) -> Result<Environment, EnvironmentError> {
    let rel = path_of(name);
    let full = repo_root.join(&rel);
    let text = std::fs::read_to_string(&full).map_err(|e| {
        if e.kind() == std::io::ErrorKind::NotFound {
            EnvironmentError::NotFound {
                name: name.to_string(),
                path: rel.clone(),
            }
        } else {
            EnvironmentError::Invalid {
                path: rel.clone(),
                message: e.to_string(),
            }
        }
    })?;
    parse(&text, &rel)
}

/// The names of the environments in the work tree, sorted.
pub fn list(repo_root: &Path) -> Result<Vec<String>, EnvironmentError> {
    let dir = repo_root.join(ENVIRONMENTS_DIR);
    let entries = std::fs::read_dir(&dir).map_err(|e| EnvironmentError::Invalid {
        path: dir.clone(),
        message: e.to_string(),
    })?;
    let mut names: Vec<String> = entries
        .filter_map(Result::ok)
        .filter_map(|e| {
            let name = e.file_name().to_string_lossy().into_owned();
            name.strip_suffix(".yaml").map(str::to_string)
        })
        .collect();
    names.sort();
    Ok(names)
}

/// Every environment of the work tree.
pub fn load_all(repo_root: &Path) -> Result<Vec<Environment>, EnvironmentError> {
    list(repo_root)?
        .iter()
        .map(|n| load(repo_root, n))
        .collect()
}

/// The JSON Schema of environment files, for editors.
pub fn schema_json() -> String {
    let schema = schemars::schema_for!(Environment);
    serde_json::to_string_pretty(&schema).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    const GOOD: &str = "apiVersion: converge.dev/v1alpha1\nkind: Environment\nmetadata:\n  name: staging\nspec:\n  overlay: overlays/staging\n  target:\n    namespace: ml-staging\n";

    #[test]
    fn parses_defaults() {
        let env = parse(GOOD, Path::new("environments/staging.yaml")).expect("valid");
        assert!(env.spec.sync.prune);
        assert_eq!(env.spec.sync.interval.0.as_secs(), 60);
    }

    #[test]
    fn unknown_fields_name_the_field() {
        let bad = GOOD.replace("  target:", "  targett: {}\n  target:");
        let err = parse(&bad, Path::new("environments/staging.yaml")).expect_err("unknown field");
        let text = err.to_string();
        assert!(
            text.contains("environments/staging.yaml") && text.contains("targett"),
            "{text}"
        );
        let bad = GOOD.replace("  target:", "  sync:\n    interval: soon\n  target:");
        let text = parse(&bad, Path::new("environments/staging.yaml"))
            .expect_err("bad duration")
            .to_string();
        assert!(
            text.contains("interval") || text.contains("duration"),
            "{text}"
        );
    }

    /// The committed schema editors use must match the Rust types. After changing them, run
    /// `CONVERGE_UPDATE_SCHEMA=1 cargo test --lib committed_schema` and commit the file.
    #[test]
    fn committed_schema_is_up_to_date() {
        let path = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join(ENVIRONMENTS_DIR)
            .join("schema.json");
        let generated = format!("{}\n", schema_json());
        if std::env::var_os("CONVERGE_UPDATE_SCHEMA").is_some() {
            std::fs::write(&path, &generated).expect("schema written");
        }
        let committed = std::fs::read_to_string(&path).unwrap_or_default();
        assert!(
            committed == generated,
            "{} is out of date: run `CONVERGE_UPDATE_SCHEMA=1 cargo test --lib committed_schema` and commit it",
            path.display()
        );
    }

    #[test]
    fn policy_selection_is_checked() {
        let path = Path::new("environments/staging.yaml");
        let with = |policies: &str| format!("{GOOD}  policies:\n{policies}");
        let env = parse(&with("    paths: [policies/common]\n"), path).expect("valid");
        assert!(
            env.spec.policies.allow_exceptions,
            "exceptions are allowed by default"
        );
        let text = parse(&with("    paths: [../elsewhere]\n"), path)
            .expect_err("path outside the repository")
            .to_string();
        assert!(text.contains("spec.policies.paths[0]"), "{text}");
        let text = parse(&with("    combinedNamespaces: [\"no-dash\"]\n"), path)
            .expect_err("bad package name")
            .to_string();
        assert!(
            text.contains("spec.policies.combinedNamespaces[0]"),
            "{text}"
        );
        let text = parse(&with("    exceptions: false\n"), path)
            .expect_err("unknown field")
            .to_string();
        assert!(text.contains("exceptions"), "{text}");
    }

    #[test]
    fn name_must_match_file() {
        let err = parse(GOOD, Path::new("environments/prod.yaml")).expect_err("mismatch");
        assert!(err.to_string().contains("metadata.name"));
    }
}

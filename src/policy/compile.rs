//! Compiling a selection's policy files into engines ready to evaluate.
//!
//! Each file is parsed in its own dialect (see [`super::dialect`]), so v0 and v1 policies
//! load unchanged side by side. Syntax errors, calls to unknown functions and compile
//! errors surface here, with file and line.
//!
//! To say which *file* a finding comes from even when many files add to the same
//! `data.main.deny` (the conftest norm), check rules are evaluated per **unit**: one policy
//! file with its check rules, in an engine holding every other module except the other
//! check files. Files whose rules refer to each other's names are put in one unit, so a
//! unit never misses a rule it depends on; its findings then name all its files.

use std::collections::{BTreeMap, BTreeSet};

use regorus::Engine;

use super::dialect::{detect_v0, syntax_error};
use super::discover::PolicyFile;
use super::error::PolicyError;
use super::inspect::{self, ModuleInfo};
use crate::environment::PolicySelection;

/// The package conftest evaluates by default.
pub(super) const DEFAULT_NAMESPACE: &str = "main";
/// The package converge evaluates against the whole environment by default.
pub(super) const DEFAULT_COMBINED_NAMESPACE: &str = "combined";

/// How a rule sees the rendered objects.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(super) enum Mode {
    /// `input` is one object.
    PerObject,
    /// `input` is the list of every object, as conftest `--combine` builds it.
    Combined,
}

/// Whether a check rule blocks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Kind {
    Deny,
    Warn,
}

/// The kind of a conftest check rule name: `deny`, `violation`, `warn`, optionally
/// followed by `_suffix`.
pub(super) fn check_kind(name: &str) -> Option<Kind> {
    let suffix_ok = |rest: &str| {
        rest.is_empty()
            || rest.strip_prefix('_').is_some_and(|s| {
                !s.is_empty() && s.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
            })
    };
    for (prefix, kind) in [
        ("deny", Kind::Deny),
        ("violation", Kind::Deny),
        ("warn", Kind::Warn),
    ] {
        if let Some(rest) = name.strip_prefix(prefix)
            && suffix_ok(rest)
        {
            return Some(kind);
        }
    }
    None
}

/// The name conftest's `exception` rules use for a check rule: `deny_foo` → `foo`,
/// plain `deny` → the empty string.
pub(super) fn exception_name(rule: &str) -> &str {
    for prefix in ["deny_", "violation_", "warn_"] {
        if let Some(rest) = rule.strip_prefix(prefix) {
            return rest;
        }
    }
    ""
}

/// One check rule of a unit.
#[derive(Debug, Clone)]
pub(super) struct CheckRule {
    pub package: String,
    pub rule: String,
    pub mode: Mode,
    pub kind: Kind,
    /// `data.<package>.<rule>`.
    pub query: String,
    /// The unit's files defining it, comma-separated.
    pub file: String,
    /// The policy's short name: the first file's stem.
    pub policy: String,
}

/// Check files evaluated together, in an engine without the other check files.
#[derive(Clone)]
pub(super) struct Unit {
    pub engine: Engine,
    pub rules: Vec<CheckRule>,
}

/// Everything `PolicySet` keeps from loading.
pub(super) struct Compiled {
    pub modules: Vec<ModuleInfo>,
    /// Every module and the data: for conftest `exception` rules and `test_*` rules.
    pub full: Engine,
    pub units: Vec<Unit>,
    /// Selected packages that define a conftest `exception` rule, with their mode.
    pub exception_packages: Vec<(String, Mode)>,
}

/// Builds an engine holding `files` (with their dialects) and the data document.
fn engine_with(
    files: &[&(PolicyFile, bool)],
    data: &regorus::Value,
) -> Result<Engine, PolicyError> {
    let mut engine = Engine::new();
    for (file, v0) in files {
        engine.set_rego_v0(*v0);
        engine
            .add_policy(file.rel.clone(), file.text.clone())
            .map_err(|e| syntax_error(&file.rel, &e))?;
    }
    engine
        .add_data(data.clone())
        .map_err(|e| PolicyError::Compile {
            message: format!("data: {e}"),
        })?;
    Ok(engine)
}

fn file_stem(rel: &str) -> String {
    let name = rel.rsplit('/').next().unwrap_or(rel);
    name.strip_suffix(".rego").unwrap_or(name).to_string()
}

/// The selected namespaces of each mode; explicitly named ones must exist.
fn namespaces(
    selection: &PolicySelection,
    modules: &[ModuleInfo],
) -> Result<BTreeMap<String, Mode>, PolicyError> {
    let packages: BTreeSet<&str> = modules.iter().map(|m| m.package.as_str()).collect();
    let mut out = BTreeMap::new();
    for (explicit, default, mode) in [
        (&selection.namespaces, DEFAULT_NAMESPACE, Mode::PerObject),
        (
            &selection.combined_namespaces,
            DEFAULT_COMBINED_NAMESPACE,
            Mode::Combined,
        ),
    ] {
        if explicit.is_empty() {
            out.insert(default.to_string(), mode);
            continue;
        }
        for namespace in explicit {
            if !packages.contains(namespace.as_str()) {
                return Err(PolicyError::UnknownNamespace {
                    namespace: namespace.clone(),
                });
            }
            out.insert(namespace.clone(), mode);
        }
    }
    Ok(out)
}

fn head_name(path: &str) -> &str {
    path.split('.').next().unwrap_or(path)
}

/// For each module, the modules it needs: itself and, transitively, every module defining
/// a rule whose name it refers to (by name only, whatever the package: an
/// over-approximation that costs precision of attribution, never correctness).
fn needs(modules: &[ModuleInfo]) -> Vec<BTreeSet<usize>> {
    let mut definers: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
    for (i, module) in modules.iter().enumerate() {
        for rule in &module.rules {
            definers.entry(head_name(&rule.path)).or_default().push(i);
        }
    }
    let direct: Vec<BTreeSet<usize>> = modules
        .iter()
        .map(|m| {
            m.references
                .iter()
                .filter_map(|name| definers.get(name.as_str()))
                .flatten()
                .copied()
                .collect()
        })
        .collect();
    (0..modules.len())
        .map(|start| {
            let mut seen = BTreeSet::from([start]);
            let mut stack = vec![start];
            while let Some(i) = stack.pop() {
                for &next in &direct[i] {
                    if seen.insert(next) {
                        stack.push(next);
                    }
                }
            }
            seen
        })
        .collect()
}

/// Groups check files so that no group needs a check file of another (union-find over
/// positions in `check_files`).
fn group(check_files: &[usize], needs: &[BTreeSet<usize>]) -> Vec<Vec<usize>> {
    let mut parent: Vec<usize> = (0..check_files.len()).collect();
    fn root(parent: &mut [usize], mut i: usize) -> usize {
        while parent[i] != i {
            parent[i] = parent[parent[i]];
            i = parent[i];
        }
        i
    }
    for a in 0..check_files.len() {
        for b in 0..check_files.len() {
            if a != b && needs[check_files[a]].contains(&check_files[b]) {
                let (ra, rb) = (root(&mut parent, a), root(&mut parent, b));
                parent[ra] = rb;
            }
        }
    }
    let mut groups: BTreeMap<usize, Vec<usize>> = BTreeMap::new();
    for (i, &file) in check_files.iter().enumerate() {
        let r = root(&mut parent, i);
        groups.entry(r).or_default().push(file);
    }
    let mut out: Vec<Vec<usize>> = groups.into_values().collect();
    out.sort();
    out
}

/// Compiles the files of a selection.
pub(super) fn compile(
    rego: &[PolicyFile],
    data: serde_json::Map<String, serde_json::Value>,
    selection: &PolicySelection,
) -> Result<Compiled, PolicyError> {
    let mut files = Vec::with_capacity(rego.len());
    for file in rego {
        let v0 = detect_v0(file)?;
        files.push((file.clone(), v0));
    }
    let data = regorus::Value::from(serde_json::Value::Object(data));
    let all: Vec<&(PolicyFile, bool)> = files.iter().collect();
    let mut full = engine_with(&all, &data)?;
    let modules =
        inspect::modules_from_ast(&full.get_ast_as_json().map_err(|e| PolicyError::Internal {
            message: e.to_string(),
        })?)?;
    inspect::check_functions(&modules)?;
    // Analysis (unsafe variables, recursion, conflicting arities) happens when an engine is
    // first prepared: do it now so these errors are load errors too.
    full.eval_query("true".into(), false)
        .map_err(|e| PolicyError::Compile {
            message: e.to_string(),
        })?;

    let selected = namespaces(selection, &modules)?;
    let is_check_file = |m: &ModuleInfo| {
        selected.contains_key(&m.package)
            && m.rules
                .iter()
                .any(|r| !r.is_function && check_kind(&r.path).is_some())
    };
    let check_files: Vec<usize> = (0..modules.len())
        .filter(|&i| is_check_file(&modules[i]))
        .collect();
    let needs = needs(&modules);

    let mut units = Vec::new();
    for members in group(&check_files, &needs) {
        // The unit's files and what they need: never another unit's check file, and never
        // a module (such as a test) that needs one.
        let in_engine: BTreeSet<usize> = members
            .iter()
            .flat_map(|&i| needs[i].iter().copied())
            .collect();
        let engine_files: Vec<&(PolicyFile, bool)> = in_engine.iter().map(|&i| &files[i]).collect();
        let mut engine = engine_with(&engine_files, &data)?;
        engine
            .eval_query("true".into(), false)
            .map_err(|e| PolicyError::Compile {
                message: e.to_string(),
            })?;
        let mut rules: BTreeMap<(String, String), CheckRule> = BTreeMap::new();
        for &i in &members {
            let module = &modules[i];
            let Some(&mode) = selected.get(&module.package) else {
                continue;
            };
            for rule in &module.rules {
                let Some(kind) = check_kind(&rule.path).filter(|_| !rule.is_function) else {
                    continue;
                };
                rules
                    .entry((module.package.clone(), rule.path.clone()))
                    .and_modify(|r| {
                        if !r.file.split(", ").any(|f| f == module.file) {
                            r.file = format!("{}, {}", r.file, module.file);
                        }
                    })
                    .or_insert_with(|| CheckRule {
                        package: module.package.clone(),
                        rule: rule.path.clone(),
                        mode,
                        kind,
                        query: format!("data.{}.{}", module.package, rule.path),
                        file: module.file.clone(),
                        policy: file_stem(&module.file),
                    });
            }
        }
        units.push(Unit {
            engine,
            rules: rules.into_values().collect(),
        });
    }

    let mut exception_packages: Vec<(String, Mode)> = selected
        .iter()
        .filter(|(package, _)| {
            modules
                .iter()
                .any(|m| &m.package == *package && m.defines("exception"))
        })
        .map(|(package, mode)| (package.clone(), *mode))
        .collect();
    exception_packages.sort();
    Ok(Compiled {
        modules,
        full,
        units,
        exception_packages,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(rel: &str, text: &str) -> PolicyFile {
        PolicyFile {
            rel: rel.into(),
            text: text.into(),
        }
    }

    #[test]
    fn check_rule_names_follow_conftest() {
        assert_eq!(check_kind("deny"), Some(Kind::Deny));
        assert_eq!(check_kind("violation_no_limits"), Some(Kind::Deny));
        assert_eq!(check_kind("warn_old_api"), Some(Kind::Warn));
        assert_eq!(check_kind("denylist"), None);
        assert_eq!(check_kind("deny_"), None);
        assert_eq!(check_kind("exception"), None);
        assert_eq!(exception_name("deny_latest"), "latest");
        assert_eq!(exception_name("deny"), "");
    }

    #[test]
    fn files_sharing_rules_form_one_unit_and_independent_files_their_own() {
        let rego = vec![
            file(
                "a.rego",
                "package main\ndeny contains msg if { is_big; msg := \"a\" }\n",
            ),
            file(
                "b.rego",
                "package main\nis_big if input.size > 3\ndeny contains \"b\" if is_big\n",
            ),
            file(
                "c.rego",
                "package main\nwarn contains \"c\" if input.size > 1\n",
            ),
            file("lib.rego", "package lib\nhelper := 1\n"),
        ];
        let compiled =
            compile(&rego, serde_json::Map::new(), &PolicySelection::default()).expect("compiles");
        let units: Vec<Vec<String>> = compiled
            .units
            .iter()
            .map(|u| {
                u.rules
                    .iter()
                    .map(|r| format!("{}:{}", r.rule, r.file))
                    .collect()
            })
            .collect();
        assert_eq!(
            units,
            vec![
                vec!["deny:a.rego, b.rego".to_string()],
                vec!["warn:c.rego".to_string()]
            ]
        );
    }

    #[test]
    fn a_library_using_a_check_file_joins_its_users_to_it() {
        let rego = vec![
            file("a.rego", "package main\ndeny contains \"a\" if big\n"),
            file(
                "b.rego",
                "package main\nis_big if input.size > 3\nwarn contains \"b\" if is_big\n",
            ),
            file("lib.rego", "package main\nbig if is_big\n"),
            file(
                "test.rego",
                "package main\ntest_a if deny[\"a\"] with input as {\"size\": 5}\n",
            ),
        ];
        let compiled =
            compile(&rego, serde_json::Map::new(), &PolicySelection::default()).expect("compiles");
        let files: Vec<Vec<String>> = compiled
            .units
            .iter()
            .map(|u| u.rules.iter().map(|r| r.file.clone()).collect())
            .collect();
        assert_eq!(
            files,
            vec![vec!["a.rego".to_string(), "b.rego".to_string()]]
        );
    }

    #[test]
    fn selected_namespaces_must_exist_and_compile_errors_are_load_errors() {
        let rego = vec![file(
            "a.rego",
            "package main\ndeny contains \"x\" if true\n",
        )];
        let selection = PolicySelection {
            namespaces: vec!["k8s".into()],
            ..PolicySelection::default()
        };
        let err = compile(&rego, serde_json::Map::new(), &selection).err();
        assert!(
            matches!(&err, Some(PolicyError::UnknownNamespace { namespace }) if namespace == "k8s"),
            "{err:?}"
        );
        let unsafe_var = vec![file(
            "u.rego",
            "package main\ndeny contains msg if { x > 1; msg := \"x\" }\n",
        )];
        let err = compile(
            &unsafe_var,
            serde_json::Map::new(),
            &PolicySelection::default(),
        )
        .err()
        .map(|e| e.to_string())
        .unwrap_or_default();
        assert!(err.contains("u.rego"), "{err}");
    }
}

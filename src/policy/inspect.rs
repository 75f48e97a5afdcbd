//! What each loaded policy module declares and uses, read from the engine's JSON view of
//! the parsed modules: its package and imports, the rules it defines, the functions it
//! calls (with their lines) and the names its rule bodies refer to.
//!
//! regorus only notices an unknown function when evaluation reaches the call, so an
//! unsupported builtin (e.g. `net.cidr_contains`) would fail the first sync that happens to
//! exercise it. [`check_functions`] resolves every call the way the interpreter does
//! (package-local functions, imports, absolute `data.` paths, builtins) and reports the
//! first unknown one with its file and line at load time.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::OnceLock;

use serde_json::Value;

use super::error::PolicyError;

/// A rule head defined by a module.
#[derive(Debug, Clone)]
pub(super) struct RuleInfo {
    /// The head's path within the package: `deny`, `test_x`, `a.b` for ref heads.
    pub path: String,
    pub line: u32,
    pub is_function: bool,
}

/// A function call in a module.
#[derive(Debug, Clone)]
pub(super) struct CallInfo {
    pub path: String,
    pub line: u32,
}

/// One parsed policy file, as far as loading needs to know it.
#[derive(Debug, Clone, Default)]
pub(super) struct ModuleInfo {
    pub file: String,
    /// The package path without the `data.` prefix: `main`, `lib.k8s`.
    pub package: String,
    /// Import alias → imported path (`k8s` → `data.lib.k8s`).
    pub imports: BTreeMap<String, String>,
    pub rules: Vec<RuleInfo>,
    pub calls: Vec<CallInfo>,
    /// Every identifier and field name its rules use, except rule-head names and variables
    /// a rule binds itself: an over-approximation of which rules this module depends on.
    pub references: BTreeSet<String>,
}

impl ModuleInfo {
    /// Whether this module defines a rule named `name` (a single-segment head).
    pub fn defines(&self, name: &str) -> bool {
        self.rules.iter().any(|r| r.path == name)
    }
}

/// Reads the modules out of `Engine::get_ast_as_json` output (one entry per added policy,
/// in the order they were added).
pub(super) fn modules_from_ast(json: &str) -> Result<Vec<ModuleInfo>, PolicyError> {
    let internal = |message: String| PolicyError::Internal { message };
    let policies: Value = serde_json::from_str(json).map_err(|e| internal(e.to_string()))?;
    let Some(policies) = policies.as_array() else {
        return Err(internal("the module list is not a list".into()));
    };
    let mut out = Vec::with_capacity(policies.len());
    for policy in policies {
        let file = policy["source"]["file"].as_str().unwrap_or("").to_string();
        let contents = policy["source"]["contents"].as_str().unwrap_or("");
        let ast = &policy["ast"];
        let package = expr_path(&ast["package"]["refr"])
            .ok_or_else(|| internal(format!("{file}: package path not understood")))?;
        let mut module = ModuleInfo {
            file,
            package,
            ..ModuleInfo::default()
        };
        for import in ast["imports"].as_array().into_iter().flatten() {
            let Some(path) = expr_path(&import["refr"]) else {
                continue;
            };
            let alias = span_text(contents, &import["as"])
                .or_else(|| path.rsplit('.').next().map(str::to_string))
                .unwrap_or_default();
            module.imports.insert(alias, path);
        }
        for rule in ast["rules"].as_array().into_iter().flatten() {
            read_rule(rule, contents, &mut module);
        }
        out.push(module);
    }
    Ok(out)
}

/// What one rule uses: every name it mentions, and the names it binds locally (which are
/// no references to other rules).
#[derive(Default)]
struct Scan {
    used: BTreeSet<String>,
    bound: BTreeSet<String>,
}

fn read_rule(rule: &Value, contents: &str, module: &mut ModuleInfo) {
    let mut scan = Scan::default();
    if let Some(spec) = rule.get("Spec") {
        let head = &spec["head"];
        let (kind, body) = match head.as_object().and_then(|m| m.iter().next()) {
            Some((kind, body)) => (kind.as_str(), body),
            None => return,
        };
        if let Some(path) = expr_path(&body["refr"]) {
            module.rules.push(RuleInfo {
                path,
                line: line_of(&body["span"]),
                is_function: kind == "Func",
            });
        }
        // Function arguments are local; the head's key and value use names; its refr
        // defines one.
        for arg in body["args"].as_array().into_iter().flatten() {
            bind_vars(arg, &mut scan);
        }
        for (field, value) in body.as_object().into_iter().flatten() {
            if field != "refr" && field != "args" {
                collect(value, contents, module, &mut scan);
            }
        }
        collect(&spec["bodies"], contents, module, &mut scan);
    } else if let Some(default) = rule.get("Default") {
        if let Some(path) = expr_path(&default["refr"]) {
            let is_function = default["args"].as_array().is_some_and(|a| !a.is_empty());
            module.rules.push(RuleInfo {
                path,
                line: line_of(&default["span"]),
                is_function,
            });
        }
        collect(&default["value"], contents, module, &mut scan);
    }
    for name in scan.used.difference(&scan.bound) {
        module.references.insert(name.clone());
    }
}

/// Marks every variable of a pattern (`x`, `[a, b]`, `{"k": v}`) as bound.
fn bind_vars(pattern: &Value, scan: &mut Scan) {
    match pattern {
        Value::Object(map) => {
            if let Some(name) = map.get("Var").and_then(|v| v["value"].as_str()) {
                scan.bound.insert(name.to_string());
                return;
            }
            // Only through arrays and objects: `x[i]` on the left binds neither x nor i.
            for key in ["Array", "Object"] {
                if let Some(inner) = map.get(key) {
                    bind_vars(inner, scan);
                }
            }
            for key in ["items", "fields"] {
                if let Some(inner) = map.get(key) {
                    bind_vars(inner, scan);
                }
            }
        }
        Value::Array(items) => {
            for item in items {
                bind_vars(item, scan);
            }
        }
        _ => {}
    }
}

/// Walks an expression tree, recording calls and the names used and bound.
fn collect(value: &Value, contents: &str, module: &mut ModuleInfo, scan: &mut Scan) {
    match value {
        Value::Object(map) => {
            if let Some(call) = map.get("Call")
                && let Some(path) = expr_path(&call["fcn"])
            {
                module.calls.push(CallInfo {
                    path,
                    line: line_of(&call["span"]),
                });
            }
            if let Some(var) = map.get("Var")
                && let Some(name) = var["value"].as_str()
            {
                scan.used.insert(name.to_string());
            }
            if let Some(dot) = map.get("RefDot")
                && let Some(field) = dot["field"].get(1).and_then(Value::as_str)
            {
                scan.used.insert(field.to_string());
            }
            // `:=` declares locals. Unification (`=`) binds nothing here: either side may be
            // a rule, and keeping a name too many only merges units, never breaks one.
            if let Some(assign) = map.get("AssignExpr")
                && assign["op"].as_str() == Some("ColEq")
            {
                bind_vars(&assign["lhs"], scan);
            }
            if let Some(some) = map.get("SomeIn") {
                bind_vars(&some["key"], scan);
                bind_vars(&some["value"], scan);
            }
            if let Some(some) = map.get("SomeVars") {
                for span in some["vars"].as_array().into_iter().flatten() {
                    if let Some(name) = span_text(contents, span) {
                        scan.bound.insert(name);
                    }
                }
            }
            if let Some(every) = map.get("Every") {
                for span in [&every["key"], &every["value"]] {
                    if let Some(name) = span_text(contents, span) {
                        scan.bound.insert(name);
                    }
                }
            }
            for inner in map.values() {
                collect(inner, contents, module, scan);
            }
        }
        Value::Array(items) => {
            for inner in items {
                collect(inner, contents, module, scan);
            }
        }
        _ => {}
    }
}

/// The dotted path of a `Var`/`RefDot`/`RefBrack["name"]` chain, if it is one.
pub(super) fn expr_path(expr: &Value) -> Option<String> {
    if let Some(var) = expr.get("Var") {
        return var["value"].as_str().map(str::to_string);
    }
    if let Some(dot) = expr.get("RefDot") {
        let base = expr_path(&dot["refr"])?;
        let field = dot["field"].get(1)?.as_str()?;
        return Some(format!("{base}.{field}"));
    }
    if let Some(brack) = expr.get("RefBrack") {
        let base = expr_path(&brack["refr"])?;
        let index = brack["index"].get("String")?["value"].as_str()?;
        return Some(format!("{base}.{index}"));
    }
    None
}

fn line_of(span: &Value) -> u32 {
    span["line"]
        .as_u64()
        .and_then(|l| u32::try_from(l).ok())
        .unwrap_or(0)
}

/// The source text a serialized span covers (spans are byte offsets into the contents).
fn span_text(contents: &str, span: &Value) -> Option<String> {
    let start = usize::try_from(span["start"].as_u64()?).ok()?;
    let end = usize::try_from(span["end"].as_u64()?).ok()?;
    contents.get(start..end).map(str::to_string)
}

/// The builtins of this build of the engine, as `opa.runtime()` lists them.
pub(super) fn builtins() -> &'static BTreeSet<String> {
    static BUILTINS: OnceLock<BTreeSet<String>> = OnceLock::new();
    BUILTINS.get_or_init(|| {
        let mut engine = regorus::Engine::new();
        // Parsing this fixed module cannot fail; if it ever did, the list stays empty and
        // every call is reported unknown, which the unit tests would catch.
        let _ = engine.add_policy(
            "converge-builtins.rego".into(),
            "package converge_builtins\nruntime := opa.runtime()\n".into(),
        );
        let runtime = engine
            .eval_rule("data.converge_builtins.runtime".into())
            .ok()
            .and_then(|v| serde_json::to_value(&v).ok())
            .unwrap_or(Value::Null);
        let mut names: BTreeSet<String> = runtime["builtins"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|v| v.as_str().map(str::to_string))
            .collect();
        // `print` is handled by the interpreter itself, not registered as a builtin.
        names.insert("print".into());
        names
    })
}

/// Every function defined by the modules, by full path (`data.lib.k8s.containers`).
fn function_table(modules: &[ModuleInfo]) -> BTreeSet<String> {
    modules
        .iter()
        .flat_map(|m| {
            m.rules
                .iter()
                .filter(|r| r.is_function)
                .map(move |r| format!("data.{}.{}", m.package, r.path))
        })
        .collect()
}

/// Fails on the first call (in file order) that resolves to nothing.
pub(super) fn check_functions(modules: &[ModuleInfo]) -> Result<(), PolicyError> {
    let functions = function_table(modules);
    let builtins = builtins();
    for module in modules {
        for call in &module.calls {
            if !resolves(&call.path, module, &functions, builtins) {
                return Err(PolicyError::UnknownFunction {
                    file: module.file.clone(),
                    line: call.line,
                    function: call.path.clone(),
                });
            }
        }
    }
    Ok(())
}

fn resolves(
    path: &str,
    module: &ModuleInfo,
    functions: &BTreeSet<String>,
    builtins: &BTreeSet<String>,
) -> bool {
    if path.starts_with("data.") {
        return functions.contains(path);
    }
    let (first, rest) = match path.split_once('.') {
        Some((first, rest)) => (first, Some(rest)),
        None => (path, None),
    };
    if let Some(imported) = module.imports.get(first)
        && imported.starts_with("data.")
    {
        let full = match rest {
            Some(rest) => format!("{imported}.{rest}"),
            None => imported.clone(),
        };
        if functions.contains(&full) {
            return true;
        }
    }
    if functions.contains(&format!("data.{}.{path}", module.package)) || builtins.contains(path) {
        return true;
    }
    // Resolution the interpreter may do that is not modelled above (nested packages
    // referring to each other): accept a function defined under that name anywhere,
    // rather than reject a valid policy.
    let suffix = format!(".{path}");
    functions.iter().any(|f| f.ends_with(&suffix))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn inspect(files: &[(&str, &str, bool)]) -> Vec<ModuleInfo> {
        let mut engine = regorus::Engine::new();
        for (name, text, v0) in files {
            engine.set_rego_v0(*v0);
            engine
                .add_policy(name.to_string(), text.to_string())
                .expect("test policies parse");
        }
        modules_from_ast(&engine.get_ast_as_json().expect("ast")).expect("modules")
    }

    #[test]
    fn reads_packages_imports_rules_calls_and_references() {
        let modules = inspect(&[
            (
                "a.rego",
                "package main\nimport data.lib.k8s as kube\n\ndeny contains msg if {\n  \
                 some c in kube.containers(input)\n  not c.resources\n  \
                 msg := sprintf(\"%s\", [c.name])\n}\n",
                false,
            ),
            (
                "lib.rego",
                "package lib.k8s\ncontainers(obj) = cs { cs := obj.spec.containers }\n",
                true,
            ),
        ]);
        let a = &modules[0];
        assert_eq!(a.package, "main");
        assert_eq!(a.imports["kube"], "data.lib.k8s");
        assert!(a.defines("deny"));
        assert!(
            !a.references.contains("deny"),
            "a head name is no reference"
        );
        assert!(a.references.contains("resources"));
        let calls: Vec<_> = a.calls.iter().map(|c| (c.path.as_str(), c.line)).collect();
        assert_eq!(calls, vec![("kube.containers", 5), ("sprintf", 7)]);
        assert_eq!(modules[1].package, "lib.k8s");
        assert!(modules[1].rules[0].is_function);
        check_functions(&modules).expect("every call resolves");
    }

    #[test]
    fn unknown_builtins_are_reported_with_file_and_line() {
        let modules = inspect(&[(
            "policies/net.rego",
            "package main\n\ndeny contains msg if {\n  \
             net.cidr_contains(\"10.0.0.0/8\", input.spec.clusterIP)\n  msg := \"x\"\n}\n",
            false,
        )]);
        let err = check_functions(&modules).expect_err("net.* is not built in");
        assert!(
            matches!(&err, PolicyError::UnknownFunction { file, line: 4, function }
                if file == "policies/net.rego" && function == "net.cidr_contains"),
            "{err}"
        );
    }

    #[test]
    fn builtins_include_the_common_conftest_ones() {
        for name in [
            "sprintf",
            "startswith",
            "regex.match",
            "object.get",
            "count",
            "print",
        ] {
            assert!(builtins().contains(name), "{name}");
        }
    }
}

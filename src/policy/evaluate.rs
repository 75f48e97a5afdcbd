//! Evaluating compiled policies against the rendered objects of one environment.
//!
//! Per-object rules run once per object with the object as `input` (as `conftest test`
//! does per document); whole-environment rules run once with `input` set to the list
//! `[{"path": ..., "contents": object}, ...]` (as `conftest test --combine`). converge sets
//! `data.converge.environment` to the environment's name, so one policy can treat
//! environments differently. Findings are then matched against conftest `exception` rules
//! and against the objects' exception annotations.
//!
//! Objects are split across threads (each with its own engine clones) when there are
//! enough of them for that to pay.

use std::collections::{BTreeSet, HashMap};

use regorus::Engine;
use serde_json::{Value, json};

use super::compile::{CheckRule, Compiled, Kind, Mode, exception_name};
use super::discover::RESERVED_DATA_KEY;
use super::error::PolicyError;
use super::exceptions::{self, ANNOTATION};
use super::report::{Finding, ObjectRef, Report, Severity};

/// Below this many objects per thread, another thread costs more than it saves.
const OBJECTS_PER_THREAD: usize = 200;
const MAX_THREADS: usize = 4;

/// One message of a rule, before exceptions are applied.
struct Raw<'a> {
    object: Option<usize>,
    rule: &'a CheckRule,
    message: String,
    details: Option<Value>,
    /// The `path` a whole-environment result names.
    path: Option<String>,
    /// Set by a conftest `exception` rule.
    exception: Option<String>,
}

/// One entry of a rule's result.
struct Entry {
    message: String,
    /// `path` of a whole-environment result: which object it is about.
    path: Option<String>,
    details: Option<Value>,
}

/// Engines ready for one environment: the compiled ones with `data.converge` added, already
/// analysed, so that clones of them evaluate at once.
#[derive(Clone)]
pub(super) struct Engines {
    units: Vec<Engine>,
    full: Engine,
}

/// Builds the engines of `environment`. Adding data makes an engine analyse its policies
/// again (milliseconds per engine): callers keep the result for the next evaluation.
pub(super) fn prepare(compiled: &Compiled, environment: &str) -> Result<Engines, PolicyError> {
    let data = regorus::Value::from(json!({ RESERVED_DATA_KEY: { "environment": environment } }));
    let add = |engine: &Engine| -> Result<Engine, PolicyError> {
        let mut engine = engine.clone();
        let failed = |e: anyhow::Error| PolicyError::Compile {
            message: format!("data.{RESERVED_DATA_KEY}: {e}"),
        };
        engine.add_data(data.clone()).map_err(failed)?;
        // `print` output goes to the log, not to the controller's stderr once per object.
        engine.set_gather_prints(true);
        // Any evaluation analyses the policies; this one does nothing else.
        engine.eval_query("true".into(), false).map_err(failed)?;
        Ok(engine)
    };
    Ok(Engines {
        units: compiled
            .units
            .iter()
            .map(|u| add(&u.engine))
            .collect::<Result<_, _>>()?,
        full: add(&compiled.full)?,
    })
}

/// Reads the entries of a check rule's value: a set (or list) of strings or of objects with
/// a string `msg`, as conftest accepts. A v1 `deny[msg] if ...` is a partial object of
/// `msg: true`, read the same way.
fn entries(
    value: &regorus::Value,
    rule: &CheckRule,
    object: &str,
    mode: Mode,
) -> Result<Vec<Entry>, PolicyError> {
    if *value == regorus::Value::Undefined {
        return Ok(Vec::new());
    }
    let json = serde_json::to_value(value).unwrap_or(Value::Null);
    let items: Vec<Value> = match json {
        Value::Array(items) => items,
        Value::Object(map) if map.values().all(|v| *v == Value::Bool(true)) => {
            map.into_iter().map(|(k, _)| Value::String(k)).collect()
        }
        // A boolean or single value is no list of messages: conftest counts it a pass.
        _ => return Ok(Vec::new()),
    };
    let mut out = Vec::with_capacity(items.len());
    for item in items {
        match item {
            Value::String(message) => out.push(Entry {
                message,
                path: None,
                details: None,
            }),
            Value::Object(mut map) => {
                let Some(Value::String(message)) = map.remove("msg") else {
                    return Err(PolicyError::BadResult {
                        file: rule.file.clone(),
                        package: rule.package.clone(),
                        rule: rule.rule.clone(),
                        object: object.to_string(),
                        value: Value::Object(map).to_string(),
                    });
                };
                let path = match mode {
                    Mode::Combined => match map.remove("path") {
                        Some(Value::String(path)) => Some(path),
                        Some(other) => {
                            map.insert("path".into(), other);
                            None
                        }
                        None => None,
                    },
                    Mode::PerObject => None,
                };
                out.push(Entry {
                    message,
                    path,
                    details: (!map.is_empty()).then_some(Value::Object(map)),
                });
            }
            _ => {}
        }
    }
    Ok(out)
}

fn eval(
    engine: &mut Engine,
    rule: &CheckRule,
    object: &str,
) -> Result<regorus::Value, PolicyError> {
    engine
        .eval_rule(rule.query.clone())
        .map_err(|e| PolicyError::Evaluation {
            file: rule.file.clone(),
            package: rule.package.clone(),
            rule: rule.rule.clone(),
            object: object.to_string(),
            message: e.to_string(),
        })
}

/// The rule names excepted by the `exception` rule of `package` for the current input.
fn conftest_exceptions(
    full: &mut Engine,
    package: &str,
    object: &str,
) -> Result<BTreeSet<String>, PolicyError> {
    let value = full
        .eval_rule(format!("data.{package}.exception"))
        .map_err(|e| PolicyError::Evaluation {
            file: "(exception rule)".into(),
            package: package.to_string(),
            rule: "exception".into(),
            object: object.to_string(),
            message: e.to_string(),
        })?;
    if value == regorus::Value::Undefined {
        return Ok(BTreeSet::new());
    }
    let json = serde_json::to_value(&value).unwrap_or(Value::Null);
    Ok(json
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(Value::as_array)
        .flatten()
        .filter_map(|n| n.as_str().map(str::to_string))
        .collect())
}

/// Evaluates the check rules of `mode` with the engines' current input.
fn check<'a>(
    engines: &mut Engines,
    compiled: &'a Compiled,
    mode: Mode,
    object: Option<usize>,
    label: &str,
    out: &mut Vec<Raw<'a>>,
) -> Result<(), PolicyError> {
    let mut excepted: Vec<(&str, BTreeSet<String>)> = Vec::new();
    for (package, _) in compiled
        .exception_packages
        .iter()
        .filter(|(_, m)| *m == mode)
    {
        excepted.push((
            package,
            conftest_exceptions(&mut engines.full, package, label)?,
        ));
    }
    for (unit, engine) in compiled.units.iter().zip(engines.units.iter_mut()) {
        for rule in unit.rules.iter().filter(|r| r.mode == mode) {
            let value = eval(engine, rule, label)?;
            let exception = excepted
                .iter()
                .find(|(package, names)| {
                    *package == rule.package && names.contains(exception_name(&rule.rule))
                })
                .map(|(package, _)| {
                    format!("excepted by the `exception` rule of package {package}")
                });
            for entry in entries(&value, rule, label, mode)? {
                out.push(Raw {
                    object,
                    rule,
                    message: entry.message,
                    details: entry.details,
                    path: entry.path,
                    exception: exception.clone(),
                });
            }
        }
    }
    Ok(())
}

/// Per-object evaluation of `objects`, the first being number `offset`, on engine clones
/// of its own.
fn per_object<'a>(
    compiled: &'a Compiled,
    prepared: &Engines,
    objects: &[Value],
    offset: usize,
) -> Result<Vec<Raw<'a>>, PolicyError> {
    let mut engines = prepared.clone();
    let mut out = Vec::new();
    let needs_full = compiled
        .exception_packages
        .iter()
        .any(|(_, m)| *m == Mode::PerObject);
    for (i, object) in objects.iter().enumerate() {
        let label = ObjectRef::of(object).to_string();
        let input = regorus::Value::from(object.clone());
        for (unit, engine) in compiled.units.iter().zip(engines.units.iter_mut()) {
            if unit.rules.iter().any(|r| r.mode == Mode::PerObject) {
                engine.set_input(input.clone());
            }
        }
        if needs_full {
            engines.full.set_input(input);
        }
        check(
            &mut engines,
            compiled,
            Mode::PerObject,
            Some(offset + i),
            &label,
            &mut out,
        )?;
        log_prints(&mut engines, &label);
    }
    Ok(out)
}

/// Passes what the policies printed while evaluating `label` to the log.
fn log_prints(engines: &mut Engines, label: &str) {
    for engine in engines
        .units
        .iter_mut()
        .chain(std::iter::once(&mut engines.full))
    {
        for line in engine.take_prints().unwrap_or_default() {
            tracing::debug!(object = label, "policy print: {line}");
        }
    }
}

/// Evaluates every rule against `objects` of `environment`.
pub(super) fn evaluate(
    compiled: &Compiled,
    prepared: &Engines,
    allow_exceptions: bool,
    environment: &str,
    objects: &[Value],
) -> Result<Report, PolicyError> {
    let threads = (objects.len() / OBJECTS_PER_THREAD)
        .clamp(1, MAX_THREADS)
        .min(std::thread::available_parallelism().map_or(1, |n| n.get()));
    let chunk = objects.len().div_ceil(threads).max(1);
    let mut raw: Vec<Raw<'_>> = Vec::new();
    if threads <= 1 {
        raw = per_object(compiled, prepared, objects, 0)?;
    } else {
        let results: Vec<Result<Vec<Raw<'_>>, PolicyError>> = std::thread::scope(|scope| {
            let handles: Vec<_> = objects
                .chunks(chunk)
                .enumerate()
                .map(|(n, part)| {
                    scope.spawn(move || per_object(compiled, prepared, part, n * chunk))
                })
                .collect();
            handles
                .into_iter()
                .map(|h| {
                    h.join().unwrap_or_else(|_| {
                        Err(PolicyError::Internal {
                            message: "a policy evaluation thread panicked".into(),
                        })
                    })
                })
                .collect()
        });
        for result in results {
            raw.extend(result?);
        }
    }

    let combined = compiled
        .units
        .iter()
        .any(|u| u.rules.iter().any(|r| r.mode == Mode::Combined));
    let refs: Vec<ObjectRef> = objects.iter().map(ObjectRef::of).collect();
    if combined {
        let mut by_path: HashMap<String, usize> = HashMap::new();
        let mut input = Vec::with_capacity(objects.len());
        for (i, (object, r)) in objects.iter().zip(&refs).enumerate() {
            let path = r.path();
            by_path.entry(path.clone()).or_insert(i);
            input.push(json!({ "path": path, "contents": object }));
        }
        let mut engines = prepared.clone();
        let input = regorus::Value::from(Value::Array(input));
        for engine in engines.units.iter_mut() {
            engine.set_input(input.clone());
        }
        engines.full.set_input(input);
        let start = raw.len();
        check(
            &mut engines,
            compiled,
            Mode::Combined,
            None,
            "the whole environment",
            &mut raw,
        )?;
        log_prints(&mut engines, "the whole environment");
        for finding in &mut raw[start..] {
            let Some(path) = finding.path.take() else {
                continue;
            };
            match by_path.get(&path) {
                Some(&i) => finding.object = Some(i),
                // A path naming no rendered object stays visible in the details.
                None => {
                    let mut details = match finding.details.take() {
                        Some(Value::Object(map)) => map,
                        _ => serde_json::Map::new(),
                    };
                    details.insert("path".into(), Value::String(path));
                    finding.details = Some(Value::Object(details));
                }
            }
        }
    }

    let mut findings = apply_exceptions(raw, objects, &refs, environment, allow_exceptions);
    findings.sort_by_key(|(object, _)| object.unwrap_or(usize::MAX));
    let mut policies: Vec<String> = compiled
        .units
        .iter()
        .flat_map(|u| u.rules.iter())
        .flat_map(|r| r.file.split(", ").map(str::to_string))
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    policies.sort();
    Ok(Report {
        environment: environment.to_string(),
        objects: objects.len(),
        policies,
        findings: findings.into_iter().map(|(_, f)| f).collect(),
    })
}

/// Turns raw messages into findings, applying the objects' exception annotations; adds a
/// deny for every malformed exception (and a warning when exceptions are not allowed).
fn apply_exceptions(
    raw: Vec<Raw<'_>>,
    objects: &[Value],
    refs: &[ObjectRef],
    environment: &str,
    allow_exceptions: bool,
) -> Vec<(Option<usize>, Finding)> {
    let mut annotations: HashMap<usize, exceptions::Parsed> = HashMap::new();
    let mut out = Vec::with_capacity(raw.len());
    for (i, object) in objects.iter().enumerate() {
        let Some(parsed) = exceptions::of_object(object) else {
            continue;
        };
        let own = |severity, message: String| Finding {
            severity,
            environment: environment.to_string(),
            object: Some(refs[i].clone()),
            policy: "exceptions".into(),
            file: None,
            package: "converge".into(),
            rule: "exceptions".into(),
            message,
            details: None,
            exception: None,
        };
        if !allow_exceptions {
            out.push((
                Some(i),
                own(
                    Severity::Warn,
                    format!(
                        "annotation {ANNOTATION} ignored: exceptions are not allowed in this \
                         environment (spec.policies.allowExceptions: false)"
                    ),
                ),
            ));
            continue;
        }
        for entry in &parsed.invalid {
            out.push((
                Some(i),
                own(
                    Severity::Deny,
                    format!(
                        "exception {entry:?} in annotation {ANNOTATION} has no reason: write \
                         \"<policy>: <why this object may break it>\""
                    ),
                ),
            ));
        }
        annotations.insert(i, parsed);
    }
    for r in raw {
        let rule = r.rule;
        let exception = r.exception.or_else(|| {
            let parsed = annotations.get(&r.object?)?;
            parsed
                .exceptions
                .iter()
                .find(|e| {
                    exceptions::matches(
                        &e.selector,
                        &rule.policy,
                        &rule.file,
                        &rule.package,
                        &rule.rule,
                    )
                })
                .map(|e| e.reason.clone())
        });
        out.push((
            r.object,
            Finding {
                severity: match rule.kind {
                    Kind::Deny => Severity::Deny,
                    Kind::Warn => Severity::Warn,
                },
                environment: environment.to_string(),
                object: r.object.map(|i| refs[i].clone()),
                policy: rule.policy.clone(),
                file: Some(rule.file.clone()),
                package: rule.package.clone(),
                rule: rule.rule.clone(),
                message: r.message,
                details: r.details,
                exception,
            },
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rule(mode: Mode) -> CheckRule {
        CheckRule {
            package: "main".into(),
            rule: "deny".into(),
            mode,
            kind: Kind::Deny,
            query: "data.main.deny".into(),
            file: "p/a.rego".into(),
            policy: "a".into(),
        }
    }

    /// Message, path and details of each entry.
    type Read = Vec<(String, Option<String>, Option<Value>)>;

    fn read(value: Value, mode: Mode) -> Result<Read, PolicyError> {
        let value = regorus::Value::from(value);
        Ok(entries(&value, &rule(mode), "Pod x", mode)?
            .into_iter()
            .map(|e| (e.message, e.path, e.details))
            .collect())
    }

    #[test]
    fn entries_are_strings_or_objects_with_a_message() {
        let found = read(
            json!(["plain", {"msg": "structured", "details": {"n": 1}}, true, 3]),
            Mode::PerObject,
        )
        .expect("valid");
        assert_eq!(
            found,
            vec![
                ("plain".into(), None, None),
                (
                    "structured".into(),
                    None,
                    Some(json!({"details": {"n": 1}}))
                ),
            ]
        );
        let err = read(json!([{"message": "no msg"}]), Mode::PerObject).expect_err("no msg");
        assert!(err.to_string().contains("has no string `msg`"), "{err}");
    }

    #[test]
    fn a_partial_object_of_true_reads_as_its_keys_and_other_values_as_nothing() {
        let found = read(json!({"a": true, "b": true}), Mode::PerObject).expect("valid");
        let messages: Vec<String> = found.into_iter().map(|(m, _, _)| m).collect();
        assert_eq!(messages, vec!["a", "b"]);
        assert!(
            read(json!(true), Mode::PerObject)
                .expect("valid")
                .is_empty()
        );
        assert!(
            read(json!("one string"), Mode::PerObject)
                .expect("valid")
                .is_empty()
        );
    }

    #[test]
    fn only_whole_environment_results_name_an_object_by_path() {
        let value = json!([{"msg": "m", "path": "v1/Service/ns/a"}]);
        let combined = read(value.clone(), Mode::Combined).expect("valid");
        assert_eq!(combined[0].1.as_deref(), Some("v1/Service/ns/a"));
        let per_object = read(value, Mode::PerObject).expect("valid");
        assert_eq!(per_object[0].1, None);
        assert_eq!(per_object[0].2, Some(json!({"path": "v1/Service/ns/a"})));
    }
}

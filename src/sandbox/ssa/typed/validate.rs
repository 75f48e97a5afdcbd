//! Validation of an applied configuration against the schema (SMD `validate.go`): undeclared
//! fields, list items that cannot be keyed, duplicate keys and scalars of the wrong kind.
//! Messages and paths are upstream's, e.g. `.spec.foo: field not declared in schema`.

use std::collections::HashSet;

use serde_json::Value;

use super::super::fieldpath::PathElement;
use super::super::schema::{ListRel, ScalarKind, TypeId, TypeTable};
use super::{Facet, facet, list_item_pe};

/// One problem, at a path printed the way SMD prints it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ValidationError {
    pub(crate) path: String,
    pub(crate) message: String,
}

/// SMD `ValidationErrors.Error`: one error inline, several as an indented list.
pub(crate) fn format_errors(errors: &[ValidationError]) -> String {
    let one = |e: &ValidationError| {
        if e.path.is_empty() {
            e.message.clone()
        } else {
            format!("{}: {}", e.path, e.message)
        }
    };
    match errors {
        [single] => one(single),
        many => {
            let mut lines = vec!["errors:".to_string()];
            lines.extend(many.iter().map(|e| format!("  {}", one(e))));
            lines.join("\n")
        }
    }
}

/// All validation errors of `value` typed as `ty`.
pub(crate) fn validate(table: &TypeTable, ty: TypeId, value: &Value) -> Vec<ValidationError> {
    let mut errors = Vec::new();
    walk(table, ty, value, &mut String::new(), &mut errors);
    errors
}

fn err(errors: &mut Vec<ValidationError>, path: &str, message: String) {
    errors.push(ValidationError {
        path: path.to_string(),
        message,
    });
}

/// Go's `%v` / `%T` of a decoded JSON value, as the scalar messages print it.
fn go_type(v: &Value) -> &'static str {
    match v {
        Value::String(_) => "string",
        Value::Bool(_) => "bool",
        Value::Number(n) if n.is_f64() => "float64",
        Value::Number(_) => "int64",
        Value::Array(_) => "[]interface {}",
        Value::Object(_) => "map[string]interface {}",
        Value::Null => "<nil>",
    }
}

fn walk(
    table: &TypeTable,
    ty: TypeId,
    value: &Value,
    path: &mut String,
    errors: &mut Vec<ValidationError>,
) {
    match facet(table.atom(ty), Some(value)) {
        Facet::Invalid => err(errors, path, "schema error: invalid atom: inlined".into()),
        Facet::Scalar(kind) => {
            let ok = matches!(
                (kind, value),
                (_, Value::Null)
                    | (ScalarKind::Numeric, Value::Number(_))
                    | (ScalarKind::String, Value::String(_))
                    | (ScalarKind::Boolean, Value::Bool(_))
                    | (
                        ScalarKind::Untyped,
                        Value::Number(_) | Value::String(_) | Value::Bool(_)
                    )
            );
            if !ok {
                let message = match kind {
                    ScalarKind::Numeric => {
                        format!("expected numeric (int or float), got {}", go_type(value))
                    }
                    ScalarKind::String => format!("expected string, got {}", go_type(value)),
                    ScalarKind::Boolean => format!("expected boolean, got {}", go_type(value)),
                    ScalarKind::Untyped => format!("expected any scalar, got {}", go_type(value)),
                };
                err(errors, path, message);
            }
        }
        Facet::List(list) => {
            let items = match value {
                Value::Null => return,
                Value::Array(items) => items,
                other => {
                    err(
                        errors,
                        path,
                        format!("expected list, got {}", go_type(other)),
                    );
                    return;
                }
            };
            let mut seen = HashSet::new();
            for (i, item) in items.iter().enumerate() {
                let pe = if list.rel == ListRel::Atomic {
                    PathElement::Index(i)
                } else {
                    match list_item_pe(table, list, i, item) {
                        Ok(pe) => pe,
                        Err(e) => {
                            err(errors, path, format!("element {i}: {e}"));
                            return;
                        }
                    }
                };
                let key = pe.to_string();
                if list.rel != ListRel::Atomic && !seen.insert(key.clone()) {
                    err(errors, path, format!("duplicate entries for key {key}"));
                }
                let len = path.len();
                path.push_str(&key);
                walk(table, list.elem, item, path, errors);
                path.truncate(len);
            }
        }
        Facet::Map(map) => {
            let obj = match value {
                Value::Null => return,
                Value::Object(obj) => obj,
                other => {
                    err(
                        errors,
                        path,
                        format!("expected map, got {}", go_type(other)),
                    );
                    return;
                }
            };
            for (k, v) in obj {
                let len = path.len();
                path.push('.');
                path.push_str(k);
                match map.type_of(k) {
                    Some(child) => walk(table, child, v, path, errors),
                    None => {
                        err(errors, path, "field not declared in schema".into());
                        path.truncate(len);
                        // Upstream stops at the first undeclared field of a map.
                        return;
                    }
                }
                path.truncate(len);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sandbox::ssa::schema::dsl;
    use serde_json::json;

    #[test]
    fn reports_upstream_messages() {
        let t = dsl::build(&[
            "Obj: spec:Spec\nSpec: replicas:i ports:[Port/port,protocol] c:[C/name]\n\
             Port: port:i protocol=TCP\nC: name",
        ])
        .expect("table");
        let root = t.names["Obj"];
        let errs = validate(&t, root, &json!({"spec": {"foo": 1}}));
        assert_eq!(
            format_errors(&errs),
            ".spec.foo: field not declared in schema"
        );
        let errs = validate(&t, root, &json!({"spec": {"replicas": "3"}}));
        assert_eq!(
            format_errors(&errs),
            ".spec.replicas: expected numeric (int or float), got string"
        );
        let errs = validate(
            &t,
            root,
            &json!({"spec": {"c": [{"name": "a"}, {"name": "a"}]}}),
        );
        assert_eq!(
            format_errors(&errs),
            r#".spec.c: duplicate entries for key [name="a"]"#
        );
        let errs = validate(&t, root, &json!({"spec": {"ports": [{"protocol": "UDP"}]}}));
        assert_eq!(
            format_errors(&errs),
            r#".spec.ports: element 0: associative list with keys has an element that omits key field "port" (and doesn't have default value)"#
        );
        assert!(validate(&t, root, &json!({"spec": {"ports": [{"port": 80}]}})).is_empty());
        let errs = validate(
            &t,
            root,
            &json!({"spec": {"c": [{"name": "a", "x": 1}]}, "y": 2}),
        );
        assert_eq!(
            format_errors(&errs),
            "errors:\n  .spec.c[name=\"a\"].x: field not declared in schema\n  .y: field not declared in schema"
        );
    }
}

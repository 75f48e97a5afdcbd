//! The mechanics of vars: reading a var's value from its resource (kustomize's
//! `GetFieldValue` with `a.b[0].c` and `[name=x]` paths), expanding `$(VAR)` in a string
//! (kustomize's `DoReplacements`: `$$` escapes, a string that is exactly `$(VAR)` takes the
//! value's type) and substituting in the nodes a var-reference field spec designates.

use std::collections::HashMap;

use serde_json::{Map, Number, Value};

/// The value at a `.`-separated field path, as kustomize reads a var: scalars keep their
/// type, a null reads as the empty string. `None` when the path does not resolve.
pub fn field_value(obj: &Map<String, Value>, path: &str) -> Option<Value> {
    let parts = path_parts(path);
    let (first, rest) = parts.split_first()?;
    let mut node: &Value = obj.get(first)?;
    for part in rest {
        node = step(node, part)?;
    }
    Some(match node {
        Value::Null => Value::String(String::new()),
        other => other.clone(),
    })
}

/// kustomize's `convertSliceIndex` over a `.` split: `ports[0]` becomes `ports`, `0`.
fn path_parts(path: &str) -> Vec<String> {
    let mut out = Vec::new();
    for part in path.split('.') {
        if let Some(open) = part.strip_suffix(']').and_then(|p| p.rfind('[')) {
            let index = &part[open + 1..part.len() - 1];
            if !index.is_empty() && index.bytes().all(|b| b.is_ascii_digit()) {
                if open > 0 {
                    out.push(part[..open].to_string());
                }
                out.push(index.to_string());
                continue;
            }
        }
        out.push(part.to_string());
    }
    out
}

/// One step of kyaml's path lookup: a number indexes a list, `-` is its last element,
/// `[k=v]` selects the element whose field `k` is `v`, anything else is a map field.
fn step<'a>(node: &'a Value, part: &str) -> Option<&'a Value> {
    if let Ok(index) = part.parse::<i64>() {
        let items = node.as_array()?;
        return usize::try_from(index).ok().and_then(|i| items.get(i));
    }
    if part == "-" {
        return node.as_array()?.last();
    }
    if let Some(inner) = part.strip_prefix('[').and_then(|p| p.strip_suffix(']')) {
        let (key, want) = inner.split_once('=')?;
        return node.as_array()?.iter().find(|item| {
            if key.is_empty() {
                scalar_is(item, want)
            } else {
                item.get(key).is_some_and(|v| scalar_is(v, want))
            }
        });
    }
    node.as_object()?.get(part)
}

fn scalar_is(value: &Value, want: &str) -> bool {
    match value {
        Value::String(s) => s == want,
        Value::Number(n) => n.to_string() == want,
        Value::Bool(b) => want == if *b { "true" } else { "false" },
        _ => false,
    }
}

/// kustomize writes a float var that replaces a whole string with Go's shortest `'f'`
/// formatting, so an integral float prints as an integer: make such numbers integers.
fn normalize_number(n: &Number) -> Value {
    match n.as_f64() {
        Some(f) if !n.is_i64() && !n.is_u64() && f.fract() == 0.0 && f.abs() < 9.0e15 => {
            Value::Number(Number::from(f as i64))
        }
        _ => Value::Number(n.clone()),
    }
}

/// Whether a var value can be substituted (kustomize's `MakePrimitiveReplacer` leaves maps
/// and lists unreplaced).
fn is_primitive(value: &Value) -> bool {
    matches!(value, Value::String(_) | Value::Number(_) | Value::Bool(_))
}

/// Var values by name, with a count of the substitutions made.
pub struct Replacer<'a> {
    pub values: &'a HashMap<String, Value>,
    pub counts: HashMap<String, usize>,
}

impl Replacer<'_> {
    fn lookup(&mut self, name: &str) -> Option<Value> {
        let value = self.values.get(name).filter(|v| is_primitive(v))?;
        *self.counts.entry(name.to_string()).or_default() += 1;
        Some(value.clone())
    }

    /// kustomize's `DoReplacements` with the primitive replacer.
    pub fn expand(&mut self, input: &str) -> Value {
        let bytes = input.as_bytes();
        let mut out = String::with_capacity(input.len());
        let mut checkpoint = 0;
        let mut cursor = 0;
        while cursor < bytes.len() {
            if bytes[cursor] != b'$' || cursor + 1 >= bytes.len() {
                cursor += 1;
                continue;
            }
            out.push_str(&input[checkpoint..cursor]);
            let rest = &input[cursor + 1..];
            let advance = match rest.as_bytes()[0] {
                b'$' => {
                    out.push('$');
                    1
                }
                b'(' => match rest.find(')') {
                    Some(close) => {
                        let name = &rest[1..close];
                        let mapped = self.lookup(name);
                        if input.len() == name.len() + 3 {
                            // The whole string is the reference: the value keeps its type.
                            return match mapped {
                                Some(Value::Number(n)) => normalize_number(&n),
                                Some(v) => v,
                                None => Value::String(input.to_string()),
                            };
                        }
                        match mapped {
                            Some(v) => out.push_str(&go_text(&v)),
                            None => {
                                out.push_str("$(");
                                out.push_str(name);
                                out.push(')');
                            }
                        }
                        close + 1
                    }
                    None => {
                        out.push_str("$(");
                        1
                    }
                },
                _ => {
                    // `$` followed by any other character is kept as written.
                    let ch_len = rest.chars().next().map_or(1, char::len_utf8);
                    out.push('$');
                    out.push_str(&rest[..ch_len]);
                    ch_len
                }
            };
            cursor += advance + 1;
            checkpoint = cursor;
        }
        out.push_str(&input[checkpoint.min(input.len())..]);
        Value::String(out)
    }

    /// kustomize's refvar filter on the node a field spec designates: strings are expanded,
    /// string values of a map are expanded, every item of a list must be a string.
    pub fn substitute(&mut self, node: &mut Value) -> Result<(), String> {
        match node {
            Value::Null => Ok(()),
            Value::String(s) => {
                let expanded = self.expand(s);
                *node = expanded;
                Ok(())
            }
            Value::Object(map) => {
                for value in map.values_mut() {
                    if let Value::String(s) = value {
                        let expanded = self.expand(s);
                        *value = expanded;
                    }
                }
                Ok(())
            }
            Value::Array(items) => {
                for item in items.iter_mut() {
                    let Value::String(s) = item else {
                        return Err("invalid value type expect a string".into());
                    };
                    let expanded = self.expand(s);
                    *item = expanded;
                }
                Ok(())
            }
            // Numbers and booleans hold no references.
            Value::Number(_) | Value::Bool(_) => Ok(()),
        }
    }
}

/// A primitive var value as Go's `%v` prints it inside a longer string.
fn go_text(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        Value::Number(n) if n.is_f64() => n.as_f64().map(go_float).unwrap_or_default(),
        other => other.to_string(),
    }
}

/// Go's `strconv.FormatFloat(f, 'g', -1, 64)`: shortest digits, exponent form when the
/// decimal exponent is below -4 or at least 6.
fn go_float(f: f64) -> String {
    if !f.is_finite() {
        return if f.is_nan() {
            "NaN".into()
        } else if f > 0.0 {
            "+Inf".into()
        } else {
            "-Inf".into()
        };
    }
    if f == 0.0 {
        return "0".into();
    }
    // Rust's `{:e}` gives the shortest round-trip digits, e.g. `1.5e6`.
    let sci = format!("{f:e}");
    let Some((mantissa, exp)) = sci.split_once('e') else {
        return sci;
    };
    let Ok(exp) = exp.parse::<i32>() else {
        return sci;
    };
    let negative = mantissa.starts_with('-');
    let digits: String = mantissa.chars().filter(char::is_ascii_digit).collect();
    let sign = if negative { "-" } else { "" };
    if !(-4..6).contains(&exp) {
        let mut m = digits[..1].to_string();
        if digits.len() > 1 {
            m.push('.');
            m.push_str(&digits[1..]);
        }
        let esign = if exp < 0 { '-' } else { '+' };
        return format!("{sign}{m}e{esign}{:02}", exp.abs());
    }
    if exp < 0 {
        let zeros = "0".repeat((-exp - 1) as usize);
        return format!("{sign}0.{zeros}{digits}");
    }
    let int_len = exp as usize + 1;
    if digits.len() <= int_len {
        format!("{sign}{digits}{}", "0".repeat(int_len - digits.len()))
    } else {
        format!("{sign}{}.{}", &digits[..int_len], &digits[int_len..])
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn replacer(values: &HashMap<String, Value>) -> Replacer<'_> {
        Replacer {
            values,
            counts: HashMap::new(),
        }
    }

    #[test]
    fn expands_like_kustomize() {
        let values: HashMap<String, Value> = [
            ("SVC".to_string(), json!("svc")),
            ("PORT".to_string(), json!(80)),
            ("F".to_string(), json!(1.5)),
            ("G".to_string(), json!(1000000.0)),
            ("B".to_string(), json!(true)),
            ("MAP".to_string(), json!({"a": "b"})),
        ]
        .into_iter()
        .collect();
        let mut r = replacer(&values);
        assert_eq!(r.expand("$(SVC)"), json!("svc"));
        assert_eq!(r.expand("$(PORT)"), json!(80));
        assert_eq!(r.expand("$(B)"), json!(true));
        assert_eq!(r.expand("$$(SVC)"), json!("$(SVC)"));
        assert_eq!(r.expand("$(SVC"), json!("$(SVC"));
        assert_eq!(r.expand("$(NOPE)"), json!("$(NOPE)"));
        assert_eq!(r.expand("a$(NOPE)b$(SVC)"), json!("a$(NOPE)bsvc"));
        assert_eq!(r.expand("p-$(PORT)-$(F)-$(B)"), json!("p-80-1.5-true"));
        assert_eq!(r.expand("a$(G)"), json!("a1e+06"));
        assert_eq!(r.expand("$(G)"), json!(1000000));
        assert_eq!(r.expand("$(MAP)"), json!("$(MAP)"));
        assert_eq!(r.expand("x-$(MAP)"), json!("x-$(MAP)"));
        assert_eq!(r.expand("cost $5 and $"), json!("cost $5 and $"));
        assert_eq!(r.counts.get("SVC"), Some(&2));
        assert_eq!(r.counts.get("MAP"), None);
    }

    #[test]
    fn lists_must_hold_strings() {
        let values: HashMap<String, Value> = [("P".to_string(), json!(8080))].into_iter().collect();
        let mut r = replacer(&values);
        let mut args = json!(["$(P)", "--port=$(P)"]);
        r.substitute(&mut args).expect("strings only");
        assert_eq!(args, json!([8080, "--port=8080"]));
        let mut bad = json!(["$(P)", 3]);
        assert!(r.substitute(&mut bad).is_err());
        let mut labels = json!({"a": "$(P)", "b": 7});
        r.substitute(&mut labels).expect("maps skip non-strings");
        assert_eq!(labels, json!({"a": 8080, "b": 7}));
    }

    #[test]
    fn reads_field_paths() {
        let obj = json!({
            "metadata": {"name": "svc", "labels": {"a": "b"}},
            "spec": {"ports": [{"name": "http", "port": 80}], "n": null, "f": 2.0}
        });
        let obj = obj.as_object().cloned().unwrap_or_default();
        assert_eq!(field_value(&obj, "metadata.name"), Some(json!("svc")));
        assert_eq!(field_value(&obj, "spec.ports[0].port"), Some(json!(80)));
        assert_eq!(field_value(&obj, "spec.ports.0.port"), Some(json!(80)));
        assert_eq!(
            field_value(&obj, "spec.ports.[name=http].port"),
            Some(json!(80))
        );
        assert_eq!(field_value(&obj, "spec.n"), Some(json!("")));
        assert_eq!(field_value(&obj, "spec.f"), Some(json!(2.0)));
        assert_eq!(field_value(&obj, "spec.ports[1].port"), None);
        assert_eq!(field_value(&obj, "spec.missing"), None);
        assert_eq!(
            field_value(&obj, "metadata.labels"),
            Some(json!({"a": "b"}))
        );
    }

    #[test]
    fn floats_print_as_go_does() {
        assert_eq!(go_float(1.5), "1.5");
        assert_eq!(go_float(100000.0), "100000");
        assert_eq!(go_float(1000000.0), "1e+06");
        assert_eq!(go_float(1234567.5), "1.2345675e+06");
        assert_eq!(go_float(0.0001), "0.0001");
        assert_eq!(go_float(0.00001), "1e-05");
        assert_eq!(go_float(-2.25), "-2.25");
    }
}

//! The content hash kustomize appends to generated names: a Go-`encoding/json` encoding of
//! the fields that identify the content, its sha256, and the first ten hex digits mapped
//! through kustomize's "no vowels, no look-alikes" alphabet.

use std::borrow::Cow;

use serde_json::{Map, Value};
use sha2::{Digest, Sha256};

/// The hash of a ConfigMap (kind, data, binaryData when a map) or Secret (kind, type, data,
/// stringData when a map), computed over the object as it is now.
pub fn of_object(obj: &Map<String, Value>) -> String {
    let kind = obj.get("kind").and_then(Value::as_str).unwrap_or("");
    let encoded = match kind {
        "ConfigMap" => encode_fields(
            obj,
            &[("kind", Some("ConfigMap")), ("name", None), ("data", None)],
            "binaryData",
        ),
        "Secret" => encode_fields(
            obj,
            &[
                ("kind", Some("Secret")),
                ("type", None),
                ("name", None),
                ("data", None),
            ],
            "stringData",
        ),
        // kustomize hashes its internal node structure here (source positions included), which
        // cannot be reproduced; the whole object is a stable stand-in.
        _ => {
            let mut out = String::new();
            write_object(&mut out, obj);
            out
        }
    };
    encode_hex(&hex::encode(Sha256::digest(encoded.as_bytes())))
}

/// Builds the JSON object kustomize hashes. Absent fields count as the empty string; the
/// optional map field is included only when it is a map.
fn encode_fields(
    obj: &Map<String, Value>,
    fields: &[(&str, Option<&str>)],
    optional_map: &str,
) -> String {
    let mut entries: Vec<(&str, Cow<'_, Value>)> = fields
        .iter()
        .map(|(field, fixed)| {
            let value = match fixed {
                Some(text) => Cow::Owned(Value::String((*text).to_string())),
                None => field_value(obj, field),
            };
            (*field, value)
        })
        .collect();
    if let Some(map @ Value::Object(_)) = obj.get(optional_map) {
        entries.push((optional_map, Cow::Borrowed(map)));
    }
    // Go's encoder sorts map keys bytewise.
    entries.sort_by(|a, b| a.0.cmp(b.0));
    let mut out = String::new();
    out.push('{');
    for (i, (key, value)) in entries.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        write_string(&mut out, key);
        out.push(':');
        write_value(&mut out, value);
    }
    out.push('}');
    out
}

/// A field as kustomize's hasher reads it: scalars as their text, maps as maps, lists (which
/// fail to decode into a map) as null.
///
/// kustomize looks the name up as the single top-level key `metadata/name`, which objects do
/// not have: the name never counts (renaming a generated object keeps its hash).
fn field_value<'a>(obj: &'a Map<String, Value>, field: &str) -> Cow<'a, Value> {
    let key = if field == "name" {
        "metadata/name"
    } else {
        field
    };
    match obj.get(key) {
        None | Some(Value::Null) => Cow::Owned(Value::String(String::new())),
        Some(map @ Value::Object(_)) => Cow::Borrowed(map),
        Some(Value::Array(_)) => Cow::Owned(Value::Null),
        Some(scalar) => Cow::Owned(Value::String(crate::render::resource::scalar_text(scalar))),
    }
}

/// kustomize's `encode`: the first ten hex digits with 0, 1, 3, a, e replaced.
fn encode_hex(hex: &str) -> String {
    hex.chars()
        .take(10)
        .map(|c| match c {
            '0' => 'g',
            '1' => 'h',
            '3' => 'k',
            'a' => 'm',
            'e' => 't',
            other => other,
        })
        .collect()
}

/// Writes JSON exactly as Go's `json.Marshal` writes a decoded `interface{}`: map keys
/// sorted, `<`, `>`, `&`, U+2028 and U+2029 escaped, numbers as float64.
fn write_value(out: &mut String, value: &Value) {
    match value {
        Value::Null => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Number(n) => out.push_str(&go_float(n.as_f64().unwrap_or(0.0))),
        Value::String(s) => write_string(out, s),
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_value(out, item);
            }
            out.push(']');
        }
        Value::Object(map) => write_object(out, map),
    }
}

fn write_object(out: &mut String, map: &Map<String, Value>) {
    let mut entries: Vec<(&String, &Value)> = map.iter().collect();
    entries.sort_by(|a, b| a.0.cmp(b.0));
    out.push('{');
    for (i, (key, value)) in entries.into_iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        write_string(out, key);
        out.push(':');
        write_value(out, value);
    }
    out.push('}');
}

fn write_string(out: &mut String, s: &str) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            '<' | '>' | '&' | '\u{0}'..='\u{1f}' | '\u{2028}' | '\u{2029}' => {
                out.push_str(&format!("\\u{:04x}", c as u32));
            }
            other => out.push(other),
        }
    }
    out.push('"');
}

/// Go's float64 JSON form: shortest round-trip digits, plain notation between 1e-6 and 1e21,
/// exponent notation (`1e+21`, `1e-7`) outside.
fn go_float(f: f64) -> String {
    if !f.is_finite() {
        return "null".to_string();
    }
    let abs = f.abs();
    if abs == 0.0 || (1e-6..1e21).contains(&abs) {
        return format!("{f}");
    }
    let text = format!("{f:e}");
    match text.split_once('e') {
        Some((mantissa, exp)) => match exp.strip_prefix('-') {
            Some(digits) => format!("{mantissa}e-{digits}"),
            None => format!("{mantissa}e+{exp:0>2}"),
        },
        None => text,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn go_json(value: &Value) -> String {
        let mut out = String::new();
        write_value(&mut out, value);
        out
    }

    fn hash(v: Value) -> String {
        of_object(v.as_object().expect("object"))
    }

    #[test]
    fn config_map_hashes_match_kubectl() {
        // Outputs of `kubectl kustomize` (kustomize v5.5.0).
        let cm = json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "test"},
                        "data": {"TEST": "this is a 'test'"}});
        assert_eq!(hash(cm), "k9cc55dfm5");
        let cm = json!({"kind": "ConfigMap", "metadata": {"name": "empty"}});
        assert_eq!(hash(cm), "6ct58987ht");
        let cm = json!({"kind": "ConfigMap", "metadata": {"name": "123", "namespace": "456"},
                        "data": {"a.txt": "hello"}, "binaryData": {"k2": "//4AYmlu"},
                        "immutable": true});
        assert_eq!(hash(cm), "dk57hk6679");
        let renamed = json!({"kind": "ConfigMap", "metadata": {"name": "p-empty-s"}});
        assert_eq!(hash(renamed), "6ct58987ht");
    }

    #[test]
    fn secret_hashes_match_kubectl() {
        let s = json!({"kind": "Secret", "metadata": {"name": "s"}, "type": "Opaque",
                       "data": {"a": "Yg=="}, "immutable": true});
        assert_eq!(hash(s), "k695gkmbtk");
        let s = json!({"kind": "Secret", "metadata": {"name": "empty"}, "type": "Opaque",
                       "data": {}});
        assert_eq!(hash(s), "46f8b28mk5");
    }

    #[test]
    fn go_json_escapes_and_numbers() {
        assert_eq!(
            go_json(
                &json!({"b": "<a&b>\u{2028}\u{1}\u{8}\u{c}\"\\\n\t\r", "a": [1, 2.5, true, null]})
            ),
            r#"{"a":[1,2.5,true,null],"b":"\u003ca\u0026b\u003e\u2028\u0001\b\f\"\\\n\t\r"}"#
        );
        assert_eq!(go_float(1e21), "1e+21");
        assert_eq!(go_float(1.5e-7), "1.5e-7");
        assert_eq!(go_float(123456789.0), "123456789");
        assert_eq!(go_float(1e20), "100000000000000000000");
        assert_eq!(go_float(0.000001), "0.000001");
        assert_eq!(go_float(-2.0), "-2");
    }
}

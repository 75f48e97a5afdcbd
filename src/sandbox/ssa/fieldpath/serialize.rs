//! FieldsV1 encoding of a [`Set`] (SMD `fieldpath/serialize.go` and `serialize-pe.go`).
//!
//! Keys are `f:<name>`, `k:<JSON of key fields>`, `v:<JSON value>`, `i:<index>`; a node that is
//! both owned and has owned children carries `".": {}`. The JSON object model of this crate sorts
//! keys, so [`Set::to_fields_v1`] differs from the API server's bytes only in key order;
//! [`Set::to_fields_v1_string`] reproduces the server's exact bytes.

use serde_json::{Map, Value};

use super::super::value::{write_go_json, write_go_json_str};
use super::{PathElement, Set};

/// Serializes one path element (SMD `SerializePathElement`).
pub(crate) fn serialize_path_element(pe: &PathElement) -> String {
    let mut out = String::new();
    match pe {
        PathElement::Field(name) => {
            out.push_str("f:");
            out.push_str(name);
        }
        PathElement::Key(fields) => {
            out.push_str("k:{");
            for (i, (name, value)) in fields.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_go_json_str(&mut out, name);
                out.push(':');
                write_go_json(&mut out, value);
            }
            out.push('}');
        }
        PathElement::Value(v) => {
            out.push_str("v:");
            write_go_json(&mut out, v);
        }
        PathElement::Index(i) => {
            out.push_str("i:");
            out.push_str(&i.to_string());
        }
    }
    out
}

/// Why a FieldsV1 document could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct DecodeError(pub(crate) String);

/// Parses one serialized path element. `Ok(None)` for an unknown element type, which upstream
/// skips so that newer encodings do not break older readers.
pub(crate) fn deserialize_path_element(s: &str) -> Result<Option<PathElement>, DecodeError> {
    let bytes = s.as_bytes();
    if bytes.len() < 2 {
        return Err(DecodeError("key must be 2 characters long:".into()));
    }
    if bytes[1] != b':' {
        return Err(DecodeError(format!("missing colon: {s}")));
    }
    let rest = &s[2..];
    let parse = |text: &str| {
        serde_json::from_str::<Value>(text).map_err(|e| DecodeError(format!("{s}: {e}")))
    };
    match bytes[0] {
        b'f' => Ok(Some(PathElement::field(rest))),
        b'v' => Ok(Some(PathElement::value(parse(rest)?))),
        b'k' => match parse(rest)? {
            Value::Object(m) => Ok(Some(PathElement::key(m.into_iter().collect()))),
            _ => Err(DecodeError(format!("{s}: key must be a JSON object"))),
        },
        b'i' => rest
            .parse::<usize>()
            .map(|i| Some(PathElement::Index(i)))
            .map_err(|e| DecodeError(format!("{s}: {e}"))),
        _ => Ok(None),
    }
}

impl Set {
    /// The FieldsV1 object for this set.
    pub(crate) fn to_fields_v1(&self) -> Value {
        Value::Object(self.contents_v1(false))
    }

    fn contents_v1(&self, include_self: bool) -> Map<String, Value> {
        let mut out = Map::new();
        for m in self.members() {
            if self.child(m).is_none_or(|c| c.is_empty()) {
                out.insert(serialize_path_element(m), Value::Object(Map::new()));
            }
        }
        for (pe, sub) in self.children() {
            if sub.is_empty() {
                continue;
            }
            let is_member = self.has_member(pe);
            out.insert(
                serialize_path_element(pe),
                Value::Object(sub.contents_v1(is_member)),
            );
        }
        if include_self && !out.is_empty() {
            out.insert(".".into(), Value::Object(Map::new()));
        }
        out
    }

    /// The exact bytes the API server stores: elements in SMD order, `"."` last in its node.
    #[cfg(test)]
    pub(crate) fn to_fields_v1_string(&self) -> String {
        let mut out = String::from("{");
        self.emit_v1(false, &mut out);
        out.push('}');
        out
    }

    #[cfg(test)]
    fn emit_v1(&self, include_self: bool, out: &mut String) {
        let mut first = true;
        let mut sep = |out: &mut String| {
            if !std::mem::take(&mut first) {
                out.push(',');
            }
        };
        let members = self.members();
        let children: Vec<&(PathElement, Set)> = self
            .children()
            .iter()
            .filter(|(_, s)| !s.is_empty())
            .collect();
        let (mut mi, mut ci) = (0, 0);
        while mi < members.len() || ci < children.len() {
            let take_member = match (members.get(mi), children.get(ci)) {
                (Some(m), Some((c, _))) => m < c,
                (Some(_), None) => true,
                _ => false,
            };
            if take_member {
                sep(out);
                write_go_json_str(out, &serialize_path_element(&members[mi]));
                out.push_str(":{}");
                mi += 1;
                continue;
            }
            let (pe, sub) = children[ci];
            let is_member = members.get(mi).is_some_and(|m| m == pe);
            sep(out);
            write_go_json_str(out, &serialize_path_element(pe));
            out.push_str(":{");
            sub.emit_v1(is_member, out);
            out.push('}');
            if is_member {
                mi += 1;
            }
            ci += 1;
        }
        if include_self && !first {
            out.push_str(",\".\":{}");
        }
    }

    /// Reads a FieldsV1 object (SMD `Set.FromJSON`).
    pub(crate) fn from_fields_v1(v: &Value) -> Result<Set, DecodeError> {
        match v {
            Value::Object(m) => Ok(read_v1(m)?.0.unwrap_or_default()),
            Value::Null => Ok(Set::new()),
            _ => Err(DecodeError("fieldsV1 must be a JSON object".into())),
        }
    }
}

/// Returns the children set (None when empty) and whether the node itself is a member.
fn read_v1(m: &Map<String, Value>) -> Result<(Option<Set>, bool), DecodeError> {
    let mut members = Vec::new();
    let mut children: Vec<(PathElement, Set)> = Vec::new();
    let mut is_member = false;
    for (key, value) in m {
        if key == "." {
            is_member = true;
            continue;
        }
        let Some(pe) = deserialize_path_element(key)? else {
            continue;
        };
        let (grandchildren, child_is_member) = match value {
            Value::Object(inner) => read_v1(inner)?,
            _ => (None, true),
        };
        if child_is_member {
            members.push(pe.clone());
        }
        if let Some(g) = grandchildren {
            children.push((pe, g));
        }
    }
    if members.is_empty() && children.is_empty() {
        return Ok((None, true));
    }
    // Object keys come back in string order, which is not SMD's element order.
    members.sort();
    members.dedup();
    children.sort_by(|a, b| a.0.cmp(&b.0));
    Ok((Some(Set::from_parts(members, children)), is_member))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn round_trips_fields_v1() {
        let doc = json!({
            "f:metadata": {"f:labels": {".": {}, "f:app": {}}},
            "f:spec": {"f:containers": {
                "k:{\"name\":\"nginx\"}": {".": {}, "f:image": {}, "f:name": {}}
            }, "f:replicas": {}},
            "f:metadata2": {"v:\"a\"": {}}
        });
        let set = Set::from_fields_v1(&doc).expect("decodes");
        assert_eq!(set.to_fields_v1(), doc);
    }

    #[test]
    fn server_byte_order_puts_dot_last_and_keys_in_smd_order() {
        let doc = json!({"f:ports": {
            "k:{\"containerPort\":443,\"protocol\":\"TCP\"}": {".": {}, "f:containerPort": {}},
            "k:{\"containerPort\":80,\"protocol\":\"TCP\"}": {".": {}, "f:containerPort": {}}
        }});
        let set = Set::from_fields_v1(&doc).expect("decodes");
        assert_eq!(
            set.to_fields_v1_string(),
            r#"{"f:ports":{"k:{\"containerPort\":80,\"protocol\":\"TCP\"}":{"f:containerPort":{},".":{}},"k:{\"containerPort\":443,\"protocol\":\"TCP\"}":{"f:containerPort":{},".":{}}}}"#
        );
    }

    #[test]
    fn unknown_element_types_are_skipped_and_bad_ones_rejected() {
        let set = Set::from_fields_v1(&json!({"x:foo": {}, "f:a": {}})).expect("decodes");
        assert_eq!(set.to_fields_v1(), json!({"f:a": {}}));
        assert!(Set::from_fields_v1(&json!({"fa": {}})).is_err());
        assert!(Set::from_fields_v1(&json!({"k:[1]": {}})).is_err());
    }
}

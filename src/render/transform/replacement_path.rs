//! Field paths of `replacements:` as kyaml walks them: `PathGetter` for sources (fields,
//! `[name=value]` elements, indexes, `-`) and `PathMatcher` for targets (also `*` over list
//! elements, regular-expression element matches, and creation of missing parts), plus the
//! tag-preserving scalar assignment kustomize performs on the matched nodes.

use regex::Regex;
use serde_json::{Map, Value};

/// kyaml's `SmarterPathSplitter(path, ".")`: `\.` escapes a dot, `[a.b=c]` stays one part,
/// and a bracketed part without `=` (`[a.b]`) becomes a plain key without its brackets.
pub fn split_path(path: &str) -> Vec<String> {
    let mut parts: Vec<String> = Vec::new();
    for piece in path.split('.') {
        match parts.last_mut() {
            Some(last) if last.ends_with('\\') => {
                last.pop();
                last.push('.');
                last.push_str(piece);
            }
            _ => parts.push(piece.to_string()),
        }
    }
    // A leading delimiter is allowed (kyaml accepts "/a/b" the same way).
    if parts.len() > 1 && parts[0].is_empty() {
        parts.remove(0);
    }
    let mut out = Vec::with_capacity(parts.len());
    let mut i = 0;
    while i < parts.len() {
        let part = &parts[i];
        if part.starts_with('[') && !part.ends_with(']') {
            let mut joined = vec![part.clone()];
            while i < parts.len() - 1 {
                i += 1;
                joined.push(parts[i].clone());
                if parts[i].ends_with(']') {
                    break;
                }
            }
            let text = joined.join(".");
            if text.contains('=') {
                out.push(text);
            } else {
                out.push(text.trim_matches(|c| c == '[' || c == ']').to_string());
            }
        } else {
            out.push(part.clone());
        }
        i += 1;
    }
    out
}

fn is_list_index(part: &str) -> bool {
    part.starts_with('[') && part.ends_with(']')
}

/// kyaml's `SplitIndexNameValue`: `[name=value]` into its two halves.
fn split_index(part: &str) -> Result<(&str, &str), String> {
    let inner = part.strip_prefix('[').unwrap_or(part);
    let inner = inner.strip_suffix(']').unwrap_or(inner);
    inner.split_once('=').ok_or_else(|| {
        "list path element must contain fieldName=fieldValue for element to match".to_string()
    })
}

fn go_atoi(part: &str) -> Option<i64> {
    let digits = part.strip_prefix(['+', '-']).unwrap_or(part);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    part.parse().ok()
}

fn index_number(part: &str) -> Option<usize> {
    go_atoi(part).and_then(|i| usize::try_from(i).ok())
}

fn node_kind(value: &Value) -> &'static str {
    match value {
        Value::Object(_) => "MappingNode",
        Value::Array(_) => "SequenceNode",
        _ => "ScalarNode",
    }
}

/// kyaml's message, without the node contents kustomize appends: they may be a Secret's.
fn wrong_kind(expected: &str, node: &Value) -> String {
    format!(
        "wrong node kind: expected {expected} but got {}",
        node_kind(node)
    )
}

/// The text kyaml compares list elements against (a scalar's value; other nodes as YAML).
fn match_text(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        Value::Null => "null".into(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => n.to_string(),
        other => crate::yaml::to_yaml(other).trim().to_string(),
    }
}

/// kyaml's `Lookup(path...)` (a `PathGetter` without creation), for replacement sources.
pub fn lookup<'a>(node: &'a Value, parts: &[String]) -> Result<Option<&'a Value>, String> {
    let mut current = node;
    for part in parts.iter().map(|p| p.trim()).filter(|p| !p.is_empty()) {
        let next = if let Some(i) = go_atoi(part) {
            if i < 0 {
                return Err(format!("array index {i} cannot be negative"));
            }
            match current {
                Value::Array(items) => usize::try_from(i).ok().and_then(|i| items.get(i)),
                Value::Null => None,
                other => return Err(wrong_kind("SequenceNode", other)),
            }
        } else if part == "-" {
            match current {
                Value::Array(items) => items.last(),
                Value::Null => None,
                other => return Err(wrong_kind("SequenceNode", other)),
            }
        } else if is_list_index(part) {
            let (key, wanted) = split_index(part)?;
            match current {
                Value::Array(items) => items.iter().find(|item| {
                    if key.is_empty() {
                        !item.is_object() && !item.is_array() && match_text(item) == wanted
                    } else {
                        item.as_object().and_then(|m| m.get(key)).is_some_and(|v| {
                            !v.is_object() && !v.is_array() && match_text(v) == wanted
                        })
                    }
                }),
                Value::Null => None,
                other => return Err(wrong_kind("SequenceNode", other)),
            }
        } else {
            match current {
                Value::Object(map) => map.get(part),
                Value::Null => None,
                other => return Err(wrong_kind("MappingNode", other)),
            }
        };
        match next {
            Some(v) => current = v,
            None => return Ok(None),
        }
    }
    Ok(Some(current))
}

/// The kind of node a creating walk makes for the last path part.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NodeKind {
    Scalar,
    Mapping,
    Sequence,
}

impl NodeKind {
    pub fn of(value: &Value) -> NodeKind {
        match value {
            Value::Object(_) => NodeKind::Mapping,
            Value::Array(_) => NodeKind::Sequence,
            _ => NodeKind::Scalar,
        }
    }

    fn empty(self) -> Value {
        match self {
            NodeKind::Mapping => Value::Object(Map::new()),
            NodeKind::Sequence => Value::Array(Vec::new()),
            // A created scalar is an untagged empty node; its type is decided by its text.
            NodeKind::Scalar => Value::Null,
        }
    }
}

/// A node a target path designates; `created` marks an untagged scalar the walk made,
/// `pointer` is where it is in the resource (a JSON pointer).
pub struct Matched<'a> {
    pub node: &'a mut Value,
    pub created: bool,
    pub pointer: String,
}

fn child(at: &str, key: &str) -> String {
    format!("{at}/{}", key.replace('~', "~0").replace('/', "~1"))
}

/// kyaml's `getPathPartKind`: what to create for a part, given the part after it.
fn part_kind(next: Option<&String>, leaf: NodeKind) -> NodeKind {
    match next {
        None => leaf,
        Some(n) if is_list_index(n) || index_number(n).is_some() => NodeKind::Sequence,
        Some(_) => NodeKind::Mapping,
    }
}

/// kyaml's `PathMatcher` with optional creation of missing parts (`create` is the kind of
/// the replacement value). Every designated node is pushed to `out`.
pub fn match_target<'a>(
    node: &'a mut Value,
    parts: &[String],
    create: Option<NodeKind>,
    out: &mut Vec<Matched<'a>>,
) -> Result<(), String> {
    walk(node, parts, create, false, String::new(), out)
}

fn walk<'a>(
    node: &'a mut Value,
    parts: &[String],
    create: Option<NodeKind>,
    created: bool,
    at: String,
    out: &mut Vec<Matched<'a>>,
) -> Result<(), String> {
    let Some((first, rest)) = parts.split_first() else {
        out.push(Matched {
            node,
            created,
            pointer: at,
        });
        return Ok(());
    };
    if let Some(index) = index_number(first) {
        let items = match node {
            Value::Array(items) => items,
            Value::Null => return Ok(()),
            other => return Err(wrong_kind("SequenceNode", other)),
        };
        let mut made = false;
        if let Some(leaf) = create
            && items.len() == index
        {
            let kind = part_kind(rest.first(), leaf);
            items.push(kind.empty());
            made = rest.is_empty() && kind == NodeKind::Scalar;
        }
        let len = items.len();
        let Some(element) = items.get_mut(index) else {
            return Err(format!(
                "index {index} specified but only {len} elements found"
            ));
        };
        return walk(
            element,
            rest,
            create,
            made,
            child(&at, &index.to_string()),
            out,
        );
    }
    if is_list_index(first) {
        return match_elements(node, first, rest, create, &at, out);
    }
    if first == "*" {
        let items = match node {
            Value::Array(items) => items,
            Value::Null => return Ok(()),
            other => return Err(wrong_kind("SequenceNode", other)),
        };
        for (i, item) in items.iter_mut().enumerate() {
            walk(item, rest, create, false, child(&at, &i.to_string()), out)?;
        }
        return Ok(());
    }
    if first.is_empty() {
        return Ok(());
    }
    if node.is_null() && create.is_some() {
        *node = Value::Object(Map::new());
    }
    let map = match node {
        Value::Object(map) => map,
        Value::Null => return Ok(()),
        other => return Err(wrong_kind("MappingNode", other)),
    };
    let mut made = false;
    if !map.contains_key(first.as_str()) {
        let Some(leaf) = create else {
            return Ok(());
        };
        let kind = part_kind(rest.first(), leaf);
        map.insert(first.clone(), kind.empty());
        made = rest.is_empty() && kind == NodeKind::Scalar;
    }
    match map.get_mut(first.as_str()) {
        Some(field) => walk(field, rest, create, made, child(&at, first), out),
        None => Ok(()),
    }
}

/// `[field=regex]` / `[=regex]`: elements whose field (or own value) matches the unanchored
/// regular expression; with creation, an element is appended when none matches.
fn match_elements<'a>(
    node: &'a mut Value,
    part: &str,
    rest: &[String],
    create: Option<NodeKind>,
    at: &str,
    out: &mut Vec<Matched<'a>>,
) -> Result<(), String> {
    let (field, pattern) = split_index(part)?;
    if node.is_null() {
        if create.is_none() {
            return Ok(());
        }
        *node = Value::Array(Vec::new());
    }
    let items = match node {
        Value::Array(items) => items,
        other => return Err(wrong_kind("SequenceNode", other)),
    };
    let primitive = field.is_empty();
    let mut chosen = Vec::new();
    if !items.is_empty() {
        let re = Regex::new(pattern).map_err(|e| format!("invalid regular expression: {e}"))?;
        for (i, item) in items.iter().enumerate() {
            let text = if primitive {
                Some(match_text(item))
            } else {
                item.as_object()
                    .and_then(|m| m.get(field))
                    .filter(|v| !v.is_null())
                    .map(match_text)
            };
            if text.is_some_and(|t| re.is_match(t.trim())) {
                chosen.push(i);
            }
        }
    }
    let mut made = None;
    if chosen.is_empty() && create.is_some() {
        let value = plain_scalar(pattern);
        if primitive {
            items.push(value);
        } else {
            let mut element = Map::new();
            element.insert(field.to_string(), value);
            items.push(Value::Object(element));
        }
        made = Some(items.len() - 1);
        chosen.push(items.len() - 1);
    }
    let mut chosen = chosen.into_iter().peekable();
    for (i, item) in items.iter_mut().enumerate() {
        if chosen.peek() != Some(&i) {
            continue;
        }
        chosen.next();
        let untagged = made == Some(i) && primitive && rest.is_empty();
        let here = child(at, &i.to_string());
        if primitive {
            if rest.is_empty() {
                out.push(Matched {
                    node: item,
                    created: untagged,
                    pointer: here,
                });
            }
            continue;
        }
        // The key field of an element made just now is an untagged node too.
        if made == Some(i) && rest.len() == 1 && rest[0] == field {
            if let Some(key) = item.as_object_mut().and_then(|m| m.get_mut(field)) {
                out.push(Matched {
                    node: key,
                    created: true,
                    pointer: child(&here, field),
                });
            }
            continue;
        }
        walk(item, rest, create, false, here, out)?;
    }
    Ok(())
}

/// The type of a scalar node, as its YAML tag says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ScalarTag {
    /// A node kustomize created: its type follows from its text.
    Untagged,
    Str,
    Int,
    Float,
    Bool,
    Null,
}

impl ScalarTag {
    /// The tag of a scalar value (`None` for maps and lists).
    pub fn of(value: &Value) -> Option<ScalarTag> {
        Some(match value {
            Value::String(_) => ScalarTag::Str,
            Value::Number(n) if n.is_f64() => ScalarTag::Float,
            Value::Number(_) => ScalarTag::Int,
            Value::Bool(_) => ScalarTag::Bool,
            Value::Null => ScalarTag::Null,
            Value::Object(_) | Value::Array(_) => return None,
        })
    }

    fn name(self) -> &'static str {
        match self {
            ScalarTag::Untagged => "",
            ScalarTag::Str => "!!str",
            ScalarTag::Int => "!!int",
            ScalarTag::Float => "!!float",
            ScalarTag::Bool => "!!bool",
            ScalarTag::Null => "!!null",
        }
    }
}

/// The text of a scalar node (what kyaml's `Value` holds); empty for maps and lists.
pub fn scalar_text(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        Value::Number(n) => n.to_string(),
        Value::Bool(b) => b.to_string(),
        Value::Null | Value::Object(_) | Value::Array(_) => String::new(),
    }
}

/// Characters a plain scalar that resolves to a non-string can consist of.
fn may_resolve(text: &str) -> bool {
    !text.is_empty()
        && text.trim() == text
        && text
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "+-._~: ".contains(c))
        && !text.contains(": ")
        && !text.starts_with("- ")
}

/// What an untagged plain scalar with this text decodes to (yaml.v3 resolution).
pub fn plain_scalar(text: &str) -> Value {
    if text.is_empty() {
        return Value::Null;
    }
    if may_resolve(text)
        && let Ok(value) = crate::yaml::parse_document(text)
        && !value.is_object()
        && !value.is_array()
    {
        return value;
    }
    Value::String(text.to_string())
}

/// A scalar node with tag `tag` and text `text`, decoded as kustomize finally does
/// (yaml.v3 refuses text that does not fit the tag).
pub fn decode_scalar(tag: ScalarTag, text: &str) -> Result<Value, String> {
    if tag == ScalarTag::Str {
        return Ok(Value::String(text.to_string()));
    }
    // An infinity or NaN is a float to yaml.v3 but cannot be turned into JSON.
    if may_resolve(text)
        && let Err(crate::yaml::YamlError::Unsupported { .. }) = crate::yaml::parse_document(text)
    {
        return Err("json: unsupported value: a non-finite float".into());
    }
    let resolved = plain_scalar(text);
    if tag == ScalarTag::Untagged {
        return Ok(resolved);
    }
    let found = ScalarTag::of(&resolved).unwrap_or(ScalarTag::Str);
    let ok = match (tag, found) {
        (a, b) if a == b => Some(resolved.clone()),
        (ScalarTag::Float, ScalarTag::Int) => resolved
            .as_i64()
            .map(|i| i as f64)
            .and_then(serde_json::Number::from_f64)
            .map(Value::Number),
        _ => None,
    };
    // Unlike yaml.v3's message, the text is left out: it may come from a Secret.
    ok.ok_or_else(|| format!("cannot decode a {} value as a {}", found.name(), tag.name()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn parts(p: &str) -> Vec<String> {
        split_path(p)
    }

    #[test]
    fn splits_like_kyaml() {
        assert_eq!(parts("a.b.c"), vec!["a", "b", "c"]);
        assert_eq!(parts("data.x\\.y"), vec!["data", "x.y"]);
        assert_eq!(
            parts("spec.containers.[name=a.b].image"),
            vec!["spec", "containers", "[name=a.b]", "image"]
        );
        assert_eq!(
            parts("metadata.annotations.[a.b.c]"),
            vec!["metadata", "annotations", "a.b.c"]
        );
    }

    #[test]
    fn looks_up_sources() {
        let obj =
            json!({"spec": {"c": [{"name": "a", "image": "x"}, {"name": "b", "image": "y"}]}});
        let p = parts("spec.c.[name=b].image");
        assert_eq!(lookup(&obj, &p).unwrap(), Some(&json!("y")));
        assert_eq!(
            lookup(&obj, &parts("spec.c.0.image")).unwrap(),
            Some(&json!("x"))
        );
        assert_eq!(
            lookup(&obj, &parts("spec.c.-.name")).unwrap(),
            Some(&json!("b"))
        );
        assert_eq!(lookup(&obj, &parts("spec.nothere")).unwrap(), None);
        assert!(lookup(&obj, &parts("spec.c.name")).is_err());
        assert!(lookup(&obj, &parts("spec.c.-1")).is_err());
    }

    #[test]
    fn matches_targets_with_wildcards_and_creation() {
        let mut obj =
            json!({"c": [{"name": "app", "args": ["a", 2]}, {"name": "app2", "args": ["b"]}]});
        let mut out = Vec::new();
        match_target(&mut obj, &parts("c.[name=app].args.0"), None, &mut out).unwrap();
        assert_eq!(out.len(), 2, "the element match is an unanchored regex");
        let mut out = Vec::new();
        match_target(&mut obj, &parts("c.*.name"), None, &mut out).unwrap();
        assert_eq!(out.len(), 2);
        let mut out = Vec::new();
        match_target(
            &mut obj,
            &parts("c.[name=new].env.[name=E].value"),
            Some(NodeKind::Scalar),
            &mut out,
        )
        .unwrap();
        assert_eq!(out.len(), 1);
        assert!(out[0].created);
        assert_eq!(out[0].pointer, "/c/2/env/0/value");
        assert_eq!(
            obj["c"][2],
            json!({"name": "new", "env": [{"name": "E", "value": null}]})
        );
        let mut out = Vec::new();
        assert!(match_target(&mut obj, &parts("c.0.name.x"), None, &mut out).is_err());
    }

    #[test]
    fn scalars_keep_their_tag() {
        assert_eq!(decode_scalar(ScalarTag::Int, "5").unwrap(), json!(5));
        let err = decode_scalar(ScalarTag::Int, "hunter2").expect_err("not an int");
        assert!(
            !err.contains("hunter2"),
            "values stay out of messages: {err}"
        );
        assert!(decode_scalar(ScalarTag::Bool, "1").is_err());
        assert_eq!(decode_scalar(ScalarTag::Str, "5").unwrap(), json!("5"));
        assert_eq!(decode_scalar(ScalarTag::Untagged, "7").unwrap(), json!(7));
        assert_eq!(
            decode_scalar(ScalarTag::Untagged, "a: b").unwrap(),
            json!("a: b")
        );
        assert_eq!(decode_scalar(ScalarTag::Float, "1").unwrap(), json!(1.0));
    }
}

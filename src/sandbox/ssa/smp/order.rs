//! Element ordering of strategic merge patch (`normalizeElementOrder`, `mergeSortedSlice`,
//! partitioning, de-duplication) and Go's `%v` rendering used in its error messages.

use serde_json::Value;

use super::SmpError;
use crate::sandbox::ssa::value::{equals, go_float};

/// Go's `%v` of a decoded JSON value (`map[k:v]`, `[a b]`, `<nil>`).
pub(super) fn go_v(v: &Value) -> String {
    match v {
        Value::Null => "<nil>".into(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => match n.as_i64() {
            Some(i) => i.to_string(),
            None => go_float(n.as_f64().unwrap_or(0.0)),
        },
        Value::String(s) => s.clone(),
        Value::Array(items) => {
            format!("[{}]", items.iter().map(go_v).collect::<Vec<_>>().join(" "))
        }
        Value::Object(m) => format!(
            "map[{}]",
            m.iter()
                .map(|(k, v)| format!("{k}:{}", go_v(v)))
                .collect::<Vec<_>>()
                .join(" ")
        ),
    }
}

/// Whether items are maps (compared by merge key) or scalars (compared by value).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Kind {
    Map,
    Scalar,
}

/// `sliceElementType`: all items share one JSON type; lists of lists are refused.
pub(super) fn element_kind(slices: &[&[Value]]) -> Result<Kind, SmpError> {
    let mut first: Option<u8> = None;
    for s in slices {
        for v in s.iter() {
            let t = match v {
                Value::Object(_) => 0,
                Value::Array(_) => return Err(SmpError::NoListOfLists),
                Value::String(_) => 2,
                Value::Number(n) if n.is_f64() => 3,
                Value::Number(_) => 4,
                Value::Bool(_) => 5,
                Value::Null => 6,
            };
            match first {
                None => first = Some(t),
                Some(f) if f != t => {
                    let all: Vec<String> = slices
                        .iter()
                        .map(|s| go_v(&Value::Array(s.to_vec())))
                        .collect();
                    return Err(SmpError::Internal(format!(
                        "list element types are not identical: [{}]",
                        all.join(" ")
                    )));
                }
                _ => {}
            }
        }
    }
    match first {
        None => Err(SmpError::Internal(
            "no elements in any of the given slices".into(),
        )),
        Some(0) => Ok(Kind::Map),
        Some(_) => Ok(Kind::Scalar),
    }
}

fn key_of<'a>(v: &'a Value, merge_key: &str, kind: Kind) -> Option<&'a Value> {
    match kind {
        Kind::Map => v.as_object().and_then(|m| m.get(merge_key)),
        Kind::Scalar => Some(v),
    }
}

fn same(a: Option<&Value>, b: Option<&Value>) -> bool {
    match (a, b) {
        (Some(a), Some(b)) => equals(a, b),
        (None, None) => true,
        _ => false,
    }
}

/// `index`: position of the item with the same merge key (or value) in `list`.
pub(super) fn index(list: &[Value], item: &Value, merge_key: &str, kind: Kind) -> Option<usize> {
    let wanted = key_of(item, merge_key, kind);
    list.iter()
        .position(|v| same(wanted, key_of(v, merge_key, kind)))
}

pub(super) fn no_merge_key(m: &Value, key: &str) -> SmpError {
    SmpError::Internal(format!(
        "map: {} does not contain declared merge key: {key}",
        go_v(m)
    ))
}

pub(super) fn bad_arg_type(expected: &str, actual: &Value) -> SmpError {
    let actual = match actual {
        Value::Object(_) => "map[string]interface {}",
        Value::Array(_) => "[]interface {}",
        Value::String(_) => "string",
        Value::Number(n) if n.is_f64() => "float64",
        Value::Number(_) => "int64",
        Value::Bool(_) => "bool",
        Value::Null => "<nil>",
    };
    SmpError::Internal(format!("expected a {expected}, but received a {actual}"))
}

fn validate_merge_key(merge_key: &str, lists: &[&[Value]]) -> Result<(), SmpError> {
    for list in lists {
        for item in list.iter() {
            match item.as_object() {
                Some(m) if m.contains_key(merge_key) => {}
                Some(_) => return Err(no_merge_key(item, merge_key)),
                None => return Err(bad_arg_type("map[string]interface {}", item)),
            }
        }
    }
    Ok(())
}

/// `extractToDeleteItems`: items carrying `$patch: delete` go to the second list.
pub(super) fn split_deletes(list: Vec<Value>) -> Result<(Vec<Value>, Vec<Value>), SmpError> {
    let mut keep = Vec::new();
    let mut delete = Vec::new();
    for v in list {
        let Some(m) = v.as_object() else {
            return Err(bad_arg_type("map[string]interface {}", &v));
        };
        if m.get("$patch").and_then(Value::as_str) == Some("delete") {
            delete.push(v);
        } else {
            keep.push(v);
        }
    }
    Ok((keep, delete))
}

/// `normalizeSliceOrder`: a stable sort by position in `order`, as Go's insertion sort does it
/// with upstream's comparator (items not in `order` compare as "less").
fn normalize_slice_order(
    to_sort: Vec<Value>,
    order: &[Value],
    merge_key: &str,
    kind: Kind,
) -> Result<Vec<Value>, SmpError> {
    let (mut items, deletes) = if kind == Kind::Map {
        validate_merge_key(merge_key, &[&to_sort, order])?;
        split_deletes(to_sort)?
    } else {
        (to_sort, Vec::new())
    };
    let less = |a: &Value, b: &Value| match (
        index(order, a, merge_key, kind),
        index(order, b, merge_key, kind),
    ) {
        (Some(i), Some(j)) => i < j,
        _ => true,
    };
    for i in 1..items.len() {
        let mut j = i;
        while j > 0 && less(&items[j], &items[j - 1]) {
            items.swap(j, j - 1);
            j -= 1;
        }
    }
    items.extend(deletes);
    Ok(items)
}

/// `mergeSortedSlice`: interleaves server-only items (`left`) into patch items (`right`) by their
/// positions in the live list.
fn merge_sorted(
    left: Vec<Value>,
    right: Vec<Value>,
    server_order: &[Value],
    merge_key: &str,
    kind: Kind,
) -> Vec<Value> {
    let mut out = Vec::with_capacity(left.len() + right.len());
    let mut left = left.into_iter().peekable();
    let mut right = right.into_iter().peekable();
    loop {
        match (left.peek(), right.peek()) {
            (None, None) => break,
            (Some(_), None) => out.extend(left.next()),
            (None, Some(_)) => out.extend(right.next()),
            (Some(l), Some(r)) => {
                let take_left = match (
                    index(server_order, l, merge_key, kind),
                    index(server_order, r, merge_key, kind),
                ) {
                    (Some(li), Some(ri)) => li < ri,
                    _ => false,
                };
                if take_left {
                    out.extend(left.next());
                } else {
                    out.extend(right.next());
                }
            }
        }
    }
    out
}

/// `normalizeElementOrder`.
pub(super) fn normalize_element_order(
    patch: Vec<Value>,
    server_only: Vec<Value>,
    patch_order: &[Value],
    server_order: &[Value],
    merge_key: &str,
    kind: Kind,
) -> Result<Vec<Value>, SmpError> {
    let patch = normalize_slice_order(patch, patch_order, merge_key, kind)?;
    let server_only = normalize_slice_order(server_only, server_order, merge_key, kind)?;
    Ok(merge_sorted(
        server_only,
        patch,
        server_order,
        merge_key,
        kind,
    ))
}

/// `partitionPrimitivesByPresentInList` / `partitionMapsByPresentInList`.
pub(super) fn partition(
    merged: Vec<Value>,
    by: &[Value],
    merge_key: &str,
) -> Result<(Vec<Value>, Vec<Value>), SmpError> {
    let mut inside = Vec::new();
    let mut outside = Vec::new();
    for v in merged {
        let found = if merge_key.is_empty() {
            by.iter().any(|b| equals(b, &v))
        } else {
            let Some(m) = v.as_object() else {
                return Err(bad_arg_type("map[string]interface {}", &v));
            };
            let Some(key) = m.get(merge_key) else {
                return Err(no_merge_key(&v, merge_key));
            };
            find_by_key(by, merge_key, key)?.is_some()
        };
        if found {
            inside.push(v);
        } else {
            outside.push(v);
        }
    }
    Ok((inside, outside))
}

/// `findMapInSliceBasedOnKeyValue`.
pub(super) fn find_by_key(
    list: &[Value],
    key: &str,
    value: &Value,
) -> Result<Option<usize>, SmpError> {
    for (i, v) in list.iter().enumerate() {
        let Some(m) = v.as_object() else {
            return Err(SmpError::Internal(format!(
                "value for key {i} is not a map."
            )));
        };
        if m.get(key).is_some_and(|k| equals(k, value)) {
            return Ok(Some(i));
        }
    }
    Ok(None)
}

/// `deduplicateScalars`, which moves the last element into each duplicate's slot.
pub(super) fn dedup(mut s: Vec<Value>) -> Vec<Value> {
    if s.is_empty() {
        return s;
    }
    let mut length = s.len() - 1;
    let mut i = 0;
    while i < length {
        let mut j = i + 1;
        while j <= length {
            if equals(&s[i], &s[j]) {
                s[j] = s[length].clone();
                s.truncate(length);
                length -= 1;
            } else {
                j += 1;
            }
        }
        i += 1;
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn dedup_matches_go() {
        assert_eq!(
            dedup(vec![json!("a"), json!("b"), json!("a"), json!("c")]),
            vec![json!("a"), json!("b"), json!("c")]
        );
        assert_eq!(
            dedup(vec![json!(1), json!(1), json!(2)]),
            vec![json!(1), json!(2)]
        );
    }

    #[test]
    fn go_v_renders_maps_and_lists() {
        assert_eq!(go_v(&json!([{"name": 1, "v": "x"}])), "[map[name:1 v:x]]");
    }
}

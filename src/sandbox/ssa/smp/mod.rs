//! Strategic merge patch as the API server applies it to built-in kinds (apimachinery
//! `strategicpatch.StrategicMergeMapPatch`): `patchStrategy`/`patchMergeKey` from the schema,
//! `$patch: delete|replace`, `$setElementOrder/<list>`, `$retainKeys`,
//! `$deleteFromPrimitiveList/<list>`, and `null` deleting a field.
//!
//! Element order follows upstream exactly, including the effect of Go slice aliasing: deleting
//! items shifts the live list in place, so `$setElementOrder` sees the shifted list.

mod order;
#[cfg(test)]
mod tests;

use serde_json::{Map, Value};

use self::order::{
    Kind, bad_arg_type, dedup, element_kind, find_by_key, go_v, no_merge_key,
    normalize_element_order, partition, split_deletes,
};
use super::SsaError;
use super::schema::{Origin, Schema, TypeId, TypeTable};

const DIRECTIVE: &str = "$patch";
const RETAIN_KEYS: &str = "$retainKeys";
const DELETE_PREFIX: &str = "$deleteFromPrimitiveList";
const ORDER_PREFIX: &str = "$setElementOrder";

/// Errors of the patch algorithm, mapped to statuses as `interpretStrategicMergePatchError` does.
#[derive(Debug)]
pub(crate) enum SmpError {
    /// One of upstream's format errors, answered with 400.
    BadFormat(&'static str),
    NoListOfLists,
    /// Anything else: 500.
    Internal(String),
}

impl From<SmpError> for SsaError {
    fn from(e: SmpError) -> SsaError {
        match e {
            SmpError::BadFormat(m) => SsaError::BadRequest(m.into()),
            SmpError::NoListOfLists => {
                SsaError::BadRequest("lists of lists are not supported".into())
            }
            SmpError::Internal(m) => SsaError::Internal(m),
        }
    }
}

const BAD_PRIMITIVE_LIST: &str = "invalid patch format of primitive list";
const BAD_RETAIN_KEYS: &str = "invalid patch format of retainKeys";
const BAD_ORDER_LIST: &str = "invalid patch format of setElementOrder list";

/// Applies `patch` to `live` (both JSON objects).
pub(crate) fn strategic_merge_patch(
    schema: &Schema,
    live: &Value,
    patch: &Value,
) -> Result<Value, SsaError> {
    if !matches!(schema.origin(), Origin::Builtin(_)) {
        return Err(SsaError::UnsupportedMediaType(
            "the body of the request was in an unknown format - accepted media types include: \
             application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml"
                .into(),
        ));
    }
    let (Value::Object(original), Value::Object(patch)) = (live, patch) else {
        return Err(SsaError::BadRequest("invalid JSON document".into()));
    };
    let ctx = Ctx {
        table: schema.table(),
    };
    let merged = ctx.merge_map(Some(schema.root()), original.clone(), patch.clone())?;
    Ok(Value::Object(merged))
}

/// Patch facts of one field: its type, merge key (`Some("")` merges primitives) and whether
/// maps are replaced instead of merged.
#[derive(Clone, Copy)]
struct FieldInfo<'t> {
    ty: Option<TypeId>,
    merge_key: Option<&'t str>,
}

struct Ctx<'t> {
    table: &'t TypeTable,
}

impl<'t> Ctx<'t> {
    /// `LookupPatchMetadata` on our schema; untyped parts have no strategy.
    fn field(&self, ty: Option<TypeId>, key: &str) -> FieldInfo<'t> {
        let Some(map) = ty.and_then(|t| self.table.atom(t).map.as_ref()) else {
            return FieldInfo {
                ty: None,
                merge_key: None,
            };
        };
        match map.field(key) {
            Some(f) => FieldInfo {
                ty: Some(f.ty),
                merge_key: f.smp.merge_key.as_deref(),
            },
            None => FieldInfo {
                ty: map.elem,
                merge_key: None,
            },
        }
    }

    fn list_elem(&self, ty: Option<TypeId>) -> Option<TypeId> {
        ty.and_then(|t| self.table.atom(t).list.as_ref())
            .map(|l| l.elem)
    }

    /// `mergeMap`.
    fn merge_map(
        &self,
        ty: Option<TypeId>,
        mut original: Map<String, Value>,
        mut patch: Map<String, Value>,
    ) -> Result<Map<String, Value>, SmpError> {
        if let Some(d) = patch.get(DIRECTIVE) {
            return match d.as_str() {
                Some("replace") => {
                    patch.remove(DIRECTIVE);
                    Ok(patch)
                }
                Some("delete") => Ok(Map::new()),
                _ => Err(SmpError::Internal(format!(
                    "unknown patch type: {} in map: {}",
                    go_v(d),
                    go_v(&Value::Object(patch.clone()))
                ))),
            };
        }
        apply_retain_keys(&mut original, &mut patch)?;
        self.merge_element_orders(ty, &mut original, &mut patch)?;
        for (k, patch_value) in patch {
            let (key, delete_list) = match k.strip_prefix(DELETE_PREFIX) {
                Some(rest) => match rest.strip_prefix('/') {
                    Some(name) => (name.to_string(), true),
                    None => return Err(SmpError::BadFormat(BAD_PRIMITIVE_LIST)),
                },
                None => (k, false),
            };
            if patch_value.is_null() {
                original.remove(&key);
                continue;
            }
            let Some(current) = original.remove(&key) else {
                original.insert(key, patch_value);
                continue;
            };
            let merged = match (current, patch_value) {
                (Value::Object(o), Value::Object(p)) => {
                    let info = self.field(ty, &key);
                    Value::Object(self.merge_map(info.ty, o, p)?)
                }
                (Value::Array(o), Value::Array(p)) => {
                    let info = self.field(ty, &key);
                    Value::Array(self.merge_slice_handler(info, o, p, delete_list)?.0)
                }
                (_, p) => p,
            };
            original.insert(key, merged);
        }
        Ok(original)
    }

    /// `mergeSliceHandler`: merge lists with a merge strategy, replace the others. Also returns
    /// the live list as Go's aliasing leaves it (see `merge_slice`).
    fn merge_slice_handler(
        &self,
        info: FieldInfo<'_>,
        original: Vec<Value>,
        patch: Vec<Value>,
        delete_list: bool,
    ) -> Result<(Vec<Value>, Vec<Value>), SmpError> {
        match info.merge_key {
            Some(key) => {
                self.merge_slice(self.list_elem(info.ty), original, patch, key, delete_list)
            }
            None => Ok((patch, original)),
        }
    }

    /// `mergeSlice`. Returns the merged list and the caller-visible view of the original list:
    /// upstream deletes by shifting items within the original array and appends into the slots
    /// that frees, and `$setElementOrder` later orders against that array.
    fn merge_slice(
        &self,
        elem: Option<TypeId>,
        original: Vec<Value>,
        patch: Vec<Value>,
        merge_key: &str,
        delete_list: bool,
    ) -> Result<(Vec<Value>, Vec<Value>), SmpError> {
        if original.is_empty() && patch.is_empty() {
            return Ok((original.clone(), original));
        }
        let kind = element_kind(&[&original, &patch])?;
        if kind == Kind::Scalar {
            if delete_list {
                let kept = original
                    .iter()
                    .filter(|v| !patch.iter().any(|d| super::value::equals(d, v)))
                    .cloned()
                    .collect();
                return Ok((kept, original));
            }
            let mut both = original.clone();
            both.extend(patch.iter().cloned());
            let merged = dedup(both);
            let (in_patch, server_only) = partition(merged, &patch, "")?;
            let out = normalize_element_order(in_patch, server_only, &patch, &original, "", kind)?;
            return Ok((out, original));
        }
        if merge_key.is_empty() {
            return Err(SmpError::Internal(
                "cannot merge lists without merge key for type struct".into(),
            ));
        }
        let view_len = original.len();
        let mut arena = Arena {
            arr: original,
            len: view_len,
        };
        let patch = self.special_elements(&mut arena, patch, merge_key)?;
        let after_deletes: Vec<Value> = arena.current().to_vec();
        for v in &patch {
            let Some(m) = v.as_object() else {
                return Err(bad_arg_type("map[string]interface {}", v));
            };
            let Some(key_value) = m.get(merge_key) else {
                return Err(no_merge_key(v, merge_key));
            };
            match find_by_key(arena.current(), merge_key, key_value)? {
                Some(i) => {
                    let current = arena.arr[i].as_object().cloned().unwrap_or_default();
                    let merged = self.merge_map(elem, current, m.clone())?;
                    arena.arr[i] = Value::Object(merged);
                }
                None => arena.push(v.clone()),
            }
        }
        let merged = arena.current().to_vec();
        let (in_patch, server_only) = partition(merged, &patch, merge_key)?;
        let out = normalize_element_order(
            in_patch,
            server_only,
            &patch,
            &after_deletes,
            merge_key,
            kind,
        )?;
        let mut view = arena.arr;
        view.truncate(view_len);
        Ok((out, view))
    }

    /// `mergeSliceWithSpecialElements`: applies `$patch: delete` items (and `replace`), returning
    /// the patch without directive items.
    fn special_elements(
        &self,
        arena: &mut Arena,
        patch: Vec<Value>,
        merge_key: &str,
    ) -> Result<Vec<Value>, SmpError> {
        let mut plain = Vec::new();
        let mut replace = false;
        for v in patch {
            let Some(m) = v.as_object() else {
                return Err(bad_arg_type("map[string]interface {}", &v));
            };
            match m.get(DIRECTIVE) {
                None => plain.push(v),
                Some(d) => match d.as_str() {
                    Some("delete") => {
                        let Some(key_value) = m.get(merge_key).cloned() else {
                            return Err(no_merge_key(&v, merge_key));
                        };
                        while let Some(i) = find_by_key(arena.current(), merge_key, &key_value)? {
                            arena.remove(i);
                        }
                    }
                    Some("replace") => replace = true,
                    Some("merge") => {
                        return Err(SmpError::Internal(
                            "merging lists cannot yet be specified in the patch".into(),
                        ));
                    }
                    _ => {
                        return Err(SmpError::Internal(format!(
                            "unknown patch type: {} in map: {}",
                            go_v(d),
                            go_v(&v)
                        )));
                    }
                },
            }
        }
        if replace {
            *arena = Arena {
                len: plain.len(),
                arr: plain,
            };
            return Ok(Vec::new());
        }
        Ok(plain)
    }

    /// `mergePatchIntoOriginal`: lists with a `$setElementOrder` directive.
    fn merge_element_orders(
        &self,
        ty: Option<TypeId>,
        original: &mut Map<String, Value>,
        patch: &mut Map<String, Value>,
    ) -> Result<(), SmpError> {
        let keys: Vec<String> = patch
            .keys()
            .filter(|k| k.starts_with(ORDER_PREFIX))
            .cloned()
            .collect();
        for k in keys {
            let Some(order) = patch.remove(&k) else {
                continue;
            };
            let Value::Array(order) = order else {
                return Err(bad_arg_type("[]interface {}", &order));
            };
            let key = match k[ORDER_PREFIX.len()..].strip_prefix('/') {
                Some(key) => key.to_string(),
                None => return Err(SmpError::BadFormat(BAD_ORDER_LIST)),
            };
            let original_list = match original.get(&key) {
                None => None,
                Some(Value::Array(a)) => Some(a.clone()),
                Some(other) => return Err(bad_arg_type("[]interface {}", other)),
            };
            let patch_list = match patch.get(&key) {
                None => None,
                Some(Value::Array(a)) => Some(a.clone()),
                Some(other) => return Err(bad_arg_type("[]interface {}", other)),
            };
            let info = self.field(ty, &key);
            let merge_key = info.merge_key.unwrap_or("");
            validate_order(patch_list.as_deref().unwrap_or(&[]), &order, merge_key)?;
            let original_values = original_list.clone().unwrap_or_default();
            let patch_values = patch_list.clone().unwrap_or_default();
            let (merged, view) = match (original_list, patch_list) {
                (Some(o), None) => (o.clone(), o),
                (None, Some(p)) => (p, Vec::new()),
                (Some(o), Some(p)) => self.merge_slice_handler(info, o, p, false)?,
                (None, None) => continue,
            };
            let (in_order, server_only) = partition(merged, &order, merge_key)?;
            let kind = element_kind(&[&original_values, &patch_values])?;
            let both =
                normalize_element_order(in_order, server_only, &order, &view, merge_key, kind)?;
            original.insert(key.clone(), Value::Array(both));
            patch.remove(&key);
        }
        Ok(())
    }
}

/// A Go slice and its backing array: `len` items are live, the rest are stale but still seen
/// by other slices of the same array.
struct Arena {
    arr: Vec<Value>,
    len: usize,
}

impl Arena {
    fn current(&self) -> &[Value] {
        &self.arr[..self.len.min(self.arr.len())]
    }

    /// `append(s[:i], s[i+1:]...)`.
    fn remove(&mut self, i: usize) {
        if i >= self.len {
            return;
        }
        for p in i..self.len - 1 {
            self.arr[p] = self.arr[p + 1].clone();
        }
        self.len -= 1;
    }

    /// `append(s, v)`, reusing a freed slot when there is one.
    fn push(&mut self, v: Value) {
        if self.len < self.arr.len() {
            self.arr[self.len] = v;
        } else {
            self.arr.push(v);
        }
        self.len += 1;
    }
}

/// `applyRetainKeysDirective`.
fn apply_retain_keys(
    original: &mut Map<String, Value>,
    patch: &mut Map<String, Value>,
) -> Result<(), SmpError> {
    let Some(retain) = patch.remove(RETAIN_KEYS) else {
        return Ok(());
    };
    let Value::Array(retain) = retain else {
        return Err(SmpError::BadFormat(BAD_RETAIN_KEYS));
    };
    let listed = |k: &str| retain.iter().any(|r| r.as_str() == Some(k));
    for (k, v) in patch.iter() {
        if v.is_null() || k.starts_with(DELETE_PREFIX) || k.starts_with(ORDER_PREFIX) {
            continue;
        }
        if !listed(k) {
            return Err(SmpError::BadFormat(BAD_RETAIN_KEYS));
        }
    }
    original.retain(|k, _| listed(k));
    Ok(())
}

/// `validatePatchWithSetOrderList`: the patch list must follow the order list.
fn validate_order(patch_list: &[Value], order: &[Value], merge_key: &str) -> Result<(), SmpError> {
    if patch_list.is_empty() || order.is_empty() {
        return Ok(());
    }
    let items = if merge_key.is_empty() {
        patch_list.to_vec()
    } else {
        split_deletes(patch_list.to_vec())?.0
    };
    let key_equal = |a: &Value, b: &Value| -> Result<bool, SmpError> {
        if merge_key.is_empty() {
            return Ok(super::value::equals(a, b));
        }
        let (Some(am), Some(bm)) = (a.as_object(), b.as_object()) else {
            let bad = if a.is_object() { b } else { a };
            return Err(bad_arg_type("map[string]interface {}", bad));
        };
        match (am.get(merge_key), bm.get(merge_key)) {
            (Some(x), Some(y)) => Ok(super::value::equals(x, y)),
            (None, _) => Err(no_merge_key(a, merge_key)),
            (_, None) => Err(no_merge_key(b, merge_key)),
        }
    };
    let (mut pi, mut si) = (0, 0);
    while pi < items.len() && si < order.len() {
        if items[pi]
            .as_object()
            .is_some_and(|m| m.contains_key(DIRECTIVE))
        {
            pi += 1;
            continue;
        }
        if key_equal(&items[pi], &order[si])? {
            pi += 1;
        }
        si += 1;
    }
    if pi < items.len() && si >= order.len() {
        return Err(SmpError::Internal(format!(
            "The order in patch list:\n{}\n doesn't match {ORDER_PREFIX} list:\n{}\n",
            go_v(&Value::Array(patch_list.to_vec())),
            go_v(&Value::Array(order.to_vec()))
        )));
    }
    Ok(())
}

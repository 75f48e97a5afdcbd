//! Adding a generated object to the accumulated resources (kustomize's
//! `appendReplaceOrMerge`): `create` appends; `merge` and `replace` take over the one
//! resource that has, or ever had, the same id.

use std::collections::BTreeMap;

use serde_json::{Map, Value};

use super::super::resmap::ResMap;
use super::super::resource::{Behavior, Resource, scalar_text};

/// Absorbs `res` into `resources`. The error is kustomize's message.
pub fn absorb(resources: &mut ResMap, mut res: Resource) -> Result<(), String> {
    let id = res.cur_id();
    let behavior = res.build.behavior.unwrap_or_default();
    let matches = resources.positions_by_any_id(&id);
    let index = match matches.as_slice() {
        [] => {
            if behavior != Behavior::Create {
                return Err(format!("id {id} does not exist; cannot merge or replace"));
            }
            return resources
                .append(res)
                .map_err(|_| format!("may not add resource with an already registered id: {id}"));
        }
        [index] => *index,
        _ => {
            return Err(format!(
                "found multiple objects that could accept merge of {id}"
            ));
        }
    };
    // The position came from the index just built, so the resource is there.
    let Some(old) = resources.get(index) else {
        return Err(format!("id lookup failure for {id}"));
    };
    match behavior {
        Behavior::Replace => copy_merge_metadata(&mut res, old, false),
        Behavior::Merge => {
            copy_merge_metadata(&mut res, old, true);
            merge_string_map(&mut res.obj, &old.obj, "data");
            merge_string_map(&mut res.obj, &old.obj, "binaryData");
        }
        Behavior::Create => {
            return Err(format!("id {id} exists; behavior must be merge or replace"));
        }
    }
    // kustomize replaces by the new current id and insists it lands on the matched slot.
    let new_id = res.cur_id();
    match resources.positions_by_current_id(&new_id).as_slice() {
        [i] if *i == index => {
            resources.replace(index, res);
            Ok(())
        }
        [] => Err(format!("cannot find resource with id {new_id} to replace")),
        [_] => Err("unexpected target index in replacement".to_string()),
        many => Err(format!("id {new_id} matched {} resources", many.len())),
    }
}

/// kustomize's `CopyMergeMetaDataFieldsFrom`: labels and annotations merged (the new
/// object's win), name and namespace taken from the old resource, and its build facts too
/// (earlier ids, prefixes, suffixes). The name hash stays only when both the old and the new
/// object want one (what kubectl does, e.g. an overlay's `disableNameSuffixHash` wins, and a
/// plain ConfigMap merged with a generator gets no hash). The origin stays the old one on a
/// merge and the new one on a replace.
fn copy_merge_metadata(res: &mut Resource, old: &Resource, merge: bool) {
    for field in ["labels", "annotations"] {
        let mut merged: BTreeMap<String, String> = old
            .string_map(field)
            .into_iter()
            .chain(res.string_map(field))
            .collect();
        let meta = res.metadata_mut();
        meta.remove(field);
        if !merged.is_empty() {
            let map = std::mem::take(&mut merged)
                .into_iter()
                .map(|(k, v)| (k, Value::String(v)))
                .collect();
            meta.insert(field.to_string(), Value::Object(map));
        }
    }
    res.set_name(old.name());
    res.set_namespace(old.namespace());
    let origin = if merge {
        old.build.origin.clone().or_else(|| res.build.origin.take())
    } else {
        res.build.origin.take().or_else(|| old.build.origin.clone())
    };
    let needs_hash = res.build.needs_hash && old.build.needs_hash;
    // kustomize writes the merged data maps anew, with plain keys.
    let plain_data_keys = res.build.plain_data_keys;
    res.build = old.build.clone();
    res.build.plain_data_keys = plain_data_keys;
    res.build.origin = origin;
    res.build.needs_hash = needs_hash;
}

/// kustomize's `MergeDataMapFrom` / `MergeBinaryDataMapFrom`: the union of both maps as
/// strings, the new values winning; an empty union removes the field.
fn merge_string_map(obj: &mut Map<String, Value>, old: &Map<String, Value>, field: &str) {
    let mut merged: BTreeMap<String, String> = string_entries(old.get(field));
    merged.extend(string_entries(obj.get(field)));
    obj.remove(field);
    if !merged.is_empty() {
        let map = merged
            .into_iter()
            .map(|(k, v)| (k, Value::String(v)))
            .collect();
        obj.insert(field.to_string(), Value::Object(map));
    }
}

/// A map's entries with scalar values as text (non-scalar values read as empty, as in kyaml).
fn string_entries(value: Option<&Value>) -> BTreeMap<String, String> {
    let Some(Value::Object(map)) = value else {
        return BTreeMap::new();
    };
    map.iter()
        .map(|(k, v)| {
            let text = match v {
                Value::Object(_) | Value::Array(_) => String::new(),
                scalar => scalar_text(scalar),
            };
            (k.clone(), text)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn res(v: Value, behavior: Behavior, needs_hash: bool) -> Resource {
        let mut r = Resource::new(v.as_object().cloned().unwrap_or_default());
        r.build.behavior = Some(behavior);
        r.build.needs_hash = needs_hash;
        r
    }

    fn plain(v: Value) -> Resource {
        Resource::new(v.as_object().cloned().unwrap_or_default())
    }

    #[test]
    fn merge_into_a_renamed_plain_config_map() {
        let mut m = ResMap::new();
        let mut base = plain(json!({"apiVersion": "v1", "kind": "ConfigMap",
            "metadata": {"name": "plain", "labels": {"orig": "o"}, "annotations": {"an": "x"}},
            "data": {"year": 2020, "s": "str"}}));
        base.store_previous_id();
        base.set_name("p-plain");
        base.build.prefixes.push("p-".into());
        m.append(base).expect("append");
        let generated = res(
            json!({"apiVersion": "v1", "kind": "ConfigMap",
                   "metadata": {"name": "plain", "labels": {"ov": "1"}}, "data": {"b": "2"}}),
            Behavior::Merge,
            true,
        );
        absorb(&mut m, generated).expect("merge");
        assert_eq!(m.len(), 1);
        let got = &m.resources()[0];
        assert_eq!(
            Value::Object(got.obj.clone()),
            json!({"apiVersion": "v1", "kind": "ConfigMap",
                   "metadata": {"name": "p-plain", "labels": {"orig": "o", "ov": "1"},
                                "annotations": {"an": "x"}},
                   "data": {"b": "2", "s": "str", "year": "2020"}})
        );
        // The build facts are the old resource's: no hash, the earlier name kept.
        assert!(!got.build.needs_hash);
        assert_eq!(got.build.prefixes, vec!["p-".to_string()]);
        assert_eq!(got.org_id().name, "plain");
    }

    #[test]
    fn replace_keeps_old_build_facts_and_drops_old_data() {
        let mut m = ResMap::new();
        let old = res(
            json!({"apiVersion": "v1", "kind": "ConfigMap",
                   "metadata": {"name": "gen", "labels": {"base": "yes"}}, "data": {"a": "1"}}),
            Behavior::Create,
            false,
        );
        m.append(old).expect("append");
        let new = res(
            json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "gen"},
                   "data": {"c": "3"}}),
            Behavior::Replace,
            true,
        );
        absorb(&mut m, new).expect("replace");
        let got = &m.resources()[0];
        assert_eq!(
            Value::Object(got.obj.clone()),
            json!({"apiVersion": "v1", "kind": "ConfigMap",
                   "metadata": {"name": "gen", "labels": {"base": "yes"}}, "data": {"c": "3"}})
        );
        assert!(!got.build.needs_hash);
    }

    #[test]
    fn the_hash_stays_only_when_both_want_it() {
        let cm = |b, hash| {
            res(
                json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "cm"}}),
                b,
                hash,
            )
        };
        for (old, new, want) in [
            (true, true, true),
            (true, false, false),
            (false, true, false),
        ] {
            let mut m = ResMap::new();
            absorb(&mut m, cm(Behavior::Create, old)).expect("create");
            absorb(&mut m, cm(Behavior::Merge, new)).expect("merge");
            assert_eq!(m.resources()[0].build.needs_hash, want, "{old} {new}");
        }
    }

    #[test]
    fn behaviors_need_the_right_match() {
        let cm = |name: &str, b| {
            res(
                json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": name}}),
                b,
                true,
            )
        };
        let mut m = ResMap::new();
        absorb(&mut m, cm("a", Behavior::Create)).expect("create");
        let err = absorb(&mut m, cm("a", Behavior::Create)).expect_err("exists");
        assert!(
            err.ends_with("exists; behavior must be merge or replace"),
            "{err}"
        );
        let err = absorb(&mut m, cm("b", Behavior::Merge)).expect_err("missing");
        assert!(
            err.ends_with("does not exist; cannot merge or replace"),
            "{err}"
        );
        let err = absorb(&mut m, cm("b", Behavior::Replace)).expect_err("missing");
        assert!(
            err.ends_with("does not exist; cannot merge or replace"),
            "{err}"
        );
        // An explicit `default` namespace is the same id as no namespace.
        let mut in_default = cm("a", Behavior::Merge);
        in_default.set_namespace("default");
        absorb(&mut m, in_default).expect("merge by effective namespace");
        assert_eq!(m.resources()[0].namespace(), "");
    }
}

//! Upstream's strategic-merge-patch cases (`strategicpatch/patch_test.go`), applied with the
//! test type `MergeItem` rebuilt in our schema notation.

use serde_json::{Map, Value};

use super::Ctx;
use crate::sandbox::ssa::schema::dsl;

const MERGE_ITEM: &str = "MergeItem: name value other mergingList:[MergeItem/name]@m \
    nonMergingList:[MergeItem] mergingIntList:[i]set@m nonMergingIntList:[i] simpleMap:{s} \
    retainKeysMap:RetainKeys@r retainKeysMergingList:[MergeItem/name]@mr replacingItem:raw\n\
    RetainKeys: name value other simpleMap:{s} mergingList:[MergeItem/name]@m \
    nonMergingList:[MergeItem]";

fn yaml(s: &str) -> Map<String, Value> {
    match serde_yaml::from_str::<Value>(s) {
        Ok(Value::Object(m)) => m,
        _ => Map::new(),
    }
}

fn patch(current: &str, patch: &str) -> Result<Value, String> {
    let table = dsl::build(&[MERGE_ITEM]).map_err(|e| e.0)?;
    let root = table.names["MergeItem"];
    let ctx = Ctx { table: &table };
    ctx.merge_map(Some(root), yaml(current), yaml(patch))
        .map(Value::Object)
        .map_err(|e| format!("{e:?}"))
}

fn check(current: &str, p: &str, result: &str) {
    assert_eq!(
        patch(current, p),
        Ok(Value::Object(yaml(result))),
        "patch:\n{p}"
    );
}

#[test]
fn maps_and_nulls() {
    check(
        "name: 1\nother: a",
        "value: 1",
        "name: 1\nvalue: 1\nother: a",
    );
    check(
        "name: 1\nother: a",
        "name: null\nvalue: 1",
        "value: 1\nother: a",
    );
    check(
        "simpleMap:\n  key1: 1\n  key2: 1\n  other: a",
        "simpleMap:\n  key2: null",
        "simpleMap:\n  key1: 1\n  other: a",
    );
    check(
        "name: a\nother: a",
        "name: 1\nvalue: 1\nother: null",
        "name: 1\nvalue: 1",
    );
    check("name: 1", "{}", "name: 1");
}

#[test]
fn scalar_lists() {
    check(
        "nonMergingIntList: [1, 4]",
        "nonMergingIntList: [2, 3]",
        "nonMergingIntList: [2, 3]",
    );
    check(
        "mergingIntList: [1, 2, 3, 4]",
        "$setElementOrder/mergingIntList: [1, 2]\n$deleteFromPrimitiveList/mergingIntList: [3]",
        "mergingIntList: [1, 2, 4]",
    );
    check(
        "mergingIntList: [1, 2, 3, 3, 4]",
        "$setElementOrder/mergingIntList: [1, 2]\n$deleteFromPrimitiveList/mergingIntList: [3]",
        "mergingIntList: [1, 2, 4]",
    );
    check(
        "mergingIntList: [1, 2, 3]",
        "$setElementOrder/mergingIntList: [1, 2, 4]\n$deleteFromPrimitiveList/mergingIntList: [3]\nmergingIntList: [4]",
        "mergingIntList: [1, 2, 4]",
    );
}

#[test]
fn merging_lists_of_maps() {
    check(
        "mergingList:\n- name: 1\n  other: a\n- name: 2\n  value: 2\n  other: b",
        "$setElementOrder/mergingList:\n- name: 4\n- name: 1\n- name: 2\n- name: 3\n\
         mergingList:\n- name: 4\n  value: 4\n- name: 3\n  value: 3",
        "mergingList:\n- name: 4\n  value: 4\n- name: 1\n  other: a\n- name: 2\n  value: 2\n  other: b\n\
         - name: 3\n  value: 3",
    );
    check(
        "mergingList:\n- name: 1\n  value: 1\n  other: a\n- name: 2\n  value: 2\n  other: b",
        "$setElementOrder/mergingList:\n- name: 1\n- name: 2\nmergingList:\n- name: 1\n  value: null",
        "mergingList:\n- name: 1\n  other: a\n- name: 2\n  value: 2\n  other: b",
    );
    check(
        "mergingList:\n- name: 1\n  other: a\n- name: 2\n  other: b",
        "mergingList:\n- name: 1\n  $patch: delete\n- name: 2\n  $patch: delete",
        "mergingList: []",
    );
    check(
        "mergingList: []",
        "mergingList:\n- name: 1\n  $patch: delete",
        "mergingList: []",
    );
}

#[test]
fn deletions_shift_the_live_list_before_ordering() {
    // Results that only come out right when Go's in-place slice deletion is reproduced.
    check(
        "mergingList:\n- name: 1\n- name: 2\n  other: b\n- name: 4\n  other: c",
        "$setElementOrder/mergingList:\n- name: 2\n- name: 3\n\
         mergingList:\n- name: 3\n- name: 1\n  $patch: delete",
        "mergingList:\n- name: 2\n  other: b\n- name: 4\n  other: c\n- name: 3",
    );
    check(
        "mergingList:\n- name: 1\n  other: a\n- name: 4\n  other: c",
        "$setElementOrder/mergingList:\n- name: 2\n- name: 3\n\
         mergingList:\n- name: 2\n- name: 3\n- name: 1\n  $patch: delete",
        "mergingList:\n- name: 4\n  other: c\n- name: 2\n- name: 3",
    );
    check(
        "mergingList:\n- name: 3\n  other: a",
        "$setElementOrder/mergingList:\n- name: 2\n\
         mergingList:\n- name: 2\n- name: 1\n  $patch: delete",
        "mergingList:\n- name: 2\n- name: 3\n  other: a",
    );
}

#[test]
fn directives_and_errors() {
    check(
        "retainKeysMap:\n  name: foo\n  value: bar\n  other: baz",
        "retainKeysMap:\n  $retainKeys: [name, value]\n  value: new",
        "retainKeysMap:\n  name: foo\n  value: new",
    );
    check(
        "mergingList:\n- name: 1\n  value: a",
        "mergingList:\n- name: 2\n- $patch: replace",
        "mergingList:\n- name: 2",
    );
    check(
        "simpleMap:\n  a: 1",
        "simpleMap:\n  $patch: replace\n  b: 2",
        "simpleMap:\n  b: 2",
    );
    check(
        "simpleMap:\n  a: 1",
        "simpleMap:\n  $patch: delete",
        "simpleMap: {}",
    );
    let err = patch(
        "retainKeysMap:\n  name: a",
        "retainKeysMap:\n  $retainKeys: [name]\n  value: b",
    );
    assert!(err.is_err_and(|e| e.contains("invalid patch format of retainKeys")));
    let err = patch(
        "mergingList:\n- name: 1\n  value: a",
        "mergingList:\n- value: b",
    );
    assert!(err.is_err_and(|e| e.contains("does not contain declared merge key")));
    let err = patch(
        "mergingList:\n- name: 1\n- name: 3\n- name: 2",
        "$setElementOrder/mergingList:\n- name: 1\n- name: 2\n- name: 3\n\
         mergingList:\n- name: 3\n  value: 3\n- name: 1\n  value: 1",
    );
    assert!(err.is_err_and(|e| e.contains("doesn't match")));
}

#[test]
fn custom_cases_order_and_duplicates() {
    check(
        "mergingIntList: [1, 2]",
        "mergingIntList: [2, 3]",
        "mergingIntList: [1, 2, 3]",
    );
    check(
        "mergingList:\n- name: 1\n- name: 2\n  value: b\n- name: 3",
        "mergingList:\n- name: 3\n  value: c\n- name: 1\n  value: a",
        "mergingList:\n- name: 2\n  value: b\n- name: 3\n  value: c\n- name: 1\n  value: a",
    );
    check(
        "mergingIntList: [1, 2, 3]",
        "mergingIntList: [3, 1]",
        "mergingIntList: [2, 3, 1]",
    );
    check(
        "mergingList:\n- name: 1\n- name: 1\n- name: 2\n  value: a\n- name: 3\n- name: 3",
        "mergingList:\n- name: 1\n  $patch: delete\n- name: 3\n  $patch: delete",
        "mergingList:\n- name: 2\n  value: a",
    );
    check("name: 1\nvalue: 1", "other: a\n$patch: replace", "other: a");
    check(
        "mergingIntList: [1, 3]",
        "$setElementOrder/mergingIntList: [3, 2, 1]",
        "mergingIntList: [3, 1]",
    );
}

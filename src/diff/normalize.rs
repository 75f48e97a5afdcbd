//! The one normalisation step every comparison goes through, and Secret masking.
//!
//! Normalising drops what the server owns or that changes on every write (managed fields,
//! status, resource versions, uids, timestamps, kubectl's last-applied annotation), so a
//! live object and the server's dry-run of the desired one compare equal exactly when
//! applying would change nothing a user wrote. Masking replaces Secret values before any
//! comparison result leaves this module, so no output can contain them.

use serde_json::{Map, Value};

/// Metadata fields the server sets.
const SERVER_METADATA: &[&str] = &[
    "managedFields",
    "resourceVersion",
    "generation",
    "uid",
    "creationTimestamp",
    "selfLink",
    "deletionTimestamp",
    "deletionGracePeriodSeconds",
];

/// kubectl's client-side-apply record: a full copy of the object (Secret values included).
pub const LAST_APPLIED: &str = "kubectl.kubernetes.io/last-applied-configuration";

/// `object` without server-owned fields.
pub fn normalize(object: &Value) -> Value {
    let mut out = object.clone();
    let Some(map) = out.as_object_mut() else {
        return out;
    };
    map.remove("status");
    if let Some(meta) = map.get_mut("metadata").and_then(Value::as_object_mut) {
        for field in SERVER_METADATA {
            meta.remove(*field);
        }
        if let Some(annotations) = meta.get_mut("annotations").and_then(Value::as_object_mut) {
            annotations.remove(LAST_APPLIED);
        }
        for field in ["annotations", "labels"] {
            if meta
                .get(field)
                .is_some_and(|v| v.as_object().is_some_and(Map::is_empty) || v.is_null())
            {
                meta.remove(field);
            }
        }
    }
    out
}

/// Whether `object` is a core `Secret` (whose `data`/`stringData` must never be shown).
pub fn is_secret(object: &Value) -> bool {
    object["kind"] == "Secret" && object["apiVersion"] == "v1"
}

/// The placeholder of a Secret value that is the same on both sides.
pub const MASK: &str = "***";
/// The placeholders of a Secret value that differs between the sides.
pub const MASK_BEFORE: &str = "*** (before)";
pub const MASK_AFTER: &str = "*** (after)";

/// Replaces the values of Secret `data` and `stringData` on both sides with placeholders
/// that keep the comparison's outcome: equal values get the same placeholder, changed
/// values different ones, keys stay visible. Non-Secrets are left alone.
pub fn mask_secrets(before: Option<&mut Value>, after: Option<&mut Value>) {
    let before = before.filter(|v| is_secret(v));
    let after = after.filter(|v| is_secret(v));
    match (before, after) {
        (Some(b), Some(a)) => {
            for field in ["data", "stringData"] {
                let old = b.get(field).cloned();
                let new = a.get(field).cloned();
                if let Some(map) = b.get_mut(field).and_then(Value::as_object_mut) {
                    mask_map(map, new.as_ref(), MASK_BEFORE);
                }
                if let Some(map) = a.get_mut(field).and_then(Value::as_object_mut) {
                    mask_map(map, old.as_ref(), MASK_AFTER);
                }
            }
        }
        (Some(one), None) | (None, Some(one)) => {
            for field in ["data", "stringData"] {
                if let Some(map) = one.get_mut(field).and_then(Value::as_object_mut) {
                    mask_map(map, None, MASK);
                }
            }
        }
        (None, None) => {}
    }
}

fn mask_map(map: &mut Map<String, Value>, other: Option<&Value>, changed: &str) {
    for (key, value) in map.iter_mut() {
        let same = other.and_then(|o| o.get(key)) == Some(&*value);
        *value = Value::String(
            if same || other.is_none() {
                MASK
            } else {
                changed
            }
            .to_string(),
        );
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn drops_server_fields_only() {
        let live = json!({"apiVersion": "v1", "kind": "ConfigMap",
            "metadata": {"name": "a", "uid": "u", "resourceVersion": "7", "generation": 1,
                "creationTimestamp": "t", "managedFields": [],
                "annotations": {LAST_APPLIED: "{}"}, "labels": {"app": "a"}},
            "data": {"k": "v"}, "status": {}});
        assert_eq!(
            normalize(&live),
            json!({"apiVersion": "v1", "kind": "ConfigMap",
                "metadata": {"name": "a", "labels": {"app": "a"}}, "data": {"k": "v"}})
        );
    }

    #[test]
    fn masks_keep_the_outcome_and_hide_values() {
        let secret = |data: Value| {
            json!({"apiVersion": "v1", "kind": "Secret",
            "metadata": {"name": "s"}, "data": data})
        };
        let mut before = secret(json!({"same": "c2FtZQ==", "changed": "b2xk", "gone": "eA=="}));
        let mut after = secret(json!({"same": "c2FtZQ==", "changed": "bmV3", "added": "eQ=="}));
        mask_secrets(Some(&mut before), Some(&mut after));
        assert_eq!(
            before["data"],
            json!({"same": MASK, "changed": MASK_BEFORE, "gone": MASK_BEFORE})
        );
        assert_eq!(
            after["data"],
            json!({"same": MASK, "changed": MASK_AFTER, "added": MASK_AFTER})
        );
        let text = format!("{before}{after}");
        for value in ["c2FtZQ==", "b2xk", "bmV3", "eA==", "eQ=="] {
            assert!(!text.contains(value), "{value} leaked");
        }
    }
}

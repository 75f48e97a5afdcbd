//! `metadata.managedFields` as the API server reads and writes it (apimachinery
//! `managedfields/internal`): manager identity, decoding and encoding, entry order, the cap on
//! update entries (`ancient-changes`) and the fields that are never tracked.

use std::collections::BTreeMap;
use std::sync::OnceLock;

use serde_json::{Map, Value, json};

use super::fieldpath::{PathElement, Set};
use super::updater::{ManagedFields, VersionedSet};
use super::value::write_go_json_str;

/// Maximum number of `Update` entries kept; older ones are merged (`DefaultMaxUpdateManagers`).
pub(crate) const MAX_UPDATE_MANAGERS: usize = 10;

/// Decoded managed fields: sets and the time of each manager's last change.
#[derive(Debug, Clone, Default)]
pub(crate) struct Managed {
    pub(crate) fields: ManagedFields,
    pub(crate) times: BTreeMap<String, String>,
}

/// The parts of a manager identifier (SMD map key).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct ManagerId {
    pub(crate) manager: String,
    pub(crate) operation: String,
    pub(crate) api_version: String,
    pub(crate) subresource: String,
}

/// `BuildManagerIdentifier`: the entry's JSON without fields, time and (for appliers) version.
pub(crate) fn identifier(
    manager: &str,
    operation: &str,
    api_version: &str,
    subresource: &str,
) -> String {
    let mut out = String::from("{");
    let mut first = true;
    let mut field = |out: &mut String, name: &str, value: &str| {
        if value.is_empty() {
            return;
        }
        if !std::mem::take(&mut first) {
            out.push(',');
        }
        write_go_json_str(out, name);
        out.push(':');
        write_go_json_str(out, value);
    };
    field(&mut out, "manager", manager);
    field(&mut out, "operation", operation);
    if operation != "Apply" {
        field(&mut out, "apiVersion", api_version);
    }
    field(&mut out, "subresource", subresource);
    out.push('}');
    out
}

pub(crate) fn parse_identifier(id: &str) -> ManagerId {
    let v: Value = serde_json::from_str(id).unwrap_or(Value::Null);
    let get = |k: &str| v.get(k).and_then(Value::as_str).unwrap_or("").to_string();
    ManagerId {
        manager: get("manager"),
        operation: get("operation"),
        api_version: get("apiVersion"),
        subresource: get("subresource"),
    }
}

/// `isResetManagedFields`: `[]` or `[{}]` in a non-apply write clears all ownership.
pub(crate) fn is_reset(entries: &Value) -> bool {
    match entries {
        Value::Array(items) if items.is_empty() => true,
        Value::Array(items) if items.len() == 1 => {
            // Only an entry equal to the zero `ManagedFieldsEntry` counts.
            items[0].as_object().is_some_and(|o| {
                o.values().all(|v| match v {
                    Value::Null => true,
                    Value::String(s) => s.is_empty(),
                    _ => false,
                })
            })
        }
        _ => false,
    }
}

/// `DecodeManagedFields`.
pub(crate) fn decode(entries: Option<&Value>) -> Result<Managed, String> {
    let mut managed = Managed::default();
    let items = match entries {
        None | Some(Value::Null) => return Ok(managed),
        Some(Value::Array(items)) => items,
        Some(_) => return Err("managedFields must be a list".into()),
    };
    for (i, entry) in items.iter().enumerate() {
        let get = |k: &str| entry.get(k).and_then(Value::as_str).unwrap_or("");
        let operation = get("operation");
        if operation != "Apply" && operation != "Update" {
            return Err("operation must be `Apply` or `Update`".into());
        }
        let api_version = get("apiVersion");
        if api_version.is_empty() {
            return Err("apiVersion must not be empty".into());
        }
        match get("fieldsType") {
            "FieldsV1" => {}
            "" => return Err(format!("missing fieldsType in managed fields entry {i}")),
            other => {
                return Err(format!(
                    "invalid fieldsType {other:?} in managed fields entry {i}"
                ));
            }
        }
        let id = identifier(get("manager"), operation, api_version, get("subresource"));
        let set = match entry.get("fieldsV1") {
            Some(v) => Set::from_fields_v1(v)
                .map_err(|e| format!("error decoding versioned set from entry {i}: {}", e.0))?,
            None => Set::new(),
        };
        managed.fields.insert(
            id.clone(),
            VersionedSet {
                set,
                api_version: api_version.to_string(),
                applied: operation == "Apply",
            },
        );
        match entry.get("time").and_then(Value::as_str) {
            Some(t) => {
                managed.times.insert(id, t.to_string());
            }
            None => {
                managed.times.remove(&id);
            }
        }
    }
    Ok(managed)
}

/// Seconds since the epoch of an RFC 3339 time (0 when absent or unreadable, as upstream).
fn seconds(time: Option<&String>) -> i64 {
    time.and_then(|t| t.parse::<jiff::Timestamp>().ok())
        .map(|ts| ts.as_second())
        .unwrap_or(0)
}

/// `encodeManagedFields`: the entries in upstream order; `None` when nothing is managed.
pub(crate) fn encode(managed: &Managed) -> Option<Value> {
    if managed.fields.is_empty() {
        return None;
    }
    struct Row {
        id: ManagerId,
        time: Option<String>,
        entry: Value,
    }
    let mut rows: Vec<Row> = managed
        .fields
        .iter()
        .map(|(key, vs)| {
            let mut id = parse_identifier(key);
            id.api_version = vs.api_version.clone();
            if vs.applied {
                id.operation = "Apply".into();
            }
            let time = managed.times.get(key).cloned();
            let mut entry = Map::new();
            entry.insert("manager".into(), json!(id.manager));
            entry.insert("operation".into(), json!(id.operation));
            entry.insert("apiVersion".into(), json!(id.api_version));
            if let Some(t) = &time {
                entry.insert("time".into(), json!(t));
            }
            entry.insert("fieldsType".into(), json!("FieldsV1"));
            entry.insert("fieldsV1".into(), vs.set.to_fields_v1());
            if !id.subresource.is_empty() {
                entry.insert("subresource".into(), json!(id.subresource));
            }
            if id.manager.is_empty() {
                entry.remove("manager");
            }
            Row {
                id,
                time,
                entry: Value::Object(entry),
            }
        })
        .collect();
    rows.sort_by(|p, q| {
        p.id.operation
            .cmp(&q.id.operation)
            .then_with(|| seconds(p.time.as_ref()).cmp(&seconds(q.time.as_ref())))
            .then_with(|| p.id.manager.cmp(&q.id.manager))
            .then_with(|| p.id.api_version.cmp(&q.id.api_version))
            .then_with(|| p.id.subresource.cmp(&q.id.subresource))
    });
    Some(Value::Array(rows.into_iter().map(|r| r.entry).collect()))
}

/// Fields never tracked (`stripMetaManager`).
pub(crate) fn strip_set() -> &'static Set {
    static STRIP: OnceLock<Set> = OnceLock::new();
    STRIP.get_or_init(|| {
        let mut s = Set::new();
        s.insert(&[PathElement::field("apiVersion")]);
        s.insert(&[PathElement::field("kind")]);
        s.insert(&[PathElement::field("metadata")]);
        for f in [
            "name",
            "namespace",
            "creationTimestamp",
            "selfLink",
            "uid",
            "clusterName",
            "generation",
            "managedFields",
            "resourceVersion",
        ] {
            s.insert(&[PathElement::field("metadata"), PathElement::field(f)]);
        }
        s
    })
}

/// `capManagersManager`: merges the oldest update entries into `ancient-changes` per version.
pub(crate) fn cap_update_managers(managed: &mut Managed, max: usize) {
    let mut updaters: Vec<String> = managed
        .fields
        .iter()
        .filter(|(_, vs)| !vs.applied)
        .map(|(k, _)| k.clone())
        .collect();
    if updaters.len() <= max {
        return;
    }
    updaters.sort_by(|a, b| {
        let (ta, tb) = (seconds(managed.times.get(a)), seconds(managed.times.get(b)));
        ta.cmp(&tb).then_with(|| a.cmp(b))
    });
    let mut first_by_version: BTreeMap<String, String> = BTreeMap::new();
    let mut length = updaters.len();
    for manager in &updaters {
        if length <= max {
            break;
        }
        let Some(vs) = managed.fields.get(manager).cloned() else {
            continue;
        };
        let time = managed.times.get(manager).cloned();
        let bucket = identifier("ancient-changes", "Update", &vs.api_version, "");
        match first_by_version.get(&vs.api_version) {
            Some(first) => {
                if !managed.fields.contains_key(&bucket)
                    && let Some(s) = managed.fields.remove(first)
                {
                    managed.fields.insert(bucket.clone(), s);
                }
                let merged = match managed.fields.get(&bucket) {
                    Some(b) => vs.set.union(&b.set),
                    None => vs.set.clone(),
                };
                managed.fields.insert(
                    bucket.clone(),
                    VersionedSet {
                        set: merged,
                        api_version: vs.api_version.clone(),
                        applied: false,
                    },
                );
                managed.fields.remove(manager);
                length -= 1;
                match time {
                    Some(t) => {
                        managed.times.insert(bucket, t);
                    }
                    None => {
                        managed.times.remove(&bucket);
                    }
                }
            }
            None => {
                first_by_version.insert(vs.api_version.clone(), manager.clone());
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identifiers_match_upstream_json() {
        assert_eq!(
            identifier("kubectl-patch", "Update", "apps/v1", ""),
            r#"{"manager":"kubectl-patch","operation":"Update","apiVersion":"apps/v1"}"#
        );
        assert_eq!(
            identifier("kubectl", "Apply", "apps/v1", ""),
            r#"{"manager":"kubectl","operation":"Apply"}"#
        );
        assert_eq!(
            identifier("c", "Update", "v1", "status"),
            r#"{"manager":"c","operation":"Update","apiVersion":"v1","subresource":"status"}"#
        );
    }

    #[test]
    fn round_trips_and_sorts_entries() {
        let entries = json!([
            {"manager": "z", "operation": "Update", "apiVersion": "apps/v1",
             "time": "2026-01-01T00:00:02Z", "fieldsType": "FieldsV1", "fieldsV1": {"f:a": {}}},
            {"manager": "b", "operation": "Update", "apiVersion": "apps/v1",
             "time": "2026-01-01T00:00:01Z", "fieldsType": "FieldsV1", "fieldsV1": {"f:b": {}}},
            {"manager": "a", "operation": "Apply", "apiVersion": "apps/v1",
             "time": "2026-01-01T00:00:09Z", "fieldsType": "FieldsV1", "fieldsV1": {"f:c": {}}}
        ]);
        let managed = decode(Some(&entries)).expect("decodes");
        let out = encode(&managed).expect("non-empty");
        let names: Vec<&str> = out
            .as_array()
            .expect("list")
            .iter()
            .map(|e| e["manager"].as_str().unwrap_or(""))
            .collect();
        assert_eq!(names, vec!["a", "b", "z"]);
        assert!(
            decode(Some(
                &json!([{"operation": "Patch", "apiVersion": "v1", "fieldsType": "FieldsV1"}])
            ))
            .is_err()
        );
        assert!(decode(Some(&json!([{"operation": "Update", "apiVersion": "v1"}]))).is_err());
    }

    #[test]
    fn reset_forms() {
        assert!(is_reset(&json!([])));
        assert!(is_reset(&json!([{}])));
        assert!(!is_reset(&json!([{"manager": "x"}])));
        assert!(!is_reset(&json!(null)));
    }

    #[test]
    fn caps_update_entries_into_ancient_changes() {
        let mut managed = Managed::default();
        for i in 0..12 {
            let id = identifier(&format!("m{i:02}"), "Update", "apps/v1", "");
            let mut set = Set::new();
            set.insert(&[PathElement::field(&format!("f{i}"))]);
            managed.fields.insert(
                id.clone(),
                VersionedSet {
                    set,
                    api_version: "apps/v1".into(),
                    applied: false,
                },
            );
            managed
                .times
                .insert(id, format!("2026-01-01T00:00:{i:02}Z"));
        }
        cap_update_managers(&mut managed, MAX_UPDATE_MANAGERS);
        assert_eq!(managed.fields.len(), 10);
        let bucket = identifier("ancient-changes", "Update", "apps/v1", "");
        let merged = &managed.fields[&bucket].set;
        assert!(merged.has(&[PathElement::field("f0")]));
        assert!(merged.has(&[PathElement::field("f1")]));
        assert!(merged.has(&[PathElement::field("f2")]));
        assert_eq!(managed.times[&bucket], "2026-01-01T00:00:02Z");
    }
}

//! `meta.k8s.io/v1` Table responses (what `kubectl get` asks for first): the columns the real
//! server prints for the common kinds, Name/Age for the rest, rows carrying the object's
//! metadata (or the whole object with `includeObject=Object`).

use serde_json::{Value, json};

use super::catalog::{PrinterColumn, ResourceType};

/// kubectl's `HumanDuration` of a number of seconds.
pub fn human_duration(secs: i64) -> String {
    if secs < 0 {
        return "<invalid>".into();
    }
    let (m, h) = (secs / 60, secs / 3600);
    let d = h / 24;
    let y = d / 365;
    match () {
        _ if secs < 120 => format!("{secs}s"),
        _ if m < 10 && secs % 60 == 0 => format!("{m}m"),
        _ if m < 10 => format!("{m}m{}s", secs % 60),
        _ if m < 180 => format!("{m}m"),
        _ if h < 8 && m % 60 == 0 => format!("{h}h"),
        _ if h < 8 => format!("{h}h{}m", m % 60),
        _ if h < 48 => format!("{h}h"),
        _ if h < 192 && h % 24 == 0 => format!("{d}d"),
        _ if h < 192 => format!("{d}d{}h", h % 24),
        _ if d < 730 => format!("{d}d"),
        _ if y < 8 && d % 365 == 0 => format!("{y}y"),
        _ if y < 8 => format!("{y}y{}d", d % 365),
        _ => format!("{y}y"),
    }
}

fn age(object: &Value) -> String {
    let Some(created) = object["metadata"]["creationTimestamp"].as_str() else {
        return "<unknown>".into();
    };
    match created.parse::<jiff::Timestamp>() {
        Ok(t) => human_duration(jiff::Timestamp::now().as_second() - t.as_second()),
        Err(_) => "<unknown>".into(),
    }
}

fn int(v: &Value) -> i64 {
    v.as_i64().unwrap_or(0)
}

fn none_if_empty(s: String) -> String {
    if s.is_empty() { "<none>".into() } else { s }
}

/// (column name, type, priority) and the cells of one object, for one kind.
fn columns(rt: &ResourceType) -> Vec<(&'static str, &'static str, u8)> {
    let c = |n, t| (n, t, 0u8);
    let wide = |n, t| (n, t, 1u8);
    match (rt.group.as_str(), rt.resource.as_str(), rt.custom) {
        ("apps", "deployments", false) => vec![
            c("Ready", "string"),
            c("Up-to-date", "string"),
            c("Available", "string"),
            c("Age", "string"),
            wide("Containers", "string"),
            wide("Images", "string"),
        ],
        ("apps", "statefulsets", false) => vec![c("Ready", "string"), c("Age", "string")],
        ("apps", "replicasets", false) => {
            vec![
                c("Desired", "integer"),
                c("Current", "integer"),
                c("Ready", "integer"),
                c("Age", "string"),
            ]
        }
        ("apps", "daemonsets", false) => vec![
            c("Desired", "integer"),
            c("Current", "integer"),
            c("Ready", "integer"),
            c("Up-to-date", "integer"),
            c("Available", "integer"),
            c("Age", "string"),
        ],
        ("", "pods", false) => vec![
            c("Ready", "string"),
            c("Status", "string"),
            c("Restarts", "string"),
            c("Age", "string"),
            wide("IP", "string"),
        ],
        ("", "services", false) => vec![
            c("Type", "string"),
            c("Cluster-IP", "string"),
            c("External-IP", "string"),
            c("Port(s)", "string"),
            c("Age", "string"),
            wide("Selector", "string"),
        ],
        ("batch", "jobs", false) => vec![
            c("Status", "string"),
            c("Completions", "string"),
            c("Age", "string"),
        ],
        ("", "namespaces", false) => vec![c("Status", "string"), c("Age", "string")],
        ("apiextensions.k8s.io", "customresourcedefinitions", false) => {
            vec![c("Created At", "date")]
        }
        ("", "configmaps", false) => vec![c("Data", "integer"), c("Age", "string")],
        ("", "secrets", false) => vec![
            c("Type", "string"),
            c("Data", "integer"),
            c("Age", "string"),
        ],
        _ => vec![c("Age", "string")],
    }
}

fn cells(rt: &ResourceType, o: &Value) -> Vec<Value> {
    let (spec, status) = (&o["spec"], &o["status"]);
    let count = |v: &Value| v.as_object().map(|m| m.len()).unwrap_or(0);
    let containers = || {
        spec["template"]["spec"]["containers"]
            .as_array()
            .cloned()
            .unwrap_or_default()
    };
    let join = |field: &str| {
        containers()
            .iter()
            .filter_map(|c| c[field].as_str().map(String::from))
            .collect::<Vec<_>>()
            .join(",")
    };
    let mut row: Vec<Value> = match (rt.group.as_str(), rt.resource.as_str(), rt.custom) {
        ("apps", "deployments", false) => vec![
            json!(format!(
                "{}/{}",
                int(&status["readyReplicas"]),
                spec["replicas"].as_i64().unwrap_or(1)
            )),
            json!(int(&status["updatedReplicas"])),
            json!(int(&status["availableReplicas"])),
        ],
        ("apps", "statefulsets", false) => {
            vec![json!(format!(
                "{}/{}",
                int(&status["readyReplicas"]),
                spec["replicas"].as_i64().unwrap_or(1)
            ))]
        }
        ("apps", "replicasets", false) => {
            vec![
                json!(spec["replicas"].as_i64().unwrap_or(1)),
                json!(int(&status["replicas"])),
                json!(int(&status["readyReplicas"])),
            ]
        }
        ("apps", "daemonsets", false) => [
            "desiredNumberScheduled",
            "currentNumberScheduled",
            "numberReady",
            "updatedNumberScheduled",
            "numberAvailable",
        ]
        .iter()
        .map(|f| json!(int(&status[*f])))
        .collect(),
        ("", "pods", false) => {
            let statuses = status["containerStatuses"]
                .as_array()
                .cloned()
                .unwrap_or_default();
            let total = spec["containers"].as_array().map(Vec::len).unwrap_or(0);
            let ready = statuses.iter().filter(|c| c["ready"] == true).count();
            let restarts: i64 = statuses.iter().map(|c| int(&c["restartCount"])).sum();
            let waiting = statuses
                .iter()
                .find_map(|c| c["state"]["waiting"]["reason"].as_str().map(String::from));
            let phase = status["phase"].as_str().unwrap_or("Pending").to_string();
            vec![
                json!(format!("{ready}/{total}")),
                json!(waiting.unwrap_or(phase)),
                json!(restarts.to_string()),
            ]
        }
        ("", "services", false) => {
            let ports: Vec<String> = spec["ports"]
                .as_array()
                .into_iter()
                .flatten()
                .map(|p| match p["nodePort"].as_i64() {
                    Some(n) => format!(
                        "{}:{n}/{}",
                        int(&p["port"]),
                        p["protocol"].as_str().unwrap_or("TCP")
                    ),
                    None => format!(
                        "{}/{}",
                        int(&p["port"]),
                        p["protocol"].as_str().unwrap_or("TCP")
                    ),
                })
                .collect();
            vec![
                json!(spec["type"].as_str().unwrap_or("ClusterIP")),
                json!(none_if_empty(
                    spec["clusterIP"].as_str().unwrap_or("").to_string()
                )),
                json!("<none>"),
                json!(none_if_empty(ports.join(","))),
            ]
        }
        ("batch", "jobs", false) => {
            let has = |t: &str| {
                status["conditions"]
                    .as_array()
                    .is_some_and(|cs| cs.iter().any(|c| c["type"] == t && c["status"] == "True"))
            };
            let state = if has("Complete") {
                "Complete"
            } else if has("Failed") {
                "Failed"
            } else {
                "Running"
            };
            vec![
                json!(state),
                json!(format!(
                    "{}/{}",
                    int(&status["succeeded"]),
                    spec["completions"].as_i64().unwrap_or(1)
                )),
            ]
        }
        ("", "namespaces", false) => vec![json!(status["phase"].as_str().unwrap_or("Active"))],
        ("", "configmaps", false) => vec![json!(count(&o["data"]) + count(&o["binaryData"]))],
        ("", "secrets", false) => vec![
            json!(o["type"].as_str().unwrap_or("Opaque")),
            json!(count(&o["data"])),
        ],
        _ => vec![],
    };
    if rt.group == "apiextensions.k8s.io" && rt.resource == "customresourcedefinitions" {
        return vec![o["metadata"]["creationTimestamp"].clone()];
    }
    row.push(json!(age(o)));
    match (rt.group.as_str(), rt.resource.as_str(), rt.custom) {
        ("apps", "deployments", false) => {
            row.push(json!(join("name")));
            row.push(json!(join("image")));
        }
        ("", "pods", false) => row.push(json!(status["podIP"].as_str().unwrap_or("<none>"))),
        ("", "services", false) => {
            let sel: Vec<String> = spec["selector"]
                .as_object()
                .map(|m| {
                    m.iter()
                        .map(|(k, v)| format!("{k}={}", v.as_str().unwrap_or("")))
                        .collect()
                })
                .unwrap_or_default();
            row.push(json!(none_if_empty(sel.join(","))));
        }
        _ => {}
    }
    row
}

/// A Table of objects; `include` is the `includeObject` parameter (None, Metadata, Object).
pub fn table(
    rt: &ResourceType,
    objects: &[Value],
    resource_version: Option<String>,
    include: &str,
) -> Value {
    let mut defs = vec![json!({"name": "Name", "type": "string", "format": "name",
        "description": "Name must be unique within a namespace.", "priority": 0})];
    let custom_columns = !rt.printer_columns.is_empty();
    if custom_columns {
        defs.extend(rt.printer_columns.iter().map(|c| {
            json!({"name": c.name, "type": c.kind, "format": "", "description": c.name, "priority": c.priority})
        }));
    } else {
        defs.extend(columns(rt).into_iter().map(|(name, ty, priority)| {
            json!({"name": name, "type": ty, "format": "", "description": name, "priority": priority})
        }));
    }
    let rows: Vec<Value> = objects
        .iter()
        .map(|o| {
            let mut row_cells = vec![o["metadata"]["name"].clone()];
            if custom_columns {
                row_cells.extend(rt.printer_columns.iter().map(|c| printer_cell(c, o)));
            } else {
                row_cells.extend(cells(rt, o));
            }
            let object = match include {
                "None" => Value::Null,
                "Object" => o.clone(),
                _ => json!({"kind": "PartialObjectMetadata", "apiVersion": "meta.k8s.io/v1", "metadata": o["metadata"]}),
            };
            json!({"cells": row_cells, "object": object})
        })
        .collect();
    let mut metadata = json!({});
    if let Some(rv) = resource_version {
        metadata["resourceVersion"] = json!(rv);
    }
    json!({"kind": "Table", "apiVersion": "meta.k8s.io/v1", "metadata": metadata, "columnDefinitions": defs, "rows": rows})
}

/// One CRD printer column's cell: dates as ages, missing values as null (printed `<none>`).
fn printer_cell(column: &PrinterColumn, object: &Value) -> Value {
    match json_path(object, &column.json_path) {
        Some(Value::String(t)) if column.kind == "date" => match t.parse::<jiff::Timestamp>() {
            Ok(ts) => json!(human_duration(
                jiff::Timestamp::now().as_second() - ts.as_second()
            )),
            Err(_) => json!(t),
        },
        Some(v @ (Value::String(_) | Value::Number(_) | Value::Bool(_))) => v.clone(),
        Some(Value::Null) | None => Value::Null,
        Some(other) => json!(other.to_string()),
    }
}

/// The subset of JSONPath CRD printer columns use: `.field`, `[n]` and `[?(@.key=="value")]`.
fn json_path<'a>(object: &'a Value, path: &str) -> Option<&'a Value> {
    let path = path.trim().trim_start_matches('{').trim_end_matches('}');
    let mut current = object;
    let mut rest = path.strip_prefix('$').unwrap_or(path);
    while !rest.is_empty() {
        if let Some(after) = rest.strip_prefix('.') {
            let end = after.find(['.', '[']).unwrap_or(after.len());
            current = current.get(&after[..end])?;
            rest = &after[end..];
        } else if let Some(after) = rest.strip_prefix("[?(@.") {
            let end = after.find(")]")?;
            let (key, want) = after[..end].split_once("==")?;
            let want = want.trim().trim_matches(|c| c == '"' || c == '\'');
            current = current.as_array()?.iter().find(|item| {
                json_path(item, &format!(".{}", key.trim())).is_some_and(|v| match v {
                    Value::String(s) => s == want,
                    other => serde_json::from_str::<Value>(want).ok().as_ref() == Some(other),
                })
            })?;
            rest = &after[end + 2..];
        } else if let Some(after) = rest.strip_prefix('[') {
            let end = after.find(']')?;
            current = current.get(after[..end].trim().parse::<usize>().ok()?)?;
            rest = &after[end + 1..];
        } else {
            return None;
        }
    }
    Some(current)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn printer_column_paths() {
        let o = json!({"spec": {"size": 3, "ports": [{"port": 80}]},
            "status": {"conditions": [{"type": "Synced", "status": "False"}, {"type": "Ready", "status": "True"}]}});
        assert_eq!(json_path(&o, ".spec.size"), Some(&json!(3)));
        assert_eq!(json_path(&o, ".spec.ports[0].port"), Some(&json!(80)));
        assert_eq!(
            json_path(&o, r#".status.conditions[?(@.type=="Ready")].status"#),
            Some(&json!("True"))
        );
        assert_eq!(json_path(&o, ".status.missing"), None);
        assert_eq!(json_path(&o, "{.spec.size}"), Some(&json!(3)));
    }

    #[test]
    fn durations_read_like_kubectl() {
        assert_eq!(human_duration(5), "5s");
        assert_eq!(human_duration(119), "119s");
        assert_eq!(human_duration(150), "2m30s");
        assert_eq!(human_duration(600), "10m");
        assert_eq!(human_duration(3 * 3600 + 60), "3h1m");
        assert_eq!(human_duration(30 * 3600), "30h");
        assert_eq!(human_duration(3 * 86400 + 3600), "3d1h");
        assert_eq!(human_duration(100 * 86400), "100d");
    }

    #[test]
    fn deployment_rows() {
        let rt = crate::sandbox::catalog::Catalog::new()
            .find("apps", "v1", "deployments")
            .expect("builtin");
        let d = json!({"metadata": {"name": "web"}, "spec": {"replicas": 2,
            "template": {"spec": {"containers": [{"name": "c", "image": "nginx"}]}}},
            "status": {"readyReplicas": 1, "updatedReplicas": 2, "availableReplicas": 1}});
        let t = table(&rt, &[d], Some("5".into()), "Metadata");
        assert_eq!(t["rows"][0]["cells"][0], "web");
        assert_eq!(t["rows"][0]["cells"][1], "1/2");
        assert_eq!(t["rows"][0]["cells"][6], "nginx");
        assert_eq!(t["columnDefinitions"].as_array().map(Vec::len), Some(7));
    }
}

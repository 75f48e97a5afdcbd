//! Simulated controllers: after `rollout_delay`, workloads get the status a healthy cluster's
//! controllers would write (or a failed rollout's, when a pod template image matches the
//! failure pattern), as Update operations of `kube-controller-manager` on `/status`.

use std::collections::HashSet;
use std::sync::{Arc, Mutex};

use serde_json::{Map, Value, json};
use sha2::{Digest, Sha256};
use tokio::sync::broadcast::error::RecvError;
use tokio::task::JoinHandle;

use super::handlers::write_status;
use super::objects::now;
use super::server::AppState;
use super::store::{EventType, Key};

const MANAGER: &str = "kube-controller-manager";

/// (group, version, resource) of the kinds that get a simulated status.
const WATCHED: &[(&str, &str, &str)] = &[
    ("apps", "v1", "deployments"),
    ("apps", "v1", "statefulsets"),
    ("apps", "v1", "daemonsets"),
    ("apps", "v1", "replicasets"),
    ("batch", "v1", "jobs"),
    ("", "v1", "pods"),
    ("", "v1", "persistentvolumeclaims"),
];

fn watched(key: &Key) -> Option<&'static (&'static str, &'static str, &'static str)> {
    WATCHED.iter().find(|(g, _, r)| key.0 == *g && key.1 == *r)
}

/// Starts the controller loop; it runs until aborted.
pub fn start(state: Arc<AppState>) -> JoinHandle<()> {
    tokio::spawn(async move {
        let pending = Arc::new(Mutex::new(HashSet::new()));
        let mut rx = state.store.subscribe();
        resync(&state, &pending);
        loop {
            match rx.recv().await {
                Ok(event) if event.kind != EventType::Deleted => {
                    consider(&state, &pending, &event.key, &event.object)
                }
                Ok(_) => {}
                Err(RecvError::Lagged(_)) => resync(&state, &pending),
                Err(RecvError::Closed) => return,
            }
        }
    })
}

fn resync(state: &Arc<AppState>, pending: &Arc<Mutex<HashSet<Key>>>) {
    for (group, _, resource) in WATCHED {
        for (key, object) in state.store.list(group, resource, None).0 {
            consider(state, pending, &key, &object);
        }
    }
}

/// Schedules a status write after the rollout delay when the status is not yet the one wanted.
fn consider(state: &Arc<AppState>, pending: &Arc<Mutex<HashSet<Key>>>, key: &Key, object: &Value) {
    if watched(key).is_none() || object["metadata"]["deletionTimestamp"].is_string() {
        return;
    }
    match desired_status(state, key, object) {
        Some(status) if object.get("status") != Some(&status) => {}
        _ => return,
    }
    {
        let mut p = pending.lock().unwrap_or_else(|e| e.into_inner());
        if !p.insert(key.clone()) {
            return;
        }
    }
    let (state, pending, key) = (state.clone(), pending.clone(), key.clone());
    tokio::spawn(async move {
        tokio::time::sleep(state.rollout_delay).await;
        pending
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .remove(&key);
        reconcile(&state, &key).await;
    });
}

async fn reconcile(state: &AppState, key: &Key) {
    let Some((group, version, resource)) = watched(key) else {
        return;
    };
    let Some(rt) = state.catalog().find(group, version, resource) else {
        return;
    };
    let Some(object) = state.store.get(key) else {
        return;
    };
    let Some(status) = desired_status(state, key, &object) else {
        return;
    };
    if object.get("status") == Some(&status) {
        return;
    }
    if let Err(e) = write_status(state, &rt, key, status, MANAGER).await {
        tracing::warn!(name = %key.3, code = e.code, "simulated controller could not write status");
    }
}

fn images(pod_spec: &Value) -> Vec<String> {
    ["containers", "initContainers"]
        .iter()
        .filter_map(|f| pod_spec[*f].as_array())
        .flatten()
        .filter_map(|c| c["image"].as_str().map(String::from))
        .collect()
}

/// A condition, keeping the previous timestamps when nothing about it changed.
fn condition(
    prev: &Value,
    ty: &str,
    status: &str,
    reason: &str,
    message: &str,
    update_time: bool,
) -> Value {
    let old = prev["conditions"].as_array().and_then(|cs| {
        cs.iter().find(|c| {
            c["type"] == ty && c["status"] == status && c["reason"].as_str().unwrap_or("") == reason
        })
    });
    let time = |field: &str| {
        old.and_then(|c| c[field].as_str().map(String::from))
            .unwrap_or_else(now)
    };
    let mut c =
        json!({"type": ty, "status": status, "lastTransitionTime": time("lastTransitionTime")});
    if !reason.is_empty() {
        c["reason"] = json!(reason);
    }
    if !message.is_empty() {
        c["message"] = json!(message);
    }
    if update_time {
        c["lastUpdateTime"] = json!(time("lastUpdateTime"));
    }
    c
}

/// Drops zero counts, as the real status types' `omitempty` does.
fn compact(mut status: Value) -> Value {
    if let Some(map) = status.as_object_mut() {
        map.retain(|_, v| v.as_i64() != Some(0));
    }
    status
}

fn template_hash(template: &Value) -> String {
    const ALPHABET: &[u8] = b"bcdfghjklmnpqrstvwxz2456789";
    let digest = Sha256::digest(template.to_string().as_bytes());
    digest
        .iter()
        .take(10)
        .map(|b| ALPHABET[*b as usize % ALPHABET.len()] as char)
        .collect()
}

/// The status the real controller would settle on, or None for objects it leaves alone.
fn desired_status(state: &AppState, key: &Key, object: &Value) -> Option<Value> {
    let spec = &object["spec"];
    let prev = object.get("status").cloned().unwrap_or_else(|| json!({}));
    let generation = object["metadata"]["generation"].as_i64().unwrap_or(1);
    let name = key.3.as_str();
    let pod_spec = if key.1 == "pods" {
        spec
    } else {
        &spec["template"]["spec"]
    };
    let failing = images(pod_spec).iter().any(|i| state.failure.is_match(i));
    let replicas = spec["replicas"].as_i64().unwrap_or(1);
    let hash = template_hash(&spec["template"]);
    Some(match key.1.as_str() {
        "deployments" => deployment(
            &prev,
            generation,
            replicas,
            failing && replicas > 0,
            &format!("{name}-{hash}"),
        ),
        "statefulsets" => {
            let revision = format!("{name}-{hash}");
            let (ready, current) = if failing {
                (0, prev["currentReplicas"].as_i64().unwrap_or(0))
            } else {
                (replicas, replicas)
            };
            let current_revision = if failing {
                prev["currentRevision"]
                    .as_str()
                    .unwrap_or(&revision)
                    .to_string()
            } else {
                revision.clone()
            };
            let mut s = compact(
                json!({"observedGeneration": generation, "replicas": replicas, "readyReplicas": ready,
                "currentReplicas": current, "updatedReplicas": if failing { 0 } else { replicas }, "availableReplicas": ready}),
            );
            s["currentRevision"] = json!(current_revision);
            s["updateRevision"] = json!(revision);
            s["collisionCount"] = json!(0);
            s["replicas"] = json!(replicas);
            s
        }
        "daemonsets" => {
            let ready = i64::from(!failing);
            let mut s = compact(
                json!({"currentNumberScheduled": 1, "numberMisscheduled": 0, "numberReady": ready,
                "observedGeneration": generation, "updatedNumberScheduled": 1, "numberAvailable": ready,
                "numberUnavailable": 1 - ready}),
            );
            s["desiredNumberScheduled"] = json!(1);
            s["numberMisscheduled"] = json!(0);
            s["numberReady"] = json!(ready);
            s
        }
        "replicasets" => {
            let ready = if failing { 0 } else { replicas };
            let mut s = compact(
                json!({"replicas": replicas, "fullyLabeledReplicas": replicas, "readyReplicas": ready,
                "availableReplicas": ready, "observedGeneration": generation}),
            );
            s["replicas"] = json!(replicas);
            s
        }
        "jobs" => job(&prev, spec, failing)?,
        "pods" => pod(&prev, spec, failing),
        "persistentvolumeclaims" => {
            let mut s = json!({"phase": "Bound", "accessModes": spec["accessModes"]});
            if let Some(size) = spec["resources"]["requests"]["storage"].as_str() {
                s["capacity"] = json!({"storage": size});
            }
            s
        }
        _ => return None,
    })
}

fn deployment(prev: &Value, generation: i64, replicas: i64, failing: bool, rs_name: &str) -> Value {
    let (mut status, conditions) = if failing {
        let available = prev["availableReplicas"].as_i64().unwrap_or(0);
        let ready = prev["readyReplicas"].as_i64().unwrap_or(0);
        let status = json!({"observedGeneration": generation, "replicas": replicas + available, "updatedReplicas": replicas,
            "readyReplicas": ready, "availableReplicas": available, "unavailableReplicas": replicas});
        let available_condition = if available > 0 {
            condition(
                prev,
                "Available",
                "True",
                "MinimumReplicasAvailable",
                "Deployment has minimum availability.",
                true,
            )
        } else {
            condition(
                prev,
                "Available",
                "False",
                "MinimumReplicasUnavailable",
                "Deployment does not have minimum availability.",
                true,
            )
        };
        let progressing = condition(
            prev,
            "Progressing",
            "False",
            "ProgressDeadlineExceeded",
            &format!("ReplicaSet \"{rs_name}\" has timed out progressing."),
            true,
        );
        (status, vec![available_condition, progressing])
    } else {
        let status = json!({"observedGeneration": generation, "replicas": replicas, "updatedReplicas": replicas,
            "readyReplicas": replicas, "availableReplicas": replicas});
        let conditions = vec![
            condition(
                prev,
                "Available",
                "True",
                "MinimumReplicasAvailable",
                "Deployment has minimum availability.",
                true,
            ),
            condition(
                prev,
                "Progressing",
                "True",
                "NewReplicaSetAvailable",
                &format!("ReplicaSet \"{rs_name}\" has successfully progressed."),
                true,
            ),
        ];
        (status, conditions)
    };
    status = compact(status);
    status["conditions"] = Value::Array(conditions);
    status
}

fn job(prev: &Value, spec: &Value, failing: bool) -> Option<Value> {
    // A finished Job stays finished.
    let finished = prev["conditions"].as_array().is_some_and(|cs| {
        cs.iter()
            .any(|c| (c["type"] == "Complete" || c["type"] == "Failed") && c["status"] == "True")
    });
    if finished || spec["suspend"].as_bool() == Some(true) {
        return None;
    }
    let start = prev["startTime"]
        .as_str()
        .map(String::from)
        .unwrap_or_else(now);
    let mut s = Map::new();
    s.insert("startTime".into(), json!(start));
    s.insert("ready".into(), json!(0));
    s.insert("terminating".into(), json!(0));
    s.insert("uncountedTerminatedPods".into(), json!({}));
    let conditions = if failing {
        s.insert(
            "failed".into(),
            json!(spec["backoffLimit"].as_i64().unwrap_or(6) + 1),
        );
        let msg = "Job has reached the specified backoff limit";
        vec![
            condition(
                prev,
                "FailureTarget",
                "True",
                "BackoffLimitExceeded",
                msg,
                false,
            ),
            condition(prev, "Failed", "True", "BackoffLimitExceeded", msg, false),
        ]
    } else {
        s.insert(
            "succeeded".into(),
            json!(spec["completions"].as_i64().unwrap_or(1)),
        );
        s.insert("completionTime".into(), json!(now()));
        let msg = "Reached expected number of succeeded pods";
        vec![
            condition(
                prev,
                "SuccessCriteriaMet",
                "True",
                "CompletionsReached",
                msg,
                false,
            ),
            condition(prev, "Complete", "True", "CompletionsReached", msg, false),
        ]
    };
    s.insert("conditions".into(), Value::Array(conditions));
    Some(Value::Object(s))
}

fn pod(prev: &Value, spec: &Value, failing: bool) -> Value {
    let start = prev["startTime"]
        .as_str()
        .map(String::from)
        .unwrap_or_else(now);
    let ready = if failing { "False" } else { "True" };
    let statuses: Vec<Value> = spec["containers"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|c| {
            let state = if failing {
                json!({"waiting": {"reason": "CrashLoopBackOff", "message": "back-off restarting failed container"}})
            } else {
                json!({"running": {"startedAt": start}})
            };
            json!({"name": c["name"], "image": c["image"], "imageID": "", "ready": !failing,
                "started": !failing, "restartCount": if failing { 3 } else { 0 }, "state": state})
        })
        .collect();
    let reason = if failing { "ContainersNotReady" } else { "" };
    let ready_condition = |ty: &str| condition(prev, ty, ready, reason, "", false);
    json!({
        "phase": "Running",
        "conditions": [
            condition(prev, "Initialized", "True", "", "", false),
            ready_condition("Ready"),
            ready_condition("ContainersReady"),
            condition(prev, "PodScheduled", "True", "", "", false),
        ],
        "hostIP": "10.0.0.10", "podIP": "10.244.0.10", "startTime": start,
        "containerStatuses": statuses, "qosClass": "BestEffort",
    })
}

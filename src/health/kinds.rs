//! The kstatus rules of the built-in kinds that have a status worth waiting for.
//!
//! Replica counts default as the controllers default them (`spec.replicas` 1, status
//! counts 0). Messages follow kstatus' wording so they read the same as `kubectl` users know
//! them from cli-utils-based tools.

use serde_json::Value;

use super::rules::{condition, condition_is, int, text};
use super::{Health, Status};

/// How long a Pod may stay unschedulable before it counts as Failed (kstatus'
/// `ScheduleWindow`).
const SCHEDULE_WINDOW_SECS: i64 = 15;

pub fn deployment(obj: &Value) -> Health {
    // Without a progress deadline the controller never sets `Progressing`, so its absence
    // says nothing.
    let mut progressing = obj.pointer("/spec/progressDeadlineSeconds").is_none();
    if let Some(c) = condition(obj, "Progressing") {
        if c["reason"] == "ProgressDeadlineExceeded" {
            let detail = c["message"].as_str().unwrap_or("");
            return Health::failed(if detail.is_empty() {
                "Progress deadline exceeded".to_string()
            } else {
                format!("Progress deadline exceeded: {detail}")
            });
        }
        if c["status"] == "True" && c["reason"] == "NewReplicaSetAvailable" {
            progressing = true;
        }
    }
    let available = condition_is(obj, "Available", "True");
    let spec = int(obj, "/spec/replicas", 1);
    let replicas = int(obj, "/status/replicas", 0);
    let updated = int(obj, "/status/updatedReplicas", 0);
    let ready = int(obj, "/status/readyReplicas", 0);
    let avail = int(obj, "/status/availableReplicas", 0);
    if spec > replicas {
        return Health::in_progress(format!("Replicas: {replicas}/{spec}"));
    }
    if spec > updated {
        return Health::in_progress(format!("Updated: {updated}/{spec}"));
    }
    if replicas > spec {
        return Health::in_progress(format!("Pending termination: {}", replicas - spec));
    }
    if updated > avail {
        return Health::in_progress(format!("Available: {avail}/{updated}"));
    }
    if spec > ready {
        return Health::in_progress(format!("Ready: {ready}/{spec}"));
    }
    if !progressing {
        return Health::in_progress("ReplicaSet not Available");
    }
    if !available {
        return Health::in_progress("Deployment not Available");
    }
    Health::current(format!("Deployment is available. Replicas: {replicas}"))
}

pub fn stateful_set(obj: &Value) -> Health {
    if text(obj, "/spec/updateStrategy/type") == "OnDelete" {
        return Health::current("StatefulSet is using the ondelete update strategy");
    }
    let spec = int(obj, "/spec/replicas", 1);
    let ready = int(obj, "/status/readyReplicas", 0);
    let current = int(obj, "/status/currentReplicas", 0);
    let updated = int(obj, "/status/updatedReplicas", 0);
    let replicas = int(obj, "/status/replicas", 0);
    if spec > replicas {
        return Health::in_progress(format!("Replicas: {replicas}/{spec}"));
    }
    if spec > ready {
        return Health::in_progress(format!("Ready: {ready}/{spec}"));
    }
    if replicas > spec {
        return Health::in_progress(format!("Pending termination: {}", replicas - spec));
    }
    if let Some(partition) = obj
        .pointer("/spec/updateStrategy/rollingUpdate/partition")
        .and_then(Value::as_i64)
    {
        if updated < spec - partition {
            return Health::in_progress(format!("updated: {updated}/{}", spec - partition));
        }
        return Health::current(format!("Partition rollout complete. updated: {updated}"));
    }
    if spec > current {
        return Health::in_progress(format!("current: {current}/{spec}"));
    }
    if text(obj, "/status/currentRevision") != text(obj, "/status/updateRevision") {
        return Health::in_progress("Waiting for updated revision to match current");
    }
    Health::current(format!(
        "All replicas scheduled as expected. Replicas: {replicas}"
    ))
}

pub fn daemon_set(obj: &Value) -> Health {
    // The controller always writes these once it has seen the object; kstatus is strict
    // about them for DaemonSets only.
    if obj.pointer("/metadata/generation").is_none() {
        return Health::in_progress("DaemonSet metadata.generation not found");
    }
    if obj.pointer("/status/observedGeneration").is_none() {
        return Health::in_progress("DaemonSet status.observedGeneration not found");
    }
    let Some(desired) = obj
        .pointer("/status/desiredNumberScheduled")
        .and_then(Value::as_i64)
    else {
        return Health::in_progress("Missing .status.desiredNumberScheduled");
    };
    for (field, label) in [
        ("/status/currentNumberScheduled", "Current"),
        ("/status/updatedNumberScheduled", "Updated"),
        ("/status/numberAvailable", "Available"),
        ("/status/numberReady", "Ready"),
    ] {
        let n = int(obj, field, 0);
        if desired > n {
            return Health::in_progress(format!("{label}: {n}/{desired}"));
        }
    }
    Health::current(format!(
        "All replicas scheduled as expected. Replicas: {desired}"
    ))
}

pub fn replica_set(obj: &Value) -> Health {
    if condition_is(obj, "ReplicaFailure", "True") {
        return Health::in_progress("Replica Failure condition. Check Pods");
    }
    let spec = int(obj, "/spec/replicas", 1);
    for (field, label) in [
        ("/status/fullyLabeledReplicas", "Labelled"),
        ("/status/availableReplicas", "Available"),
        ("/status/readyReplicas", "Ready"),
    ] {
        let n = int(obj, field, 0);
        if spec > n {
            return Health::in_progress(format!("{label}: {n}/{spec}"));
        }
    }
    let replicas = int(obj, "/status/replicas", 0);
    if replicas > spec {
        return Health::in_progress(format!("Pending termination: {}", replicas - spec));
    }
    Health::current(format!("ReplicaSet is available. Replicas: {replicas}"))
}

pub fn job(obj: &Value) -> Health {
    let parallelism = int(obj, "/spec/parallelism", 1);
    let completions = int(obj, "/spec/completions", parallelism);
    let succeeded = int(obj, "/status/succeeded", 0);
    let failed = int(obj, "/status/failed", 0);
    let active = int(obj, "/status/active", 0);
    let conditions = obj
        .pointer("/status/conditions")
        .and_then(Value::as_array)
        .map(Vec::as_slice)
        .unwrap_or_default();
    for c in conditions.iter().filter(|c| c["status"] == "True") {
        match c["type"].as_str() {
            Some("Complete") => {
                return Health::current(format!(
                    "Job Completed. succeeded: {succeeded}/{completions}"
                ));
            }
            Some("Failed") => {
                return Health::failed(format!("Job Failed. failed: {failed}/{completions}"));
            }
            Some("Suspended") => return Health::current("Job is suspended"),
            _ => {}
        }
    }
    if text(obj, "/status/startTime").is_empty() {
        return Health::in_progress("Job not started");
    }
    Health::current(format!(
        "Job in progress. success:{succeeded}, active: {active}, failed: {failed}"
    ))
}

pub fn pod(obj: &Value, now: jiff::Timestamp) -> Health {
    let phase = text(obj, "/status/phase");
    match phase {
        "Succeeded" => return Health::current("Pod has completed successfully"),
        "Failed" => return Health::current("Pod has completed, but not successfully"),
        "Running" if condition_is(obj, "Ready", "True") => return Health::current("Pod is Ready"),
        _ => {}
    }
    // kstatus only looks at running pods; a crash-looping init container leaves the pod
    // Pending, and it will not recover on its own either.
    let crashing = crash_looping(obj);
    if !crashing.is_empty() {
        return Health::failed(format!(
            "Containers in CrashLoop state: {}",
            crashing.join(",")
        ));
    }
    match phase {
        "Running" => Health::in_progress("Pod is running but is not Ready"),
        "Pending" => {
            let unschedulable = condition(obj, "PodScheduled")
                .is_some_and(|c| c["status"] == "False" && c["reason"] == "Unschedulable");
            if !unschedulable {
                return Health::in_progress("Pod is in the Pending phase");
            }
            let created = text(obj, "/metadata/creationTimestamp")
                .parse::<jiff::Timestamp>()
                .ok();
            match created {
                Some(t) if now.as_second() - t.as_second() >= SCHEDULE_WINDOW_SECS => {
                    Health::failed("Pod could not be scheduled")
                }
                _ => Health::in_progress("Pod has not been scheduled"),
            }
        }
        "" => Health::in_progress("Pod phase not available"),
        other => Health::new(Status::InProgress, format!("Pod is in the {other} phase")),
    }
}

fn crash_looping(obj: &Value) -> Vec<String> {
    ["/status/initContainerStatuses", "/status/containerStatuses"]
        .iter()
        .filter_map(|p| obj.pointer(p).and_then(Value::as_array))
        .flatten()
        .filter(|cs| cs.pointer("/state/waiting/reason") == Some(&Value::from("CrashLoopBackOff")))
        .filter_map(|cs| cs["name"].as_str().map(String::from))
        .collect()
}

pub fn pvc(obj: &Value) -> Health {
    match text(obj, "/status/phase") {
        "Bound" => Health::current("PVC is Bound"),
        "" => Health::in_progress("PVC is not Bound. phase: unknown"),
        phase => Health::in_progress(format!("PVC is not Bound. phase: {phase}")),
    }
}

pub fn service(obj: &Value) -> Health {
    if text(obj, "/spec/type") == "LoadBalancer" && text(obj, "/spec/clusterIP").is_empty() {
        return Health::in_progress("ClusterIP not set. Service type: LoadBalancer");
    }
    Health::current("Service is ready")
}

pub fn crd(obj: &Value) -> Health {
    let conditions = obj
        .pointer("/status/conditions")
        .and_then(Value::as_array)
        .map(Vec::as_slice)
        .unwrap_or_default();
    for c in conditions {
        let why = || {
            format!(
                "{}: {}",
                c["reason"].as_str().unwrap_or(""),
                c["message"].as_str().unwrap_or("")
            )
        };
        if c["type"] == "NamesAccepted" && c["status"] == "False" {
            return Health::failed(why());
        }
        if c["type"] == "Established" {
            if c["status"] == "False" && c["reason"] != "Installing" {
                return Health::failed(why());
            }
            if c["status"] == "True" {
                return Health::current("CRD is established");
            }
        }
    }
    Health::in_progress("Install in progress")
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use crate::health::{Status, compute, compute_at};

    fn deploy(status: serde_json::Value) -> serde_json::Value {
        json!({"apiVersion": "apps/v1", "kind": "Deployment",
            "metadata": {"name": "web", "generation": 2},
            "spec": {"replicas": 2, "progressDeadlineSeconds": 600}, "status": status})
    }

    #[test]
    fn deployment_rollout_states() {
        let fresh = deploy(json!({}));
        assert_eq!(compute(&fresh).status, Status::InProgress);
        let unobserved = deploy(json!({"observedGeneration": 1, "replicas": 2,
            "updatedReplicas": 2, "readyReplicas": 2, "availableReplicas": 2}));
        assert_eq!(compute(&unobserved).status, Status::InProgress);
        let done = deploy(
            json!({"observedGeneration": 2, "replicas": 2, "updatedReplicas": 2,
            "readyReplicas": 2, "availableReplicas": 2, "conditions": [
                {"type": "Available", "status": "True"},
                {"type": "Progressing", "status": "True", "reason": "NewReplicaSetAvailable"}]}),
        );
        assert_eq!(compute(&done).status, Status::Current);
        let stuck = deploy(
            json!({"observedGeneration": 2, "replicas": 3, "updatedReplicas": 2,
            "conditions": [{"type": "Progressing", "status": "False",
                "reason": "ProgressDeadlineExceeded", "message": "timed out"}]}),
        );
        let h = compute(&stuck);
        assert_eq!(h.status, Status::Failed);
        assert!(h.message.contains("timed out"), "{}", h.message);
        let surging = deploy(
            json!({"observedGeneration": 2, "replicas": 3, "updatedReplicas": 2,
            "readyReplicas": 2, "availableReplicas": 2}),
        );
        assert_eq!(compute(&surging).message, "Pending termination: 1");
    }

    #[test]
    fn deleting_objects_are_terminating() {
        let mut d = deploy(json!({}));
        d["metadata"]["deletionTimestamp"] = json!("2026-01-01T00:00:00Z");
        assert_eq!(compute(&d).status, Status::Terminating);
    }

    #[test]
    fn statefulset_revisions_and_partitions() {
        let sts = |strategy: serde_json::Value, status: serde_json::Value| {
            json!({"apiVersion": "apps/v1", "kind": "StatefulSet", "metadata": {"name": "db"},
                "spec": {"replicas": 3, "updateStrategy": strategy}, "status": status})
        };
        let all = json!({"replicas": 3, "readyReplicas": 3, "currentReplicas": 3,
            "updatedReplicas": 3, "currentRevision": "a", "updateRevision": "b"});
        assert_eq!(
            compute(&sts(json!({}), all.clone())).status,
            Status::InProgress
        );
        let mut same = all.clone();
        same["updateRevision"] = json!("a");
        assert_eq!(compute(&sts(json!({}), same)).status, Status::Current);
        let partitioned = sts(json!({"rollingUpdate": {"partition": 2}}), all);
        assert_eq!(compute(&partitioned).status, Status::Current);
        let on_delete = sts(json!({"type": "OnDelete"}), json!({}));
        assert_eq!(compute(&on_delete).status, Status::Current);
    }

    #[test]
    fn daemonset_needs_observed_generation() {
        let ds = json!({"apiVersion": "apps/v1", "kind": "DaemonSet",
            "metadata": {"generation": 1}, "status": {"desiredNumberScheduled": 1,
            "currentNumberScheduled": 1, "updatedNumberScheduled": 1, "numberAvailable": 1,
            "numberReady": 1}});
        assert_eq!(compute(&ds).status, Status::InProgress);
        let mut observed = ds.clone();
        observed["status"]["observedGeneration"] = json!(1);
        assert_eq!(compute(&observed).status, Status::Current);
    }

    #[test]
    fn jobs_pods_claims_services_crds() {
        let job = |status: serde_json::Value| json!({"apiVersion": "batch/v1", "kind": "Job", "status": status});
        assert_eq!(compute(&job(json!({}))).status, Status::InProgress);
        assert_eq!(
            compute(&job(json!({"startTime": "2026-01-01T00:00:00Z"}))).status,
            Status::Current
        );
        assert_eq!(
            compute(&job(
                json!({"conditions": [{"type": "Failed", "status": "True"}]})
            ))
            .status,
            Status::Failed
        );

        let pod = |phase: &str, extra: serde_json::Value| {
            let mut p = json!({"apiVersion": "v1", "kind": "Pod",
                "metadata": {"creationTimestamp": "2026-01-01T00:00:00Z"},
                "status": {"phase": phase}});
            if let (Some(s), Some(e)) = (p["status"].as_object_mut(), extra.as_object()) {
                s.extend(e.clone());
            }
            p
        };
        let crash = pod(
            "Running",
            json!({"containerStatuses": [
            {"name": "app", "state": {"waiting": {"reason": "CrashLoopBackOff"}}}]}),
        );
        let h = compute(&crash);
        assert_eq!(
            (h.status, h.message.as_str()),
            (Status::Failed, "Containers in CrashLoop state: app")
        );
        let ready = pod(
            "Running",
            json!({"conditions": [{"type": "Ready", "status": "True"}]}),
        );
        assert_eq!(compute(&ready).status, Status::Current);
        let unschedulable = pod(
            "Pending",
            json!({"conditions": [
            {"type": "PodScheduled", "status": "False", "reason": "Unschedulable"}]}),
        );
        let created: jiff::Timestamp = "2026-01-01T00:00:00Z".parse().expect("timestamp");
        let early = created
            .checked_add(jiff::SignedDuration::from_secs(5))
            .expect("in range");
        let late = created
            .checked_add(jiff::SignedDuration::from_secs(20))
            .expect("in range");
        assert_eq!(compute_at(&unschedulable, early).status, Status::InProgress);
        assert_eq!(compute_at(&unschedulable, late).status, Status::Failed);

        let pvc = |phase: &str| json!({"apiVersion": "v1", "kind": "PersistentVolumeClaim", "status": {"phase": phase}});
        assert_eq!(compute(&pvc("Bound")).status, Status::Current);
        assert_eq!(compute(&pvc("Pending")).status, Status::InProgress);

        let lb = json!({"apiVersion": "v1", "kind": "Service", "spec": {"type": "LoadBalancer"}});
        assert_eq!(compute(&lb).status, Status::InProgress);

        let crd = |status: &str, reason: &str| {
            json!({"apiVersion": "apiextensions.k8s.io/v1",
            "kind": "CustomResourceDefinition", "status": {"conditions": [
                {"type": "Established", "status": status, "reason": reason}]}})
        };
        assert_eq!(
            compute(&crd("True", "InitialNamesAccepted")).status,
            Status::Current
        );
        assert_eq!(
            compute(&crd("False", "Installing")).status,
            Status::InProgress
        );
        assert_eq!(compute(&crd("False", "Broken")).status, Status::Failed);

        let cm = json!({"apiVersion": "v1", "kind": "ConfigMap"});
        assert_eq!(compute(&cm).status, Status::Current);
    }
}

//! Health: kstatus rules (Current / InProgress / Failed / Terminating) per kind.
//!
//! [`compute`] is a pure function of one object (as the API server returns it), picked by
//! kind as cli-utils' `kstatus` does, so a sync, `status` and the controller all agree on
//! what "healthy" means. [`wait`] polls the cluster until every object settles or a
//! timeout passes; it is the only part of this module that does I/O.

mod kinds;
mod rules;
pub mod wait;

use std::fmt;

use serde::Serialize;
use serde_json::Value;

pub use wait::{HealthReport, ObjectHealth, Progress, Target, WaitOptions};

/// The kstatus verdict on one object.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub enum Status {
    /// Reconciled: the live state is what the spec asks for.
    Current,
    /// Still converging (a rollout, a pending claim, a status not yet observed).
    InProgress,
    /// Will not converge without a change (deadline exceeded, crash loop, stalled).
    Failed,
    /// Being deleted.
    Terminating,
    /// Not in the cluster (deleted behind the sync's back, or never created).
    NotFound,
}

impl Status {
    /// Whether waiting longer could change the verdict.
    pub fn is_settled(self) -> bool {
        matches!(self, Status::Current | Status::Failed | Status::NotFound)
    }
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Status::Current => "Current",
            Status::InProgress => "InProgress",
            Status::Failed => "Failed",
            Status::Terminating => "Terminating",
            Status::NotFound => "NotFound",
        })
    }
}

/// The health of one object: a status and a human message saying why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Health {
    pub status: Status,
    pub message: String,
}

impl Health {
    pub fn new(status: Status, message: impl Into<String>) -> Health {
        Health {
            status,
            message: message.into(),
        }
    }

    pub fn current(message: impl Into<String>) -> Health {
        Health::new(Status::Current, message)
    }

    pub fn in_progress(message: impl Into<String>) -> Health {
        Health::new(Status::InProgress, message)
    }

    pub fn failed(message: impl Into<String>) -> Health {
        Health::new(Status::Failed, message)
    }
}

/// The health of `object` now (see [`compute_at`]).
pub fn compute(object: &Value) -> Health {
    compute_at(object, jiff::Timestamp::now())
}

/// The health of `object` at time `now` (only Pods' "unschedulable for 15 s" rule looks at
/// the clock), following kstatus `status.Compute` in its order: deletion, observed
/// generation, the generic `Reconciling`/`Stalled` conditions, then the kind's own rules.
pub fn compute_at(object: &Value, now: jiff::Timestamp) -> Health {
    if object
        .pointer("/metadata/deletionTimestamp")
        .is_some_and(|v| !v.is_null())
    {
        return Health::new(Status::Terminating, "Resource scheduled for deletion");
    }
    if let Some(health) = rules::generic(object) {
        return health;
    }
    let group = object["apiVersion"]
        .as_str()
        .and_then(|v| v.rsplit_once('/').map(|(g, _)| g))
        .unwrap_or("");
    let kind = object["kind"].as_str().unwrap_or("");
    match (group, kind) {
        ("apps", "Deployment") => kinds::deployment(object),
        ("apps", "StatefulSet") => kinds::stateful_set(object),
        ("apps", "DaemonSet") => kinds::daemon_set(object),
        ("apps", "ReplicaSet") => kinds::replica_set(object),
        ("batch", "Job") => kinds::job(object),
        ("", "Pod") => kinds::pod(object, now),
        ("", "PersistentVolumeClaim") => kinds::pvc(object),
        ("", "Service") => kinds::service(object),
        ("apiextensions.k8s.io", "CustomResourceDefinition") => kinds::crd(object),
        ("", "ConfigMap" | "Secret") | ("batch", "CronJob") | ("policy", "PodDisruptionBudget") => {
            Health::current("Resource is always ready")
        }
        _ => rules::ready_condition(object),
    }
}

//! Waiting for health: polls the objects of a sync until each has settled (Current, Failed
//! or gone) or the timeout passes, reporting progress as it goes.
//!
//! Objects are read with one LIST per (type, namespace) when several are pending there, else
//! one GET each; objects already Current are not read again.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use serde::Serialize;
use serde_json::Value;

use super::{Health, Status, compute};
use crate::cluster::{Cluster, Resource};
use crate::diff::ObjectId;

/// How long and how often to poll.
#[derive(Debug, Clone, PartialEq)]
pub struct WaitOptions {
    pub timeout: Duration,
    /// The first pause between polls; it grows to `max_interval`.
    pub interval: Duration,
    pub max_interval: Duration,
}

impl Default for WaitOptions {
    fn default() -> Self {
        WaitOptions {
            timeout: Duration::from_secs(300),
            interval: Duration::from_millis(100),
            max_interval: Duration::from_secs(2),
        }
    }
}

/// One object's health.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ObjectHealth {
    pub id: ObjectId,
    #[serde(flatten)]
    pub health: Health,
}

/// The health of a set of objects.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct HealthReport {
    pub objects: Vec<ObjectHealth>,
    /// The wait ended because the timeout passed.
    pub timed_out: bool,
    /// Reads that failed on the last poll (the statuses are then the last known ones).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<String>,
}

impl HealthReport {
    /// The worst status: Failed (or NotFound) over InProgress (or Terminating) over Current.
    pub fn overall(&self) -> Status {
        let has = |f: fn(Status) -> bool| self.objects.iter().any(|o| f(o.health.status));
        if has(|s| matches!(s, Status::Failed | Status::NotFound)) {
            Status::Failed
        } else if has(|s| matches!(s, Status::InProgress | Status::Terminating)) {
            Status::InProgress
        } else {
            Status::Current
        }
    }

    pub fn count(&self, status: Status) -> usize {
        self.objects
            .iter()
            .filter(|o| o.health.status == status)
            .count()
    }

    /// Objects that are not Current, worst first.
    pub fn unhealthy(&self) -> Vec<&ObjectHealth> {
        let mut out: Vec<&ObjectHealth> = self
            .objects
            .iter()
            .filter(|o| o.health.status != Status::Current)
            .collect();
        out.sort_by_key(|o| match o.health.status {
            Status::Failed | Status::NotFound => 0,
            _ => 1,
        });
        out
    }
}

/// Receives progress while waiting (the CLI draws a bar with it; the controller logs).
pub trait Progress: Send + Sync {
    fn update(&self, report: &HealthReport, elapsed: Duration);
}

/// An object to wait for: its id, its type, and its state as last seen (from the apply or
/// the live read), if any.
#[derive(Debug, Clone)]
pub struct Target {
    pub id: ObjectId,
    pub resource: Resource,
    pub last_seen: Option<Value>,
}

/// Waits until every target has settled or `options.timeout` passes.
pub async fn wait(
    cluster: &Cluster,
    targets: Vec<Target>,
    options: &WaitOptions,
    progress: Option<&dyn Progress>,
) -> HealthReport {
    let start = Instant::now();
    let mut states: Vec<Health> = targets
        .iter()
        .map(|t| match &t.last_seen {
            Some(object) => compute(object),
            None => Health::in_progress("Not yet read"),
        })
        .collect();
    let mut interval = options.interval;
    let mut errors = Vec::new();
    loop {
        let report = make_report(&targets, &states, false, errors.clone());
        if let Some(p) = progress {
            p.update(&report, start.elapsed());
        }
        if states.iter().all(|h| h.status.is_settled()) {
            return report;
        }
        if start.elapsed() >= options.timeout {
            return HealthReport {
                timed_out: true,
                ..report
            };
        }
        let left = options.timeout.saturating_sub(start.elapsed());
        tokio::time::sleep(interval.min(left)).await;
        interval = (interval * 3 / 2).min(options.max_interval);
        errors = poll(cluster, &targets, &mut states).await;
    }
}

/// Reads the health of `targets` once, without waiting.
pub async fn snapshot(cluster: &Cluster, targets: Vec<Target>) -> HealthReport {
    let mut states: Vec<Health> = targets
        .iter()
        .map(|_| Health::in_progress("Not yet read"))
        .collect();
    let errors = poll(cluster, &targets, &mut states).await;
    make_report(&targets, &states, false, errors)
}

fn make_report(
    targets: &[Target],
    states: &[Health],
    timed_out: bool,
    errors: Vec<String>,
) -> HealthReport {
    HealthReport {
        objects: targets
            .iter()
            .zip(states)
            .map(|(t, h)| ObjectHealth {
                id: t.id.clone(),
                health: h.clone(),
            })
            .collect(),
        timed_out,
        errors,
    }
}

/// Re-reads every unsettled target; returns the read errors.
async fn poll(cluster: &Cluster, targets: &[Target], states: &mut [Health]) -> Vec<String> {
    let mut groups: BTreeMap<(String, String, Option<String>), Vec<usize>> = BTreeMap::new();
    for (i, t) in targets.iter().enumerate() {
        if !matches!(states[i].status, Status::Current) {
            groups
                .entry((
                    t.resource.api_version(),
                    t.resource.plural.clone(),
                    t.id.namespace.clone(),
                ))
                .or_default()
                .push(i);
        }
    }
    let reads = groups.into_values().map(|indexes| async move {
        // Every group was created with its first index.
        let first = &targets[indexes[0]];
        let ns = first.id.namespace.as_deref();
        if indexes.len() > 2 {
            let listed = cluster.list(&first.resource, ns, None).await;
            let result = listed.map(|items| {
                indexes
                    .iter()
                    .map(|&i| {
                        let found = items.iter().find(|o| {
                            o.pointer("/metadata/name").and_then(Value::as_str)
                                == Some(targets[i].id.name.as_str())
                        });
                        (i, found.map(compute))
                    })
                    .collect::<Vec<_>>()
            });
            result.map_err(|e| e.to_string())
        } else {
            let mut out = Vec::new();
            for &i in &indexes {
                let t = &targets[i];
                match cluster.get(&t.resource, ns, &t.id.name).await {
                    Ok(found) => out.push((i, found.as_ref().map(compute))),
                    Err(e) => return Err(e.to_string()),
                }
            }
            Ok(out)
        }
    });
    let mut errors = Vec::new();
    for result in futures::future::join_all(reads).await {
        match result {
            Ok(found) => {
                for (i, health) in found {
                    states[i] =
                        health.unwrap_or_else(|| Health::new(Status::NotFound, "Object not found"));
                }
            }
            Err(e) => errors.push(e),
        }
    }
    errors
}

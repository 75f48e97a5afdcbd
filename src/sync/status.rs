//! `converge status`: what an environment's ApplySet parent says was last synced, whether
//! git has moved on since (by input closure digest, so unrelated commits do not count),
//! drift between live and desired, and the health of every object.

use serde::Serialize;
use serde_json::Value;

use super::error::SyncError;
use super::plan::{PlanOptions, plan};
use crate::cluster::Cluster;
use crate::diff::{ChangeSet, ObjectChange};
use crate::environment::Environment;
use crate::health::{self, Health, HealthReport, ObjectHealth, Status};

/// What converge recorded about the last sync.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Synced {
    pub revision: Option<String>,
    pub digest: Option<String>,
    pub result: Option<String>,
}

/// The state of one environment.
#[derive(Debug, Clone, Serialize)]
pub struct EnvironmentStatus {
    pub environment: String,
    /// `None` when the environment was never synced to this cluster.
    pub synced: Option<Synced>,
    pub head_revision: Option<String>,
    pub head_digest: String,
    /// Git has changed the environment's inputs since the last sync.
    pub out_of_date: bool,
    /// Objects where live differs from desired (missing ones and leftovers included).
    pub drift: Vec<ObjectChange>,
    pub health: HealthReport,
}

impl EnvironmentStatus {
    pub fn drifted(&self) -> bool {
        !self.drift.is_empty()
    }
}

/// Reads the status of `env`, rendered at the head as `objects` with `head_digest`.
pub async fn status(
    cluster: &Cluster,
    env: &Environment,
    objects: &[Value],
    head_revision: Option<String>,
    head_digest: String,
    options: &PlanOptions,
) -> Result<EnvironmentStatus, SyncError> {
    let plan = plan(cluster, env, objects, options).await?;
    let synced = plan.parent.exists.then(|| Synced {
        revision: plan.parent.record.revision.clone(),
        digest: plan.parent.record.digest.clone(),
        result: plan.parent.record.result.clone(),
    });
    let out_of_date = synced
        .as_ref()
        .is_none_or(|s| s.digest.as_deref() != Some(head_digest.as_str()));
    let change_set: ChangeSet = plan.change_set();
    let drift = change_set.changed().cloned().collect();
    let health = HealthReport {
        objects: plan
            .objects
            .iter()
            .map(|o| ObjectHealth {
                id: o.prepared.id.clone(),
                health: match &o.live {
                    Some(live) => health::compute(live),
                    None => Health::new(Status::NotFound, "Object not found"),
                },
            })
            .collect(),
        timed_out: false,
        errors: Vec::new(),
    };
    Ok(EnvironmentStatus {
        environment: env.metadata.name.clone(),
        synced,
        head_revision,
        head_digest,
        out_of_date,
        drift,
        health,
    })
}

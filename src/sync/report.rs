//! What a sync did: the values the CLI prints and the controller records.

use serde::Serialize;

use crate::apply::Applied;
use crate::diff::{ChangeSet, ObjectId, PolicyResult};
use crate::health::HealthReport;
use crate::prune::Pruned;

/// How a sync ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum SyncResult {
    /// Everything applied, pruned and healthy (or, for a dry run, planned without errors).
    Succeeded,
    /// A policy denied the environment; nothing was written.
    PolicyDenied,
    /// Pruning would exceed the budget; nothing was written.
    PruneRefused,
    /// Some objects could not be applied (conflicts, invalid objects); nothing was pruned.
    ApplyFailed,
    /// Some members could not be deleted.
    PruneFailed,
    /// An object's health is Failed.
    HealthFailed,
    /// Objects were still in progress when the health timeout passed.
    HealthTimeout,
}

impl SyncResult {
    pub fn as_str(self) -> &'static str {
        match self {
            SyncResult::Succeeded => "Succeeded",
            SyncResult::PolicyDenied => "PolicyDenied",
            SyncResult::PruneRefused => "PruneRefused",
            SyncResult::ApplyFailed => "ApplyFailed",
            SyncResult::PruneFailed => "PruneFailed",
            SyncResult::HealthFailed => "HealthFailed",
            SyncResult::HealthTimeout => "HealthTimeout",
        }
    }

    pub fn succeeded(self) -> bool {
        self == SyncResult::Succeeded
    }
}

/// The report of one sync.
#[derive(Debug, Clone, Serialize)]
pub struct SyncReport {
    pub environment: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub revision: Option<String>,
    /// The input closure digest of the render that was synced.
    pub digest: String,
    pub dry_run: bool,
    pub result: SyncResult,
    /// The plan: what differed before the sync.
    pub changes: ChangeSet,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub policy: Option<PolicyResult>,
    /// Objects written (only those whose dry run differed from live).
    pub applied: Vec<Applied>,
    pub pruned: Vec<Pruned>,
    /// Members that left git but were kept, and why.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub kept: Vec<(ObjectId, String)>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub health: Option<HealthReport>,
    /// Why the sync did not succeed, one line per problem.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub problems: Vec<String>,
    /// API requests sent (retries included) and how many were retries.
    pub requests: u64,
    pub retries: u64,
}

impl SyncReport {
    /// Writes made to the cluster: applied objects, deletions.
    pub fn writes(&self) -> usize {
        self.applied.iter().filter(|a| a.ok()).count()
            + self.pruned.iter().filter(|p| p.error.is_none()).count()
    }
}

//! Planning a sync: prepare the rendered objects, read the ApplySet parent, dry-run every
//! object against the cluster and find the members that left git. The plan is what
//! `converge diff` prints and what `converge sync` carries out.

use std::collections::{BTreeSet, HashSet};

use serde_json::Value;

use super::error::SyncError;
use crate::apply::prepare;
use crate::cluster::Cluster;
use crate::diff::{ChangeSet, LiveObject, LiveOptions, ObjectChange, ObjectId, live};
use crate::environment::Environment;
use crate::prune::{self, ApplySet, Members, ParentState, PrunePlan};

/// How to plan.
#[derive(Debug, Clone)]
pub struct PlanOptions {
    /// Requests in flight.
    pub concurrency: usize,
    /// Override the environment's `sync.forceConflicts`.
    pub force_conflicts: Option<bool>,
}

impl Default for PlanOptions {
    fn default() -> Self {
        PlanOptions {
            concurrency: 8,
            force_conflicts: None,
        }
    }
}

/// What a sync of one environment would do.
#[derive(Debug, Clone)]
pub struct Plan {
    pub environment: String,
    pub set: ApplySet,
    pub parent: ParentState,
    pub objects: Vec<LiveObject>,
    pub members: Members,
    pub prune: PrunePlan,
    /// Whether the environment prunes at all (`sync.prune`).
    pub prune_enabled: bool,
}

impl Plan {
    /// Every change, the prunes included when pruning is enabled.
    pub fn change_set(&self) -> ChangeSet {
        let mut changes: Vec<ObjectChange> =
            self.objects.iter().map(|o| o.change.clone()).collect();
        if self.prune_enabled {
            for member in &self.prune.candidates {
                changes.push(ObjectChange::compare(
                    member.id.clone(),
                    Some(&member.object),
                    None,
                ));
            }
        }
        ChangeSet::new(self.environment.clone(), changes)
    }

    /// `Kind.group` of every desired object.
    pub fn group_kinds(&self) -> BTreeSet<String> {
        self.objects
            .iter()
            .map(|o| o.prepared.id.group_kind())
            .collect()
    }

    /// Namespaces of the desired namespaced objects (and the parent's).
    pub fn namespaces(&self) -> BTreeSet<String> {
        let mut out: BTreeSet<String> = self
            .objects
            .iter()
            .filter_map(|o| o.prepared.id.namespace.clone())
            .collect();
        out.insert(self.set.namespace.clone());
        out
    }

    /// Entries the server refused to dry-run (conflicts, invalid objects, other sets').
    pub fn blocked(&self) -> Vec<&ObjectChange> {
        self.objects
            .iter()
            .map(|o| &o.change)
            .filter(|c| c.is_blocked())
            .collect()
    }
}

/// Plans a sync of `env` (rendered as `objects`) against `cluster`.
pub async fn plan(
    cluster: &Cluster,
    env: &Environment,
    objects: &[Value],
    options: &PlanOptions,
) -> Result<Plan, SyncError> {
    let environment = env.metadata.name.clone();
    let set = ApplySet::for_environment(&environment, &env.spec.target.namespace);
    let prepared =
        prepare(cluster, objects, &env.spec.target.namespace, &set).map_err(|source| {
            SyncError::Prepare {
                environment: environment.clone(),
                source: Box::new(source),
            }
        })?;
    let parent = prune::read_parent(cluster, &set)
        .await
        .map_err(|source| SyncError::ApplySet {
            environment: environment.clone(),
            source: Box::new(source),
        })?;
    let live_options = LiveOptions {
        field_manager: crate::cluster::FIELD_MANAGER.to_string(),
        force: options
            .force_conflicts
            .unwrap_or(env.spec.sync.force_conflicts),
        concurrency: options.concurrency,
        applyset_id: set.id.clone(),
    };
    let (objects, members) = tokio::join!(
        live(cluster, &prepared, &live_options),
        prune::list_members(cluster, &set, &parent)
    );
    let objects = objects.map_err(|source| SyncError::Cluster {
        environment: environment.clone(),
        source: Box::new(source),
    })?;
    let members = members.map_err(|source| SyncError::ApplySet {
        environment: environment.clone(),
        source: Box::new(source),
    })?;
    for gk in &members.unserved {
        tracing::warn!(%environment, group_kind = %gk, "the ApplySet lists a kind the cluster no longer serves; its members are gone with it");
    }
    let desired: HashSet<ObjectId> = objects.iter().map(|o| o.prepared.id.clone()).collect();
    let prune = prune::plan(&set, &members.members, &desired);
    Ok(Plan {
        environment,
        set,
        parent,
        objects,
        members,
        prune,
        prune_enabled: env.spec.sync.prune,
    })
}

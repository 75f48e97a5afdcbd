//! One unit of work on one environment, run on the worker pool: a reconcile (input check,
//! render, sync, rollback) or a drift check (and heal). Jobs report to the status
//! board, the metrics and the cluster's Events themselves, and hand the session a small
//! [`JobDone`] saying what to remember and whether to retry.

use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;
use std::time::Instant;

use serde_json::Value;
use tokio::sync::Semaphore;

use super::Shared;
use super::events::{self, EventType, Note};
use super::job_rollback::{RollbackStep, rollback};
use super::metrics::Metrics;
use super::pipeline::{ApplySet, ObjectKey, SyncRequest, Unhealthy, Verdict};
use super::prepare::{Prepared, Previous, prepare};
use super::repo::Snapshot;
use super::status::{self, Phase, SyncSummary};
use super::stop::StopSignal;
use crate::environment::Environment;

/// What the last completed reconcile of an environment left behind: enough to skip
/// unchanged revisions and to check drift without rendering again.
pub struct Applied {
    pub environment: Environment,
    pub objects: Vec<Value>,
    index: HashMap<ObjectKey, usize>,
    /// What its render and its policy gate read.
    pub inputs: Previous,
    pub applyset: ApplySet,
    /// The objects were applied (not blocked by policy, not manual).
    pub applied: bool,
    /// The verdict: Synced, Unhealthy, Blocked, Manual or OtherCluster.
    pub phase: Phase,
}

impl Applied {
    fn new(
        environment: Environment,
        objects: Vec<Value>,
        inputs: Previous,
        applyset: ApplySet,
        applied: bool,
        phase: Phase,
    ) -> Applied {
        let index = objects
            .iter()
            .enumerate()
            .filter_map(|(i, o)| ObjectKey::of(o).map(|k| (k, i)))
            .collect();
        Applied {
            environment,
            objects,
            index,
            inputs,
            applyset,
            applied,
            phase,
        }
    }

    /// The desired object a live object stands for (rendered objects may leave the
    /// namespace to the environment's default).
    pub fn desired(&self, live: &ObjectKey) -> Option<&Value> {
        let found = self.index.get(live).or_else(|| {
            (live.namespace == self.environment.spec.target.namespace)
                .then(|| self.index.get(&live.without_namespace()))
                .flatten()
        });
        found.and_then(|&i| self.objects.get(i))
    }

    /// The kinds this environment contains.
    pub fn kinds(&self) -> BTreeSet<super::drift::Gvk> {
        self.objects
            .iter()
            .filter_map(super::drift::gvk_of)
            .collect()
    }
}

/// How a job ended, for the session.
pub enum Outcome {
    /// Nothing changed since the last reconcile (or no drift).
    Unchanged,
    /// These inputs are dealt with (synced, blocked or manual); remember them.
    Recorded(Arc<Applied>),
    /// Retry with backoff.
    Failed,
    /// Stopped before finishing; redo in the next session.
    Abandoned,
}

pub struct JobDone {
    pub name: String,
    pub snapshot: Option<Arc<Snapshot>>,
    pub outcome: Outcome,
    /// The failing commit a rollback was made (or declined) for.
    pub rolled_back: Option<String>,
    /// Drift keys checked by a drift job.
    pub drift_keys: Vec<ObjectKey>,
}

/// Everything a job needs.
pub struct JobContext {
    pub shared: Arc<Shared>,
    pub name: String,
    pub client: kube::Client,
    pub stop: StopSignal,
    pub workers: Arc<Semaphore>,
}

impl JobContext {
    pub(super) fn note(
        &self,
        parent: &ApplySet,
        kind: EventType,
        reason: &'static str,
        message: String,
    ) -> impl Future<Output = ()> + use<> {
        let client = self.client.clone();
        let parent = parent.parent.clone();
        let identity = self.shared.config.identity.clone();
        async move {
            let note = Note {
                kind,
                reason,
                message,
            };
            events::record(&client, &parent, &note, &identity).await;
        }
    }

    pub(super) fn fail(&self, stage: &str, message: String) {
        tracing::warn!(env = %self.name, stage, error = %message, "reconcile failed");
        self.shared.metrics.failed(&self.name, stage);
        self.shared.status.update_env(&self.name, |s| {
            s.phase = Phase::Failed;
            s.error = Some(format!("{stage}: {message}"));
        });
    }
}

/// Reconciles environment `ctx.name` at `snapshot`.
pub async fn reconcile(
    ctx: JobContext,
    snapshot: Arc<Snapshot>,
    previous: Option<Arc<Applied>>,
    rolled_back_before: bool,
) -> JobDone {
    let done = |outcome, rolled_back| JobDone {
        name: ctx.name.clone(),
        snapshot: Some(Arc::clone(&snapshot)),
        outcome,
        rolled_back,
        drift_keys: Vec::new(),
    };
    let Ok(_permit) = Arc::clone(&ctx.workers).acquire_owned().await else {
        return done(Outcome::Abandoned, None);
    };
    if ctx.stop.is_stopped() {
        return done(Outcome::Abandoned, None);
    }
    let revision = snapshot.revision();
    ctx.shared
        .status
        .update_env(&ctx.name, |s| s.revision = Some(revision.clone()));

    let prepared = {
        let snapshot = Arc::clone(&snapshot);
        let name = ctx.name.clone();
        let previous = previous.clone();
        tokio::task::spawn_blocking(move || {
            prepare(&snapshot, &name, previous.as_ref().map(|p| &p.inputs))
        })
        .await
    };
    let render = match prepared {
        Ok(Prepared::Unchanged) => {
            ctx.shared
                .metrics
                .renders_skipped
                .get_or_create(&Metrics::env(&ctx.name))
                .inc();
            // The inputs are those of the last reconcile: its verdict stands for this
            // revision too (the commit may have undone a change that failed).
            let phase = previous.as_ref().map(|p| p.phase);
            ctx.shared.status.update_env(&ctx.name, |s| {
                s.renders_skipped += 1;
                s.failures = 0;
                s.next_retry_seconds = None;
                if let Some(phase) = phase {
                    if s.phase != phase {
                        s.phase = phase;
                        s.error = None;
                    }
                    if matches!(phase, Phase::Synced | Phase::Unhealthy) {
                        s.synced_revision = Some(revision.clone());
                    }
                }
            });
            return done(Outcome::Unchanged, None);
        }
        Ok(Prepared::Failed { stage, message }) => {
            ctx.fail(stage, message);
            return done(Outcome::Failed, None);
        }
        Ok(Prepared::Rendered(render)) => render,
        Err(join) => {
            ctx.fail("render", format!("the render task failed: {join}"));
            return done(Outcome::Failed, None);
        }
    };
    ctx.shared
        .metrics
        .renders
        .get_or_create(&Metrics::env(&ctx.name))
        .inc();
    let render = *render;
    let applyset = ctx.shared.syncer.applyset(&render.environment);
    // The render's closure digest, as the sync records it on the ApplySet parent.
    let digest = render.rendered.closure.digest();
    ctx.shared.status.update_env(&ctx.name, |s| {
        s.renders += 1;
        s.closure_digest = Some(digest.clone());
    });
    let record = |render: super::prepare::Render, phase: Phase| {
        let objects = render.rendered.objects();
        let applied = matches!(phase, Phase::Synced | Phase::Unhealthy);
        let inputs = Previous {
            closure: render.rendered.closure.clone(),
            policies: render.environment.spec.policies.clone(),
            policy_digest: render.policy_digest,
        };
        Arc::new(Applied::new(
            render.environment,
            objects,
            inputs,
            applyset.clone(),
            applied,
            phase,
        ))
    };

    let target = render.environment.spec.target.context.as_deref();
    let hold = if !ctx.shared.config.targets_here(target) {
        Some(Phase::OtherCluster)
    } else if !render.environment.spec.sync.automated {
        Some(Phase::Manual)
    } else {
        None
    };
    if let Some(phase) = hold {
        ctx.shared.status.update_env(&ctx.name, |s| {
            s.phase = phase;
            s.error = None;
            s.failures = 0;
            s.next_retry_seconds = None;
        });
        return done(Outcome::Recorded(record(render, phase)), None);
    }

    ctx.shared
        .status
        .update_env(&ctx.name, |s| s.phase = Phase::Syncing);
    let started = Instant::now();
    let result = ctx
        .shared
        .syncer
        .sync(SyncRequest {
            client: &ctx.client,
            environment: &render.environment,
            rendered: Arc::clone(&render.rendered),
            source: Arc::clone(&render.source),
            revision: &revision,
            stop: &ctx.stop,
        })
        .await;
    let outcome = match result {
        Ok(outcome) => outcome,
        Err(failure) => {
            ctx.fail(&failure.stage, failure.message.clone());
            ctx.note(
                &applyset,
                EventType::Warning,
                "SyncFailed",
                format!("sync of {} failed: {failure}", short(&revision)),
            )
            .await;
            return done(Outcome::Failed, None);
        }
    };
    let elapsed = started.elapsed();
    let result_label = match &outcome.verdict {
        Verdict::Healthy => "healthy",
        Verdict::Unhealthy { .. } => "unhealthy",
        Verdict::PolicyDenied { .. } => "denied",
        Verdict::Abandoned => "abandoned",
    };
    ctx.shared
        .metrics
        .syncs
        .get_or_create(&Metrics::env_result(&ctx.name, result_label))
        .inc();
    let summary = SyncSummary {
        revision: revision.clone(),
        at: status::now(),
        duration_ms: u64::try_from(elapsed.as_millis()).unwrap_or(u64::MAX),
        applied: outcome.applied,
        unchanged: outcome.unchanged,
        pruned: outcome.pruned,
    };
    match &outcome.verdict {
        Verdict::Abandoned => {
            tracing::info!(env = %ctx.name, "sync abandoned at a safe point (stopping)");
            ctx.shared.status.update_env(&ctx.name, |s| {
                s.phase = Phase::Pending;
                s.error =
                    Some("sync abandoned at a safe point (the controller was stopping)".into());
            });
            done(Outcome::Abandoned, None)
        }
        Verdict::PolicyDenied { summary } => {
            let message = format!("policy denied revision {}: {summary}", short(&revision));
            tracing::warn!(env = %ctx.name, %message, "blocked");
            ctx.shared.metrics.failed(&ctx.name, "policy");
            ctx.shared.status.update_env(&ctx.name, |s| {
                s.phase = Phase::Blocked;
                s.error = Some(message.clone());
                s.failures = 0;
                s.next_retry_seconds = None;
            });
            ctx.note(&applyset, EventType::Warning, "PolicyDenied", message)
                .await;
            done(Outcome::Recorded(record(render, Phase::Blocked)), None)
        }
        Verdict::Healthy => {
            observe(&ctx, elapsed);
            tracing::info!(env = %ctx.name, revision = %short(&revision), applied = outcome.applied, pruned = outcome.pruned, "synced");
            ctx.shared.status.update_env(&ctx.name, |s| {
                s.phase = Phase::Synced;
                s.synced_revision = Some(revision.clone());
                s.last_sync = Some(summary);
                s.unhealthy.clear();
                s.error = None;
                s.failures = 0;
                s.next_retry_seconds = None;
                s.drift.objects.clear();
            });
            if outcome.applied + outcome.pruned > 0 {
                let message = format!(
                    "synced {}: {} applied, {} unchanged, {} pruned; healthy",
                    short(&revision),
                    outcome.applied,
                    outcome.unchanged,
                    outcome.pruned
                );
                ctx.note(&applyset, EventType::Normal, "Synced", message)
                    .await;
            }
            done(Outcome::Recorded(record(render, Phase::Synced)), None)
        }
        Verdict::Unhealthy { objects } => {
            observe(&ctx, elapsed);
            let evidence = evidence(objects);
            tracing::warn!(env = %ctx.name, revision = %short(&revision), %evidence, "health check failed");
            ctx.shared.metrics.failed(&ctx.name, "health");
            ctx.shared.status.update_env(&ctx.name, |s| {
                s.phase = Phase::Unhealthy;
                s.synced_revision = Some(revision.clone());
                s.last_sync = Some(summary);
                s.unhealthy = objects.clone();
                s.error = Some(format!("health check failed: {evidence}"));
                s.failures = 0;
                s.next_retry_seconds = None;
                s.drift.objects.clear();
            });
            ctx.note(
                &applyset,
                EventType::Warning,
                "Unhealthy",
                format!(
                    "health check failed after syncing {}: {evidence}",
                    short(&revision)
                ),
            )
            .await;
            let mut rolled_back = None;
            if render.environment.spec.rollback.on_failed_health {
                match rollback(
                    &ctx,
                    &snapshot,
                    &revision,
                    objects,
                    rolled_back_before,
                    &applyset,
                )
                .await
                {
                    RollbackStep::Done(failing) => rolled_back = failing,
                    RollbackStep::Retry => return done(Outcome::Failed, None),
                }
            }
            done(
                Outcome::Recorded(record(render, Phase::Unhealthy)),
                rolled_back,
            )
        }
    }
}

fn observe(ctx: &JobContext, elapsed: std::time::Duration) {
    ctx.shared
        .metrics
        .sync_duration
        .get_or_create(&Metrics::env(&ctx.name))
        .observe(elapsed.as_secs_f64());
    ctx.shared
        .metrics
        .drift
        .get_or_create(&Metrics::env(&ctx.name))
        .set(0);
}

/// `Deployment ml/api: Failed (Progressing=False ...); ...`
pub fn evidence(objects: &[Unhealthy]) -> String {
    objects
        .iter()
        .map(|o| {
            if o.message.is_empty() {
                format!("{}: {}", o.object, o.status)
            } else {
                format!("{}: {} ({})", o.object, o.status, o.message)
            }
        })
        .collect::<Vec<_>>()
        .join("; ")
}

pub fn short(revision: &str) -> &str {
    if revision.len() == 40 && revision.bytes().all(|b| b.is_ascii_hexdigit()) {
        &revision[..12]
    } else {
        revision
    }
}

//! The rollback step of a reconcile: after a sync's health check failed in an environment
//! that asks for it, revert the synced change through [`Revert`](super::pipeline::Revert)
//! (on a blocking thread), record the outcome (status, metrics, an Event) and fetch at once
//! so the reverted state is reconciled like any commit. A commit is never rolled back twice.

use std::sync::Arc;

use super::events::EventType;
use super::job::{JobContext, evidence, short};
use super::metrics::Metrics;
use super::pipeline::{ApplySet, RevertOutcome, RevertRequest, Unhealthy};
use super::repo::Snapshot;
use super::status::{self, MAX_ROLLBACK_RECORDS, RollbackRecord};

/// What the reconcile does after the rollback step.
pub enum RollbackStep {
    /// Nothing more to do; the failing commit a rollback was made or declined for.
    Done(Option<String>),
    /// The revert failed: retry the whole reconcile with backoff.
    Retry,
}

/// Reverts the change that made the environment unhealthy, unless already done for it.
pub async fn rollback(
    ctx: &JobContext,
    snapshot: &Snapshot,
    revision: &str,
    objects: &[Unhealthy],
    rolled_back_before: bool,
    applyset: &ApplySet,
) -> RollbackStep {
    let label = |result: &str| Metrics::env_result(&ctx.name, result);
    let Some(failing) = snapshot.commit() else {
        ctx.shared
            .metrics
            .rollbacks
            .get_or_create(&label("skipped"))
            .inc();
        tracing::warn!(env = %ctx.name, "cannot roll back: the watched directory is not in a git repository");
        return RollbackStep::Done(None);
    };
    if rolled_back_before {
        // This commit was already reverted (or declined): never twice.
        ctx.shared
            .metrics
            .rollbacks
            .get_or_create(&label("skipped"))
            .inc();
        return RollbackStep::Done(None);
    }
    let request = RevertRequest {
        environment: ctx.name.clone(),
        failing: failing.clone(),
        reason: format!(
            "health check failed after syncing {}: {}",
            short(revision),
            evidence(objects)
        ),
    };
    let reverter = Arc::clone(&ctx.shared.reverter);
    let result = tokio::task::spawn_blocking(move || reverter.revert(&request)).await;
    let outcome = match result {
        Ok(Ok(outcome)) => outcome,
        Ok(Err(failure)) => {
            ctx.shared
                .metrics
                .rollbacks
                .get_or_create(&label("failed"))
                .inc();
            ctx.fail("rollback", failure.message.clone());
            ctx.note(
                applyset,
                EventType::Warning,
                "RollbackFailed",
                format!("could not revert: {failure}"),
            )
            .await;
            return RollbackStep::Retry;
        }
        Err(join) => {
            ctx.shared
                .metrics
                .rollbacks
                .get_or_create(&label("failed"))
                .inc();
            ctx.fail("rollback", format!("the rollback task failed: {join}"));
            return RollbackStep::Retry;
        }
    };
    let (result_label, kind, reason, message) = match &outcome {
        RevertOutcome::Reverted { commit, reverted } => (
            "reverted",
            EventType::Normal,
            "RolledBack",
            format!(
                "reverted {} with {} after a failed health check",
                short(reverted),
                short(commit)
            ),
        ),
        RevertOutcome::Declined { reason } => (
            "declined",
            EventType::Warning,
            "RollbackDeclined",
            format!("no automatic rollback: {reason}"),
        ),
    };
    tracing::info!(env = %ctx.name, %message, "rollback");
    ctx.shared
        .metrics
        .rollbacks
        .get_or_create(&label(result_label))
        .inc();
    let record = RollbackRecord {
        at: status::now(),
        failing: failing.clone(),
        outcome: outcome.clone(),
    };
    ctx.shared.status.update_env(&ctx.name, |s| {
        s.rollbacks.push(record);
        let excess = s.rollbacks.len().saturating_sub(MAX_ROLLBACK_RECORDS);
        s.rollbacks.drain(..excess);
    });
    ctx.note(applyset, kind, reason, message).await;
    if matches!(outcome, RevertOutcome::Reverted { .. }) {
        // Fetch the pushed revert at once: the loop reconciles it like any commit.
        ctx.shared.fetch_now.notify_one();
    }
    RollbackStep::Done(Some(failing))
}

//! The drift job: check the objects the self-heal watch saw change against git (the live
//! diff of the sync pipeline), re-apply the drifted ones when the environment self-heals,
//! else report them (status, metrics, an Event).

use std::sync::Arc;

use serde_json::Value;

use super::events::EventType;
use super::job::{Applied, JobContext, JobDone, Outcome};
use super::metrics::Metrics;
use super::pipeline::ObjectKey;
use super::status;

/// Checks `keys` of environment `ctx.name` for drift and heals them when it self-heals.
pub async fn check_drift(ctx: JobContext, applied: Arc<Applied>, keys: Vec<ObjectKey>) -> JobDone {
    let done = |outcome| JobDone {
        name: ctx.name.clone(),
        snapshot: None,
        outcome,
        rolled_back: None,
        drift_keys: keys.clone(),
    };
    let Ok(_permit) = Arc::clone(&ctx.workers).acquire_owned().await else {
        return done(Outcome::Abandoned);
    };
    if ctx.stop.is_stopped() {
        return done(Outcome::Abandoned);
    }
    let objects: Vec<Value> = keys
        .iter()
        .filter_map(|k| applied.desired(k).cloned())
        .collect();
    if objects.is_empty() {
        return done(Outcome::Unchanged);
    }
    let env = &applied.environment;
    let drifted = match ctx.shared.syncer.drifted(&ctx.client, env, &objects).await {
        Ok(drifted) => drifted,
        Err(failure) => {
            tracing::warn!(env = %ctx.name, error = %failure, "drift check failed");
            ctx.shared.metrics.failed(&ctx.name, "drift");
            return done(Outcome::Failed);
        }
    };
    let drifted_objects: Vec<Value> = drifted
        .iter()
        .filter_map(|k| applied.desired(k).cloned())
        .collect();
    let names: Vec<String> = drifted.iter().map(ToString::to_string).collect();
    let checked: Vec<String> = keys.iter().map(ToString::to_string).collect();
    let gauge = ctx
        .shared
        .metrics
        .drift
        .get_or_create_owned(&Metrics::env(&ctx.name));
    if drifted.is_empty() {
        ctx.shared.status.update_env(&ctx.name, |s| {
            s.drift.objects.retain(|o| !checked.contains(o));
            s.drift.last_checked = Some(status::now());
            gauge.set(i64::try_from(s.drift.objects.len()).unwrap_or(i64::MAX));
        });
        return done(Outcome::Unchanged);
    }
    if env.spec.sync.self_heal {
        match ctx
            .shared
            .syncer
            .heal(&ctx.client, env, &drifted_objects)
            .await
        {
            Ok(written) => {
                let corrected = drifted.len() as u64;
                tracing::info!(env = %ctx.name, objects = %names.join(", "), written, "drift corrected");
                ctx.shared
                    .metrics
                    .drift_corrected
                    .get_or_create(&Metrics::env(&ctx.name))
                    .inc_by(corrected);
                ctx.shared.status.update_env(&ctx.name, |s| {
                    s.drift.objects.retain(|o| !checked.contains(o));
                    s.drift.corrected += corrected;
                    s.drift.last_checked = Some(status::now());
                    gauge.set(i64::try_from(s.drift.objects.len()).unwrap_or(i64::MAX));
                });
                ctx.note(
                    &applied.applyset,
                    EventType::Normal,
                    "DriftCorrected",
                    format!(
                        "re-applied objects changed outside git: {}",
                        names.join(", ")
                    ),
                )
                .await;
                done(Outcome::Unchanged)
            }
            Err(failure) => {
                tracing::warn!(env = %ctx.name, error = %failure, "self-heal failed");
                ctx.shared.metrics.failed(&ctx.name, "heal");
                gauge.set(i64::try_from(drifted.len()).unwrap_or(i64::MAX));
                done(Outcome::Failed)
            }
        }
    } else {
        tracing::info!(env = %ctx.name, objects = %names.join(", "), "drift detected (self-heal is off)");
        ctx.shared.status.update_env(&ctx.name, |s| {
            s.drift.objects.retain(|o| !checked.contains(o));
            s.drift.objects.extend(names.iter().cloned());
            s.drift.objects.sort();
            s.drift.last_checked = Some(status::now());
            gauge.set(i64::try_from(s.drift.objects.len()).unwrap_or(i64::MAX));
        });
        ctx.note(
            &applied.applyset,
            EventType::Warning,
            "Drifted",
            format!(
                "live objects differ from git (self-heal is off): {}",
                names.join(", ")
            ),
        )
        .await;
        done(Outcome::Unchanged)
    }
}

//! The fetch loop: brings the repository up to date every interval, at once when poked
//! (a webhook, a rollback), or when the watched directory changes, and publishes the newest
//! [`Snapshot`]. Pokes coalesce: a flood of webhooks costs one fetch in flight and one
//! queued. Fetch failures back off but never stop the loop.

use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::sync::{Notify, watch};

use super::backoff::Backoff;
use super::metrics::{Metrics, ResultLabel};
use super::path_watch::PathWatch;
use super::repo::{Mirror, Snapshot, redact_url};
use super::status::{self, StatusBoard};
use super::stop::StopSignal;

/// Where snapshots come from.
pub enum Follower {
    Mirror(Mirror),
    Path {
        dir: std::path::PathBuf,
        watch: PathWatch,
        debounce: Duration,
    },
}

/// Everything the loop reports to.
pub struct FetchContext {
    pub interval: Duration,
    pub credentials: crate::git::Credentials,
    pub poke: Arc<Notify>,
    pub snapshots: watch::Sender<Option<Arc<Snapshot>>>,
    pub metrics: Arc<Metrics>,
    pub status: Arc<StatusBoard>,
    pub stop: StopSignal,
}

fn count(metrics: &Metrics, result: &str, started: Instant) {
    metrics
        .git_fetches
        .get_or_create(&ResultLabel {
            result: result.into(),
        })
        .inc();
    metrics
        .git_fetch_duration
        .observe(started.elapsed().as_secs_f64());
}

/// Runs until stopped.
pub async fn run(mut follower: Follower, ctx: FetchContext) {
    let backoff = Backoff::default();
    let mut failures = 0u32;
    let mut generation = 0u64;
    let mut watching = true;
    loop {
        let started = Instant::now();
        let snapshot = match &follower {
            Follower::Mirror(mirror) => {
                let mirror = mirror.clone();
                let credentials = ctx.credentials.clone();
                let fetched = tokio::task::spawn_blocking(move || {
                    mirror
                        .fetch(&credentials)
                        .map(|commit| (commit, mirror.path().to_path_buf()))
                })
                .await;
                match fetched {
                    Ok(Ok((commit, repo))) => Ok(Snapshot::Commit { repo, commit }),
                    Ok(Err(e)) => Err(e.to_string()),
                    Err(e) => Err(format!("the fetch task failed: {e}")),
                }
            }
            Follower::Path { dir, .. } => {
                generation += 1;
                Ok(Snapshot::WorkTree {
                    dir: dir.clone(),
                    generation,
                })
            }
        };
        let wait = match snapshot {
            Ok(snapshot) => {
                count(&ctx.metrics, "success", started);
                failures = 0;
                let revision = snapshot.revision();
                let is_new = ctx.snapshots.borrow().as_ref().is_none_or(|current| {
                    **current != snapshot || matches!(snapshot, Snapshot::WorkTree { .. })
                });
                ctx.status.update_controller(|c| {
                    c.ready = true;
                    c.revision = Some(revision.clone());
                    c.last_fetch = Some(status::now());
                    c.fetch_error = None;
                });
                if is_new {
                    tracing::info!(%revision, "new revision");
                    ctx.snapshots.send_replace(Some(Arc::new(snapshot)));
                }
                ctx.interval
            }
            Err(message) => {
                count(&ctx.metrics, "failure", started);
                failures += 1;
                let delay = backoff.delay(failures).min(ctx.interval);
                let shown = match &follower {
                    Follower::Mirror(_) => redact_url(&message),
                    Follower::Path { .. } => message.clone(),
                };
                tracing::warn!(error = %shown, retry_in = ?delay, "fetch failed");
                ctx.status
                    .update_controller(|c| c.fetch_error = Some(shown));
                delay
            }
        };
        let stopped = match &mut follower {
            Follower::Mirror(_) => tokio::select! {
                _ = tokio::time::sleep(wait) => false,
                _ = ctx.poke.notified() => false,
                _ = ctx.stop.stopped() => true,
            },
            Follower::Path {
                watch, debounce, ..
            } => {
                let debounce = *debounce;
                tokio::select! {
                    _ = tokio::time::sleep(wait) => false,
                    _ = ctx.poke.notified() => false,
                    changed = watch.next_change(debounce), if watching => {
                        if !changed {
                            tracing::warn!("the directory watch ended; rescanning every interval only");
                            watching = false;
                        }
                        false
                    }
                    _ = ctx.stop.stopped() => true,
                }
            }
        };
        if stopped {
            return;
        }
    }
}

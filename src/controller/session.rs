//! A leading session: while this replica leads, reconcile every environment of the newest
//! snapshot on a bounded worker pool, one job per environment at a time; retry failures
//! with backoff; turn watch events into debounced drift checks. A session ends when
//! leadership is lost or the controller stops: running jobs are told to stop (a sync then
//! abandons before pruning) and are waited for, up to the shutdown grace.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::sync::Arc;
use std::time::Instant;

use tokio::sync::{Semaphore, mpsc, watch};
use tokio::task::JoinSet;

use super::Shared;
use super::counting;
use super::drift::{DriftEvent, DriftWatches};
use super::job::{self, Applied, JobContext, JobDone, Outcome};
use super::job_drift;
use super::pipeline::ObjectKey;
use super::repo::Snapshot;
use super::status::Phase;
use super::stop::StopSignal;

/// The session's view of one environment.
#[derive(Default)]
struct Slot {
    /// A job for this environment is running.
    busy: bool,
    /// A snapshot this environment still has to be reconciled at.
    wanted: Option<Arc<Snapshot>>,
    /// Consecutive failures, and when the next attempt is due.
    failures: u32,
    retry_at: Option<Instant>,
    /// The last completed reconcile.
    done: Option<Arc<Applied>>,
    /// Failing commits already rolled back (or declined): never twice.
    rolled_back: HashSet<String>,
    /// Objects with news from the watch, and when to check them.
    drift_pending: BTreeSet<ObjectKey>,
    drift_due: Option<Instant>,
    drift_failures: u32,
    /// Content hash of each watched object, as last seen.
    hashes: HashMap<ObjectKey, u64>,
    client: Option<kube::Client>,
}

struct Session {
    shared: Arc<Shared>,
    stop: StopSignal,
    workers: Arc<Semaphore>,
    slots: BTreeMap<String, Slot>,
    /// ApplySet id → environment.
    by_applyset: HashMap<String, String>,
    jobs: JoinSet<JobDone>,
    watches: DriftWatches,
}

/// Runs a session until `stop`.
pub async fn run(
    shared: Arc<Shared>,
    mut snapshots: watch::Receiver<Option<Arc<Snapshot>>>,
    stop: StopSignal,
) {
    let (drift_tx, mut drift_rx) = mpsc::channel(4096);
    let mut session = Session {
        workers: Arc::new(Semaphore::new(shared.config.workers.max(1))),
        watches: DriftWatches::new(shared.client.clone(), drift_tx),
        shared,
        stop: stop.clone(),
        slots: BTreeMap::new(),
        by_applyset: HashMap::new(),
        jobs: JoinSet::new(),
    };
    let first = snapshots.borrow_and_update().clone();
    if let Some(snapshot) = first {
        session.on_snapshot(snapshot).await;
    }
    loop {
        session.watches.flush_if_due();
        session.pump();
        let due = [session.next_due(), session.watches.due()]
            .into_iter()
            .flatten()
            .min();
        tokio::select! {
            biased;
            _ = stop.stopped() => break,
            changed = snapshots.changed() => {
                if changed.is_err() {
                    break;
                }
                let snapshot = snapshots.borrow_and_update().clone();
                if let Some(snapshot) = snapshot {
                    session.on_snapshot(snapshot).await;
                }
            }
            Some(result) = session.jobs.join_next(), if !session.jobs.is_empty() => {
                match result {
                    Ok(done) => session.on_done(done),
                    Err(error) => tracing::error!(%error, "a reconcile task failed"),
                }
            }
            Some(event) = drift_rx.recv() => session.on_drift(event),
            _ = sleep_until(due), if due.is_some() => {}
        }
    }
    session.drain().await;
}

async fn sleep_until(due: Option<Instant>) {
    if let Some(due) = due {
        tokio::time::sleep_until(tokio::time::Instant::from_std(due)).await;
    }
}

impl Session {
    async fn on_snapshot(&mut self, snapshot: Arc<Snapshot>) {
        let listed = {
            let snapshot = Arc::clone(&snapshot);
            tokio::task::spawn_blocking(move || snapshot.environments()).await
        };
        let names = match listed {
            Ok(Ok(names)) => names
                .into_iter()
                .filter(|name| self.shared.config.selects(name))
                .collect::<Vec<_>>(),
            Ok(Err(message)) => {
                tracing::warn!(revision = %snapshot.revision(), error = %message, "cannot list environments");
                self.shared
                    .status
                    .update_controller(|c| c.fetch_error = Some(message));
                return;
            }
            Err(error) => {
                tracing::error!(%error, "listing environments failed");
                return;
            }
        };
        self.shared
            .metrics
            .environments
            .set(i64::try_from(names.len()).unwrap_or(i64::MAX));
        let removed: Vec<String> = self
            .slots
            .keys()
            .filter(|name| !names.contains(name))
            .cloned()
            .collect();
        for name in removed {
            tracing::warn!(env = %name, "environment removed from the repository; its objects are left in place");
            if let Some(slot) = self.slots.remove(&name)
                && let Some(done) = &slot.done
            {
                self.by_applyset.remove(&done.applyset.id);
            }
            self.watches.remove(&name);
            self.shared
                .metrics
                .drift
                .remove(&super::metrics::Metrics::env(&name));
            self.shared.status.update_env(&name, |s| {
                s.phase = Phase::Removed;
                s.error = None;
            });
        }
        for name in names {
            let slot = self.slots.entry(name.clone()).or_default();
            slot.wanted = Some(Arc::clone(&snapshot));
            // A new revision may be the fix: try it now rather than after the backoff.
            slot.retry_at = None;
            self.shared.status.update_env(&name, |s| {
                s.revision = Some(snapshot.revision());
            });
        }
    }

    /// Starts every job that can start.
    fn pump(&mut self) {
        let now = Instant::now();
        let names: Vec<String> = self.slots.keys().cloned().collect();
        for name in names {
            let Some(slot) = self.slots.get_mut(&name) else {
                continue;
            };
            if slot.busy || self.stop.is_stopped() {
                continue;
            }
            let client = slot
                .client
                .get_or_insert_with(|| {
                    counting::client_for(&self.shared.client, &name, &self.shared.metrics)
                })
                .clone();
            let ctx = JobContext {
                shared: Arc::clone(&self.shared),
                name: name.clone(),
                client,
                stop: self.stop.clone(),
                workers: Arc::clone(&self.workers),
            };
            let retry_due = slot.retry_at.is_none_or(|t| t <= now);
            if let Some(snapshot) = slot.wanted.clone()
                && retry_due
            {
                slot.busy = true;
                let rolled_back = snapshot
                    .commit()
                    .is_some_and(|c| slot.rolled_back.contains(&c));
                let previous = slot.done.clone();
                self.jobs
                    .spawn(job::reconcile(ctx, snapshot, previous, rolled_back));
                continue;
            }
            if slot.wanted.is_none()
                && slot.drift_due.is_some_and(|t| t <= now)
                && let Some(done) = slot.done.clone()
                && done.applied
            {
                slot.busy = true;
                slot.drift_due = None;
                let keys: Vec<ObjectKey> = std::mem::take(&mut slot.drift_pending)
                    .into_iter()
                    .collect();
                self.jobs.spawn(job_drift::check_drift(ctx, done, keys));
            }
        }
    }

    fn next_due(&self) -> Option<Instant> {
        self.slots
            .values()
            .filter(|s| !s.busy)
            .flat_map(|s| {
                let retry = s.wanted.as_ref().and(s.retry_at);
                [retry, s.drift_due]
            })
            .flatten()
            .min()
    }

    fn on_done(&mut self, done: JobDone) {
        let Some(slot) = self.slots.get_mut(&done.name) else {
            return;
        };
        slot.busy = false;
        if let Some(failing) = done.rolled_back {
            slot.rolled_back.insert(failing);
        }
        let backoff = self.shared.config.backoff;
        let is_reconcile = done.snapshot.is_some();
        match done.outcome {
            Outcome::Unchanged | Outcome::Recorded(_) if is_reconcile => {
                if let (Some(wanted), Some(ran)) = (&slot.wanted, &done.snapshot)
                    && Arc::ptr_eq(wanted, ran)
                {
                    slot.wanted = None;
                }
                slot.failures = 0;
                slot.retry_at = None;
                self.shared.status.update_env(&done.name, |s| {
                    s.failures = 0;
                    s.next_retry_seconds = None;
                });
                if let Outcome::Recorded(applied) = done.outcome {
                    self.record(&done.name, applied);
                }
            }
            Outcome::Unchanged | Outcome::Recorded(_) => {
                slot.drift_failures = 0;
            }
            Outcome::Failed if is_reconcile => {
                slot.failures += 1;
                let delay = backoff.delay(slot.failures);
                slot.retry_at = Some(Instant::now() + delay);
                let failures = slot.failures;
                self.shared.status.update_env(&done.name, |s| {
                    s.failures = failures;
                    s.next_retry_seconds = Some(delay.as_secs().max(1));
                });
            }
            Outcome::Failed => {
                // A failed drift check: check the same objects again later.
                slot.drift_failures += 1;
                slot.drift_pending.extend(done.drift_keys);
                slot.drift_due = Some(Instant::now() + backoff.delay(slot.drift_failures));
            }
            Outcome::Abandoned => {}
        }
    }

    /// Remembers a completed reconcile and watches its kinds.
    fn record(&mut self, name: &str, applied: Arc<Applied>) {
        let Some(slot) = self.slots.get_mut(name) else {
            return;
        };
        if let Some(old) = &slot.done
            && old.applyset.id != applied.applyset.id
        {
            self.by_applyset.remove(&old.applyset.id);
        }
        // A sync brought live state to git: pending drift is moot.
        slot.drift_pending.clear();
        slot.drift_due = None;
        if applied.applied {
            self.by_applyset
                .insert(applied.applyset.id.clone(), name.to_string());
            self.watches
                .set(name, &applied.applyset.id, applied.kinds());
        } else {
            self.watches.remove(name);
        }
        slot.done = Some(applied);
    }

    fn on_drift(&mut self, event: DriftEvent) {
        let Some(name) = self.by_applyset.get(&event.applyset) else {
            return;
        };
        let Some(slot) = self.slots.get_mut(name) else {
            return;
        };
        let Some(done) = &slot.done else {
            return;
        };
        if done.desired(&event.key).is_none() {
            // A member git no longer has (pruning handles it) or a stranger with our label.
            return;
        }
        let changed = match event.hash {
            Some(hash) => {
                let before = slot.hashes.insert(event.key.clone(), hash);
                match before {
                    Some(previous) => previous != hash,
                    // First sight in a list right after a sync: what the sync wrote, unless
                    // someone else wrote it since.
                    None => !event.listed || event.foreign_writer,
                }
            }
            None => {
                slot.hashes.remove(&event.key);
                true
            }
        };
        // Our own sync's writes: the sync leaves live equal to git.
        if !changed || slot.busy && slot.wanted.is_some() {
            return;
        }
        slot.drift_pending.insert(event.key);
        if slot.drift_due.is_none() {
            slot.drift_due = Some(Instant::now() + self.shared.config.drift_debounce);
        }
    }

    /// Tells running jobs to stop and waits for them (up to the shutdown grace).
    async fn drain(&mut self) {
        self.watches.stop();
        let grace = self.shared.config.shutdown_grace;
        let waited = tokio::time::timeout(grace, async {
            while let Some(result) = self.jobs.join_next().await {
                if let Ok(done) = result {
                    self.on_done(done);
                }
            }
        })
        .await;
        if waited.is_err() {
            tracing::warn!(
                ?grace,
                "jobs did not finish within the shutdown grace; aborting them"
            );
            self.jobs.abort_all();
        }
    }
}

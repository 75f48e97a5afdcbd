//! What the controller knows about each environment, as served by `/api/environments`
//! (read-only JSON) and watched by the demo and the tests. Every update bumps a version
//! that waiters can await instead of polling.

use std::collections::BTreeMap;
use std::sync::RwLock;
use std::time::Duration;

use serde::Serialize;
use tokio::sync::watch;

use super::pipeline::{RevertOutcome, Unhealthy};

/// Where an environment stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Default)]
pub enum Phase {
    /// Not reconciled yet.
    #[default]
    Pending,
    /// A sync is running.
    Syncing,
    /// Live state matches the revision and every object is healthy.
    Synced,
    /// Synced, but the health check failed (or a rollback is in progress).
    Unhealthy,
    /// The policy gate denied the revision; nothing was applied.
    Blocked,
    /// Rendering or syncing failed; retried with backoff.
    Failed,
    /// `sync.automated: false`: rendered and checked, but not applied.
    Manual,
    /// The environment targets another cluster (`target.context`): rendered, and left to
    /// that cluster's controller.
    OtherCluster,
    /// The environment's file was removed; its objects are left in place.
    Removed,
}

/// The last sync that ran to its health verdict.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SyncSummary {
    pub revision: String,
    pub at: String,
    pub duration_ms: u64,
    pub applied: usize,
    pub unchanged: usize,
    pub pruned: usize,
}

/// Drift as last checked by the self-heal watch.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct DriftStatus {
    /// Objects that differ from git and were not (yet) corrected.
    pub objects: Vec<String>,
    /// Objects re-applied by self-heal so far.
    pub corrected: u64,
    pub last_checked: Option<String>,
}

/// A rollback the controller made (or declined).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RollbackRecord {
    pub at: String,
    /// The commit whose sync failed its health check.
    pub failing: String,
    pub outcome: RevertOutcome,
}

/// One environment's status.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct EnvStatus {
    pub name: String,
    pub phase: Phase,
    /// The newest revision the controller has seen for this environment.
    pub revision: Option<String>,
    /// The revision whose objects are applied.
    pub synced_revision: Option<String>,
    /// Digest of the input closure last reconciled.
    pub closure_digest: Option<String>,
    pub unhealthy: Vec<Unhealthy>,
    pub last_sync: Option<SyncSummary>,
    pub drift: DriftStatus,
    /// The last error (render, sync, rollback), cleared by a success.
    pub error: Option<String>,
    /// Consecutive failures (the backoff's exponent).
    pub failures: u32,
    pub next_retry_seconds: Option<u64>,
    /// The newest rollbacks, newest last (at most ten).
    pub rollbacks: Vec<RollbackRecord>,
    pub renders: u64,
    pub renders_skipped: u64,
}

/// The controller as a whole.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ControllerStatus {
    pub identity: String,
    /// This replica holds the lease (always true without leader election).
    pub leader: bool,
    /// The first fetch (or scan) succeeded.
    pub ready: bool,
    pub revision: Option<String>,
    pub last_fetch: Option<String>,
    pub fetch_error: Option<String>,
}

#[derive(Debug, Default)]
struct Board {
    controller: ControllerStatus,
    environments: BTreeMap<String, EnvStatus>,
}

/// The shared status of a running controller.
#[derive(Debug)]
pub struct StatusBoard {
    board: RwLock<Board>,
    version: watch::Sender<u64>,
}

pub const MAX_ROLLBACK_RECORDS: usize = 10;

/// Now, as RFC 3339.
pub fn now() -> String {
    jiff::Timestamp::now().to_string()
}

impl StatusBoard {
    pub fn new(identity: &str) -> StatusBoard {
        let (version, _) = watch::channel(0);
        let board = Board {
            controller: ControllerStatus {
                identity: identity.to_string(),
                ..ControllerStatus::default()
            },
            environments: BTreeMap::new(),
        };
        StatusBoard {
            board: RwLock::new(board),
            version,
        }
    }

    fn bump(&self) {
        self.version.send_modify(|v| *v = v.wrapping_add(1));
    }

    /// Changes the status of environment `name` (created on first use).
    pub fn update_env(&self, name: &str, f: impl FnOnce(&mut EnvStatus)) {
        if let Ok(mut board) = self.board.write() {
            let entry = board
                .environments
                .entry(name.to_string())
                .or_insert_with(|| EnvStatus {
                    name: name.to_string(),
                    ..EnvStatus::default()
                });
            f(entry);
        }
        self.bump();
    }

    pub fn update_controller(&self, f: impl FnOnce(&mut ControllerStatus)) {
        if let Ok(mut board) = self.board.write() {
            f(&mut board.controller);
        }
        self.bump();
    }

    pub fn env(&self, name: &str) -> Option<EnvStatus> {
        self.board
            .read()
            .ok()
            .and_then(|b| b.environments.get(name).cloned())
    }

    pub fn environments(&self) -> Vec<EnvStatus> {
        self.board
            .read()
            .map(|b| b.environments.values().cloned().collect())
            .unwrap_or_default()
    }

    pub fn controller(&self) -> ControllerStatus {
        self.board
            .read()
            .map(|b| b.controller.clone())
            .unwrap_or_default()
    }

    /// Removes environments not in `names` from the board (their files are gone).
    pub fn retain(&self, names: &[String]) {
        if let Ok(mut board) = self.board.write() {
            board
                .environments
                .retain(|name, _| names.iter().any(|n| n == name));
        }
        self.bump();
    }

    /// The whole board as JSON.
    pub fn to_json(&self) -> serde_json::Value {
        serde_json::json!({
            "controller": self.controller(),
            "environments": self.environments(),
        })
    }

    /// Waits until `pred` holds for the board (checked on every update), or `timeout`
    /// passes; returns whether it held.
    pub async fn wait_until(
        &self,
        timeout: Duration,
        mut pred: impl FnMut(&StatusBoard) -> bool,
    ) -> bool {
        let mut rx = self.version.subscribe();
        let waiting = async {
            loop {
                if pred(self) {
                    return;
                }
                if rx.changed().await.is_err() {
                    std::future::pending::<()>().await;
                }
            }
        };
        tokio::time::timeout(timeout, waiting).await.is_ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn waiters_see_updates() {
        let board = std::sync::Arc::new(StatusBoard::new("me"));
        let writer = std::sync::Arc::clone(&board);
        tokio::spawn(async move {
            tokio::task::yield_now().await;
            writer.update_env("staging", |s| s.phase = Phase::Synced);
        });
        let ok = board
            .wait_until(Duration::from_secs(10), |b| {
                b.env("staging").is_some_and(|s| s.phase == Phase::Synced)
            })
            .await;
        assert!(ok);
        let json = board.to_json();
        assert_eq!(json["environments"][0]["phase"], "Synced");
        assert_eq!(json["controller"]["identity"], "me");
        board.retain(&[]);
        assert!(board.environments().is_empty());
    }
}

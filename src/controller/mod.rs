//! Controller: `converge run`, keeping every environment of a repository converged.
//!
//! ```text
//!  fetch loop ──snapshot──► session (leader only) ──jobs──► worker pool
//!  (git2 mirror or          per environment:                 closure unchanged → done
//!   watched directory;      one job at a time,               else render → policy gate
//!   interval, webhook,      backoff on failure,              → sync (apply, prune, health)
//!   rollback poke)          drift events → drift checks      → on failed health: revert
//! ```
//!
//! Cost grows with change, not with the cluster: an environment whose inputs (every file
//! its render read, and the files its policies select) are unchanged at a new revision
//! costs no render and no API call; the self-heal watches cover only the kinds the
//! environments contain, filtered by their ApplySet labels, and keep a hash per managed
//! object, never the objects themselves.
//!
//! Everything that talks to the cluster about objects goes through [`EnvironmentSync`]
//! ([`PipelineSync`]: the `converge sync` pipeline) and every rollback through [`Revert`]
//! ([`GitReverter`]: the commit-bot), so the loop shares its behaviour with the CLI.
//!
//! Production behaviour: leader election on a Lease ([`leader`]); graceful shutdown (a
//! running sync is never stopped between its applies and its prunes: it runs on to its
//! health wait and is abandoned there); `/healthz`, `/readyz`, `/metrics`,
//! `/api/environments` and webhooks ([`http`]); Kubernetes Events on each environment's
//! ApplySet parent ([`events`]).

mod backoff;
mod config;
mod counting;
mod drift;
mod error;
pub mod events;
mod fetch;
mod gate;
pub mod http;
mod job;
mod job_drift;
mod job_rollback;
pub mod leader;
mod metrics;
mod path_watch;
mod pipeline;
mod pipeline_sync;
mod prepare;
mod repo;
mod rollback;
mod session;
mod status;
mod stop;
pub mod webhook;

use std::net::SocketAddr;
use std::sync::Arc;

use tokio::sync::{Notify, watch};
use tokio::task::JoinHandle;

pub use backoff::Backoff;
pub use config::{ControllerConfig, LeaderElection, Repository, WebhookSecret, default_identity};
pub use drift::{PART_OF_LABEL, content_hash};
pub use error::ControllerError;
pub use metrics::Metrics;
pub use pipeline::{
    ApplySet, EnvironmentSync, ObjectKey, ObjectRef, Revert, RevertFailure, RevertOutcome,
    RevertRequest, SyncFailure, SyncOutcome, SyncRequest, Unhealthy, Verdict,
};
pub use pipeline_sync::PipelineSync;
pub use repo::{Mirror, Snapshot, redact_url};
pub use rollback::{GitReverter, Target as RevertTarget, default_reverter};
pub use status::{
    ControllerStatus, DriftStatus, EnvStatus, Phase, RollbackRecord, StatusBoard, SyncSummary,
};
pub use stop::{StopSignal, Stopper};

/// What every task of a running controller shares.
pub(crate) struct Shared {
    pub config: ControllerConfig,
    /// The base client (watches, leases); each environment gets a counting client over it.
    pub client: kube::Client,
    pub syncer: Arc<dyn EnvironmentSync>,
    pub reverter: Arc<dyn Revert>,
    pub metrics: Arc<Metrics>,
    pub status: Arc<StatusBoard>,
    /// Poked to fetch at once (webhooks, rollbacks).
    pub fetch_now: Arc<Notify>,
}

/// A controller, ready to start.
pub struct Controller {
    config: ControllerConfig,
    client: kube::Client,
    syncer: Arc<dyn EnvironmentSync>,
    reverter: Arc<dyn Revert>,
}

/// A started controller.
pub struct Running {
    /// Where the HTTP endpoints are served (when configured).
    pub addr: Option<SocketAddr>,
    status: Arc<StatusBoard>,
    metrics: Arc<Metrics>,
    fetch_now: Arc<Notify>,
    stopper: Stopper,
    main: JoinHandle<()>,
    /// The HTTP server and the fetch loop.
    tasks: Vec<JoinHandle<()>>,
}

impl Controller {
    pub fn new(
        config: ControllerConfig,
        client: kube::Client,
        syncer: Arc<dyn EnvironmentSync>,
        reverter: Arc<dyn Revert>,
    ) -> Controller {
        Controller {
            config,
            client,
            syncer,
            reverter,
        }
    }

    /// Opens the repository (or starts watching the directory), binds the HTTP listener,
    /// and starts the fetch loop, the leader election and the reconcile sessions.
    pub async fn start(self) -> Result<Running, ControllerError> {
        let Controller {
            config,
            client,
            syncer,
            reverter,
        } = self;
        let stopper = Stopper::new();
        let stop = stopper.signal();
        let metrics = Arc::new(Metrics::new());
        let status = Arc::new(StatusBoard::new(&config.identity));
        let fetch_now = Arc::new(Notify::new());

        let follower = match &config.repository {
            Repository::Remote { url, branch } => {
                let dir = config.mirror_dir();
                let mirror = {
                    let (dir, url, branch) = (dir.clone(), url.clone(), branch.clone());
                    tokio::task::spawn_blocking(move || Mirror::open_or_init(&dir, &url, &branch))
                        .await
                        .map_err(|e| ControllerError::Task {
                            task: format!("opening the mirror: {e}"),
                        })??
                };
                fetch::Follower::Mirror(mirror)
            }
            Repository::Path { dir } => fetch::Follower::Path {
                dir: dir.clone(),
                watch: path_watch::PathWatch::start(dir)?,
                debounce: config.path_debounce,
            },
        };

        let mut tasks = Vec::new();
        let addr = match config.listen {
            Some(listen) => {
                let state = Arc::new(http::HttpState {
                    status: Arc::clone(&status),
                    metrics: Arc::clone(&metrics),
                    secret: config.webhook_secret.clone(),
                    branch: config.branch().map(str::to_string),
                    fetch_now: Arc::clone(&fetch_now),
                });
                let (addr, task) = http::serve(listen, state, stop.clone()).await?;
                tasks.push(task);
                Some(addr)
            }
            None => None,
        };

        let (snapshots_tx, snapshots_rx) = watch::channel(None);
        tasks.push(tokio::spawn(fetch::run(
            follower,
            fetch::FetchContext {
                interval: config.interval,
                credentials: config.credentials.clone(),
                poke: Arc::clone(&fetch_now),
                snapshots: snapshots_tx,
                metrics: Arc::clone(&metrics),
                status: Arc::clone(&status),
                stop: stop.clone(),
            },
        )));

        let shared = Arc::new(Shared {
            config,
            client,
            syncer,
            reverter,
            metrics: Arc::clone(&metrics),
            status: Arc::clone(&status),
            fetch_now: Arc::clone(&fetch_now),
        });
        let main = tokio::spawn(lead(shared, snapshots_rx, stop));
        Ok(Running {
            addr,
            status,
            metrics,
            fetch_now,
            stopper,
            main,
            tasks,
        })
    }
}

/// Runs reconcile sessions while this replica leads, until stopped.
async fn lead(
    shared: Arc<Shared>,
    snapshots: watch::Receiver<Option<Arc<Snapshot>>>,
    stop: StopSignal,
) {
    let (leading_tx, mut leading) = watch::channel(shared.config.leader_election.is_none());
    let election = shared.config.leader_election.clone().map(|config| {
        tokio::spawn(leader::run(
            shared.client.clone(),
            config,
            shared.config.identity.clone(),
            leading_tx,
            stop.clone(),
        ))
    });
    loop {
        // Wait to lead (or to stop).
        let became = tokio::select! {
            r = leading.wait_for(|l| *l) => r.is_ok(),
            _ = stop.stopped() => false,
        };
        if !became || stop.is_stopped() {
            break;
        }
        shared.metrics.leader.set(1);
        shared.status.update_controller(|c| c.leader = true);
        let session_stop = Stopper::new();
        let lost = {
            let mut leading = leading.clone();
            let stop = stop.clone();
            async move {
                // Without an election the sender is gone and leadership never ends.
                let lost_leadership = async move {
                    if leading.wait_for(|l| !*l).await.is_err() {
                        std::future::pending::<()>().await;
                    }
                };
                tokio::select! {
                    _ = lost_leadership => {}
                    _ = stop.stopped() => {}
                }
            }
        };
        let session = session::run(
            Arc::clone(&shared),
            snapshots.clone(),
            session_stop.signal(),
        );
        tokio::pin!(session);
        tokio::select! {
            _ = &mut session => {}
            _ = lost => {
                session_stop.stop();
                session.await;
            }
        }
        shared.metrics.leader.set(0);
        shared.status.update_controller(|c| c.leader = false);
        if stop.is_stopped() {
            break;
        }
        tracing::warn!("lost leadership; waiting to lead again");
    }
    if let Some(election) = election {
        // The election releases the lease on its way out.
        let _ = election.await;
    }
}

impl Running {
    pub fn status(&self) -> &Arc<StatusBoard> {
        &self.status
    }

    pub fn metrics(&self) -> &Arc<Metrics> {
        &self.metrics
    }

    /// Fetches at once (what a webhook does).
    pub fn fetch_now(&self) {
        self.fetch_now.notify_one();
    }

    /// Stops: running syncs run on to their health wait (never stopped between applies and
    /// prunes) and are abandoned there, the lease is released, the HTTP server and the
    /// fetch loop end. A fetch in flight is not interrupted (git2 cannot be); it is left to
    /// finish on its own thread.
    pub async fn shutdown(self) {
        self.stopper.stop();
        let _ = self.main.await;
        for task in self.tasks {
            if tokio::time::timeout(std::time::Duration::from_secs(5), task)
                .await
                .is_err()
            {
                tracing::warn!("a background task did not stop within 5s");
            }
        }
    }
}

/// A [`Revert`] for setups that cannot revert (no git repository): always declines.
pub struct NoRevert;

impl Revert for NoRevert {
    fn revert(&self, _request: &RevertRequest) -> Result<RevertOutcome, RevertFailure> {
        Ok(RevertOutcome::Declined {
            reason: "rollback is not available here (no git repository to commit to)".into(),
        })
    }
}

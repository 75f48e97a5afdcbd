//! [`EnvironmentSync`] over the reconcile core: a sync is `crate::sync::run` (the code of
//! `converge sync`: policy gate, plan, apply in order, prune, health, record on the ApplySet
//! parent); a drift check is the live diff of `converge diff`; a heal is a forced apply of
//! the drifted objects. One [`Cluster`] per environment, over the environment's counting
//! client, so its requests land in its own metrics.
//!
//! Stopping (shutdown, lost leadership) never interrupts a sync between apply and prune:
//! a stopped sync runs on until it reaches its health wait (apply and prune are done by
//! then) or finishes, and is only abandoned there.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures::future::BoxFuture;
use serde_json::Value;
use tokio::sync::Notify;

use super::pipeline::{
    ApplySet, EnvironmentSync, ObjectKey, ObjectRef, SyncFailure, SyncOutcome, SyncRequest,
    Unhealthy, Verdict,
};
use crate::apply::{Prepared, apply_batch, prepare};
use crate::cluster::{ApplyParams, Cluster, FIELD_MANAGER};
use crate::diff::{LiveOptions, ObjectId, live};
use crate::environment::Environment;
use crate::health::{HealthReport, Progress};
use crate::sync::{SyncContext, SyncOptions, SyncResult};

/// Requests in flight per environment for drift checks and heals.
const CONCURRENCY: usize = 8;

/// The sync pipeline, as the controller drives it.
#[derive(Default)]
pub struct PipelineSync {
    clusters: Mutex<HashMap<String, Arc<Cluster>>>,
}

impl PipelineSync {
    pub fn new() -> PipelineSync {
        PipelineSync::default()
    }

    /// The environment's cluster handle (discovery runs once per environment).
    async fn cluster(
        &self,
        client: &kube::Client,
        env: &Environment,
    ) -> Result<Arc<Cluster>, SyncFailure> {
        let name = &env.metadata.name;
        let cached = self.clusters.lock().ok().and_then(|m| m.get(name).cloned());
        if let Some(cluster) = cached {
            return Ok(cluster);
        }
        let cluster = Cluster::from_client(client.clone(), format!("environment {name}"))
            .await
            .map_err(|e| failure("discovery", e))?;
        let cluster = Arc::new(cluster);
        if let Ok(mut map) = self.clusters.lock() {
            map.insert(name.clone(), Arc::clone(&cluster));
        }
        Ok(cluster)
    }

    fn prepare(
        cluster: &Cluster,
        env: &Environment,
        objects: &[Value],
    ) -> Result<(Vec<Prepared>, crate::prune::ApplySet), SyncFailure> {
        let set =
            crate::prune::ApplySet::for_environment(&env.metadata.name, &env.spec.target.namespace);
        let prepared = prepare(cluster, objects, &env.spec.target.namespace, &set)
            .map_err(|e| failure("prepare", e))?;
        Ok((prepared, set))
    }
}

fn failure(stage: &str, error: impl std::fmt::Display) -> SyncFailure {
    SyncFailure {
        stage: stage.to_string(),
        message: error.to_string(),
    }
}

fn key_of(id: &ObjectId) -> ObjectKey {
    ObjectKey {
        group: id.group.clone(),
        kind: id.kind.clone(),
        namespace: id.namespace.clone().unwrap_or_default(),
        name: id.name.clone(),
    }
}

/// Notes when the health wait begins: from then on, nothing is left to apply or prune.
#[derive(Default)]
struct HealthPhase {
    started: AtomicBool,
    notify: Notify,
}

impl Progress for HealthPhase {
    fn update(&self, _report: &HealthReport, _elapsed: Duration) {
        if !self.started.swap(true, Ordering::SeqCst) {
            self.notify.notify_one();
        }
    }
}

impl HealthPhase {
    async fn reached(&self) {
        if !self.started.load(Ordering::SeqCst) {
            self.notify.notified().await;
        }
    }
}

fn unhealthy(report: Option<&HealthReport>) -> Vec<Unhealthy> {
    report
        .map(|h| {
            h.unhealthy()
                .into_iter()
                .map(|o| Unhealthy {
                    object: o.id.to_string(),
                    status: o.health.status.to_string(),
                    message: o.health.message.clone(),
                })
                .collect()
        })
        .unwrap_or_default()
}

/// Runs the future `make` builds on a blocking thread of the current runtime. The reconcile
/// core's futures borrow across their concurrent request streams in a way the compiler
/// cannot prove `Send` for every lifetime, so they are polled where they are made: `make`
/// owns everything they borrow.
async fn off_thread<T, F>(make: F) -> Result<T, SyncFailure>
where
    T: Send + 'static,
    F: FnOnce() -> futures::future::LocalBoxFuture<'static, T> + Send + 'static,
{
    let handle = tokio::runtime::Handle::current();
    tokio::task::spawn_blocking(move || handle.block_on(make()))
        .await
        .map_err(|e| failure("sync", format!("the sync task failed: {e}")))
}

impl EnvironmentSync for PipelineSync {
    fn sync<'a>(
        &'a self,
        request: SyncRequest<'a>,
    ) -> BoxFuture<'a, Result<SyncOutcome, SyncFailure>> {
        Box::pin(async move {
            let env = request.environment.clone();
            let cluster = self.cluster(request.client, &env).await?;
            let rendered = Arc::clone(&request.rendered);
            let source = Arc::clone(&request.source);
            let revision = request.revision.to_string();
            let stop = request.stop.clone();
            let desired = rendered.resources.len();
            let outcome = off_thread(move || {
                Box::pin(async move {
                    let phase = HealthPhase::default();
                    let ctx = SyncContext {
                        cluster: &cluster,
                        source: source.as_ref(),
                        revision: Some(revision),
                        progress: Some(&phase),
                    };
                    let options = SyncOptions::default();
                    let run = crate::sync::run(&ctx, &env, &rendered, &options);
                    tokio::pin!(run);
                    let mut stopping = false;
                    loop {
                        tokio::select! {
                            report = &mut run => break Some(report.map_err(|e| failure("sync", e))),
                            _ = stop.stopped(), if !stopping => stopping = true,
                            // Apply and prune are done once health is being waited for.
                            _ = phase.reached(), if stopping => break None,
                        }
                    }
                })
            })
            .await?;
            let Some(report) = outcome else {
                return Ok(SyncOutcome {
                    applied: 0,
                    unchanged: 0,
                    pruned: 0,
                    verdict: Verdict::Abandoned,
                });
            };
            let report = report?;
            let applied = report.applied.iter().filter(|a| a.ok()).count();
            let pruned = report.pruned.iter().filter(|p| p.error.is_none()).count();
            let unchanged = desired.saturating_sub(applied);
            let problems = report.problems.join("; ");
            let verdict = match report.result {
                SyncResult::Succeeded => Verdict::Healthy,
                SyncResult::HealthFailed | SyncResult::HealthTimeout => Verdict::Unhealthy {
                    objects: unhealthy(report.health.as_ref()),
                },
                SyncResult::PolicyDenied => Verdict::PolicyDenied {
                    summary: report
                        .policy
                        .as_ref()
                        .map(|p| p.summary.clone())
                        .unwrap_or(problems),
                },
                SyncResult::PruneRefused | SyncResult::PruneFailed => {
                    return Err(failure("prune", problems));
                }
                SyncResult::ApplyFailed => return Err(failure("apply", problems)),
            };
            Ok(SyncOutcome {
                applied,
                unchanged,
                pruned,
                verdict,
            })
        })
    }

    fn drifted<'a>(
        &'a self,
        client: &'a kube::Client,
        environment: &'a Environment,
        objects: &'a [Value],
    ) -> BoxFuture<'a, Result<Vec<ObjectKey>, SyncFailure>> {
        Box::pin(async move {
            let cluster = self.cluster(client, environment).await?;
            let (prepared, set) = PipelineSync::prepare(&cluster, environment, objects)?;
            // Dry-run as the heal would apply: forced, so fields another manager took show
            // as changes rather than conflicts.
            let options = LiveOptions {
                field_manager: FIELD_MANAGER.to_string(),
                force: true,
                concurrency: CONCURRENCY,
                applyset_id: set.id,
            };
            let compared = off_thread(move || {
                Box::pin(async move { live(&cluster, &prepared, &options).await })
            })
            .await?
            .map_err(|e| failure("diff", e))?;
            Ok(compared
                .iter()
                .filter(|o| o.needs_apply())
                .map(|o| key_of(&o.prepared.id))
                .collect())
        })
    }

    fn heal<'a>(
        &'a self,
        client: &'a kube::Client,
        environment: &'a Environment,
        objects: &'a [Value],
    ) -> BoxFuture<'a, Result<usize, SyncFailure>> {
        Box::pin(async move {
            let cluster = self.cluster(client, environment).await?;
            let (prepared, _) = PipelineSync::prepare(&cluster, environment, objects)?;
            let params = ApplyParams {
                field_manager: FIELD_MANAGER.to_string(),
                force: true,
                dry_run: false,
            };
            let results = off_thread(move || {
                Box::pin(async move {
                    let items: Vec<&Prepared> = prepared.iter().collect();
                    apply_batch(&cluster, &items, &params, CONCURRENCY).await
                })
            })
            .await?;
            let failed: Vec<String> = results
                .iter()
                .filter(|a| !a.ok())
                .map(|a| {
                    format!(
                        "{}: {}",
                        a.id,
                        a.error
                            .as_deref()
                            .unwrap_or("conflict with another manager")
                    )
                })
                .collect();
            if !failed.is_empty() {
                return Err(failure("heal", failed.join("; ")));
            }
            Ok(results.len())
        })
    }

    fn applyset(&self, environment: &Environment) -> ApplySet {
        let set = crate::prune::ApplySet::for_environment(
            &environment.metadata.name,
            &environment.spec.target.namespace,
        );
        ApplySet {
            id: set.id,
            parent: ObjectRef {
                api_version: "v1".into(),
                kind: "Secret".into(),
                namespace: set.namespace,
                name: set.name,
            },
        }
    }
}

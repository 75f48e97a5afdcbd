//! The sync pipeline wrapped to record every call the controller makes through it, with
//! which replica made it and when, so tests can check who acted (and that two replicas
//! never overlapped).

use std::sync::{Arc, Mutex};
use std::time::Instant;

use converge::controller::{
    ApplySet, EnvironmentSync, ObjectKey, PipelineSync, SyncFailure, SyncOutcome, SyncRequest,
};
use converge::environment::Environment;
use futures::future::BoxFuture;
use serde_json::Value;

/// One call through the pipeline.
#[derive(Debug, Clone)]
pub struct Call {
    pub who: String,
    pub what: &'static str,
    pub environment: String,
    pub started: Instant,
    pub ended: Instant,
}

/// A shared log of calls.
pub type Calls = Arc<Mutex<Vec<Call>>>;

/// [`PipelineSync`], recording its calls.
pub struct Recorded {
    who: String,
    calls: Calls,
    inner: PipelineSync,
}

impl Recorded {
    pub fn new(who: &str, calls: &Calls) -> Recorded {
        Recorded {
            who: who.to_string(),
            calls: Arc::clone(calls),
            inner: PipelineSync::new(),
        }
    }

    fn record(&self, what: &'static str, environment: &str, started: Instant) {
        if let Ok(mut calls) = self.calls.lock() {
            calls.push(Call {
                who: self.who.clone(),
                what,
                environment: environment.to_string(),
                started,
                ended: Instant::now(),
            });
        }
    }
}

/// The calls made so far.
pub fn calls(log: &Calls) -> Vec<Call> {
    log.lock().map(|c| c.clone()).unwrap_or_default()
}

impl EnvironmentSync for Recorded {
    fn sync<'a>(
        &'a self,
        request: SyncRequest<'a>,
    ) -> BoxFuture<'a, Result<SyncOutcome, SyncFailure>> {
        Box::pin(async move {
            let started = Instant::now();
            let env = request.environment.metadata.name.clone();
            let result = self.inner.sync(request).await;
            self.record("sync", &env, started);
            result
        })
    }

    fn drifted<'a>(
        &'a self,
        client: &'a kube::Client,
        environment: &'a Environment,
        objects: &'a [Value],
    ) -> BoxFuture<'a, Result<Vec<ObjectKey>, SyncFailure>> {
        Box::pin(async move {
            let started = Instant::now();
            let result = self.inner.drifted(client, environment, objects).await;
            self.record("drifted", &environment.metadata.name, started);
            result
        })
    }

    fn heal<'a>(
        &'a self,
        client: &'a kube::Client,
        environment: &'a Environment,
        objects: &'a [Value],
    ) -> BoxFuture<'a, Result<usize, SyncFailure>> {
        Box::pin(async move {
            let started = Instant::now();
            let result = self.inner.heal(client, environment, objects).await;
            self.record("heal", &environment.metadata.name, started);
            result
        })
    }

    fn applyset(&self, environment: &Environment) -> ApplySet {
        self.inner.applyset(environment)
    }
}

//! The two narrow interfaces the controller drives, and the values they exchange: syncing
//! an environment's render to a cluster ([`EnvironmentSync`]: policy gate, apply, prune,
//! health, the same code `converge sync` runs) and reverting the change that broke an
//! environment ([`Revert`]: the commit-bot's rollback). The controller owns scheduling,
//! the input check and rendering; everything that talks to the cluster about objects goes
//! through [`EnvironmentSync`], and every commit through [`Revert`].

use std::fmt;
use std::sync::Arc;

use futures::future::BoxFuture;
use serde::Serialize;
use serde_json::Value;

use super::stop::StopSignal;
use crate::environment::Environment;
use crate::render::Rendered;
use crate::source::Source;

/// The identity of an object: API group, kind, namespace (empty when cluster-scoped or
/// left to the environment's default) and name.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub struct ObjectKey {
    pub group: String,
    pub kind: String,
    pub namespace: String,
    pub name: String,
}

impl ObjectKey {
    /// The key of a JSON object; `None` when it lacks a kind or a name.
    pub fn of(object: &Value) -> Option<ObjectKey> {
        let api_version = object.get("apiVersion")?.as_str()?;
        let group = match api_version.split_once('/') {
            Some((group, _)) => group,
            None => "",
        };
        let metadata = object.get("metadata")?;
        Some(ObjectKey {
            group: group.to_string(),
            kind: object.get("kind")?.as_str()?.to_string(),
            namespace: metadata
                .get("namespace")
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_string(),
            name: metadata.get("name")?.as_str()?.to_string(),
        })
    }

    /// The same object with no namespace (how a rendered object that relies on the
    /// environment's default namespace is keyed).
    pub fn without_namespace(&self) -> ObjectKey {
        ObjectKey {
            namespace: String::new(),
            ..self.clone()
        }
    }
}

impl fmt::Display for ObjectKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let kind = if self.group.is_empty() {
            self.kind.clone()
        } else {
            format!("{}.{}", self.kind, self.group)
        };
        if self.namespace.is_empty() {
            write!(f, "{kind} {}", self.name)
        } else {
            write!(f, "{kind} {}/{}", self.namespace, self.name)
        }
    }
}

/// A reference to an object (the ApplySet parent that events are recorded on).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ObjectRef {
    pub api_version: String,
    pub kind: String,
    pub namespace: String,
    pub name: String,
}

/// An environment's ApplySet: the `applyset.kubernetes.io/part-of` value its members carry
/// and its parent object.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ApplySet {
    pub id: String,
    pub parent: ObjectRef,
}

/// One sync of an environment at a revision.
pub struct SyncRequest<'a> {
    pub client: &'a kube::Client,
    pub environment: &'a Environment,
    /// The render (objects and input closure).
    pub rendered: Arc<Rendered>,
    /// The tree it was rendered from (the policy gate reads the policies there).
    pub source: Arc<dyn Source>,
    /// The commit (or work-tree description) the objects were rendered from.
    pub revision: &'a str,
    /// Raised on shutdown or lost leadership: finish the current write, then abandon
    /// before pruning.
    pub stop: &'a StopSignal,
}

/// An object that did not become healthy, with the evidence.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Unhealthy {
    /// `Deployment ml-staging/staging-api`.
    pub object: String,
    /// The kstatus result: `Failed`, `InProgress` (at the timeout), `Terminating`.
    pub status: String,
    /// Conditions and messages, e.g. `Progressing=False ProgressDeadlineExceeded: ...`.
    pub message: String,
}

/// How a sync ended, when it ran to the end.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "verdict", rename_all = "camelCase")]
pub enum Verdict {
    Healthy,
    /// Some object failed, or was not ready by the health timeout.
    Unhealthy {
        objects: Vec<Unhealthy>,
    },
    /// The policy gate denied the render; nothing was written.
    PolicyDenied {
        summary: String,
    },
    /// Stopped on shutdown or lost leadership at a safe point (before pruning, or while
    /// waiting for health); never half-pruned.
    Abandoned,
}

/// What a sync did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SyncOutcome {
    /// Objects created or changed.
    pub applied: usize,
    pub unchanged: usize,
    pub pruned: usize,
    pub verdict: Verdict,
}

/// A sync, drift check or heal that could not finish (API errors, conflicts, a prune
/// refused by the budget). The loop retries with backoff.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{stage}: {message}")]
pub struct SyncFailure {
    /// `apply`, `prune`, `health`, `diff`...
    pub stage: String,
    pub message: String,
}

/// Syncing an environment: the `converge sync` pipeline as a library.
pub trait EnvironmentSync: Send + Sync {
    /// Gates the render on the environment's policies, applies the objects that differ,
    /// prunes what left git (never after a failure or a stop), waits for health.
    fn sync<'a>(
        &'a self,
        request: SyncRequest<'a>,
    ) -> BoxFuture<'a, Result<SyncOutcome, SyncFailure>>;

    /// Which of `objects` differ from the live state (missing ones included), with the
    /// same diff engine as `converge diff`.
    fn drifted<'a>(
        &'a self,
        client: &'a kube::Client,
        environment: &'a Environment,
        objects: &'a [Value],
    ) -> BoxFuture<'a, Result<Vec<ObjectKey>, SyncFailure>>;

    /// Re-applies `objects`, taking back fields another manager took (git wins); the
    /// number of objects written.
    fn heal<'a>(
        &'a self,
        client: &'a kube::Client,
        environment: &'a Environment,
        objects: &'a [Value],
    ) -> BoxFuture<'a, Result<usize, SyncFailure>>;

    /// The environment's ApplySet (its member label value and parent).
    fn applyset(&self, environment: &Environment) -> ApplySet;
}

/// A request to revert the change that made an environment unhealthy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RevertRequest {
    pub environment: String,
    /// The commit whose sync failed its health check.
    pub failing: String,
    /// The evidence, for the commit message (failed objects and their conditions).
    pub reason: String,
}

/// What a revert did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "result", rename_all = "camelCase")]
pub enum RevertOutcome {
    /// `commit` (pushed) reverts `reverted`.
    Reverted { commit: String, reverted: String },
    /// Nothing was committed, and why (the change is itself a revert, the environment was
    /// created by it, the branch moved on...).
    Declined { reason: String },
}

/// A revert that failed (conflicts, push rejected after retries, git errors).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct RevertFailure {
    pub message: String,
}

/// Reverting a change in git (blocking work; the controller runs it off the async threads).
pub trait Revert: Send + Sync {
    fn revert(&self, request: &RevertRequest) -> Result<RevertOutcome, RevertFailure>;
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn keys_of_objects() {
        let key = ObjectKey::of(&json!({
            "apiVersion": "apps/v1", "kind": "Deployment",
            "metadata": {"name": "api", "namespace": "ml"}
        }))
        .expect("key");
        assert_eq!(key.to_string(), "Deployment.apps ml/api");
        let ns = ObjectKey::of(&json!({
            "apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "ml"}
        }))
        .expect("key");
        assert_eq!(ns.to_string(), "Namespace ml");
        assert!(ObjectKey::of(&json!({"kind": "X"})).is_none());
    }
}

//! Cluster access: a `kube::Client` from a kubeconfig context or in-cluster config, the
//! discovery index, and the handful of operations the reconcile core needs (get, list,
//! server-side apply, delete), each retried on 429/5xx honouring `Retry-After`.
//!
//! Objects travel as `serde_json::Value`; nothing here interprets them beyond their
//! identity. [`Cluster`] is `Send + Sync` and cheap to share by reference between the
//! concurrent requests of a sync.

mod connect;
mod error;
mod ops;
mod request;
mod resources;

use std::sync::RwLock;
use std::sync::atomic::{AtomicU64, Ordering};

pub use connect::{ConnectOptions, client};
pub use error::{Cause, ClusterError};
pub use ops::{ApplyParams, Deleted, FIELD_MANAGER};
pub use request::RetryPolicy;
pub use resources::{Resource, ResourceIndex};

/// A cluster connection with its discovery index.
pub struct Cluster {
    client: kube::Client,
    description: String,
    retry: RetryPolicy,
    resources: RwLock<ResourceIndex>,
    requests: AtomicU64,
    retries: AtomicU64,
}

impl std::fmt::Debug for Cluster {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Cluster")
            .field("description", &self.description)
            .finish_non_exhaustive()
    }
}

impl Cluster {
    /// Connects as `options` says and runs discovery.
    pub async fn connect(options: &ConnectOptions) -> Result<Cluster, ClusterError> {
        let (client, description) = connect::client(options).await?;
        Cluster::from_client(client, description).await
    }

    /// Wraps an existing client (e.g. the sandbox's) and runs discovery.
    pub async fn from_client(
        client: kube::Client,
        description: impl Into<String>,
    ) -> Result<Cluster, ClusterError> {
        let index = discover_with_retry(&client, &RetryPolicy::default()).await?;
        Ok(Cluster {
            client,
            description: description.into(),
            retry: RetryPolicy::default(),
            resources: RwLock::new(index),
            requests: AtomicU64::new(0),
            retries: AtomicU64::new(0),
        })
    }

    /// Replaces the retry policy.
    pub fn with_retry(mut self, retry: RetryPolicy) -> Cluster {
        self.retry = retry;
        self
    }

    /// What this cluster is, for messages ("context staging (https://...)").
    pub fn describe(&self) -> &str {
        &self.description
    }

    pub fn client(&self) -> &kube::Client {
        &self.client
    }

    /// Re-runs discovery (after CRDs were established).
    pub async fn refresh(&self) -> Result<(), ClusterError> {
        let index = discover_with_retry(&self.client, &self.retry).await?;
        *self.resources.write().unwrap_or_else(|p| p.into_inner()) = index;
        Ok(())
    }

    /// The served resource of `apiVersion` + `kind`.
    pub fn resource(&self, api_version: &str, kind: &str) -> Option<Resource> {
        self.resources
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .resolve(api_version, kind)
            .cloned()
    }

    /// The served resource (preferred version) of a group and kind.
    pub fn resource_for_group_kind(&self, group: &str, kind: &str) -> Option<Resource> {
        self.resources
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .resolve_group_kind(group, kind)
            .cloned()
    }

    /// Requests sent so far (each retry counted), and how many of them were retries.
    pub fn request_counts(&self) -> (u64, u64) {
        (
            self.requests.load(Ordering::Relaxed),
            self.retries.load(Ordering::Relaxed),
        )
    }
}

/// Discovery with the same retry rules as every other request.
async fn discover_with_retry(
    client: &kube::Client,
    policy: &RetryPolicy,
) -> Result<ResourceIndex, ClusterError> {
    let mut attempt = 0;
    loop {
        attempt += 1;
        match ResourceIndex::discover(client).await {
            Ok(index) => return Ok(index),
            Err(e) if attempt < policy.max_attempts => {
                tracing::debug!(error = %e, "retrying discovery");
                tokio::time::sleep(policy.delay(attempt, None)).await;
            }
            Err(e) => return Err(e),
        }
    }
}

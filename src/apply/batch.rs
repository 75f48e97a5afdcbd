//! Applying a batch of objects (one stage) concurrently, and waiting for CRDs to be
//! Established before their custom resources are applied.

use std::time::{Duration, Instant};

use futures::StreamExt;
use serde::Serialize;
use serde_json::Value;

use super::error::ApplyError;
use super::prepare::Prepared;
use crate::cluster::{ApplyParams, Cluster};
use crate::diff::{Conflict, ObjectId};

/// The outcome of applying one object.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Applied {
    pub id: ObjectId,
    /// The object as the server stored it.
    #[serde(skip)]
    pub object: Option<Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub conflict: Option<Conflict>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

impl Applied {
    pub fn ok(&self) -> bool {
        self.error.is_none() && self.conflict.is_none()
    }
}

/// Applies `items` with up to `concurrency` requests in flight; results in input order.
pub async fn apply_batch(
    cluster: &Cluster,
    items: &[&Prepared],
    params: &ApplyParams,
    concurrency: usize,
) -> Vec<Applied> {
    let mut results: Vec<(usize, Applied)> = futures::stream::iter(items.iter().enumerate())
        .map(|(i, item)| async move {
            let applied = match &item.resource {
                None => Applied {
                    id: item.id.clone(),
                    object: None,
                    conflict: None,
                    error: Some("its type is not served by the cluster".into()),
                },
                Some(resource) => match cluster.apply(resource, &item.object, params).await {
                    Ok(object) => Applied {
                        id: item.id.clone(),
                        object: Some(object),
                        conflict: None,
                        error: None,
                    },
                    Err(e) if e.is_conflict() => Applied {
                        id: item.id.clone(),
                        object: None,
                        conflict: Some(crate::diff::live::conflict_of(&e)),
                        error: None,
                    },
                    Err(e) => Applied {
                        id: item.id.clone(),
                        object: None,
                        conflict: None,
                        error: Some(e.to_string()),
                    },
                },
            };
            (i, applied)
        })
        .buffer_unordered(concurrency.max(1))
        .collect()
        .await;
    results.sort_by_key(|(i, _)| *i);
    results.into_iter().map(|(_, a)| a).collect()
}

/// Waits until every CRD named in `names` reports `Established=True`.
pub async fn wait_established(
    cluster: &Cluster,
    names: &[String],
    timeout: Duration,
) -> Result<(), ApplyError> {
    let Some(resource) = cluster.resource("apiextensions.k8s.io/v1", "CustomResourceDefinition")
    else {
        return Ok(());
    };
    let start = Instant::now();
    let mut pause = Duration::from_millis(50);
    for name in names {
        loop {
            let crd =
                cluster
                    .get(&resource, None, name)
                    .await
                    .map_err(|source| ApplyError::Cluster {
                        object: format!("CustomResourceDefinition {name}"),
                        source: Box::new(source),
                    })?;
            let established = crd
                .as_ref()
                .and_then(|c| c.pointer("/status/conditions"))
                .and_then(Value::as_array)
                .is_some_and(|cs| {
                    cs.iter()
                        .any(|c| c["type"] == "Established" && c["status"] == "True")
                });
            if established {
                break;
            }
            if start.elapsed() >= timeout {
                return Err(ApplyError::CrdNotEstablished {
                    name: name.clone(),
                    seconds: timeout.as_secs(),
                });
            }
            tokio::time::sleep(pause).await;
            pause = (pause * 2).min(Duration::from_secs(1));
        }
    }
    Ok(())
}

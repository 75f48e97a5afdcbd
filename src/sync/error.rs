//! Errors that stop a sync before it has a report to give: a set that cannot be prepared,
//! an ApplySet parent that is not ours, a cluster that cannot be read, policies that do not
//! load. Per-object failures are not errors: they are in the [`super::SyncReport`].

use crate::apply::ApplyError;
use crate::cluster::ClusterError;
use crate::prune::PruneError;

#[derive(Debug, thiserror::Error)]
pub enum SyncError {
    #[error("environment {environment}: {source}")]
    Prepare {
        environment: String,
        #[source]
        source: Box<ApplyError>,
    },
    #[error("environment {environment}: reading the cluster: {source}")]
    Cluster {
        environment: String,
        #[source]
        source: Box<ClusterError>,
    },
    #[error("environment {environment}: {source}")]
    ApplySet {
        environment: String,
        #[source]
        source: Box<PruneError>,
    },
    #[error("environment {environment}: policies: {message}")]
    Policy {
        environment: String,
        message: String,
    },
}

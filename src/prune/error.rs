//! Errors of ApplySet bookkeeping and pruning.

use crate::cluster::ClusterError;

#[derive(Debug, thiserror::Error)]
pub enum PruneError {
    #[error("ApplySet parent {parent}: {message}")]
    Parent { parent: String, message: String },
    #[error(
        "ApplySet parent {parent} is managed by tooling {found:?}, not converge; refusing to take it over"
    )]
    Tooling { parent: String, found: String },
    #[error("{context}: {source}")]
    Cluster {
        context: String,
        #[source]
        source: Box<ClusterError>,
    },
    #[error(
        "refusing to prune {would_prune} of {members} objects: the prune budget is {budget} ({allowance} objects); pass --allow-mass-prune if this is intended"
    )]
    Budget {
        would_prune: usize,
        members: usize,
        budget: String,
        allowance: usize,
    },
}

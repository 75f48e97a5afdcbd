//! Errors preparing and applying objects, each naming the object.

use crate::cluster::ClusterError;

#[derive(Debug, thiserror::Error)]
pub enum ApplyError {
    #[error("object #{index} of the rendered output has no kind or metadata.name")]
    NoIdentity { index: usize },
    #[error(
        "{object}: {api_version} {kind} is neither served by the cluster nor defined by a CRD in this environment"
    )]
    UnknownKind {
        object: String,
        api_version: String,
        kind: String,
    },
    #[error("{object}: the label {label} is already set in the manifest (converge sets it)")]
    LabelAlreadySet { object: String, label: String },
    #[error("{object} appears more than once in the rendered output")]
    Duplicate { object: String },
    #[error("{object}: {source}")]
    Cluster {
        object: String,
        #[source]
        source: Box<ClusterError>,
    },
    #[error("CRD {name} did not become Established within {seconds}s")]
    CrdNotEstablished { name: String, seconds: u64 },
}

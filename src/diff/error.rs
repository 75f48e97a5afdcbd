//! Errors of offline diffs: revisions that do not resolve, environments that do not render.

use crate::environment::EnvironmentError;
use crate::source::SourceError;

#[derive(Debug, thiserror::Error)]
pub enum DiffError {
    #[error("{what}: {source}")]
    Source {
        what: String,
        #[source]
        source: SourceError,
    },
    #[error("environment {environment} at {revision}: {source}")]
    Environment {
        environment: String,
        revision: String,
        #[source]
        source: Box<EnvironmentError>,
    },
    #[error("listing environments at {revision}: {message}")]
    List { revision: String, message: String },
    #[error("environment {environment} exists at neither {base} nor {head}")]
    NoSuchEnvironment {
        environment: String,
        base: String,
        head: String,
    },
}

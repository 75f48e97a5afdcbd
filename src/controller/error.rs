//! Errors that stop the controller itself (an environment's failures are not errors of the
//! controller: they are recorded in its status and retried with backoff).

use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
pub enum ControllerError {
    #[error("cannot read the webhook secret file {path}")]
    SecretFile {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("the webhook secret file {path} is empty")]
    EmptySecret { path: PathBuf },
    #[error("git mirror {path}: {action}")]
    Git {
        path: PathBuf,
        action: String,
        #[source]
        source: git2::Error,
    },
    #[error("cannot create the data directory {path}")]
    DataDir {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("cannot watch {path}")]
    Watch {
        path: PathBuf,
        #[source]
        source: notify::Error,
    },
    #[error("{path} is not a directory")]
    NotADirectory { path: PathBuf },
    #[error("cannot listen on {addr}")]
    Listen {
        addr: std::net::SocketAddr,
        #[source]
        source: std::io::Error,
    },
    #[error("a background task of the controller failed: {task}")]
    Task { task: String },
}

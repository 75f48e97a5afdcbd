//! Errors of starting, persisting and describing a sandbox (request-level failures are
//! Kubernetes `Status` responses, see `status.rs`, not errors of this enum).

use std::path::PathBuf;

/// What can go wrong outside of answering a request.
#[derive(Debug, thiserror::Error)]
pub enum SandboxError {
    #[error("cannot listen on {addr}")]
    Bind {
        addr: std::net::SocketAddr,
        #[source]
        source: std::io::Error,
    },
    #[error("invalid failure pattern {pattern:?}")]
    FailurePattern {
        pattern: String,
        #[source]
        source: regex::Error,
    },
    #[error("cannot create state directory {path}")]
    StateDir {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("cannot read sandbox state {path}")]
    StateRead {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("sandbox state {path} is not a valid snapshot")]
    StateParse {
        path: PathBuf,
        #[source]
        source: serde_json::Error,
    },
    #[error("cannot write sandbox state {path}")]
    StateWrite {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("cannot build a Kubernetes client for {url}: {message}")]
    Client { url: String, message: String },
    #[error("cannot write kubeconfig {path}")]
    KubeconfigWrite {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

//! Errors talking to a cluster: configuration, discovery and API responses, each naming the
//! request (verb and object) it belongs to. Request bodies are never included: they may
//! hold Secret values.

use std::path::PathBuf;

/// One `Status.details.causes` entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cause {
    pub reason: String,
    pub message: String,
    pub field: String,
}

#[derive(Debug, thiserror::Error)]
pub enum ClusterError {
    #[error("kubeconfig {path}: {message}")]
    Kubeconfig { path: PathBuf, message: String },
    #[error("no cluster configured ({message}); pass --kubeconfig or run inside a cluster")]
    NoConfig { message: String },
    #[error("cannot build a Kubernetes client for {context}: {message}")]
    Client { context: String, message: String },
    #[error("API discovery failed: {message}")]
    Discovery { message: String },
    #[error("{api_version} {kind} is not served by the cluster")]
    UnknownKind { api_version: String, kind: String },
    #[error("{verb} {target}: {message} ({code} {reason})")]
    Api {
        verb: &'static str,
        target: String,
        code: u16,
        reason: String,
        message: String,
        causes: Vec<Cause>,
        /// How many times the request was sent.
        attempts: u32,
    },
    #[error("{verb} {target}: {message} (after {attempts} attempts)")]
    Transport {
        verb: &'static str,
        target: String,
        message: String,
        attempts: u32,
    },
    #[error("{verb} {target}: unexpected response: {message}")]
    Decode {
        verb: &'static str,
        target: String,
        message: String,
    },
    #[error("{verb} {target}: cannot build the request: {message}")]
    Request {
        verb: &'static str,
        target: String,
        message: String,
    },
}

impl ClusterError {
    /// The HTTP status of an API error.
    pub fn code(&self) -> Option<u16> {
        match self {
            ClusterError::Api { code, .. } => Some(*code),
            _ => None,
        }
    }

    pub fn is_not_found(&self) -> bool {
        self.code() == Some(404)
    }

    pub fn is_conflict(&self) -> bool {
        self.code() == Some(409)
    }

    /// A 404 because the object's namespace does not exist (not the object itself).
    pub fn is_namespace_missing(&self) -> bool {
        match self {
            ClusterError::Api {
                code: 404, message, ..
            } => message.starts_with("namespaces \""),
            _ => false,
        }
    }
}

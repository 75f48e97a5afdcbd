//! Errors of the commit-bot. Each names the environment, image, file or commit concerned;
//! none carries a credential.

use std::path::PathBuf;

use crate::environment::EnvironmentError;
use crate::git::GitError;

#[derive(Debug, thiserror::Error)]
pub enum BotError {
    #[error("{action}: {source}")]
    Git {
        action: String,
        #[source]
        source: GitError,
    },
    #[error("environment {env} at {rev}: {source}")]
    Environment {
        env: String,
        rev: String,
        #[source]
        source: Box<EnvironmentError>,
    },
    #[error("environment {env}: no kustomization file in {overlay} at {rev}")]
    NoKustomization {
        env: String,
        overlay: String,
        rev: String,
    },
    #[error("{path}: {message}")]
    Kustomization { path: PathBuf, message: String },
    /// The edit could not be made without touching more than the changed values.
    #[error("{path}: refusing to edit: {message}")]
    EditRefused { path: PathBuf, message: String },
    #[error("--image {value}: {message}")]
    InvalidImage { value: String, message: String },
    #[error("environment {env} does not list image {image} (it lists: {listed})")]
    ImageNotListed {
        env: String,
        image: String,
        listed: String,
    },
    #[error("environment {env}: {image}:{tag} is outside its tag policy: {reason}")]
    TagOutsidePolicy {
        env: String,
        image: String,
        tag: String,
        reason: String,
    },
    #[error("environment {env}: image {image}: invalid tag policy: {message}")]
    InvalidPolicy {
        env: String,
        image: String,
        message: String,
    },
    #[error("environment {env}: image {image}: {message}")]
    NoTagFound {
        env: String,
        image: String,
        message: String,
    },
    #[error("registry {registry}: {message}")]
    Registry { registry: String, message: String },
    #[error("promote {from} → {to}: {message}")]
    Promote {
        from: String,
        to: String,
        message: String,
    },
    #[error(
        "promote {from} → {to}: {from} is not healthy ({detail}); use --force to promote anyway"
    )]
    SourceUnhealthy {
        from: String,
        to: String,
        detail: String,
    },
    #[error(
        "rollback of {env}: reverting {commit} conflicts with later changes in {files}; resolve it by hand"
    )]
    RevertConflict {
        env: String,
        commit: String,
        files: String,
    },
    #[error("rollback of {env}: {rev} is not an ancestor of {branch}")]
    NotAncestor {
        env: String,
        rev: String,
        branch: String,
    },
    #[error("push to {remote} {branch}: rejected {attempts} times, last: {reason}")]
    PushRejected {
        remote: String,
        branch: String,
        attempts: u32,
        reason: String,
    },
}

/// Wraps a git error with what the bot was doing.
pub(crate) fn git(action: impl Into<String>) -> impl FnOnce(GitError) -> BotError {
    let action = action.into();
    move |source| BotError::Git { action, source }
}

/// Wraps a raw git2 error with what the bot was doing.
pub(crate) fn git2(action: impl Into<String>) -> impl FnOnce(git2::Error) -> BotError {
    let action = action.into();
    move |source| BotError::Git {
        action: action.clone(),
        source: GitError::Call { action, source },
    }
}

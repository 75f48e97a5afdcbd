//! Errors of git operations.

use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
pub enum GitError {
    #[error("{path}: not in a git repository: {source}")]
    Open {
        path: PathBuf,
        #[source]
        source: git2::Error,
    },
    /// A git2 call failed; `action` says what was being done.
    #[error("git: {action}: {source}")]
    Call {
        action: String,
        #[source]
        source: git2::Error,
    },
    #[error("branch {branch:?} not found ({source})")]
    BranchNotFound {
        branch: String,
        #[source]
        source: git2::Error,
    },
    #[error("revision {rev:?} not found: {message}")]
    Revision { rev: String, message: String },
    #[error("{path}: not a valid path inside the repository")]
    BadPath { path: String },
    #[error("{path}: is a directory in the tree, not a file")]
    NotAFile { path: String },
    /// The branch is checked out and the files the commit touches have local changes.
    #[error(
        "refusing to commit: the work tree has uncommitted changes to {paths} (commit or stash them first)"
    )]
    DirtyWorkTree { paths: String },
    /// The branch moved while the commit was being made.
    #[error("branch {branch} moved while committing (expected {expected}); try again")]
    BranchMoved { branch: String, expected: String },
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("credentials: {message}")]
    Credentials { message: String },
}

/// Wraps a git2 error with what was being done.
pub(crate) fn call(action: impl Into<String>) -> impl FnOnce(git2::Error) -> GitError {
    let action = action.into();
    move |source| GitError::Call { action, source }
}

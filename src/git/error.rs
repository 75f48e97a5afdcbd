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
}

//! Git: repository access through git2 (finding the repository, trees at revisions, commits,
//! reverts, fetch and push).

mod error;

use std::path::{Path, PathBuf};

pub use error::GitError;

/// The work-tree root of the repository containing `start`.
pub fn discover_root(start: &Path) -> Result<PathBuf, GitError> {
    let repo = git2::Repository::discover(start).map_err(|source| GitError::Open {
        path: start.to_path_buf(),
        source,
    })?;
    match repo.workdir() {
        Some(dir) => Ok(dir.to_path_buf()),
        None => Ok(repo.path().to_path_buf()),
    }
}

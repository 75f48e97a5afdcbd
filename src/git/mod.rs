//! Git: repository access through git2 (finding and opening repositories, bare or not;
//! files and trees at revisions; commits that move a branch only if it did not move;
//! in-memory reverts; fetch and push with credentials from the environment).

mod commit;
mod credentials;
mod error;
mod remote;
mod revert;
mod tree;

use std::path::{Path, PathBuf};

pub use commit::{
    advance_branch, branch_head, branch_ref, create_commit, current_branch, resolve_commit,
    signature,
};
pub use credentials::Credentials;
pub use error::GitError;
pub use remote::{PushOutcome, fetch_branch, push_commit, tracking_ref};
pub use revert::{RevertResult, revert_tree};
pub use tree::{blob_id, changed_paths, read_file, write_files};

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

/// Opens the repository at `path`: a work tree (or any directory inside one) or a bare
/// repository.
pub fn open(path: &Path) -> Result<git2::Repository, GitError> {
    git2::Repository::discover(path).map_err(|source| GitError::Open {
        path: path.to_path_buf(),
        source,
    })
}

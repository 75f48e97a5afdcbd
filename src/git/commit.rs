//! Commits made without a work tree: a commit object on top of a parent, then the branch
//! moved to it only if it still points where it did. When the branch is checked out in a
//! work tree, the touched files are updated there too, and only if they have no local
//! changes (user edits are never overwritten).

use std::path::Path;

use git2::{Commit, Oid, Repository, Signature};

use super::error::{GitError, call};
use super::tree::changed_paths;

/// The commit a local branch points to.
pub fn branch_head<'r>(repo: &'r Repository, branch: &str) -> Result<Commit<'r>, GitError> {
    let reference =
        repo.find_reference(&branch_ref(branch))
            .map_err(|source| GitError::BranchNotFound {
                branch: branch.to_string(),
                source,
            })?;
    reference
        .peel_to_commit()
        .map_err(call(format!("reading branch {branch}")))
}

/// `refs/heads/NAME` for a branch name (a full ref name is kept as it is).
pub fn branch_ref(branch: &str) -> String {
    if branch.starts_with("refs/") {
        branch.to_string()
    } else {
        format!("refs/heads/{branch}")
    }
}

/// The branch HEAD points to, when HEAD is a branch.
pub fn current_branch(repo: &Repository) -> Option<String> {
    let head = repo.find_reference("HEAD").ok()?;
    let target = head.symbolic_target().ok()??;
    target.strip_prefix("refs/heads/").map(str::to_string)
}

/// Resolves a revision (anything `git rev-parse` accepts) to a commit.
pub fn resolve_commit<'r>(repo: &'r Repository, rev: &str) -> Result<Commit<'r>, GitError> {
    let object = repo.revparse_single(rev).map_err(|e| GitError::Revision {
        rev: rev.to_string(),
        message: e.message().to_string(),
    })?;
    object.peel_to_commit().map_err(|e| GitError::Revision {
        rev: rev.to_string(),
        message: e.message().to_string(),
    })
}

/// Writes a commit object with `tree` on top of `parents`; no reference moves.
pub fn create_commit(
    repo: &Repository,
    parents: &[&Commit<'_>],
    tree: Oid,
    message: &str,
    author: &Signature<'_>,
) -> Result<Oid, GitError> {
    let tree = repo.find_tree(tree).map_err(call("reading the new tree"))?;
    repo.commit(None, author, author, message, &tree, parents)
        .map_err(call("writing the commit"))
}

/// Moves `branch` from `expected` to `new`. When the branch is checked out in a work tree,
/// the files that differ between the two commits must have no local changes; they are then
/// written to the work tree and the index.
pub fn advance_branch(
    repo: &Repository,
    branch: &str,
    expected: Oid,
    new: Oid,
    reflog: &str,
) -> Result<(), GitError> {
    let checked_out = !repo.is_bare() && current_branch(repo).as_deref() == Some(branch);
    let paths = if checked_out {
        let old_tree = tree_of(repo, expected)?;
        let new_tree = tree_of(repo, new)?;
        let paths = changed_paths(repo, &old_tree, &new_tree)?;
        refuse_dirty(repo, &paths)?;
        paths
    } else {
        Vec::new()
    };
    repo.reference_matching(&branch_ref(branch), new, true, expected, reflog)
        .map_err(|e| {
            if e.code() == git2::ErrorCode::Modified {
                GitError::BranchMoved {
                    branch: branch.to_string(),
                    expected: expected.to_string(),
                }
            } else {
                call(format!("moving branch {branch}"))(e)
            }
        })?;
    if checked_out {
        sync_work_tree(repo, new, &paths)?;
    }
    Ok(())
}

fn tree_of(repo: &Repository, commit: Oid) -> Result<git2::Tree<'_>, GitError> {
    repo.find_commit(commit)
        .and_then(|c| c.tree())
        .map_err(call(format!("reading commit {commit}")))
}

/// Refuses when any of `paths` differs from HEAD in the index or the work tree.
fn refuse_dirty(repo: &Repository, paths: &[String]) -> Result<(), GitError> {
    let mut dirty = Vec::new();
    for path in paths {
        match repo.status_file(Path::new(path)) {
            Ok(status) if status.is_empty() => {}
            Ok(status) if status == git2::Status::IGNORED => dirty.push(path.clone()),
            Ok(_) => dirty.push(path.clone()),
            // Neither tracked nor present: nothing to lose.
            Err(e) if e.code() == git2::ErrorCode::NotFound => {}
            Err(e) => return Err(call(format!("checking {path} in the work tree"))(e)),
        }
    }
    if dirty.is_empty() {
        Ok(())
    } else {
        Err(GitError::DirtyWorkTree {
            paths: dirty.join(", "),
        })
    }
}

/// Writes `paths` as they are in commit `new` to the work tree and the index.
fn sync_work_tree(repo: &Repository, new: Oid, paths: &[String]) -> Result<(), GitError> {
    let Some(workdir) = repo.workdir().map(Path::to_path_buf) else {
        return Ok(());
    };
    let tree = tree_of(repo, new)?;
    let mut index = repo.index().map_err(call("opening the index"))?;
    for path in paths {
        let file = workdir.join(path);
        let io = |source| GitError::Io {
            path: file.clone(),
            source,
        };
        match super::tree::blob_id(&tree, path)? {
            Some(id) => {
                let blob = repo
                    .find_blob(id)
                    .map_err(call(format!("reading {path}")))?;
                if let Some(parent) = file.parent() {
                    std::fs::create_dir_all(parent).map_err(io)?;
                }
                std::fs::write(&file, blob.content()).map_err(io)?;
                index
                    .add_path(Path::new(path))
                    .map_err(call(format!("updating the index for {path}")))?;
            }
            None => {
                match std::fs::remove_file(&file) {
                    Ok(()) => {}
                    Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                    Err(e) => return Err(io(e)),
                }
                // A path that was never in the index is fine to "remove".
                let _ = index.remove_path(Path::new(path));
            }
        }
    }
    index.write().map_err(call("writing the index"))
}

/// The signature commits are made with: `name <email>` now.
pub fn signature(name: &str, email: &str) -> Result<Signature<'static>, GitError> {
    Signature::now(name, email).map_err(call("making the commit signature"))
}

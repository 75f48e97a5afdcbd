//! Reverts computed in memory: the three-way merge `git revert` does, against any commit,
//! without a work tree.

use git2::{Commit, Oid, Repository};

use super::error::{GitError, call};

/// What reverting a commit onto another gives.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RevertResult {
    /// The tree of the revert.
    Tree(Oid),
    /// The files that conflict.
    Conflicts(Vec<String>),
}

/// Reverts `commit` on top of `onto` (for a merge commit, relative to its first parent).
pub fn revert_tree(
    repo: &Repository,
    commit: &Commit<'_>,
    onto: &Commit<'_>,
) -> Result<RevertResult, GitError> {
    let mainline = if commit.parent_count() > 1 { 1 } else { 0 };
    let mut index = repo
        .revert_commit(commit, onto, mainline, None)
        .map_err(call(format!("reverting {}", commit.id())))?;
    if index.has_conflicts() {
        let mut files = Vec::new();
        let conflicts = index.conflicts().map_err(call(format!(
            "listing conflicts of reverting {}",
            commit.id()
        )))?;
        for conflict in conflicts {
            let conflict = conflict.map_err(call("reading a conflict"))?;
            let entry = conflict.our.or(conflict.their).or(conflict.ancestor);
            if let Some(entry) = entry {
                let path = String::from_utf8_lossy(&entry.path).into_owned();
                if !files.contains(&path) {
                    files.push(path);
                }
            }
        }
        return Ok(RevertResult::Conflicts(files));
    }
    let tree = index
        .write_tree_to(repo)
        .map_err(call(format!("writing the tree reverting {}", commit.id())))?;
    Ok(RevertResult::Tree(tree))
}

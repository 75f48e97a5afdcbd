//! Rollbacks: a `git revert` of the newest commit that changed an environment's inputs (or
//! of every such commit after a revision), computed in memory and committed with the
//! reason. A commit that is itself a revert, or that was already reverted, is never chosen:
//! rolling back twice goes one change further back instead of undoing the first rollback.
//! The commit that created the environment is never reverted by `revert_last_change`.

use std::collections::HashSet;

use git2::{Commit, Oid, Repository};

use super::CommitOptions;
use super::env_log::{is_ancestor, walk};
use super::env_tree::short;
use super::error::{BotError, git, git2};
use super::message;
use crate::git::RevertResult;

/// Reverts the newest not-yet-reverted change to `env` on `branch` and moves the branch;
/// `None` when there is nothing to revert.
pub fn revert_last_change(
    repo: &Repository,
    branch: &str,
    env: &str,
    reason: &str,
    opts: &CommitOptions,
) -> Result<Option<Oid>, BotError> {
    let head = crate::git::branch_head(repo, branch).map_err(git(format!("rollback {env}")))?;
    let commit = revert_last_change_commit(repo, &head, env, reason, opts)?;
    advance(repo, branch, &head, commit)
}

/// Reverts every change to `env` after revision `to` (newest first, as one commit) and
/// moves the branch; `None` when nothing changed `env` after `to`.
pub fn revert_since(
    repo: &Repository,
    branch: &str,
    env: &str,
    to: &str,
    reason: &str,
    opts: &CommitOptions,
) -> Result<Option<Oid>, BotError> {
    let head = crate::git::branch_head(repo, branch).map_err(git(format!("rollback {env}")))?;
    let target = crate::git::resolve_commit(repo, to).map_err(git(format!("rollback {env}")))?;
    if !is_ancestor(repo, target.id(), head.id())? {
        return Err(BotError::NotAncestor {
            env: env.to_string(),
            rev: to.to_string(),
            branch: branch.to_string(),
        });
    }
    let commit = revert_since_commit(repo, &head, env, target.id(), reason, opts)?;
    advance(repo, branch, &head, commit)
}

fn advance(
    repo: &Repository,
    branch: &str,
    head: &Commit<'_>,
    commit: Option<Oid>,
) -> Result<Option<Oid>, BotError> {
    let Some(commit) = commit else {
        return Ok(None);
    };
    crate::git::advance_branch(repo, branch, head.id(), commit, "converge: rollback")
        .map_err(git(format!("rollback: updating {branch}")))?;
    Ok(Some(commit))
}

/// The commit `revert_last_change` makes, on top of `parent` (no reference moves).
pub fn revert_last_change_commit(
    repo: &Repository,
    parent: &Commit<'_>,
    env: &str,
    reason: &str,
    opts: &CommitOptions,
) -> Result<Option<Oid>, BotError> {
    let mut reverted: HashSet<String> = HashSet::new();
    let mut target: Option<Commit<'_>> = None;
    walk(repo, parent, env, |change| {
        let id = change.commit.id().to_string();
        let reverts = message::reverted_commits(change.commit.message().unwrap_or(""));
        if !reverts.is_empty() {
            reverted.extend(reverts);
            return Ok(true);
        }
        if reverted.contains(&id) {
            return Ok(true);
        }
        if change.created {
            // Reverting the commit that made the environment would delete it.
            return Ok(false);
        }
        target = Some(change.commit);
        Ok(false)
    })?;
    let Some(target) = target else {
        return Ok(None);
    };
    revert_commits(repo, parent, env, &[target], reason, opts)
}

/// The commit `revert_since` makes, on top of `parent` (no reference moves).
pub fn revert_since_commit(
    repo: &Repository,
    parent: &Commit<'_>,
    env: &str,
    since: Oid,
    reason: &str,
    opts: &CommitOptions,
) -> Result<Option<Oid>, BotError> {
    if !is_ancestor(repo, since, parent.id())? {
        return Err(BotError::NotAncestor {
            env: env.to_string(),
            rev: since.to_string(),
            branch: short(parent),
        });
    }
    let mut targets = Vec::new();
    walk(repo, parent, env, |change| {
        if change.commit.id() == since || is_ancestor(repo, change.commit.id(), since)? {
            return Ok(false);
        }
        targets.push(change.commit);
        Ok(true)
    })?;
    if targets.is_empty() {
        return Ok(None);
    }
    revert_commits(repo, parent, env, &targets, reason, opts)
}

/// Reverts `targets` (newest first) one after another on top of `parent`, as one commit;
/// `None` when the result is `parent`'s tree (the changes were already undone).
fn revert_commits(
    repo: &Repository,
    parent: &Commit<'_>,
    env: &str,
    targets: &[Commit<'_>],
    reason: &str,
    opts: &CommitOptions,
) -> Result<Option<Oid>, BotError> {
    let author = crate::git::signature(&opts.author_name, &opts.author_email)
        .map_err(git("making the commit signature"))?;
    let mut onto = parent.clone();
    let mut tree = parent.tree_id();
    for target in targets {
        match crate::git::revert_tree(repo, target, &onto)
            .map_err(git(format!("rollback {env}: reverting {}", short(target))))?
        {
            RevertResult::Tree(id) => tree = id,
            RevertResult::Conflicts(files) => {
                return Err(BotError::RevertConflict {
                    env: env.to_string(),
                    commit: target.id().to_string(),
                    files: files.join(", "),
                });
            }
        }
        // An unreferenced commit holding this step's result, for the next step's merge.
        let step =
            crate::git::create_commit(repo, &[&onto], tree, "converge: revert step", &author)
                .map_err(git(format!("rollback {env}")))?;
        onto = repo
            .find_commit(step)
            .map_err(git2(format!("rollback {env}: reading a revert step")))?;
    }
    if tree == parent.tree_id() {
        return Ok(None);
    }
    let reverted: Vec<(String, String)> = targets
        .iter()
        .map(|c| {
            (
                c.id().to_string(),
                c.summary().ok().flatten().unwrap_or("").to_string(),
            )
        })
        .collect();
    let message = message::revert(env, &reverted, reason);
    crate::git::create_commit(repo, &[parent], tree, &message, &author)
        .map_err(git(format!("rollback {env}: committing")))
        .map(Some)
}

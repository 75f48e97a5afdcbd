//! Pushing the bot's commits: fetch the remote branch, make the change on top of it, push as
//! a fast-forward; when another push got there first, fetch again and recompute the same
//! change on the new head (bounded attempts, short growing pauses). Never forces.

use std::time::Duration;

use git2::{Oid, Repository};

use super::env_log::is_ancestor;
use super::error::{BotError, git, git2};
use crate::git::{Credentials, PushOutcome};

/// What a push run did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PushReport {
    /// The pushed commit; `None` when the edit had nothing to change.
    pub commit: Option<Oid>,
    /// How many times the change was made and pushed (1 when nobody raced us).
    pub attempts: u32,
    /// Whether the local branch was moved to the pushed commit (it is left alone when it
    /// has commits of its own, or the work tree has changes to the touched files).
    pub local_branch_updated: bool,
}

/// The change to make, as a commit on top of the given base (the remote head), without
/// moving any reference; `None` when there is nothing to change.
pub type Edit<'a> = dyn Fn(&Repository, Oid) -> Result<Option<Oid>, BotError> + 'a;

/// Makes `edit` on the remote's `branch` and pushes it, retrying on a moved remote up to
/// `max_attempts` times.
pub fn push_with_retry(
    repo: &Repository,
    remote: &str,
    branch: &str,
    credentials: &Credentials,
    edit: &Edit<'_>,
    max_attempts: u32,
) -> Result<PushReport, BotError> {
    let mut last_reason = String::new();
    for attempt in 1..=max_attempts.max(1) {
        let base = crate::git::fetch_branch(repo, remote, branch, credentials)
            .map_err(git(format!("fetching {branch} from {remote}")))?;
        let Some(commit) = edit(repo, base)? else {
            let local_branch_updated = update_local(repo, branch, base)?;
            return Ok(PushReport {
                commit: None,
                attempts: attempt,
                local_branch_updated,
            });
        };
        match crate::git::push_commit(repo, remote, branch, commit, credentials)
            .map_err(git(format!("pushing {branch} to {remote}")))?
        {
            PushOutcome::Pushed => {
                // Keep the remote-tracking ref in step without another fetch.
                let tracking = crate::git::tracking_ref(repo, remote, branch);
                repo.reference(&tracking, commit, true, "converge: pushed")
                    .map_err(git2(format!("updating {tracking}")))?;
                let local_branch_updated = update_local(repo, branch, commit)?;
                return Ok(PushReport {
                    commit: Some(commit),
                    attempts: attempt,
                    local_branch_updated,
                });
            }
            PushOutcome::Rejected(reason) => {
                tracing::info!(attempt, %reason, "push rejected; fetching and retrying");
                last_reason = reason;
                std::thread::sleep(Duration::from_millis(200 * u64::from(attempt)));
            }
        }
    }
    Err(BotError::PushRejected {
        remote: remote.to_string(),
        branch: branch.to_string(),
        attempts: max_attempts.max(1),
        reason: last_reason,
    })
}

/// Fast-forwards the local branch to `commit` when it can (missing branches are created);
/// `false` when the local branch has commits of its own or its work tree is in the way.
fn update_local(repo: &Repository, branch: &str, commit: Oid) -> Result<bool, BotError> {
    let local = match crate::git::branch_head(repo, branch) {
        Ok(head) => head.id(),
        Err(_) => {
            repo.reference(
                &crate::git::branch_ref(branch),
                commit,
                false,
                "converge: pushed",
            )
            .map_err(git2(format!("creating branch {branch}")))?;
            return Ok(true);
        }
    };
    if local == commit {
        return Ok(true);
    }
    if !is_ancestor(repo, local, commit)? {
        return Ok(false);
    }
    match crate::git::advance_branch(repo, branch, local, commit, "converge: pushed") {
        Ok(()) => Ok(true),
        Err(crate::git::GitError::DirtyWorkTree { paths }) => {
            tracing::warn!(%branch, %paths, "pushed, but the local branch was left behind: the work tree has changes");
            Ok(false)
        }
        Err(e) => Err(BotError::Git {
            action: format!("updating the local branch {branch}"),
            source: e,
        }),
    }
}

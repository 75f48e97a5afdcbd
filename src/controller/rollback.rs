//! Automatic rollback through git: the commit-bot's revert of the change that broke an
//! environment, pushed to the followed branch (or committed to the watched work tree's
//! branch). Three rules keep it from doing harm:
//!
//! - only the change that was synced is reverted: the newest commit that changed the
//!   environment at the failing revision; if the branch has moved on to a newer change of
//!   the environment by push time, nothing is reverted (the newer change gets its own sync);
//! - a revert is never reverted: when the newest change is itself a revert (the rolled-back
//!   state is unhealthy too), the controller stops and says so instead of walking history
//!   backwards one revert at a time;
//! - a commit is never reverted twice: the bot skips commits its history already reverts
//!   (`Converge-Revert-Of` trailers), and the controller remembers what it reverted.

use std::path::PathBuf;

use git2::{Oid, Repository};

use super::config::{ControllerConfig, Repository as RepositorySpec};
use super::pipeline::{Revert, RevertFailure, RevertOutcome, RevertRequest};
use crate::bot::{self, BotError, CommitOptions, message};
use crate::git::Credentials;

/// Where the revert goes.
#[derive(Debug, Clone)]
pub enum Target {
    /// Pushed to `branch` of the mirror's remote, retried when the remote moved.
    Remote { remote: String, branch: String },
    /// Committed to the repository's checked-out branch (a watched work tree).
    Local,
}

/// Reverts with the commit-bot.
#[derive(Debug, Clone)]
pub struct GitReverter {
    pub repo: PathBuf,
    pub target: Target,
    pub credentials: Credentials,
    pub author: CommitOptions,
    /// Push attempts when the remote keeps moving.
    pub max_attempts: u32,
}

/// The reverter for a configuration: pushes to the followed branch of a remote; commits to
/// the checked-out branch of a watched directory's repository; declines when the directory
/// is not in a git repository.
pub fn default_reverter(config: &ControllerConfig) -> std::sync::Arc<dyn Revert> {
    let author = CommitOptions {
        author_name: config.author_name.clone(),
        author_email: config.author_email.clone(),
    };
    match &config.repository {
        RepositorySpec::Remote { branch, .. } => std::sync::Arc::new(GitReverter {
            repo: config.mirror_dir(),
            target: Target::Remote {
                remote: super::repo::REMOTE.to_string(),
                branch: branch.clone(),
            },
            credentials: config.credentials.clone(),
            author,
            max_attempts: 5,
        }),
        RepositorySpec::Path { dir } => match crate::git::discover_root(dir) {
            Ok(root) => std::sync::Arc::new(GitReverter {
                repo: root,
                target: Target::Local,
                credentials: config.credentials.clone(),
                author,
                max_attempts: 1,
            }),
            Err(_) => std::sync::Arc::new(super::NoRevert),
        },
    }
}

fn failure(context: &str) -> impl FnOnce(BotError) -> RevertFailure + '_ {
    move |e| RevertFailure {
        message: format!("{context}: {e}"),
    }
}

/// The commit a revert commit says it reverts (its `Converge-Revert-Of` trailer).
fn reverted_by(repo: &Repository, revert: Oid) -> Option<String> {
    let commit = repo.find_commit(revert).ok()?;
    message::reverted_commits(commit.message().unwrap_or(""))
        .into_iter()
        .next()
}

fn short(id: &str) -> &str {
    id.get(..12).unwrap_or(id)
}

impl GitReverter {
    /// The change to revert at the failing revision, or why there is none.
    fn choose(
        &self,
        repo: &Repository,
        request: &RevertRequest,
    ) -> Result<Result<String, String>, RevertFailure> {
        let env = &request.environment;
        let newest = bot::history(repo, &request.failing, env, Some(1))
            .map_err(failure("reading the environment's history"))?;
        let Some(entry) = newest.into_iter().next() else {
            return Ok(Err(format!("no commit changed {env}")));
        };
        let id = entry.commit.to_string();
        if !entry.reverts.is_empty() {
            return Ok(Err(format!(
                "the newest change to {env} ({} \"{}\") is itself a rollback, and the environment \
                 is still unhealthy; not reverting a revert (fix forward or roll back by hand)",
                short(&id),
                entry.summary
            )));
        }
        if entry.created {
            return Ok(Err(format!(
                "the newest change to {env} ({}) created it; there is nothing to go back to",
                short(&id)
            )));
        }
        Ok(Ok(id))
    }

    /// The revert of `target` on top of `base`, only if it is still the newest change there.
    fn revert_on(
        &self,
        repo: &Repository,
        base: Oid,
        request: &RevertRequest,
        target: &str,
    ) -> Result<Option<Oid>, BotError> {
        let parent = repo.find_commit(base).map_err(|source| BotError::Git {
            action: format!("reading {base}"),
            source: crate::git::GitError::Call {
                action: "finding the branch head".into(),
                source,
            },
        })?;
        let made = bot::revert_last_change_commit(
            repo,
            &parent,
            &request.environment,
            &request.reason,
            &self.author,
        )?;
        Ok(made.filter(|commit| reverted_by(repo, *commit).as_deref() == Some(target)))
    }
}

impl Revert for GitReverter {
    fn revert(&self, request: &RevertRequest) -> Result<RevertOutcome, RevertFailure> {
        let repo = crate::git::open(&self.repo).map_err(|e| RevertFailure {
            message: format!("opening {}: {e}", self.repo.display()),
        })?;
        let target = match self.choose(&repo, request)? {
            Ok(target) => target,
            Err(reason) => return Ok(RevertOutcome::Declined { reason }),
        };
        let made = match &self.target {
            Target::Remote { remote, branch } => {
                let edit =
                    |repo: &Repository, base: Oid| self.revert_on(repo, base, request, &target);
                bot::push_with_retry(
                    &repo,
                    remote,
                    branch,
                    &self.credentials,
                    &edit,
                    self.max_attempts,
                )
                .map_err(failure("pushing the rollback"))?
                .commit
            }
            Target::Local => {
                let branch = crate::git::current_branch(&repo).ok_or_else(|| RevertFailure {
                    message: "the watched repository has no branch checked out".into(),
                })?;
                let head = crate::git::branch_head(&repo, &branch)
                    .map_err(|e| RevertFailure {
                        message: format!("reading {branch}: {e}"),
                    })?
                    .id();
                let commit = self
                    .revert_on(&repo, head, request, &target)
                    .map_err(failure("making the rollback"))?;
                if let Some(commit) = commit {
                    crate::git::advance_branch(&repo, &branch, head, commit, "converge: rollback")
                        .map_err(|e| RevertFailure {
                            message: format!("committing the rollback to {branch}: {e}"),
                        })?;
                }
                commit
            }
        };
        Ok(match made {
            Some(commit) => RevertOutcome::Reverted {
                commit: commit.to_string(),
                reverted: target,
            },
            None => RevertOutcome::Declined {
                reason: format!(
                    "{} is no longer the newest change to {} on the branch (it moved on, or the \
                     change was already reverted)",
                    short(&target),
                    request.environment
                ),
            },
        })
    }
}

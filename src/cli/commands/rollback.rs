//! `converge rollback --env NAME [--to REV] [--reason TEXT] [--push]`: a `git revert` of the
//! environment's last change (or of every change after REV), as one commit.

use anyhow::Context;

use super::bot_common::{PUSH_ATTEMPTS, branch, open_repo, remote_of, report};
use crate::bot::{self, CommitOptions};
use crate::cli::{GlobalArgs, Outcome, RollbackArgs};
use crate::git::Credentials;

pub(super) fn run(global: &GlobalArgs, args: RollbackArgs) -> anyhow::Result<Outcome> {
    let repo = open_repo(global)?;
    let branch = branch(&repo)?;
    let opts = CommitOptions::from_repo(&repo);
    let reason = args.reason.clone().unwrap_or_else(|| {
        format!(
            "manual rollback by {} <{}> with `converge rollback`",
            opts.author_name, opts.author_email
        )
    });
    let to = match &args.to {
        Some(rev) => Some(crate::git::resolve_commit(&repo, rev)?.id()),
        None => None,
    };
    let make = |repo: &git2::Repository, base: &git2::Commit<'_>| match to {
        Some(to) => bot::revert_since_commit(repo, base, &args.env, to, &reason, &opts),
        None => bot::revert_last_change_commit(repo, base, &args.env, &reason, &opts),
    };
    let nothing = format!("{}: nothing to roll back", args.env);
    let extra = serde_json::json!({"environment": args.env});
    if args.push {
        let credentials = Credentials::from_env()?;
        let remote = remote_of(&repo, &branch);
        let edit = |repo: &git2::Repository, base: git2::Oid| {
            let base = repo.find_commit(base).map_err(|e| bot::BotError::Git {
                action: format!("reading {base}"),
                source: crate::git::GitError::Call {
                    action: "reading the fetched head".into(),
                    source: e,
                },
            })?;
            make(repo, &base)
        };
        let pushed =
            bot::push_with_retry(&repo, &remote, &branch, &credentials, &edit, PUSH_ATTEMPTS)
                .with_context(|| format!("rollback {} and push", args.env))?;
        report(global, &repo, pushed.commit, &nothing, extra)?;
        return Ok(Outcome::Clean);
    }
    let commit = match &args.to {
        Some(rev) => bot::revert_since(&repo, &branch, &args.env, rev, &reason, &opts)?,
        None => bot::revert_last_change(&repo, &branch, &args.env, &reason, &opts)?,
    };
    report(global, &repo, commit, &nothing, extra)?;
    Ok(Outcome::Clean)
}

//! `converge promote --from A --to B [--image NAME …] [--force] [--push]`: one commit
//! setting B's images to A's.

use anyhow::Context;

use super::bot_common::{PUSH_ATTEMPTS, branch, open_repo, remote_of, report};
use crate::bot::{self, CommitOptions, HealthVerdict, PromoteRequest};
use crate::cli::{GlobalArgs, Outcome, PromoteArgs};
use crate::git::Credentials;

/// The source environment's health. No cluster health check is wired into this build yet,
/// so the verdict is "unknown" and the promotion proceeds (recorded in the commit).
fn source_health(_env: &str) -> HealthVerdict {
    HealthVerdict::Unknown("no cluster".into())
}

pub(super) fn run(global: &GlobalArgs, args: PromoteArgs) -> anyhow::Result<Outcome> {
    let repo = open_repo(global)?;
    let branch = branch(&repo)?;
    let opts = CommitOptions::from_repo(&repo);
    let request = PromoteRequest {
        from: &args.from,
        to: &args.to,
        images: &args.images,
        force: args.force,
        health: &source_health,
    };
    let extra = serde_json::json!({"from": args.from, "to": args.to});
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
            bot::promote_commit(repo, &base, &request, &opts)
        };
        let pushed =
            bot::push_with_retry(&repo, &remote, &branch, &credentials, &edit, PUSH_ATTEMPTS)
                .with_context(|| format!("promote {} → {} and push", args.from, args.to))?;
        report(
            global,
            &repo,
            pushed.commit,
            &format!("{}: already has the images of {}", args.to, args.from),
            extra,
        )?;
        return Ok(Outcome::Clean);
    }
    let commit = bot::promote(&repo, &branch, &request, &opts)?;
    report(
        global,
        &repo,
        commit,
        &format!("{}: already has the images of {}", args.to, args.from),
        extra,
    )?;
    Ok(Outcome::Clean)
}

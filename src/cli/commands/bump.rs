//! `converge bump --env NAME --image NAME=TAG [--image …] [--latest] [--push]`: one commit
//! setting image tags (or digests) in an environment's kustomization.

use anyhow::Context;

use super::bot_common::{PUSH_ATTEMPTS, branch, open_repo, remote_of, report};
use crate::bot::{self, CommitOptions, ImageChange, registry};
use crate::cli::{BumpArgs, GlobalArgs, Outcome};
use crate::git::Credentials;

pub(super) fn run(global: &GlobalArgs, args: BumpArgs) -> anyhow::Result<Outcome> {
    let repo = open_repo(global)?;
    let branch = branch(&repo)?;
    let opts = CommitOptions::from_repo(&repo);
    let changes = if args.latest {
        let client = registry::RegistryClient::new(
            registry::RegistryCredentials::from_env().map_err(anyhow::Error::msg)?,
        );
        let head = crate::git::branch_head(&repo, &branch)?;
        let mut changes = Vec::new();
        for image in &args.images {
            if image.contains('=') || image.contains('@') {
                anyhow::bail!("--image {image}: with --latest give only the image name");
            }
            changes.push(bot::latest_change(&repo, &head, &args.env, image, &client)?);
        }
        changes
    } else {
        args.images
            .iter()
            .map(|value| {
                ImageChange::parse(value).map_err(|message| bot::BotError::InvalidImage {
                    value: value.clone(),
                    message,
                })
            })
            .collect::<Result<Vec<_>, _>>()?
    };
    let chosen = serde_json::json!({
        "environment": args.env,
        "images": changes.iter().map(|c| serde_json::json!({
            "name": c.name, "tag": c.tag, "digest": c.digest,
        })).collect::<Vec<_>>(),
    });
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
            bot::bump_commit(repo, &base, &args.env, &changes, &opts)
        };
        let pushed =
            bot::push_with_retry(&repo, &remote, &branch, &credentials, &edit, PUSH_ATTEMPTS)
                .with_context(|| format!("bump {} and push to {remote}", args.env))?;
        let mut extra = chosen;
        extra["pushed"] = serde_json::json!(pushed.commit.is_some());
        extra["attempts"] = serde_json::json!(pushed.attempts);
        report(
            global,
            &repo,
            pushed.commit,
            &format!(
                "{}: nothing to change (the images already have these settings on {remote}/{branch})",
                args.env
            ),
            extra,
        )?;
        if let Some(commit) = pushed.commit {
            eprintln!(
                "pushed {} to {remote} {branch} (attempt {})",
                &commit.to_string()[..12],
                pushed.attempts
            );
        }
        return Ok(Outcome::Clean);
    }
    let commit = bot::bump(&repo, &branch, &args.env, &changes, &opts)?;
    report(
        global,
        &repo,
        commit,
        &format!(
            "{}: nothing to change (the images already have these settings)",
            args.env
        ),
        chosen,
    )?;
    Ok(Outcome::Clean)
}

//! `converge promote --from A --to B [--image NAME …] [--force] [--push]`: one commit
//! setting B's images to A's.

use anyhow::Context;
use git2::Repository;

use super::bot_common::{PUSH_ATTEMPTS, branch, fetched_head, open_repo, remote_of, report};
use super::sync::{connect, runtime};
use crate::bot::{self, CommitOptions, HealthVerdict, PromoteRequest};
use crate::cli::{GlobalArgs, Outcome, PromoteArgs};
use crate::environment;
use crate::git::Credentials;
use crate::health::Status;
use crate::source::GitSource;
use crate::sync::{self, PlanOptions};

/// How many unhealthy objects a refusal names before it summarises the rest.
const NAMED_OBJECTS: usize = 3;

/// The source environment's health on its cluster, judged for the inputs it has at the
/// branch head: healthy only when that exact revision of the environment is synced and every
/// object is Current. Unknown (and the promotion proceeds, saying so in the commit) when no
/// cluster can be asked.
fn source_health(global: &GlobalArgs, repo: &Repository, branch: &str, env: &str) -> HealthVerdict {
    let source = match GitSource::open(repo.path(), branch) {
        Ok(source) => source,
        Err(e) => return HealthVerdict::Unknown(format!("cannot read {branch}: {e}")),
    };
    let (environment, rendered) = match environment::render_environment(&source, env) {
        Ok(rendered) => rendered,
        // The promotion itself reports an environment that does not load or render.
        Err(e) => return HealthVerdict::Unknown(format!("{env} does not render: {e}")),
    };
    let revision = Some(source.commit().to_string());
    let digest = rendered.closure.digest();
    let Ok(rt) = runtime() else {
        return HealthVerdict::Unknown("no async runtime".into());
    };
    let status = rt.block_on(async {
        let cluster = connect(global, &environment).await.map_err(|e| {
            eprintln!("note: {env}'s health is unknown: {e:#}");
            "no cluster"
        })?;
        sync::status(
            &cluster,
            &environment,
            &rendered.objects(),
            revision,
            digest,
            &PlanOptions::default(),
        )
        .await
        .map_err(|e| {
            eprintln!("note: {env}'s health is unknown: {e}");
            "cluster unreachable"
        })
    });
    let status = match status {
        Ok(status) => status,
        Err(reason) => return HealthVerdict::Unknown(reason.into()),
    };
    let Some(synced) = &status.synced else {
        return HealthVerdict::Unhealthy(format!("{env} was never synced to its cluster"));
    };
    if status.out_of_date {
        return HealthVerdict::Unhealthy(format!(
            "{env} runs {}, not the inputs it has on {branch} yet",
            synced.revision.as_deref().unwrap_or("an unknown revision")
        ));
    }
    let unhealthy = status.health.unhealthy();
    if status.health.overall() == Status::Current || unhealthy.is_empty() {
        return HealthVerdict::Healthy;
    }
    let mut named: Vec<String> = unhealthy
        .iter()
        .take(NAMED_OBJECTS)
        .map(|o| format!("{}: {} ({})", o.id, o.health.status, o.health.message))
        .collect();
    if unhealthy.len() > NAMED_OBJECTS {
        named.push(format!("{} more", unhealthy.len() - NAMED_OBJECTS));
    }
    HealthVerdict::Unhealthy(named.join("; "))
}

pub(super) fn run(global: &GlobalArgs, args: PromoteArgs) -> anyhow::Result<Outcome> {
    let repo = open_repo(global)?;
    let branch = branch(&repo)?;
    let opts = CommitOptions::from_repo(&repo);
    let health = |env: &str| source_health(global, &repo, &branch, env);
    let request = PromoteRequest {
        from: &args.from,
        to: &args.to,
        images: &args.images,
        force: args.force,
        health: &health,
    };
    let extra = serde_json::json!({"from": args.from, "to": args.to});
    if args.push {
        let credentials = Credentials::from_env()?;
        let remote = remote_of(&repo, &branch);
        let edit = |repo: &git2::Repository, base: git2::Oid| {
            let base = fetched_head(repo, base)?;
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

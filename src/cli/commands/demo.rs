//! `converge demo`: the whole GitOps loop in under a minute, on nothing but this binary.
//!
//! It starts the embedded sandbox, makes a scratch copy of this repository's example
//! platform in a bare "remote" repository, runs the controller on it in-process, and then
//! narrates: both environments synced; an image bump committed by the bot, pushed, announced
//! by a signed webhook and rolled out; a bump to a broken image caught by the health check
//! and reverted by a commit; a change made behind git's back undone; the history of each
//! environment. Everything stops and the scratch directory is removed at the end.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Context, anyhow, bail};
use git2::{Oid, Repository};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use super::render::repo_root;
use crate::bot::{self, CommitOptions, ImageChange};
use crate::cli::{DemoArgs, GlobalArgs, Outcome};
use crate::controller::{
    Backoff, Controller, ControllerConfig, Phase, PipelineSync, Repository as Source,
    RevertOutcome, Running, WebhookSecret, default_reverter, webhook,
};
use crate::git::Credentials;
use crate::sandbox::{Sandbox, SandboxConfig};

const ENVIRONMENTS: [&str; 2] = ["staging", "production"];
const API: &str = "registry.example.com/ml/api";
const ANALYZER: &str = "registry.example.com/ml/analyzer";
/// How long any one step may take before the demo gives up.
const STEP_TIMEOUT: Duration = Duration::from_secs(40);

pub(super) fn run(global: &GlobalArgs, args: DemoArgs) -> anyhow::Result<Outcome> {
    let repo = repo_root(global).context(
        "the demo copies this repository's example platform: run it inside a converge checkout (or pass --repo)",
    )?;
    let scratch = Scratch::create()?;
    let runtime = tokio::runtime::Runtime::new().context("cannot start the async runtime")?;
    let result = runtime.block_on(demo(&repo, &scratch.0));
    // Stop the runtime's remaining tasks (watch streams, servers) before the files go.
    drop(runtime);
    if args.keep {
        println!(
            "\nThe scratch repositories are kept in {}",
            scratch.keep().display()
        );
    }
    result.map(|()| Outcome::Clean)
}

/// A scratch directory, removed when dropped (unless kept).
struct Scratch(PathBuf);

impl Scratch {
    fn create() -> anyhow::Result<Scratch> {
        let path = std::env::temp_dir().join(format!(
            "converge-demo-{}-{:08x}",
            std::process::id(),
            rand::random::<u32>()
        ));
        std::fs::create_dir_all(&path)
            .with_context(|| format!("cannot create the scratch directory {}", path.display()))?;
        Ok(Scratch(path))
    }

    fn keep(self) -> PathBuf {
        let path = self.0.clone();
        std::mem::forget(self);
        path
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn say(text: &str) {
    println!("{text}");
}

fn step(n: usize, text: &str) {
    println!("\n[{n}/6] {text}");
}

async fn demo(repo: &Path, scratch: &Path) -> anyhow::Result<()> {
    let started = Instant::now();
    println!(
        "converge demo: the GitOps loop on an embedded Kubernetes API server, in under a minute."
    );

    step(
        1,
        "Starting the sandbox, an embedded Kubernetes API server (kubectl and kube-rs talk to it unchanged).",
    );
    let sandbox = Sandbox::start(SandboxConfig {
        rollout_delay: Duration::from_millis(300),
        ..SandboxConfig::default()
    })
    .await
    .context("cannot start the sandbox")?;
    say(&format!("      listening on {}", sandbox.url()));

    step(
        2,
        "A scratch copy of this repository's example platform, in a bare \"remote\" the controller clones.",
    );
    let remote = scratch.join("remote.git");
    let first = seed_remote(repo, &remote)?;
    say(&format!(
        "      {} (commit {})",
        remote.display(),
        short(&first.to_string())
    ));
    let secret = format!("{:032x}", rand::random::<u128>());
    let mut config = ControllerConfig::new(
        Source::Remote {
            url: remote.to_string_lossy().into_owned(),
            branch: "main".into(),
        },
        scratch.join("controller"),
    );
    config.interval = Duration::from_secs(30);
    config.listen = Some(([127, 0, 0, 1], 0).into());
    config.webhook_secret = Some(WebhookSecret::new(secret.clone().into_bytes()));
    config.identity = "converge-demo".into();
    config.backoff = Backoff {
        initial: Duration::from_millis(500),
        max: Duration::from_secs(5),
    };
    config.drift_debounce = Duration::from_millis(100);
    let reverter = default_reverter(&config);
    let running = Controller::new(
        config,
        sandbox.client(),
        Arc::new(PipelineSync::new()),
        reverter,
    )
    .start()
    .await?;
    let addr = running
        .addr
        .ok_or_else(|| anyhow!("the controller serves no HTTP"))?;
    say(&format!(
        "      controller running: status on http://{addr}/api/environments, webhooks on http://{addr}/hooks/github"
    ));

    let outcome = scenario(&running, &sandbox, &remote, scratch, addr, &secret).await;
    running.shutdown().await;
    sandbox.shutdown().await;
    outcome?;
    println!(
        "\nDone in {:.1}s. The controller and the sandbox are stopped; nothing is left running.",
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

async fn scenario(
    running: &Running,
    sandbox: &Sandbox,
    remote: &Path,
    scratch: &Path,
    addr: std::net::SocketAddr,
    secret: &str,
) -> anyhow::Result<()> {
    let status = running.status();
    step(
        3,
        "First reconcile: each environment is rendered, checked against its policies, applied with server-side apply and watched until healthy.",
    );
    wait(running, "staging and production to sync", |r| {
        ENVIRONMENTS
            .iter()
            .all(|e| r.status().env(e).is_some_and(|s| s.phase == Phase::Synced))
    })
    .await?;
    for env in ENVIRONMENTS {
        if let Some(s) = status.env(env)
            && let Some(sync) = &s.last_sync
        {
            say(&format!(
                "      ✓ {env:<10} synced {} — {} objects applied, healthy in {:.1}s",
                short(&sync.revision),
                sync.applied,
                sync.duration_ms as f64 / 1000.0
            ));
        }
    }

    step(
        4,
        "The commit-bot bumps staging's api image 1.4.0 → 1.5.0 and pushes; a signed webhook tells the controller at once.",
    );
    let bot_clone = scratch.join("bot.git");
    git2::build::RepoBuilder::new()
        .bare(true)
        .clone(&remote.to_string_lossy(), &bot_clone)
        .context("cloning the remote for the bot")?;
    let skipped_before = skipped(running, "production");
    let requests_before = running.metrics().api_requests_of("production");
    let bump = bot_push(&bot_clone, "staging", API, "1.5.0")?;
    say(&format!(
        "      commit {} \"{}\"",
        short(&bump.to_string()),
        summary(remote, bump)
    ));
    notify(addr, secret, &bump.to_string()).await?;
    let bump_id = bump.to_string();
    wait(running, "staging to sync the bump", |r| {
        r.status().env("staging").is_some_and(|s| {
            s.phase == Phase::Synced && s.synced_revision.as_deref() == Some(&bump_id)
        })
    })
    .await?;
    say(&format!(
        "      ✓ staging synced {}: staging-api now runs {}",
        short(&bump_id),
        image(sandbox, "staging-api").await.unwrap_or_default()
    ));
    wait(running, "production to see the new revision", |r| {
        skipped(r, "production") > skipped_before
    })
    .await?;
    say(&format!(
        "      · production: its input closure did not change — no render, {} API requests",
        running.metrics().api_requests_of("production") - requests_before
    ));

    step(
        5,
        "A bad release: the bot bumps staging's analyzer to 2.1.0-broken (the sandbox fails rollouts of such images).",
    );
    let broken = bot_push(&bot_clone, "staging", ANALYZER, "2.1.0-broken")?;
    say(&format!(
        "      commit {} \"{}\"",
        short(&broken.to_string()),
        summary(remote, broken)
    ));
    notify(addr, secret, &broken.to_string()).await?;
    let broken_id = broken.to_string();
    wait(running, "the rollback", |r| {
        r.status()
            .env("staging")
            .is_some_and(|s| s.rollbacks.iter().any(|b| b.failing == broken_id))
    })
    .await?;
    let staging = status.env("staging").unwrap_or_default();
    if let Some(error) = &staging.error {
        say(&format!("      ✗ {error}"));
    }
    let Some(record) = staging.rollbacks.iter().find(|b| b.failing == broken_id) else {
        bail!("no rollback was recorded");
    };
    let revert = match &record.outcome {
        RevertOutcome::Reverted { commit, .. } => commit.clone(),
        RevertOutcome::Declined { reason } => bail!("the rollback was declined: {reason}"),
    };
    let revert_oid = Oid::from_str(&revert)?;
    say(&format!(
        "      ↺ converge reverted it and pushed commit {} \"{}\"",
        short(&revert),
        summary(remote, revert_oid)
    ));
    wait(running, "staging to sync the revert", |r| {
        r.status().env("staging").is_some_and(|s| {
            s.phase == Phase::Synced && s.synced_revision.as_deref() == Some(&revert)
        })
    })
    .await?;
    say(&format!(
        "      ✓ staging healthy again at {}: staging-analyzer runs {}",
        short(&revert),
        image(sandbox, "staging-analyzer").await.unwrap_or_default()
    ));

    step(
        6,
        "Drift: someone scales staging-api to 3 replicas with a kubectl-style patch, behind git's back.",
    );
    let corrected_before = status
        .env("staging")
        .map(|s| s.drift.corrected)
        .unwrap_or(0);
    patch_replicas(sandbox, "staging-api", 3).await?;
    let patched = Instant::now();
    say("      staging-api: spec.replicas 1 → 3 (field manager kubectl-patch)");
    wait(running, "self-heal", |r| {
        r.status()
            .env("staging")
            .is_some_and(|s| s.drift.corrected > corrected_before)
    })
    .await?;
    say(&format!(
        "      ✓ converge saw it through its watch and put spec.replicas back to {} in {:.1}s (selfHeal: true)",
        replicas(sandbox, "staging-api").await.unwrap_or(0),
        patched.elapsed().as_secs_f64()
    ));

    println!("\nThe history of each environment: `git log` of the files it is rendered from.");
    let repo = Repository::open_bare(remote)?;
    for env in ENVIRONMENTS {
        say(&format!("  {env}"));
        for entry in bot::history(&repo, "main", env, Some(5))? {
            let images: Vec<String> = entry
                .images
                .iter()
                .filter(|i| i.contains("/api:") || i.contains("/analyzer:"))
                .map(|i| i.rsplit('/').next().unwrap_or(i).to_string())
                .collect();
            say(&format!(
                "    {}  {:<70}  {}",
                short(&entry.commit.to_string()),
                truncate(&entry.summary, 70),
                images.join(" ")
            ));
        }
    }
    Ok(())
}

/// Waits until `done` holds, re-checking on every status change.
async fn wait(
    running: &Running,
    what: &str,
    mut done: impl FnMut(&Running) -> bool,
) -> anyhow::Result<()> {
    let ok = running
        .status()
        .wait_until(STEP_TIMEOUT, |_| done(running))
        .await;
    if ok {
        Ok(())
    } else {
        bail!(
            "gave up waiting for {what} after {}s; controller status:\n{:#}",
            STEP_TIMEOUT.as_secs(),
            running.status().to_json()
        )
    }
}

fn skipped(running: &Running, env: &str) -> u64 {
    crate::controller::Metrics::count(&running.metrics().renders_skipped, env)
}

fn short(id: &str) -> &str {
    id.get(..7).unwrap_or(id)
}

fn truncate(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_string();
    }
    let cut: String = text.chars().take(max.saturating_sub(1)).collect();
    format!("{cut}…")
}

fn summary(remote: &Path, commit: Oid) -> String {
    Repository::open_bare(remote)
        .ok()
        .and_then(|r| {
            r.find_commit(commit)
                .ok()
                .and_then(|c| c.summary().ok().flatten().map(str::to_string))
        })
        .unwrap_or_default()
}

/// The example platform's files: the two environments, the overlays, the policies.
fn platform_files(repo: &Path) -> anyhow::Result<Vec<(String, Vec<u8>)>> {
    let mut files = Vec::new();
    for env in ENVIRONMENTS {
        let rel = format!("environments/{env}.yaml");
        let bytes = std::fs::read(repo.join(&rel)).with_context(|| format!("reading {rel}"))?;
        files.push((rel, bytes));
    }
    for dir in [
        "overlays/base",
        "overlays/staging",
        "overlays/production",
        "policies",
    ] {
        if repo.join(dir).is_dir() {
            collect(repo, &repo.join(dir), &mut files)?;
        }
    }
    Ok(files)
}

fn collect(root: &Path, dir: &Path, out: &mut Vec<(String, Vec<u8>)>) -> anyhow::Result<()> {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
        .with_context(|| format!("reading {}", dir.display()))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            collect(root, &path, out)?;
        } else if path.is_file() {
            let rel = path
                .strip_prefix(root)
                .map_err(|_| anyhow!("{} is outside {}", path.display(), root.display()))?;
            let bytes =
                std::fs::read(&path).with_context(|| format!("reading {}", path.display()))?;
            out.push((rel.to_string_lossy().replace('\\', "/"), bytes));
        }
    }
    Ok(())
}

/// Creates the bare remote with one commit holding the example platform.
fn seed_remote(repo: &Path, remote: &Path) -> anyhow::Result<Oid> {
    let files = platform_files(repo)?;
    let bare = Repository::init_bare(remote).context("creating the remote")?;
    let empty = bare.treebuilder(None)?.write()?;
    let empty = bare.find_tree(empty)?;
    let tree = crate::git::write_files(&bare, &empty, &files)?;
    let author = crate::git::signature("Platform Team", "platform@example.com")?;
    let commit = crate::git::create_commit(
        &bare,
        &[],
        tree,
        "platform: staging and production environments",
        &author,
    )?;
    bare.reference("refs/heads/main", commit, true, "converge demo")?;
    bare.set_head("refs/heads/main")?;
    Ok(commit)
}

/// The bot's bump of `image` to `tag` in `env`, pushed to the remote.
fn bot_push(clone: &Path, env: &str, image: &str, tag: &str) -> anyhow::Result<Oid> {
    let repo = Repository::open_bare(clone)?;
    let change = ImageChange {
        name: image.to_string(),
        tag: Some(tag.to_string()),
        digest: None,
    };
    let options = CommitOptions::default();
    let edit = |repo: &Repository, base: Oid| {
        let parent = repo
            .find_commit(base)
            .map_err(|source| bot::BotError::Git {
                action: "reading the remote head".into(),
                source: crate::git::GitError::Call {
                    action: "finding a commit".into(),
                    source,
                },
            })?;
        bot::bump_commit(repo, &parent, env, std::slice::from_ref(&change), &options)
    };
    let report = bot::push_with_retry(&repo, "origin", "main", &Credentials::none(), &edit, 3)?;
    report
        .commit
        .ok_or_else(|| anyhow!("the bump changed nothing"))
}

/// POSTs a signed GitHub-style push webhook to the controller.
async fn notify(addr: std::net::SocketAddr, secret: &str, after: &str) -> anyhow::Result<()> {
    let body = serde_json::json!({"ref": "refs/heads/main", "after": after}).to_string();
    let signature = webhook::sign_sha256(secret.as_bytes(), body.as_bytes());
    let request = format!(
        "POST /hooks/github HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/json\r\n\
         X-GitHub-Event: push\r\nX-Hub-Signature-256: {signature}\r\nContent-Length: {}\r\n\
         Connection: close\r\n\r\n{body}",
        body.len()
    );
    let mut stream = tokio::net::TcpStream::connect(addr).await?;
    stream.write_all(request.as_bytes()).await?;
    let mut response = Vec::new();
    tokio::time::timeout(Duration::from_secs(10), stream.read_to_end(&mut response))
        .await
        .context("the webhook got no answer")??;
    let text = String::from_utf8_lossy(&response);
    let status = text.split_whitespace().nth(1).unwrap_or("?");
    say(&format!(
        "      webhook POST /hooks/github (X-Hub-Signature-256) → {status}"
    ));
    if status != "202" {
        bail!("the controller refused the webhook: {text}");
    }
    Ok(())
}

fn deployments(sandbox: &Sandbox) -> kube::Api<k8s_openapi::api::apps::v1::Deployment> {
    kube::Api::namespaced(sandbox.client(), "ml-staging")
}

async fn image(sandbox: &Sandbox, name: &str) -> Option<String> {
    let d = deployments(sandbox).get_opt(name).await.ok()??;
    let value = serde_json::to_value(d).ok()?;
    value
        .pointer("/spec/template/spec/containers/0/image")?
        .as_str()
        .map(str::to_string)
}

async fn replicas(sandbox: &Sandbox, name: &str) -> Option<i64> {
    let d = deployments(sandbox).get_opt(name).await.ok()??;
    serde_json::to_value(d)
        .ok()?
        .pointer("/spec/replicas")?
        .as_i64()
}

async fn patch_replicas(sandbox: &Sandbox, name: &str, replicas: i64) -> anyhow::Result<()> {
    let params = kube::api::PatchParams {
        field_manager: Some("kubectl-patch".into()),
        ..kube::api::PatchParams::default()
    };
    let patch = serde_json::json!({"spec": {"replicas": replicas}});
    deployments(sandbox)
        .patch(name, &params, &kube::api::Patch::Merge(&patch))
        .await
        .with_context(|| format!("patching {name}"))?;
    Ok(())
}

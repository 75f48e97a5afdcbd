//! `converge sync --env NAME [--dry-run] [--allow-mass-prune]`: render the work tree, gate,
//! apply what differs, prune, wait for health, record. Also the cluster helpers the other
//! cluster commands (`diff`, `status`) share.

use std::fmt::Write as _;
use std::io::{IsTerminal, Write};
use std::path::Path;
use std::time::Duration;

use anyhow::{Context, bail};

use super::render::repo_root;
use crate::cli::{GlobalArgs, Outcome, OutputFormat, SyncArgs};
use crate::cluster::{Cluster, ConnectOptions};
use crate::diff::Action;
use crate::environment::{self, Environment};
use crate::health::{HealthReport, Progress, Status};
use crate::render::Rendered;
use crate::source::{FsSource, GitSource, Source};
use crate::sync::{self, SyncContext, SyncOptions, SyncReport};

/// A runtime for the async cluster commands.
pub(super) fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    tokio::runtime::Runtime::new().context("cannot start the async runtime")
}

/// Connects to the cluster of `env`: `--kubeconfig`, and `--context` over the environment's.
pub(super) async fn connect(global: &GlobalArgs, env: &Environment) -> anyhow::Result<Cluster> {
    let options = ConnectOptions {
        kubeconfig: global.kubeconfig.clone(),
        context: global
            .context
            .clone()
            .or_else(|| env.spec.target.context.clone()),
    };
    Cluster::connect(&options).await.with_context(|| {
        format!(
            "connecting to the cluster of environment {}",
            env.metadata.name
        )
    })
}

/// An environment rendered for a cluster command, and the revision it corresponds to.
pub(super) struct Desired {
    pub source: Box<dyn Source>,
    pub env: Environment,
    pub rendered: Rendered,
    /// HEAD's commit id, suffixed `-dirty` when the work tree changed the environment's
    /// inputs; `None` outside a git repository.
    pub revision: Option<String>,
}

/// Renders environment `name` from the work tree; the revision is HEAD's commit when HEAD
/// holds exactly the same inputs (so revision and closure digest are what the controller
/// renders from git), else HEAD's id marked `-dirty`.
pub(super) fn render_desired(repo: &Path, name: &str) -> anyhow::Result<Desired> {
    let fs = FsSource::new(repo)?;
    let (env, rendered) = environment::render_environment(&fs, name)?;
    let revision = match GitSource::open(repo, "HEAD") {
        Ok(head) => {
            let id = head.commit().to_string();
            if rendered.closure.unchanged_in(&head)? {
                Some(id)
            } else {
                Some(format!("{id}-dirty"))
            }
        }
        Err(_) => None,
    };
    Ok(Desired {
        source: Box::new(fs),
        env,
        rendered,
        revision,
    })
}

/// Whether to colour text for stdout.
pub(super) fn colour() -> bool {
    std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none()
}

/// A progress bar on stderr, when it is a terminal.
struct Bar(indicatif::ProgressBar);

impl Bar {
    fn new() -> Option<Bar> {
        if !std::io::stderr().is_terminal() {
            return None;
        }
        let bar = indicatif::ProgressBar::new(0);
        if let Ok(style) = indicatif::ProgressStyle::default_bar()
            .template("{spinner} health [{bar:30}] {pos}/{len} current  {msg}")
        {
            bar.set_style(style.progress_chars("=> "));
        }
        bar.enable_steady_tick(Duration::from_millis(120));
        Some(Bar(bar))
    }
}

impl Progress for Bar {
    fn update(&self, report: &HealthReport, elapsed: Duration) {
        self.0.set_length(report.objects.len() as u64);
        self.0.set_position(report.count(Status::Current) as u64);
        self.0.set_message(format!(
            "{} in progress, {} failed, {}s",
            report.count(Status::InProgress) + report.count(Status::Terminating),
            report.count(Status::Failed) + report.count(Status::NotFound),
            elapsed.as_secs()
        ));
    }
}

pub(super) fn run(global: &GlobalArgs, args: SyncArgs) -> anyhow::Result<Outcome> {
    let repo = repo_root(global)?;
    let Desired {
        source,
        env,
        rendered,
        revision,
    } = render_desired(&repo, &args.env)?;
    let report = runtime()?.block_on(async {
        let cluster = connect(global, &env).await?;
        let bar = if args.dry_run { None } else { Bar::new() };
        let ctx = SyncContext {
            cluster: &cluster,
            source: source.as_ref(),
            revision,
            progress: bar.as_ref().map(|b| b as &dyn Progress),
        };
        let options = SyncOptions {
            dry_run: args.dry_run,
            allow_mass_prune: args.allow_mass_prune,
            ..SyncOptions::default()
        };
        let report = sync::run(&ctx, &env, &rendered, &options).await;
        if let Some(bar) = bar {
            bar.0.finish_and_clear();
        }
        anyhow::Ok(report?)
    })?;
    let mut out = std::io::stdout().lock();
    match global.output.unwrap_or(OutputFormat::Text) {
        OutputFormat::Json => writeln!(out, "{}", serde_json::to_string_pretty(&report)?)?,
        OutputFormat::Yaml => {
            let value = serde_json::to_value(&report)?;
            out.write_all(crate::yaml::to_yaml(&value).as_bytes())?;
        }
        OutputFormat::Markdown => {
            out.write_all(
                crate::diff::markdown::render(std::slice::from_ref(&report.changes)).as_bytes(),
            )?;
            out.write_all(summary(&report).as_bytes())?;
        }
        OutputFormat::Text => out.write_all(summary(&report).as_bytes())?,
    }
    out.flush()?;
    if !report.result.succeeded() {
        bail!(
            "sync of {} {}: {}",
            report.environment,
            if report.dry_run {
                "(dry run) failed"
            } else {
                "failed"
            },
            report.result.as_str()
        );
    }
    Ok(Outcome::Clean)
}

/// The text report of a sync.
fn summary(report: &SyncReport) -> String {
    let mut out = String::new();
    let s = report.changes.summary();
    let _ = writeln!(
        out,
        "{} {}{}: {} to create, {} to update, {} to prune, {} unchanged",
        if report.dry_run {
            "dry run of"
        } else {
            "sync of"
        },
        report.environment,
        report
            .revision
            .as_ref()
            .map(|r| format!(" at {r}"))
            .unwrap_or_default(),
        s.create,
        s.update,
        s.prune,
        s.unchanged
    );
    if let Some(policy) = &report.policy {
        let _ = writeln!(out, "policies: {}", policy.summary);
        // A denial says which object broke which policy, and why.
        if policy.denied {
            for line in policy.text.lines() {
                let _ = writeln!(out, "  {line}");
            }
        }
    }
    let verb = |a: Action| match a {
        Action::Create => "created",
        Action::Update => "updated",
        Action::Prune => "pruned",
        Action::Unchanged => "unchanged",
    };
    for change in report.changes.changed() {
        if report.dry_run {
            let _ = writeln!(out, "  {} {}", change.action.as_str(), change.id);
            continue;
        }
        let done = match change.action {
            Action::Prune => report
                .pruned
                .iter()
                .any(|p| p.id == change.id && p.error.is_none()),
            _ => report.applied.iter().any(|a| a.id == change.id && a.ok()),
        };
        if done {
            let _ = writeln!(out, "  {} {}", verb(change.action), change.id);
        }
    }
    for (id, why) in &report.kept {
        let _ = writeln!(out, "  kept {id}: {why}");
    }
    if let Some(health) = &report.health {
        let _ = writeln!(
            out,
            "health: {} current, {} in progress, {} failed{}",
            health.count(Status::Current),
            health.count(Status::InProgress) + health.count(Status::Terminating),
            health.count(Status::Failed) + health.count(Status::NotFound),
            if health.timed_out { " (timed out)" } else { "" }
        );
    }
    for problem in &report.problems {
        let _ = writeln!(out, "  problem: {problem}");
    }
    let _ = writeln!(
        out,
        "result: {} ({} writes, {} API requests, {} retried)",
        report.result.as_str(),
        report.writes(),
        report.requests,
        report.retries
    );
    out
}

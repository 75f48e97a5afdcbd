//! Command line: the clap types (only here) and the dispatch to one function per command.
//!
//! Library modules return typed errors; this is the edge where they become `anyhow`
//! reports and exit codes: 0 success (or no changes), 1 changes or policy denial,
//! 2 any error.

mod commands;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand, ValueEnum};

/// The exit status of a command that ran to completion.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Success, or nothing to change.
    Clean,
    /// Changes found (diff) or a policy denied (check).
    Changes,
}

impl Outcome {
    fn code(self) -> u8 {
        match self {
            Outcome::Clean => 0,
            Outcome::Changes => 1,
        }
    }
}

/// converge: render, diff, apply and roll back Kubernetes environments from git.
#[derive(Debug, Parser)]
#[command(name = "converge", version, about, propagate_version = true)]
pub struct Cli {
    #[command(flatten)]
    pub global: GlobalArgs,
    #[command(subcommand)]
    pub command: Command,
}

/// Flags every command accepts.
#[derive(Debug, Args)]
pub struct GlobalArgs {
    /// Repository root (default: the enclosing git repository of the current directory).
    #[arg(long, global = true, value_name = "PATH")]
    pub repo: Option<PathBuf>,
    /// Kubeconfig file (default: $KUBECONFIG, then ~/.kube/config).
    #[arg(long, global = true, value_name = "FILE")]
    pub kubeconfig: Option<PathBuf>,
    /// Kubeconfig context (default: the environment's, then the current context).
    #[arg(long, global = true, value_name = "NAME")]
    pub context: Option<String>,
    /// Output format.
    #[arg(long, short = 'o', global = true, value_enum)]
    pub output: Option<OutputFormat>,
    /// More logging (repeat for more).
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    pub verbose: u8,
}

/// Output formats of the commands that report.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum OutputFormat {
    Text,
    Markdown,
    Json,
    Yaml,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Render one kustomization directory to stdout (same bytes as `kubectl kustomize DIR`).
    Build(BuildArgs),
    /// Render an environment's overlay from the work tree or a git revision.
    Render(RenderArgs),
    /// Evaluate the policies of environments; exit 1 on any deny.
    Check(CheckArgs),
    /// Show what would change: live against a cluster, or offline between revisions.
    Diff(DiffArgs),
    /// Policy gate, server-side apply, prune and wait for health.
    Sync(SyncArgs),
    /// Synced revision, health and drift per environment.
    Status(StatusArgs),
    /// Commit an image tag change to an environment.
    Bump(BumpArgs),
    /// Commit one environment's images set to another's.
    Promote(PromoteArgs),
    /// Commit a `git revert` of an environment's last change.
    Rollback(RollbackArgs),
    /// The commits that changed an environment, with the images each deployed.
    History(HistoryArgs),
    /// Run the controller: keep every environment of a repository converged.
    Run(RunArgs),
    /// Serve the embedded Kubernetes API server.
    Sandbox(SandboxArgs),
    /// Run the narrated end-to-end demo on the embedded sandbox.
    Demo(DemoArgs),
}

#[derive(Debug, Args)]
pub struct BuildArgs {
    /// The kustomization directory.
    pub dir: PathBuf,
}

#[derive(Debug, Args)]
pub struct RenderArgs {
    /// Environment name (a file in `environments/`).
    #[arg(long)]
    pub env: String,
    /// Git revision to render from the object database (default: the work tree).
    #[arg(long)]
    pub rev: Option<String>,
    /// Print the input closure (every file read, with its hash) instead of the objects.
    #[arg(long)]
    pub closure: bool,
}

#[derive(Debug, Args)]
pub struct CheckArgs {
    /// Environment to check (default: all).
    #[arg(long)]
    pub env: Option<String>,
    /// Run the policies' own unit tests (`test_*` rules).
    #[arg(long)]
    pub test: bool,
}

#[derive(Debug, Args)]
pub struct DiffArgs {
    /// Environment (required for a live diff; offline diffs default to every affected one).
    #[arg(long)]
    pub env: Option<String>,
    /// Base revision: diff offline between two revisions, no cluster needed.
    #[arg(long)]
    pub base: Option<String>,
    /// Head revision of an offline diff (default: the work tree).
    #[arg(long, requires = "base")]
    pub head: Option<String>,
}

#[derive(Debug, Args)]
pub struct SyncArgs {
    #[arg(long)]
    pub env: String,
    /// Compute and report the changes, write nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// Allow pruning more than the environment's prune budget.
    #[arg(long)]
    pub allow_mass_prune: bool,
}

#[derive(Debug, Args)]
pub struct StatusArgs {
    #[arg(long)]
    pub env: Option<String>,
}

#[derive(Debug, Args)]
pub struct BumpArgs {
    #[arg(long)]
    pub env: String,
    /// `NAME=TAG`, `NAME@sha256:…`, or `NAME` with `--latest`; repeatable.
    #[arg(long = "image", required = true)]
    pub images: Vec<String>,
    /// Ask the image's registry for the newest tag allowed by the environment's policy.
    #[arg(long)]
    pub latest: bool,
    /// Push the commit to the remote.
    #[arg(long)]
    pub push: bool,
}

#[derive(Debug, Args)]
pub struct PromoteArgs {
    #[arg(long)]
    pub from: String,
    #[arg(long)]
    pub to: String,
    /// Promote only this image (repeatable; default: every image the target lists).
    #[arg(long = "image")]
    pub images: Vec<String>,
    /// Promote even when the source environment is not healthy.
    #[arg(long)]
    pub force: bool,
    #[arg(long)]
    pub push: bool,
}

#[derive(Debug, Args)]
pub struct RollbackArgs {
    #[arg(long)]
    pub env: String,
    /// Revert every change to the environment after this revision.
    #[arg(long)]
    pub to: Option<String>,
    /// Why, for the commit message (default: a manual rollback by the committer).
    #[arg(long)]
    pub reason: Option<String>,
    #[arg(long)]
    pub push: bool,
}

#[derive(Debug, Args)]
pub struct HistoryArgs {
    #[arg(long)]
    pub env: String,
    /// Where to start (default: HEAD).
    #[arg(long)]
    pub rev: Option<String>,
}

/// `converge run`: the controller. Git credentials come from the environment
/// (`CONVERGE_GIT_TOKEN` or `CONVERGE_GIT_TOKEN_FILE`, `CONVERGE_GIT_SSH_KEY_FILE`), never
/// from arguments.
#[derive(Debug, Args)]
pub struct RunArgs {
    /// The repository to clone (bare) and follow.
    #[arg(
        long,
        env = "CONVERGE_REPO_URL",
        value_name = "URL",
        conflicts_with = "path"
    )]
    pub repo_url: Option<String>,
    /// The branch to follow.
    #[arg(long, env = "CONVERGE_BRANCH", default_value = "main")]
    pub branch: String,
    /// Watch this directory instead of cloning a remote (a git-sync volume, a work tree);
    /// without --repo-url or --path, the enclosing repository's work tree is watched.
    #[arg(long, value_name = "DIR")]
    pub path: Option<PathBuf>,
    /// How often to fetch: 30s, 1m, 5m...
    #[arg(long, default_value = "1m")]
    pub interval: String,
    /// Where to serve /healthz, /readyz, /metrics, /api/environments and /hooks/*.
    #[arg(long, default_value = "0.0.0.0:8080")]
    pub listen: String,
    /// A file holding the webhook secret (HMAC key / GitLab token); webhooks are refused
    /// without it.
    #[arg(long, env = "CONVERGE_WEBHOOK_SECRET_FILE", value_name = "FILE")]
    pub webhook_secret_file: Option<PathBuf>,
    /// Environments reconciled at once.
    #[arg(long, default_value_t = 4)]
    pub workers: usize,
    /// Elect a leader with a coordination.k8s.io Lease (for more than one replica).
    #[arg(long)]
    pub leader_election: bool,
    /// The Lease's name.
    #[arg(long, default_value = "converge-controller")]
    pub lease_name: String,
    /// The Lease's namespace (default: $POD_NAMESPACE, then the service account's).
    #[arg(long, env = "POD_NAMESPACE")]
    pub lease_namespace: Option<String>,
    /// Where the bare clone is kept (default: a directory under the system temp dir).
    #[arg(long, env = "CONVERGE_DATA_DIR", value_name = "DIR")]
    pub data_dir: Option<PathBuf>,
    /// Reconcile only this environment (repeat for more; default: every environment).
    #[arg(
        long = "environment",
        value_name = "NAME",
        env = "CONVERGE_ENVIRONMENTS",
        value_delimiter = ','
    )]
    pub environments: Vec<String>,
    /// This cluster's name as environments' `target.context` gives it (default: --context,
    /// else the kubeconfig's current context); environments targeting another are not applied.
    #[arg(long, value_name = "NAME", env = "CONVERGE_CLUSTER_NAME")]
    pub cluster_name: Option<String>,
    /// Log format.
    #[arg(long, value_enum, default_value = "json")]
    pub log_format: LogFormat,
}

/// How `converge run` logs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LogFormat {
    Json,
    Text,
}

/// The sandbox writes its kubeconfig to the global `--kubeconfig` path
/// (default: `sandbox.kubeconfig` in the current directory).
#[derive(Debug, Args)]
pub struct SandboxArgs {
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1:6443")]
    pub listen: String,
    /// Persist state in this directory and reload it on restart.
    #[arg(long)]
    pub state: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct DemoArgs {
    /// Keep the scratch repository (its path is printed) instead of removing it.
    #[arg(long)]
    pub keep: bool,
}

/// Parses the command line, runs the command and maps the result to an exit code.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    match commands::dispatch(cli) {
        Ok(outcome) => ExitCode::from(outcome.code()),
        Err(err) => {
            if is_broken_pipe(&err) {
                return ExitCode::SUCCESS;
            }
            let shown = err.to_string();
            eprintln!("error: {shown}");
            // Many errors already spell out their source; print only what is new.
            for cause in err.chain().skip(1) {
                let text = cause.to_string();
                if !shown.contains(&text) {
                    eprintln!("  caused by: {text}");
                }
            }
            ExitCode::from(2)
        }
    }
}

fn is_broken_pipe(err: &anyhow::Error) -> bool {
    err.chain().any(|cause| {
        cause
            .downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
    })
}

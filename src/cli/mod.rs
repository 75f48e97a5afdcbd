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

#[derive(Debug, Args)]
pub struct RunArgs {
    /// Watch this directory instead of cloning a remote.
    #[arg(long)]
    pub path: Option<PathBuf>,
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
pub struct DemoArgs {}

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

//! `converge run`: the controller, until SIGTERM or SIGINT. Logs are JSON lines (or text)
//! through `tracing`; nothing secret is ever logged.

use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;

use anyhow::{Context, bail};

use super::render::repo_root;
use crate::cli::{GlobalArgs, LogFormat, Outcome, RunArgs};
use crate::cluster::{ConnectOptions, client};
use crate::controller::{
    Controller, ControllerConfig, LeaderElection, PipelineSync, Repository, WebhookSecret,
    default_reverter,
};
use crate::environment::Duration;
use crate::git::Credentials;

const SERVICE_ACCOUNT_NAMESPACE: &str = "/var/run/secrets/kubernetes.io/serviceaccount/namespace";

pub(super) fn run(global: &GlobalArgs, args: RunArgs) -> anyhow::Result<Outcome> {
    init_logging(args.log_format, global.verbose);
    let config = configure(global, args)?;
    let connect = ConnectOptions {
        kubeconfig: global.kubeconfig.clone(),
        context: global.context.clone(),
    };
    let runtime = tokio::runtime::Runtime::new().context("cannot start the async runtime")?;
    runtime.block_on(async move {
        let (client, description) = client(&connect).await?;
        tracing::info!(cluster = %description, cluster_name = ?config.cluster, environments = ?config.environments, repository = %describe(&config.repository), "starting the controller");
        let reverter = default_reverter(&config);
        let controller = Controller::new(config, client, Arc::new(PipelineSync::new()), reverter);
        let running = controller.start().await?;
        if let Some(addr) = running.addr {
            tracing::info!(%addr, "serving /healthz, /readyz, /metrics, /api/environments and /hooks/*");
        }
        wait_for_signal().await;
        tracing::info!("stopping: finishing running syncs (none is left half-pruned)");
        running.shutdown().await;
        tracing::info!("stopped");
        anyhow::Ok(())
    })?;
    Ok(Outcome::Clean)
}

fn describe(repository: &Repository) -> String {
    match repository {
        Repository::Remote { url, branch } => {
            format!("{} ({branch})", crate::controller::redact_url(url))
        }
        Repository::Path { dir } => format!("directory {}", dir.display()),
    }
}

/// Resolves the arguments into a controller configuration.
fn configure(global: &GlobalArgs, args: RunArgs) -> anyhow::Result<ControllerConfig> {
    let repository = match (args.repo_url, args.path) {
        (Some(url), None) => Repository::Remote {
            url,
            branch: args.branch,
        },
        (None, Some(dir)) => Repository::Path {
            dir: std::fs::canonicalize(&dir)
                .with_context(|| format!("--path {}", dir.display()))?,
        },
        (Some(_), Some(_)) => bail!("give --repo-url or --path, not both"),
        // A developer's checkout: watch its work tree.
        (None, None) => Repository::Path {
            dir: repo_root(global)
                .context("give --repo-url URL (or CONVERGE_REPO_URL) or --path DIR")?,
        },
    };
    let interval = Duration::parse(&args.interval)
        .map_err(|e| anyhow::anyhow!("--interval {:?}: {e}", args.interval))?;
    if interval.0.is_zero() {
        bail!("--interval must be longer than zero");
    }
    let listen: SocketAddr = args.listen.parse().with_context(|| {
        format!(
            "--listen {:?} is not an address such as 0.0.0.0:8080",
            args.listen
        )
    })?;
    let data_dir = args
        .data_dir
        .unwrap_or_else(|| std::env::temp_dir().join("converge"));
    let mut config = ControllerConfig::new(repository, data_dir);
    config.interval = interval.0;
    config.listen = Some(listen);
    config.workers = args.workers.max(1);
    config.webhook_secret = args
        .webhook_secret_file
        .as_deref()
        .map(WebhookSecret::from_file)
        .transpose()?;
    config.credentials = Credentials::from_env()?;
    config.environments = args.environments;
    config.cluster = args
        .cluster_name
        .or_else(|| global.context.clone())
        .or_else(|| current_context(global.kubeconfig.as_deref()));
    if args.leader_election {
        let namespace = match args.lease_namespace {
            Some(ns) => ns,
            None => service_account_namespace(Path::new(SERVICE_ACCOUNT_NAMESPACE)).context(
                "--leader-election needs --lease-namespace (or POD_NAMESPACE) outside a pod",
            )?,
        };
        config.leader_election = Some(LeaderElection::new(&namespace, &args.lease_name));
    }
    Ok(config)
}

/// The current context of the kubeconfig the controller would use (`None` in a pod).
fn current_context(kubeconfig: Option<&Path>) -> Option<String> {
    let config = match kubeconfig {
        Some(path) => kube::config::Kubeconfig::read_from(path).ok()?,
        None => kube::config::Kubeconfig::read().ok()?,
    };
    config.current_context.filter(|c| !c.is_empty())
}

fn service_account_namespace(path: &Path) -> Option<String> {
    let text = std::fs::read_to_string(path).ok()?;
    let namespace = text.trim();
    (!namespace.is_empty()).then(|| namespace.to_string())
}

fn init_logging(format: LogFormat, verbose: u8) {
    let default = match verbose {
        0 => "info",
        1 => "info,converge=debug",
        _ => "debug",
    };
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(default));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    // A second initialisation (tests calling in-process) keeps the first subscriber.
    let _ = match format {
        LogFormat::Json => builder.json().flatten_event(true).try_init(),
        LogFormat::Text => builder.try_init(),
    };
}

/// Resolves on SIGTERM (Kubernetes stopping the pod) or SIGINT (Ctrl-C).
async fn wait_for_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    _ = term.recv() => {}
                    _ = tokio::signal::ctrl_c() => {}
                }
            }
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}

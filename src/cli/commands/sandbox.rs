//! `converge sandbox`: serve the embedded Kubernetes API server until SIGINT/SIGTERM, with a
//! kubeconfig for it written where `--kubeconfig` says.

use std::net::SocketAddr;
use std::path::PathBuf;

use anyhow::Context;

use crate::cli::{GlobalArgs, Outcome, SandboxArgs};
use crate::sandbox::{Sandbox, SandboxConfig};

pub(super) fn run(global: &GlobalArgs, args: SandboxArgs) -> anyhow::Result<Outcome> {
    let listen: SocketAddr = args.listen.parse().with_context(|| {
        format!(
            "--listen {:?} is not an address such as 127.0.0.1:6443",
            args.listen
        )
    })?;
    let kubeconfig = global
        .kubeconfig
        .clone()
        .unwrap_or_else(|| PathBuf::from("sandbox.kubeconfig"));
    let config = SandboxConfig {
        listen,
        state_dir: args.state,
        ..SandboxConfig::default()
    };
    let runtime = tokio::runtime::Runtime::new().context("cannot start the async runtime")?;
    runtime.block_on(async move {
        let sandbox = Sandbox::start(config)
            .await
            .context("cannot start the sandbox")?;
        sandbox.write_kubeconfig(&kubeconfig)?;
        println!("sandbox API server listening on {}", sandbox.url());
        println!(
            "kubeconfig written to {} (context `sandbox`)",
            kubeconfig.display()
        );
        println!(
            "try: kubectl --kubeconfig {} get namespaces",
            kubeconfig.display()
        );
        wait_for_signal().await?;
        println!("stopping sandbox");
        sandbox.shutdown().await;
        Ok(Outcome::Clean)
    })
}

async fn wait_for_signal() -> anyhow::Result<()> {
    let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        .context("cannot listen for SIGTERM")?;
    tokio::select! {
        r = tokio::signal::ctrl_c() => r.context("cannot listen for SIGINT"),
        _ = term.recv() => Ok(()),
    }
}

//! Stopping: a sync stopped during its health wait is abandoned there (its applies and
//! prunes already done, never half of them); `converge demo` runs end to end, exits 0 and
//! leaves nothing behind.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use converge::controller::{NoRevert, Phase, Repository};
use converge::sandbox::{Sandbox, SandboxConfig};
use k8s_openapi::api::core::v1::Secret;
use kube::Api;

use super::controller_record::{Calls, Recorded};
use super::controller_support::{Remote, config, eventually, image_of, set_tag, start, wait_for};
use super::support::{converge, repo_root};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stop_during_the_health_wait_abandons_after_apply_and_prune() {
    let remote = Remote::seed();
    // Rollouts take a while, so the sync below is still waiting for health when stopped.
    let sandbox = Sandbox::start(SandboxConfig {
        rollout_delay: Duration::from_secs(5),
        ..SandboxConfig::default()
    })
    .await
    .expect("sandbox");
    let data = tempfile::tempdir().expect("tempdir");
    let calls: Calls = Arc::new(Mutex::new(Vec::new()));
    let running = start(
        config(
            Repository::Remote {
                url: remote.url.clone(),
                branch: "main".into(),
            },
            data.path(),
        ),
        sandbox.client(),
        Arc::new(Recorded::new("a", &calls)),
        Arc::new(NoRevert),
    )
    .await;
    wait_for(running.status(), "staging synced", |s| {
        s.env("staging").is_some_and(|e| e.phase == Phase::Synced)
    })
    .await;
    let client = sandbox.client();
    let secrets: Api<Secret> = Api::namespaced(client.clone(), "ml-staging");
    let generated = |list: &kube::core::ObjectList<Secret>| {
        list.items.iter().any(|s| {
            s.metadata
                .name
                .as_deref()
                .is_some_and(|n| n.starts_with("staging-analyzer-model-credentials"))
        })
    };
    let before = secrets.list(&Default::default()).await.expect("list");
    assert!(generated(&before));

    // One commit that changes an image (an apply) and drops a generated Secret (a prune).
    remote.commit("overlays/staging/kustomization.yaml", "staging: bump api, drop the model credentials", |t| {
        let t = set_tag(t, "registry.example.com/ml/api", "1.5.0");
        t.replace(
            "secretGenerator:\n  - name: analyzer-model-credentials\n    envs:\n      - model-credentials.env\n",
            "",
        )
    });
    running.fetch_now();
    eventually("the apply and the prune", || {
        let (client, secrets) = (client.clone(), secrets.clone());
        async move {
            let applied = image_of(&client, "ml-staging", "staging-api")
                .await
                .as_deref()
                == Some("registry.example.com/ml/api:1.5.0");
            let pruned = secrets
                .list(&Default::default())
                .await
                .is_ok_and(|l| !generated(&l));
            applied && pruned
        }
    })
    .await;
    assert_eq!(
        running.status().env("staging").map(|e| e.phase),
        Some(Phase::Syncing),
        "the sync should still be waiting for the rollout"
    );
    let status = Arc::clone(running.status());
    running.shutdown().await;
    let staging = status.env("staging").expect("staging");
    assert_eq!(staging.phase, Phase::Pending, "{staging:?}");
    assert!(
        staging
            .error
            .as_deref()
            .is_some_and(|e| e.contains("abandoned at a safe point")),
        "{staging:?}"
    );
    // The objects the sync wrote stay written; nothing else was deleted.
    let after = secrets.list(&Default::default()).await.expect("list");
    assert!(!generated(&after));
    assert_eq!(after.items.len(), before.items.len() - 1);
    sandbox.shutdown().await;
}

#[test]
fn the_demo_runs_end_to_end_and_leaves_nothing_behind() {
    let out = converge()
        .arg("demo")
        .current_dir(repo_root())
        .output()
        .expect("run converge demo");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "demo failed:\n{stdout}\n{stderr}");
    for expected in [
        "✓ staging    synced",
        "✓ production synced",
        "staging-api now runs registry.example.com/ml/api:1.5.0",
        "no render, 0 API requests",
        "↺ converge reverted it",
        "healthy again",
        "put spec.replicas back to 1",
        "The history of each environment",
        "nothing is left running",
    ] {
        assert!(
            stdout.contains(expected),
            "missing {expected:?} in:\n{stdout}"
        );
    }
    let leftovers: Vec<_> = std::fs::read_dir(std::env::temp_dir())
        .expect("temp dir")
        .filter_map(Result::ok)
        .filter(|e| {
            e.file_name()
                .to_string_lossy()
                .starts_with(&format!("converge-demo-{}-", out_pid(&stdout)))
        })
        .collect();
    assert!(
        leftovers.is_empty(),
        "scratch directories left: {leftovers:?}"
    );
}

/// The demo's process id, from the scratch path it prints.
fn out_pid(stdout: &str) -> String {
    stdout
        .split("converge-demo-")
        .nth(1)
        .and_then(|rest| rest.split('-').next())
        .unwrap_or("none")
        .to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn converge_run_serves_logs_json_and_stops_on_sigterm() {
    let remote = Remote::seed();
    let sandbox = super::controller_support::sandbox().await;
    let dir = tempfile::tempdir().expect("tempdir");
    let kubeconfig = dir.path().join("kubeconfig");
    sandbox.write_kubeconfig(&kubeconfig).expect("kubeconfig");
    let secret = dir.path().join("webhook-secret");
    std::fs::write(&secret, "s3cret-value\n").expect("secret");
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("free port");
    let child = converge()
        .arg("--kubeconfig")
        .arg(&kubeconfig)
        .args(["run", "--repo-url", &remote.url, "--interval", "1h"])
        .args(["--listen", &format!("127.0.0.1:{port}")])
        .arg("--webhook-secret-file")
        .arg(&secret)
        .arg("--data-dir")
        .arg(dir.path().join("data"))
        .env("RUST_LOG", "info")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("start converge run");
    let addr = std::net::SocketAddr::from(([127, 0, 0, 1], port));
    eventually("both environments synced by the process", || async move {
        match super::controller_support::get(addr, "/api/environments").await {
            (200, body) => body.matches("\"phase\":\"Synced\"").count() == 2,
            _ => false,
        }
    })
    .await;
    assert_eq!(super::controller_support::get(addr, "/readyz").await.0, 200);
    // SAFETY: kill(2) on our own child's pid.
    let sent = unsafe { libc::kill(child.id() as libc::pid_t, libc::SIGTERM) };
    assert_eq!(sent, 0);
    let out = tokio::task::spawn_blocking(move || child.wait_with_output())
        .await
        .expect("join")
        .expect("wait");
    assert!(out.status.success(), "exit status {}", out.status);
    let logs = String::from_utf8_lossy(&out.stderr);
    let lines: Vec<&str> = logs.lines().filter(|l| !l.trim().is_empty()).collect();
    assert!(!lines.is_empty());
    for line in &lines {
        let json: serde_json::Value = serde_json::from_str(line)
            .unwrap_or_else(|e| panic!("not a JSON log line ({e}): {line}"));
        assert!(json.get("level").is_some(), "{line}");
    }
    assert!(logs.contains("\"message\":\"synced\""), "{logs}");
    assert!(logs.contains("stopped"), "{logs}");
    assert!(
        !logs.contains("s3cret-value"),
        "the webhook secret was logged"
    );
}

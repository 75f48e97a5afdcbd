//! Shared pieces of the controller tests: a `git daemon` remote seeded with the example
//! platform, a work clone to push commits from, a raw HTTP client for webhooks, and a
//! controller started in-process against a sandbox.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use converge::controller::{
    ControllerConfig, EnvironmentSync, Repository, Revert, Running, StatusBoard, WebhookSecret,
};
use converge::sandbox::{Sandbox, SandboxConfig};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use super::support::{GitDaemon, copy_tree, git, repo_root};

/// The example platform (environments, overlays, policies) in a work clone of a bare
/// repository served by a git daemon.
pub struct Remote {
    pub dir: tempfile::TempDir,
    /// Serves the remote while the test runs.
    _daemon: GitDaemon,
    pub url: String,
}

impl Remote {
    pub fn seed() -> Remote {
        let dir = tempfile::tempdir().expect("tempdir");
        let work = dir.path().join("work");
        std::fs::create_dir_all(&work).expect("mkdir");
        for sub in ["overlays", "policies"] {
            let from = repo_root().join(sub);
            if from.is_dir() {
                copy_tree(&from, &work.join(sub));
            }
        }
        // The example platform's two environments (not converge's own install).
        std::fs::create_dir_all(work.join("environments")).expect("mkdir");
        for env in ["staging.yaml", "production.yaml"] {
            std::fs::copy(
                repo_root().join("environments").join(env),
                work.join("environments").join(env),
            )
            .expect("copy environment");
        }
        git(&work, &["init", "-q", "-b", "main"]);
        git(&work, &["add", "-A"]);
        git(
            &work,
            &["commit", "-q", "-m", "platform: staging and production"],
        );
        let served = dir.path().join("served");
        std::fs::create_dir_all(&served).expect("mkdir");
        git(
            dir.path(),
            &[
                "clone",
                "-q",
                "--bare",
                work.to_str().expect("utf-8 path"),
                served.join("platform.git").to_str().expect("utf-8 path"),
            ],
        );
        let daemon = GitDaemon::start(&served);
        let url = daemon.url("platform.git");
        git(&work, &["remote", "add", "origin", &url]);
        git(&work, &["fetch", "-q", "origin"]);
        git(
            &work,
            &["branch", "-q", "--set-upstream-to=origin/main", "main"],
        );
        Remote {
            dir,
            _daemon: daemon,
            url,
        }
    }

    pub fn work(&self) -> PathBuf {
        self.dir.path().join("work")
    }

    /// Rewrites `path` (relative to the work tree) with `edit`, commits and pushes.
    pub fn commit(&self, path: &str, message: &str, edit: impl FnOnce(String) -> String) -> String {
        let file = self.work().join(path);
        let text = std::fs::read_to_string(&file).expect("read file to edit");
        let changed = edit(text.clone());
        assert_ne!(text, changed, "the edit of {path} changed nothing");
        std::fs::write(&file, changed).expect("write");
        git(&self.work(), &["commit", "-q", "-am", message]);
        self.push()
    }

    /// Pulls what the controller pushed, then pushes local commits; returns the head.
    pub fn push(&self) -> String {
        git(&self.work(), &["pull", "-q", "--rebase", "origin", "main"]);
        git(&self.work(), &["push", "-q", "origin", "HEAD:main"]);
        self.head()
    }

    pub fn head(&self) -> String {
        git(&self.work(), &["rev-parse", "HEAD"]).trim().to_string()
    }

    /// The remote's commit messages, newest first.
    pub fn log(&self) -> Vec<String> {
        git(&self.work(), &["fetch", "-q", "origin"]);
        git(&self.work(), &["log", "--format=%B%x00", "origin/main"])
            .split('\0')
            .map(|m| m.trim().to_string())
            .filter(|m| !m.is_empty())
            .collect()
    }
}

/// Sets the `newTag` of `image` in a kustomization's `images:` list.
pub fn set_tag(text: String, image: &str, tag: &str) -> String {
    let mut out = Vec::new();
    let mut in_image = false;
    for line in text.lines() {
        if line.trim_start().starts_with("- name:") {
            in_image = line.trim_start().trim_start_matches("- name:").trim() == image;
        }
        if in_image && line.trim_start().starts_with("newTag:") {
            let indent = &line[..line.len() - line.trim_start().len()];
            out.push(format!("{indent}newTag: \"{tag}\""));
            in_image = false;
            continue;
        }
        out.push(line.to_string());
    }
    out.join("\n") + "\n"
}

/// A sandbox with fast simulated rollouts.
pub async fn sandbox() -> Sandbox {
    Sandbox::start(SandboxConfig {
        rollout_delay: Duration::from_millis(100),
        ..SandboxConfig::default()
    })
    .await
    .expect("sandbox starts")
}

pub const WEBHOOK_SECRET: &str = "webhook-secret-for-tests";

/// A controller configuration for tests: webhook-driven (the interval is an hour), on a
/// free port, with short backoff and debounce.
pub fn config(repository: Repository, data_dir: &Path) -> ControllerConfig {
    let mut config = ControllerConfig::new(repository, data_dir.to_path_buf());
    config.interval = Duration::from_secs(3600);
    config.listen = Some(SocketAddr::from(([127, 0, 0, 1], 0)));
    config.webhook_secret = Some(WebhookSecret::new(WEBHOOK_SECRET.as_bytes().to_vec()));
    config.backoff = converge::controller::Backoff {
        initial: Duration::from_millis(200),
        max: Duration::from_secs(2),
    };
    config.drift_debounce = Duration::from_millis(100);
    config.path_debounce = Duration::from_millis(100);
    config.shutdown_grace = Duration::from_secs(20);
    config.identity = "test-controller".into();
    config
}

/// Starts a controller in-process.
pub async fn start(
    config: ControllerConfig,
    client: kube::Client,
    syncer: Arc<dyn EnvironmentSync>,
    reverter: Arc<dyn Revert>,
) -> Running {
    converge::controller::Controller::new(config, client, syncer, reverter)
        .start()
        .await
        .expect("controller starts")
}

/// Waits (a generous protocol timeout) until `pred` holds on the status board.
pub async fn wait_for(status: &StatusBoard, what: &str, pred: impl FnMut(&StatusBoard) -> bool) {
    let ok = status.wait_until(Duration::from_secs(60), pred).await;
    assert!(
        ok,
        "timed out waiting for {what}; status: {:#}",
        status.to_json()
    );
}

pub fn phase_is(status: &StatusBoard, env: &str, phase: converge::controller::Phase) -> bool {
    status.env(env).is_some_and(|s| s.phase == phase)
}

/// POSTs `body` to `path` with `headers`; returns the status code and body.
pub async fn post(
    addr: SocketAddr,
    path: &str,
    headers: &[(&str, &str)],
    body: &[u8],
) -> (u16, String) {
    let mut stream = tokio::net::TcpStream::connect(addr).await.expect("connect");
    let mut request = format!(
        "POST {path} HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n",
        body.len()
    );
    for (name, value) in headers {
        request.push_str(&format!("{name}: {value}\r\n"));
    }
    request.push_str("\r\n");
    stream.write_all(request.as_bytes()).await.expect("write");
    stream.write_all(body).await.expect("write body");
    read_response(stream).await
}

/// GETs `path`; returns the status code and body. A refused connection answers status 0.
pub async fn get(addr: SocketAddr, path: &str) -> (u16, String) {
    let mut stream = match tokio::net::TcpStream::connect(addr).await {
        Ok(stream) => stream,
        Err(e) => return (0, e.to_string()),
    };
    let request = format!("GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n");
    stream.write_all(request.as_bytes()).await.expect("write");
    read_response(stream).await
}

async fn read_response(mut stream: tokio::net::TcpStream) -> (u16, String) {
    let mut raw = Vec::new();
    tokio::time::timeout(Duration::from_secs(30), stream.read_to_end(&mut raw))
        .await
        .expect("response in time")
        .expect("read");
    let text = String::from_utf8_lossy(&raw).into_owned();
    let status = text
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let body = text
        .split_once("\r\n\r\n")
        .map(|(_, b)| b.to_string())
        .unwrap_or_default();
    (status, body)
}

/// A push payload as GitHub sends it (the parts the controller reads).
pub fn push_payload(branch: &str, after: &str) -> Vec<u8> {
    serde_json::json!({"ref": format!("refs/heads/{branch}"), "after": after})
        .to_string()
        .into_bytes()
}

/// The image of the first container of a Deployment, if it exists.
pub async fn image_of(client: &kube::Client, namespace: &str, name: &str) -> Option<String> {
    let api: kube::Api<k8s_openapi::api::apps::v1::Deployment> =
        kube::Api::namespaced(client.clone(), namespace);
    let deployment = api.get_opt(name).await.ok()??;
    let value = serde_json::to_value(deployment).ok()?;
    value
        .pointer("/spec/template/spec/containers/0/image")?
        .as_str()
        .map(str::to_string)
}

/// Polls `check` until it holds (a generous protocol timeout, not a timing assertion).
pub async fn eventually<F, Fut>(what: &str, mut check: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let deadline = Instant::now() + Duration::from_secs(60);
    while Instant::now() < deadline {
        if check().await {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("timed out waiting for {what}");
}

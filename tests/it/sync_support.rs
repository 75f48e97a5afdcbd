//! Shared helpers of the sync and diff tests: a git repository holding the example
//! environments (or small hand-written ones), a sandbox to sync to, and runners for the
//! library (`sync::run`) and the `converge` binary.

use std::path::{Path, PathBuf};
use std::time::Duration;

use converge::cluster::{Cluster, ConnectOptions};
use converge::sandbox::SandboxConfig;
use converge::source::FsSource;
use converge::sync::{self, SyncContext, SyncOptions, SyncReport};

use super::sandbox_support::Env;
use super::support::{copy_tree, git, repo_root, require_tool};

/// A sandbox whose simulated rollouts finish quickly.
pub async fn sandbox() -> Env {
    Env::start_with(SandboxConfig {
        rollout_delay: Duration::from_millis(50),
        ..SandboxConfig::default()
    })
    .await
}

/// A git repository in a temp dir.
pub struct Repo {
    pub dir: tempfile::TempDir,
}

impl Repo {
    /// An empty repository.
    pub fn empty() -> Repo {
        require_tool("git", "git (apt-get install git)");
        let dir = tempfile::tempdir().expect("temp dir");
        git(dir.path(), &["init", "-q", "-b", "main"]);
        Repo { dir }
    }

    /// The project's example environments and overlays, committed.
    pub fn examples() -> Repo {
        let repo = Repo::empty();
        for part in ["environments", "overlays", "policies"] {
            let from = repo_root().join(part);
            if from.is_dir() {
                copy_tree(&from, &repo.path().join(part));
            }
        }
        repo.commit("examples");
        repo
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    pub fn write(&self, rel: &str, text: &str) {
        let path = self.path().join(rel);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).expect("create dirs");
        }
        std::fs::write(path, text).expect("write fixture");
    }

    pub fn read(&self, rel: &str) -> String {
        std::fs::read_to_string(self.path().join(rel)).expect("read fixture")
    }

    /// Replaces `from` (which must occur) by `to` in a file.
    pub fn replace(&self, rel: &str, from: &str, to: &str) {
        let text = self.read(rel);
        assert!(text.contains(from), "{rel} does not contain {from:?}");
        self.write(rel, &text.replacen(from, to, 1));
    }

    pub fn commit(&self, message: &str) {
        git(self.path(), &["add", "-A"]);
        git(
            self.path(),
            &["commit", "-q", "--allow-empty", "-m", message],
        );
    }

    pub fn head(&self) -> String {
        git(self.path(), &["rev-parse", "HEAD"]).trim().to_string()
    }

    /// A small environment `name` in namespace `namespace` whose overlay holds `objects`
    /// (YAML documents) plus its Namespace; `spec_extra` is appended to the spec.
    pub fn tiny(&self, name: &str, namespace: &str, objects: &str, spec_extra: &str) {
        self.write(
            &format!("environments/{name}.yaml"),
            &format!(
                "apiVersion: converge.dev/v1alpha1\nkind: Environment\nmetadata:\n  name: {name}\nspec:\n  overlay: overlays/{name}\n  target:\n    namespace: {namespace}\n  health:\n    timeout: 30s\n{spec_extra}"
            ),
        );
        self.write(
            &format!("overlays/{name}/kustomization.yaml"),
            "resources:\n  - namespace.yaml\n  - objects.yaml\n",
        );
        self.write(
            &format!("overlays/{name}/namespace.yaml"),
            &format!("apiVersion: v1\nkind: Namespace\nmetadata:\n  name: {namespace}\n"),
        );
        self.write(&format!("overlays/{name}/objects.yaml"), objects);
    }
}

/// `count` ConfigMaps named `cm-0`...
pub fn config_maps(count: usize) -> String {
    (0..count)
        .map(|i| {
            format!(
                "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm-{i}\ndata:\n  n: \"{i}\"\n"
            )
        })
        .collect::<Vec<_>>()
        .join("---\n")
}

/// A cluster connection through the sandbox's kubeconfig (real HTTP, the CLI's path).
pub async fn connect(env: &Env) -> Cluster {
    Cluster::connect(&ConnectOptions {
        kubeconfig: Some(env.kubeconfig()),
        context: None,
    })
    .await
    .expect("connects to the sandbox")
}

/// Syncs environment `name` of the repository's work tree through the library.
pub async fn sync_env(env: &Env, repo: &Repo, name: &str, options: &SyncOptions) -> SyncReport {
    let cluster = connect(env).await;
    let source = FsSource::new(repo.path()).expect("work tree");
    let (environment, rendered) =
        converge::environment::render_environment(&source, name).expect("renders");
    let ctx = SyncContext {
        cluster: &cluster,
        source: &source,
        revision: Some(repo.head()),
        progress: None,
    };
    sync::run(&ctx, &environment, &rendered, options)
        .await
        .expect("sync runs")
}

/// The output of one `converge` run.
#[derive(Debug)]
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    pub fn all(&self) -> String {
        format!("{}{}", self.stdout, self.stderr)
    }
}

/// Runs the converge binary in `repo`; with a kubeconfig when given, else with none to be
/// found (so a command that needs a cluster fails instead of finding one).
pub async fn converge(repo: &Repo, kubeconfig: Option<&Path>, args: &[&str]) -> Run {
    let mut cmd = tokio::process::Command::from(super::support::converge());
    cmd.current_dir(repo.path())
        .arg("--repo")
        .arg(repo.path())
        .env("KUBECONFIG", PathBuf::from("/nonexistent/kubeconfig"))
        .env_remove("KUBERNETES_SERVICE_HOST")
        .env("NO_COLOR", "1");
    if let Some(k) = kubeconfig {
        cmd.arg("--kubeconfig").arg(k);
    }
    cmd.args(args).kill_on_drop(true);
    let out = tokio::time::timeout(Duration::from_secs(120), cmd.output())
        .await
        .expect("converge finishes within 120s")
        .expect("converge runs");
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

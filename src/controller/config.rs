//! How a controller runs: where its repository comes from, how often it looks, where it
//! listens, how many environments it reconciles at once, and how it elects a leader.

use std::fmt;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use super::backoff::Backoff;
use super::error::ControllerError;

/// Where the environments come from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Repository {
    /// A remote cloned bare into the data directory and fetched every interval (and on
    /// webhooks).
    Remote { url: String, branch: String },
    /// A directory watched for changes (a git-sync volume, a developer's work tree),
    /// rendered as it is on disk.
    Path { dir: PathBuf },
}

/// A webhook secret; never printed.
#[derive(Clone, PartialEq, Eq)]
pub struct WebhookSecret(Vec<u8>);

impl WebhookSecret {
    pub fn new(bytes: Vec<u8>) -> WebhookSecret {
        WebhookSecret(bytes)
    }

    /// Reads the secret from a file (trailing newlines removed, as `echo` adds one).
    pub fn from_file(path: &Path) -> Result<WebhookSecret, ControllerError> {
        let bytes = std::fs::read(path).map_err(|source| ControllerError::SecretFile {
            path: path.to_path_buf(),
            source,
        })?;
        let trimmed = bytes
            .iter()
            .rposition(|b| !matches!(b, b'\n' | b'\r'))
            .map(|end| bytes[..=end].to_vec())
            .unwrap_or_default();
        if trimmed.is_empty() {
            return Err(ControllerError::EmptySecret {
                path: path.to_path_buf(),
            });
        }
        Ok(WebhookSecret(trimmed))
    }

    pub fn bytes(&self) -> &[u8] {
        &self.0
    }
}

impl fmt::Debug for WebhookSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("WebhookSecret(<redacted>)")
    }
}

/// Leader election with a `coordination.k8s.io/v1` Lease.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LeaderElection {
    pub namespace: String,
    pub name: String,
    /// How long a lease holds without renewal before others may take it.
    pub lease_duration: Duration,
    /// A leader that could not renew for this long steps down (shorter than
    /// `lease_duration`, so it stops acting before anyone else may start).
    pub renew_deadline: Duration,
    /// How often candidates retry and leaders renew.
    pub retry_period: Duration,
}

impl LeaderElection {
    /// client-go's defaults (15 s / 10 s / 2 s).
    pub fn new(namespace: &str, name: &str) -> LeaderElection {
        LeaderElection {
            namespace: namespace.to_string(),
            name: name.to_string(),
            lease_duration: Duration::from_secs(15),
            renew_deadline: Duration::from_secs(10),
            retry_period: Duration::from_secs(2),
        }
    }
}

/// Everything a controller needs to run.
#[derive(Debug, Clone)]
pub struct ControllerConfig {
    pub repository: Repository,
    /// How often the remote is fetched (default 1 minute).
    pub interval: Duration,
    /// Where `/healthz`, `/readyz`, `/metrics`, `/api/environments` and `/hooks/*` are
    /// served; `None` serves nothing.
    pub listen: Option<SocketAddr>,
    /// Webhooks are refused (404) without a secret.
    pub webhook_secret: Option<WebhookSecret>,
    /// Environments reconciled at once.
    pub workers: usize,
    pub leader_election: Option<LeaderElection>,
    /// This replica's name (the Lease holder identity, the Events' reporting instance).
    pub identity: String,
    /// Where the bare clone is kept.
    pub data_dir: PathBuf,
    /// Retry delays after failures.
    pub backoff: Backoff,
    /// Watch events for an environment are gathered this long before its drift check.
    pub drift_debounce: Duration,
    /// Changes in a watched directory are gathered this long before a rescan.
    pub path_debounce: Duration,
    /// How long a shutdown waits for running syncs to finish or abandon.
    pub shutdown_grace: Duration,
    /// Git credentials for fetching and pushing rollbacks (from the environment or files,
    /// never from arguments).
    pub credentials: crate::git::Credentials,
    /// Author of rollback commits.
    pub author_name: String,
    pub author_email: String,
    /// Only these environments are reconciled (empty: every one in the repository).
    pub environments: Vec<String>,
    /// The cluster this controller acts in, as environments name it in `target.context`
    /// (its kubeconfig context, or a name given to an in-cluster controller). An environment
    /// that targets another context is left to that cluster's controller: rendered and
    /// checked, never applied here.
    pub cluster: Option<String>,
}

impl ControllerConfig {
    /// A configuration with the defaults for everything but the repository.
    pub fn new(repository: Repository, data_dir: PathBuf) -> ControllerConfig {
        ControllerConfig {
            repository,
            interval: Duration::from_secs(60),
            listen: None,
            webhook_secret: None,
            workers: 4,
            leader_election: None,
            identity: default_identity(),
            data_dir,
            backoff: Backoff::default(),
            drift_debounce: Duration::from_millis(300),
            path_debounce: Duration::from_millis(300),
            shutdown_grace: Duration::from_secs(25),
            credentials: crate::git::Credentials::none(),
            author_name: "converge-bot".into(),
            author_email: "converge-bot@users.noreply.converge.dev".into(),
            environments: Vec::new(),
            cluster: None,
        }
    }

    /// Where the bare clone of a remote is kept.
    pub fn mirror_dir(&self) -> PathBuf {
        self.data_dir.join("mirror.git")
    }

    /// Whether environment `name` is this controller's to reconcile.
    pub fn selects(&self, name: &str) -> bool {
        self.environments.is_empty() || self.environments.iter().any(|n| n == name)
    }

    /// Whether an environment targeting `context` (`None`: the controller's own cluster)
    /// is applied by this controller.
    pub fn targets_here(&self, context: Option<&str>) -> bool {
        context.is_none_or(|context| self.cluster.as_deref() == Some(context))
    }

    /// The branch the controller follows (`None` for a watched directory).
    pub fn branch(&self) -> Option<&str> {
        match &self.repository {
            Repository::Remote { branch, .. } => Some(branch),
            Repository::Path { .. } => None,
        }
    }
}

/// `$POD_NAME`, else `$HOSTNAME`, else a random name: unique per replica.
pub fn default_identity() -> String {
    for key in ["POD_NAME", "HOSTNAME"] {
        if let Ok(value) = std::env::var(key)
            && !value.trim().is_empty()
        {
            return value.trim().to_string();
        }
    }
    format!("converge-{:08x}", rand::random::<u32>())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_are_trimmed_and_never_printed() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("secret");
        std::fs::write(&path, "s3cret\n").expect("write");
        let secret = WebhookSecret::from_file(&path).expect("secret");
        assert_eq!(secret.bytes(), b"s3cret");
        assert!(!format!("{secret:?}").contains("s3cret"));
        std::fs::write(&path, "\n").expect("write");
        assert!(matches!(
            WebhookSecret::from_file(&path),
            Err(ControllerError::EmptySecret { .. })
        ));
        assert!(matches!(
            WebhookSecret::from_file(&dir.path().join("missing")),
            Err(ControllerError::SecretFile { .. })
        ));
    }
}

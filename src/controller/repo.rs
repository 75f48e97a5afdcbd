//! The repository the controller follows: a bare mirror of a remote branch, fetched with
//! git2, or a watched directory. Either way the loop sees [`Snapshot`]s: one commit, or the
//! directory as it is now, from which each environment is rendered.

use std::path::{Path, PathBuf};

use git2::{FetchOptions, Oid, Repository};

use super::error::ControllerError;
use crate::environment::ENVIRONMENTS_DIR;
use crate::source::{FsSource, GitSource, Source, SourceError};

pub(crate) const REMOTE: &str = "origin";

/// A bare clone of one branch of a remote.
#[derive(Debug, Clone)]
pub struct Mirror {
    path: PathBuf,
    url: String,
    branch: String,
}

fn git_err(path: &Path, action: impl Into<String>) -> impl FnOnce(git2::Error) -> ControllerError {
    let (path, action) = (path.to_path_buf(), action.into());
    move |source| ControllerError::Git {
        path,
        action,
        source,
    }
}

impl Mirror {
    /// Opens the mirror in `dir` (creating an empty bare repository there if needed) with
    /// `url` as its `origin`. Nothing is fetched yet.
    pub fn open_or_init(dir: &Path, url: &str, branch: &str) -> Result<Mirror, ControllerError> {
        std::fs::create_dir_all(dir).map_err(|source| ControllerError::DataDir {
            path: dir.to_path_buf(),
            source,
        })?;
        let repo = match Repository::open_bare(dir) {
            Ok(repo) => repo,
            Err(_) => {
                Repository::init_bare(dir).map_err(git_err(dir, "creating a bare repository"))?
            }
        };
        match repo.find_remote(REMOTE) {
            Ok(remote) if remote.url().ok() == Some(url) => {}
            Ok(_) => repo
                .remote_set_url(REMOTE, url)
                .map_err(git_err(dir, "setting the remote URL"))?,
            Err(_) => {
                repo.remote(REMOTE, url)
                    .map_err(git_err(dir, "adding the remote"))?;
            }
        }
        Ok(Mirror {
            path: dir.to_path_buf(),
            url: url.to_string(),
            branch: branch.to_string(),
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    pub fn branch(&self) -> &str {
        &self.branch
    }

    pub fn remote(&self) -> &str {
        REMOTE
    }

    /// Fetches the branch (blocking) and returns the commit it points to.
    pub fn fetch(&self, credentials: &crate::git::Credentials) -> Result<Oid, ControllerError> {
        let repo = Repository::open_bare(&self.path).map_err(git_err(&self.path, "opening"))?;
        let mut remote = repo
            .find_remote(REMOTE)
            .map_err(git_err(&self.path, "finding the remote"))?;
        let tracking = self.tracking_ref();
        let refspec = format!("+refs/heads/{}:{tracking}", self.branch);
        let mut callbacks = git2::RemoteCallbacks::new();
        callbacks.credentials(credentials.callback());
        let mut options = FetchOptions::new();
        options.remote_callbacks(callbacks);
        // The URL may carry a token: name the remote by its path only.
        let shown = redact_url(&self.url);
        remote
            .fetch(&[refspec.as_str()], Some(&mut options), None)
            .map_err(git_err(
                &self.path,
                format!("fetching {} from {shown}", self.branch),
            ))?;
        let reference = repo
            .find_reference(&tracking)
            .map_err(git_err(&self.path, format!("reading {tracking}")))?;
        reference.target().ok_or_else(|| ControllerError::Git {
            path: self.path.clone(),
            action: format!("reading {tracking}"),
            source: git2::Error::from_str("not a direct reference"),
        })
    }

    /// The ref the fetched branch is kept in (the commit-bot pushes update it too).
    pub fn tracking_ref(&self) -> String {
        format!("refs/remotes/{REMOTE}/{}", self.branch)
    }
}

/// `https://user:token@host/x` → `https://host/x`.
pub fn redact_url(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_string();
    };
    let authority = &rest[..rest.find('/').unwrap_or(rest.len())];
    match authority.rfind('@') {
        Some(at) => format!("{scheme}://{}", &rest[at + 1..]),
        None => url.to_string(),
    }
}

/// The state of the repository the loop reconciles from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Snapshot {
    /// One commit of the mirror.
    Commit { repo: PathBuf, commit: Oid },
    /// A watched directory as it is on disk; `generation` counts rescans.
    WorkTree { dir: PathBuf, generation: u64 },
}

impl Snapshot {
    /// For status and logs: the commit id, or `work tree #N`.
    pub fn revision(&self) -> String {
        match self {
            Snapshot::Commit { commit, .. } => commit.to_string(),
            Snapshot::WorkTree { generation, .. } => format!("work tree #{generation}"),
        }
    }

    /// The commit a rollback would revert from: the snapshot's commit, or the HEAD of the
    /// repository holding the watched directory.
    pub fn commit(&self) -> Option<String> {
        match self {
            Snapshot::Commit { commit, .. } => Some(commit.to_string()),
            Snapshot::WorkTree { dir, .. } => Repository::discover(dir)
                .ok()
                .and_then(|r| r.head().ok().and_then(|h| h.target()))
                .map(|id| id.to_string()),
        }
    }

    /// The files of this snapshot.
    pub fn source(&self) -> Result<Box<dyn Source>, SourceError> {
        match self {
            Snapshot::Commit { repo, commit } => {
                Ok(Box::new(GitSource::open(repo, &commit.to_string())?))
            }
            Snapshot::WorkTree { dir, .. } => Ok(Box::new(FsSource::new(dir)?)),
        }
    }

    /// The environments defined in this snapshot (`environments/*.yaml`), sorted.
    pub fn environments(&self) -> Result<Vec<String>, String> {
        match self {
            Snapshot::WorkTree { dir, .. } => {
                crate::environment::list(dir).map_err(|e| e.to_string())
            }
            Snapshot::Commit { repo, commit } => list_in_commit(repo, *commit)
                .map_err(|e| format!("listing {ENVIRONMENTS_DIR}/ at {commit}: {}", e.message())),
        }
    }
}

fn list_in_commit(repo: &Path, commit: Oid) -> Result<Vec<String>, git2::Error> {
    let repo = Repository::open(repo)?;
    let tree = repo.find_commit(commit)?.tree()?;
    let entry = match tree.get_path(Path::new(ENVIRONMENTS_DIR)) {
        Ok(entry) => entry,
        Err(e) if e.code() == git2::ErrorCode::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(e),
    };
    let object = entry.to_object(&repo)?;
    let Some(dir) = object.as_tree() else {
        return Ok(Vec::new());
    };
    let mut names: Vec<String> = dir
        .iter()
        .filter_map(|e| {
            e.name()
                .ok()
                .and_then(|n| n.strip_suffix(".yaml"))
                .map(str::to_string)
        })
        .collect();
    names.sort();
    Ok(names)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_removed_from_urls() {
        assert_eq!(
            redact_url("https://x-access-token:abc@github.com/o/r.git"),
            "https://github.com/o/r.git"
        );
        assert_eq!(redact_url("git://127.0.0.1:9/r"), "git://127.0.0.1:9/r");
        assert_eq!(redact_url("/srv/repo.git"), "/srv/repo.git");
        assert_eq!(
            redact_url("https://github.com/o/r@v1.git"),
            "https://github.com/o/r@v1.git"
        );
    }
}

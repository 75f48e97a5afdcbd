//! Fetching a branch from a remote and pushing a commit to it, with credentials from
//! [`Credentials`]. Pushes never force: a remote that moved rejects the push, and the
//! caller decides what to do (see the bot's retry loop).

use git2::{FetchOptions, Oid, PushOptions, RemoteCallbacks, Repository};

use super::credentials::Credentials;
use super::error::{GitError, call};

/// A temporary reference naming the commit being pushed (libgit2 pushes references, not
/// bare commit ids).
const PUSH_REF: &str = "refs/converge/push";

/// How a push ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PushOutcome {
    Pushed,
    /// The remote refused the update (it moved: not a fast-forward), with its reason.
    Rejected(String),
}

fn open_remote<'r>(repo: &'r Repository, remote: &str) -> Result<git2::Remote<'r>, GitError> {
    match repo.find_remote(remote) {
        Ok(r) => Ok(r),
        Err(_) if remote.contains(':') || remote.starts_with('/') => repo
            .remote_anonymous(remote)
            .map_err(call(format!("opening remote {remote}"))),
        Err(e) => Err(call(format!("opening remote {remote}"))(e)),
    }
}

/// The ref a fetched branch is kept in: `refs/remotes/<remote>/<branch>` for a named
/// remote, `refs/converge/fetched/<branch>` for a URL.
pub fn tracking_ref(repo: &Repository, remote: &str, branch: &str) -> String {
    if repo.find_remote(remote).is_ok() {
        format!("refs/remotes/{remote}/{branch}")
    } else {
        format!("refs/converge/fetched/{branch}")
    }
}

/// Fetches `branch` from `remote` (a configured remote name or a URL) and returns the
/// commit it points to there.
pub fn fetch_branch(
    repo: &Repository,
    remote: &str,
    branch: &str,
    credentials: &Credentials,
) -> Result<Oid, GitError> {
    let mut handle = open_remote(repo, remote)?;
    let tracking = tracking_ref(repo, remote, branch);
    let refspec = format!("+refs/heads/{branch}:{tracking}");
    let mut callbacks = RemoteCallbacks::new();
    callbacks.credentials(credentials.callback());
    let mut options = FetchOptions::new();
    options.remote_callbacks(callbacks);
    handle
        .fetch(&[refspec.as_str()], Some(&mut options), None)
        .map_err(call(format!("fetching {branch} from {remote}")))?;
    let reference = repo
        .find_reference(&tracking)
        .map_err(call(format!("reading {tracking} after fetching")))?;
    reference.target().ok_or_else(|| GitError::Revision {
        rev: tracking.clone(),
        message: "is not a direct reference".into(),
    })
}

/// Pushes `commit` to `branch` on `remote` as a fast-forward (never forced).
pub fn push_commit(
    repo: &Repository,
    remote: &str,
    branch: &str,
    commit: Oid,
    credentials: &Credentials,
) -> Result<PushOutcome, GitError> {
    let mut handle = open_remote(repo, remote)?;
    repo.reference(PUSH_REF, commit, true, "converge: push")
        .map_err(call("naming the commit to push"))?;
    let mut rejected: Option<String> = None;
    let result = {
        let mut callbacks = RemoteCallbacks::new();
        callbacks.credentials(credentials.callback());
        callbacks.push_update_reference(|_refname, status| {
            if let Some(message) = status {
                rejected = Some(message.to_string());
            }
            Ok(())
        });
        let mut options = PushOptions::new();
        options.remote_callbacks(callbacks);
        let refspec = format!("{PUSH_REF}:refs/heads/{branch}");
        handle.push(&[refspec.as_str()], Some(&mut options))
    };
    if let Ok(mut reference) = repo.find_reference(PUSH_REF) {
        // Only a scratch name; failing to delete it leaves a harmless ref behind.
        let _ = reference.delete();
    }
    match result {
        Ok(()) => Ok(match rejected {
            Some(reason) => PushOutcome::Rejected(reason),
            None => PushOutcome::Pushed,
        }),
        // libgit2 refuses locally when it sees the remote ref is not an ancestor.
        Err(e) if e.code() == git2::ErrorCode::NotFastForward => {
            Ok(PushOutcome::Rejected(e.message().to_string()))
        }
        Err(e) => Err(call(format!("pushing {branch} to {remote}"))(e)),
    }
}

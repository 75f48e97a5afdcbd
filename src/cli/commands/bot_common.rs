//! What the commit-bot commands share: opening the repository (bare or not), the branch to
//! commit to, its remote, and printing what was committed.

use anyhow::{Context, bail};
use git2::{Oid, Repository};

use crate::cli::{GlobalArgs, OutputFormat};

/// The repository of `--repo` or of the current directory (a bare clone works too).
pub(super) fn open_repo(global: &GlobalArgs) -> anyhow::Result<Repository> {
    let path = match &global.repo {
        Some(path) => path.clone(),
        None => std::env::current_dir()?,
    };
    Ok(crate::git::open(&path)?)
}

/// The branch HEAD names (the default branch of a bare clone).
pub(super) fn branch(repo: &Repository) -> anyhow::Result<String> {
    match crate::git::current_branch(repo) {
        Some(branch) => Ok(branch),
        None => bail!("HEAD is not on a branch (detached); check out the branch to commit to"),
    }
}

/// The remote `branch` pushes to: its configured `branch.NAME.remote`, else `origin`.
pub(super) fn remote_of(repo: &Repository, branch: &str) -> String {
    repo.config()
        .ok()
        .and_then(|c| c.get_string(&format!("branch.{branch}.remote")).ok())
        .unwrap_or_else(|| "origin".to_string())
}

/// Prints the outcome of a commit-making command: the commit and its subject, or why
/// nothing was committed.
pub(super) fn report(
    global: &GlobalArgs,
    repo: &Repository,
    commit: Option<Oid>,
    nothing: &str,
    extra: serde_json::Value,
) -> anyhow::Result<()> {
    let subject = match commit {
        Some(id) => repo
            .find_commit(id)
            .context("reading the new commit")?
            .summary()
            .ok()
            .flatten()
            .unwrap_or("")
            .to_string(),
        None => String::new(),
    };
    if global.output == Some(OutputFormat::Json) {
        let mut value = serde_json::json!({
            "commit": commit.map(|c| c.to_string()),
            "subject": if commit.is_some() { Some(subject) } else { None },
        });
        if let (Some(map), serde_json::Value::Object(more)) = (value.as_object_mut(), extra) {
            map.extend(more);
        }
        println!("{}", serde_json::to_string_pretty(&value)?);
        return Ok(());
    }
    match commit {
        Some(id) => println!("{} {subject}", &id.to_string()[..12]),
        None => println!("{nothing}"),
    }
    Ok(())
}

/// How many times a push is retried after another push got there first.
pub(super) const PUSH_ATTEMPTS: u32 = 5;

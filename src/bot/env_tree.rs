//! An environment and its kustomization as they are in one commit (read from the object
//! database, so bare repositories work).

use std::path::PathBuf;

use git2::{Commit, Repository};

use super::error::{BotError, git, git2};
use crate::environment::{self, Environment};
use crate::source::GitSource;

/// The file names kustomize accepts for a kustomization, in its order of preference.
const KUSTOMIZATION_FILES: [&str; 3] = ["kustomization.yaml", "kustomization.yml", "Kustomization"];

/// A source reading `commit`'s tree.
pub(crate) fn source_at(repo: &Repository, commit: &Commit<'_>) -> Result<GitSource, BotError> {
    let id = commit.id().to_string();
    GitSource::open(repo.path(), &id).map_err(|e| BotError::Git {
        action: format!("reading commit {id}"),
        source: crate::git::GitError::Revision {
            rev: id.clone(),
            message: e.to_string(),
        },
    })
}

/// Environment `name` as defined in `commit`.
pub(crate) fn load_env(
    repo: &Repository,
    commit: &Commit<'_>,
    name: &str,
) -> Result<Environment, BotError> {
    let source = source_at(repo, commit)?;
    environment::load_from_source(&source, name).map_err(|source| BotError::Environment {
        env: name.to_string(),
        rev: short(commit),
        source: Box::new(source),
    })
}

/// The path and text of the environment's kustomization in `commit`.
pub(crate) fn kustomization(
    repo: &Repository,
    commit: &Commit<'_>,
    env: &Environment,
) -> Result<(String, String), BotError> {
    let tree = commit
        .tree()
        .map_err(git2(format!("reading the tree of {}", short(commit))))?;
    let overlay = env.spec.overlay.trim_end_matches('/');
    for file in KUSTOMIZATION_FILES {
        let path = format!("{overlay}/{file}");
        if let Some(bytes) = crate::git::read_file(repo, &tree, &path)
            .map_err(git(format!("reading {path} at {}", short(commit))))?
        {
            let text = String::from_utf8(bytes).map_err(|_| BotError::Kustomization {
                path: PathBuf::from(&path),
                message: "not valid UTF-8".into(),
            })?;
            return Ok((path, text));
        }
    }
    Err(BotError::NoKustomization {
        env: env.metadata.name.clone(),
        overlay: env.spec.overlay.clone(),
        rev: short(commit),
    })
}

/// A commit's abbreviated id, for messages.
pub(crate) fn short(commit: &Commit<'_>) -> String {
    let id = commit.id().to_string();
    id[..12.min(id.len())].to_string()
}

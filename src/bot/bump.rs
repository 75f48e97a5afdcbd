//! Image bumps: set image tags or digests in an environment's kustomization as one commit,
//! refusing images the environment does not list and tags outside its policy.

use git2::{Commit, Oid, Repository};

use super::CommitOptions;
use super::env_tree::{kustomization, load_env, short};
use super::error::{BotError, git, git2};
use super::image::{ImageChange, ImageSetting};
use super::images_edit::{read_images, set_images};
use super::message::{self, ImageDelta};
use super::tag_policy::CompiledPolicy;
use crate::environment::{Environment, ImagePolicy};

/// Bumps `changes` in environment `env` on `branch` as one commit and moves the branch to
/// it. `None` when every image already has the requested setting (no commit is made).
pub fn bump(
    repo: &Repository,
    branch: &str,
    env: &str,
    changes: &[ImageChange],
    opts: &CommitOptions,
) -> Result<Option<Oid>, BotError> {
    let head = crate::git::branch_head(repo, branch).map_err(git(format!("bump {env}")))?;
    let Some(commit) = bump_commit(repo, &head, env, changes, opts)? else {
        return Ok(None);
    };
    crate::git::advance_branch(repo, branch, head.id(), commit, "converge: bump")
        .map_err(git(format!("bump {env}: updating {branch}")))?;
    Ok(Some(commit))
}

/// The bump as a commit on top of `parent`, moving no reference (what a push retry
/// recomputes on a new remote head).
pub fn bump_commit(
    repo: &Repository,
    parent: &Commit<'_>,
    env_name: &str,
    changes: &[ImageChange],
    opts: &CommitOptions,
) -> Result<Option<Oid>, BotError> {
    let env = load_env(repo, parent, env_name)?;
    for (i, change) in changes.iter().enumerate() {
        if changes[..i].iter().any(|c| c.name == change.name) {
            return Err(BotError::InvalidImage {
                value: change.name.clone(),
                message: "given more than once".into(),
            });
        }
        check_allowed(&env, change)?;
    }
    let (path, text) = kustomization(repo, parent, &env)?;
    let current = read_images(&text, path.as_ref())?;
    let mut deltas = Vec::new();
    for change in changes {
        let from = current
            .iter()
            .find(|(name, _)| *name == change.name)
            .map(|(_, s)| s.clone())
            .unwrap_or_default();
        let to = change.apply_to(&from);
        if to != from {
            deltas.push(ImageDelta {
                name: change.name.clone(),
                from,
                to,
            });
        }
    }
    if deltas.is_empty() {
        return Ok(None);
    }
    let desired: Vec<(String, ImageSetting)> = deltas
        .iter()
        .map(|d| (d.name.clone(), d.to.clone()))
        .collect();
    let new_text = set_images(&text, path.as_ref(), &desired)?;
    if new_text == text {
        return Ok(None);
    }
    let message = message::bump(env_name, &path, &deltas);
    commit_file(repo, parent, &path, new_text, &message, opts).map(Some)
}

/// The environment's policy entry for `image`.
pub(crate) fn image_policy<'e>(
    env: &'e Environment,
    image: &str,
) -> Result<&'e ImagePolicy, BotError> {
    env.spec
        .images
        .iter()
        .find(|p| p.name == image)
        .ok_or_else(|| BotError::ImageNotListed {
            env: env.metadata.name.clone(),
            image: image.to_string(),
            listed: if env.spec.images.is_empty() {
                "nothing".to_string()
            } else {
                env.spec
                    .images
                    .iter()
                    .map(|p| p.name.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            },
        })
}

/// Refuses an image the environment does not list, or a tag outside its policy.
pub(crate) fn check_tag(env: &Environment, image: &str, tag: Option<&str>) -> Result<(), BotError> {
    let policy = image_policy(env, image)?;
    let compiled =
        CompiledPolicy::compile(&policy.policy).map_err(|message| BotError::InvalidPolicy {
            env: env.metadata.name.clone(),
            image: image.to_string(),
            message,
        })?;
    if let Some(tag) = tag {
        compiled
            .allows(tag)
            .map_err(|reason| BotError::TagOutsidePolicy {
                env: env.metadata.name.clone(),
                image: image.to_string(),
                tag: tag.to_string(),
                reason,
            })?;
    }
    Ok(())
}

fn check_allowed(env: &Environment, change: &ImageChange) -> Result<(), BotError> {
    check_tag(env, &change.name, change.tag.as_deref())
}

/// Commits `path` with `content` on top of `parent` (no reference moves).
pub(crate) fn commit_file(
    repo: &Repository,
    parent: &Commit<'_>,
    path: &str,
    content: String,
    message: &str,
    opts: &CommitOptions,
) -> Result<Oid, BotError> {
    let base = parent
        .tree()
        .map_err(git2(format!("reading the tree of {}", short(parent))))?;
    let tree = crate::git::write_files(repo, &base, &[(path.to_string(), content.into_bytes())])
        .map_err(git(format!("writing {path}")))?;
    let author = crate::git::signature(&opts.author_name, &opts.author_email)
        .map_err(git("making the commit signature"))?;
    crate::git::create_commit(repo, &[parent], tree, message, &author)
        .map_err(git(format!("committing {path}")))
}

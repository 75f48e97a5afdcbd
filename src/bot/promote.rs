//! Promotions: set the target environment's images to exactly the source environment's
//! (newName, newTag and digest of each image the target lists), as one commit naming both
//! environments and the source revision. The source's health is asked through a callback
//! so that the library does not depend on a cluster.

use git2::{Commit, Oid, Repository};

use super::CommitOptions;
use super::bump::{check_tag, commit_file, image_policy};
use super::env_tree::{kustomization, load_env};
use super::error::{BotError, git};
use super::image::ImageSetting;
use super::images_edit::{read_images, set_images};
use super::message::{self, ImageDelta};

/// What is known about the source environment's health.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HealthVerdict {
    Healthy,
    Unhealthy(String),
    /// No cluster could be asked (offline, no context); the reason says why.
    Unknown(String),
}

impl HealthVerdict {
    fn describe(&self) -> String {
        match self {
            HealthVerdict::Healthy => "healthy".into(),
            HealthVerdict::Unhealthy(d) => format!("unhealthy ({d}), promoted with --force"),
            HealthVerdict::Unknown(d) => format!("unknown ({d})"),
        }
    }
}

/// A promotion to make.
pub struct PromoteRequest<'a> {
    pub from: &'a str,
    pub to: &'a str,
    /// Only these images (empty: every image the target lists).
    pub images: &'a [String],
    /// Promote even when the source is unhealthy or the target names another source.
    pub force: bool,
    /// Asked once for the source environment's health.
    pub health: &'a dyn Fn(&str) -> HealthVerdict,
}

/// Promotes on `branch` and moves the branch; `None` when the target already has the
/// source's images.
pub fn promote(
    repo: &Repository,
    branch: &str,
    request: &PromoteRequest<'_>,
    opts: &CommitOptions,
) -> Result<Option<Oid>, BotError> {
    let head = crate::git::branch_head(repo, branch)
        .map_err(git(format!("promote {} → {}", request.from, request.to)))?;
    let Some(commit) = promote_commit(repo, &head, request, opts)? else {
        return Ok(None);
    };
    crate::git::advance_branch(repo, branch, head.id(), commit, "converge: promote")
        .map_err(git(format!("promote: updating {branch}")))?;
    Ok(Some(commit))
}

/// The promotion as a commit on top of `parent` (no reference moves).
pub fn promote_commit(
    repo: &Repository,
    parent: &Commit<'_>,
    request: &PromoteRequest<'_>,
    opts: &CommitOptions,
) -> Result<Option<Oid>, BotError> {
    let (from, to) = (request.from, request.to);
    let fail = |message: String| BotError::Promote {
        from: from.to_string(),
        to: to.to_string(),
        message,
    };
    if from == to {
        return Err(fail(
            "the source and the target are the same environment".into(),
        ));
    }
    let source_env = load_env(repo, parent, from)?;
    let target_env = load_env(repo, parent, to)?;
    if let Some(declared) = &target_env.spec.promotion
        && declared.from != from
        && !request.force
    {
        return Err(fail(format!(
            "{to} promotes from {}, not {from} (spec.promotion.from); use --force to promote anyway",
            declared.from
        )));
    }
    for image in request.images {
        image_policy(&target_env, image)?;
    }
    let verdict = (request.health)(from);
    if let HealthVerdict::Unhealthy(detail) = &verdict
        && !request.force
    {
        return Err(BotError::SourceUnhealthy {
            from: from.to_string(),
            to: to.to_string(),
            detail: detail.clone(),
        });
    }
    let (source_path, source_text) = kustomization(repo, parent, &source_env)?;
    let source_images = read_images(&source_text, source_path.as_ref())?;
    let (target_path, target_text) = kustomization(repo, parent, &target_env)?;
    let target_images = read_images(&target_text, target_path.as_ref())?;

    let mut deltas = Vec::new();
    let mut not_set = Vec::new();
    for policy in &target_env.spec.images {
        if !request.images.is_empty() && !request.images.contains(&policy.name) {
            continue;
        }
        let Some((_, wanted)) = source_images.iter().find(|(n, _)| *n == policy.name) else {
            not_set.push(policy.name.clone());
            continue;
        };
        check_tag(&target_env, &policy.name, wanted.new_tag.as_deref())?;
        let current = target_images
            .iter()
            .find(|(n, _)| *n == policy.name)
            .map(|(_, s)| s.clone())
            .unwrap_or_default();
        if current != *wanted {
            deltas.push(ImageDelta {
                name: policy.name.clone(),
                from: current,
                to: wanted.clone(),
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
    let new_text = set_images(&target_text, target_path.as_ref(), &desired)?;
    if new_text == target_text {
        return Ok(None);
    }
    let message = message::promote(
        from,
        to,
        &parent.id().to_string(),
        &target_path,
        &deltas,
        &not_set,
        &verdict.describe(),
    );
    commit_file(repo, parent, &target_path, new_text, &message, opts).map(Some)
}

//! Registry-driven bumps: the newest tag a registry has that the environment's policy
//! allows, optionally pinned to its digest.

use git2::{Commit, Repository};

use super::bump::image_policy;
use super::env_tree::{kustomization, load_env};
use super::error::BotError;
use super::image::ImageChange;
use super::images_edit::read_images;
use super::registry::{ImageRef, RegistryClient};
use super::tag_policy::CompiledPolicy;

/// The change that sets `image` in environment `env` (as defined in `commit`) to the newest
/// tag in its registry allowed by the environment's policy. The registry asked is the one
/// of the entry's `newName` when it has one, else of the image name.
pub fn latest_change(
    repo: &Repository,
    commit: &Commit<'_>,
    env_name: &str,
    image: &str,
    client: &RegistryClient,
) -> Result<ImageChange, BotError> {
    let env = load_env(repo, commit, env_name)?;
    let policy = image_policy(&env, image)?;
    let compiled =
        CompiledPolicy::compile(&policy.policy).map_err(|message| BotError::InvalidPolicy {
            env: env_name.to_string(),
            image: image.to_string(),
            message,
        })?;
    if compiled.is_empty() {
        return Err(BotError::NoTagFound {
            env: env_name.to_string(),
            image: image.to_string(),
            message: "its policy has no semver range, pattern or order to choose the newest tag by"
                .into(),
        });
    }
    let (path, text) = kustomization(repo, commit, &env)?;
    let source_name = read_images(&text, path.as_ref())?
        .into_iter()
        .find(|(name, _)| name == image)
        .and_then(|(_, setting)| setting.new_name)
        .unwrap_or_else(|| image.to_string());
    let reference = ImageRef::parse(&source_name);
    let tags = client.list_tags(&reference)?;
    let newest = compiled
        .newest(&tags)
        .ok_or_else(|| BotError::NoTagFound {
            env: env_name.to_string(),
            image: image.to_string(),
            message: format!(
                "none of the {} tags in {source_name} is allowed by its policy",
                tags.len()
            ),
        })?
        .to_string();
    let digest = if policy.pin_digest {
        Some(client.digest(&reference, &newest)?)
    } else {
        None
    };
    Ok(ImageChange {
        name: image.to_string(),
        tag: Some(newest),
        digest,
    })
}

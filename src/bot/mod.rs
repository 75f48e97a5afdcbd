//! Commit-bot: image bumps, promotions and rollbacks made as ordinary git commits.
//!
//! Every operation has two forms: one that makes a commit on top of a given parent without
//! moving any reference (`*_commit`, what a push retry recomputes on a new remote head), and
//! one that commits to a local branch (moving it only if it did not move meanwhile, and
//! updating the work tree when the branch is checked out and the touched files are clean).
//! Everything works on bare repositories.

mod bump;
mod env_log;
mod env_tree;
mod error;
mod history;
mod image;
mod images_edit;
mod latest;
pub mod message;
mod promote;
mod push;
pub mod registry;
mod rollback;
mod semver_range;
mod tag_policy;
mod yaml_doc;

pub use bump::{bump, bump_commit};
pub use error::BotError;
pub use history::{HistoryEntry, history, images_of};
pub use image::{ImageChange, ImageSetting};
pub use latest::latest_change;
pub use promote::{HealthVerdict, PromoteRequest, promote, promote_commit};
pub use push::{Edit, PushReport, push_with_retry};
pub use rollback::{
    revert_last_change, revert_last_change_commit, revert_since, revert_since_commit,
};
pub use semver_range::{SemverRange, parse_version};
pub use tag_policy::CompiledPolicy;

/// Who the bot's commits are by.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CommitOptions {
    pub author_name: String,
    pub author_email: String,
}

impl Default for CommitOptions {
    fn default() -> Self {
        CommitOptions {
            author_name: "converge-bot".into(),
            author_email: "converge-bot@users.noreply.converge.dev".into(),
        }
    }
}

impl CommitOptions {
    /// The repository's configured `user.name` / `user.email`, else the bot's identity.
    pub fn from_repo(repo: &git2::Repository) -> CommitOptions {
        match repo.signature() {
            Ok(sig) => match (sig.name(), sig.email()) {
                (Ok(name), Ok(email)) => CommitOptions {
                    author_name: name.to_string(),
                    author_email: email.to_string(),
                },
                _ => CommitOptions::default(),
            },
            Err(_) => CommitOptions::default(),
        }
    }
}

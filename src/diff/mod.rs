//! Diff: one engine comparing desired and live (or two revisions), with secret masking.
//!
//! The comparison itself is pure: [`normalize`] both sides, [`mask_secrets`], then list
//! the field changes ([`ObjectChange::compare`]). Two front ends feed it: [`live`] (the
//! server's dry-run apply of each desired object against the live object; the only file
//! here that talks to a cluster) and [`offline`] (two renders from git, no cluster at all).
//! [`text`], [`markdown`] and [`json`] print a [`ChangeSet`]; nothing else here prints.

mod changeset;
mod error;
mod fields;
mod id;
pub mod json;
pub mod markdown;
mod normalize;
pub mod offline;
pub mod text;

pub use changeset::{Action, ChangeSet, Conflict, ObjectChange, PolicyResult, Summary};
pub use error::DiffError;
pub use fields::{FieldChange, field_changes};
pub use id::{ObjectId, group_kind, group_of};
pub use normalize::{
    LAST_APPLIED, MASK, MASK_AFTER, MASK_BEFORE, is_secret, mask_secrets, normalize,
};
pub use offline::{OfflineDiff, compare_sets, offline};
pub mod live;

pub use live::{LiveObject, LiveOptions, live};

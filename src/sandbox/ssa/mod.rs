//! Server-side apply for the sandbox API server: structured-merge-diff's `Updater` semantics
//! (ownership per field manager, conflicts, pruning of dropped fields), `metadata.managedFields`
//! bookkeeping as the API server encodes it, defaulting of built-in kinds, and strategic merge patch.
//!
//! The engine is pure: it takes the live object and the request body and returns the object to
//! store. The sandbox core owns resourceVersion, uid, generation and timestamps of the object.

mod apply;
mod common;
mod defaults;
mod error;
mod fieldpath;
mod managed;
mod normalize;
mod quantity;
mod schema;
mod smp;
mod typed;
mod update;
mod updater;
mod value;

#[cfg(test)]
mod tests;

pub use error::{Conflict, SsaError};
pub use schema::Schema;

use serde_json::Value;

/// The `fieldValidation` query parameter.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum FieldValidation {
    /// Unknown or duplicate fields fail the request with 400.
    Strict,
    /// Unknown fields are reported as warnings (the server default).
    #[default]
    Warn,
    /// Unknown fields are dropped silently.
    Ignore,
}

/// Parameters of one server-side apply request.
#[derive(Debug, Clone)]
pub struct ApplyOptions<'a> {
    /// `fieldManager` query parameter.
    pub manager: &'a str,
    /// `force` query parameter.
    pub force: bool,
    /// The group/version of the URL, e.g. `apps/v1` (`v1` for the core group).
    pub api_version: &'a str,
    /// `Some("status")` for `/status`.
    pub subresource: Option<&'a str>,
    /// RFC3339 with seconds precision, e.g. `2026-11-27T15:04:05Z`.
    pub now: &'a str,
    /// `fieldValidation` query parameter.
    pub validation: FieldValidation,
}

/// Parameters of one non-apply write (POST, PUT, merge / strategic / JSON patch).
#[derive(Debug, Clone)]
pub struct UpdateOptions<'a> {
    /// The field manager name (from `fieldManager`, else derived from the User-Agent).
    pub manager: &'a str,
    /// The group/version of the URL.
    pub api_version: &'a str,
    /// `Some("status")` for `/status`.
    pub subresource: Option<&'a str>,
    /// RFC3339 with seconds precision.
    pub now: &'a str,
    /// `fieldValidation` query parameter.
    pub validation: FieldValidation,
}

/// The outcome of a write.
#[derive(Debug, Clone)]
pub struct Applied {
    /// The object to store (managedFields maintained, defaults applied).
    pub object: Value,
    /// `false` when the stored object must not be rewritten (resourceVersion unchanged).
    pub changed: bool,
    /// Warnings for the `Warning` header (unknown fields under `FieldValidation::Warn`).
    pub warnings: Vec<String>,
}

/// Server-side apply (SMD `Updater.Apply` semantics). `live` `None` = create.
///
/// Returns the new object with `metadata.managedFields` maintained; `changed == false` means
/// the stored object must not be rewritten (resourceVersion unchanged). Does not touch
/// resourceVersion/uid/generation/creationTimestamp: the server owns those.
pub fn apply(
    schema: &Schema,
    live: Option<&Value>,
    config: &Value,
    opts: &ApplyOptions,
) -> Result<Applied, SsaError> {
    apply::apply(schema, live, config, opts)
}

/// A non-apply write (POST, PUT, merge/strategic/JSON patch result): computes the Update
/// manager's entry (ownership = old − Removed ∪ Modified ∪ Added), resets managedFields when the
/// request carries `managedFields: [{}]`/`[]`, applies defaults and drops unknown fields
/// according to `validation`.
pub fn update(
    schema: &Schema,
    live: Option<&Value>,
    new: Value,
    opts: &UpdateOptions,
) -> Result<Applied, SsaError> {
    update::update(schema, live, new, opts)
}

/// Strategic merge patch as the API server does it for built-in kinds (patchMergeKey /
/// patchStrategy, `$patch` directives, `$setElementOrder`, `$retainKeys`,
/// `$deleteFromPrimitiveList`); custom resources get `SsaError::UnsupportedMediaType` (415).
pub fn strategic_merge_patch(
    schema: &Schema,
    live: &Value,
    patch: &Value,
) -> Result<Value, SsaError> {
    smp::strategic_merge_patch(schema, live, patch)
}

//! kustomize's strategic merge patch, as `kubectl kustomize` (Kustomize v5.5.0)
//! applies it for `patchesStrategicMerge:` and for `patches:` entries that are
//! not JSON 6902 lists.
//!
//! kustomize does not use apimachinery's strategic merge here but kyaml's
//! `merge2` walker, whose behaviour differs in many ways; this module reproduces
//! kyaml's, checked against kubectl:
//!
//! - Maps merge field by field; `null` in the patch removes a field; an explicit
//!   `null` in the target that the patch does not mention is kept; nulls inside
//!   content the patch adds are dropped.
//! - `$patch: delete | replace | merge` work on maps (and on list elements, with
//!   the twist that `replace` on an existing element is undone). A top-level
//!   `$patch: delete` deletes the resource; a top-level `replace` does nothing.
//!   An unknown `$patch` value is an error where it meets existing content and
//!   is kept verbatim where it adds.
//! - A list entry holding only `$patch` is the list's directive (`- $patch:
//!   replace`), honoured only where the target has the list.
//! - `$setElementOrder/…`, `$retainKeys` and `$deleteFromPrimitiveList/…` are not
//!   directives to kyaml: they are copied into the result like any field.
//! - Lists merge by key only where the schema ([`MergeSchema`]) gives a `merge`
//!   patch strategy; all other lists, including every list of a custom resource
//!   without a schema, are replaced by the patch's list.
//! - Keyed lists put the patch's elements first, then the target's others.
//! - The patch's labels and annotations become strings first; the target keeps
//!   its kind, name and namespace ([`SmpOptions`] lifts the first two).
//!
//! The merge works on an arena of nodes (`node.rs`) because kyaml's results
//! depend on node identity; `walk.rs` is the walker, `assoc.rs` and `filters.rs`
//! the keyed-list algorithm, `fast.rs` its linear-time common case,
//! `normalize.rs` the target parts the patch does not reach, `schema.rs` and
//! `builtin.rs` the type information, `resource.rs` what kustomize does to the
//! patch before and to the resource after the merge.
//!
//! Known gap: YAML's empty value (`key:`) and `null` both arrive as JSON null;
//! kustomize drops the former from a target it patches and keeps the latter,
//! this module keeps both.

mod assoc;
mod builtin;
mod error;
mod fast;
mod filters;
mod hash;
mod node;
mod normalize;
mod resource;
mod schema;
mod walk;

#[cfg(test)]
mod proptests;
#[cfg(test)]
mod tests;

use serde_json::Value;

pub use error::MergeError;
pub use schema::MergeSchema;

use node::Arena;
use walk::Walker;

/// The result of applying a strategic-merge patch to one resource.
#[derive(Debug, Clone, PartialEq)]
pub enum MergeOutcome {
    /// The merged resource.
    Merged(Value),
    /// The patch deleted the resource (top-level `$patch: delete`, or a merge
    /// that left nothing, which kustomize drops from the build).
    Deleted,
}

/// Options of one patch application, from the `patches:` entry's `options:`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SmpOptions {
    /// `allowNameChange`: the patch may change `metadata.name`.
    pub allow_name_change: bool,
    /// `allowKindChange`: the patch may change `kind`.
    pub allow_kind_change: bool,
}

/// Apply a strategic-merge patch to one resource, as kustomize does. The
/// target's `apiVersion`/`kind` pick the schema.
///
/// Like kustomize's `ResMap.ApplySmPatch`, the patch first takes the target's
/// `apiVersion`, and afterwards the target keeps its `kind`, `metadata.name` and
/// `metadata.namespace` whatever the patch says (see [`strategic_merge_with`]).
pub fn strategic_merge(
    schema: &MergeSchema,
    target: &Value,
    patch: &Value,
) -> Result<MergeOutcome, MergeError> {
    strategic_merge_with(schema, target, patch, SmpOptions::default())
}

/// [`strategic_merge`] with a patch entry's options: with `allow_kind_change` /
/// `allow_name_change` the patch's `kind` / `metadata.name` stay in the result.
pub fn strategic_merge_with(
    schema: &MergeSchema,
    target: &Value,
    patch: &Value,
    options: SmpOptions,
) -> Result<MergeOutcome, MergeError> {
    merge_resource(schema, target, patch, options, Mode::default())
}

/// How the merge runs; only tests change it, to check the fast paths against
/// the plain algorithm.
#[derive(Debug, Clone, Copy)]
struct Mode {
    /// Linear-time merge of the common keyed list (`fast.rs`).
    fast_lists: bool,
    /// Leave the target's untouched subtrees as JSON (`normalize.rs`).
    lazy_target: bool,
}

impl Default for Mode {
    fn default() -> Self {
        Mode {
            fast_lists: true,
            lazy_target: true,
        }
    }
}

/// The whole patch application.
fn merge_resource(
    schema: &MergeSchema,
    target: &Value,
    patch: &Value,
    options: SmpOptions,
    mode: Mode,
) -> Result<MergeOutcome, MergeError> {
    let root_path = |err| normalize::prefix_path(err, "");
    let mut arena = Arena::default();
    let dest = if mode.lazy_target {
        arena.import_lazy(target)
    } else {
        arena.import(target, 0).map_err(root_path)?
    };
    let origin = arena.import(patch, 0).map_err(root_path)?;
    resource::prepare_patch(&mut arena, origin, target);

    let mut walker = Walker::new(arena, &schema.set);
    walker.fast_lists = mode.fast_lists;
    let walked = walker
        .walk([Some(dest), Some(origin)], None)
        .map_err(root_path)?;
    if walked.is_none() {
        return Ok(MergeOutcome::Deleted);
    }
    // kustomize keeps the target's node, merged in place, whatever the walk
    // returns: so a top-level `$patch: replace` leaves the target as it was.
    let mut result = walker.arena.export(dest);
    if resource::is_nil_or_empty(&result) {
        return Ok(MergeOutcome::Deleted);
    }
    resource::restore_identity(&mut result, target, options);
    Ok(MergeOutcome::Merged(result))
}

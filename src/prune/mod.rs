//! Prune: ApplySet bookkeeping (KEP-3659, as kubectl implements it) and safe deletion.
//!
//! [`applyset`] reads and writes the parent, [`list_members`] finds the live members,
//! [`plan`] picks the ones that left git, [`check_budget`] refuses mass deletions and
//! [`execute`] deletes. Callers (the sync) decide *whether* to prune at all: never after a
//! failed render, policy check or apply.

pub mod applyset;
mod delete;
mod error;
mod members;

pub use applyset::{ApplySet, ParentState, Record, read_parent, write_parent};
pub use delete::{PrunePlan, Pruned, check_budget, execute, plan};
pub use error::PruneError;
pub use members::{Member, Members, list_members};

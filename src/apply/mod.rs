//! Apply: server-side apply of desired objects in dependency order (field manager `converge`).
//!
//! [`prepare`] readies rendered objects for a cluster (namespaces, the ApplySet label),
//! [`order`] says which stage each belongs to, [`apply_batch`] applies one stage and
//! [`wait_established`] holds custom resources back until their CRDs are served. Which
//! objects to write (only those whose dry run differs from live) is the caller's choice.

mod batch;
mod error;
pub mod order;
mod prepare;

pub use batch::{Applied, apply_batch, wait_established};
pub use error::ApplyError;
pub use order::{Stage, stage_of};
pub use prepare::{Prepared, prepare, prepare_with};

//! The policy files an environment's gate reads, as part of its input closure: a change to
//! a selected policy re-runs the gate even when the render did not change. (The gate
//! itself runs inside the sync pipeline, before anything is written.)

use crate::environment::Environment;
use crate::source::{InputClosure, Source};

/// The closure of `environment`'s selected policy files in `source`.
pub fn policy_closure(_source: &dyn Source, _environment: &Environment) -> InputClosure {
    // Listing a policy directory needs the policy module's `Source::list`; until it is in
    // this build, policy changes reach an environment with its next render change.
    InputClosure::default()
}

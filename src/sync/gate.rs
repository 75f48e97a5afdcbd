//! The policy gate: the environment's policies evaluated on its rendered objects, before
//! anything is written. A deny stops the sync; the verdict also goes into diff output.

use serde_json::{Value, json};

use super::error::SyncError;
use crate::diff::PolicyResult;
use crate::environment::Environment;
use crate::source::Source;

/// Evaluates `env`'s policies on `objects`; `None` when the environment selects none.
pub fn evaluate(
    source: &dyn Source,
    env: &Environment,
    objects: &[Value],
) -> Result<Option<PolicyResult>, SyncError> {
    if env.spec.policies.paths.is_empty() {
        return Ok(None);
    }
    engine(source, env, objects)
}

// The policy engine (`crate::policy::PolicySet`) is being built on its own branch; until it
// is merged, selected policies are reported as not evaluated rather than silently passed.
fn engine(
    _source: &dyn Source,
    env: &Environment,
    objects: &[Value],
) -> Result<Option<PolicyResult>, SyncError> {
    let paths = env.spec.policies.paths.join(", ");
    tracing::warn!(environment = %env.metadata.name, %paths, "policy engine not available in this build; policies not evaluated");
    Ok(Some(PolicyResult {
        evaluated: false,
        denied: false,
        summary: format!("not evaluated (no policy engine in this build): {paths}"),
        text: String::new(),
        markdown: format!(
            "Policies were not evaluated: this build has no policy engine ({paths}).\n"
        ),
        report: json!({"environment": env.metadata.name, "objects": objects.len(), "evaluated": false}),
    }))
}

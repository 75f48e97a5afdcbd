//! The policy gate: the environment's policies evaluated on its rendered objects, before
//! anything is written. A deny stops the sync; the verdict also goes into diff output.

use serde_json::Value;

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

fn engine(
    source: &dyn Source,
    env: &Environment,
    objects: &[Value],
) -> Result<Option<PolicyResult>, SyncError> {
    let report =
        crate::policy::check_environment(source, env, objects).map_err(|e| SyncError::Policy {
            environment: env.metadata.name.clone(),
            message: e.to_string(),
        })?;
    Ok(Some(PolicyResult {
        evaluated: true,
        denied: report.denied(),
        summary: report.summary(),
        text: report.to_text(),
        markdown: report.to_markdown(),
        report: report.to_json(),
    }))
}

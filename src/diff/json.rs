//! JSON output: every environment's summary and changes, for tools.

use serde_json::{Value, json};

use super::changeset::ChangeSet;

/// The JSON document for several environments.
pub fn render(sets: &[ChangeSet]) -> Value {
    let environments: Vec<Value> = sets
        .iter()
        .map(|set| {
            let changes: Vec<Value> = set
                .changed()
                .map(|c| serde_json::to_value(c).unwrap_or(Value::Null))
                .collect();
            json!({
                "environment": set.environment,
                "source": set.source,
                "summary": set.summary(),
                "changes": changes,
                "policy": set.policy.as_ref().map(|p| json!({
                    "denied": p.denied,
                    "summary": p.summary,
                    "report": p.report,
                })),
            })
        })
        .collect();
    json!({
        "changed": sets.iter().any(ChangeSet::has_changes),
        "environments": environments,
    })
}

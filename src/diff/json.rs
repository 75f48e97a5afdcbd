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
                    "evaluated": p.evaluated,
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

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::diff::{ObjectChange, ObjectId};

    #[test]
    fn lists_only_changes_with_a_summary() {
        let a = json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "a"}});
        let b = json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "b"}});
        let id = |o: &Value| ObjectId::of(o).expect("an id");
        let set = ChangeSet::new(
            "staging",
            vec![
                ObjectChange::compare(id(&a), Some(&a), Some(&a)),
                ObjectChange::compare(id(&b), None, Some(&b)),
            ],
        );
        let out = render(&[set]);
        assert_eq!(out["changed"], true);
        assert_eq!(out["environments"][0]["summary"]["create"], 1);
        assert_eq!(out["environments"][0]["summary"]["unchanged"], 1);
        let changes = out["environments"][0]["changes"]
            .as_array()
            .expect("changes");
        assert_eq!(changes.len(), 1);
        assert_eq!(changes[0]["action"], "Create");
        assert_eq!(changes[0]["id"]["name"], "b");
    }
}

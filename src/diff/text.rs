//! Unified text output (`kubectl diff` style), coloured only when asked (on a TTY).

use std::fmt::Write;

use super::changeset::{Action, ChangeSet, ObjectChange};

const RED: &str = "\x1b[31m";
const GREEN: &str = "\x1b[32m";
const CYAN: &str = "\x1b[36m";
const BOLD: &str = "\x1b[1m";
const RESET: &str = "\x1b[0m";

/// The YAML of one side, or nothing for an absent side.
fn yaml(side: Option<&serde_json::Value>) -> String {
    side.map(crate::yaml::to_yaml).unwrap_or_default()
}

/// The unified diff of one change, uncoloured. Conflicts and errors have no diff.
pub fn unified(change: &ObjectChange) -> String {
    let before = yaml(change.before.as_ref());
    let after = yaml(change.after.as_ref());
    let (old, new) = match change.action {
        Action::Create => ("/dev/null".to_string(), format!("{} (desired)", change.id)),
        Action::Prune => (format!("{} (live)", change.id), "/dev/null".to_string()),
        _ => (
            format!("{} (live)", change.id),
            format!("{} (desired)", change.id),
        ),
    };
    similar::TextDiff::from_lines(&before, &after)
        .unified_diff()
        .context_radius(3)
        .header(&old, &new)
        .to_string()
}

/// One line per changed field: `spec.replicas: 1 → 3`.
pub fn field_lines(change: &ObjectChange) -> Vec<String> {
    change
        .fields
        .iter()
        .map(|f| {
            let show = |v: &Option<serde_json::Value>| match v {
                Some(v) => v.to_string(),
                None => "(none)".to_string(),
            };
            format!("{}: {} → {}", f.path, show(&f.before), show(&f.after))
        })
        .collect()
}

/// The one-line summary of an environment's changes.
pub fn summary_line(set: &ChangeSet) -> String {
    let s = set.summary();
    let mut line = format!(
        "{}: {} to create, {} to update, {} to prune, {} unchanged",
        set.environment, s.create, s.update, s.prune, s.unchanged
    );
    if s.blocked > 0 {
        let _ = write!(line, ", {} blocked", s.blocked);
    }
    if let Some(source) = &set.source {
        let _ = write!(line, " ({source})");
    }
    line
}

/// Text output for several environments.
pub fn render(sets: &[ChangeSet], color: bool) -> String {
    let mut out = String::new();
    for set in sets {
        let heading = format!("=== environment {}", summary_line(set));
        push_line(&mut out, &heading, color.then_some(BOLD));
        for change in set.changed() {
            if let Some(conflict) = &change.conflict {
                let line = format!(
                    "conflict: {}: fields owned by {}: {}",
                    change.id,
                    conflict
                        .managers
                        .iter()
                        .map(|m| format!("{m:?}"))
                        .collect::<Vec<_>>()
                        .join(", "),
                    conflict.fields.join(", ")
                );
                push_line(&mut out, &line, color.then_some(RED));
            }
            if let Some(error) = &change.error {
                push_line(
                    &mut out,
                    &format!("error: {}: {error}", change.id),
                    color.then_some(RED),
                );
            }
            if let Some(note) = &change.note {
                push_line(&mut out, &format!("note: {}: {note}", change.id), None);
            }
            if change.action == Action::Unchanged {
                continue;
            }
            for line in unified(change).lines() {
                let paint = match line.as_bytes().first() {
                    _ if !color => None,
                    Some(b'+') if line.starts_with("+++") => Some(BOLD),
                    Some(b'-') if line.starts_with("---") => Some(BOLD),
                    Some(b'+') => Some(GREEN),
                    Some(b'-') => Some(RED),
                    Some(b'@') => Some(CYAN),
                    _ => None,
                };
                push_line(&mut out, line, paint);
            }
        }
        if let Some(policy) = &set.policy {
            push_line(&mut out, &format!("policies: {}", policy.summary), None);
            out.push_str(&policy.text);
            if !policy.text.is_empty() && !policy.text.ends_with('\n') {
                out.push('\n');
            }
        }
    }
    out
}

fn push_line(out: &mut String, line: &str, paint: Option<&str>) {
    match paint {
        Some(code) => {
            let _ = writeln!(out, "{code}{line}{RESET}");
        }
        None => {
            out.push_str(line);
            out.push('\n');
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::diff::ObjectId;

    #[test]
    fn unified_diff_of_an_update() {
        let obj = |n: i64| {
            json!({"apiVersion": "v1", "kind": "ConfigMap",
            "metadata": {"name": "a"}, "data": {"k": n.to_string()}})
        };
        let id = ObjectId::of(&obj(1)).expect("an id");
        let change = ObjectChange::compare(id, Some(&obj(1)), Some(&obj(2)));
        let text = render(&[ChangeSet::new("staging", vec![change])], false);
        assert!(text.contains("-  k: \"1\"\n+  k: \"2\"\n"), "{text}");
        assert!(
            text.starts_with("=== environment staging: 0 to create, 1 to update"),
            "{text}"
        );
        assert!(!text.contains('\x1b'));
        let coloured = render(&[ChangeSet::new("x", vec![])], true);
        assert!(coloured.contains(BOLD));
    }
}

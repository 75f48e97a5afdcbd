//! Markdown output for pull-request comments: a summary table of every environment, then per
//! environment a table of changed objects, collapsible diffs and the policy results.

use std::fmt::Write;

use super::changeset::{Action, ChangeSet};
use super::text::unified;

/// The comment for several environments.
pub fn render(sets: &[ChangeSet]) -> String {
    let mut out = String::new();
    out.push_str("## converge diff\n\n");
    if sets.is_empty() {
        out.push_str("No environment is affected by this change.\n");
        return out;
    }
    out.push_str("| Environment | Create | Update | Prune | Unchanged | Policies |\n");
    out.push_str("|---|---:|---:|---:|---:|---|\n");
    for set in sets {
        let s = set.summary();
        let policy = match &set.policy {
            Some(p) if !p.evaluated => format!("⚠️ {}", p.summary),
            Some(p) if p.denied => format!("❌ {}", p.summary),
            Some(p) => format!("✅ {}", p.summary),
            None => "—".to_string(),
        };
        let _ = writeln!(
            out,
            "| `{}` | {} | {} | {} | {} | {} |",
            set.environment,
            s.create,
            s.update,
            s.prune,
            s.unchanged,
            cell(&policy)
        );
    }
    for set in sets {
        section(&mut out, set);
    }
    out
}

fn section(out: &mut String, set: &ChangeSet) {
    let _ = write!(out, "\n### Environment `{}`", set.environment);
    if let Some(source) = &set.source {
        let _ = write!(out, " ({})", cell(source));
    }
    out.push_str("\n\n");
    let changed: Vec<_> = set.changed().collect();
    if changed.is_empty() {
        out.push_str("No changes.\n");
    } else {
        out.push_str("| Object | Action | Changed fields |\n|---|---|---|\n");
        for change in &changed {
            let action = match (&change.conflict, &change.error) {
                (Some(c), _) => format!("⚠️ conflict with {}", c.managers.join(", ")),
                (None, Some(_)) => "⚠️ error".to_string(),
                _ => change.action.as_str().to_string(),
            };
            let fields = change
                .fields
                .iter()
                .map(|f| format!("`{}`", f.path))
                .collect::<Vec<_>>()
                .join(", ");
            let _ = writeln!(
                out,
                "| `{}` | {} | {} |",
                change.id,
                cell(&action),
                cell(&fields)
            );
        }
        for change in &changed {
            let mut notes = Vec::new();
            if let Some(c) = &change.conflict {
                notes.push(format!("Conflict: {}", c.message));
            }
            if let Some(e) = &change.error {
                notes.push(format!("Error: {e}"));
            }
            if let Some(n) = &change.note {
                notes.push(format!("Note: {n}"));
            }
            let diff = if change.action == Action::Unchanged {
                String::new()
            } else {
                unified(change)
            };
            if diff.is_empty() && notes.is_empty() {
                continue;
            }
            let _ = write!(
                out,
                "\n<details><summary><code>{}</code> {}</summary>\n\n",
                html(&change.id.to_string()),
                change.action.as_str()
            );
            for note in notes {
                let _ = writeln!(out, "{}\n", html(&note));
            }
            if !diff.is_empty() {
                let fence = fence_for(&diff);
                let _ = write!(out, "{fence}diff\n{diff}");
                if !diff.ends_with('\n') {
                    out.push('\n');
                }
                let _ = writeln!(out, "{fence}");
            }
            out.push_str("\n</details>\n");
        }
    }
    if let Some(policy) = &set.policy {
        out.push_str("\n#### Policies\n\n");
        out.push_str(&policy.markdown);
        if !policy.markdown.ends_with('\n') {
            out.push('\n');
        }
    }
}

/// A code fence longer than any backtick run in `body`.
fn fence_for(body: &str) -> String {
    let mut longest = 0;
    let mut run = 0;
    for c in body.chars() {
        if c == '`' {
            run += 1;
            longest = longest.max(run);
        } else {
            run = 0;
        }
    }
    "`".repeat((longest + 1).max(3))
}

/// Text safe inside a table cell.
fn cell(text: &str) -> String {
    text.replace('|', "\\|").replace('\n', " ")
}

/// Text safe inside HTML.
fn html(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::diff::{ObjectChange, ObjectId};

    #[test]
    fn summary_table_and_collapsible_diffs() {
        let obj = |img: &str| {
            json!({"apiVersion": "apps/v1", "kind": "Deployment",
            "metadata": {"name": "api", "namespace": "x"},
            "spec": {"template": {"spec": {"containers": [{"name": "api", "image": img}]}}}})
        };
        let id = ObjectId::of(&obj("a")).expect("an id");
        let change = ObjectChange::compare(id, Some(&obj("api:1")), Some(&obj("api:2")));
        let md = render(&[ChangeSet::new("staging", vec![change])]);
        assert!(md.contains("| `staging` | 0 | 1 | 0 | 0 | — |"), "{md}");
        assert!(
            md.contains("<details><summary><code>Deployment.apps x/api</code> update</summary>"),
            "{md}"
        );
        assert!(
            md.contains("`spec.template.spec.containers[name=api].image`"),
            "{md}"
        );
        assert!(md.contains("```diff\n"), "{md}");
        assert_eq!(fence_for("a ```` b"), "`````");
    }
}

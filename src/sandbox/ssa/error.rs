//! Errors of the server-side-apply engine, each mapping onto the Status body a real API server sends.

use serde_json::{Value, json};

use super::value::go_quote;

/// One field another manager owns that an apply would change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Conflict {
    /// The owning manager's name.
    pub manager: String,
    /// The owner's apiVersion when it is an Update manager (printed as `"m" using apps/v1`);
    /// `None` for appliers (printed as `"m"`).
    pub api_version: Option<String>,
    /// The owner's subresource, if its writes went to one (printed as
    /// `"m" with subresource "status"`).
    pub subresource: Option<String>,
    /// The field as upstream prints it, e.g. `.spec.replicas`.
    pub path: String,
}

impl Conflict {
    /// `"m" using apps/v1` for updaters, `"m"` for appliers (conflict.go `printManager`).
    fn manager_label(&self) -> String {
        let mut label = go_quote(&self.manager);
        if let Some(s) = &self.subresource {
            label = format!("{label} with subresource {}", go_quote(s));
        }
        match &self.api_version {
            Some(v) => format!("{label} using {v}"),
            None => label,
        }
    }
}

/// Everything `apply`, `update` and `strategic_merge_patch` can refuse.
#[derive(Debug, thiserror::Error)]
pub enum SsaError {
    /// Fields owned by other managers would change: 409.
    #[error("{}", conflict_message(.conflicts))]
    Conflict { conflicts: Vec<Conflict> },
    /// The object is invalid at `field`: 422.
    #[error("{field}: {message}")]
    Invalid { field: String, message: String },
    /// The request itself is malformed: 400.
    #[error("{0}")]
    BadRequest(String),
    /// Strategic merge patch on a custom resource: 415.
    #[error("{0}")]
    UnsupportedMediaType(String),
    /// An error the API server reports as 500 (no Status reason), e.g. an applied
    /// configuration with fields the schema does not declare.
    #[error("{0}")]
    Internal(String),
    /// A CRD's OpenAPI schema this engine cannot read.
    #[error("invalid openAPIV3Schema at {path}: {message}")]
    Schema { path: String, message: String },
}

impl SsaError {
    /// The HTTP status code a real API server answers with.
    pub fn http_status(&self) -> u16 {
        match self {
            SsaError::Conflict { .. } => 409,
            SsaError::Invalid { .. } => 422,
            SsaError::BadRequest(_) | SsaError::Schema { .. } => 400,
            SsaError::UnsupportedMediaType(_) => 415,
            SsaError::Internal(_) => 500,
        }
    }

    /// The `metav1.Status` body for this error. `group`, `kind` and `name` identify the object
    /// (kind as the API server's qualified kind, e.g. `Deployment`, group `apps`, core group `""`);
    /// they appear only where the real server puts them (Invalid details).
    pub fn status_body(&self, group: &str, kind: &str, name: &str) -> Value {
        let (reason, message, details) = match self {
            SsaError::Conflict { conflicts } => {
                let causes: Vec<Value> = conflicts
                    .iter()
                    .map(|c| {
                        json!({
                            "reason": "FieldManagerConflict",
                            "message": format!("conflict with {}", c.manager_label()),
                            "field": c.path,
                        })
                    })
                    .collect();
                (
                    "Conflict",
                    self.to_string(),
                    Some(json!({ "causes": causes })),
                )
            }
            SsaError::Invalid { field, message } => {
                let qualified = if group.is_empty() {
                    kind.to_string()
                } else {
                    format!("{kind}.{group}")
                };
                let text = format!("{qualified} \"{name}\" is invalid: {field}: {message}");
                let mut details = serde_json::Map::new();
                details.insert("name".into(), json!(name));
                if !group.is_empty() {
                    details.insert("group".into(), json!(group));
                }
                details.insert("kind".into(), json!(kind));
                details.insert(
                    "causes".into(),
                    json!([{ "reason": "FieldValueInvalid", "message": message, "field": field }]),
                );
                ("Invalid", text, Some(Value::Object(details)))
            }
            SsaError::BadRequest(_) | SsaError::Schema { .. } => {
                ("BadRequest", self.to_string(), None)
            }
            SsaError::UnsupportedMediaType(_) => ("UnsupportedMediaType", self.to_string(), None),
            SsaError::Internal(_) => ("", self.to_string(), None),
        };
        let mut body = serde_json::Map::new();
        body.insert("kind".into(), json!("Status"));
        body.insert("apiVersion".into(), json!("v1"));
        body.insert("metadata".into(), json!({}));
        body.insert("status".into(), json!("Failure"));
        body.insert("message".into(), json!(message));
        if !reason.is_empty() {
            body.insert("reason".into(), json!(reason));
        }
        if let Some(d) = details {
            body.insert("details".into(), d);
        }
        body.insert("code".into(), json!(self.http_status()));
        Value::Object(body)
    }
}

/// conflict.go `getConflictMessage`: one conflict inline, several grouped by manager.
fn conflict_message(conflicts: &[Conflict]) -> String {
    if conflicts.len() == 1 {
        let c = &conflicts[0];
        return format!(
            "Apply failed with 1 conflict: conflict with {}: {}",
            c.manager_label(),
            c.path
        );
    }
    // Conflicts arrive sorted by manager; group them keeping that order.
    let mut by_manager: Vec<(String, Vec<&str>)> = Vec::new();
    for c in conflicts {
        let label = c.manager_label();
        match by_manager.iter_mut().find(|(l, _)| *l == label) {
            Some((_, paths)) => paths.push(c.path.as_str()),
            None => by_manager.push((label, vec![c.path.as_str()])),
        }
    }
    let mut out = format!("Apply failed with {} conflicts: ", conflicts.len());
    let mut first = true;
    for (label, paths) in by_manager {
        if !first {
            out.push('\n');
        }
        first = false;
        out.push_str(&format!("conflicts with {label}:"));
        for p in paths {
            out.push_str(&format!("\n- {p}"));
        }
    }
    out
}

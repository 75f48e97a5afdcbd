//! What a sync would do, per object: the values every diff (live, offline, the controller's)
//! produces and every output format prints.

use serde::Serialize;
use serde_json::Value;

use super::fields::{FieldChange, field_changes};
use super::id::ObjectId;
use super::normalize::{mask_secrets, normalize};

/// The action for one object.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub enum Action {
    Create,
    Update,
    Prune,
    Unchanged,
}

impl Action {
    pub fn as_str(self) -> &'static str {
        match self {
            Action::Create => "create",
            Action::Update => "update",
            Action::Prune => "prune",
            Action::Unchanged => "unchanged",
        }
    }
}

/// A server-side apply conflict: fields another field manager owns.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Conflict {
    /// The managers that own the conflicting fields, e.g. `kubectl-edit`.
    pub managers: Vec<String>,
    /// The conflicting fields, e.g. `.spec.replicas`.
    pub fields: Vec<String>,
    /// The server's message.
    pub message: String,
}

/// One object's change. `before`/`after` are normalised and Secret-masked: safe to print.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ObjectChange {
    pub id: ObjectId,
    pub action: Action,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub before: Option<Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub after: Option<Value>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub fields: Vec<FieldChange>,
    /// Applying would conflict with another manager (live diff only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub conflict: Option<Conflict>,
    /// The server refused the dry run for another reason.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// Why `after` is the manifest rather than the server's view (e.g. its namespace or
    /// its CRD does not exist yet).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

impl ObjectChange {
    /// Compares two states of one object after normalising and masking both.
    pub fn compare(id: ObjectId, before: Option<&Value>, after: Option<&Value>) -> ObjectChange {
        let mut before = before.map(normalize);
        let mut after = after.map(normalize);
        mask_secrets(before.as_mut(), after.as_mut());
        let (action, fields) = match (&before, &after) {
            (None, Some(_)) => (Action::Create, Vec::new()),
            (Some(_), None) => (Action::Prune, Vec::new()),
            (Some(b), Some(a)) => {
                let fields = field_changes(b, a);
                let action = if fields.is_empty() {
                    Action::Unchanged
                } else {
                    Action::Update
                };
                (action, fields)
            }
            (None, None) => (Action::Unchanged, Vec::new()),
        };
        ObjectChange {
            id,
            action,
            before,
            after,
            fields,
            conflict: None,
            error: None,
            note: None,
        }
    }

    /// Whether this entry stops a sync (a conflict or a refused dry run).
    pub fn is_blocked(&self) -> bool {
        self.conflict.is_some() || self.error.is_some()
    }
}

/// Counts per action.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Summary {
    pub create: usize,
    pub update: usize,
    pub prune: usize,
    pub unchanged: usize,
    /// Conflicts and refused dry runs.
    pub blocked: usize,
}

/// A policy verdict as the diff outputs show it (decoupled from the policy engine's types).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PolicyResult {
    /// False when the policies could not be evaluated at all (no verdict either way).
    pub evaluated: bool,
    pub denied: bool,
    pub summary: String,
    #[serde(skip)]
    pub text: String,
    #[serde(skip)]
    pub markdown: String,
    pub report: Value,
}

/// Every object change of one environment.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ChangeSet {
    pub environment: String,
    /// Where the desired state came from, e.g. a revision or "work tree".
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    pub changes: Vec<ObjectChange>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub policy: Option<PolicyResult>,
}

impl ChangeSet {
    pub fn new(environment: impl Into<String>, changes: Vec<ObjectChange>) -> ChangeSet {
        ChangeSet {
            environment: environment.into(),
            source: None,
            changes,
            policy: None,
        }
    }

    pub fn summary(&self) -> Summary {
        let mut s = Summary::default();
        for c in &self.changes {
            if c.is_blocked() {
                s.blocked += 1;
            }
            match c.action {
                Action::Create => s.create += 1,
                Action::Update => s.update += 1,
                Action::Prune => s.prune += 1,
                Action::Unchanged => s.unchanged += 1,
            }
        }
        s
    }

    /// Whether applying would change anything (or is blocked, which is not "no change").
    pub fn has_changes(&self) -> bool {
        self.changes
            .iter()
            .any(|c| c.action != Action::Unchanged || c.is_blocked())
    }

    /// The entries that are not `Unchanged`, for printing.
    pub fn changed(&self) -> impl Iterator<Item = &ObjectChange> {
        self.changes
            .iter()
            .filter(|c| c.action != Action::Unchanged || c.is_blocked())
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn compare_decides_the_action() {
        let id =
            ObjectId::of(&json!({"kind": "ConfigMap", "metadata": {"name": "a"}})).expect("an id");
        let a =
            json!({"kind": "ConfigMap", "metadata": {"name": "a", "uid": "1"}, "data": {"k": "1"}});
        let b =
            json!({"kind": "ConfigMap", "metadata": {"name": "a", "uid": "2"}, "data": {"k": "2"}});
        assert_eq!(
            ObjectChange::compare(id.clone(), Some(&a), Some(&a)).action,
            Action::Unchanged
        );
        let update = ObjectChange::compare(id.clone(), Some(&a), Some(&b));
        assert_eq!(update.action, Action::Update);
        assert_eq!(update.fields.len(), 1);
        assert_eq!(
            ObjectChange::compare(id.clone(), None, Some(&a)).action,
            Action::Create
        );
        assert_eq!(
            ObjectChange::compare(id, Some(&a), None).action,
            Action::Prune
        );
    }
}

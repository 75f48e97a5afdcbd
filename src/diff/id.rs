//! Object identity across revisions and clusters: group, kind, namespace and name (the
//! version is left out, so an object moving from `v1beta1` to `v1` is the same object).

use std::fmt;

use serde::Serialize;
use serde_json::Value;

/// Which object: `(group, kind, namespace, name)`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub struct ObjectId {
    /// API group, `""` for the core group.
    pub group: String,
    pub kind: String,
    /// `None` for cluster-scoped objects.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
    pub name: String,
}

impl ObjectId {
    /// The id of a manifest; `None` when `kind` or `metadata.name` is missing.
    pub fn of(object: &Value) -> Option<ObjectId> {
        let kind = object["kind"].as_str().filter(|k| !k.is_empty())?;
        let name = object
            .pointer("/metadata/name")
            .and_then(Value::as_str)
            .filter(|n| !n.is_empty())?;
        let namespace = object
            .pointer("/metadata/namespace")
            .and_then(Value::as_str)
            .filter(|n| !n.is_empty())
            .map(String::from);
        Some(ObjectId {
            group: group_of(object["apiVersion"].as_str().unwrap_or("")).to_string(),
            kind: kind.to_string(),
            namespace,
            name: name.to_string(),
        })
    }

    /// `Kind.group` (or `Kind` for the core group), as ApplySet annotations write it.
    pub fn group_kind(&self) -> String {
        group_kind(&self.group, &self.kind)
    }
}

/// The group of an `apiVersion` (`apps/v1` → `apps`, `v1` → ``).
pub fn group_of(api_version: &str) -> &str {
    api_version.rsplit_once('/').map(|(g, _)| g).unwrap_or("")
}

/// `Kind.group`, or `Kind` for the core group.
pub fn group_kind(group: &str, kind: &str) -> String {
    if group.is_empty() {
        kind.to_string()
    } else {
        format!("{kind}.{group}")
    }
}

impl fmt::Display for ObjectId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.namespace {
            Some(ns) => write!(f, "{} {ns}/{}", self.group_kind(), self.name),
            None => write!(f, "{} {}", self.group_kind(), self.name),
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn ids_of_namespaced_and_cluster_objects() {
        let d = json!({"apiVersion": "apps/v1", "kind": "Deployment",
            "metadata": {"name": "web", "namespace": "x"}});
        let id = ObjectId::of(&d).expect("an id");
        assert_eq!(id.to_string(), "Deployment.apps x/web");
        let ns = json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "x"}});
        assert_eq!(ObjectId::of(&ns).expect("an id").to_string(), "Namespace x");
        assert_eq!(ObjectId::of(&json!({"kind": "ConfigMap"})), None);
    }
}

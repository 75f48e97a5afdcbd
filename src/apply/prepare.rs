//! Preparing rendered objects for a cluster: namespaced objects without a namespace get the
//! environment's, cluster-scoped ones lose any namespace, and every object gets the
//! ApplySet `part-of` label. Scope comes from discovery, or from a CRD in the same
//! environment for custom resources whose type does not exist yet.

use std::collections::HashSet;

use serde_json::{Value, json};

use super::error::ApplyError;
use crate::cluster::{Cluster, Resource};
use crate::diff::{ObjectId, group_of};
use crate::prune::ApplySet;
use crate::prune::applyset::PART_OF_LABEL;

/// An object ready to apply.
#[derive(Debug, Clone)]
pub struct Prepared {
    pub id: ObjectId,
    /// `None` while its type is only defined by a CRD of this sync.
    pub resource: Option<Resource>,
    pub object: Value,
}

/// Prepares `objects` for `set`, defaulting namespaces to `namespace`.
pub fn prepare(
    cluster: &Cluster,
    objects: &[Value],
    namespace: &str,
    set: &ApplySet,
) -> Result<Vec<Prepared>, ApplyError> {
    prepare_with(|v, k| cluster.resource(v, k), objects, namespace, set)
}

/// [`prepare`] with any way of resolving `(apiVersion, kind)` to a served resource.
pub fn prepare_with(
    resolve: impl Fn(&str, &str) -> Option<Resource>,
    objects: &[Value],
    namespace: &str,
    set: &ApplySet,
) -> Result<Vec<Prepared>, ApplyError> {
    let crd_scopes = crd_scopes(objects);
    let mut seen = HashSet::new();
    let mut out = Vec::with_capacity(objects.len());
    for (index, original) in objects.iter().enumerate() {
        let mut object = original.clone();
        let api_version = object["apiVersion"].as_str().unwrap_or("").to_string();
        let kind = object["kind"].as_str().unwrap_or("").to_string();
        let name_of = |o: &Value| ObjectId::of(o).map(|id| id.to_string());
        let Some(display) = name_of(&object) else {
            return Err(ApplyError::NoIdentity { index });
        };
        let resource = resolve(&api_version, &kind);
        let namespaced = match &resource {
            Some(r) => r.namespaced,
            None => *crd_scopes
                .iter()
                .find(|(g, k, _)| g == group_of(&api_version) && *k == kind)
                .map(|(_, _, namespaced)| namespaced)
                .ok_or_else(|| ApplyError::UnknownKind {
                    object: display.clone(),
                    api_version: api_version.clone(),
                    kind: kind.clone(),
                })?,
        };
        let Some(meta) = object.get_mut("metadata").and_then(Value::as_object_mut) else {
            return Err(ApplyError::NoIdentity { index });
        };
        let has_namespace = meta
            .get("namespace")
            .and_then(Value::as_str)
            .is_some_and(|ns| !ns.is_empty());
        if namespaced && !has_namespace {
            meta.insert("namespace".into(), json!(namespace));
        } else if !namespaced {
            meta.remove("namespace");
        }
        let labels = meta.entry("labels").or_insert_with(|| json!({}));
        let Some(labels) = labels.as_object_mut() else {
            return Err(ApplyError::NoIdentity { index });
        };
        if labels.contains_key(PART_OF_LABEL) {
            return Err(ApplyError::LabelAlreadySet {
                object: display,
                label: PART_OF_LABEL.into(),
            });
        }
        labels.insert(PART_OF_LABEL.into(), json!(set.id));
        let Some(id) = ObjectId::of(&object) else {
            return Err(ApplyError::NoIdentity { index });
        };
        if !seen.insert(id.clone()) {
            return Err(ApplyError::Duplicate {
                object: id.to_string(),
            });
        }
        out.push(Prepared {
            id,
            resource,
            object,
        });
    }
    Ok(out)
}

/// (group, kind, namespaced) of every CRD among `objects`.
fn crd_scopes(objects: &[Value]) -> Vec<(String, String, bool)> {
    objects
        .iter()
        .filter(|o| {
            o["kind"] == "CustomResourceDefinition"
                && group_of(o["apiVersion"].as_str().unwrap_or("")) == "apiextensions.k8s.io"
        })
        .filter_map(|crd| {
            let group = crd.pointer("/spec/group")?.as_str()?.to_string();
            let kind = crd.pointer("/spec/names/kind")?.as_str()?.to_string();
            let namespaced = crd.pointer("/spec/scope").and_then(Value::as_str) != Some("Cluster");
            Some((group, kind, namespaced))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn resolve(api_version: &str, kind: &str) -> Option<Resource> {
        let (group, version) = api_version.rsplit_once('/').unwrap_or(("", api_version));
        let namespaced = match kind {
            "Namespace" | "ClusterRole" | "CustomResourceDefinition" => false,
            "ConfigMap" | "Deployment" => true,
            _ => return None,
        };
        Some(Resource {
            group: group.into(),
            version: version.into(),
            kind: kind.into(),
            plural: format!("{}s", kind.to_lowercase()),
            namespaced,
        })
    }

    fn set() -> ApplySet {
        ApplySet::for_environment("staging", "ml")
    }

    #[test]
    fn namespaces_are_defaulted_and_stripped_and_members_labelled() {
        let objects = vec![
            json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "a"}}),
            json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "b", "namespace": "other"}}),
            json!({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRole",
                "metadata": {"name": "r", "namespace": "ml"}}),
        ];
        let prepared = prepare_with(resolve, &objects, "ml", &set()).expect("prepared");
        let ids: Vec<String> = prepared.iter().map(|p| p.id.to_string()).collect();
        assert_eq!(
            ids,
            [
                "ConfigMap ml/a",
                "ConfigMap other/b",
                "ClusterRole.rbac.authorization.k8s.io r"
            ]
        );
        for p in &prepared {
            assert_eq!(
                p.object["metadata"]["labels"][PART_OF_LABEL],
                json!(set().id)
            );
        }
    }

    #[test]
    fn custom_resources_take_their_scope_from_a_crd_in_the_set() {
        let objects = vec![
            json!({"apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition",
                "metadata": {"name": "widgets.example.com"},
                "spec": {"group": "example.com", "scope": "Namespaced", "names": {"kind": "Widget"}}}),
            json!({"apiVersion": "example.com/v1", "kind": "Widget", "metadata": {"name": "w"}}),
        ];
        let prepared = prepare_with(resolve, &objects, "ml", &set()).expect("prepared");
        assert!(prepared[1].resource.is_none());
        assert_eq!(prepared[1].id.namespace.as_deref(), Some("ml"));
        let unknown = vec![
            json!({"apiVersion": "example.com/v1", "kind": "Gadget", "metadata": {"name": "g"}}),
        ];
        let err = prepare_with(resolve, &unknown, "ml", &set()).expect_err("unknown kind");
        assert!(
            err.to_string().starts_with("Gadget.example.com g: "),
            "{err}"
        );
    }

    #[test]
    fn preset_labels_and_duplicates_are_errors() {
        let labelled = vec![
            json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "a",
            "labels": {PART_OF_LABEL: "applyset-x-v1"}}}),
        ];
        let err = prepare_with(resolve, &labelled, "ml", &set()).expect_err("label set");
        assert!(err.to_string().contains(PART_OF_LABEL), "{err}");
        let twice = vec![
            json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "a"}}),
            json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "a", "namespace": "ml"}}),
        ];
        let err = prepare_with(resolve, &twice, "ml", &set()).expect_err("duplicate");
        assert!(err.to_string().contains("more than once"), "{err}");
    }
}

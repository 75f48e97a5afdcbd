//! ApplySets as kubectl implements KEP-3659: a parent Secret per environment (in the
//! environment's namespace) labelled with the set's id, annotated with the tooling, the
//! member group-kinds and the extra namespaces; members carry a `part-of` label. kubectl
//! can list and inspect converge's sets, and refuses to modify them (other tooling), as
//! converge refuses to modify kubectl's.
//!
//! converge also records on the parent what it last synced (revision, input closure
//! digest, result): annotations that only change when the sync's outcome does, so a no-op
//! sync writes nothing.

use std::collections::BTreeSet;

use base64::Engine;
use serde_json::{Map, Value, json};
use sha2::{Digest, Sha256};

use super::error::PruneError;
use crate::cluster::{ApplyParams, Cluster, Resource};

pub const PART_OF_LABEL: &str = "applyset.kubernetes.io/part-of";
pub const ID_LABEL: &str = "applyset.kubernetes.io/id";
pub const TOOLING_ANNOTATION: &str = "applyset.kubernetes.io/tooling";
pub const GROUP_KINDS_ANNOTATION: &str = "applyset.kubernetes.io/contains-group-kinds";
pub const DEPRECATED_GROUP_RESOURCES_ANNOTATION: &str =
    "applyset.kubernetes.io/contains-group-resources";
pub const ADDITIONAL_NAMESPACES_ANNOTATION: &str = "applyset.kubernetes.io/additional-namespaces";

/// converge's records on the parent.
pub const REVISION_ANNOTATION: &str = "converge.dev/revision";
pub const DIGEST_ANNOTATION: &str = "converge.dev/closure-digest";
pub const RESULT_ANNOTATION: &str = "converge.dev/result";
pub const ENVIRONMENT_LABEL: &str = "converge.dev/environment";

/// The tool name in the tooling annotation.
pub const TOOL_NAME: &str = "converge";
/// The field manager of parent writes (kubectl uses `<tool>-applyset`).
pub const PARENT_FIELD_MANAGER: &str = "converge-applyset";

/// `converge/v<version>`.
pub fn tooling() -> String {
    format!("{TOOL_NAME}/v{}", env!("CARGO_PKG_VERSION"))
}

/// kubectl's ApplySet id: `applyset-<base64url(sha256(name.namespace.Kind.group))>-v1`.
pub fn applyset_id(name: &str, namespace: &str, kind: &str, group: &str) -> String {
    let digest = Sha256::digest(format!("{name}.{namespace}.{kind}.{group}").as_bytes());
    format!(
        "applyset-{}-v1",
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(digest)
    )
}

/// One environment's ApplySet: its parent Secret and id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApplySet {
    pub environment: String,
    pub name: String,
    pub namespace: String,
    pub id: String,
}

impl ApplySet {
    /// The set of environment `environment`, parented in `namespace`.
    pub fn for_environment(environment: &str, namespace: &str) -> ApplySet {
        let name = format!("converge-{environment}");
        let id = applyset_id(&name, namespace, "Secret", "");
        ApplySet {
            environment: environment.to_string(),
            name,
            namespace: namespace.to_string(),
            id,
        }
    }

    /// The label selector of the members.
    pub fn member_selector(&self) -> String {
        format!("{PART_OF_LABEL}={}", self.id)
    }

    /// `secret/<name> -n <namespace>`, for messages.
    pub fn parent_ref(&self) -> String {
        format!("secret/{} -n {}", self.name, self.namespace)
    }
}

/// What converge recorded about its last sync.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Record {
    pub revision: Option<String>,
    pub digest: Option<String>,
    pub result: Option<String>,
}

/// The parent as found in the cluster.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ParentState {
    pub exists: bool,
    /// `Kind.group` of every member type, as annotated.
    pub group_kinds: BTreeSet<String>,
    /// Member namespaces besides the parent's.
    pub additional_namespaces: BTreeSet<String>,
    pub record: Record,
    /// The tooling annotation (`converge/v0.1.0`).
    pub tooling: Option<String>,
}

impl ParentState {
    /// Every namespace members may be in (the parent's included).
    pub fn namespaces(&self, set: &ApplySet) -> BTreeSet<String> {
        let mut all = self.additional_namespaces.clone();
        all.insert(set.namespace.clone());
        all
    }
}

fn secret_resource(cluster: &Cluster, set: &ApplySet) -> Result<Resource, PruneError> {
    cluster
        .resource("v1", "Secret")
        .ok_or_else(|| PruneError::Parent {
            parent: set.parent_ref(),
            message: "the cluster does not serve v1 Secrets".into(),
        })
}

fn split_list(text: Option<&str>) -> BTreeSet<String> {
    text.unwrap_or("")
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(String::from)
        .collect()
}

/// Reads the parent; a parent of another tool, or with another id, is an error.
pub async fn read_parent(cluster: &Cluster, set: &ApplySet) -> Result<ParentState, PruneError> {
    let resource = secret_resource(cluster, set)?;
    let parent = cluster
        .get(&resource, Some(&set.namespace), &set.name)
        .await
        .map_err(|source| PruneError::Cluster {
            context: format!("reading ApplySet parent {}", set.parent_ref()),
            source: Box::new(source),
        })?;
    let Some(parent) = parent else {
        return Ok(ParentState::default());
    };
    parse_parent(set, &parent)
}

/// Checks and reads a parent object.
pub fn parse_parent(set: &ApplySet, parent: &Value) -> Result<ParentState, PruneError> {
    let annotation = |key: &str| {
        parent
            .pointer("/metadata/annotations")
            .and_then(|a| a.get(key))
            .and_then(Value::as_str)
    };
    let tooling = annotation(TOOLING_ANNOTATION).ok_or_else(|| PruneError::Parent {
        parent: set.parent_ref(),
        message: format!(
            "exists and has no {TOOLING_ANNOTATION} annotation; refusing to take it over"
        ),
    })?;
    let base = tooling.rsplit_once('/').map(|(b, _)| b).unwrap_or(tooling);
    if base != TOOL_NAME {
        return Err(PruneError::Tooling {
            parent: set.parent_ref(),
            found: tooling.to_string(),
        });
    }
    let id = parent
        .pointer("/metadata/labels")
        .and_then(|l| l.get(ID_LABEL))
        .and_then(Value::as_str);
    if id != Some(set.id.as_str()) {
        return Err(PruneError::Parent {
            parent: set.parent_ref(),
            message: format!("label {ID_LABEL} is {id:?}, expected {:?}", set.id),
        });
    }
    let group_kinds = match annotation(GROUP_KINDS_ANNOTATION) {
        Some(text) => split_list(Some(text)),
        None => {
            return Err(PruneError::Parent {
                parent: set.parent_ref(),
                message: format!("has no {GROUP_KINDS_ANNOTATION} annotation"),
            });
        }
    };
    Ok(ParentState {
        exists: true,
        group_kinds,
        additional_namespaces: split_list(annotation(ADDITIONAL_NAMESPACES_ANNOTATION)),
        record: Record {
            revision: annotation(REVISION_ANNOTATION).map(String::from),
            digest: annotation(DIGEST_ANNOTATION).map(String::from),
            result: annotation(RESULT_ANNOTATION).map(String::from),
        },
        tooling: Some(tooling.to_string()),
    })
}

/// The parent manifest for a set of member kinds and namespaces, with converge's record.
pub fn parent_manifest(
    set: &ApplySet,
    group_kinds: &BTreeSet<String>,
    namespaces: &BTreeSet<String>,
    record: &Record,
) -> Value {
    let additional: Vec<&str> = namespaces
        .iter()
        .filter(|ns| **ns != set.namespace)
        .map(String::as_str)
        .collect();
    let mut annotations = Map::new();
    annotations.insert(TOOLING_ANNOTATION.into(), json!(tooling()));
    annotations.insert(
        GROUP_KINDS_ANNOTATION.into(),
        json!(group_kinds.iter().cloned().collect::<Vec<_>>().join(",")),
    );
    annotations.insert(
        ADDITIONAL_NAMESPACES_ANNOTATION.into(),
        json!(additional.join(",")),
    );
    for (key, value) in [
        (REVISION_ANNOTATION, &record.revision),
        (DIGEST_ANNOTATION, &record.digest),
        (RESULT_ANNOTATION, &record.result),
    ] {
        if let Some(v) = value {
            annotations.insert(key.into(), json!(v));
        }
    }
    json!({
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": {
            "name": set.name,
            "namespace": set.namespace,
            "labels": {ID_LABEL: set.id, ENVIRONMENT_LABEL: set.environment},
            "annotations": annotations,
        },
        "type": "Opaque",
    })
}

/// Writes the parent unless it already says exactly this; returns whether it wrote.
pub async fn write_parent(
    cluster: &Cluster,
    set: &ApplySet,
    current: &ParentState,
    group_kinds: &BTreeSet<String>,
    namespaces: &BTreeSet<String>,
    record: &Record,
) -> Result<bool, PruneError> {
    let wanted_additional: BTreeSet<String> = namespaces
        .iter()
        .filter(|ns| **ns != set.namespace)
        .cloned()
        .collect();
    if current.exists
        && current.group_kinds == *group_kinds
        && current.additional_namespaces == wanted_additional
        && current.record == *record
        && current.tooling.as_deref() == Some(tooling().as_str())
    {
        return Ok(false);
    }
    let resource = secret_resource(cluster, set)?;
    let manifest = parent_manifest(set, group_kinds, namespaces, record);
    let params = ApplyParams {
        field_manager: PARENT_FIELD_MANAGER.to_string(),
        // The parent is ours (read_parent checked tooling and id); take back any field
        // someone else touched, as kubectl does on a 409.
        force: true,
        dry_run: false,
    };
    cluster
        .apply(&resource, &manifest, &params)
        .await
        .map_err(|source| PruneError::Cluster {
            context: format!("writing ApplySet parent {}", set.parent_ref()),
            source: Box::new(source),
        })?;
    Ok(true)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn id_matches_kubectl() {
        assert_eq!(
            applyset_id("myset", "x", "Secret", ""),
            "applyset-OIamDOXFzZA-ywTNVzAJ2NPTMoKZVRwrZbvEr_0ws2w-v1"
        );
    }

    #[test]
    fn parents_of_other_tools_are_refused() {
        let set = ApplySet::for_environment("staging", "ml");
        let mut parent = parent_manifest(
            &set,
            &BTreeSet::from(["ConfigMap".to_string(), "Deployment.apps".to_string()]),
            &BTreeSet::from(["ml".to_string(), "other".to_string()]),
            &Record::default(),
        );
        let state = parse_parent(&set, &parent).expect("our own parent");
        assert_eq!(state.group_kinds.len(), 2);
        assert_eq!(
            state.additional_namespaces,
            BTreeSet::from(["other".to_string()])
        );
        parent["metadata"]["annotations"][TOOLING_ANNOTATION] = json!("kubectl/v1.32.4");
        assert!(matches!(
            parse_parent(&set, &parent),
            Err(PruneError::Tooling { .. })
        ));
        parent["metadata"]["annotations"][TOOLING_ANNOTATION] = json!("converge/v9.9.9");
        parent["metadata"]["labels"][ID_LABEL] = json!("applyset-other-v1");
        assert!(matches!(
            parse_parent(&set, &parent),
            Err(PruneError::Parent { .. })
        ));
    }
}

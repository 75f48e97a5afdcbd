//! Finding an ApplySet's members: one LIST by `part-of` label per member type (from the
//! parent's group-kinds) and namespace (the parent's and the additional ones), as kubectl
//! does. Only objects whose label names this set come back.

use serde_json::Value;

use super::applyset::{ApplySet, PART_OF_LABEL, ParentState};
use super::error::PruneError;
use crate::cluster::{Cluster, Resource};
use crate::diff::ObjectId;

/// A live member of the set.
#[derive(Debug, Clone)]
pub struct Member {
    pub id: ObjectId,
    pub resource: Resource,
    pub uid: Option<String>,
    pub object: Value,
}

/// What listing found.
#[derive(Debug, Clone, Default)]
pub struct Members {
    pub members: Vec<Member>,
    /// Group-kinds of the parent the cluster no longer serves (their CRD is gone, and with
    /// it every object of the kind).
    pub unserved: Vec<String>,
}

/// Lists every member of `set` as `parent` describes it.
pub async fn list_members(
    cluster: &Cluster,
    set: &ApplySet,
    parent: &ParentState,
) -> Result<Members, PruneError> {
    let selector = set.member_selector();
    let namespaces = parent.namespaces(set);
    let mut lists = Vec::new();
    let mut unserved = Vec::new();
    for gk in &parent.group_kinds {
        let (kind, group) = gk.split_once('.').unwrap_or((gk.as_str(), ""));
        let Some(resource) = cluster.resource_for_group_kind(group, kind) else {
            unserved.push(gk.clone());
            continue;
        };
        if resource.namespaced {
            for ns in &namespaces {
                lists.push((resource.clone(), Some(ns.clone())));
            }
        } else {
            lists.push((resource, None));
        }
    }
    let reads = lists.into_iter().map(|(resource, ns)| {
        let selector = selector.as_str();
        async move {
            let items = cluster
                .list(&resource, ns.as_deref(), Some(selector))
                .await
                .map_err(|source| PruneError::Cluster {
                    context: format!("listing members of ApplySet {}", set.parent_ref()),
                    source: Box::new(source),
                })?;
            Ok::<_, PruneError>((resource, items))
        }
    });
    let mut members = Vec::new();
    for result in futures::future::join_all(reads).await {
        let (resource, items) = result?;
        for object in items {
            // The selector already filtered; checking again costs nothing and keeps a
            // misbehaving server from making us delete what is not ours.
            let label = object
                .pointer("/metadata/labels")
                .and_then(|l| l.get(PART_OF_LABEL))
                .and_then(Value::as_str);
            if label != Some(set.id.as_str()) {
                continue;
            }
            let Some(id) = ObjectId::of(&object) else {
                continue;
            };
            members.push(Member {
                id,
                resource: resource.clone(),
                uid: object
                    .pointer("/metadata/uid")
                    .and_then(Value::as_str)
                    .map(String::from),
                object,
            });
        }
    }
    members.sort_by(|a, b| a.id.cmp(&b.id));
    members.dedup_by(|a, b| a.id == b.id);
    Ok(Members { members, unserved })
}

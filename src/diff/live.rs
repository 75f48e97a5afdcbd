//! Live mode: what applying each desired object would change in the cluster, as the server
//! itself computes it. Each object is applied with `dryRun=All` under converge's field
//! manager (defaulting, admission, managed-field merging and conflicts included), and the
//! result is compared with the live object through the same normalisation as every other
//! diff. Live objects are read with one LIST per type and namespace when several desired
//! objects share them, else one GET each.
//!
//! This is the only part of `diff` that talks to a cluster.

use std::collections::BTreeMap;

use futures::StreamExt;
use serde_json::Value;

use super::changeset::{Conflict, ObjectChange};
use crate::apply::Prepared;
use crate::cluster::{ApplyParams, Cluster, ClusterError, Resource};
use crate::prune::applyset::PART_OF_LABEL;

/// How to compute a live diff.
#[derive(Debug, Clone)]
pub struct LiveOptions {
    pub field_manager: String,
    /// Dry-run with `force`, as the sync would apply.
    pub force: bool,
    /// Requests in flight.
    pub concurrency: usize,
    /// The ApplySet id the desired objects carry; a live object labelled with another is
    /// reported as an error instead of being taken over.
    pub applyset_id: String,
}

/// One desired object against the cluster.
#[derive(Debug, Clone)]
pub struct LiveObject {
    pub change: ObjectChange,
    pub prepared: Prepared,
    /// The live object, raw (`None` when absent or unread).
    pub live: Option<Value>,
    /// The server's dry-run result, raw.
    pub merged: Option<Value>,
}

impl LiveObject {
    /// Whether a real apply would write.
    pub fn needs_apply(&self) -> bool {
        !self.change.is_blocked() && self.change.action != super::Action::Unchanged
    }
}

/// Compares every prepared object with the cluster.
pub async fn live(
    cluster: &Cluster,
    desired: &[Prepared],
    options: &LiveOptions,
) -> Result<Vec<LiveObject>, ClusterError> {
    let lives = read_live(cluster, desired, options.concurrency).await?;
    let params = ApplyParams {
        field_manager: options.field_manager.clone(),
        force: options.force,
        dry_run: true,
    };
    let results: Vec<(usize, LiveObject)> = futures::stream::iter(desired.iter().enumerate())
        .map(|(i, prepared)| {
            let live = lives[i].clone();
            let params = &params;
            async move { (i, one(cluster, prepared, live, params, options).await) }
        })
        .buffer_unordered(options.concurrency.max(1))
        .collect()
        .await;
    let mut ordered: Vec<Option<LiveObject>> = (0..desired.len()).map(|_| None).collect();
    for (i, object) in results {
        ordered[i] = Some(object);
    }
    Ok(ordered.into_iter().flatten().collect())
}

async fn one(
    cluster: &Cluster,
    prepared: &Prepared,
    live: Option<Value>,
    params: &ApplyParams,
    options: &LiveOptions,
) -> LiveObject {
    let id = prepared.id.clone();
    let Some(resource) = &prepared.resource else {
        let mut change = ObjectChange::compare(id, None, Some(&prepared.object));
        change.note = Some("its type is defined by a CRD of this environment that is not established yet; showing the manifest".into());
        return LiveObject {
            change,
            prepared: prepared.clone(),
            live: None,
            merged: None,
        };
    };
    if let Some(other) = live
        .as_ref()
        .and_then(|l| l.pointer("/metadata/labels"))
        .and_then(|l| l.get(PART_OF_LABEL))
        .and_then(Value::as_str)
        .filter(|other| *other != options.applyset_id)
    {
        let mut change = ObjectChange::compare(id, live.as_ref(), Some(&prepared.object));
        change.error = Some(format!(
            "the live object belongs to another ApplySet ({PART_OF_LABEL}={other}); converge does not take it over"
        ));
        return LiveObject {
            change,
            prepared: prepared.clone(),
            live,
            merged: None,
        };
    }
    match cluster.apply(resource, &prepared.object, params).await {
        Ok(merged) => LiveObject {
            change: ObjectChange::compare(id, live.as_ref(), Some(&merged)),
            prepared: prepared.clone(),
            live,
            merged: Some(merged),
        },
        Err(e) if e.is_conflict() && !params.force => {
            // Show what applying would change were the conflict resolved in converge's
            // favour (the server's merge, not the raw manifest), and the conflict itself.
            let forced = ApplyParams {
                force: true,
                ..params.clone()
            };
            let merged = cluster
                .apply(resource, &prepared.object, &forced)
                .await
                .ok();
            let after = merged.as_ref().unwrap_or(&prepared.object);
            let mut change = ObjectChange::compare(id, live.as_ref(), Some(after));
            change.conflict = Some(conflict_of(&e));
            LiveObject {
                change,
                prepared: prepared.clone(),
                live,
                merged,
            }
        }
        Err(e) => {
            let mut change = ObjectChange::compare(id, live.as_ref(), Some(&prepared.object));
            if e.is_namespace_missing() && live.is_none() {
                change.note = Some(format!(
                    "{}; showing the manifest (the server has not validated it)",
                    message_of(&e)
                ));
            } else if e.is_conflict() {
                change.conflict = Some(conflict_of(&e));
            } else {
                change.error = Some(message_of(&e));
            }
            LiveObject {
                change,
                prepared: prepared.clone(),
                live,
                merged: None,
            }
        }
    }
}

fn message_of(e: &ClusterError) -> String {
    match e {
        ClusterError::Api { message, .. } => message.clone(),
        other => other.to_string(),
    }
}

/// The managers and fields of a 409 from server-side apply.
pub fn conflict_of(e: &ClusterError) -> Conflict {
    let ClusterError::Api {
        message, causes, ..
    } = e
    else {
        return Conflict {
            managers: Vec::new(),
            fields: Vec::new(),
            message: e.to_string(),
        };
    };
    let mut managers: Vec<String> = causes
        .iter()
        .filter_map(|c| manager_in(&c.message))
        .collect();
    if managers.is_empty()
        && let Some(m) = manager_in(message)
    {
        managers.push(m);
    }
    managers.sort();
    managers.dedup();
    Conflict {
        managers,
        fields: causes
            .iter()
            .filter(|c| !c.field.is_empty())
            .map(|c| c.field.clone())
            .collect(),
        message: message.clone(),
    }
}

/// `conflict with "kubectl-edit" using apps/v1` → `kubectl-edit`.
fn manager_in(message: &str) -> Option<String> {
    let start = message.find("conflict with \"").map(|i| i + 15)?;
    let rest = &message[start..];
    let end = rest.find('"')?;
    Some(rest[..end].to_string())
}

/// The live state of every desired object, in order.
async fn read_live(
    cluster: &Cluster,
    desired: &[Prepared],
    concurrency: usize,
) -> Result<Vec<Option<Value>>, ClusterError> {
    type Group<'a> = (&'a Resource, Vec<usize>);
    let mut groups: BTreeMap<(String, String, Option<String>), Group<'_>> = BTreeMap::new();
    for (i, p) in desired.iter().enumerate() {
        if let Some(r) = &p.resource {
            groups
                .entry((r.api_version(), r.plural.clone(), p.id.namespace.clone()))
                .or_insert_with(|| (r, Vec::new()))
                .1
                .push(i);
        }
    }
    let reads: Vec<Vec<(usize, Option<Value>)>> = futures::stream::iter(groups.into_values())
        .map(|(resource, indexes)| async move {
            // Every group was created with its first index.
            let ns = desired[indexes[0]].id.namespace.as_deref();
            if indexes.len() > 2 {
                let mut items = cluster.list(resource, ns, None).await?;
                let mut by_name: BTreeMap<String, Value> = items
                    .drain(..)
                    .filter_map(|o| {
                        let name = o.pointer("/metadata/name")?.as_str()?.to_string();
                        Some((name, o))
                    })
                    .collect();
                Ok::<_, ClusterError>(
                    indexes
                        .iter()
                        .map(|&i| (i, by_name.remove(&desired[i].id.name)))
                        .collect(),
                )
            } else {
                let mut out = Vec::new();
                for &i in &indexes {
                    out.push((i, cluster.get(resource, ns, &desired[i].id.name).await?));
                }
                Ok(out)
            }
        })
        .buffer_unordered(concurrency.max(1))
        .collect::<Vec<_>>()
        .await
        .into_iter()
        .collect::<Result<_, _>>()?;
    let mut out = vec![None; desired.len()];
    for (i, live) in reads.into_iter().flatten() {
        out[i] = live;
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn conflict_managers_come_from_the_causes() {
        let e = ClusterError::Api {
            verb: "apply",
            target: "Deployment.apps x/web".into(),
            code: 409,
            reason: "Conflict".into(),
            message: "Apply failed with 1 conflict: conflict with \"kubectl-edit\" using apps/v1: .spec.replicas".into(),
            causes: vec![crate::cluster::Cause {
                reason: "FieldManagerConflict".into(),
                message: "conflict with \"kubectl-edit\" using apps/v1".into(),
                field: ".spec.replicas".into(),
            }],
            attempts: 1,
        };
        let c = conflict_of(&e);
        assert_eq!(c.managers, ["kubectl-edit"]);
        assert_eq!(c.fields, [".spec.replicas"]);
    }
}

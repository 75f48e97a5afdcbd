//! Deciding and carrying out a prune: members of this set that left the desired state,
//! within the environment's budget, deleted in reverse dependency order with a UID
//! precondition. The parent's own namespace is never deleted (it would take the record of
//! the set with it).

use std::collections::HashSet;

use serde::Serialize;

use super::applyset::ApplySet;
use super::error::PruneError;
use super::members::Member;
use crate::apply::order::{Stage, stage_of};
use crate::cluster::{Cluster, Deleted};
use crate::diff::ObjectId;
use crate::environment::Budget;

/// What a prune would delete.
#[derive(Debug, Clone, Default)]
pub struct PrunePlan {
    /// Members not in the desired state, to delete.
    pub candidates: Vec<Member>,
    /// How many members the set has now.
    pub members: usize,
    /// Members that left the desired state but are kept, and why.
    pub kept: Vec<(ObjectId, String)>,
}

/// The members of `set` that `desired` no longer contains.
pub fn plan(set: &ApplySet, members: &[Member], desired: &HashSet<ObjectId>) -> PrunePlan {
    let mut out = PrunePlan {
        members: members.len(),
        ..PrunePlan::default()
    };
    for member in members {
        if desired.contains(&member.id) {
            continue;
        }
        if member.id.group.is_empty()
            && member.id.kind == "Namespace"
            && member.id.name == set.namespace
        {
            out.kept.push((
                member.id.clone(),
                "it holds the ApplySet parent; delete it by hand if the environment is gone".into(),
            ));
            continue;
        }
        out.candidates.push(member.clone());
    }
    out
}

/// Refuses a prune larger than the budget allows, unless overridden.
pub fn check_budget(
    plan: &PrunePlan,
    budget: &Budget,
    allow_mass_prune: bool,
) -> Result<(), PruneError> {
    let allowance = budget.allowance(plan.members);
    if plan.candidates.len() > allowance && !allow_mass_prune {
        return Err(PruneError::Budget {
            would_prune: plan.candidates.len(),
            members: plan.members,
            budget: budget.to_string(),
            allowance,
        });
    }
    Ok(())
}

/// The outcome of one deletion.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Pruned {
    pub id: ObjectId,
    /// `None` on success.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// Deletes the candidates, last stage first; within a stage, concurrently.
pub async fn execute(cluster: &Cluster, plan: &PrunePlan, concurrency: usize) -> Vec<Pruned> {
    use futures::StreamExt;
    let mut out = Vec::new();
    for stage in Stage::ALL.iter().rev() {
        let batch: Vec<&Member> = plan
            .candidates
            .iter()
            .filter(|m| stage_of(&m.id.group, &m.id.kind) == *stage)
            .collect();
        let results: Vec<Pruned> = futures::stream::iter(batch)
            .map(|m| async move {
                let result = cluster
                    .delete(
                        &m.resource,
                        m.id.namespace.as_deref(),
                        &m.id.name,
                        m.uid.as_deref(),
                    )
                    .await;
                Pruned {
                    id: m.id.clone(),
                    error: match result {
                        Ok(Deleted::Deleted | Deleted::Gone) => None,
                        Err(e) => Some(e.to_string()),
                    },
                }
            })
            .buffer_unordered(concurrency.max(1))
            .collect()
            .await;
        out.extend(results);
    }
    out
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::cluster::Resource;

    fn member(kind: &str, name: &str) -> Member {
        let object = json!({"apiVersion": "v1", "kind": kind, "metadata": {"name": name, "namespace": "ml"}});
        Member {
            id: ObjectId::of(&object).expect("an id"),
            resource: Resource {
                group: String::new(),
                version: "v1".into(),
                kind: kind.into(),
                plural: format!("{}s", kind.to_lowercase()),
                namespaced: kind != "Namespace",
            },
            uid: Some("u".into()),
            object,
        }
    }

    #[test]
    fn plans_only_departed_members_and_keeps_the_parent_namespace() {
        let set = ApplySet::for_environment("staging", "ml");
        let members = vec![
            member("ConfigMap", "a"),
            member("ConfigMap", "b"),
            member("Namespace", "ml"),
        ];
        let desired: HashSet<ObjectId> = [members[0].id.clone()].into_iter().collect();
        let p = plan(&set, &members, &desired);
        assert_eq!(p.candidates.len(), 1);
        assert_eq!(p.candidates[0].id.name, "b");
        assert_eq!(p.kept.len(), 1);
        assert_eq!(p.members, 3);
    }

    #[test]
    fn budget_refuses_mass_prunes_unless_allowed() {
        let set = ApplySet::for_environment("staging", "ml");
        let members: Vec<Member> = (0..10)
            .map(|i| member("ConfigMap", &format!("c{i}")))
            .collect();
        let keep: HashSet<ObjectId> = members[..4].iter().map(|m| m.id.clone()).collect();
        let p = plan(&set, &members, &keep);
        assert_eq!(p.candidates.len(), 6);
        let err = check_budget(&p, &Budget::Percent(50.0), false).expect_err("over budget");
        assert!(err.to_string().contains("--allow-mass-prune"), "{err}");
        assert!(check_budget(&p, &Budget::Percent(50.0), true).is_ok());
        assert!(check_budget(&p, &Budget::Count(6), false).is_ok());
    }
}

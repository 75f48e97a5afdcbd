//! Choosing the referral of a name-reference field, as kustomize's nameref filter does:
//! the resources the referrer may see (its namespace, cluster-scoped ones, a RoleBinding's
//! subject namespaces) that once had the field's name and the referral kind, narrowed by
//! roleRef kind, namespace, and the prefixes and suffixes the referrer itself received.
//! Candidates come from an index by previous name, so each field costs only its namesakes.

use std::collections::{HashMap, HashSet};

use serde_json::{Map, Value};

use super::name_reference::kustomize_id;
use crate::render::error::RenderError;
use crate::render::resid::{Gvk, ResId};
use crate::render::resource::{Resource, scalar_text};

/// What the selection needs to know about a possible referral, taken before any referrer
/// is rewritten (names and ids do not change during this pass).
pub(super) struct Candidate {
    name: String,
    /// `metadata.namespace` as written.
    namespace: String,
    kind: String,
    cur_id: ResId,
    cur_cluster_scoped: bool,
    cur_namespace: String,
    /// Effective namespace of the original id; `None` when it was cluster-scoped.
    org_namespace: Option<String>,
    prev_gvks: Vec<Gvk>,
    prefixes: Vec<String>,
    suffixes: Vec<String>,
}

impl Candidate {
    fn of(res: &Resource) -> Candidate {
        let cur_id = res.cur_id();
        let org = res.org_id();
        Candidate {
            name: res.name().to_string(),
            namespace: res.namespace().to_string(),
            kind: res.kind().to_string(),
            cur_cluster_scoped: cur_id.is_cluster_scoped(),
            cur_namespace: cur_id.effective_namespace().to_string(),
            org_namespace: (!org.is_cluster_scoped())
                .then(|| org.effective_namespace().to_string()),
            prev_gvks: res.prev_ids().into_iter().map(|id| id.gvk).collect(),
            prefixes: res.build.prefixes.clone(),
            suffixes: res.build.suffixes.clone(),
            cur_id,
        }
    }

    fn previously_selected_by(&self, gvk: &Gvk) -> bool {
        self.prev_gvks.iter().any(|g| g.is_selected_by(gvk))
    }
}

/// The candidates and the index by previous name.
pub(super) struct Referrals {
    candidates: Vec<Candidate>,
    by_previous_name: HashMap<String, Vec<usize>>,
    /// Positions grouped by original effective namespace (namespaced originals only).
    by_org_namespace: HashMap<String, Vec<usize>>,
}

impl Referrals {
    pub(super) fn new(resources: &[Resource]) -> Referrals {
        let mut by_previous_name: HashMap<String, Vec<usize>> = HashMap::new();
        let mut by_org_namespace: HashMap<String, Vec<usize>> = HashMap::new();
        let mut candidates = Vec::with_capacity(resources.len());
        for (i, res) in resources.iter().enumerate() {
            let candidate = Candidate::of(res);
            let mut seen = HashSet::new();
            for (_, name, _) in &res.build.previous {
                if seen.insert(name.as_str()) {
                    by_previous_name.entry(name.clone()).or_default().push(i);
                }
            }
            if let Some(ns) = &candidate.org_namespace {
                by_org_namespace.entry(ns.clone()).or_default().push(i);
            }
            candidates.push(candidate);
        }
        Referrals {
            candidates,
            by_previous_name,
            by_org_namespace,
        }
    }
}

/// The referrer's view: which candidates it may refer to (kustomize's
/// `SubsetThatCouldBeReferencedByResource`) and the facts the sieves compare.
pub(super) struct Referrer {
    pub(super) id: ResId,
    cluster_scoped: bool,
    namespace: String,
    /// Namespaces of a RoleBinding's ServiceAccount subjects.
    subject_namespaces: HashSet<String>,
    prefixes: Vec<String>,
    suffixes: Vec<String>,
}

impl Referrer {
    pub(super) fn of(res: &Resource) -> Result<Referrer, RenderError> {
        let id = res.cur_id();
        Ok(Referrer {
            cluster_scoped: id.is_cluster_scoped(),
            namespace: id.effective_namespace().to_string(),
            subject_namespaces: role_binding_namespaces(res, &id)?,
            prefixes: res.build.prefixes.clone(),
            suffixes: res.build.suffixes.clone(),
            id,
        })
    }

    fn can_see(&self, c: &Candidate) -> bool {
        self.cluster_scoped
            || c.cur_cluster_scoped
            || c.cur_namespace == self.namespace
            || self.subject_namespaces.contains(&c.namespace)
    }
}

/// kustomize's `getNamespacesForRoleBinding`.
fn role_binding_namespaces(res: &Resource, id: &ResId) -> Result<HashSet<String>, RenderError> {
    let mut out = HashSet::new();
    if res.kind() != "RoleBinding" {
        return Ok(out);
    }
    let Some(Value::Array(subjects)) = res.obj.get("subjects") else {
        return Ok(out);
    };
    for subject in subjects {
        let Value::Object(subject) = subject else {
            continue;
        };
        let (Some(ns), Some(kind)) = (subject.get("namespace"), subject.get("kind")) else {
            continue;
        };
        if kind.as_str() != Some("ServiceAccount") {
            continue;
        }
        match ns {
            Value::String(ns) => {
                out.insert(ns.clone());
            }
            _ => {
                return Err(RenderError::NameReference {
                    referrer: kustomize_id(id),
                    field: "subjects".into(),
                    message: "invalid input: namespace is blank".into(),
                });
            }
        }
    }
    Ok(out)
}

/// kustomize's `SameEndingSubSlice`.
fn same_ending(a: &[String], b: &[String]) -> bool {
    let (short, long) = if a.len() <= b.len() { (a, b) } else { (b, a) };
    if short.is_empty() {
        return long.is_empty();
    }
    long.ends_with(short)
}

fn affixes_match(r: &Referrer, c: &Candidate, allow_empty: bool) -> bool {
    let prefix_empty = r.prefixes.is_empty() || c.prefixes.is_empty();
    let suffix_empty = r.suffixes.is_empty() || c.suffixes.is_empty();
    (allow_empty && prefix_empty || same_ending(&r.prefixes, &c.prefixes))
        && (allow_empty && suffix_empty || same_ending(&r.suffixes, &c.suffixes))
}

/// One referrer field being fixed.
pub(super) struct FieldFix<'a> {
    pub(super) referrals: &'a Referrals,
    pub(super) referrer: &'a Referrer,
    pub(super) target: &'a Gvk,
    /// The roleRef kind and group, when the field is a `roleRef/name`.
    pub(super) role_ref: Option<Gvk>,
    /// Candidates chosen, to record `ref_by` on them afterwards.
    pub(super) chosen: Vec<usize>,
}

/// How two remaining candidates are judged interchangeable.
#[derive(Clone, Copy)]
enum Identity {
    Name,
    NameAndNamespace,
}

impl FieldFix<'_> {
    /// kustomize's `selectReferral`.
    fn select(
        &self,
        old_name: &str,
        visible: &dyn Fn(&Candidate) -> bool,
        identity: Identity,
    ) -> Result<Option<usize>, String> {
        let Some(named) = self.referrals.by_previous_name.get(old_name) else {
            return Ok(None);
        };
        let all = &self.referrals.candidates;
        let r = self.referrer;
        let mut picked: Vec<usize> = named
            .iter()
            .copied()
            .filter(|&i| {
                let c = &all[i];
                visible(c)
                    && c.previously_selected_by(self.target)
                    && self
                        .role_ref
                        .as_ref()
                        .is_none_or(|g| c.previously_selected_by(g))
                    && (r.cluster_scoped
                        || c.cur_cluster_scoped
                        || c.kind == "ServiceAccount"
                        || c.cur_namespace == r.namespace)
            })
            .collect();
        if picked.len() == 1 {
            return Ok(picked.first().copied());
        }
        for allow_empty in [true, false] {
            picked.retain(|&i| affixes_match(r, &all[i], allow_empty));
            if picked.len() == 1 {
                return Ok(picked.first().copied());
            }
        }
        let Some(&first) = picked.first() else {
            return Ok(None);
        };
        let same = picked.iter().all(|&i| {
            all[i].name == all[first].name
                && match identity {
                    Identity::Name => true,
                    Identity::NameAndNamespace => all[i].namespace == all[first].namespace,
                }
        });
        if same {
            return Ok(Some(first));
        }
        let ids: Vec<String> = picked
            .iter()
            .map(|&i| kustomize_id(&all[i].cur_id))
            .collect();
        Err(format!(
            "found multiple possible referrals: {}",
            ids.join(", ")
        ))
    }

    /// Fixes the node a referrer field spec designates.
    pub(super) fn set(&mut self, node: &mut Value) -> Result<(), String> {
        match node {
            Value::Null => Ok(()),
            Value::Object(map) => self.set_mapping(map),
            Value::Array(items) => {
                for item in items.iter_mut() {
                    match item {
                        Value::Object(map) => self.set_mapping(map)?,
                        // kustomize skips nested sequences and nulls.
                        Value::Null | Value::Array(_) => {}
                        scalar => self.set_scalar(scalar)?,
                    }
                }
                Ok(())
            }
            scalar => self.set_scalar(scalar),
        }
    }

    fn set_scalar(&mut self, node: &mut Value) -> Result<(), String> {
        let old = scalar_text(node);
        let referrer = self.referrer;
        let Some(i) = self.select(&old, &|c| referrer.can_see(c), Identity::Name)? else {
            return Ok(());
        };
        self.chosen.push(i);
        let name = &self.referrals.candidates[i].name;
        if *name != old {
            *node = Value::String(name.clone());
        }
        Ok(())
    }

    /// A `{name, namespace}` map (RoleBinding subjects, webhook services).
    fn set_mapping(&mut self, map: &mut Map<String, Value>) -> Result<(), String> {
        let Some(name) = map.get("name") else {
            return Err("path config error; no 'name' field in node".into());
        };
        let old = node_text(name);
        let referrer = self.referrer;
        let chosen = match map.get("namespace") {
            None => self.select(&old, &|c| referrer.can_see(c), Identity::NameAndNamespace)?,
            Some(ns) => {
                let ns = node_text(ns);
                let all = &self.referrals.candidates;
                let by_original = self
                    .referrals
                    .by_org_namespace
                    .get(&ns)
                    .is_some_and(|group| group.iter().any(|&i| referrer.can_see(&all[i])));
                if by_original {
                    let visible = |c: &Candidate| {
                        referrer.can_see(c) && c.org_namespace.as_deref() == Some(ns.as_str())
                    };
                    self.select(&old, &visible, Identity::NameAndNamespace)?
                } else {
                    let visible = |c: &Candidate| {
                        referrer.can_see(c) && !c.cur_cluster_scoped && c.cur_namespace == ns
                    };
                    self.select(&old, &visible, Identity::NameAndNamespace)?
                }
            }
        };
        let Some(i) = chosen else {
            return Ok(());
        };
        self.chosen.push(i);
        let c = &self.referrals.candidates[i];
        if c.name == old && c.namespace.is_empty() {
            return Ok(());
        }
        map.insert("name".into(), Value::String(c.name.clone()));
        // An empty namespace is a wildcard here, not "default": never write it.
        if !c.namespace.is_empty() {
            map.insert("namespace".into(), Value::String(c.namespace.clone()));
        }
        Ok(())
    }
}

/// The text of a node as kustomize reads a scalar's value (mappings and lists read empty).
pub(super) fn node_text(value: &Value) -> String {
    match value {
        Value::Object(_) | Value::Array(_) => String::new(),
        other => scalar_text(other),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_ending_compares_tails() {
        let v = |s: &[&str]| s.iter().map(|x| x.to_string()).collect::<Vec<_>>();
        assert!(same_ending(&v(&["a", "b", "c"]), &v(&["b", "c"])));
        assert!(!same_ending(&v(&["a", "b", "c"]), &v(&["a", "b"])));
        assert!(!same_ending(&v(&[]), &v(&["a"])));
        assert!(same_ending(&v(&[]), &v(&[])));
    }
}

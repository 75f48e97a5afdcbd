//! Name references (kustomize's nameReference transformer): after prefixes, suffixes,
//! namespaces and hashes changed names, every field that names another resource (a
//! Deployment's ConfigMap volume, a RoleBinding's subjects, an HPA's target, ...) is
//! rewritten to the referral's final name.
//!
//! The referral for a field is chosen as kustomize chooses it: among the resources the
//! referrer may see (its namespace, cluster-scoped ones, a RoleBinding's subject
//! namespaces), those that once had the field's name and kind, narrowed by roleRef kind,
//! namespace, and the prefixes and suffixes the referrer itself received. Candidates are
//! found through an index by previous name, so the pass stays linear in the build size.

use std::collections::{HashMap, HashSet};

use serde_json::{Map, Value};

use crate::render::config::{NameBackReferences, TransformerConfig, gvk_order};
use crate::render::error::RenderError;
use crate::render::fieldspec::{self, CreateKind};
use crate::render::kustomization::FieldSpec;
use crate::render::resid::{Gvk, ResId};
use crate::render::resmap::ResMap;
use crate::render::resource::{Resource, scalar_text};

pub fn defaults() -> Vec<NameBackReferences> {
    super::name_reference_defaults::defaults()
}

/// A resource id written as kustomize writes it in messages (`Kind.version.group/name.ns`).
pub(crate) fn kustomize_id(id: &ResId) -> String {
    fn or<'a>(s: &'a str, missing: &'a str) -> &'a str {
        if s.is_empty() { missing } else { s }
    }
    format!(
        "{}.{}.{}/{}.{}",
        or(&id.gvk.kind, "[noKind]"),
        or(&id.gvk.version, "[noVer]"),
        or(&id.gvk.group, "[noGrp]"),
        or(&id.name, "[noName]"),
        or(&id.namespace, "[noNs]")
    )
}

/// What the selection needs to know about a possible referral, taken before any referrer
/// is rewritten (names and ids do not change during this pass).
struct Candidate {
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
struct Referrals {
    candidates: Vec<Candidate>,
    by_previous_name: HashMap<String, Vec<usize>>,
    /// Positions grouped by original effective namespace (namespaced originals only).
    by_org_namespace: HashMap<String, Vec<usize>>,
}

impl Referrals {
    fn new(resources: &[Resource]) -> Referrals {
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
struct Referrer {
    id: ResId,
    cluster_scoped: bool,
    namespace: String,
    /// Namespaces of a RoleBinding's ServiceAccount subjects.
    subject_namespaces: HashSet<String>,
    prefixes: Vec<String>,
    suffixes: Vec<String>,
}

impl Referrer {
    fn of(res: &Resource) -> Result<Referrer, RenderError> {
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
struct FieldFix<'a> {
    referrals: &'a Referrals,
    referrer: &'a Referrer,
    target: &'a Gvk,
    /// The roleRef kind and group, when the field is a `roleRef/name`.
    role_ref: Option<Gvk>,
    /// Candidates chosen, to record `ref_by` on them afterwards.
    chosen: Vec<usize>,
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

    fn set(&mut self, node: &mut Value) -> Result<(), String> {
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
fn node_text(value: &Value) -> String {
    match value {
        Value::Object(_) | Value::Array(_) => String::new(),
        other => scalar_text(other),
    }
}

/// The group and kind a RoleBinding's `roleRef` names, when both are present.
fn role_ref_gvk(obj: &Map<String, Value>) -> Option<Gvk> {
    let role_ref = obj.get("roleRef")?.as_object()?;
    let group = role_ref.get("apiGroup")?;
    let kind = role_ref.get("kind")?;
    Some(Gvk {
        group: node_text(group),
        version: String::new(),
        kind: node_text(kind),
    })
}

/// Rewrites every name reference to its referral's current name (kustomize's
/// `FixBackReferences`), recording on each referral who refers to it.
pub fn fix_back_references(
    resources: &mut ResMap,
    config: &TransformerConfig,
) -> Result<(), RenderError> {
    let mut backrefs: Vec<&NameBackReferences> = config.name_reference.iter().collect();
    backrefs.sort_by(|a, b| gvk_order(&a.gvk(), &b.gvk()));
    let targets: Vec<(Gvk, Vec<(Gvk, &FieldSpec)>)> = backrefs
        .iter()
        .map(|b| {
            let specs = b.referrers.iter().map(|fs| (fs.gvk(), fs)).collect();
            (b.gvk(), specs)
        })
        .collect();
    let referrals = Referrals::new(resources.resources());
    let list = resources.resources_mut();
    for i in 0..list.len() {
        let org_gvk = list[i].org_id().gvk;
        let applies = targets
            .iter()
            .any(|(_, specs)| specs.iter().any(|(g, _)| org_gvk.is_selected_by(g)));
        if !applies {
            continue;
        }
        let referrer = Referrer::of(&list[i])?;
        let mut obj = std::mem::take(&mut list[i].obj);
        let mut chosen = Vec::new();
        let mut outcome = Ok(());
        'fields: for (target, specs) in &targets {
            for (gvk, fs) in specs {
                if !org_gvk.is_selected_by(gvk) {
                    continue;
                }
                let role_ref = if fs.path.ends_with("roleRef/name") {
                    role_ref_gvk(&obj)
                } else {
                    None
                };
                let mut fix = FieldFix {
                    referrals: &referrals,
                    referrer: &referrer,
                    target,
                    role_ref,
                    chosen: Vec::new(),
                };
                // kustomize matches the referrer by its original gvk above and then
                // walks the field whatever its current gvk is.
                let walk = FieldSpec::at(&fs.path, false);
                let result =
                    fieldspec::apply(&mut obj, &walk, CreateKind::Nothing, &mut |n| fix.set(n));
                chosen.append(&mut fix.chosen);
                if let Err(e) = result {
                    outcome = Err(RenderError::NameReference {
                        referrer: kustomize_id(&referrer.id),
                        field: fs.path.clone(),
                        message: e.message,
                    });
                    break 'fields;
                }
            }
        }
        list[i].obj = obj;
        outcome?;
        for c in chosen {
            list[c].build.ref_by.push(referrer.id.clone());
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn res(v: Value) -> Resource {
        Resource::new(v.as_object().cloned().unwrap_or_default())
    }

    /// Renames as a prefix transformer would: records the old id and the prefix.
    fn prefixed(mut r: Resource, prefix: &str) -> Resource {
        r.store_previous_id();
        r.build.prefixes.push(prefix.to_string());
        let name = format!("{prefix}{}", r.name());
        r.set_name(&name);
        r
    }

    fn build(list: Vec<Resource>) -> Result<ResMap, RenderError> {
        let mut m = ResMap::new();
        for r in list {
            m.append(r).expect("unique ids");
        }
        fix_back_references(&mut m, &TransformerConfig::defaults())?;
        Ok(m)
    }

    fn cm(name: &str) -> Resource {
        res(json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": name}}))
    }

    fn deployment(cm_name: &str) -> Resource {
        res(
            json!({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "d"},
            "spec": {"template": {"spec": {
                "containers": [{"envFrom": [{"configMapRef": {"name": cm_name}}]}],
                "volumes": [{"configMap": {"name": cm_name}}, {"secret": {"secretName": "s"}}],
            }}}}),
        )
    }

    #[test]
    fn renamed_config_map_is_followed_and_recorded() {
        let m = build(vec![
            prefixed(cm("cm"), "p-"),
            prefixed(deployment("cm"), "p-"),
        ])
        .expect("fixes");
        let d = &m.resources()[1].obj;
        let pod = &d["spec"]["template"]["spec"];
        assert_eq!(pod["volumes"][0]["configMap"]["name"], "p-cm");
        assert_eq!(
            pod["containers"][0]["envFrom"][0]["configMapRef"]["name"],
            "p-cm"
        );
        assert_eq!(pod["volumes"][1]["secret"]["secretName"], "s");
        let ref_by = &m.resources()[0].build.ref_by;
        assert_eq!(ref_by.len(), 2);
        assert_eq!(ref_by[0].name, "p-d");
    }

    #[test]
    fn unrenamed_resources_are_not_referrals() {
        let m = build(vec![cm("cm"), deployment("cm")]).expect("fixes");
        assert!(m.resources()[0].build.ref_by.is_empty());
    }

    #[test]
    fn prefixes_of_the_referrer_break_ties() {
        // Two ConfigMaps once named "cm", renamed by different kustomizations; the
        // Deployment went through the first one's.
        let m = build(vec![
            prefixed(cm("cm"), "a-"),
            prefixed(cm("cm"), "b-"),
            prefixed(deployment("cm"), "a-"),
        ])
        .expect("fixes");
        let pod = &m.resources()[2].obj["spec"]["template"]["spec"];
        assert_eq!(pod["volumes"][0]["configMap"]["name"], "a-cm");
    }

    #[test]
    fn indistinguishable_referrals_are_an_error() {
        let sa = |ns: &str| {
            let mut r = res(json!({"apiVersion": "v1", "kind": "ServiceAccount",
                "metadata": {"name": "sa"}}));
            r.store_previous_id();
            r.set_namespace(ns);
            r
        };
        let crb = res(json!({"apiVersion": "rbac.authorization.k8s.io/v1",
            "kind": "ClusterRoleBinding", "metadata": {"name": "crb"},
            "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": "r"},
            "subjects": [{"kind": "ServiceAccount", "name": "sa"}]}));
        let err = build(vec![sa("a"), sa("b"), crb]).expect_err("ambiguous");
        let text = err.to_string();
        assert!(text.contains("found multiple possible referrals"), "{text}");
        assert!(text.contains("'subjects'"), "{text}");
    }

    #[test]
    fn subjects_get_name_and_namespace_and_role_ref_follows_its_kind() {
        let mut sa = prefixed(
            res(json!({"apiVersion": "v1", "kind": "ServiceAccount", "metadata": {"name": "sa"}})),
            "p-",
        );
        sa.set_namespace("ns1");
        let role = prefixed(
            res(
                json!({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "Role",
                "metadata": {"name": "r"}}),
            ),
            "role-",
        );
        let cluster_role = prefixed(
            res(
                json!({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRole",
                "metadata": {"name": "r"}}),
            ),
            "cluster-",
        );
        let rb = res(json!({"apiVersion": "rbac.authorization.k8s.io/v1",
            "kind": "RoleBinding", "metadata": {"name": "rb"},
            "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": "r"},
            "subjects": [
                {"kind": "ServiceAccount", "name": "sa", "namespace": "ns1"},
                {"kind": "Group", "name": "other"}]}));
        let m = build(vec![sa, role, cluster_role, rb]).expect("fixes");
        let rb = &m.resources()[3].obj;
        assert_eq!(rb["roleRef"]["name"], "cluster-r");
        assert_eq!(
            rb["subjects"][0],
            json!({"kind": "ServiceAccount",
            "name": "p-sa", "namespace": "ns1"})
        );
        assert_eq!(rb["subjects"][1], json!({"kind": "Group", "name": "other"}));
    }

    #[test]
    fn a_mapping_without_a_name_is_a_configuration_error() {
        let sa = prefixed(
            res(json!({"apiVersion": "v1", "kind": "ServiceAccount", "metadata": {"name": "sa"}})),
            "p-",
        );
        let crb = res(json!({"apiVersion": "rbac.authorization.k8s.io/v1",
            "kind": "ClusterRoleBinding", "metadata": {"name": "crb"},
            "subjects": [{"kind": "ServiceAccount"}]}));
        assert!(build(vec![sa, crb]).is_err());
    }

    #[test]
    fn same_ending_compares_tails() {
        let v = |s: &[&str]| s.iter().map(|x| x.to_string()).collect::<Vec<_>>();
        assert!(same_ending(&v(&["a", "b", "c"]), &v(&["b", "c"])));
        assert!(!same_ending(&v(&["a", "b", "c"]), &v(&["a", "b"])));
        assert!(!same_ending(&v(&[]), &v(&["a"])));
        assert!(same_ending(&v(&[]), &v(&[])));
    }
}

//! Name references (kustomize's nameReference transformer): after prefixes, suffixes,
//! namespaces and hashes changed names, every field that names another resource (a
//! Deployment's ConfigMap volume, a RoleBinding's subjects, an HPA's target, ...) is
//! rewritten to the referral's final name.
//!
//! This file drives the pass (which fields of which referrers, in kustomize's order);
//! `name_reference_referral` chooses the referral of each field.

use serde_json::{Map, Value};

use super::name_reference_referral::{FieldFix, Referrals, Referrer, node_text};
use crate::render::config::{NameBackReferences, TransformerConfig, gvk_order};
use crate::render::error::RenderError;
use crate::render::fieldspec::{self, CreateKind};
use crate::render::kustomization::FieldSpec;
use crate::render::resid::{Gvk, ResId};
use crate::render::resmap::ResMap;

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
    use crate::render::resource::Resource;
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
}

//! Output order: kustomize's "legacy" kind-based order by default, or load order (`fifo`)
//! when the top kustomization's `sortOptions` asks for it.

use std::collections::HashMap;
use std::path::Path;

use super::transform_error;
use crate::render::error::RenderError;
use crate::render::kustomization::SortOptions;
use crate::render::resid::{Gvk, ResId};
use crate::render::resmap::ResMap;

/// kustomize's legacy install order: these kinds first, in this order...
pub const DEFAULT_FIRST: &[&str] = &[
    "Namespace",
    "ResourceQuota",
    "StorageClass",
    "CustomResourceDefinition",
    "ServiceAccount",
    "PodSecurityPolicy",
    "Role",
    "ClusterRole",
    "RoleBinding",
    "ClusterRoleBinding",
    "ConfigMap",
    "Secret",
    "Endpoints",
    "Service",
    "LimitRange",
    "PriorityClass",
    "PersistentVolume",
    "PersistentVolumeClaim",
    "Deployment",
    "StatefulSet",
    "CronJob",
    "PodDisruptionBudget",
];
/// ...and these last.
pub const DEFAULT_LAST: &[&str] = &[
    "MutatingWebhookConfiguration",
    "ValidatingWebhookConfiguration",
];

/// Sorts the resources as the top kustomization asks (legacy order when it does not say).
pub fn apply(
    resources: &mut ResMap,
    options: Option<&SortOptions>,
    file: &Path,
) -> Result<(), RenderError> {
    let (first, last): (Vec<String>, Vec<String>) = match options {
        None => (to_vec(DEFAULT_FIRST), to_vec(DEFAULT_LAST)),
        Some(o) => match o.order.as_str() {
            "fifo" => {
                if o.legacy_sort_options.is_some() {
                    return Err(transform_error(
                        "sortOptions",
                        file,
                        "the field 'sortOptions.legacySortOptions' is set but the selected sort order is 'fifo', not 'legacy'",
                    ));
                }
                return Ok(());
            }
            "legacy" => match &o.legacy_sort_options {
                Some(l) => (l.order_first.clone(), l.order_last.clone()),
                None => (to_vec(DEFAULT_FIRST), to_vec(DEFAULT_LAST)),
            },
            _ => {
                return Err(transform_error(
                    "sortOptions",
                    file,
                    "the field 'sortOptions.order' must be one of [fifo, legacy]",
                ));
            }
        },
    };
    legacy_sort(resources, &first, &last);
    Ok(())
}

fn to_vec(items: &[&str]) -> Vec<String> {
    items.iter().map(|s| s.to_string()).collect()
}

/// Sorts by kind rank, then gvk, then namespace and name, as kustomize's legacy sorter.
pub fn legacy_sort(resources: &mut ResMap, first: &[String], last: &[String]) {
    let mut rank: HashMap<&str, i64> = HashMap::new();
    for (i, kind) in first.iter().enumerate() {
        rank.insert(kind, i as i64 - first.len() as i64);
    }
    for (i, kind) in last.iter().enumerate() {
        rank.insert(kind, 1 + i as i64);
    }
    let list = std::mem::take(resources.resources_mut());
    let mut keyed: Vec<(i64, String, String, crate::render::Resource)> = list
        .into_iter()
        .map(|r| {
            let id = r.cur_id();
            let kind_rank = rank.get(id.gvk.kind.as_str()).copied().unwrap_or(0);
            (kind_rank, gvk_key(&id.gvk), id_key(&id), r)
        })
        .collect();
    keyed.sort_by(|a, b| {
        if a.1 != b.1 {
            a.0.cmp(&b.0).then_with(|| a.1.cmp(&b.1))
        } else {
            a.2.cmp(&b.2)
        }
    });
    resources.set_resources(keyed.into_iter().map(|(_, _, _, r)| r).collect());
}

fn gvk_key(gvk: &Gvk) -> String {
    let or = |s: &str, d: &str| {
        if s.is_empty() {
            d.to_string()
        } else {
            s.to_string()
        }
    };
    format!(
        "{}_{}_{}",
        or(&gvk.group, "~G"),
        or(&gvk.version, "~V"),
        or(&gvk.kind, "~K")
    )
}

fn id_key(id: &ResId) -> String {
    let or = |s: &str, d: &str| {
        if s.is_empty() {
            d.to_string()
        } else {
            s.to_string()
        }
    };
    let gvk = format!(
        "{}.{}.{}",
        or(&id.gvk.kind, "[noKind]"),
        or(&id.gvk.version, "[noVer]"),
        or(&id.gvk.group, "[noGrp]")
    );
    format!("{gvk}|{}|{}", or(&id.namespace, "~X"), or(&id.name, "~N"))
}

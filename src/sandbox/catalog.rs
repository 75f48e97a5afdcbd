//! The resource types the sandbox serves: the built-in kinds plus one entry per served version
//! of every CustomResourceDefinition, with what discovery and the REST handlers need to know.

use std::cmp::Ordering;
use std::collections::BTreeMap;
use std::sync::Arc;

use serde_json::Value;

use super::ssa::Schema;

/// One resource of one group version.
#[derive(Clone)]
pub struct ResourceType {
    pub group: String,
    pub version: String,
    /// Plural, lower case: the URL segment.
    pub resource: String,
    pub kind: String,
    pub singular: String,
    pub namespaced: bool,
    pub short_names: Vec<String>,
    pub categories: Vec<String>,
    /// Serves a `/status` subresource (and so resets status on main-resource writes).
    pub status: bool,
    /// Tracks `metadata.generation`.
    pub generation: bool,
    /// Serves a `/scale` subresource over `spec.replicas`.
    pub scale: bool,
    /// A CRD version's `additionalPrinterColumns` (empty for built-in kinds).
    pub printer_columns: Vec<PrinterColumn>,
    /// Defined by a CRD (strategic merge patch refused, CR generation rules).
    pub custom: bool,
    pub schema: Schema,
}

impl ResourceType {
    pub fn api_version(&self) -> String {
        if self.group.is_empty() {
            self.version.clone()
        } else {
            format!("{}/{}", self.group, self.version)
        }
    }

    /// `deployments.apps`, or `configmaps` in the core group: how the server names it in messages.
    pub fn qualified(&self) -> String {
        if self.group.is_empty() {
            self.resource.clone()
        } else {
            format!("{}.{}", self.resource, self.group)
        }
    }

    /// `Deployment.apps`, as in Invalid messages.
    pub fn qualified_kind(&self) -> String {
        if self.group.is_empty() {
            self.kind.clone()
        } else {
            format!("{}.{}", self.kind, self.group)
        }
    }

    pub fn verbs(&self) -> Vec<&'static str> {
        let mut verbs = vec![
            "create",
            "delete",
            "deletecollection",
            "get",
            "list",
            "patch",
        ];
        verbs.extend(["update", "watch"]);
        if self.group.is_empty() && self.resource == "namespaces" {
            verbs.retain(|v| *v != "deletecollection");
        }
        verbs
    }
}

/// (group, version, resource, kind, namespaced, short names, in category `all`, status, generation)
type Row = (
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    bool,
    &'static [&'static str],
    bool,
    bool,
    bool,
);

#[rustfmt::skip]
const BUILTIN: &[Row] = &[
    ("", "v1", "namespaces", "Namespace", false, &["ns"], false, true, false),
    ("", "v1", "configmaps", "ConfigMap", true, &["cm"], false, false, false),
    ("", "v1", "secrets", "Secret", true, &[], false, false, false),
    ("", "v1", "services", "Service", true, &["svc"], true, true, false),
    ("", "v1", "serviceaccounts", "ServiceAccount", true, &["sa"], false, false, false),
    ("", "v1", "pods", "Pod", true, &["po"], true, true, false),
    ("", "v1", "persistentvolumeclaims", "PersistentVolumeClaim", true, &["pvc"], false, true, false),
    ("", "v1", "persistentvolumes", "PersistentVolume", false, &["pv"], false, true, false),
    ("", "v1", "events", "Event", true, &["ev"], false, false, false),
    ("", "v1", "endpoints", "Endpoints", true, &["ep"], false, false, false),
    ("", "v1", "limitranges", "LimitRange", true, &["limits"], false, false, false),
    ("", "v1", "resourcequotas", "ResourceQuota", true, &["quota"], false, true, false),
    ("apps", "v1", "deployments", "Deployment", true, &["deploy"], true, true, true),
    ("apps", "v1", "statefulsets", "StatefulSet", true, &["sts"], true, true, true),
    ("apps", "v1", "daemonsets", "DaemonSet", true, &["ds"], true, true, true),
    ("apps", "v1", "replicasets", "ReplicaSet", true, &["rs"], true, true, true),
    ("apps", "v1", "controllerrevisions", "ControllerRevision", true, &[], false, false, false),
    ("batch", "v1", "jobs", "Job", true, &[], true, true, true),
    ("batch", "v1", "cronjobs", "CronJob", true, &["cj"], true, true, true),
    ("networking.k8s.io", "v1", "ingresses", "Ingress", true, &["ing"], false, true, true),
    ("networking.k8s.io", "v1", "ingressclasses", "IngressClass", false, &[], false, false, false),
    ("networking.k8s.io", "v1", "networkpolicies", "NetworkPolicy", true, &["netpol"], false, false, true),
    ("policy", "v1", "poddisruptionbudgets", "PodDisruptionBudget", true, &["pdb"], false, true, true),
    ("autoscaling", "v2", "horizontalpodautoscalers", "HorizontalPodAutoscaler", true, &["hpa"], true, true, false),
    ("rbac.authorization.k8s.io", "v1", "roles", "Role", true, &[], false, false, false),
    ("rbac.authorization.k8s.io", "v1", "clusterroles", "ClusterRole", false, &[], false, false, false),
    ("rbac.authorization.k8s.io", "v1", "rolebindings", "RoleBinding", true, &[], false, false, false),
    ("rbac.authorization.k8s.io", "v1", "clusterrolebindings", "ClusterRoleBinding", false, &[], false, false, false),
    ("coordination.k8s.io", "v1", "leases", "Lease", true, &[], false, false, false),
    // Stored apart from core/v1 events (the real server converts between the two).
    ("events.k8s.io", "v1", "events", "Event", true, &[], false, false, false),
    ("storage.k8s.io", "v1", "storageclasses", "StorageClass", false, &["sc"], false, false, false),
    ("scheduling.k8s.io", "v1", "priorityclasses", "PriorityClass", false, &["pc"], false, false, false),
    ("apiextensions.k8s.io", "v1", "customresourcedefinitions", "CustomResourceDefinition", false, &["crd", "crds"], false, true, true),
];

/// Discovery order of the built-in groups (the real server's priority order, roughly).
const GROUP_ORDER: &[&str] = &[
    "",
    "apps",
    "batch",
    "autoscaling",
    "policy",
    "networking.k8s.io",
    "rbac.authorization.k8s.io",
    "storage.k8s.io",
    "coordination.k8s.io",
    "events.k8s.io",
    "scheduling.k8s.io",
    "apiextensions.k8s.io",
];

/// Built-in types plus the types defined by CRDs (keyed by CRD name).
pub struct Catalog {
    builtin: Vec<Arc<ResourceType>>,
    custom: BTreeMap<String, Vec<Arc<ResourceType>>>,
}

impl Default for Catalog {
    fn default() -> Self {
        Self::new()
    }
}

impl Catalog {
    pub fn new() -> Catalog {
        let builtin = BUILTIN
            .iter()
            .map(
                |&(group, version, resource, kind, namespaced, short, all, status, generation)| {
                    Arc::new(ResourceType {
                        group: group.into(),
                        version: version.into(),
                        resource: resource.into(),
                        kind: kind.into(),
                        singular: kind.to_ascii_lowercase(),
                        namespaced,
                        short_names: short.iter().map(|s| s.to_string()).collect(),
                        categories: if all { vec!["all".into()] } else { Vec::new() },
                        status,
                        generation,
                        scale: group == "apps"
                            && resource != "daemonsets"
                            && resource != "controllerrevisions",
                        printer_columns: Vec::new(),
                        custom: false,
                        schema: Schema::builtin(group, version, kind)
                            .unwrap_or_else(Schema::unstructured),
                    })
                },
            )
            .collect();
        Catalog {
            builtin,
            custom: BTreeMap::new(),
        }
    }

    fn all(&self) -> impl Iterator<Item = &Arc<ResourceType>> {
        self.builtin.iter().chain(self.custom.values().flatten())
    }

    pub fn find(&self, group: &str, version: &str, resource: &str) -> Option<Arc<ResourceType>> {
        self.all()
            .find(|t| t.group == group && t.version == version && t.resource == resource)
            .cloned()
    }

    /// Any served version of a (group, resource), e.g. to rewrite stored objects on read.
    pub fn find_any_version(&self, group: &str, resource: &str) -> Option<Arc<ResourceType>> {
        self.all()
            .find(|t| t.group == group && t.resource == resource)
            .cloned()
    }

    /// Installs (or replaces) the types of one CRD.
    pub fn set_custom(&mut self, crd_name: &str, types: Vec<Arc<ResourceType>>) {
        if types.is_empty() {
            self.custom.remove(crd_name);
        } else {
            self.custom.insert(crd_name.to_string(), types);
        }
    }

    pub fn remove_custom(&mut self, crd_name: &str) {
        self.custom.remove(crd_name);
    }

    /// Groups in discovery order, each with its versions (preferred first) and their resources.
    pub fn groups(&self) -> Vec<GroupInfo> {
        let mut groups: Vec<GroupInfo> = Vec::new();
        for t in self.all() {
            let group = match groups.iter_mut().find(|g| g.name == t.group) {
                Some(g) => g,
                None => {
                    groups.push(GroupInfo {
                        name: t.group.clone(),
                        versions: Vec::new(),
                    });
                    // Just pushed: the vector is not empty.
                    groups.last_mut().expect("just pushed")
                }
            };
            match group.versions.iter_mut().find(|(v, _)| *v == t.version) {
                Some((_, resources)) => resources.push(t.clone()),
                None => group.versions.push((t.version.clone(), vec![t.clone()])),
            }
        }
        for g in &mut groups {
            g.versions.sort_by(|a, b| compare_versions(&a.0, &b.0));
        }
        groups.sort_by(|a, b| {
            let rank = |n: &str| {
                GROUP_ORDER
                    .iter()
                    .position(|g| *g == n)
                    .unwrap_or(GROUP_ORDER.len())
            };
            rank(&a.name)
                .cmp(&rank(&b.name))
                .then_with(|| a.name.cmp(&b.name))
        });
        groups
    }
}

/// One API group as discovery lists it.
pub struct GroupInfo {
    pub name: String,
    /// Sorted by Kubernetes version priority: the first is the preferred version.
    pub versions: Vec<(String, Vec<Arc<ResourceType>>)>,
}

/// Kubernetes version priority: GA before beta before alpha, higher numbers first, then
/// non-conforming names alphabetically.
pub fn compare_versions(a: &str, b: &str) -> Ordering {
    fn parse(v: &str) -> Option<(u8, u64, u64)> {
        let rest = v.strip_prefix('v')?;
        let digits: String = rest.chars().take_while(|c| c.is_ascii_digit()).collect();
        let major: u64 = digits.parse().ok()?;
        let tail = &rest[digits.len()..];
        if tail.is_empty() {
            return Some((3, major, 0));
        }
        for (name, rank) in [("beta", 2u8), ("alpha", 1u8)] {
            if let Some(n) = tail.strip_prefix(name) {
                return Some((rank, major, n.parse().ok()?));
            }
        }
        None
    }
    match (parse(a), parse(b)) {
        (Some(x), Some(y)) => y.cmp(&x),
        (Some(_), None) => Ordering::Less,
        (None, Some(_)) => Ordering::Greater,
        (None, None) => a.cmp(b),
    }
}

/// One column `kubectl get` prints for a custom resource.
#[derive(Clone, Debug, PartialEq)]
pub struct PrinterColumn {
    pub name: String,
    /// OpenAPI type: string, integer, number, boolean or date.
    pub kind: String,
    /// A simple JSONPath such as `.spec.replicas` or `.status.conditions[?(@.type=="Ready")].status`.
    pub json_path: String,
    pub priority: u64,
}

fn printer_columns(columns: &Value) -> Vec<PrinterColumn> {
    columns
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|c| {
            Some(PrinterColumn {
                name: c["name"].as_str()?.to_string(),
                kind: c["type"].as_str().unwrap_or("string").to_string(),
                json_path: c["jsonPath"].as_str()?.to_string(),
                priority: c["priority"].as_u64().unwrap_or(0),
            })
        })
        .collect()
}

/// The resource types a CRD object defines (one per served version); empty when the CRD is
/// malformed, in which case nothing is served for it.
pub fn types_from_crd(crd: &Value) -> Vec<Arc<ResourceType>> {
    let spec = &crd["spec"];
    let names = &spec["names"];
    let (Some(group), Some(plural), Some(kind)) = (
        spec["group"].as_str(),
        names["plural"].as_str(),
        names["kind"].as_str(),
    ) else {
        return Vec::new();
    };
    let strings = |v: &Value| -> Vec<String> {
        v.as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|s| s.as_str().map(String::from))
                    .collect()
            })
            .unwrap_or_default()
    };
    let singular = names["singular"]
        .as_str()
        .map(String::from)
        .unwrap_or_else(|| kind.to_ascii_lowercase());
    let namespaced = spec["scope"].as_str() != Some("Cluster");
    let Some(versions) = spec["versions"].as_array() else {
        return Vec::new();
    };
    versions
        .iter()
        .filter(|v| v["served"].as_bool().unwrap_or(false))
        .filter_map(|v| {
            let version = v["name"].as_str()?;
            let schema = v
                .pointer("/schema/openAPIV3Schema")
                .and_then(|s| Schema::from_openapi_v3(s).ok())
                .unwrap_or_else(Schema::unstructured);
            Some(Arc::new(ResourceType {
                group: group.into(),
                version: version.into(),
                resource: plural.into(),
                kind: kind.into(),
                singular: singular.clone(),
                namespaced,
                short_names: strings(&names["shortNames"]),
                categories: strings(&names["categories"]),
                status: v.pointer("/subresources/status").is_some(),
                scale: false,
                printer_columns: printer_columns(&v["additionalPrinterColumns"]),
                generation: true,
                custom: true,
                schema,
            }))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn version_priority() {
        let mut v = vec!["v1alpha1", "v1", "v2beta1", "v1beta2", "v2", "foo"];
        v.sort_by(|a, b| compare_versions(a, b));
        assert_eq!(v, ["v2", "v1", "v2beta1", "v1beta2", "v1alpha1", "foo"]);
    }

    #[test]
    fn crd_types() {
        let crd = serde_json::json!({"spec": {"group": "ex.io", "scope": "Namespaced",
            "names": {"plural": "widgets", "kind": "Widget", "shortNames": ["wd"]},
            "versions": [{"name": "v1", "served": true, "storage": true,
                "subresources": {"status": {}}}, {"name": "v0", "served": false}]}});
        let types = types_from_crd(&crd);
        assert_eq!(types.len(), 1);
        assert_eq!(types[0].singular, "widget");
        assert!(types[0].status && types[0].namespaced && types[0].custom);
        assert_eq!(types[0].short_names, ["wd"]);
    }

    #[test]
    fn core_group_first() {
        let groups = Catalog::new().groups();
        assert_eq!(groups[0].name, "");
        assert_eq!(groups[1].name, "apps");
    }
}

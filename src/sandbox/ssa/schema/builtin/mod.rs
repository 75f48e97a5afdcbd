//! The built-in kinds served by the sandbox and their type tables, parsed once on first use.

mod core;
mod other;
mod pod;
mod workloads;

use std::sync::{Arc, OnceLock};

use super::dsl;
use super::types::{TypeId, TypeTable};

/// One built-in kind: where it lives and how it behaves.
#[derive(Debug)]
pub(crate) struct BuiltinKind {
    pub(crate) group: &'static str,
    pub(crate) version: &'static str,
    pub(crate) kind: &'static str,
    /// Whether the kind has a `/status` subresource (its main resource ignores `status`).
    pub(crate) status: bool,
}

const fn kind(
    group: &'static str,
    version: &'static str,
    kind: &'static str,
    status: bool,
) -> BuiltinKind {
    BuiltinKind {
        group,
        version,
        kind,
        status,
    }
}

pub(crate) const KINDS: &[BuiltinKind] = &[
    kind("", "v1", "Namespace", true),
    kind("", "v1", "ConfigMap", false),
    kind("", "v1", "Secret", false),
    kind("", "v1", "Service", true),
    kind("", "v1", "ServiceAccount", false),
    kind("", "v1", "Pod", true),
    kind("", "v1", "PersistentVolumeClaim", true),
    kind("", "v1", "Event", false),
    kind("apps", "v1", "Deployment", true),
    kind("apps", "v1", "StatefulSet", true),
    kind("apps", "v1", "DaemonSet", true),
    kind("apps", "v1", "ReplicaSet", true),
    kind("batch", "v1", "Job", true),
    kind("batch", "v1", "CronJob", true),
    kind("networking.k8s.io", "v1", "Ingress", true),
    kind("networking.k8s.io", "v1", "NetworkPolicy", false),
    kind("policy", "v1", "PodDisruptionBudget", true),
    kind("autoscaling", "v2", "HorizontalPodAutoscaler", true),
    kind("rbac.authorization.k8s.io", "v1", "Role", false),
    kind("rbac.authorization.k8s.io", "v1", "ClusterRole", false),
    kind("rbac.authorization.k8s.io", "v1", "RoleBinding", false),
    kind(
        "rbac.authorization.k8s.io",
        "v1",
        "ClusterRoleBinding",
        false,
    ),
    kind("coordination.k8s.io", "v1", "Lease", false),
    kind(
        "apiextensions.k8s.io",
        "v1",
        "CustomResourceDefinition",
        true,
    ),
];

/// The table of every built-in type; `None` only if a table failed to parse (a bug the unit
/// tests catch), in which case no built-in schema is offered rather than panicking.
pub(crate) fn table() -> Option<Arc<TypeTable>> {
    static TABLE: OnceLock<Option<Arc<TypeTable>>> = OnceLock::new();
    TABLE
        .get_or_init(|| {
            dsl::build(&[core::TABLE, pod::TABLE, workloads::TABLE, other::TABLE])
                .ok()
                .map(Arc::new)
        })
        .clone()
}

/// A table with only `meta/v1` and `core/v1` types, the base every CRD schema extends.
pub(crate) fn meta_table() -> Option<TypeTable> {
    dsl::build(&[core::TABLE]).ok()
}

/// The kind entry, shared table and root type of a built-in kind.
pub(crate) fn lookup(
    group: &str,
    version: &str,
    kind: &str,
) -> Option<(&'static BuiltinKind, Arc<TypeTable>, TypeId)> {
    let entry = KINDS
        .iter()
        .find(|k| k.group == group && k.version == version && k.kind == kind)?;
    let table = table()?;
    let root = *table.names.get(entry.kind)?;
    Some((entry, table, root))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tables_parse_and_every_kind_resolves() {
        let errors = dsl::build(&[core::TABLE, pod::TABLE, workloads::TABLE, other::TABLE]).err();
        assert_eq!(errors, None);
        for k in KINDS {
            assert!(lookup(k.group, k.version, k.kind).is_some(), "{}", k.kind);
        }
        assert!(meta_table().is_some());
        assert!(lookup("apps", "v1", "Nope").is_none());
    }
}

//! Dependency order: what must exist before what. Namespaces hold everything else, CRDs
//! define the types of custom resources, RBAC and configuration are read by workloads,
//! Services are resolved by them; the rest (autoscalers, budgets, policies, custom
//! resources) refer to objects of the earlier stages. Pruning runs the order backwards.

use serde::Serialize;

/// An apply stage, in order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub enum Stage {
    Namespaces,
    Crds,
    Rbac,
    Config,
    Services,
    Workloads,
    Rest,
}

impl Stage {
    pub const ALL: [Stage; 7] = [
        Stage::Namespaces,
        Stage::Crds,
        Stage::Rbac,
        Stage::Config,
        Stage::Services,
        Stage::Workloads,
        Stage::Rest,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Stage::Namespaces => "namespaces",
            Stage::Crds => "crds",
            Stage::Rbac => "rbac",
            Stage::Config => "config",
            Stage::Services => "services",
            Stage::Workloads => "workloads",
            Stage::Rest => "rest",
        }
    }
}

/// The stage of a group and kind.
pub fn stage_of(group: &str, kind: &str) -> Stage {
    match (group, kind) {
        ("", "Namespace") => Stage::Namespaces,
        ("apiextensions.k8s.io", "CustomResourceDefinition") => Stage::Crds,
        ("", "ServiceAccount") | ("rbac.authorization.k8s.io", _) => Stage::Rbac,
        (
            "",
            "ConfigMap"
            | "Secret"
            | "ResourceQuota"
            | "LimitRange"
            | "PersistentVolume"
            | "PersistentVolumeClaim",
        )
        | ("storage.k8s.io", "StorageClass")
        | ("scheduling.k8s.io", "PriorityClass") => Stage::Config,
        ("", "Service" | "Endpoints") | ("discovery.k8s.io", "EndpointSlice") => Stage::Services,
        ("", "Pod" | "ReplicationController")
        | ("apps", "Deployment" | "StatefulSet" | "DaemonSet" | "ReplicaSet")
        | ("batch", "Job" | "CronJob") => Stage::Workloads,
        _ => Stage::Rest,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stages_follow_dependencies() {
        assert!(
            stage_of("", "Namespace")
                < stage_of("apiextensions.k8s.io", "CustomResourceDefinition")
        );
        assert_eq!(
            stage_of("rbac.authorization.k8s.io", "RoleBinding"),
            Stage::Rbac
        );
        assert!(stage_of("", "ConfigMap") < stage_of("", "Service"));
        assert!(stage_of("", "Service") < stage_of("apps", "Deployment"));
        assert_eq!(
            stage_of("autoscaling", "HorizontalPodAutoscaler"),
            Stage::Rest
        );
        assert_eq!(stage_of("example.com", "Widget"), Stage::Rest);
    }
}

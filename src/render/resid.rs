//! Resource identity: group/version/kind plus name and namespace, as kustomize compares them.

use std::fmt;

/// A group, version and kind. Empty strings are wildcards when used as a selector.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Gvk {
    pub group: String,
    pub version: String,
    pub kind: String,
}

impl Gvk {
    /// Splits an `apiVersion` (`apps/v1`, `v1`) into group and version.
    pub fn from_api_version(api_version: &str, kind: &str) -> Gvk {
        let (group, version) = split_api_version(api_version);
        Gvk {
            group: group.to_string(),
            version: version.to_string(),
            kind: kind.to_string(),
        }
    }

    /// The `apiVersion` this Gvk is written as.
    pub fn api_version(&self) -> String {
        if self.group.is_empty() {
            self.version.clone()
        } else if self.version.is_empty() {
            format!("{}/", self.group)
        } else {
            format!("{}/{}", self.group, self.version)
        }
    }

    /// Whether this Gvk matches `selector`, where empty selector fields match anything.
    pub fn is_selected_by(&self, selector: &Gvk) -> bool {
        (selector.group.is_empty() || selector.group == self.group)
            && (selector.version.is_empty() || selector.version == self.version)
            && (selector.kind.is_empty() || selector.kind == self.kind)
    }

    /// Whether objects of this kind live in a namespace. Unknown kinds (custom resources)
    /// are namespaced, as kustomize assumes.
    pub fn is_namespaceable(&self) -> bool {
        !is_cluster_scoped(&self.api_version(), &self.kind)
    }
}

impl fmt::Display for Gvk {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let group = if self.group.is_empty() {
            "[noGrp]"
        } else {
            &self.group
        };
        let version = if self.version.is_empty() {
            "[noVer]"
        } else {
            &self.version
        };
        let kind = if self.kind.is_empty() {
            "[noKind]"
        } else {
            &self.kind
        };
        write!(f, "{group}_{version}_{kind}")
    }
}

/// Splits `group/version`; a bare `version` has the empty (core) group.
pub fn split_api_version(api_version: &str) -> (&str, &str) {
    match api_version.rsplit_once('/') {
        Some((group, version)) => (group, version),
        None => ("", api_version),
    }
}

/// The namespace kustomize compares when an object is namespaced but has no namespace.
pub const DEFAULT_NAMESPACE: &str = "default";

/// What a cluster-scoped object's "namespace" compares as.
pub const CLUSTER_SCOPE: &str = "_non_namespaceable_";

/// The namespace an object compares with (see [`ResId::effective_namespace`]), computed
/// without building a `ResId`.
pub fn effective_namespace_of<'a>(api_version: &str, kind: &str, namespace: &'a str) -> &'a str {
    if is_cluster_scoped(api_version, kind) {
        CLUSTER_SCOPE
    } else if namespace.is_empty() {
        DEFAULT_NAMESPACE
    } else {
        namespace
    }
}

/// The identity of one resource.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ResId {
    pub gvk: Gvk,
    pub name: String,
    pub namespace: String,
}

impl ResId {
    pub fn new(gvk: Gvk, name: impl Into<String>, namespace: impl Into<String>) -> ResId {
        ResId {
            gvk,
            name: name.into(),
            namespace: namespace.into(),
        }
    }

    /// The namespace used when comparing ids: `default` for a namespaced object without one,
    /// a marker for cluster-scoped objects.
    pub fn effective_namespace(&self) -> &str {
        if !self.gvk.is_namespaceable() {
            CLUSTER_SCOPE
        } else if self.namespace.is_empty() {
            DEFAULT_NAMESPACE
        } else {
            &self.namespace
        }
    }

    /// kustomize's `ResId.Equals`: same gvk and name, same effective namespace.
    pub fn same_as(&self, other: &ResId) -> bool {
        self.gvk == other.gvk
            && self.name == other.name
            && self.effective_namespace() == other.effective_namespace()
    }

    pub fn same_namespace(&self, other: &ResId) -> bool {
        self.effective_namespace() == other.effective_namespace()
    }

    pub fn is_cluster_scoped(&self) -> bool {
        !self.gvk.is_namespaceable()
    }

    /// A key that is equal exactly when `same_as` holds.
    pub fn key(&self) -> IdKey {
        IdKey {
            gvk: self.gvk.clone(),
            name: self.name.clone(),
            namespace: self.effective_namespace().to_string(),
        }
    }
}

/// A hashable form of a [`ResId`] with the namespace made effective.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct IdKey {
    gvk: Gvk,
    name: String,
    namespace: String,
}

impl fmt::Display for ResId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let name = if self.name.is_empty() {
            "[noName]"
        } else {
            &self.name
        };
        let namespace = if self.namespace.is_empty() {
            "[noNs]"
        } else {
            &self.namespace
        };
        write!(f, "{}|{}|{}", self.gvk, namespace, name)
    }
}

/// Kinds kustomize knows to be cluster-scoped, by exact `apiVersion` and kind (the built-in
/// schema kustomize embeds). A Namespace of another API group is an ordinary custom resource.
fn is_cluster_scoped(api_version: &str, kind: &str) -> bool {
    const CLUSTER_SCOPED: &[(&str, &str)] = &[
        (
            "admissionregistration.k8s.io/v1",
            "MutatingWebhookConfiguration",
        ),
        (
            "admissionregistration.k8s.io/v1",
            "ValidatingWebhookConfiguration",
        ),
        (
            "admissionregistration.k8s.io/v1beta1",
            "MutatingWebhookConfiguration",
        ),
        (
            "admissionregistration.k8s.io/v1beta1",
            "ValidatingWebhookConfiguration",
        ),
        ("apiextensions.k8s.io/v1", "CustomResourceDefinition"),
        ("apiextensions.k8s.io/v1beta1", "CustomResourceDefinition"),
        ("apiregistration.k8s.io/v1", "APIService"),
        ("apiregistration.k8s.io/v1beta1", "APIService"),
        ("authentication.k8s.io/v1", "TokenReview"),
        ("authentication.k8s.io/v1beta1", "TokenReview"),
        ("authorization.k8s.io/v1", "SelfSubjectAccessReview"),
        ("authorization.k8s.io/v1", "SelfSubjectRulesReview"),
        ("authorization.k8s.io/v1", "SubjectAccessReview"),
        ("authorization.k8s.io/v1beta1", "SelfSubjectAccessReview"),
        ("authorization.k8s.io/v1beta1", "SelfSubjectRulesReview"),
        ("authorization.k8s.io/v1beta1", "SubjectAccessReview"),
        ("certificates.k8s.io/v1", "CertificateSigningRequest"),
        ("certificates.k8s.io/v1beta1", "CertificateSigningRequest"),
        ("flowcontrol.apiserver.k8s.io/v1alpha1", "FlowSchema"),
        (
            "flowcontrol.apiserver.k8s.io/v1alpha1",
            "PriorityLevelConfiguration",
        ),
        ("flowcontrol.apiserver.k8s.io/v1beta1", "FlowSchema"),
        (
            "flowcontrol.apiserver.k8s.io/v1beta1",
            "PriorityLevelConfiguration",
        ),
        ("internal.apiserver.k8s.io/v1alpha1", "StorageVersion"),
        ("networking.k8s.io/v1", "IngressClass"),
        ("networking.k8s.io/v1beta1", "IngressClass"),
        ("node.k8s.io/v1", "RuntimeClass"),
        ("node.k8s.io/v1alpha1", "RuntimeClass"),
        ("node.k8s.io/v1beta1", "RuntimeClass"),
        ("policy/v1beta1", "PodSecurityPolicy"),
        ("rbac.authorization.k8s.io/v1", "ClusterRole"),
        ("rbac.authorization.k8s.io/v1", "ClusterRoleBinding"),
        ("rbac.authorization.k8s.io/v1alpha1", "ClusterRole"),
        ("rbac.authorization.k8s.io/v1alpha1", "ClusterRoleBinding"),
        ("rbac.authorization.k8s.io/v1beta1", "ClusterRole"),
        ("rbac.authorization.k8s.io/v1beta1", "ClusterRoleBinding"),
        ("scheduling.k8s.io/v1", "PriorityClass"),
        ("scheduling.k8s.io/v1alpha1", "PriorityClass"),
        ("scheduling.k8s.io/v1beta1", "PriorityClass"),
        ("storage.k8s.io/v1", "CSIDriver"),
        ("storage.k8s.io/v1", "CSINode"),
        ("storage.k8s.io/v1", "StorageClass"),
        ("storage.k8s.io/v1", "VolumeAttachment"),
        ("storage.k8s.io/v1alpha1", "VolumeAttachment"),
        ("storage.k8s.io/v1beta1", "CSIDriver"),
        ("storage.k8s.io/v1beta1", "CSINode"),
        ("storage.k8s.io/v1beta1", "StorageClass"),
        ("storage.k8s.io/v1beta1", "VolumeAttachment"),
        ("v1", "ComponentStatus"),
        ("v1", "Namespace"),
        ("v1", "Node"),
        ("v1", "PersistentVolume"),
    ];
    CLUSTER_SCOPED
        .iter()
        .any(|(v, k)| *k == kind && *v == api_version)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn namespace_of_another_group_is_namespaced() {
        assert!(!Gvk::from_api_version("v1", "Namespace").is_namespaceable());
        assert!(Gvk::from_api_version("example.com/v1", "Namespace").is_namespaceable());
        assert!(Gvk::from_api_version("apps/v1", "Deployment").is_namespaceable());
    }

    #[test]
    fn ids_compare_with_effective_namespace() {
        let gvk = Gvk::from_api_version("v1", "ConfigMap");
        let a = ResId::new(gvk.clone(), "cm", "");
        let b = ResId::new(gvk, "cm", "default");
        assert!(a.same_as(&b));
        assert_eq!(a.key(), b.key());
    }
}

//! kustomize's built-in merge schema: the patch metadata of Kubernetes v1.21.2.
//!
//! kustomize v5.5.0 embeds the Kubernetes v1.21.2 OpenAPI document and uses it
//! only for two things when merging: how to reach a list from a resource's root,
//! and whether that list merges by key. This table keeps exactly that: every
//! definition on a path from a kind to a list whose `x-kubernetes-patch-strategy`
//! contains `merge`, and those lists. Everything else (tolerations, envFrom, args,
//! volumeClaimTemplates, RBAC rules, Ingress rules, ...) has no merge strategy in
//! Kubernetes v1.21 and is replaced wholesale, as it is by kustomize, so it needs
//! no entry. Lists added to Kubernetes after v1.21 (schedulingGates,
//! resourceClaims, ...) are unknown to kustomize v5.5.0 and replaced as well.
//!
//! Format, one definition per line (indented lines continue the previous one):
//! `NAME =apiVersion/Kind... field>Definition... field[ItemDefinition]strategy:key,key...`.
//! An empty `[]` means elements of a type with no merge lists below it. Names
//! are Kubernetes definition names without their `io.k8s...` package prefix;
//! `OBJECT` stands for every kind whose only merge lists are in its metadata.

use super::schema::{SchemaId, SchemaNode, SchemaSet};

const TABLE: &str = "
OBJECT =apiextensions.k8s.io/v1/CustomResourceDefinition
    =apiextensions.k8s.io/v1beta1/CustomResourceDefinition =apps/v1/ControllerRevision
    =authentication.k8s.io/v1/TokenRequest =authentication.k8s.io/v1/TokenReview
    =authentication.k8s.io/v1beta1/TokenReview
    =authorization.k8s.io/v1/LocalSubjectAccessReview
    =authorization.k8s.io/v1/SelfSubjectAccessReview
    =authorization.k8s.io/v1/SelfSubjectRulesReview
    =authorization.k8s.io/v1/SubjectAccessReview
    =authorization.k8s.io/v1beta1/LocalSubjectAccessReview
    =authorization.k8s.io/v1beta1/SelfSubjectAccessReview
    =authorization.k8s.io/v1beta1/SelfSubjectRulesReview
    =authorization.k8s.io/v1beta1/SubjectAccessReview
    =autoscaling/v1/HorizontalPodAutoscaler =autoscaling/v1/Scale
    =autoscaling/v2beta1/HorizontalPodAutoscaler
    =autoscaling/v2beta2/HorizontalPodAutoscaler
    =certificates.k8s.io/v1/CertificateSigningRequest
    =certificates.k8s.io/v1beta1/CertificateSigningRequest =coordination.k8s.io/v1/Lease
    =coordination.k8s.io/v1beta1/Lease =discovery.k8s.io/v1/EndpointSlice
    =discovery.k8s.io/v1beta1/EndpointSlice =events.k8s.io/v1/Event
    =events.k8s.io/v1beta1/Event =extensions/v1beta1/Ingress
    =flowcontrol.apiserver.k8s.io/v1beta1/FlowSchema
    =flowcontrol.apiserver.k8s.io/v1beta1/PriorityLevelConfiguration
    =networking.k8s.io/v1/Ingress =networking.k8s.io/v1/IngressClass
    =networking.k8s.io/v1/NetworkPolicy =networking.k8s.io/v1beta1/Ingress
    =networking.k8s.io/v1beta1/IngressClass =node.k8s.io/v1/RuntimeClass
    =node.k8s.io/v1beta1/RuntimeClass =policy/v1beta1/Eviction
    =policy/v1beta1/PodSecurityPolicy =rbac.authorization.k8s.io/v1/ClusterRole
    =rbac.authorization.k8s.io/v1/ClusterRoleBinding =rbac.authorization.k8s.io/v1/Role
    =rbac.authorization.k8s.io/v1/RoleBinding =rbac.authorization.k8s.io/v1beta1/ClusterRole
    =rbac.authorization.k8s.io/v1beta1/ClusterRoleBinding
    =rbac.authorization.k8s.io/v1beta1/Role =rbac.authorization.k8s.io/v1beta1/RoleBinding
    =scheduling.k8s.io/v1/PriorityClass =scheduling.k8s.io/v1beta1/PriorityClass
    =storage.k8s.io/v1/CSIDriver =storage.k8s.io/v1/StorageClass
    =storage.k8s.io/v1/VolumeAttachment =storage.k8s.io/v1beta1/CSIDriver
    =storage.k8s.io/v1beta1/CSIStorageCapacity =storage.k8s.io/v1beta1/StorageClass
    =storage.k8s.io/v1beta1/VolumeAttachment =v1/Binding =v1/ConfigMap =v1/Endpoints
    =v1/Event =v1/LimitRange =v1/PersistentVolume =v1/ResourceQuota =v1/Secret
    metadata>meta.v1.ObjectMeta
admissionregistration.v1.MutatingWebhookConfiguration
    =admissionregistration.k8s.io/v1/MutatingWebhookConfiguration
    metadata>meta.v1.ObjectMeta webhooks[]merge:name
admissionregistration.v1.ValidatingWebhookConfiguration
    =admissionregistration.k8s.io/v1/ValidatingWebhookConfiguration
    metadata>meta.v1.ObjectMeta webhooks[]merge:name
admissionregistration.v1beta1.MutatingWebhookConfiguration
    =admissionregistration.k8s.io/v1beta1/MutatingWebhookConfiguration
    metadata>meta.v1.ObjectMeta webhooks[]merge:name
admissionregistration.v1beta1.ValidatingWebhookConfiguration
    =admissionregistration.k8s.io/v1beta1/ValidatingWebhookConfiguration
    metadata>meta.v1.ObjectMeta webhooks[]merge:name
apiregistration.v1.APIService =apiregistration.k8s.io/v1/APIService
    metadata>meta.v1.ObjectMeta status>apiregistration.v1.APIServiceStatus
apiregistration.v1.APIServiceStatus conditions[]merge:type
apiregistration.v1beta1.APIService =apiregistration.k8s.io/v1beta1/APIService
    metadata>meta.v1.ObjectMeta status>apiregistration.v1beta1.APIServiceStatus
apiregistration.v1beta1.APIServiceStatus conditions[]merge:type
apps.v1.DaemonSet =apps/v1/DaemonSet metadata>meta.v1.ObjectMeta spec>apps.v1.DaemonSetSpec
    status>apps.v1.DaemonSetStatus
apps.v1.DaemonSetSpec template>core.v1.PodTemplateSpec
apps.v1.DaemonSetStatus conditions[]merge:type
apps.v1.Deployment =apps/v1/Deployment metadata>meta.v1.ObjectMeta
    spec>apps.v1.DeploymentSpec status>apps.v1.DeploymentStatus
apps.v1.DeploymentSpec template>core.v1.PodTemplateSpec
apps.v1.DeploymentStatus conditions[]merge:type
apps.v1.ReplicaSet =apps/v1/ReplicaSet metadata>meta.v1.ObjectMeta
    spec>apps.v1.ReplicaSetSpec status>apps.v1.ReplicaSetStatus
apps.v1.ReplicaSetSpec template>core.v1.PodTemplateSpec
apps.v1.ReplicaSetStatus conditions[]merge:type
apps.v1.StatefulSet =apps/v1/StatefulSet metadata>meta.v1.ObjectMeta
    spec>apps.v1.StatefulSetSpec status>apps.v1.StatefulSetStatus
apps.v1.StatefulSetSpec template>core.v1.PodTemplateSpec
apps.v1.StatefulSetStatus conditions[]merge:type
batch.v1.CronJob =batch/v1/CronJob metadata>meta.v1.ObjectMeta spec>batch.v1.CronJobSpec
batch.v1.CronJobSpec jobTemplate>batch.v1.JobTemplateSpec
batch.v1.Job =batch/v1/Job metadata>meta.v1.ObjectMeta spec>batch.v1.JobSpec
    status>batch.v1.JobStatus
batch.v1.JobSpec template>core.v1.PodTemplateSpec
batch.v1.JobStatus conditions[]merge:type
batch.v1.JobTemplateSpec metadata>meta.v1.ObjectMeta spec>batch.v1.JobSpec
batch.v1beta1.CronJob =batch/v1beta1/CronJob metadata>meta.v1.ObjectMeta
    spec>batch.v1beta1.CronJobSpec
batch.v1beta1.CronJobSpec jobTemplate>batch.v1beta1.JobTemplateSpec
batch.v1beta1.JobTemplateSpec metadata>meta.v1.ObjectMeta spec>batch.v1.JobSpec
core.v1.ComponentStatus =v1/ComponentStatus conditions[]merge:type
    metadata>meta.v1.ObjectMeta
core.v1.Container env[]merge:name ports[]merge:containerPort,protocol
    volumeDevices[]merge:devicePath volumeMounts[]merge:mountPath
core.v1.EphemeralContainer env[]merge:name volumeDevices[]merge:devicePath
    volumeMounts[]merge:mountPath
core.v1.EphemeralVolumeSource volumeClaimTemplate>OBJECT
core.v1.Namespace =v1/Namespace metadata>meta.v1.ObjectMeta status>core.v1.NamespaceStatus
core.v1.NamespaceStatus conditions[]merge:type
core.v1.Node =v1/Node metadata>meta.v1.ObjectMeta spec>core.v1.NodeSpec
    status>core.v1.NodeStatus
core.v1.NodeSpec podCIDRs[]merge:
core.v1.NodeStatus addresses[]merge:type conditions[]merge:type
core.v1.PersistentVolumeClaim =v1/PersistentVolumeClaim metadata>meta.v1.ObjectMeta
    status>core.v1.PersistentVolumeClaimStatus
core.v1.PersistentVolumeClaimStatus conditions[]merge:type
core.v1.Pod =v1/Pod metadata>meta.v1.ObjectMeta spec>core.v1.PodSpec
    status>core.v1.PodStatus
core.v1.PodSpec containers[core.v1.Container]merge:name
    ephemeralContainers[core.v1.EphemeralContainer]merge:name hostAliases[]merge:ip
    imagePullSecrets[]merge:name initContainers[core.v1.Container]merge:name
    topologySpreadConstraints[]merge:topologyKey,whenUnsatisfiable
    volumes[core.v1.Volume]merge,retainKeys:name
core.v1.PodStatus conditions[]merge:type podIPs[]merge:ip
core.v1.PodTemplate =v1/PodTemplate metadata>meta.v1.ObjectMeta
    template>core.v1.PodTemplateSpec
core.v1.PodTemplateSpec metadata>meta.v1.ObjectMeta spec>core.v1.PodSpec
core.v1.ReplicationController =v1/ReplicationController metadata>meta.v1.ObjectMeta
    spec>core.v1.ReplicationControllerSpec status>core.v1.ReplicationControllerStatus
core.v1.ReplicationControllerSpec template>core.v1.PodTemplateSpec
core.v1.ReplicationControllerStatus conditions[]merge:type
core.v1.Service =v1/Service metadata>meta.v1.ObjectMeta spec>core.v1.ServiceSpec
    status>core.v1.ServiceStatus
core.v1.ServiceAccount =v1/ServiceAccount metadata>meta.v1.ObjectMeta secrets[]merge:name
core.v1.ServiceSpec ports[]merge:port,protocol
core.v1.ServiceStatus conditions[]merge:type
core.v1.Volume ephemeral>core.v1.EphemeralVolumeSource
meta.v1.ObjectMeta finalizers[]merge: ownerReferences[]merge:uid
policy.v1.PodDisruptionBudget =policy/v1/PodDisruptionBudget metadata>meta.v1.ObjectMeta
    status>policy.v1.PodDisruptionBudgetStatus
policy.v1.PodDisruptionBudgetStatus conditions[]merge:type
policy.v1beta1.PodDisruptionBudget =policy/v1beta1/PodDisruptionBudget
    metadata>meta.v1.ObjectMeta status>policy.v1beta1.PodDisruptionBudgetStatus
policy.v1beta1.PodDisruptionBudgetStatus conditions[]merge:type
storage.v1.CSINode =storage.k8s.io/v1/CSINode metadata>meta.v1.ObjectMeta
    spec>storage.v1.CSINodeSpec
storage.v1.CSINodeSpec drivers[]merge:name
storage.v1beta1.CSINode =storage.k8s.io/v1beta1/CSINode metadata>meta.v1.ObjectMeta
    spec>storage.v1beta1.CSINodeSpec
storage.v1beta1.CSINodeSpec drivers[]merge:name
";

/// The synthetic definition standing for kinds with merge lists only in metadata.
const OBJECT: &str = "OBJECT";

/// The full definition name kyaml knows a short table name by (custom documents
/// given to `extended_with_openapi_document` override definitions by this name).
fn full_name(short: &str) -> String {
    let prefix = if short == OBJECT {
        "converge.builtin."
    } else if short.starts_with("meta.") {
        "io.k8s.apimachinery.pkg.apis."
    } else if short.starts_with("apiextensions.") {
        "io.k8s.apiextensions-apiserver.pkg.apis."
    } else if short.starts_with("apiregistration.") {
        "io.k8s.kube-aggregator.pkg.apis."
    } else {
        "io.k8s.api."
    };
    format!("{prefix}{short}")
}

/// One `field...` token of the table.
#[derive(Debug, PartialEq, Eq)]
enum Token<'a> {
    Kind {
        api_version: &'a str,
        kind: &'a str,
    },
    Ref {
        field: &'a str,
        definition: &'a str,
    },
    List {
        field: &'a str,
        items: &'a str,
        strategy: &'a str,
        keys: Vec<&'a str>,
    },
}

fn parse_token(token: &str) -> Option<Token<'_>> {
    if let Some(gvk) = token.strip_prefix('=') {
        let (api_version, kind) = gvk.rsplit_once('/')?;
        return Some(Token::Kind { api_version, kind });
    }
    if let Some((field, definition)) = token.split_once('>') {
        return Some(Token::Ref { field, definition });
    }
    let (field, rest) = token.split_once('[')?;
    let (items, rest) = rest.split_once(']')?;
    let (strategy, keys) = rest.split_once(':')?;
    let keys = keys.split(',').filter(|k| !k.is_empty()).collect();
    Some(Token::List {
        field,
        items,
        strategy,
        keys,
    })
}

/// Definitions of the table: (name, tokens).
fn definitions() -> Vec<(&'static str, Vec<&'static str>)> {
    let mut defs: Vec<(&str, Vec<&str>)> = Vec::new();
    for line in TABLE.lines().filter(|l| !l.trim().is_empty()) {
        let mut words = line.split_whitespace();
        if line.starts_with(' ') {
            if let Some((_, tokens)) = defs.last_mut() {
                tokens.extend(words);
            }
        } else if let Some(name) = words.next() {
            defs.push((name, words.collect()));
        }
    }
    defs
}

/// Builds the schema set of the built-in table.
pub(super) fn build() -> SchemaSet {
    let mut set = SchemaSet::default();
    // Elements of lists whose items have no merge lists: a schema without fields,
    // so element walks still have a schema (as with the real document).
    let opaque = set.add_node(SchemaNode::default());
    let reference = |set: &mut SchemaSet, short: &str| -> SchemaId {
        set.add_node(SchemaNode {
            reference: Some(full_name(short)),
            ..SchemaNode::default()
        })
    };
    for (name, tokens) in definitions() {
        let mut node = SchemaNode::default();
        let mut kinds = Vec::new();
        for token in tokens.iter().filter_map(|t| parse_token(t)) {
            match token {
                Token::Kind { api_version, kind } => kinds.push((api_version, kind)),
                Token::Ref { field, definition } => {
                    let id = reference(&mut set, definition);
                    node.properties.insert(field.to_string(), id);
                }
                Token::List {
                    field,
                    items,
                    strategy,
                    keys,
                } => {
                    let items = if items.is_empty() {
                        opaque
                    } else {
                        reference(&mut set, items)
                    };
                    let id = set.add_node(SchemaNode {
                        array: true,
                        items: Some(items),
                        strategy: Some(strategy.to_string()),
                        keys: keys.iter().map(|k| k.to_string()).collect(),
                        ..SchemaNode::default()
                    });
                    node.properties.insert(field.to_string(), id);
                }
            }
        }
        let id = set.add_node(node);
        set.define(&full_name(name), id);
        for (api_version, kind) in kinds {
            set.define_kind(api_version, kind, id);
        }
    }
    set
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_token_parses_and_every_reference_resolves() {
        let defs = definitions();
        let names: std::collections::HashSet<&str> = defs.iter().map(|(n, _)| *n).collect();
        for (name, tokens) in &defs {
            for token in tokens {
                let parsed = parse_token(token);
                assert!(parsed.is_some(), "{name}: bad token {token:?}");
                match parsed {
                    Some(Token::Ref { definition, .. }) => {
                        assert!(names.contains(definition), "{name}: unknown {definition}")
                    }
                    Some(Token::List {
                        items, strategy, ..
                    }) => {
                        assert!(
                            items.is_empty() || names.contains(items),
                            "{name}: unknown {items}"
                        );
                        assert!(strategy.split(',').any(|s| s == "merge"), "{name}: {token}");
                    }
                    _ => {}
                }
            }
        }
    }

    #[test]
    fn tokens_parse() {
        assert_eq!(
            parse_token("=apps/v1/Deployment"),
            Some(Token::Kind {
                api_version: "apps/v1",
                kind: "Deployment"
            })
        );
        assert_eq!(
            parse_token("ports[]merge:containerPort,protocol"),
            Some(Token::List {
                field: "ports",
                items: "",
                strategy: "merge",
                keys: vec!["containerPort", "protocol"]
            })
        );
        assert_eq!(
            parse_token("finalizers[]merge:"),
            Some(Token::List {
                field: "finalizers",
                items: "",
                strategy: "merge",
                keys: vec![]
            })
        );
    }
}

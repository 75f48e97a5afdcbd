//! kustomize v5.5.0's default name-reference table: for each referable kind, the fields of
//! other kinds that hold its name. The order of the referrers is kustomize's (it decides
//! which fix-up runs first when two fields overlap); the workload paths, which repeat for
//! every pod-owning kind, are generated.

use crate::render::config::NameBackReferences;
use crate::render::kustomization::FieldSpec;

/// Where each pod-owning kind keeps its pod spec: (version, kind, path prefix). CronJob is
/// handled apart because kustomize lists its paths in another order.
const POD_OWNERS: &[(&str, &str, &str)] = &[
    ("v1", "Pod", "spec/"),
    ("", "PodTemplate", "template/spec/"),
    ("", "Deployment", "spec/template/spec/"),
    ("", "ReplicaSet", "spec/template/spec/"),
    ("", "DaemonSet", "spec/template/spec/"),
    ("", "StatefulSet", "spec/template/spec/"),
    ("", "Job", "spec/template/spec/"),
];

const CRON_POD: &str = "spec/jobTemplate/spec/template/spec/";

/// Pod-spec fields naming a ConfigMap; CronJob lists them in the order of `CM_CRON_ORDER`.
const CM_POD_FIELDS: [&str; 6] = [
    "volumes/configMap/name",
    "containers/env/valueFrom/configMapKeyRef/name",
    "initContainers/env/valueFrom/configMapKeyRef/name",
    "containers/envFrom/configMapRef/name",
    "initContainers/envFrom/configMapRef/name",
    "volumes/projected/sources/configMap/name",
];
const CM_CRON_ORDER: [usize; 6] = [0, 5, 1, 2, 3, 4];

/// Pod-spec fields naming a Secret; CronJob lists them in the order of `SECRET_CRON_ORDER`.
const SECRET_POD_FIELDS: [&str; 7] = [
    "volumes/secret/secretName",
    "containers/env/valueFrom/secretKeyRef/name",
    "initContainers/env/valueFrom/secretKeyRef/name",
    "containers/envFrom/secretRef/name",
    "initContainers/envFrom/secretRef/name",
    "imagePullSecrets/name",
    "volumes/projected/sources/secret/name",
];
const SECRET_CRON_ORDER: [usize; 7] = [0, 6, 1, 2, 3, 4, 5];

/// Kinds whose pod specs name service accounts, PVCs and priority classes, in kustomize's
/// order: (kind, pod spec prefix).
const POD_SPEC_HOLDERS: &[(&str, &str)] = &[
    ("Pod", "spec/"),
    ("StatefulSet", "spec/template/spec/"),
    ("Deployment", "spec/template/spec/"),
    ("ReplicationController", "spec/template/spec/"),
    ("CronJob", CRON_POD),
    ("Job", "spec/template/spec/"),
    ("DaemonSet", "spec/template/spec/"),
];

const RBAC: &str = "rbac.authorization.k8s.io";
const ADMISSION: &str = "admissionregistration.k8s.io";

fn fs(group: &str, version: &str, kind: &str, path: &str) -> FieldSpec {
    FieldSpec {
        group: group.into(),
        version: version.into(),
        kind: kind.into(),
        path: path.into(),
        create_if_not_present: false,
    }
}

fn target(group: &str, version: &str, kind: &str, referrers: Vec<FieldSpec>) -> NameBackReferences {
    NameBackReferences {
        group: group.into(),
        version: version.into(),
        kind: kind.into(),
        referrers,
    }
}

/// Every pod owner's copy of `fields`, then CronJob's in `cron_order`.
fn pod_fields(fields: &[&str], cron_order: &[usize]) -> Vec<FieldSpec> {
    let mut out = Vec::new();
    for (version, kind, prefix) in POD_OWNERS {
        for field in fields {
            out.push(fs("", version, kind, &format!("{prefix}{field}")));
        }
    }
    for &i in cron_order {
        out.push(fs("", "", "CronJob", &format!("{CRON_POD}{}", fields[i])));
    }
    out
}

fn pod_spec_field(field: &str) -> Vec<FieldSpec> {
    POD_SPEC_HOLDERS
        .iter()
        .map(|(kind, prefix)| fs("", "", kind, &format!("{prefix}{field}")))
        .collect()
}

fn scale_target(kind: &str) -> NameBackReferences {
    target(
        "",
        "",
        kind,
        vec![fs(
            "",
            "",
            "HorizontalPodAutoscaler",
            "spec/scaleTargetRef/name",
        )],
    )
}

fn config_map() -> NameBackReferences {
    let mut referrers = pod_fields(&CM_POD_FIELDS, &CM_CRON_ORDER);
    referrers.extend([
        fs("", "", "Node", "spec/configSource/configMap"),
        fs("", "", "Role", "rules/resourceNames"),
        fs("", "", "ClusterRole", "rules/resourceNames"),
        fs(
            "",
            "",
            "Ingress",
            "metadata/annotations/nginx.ingress.kubernetes.io\\/fastcgi-params-configmap",
        ),
    ]);
    target("", "v1", "ConfigMap", referrers)
}

fn secret() -> NameBackReferences {
    let mut referrers = pod_fields(&SECRET_POD_FIELDS, &SECRET_CRON_ORDER);
    referrers.extend([
        fs("", "", "Ingress", "spec/tls/secretName"),
        fs(
            "",
            "",
            "Ingress",
            "metadata/annotations/ingress.kubernetes.io\\/auth-secret",
        ),
        fs(
            "",
            "",
            "Ingress",
            "metadata/annotations/nginx.ingress.kubernetes.io\\/auth-secret",
        ),
        fs(
            "",
            "",
            "Ingress",
            "metadata/annotations/nginx.ingress.kubernetes.io\\/auth-tls-secret",
        ),
        // kustomize lists this one twice.
        fs("", "", "Ingress", "spec/tls/secretName"),
        fs("", "", "ServiceAccount", "imagePullSecrets/name"),
        fs("", "", "StorageClass", "parameters/secretName"),
        fs("", "", "StorageClass", "parameters/adminSecretName"),
        fs("", "", "StorageClass", "parameters/userSecretName"),
        fs("", "", "StorageClass", "parameters/secretRef"),
        fs("", "", "Role", "rules/resourceNames"),
        fs("", "", "ClusterRole", "rules/resourceNames"),
        fs(
            "serving.knative.dev",
            "v1",
            "Service",
            "spec/template/spec/containers/env/valueFrom/secretKeyRef/name",
        ),
        fs("", "", "PersistentVolume", "spec/azureFile/secretName"),
    ]);
    target("", "v1", "Secret", referrers)
}

fn service() -> NameBackReferences {
    target(
        "",
        "v1",
        "Service",
        vec![
            fs("apps", "", "StatefulSet", "spec/serviceName"),
            fs(
                "",
                "",
                "Ingress",
                "spec/rules/http/paths/backend/serviceName",
            ),
            fs("", "", "Ingress", "spec/backend/serviceName"),
            fs(
                "",
                "",
                "Ingress",
                "spec/rules/http/paths/backend/service/name",
            ),
            fs("", "", "Ingress", "spec/defaultBackend/service/name"),
            fs(
                "apiregistration.k8s.io",
                "",
                "APIService",
                "spec/service/name",
            ),
            fs(
                ADMISSION,
                "",
                "ValidatingWebhookConfiguration",
                "webhooks/clientConfig/service",
            ),
            fs(
                ADMISSION,
                "",
                "MutatingWebhookConfiguration",
                "webhooks/clientConfig/service",
            ),
        ],
    )
}

fn service_account() -> NameBackReferences {
    let mut referrers = vec![
        fs(RBAC, "", "RoleBinding", "subjects"),
        fs(RBAC, "", "ClusterRoleBinding", "subjects"),
    ];
    referrers.extend(pod_spec_field("serviceAccountName"));
    target("", "v1", "ServiceAccount", referrers)
}

/// kustomize's default name-reference table (v5.5.0).
pub fn defaults() -> Vec<NameBackReferences> {
    vec![
        scale_target("Deployment"),
        scale_target("ReplicationController"),
        scale_target("ReplicaSet"),
        scale_target("StatefulSet"),
        config_map(),
        secret(),
        service(),
        target(
            RBAC,
            "",
            "Role",
            vec![fs(RBAC, "", "RoleBinding", "roleRef/name")],
        ),
        target(
            RBAC,
            "",
            "ClusterRole",
            vec![
                fs(RBAC, "", "RoleBinding", "roleRef/name"),
                fs(RBAC, "", "ClusterRoleBinding", "roleRef/name"),
            ],
        ),
        service_account(),
        target(
            "",
            "v1",
            "PersistentVolumeClaim",
            pod_spec_field("volumes/persistentVolumeClaim/claimName"),
        ),
        target(
            "",
            "v1",
            "PersistentVolume",
            vec![
                fs("", "", "PersistentVolumeClaim", "spec/volumeName"),
                fs("", "", "ClusterRole", "rules/resourceNames"),
            ],
        ),
        target(
            "storage.k8s.io",
            "v1",
            "StorageClass",
            vec![
                fs("", "", "PersistentVolume", "spec/storageClassName"),
                fs("", "", "PersistentVolumeClaim", "spec/storageClassName"),
                fs(
                    "",
                    "",
                    "StatefulSet",
                    "spec/volumeClaimTemplates/spec/storageClassName",
                ),
            ],
        ),
        target(
            "scheduling.k8s.io",
            "v1",
            "PriorityClass",
            pod_spec_field("priorityClassName"),
        ),
        // kustomize writes the group with its version, so this entry never matches an
        // IngressClass; kept as kustomize has it.
        target(
            "networking.k8s.io/v1",
            "v1",
            "IngressClass",
            vec![fs("", "", "Ingress", "spec/ingressClassName")],
        ),
        target(
            ADMISSION,
            "",
            "ValidatingAdmissionPolicy",
            vec![fs(
                ADMISSION,
                "",
                "ValidatingAdmissionPolicyBinding",
                "spec/policyName",
            )],
        ),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_has_kustomize_sizes_and_order() {
        let table = defaults();
        let sizes: Vec<(String, usize)> = table
            .iter()
            .map(|b| (b.kind.clone(), b.referrers.len()))
            .collect();
        let expected = [
            ("Deployment", 1),
            ("ReplicationController", 1),
            ("ReplicaSet", 1),
            ("StatefulSet", 1),
            ("ConfigMap", 52),
            ("Secret", 70),
            ("Service", 8),
            ("Role", 1),
            ("ClusterRole", 2),
            ("ServiceAccount", 9),
            ("PersistentVolumeClaim", 7),
            ("PersistentVolume", 2),
            ("StorageClass", 3),
            ("PriorityClass", 7),
            ("IngressClass", 1),
            ("ValidatingAdmissionPolicy", 1),
        ];
        let expected: Vec<(String, usize)> =
            expected.iter().map(|(k, n)| (k.to_string(), *n)).collect();
        assert_eq!(sizes, expected);
        let cm = &table[4].referrers;
        assert_eq!(cm[0].path, "spec/volumes/configMap/name");
        assert_eq!(cm[0].version, "v1");
        assert_eq!(cm[6].kind, "PodTemplate");
        assert_eq!(
            cm[43].path,
            "spec/jobTemplate/spec/template/spec/volumes/projected/sources/configMap/name"
        );
        let secret = &table[5].referrers;
        assert_eq!(
            secret[55].path,
            "spec/jobTemplate/spec/template/spec/imagePullSecrets/name"
        );
        assert_eq!(secret[56].path, "spec/tls/secretName");
    }
}

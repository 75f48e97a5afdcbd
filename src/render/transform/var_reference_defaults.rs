//! kustomize v5.5.0's default var-reference field specs: where `$(VAR)` is substituted.
//! Container fields repeat for every workload kind, so they are generated; the kinds come in
//! kustomize's (alphabetical) order.

use crate::render::kustomization::FieldSpec;

/// Container fields that take vars, under a pod spec.
const CONTAINER_FIELDS: [&str; 8] = [
    "containers/args",
    "containers/command",
    "containers/env/value",
    "containers/volumeMounts/mountPath",
    "initContainers/args",
    "initContainers/command",
    "initContainers/env/value",
    "initContainers/volumeMounts/mountPath",
];

fn at(kind: &str, path: &str) -> FieldSpec {
    FieldSpec {
        kind: kind.into(),
        path: path.into(),
        ..FieldSpec::default()
    }
}

/// A workload's container fields under `pod_spec`, then its NFS server field (kustomize
/// spells the CronJob and StatefulSet ones differently, hence the parameter).
fn workload(out: &mut Vec<FieldSpec>, kind: &str, pod_spec: &str, nfs: &str) {
    for field in CONTAINER_FIELDS {
        out.push(at(kind, &format!("{pod_spec}{field}")));
    }
    out.push(at(kind, nfs));
}

pub fn defaults() -> Vec<FieldSpec> {
    const TEMPLATE: &str = "spec/template/spec/";
    const TEMPLATE_NFS: &str = "spec/template/spec/volumes/nfs/server";
    let mut out = Vec::new();
    workload(
        &mut out,
        "CronJob",
        "spec/jobTemplate/spec/template/spec/",
        "spec/jobTemplate/spec/template/volumes/nfs/server",
    );
    workload(&mut out, "DaemonSet", TEMPLATE, TEMPLATE_NFS);
    workload(&mut out, "Deployment", TEMPLATE, TEMPLATE_NFS);
    out.push(at("Deployment", "spec/template/metadata/annotations"));
    for path in ["spec/rules/host", "spec/tls/hosts", "spec/tls/secretName"] {
        out.push(at("Ingress", path));
    }
    workload(&mut out, "Job", TEMPLATE, TEMPLATE_NFS);
    workload(&mut out, "Pod", "spec/", "spec/volumes/nfs/server");
    workload(&mut out, "ReplicaSet", TEMPLATE, TEMPLATE_NFS);
    out.push(at("Service", "spec/ports/port"));
    out.push(at("Service", "spec/ports/targetPort"));
    workload(
        &mut out,
        "StatefulSet",
        TEMPLATE,
        "spec/volumeClaimTemplates/spec/nfs/server",
    );
    out.push(at("PersistentVolume", "spec/nfs/server"));
    out.push(FieldSpec::at("metadata/labels", false));
    out.push(FieldSpec::at("metadata/annotations", false));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_matches_kustomize_shape() {
        let table = defaults();
        assert_eq!(table.len(), 72);
        assert_eq!(
            table[0].path,
            "spec/jobTemplate/spec/template/spec/containers/args"
        );
        assert_eq!(table[27].path, "spec/template/metadata/annotations");
        assert_eq!(table[27].kind, "Deployment");
        assert_eq!(table[69].path, "spec/nfs/server");
        assert_eq!(table[71].path, "metadata/annotations");
        assert_eq!(table[71].kind, "");
    }
}

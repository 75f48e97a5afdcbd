//! Transformer configuration: which fields each built-in transformer touches (kustomize's
//! default field specs) and the merging of user `configurations:` files into them.

use std::cmp::Ordering;

use serde::Deserialize;

use super::kustomization::FieldSpec;
use super::resid::Gvk;

/// A referenced kind and the fields (in other kinds) that hold its name.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NameBackReferences {
    #[serde(default)]
    pub group: String,
    #[serde(default)]
    pub version: String,
    #[serde(default)]
    pub kind: String,
    #[serde(default, rename = "fieldSpecs")]
    pub referrers: Vec<FieldSpec>,
}

impl NameBackReferences {
    pub fn gvk(&self) -> Gvk {
        Gvk {
            group: self.group.clone(),
            version: self.version.clone(),
            kind: self.kind.clone(),
        }
    }
}

/// Field specs per transformer (kustomize's `TransformerConfig`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct TransformerConfig {
    #[serde(default)]
    pub name_prefix: Vec<FieldSpec>,
    #[serde(default)]
    pub name_suffix: Vec<FieldSpec>,
    #[serde(default, rename = "namespace")]
    pub namespace: Vec<FieldSpec>,
    #[serde(default)]
    pub common_labels: Vec<FieldSpec>,
    #[serde(default)]
    pub template_labels: Vec<FieldSpec>,
    /// Extra fields every `labels:` entry writes (but not `commonLabels`).
    #[serde(default)]
    pub labels: Vec<FieldSpec>,
    #[serde(default)]
    pub common_annotations: Vec<FieldSpec>,
    #[serde(default)]
    pub name_reference: Vec<NameBackReferences>,
    #[serde(default)]
    pub var_reference: Vec<FieldSpec>,
    #[serde(default)]
    pub images: Vec<FieldSpec>,
    #[serde(default)]
    pub replicas: Vec<FieldSpec>,
}

/// Two field specs for the same gvk and path that disagree on `create`.
#[derive(Debug, Clone)]
pub struct ConflictingFieldSpec(pub FieldSpec);

/// kustomize's `FsSlice.MergeOne`: adds `fs` unless an entry with the same path whose gvk
/// `fs` selects is already there. (So once a kind-specific spec is in, a later kind-less
/// spec for the same path is dropped, as kustomize drops it.)
pub fn merge_one(list: &mut Vec<FieldSpec>, fs: FieldSpec) -> Result<(), ConflictingFieldSpec> {
    let selector = fs.gvk();
    if let Some(existing) = list
        .iter()
        .find(|e| e.path == fs.path && e.gvk().is_selected_by(&selector))
    {
        if existing.create_if_not_present != fs.create_if_not_present {
            return Err(ConflictingFieldSpec(fs));
        }
        return Ok(());
    }
    list.push(fs);
    Ok(())
}

pub fn merge_all(
    list: &mut Vec<FieldSpec>,
    more: &[FieldSpec],
) -> Result<(), ConflictingFieldSpec> {
    for fs in more {
        merge_one(list, fs.clone())?;
    }
    Ok(())
}

impl TransformerConfig {
    /// The configuration kustomize starts every kustomization with.
    pub fn defaults() -> TransformerConfig {
        let mut config = TransformerConfig {
            name_prefix: vec![FieldSpec::at("metadata/name", false)],
            name_suffix: vec![FieldSpec::at("metadata/name", false)],
            ..TransformerConfig::default()
        };
        config.namespace = vec![
            FieldSpec::at("metadata/namespace", true),
            spec("metadata/name", true, "", "", "Namespace"),
            spec(
                "spec/service/namespace",
                true,
                "apiregistration.k8s.io",
                "",
                "APIService",
            ),
            spec(
                "spec/conversion/webhook/clientConfig/service/namespace",
                false,
                "apiextensions.k8s.io",
                "",
                "CustomResourceDefinition",
            ),
        ];
        config.common_labels = selector_label_specs();
        config.template_labels = metadata_label_specs();
        config
            .common_labels
            .extend(config.template_labels.iter().cloned());
        config.common_annotations = annotation_specs();
        config.images = [
            "spec/containers[]/image",
            "spec/initContainers[]/image",
            "spec/template/spec/containers[]/image",
            "spec/template/spec/initContainers[]/image",
        ]
        .iter()
        .map(|p| FieldSpec::at(p, true))
        .collect();
        config.replicas = [
            "Deployment",
            "ReplicationController",
            "ReplicaSet",
            "StatefulSet",
        ]
        .iter()
        .map(|k| spec("spec/replicas", true, "", "", k))
        .collect();
        config.name_reference = super::transform::name_reference_defaults();
        config.var_reference = super::transform::var_reference_defaults();
        config
    }

    /// kustomize's `TransformerConfig.Merge`: union of every list, name references merged
    /// per referenced kind, then every list sorted by gvk as kustomize sorts it.
    pub fn merge(&mut self, other: &TransformerConfig) -> Result<(), ConflictingFieldSpec> {
        self.merge_unsorted(other)?;
        self.sort();
        Ok(())
    }

    /// kustomize's `sortFields`. The sort is stable; kustomize's is not, which only matters
    /// for the relative order of specs of the same gvk (whose order has no visible effect).
    fn sort(&mut self) {
        for list in [
            &mut self.name_prefix,
            &mut self.name_suffix,
            &mut self.namespace,
            &mut self.common_labels,
            &mut self.template_labels,
            &mut self.labels,
            &mut self.common_annotations,
            &mut self.var_reference,
            &mut self.images,
            &mut self.replicas,
        ] {
            list.sort_by(|a, b| gvk_order(&a.gvk(), &b.gvk()));
        }
        self.name_reference
            .sort_by(|a, b| gvk_order(&a.gvk(), &b.gvk()));
    }

    fn merge_unsorted(&mut self, other: &TransformerConfig) -> Result<(), ConflictingFieldSpec> {
        merge_all(&mut self.name_prefix, &other.name_prefix)?;
        merge_all(&mut self.name_suffix, &other.name_suffix)?;
        merge_all(&mut self.namespace, &other.namespace)?;
        merge_all(&mut self.common_labels, &other.common_labels)?;
        merge_all(&mut self.template_labels, &other.template_labels)?;
        merge_all(&mut self.labels, &other.labels)?;
        merge_all(&mut self.common_annotations, &other.common_annotations)?;
        merge_all(&mut self.var_reference, &other.var_reference)?;
        merge_all(&mut self.images, &other.images)?;
        merge_all(&mut self.replicas, &other.replicas)?;
        for backref in &other.name_reference {
            match self
                .name_reference
                .iter_mut()
                .find(|b| b.gvk() == backref.gvk())
            {
                Some(existing) => merge_all(&mut existing.referrers, &backref.referrers)?,
                None => self.name_reference.push(backref.clone()),
            }
        }
        Ok(())
    }
}

/// kustomize's `Gvk.IsLessThan`: kinds of its install order first (or last), then by the
/// text `Kind.version.group`.
pub fn gvk_order(a: &Gvk, b: &Gvk) -> Ordering {
    const FIRST: &[&str] = &[
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
    const LAST: &[&str] = &[
        "MutatingWebhookConfiguration",
        "ValidatingWebhookConfiguration",
    ];
    fn rank(kind: &str) -> i64 {
        if let Some(i) = FIRST.iter().position(|k| *k == kind) {
            return i as i64 - FIRST.len() as i64;
        }
        LAST.iter()
            .position(|k| *k == kind)
            .map_or(0, |i| i as i64 + 1)
    }
    fn text(g: &Gvk) -> String {
        fn or<'a>(s: &'a str, missing: &'a str) -> &'a str {
            if s.is_empty() { missing } else { s }
        }
        format!(
            "{}.{}.{}",
            or(&g.kind, "[noKind]"),
            or(&g.version, "[noVer]"),
            or(&g.group, "[noGrp]")
        )
    }
    rank(&a.kind)
        .cmp(&rank(&b.kind))
        .then_with(|| text(a).cmp(&text(b)))
}

fn spec(path: &str, create: bool, group: &str, version: &str, kind: &str) -> FieldSpec {
    FieldSpec {
        group: group.into(),
        version: version.into(),
        kind: kind.into(),
        path: path.into(),
        create_if_not_present: create,
    }
}

/// Labels in metadata and in pod templates.
fn metadata_label_specs() -> Vec<FieldSpec> {
    vec![
        FieldSpec::at("metadata/labels", true),
        spec(
            "spec/template/metadata/labels",
            true,
            "",
            "v1",
            "ReplicationController",
        ),
        spec("spec/template/metadata/labels", true, "", "", "Deployment"),
        spec("spec/template/metadata/labels", true, "", "", "ReplicaSet"),
        spec("spec/template/metadata/labels", true, "", "", "DaemonSet"),
        spec(
            "spec/template/metadata/labels",
            true,
            "apps",
            "",
            "StatefulSet",
        ),
        spec(
            "spec/volumeClaimTemplates[]/metadata/labels",
            true,
            "apps",
            "",
            "StatefulSet",
        ),
        spec("spec/template/metadata/labels", true, "batch", "", "Job"),
        spec(
            "spec/jobTemplate/metadata/labels",
            true,
            "batch",
            "",
            "CronJob",
        ),
        spec(
            "spec/jobTemplate/spec/template/metadata/labels",
            true,
            "batch",
            "",
            "CronJob",
        ),
    ]
}

/// Label selectors that commonLabels (and labels with includeSelectors) also write.
fn selector_label_specs() -> Vec<FieldSpec> {
    let affinity = [
        "spec/template/spec/affinity/podAffinity/preferredDuringSchedulingIgnoredDuringExecution/podAffinityTerm/labelSelector/matchLabels",
        "spec/template/spec/affinity/podAffinity/requiredDuringSchedulingIgnoredDuringExecution/labelSelector/matchLabels",
        "spec/template/spec/affinity/podAntiAffinity/preferredDuringSchedulingIgnoredDuringExecution/podAffinityTerm/labelSelector/matchLabels",
        "spec/template/spec/affinity/podAntiAffinity/requiredDuringSchedulingIgnoredDuringExecution/labelSelector/matchLabels",
        "spec/template/spec/topologySpreadConstraints/labelSelector/matchLabels",
    ];
    let mut specs = vec![
        spec("spec/selector", true, "", "v1", "Service"),
        spec("spec/selector", true, "", "v1", "ReplicationController"),
        spec("spec/selector/matchLabels", true, "", "", "Deployment"),
    ];
    specs.extend(
        affinity
            .iter()
            .map(|p| spec(p, false, "apps", "", "Deployment")),
    );
    specs.push(spec(
        "spec/selector/matchLabels",
        true,
        "",
        "",
        "ReplicaSet",
    ));
    specs.push(spec("spec/selector/matchLabels", true, "", "", "DaemonSet"));
    specs.push(spec(
        "spec/selector/matchLabels",
        true,
        "apps",
        "",
        "StatefulSet",
    ));
    specs.extend(
        affinity
            .iter()
            .map(|p| spec(p, false, "apps", "", "StatefulSet")),
    );
    specs.extend([
        spec("spec/selector/matchLabels", false, "batch", "", "Job"),
        spec(
            "spec/jobTemplate/spec/selector/matchLabels",
            false,
            "batch",
            "",
            "CronJob",
        ),
        spec(
            "spec/selector/matchLabels",
            false,
            "policy",
            "",
            "PodDisruptionBudget",
        ),
        spec(
            "spec/podSelector/matchLabels",
            false,
            "networking.k8s.io",
            "",
            "NetworkPolicy",
        ),
        spec(
            "spec/ingress/from/podSelector/matchLabels",
            false,
            "networking.k8s.io",
            "",
            "NetworkPolicy",
        ),
        spec(
            "spec/egress/to/podSelector/matchLabels",
            false,
            "networking.k8s.io",
            "",
            "NetworkPolicy",
        ),
    ]);
    specs
}

fn annotation_specs() -> Vec<FieldSpec> {
    vec![
        FieldSpec::at("metadata/annotations", true),
        spec(
            "spec/template/metadata/annotations",
            true,
            "",
            "v1",
            "ReplicationController",
        ),
        spec(
            "spec/template/metadata/annotations",
            true,
            "",
            "",
            "Deployment",
        ),
        spec(
            "spec/template/metadata/annotations",
            true,
            "",
            "",
            "ReplicaSet",
        ),
        spec(
            "spec/template/metadata/annotations",
            true,
            "",
            "",
            "DaemonSet",
        ),
        spec(
            "spec/template/metadata/annotations",
            true,
            "",
            "",
            "StatefulSet",
        ),
        spec(
            "spec/template/metadata/annotations",
            true,
            "batch",
            "",
            "Job",
        ),
        spec(
            "spec/jobTemplate/metadata/annotations",
            true,
            "batch",
            "",
            "CronJob",
        ),
        spec(
            "spec/jobTemplate/spec/template/metadata/annotations",
            true,
            "batch",
            "",
            "CronJob",
        ),
    ]
}

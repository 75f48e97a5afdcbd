//! Builtin plugin configs (`generators:` / `transformers:`), buildMetadata and the
//! annotation maps kustomize keeps during a build, compared byte for byte with
//! `kubectl kustomize` (the reference, run at test time).

use crate::render_repl::{WORKLOADS, same_as_kubectl};

const TRANSFORMER_DIR: &[(&str, &str)] = &[
    (
        "base/res.yaml",
        "\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: app
spec:
  template:
    spec:
      containers:
      - name: main
        image: nginx:1.0
---
apiVersion: v1
kind: Namespace
metadata:
  name: ns1
",
    ),
    (
        "base/kustomization.yaml",
        "resources:\n- res.yaml\nnamePrefix: b-\nlabels:\n- pairs: {app: x}\n",
    ),
    (
        "tf/prefix.yaml",
        "\
apiVersion: builtin
kind: PrefixSuffixTransformer
metadata:
  name: pre
prefix: tf-
suffix: -sfx
fieldSpecs:
- path: metadata/name
  kind: Deployment
",
    ),
    (
        "tf/labels.yaml",
        "\
apiVersion: builtin
kind: LabelTransformer
metadata:
  name: lab
labels:
  team: blue
fieldSpecs:
- path: metadata/labels
  create: true
",
    ),
    (
        "tf/kustomization.yaml",
        "resources:\n- prefix.yaml\n- labels.yaml\n",
    ),
    (
        "overlay/img.yaml",
        "\
apiVersion: builtin
kind: ImageTagTransformer
metadata:
  name: img
imageTag:
  name: nginx
  newTag: \"2.0\"
fieldSpecs:
- path: spec/template/spec/containers[]/image
",
    ),
];

const OVERLAY: &str = "\
resources:
- ../base
namespace: prod
transformers:
- ../tf
- img.yaml
- |-
  apiVersion: builtin
  kind: AnnotationsTransformer
  metadata:
    name: ann
  annotations:
    owner: me
  fieldSpecs:
  - path: metadata/annotations
    create: true
- |-
  apiVersion: builtin
  kind: ReplicaCountTransformer
  metadata:
    name: rep
  replica:
    name: b-app
    count: 4
  fieldSpecs:
  - path: spec/replicas
    create: true
    kind: Deployment
";

#[test]
fn transformer_configs_inline_in_files_and_from_kustomizations() {
    let mut files = TRANSFORMER_DIR.to_vec();
    files.push(("overlay/kustomization.yaml", OVERLAY));
    same_as_kubectl(&files, "overlay");
}

#[test]
fn build_metadata_records_origins_transformers_and_the_manager() {
    for options in [
        "[originAnnotations, transformerAnnotations, managedByLabel]",
        "[transformerAnnotations]",
        "[originAnnotations]",
        "[managedByLabel]",
    ] {
        let overlay = format!("{OVERLAY}buildMetadata: {options}\n");
        let mut files = TRANSFORMER_DIR.to_vec();
        files.push(("overlay/kustomization.yaml", &overlay));
        same_as_kubectl(&files, "overlay");
    }
}

#[test]
fn generator_and_transformer_plugins_with_origins() {
    let kustomization = "\
resources:
- res.yaml
generators:
- |-
  apiVersion: builtin
  kind: IAMPolicyGenerator
  metadata:
    name: gke
  cloud: gke
  kubernetesService:
    name: ksa
  serviceAccount:
    name: gsa
    projectId: proj
transformers:
- |-
  apiVersion: builtin
  kind: PatchJson6902Transformer
  metadata:
    name: j
  target:
    kind: Deployment
    name: app
  jsonOp: '[{\"op\": \"add\", \"path\": \"/spec/minReadySeconds\", \"value\": 5}]'
- |-
  apiVersion: builtin
  kind: NamespaceTransformer
  metadata:
    name: ns
    namespace: moved
  unsetOnly: true
  fieldSpecs:
  - path: metadata/namespace
    create: true
- |-
  apiVersion: builtin
  kind: ReplacementTransformer
  metadata:
    name: r
  replacements:
  - source:
      kind: ServiceAccount
      fieldPath: metadata.annotations.[iam.gke.io/gcp-service-account]
    targets:
    - select:
        kind: Deployment
      fieldPaths:
      - spec.template.metadata.annotations.sa
      options:
        create: true
buildMetadata: [originAnnotations, transformerAnnotations]
";
    let res = "\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: app
  namespace: keep
spec:
  template:
    spec:
      serviceAccountName: placeholder
";
    same_as_kubectl(
        &[("kustomization.yaml", kustomization), ("res.yaml", res)],
        ".",
    );
}

#[test]
fn unknown_or_misplaced_plugins_are_refused() {
    for transformers in [
        // Not loadable as a builtin in kustomize v5.5.0.
        "- |-\n  apiVersion: builtin\n  kind: SortOrderTransformer\n  metadata:\n    name: s\n  sortOptions:\n    order: fifo\n",
        // A generator where a transformer is expected.
        "- |-\n  apiVersion: builtin\n  kind: IAMPolicyGenerator\n  metadata:\n    name: g\n  cloud: gke\n",
        // An external plugin.
        "- |-\n  apiVersion: example.com/v1\n  kind: MyPlugin\n  metadata:\n    name: m\n",
        // A config file that does not exist.
        "- missing.yaml\n",
    ] {
        let kustomization = format!("resources:\n- res.yaml\ntransformers:\n{transformers}");
        same_as_kubectl(
            &[
                ("kustomization.yaml", &kustomization),
                ("res.yaml", WORKLOADS),
            ],
            ".",
        );
    }
}

#[test]
fn transformer_annotations_count_every_builtin_instance_and_components() {
    let kustomization = "\
resources:
- res.yaml
components:
- comp
labels:
- pairs: {a: b}
images:
- name: foo
  newTag: v1
- name: bar
  newTag: v2
replicas:
- name: d
  count: 3
namespace: ns
commonAnnotations: {x: z}
patches:
- patch: |-
    - op: add
      path: /metadata/annotations/p1
      value: v
  target:
    kind: Deployment
- patch: |-
    apiVersion: apps/v1
    kind: Deployment
    metadata:
      name: d
      labels:
        p2: v
patchesJson6902:
- target:
    kind: Deployment
    name: d
  patch: '[{\"op\": \"add\", \"path\": \"/metadata/annotations/p3\", \"value\": \"v\"}]'
replacements:
- source:
    kind: Deployment
  targets:
  - select:
      kind: Deployment
    fieldPaths: [metadata.annotations.self]
    options: {create: true}
buildMetadata: [transformerAnnotations, managedByLabel]
";
    let component = "\
apiVersion: kustomize.config.k8s.io/v1alpha1
kind: Component
namePrefix: c-
labels:
- pairs: {comp: \"yes\"}
  includeSelectors: true
";
    let res = "\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: d
spec:
  replicas: 1
";
    same_as_kubectl(
        &[
            ("kustomization.yaml", kustomization),
            ("comp/kustomization.yaml", component),
            ("res.yaml", res),
        ],
        ".",
    );
}

#[test]
fn inline_configs_run_before_files_and_documents_run_in_order() {
    let kustomization = "\
resources:
- res.yaml
transformers:
- multi.yaml
- |-
  apiVersion: builtin
  kind: PrefixTransformer
  metadata:
    name: p2
  prefix: inline-
  fieldSpecs:
  - path: metadata/name
buildMetadata: [originAnnotations, transformerAnnotations]
";
    let multi = "\
apiVersion: builtin
kind: PrefixTransformer
metadata:
  name: p1
prefix: file-
fieldSpecs:
- path: metadata/name
---
apiVersion: builtin
kind: SuffixTransformer
metadata:
  name: s1
suffix: -sfx
fieldSpecs:
- path: metadata/name
";
    same_as_kubectl(
        &[
            ("kustomization.yaml", kustomization),
            ("multi.yaml", multi),
            ("res.yaml", WORKLOADS),
        ],
        ".",
    );
}

#[test]
fn resources_keep_an_annotation_map_during_the_build() {
    let res = "\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
---
apiVersion: v1
kind: Service
metadata:
  name: web
  annotations: {}
  labels: {}
";
    let kustomization = "\
resources:
- res.yaml
configMapGenerator:
- name: cfg
  literals: [a=1]
patches:
- target:
    kind: Deployment|ConfigMap
  patch: |-
    - op: add
      path: /metadata/annotations/patched
      value: \"yes\"
";
    same_as_kubectl(
        &[("kustomization.yaml", kustomization), ("res.yaml", res)],
        ".",
    );
}

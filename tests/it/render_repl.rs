//! Replacements, builtin plugin configs (`generators:` / `transformers:`) and buildMetadata,
//! compared byte for byte with `kubectl kustomize` (the reference, run at test time).

use std::path::Path;
use std::process::Command;

use crate::support::{converge, require_tool};

/// Writes `files` under a temporary directory, builds `dir` with kubectl and converge, and
/// asserts the same bytes out, or that both refuse the input.
fn same_as_kubectl(files: &[(&str, &str)], dir: &str) {
    require_tool("kubectl", "kubectl (v1.32, which embeds kustomize v5.5.0)");
    let tmp = tempfile::tempdir().expect("temp dir");
    for (path, text) in files {
        let path = tmp.path().join(path);
        std::fs::create_dir_all(path.parent().unwrap_or(Path::new("."))).expect("mkdir");
        std::fs::write(&path, text).expect("write file");
    }
    let dir = tmp.path().join(dir);
    let want = Command::new("kubectl")
        .arg("kustomize")
        .arg(&dir)
        .output()
        .expect("run kubectl");
    let got = converge()
        .arg("build")
        .arg(&dir)
        .output()
        .expect("run converge");
    let (want_out, got_out) = (
        String::from_utf8_lossy(&want.stdout),
        String::from_utf8_lossy(&got.stdout),
    );
    match (want.status.success(), got.status.success()) {
        (true, true) => assert!(
            want_out == got_out,
            "output differs from kubectl kustomize\n--- kubectl\n{want_out}\n--- converge\n{got_out}"
        ),
        (false, false) => {}
        (true, false) => panic!(
            "kubectl succeeded but converge failed: {}\n--- kubectl\n{want_out}",
            String::from_utf8_lossy(&got.stderr)
        ),
        (false, true) => panic!(
            "kubectl failed ({}) but converge succeeded:\n{got_out}",
            String::from_utf8_lossy(&want.stderr)
        ),
    }
}

const WORKLOADS: &str = "\
apiVersion: v1
kind: Service
metadata:
  name: svc
  namespace: web
  labels:
    tier: front
spec:
  ports:
  - port: 80
    name: http
  - port: 443
    name: https
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: app
  annotations:
    url: \"http://placeholder:80/path\"
spec:
  replicas: 2
  template:
    spec:
      containers:
      - name: main
        image: nginx:1.0
        env:
        - name: SVC
          value: old
        - name: PORT
          value: \"1\"
      - name: side
        image: busybox
        env:
        - name: SVC
          value: old2
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: settings
data:
  flag: \"true\"
  list: a,b,c
";

#[test]
fn replacements_select_split_join_create_and_keep_types() {
    let kustomization = "\
resources:
- res.yaml
namePrefix: p-
replacements:
- source:
    kind: Service
    name: svc
  targets:
  - select:
      kind: Deployment
    fieldPaths:
    - spec.template.spec.containers.*.env.[name=SVC].value
    - metadata.annotations.url
    options:
      delimiter: /
      index: 2
- source:
    kind: Service
    fieldPath: spec.ports.[name=https].port
  targets:
  - select:
      name: app
    fieldPaths:
    - spec.template.spec.containers.[name=main].env.[name=PORT].value
    - spec.replicas
- source:
    kind: ConfigMap
    fieldPath: data.list
    options:
      delimiter: ','
      index: 1
  targets:
  - select:
      kind: Service
      labelSelector: tier=front
    fieldPaths:
    - metadata.labels.picked
    - spec.ports.0.name
    options:
      create: true
- source:
    kind: Service
    namespace: web
    fieldPath: metadata.labels
  targets:
  - select:
      kind: ConfigMap
    fieldPaths:
    - data
- source:
    kind: Service
    fieldPath: metadata.labels.tier
  targets:
  - select:
      kind: Deployment
    reject:
    - name: nothing
    fieldPaths:
    - spec.paused
    - spec.template.metadata.labels.[a.b/c]
    options:
      create: true
";
    same_as_kubectl(
        &[
            ("kustomization.yaml", kustomization),
            ("res.yaml", WORKLOADS),
        ],
        ".",
    );
}

#[test]
fn replacements_reject_by_original_name_and_read_files() {
    let base = "\
resources:
- res.yaml
";
    let overlay = "\
resources:
- ../base
nameSuffix: -dev
replacements:
- path: list.yaml
- path: one.yaml
";
    let list = "\
- source:
    kind: ConfigMap
    fieldPath: data.flag
  targets:
  - select:
      kind: Deployment
    reject:
    - name: app
    fieldPaths:
    - spec.paused
  - select:
      kind: Service
    fieldPaths:
    - metadata.annotations.flag
    options:
      create: true
";
    let one = "\
source:
  kind: Deployment
  name: app
  fieldPath: spec.template.spec.containers.0.image
  options:
    delimiter: ':'
targets:
- select:
    kind: ConfigMap
  fieldPaths:
  - data.image
  options:
    create: true
";
    same_as_kubectl(
        &[
            ("base/kustomization.yaml", base),
            ("base/res.yaml", WORKLOADS),
            ("overlay/kustomization.yaml", overlay),
            ("overlay/list.yaml", list),
            ("overlay/one.yaml", one),
        ],
        "overlay",
    );
}

#[test]
fn bad_replacements_are_refused_like_kubectl() {
    let cases = [
        // The target field does not exist and may not be created.
        "- source: {kind: Service}\n  targets:\n  - select: {kind: Deployment}\n    fieldPaths: [spec.nothere]\n",
        // An integer field cannot take a word.
        "- source: {kind: Service}\n  targets:\n  - select: {kind: Deployment}\n    fieldPaths: [spec.replicas]\n",
        // No source resource.
        "- source: {kind: Secret}\n  targets:\n  - select: {kind: Deployment}\n",
        // Walking through a scalar.
        "- source: {kind: Service}\n  targets:\n  - select: {kind: Deployment}\n    fieldPaths: [spec.replicas.x]\n",
        // No targets at all.
        "- source: {kind: Service}\n",
        // Both a path and an inline replacement.
        "- path: r.yaml\n  source: {kind: Service}\n",
    ];
    for replacements in cases {
        let kustomization = format!("resources:\n- res.yaml\nreplacements:\n{replacements}");
        same_as_kubectl(
            &[
                ("kustomization.yaml", &kustomization),
                ("res.yaml", WORKLOADS),
                ("r.yaml", "[]\n"),
            ],
            ".",
        );
    }
}

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
fn created_scalars_stay_untagged_for_later_replacements() {
    let kustomization = "\
resources:
- res.yaml
replacements:
- source:
    kind: ConfigMap
    fieldPath: data.list
  targets:
  - select:
      kind: Deployment
    fieldPaths:
    - spec.template.spec.containers.[name=app.*].name
    - spec.extra.pw
    - spec.template.spec.volumes.[name=v1].name
    options:
      create: true
- source:
    kind: Deployment
    fieldPath: spec.template.spec.containers.1
  targets:
  - select:
      kind: Deployment
    fieldPaths:
    - spec.extra.pw
- source:
    kind: ConfigMap
    fieldPath: data.flag
  targets:
  - select:
      kind: Deployment
    fieldPaths:
    - spec.template.spec.volumes.[name=v1].name
    - spec.template.spec.volumes.[name=v2].name
    options:
      create: true
      delimiter: /
";
    same_as_kubectl(
        &[
            ("kustomization.yaml", kustomization),
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

//! Replacements compared byte for byte with `kubectl kustomize` (the reference, run at test
//! time); the comparison helper is shared with the plugin and buildMetadata tests.

use std::path::Path;
use std::process::Command;

use crate::support::{converge, require_tool};

/// Writes `files` under a temporary directory, builds `dir` with kubectl and converge, and
/// asserts the same bytes out, or that both refuse the input.
pub(crate) fn same_as_kubectl(files: &[(&str, &str)], dir: &str) {
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

pub(crate) const WORKLOADS: &str = "\
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

//! Name references, vars and `crds:` against the oracle: small kustomizations built by both
//! converge and `kubectl kustomize`, which must agree on the objects (or both refuse).

use std::path::Path;
use std::process::Command;

use crate::support::{converge, require_tool};

/// Writes `files` (relative path, content) under a fresh temp dir and returns it.
fn tree(files: &[(&str, &str)]) -> tempfile::TempDir {
    let tmp = tempfile::tempdir().expect("temp dir");
    for (path, content) in files {
        let full = tmp.path().join(path);
        if let Some(parent) = full.parent() {
            std::fs::create_dir_all(parent).expect("mkdir");
        }
        std::fs::write(full, content).expect("write");
    }
    tmp
}

/// The documents of a build output. Numbers compare by value (`1e6` equals `1000000`):
/// how floats are spelled is the printer's business, not this module's.
fn documents(text: &str) -> Vec<serde_json::Value> {
    fn integral(v: &mut serde_json::Value) {
        match v {
            serde_json::Value::Number(n) => {
                if let Some(f) = n.as_f64().filter(|f| f.fract() == 0.0 && f.abs() < 1e15) {
                    *v = serde_json::Value::from(f as i64);
                }
            }
            serde_json::Value::Array(items) => items.iter_mut().for_each(integral),
            serde_json::Value::Object(map) => map.values_mut().for_each(integral),
            _ => {}
        }
    }
    serde_yaml::Deserializer::from_str(text)
        .map(|doc| {
            let v: serde_yaml::Value = serde::Deserialize::deserialize(doc).expect("yaml output");
            let mut v = serde_json::to_value(v).expect("json");
            integral(&mut v);
            v
        })
        .filter(|v| !v.is_null())
        .collect()
}

/// Builds `dir` with both tools; they must agree (same objects in the same order, or both
/// fail). Returns converge's output, or `None` when both failed.
fn agree(dir: &Path) -> Option<String> {
    require_tool("kubectl", "kubectl (with its built-in kustomize v5.5.0)");
    let oracle = Command::new("kubectl")
        .arg("kustomize")
        .arg(dir)
        .output()
        .expect("run kubectl kustomize");
    let ours = converge()
        .arg("build")
        .arg(dir)
        .output()
        .expect("run converge");
    let ours_err = String::from_utf8_lossy(&ours.stderr);
    assert!(
        !ours_err.contains("panicked"),
        "converge panicked:\n{ours_err}"
    );
    match (oracle.status.success(), ours.status.success()) {
        (false, false) => None,
        (true, true) => {
            let expected = String::from_utf8_lossy(&oracle.stdout);
            let got = String::from_utf8_lossy(&ours.stdout).into_owned();
            assert_eq!(
                documents(&got),
                documents(&expected),
                "converge and kubectl kustomize disagree on {}\n--- kubectl:\n{expected}\n--- converge:\n{got}",
                dir.display()
            );
            Some(got)
        }
        (k, c) => panic!(
            "kubectl kustomize {} but converge {} on {}\nkubectl: {}\nconverge: {ours_err}",
            if k { "succeeded" } else { "failed" },
            if c { "succeeded" } else { "failed" },
            dir.display(),
            String::from_utf8_lossy(&oracle.stderr)
        ),
    }
}

const WORKLOADS: &str = r#"
apiVersion: v1
kind: ConfigMap
metadata: {name: cfg}
data: {k: v}
---
apiVersion: v1
kind: Secret
metadata: {name: creds}
type: Opaque
---
apiVersion: v1
kind: ServiceAccount
metadata: {name: runner}
---
apiVersion: v1
kind: PersistentVolumeClaim
metadata: {name: data}
---
apiVersion: v1
kind: Service
metadata: {name: web}
spec:
  ports: [{port: 80}]
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  template:
    spec:
      serviceAccountName: runner
      containers:
      - name: c
        image: img
        env:
        - name: A
          valueFrom: {configMapKeyRef: {name: cfg, key: k}}
        - name: B
          valueFrom: {secretKeyRef: {name: creds, key: k}}
        - name: C
          valueFrom: {secretKeyRef: {name: not-ours, key: k}}
        envFrom:
        - configMapRef: {name: cfg}
      volumes:
      - name: d
        persistentVolumeClaim: {claimName: data}
      - name: p
        projected:
          sources:
          - configMap: {name: cfg}
          - secret: {name: creds}
---
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: db}
spec:
  serviceName: web
  template:
    spec:
      volumes: null
      containers: [{name: c, image: img}]
---
apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata: {name: web}
spec:
  scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: web}
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: web}
spec:
  tls: [{secretName: creds, hosts: [a.example.com]}]
  rules:
  - http:
      paths:
      - path: /
        pathType: Prefix
        backend: {service: {name: web, port: {number: 80}}}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata: {name: reader}
rules:
- apiGroups: [""]
  resources: [configmaps, secrets]
  resourceNames: [cfg, creds, other]
  verbs: [get]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: reader}
rules: []
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: reader}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: reader}
subjects:
- {kind: ServiceAccount, name: runner}
- {kind: ServiceAccount, name: default, namespace: elsewhere}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: reader}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: reader}
subjects:
- {kind: ServiceAccount, name: runner, namespace: default}
---
apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingWebhookConfiguration
metadata: {name: hook}
webhooks:
- name: a.example.com
  clientConfig:
    service: {name: web, namespace: default}
"#;

#[test]
fn prefixes_suffixes_and_namespaces_are_followed_by_references() {
    let t = tree(&[
        (
            "base/kustomization.yaml",
            "resources: [all.yaml]\nnamePrefix: base-\n",
        ),
        ("base/all.yaml", WORKLOADS),
        (
            "overlay/kustomization.yaml",
            "resources: [../base]\nnamePrefix: prod-\nnameSuffix: -v2\nnamespace: prod\n",
        ),
    ]);
    let out = agree(&t.path().join("overlay")).expect("builds");
    assert!(out.contains("prod-base-cfg-v2"), "{out}");
}

#[test]
fn diamond_references_pick_the_referral_renamed_alongside() {
    let cm = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cfg\n";
    let deployment = "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: d\nspec:\n  template:\n    spec:\n      volumes:\n      - name: v\n        configMap:\n          name: cfg\n      containers: [{name: c, image: i}]\n";
    let t = tree(&[
        (
            "a/kustomization.yaml",
            "resources: [cm.yaml]\nnamePrefix: a-\n",
        ),
        ("a/cm.yaml", cm),
        (
            "b/kustomization.yaml",
            "resources: [cm.yaml]\nnamePrefix: b-\n",
        ),
        ("b/cm.yaml", cm),
        (
            "c/kustomization.yaml",
            "resources: [d.yaml]\nnamePrefix: a-\nnameSuffix: -s\n",
        ),
        ("c/d.yaml", deployment),
        ("top/kustomization.yaml", "resources: [../a, ../b, ../c]\n"),
        // The Deployment shares no prefix with either ConfigMap: left alone.
        (
            "none/kustomization.yaml",
            "resources: [../a, ../b, d.yaml]\n",
        ),
        ("none/d.yaml", deployment),
        // Both ConfigMaps end with the Deployment's only prefix: an error.
        (
            "amb/kustomization.yaml",
            "resources: [../a, ../b, d.yaml]\nnamePrefix: z-\n",
        ),
        ("amb/d.yaml", deployment),
    ]);
    let out = agree(&t.path().join("top")).expect("builds");
    assert!(out.contains("name: a-cfg"), "{out}");
    let out = agree(&t.path().join("none")).expect("builds");
    assert!(out.contains("name: cfg"), "{out}");
    assert!(agree(&t.path().join("amb")).is_none(), "both must refuse");
}

#[test]
fn role_bindings_reach_service_accounts_in_other_namespaces() {
    let resources = r#"
apiVersion: v1
kind: ServiceAccount
metadata: {name: sa1, namespace: ns1}
---
apiVersion: v1
kind: ServiceAccount
metadata: {name: sa2, namespace: ns2}
---
apiVersion: v1
kind: ServiceAccount
metadata: {name: sa3}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata: {name: role, namespace: ns2}
rules: []
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: binding, namespace: ns2}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: role}
subjects:
- {kind: ServiceAccount, name: sa1, namespace: ns1}
- {kind: ServiceAccount, name: sa2, namespace: ns2}
- {kind: ServiceAccount, name: sa3, namespace: default}
- {kind: ServiceAccount, name: sa3}
- {kind: User, name: sa1, namespace: ns1}
"#;
    let t = tree(&[
        (
            "kustomization.yaml",
            "resources: [r.yaml]\nnameSuffix: -x\n",
        ),
        ("r.yaml", resources),
    ]);
    agree(t.path()).expect("builds");
}

#[test]
fn service_accounts_of_the_same_name_in_two_namespaces_are_ambiguous() {
    let base = |ns: &str| {
        (
            format!("{ns}/kustomization.yaml"),
            format!("namespace: {ns}\nresources: [r.yaml]\n"),
        )
    };
    let resources = "apiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: sa\n---\napiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRoleBinding\nmetadata:\n  name: crb-NS\nroleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: r}\nsubjects:\n- {kind: ServiceAccount, name: sa}\n";
    let (ka, a) = base("a");
    let (kb, b) = base("b");
    let ra = resources.replace("NS", "a");
    let rb = resources.replace("NS", "b");
    let t = tree(&[
        (&ka, &a),
        (&kb, &b),
        ("a/r.yaml", &ra),
        ("b/r.yaml", &rb),
        ("kustomization.yaml", "resources: [a, b]\n"),
    ]);
    assert!(agree(t.path()).is_none(), "both must refuse");
}

const VAR_RESOURCES: &str = r#"
apiVersion: v1
kind: Service
metadata:
  name: svc
  labels: {tier: web}
spec:
  ports: [{name: http, port: 8080}]
  ratio: 1.5
  big: 1000000.0
  enabled: true
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: app
  annotations: {port: "$(PORT)"}
  labels: {port: "$(PORT)"}
spec:
  template:
    metadata:
      annotations: {svc: "$(SVC)"}
    spec:
      containers:
      - name: c
        image: img
        command: ["run", "--svc=$(SVC)", "$$(SVC)", "$(SVC", "$(UNKNOWN)"]
        args: ["$(PORT)", "--ratio=$(RATIO)", "$(BIG)", "x$(BIG)", "$(ENABLED)", "$(LABELS)"]
        env:
        - {name: A, value: "$(SVC):$(PORT)"}
        - {name: B, value: "$(HTTP)"}
"#;

const VARS: &str = r#"
vars:
- name: SVC
  objref: {kind: Service, name: svc, apiVersion: v1}
- name: PORT
  objref: {kind: Service, name: svc, apiVersion: v1}
  fieldref: {fieldpath: "spec.ports[0].port"}
- name: HTTP
  objRef: {Kind: Service, name: svc, apiVersion: v1}
  fieldRef: {fieldPath: "spec.ports.[name=http].name"}
- name: RATIO
  objref: {kind: Service, name: svc, apiVersion: v1}
  fieldref: {fieldpath: spec.ratio}
- name: BIG
  objref: {kind: Service, name: svc, apiVersion: v1}
  fieldref: {fieldpath: spec.big}
- name: ENABLED
  objref: {kind: Service, name: svc, apiVersion: v1}
  fieldref: {fieldpath: spec.enabled}
- name: LABELS
  objref: {kind: Service, name: svc, apiVersion: v1}
  fieldref: {fieldpath: metadata.labels}
"#;

#[test]
fn vars_take_values_from_renamed_resources() {
    let t = tree(&[
        (
            "base/kustomization.yaml",
            &format!("resources: [r.yaml]\nnamePrefix: b-\n{VARS}"),
        ),
        ("base/r.yaml", VAR_RESOURCES),
        (
            "overlay/kustomization.yaml",
            "resources: [../base]\nnamePrefix: o-\nnamespace: ns\n",
        ),
    ]);
    let out = agree(&t.path().join("overlay")).expect("builds");
    assert!(out.contains("--svc=o-b-svc"), "{out}");
}

#[test]
fn var_errors_are_refused_by_both() {
    let dup = "vars:\n- name: X\n  objref: {kind: Service, name: svc, apiVersion: v1}\n";
    let unbound = "vars:\n- name: X\n  objref: {kind: Service, name: nope, apiVersion: v1}\n";
    let no_version = "vars:\n- name: X\n  objref: {kind: Service, name: svc}\n";
    let no_field = "vars:\n- name: X\n  objref: {kind: Service, name: svc, apiVersion: v1}\n  fieldref: {fieldpath: spec.nothing}\n";
    let svc = "apiVersion: v1\nkind: Service\nmetadata:\n  name: svc\n";
    let t = tree(&[
        (
            "dup/base/kustomization.yaml",
            &format!("resources: [s.yaml]\n{dup}"),
        ),
        ("dup/base/s.yaml", svc),
        (
            "dup/kustomization.yaml",
            &format!("resources: [base]\n{dup}"),
        ),
        (
            "unbound/kustomization.yaml",
            &format!("resources: [s.yaml]\n{unbound}"),
        ),
        ("unbound/s.yaml", svc),
        (
            "noversion/kustomization.yaml",
            &format!("resources: [s.yaml]\n{no_version}"),
        ),
        ("noversion/s.yaml", svc),
        (
            "nofield/kustomization.yaml",
            &format!("resources: [s.yaml]\n{no_field}"),
        ),
        ("nofield/s.yaml", svc),
    ]);
    for case in ["dup", "unbound", "noversion", "nofield"] {
        assert!(
            agree(&t.path().join(case)).is_none(),
            "{case}: both must refuse"
        );
    }
}

#[test]
fn crd_definitions_declare_name_references() {
    let crd = r#"{
  "example.com/apis/v1.Widget": {
    "Schema": {
      "properties": {
        "apiVersion": {"type": "string"},
        "kind": {"type": "string"},
        "metadata": {"$ref": "meta.ObjectMeta"},
        "spec": {"$ref": "example.com/apis/v1.WidgetSpec"}
      }
    }
  },
  "example.com/apis/v1.WidgetSpec": {
    "Schema": {
      "properties": {
        "configRef": {
          "x-kubernetes-object-ref-api-version": "v1",
          "x-kubernetes-object-ref-kind": "ConfigMap",
          "$ref": "example.com/apis/v1.Ref"
        },
        "gadget": {
          "x-kubernetes-object-ref-api-version": "v1",
          "x-kubernetes-object-ref-kind": "Gadget",
          "x-kubernetes-object-ref-name-key": "gadgetName"
        },
        "selector": {"x-kubernetes-label-selector": ""}
      }
    }
  }
}"#;
    let resources = r#"
apiVersion: example.com/v1
kind: Widget
metadata: {name: w}
spec:
  configRef: {name: cfg}
  gadget: {gadgetName: g}
  selector: {}
---
apiVersion: v1
kind: Gadget
metadata: {name: g}
---
apiVersion: v1
kind: ConfigMap
metadata: {name: cfg}
"#;
    let t = tree(&[
        (
            "kustomization.yaml",
            "crds: [crd.json]\nresources: [r.yaml]\nnamePrefix: x-\ncommonLabels: {app: w}\n",
        ),
        ("crd.json", crd),
        ("r.yaml", resources),
    ]);
    let out = agree(t.path()).expect("builds");
    assert!(out.contains("gadgetName: x-g"), "{out}");
}

#[test]
fn configured_name_references_and_field_spec_merging() {
    let config = r#"
nameReference:
- kind: Gadget
  fieldSpecs:
  - {kind: Widget, path: spec/gadgets}
  - {kind: Widget, path: spec/owner}
namePrefix:
- {kind: Gadget, path: metadata/name}
"#;
    let resources = r#"
apiVersion: example.com/v1
kind: Widget
metadata: {name: w}
spec:
  gadgets: [g1, g2, other]
  owner: {name: g1}
---
apiVersion: example.com/v1
kind: Gadget
metadata: {name: g1}
---
apiVersion: example.com/v1
kind: Gadget
metadata: {name: g2}
"#;
    let t = tree(&[
        (
            "kustomization.yaml",
            "configurations: [config.yaml]\nresources: [r.yaml]\nnamePrefix: p-\n",
        ),
        ("config.yaml", config),
        ("r.yaml", resources),
    ]);
    let out = agree(t.path()).expect("builds");
    // kustomize drops the kind-less default once a kind-specific spec is merged first.
    assert!(out.contains("name: w\n"), "{out}");
}

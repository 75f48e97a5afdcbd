//! The policy gate: the example policies on the example environments and on crafted
//! overlays violating one policy each, conftest compatibility, exceptions, load-time
//! errors, policy unit tests and the `converge check` command.

mod conftest;
mod crafted;
mod examples;

use std::path::Path;
use std::process::Output;

use converge::environment::PolicySelection;
use converge::policy::{Report, Severity};
use serde_json::Value;

use crate::support::{converge, copy_tree, repo_root};

/// The objects of a multi-document YAML file.
pub fn objects_of(yaml: &str) -> Vec<Value> {
    yaml.split("\n---\n")
        .filter(|doc| !doc.trim().is_empty())
        .map(|doc| serde_yaml::from_str::<Value>(doc).expect("valid YAML document"))
        .collect()
}

pub fn selection(paths: &[&str]) -> PolicySelection {
    PolicySelection {
        paths: paths.iter().map(|p| p.to_string()).collect(),
        ..PolicySelection::default()
    }
}

pub fn production() -> PolicySelection {
    selection(&["policies/common", "policies/production"])
}

pub fn staging() -> PolicySelection {
    selection(&["policies/common"])
}

/// `(severity, policy, message)` of each finding not covered by an exception.
pub fn open_findings(report: &Report) -> Vec<(Severity, String, String)> {
    report
        .findings
        .iter()
        .filter(|f| f.exception.is_none())
        .map(|f| (f.severity, f.policy.clone(), f.message.clone()))
        .collect()
}

/// A workload that passes every example policy in every environment.
pub const GOOD_APP: &str = "\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: app
  labels:
    app: app
spec:
  replicas: 3
  selector:
    matchLabels:
      app: app
  template:
    metadata:
      labels:
        app: app
    spec:
      securityContext:
        runAsNonRoot: true
      containers:
      - name: app
        image: registry.example.com/team/app:1.0.0
        resources:
          requests:
            cpu: 100m
            memory: 64Mi
          limits:
            cpu: 500m
            memory: 128Mi
        securityContext:
          readOnlyRootFilesystem: true
        livenessProbe:
          httpGet:
            path: /healthz
            port: 8080
        readinessProbe:
          httpGet:
            path: /readyz
            port: 8080
---
apiVersion: v1
kind: Service
metadata:
  name: app
spec:
  type: ClusterIP
  selector:
    app: app
  ports:
  - port: 80
    targetPort: 8080
---
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata:
  name: app
spec:
  minAvailable: 2
  selector:
    matchLabels:
      app: app
---
apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata:
  name: app
spec:
  scaleTargetRef:
    apiVersion: apps/v1
    kind: Deployment
    name: app
  minReplicas: 3
  maxReplicas: 6
";

/// A repository with the example environments and policies, and overlays rendering
/// `app` (the base manifests) into each environment's namespace.
pub fn crafted_repo(app: &str) -> tempfile::TempDir {
    let tmp = tempfile::tempdir().expect("temp dir");
    let root = tmp.path();
    copy_tree(&repo_root().join("policies"), &root.join("policies"));
    // The example platform's environments (converge's own has no overlay here).
    for env in ["staging", "production"] {
        let rel = format!("environments/{env}.yaml");
        let text = std::fs::read_to_string(repo_root().join(&rel)).expect("environment");
        write(root, &rel, &text);
    }
    write(root, "overlays/base/app.yaml", app);
    write(
        root,
        "overlays/base/kustomization.yaml",
        "resources:\n- app.yaml\n",
    );
    for (env, namespace) in [("staging", "ml-staging"), ("production", "ml-production")] {
        write(
            root,
            &format!("overlays/{env}/kustomization.yaml"),
            &format!("namespace: {namespace}\nresources:\n- ../base\n"),
        );
    }
    tmp
}

pub fn write(root: &Path, rel: &str, text: &str) {
    let path = root.join(rel);
    std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
    std::fs::write(path, text).expect("write");
}

pub fn check(repo: &Path, args: &[&str]) -> Output {
    converge()
        .arg("check")
        .arg("--repo")
        .arg(repo)
        .args(args)
        .output()
        .expect("run converge check")
}

pub fn check_json(repo: &Path, env: &str) -> (i32, Value) {
    let out = check(repo, &["--env", env, "--output", "json"]);
    let code = out.status.code().unwrap_or(-1);
    let value: Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "converge check --output json (exit {code}) printed no JSON ({e}):\n{}\n{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    });
    (code, value)
}

/// `(severity, policy, message)` of the open findings in `check --output json` output.
pub fn json_findings(value: &Value) -> Vec<(String, String, String)> {
    value["environments"]
        .as_array()
        .into_iter()
        .flatten()
        .flat_map(|env| env["findings"].as_array().into_iter().flatten())
        .filter(|f| f.get("exception").is_none())
        .map(|f| {
            (
                f["severity"].as_str().unwrap_or("").to_string(),
                f["policy"].as_str().unwrap_or("").to_string(),
                f["message"].as_str().unwrap_or("").to_string(),
            )
        })
        .collect()
}

/// Asserts that `app` violates exactly `policy` with `message` in `env`, and that the
/// unmodified app passes there.
pub fn assert_only_violation(env: &str, app: &str, policy: &str, message: &str) {
    assert_ne!(
        app, GOOD_APP,
        "the crafted app must differ from the good one"
    );
    let repo = crafted_repo(app);
    let (code, value) = check_json(repo.path(), env);
    assert_eq!(
        json_findings(&value),
        vec![("deny".to_string(), policy.to_string(), message.to_string())],
        "{value:#}"
    );
    assert_eq!(code, 1, "a deny exits 1");
}

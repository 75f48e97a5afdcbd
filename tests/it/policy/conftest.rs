//! conftest compatibility (v0 files unchanged, structured results, exception rules),
//! whole-environment rules, namespace selection, load-time errors and git sources.

use converge::environment::PolicySelection;
use converge::policy::{PolicyError, PolicySet, Severity};
use converge::source::{FsSource, GitSource};
use serde_json::{Value, json};

use super::{GOOD_APP, crafted_repo, selection, staging, write};
use crate::support::{git, require_tool};

// ---- conftest compatibility ----

/// conftest's own documentation example, unchanged: v0, `package main`, `deny[msg]`.
const CONFTEST_V0: &str = r#"package main

deny[msg] {
  input.kind == "Deployment"
  not input.spec.template.spec.securityContext.runAsNonRoot

  msg := "Containers must not run as root"
}

deny[msg] {
  input.kind == "Deployment"
  not input.spec.selector.matchLabels.app

  msg := "Containers must provide app label for pod selectors"
}

violation[{"msg": msg, "details": {"replicas": replicas}}] {
  input.kind == "Deployment"
  replicas := input.spec.replicas
  replicas > 5
  msg := sprintf("too many replicas: %v", [replicas])
}

deny[msg] {
  input.kind == "Deployment"
  image := input.spec.template.spec.containers[_].image
  contains(image, ":latest")
  msg := sprintf("image %s uses the latest tag", [image])
}

warn_service_type[msg] {
  input.kind == "Service"
  input.spec.type == "NodePort"
  msg := "NodePort services are discouraged"
}

exception[rules] {
  input.metadata.name == "legacy"
  rules := ["service_type"]
}
"#;

fn deployment(name: &str, non_root: bool, replicas: u32) -> Value {
    json!({
        "apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": {"name": name, "namespace": "default"},
        "spec": {
            "replicas": replicas,
            "selector": {"matchLabels": {"app": name}},
            "template": {"spec": {"securityContext": {"runAsNonRoot": non_root}}}
        }
    })
}

fn service(name: &str, kind: &str) -> Value {
    json!({"apiVersion": "v1", "kind": "Service", "metadata": {"name": name}, "spec": {"type": kind}})
}

#[test]
fn a_conftest_v0_policy_works_unchanged() {
    let tmp = tempfile::tempdir().expect("temp dir");
    write(tmp.path(), "policy/deployment.rego", CONFTEST_V0);
    let source = FsSource::new(tmp.path()).expect("source");
    let policies = PolicySet::load(&source, &selection(&["policy"])).expect("v0 loads");
    let objects = vec![
        deployment("api", false, 2),
        deployment("batch", true, 8),
        service("web", "NodePort"),
        service("legacy", "NodePort"),
    ];
    let report = policies.evaluate("dev", &objects).expect("evaluates");
    let found: Vec<(Severity, String, String)> = report
        .findings
        .iter()
        .map(|f| {
            (
                f.severity,
                format!(
                    "{} {}",
                    f.object.as_ref().map_or(String::new(), |o| o.to_string()),
                    f.rule
                ),
                f.message.clone(),
            )
        })
        .collect();
    assert_eq!(
        found,
        vec![
            (
                Severity::Deny,
                "Deployment default/api deny".into(),
                "Containers must not run as root".into()
            ),
            (
                Severity::Deny,
                "Deployment default/batch violation".into(),
                "too many replicas: 8".into()
            ),
            (
                Severity::Warn,
                "Service web warn_service_type".into(),
                "NodePort services are discouraged".into()
            ),
            (
                Severity::Warn,
                "Service legacy warn_service_type".into(),
                "NodePort services are discouraged".into()
            ),
        ]
    );
    assert_eq!(
        report.findings[1].details,
        Some(json!({"details": {"replicas": 8}}))
    );
    assert!(
        report.findings[3].exception.is_some(),
        "conftest exception rules apply"
    );
    assert!(report.findings[2].exception.is_none());
    assert_eq!(
        report.findings[0].file.as_deref(),
        Some("policy/deployment.rego")
    );
    assert!(report.denied());
}

#[test]
fn v0_and_v1_files_share_a_package_and_findings_name_their_file() {
    let tmp = tempfile::tempdir().expect("temp dir");
    write(
        tmp.path(),
        "p/old.rego",
        "package main\ndeny[msg] { input.kind == \"Pod\"; msg := \"old\" }\n",
    );
    write(
        tmp.path(),
        "p/new.rego",
        "package main\ndeny contains \"new\" if input.kind == \"Pod\"\n",
    );
    let source = FsSource::new(tmp.path()).expect("source");
    let report = PolicySet::load(&source, &selection(&["p"]))
        .expect("load")
        .evaluate("dev", &[json!({"kind": "Pod", "metadata": {"name": "x"}})])
        .expect("evaluate");
    let found: Vec<(String, String)> = report
        .findings
        .iter()
        .map(|f| (f.file.clone().unwrap_or_default(), f.message.clone()))
        .collect();
    assert_eq!(
        found,
        vec![
            ("p/new.rego".to_string(), "new".to_string()),
            ("p/old.rego".to_string(), "old".to_string())
        ]
    );
}

#[test]
fn whole_environment_rules_see_the_combined_list() {
    let tmp = tempfile::tempdir().expect("temp dir");
    write(
        tmp.path(),
        "p/count.rego",
        "package combined\nimport rego.v1\n\
         warn contains msg if {\n  msg := sprintf(\"%d objects, first %s\", [count(input), input[0].path])\n}\n",
    );
    let source = FsSource::new(tmp.path()).expect("source");
    let report = PolicySet::load(&source, &selection(&["p"]))
        .expect("load")
        .evaluate(
            "dev",
            &[deployment("api", true, 1), service("web", "ClusterIP")],
        )
        .expect("evaluate");
    assert_eq!(report.findings.len(), 1);
    assert_eq!(
        report.findings[0].message,
        "2 objects, first apps/v1/Deployment/default/api"
    );
    assert!(report.findings[0].object.is_none());
}

#[test]
fn selected_namespaces_replace_the_defaults() {
    let tmp = tempfile::tempdir().expect("temp dir");
    write(
        tmp.path(),
        "p/main.rego",
        "package main\ndeny contains \"main\" if true\n",
    );
    write(
        tmp.path(),
        "p/k8s.rego",
        "package k8s.security\ndeny contains \"k8s\" if true\n",
    );
    let source = FsSource::new(tmp.path()).expect("source");
    let selection = PolicySelection {
        namespaces: vec!["k8s.security".into()],
        ..selection(&["p"])
    };
    let report = PolicySet::load(&source, &selection)
        .expect("load")
        .evaluate("dev", &[json!({"kind": "Pod"})])
        .expect("evaluate");
    let messages: Vec<&str> = report.findings.iter().map(|f| f.message.as_str()).collect();
    assert_eq!(messages, vec!["k8s"]);
}

// ---- load-time errors ----

fn load_error(files: &[(&str, &str)]) -> PolicyError {
    let tmp = tempfile::tempdir().expect("temp dir");
    for (rel, text) in files {
        write(tmp.path(), rel, text);
    }
    let source = FsSource::new(tmp.path()).expect("source");
    PolicySet::load(&source, &selection(&["p"])).expect_err("must not load")
}

#[test]
fn load_errors_name_file_and_line() {
    let err = load_error(&[(
        "p/bad.rego",
        "package main\nimport rego.v1\n\ndeny contains msg if {\n  msg := concat(\",\", [\"a\"]\n}\n",
    )]);
    assert!(
        matches!(&err, PolicyError::Syntax { file, .. } if file == "p/bad.rego"),
        "{err}"
    );
    assert!(err.to_string().starts_with("p/bad.rego:"), "{err}");

    let err = load_error(&[(
        "p/net.rego",
        "package main\nimport rego.v1\n\ndeny contains \"internal\" if {\n  \
         net.cidr_contains(\"10.0.0.0/8\", input.spec.clusterIP)\n}\n",
    )]);
    assert_eq!(
        err.to_string(),
        "p/net.rego:5: unknown function `net.cidr_contains` (not a builtin supported by \
         converge, nor defined by a loaded policy)"
    );

    let err = load_error(&[
        ("p/data.yaml", "- not\n- a mapping\n"),
        ("p/a.rego", "package main\n"),
    ]);
    assert!(err.to_string().starts_with("p/data.yaml:"), "{err}");

    let tmp = tempfile::tempdir().expect("temp dir");
    let source = FsSource::new(tmp.path()).expect("source");
    let err = PolicySet::load(&source, &selection(&["policies/nope"])).expect_err("missing");
    assert!(matches!(err, PolicyError::MissingPath { .. }), "{err}");
}

// ---- sources ----

#[test]
fn policies_load_from_a_git_revision() {
    require_tool("git", "git");
    let repo = crafted_repo(GOOD_APP);
    git(repo.path(), &["init", "-q", "-b", "main"]);
    git(repo.path(), &["add", "-A"]);
    git(repo.path(), &["commit", "-qm", "platform"]);
    // The work tree changes after the commit; the revision keeps the committed policies.
    std::fs::remove_file(repo.path().join("policies/common/probes.rego")).expect("rm");
    let source = GitSource::open(repo.path(), "HEAD").expect("revision");
    let policies = PolicySet::load(&source, &staging()).expect("loads from git");
    assert!(
        policies
            .files()
            .contains(&"policies/common/probes.rego".to_string())
    );
    let report = policies
        .evaluate("staging", &[json!({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "x"},
            "spec": {"template": {"spec": {"containers": [{"name": "c", "image": "registry.example.com/a:1"}]}}}})])
        .expect("evaluate");
    assert!(
        report.findings.iter().any(|f| f.policy == "probes"),
        "{}",
        report.to_text()
    );
}

//! `converge sync` against the sandbox: a first sync creates every rendered object under
//! converge's field manager, a second one writes nothing, ordering with CRDs, failed
//! rollouts, dry runs, status, and kubectl's view of the ApplySet.

use converge::diff::Action;
use converge::sync::{SyncOptions, SyncResult};
use k8s_openapi::api::apps::v1::Deployment;
use kube::api::{Api, DynamicObject};
use kube::discovery::ApiResource;
use serde_json::Value;

use super::sync_support::{Repo, converge, sandbox, sync_env};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn first_sync_creates_everything_second_writes_nothing() {
    let env = sandbox().await;
    let repo = Repo::examples();
    let kc = env.kubeconfig();

    let first = converge(&repo, Some(&kc), &["sync", "--env", "staging"]).await;
    assert_eq!(first.code, 0, "{}", first.all());
    assert!(
        first.stdout.contains("result: Succeeded"),
        "{}",
        first.stdout
    );

    // Every rendered object exists, applied by converge.
    let rendered = converge(&repo, None, &["render", "--env", "staging"]).await;
    let objects = converge::yaml::parse_documents(&rendered.stdout).expect("rendered YAML");
    assert!(objects.len() > 20, "{}", objects.len());
    for object in &objects {
        let kind = object["kind"].as_str().expect("kind");
        let name = object["metadata"]["name"].as_str().expect("name");
        let mut args = vec!["get", kind, name, "-o", "json", "--show-managed-fields"];
        if kind != "Namespace" {
            args.extend(["-n", "ml-staging"]);
        }
        let live: Value = serde_json::from_str(&env.ok(&args).await).expect("JSON");
        let managers: Vec<(&str, &str)> = live["metadata"]["managedFields"]
            .as_array()
            .expect("managedFields")
            .iter()
            .map(|m| {
                (
                    m["manager"].as_str().unwrap_or(""),
                    m["operation"].as_str().unwrap_or(""),
                )
            })
            .collect();
        assert!(
            managers.contains(&("converge", "Apply")),
            "{kind} {name}: {managers:?}"
        );
        assert!(
            live["metadata"]["labels"]["applyset.kubernetes.io/part-of"]
                .as_str()
                .is_some_and(|id| id.starts_with("applyset-")),
            "{kind} {name} has no part-of label"
        );
    }

    // A second sync (and a diff) write nothing.
    let writes = env.sandbox.stats().writes;
    let second = converge(&repo, Some(&kc), &["sync", "--env", "staging"]).await;
    assert_eq!(second.code, 0, "{}", second.all());
    assert!(
        second
            .stdout
            .contains("0 to create, 0 to update, 0 to prune"),
        "{}",
        second.stdout
    );
    let diff = converge(&repo, Some(&kc), &["diff", "--env", "staging"]).await;
    assert_eq!(diff.code, 0, "{}", diff.all());
    assert_eq!(env.sandbox.stats().writes, writes, "a no-op sync wrote");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dry_run_writes_nothing_and_reports_the_plan() {
    let env = sandbox().await;
    let repo = Repo::examples();
    let before = env.sandbox.stats().writes;
    let out = converge(
        &repo,
        Some(&env.kubeconfig()),
        &["sync", "--env", "staging", "--dry-run"],
    )
    .await;
    assert_eq!(out.code, 0, "{}", out.all());
    assert!(out.stdout.contains("dry run of staging"), "{}", out.stdout);
    assert!(
        out.stdout
            .contains("create Deployment.apps ml-staging/staging-api"),
        "{}",
        out.stdout
    );
    assert_eq!(env.sandbox.stats().writes, before);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn failing_image_reports_failed_health() {
    let env = sandbox().await;
    let repo = Repo::empty();
    repo.tiny(
        "tiny",
        "tiny",
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  selector:\n    matchLabels: {app: web}\n  template:\n    metadata:\n      labels: {app: web}\n    spec:\n      containers:\n      - name: web\n        image: nginx:1.27\n",
        "",
    );
    repo.commit("tiny");
    let ok = sync_env(&env, &repo, "tiny", &SyncOptions::default()).await;
    assert_eq!(ok.result, SyncResult::Succeeded, "{:?}", ok.problems);

    repo.replace("overlays/tiny/objects.yaml", "nginx:1.27", "nginx:broken");
    repo.commit("break it");
    let out = converge(&repo, Some(&env.kubeconfig()), &["sync", "--env", "tiny"]).await;
    assert_ne!(out.code, 0, "{}", out.all());
    assert!(
        out.stdout.contains("result: HealthFailed"),
        "{}",
        out.stdout
    );
    assert!(
        out.stdout
            .contains("Deployment.apps tiny/web: Failed (Progress deadline exceeded"),
        "{}",
        out.stdout
    );
    // The failure is recorded on the ApplySet parent.
    let result = env
        .ok(&[
            "get",
            "secret",
            "converge-tiny",
            "-n",
            "tiny",
            "-o",
            "jsonpath={.metadata.annotations.converge\\.dev/result}",
        ])
        .await;
    assert_eq!(result, "HealthFailed");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn crds_are_established_before_their_resources() {
    let env = sandbox().await;
    let repo = Repo::empty();
    let crd = r#"apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: widgets.example.com
spec:
  group: example.com
  scope: Namespaced
  names: {plural: widgets, singular: widget, kind: Widget}
  versions:
  - name: v1
    served: true
    storage: true
    schema:
      openAPIV3Schema:
        type: object
        properties:
          spec:
            type: object
            properties:
              size: {type: integer}
---
apiVersion: example.com/v1
kind: Widget
metadata:
  name: w
spec:
  size: 3
"#;
    repo.tiny("crd", "crd", crd, "");
    repo.commit("crd");
    let report = sync_env(&env, &repo, "crd", &SyncOptions::default()).await;
    assert_eq!(
        report.result,
        SyncResult::Succeeded,
        "{:?}",
        report.problems
    );
    let widget = report
        .changes
        .changes
        .iter()
        .find(|c| c.id.kind == "Widget")
        .expect("the widget is planned");
    assert_eq!(widget.action, Action::Create);
    assert!(
        widget.note.as_deref().is_some_and(|n| n.contains("CRD")),
        "{widget:?}"
    );

    let ar = ApiResource {
        group: "example.com".into(),
        version: "v1".into(),
        api_version: "example.com/v1".into(),
        kind: "Widget".into(),
        plural: "widgets".into(),
    };
    let widgets: Api<DynamicObject> = Api::namespaced_with(env.sandbox.client(), "crd", &ar);
    let w = widgets.get("w").await.expect("the widget exists");
    assert_eq!(w.data["spec"]["size"], 3);

    // Both are members now: a second sync plans nothing.
    let again = sync_env(&env, &repo, "crd", &SyncOptions::default()).await;
    assert!(
        !again.changes.has_changes(),
        "{:?}",
        again.changes.summary()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kubectl_sees_the_environment_as_an_applyset() {
    let env = sandbox().await;
    let repo = Repo::examples();
    let out = converge(
        &repo,
        Some(&env.kubeconfig()),
        &["sync", "--env", "staging"],
    )
    .await;
    assert_eq!(out.code, 0, "{}", out.all());
    let parent = env
        .ok(&[
            "get",
            "secret/converge-staging",
            "-n",
            "ml-staging",
            "-o",
            "yaml",
        ])
        .await;
    for expected in [
        "applyset.kubernetes.io/tooling: converge/v",
        "applyset.kubernetes.io/contains-group-kinds: ConfigMap,Deployment.apps,HorizontalPodAutoscaler.autoscaling,Namespace,NetworkPolicy.networking.k8s.io,PodDisruptionBudget.policy,Secret,Service,ServiceAccount",
        "applyset.kubernetes.io/additional-namespaces: \"\"",
        "applyset.kubernetes.io/id: applyset-",
        "converge.dev/revision: ",
    ] {
        assert!(
            parent.contains(expected),
            "missing {expected:?} in\n{parent}"
        );
    }
    // kubectl finds the members by the parent's id.
    let id = env
        .ok(&[
            "get",
            "secret/converge-staging",
            "-n",
            "ml-staging",
            "-o",
            "jsonpath={.metadata.labels.applyset\\.kubernetes\\.io/id}",
        ])
        .await;
    let members = env
        .ok(&[
            "get",
            "deploy",
            "-n",
            "ml-staging",
            "-l",
            &format!("applyset.kubernetes.io/part-of={id}"),
            "-o",
            "name",
        ])
        .await;
    assert_eq!(members.lines().count(), 4, "{members}");

    // kubectl refuses to prune a set another tool manages, as converge refuses kubectl's.
    let manifest = env.file(
        "cm.yaml",
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: intruder\n  namespace: ml-staging\n",
    );
    let takeover = env
        .kubectl_env(
            &[
                "apply",
                "--server-side",
                "--prune",
                "--applyset=converge-staging",
                "-n",
                "ml-staging",
                "-f",
                manifest.to_str().expect("UTF-8 path"),
            ],
            &[("KUBECTL_APPLYSET", "true")],
        )
        .await;
    assert!(!takeover.status.success());
    let stderr = String::from_utf8_lossy(&takeover.stderr);
    assert!(stderr.contains("converge"), "{stderr}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn status_shows_revision_drift_and_health() {
    let env = sandbox().await;
    let repo = Repo::examples();
    let kc = env.kubeconfig();
    let out = converge(&repo, Some(&kc), &["sync", "--env", "staging"]).await;
    assert_eq!(out.code, 0, "{}", out.all());
    let head = repo.head();

    let status = converge(
        &repo,
        Some(&kc),
        &["status", "--env", "staging", "-o", "json"],
    )
    .await;
    assert_eq!(status.code, 0, "{}", status.all());
    let json: Value = serde_json::from_str(&status.stdout).expect("JSON");
    assert_eq!(json[0]["synced"]["revision"], head.as_str());
    assert_eq!(json[0]["out_of_date"], false);
    assert_eq!(json[0]["drift"].as_array().map(Vec::len), Some(0));

    // Someone scales a Deployment by hand: drift. A new commit: git has moved on.
    let deployments: Api<Deployment> = Api::namespaced(env.sandbox.client(), "ml-staging");
    deployments
        .patch(
            "staging-api",
            &kube::api::PatchParams::default(),
            &kube::api::Patch::Merge(serde_json::json!({"spec": {"replicas": 4}})),
        )
        .await
        .expect("scaled");
    repo.replace(
        "overlays/staging/kustomization.yaml",
        "newTag: \"1.4.0\"",
        "newTag: \"1.4.1\"",
    );
    repo.commit("bump api");
    let status = converge(&repo, Some(&kc), &["status", "--env", "staging"]).await;
    assert_eq!(status.code, 0, "{}", status.all());
    assert!(
        status.stdout.contains("git has moved on"),
        "{}",
        status.stdout
    );
    assert!(
        status
            .stdout
            .contains("update Deployment.apps ml-staging/staging-api: spec.replicas, spec.template.spec.containers[name=api].image"),
        "{}",
        status.stdout
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn objects_still_in_progress_at_the_timeout_fail_the_sync() {
    let env = sandbox().await;
    let repo = Repo::empty();
    // A suspended Job never starts: kstatus keeps it InProgress.
    repo.tiny(
        "tiny",
        "tiny",
        "apiVersion: batch/v1\nkind: Job\nmetadata:\n  name: later\nspec:\n  suspend: true\n  template:\n    spec:\n      restartPolicy: Never\n      containers:\n      - name: job\n        image: busybox:1.36\n",
        "",
    );
    repo.commit("a suspended job");
    let options = SyncOptions {
        health_timeout: Some(std::time::Duration::from_millis(500)),
        ..SyncOptions::default()
    };
    let report = sync_env(&env, &repo, "tiny", &options).await;
    assert_eq!(
        report.result,
        SyncResult::HealthTimeout,
        "{:?}",
        report.problems
    );
    let health = report.health.expect("health was checked");
    assert!(health.timed_out);
    assert!(
        report
            .problems
            .iter()
            .any(|p| p.contains("Job.batch tiny/later: InProgress (Job not started)")),
        "{:?}",
        report.problems
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unknown_context_is_an_error_naming_it() {
    let env = sandbox().await;
    let repo = Repo::examples();
    let out = converge(
        &repo,
        Some(&env.kubeconfig()),
        &["--context", "no-such-context", "sync", "--env", "staging"],
    )
    .await;
    assert_eq!(out.code, 2, "{}", out.all());
    assert!(out.stderr.contains("no-such-context"), "{}", out.stderr);
    let named = converge(
        &repo,
        Some(&env.kubeconfig()),
        &["--context", "sandbox", "diff", "--env", "staging"],
    )
    .await;
    assert_eq!(named.code, 1, "{}", named.all());
}

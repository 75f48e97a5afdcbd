//! Environments come and go with the repository: a new environment file is reconciled at
//! the next revision; a removed one is reported and its objects are left in place (removing
//! a file is not a request to delete a namespace's worth of objects). A controller
//! reconciles only the environments it is given, and applies only those that target its
//! cluster.

use std::sync::{Arc, Mutex};

use converge::controller::{NoRevert, Phase, Repository};
use k8s_openapi::api::core::v1::ConfigMap;
use kube::Api;

use super::controller_record::{Calls, Recorded, calls};
use super::controller_support::{Remote, config, phase_is, sandbox, start, wait_for};
use super::support::git;

const QA: &str = "apiVersion: converge.dev/v1alpha1
kind: Environment
metadata:
  name: qa
spec:
  overlay: overlays/qa
  target:
    namespace: ml-qa
";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn environments_are_added_and_removed_with_their_files() {
    let remote = Remote::seed();
    let sandbox = sandbox().await;
    let data = tempfile::tempdir().expect("tempdir");
    let calls: Calls = Arc::new(Mutex::new(Vec::new()));
    let running = start(
        config(
            Repository::Remote {
                url: remote.url.clone(),
                branch: "main".into(),
            },
            data.path(),
        ),
        sandbox.client(),
        Arc::new(Recorded::new("a", &calls)),
        Arc::new(NoRevert),
    )
    .await;
    wait_for(running.status(), "both synced", |s| {
        phase_is(s, "staging", Phase::Synced) && phase_is(s, "production", Phase::Synced)
    })
    .await;

    let work = remote.work();
    let write = |path: &str, text: &str| {
        let full = work.join(path);
        std::fs::create_dir_all(full.parent().expect("parent")).expect("mkdir");
        std::fs::write(full, text).expect("write");
    };
    write("environments/qa.yaml", QA);
    write(
        "overlays/qa/kustomization.yaml",
        "namespace: ml-qa\nresources:\n  - namespace.yaml\n  - settings.yaml\n",
    );
    write(
        "overlays/qa/namespace.yaml",
        "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: ml-qa\n",
    );
    write(
        "overlays/qa/settings.yaml",
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\ndata:\n  MODE: qa\n",
    );
    git(&work, &["add", "-A"]);
    git(&work, &["commit", "-q", "-m", "qa: a new environment"]);
    remote.push();
    running.fetch_now();
    wait_for(running.status(), "qa synced", |s| {
        phase_is(s, "qa", Phase::Synced)
    })
    .await;
    let settings: Api<ConfigMap> = Api::namespaced(sandbox.client(), "ml-qa");
    assert!(settings.get_opt("settings").await.expect("get").is_some());

    git(&work, &["rm", "-q", "environments/qa.yaml"]);
    git(&work, &["commit", "-q", "-m", "qa: retired"]);
    remote.push();
    running.fetch_now();
    wait_for(running.status(), "qa reported removed", |s| {
        phase_is(s, "qa", Phase::Removed)
    })
    .await;
    assert!(
        settings.get_opt("settings").await.expect("get").is_some(),
        "a removed environment's objects were deleted"
    );
    assert_eq!(
        running.status().env("staging").map(|e| e.phase),
        Some(Phase::Synced)
    );
    running.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn only_selected_environments_targeting_this_cluster_are_applied() {
    let remote = Remote::seed();
    // Production moves to its own cluster: this controller must leave it alone.
    remote.commit(
        "environments/production.yaml",
        "production: its own cluster",
        |text| text.replacen("  target:\n", "  target:\n    context: production-eu\n", 1),
    );
    let sandbox = sandbox().await;
    let data = tempfile::tempdir().expect("tempdir");
    let calls_log: Calls = Arc::new(Mutex::new(Vec::new()));
    let mut settings = config(
        Repository::Remote {
            url: remote.url.clone(),
            branch: "main".into(),
        },
        data.path(),
    );
    settings.cluster = Some("staging-eu".into());
    let running = start(
        settings,
        sandbox.client(),
        Arc::new(Recorded::new("a", &calls_log)),
        Arc::new(NoRevert),
    )
    .await;
    wait_for(running.status(), "staging synced, production held", |s| {
        phase_is(s, "staging", Phase::Synced) && phase_is(s, "production", Phase::OtherCluster)
    })
    .await;
    running.shutdown().await;
    let touched: Vec<String> = calls(&calls_log)
        .into_iter()
        .map(|c| c.environment)
        .collect();
    assert!(touched.iter().any(|e| e == "staging"), "{touched:?}");
    assert!(!touched.iter().any(|e| e == "production"), "{touched:?}");
    let production: Api<ConfigMap> = Api::namespaced(sandbox.client(), "ml-production");
    let live = production.list(&Default::default()).await.expect("list");
    assert!(live.items.is_empty(), "production was applied here");

    // A controller given only staging never looks at production.
    let data = tempfile::tempdir().expect("tempdir");
    let mut settings = config(
        Repository::Remote {
            url: remote.url.clone(),
            branch: "main".into(),
        },
        data.path(),
    );
    settings.cluster = Some("production-eu".into());
    settings.environments = vec!["staging".into()];
    let running = start(
        settings,
        sandbox.client(),
        Arc::new(Recorded::new("b", &calls_log)),
        Arc::new(NoRevert),
    )
    .await;
    wait_for(running.status(), "staging synced", |s| {
        phase_is(s, "staging", Phase::Synced)
    })
    .await;
    assert!(running.status().env("production").is_none());
    running.shutdown().await;
    assert!(
        !calls(&calls_log)
            .iter()
            .any(|c| c.who == "b" && c.environment == "production")
    );
}

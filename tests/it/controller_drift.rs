//! Drift without self-heal: reported (status and metrics), not corrected, until the next
//! sync brings the environment back to git.

use std::sync::{Arc, Mutex};

use converge::controller::{NoRevert, Phase, Repository};
use k8s_openapi::api::apps::v1::Deployment;
use kube::Api;
use kube::api::{Patch, PatchParams};

use super::controller_record::{Calls, Recorded, calls};
use super::controller_support::{Remote, config, eventually, sandbox, set_tag, start, wait_for};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn drift_is_reported_when_self_heal_is_off() {
    let remote = Remote::seed();
    remote.commit(
        "environments/production.yaml",
        "production: no self-heal",
        |t| t.replace("selfHeal: true", "selfHeal: false"),
    );
    let sandbox = sandbox().await;
    let data = tempfile::tempdir().expect("tempdir");
    let log: Calls = Arc::new(Mutex::new(Vec::new()));
    let running = start(
        config(
            Repository::Remote {
                url: remote.url.clone(),
                branch: "main".into(),
            },
            data.path(),
        ),
        sandbox.client(),
        Arc::new(Recorded::new("a", &log)),
        Arc::new(NoRevert),
    )
    .await;
    wait_for(running.status(), "production synced", |s| {
        s.env("production")
            .is_some_and(|e| e.phase == Phase::Synced)
    })
    .await;

    let deployments: Api<Deployment> = Api::namespaced(sandbox.client(), "ml-production");
    let params = PatchParams {
        field_manager: Some("kubectl-patch".into()),
        ..PatchParams::default()
    };
    deployments
        .patch(
            "api",
            &params,
            &Patch::Merge(&serde_json::json!({"spec": {"replicas": 7}})),
        )
        .await
        .expect("patch");
    wait_for(running.status(), "the drift reported", |s| {
        s.env("production").is_some_and(|e| {
            e.drift
                .objects
                .iter()
                .any(|o| o == "Deployment.apps ml-production/api")
        })
    })
    .await;
    let text = running.metrics().encode();
    assert!(
        text.contains("converge_drift_objects{environment=\"production\"} 1"),
        "{text}"
    );
    let live = deployments.get("api").await.expect("get");
    assert_eq!(live.spec.replicas, Some(7), "drift was corrected");
    assert!(calls(&log).iter().all(|c| c.what != "heal"));
    let events: Api<k8s_openapi::api::core::v1::Event> =
        Api::namespaced(sandbox.client(), "ml-production");
    // The event follows the status update.
    eventually("a Drifted event on the ApplySet parent", || {
        let events = events.clone();
        async move {
            events.list(&Default::default()).await.is_ok_and(|l| {
                l.items
                    .iter()
                    .any(|e| e.reason.as_deref() == Some("Drifted"))
            })
        }
    })
    .await;

    // The next change to production is not applied over another manager's field unless
    // the environment says so: the sync reports the conflict, by manager and field.
    remote.commit(
        "overlays/production/kustomization.yaml",
        "production: bump api",
        |t| set_tag(t, "registry.example.com/ml/api", "1.4.1"),
    );
    running.fetch_now();
    wait_for(running.status(), "the conflict reported", |s| {
        s.env("production").is_some_and(|e| {
            e.phase == Phase::Failed
                && e.error
                    .as_deref()
                    .is_some_and(|m| m.contains("kubectl-patch"))
        })
    })
    .await;
    // With forceConflicts, git wins and the drift is gone.
    let head = remote.commit(
        "environments/production.yaml",
        "production: force conflicts",
        |t| {
            t.replace(
                "    selfHeal: false\n",
                "    selfHeal: false\n    forceConflicts: true\n",
            )
        },
    );
    running.fetch_now();
    wait_for(
        running.status(),
        "production synced again without drift",
        |s| {
            s.env("production").is_some_and(|e| {
                e.phase == Phase::Synced
                    && e.synced_revision.as_deref() == Some(head.as_str())
                    && e.drift.objects.is_empty()
            })
        },
    )
    .await;
    let live = deployments.get("api").await.expect("get");
    assert_eq!(live.spec.replicas, Some(3));
    running.shutdown().await;
}

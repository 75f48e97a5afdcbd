//! Two controllers against one sandbox with leader election on a Lease: only the leader
//! writes; when it stops, the other takes over; an expired lease of a dead holder is taken.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use converge::controller::{LeaderElection, Metrics, NoRevert, Phase, Repository, Running};
use k8s_openapi::api::coordination::v1::{Lease, LeaseSpec};
use k8s_openapi::api::core::v1::Namespace;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{MicroTime, ObjectMeta};
use kube::Api;
use kube::api::PostParams;

use super::controller_record::{Calls, Recorded};
use super::controller_support::{Remote, config, phase_is, sandbox, set_tag, start, wait_for};

const NAMESPACE: &str = "converge-system";

fn election() -> LeaderElection {
    LeaderElection {
        lease_duration: Duration::from_secs(2),
        renew_deadline: Duration::from_millis(1500),
        retry_period: Duration::from_millis(250),
        ..LeaderElection::new(NAMESPACE, "converge-controller")
    }
}

async fn replica(
    remote: &Remote,
    client: &kube::Client,
    who: &str,
    calls: &Calls,
    data: &tempfile::TempDir,
) -> Running {
    let repository = Repository::Remote {
        url: remote.url.clone(),
        branch: "main".into(),
    };
    let mut config = config(repository, &data.path().join(who));
    config.identity = who.to_string();
    config.leader_election = Some(election());
    start(
        config,
        client.clone(),
        Arc::new(Recorded::new(who, calls)),
        Arc::new(NoRevert),
    )
    .await
}

async fn namespace(client: &kube::Client) {
    let api: Api<Namespace> = Api::all(client.clone());
    let ns = Namespace {
        metadata: ObjectMeta {
            name: Some(NAMESPACE.into()),
            ..ObjectMeta::default()
        },
        ..Namespace::default()
    };
    api.create(&PostParams::default(), &ns)
        .await
        .expect("namespace");
}

fn holder(lease: &Lease) -> Option<String> {
    lease.spec.as_ref().and_then(|s| s.holder_identity.clone())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn only_the_leader_writes_and_the_other_takes_over_when_it_stops() {
    let remote = Remote::seed();
    let sandbox = sandbox().await;
    let client = sandbox.client();
    namespace(&client).await;
    let data = tempfile::tempdir().expect("tempdir");
    let calls: Calls = Arc::new(Mutex::new(Vec::new()));

    let a = replica(&remote, &client, "replica-a", &calls, &data).await;
    wait_for(a.status(), "replica-a leading and synced", |s| {
        s.controller().leader
            && phase_is(s, "staging", Phase::Synced)
            && phase_is(s, "production", Phase::Synced)
    })
    .await;
    let b = replica(&remote, &client, "replica-b", &calls, &data).await;
    wait_for(b.status(), "replica-b has fetched", |s| {
        s.controller().ready
    })
    .await;

    // A change while both run: the leader applies it, the follower stays idle.
    let head = remote.commit(
        "overlays/staging/kustomization.yaml",
        "staging: bump api",
        |t| set_tag(t, "registry.example.com/ml/api", "1.5.0"),
    );
    a.fetch_now();
    b.fetch_now();
    wait_for(a.status(), "the leader synced the bump", |s| {
        s.env("staging")
            .is_some_and(|e| e.synced_revision.as_deref() == Some(head.as_str()))
    })
    .await;
    // Several lease periods with both running.
    tokio::time::sleep(Duration::from_secs(3)).await;
    assert!(!b.status().controller().leader, "two leaders");
    assert!(
        b.status().environments().is_empty(),
        "the follower reconciled"
    );
    for env in ["staging", "production"] {
        assert_eq!(
            b.metrics().api_requests_of(env),
            0,
            "the follower called the API for {env}"
        );
        assert_eq!(Metrics::count(&b.metrics().renders, env), 0);
    }
    assert!(b.metrics().encode().contains("converge_leader 0"));
    let lease: Api<Lease> = Api::namespaced(client.clone(), NAMESPACE);
    let held = lease.get("converge-controller").await.expect("lease");
    assert_eq!(holder(&held).as_deref(), Some("replica-a"));

    // The leader stops (releasing the lease); the follower takes over and reconciles.
    a.shutdown().await;
    let released_at = calls.lock().map(|c| c.len()).unwrap_or(0);
    wait_for(b.status(), "replica-b leading and synced", |s| {
        s.controller().leader
            && s.env("staging").is_some_and(|e| {
                e.phase == Phase::Synced && e.synced_revision.as_deref() == Some(head.as_str())
            })
    })
    .await;
    let held = lease.get("converge-controller").await.expect("lease");
    assert_eq!(holder(&held).as_deref(), Some("replica-b"));
    assert!(held.spec.and_then(|s| s.lease_transitions).unwrap_or(0) >= 1);

    // Never both: every call of a ended before the first call of b began.
    let calls = calls.lock().map(|c| c.clone()).unwrap_or_default();
    assert!(calls.len() > released_at);
    let last_a = calls
        .iter()
        .filter(|c| c.who == "replica-a")
        .map(|c| c.ended)
        .max();
    let first_b = calls
        .iter()
        .filter(|c| c.who == "replica-b")
        .map(|c| c.started)
        .min();
    match (last_a, first_b) {
        (Some(a_end), Some(b_start)) => assert!(a_end <= b_start, "the replicas overlapped"),
        other => panic!("both replicas should have synced: {other:?}"),
    }
    b.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_expired_lease_is_taken_over_and_a_live_one_is_not() {
    let remote = Remote::seed();
    let sandbox = sandbox().await;
    let client = sandbox.client();
    namespace(&client).await;
    let lease: Api<Lease> = Api::namespaced(client.clone(), NAMESPACE);
    let now = || MicroTime(k8s_openapi::jiff::Timestamp::now());
    let ghost = Lease {
        metadata: ObjectMeta {
            name: Some("converge-controller".into()),
            namespace: Some(NAMESPACE.into()),
            ..ObjectMeta::default()
        },
        spec: Some(LeaseSpec {
            holder_identity: Some("ghost".into()),
            lease_duration_seconds: Some(2),
            acquire_time: Some(now()),
            renew_time: Some(now()),
            lease_transitions: Some(3),
            ..LeaseSpec::default()
        }),
    };
    lease
        .create(&PostParams::default(), &ghost)
        .await
        .expect("lease");
    let data = tempfile::tempdir().expect("tempdir");
    let calls: Calls = Arc::new(Mutex::new(Vec::new()));
    let b = replica(&remote, &client, "replica-b", &calls, &data).await;
    wait_for(b.status(), "replica-b fetched", |s| s.controller().ready).await;
    assert!(!b.status().controller().leader, "took a live lease at once");
    // The ghost never renews: after a lease duration of silence, b takes it.
    wait_for(b.status(), "replica-b leading and synced", |s| {
        s.controller().leader && phase_is(s, "staging", Phase::Synced)
    })
    .await;
    let held = lease.get("converge-controller").await.expect("lease");
    assert_eq!(holder(&held).as_deref(), Some("replica-b"));
    assert_eq!(held.spec.and_then(|s| s.lease_transitions), Some(4));
    b.shutdown().await;
    // Released on shutdown.
    let released = lease.get("converge-controller").await.expect("lease");
    assert_eq!(holder(&released), None);
}

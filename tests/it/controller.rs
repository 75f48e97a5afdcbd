//! The controller's loop against the sandbox and a `git daemon` remote: webhooks, the
//! input-closure skip, self-heal, a watched directory, failure isolation, the HTTP API.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use converge::controller::{Metrics, NoRevert, Phase, Repository, Running, webhook};
use converge::sandbox::Sandbox;

use super::controller_record::{Calls, Recorded, calls};
use super::controller_support::{
    Remote, WEBHOOK_SECRET, config, eventually, get, image_of, phase_is, post, push_payload,
    sandbox, set_tag, start, wait_for,
};
use super::support::{git, require_tool};

const API_1_4: &str = "registry.example.com/ml/api:1.4.0";

struct Harness {
    remote: Remote,
    sandbox: Sandbox,
    running: Running,
    calls: Calls,
    _data: tempfile::TempDir,
}

async fn harness() -> Harness {
    let remote = Remote::seed();
    let sandbox = sandbox().await;
    let data = tempfile::tempdir().expect("tempdir");
    let calls: Calls = Arc::new(Mutex::new(Vec::new()));
    let repository = Repository::Remote {
        url: remote.url.clone(),
        branch: "main".into(),
    };
    let running = start(
        config(repository, data.path()),
        sandbox.client(),
        Arc::new(Recorded::new("a", &calls)),
        Arc::new(NoRevert),
    )
    .await;
    wait_for(running.status(), "staging and production synced", |s| {
        phase_is(s, "staging", Phase::Synced) && phase_is(s, "production", Phase::Synced)
    })
    .await;
    Harness {
        remote,
        sandbox,
        running,
        calls,
        _data: data,
    }
}

fn bump_staging_api(remote: &Remote, tag: &str) -> String {
    remote.commit(
        "overlays/staging/kustomization.yaml",
        &format!("staging: bump api to {tag}"),
        |t| set_tag(t, "registry.example.com/ml/api", tag),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn signed_webhook_applies_a_push_and_a_bad_signature_changes_nothing() {
    let h = harness().await;
    let addr = h.running.addr.expect("listening");
    let client = h.sandbox.client();
    assert_eq!(
        image_of(&client, "ml-staging", "staging-api")
            .await
            .as_deref(),
        Some(API_1_4)
    );
    let fetches = |m: &Metrics| m.encode();
    let before = fetches(h.running.metrics());

    let head = bump_staging_api(&h.remote, "1.5.0");
    let body = push_payload("main", &head);

    // Wrongly signed, unsigned, and signed with another secret: 401, no fetch.
    let wrong = webhook::sign_sha256(b"not the secret", &body);
    for headers in [
        vec![
            ("X-Hub-Signature-256", wrong.as_str()),
            ("X-GitHub-Event", "push"),
        ],
        vec![("X-GitHub-Event", "push")],
    ] {
        let (status, _) = post(addr, "/hooks/github", &headers, &body).await;
        assert_eq!(status, 401);
    }
    let (status, _) = post(addr, "/hooks/gitlab", &[("X-Gitlab-Token", "nope")], &body).await;
    assert_eq!(status, 401);
    let (status, _) = post(
        addr,
        "/hooks/generic",
        &[("X-Signature", "sha256=00")],
        &body,
    )
    .await;
    assert_eq!(status, 401);
    tokio::time::sleep(Duration::from_millis(500)).await;
    let after = fetches(h.running.metrics());
    let fetch_line = |text: &str| {
        text.lines()
            .find(|l| l.starts_with("converge_git_fetches_total{result=\"success\"}"))
            .map(str::to_string)
    };
    assert_eq!(
        fetch_line(&before),
        fetch_line(&after),
        "a rejected webhook fetched"
    );
    assert_eq!(
        image_of(&client, "ml-staging", "staging-api")
            .await
            .as_deref(),
        Some(API_1_4)
    );
    assert!(after.contains("converge_webhooks_total{provider=\"github\",result=\"rejected\"} 2"));

    // Correctly signed: applied without waiting for the (hour-long) interval.
    let good = webhook::sign_sha256(WEBHOOK_SECRET.as_bytes(), &body);
    let sent = Instant::now();
    let (status, _) = post(
        addr,
        "/hooks/github",
        &[
            ("X-Hub-Signature-256", good.as_str()),
            ("X-GitHub-Event", "push"),
        ],
        &body,
    )
    .await;
    assert_eq!(status, 202);
    eventually("the bumped image in the sandbox", || {
        let client = client.clone();
        async move {
            image_of(&client, "ml-staging", "staging-api")
                .await
                .as_deref()
                == Some("registry.example.com/ml/api:1.5.0")
        }
    })
    .await;
    eprintln!("webhook → applied in the sandbox: {:?}", sent.elapsed());
    wait_for(
        h.running.status(),
        "staging synced at the pushed commit",
        |s| {
            s.env("staging")
                .is_some_and(|e| e.synced_revision.as_deref() == Some(head.as_str()))
        },
    )
    .await;

    // GitLab's token and the generic HMAC are accepted too; a push to another branch is
    // acknowledged and ignored.
    let secret = WEBHOOK_SECRET;
    let (status, _) = post(addr, "/hooks/gitlab", &[("X-Gitlab-Token", secret)], &body).await;
    assert_eq!(status, 202);
    let (status, _) = post(
        addr,
        "/hooks/generic",
        &[("X-Signature", good.as_str())],
        &body,
    )
    .await;
    assert_eq!(status, 202);
    let other = push_payload("feature", &head);
    let signed = webhook::sign_sha256(WEBHOOK_SECRET.as_bytes(), &other);
    let (status, text) = post(
        addr,
        "/hooks/github",
        &[("X-Hub-Signature-256", signed.as_str())],
        &other,
    )
    .await;
    assert_eq!(status, 200, "{text}");
    assert!(text.contains("ignored"), "{text}");
    // Bodies are bounded.
    let huge = vec![b' '; 2 << 20];
    let (status, _) = post(
        addr,
        "/hooks/github",
        &[("X-Hub-Signature-256", good.as_str())],
        &huge,
    )
    .await;
    assert_eq!(status, 413);
    h.running.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_commit_to_one_environment_costs_the_others_no_render_and_no_api_call() {
    let h = harness().await;
    let metrics = Arc::clone(h.running.metrics());
    // Let the initial rollouts' watch events settle before taking the baseline.
    tokio::time::sleep(Duration::from_secs(1)).await;
    let renders = |env: &str| Metrics::count(&metrics.renders, env);
    let skipped = |env: &str| Metrics::count(&metrics.renders_skipped, env);
    let (prod_renders, prod_skipped, prod_api) = (
        renders("production"),
        skipped("production"),
        metrics.api_requests_of("production"),
    );
    let staging_api = metrics.api_requests_of("staging");
    assert_eq!(prod_renders, 1);

    let head = bump_staging_api(&h.remote, "1.5.0");
    h.running.fetch_now();
    wait_for(
        h.running.status(),
        "staging synced at the new commit",
        |s| {
            s.env("staging")
                .is_some_and(|e| e.synced_revision.as_deref() == Some(head.as_str()))
                && s.env("production")
                    .is_some_and(|e| e.revision.as_deref() == Some(head.as_str()))
                && Metrics::count(&metrics.renders_skipped, "production") > prod_skipped
        },
    )
    .await;
    assert_eq!(renders("staging"), 2);
    assert_eq!(
        renders("production"),
        prod_renders,
        "production rendered again"
    );
    assert_eq!(skipped("production"), prod_skipped + 1);
    assert_eq!(
        metrics.api_requests_of("production"),
        prod_api,
        "production made API calls"
    );
    assert!(metrics.api_requests_of("staging") > staging_api);
    let text = metrics.encode();
    assert!(
        text.contains("converge_renders_skipped_total{environment=\"production\"} 1"),
        "{text}"
    );
    let syncs: Vec<_> = calls(&h.calls)
        .into_iter()
        .filter(|c| c.what == "sync")
        .collect();
    assert_eq!(
        syncs
            .iter()
            .filter(|c| c.environment == "production")
            .count(),
        1
    );
    assert_eq!(
        syncs.iter().filter(|c| c.environment == "staging").count(),
        2
    );
    h.running.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kubectl_patch_of_a_managed_field_is_healed() {
    require_tool("kubectl", "kubectl (v1.32 or later)");
    let h = harness().await;
    let kubeconfig = h._data.path().join("kubeconfig");
    h.sandbox.write_kubeconfig(&kubeconfig).expect("kubeconfig");
    let out = std::process::Command::new("kubectl")
        .arg("--kubeconfig")
        .arg(&kubeconfig)
        .args([
            "-n",
            "ml-staging",
            "patch",
            "deployment",
            "staging-api",
            "-p",
            r#"{"spec":{"template":{"spec":{"containers":[{"name":"api","image":"registry.example.com/ml/api:hotfix"}]}}}}"#,
        ])
        .output()
        .expect("run kubectl");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let client = h.sandbox.client();
    eventually("the patched image restored from git", || {
        let client = client.clone();
        async move {
            image_of(&client, "ml-staging", "staging-api")
                .await
                .as_deref()
                == Some(API_1_4)
        }
    })
    .await;
    wait_for(h.running.status(), "the correction recorded", |s| {
        s.env("staging")
            .is_some_and(|e| e.drift.corrected >= 1 && e.drift.objects.is_empty())
    })
    .await;
    let text = h.running.metrics().encode();
    assert!(
        text.contains("converge_drift_corrections_total{environment=\"staging\"}"),
        "{text}"
    );
    // A managed object deleted behind git's back comes back.
    let out = std::process::Command::new("kubectl")
        .arg("--kubeconfig")
        .arg(&kubeconfig)
        .args(["-n", "ml-staging", "delete", "service", "staging-api"])
        .output()
        .expect("run kubectl");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let services: kube::Api<k8s_openapi::api::core::v1::Service> =
        kube::Api::namespaced(client.clone(), "ml-staging");
    eventually("the deleted Service recreated", || {
        let services = services.clone();
        async move {
            services
                .get_opt("staging-api")
                .await
                .is_ok_and(|s| s.is_some())
        }
    })
    .await;
    // Production (self-heal on too) saw no drift: nothing healed there.
    assert!(
        calls(&h.calls)
            .iter()
            .all(|c| c.what != "heal" || c.environment == "staging")
    );
    h.running.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failing_environment_does_not_block_the_others_and_is_retried() {
    let h = harness().await;
    // Break staging's overlay (a resource that does not exist), bump production.
    h.remote.commit(
        "overlays/staging/kustomization.yaml",
        "staging: broken overlay",
        |t| {
            t.replace(
                "  - namespace.yaml\n",
                "  - namespace.yaml\n  - missing.yaml\n",
            )
        },
    );
    let head = h.remote.commit(
        "overlays/production/kustomization.yaml",
        "production: bump api",
        |t| set_tag(t, "registry.example.com/ml/api", "1.4.1"),
    );
    h.running.fetch_now();
    wait_for(
        h.running.status(),
        "production synced while staging fails",
        |s| {
            s.env("production")
                .is_some_and(|e| e.synced_revision.as_deref() == Some(head.as_str()))
                && s.env("staging")
                    .is_some_and(|e| e.phase == Phase::Failed && e.failures >= 2)
        },
    )
    .await;
    let staging = h.running.status().env("staging").expect("staging");
    assert!(
        staging
            .error
            .as_deref()
            .is_some_and(|e| e.contains("missing.yaml")),
        "{staging:?}"
    );
    assert!(staging.next_retry_seconds.is_some());
    let fixed = h
        .remote
        .commit("overlays/staging/kustomization.yaml", "staging: fix", |t| {
            t.replace("  - missing.yaml\n", "")
        });
    h.running.fetch_now();
    wait_for(h.running.status(), "staging synced after the fix", |s| {
        s.env("staging").is_some_and(|e| {
            e.phase == Phase::Synced && e.synced_revision.as_deref() == Some(fixed.as_str())
        })
    })
    .await;
    assert_eq!(
        h.running.status().env("staging").map(|e| e.failures),
        Some(0)
    );
    h.running.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn probes_metrics_and_the_status_api_are_served() {
    let h = harness().await;
    let addr = h.running.addr.expect("listening");
    assert_eq!(get(addr, "/healthz").await.0, 200);
    assert_eq!(get(addr, "/readyz").await.0, 200);
    let (status, text) = get(addr, "/metrics").await;
    assert_eq!(status, 200);
    for name in [
        "converge_syncs_total",
        "converge_sync_duration_seconds",
        "converge_git_fetches_total",
        "converge_api_requests_total",
        "converge_renders_total",
        "converge_leader 1",
    ] {
        assert!(text.contains(name), "{name} missing from:\n{text}");
    }
    let (status, body) = get(addr, "/api/environments").await;
    assert_eq!(status, 200);
    let json: serde_json::Value = serde_json::from_str(&body).expect("json");
    let envs = json["environments"].as_array().expect("environments");
    assert_eq!(envs.len(), 2);
    assert_eq!(envs[0]["name"], "production");
    assert_eq!(envs[0]["phase"], "Synced");
    assert_eq!(json["controller"]["leader"], true);
    let (status, body) = get(addr, "/api/environments/staging").await;
    assert_eq!(status, 200);
    assert!(body.contains("\"syncedRevision\""), "{body}");
    assert_eq!(get(addr, "/api/environments/nope").await.0, 404);
    // Events are recorded on the ApplySet parent (just after the status update).
    let events: kube::Api<k8s_openapi::api::core::v1::Event> =
        kube::Api::namespaced(h.sandbox.client(), "ml-staging");
    eventually("a Synced event on the parent", || {
        let events = events.clone();
        async move {
            events.list(&Default::default()).await.is_ok_and(|list| {
                list.items.iter().any(|e| {
                    e.reason.as_deref() == Some("Synced")
                        && e.involved_object.name.as_deref() == Some("converge-staging")
                })
            })
        }
    })
    .await;
    h.running.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_watched_directory_is_synced_when_it_changes() {
    let remote = Remote::seed();
    let sandbox = sandbox().await;
    let data = tempfile::tempdir().expect("tempdir");
    let log: Calls = Arc::new(Mutex::new(Vec::new()));
    let work = remote.work();
    let running = start(
        config(Repository::Path { dir: work.clone() }, data.path()),
        sandbox.client(),
        Arc::new(Recorded::new("a", &log)),
        Arc::new(NoRevert),
    )
    .await;
    wait_for(running.status(), "both synced from the directory", |s| {
        phase_is(s, "staging", Phase::Synced) && phase_is(s, "production", Phase::Synced)
    })
    .await;
    // An uncommitted edit is enough: the directory is rendered as it is on disk.
    let file = work.join("overlays/staging/kustomization.yaml");
    let text = std::fs::read_to_string(&file).expect("read");
    std::fs::write(&file, set_tag(text, "registry.example.com/ml/api", "1.6.0")).expect("write");
    let client = sandbox.client();
    eventually("the edited image in the sandbox", || {
        let client = client.clone();
        async move {
            image_of(&client, "ml-staging", "staging-api")
                .await
                .as_deref()
                == Some("registry.example.com/ml/api:1.6.0")
        }
    })
    .await;
    git(&work, &["status", "--short"]);
    running.shutdown().await;
}

//! The policy gate in the loop: a commit that changes only a policy re-gates the
//! environments that select it; a denied revision is blocked (nothing written) until a
//! commit lets it through.

use std::sync::{Arc, Mutex};

use converge::controller::{Metrics, NoRevert, Phase, Repository};

use super::controller_record::{Calls, Recorded};
use super::controller_support::{
    Remote, config, image_of, phase_is, sandbox, set_tag, start, wait_for,
};
use super::support::git;

const DENY: &str = r#"package main

import rego.v1

deny contains msg if {
	input.kind == "Deployment"
	some container in input.spec.template.spec.containers
	endswith(container.image, ":1.5.0")
	msg := sprintf("%s: api 1.5.0 is recalled", [input.metadata.name])
}
"#;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_policy_change_regates_and_a_denied_revision_writes_nothing() {
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
    let metrics = Arc::clone(running.metrics());
    let renders = |env: &str| Metrics::count(&metrics.renders, env);
    let (staging_renders, production_renders) = (renders("staging"), renders("production"));

    // Only a policy file changes: both environments select policies/common, both re-gate.
    std::fs::write(remote.work().join("policies/common/recall.rego"), DENY).expect("write");
    git(&remote.work(), &["add", "policies/common/recall.rego"]);
    git(
        &remote.work(),
        &["commit", "-q", "-m", "policies: recall api 1.5.0"],
    );
    let recall = remote.push();
    running.fetch_now();
    wait_for(
        running.status(),
        "both re-gated at the policy commit",
        |s| {
            ["staging", "production"].iter().all(|e| {
                s.env(e).is_some_and(|st| {
                    st.phase == Phase::Synced
                        && st.synced_revision.as_deref() == Some(recall.as_str())
                })
            })
        },
    )
    .await;
    assert_eq!(renders("staging"), staging_renders + 1);
    assert_eq!(renders("production"), production_renders + 1);

    // A bump the policy denies: blocked, nothing applied.
    let denied = remote.commit(
        "overlays/staging/kustomization.yaml",
        "staging: bump api to 1.5.0",
        |t| set_tag(t, "registry.example.com/ml/api", "1.5.0"),
    );
    running.fetch_now();
    wait_for(running.status(), "staging blocked", |s| {
        s.env("staging").is_some_and(|e| e.phase == Phase::Blocked)
    })
    .await;
    let staging = running.status().env("staging").expect("staging");
    let error = staging.error.unwrap_or_default();
    assert!(error.contains(&denied[..12]), "{error}");
    assert!(error.contains("denied"), "{error}");
    let client = sandbox.client();
    assert_eq!(
        image_of(&client, "ml-staging", "staging-api")
            .await
            .as_deref(),
        Some("registry.example.com/ml/api:1.4.0")
    );
    let text = metrics.encode();
    assert!(
        text.contains("converge_syncs_total{environment=\"staging\",result=\"denied\"} 1"),
        "{text}"
    );

    // The recall is lifted: the same render goes through.
    git(&remote.work(), &["rm", "-q", "policies/common/recall.rego"]);
    git(
        &remote.work(),
        &["commit", "-q", "-m", "policies: lift the recall"],
    );
    let lifted = remote.push();
    running.fetch_now();
    wait_for(
        running.status(),
        "staging synced after the recall is lifted",
        |s| {
            s.env("staging").is_some_and(|e| {
                e.phase == Phase::Synced && e.synced_revision.as_deref() == Some(lifted.as_str())
            })
        },
    )
    .await;
    assert_eq!(
        image_of(&client, "ml-staging", "staging-api")
            .await
            .as_deref(),
        Some("registry.example.com/ml/api:1.5.0")
    );
    running.shutdown().await;
}

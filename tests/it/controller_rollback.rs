//! Automatic rollback: a bump to a broken image is reverted by a commit pushed to the
//! `git daemon` remote, and the environment returns to health; a rollback that leaves the
//! environment unhealthy is not followed by a revert of the revert.

use std::sync::{Arc, Mutex};

use converge::controller::{Phase, Repository, RevertOutcome, default_reverter};

use super::controller_record::Recorded;
use super::controller_support::{
    Remote, config, eventually, image_of, sandbox, set_tag, start, wait_for,
};
use super::support::git;

const API: &str = "registry.example.com/ml/api";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_broken_bump_is_reverted_on_the_remote_and_the_environment_heals() {
    let remote = Remote::seed();
    let sandbox = sandbox().await;
    let data = tempfile::tempdir().expect("tempdir");
    let config = config(
        Repository::Remote {
            url: remote.url.clone(),
            branch: "main".into(),
        },
        data.path(),
    );
    let reverter = default_reverter(&config);
    let recorded = Arc::new(Recorded::new("a", &Arc::new(Mutex::new(Vec::new()))));
    let running = start(config, sandbox.client(), recorded, reverter).await;
    wait_for(running.status(), "staging synced", |s| {
        s.env("staging").is_some_and(|e| e.phase == Phase::Synced)
    })
    .await;

    let bad = remote.commit(
        "overlays/staging/kustomization.yaml",
        "staging: bump api to 1.5.0-broken",
        |t| set_tag(t, API, "1.5.0-broken"),
    );
    running.fetch_now();
    wait_for(
        running.status(),
        "staging rolled back and healthy again",
        |s| {
            s.env("staging").is_some_and(|e| {
                e.phase == Phase::Synced
                    && e.rollbacks.len() == 1
                    && e.synced_revision.as_deref() != Some(bad.as_str())
            })
        },
    )
    .await;
    let status = running.status().env("staging").expect("staging");
    let RevertOutcome::Reverted { commit, reverted } = &status.rollbacks[0].outcome else {
        panic!("not reverted: {status:?}");
    };
    assert_eq!(reverted, &bad);
    assert_eq!(status.rollbacks[0].failing, bad);
    assert_eq!(status.synced_revision.as_deref(), Some(commit.as_str()));

    // The remote's newest commit is the revert, with the evidence and the trailers.
    let log = remote.log();
    let newest = &log[0];
    assert!(newest.starts_with("staging: roll back"), "{newest}");
    assert!(
        newest.contains(&format!("Converge-Revert-Of: {bad}")),
        "{newest}"
    );
    assert!(newest.contains("staging-api"), "{newest}");
    assert!(newest.contains("Progress deadline exceeded"), "{newest}");
    assert_eq!(
        log.iter()
            .filter(|m| m.contains("Converge-Revert-Of"))
            .count(),
        1
    );
    let head = git(&remote.work(), &["rev-parse", "origin/main"]);
    assert_eq!(head.trim(), commit);

    let client = sandbox.client();
    eventually("the previous image back in the sandbox", || {
        let client = client.clone();
        async move {
            image_of(&client, "ml-staging", "staging-api")
                .await
                .as_deref()
                == Some("registry.example.com/ml/api:1.4.0")
        }
    })
    .await;
    let text = running.metrics().encode();
    assert!(
        text.contains("converge_rollbacks_total{environment=\"staging\",result=\"reverted\"} 1"),
        "{text}"
    );
    running.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rollback_that_stays_unhealthy_is_not_reverted_again() {
    let remote = Remote::seed();
    let sandbox = sandbox().await;
    let data = tempfile::tempdir().expect("tempdir");
    let config = config(
        Repository::Remote {
            url: remote.url.clone(),
            branch: "main".into(),
        },
        data.path(),
    );
    let reverter = default_reverter(&config);
    let recorded = Arc::new(Recorded::new("a", &Arc::new(Mutex::new(Vec::new()))));
    let running = start(config, sandbox.client(), recorded, reverter).await;
    wait_for(running.status(), "staging synced", |s| {
        s.env("staging").is_some_and(|e| e.phase == Phase::Synced)
    })
    .await;
    // Two broken bumps reach the controller together: reverting the second leaves the
    // first, which is broken too.
    let path = remote.work().join("overlays/staging/kustomization.yaml");
    for tag in ["1.5.0-broken", "1.6.0-broken"] {
        let text = std::fs::read_to_string(&path).expect("read");
        std::fs::write(&path, set_tag(text, API, tag)).expect("write");
        git(
            &remote.work(),
            &[
                "commit",
                "-q",
                "-am",
                &format!("staging: bump api to {tag}"),
            ],
        );
    }
    let second = remote.push();
    running.fetch_now();
    wait_for(
        running.status(),
        "one revert, then a declined rollback",
        |s| {
            s.env("staging")
                .is_some_and(|e| e.rollbacks.len() == 2 && e.phase == Phase::Unhealthy)
        },
    )
    .await;
    let status = running.status().env("staging").expect("staging");
    assert!(
        matches!(&status.rollbacks[0].outcome, RevertOutcome::Reverted { reverted, .. } if *reverted == second),
        "{status:?}"
    );
    let RevertOutcome::Declined { reason } = &status.rollbacks[1].outcome else {
        panic!("the revert was reverted: {status:?}");
    };
    assert!(reason.contains("itself a rollback"), "{reason}");
    // Give a looping controller the chance to misbehave, then count reverts on the remote.
    running.fetch_now();
    tokio::time::sleep(std::time::Duration::from_secs(1)).await;
    let log = remote.log();
    assert_eq!(
        log.iter()
            .filter(|m| m.contains("Converge-Revert-Of"))
            .count(),
        1
    );
    assert_eq!(
        running.status().env("staging").map(|e| e.rollbacks.len()),
        Some(2)
    );
    running.shutdown().await;
}

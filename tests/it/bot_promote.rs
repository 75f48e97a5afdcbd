//! `converge promote` asks the source environment's cluster first: a source whose current
//! inputs are synced and healthy is promoted; one not yet synced, or failing, is refused
//! unless forced, and the commit records the verdict.

use super::support::git;
use super::sync_support::{Repo, converge, sandbox};

const ANALYZER: &str = "registry.example.com/ml/analyzer";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn promote_refuses_an_unsynced_or_failing_source_and_records_a_healthy_one() {
    let env = sandbox().await;
    let repo = Repo::examples();
    git(repo.path(), &["config", "user.name", "Test"]);
    git(repo.path(), &["config", "user.email", "test@example.com"]);
    let kc = env.kubeconfig();
    let promote = ["promote", "--from", "staging", "--to", "production"];

    // Production's policy refuses staging's release candidate: give staging a release.
    let bump = [
        "bump",
        "--env",
        "staging",
        "--image",
        &format!("{ANALYZER}=2.1.0"),
    ];
    let bumped = converge(&repo, None, &bump).await;
    assert_eq!(bumped.code, 0, "{}", bumped.all());

    // Staging was never synced: refused.
    let refused = converge(&repo, Some(&kc), &promote).await;
    assert_ne!(refused.code, 0, "{}", refused.all());
    assert!(refused.all().contains("never synced"), "{}", refused.all());

    // Synced, but the bump is newer than what runs: refused, naming what runs.
    let synced = converge(&repo, Some(&kc), &["sync", "--env", "staging"]).await;
    assert_eq!(synced.code, 0, "{}", synced.all());
    let break_analyzer = [
        "bump",
        "--env",
        "staging",
        "--image",
        &format!("{ANALYZER}=2.2.0-broken"),
    ];
    let bumped = converge(&repo, None, &break_analyzer).await;
    assert_eq!(bumped.code, 0, "{}", bumped.all());
    let refused = converge(&repo, Some(&kc), &promote).await;
    assert_ne!(refused.code, 0, "{}", refused.all());
    assert!(
        refused.all().contains("not the inputs it has on main"),
        "{}",
        refused.all()
    );

    // Synced and failing its rollout: refused, naming the failed Deployment.
    let failed = converge(&repo, Some(&kc), &["sync", "--env", "staging"]).await;
    assert_ne!(failed.code, 0, "{}", failed.all());
    let refused = converge(&repo, Some(&kc), &promote).await;
    assert_ne!(refused.code, 0, "{}", refused.all());
    assert!(
        refused.all().contains("staging-analyzer") && refused.all().contains("Failed"),
        "{}",
        refused.all()
    );
    let head_before = repo.head();

    // Fixed, synced and healthy: promoted, and the commit says so.
    let fix_analyzer = [
        "bump",
        "--env",
        "staging",
        "--image",
        &format!("{ANALYZER}=2.2.0"),
    ];
    let bumped = converge(&repo, None, &fix_analyzer).await;
    assert_eq!(bumped.code, 0, "{}", bumped.all());
    assert_ne!(repo.head(), head_before);
    let synced = converge(&repo, Some(&kc), &["sync", "--env", "staging"]).await;
    assert_eq!(synced.code, 0, "{}", synced.all());
    let promoted = converge(&repo, Some(&kc), &promote).await;
    assert_eq!(promoted.code, 0, "{}", promoted.all());
    let message = git(repo.path(), &["log", "-1", "--format=%B"]);
    assert!(
        message.contains("Converge-Source-Health: healthy"),
        "{message}"
    );
    let production = repo.read("overlays/production/kustomization.yaml");
    assert!(production.contains("2.2.0"), "{production}");
}

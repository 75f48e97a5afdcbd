//! `converge diff`, live against the sandbox and offline between git revisions: exactly the
//! fields that changed, the same answer from both modes, Secret values never shown, the
//! pull-request Markdown, and exit codes 0/1/2.

use base64::Engine;
use serde_json::Value;

use super::sync_support::{Repo, converge, sandbox};

/// A replica count and an image tag changed in the staging overlay.
fn scale_and_bump(repo: &Repo) {
    repo.write(
        "overlays/staging/api-replicas.yaml",
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: api\nspec:\n  replicas: 2\n",
    );
    repo.replace(
        "overlays/staging/kustomization.yaml",
        "  - path: analyzer-resources.yaml\n",
        "  - path: analyzer-resources.yaml\n  - path: api-replicas.yaml\n",
    );
    repo.replace(
        "overlays/staging/kustomization.yaml",
        "newTag: \"1.4.0\"",
        "newTag: \"1.5.0\"",
    );
}

/// (object, action, field paths) of every change in a JSON diff.
fn changes(json: &Value, environment: &str) -> Vec<(String, String, Vec<String>)> {
    let envs = json["environments"].as_array().expect("environments");
    let env = envs
        .iter()
        .find(|e| e["environment"] == environment)
        .unwrap_or_else(|| panic!("no {environment} in {json}"));
    env["changes"]
        .as_array()
        .expect("changes")
        .iter()
        .map(|c| {
            let id = &c["id"];
            (
                format!(
                    "{} {}/{}",
                    id["kind"].as_str().unwrap_or(""),
                    id["namespace"].as_str().unwrap_or(""),
                    id["name"].as_str().unwrap_or("")
                ),
                c["action"].as_str().unwrap_or("").to_string(),
                c["fields"]
                    .as_array()
                    .map(|fs| {
                        fs.iter()
                            .map(|f| f["path"].as_str().unwrap_or("").to_string())
                            .collect()
                    })
                    .unwrap_or_default(),
            )
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn live_and_offline_diffs_show_exactly_the_changed_fields() {
    let env = sandbox().await;
    let repo = Repo::examples();
    let kc = env.kubeconfig();
    let sync = converge(&repo, Some(&kc), &["sync", "--env", "staging"]).await;
    assert_eq!(sync.code, 0, "{}", sync.all());
    scale_and_bump(&repo);

    let expected = vec![(
        "Deployment ml-staging/staging-api".to_string(),
        "Update".to_string(),
        vec![
            "spec.replicas".to_string(),
            "spec.template.spec.containers[name=api].image".to_string(),
        ],
    )];
    let live = converge(
        &repo,
        Some(&kc),
        &["diff", "--env", "staging", "-o", "json"],
    )
    .await;
    assert_eq!(live.code, 1, "{}", live.all());
    let json: Value = serde_json::from_str(&live.stdout).expect("JSON");
    assert_eq!(changes(&json, "staging"), expected);

    let text = converge(&repo, Some(&kc), &["diff", "--env", "staging"]).await;
    assert_eq!(text.code, 1, "{}", text.all());
    assert!(
        text.stdout.contains("-  replicas: 1\n+  replicas: 2\n"),
        "{}",
        text.stdout
    );
    assert!(
        text.stdout
            .contains("-        image: registry.example.com/ml/api:1.4.0\n+        image: registry.example.com/ml/api:1.5.0\n"),
        "{}",
        text.stdout
    );
    assert!(!text.stdout.contains('\x1b'), "colour without a terminal");

    // Offline, from git alone: the same change, and no request reaches the cluster.
    repo.commit("scale and bump the api");
    let requests = env.sandbox.stats().total;
    let offline = converge(&repo, None, &["diff", "--base", "HEAD~1", "-o", "json"]).await;
    assert_eq!(offline.code, 1, "{}", offline.all());
    let json: Value = serde_json::from_str(&offline.stdout).expect("JSON");
    assert_eq!(changes(&json, "staging"), expected);
    let envs: Vec<&str> = json["environments"]
        .as_array()
        .expect("environments")
        .iter()
        .filter_map(|e| e["environment"].as_str())
        .collect();
    assert_eq!(envs, ["staging"], "production's inputs did not change");
    let explicit = converge(
        &repo,
        None,
        &[
            "diff", "--base", "HEAD~1", "--head", "HEAD", "--env", "staging", "-o", "json",
        ],
    )
    .await;
    assert_eq!(explicit.code, 1, "{}", explicit.all());
    let json: Value = serde_json::from_str(&explicit.stdout).expect("JSON");
    assert_eq!(changes(&json, "staging"), expected);
    assert_eq!(
        env.sandbox.stats().total,
        requests,
        "the offline diff talked to the cluster"
    );

    // After syncing, live has no changes: exit 0.
    let sync = converge(&repo, Some(&kc), &["sync", "--env", "staging"]).await;
    assert_eq!(sync.code, 0, "{}", sync.all());
    let clean = converge(&repo, Some(&kc), &["diff", "--env", "staging"]).await;
    assert_eq!(clean.code, 0, "{}", clean.all());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn markdown_for_pull_requests() {
    let repo = Repo::examples();
    scale_and_bump(&repo);
    repo.commit("scale and bump the api");
    let md = converge(&repo, None, &["diff", "--base", "HEAD~1", "-o", "markdown"]).await;
    assert_eq!(md.code, 1, "{}", md.all());
    let text = &md.stdout;
    assert!(
        text.contains("| Environment | Create | Update | Prune | Unchanged | Policies |"),
        "{text}"
    );
    assert!(text.contains("| `staging` | 0 | 1 | 0 | 28 |"), "{text}");
    assert!(text.contains("### Environment `staging`"), "{text}");
    assert!(
        text.contains(
            "<details><summary><code>Deployment.apps ml-staging/staging-api</code> update</summary>"
        ),
        "{text}"
    );
    assert!(text.contains("```diff\n"), "{text}");
    assert!(text.contains("#### Policies"), "{text}");
    assert!(!text.contains("production"), "{text}");

    // A commit that touches no environment's inputs affects none.
    repo.write("README.md", "docs\n");
    repo.commit("docs only");
    let none = converge(&repo, None, &["diff", "--base", "HEAD~1"]).await;
    assert_eq!(none.code, 0, "{}", none.all());
    assert!(
        none.stdout.contains("no environment is affected"),
        "{}",
        none.stdout
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn secret_changes_name_the_key_never_the_value() {
    let env = sandbox().await;
    let repo = Repo::empty();
    let b64 = |s: &str| base64::engine::general_purpose::STANDARD.encode(s);
    let secret = |password: &str, token: &str| {
        format!(
            "apiVersion: v1\nkind: Secret\nmetadata:\n  name: creds\ntype: Opaque\ndata:\n  password: {}\n  user: {}\nstringData:\n  token: {token}\n",
            b64(password),
            b64("admin-user")
        )
    };
    repo.tiny(
        "tiny",
        "tiny",
        &secret("old-pass-7731", "old-token-5512"),
        "",
    );
    repo.commit("secret");
    let kc = env.kubeconfig();
    let sync = converge(&repo, Some(&kc), &["sync", "--env", "tiny"]).await;
    assert_eq!(sync.code, 0, "{}", sync.all());

    repo.write(
        "overlays/tiny/objects.yaml",
        &secret("new-pass-9046", "new-token-3307"),
    );
    let mut outputs = Vec::new();
    for format in ["text", "markdown", "json", "yaml"] {
        let out = converge(&repo, Some(&kc), &["diff", "--env", "tiny", "-o", format]).await;
        assert_eq!(out.code, 1, "{}", out.all());
        assert!(
            out.stdout.contains("password"),
            "the changed key is named:\n{}",
            out.stdout
        );
        outputs.push(out.all());
    }
    let json = converge(&repo, Some(&kc), &["diff", "--env", "tiny", "-o", "json"]).await;
    let parsed: Value = serde_json::from_str(&json.stdout).expect("JSON");
    let fields = &changes(&parsed, "tiny")[0];
    assert_eq!(fields.0, "Secret tiny/creds");
    assert_eq!(fields.2, ["data.password", "stringData.token"]);

    repo.commit("rotate");
    for format in ["text", "markdown", "json"] {
        let out = converge(&repo, None, &["diff", "--base", "HEAD~1", "-o", format]).await;
        assert_eq!(out.code, 1, "{}", out.all());
        assert!(
            out.stdout.contains("password"),
            "the changed key is named:\n{}",
            out.stdout
        );
        outputs.push(out.all());
    }
    for args in [
        vec!["sync", "--env", "tiny", "--dry-run", "-o", "json"],
        vec!["sync", "--env", "tiny", "-o", "json"],
        vec!["status", "--env", "tiny", "-o", "json"],
        vec!["sync", "--env", "tiny", "-v"],
    ] {
        outputs.push(converge(&repo, Some(&kc), &args).await.all());
    }
    for out in &outputs {
        for value in [
            "old-pass-7731",
            "new-pass-9046",
            "old-token-5512",
            "new-token-3307",
            "admin-user",
        ] {
            assert!(!out.contains(value), "{value} leaked:\n{out}");
            assert!(
                !out.contains(&b64(value)),
                "{value} leaked in base64:\n{out}"
            );
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn errors_exit_two() {
    let repo = Repo::examples();
    let missing = converge(&repo, None, &["diff", "--env", "nope", "--base", "HEAD"]).await;
    assert_eq!(missing.code, 2, "{}", missing.all());
    assert!(missing.stderr.contains("nope"), "{}", missing.stderr);
    let no_cluster = converge(&repo, None, &["diff", "--env", "staging"]).await;
    assert_eq!(no_cluster.code, 2, "{}", no_cluster.all());
    let bad_rev = converge(&repo, None, &["diff", "--base", "no-such-rev"]).await;
    assert_eq!(bad_rev.code, 2, "{}", bad_rev.all());
    assert!(bad_rev.stderr.contains("no-such-rev"), "{}", bad_rev.stderr);
}

//! The safety rules of sync against the sandbox: prune removes exactly what left git, a
//! mass prune needs an explicit flag, conflicts and other sets' objects stop the sync
//! before anything is pruned, and injected API faults are retried without losing or
//! wrongly deleting anything.

use converge::diff::Action;
use converge::sandbox::FaultConfig;
use converge::sync::{SyncOptions, SyncResult};
use k8s_openapi::api::apps::v1::Deployment;
use k8s_openapi::api::core::v1::ConfigMap;
use kube::api::{Api, ListParams, Patch, PatchParams};
use serde_json::json;

use super::sync_support::{Repo, config_maps, converge, sandbox, sync_env};

async fn config_map_names(env: &super::sandbox_support::Env, ns: &str) -> Vec<String> {
    let api: Api<ConfigMap> = Api::namespaced(env.sandbox.client(), ns);
    let mut names: Vec<String> = api
        .list(&ListParams::default())
        .await
        .expect("lists")
        .items
        .into_iter()
        .filter_map(|c| c.metadata.name)
        .collect();
    names.sort();
    names
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn removing_a_resource_prunes_it_and_nothing_else() {
    let env = sandbox().await;
    let repo = Repo::examples();
    let kc = env.kubeconfig();
    let first = converge(&repo, Some(&kc), &["sync", "--env", "staging"]).await;
    assert_eq!(first.code, 0, "{}", first.all());
    // An object converge does not manage, in the same namespace.
    let foreign: Api<ConfigMap> = Api::namespaced(env.sandbox.client(), "ml-staging");
    foreign
        .patch(
            "not-ours",
            &PatchParams::apply("someone-else"),
            &Patch::Apply(json!({"apiVersion": "v1", "kind": "ConfigMap",
                "metadata": {"name": "not-ours"}, "data": {"k": "v"}})),
        )
        .await
        .expect("created");

    repo.replace(
        "overlays/base/api/kustomization.yaml",
        "  - network-policy.yaml\n",
        "",
    );
    repo.commit("drop the api network policy");
    let report = sync_env(&env, &repo, "staging", &SyncOptions::default()).await;
    assert_eq!(
        report.result,
        SyncResult::Succeeded,
        "{:?}",
        report.problems
    );
    let pruned: Vec<String> = report.pruned.iter().map(|p| p.id.to_string()).collect();
    assert_eq!(
        pruned,
        ["NetworkPolicy.networking.k8s.io ml-staging/staging-api-ingress"]
    );
    assert!(report.pruned.iter().all(|p| p.error.is_none()));
    let gone = env
        .kubectl(&[
            "get",
            "networkpolicy",
            "staging-api-ingress",
            "-n",
            "ml-staging",
        ])
        .await;
    assert!(!gone.status.success(), "the network policy is still there");
    let left = env
        .ok(&["get", "networkpolicy", "-n", "ml-staging", "-o", "name"])
        .await;
    assert_eq!(left.lines().count(), 4, "{left}");
    assert!(
        config_map_names(&env, "ml-staging")
            .await
            .contains(&"not-ours".to_string())
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mass_prune_is_refused_without_the_flag() {
    let env = sandbox().await;
    let repo = Repo::empty();
    repo.tiny("tiny", "tiny", &config_maps(6), "");
    repo.commit("six config maps");
    let kc = env.kubeconfig();
    let out = converge(&repo, Some(&kc), &["sync", "--env", "tiny"]).await;
    assert_eq!(out.code, 0, "{}", out.all());

    // 7 members (6 ConfigMaps and the Namespace); dropping 5 is over the 50% budget.
    repo.write("overlays/tiny/objects.yaml", &config_maps(1));
    repo.commit("almost everything gone");
    let writes = env.sandbox.stats().writes;
    let refused = converge(&repo, Some(&kc), &["sync", "--env", "tiny"]).await;
    assert_ne!(refused.code, 0, "{}", refused.all());
    assert!(
        refused.all().contains("--allow-mass-prune"),
        "{}",
        refused.all()
    );
    assert!(
        refused.stdout.contains("result: PruneRefused"),
        "{}",
        refused.stdout
    );
    assert_eq!(env.sandbox.stats().writes, writes, "a refused sync wrote");
    assert_eq!(
        config_map_names(&env, "tiny").await.len(),
        6,
        "a refused prune deleted"
    );

    let allowed = converge(
        &repo,
        Some(&kc),
        &["sync", "--env", "tiny", "--allow-mass-prune"],
    )
    .await;
    assert_eq!(allowed.code, 0, "{}", allowed.all());
    let names = config_map_names(&env, "tiny").await;
    assert!(names.contains(&"cm-0".to_string()), "{names:?}");
    assert!(
        !names.iter().any(|n| n == "cm-1" || n == "cm-5"),
        "{names:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn conflicts_name_the_other_manager_and_stop_the_prune() {
    let env = sandbox().await;
    let repo = Repo::examples();
    let kc = env.kubeconfig();
    let out = converge(&repo, Some(&kc), &["sync", "--env", "staging"]).await;
    assert_eq!(out.code, 0, "{}", out.all());
    // Another manager takes spec.replicas with server-side apply.
    let deployments: Api<Deployment> = Api::namespaced(env.sandbox.client(), "ml-staging");
    deployments
        .patch(
            "staging-api",
            &PatchParams::apply("kubectl-edit").force(),
            &Patch::Apply(json!({"apiVersion": "apps/v1", "kind": "Deployment",
                "metadata": {"name": "staging-api"}, "spec": {"replicas": 3}})),
        )
        .await
        .expect("taken over");
    // And a resource leaves git, which must then not be pruned.
    repo.replace(
        "overlays/base/api/kustomization.yaml",
        "  - network-policy.yaml\n",
        "",
    );
    repo.commit("drop the api network policy");

    let diff = converge(&repo, Some(&kc), &["diff", "--env", "staging"]).await;
    assert_eq!(diff.code, 1, "{}", diff.all());
    assert!(diff.stdout.contains("conflict: Deployment.apps ml-staging/staging-api: fields owned by \"kubectl-edit\": .spec.replicas"), "{}", diff.stdout);

    let sync = converge(&repo, Some(&kc), &["sync", "--env", "staging"]).await;
    assert_ne!(sync.code, 0, "{}", sync.all());
    assert!(
        sync.stdout.contains("result: ApplyFailed"),
        "{}",
        sync.stdout
    );
    assert!(sync.stdout.contains("kubectl-edit"), "{}", sync.stdout);
    let still = env
        .kubectl(&[
            "get",
            "networkpolicy",
            "staging-api-ingress",
            "-n",
            "ml-staging",
        ])
        .await;
    assert!(still.status.success(), "pruned despite a failed apply");
    let replicas = deployments
        .get("staging-api")
        .await
        .expect("exists")
        .spec
        .replicas;
    assert_eq!(replicas, Some(3));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn objects_of_another_applyset_are_not_taken_over() {
    let env = sandbox().await;
    let repo = Repo::empty();
    repo.tiny("tiny", "tiny", &config_maps(2), "");
    repo.commit("two");
    let report = sync_env(&env, &repo, "tiny", &SyncOptions::default()).await;
    assert_eq!(
        report.result,
        SyncResult::Succeeded,
        "{:?}",
        report.problems
    );
    let api: Api<ConfigMap> = Api::namespaced(env.sandbox.client(), "tiny");
    api.patch(
        "cm-1",
        &PatchParams::apply("other-tool").force(),
        &Patch::Apply(
            json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "cm-1",
            "labels": {"applyset.kubernetes.io/part-of": "applyset-somebody-else-v1"}}}),
        ),
    )
    .await
    .expect("relabelled");
    let report = sync_env(&env, &repo, "tiny", &SyncOptions::default()).await;
    assert_eq!(report.result, SyncResult::ApplyFailed);
    assert!(
        report
            .problems
            .iter()
            .any(|p| p.contains("ConfigMap tiny/cm-1") && p.contains("another ApplySet")),
        "{:?}",
        report.problems
    );
    let label = api
        .get("cm-1")
        .await
        .expect("exists")
        .metadata
        .labels
        .unwrap_or_default();
    assert_eq!(
        label
            .get("applyset.kubernetes.io/part-of")
            .map(String::as_str),
        Some("applyset-somebody-else-v1")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_parent_of_another_tool_is_refused() {
    let env = sandbox().await;
    let repo = Repo::empty();
    repo.tiny("tiny", "tiny", &config_maps(1), "");
    repo.commit("one");
    // kubectl makes an ApplySet with the parent converge would use.
    env.ok(&["create", "namespace", "tiny"]).await;
    let manifest = env.file(
        "cm.yaml",
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: kubectls\n  namespace: tiny\n",
    );
    let out = env
        .kubectl_env(
            &[
                "apply",
                "--server-side",
                "--prune",
                "--applyset=converge-tiny",
                "-n",
                "tiny",
                "-f",
                manifest.to_str().expect("UTF-8 path"),
            ],
            &[("KUBECTL_APPLYSET", "true")],
        )
        .await;
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let sync = converge(&repo, Some(&env.kubeconfig()), &["sync", "--env", "tiny"]).await;
    assert_eq!(sync.code, 2, "{}", sync.all());
    assert!(
        sync.stderr.contains("managed by tooling \"kubectl/"),
        "{}",
        sync.stderr
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn converges_under_injected_faults() {
    let env = sandbox().await;
    let repo = Repo::examples();
    env.sandbox.set_faults(FaultConfig {
        error_rate: 0.1,
        error_status: 500,
        ..FaultConfig::default()
    });
    let first = sync_env(&env, &repo, "staging", &SyncOptions::default()).await;
    assert_eq!(first.result, SyncResult::Succeeded, "{:?}", first.problems);
    let created = first
        .changes
        .changes
        .iter()
        .filter(|c| c.action == Action::Create)
        .count();
    assert_eq!(first.applied.len(), created);

    // Some 429s with Retry-After too; remove one resource: exactly it goes.
    env.sandbox.set_faults(FaultConfig {
        error_rate: 0.05,
        error_status: 429,
        retry_after_seconds: 1,
        ..FaultConfig::default()
    });
    repo.replace(
        "overlays/base/api/kustomization.yaml",
        "  - network-policy.yaml\n",
        "",
    );
    repo.commit("drop the api network policy");
    let second = sync_env(&env, &repo, "staging", &SyncOptions::default()).await;
    assert_eq!(
        second.result,
        SyncResult::Succeeded,
        "{:?}",
        second.problems
    );
    assert_eq!(second.pruned.len(), 1);
    assert!(first.retries + second.retries > 0, "no fault was retried");
    assert!(env.sandbox.stats().faults > 0);

    env.sandbox.set_faults(FaultConfig::default());
    let check = sync_env(&env, &repo, "staging", &SyncOptions::default()).await;
    assert!(
        !check.changes.has_changes(),
        "{:?}",
        check.changes.summary()
    );
    let objects = env
        .ok(&[
            "get",
            "all,cm,secret,netpol,pdb,hpa,sa",
            "-n",
            "ml-staging",
            "-o",
            "name",
        ])
        .await;
    assert!(objects.contains("deployment.apps/staging-api"), "{objects}");
    assert!(!objects.contains("staging-api-ingress"), "{objects}");
    assert!(objects.contains("staging-auth-ingress"), "{objects}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_policy_denial_stops_sync_before_any_write() {
    let env = sandbox().await;
    let repo = Repo::examples();
    let kc = env.kubeconfig();
    // `latest` is refused by the example image-tags policy.
    repo.replace(
        "overlays/staging/kustomization.yaml",
        "newTag: \"1.4.0\"",
        "newTag: latest",
    );
    repo.commit("staging: api on latest");
    let before = env.sandbox.stats().writes;
    let run = converge(&repo, Some(&kc), &["sync", "--env", "staging"]).await;
    assert_ne!(run.code, 0, "a denied sync must fail:\n{}", run.all());
    assert!(
        run.all().contains("latest"),
        "the denial names the problem:\n{}",
        run.all()
    );
    assert_eq!(
        env.sandbox.stats().writes,
        before,
        "nothing written to the cluster"
    );

    let check = converge(&repo, None, &["check", "--env", "staging"]).await;
    assert_eq!(
        check.code,
        1,
        "check reports the same denial:\n{}",
        check.all()
    );
}

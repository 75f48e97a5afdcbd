//! Crafted overlays violating one example policy each, exceptions by annotation, and the
//! `converge check` command's exit codes, test mode and output formats.

use serde_json::json;

use super::{
    GOOD_APP, assert_only_violation, check, check_json, crafted_repo, json_findings, write,
};

// ---- one violation each ----

#[test]
fn the_crafted_good_app_passes_everywhere() {
    let repo = crafted_repo(GOOD_APP);
    for env in ["staging", "production"] {
        let (code, value) = check_json(repo.path(), env);
        assert_eq!(json_findings(&value), vec![], "{env}: {value:#}");
        assert_eq!(code, 0);
    }
}

#[test]
fn missing_limits_violate_resources() {
    assert_only_violation(
        "staging",
        &GOOD_APP.replace("            memory: 128Mi\n", ""),
        "resources",
        "container \"app\" has no resources.limits.memory",
    );
}

#[test]
fn root_containers_violate_run_as_non_root() {
    assert_only_violation(
        "production",
        &GOOD_APP.replace("runAsNonRoot: true", "runAsNonRoot: false"),
        "run-as-non-root",
        "container \"app\" may run as root: set securityContext.runAsNonRoot: true",
    );
}

#[test]
fn a_writable_root_filesystem_violates_read_only_root_filesystem() {
    assert_only_violation(
        "staging",
        &GOOD_APP.replace(
            "readOnlyRootFilesystem: true",
            "readOnlyRootFilesystem: false",
        ),
        "read-only-root-filesystem",
        "container \"app\" has a writable root filesystem: set \
         securityContext.readOnlyRootFilesystem: true",
    );
}

#[test]
fn a_missing_probe_violates_probes() {
    let app = GOOD_APP.replace(
        "        readinessProbe:\n          httpGet:\n            path: /readyz\n            port: 8080\n",
        "",
    );
    assert_only_violation(
        "production",
        &app,
        "probes",
        "container \"app\" has no readinessProbe",
    );
}

#[test]
fn latest_and_untagged_images_violate_image_tags() {
    assert_only_violation(
        "staging",
        &GOOD_APP.replace("team/app:1.0.0", "team/app:latest"),
        "image-tags",
        "container \"app\" uses the mutable tag :latest \
         (registry.example.com/team/app:latest): pin a version",
    );
    assert_only_violation(
        "production",
        &GOOD_APP.replace("team/app:1.0.0", "team/app"),
        "image-tags",
        "container \"app\" image registry.example.com/team/app has no tag: pin a version",
    );
    // A digest pins the image whatever the tag says.
    let repo = crafted_repo(&GOOD_APP.replace(
        "team/app:1.0.0",
        "team/app:latest@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
    ));
    assert_eq!(json_findings(&check_json(repo.path(), "staging").1), vec![]);
}

#[test]
fn host_paths_and_privileged_containers_violate_host_access() {
    let app = GOOD_APP.replace(
        "      containers:\n",
        "      volumes:\n      - name: docker\n        hostPath:\n          path: /var/run/docker.sock\n      containers:\n",
    );
    assert_only_violation(
        "staging",
        &app,
        "host-access",
        "volume \"docker\" mounts the host path /var/run/docker.sock",
    );
    assert_only_violation(
        "production",
        &GOOD_APP.replace(
            "          readOnlyRootFilesystem: true\n",
            "          readOnlyRootFilesystem: true\n          privileged: true\n",
        ),
        "host-access",
        "container \"app\" is privileged",
    );
}

#[test]
fn load_balancers_are_denied_outside_production() {
    let app = GOOD_APP.replace("type: ClusterIP", "type: LoadBalancer");
    assert_only_violation(
        "staging",
        &app,
        "load-balancer",
        "Service of type LoadBalancer in environment \"staging\": only production may have \
         one (use ClusterIP behind the ingress)",
    );
    let repo = crafted_repo(&app);
    let (code, value) = check_json(repo.path(), "production");
    assert_eq!((code, json_findings(&value)), (0, vec![]), "{value:#}");
}

#[test]
fn too_few_replicas_violate_replicas_in_production_only() {
    let app = GOOD_APP.replace("  replicas: 3\n", "  replicas: 2\n");
    assert_only_violation(
        "production",
        &app,
        "replicas",
        "2 replicas: production runs at least 3",
    );
    let repo = crafted_repo(&app);
    assert_eq!(json_findings(&check_json(repo.path(), "staging").1), vec![]);
}

#[test]
fn a_deployment_without_pdb_or_hpa_violates_those_policies_in_production() {
    let without = |kind: &str| {
        GOOD_APP
            .split("---\n")
            .filter(|doc| !doc.contains(&format!("kind: {kind}\n")))
            .collect::<Vec<_>>()
            .join("---\n")
    };
    assert_only_violation(
        "production",
        &without("PodDisruptionBudget"),
        "pod-disruption-budget",
        "Deployment app has no PodDisruptionBudget selecting its pods",
    );
    assert_only_violation(
        "production",
        &without("HorizontalPodAutoscaler"),
        "autoscaler",
        "Deployment app has no HorizontalPodAutoscaler",
    );
    // A budget that selects other pods does not count.
    assert_only_violation(
        "production",
        &GOOD_APP.replace(
            "  minAvailable: 2\n  selector:\n    matchLabels:\n      app: app",
            "  minAvailable: 2\n  selector:\n    matchLabels:\n      app: other",
        ),
        "pod-disruption-budget",
        "Deployment app has no PodDisruptionBudget selecting its pods",
    );
    // Whole-environment findings name the object they are about.
    let repo = crafted_repo(&without("HorizontalPodAutoscaler"));
    let (_, value) = check_json(repo.path(), "production");
    assert_eq!(
        value["environments"][0]["findings"][0]["object"],
        json!({"apiVersion": "apps/v1", "kind": "Deployment", "namespace": "ml-production", "name": "app"})
    );
}

#[test]
fn an_unapproved_registry_only_warns() {
    let repo =
        crafted_repo(&GOOD_APP.replace("registry.example.com/team/app", "docker.io/team/app"));
    let (code, value) = check_json(repo.path(), "production");
    assert_eq!(
        json_findings(&value),
        vec![(
            "warn".to_string(),
            "image-registry".to_string(),
            "container \"app\" image docker.io/team/app:1.0.0 is not from an approved registry \
             (registry.example.com)"
                .to_string()
        )]
    );
    assert_eq!(code, 0, "warnings alone exit 0");
}

// ---- exceptions ----

fn annotated(annotation: &str) -> String {
    GOOD_APP
        .replacen(
            "  labels:\n    app: app\n",
            &format!("  labels:\n    app: app\n  annotations:\n    policy.converge.dev/exceptions: \"{annotation}\"\n"),
            1,
        )
        .replace("team/app:1.0.0", "team/app:latest")
}

#[test]
fn an_exception_with_a_reason_covers_the_policy_it_names() {
    let repo = crafted_repo(&annotated("image-tags: the vendor publishes latest only"));
    let (code, value) = check_json(repo.path(), "production");
    assert_eq!(code, 0, "{value:#}");
    assert_eq!(json_findings(&value), vec![]);
    let finding = &value["environments"][0]["findings"][0];
    assert_eq!(finding["policy"], "image-tags");
    assert_eq!(finding["exception"], "the vendor publishes latest only");
    // Other policies still apply to the object.
    let repo = crafted_repo(
        &annotated("probes: a batch worker").replace("runAsNonRoot: true", "runAsNonRoot: false"),
    );
    let policies: Vec<String> = json_findings(&check_json(repo.path(), "production").1)
        .into_iter()
        .map(|(_, policy, _)| policy)
        .collect();
    assert_eq!(policies, vec!["image-tags", "run-as-non-root"]);
}

#[test]
fn an_exception_without_a_reason_is_itself_a_deny() {
    let repo = crafted_repo(&annotated("image-tags"));
    let (code, value) = check_json(repo.path(), "staging");
    assert_eq!(code, 1);
    let policies: Vec<String> = json_findings(&value)
        .into_iter()
        .map(|(_, p, _)| p)
        .collect();
    assert_eq!(policies, vec!["exceptions", "image-tags"], "{value:#}");
}

#[test]
fn exceptions_can_be_switched_off_per_environment() {
    let repo = crafted_repo(&annotated("image-tags: the vendor publishes latest only"));
    let env = repo.path().join("environments/production.yaml");
    let text = std::fs::read_to_string(&env).expect("env file");
    assert!(text.contains("    allowExceptions: true\n"), "{text}");
    std::fs::write(
        &env,
        text.replace(
            "    allowExceptions: true\n",
            "    allowExceptions: false\n",
        ),
    )
    .expect("write");
    let (code, value) = check_json(repo.path(), "production");
    assert_eq!(code, 1);
    let severities: Vec<(String, String)> = json_findings(&value)
        .into_iter()
        .map(|(s, p, _)| (s, p))
        .collect();
    assert_eq!(
        severities,
        vec![
            ("warn".to_string(), "exceptions".to_string()),
            ("deny".to_string(), "image-tags".to_string())
        ]
    );
}

#[test]
fn a_broken_policy_makes_check_exit_2_naming_the_file() {
    let repo = crafted_repo(GOOD_APP);
    write(
        repo.path(),
        "policies/common/broken.rego",
        "package main\n\ndeny[msg] {\n  msg := \n",
    );
    let out = check(repo.path(), &["--env", "staging"]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("policies/common/broken.rego:"), "{stderr}");
}

// ---- policy unit tests and output formats ----

#[test]
fn check_test_runs_the_policy_tests_and_fails_on_a_failing_one() {
    let repo = crafted_repo(GOOD_APP);
    let out = check(repo.path(), &["--test"]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{stdout}");
    assert!(
        stdout.contains("PASS") && !stdout.contains("FAIL"),
        "{stdout}"
    );
    write(
        repo.path(),
        "policies/common/wrong_test.rego",
        "package main\nimport rego.v1\ntest_wrong if {\n  count(deny) == 1 with input as {\"kind\": \"Pod\"}\n}\n",
    );
    let out = check(repo.path(), &["--test", "--env", "staging"]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{stdout}");
    assert!(
        stdout.contains("FAIL   policies/common/wrong_test.rego:3 data.main.test_wrong"),
        "{stdout}"
    );
}

#[test]
fn check_writes_text_and_markdown() {
    let repo = crafted_repo(&GOOD_APP.replace("team/app:1.0.0", "team/app:latest"));
    let out = check(repo.path(), &["--env", "staging"]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "DENY     staging Deployment ml-staging/app [image-tags main.deny]: container \"app\" \
         uses the mutable tag :latest (registry.example.com/team/app:latest): pin a version\n\
         staging: 1 denied, 0 warnings, 0 excepted (4 objects, 8 policy files)\n"
    );
    let out = check(repo.path(), &["--output", "markdown"]);
    let md = String::from_utf8_lossy(&out.stdout);
    assert!(md.contains("#### Policy check: `production`"), "{md}");
    assert!(
        md.contains("| **deny** | `Deployment ml-staging/app` | `image-tags` (`main.deny`) |"),
        "{md}"
    );
}

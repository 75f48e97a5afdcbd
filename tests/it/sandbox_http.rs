//! The sandbox's protocol surface and restarts: discovery (raw and through kube-rs), exact
//! Status bodies and content types, OpenAPI, bad and oversized bodies, expired and
//! bookmarked watches, injected faults (never on discovery) and persisted state.

use converge::sandbox::{FaultConfig, SandboxConfig};
use k8s_openapi::api::core::v1::ConfigMap;
use kube::api::{Api, PostParams};
use serde_json::{Value, json};

use super::sandbox_support::{Env, header};

fn cm(name: &str) -> ConfigMap {
    serde_json::from_value(
        json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": name}}),
    )
    .expect("a ConfigMap")
}

#[tokio::test]
async fn raw_http_status_bodies_discovery_and_watch_errors() {
    let env = Env::start().await;
    let aggregated =
        "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json";
    let (code, headers, body) = env.raw("GET", "/apis", &[("Accept", aggregated)], "").await;
    assert_eq!(code, 200);
    assert_eq!(
        header(&headers, "content-type"),
        Some("application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList")
    );
    assert!(body.contains(r#""shortNames":["deploy"]"#));
    assert_eq!(env.raw("GET", "/openapi/v2", &[], "").await.0, 404);
    let (_, _, root) = env.raw("GET", "/openapi/v3", &[], "").await;
    assert!(root.contains("/openapi/v3/apis/apps/v1?hash="));
    let (code, _, body) = env
        .raw("GET", "/apis/apps/v1/namespaces/x/deployments/web", &[], "")
        .await;
    let v: Value = serde_json::from_str(&body).expect("Status JSON");
    assert_eq!(code, 404);
    assert_eq!(
        v,
        json!({"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure",
        "message":"deployments.apps \"web\" not found","reason":"NotFound",
        "details":{"name":"web","group":"apps","kind":"deployments"},"code":404})
    );
    let (code, _, body) = env
        .raw(
            "POST",
            "/api/v1/namespaces/default/configmaps",
            &[("Content-Type", "application/json")],
            "{not json",
        )
        .await;
    assert_eq!(code, 400);
    assert!(body.contains(r#""reason":"BadRequest""#));
    let (code, _, _) = env
        .raw(
            "PATCH",
            "/api/v1/namespaces/default/configmaps/x",
            &[("Content-Type", "text/plain")],
            "{}",
        )
        .await;
    assert_eq!(code, 415);
    let (code, _, body) = env
        .raw(
            "POST",
            "/api/v1/namespaces/default/configmaps",
            &[],
            r#"{"metadata":{}}"#,
        )
        .await;
    assert_eq!(code, 422);
    assert!(body.contains("name or generateName is required"));
    let (code, _, _) = env
        .raw(
            "GET",
            "/api/v1/namespaces/default/configmaps?&&limit=5&",
            &[],
            "",
        )
        .await;
    assert_eq!(code, 200, "kube-rs style query strings are tolerated");
    let big = format!(
        r#"{{"metadata":{{"name":"big"}},"data":{{"k":"{}"}}}}"#,
        "x".repeat(4 * 1024 * 1024)
    );
    assert_eq!(
        env.raw("POST", "/api/v1/namespaces/default/configmaps", &[], &big)
            .await
            .0,
        413
    );
    env.raw(
        "POST",
        "/api/v1/namespaces/default/configmaps",
        &[],
        r#"{"metadata":{"name":"a"}}"#,
    )
    .await;
    env.sandbox.compact_history();
    let (code, _, body) = env
        .raw(
            "GET",
            "/api/v1/namespaces/default/configmaps?watch=true&resourceVersion=1",
            &[],
            "",
        )
        .await;
    assert_eq!(code, 200, "an expired watch still answers 200");
    assert!(
        body.contains(r#""type":"ERROR""#)
            && body.contains(r#""code":410"#)
            && body.contains("too old resource version"),
        "{body}"
    );
    let (code, _, body) = env.raw("GET", "/api/v1/namespaces/default/configmaps?watch=1&timeoutSeconds=1&allowWatchBookmarks=true", &[], "").await;
    assert_eq!(code, 200);
    assert!(
        body.contains(r#""type":"ADDED""#) && body.contains(r#""type":"BOOKMARK""#),
        "{body}"
    );
}

#[tokio::test]
async fn faults_spare_discovery_and_hit_resources() {
    let env = Env::start().await;
    env.sandbox.set_faults(FaultConfig {
        error_rate: 1.0,
        error_status: 429,
        retry_after_seconds: 3,
        ..FaultConfig::default()
    });
    assert_eq!(env.raw("GET", "/version", &[], "").await.0, 200);
    assert_eq!(env.raw("GET", "/api", &[], "").await.0, 200);
    assert_eq!(env.raw("GET", "/openapi/v3", &[], "").await.0, 200);
    let (code, headers, _) = env.raw("GET", "/api/v1/namespaces", &[], "").await;
    assert_eq!(code, 429);
    assert_eq!(header(&headers, "retry-after"), Some("3"));
    env.sandbox.set_faults(FaultConfig {
        error_rate: 1.0,
        error_status: 500,
        ..FaultConfig::default()
    });
    assert_eq!(env.raw("GET", "/api/v1/namespaces", &[], "").await.0, 500);
    assert!(env.sandbox.stats().faults >= 2);
    env.sandbox.set_faults(FaultConfig::default());
    assert_eq!(env.raw("GET", "/api/v1/namespaces", &[], "").await.0, 200);
}

#[tokio::test]
async fn state_survives_a_restart() {
    let state = tempfile::tempdir().expect("temp dir");
    let config = || SandboxConfig {
        state_dir: Some(state.path().to_path_buf()),
        ..SandboxConfig::default()
    };
    let env = Env::start_with(config()).await;
    let api: Api<ConfigMap> = Api::namespaced(env.sandbox.client(), "default");
    api.create(&PostParams::default(), &cm("kept"))
        .await
        .expect("created");
    let rv = env.sandbox.resource_version();
    env.sandbox.shutdown().await;
    let env = Env::start_with(config()).await;
    let api: Api<ConfigMap> = Api::namespaced(env.sandbox.client(), "default");
    api.get("kept").await.expect("reloaded");
    let next = api
        .create(&PostParams::default(), &cm("next"))
        .await
        .expect("created");
    let next_rv: u64 = next
        .metadata
        .resource_version
        .as_deref()
        .unwrap_or("0")
        .parse()
        .expect("numeric");
    assert!(
        next_rv > rv,
        "resourceVersion keeps growing across restarts"
    );
}

#[tokio::test]
async fn field_validation_warns_or_refuses_unknown_fields() {
    let env = Env::start().await;
    let body = r#"{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"w"},"bogus":1}"#;
    let json = [("Content-Type", "application/json")];
    let (code, headers, _) = env
        .raw(
            "POST",
            "/api/v1/namespaces/default/configmaps?fieldValidation=Warn",
            &json,
            body,
        )
        .await;
    assert_eq!(code, 201);
    assert_eq!(
        header(&headers, "warning"),
        Some(r#"299 - "unknown field \"bogus\"""#)
    );
    let body = body.replace("\"w\"", "\"s\"");
    let (code, _, text) = env
        .raw(
            "POST",
            "/api/v1/namespaces/default/configmaps?fieldValidation=Strict",
            &json,
            &body,
        )
        .await;
    assert_eq!(code, 400, "{text}");
}

#[tokio::test]
async fn kube_discovery_legacy_and_aggregated() {
    let env = Env::start().await;
    for aggregated in [false, true] {
        let discovery = kube::Discovery::new(env.sandbox.client());
        let discovery = if aggregated {
            discovery.run_aggregated().await
        } else {
            discovery.run().await
        };
        let discovery = discovery.expect("discovery runs");
        let apps = discovery.get("apps").expect("apps group");
        let (ar, caps) = apps
            .recommended_kind("Deployment")
            .expect("deployments served");
        assert_eq!(ar.plural, "deployments");
        assert_eq!(caps.scope, kube::discovery::Scope::Namespaced);
        assert!(
            caps.subresources
                .iter()
                .any(|(sub, _)| sub.plural.ends_with("status")),
            "{:?}",
            caps.subresources
        );
        let core = discovery.get("").expect("core group");
        assert!(core.recommended_kind("ConfigMap").is_some());
        let autoscaling = discovery.get("autoscaling").expect("autoscaling");
        assert_eq!(autoscaling.preferred_version_or_latest(), "v2");
    }
}

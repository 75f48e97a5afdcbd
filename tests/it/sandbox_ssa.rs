//! Server-side apply semantics seen through kubectl: managedFields in `get`, conflicts with
//! the owning manager named, `--force-conflicts` moving ownership, and fields a manager stops
//! applying disappearing unless another manager owns them. These need the real SSA engine.

use k8s_openapi::api::core::v1::ConfigMap;
use kube::api::{Api, Patch, PatchParams};
use serde_json::json;

use super::sandbox_support::{DEPLOYMENT, Env};

fn s(p: &std::path::Path) -> &str {
    p.to_str().expect("temp paths are UTF-8")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ssa_get_shows_managed_fields() {
    let env = Env::start().await;
    let f = env.file("d.yaml", DEPLOYMENT);
    env.ok(&[
        "apply",
        "--server-side",
        "--field-manager=test",
        "-f",
        s(&f),
    ])
    .await;
    let yaml = env
        .ok(&[
            "get",
            "deploy",
            "web",
            "-n",
            "x",
            "-o",
            "yaml",
            "--show-managed-fields",
        ])
        .await;
    assert!(yaml.contains("managedFields:"), "{yaml}");
    assert!(
        yaml.contains("manager: test") && yaml.contains("operation: Apply"),
        "{yaml}"
    );
    assert!(
        yaml.contains(r#"k:{"containerPort":80,"protocol":"TCP"}"#),
        "{yaml}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ssa_conflict_then_force_moves_ownership() {
    let env = Env::start().await;
    let f = env.file("d.yaml", DEPLOYMENT);
    env.ok(&[
        "apply",
        "--server-side",
        "--field-manager=owner",
        "-f",
        s(&f),
    ])
    .await;
    env.ok(&[
        "-n",
        "x",
        "patch",
        "deploy",
        "web",
        "-p",
        r#"{"spec":{"replicas":7}}"#,
    ])
    .await;
    let f2 = env.file("d2.yaml", &DEPLOYMENT.replace("replicas: 2", "replicas: 3"));
    let out = env
        .kubectl(&[
            "apply",
            "--server-side",
            "--field-manager=other",
            "-f",
            s(&f2),
        ])
        .await;
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(
        err.contains(r#"conflict with "kubectl-patch""#) && err.contains(".spec.replicas"),
        "{err}"
    );
    env.ok(&[
        "apply",
        "--server-side",
        "--field-manager=other",
        "--force-conflicts",
        "-f",
        s(&f2),
    ])
    .await;
    let yaml = env
        .ok(&[
            "get",
            "deploy",
            "web",
            "-n",
            "x",
            "-o",
            "json",
            "--show-managed-fields",
        ])
        .await;
    let v: serde_json::Value = serde_json::from_str(&yaml).expect("JSON");
    assert_eq!(v["spec"]["replicas"], 3);
    let owns_replicas = |m: &str| {
        v["metadata"]["managedFields"]
            .as_array()
            .into_iter()
            .flatten()
            .any(|e| e["manager"] == m && e["fieldsV1"]["f:spec"].get("f:replicas").is_some())
    };
    assert!(owns_replicas("other"));
    assert!(!owns_replicas("kubectl-patch"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ssa_dropped_field_goes_unless_another_manager_owns_it() {
    let env = Env::start().await;
    let cm = |labels: &str| {
        format!(
            "apiVersion: v1\nkind: ConfigMap\nmetadata: {{name: c, labels: {{{labels}}}}}\ndata: {{k: v}}\n"
        )
    };
    let f = env.file("c.yaml", &cm("a: '1', b: '1', c: '1'"));
    env.ok(&[
        "apply",
        "--server-side",
        "--field-manager=first",
        "-f",
        s(&f),
    ])
    .await;
    let g = env.file("g.yaml", &cm("c: '1'"));
    env.ok(&[
        "apply",
        "--server-side",
        "--field-manager=second",
        "-f",
        s(&g),
    ])
    .await;
    std::fs::write(&f, cm("a: '1'")).expect("rewritten");
    env.ok(&[
        "apply",
        "--server-side",
        "--field-manager=first",
        "-f",
        s(&f),
    ])
    .await;
    let labels = env
        .ok(&["get", "cm", "c", "-o", "jsonpath={.metadata.labels}"])
        .await;
    let v: serde_json::Value = serde_json::from_str(&labels).expect("JSON");
    assert_eq!(
        v,
        serde_json::json!({"a": "1", "c": "1"}),
        "b dropped; c kept by `second`"
    );
}

fn api_code(err: kube::Error) -> (u16, String, String) {
    match err {
        kube::Error::Api(s) => (s.code, s.reason.clone(), s.message.clone()),
        other => panic!("expected an API error, got {other}"),
    }
}

#[tokio::test]
async fn ssa_kube_apply_conflict_and_force() {
    let env = Env::start().await;
    let api: Api<ConfigMap> = Api::namespaced(env.sandbox.client(), "default");
    let first = json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c"}, "data": {"k": "one"}});
    api.patch("c", &PatchParams::apply("first"), &Patch::Apply(&first))
        .await
        .expect("applied");
    let second = json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c"}, "data": {"k": "two"}});
    let err = api
        .patch("c", &PatchParams::apply("second"), &Patch::Apply(&second))
        .await
        .expect_err("conflict");
    let (code, reason, message) = api_code(err);
    assert_eq!((code, reason.as_str()), (409, "Conflict"));
    assert!(
        message.contains(r#"conflict with "first""#) && message.contains(".data.k"),
        "{message}"
    );
    let forced = api
        .patch(
            "c",
            &PatchParams::apply("second").force(),
            &Patch::Apply(&second),
        )
        .await
        .expect("forced");
    assert_eq!(
        forced.data.and_then(|d| d.get("k").cloned()).as_deref(),
        Some("two")
    );
}

//! The sandbox against kubectl, an independent client: discovery, server-side apply (dry
//! run, conflicts, force, field removal), diff, every patch type, delete and wait, watch,
//! rollout status, ApplySet pruning and custom resources.

use super::sandbox_support::{DEPLOYMENT, Env};

fn s(p: &std::path::Path) -> &str {
    p.to_str().expect("temp paths are UTF-8")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kubectl_server_side_apply_and_dry_run() {
    let env = Env::start().await;
    let f = env.file("d.yaml", DEPLOYMENT);
    let out = env
        .ok(&[
            "apply",
            "--server-side",
            "--field-manager=test",
            "-f",
            s(&f),
        ])
        .await;
    assert!(
        out.contains("deployment.apps/web serverside-applied"),
        "{out}"
    );
    // Let the simulated controller write its status first: it changes resourceVersion.
    env.ok(&[
        "-n",
        "x",
        "rollout",
        "status",
        "deploy/web",
        "--timeout=20s",
    ])
    .await;
    let rv = env
        .ok(&[
            "get",
            "deploy",
            "web",
            "-n",
            "x",
            "-o",
            "jsonpath={.metadata.resourceVersion}",
        ])
        .await;
    let f2 = env.file("d2.yaml", &DEPLOYMENT.replace("replicas: 2", "replicas: 5"));
    let out = env
        .ok(&[
            "apply",
            "--server-side",
            "--field-manager=test",
            "--dry-run=server",
            "-f",
            s(&f2),
        ])
        .await;
    assert!(out.contains("(server dry run)"), "{out}");
    let after = env
        .ok(&[
            "get",
            "deploy",
            "web",
            "-n",
            "x",
            "-o",
            "jsonpath={.metadata.resourceVersion} {.spec.replicas}",
        ])
        .await;
    assert_eq!(
        after,
        format!("{rv} 2"),
        "a server dry run persisted nothing"
    );
    env.ok(&[
        "apply",
        "--server-side",
        "--field-manager=test",
        "-f",
        s(&f2),
    ])
    .await;
    let replicas = env
        .ok(&[
            "get",
            "deploy",
            "web",
            "-n",
            "x",
            "-o",
            "jsonpath={.spec.replicas} {.metadata.generation}",
        ])
        .await;
    assert_eq!(replicas, "5 2");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kubectl_diff_server_side_exit_codes() {
    let env = Env::start().await;
    let cm = env.file(
        "cm.yaml",
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c, namespace: default}\ndata: {k: v}\n",
    );
    let out = env.kubectl(&["diff", "--server-side", "-f", s(&cm)]).await;
    assert_eq!(
        out.status.code(),
        Some(1),
        "a missing object differs: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let f = env.file("d.yaml", DEPLOYMENT);
    env.ok(&["apply", "--server-side", "-f", s(&f)]).await;
    env.ok(&[
        "-n",
        "x",
        "rollout",
        "status",
        "deploy/web",
        "--timeout=20s",
    ])
    .await;
    let out = env.kubectl(&["diff", "--server-side", "-f", s(&f)]).await;
    assert_eq!(
        out.status.code(),
        Some(0),
        "no diff: {}",
        String::from_utf8_lossy(&out.stdout)
    );
    let f2 = env.file("d2.yaml", &DEPLOYMENT.replace("replicas: 2", "replicas: 3"));
    let out = env.kubectl(&["diff", "--server-side", "-f", s(&f2)]).await;
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text.contains("-  replicas: 2") && text.contains("+  replicas: 3"),
        "{text}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kubectl_patch_of_each_type() {
    let env = Env::start().await;
    let f = env.file("d.yaml", DEPLOYMENT);
    env.ok(&["apply", "--server-side", "-f", s(&f)]).await;
    env.ok(&[
        "-n",
        "x",
        "patch",
        "deploy",
        "web",
        "-p",
        r#"{"spec":{"replicas":4}}"#,
    ])
    .await;
    env.ok(&[
        "-n",
        "x",
        "patch",
        "deploy",
        "web",
        "--type=merge",
        "-p",
        r#"{"metadata":{"labels":{"m":"1"}}}"#,
    ])
    .await;
    env.ok(&["-n", "x", "patch", "deploy", "web", "--type=json", "-p", r#"[{"op":"replace","path":"/spec/template/spec/containers/0/image","value":"nginx:1.28"}]"#]).await;
    let out = env
        .ok(&["-n", "x", "get", "deploy", "web", "-o", "jsonpath={.spec.replicas} {.metadata.labels.m} {.spec.template.spec.containers[0].image} {.metadata.generation}"])
        .await;
    assert_eq!(
        out, "4 1 nginx:1.28 3",
        "label-only patches do not bump generation"
    );
    let bad = env
        .kubectl(&[
            "-n",
            "x",
            "patch",
            "deploy",
            "web",
            "--type=json",
            "-p",
            r#"[{"op":"replace","path":"/spec/nope/x","value":1}]"#,
        ])
        .await;
    assert!(!bad.status.success());
    let missing = env
        .kubectl(&["-n", "x", "patch", "deploy", "nope", "-p", "{}"])
        .await;
    assert!(
        String::from_utf8_lossy(&missing.stderr).contains(r#"deployments.apps "nope" not found"#)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kubectl_delete_waits_for_finalizers() {
    let env = Env::start().await;
    let cm = env.file(
        "cm.yaml",
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: held, namespace: default, finalizers: [example.com/hold]}\ndata: {a: b}\n",
    );
    env.ok(&["create", "-f", s(&cm)]).await;
    let out = env.ok(&["delete", "cm", "held", "--wait=false"]).await;
    assert!(out.contains(r#"configmap "held" deleted"#), "{out}");
    let ts = env
        .ok(&[
            "get",
            "cm",
            "held",
            "-o",
            "jsonpath={.metadata.deletionTimestamp}",
        ])
        .await;
    assert!(!ts.is_empty(), "the object stays, marked for deletion");
    let kubeconfig = env.kubeconfig();
    let cache = env.dir.path().join("cache");
    let waiter = tokio::process::Command::new("kubectl")
        .args([
            "--kubeconfig",
            s(&kubeconfig),
            "--cache-dir",
            s(&cache),
            "wait",
            "--for=delete",
            "cm/held",
            "--timeout=30s",
        ])
        .kill_on_drop(true)
        .output();
    let waiter = tokio::spawn(waiter);
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    env.ok(&[
        "patch",
        "cm",
        "held",
        "--type=json",
        "-p",
        r#"[{"op":"remove","path":"/metadata/finalizers"}]"#,
    ])
    .await;
    let out = waiter.await.expect("joins").expect("kubectl wait runs");
    assert!(
        out.status.success(),
        "wait --for=delete: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let gone = env.kubectl(&["get", "cm", "held"]).await;
    assert!(String::from_utf8_lossy(&gone.stderr).contains(r#"configmaps "held" not found"#));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kubectl_get_watch_sees_changes() {
    let env = Env::start().await;
    let kubeconfig = env.kubeconfig();
    let cache = env.dir.path().join("cache");
    let mut child = tokio::process::Command::new("kubectl")
        .args([
            "--kubeconfig",
            s(&kubeconfig),
            "--cache-dir",
            s(&cache),
            "get",
            "cm",
            "--watch",
            "--request-timeout=0",
        ])
        .stdout(std::process::Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .expect("kubectl runs (install kubectl v1.32 to run the sandbox tests)");
    tokio::time::sleep(std::time::Duration::from_millis(700)).await;
    let cm = env.file(
        "cm.yaml",
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: watched}\ndata: {a: b}\n",
    );
    env.ok(&["create", "-f", s(&cm)]).await;
    let mut stdout = child.stdout.take().expect("piped");
    let mut seen = String::new();
    let read = async {
        use tokio::io::AsyncReadExt;
        let mut buf = [0u8; 4096];
        while !seen.contains("watched") {
            let n = stdout.read(&mut buf).await.expect("reads");
            if n == 0 {
                break;
            }
            seen.push_str(&String::from_utf8_lossy(&buf[..n]));
        }
    };
    tokio::time::timeout(std::time::Duration::from_secs(20), read)
        .await
        .expect("watch output within 20s");
    assert!(seen.contains("watched"), "{seen}");
    child.kill().await.expect("kubectl stops");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kubectl_rollout_status_healthy_and_broken() {
    let env = Env::start().await;
    let f = env.file("d.yaml", DEPLOYMENT);
    env.ok(&["apply", "--server-side", "-f", s(&f)]).await;
    let out = env
        .ok(&[
            "-n",
            "x",
            "rollout",
            "status",
            "deploy/web",
            "--timeout=20s",
        ])
        .await;
    assert!(
        out.contains(r#"deployment "web" successfully rolled out"#),
        "{out}"
    );
    let table = env.ok(&["-n", "x", "get", "deploy"]).await;
    assert!(
        table.contains("READY") && table.contains("2/2"),
        "server-side table columns: {table}"
    );
    let broken = env.file(
        "b.yaml",
        &DEPLOYMENT.replace("nginx:1.27", "nginx:1.27-broken"),
    );
    env.ok(&["apply", "--server-side", "-f", s(&broken)]).await;
    let out = env
        .kubectl(&[
            "-n",
            "x",
            "rollout",
            "status",
            "deploy/web",
            "--timeout=20s",
        ])
        .await;
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("exceeded its progress deadline"));
    let cond = env
        .ok(&[
            "-n",
            "x",
            "get",
            "deploy",
            "web",
            "-o",
            r#"jsonpath={.status.conditions[?(@.type=="Progressing")].reason}"#,
        ])
        .await;
    assert_eq!(cond, "ProgressDeadlineExceeded");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kubectl_applyset_prunes_a_removed_object() {
    let env = Env::start().await;
    let two = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\ndata: {k: v}\n---\n\
               apiVersion: v1\nkind: ConfigMap\nmetadata: {name: b}\ndata: {k: v}\n";
    let f = env.file("set.yaml", two);
    let applyset = [("KUBECTL_APPLYSET", "true")];
    let args = [
        "apply",
        "--server-side",
        "-n",
        "default",
        "--prune",
        "--applyset=myset",
        "-f",
        s(&f),
    ];
    let out = env.kubectl_env(&args, &applyset).await;
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    std::fs::write(
        &f,
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\ndata: {k: v}\n",
    )
    .expect("rewritten");
    let out = env.kubectl_env(&args, &applyset).await;
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success() && text.contains("configmap/b pruned"),
        "{text} {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let names = env
        .ok(&["get", "cm", "-o", "jsonpath={.items[*].metadata.name}"])
        .await;
    assert_eq!(names, "a");
    let id = env
        .ok(&[
            "get",
            "secret",
            "myset",
            "-o",
            r#"jsonpath={.metadata.labels.applyset\.kubernetes\.io/id}"#,
        ])
        .await;
    use base64::Engine;
    use sha2::Digest;
    let hash = sha2::Sha256::digest(b"myset.default.Secret.");
    let want = format!(
        "applyset-{}-v1",
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(hash)
    );
    assert_eq!(id, want);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kubectl_custom_resources_follow_their_crd() {
    let env = Env::start().await;
    let crd = env.file(
        "crd.yaml",
        r#"apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: {name: widgets.example.com}
spec:
  group: example.com
  scope: Namespaced
  names: {plural: widgets, singular: widget, kind: Widget, shortNames: [wd]}
  versions:
  - name: v1
    served: true
    storage: true
    subresources: {status: {}}
    additionalPrinterColumns:
    - {name: Size, type: integer, jsonPath: .spec.size}
    schema:
      openAPIV3Schema:
        type: object
        properties:
          spec:
            type: object
            properties:
              size: {type: integer}
"#,
    );
    let none = env.kubectl(&["get", "widgets"]).await;
    assert!(!none.status.success(), "no such type before the CRD");
    env.ok(&["apply", "--server-side", "-f", s(&crd)]).await;
    env.ok(&[
        "wait",
        "--for=condition=Established",
        "crd/widgets.example.com",
        "--timeout=10s",
    ])
    .await;
    let w = env.file(
        "w.yaml",
        "apiVersion: example.com/v1\nkind: Widget\nmetadata: {name: w1}\nspec: {size: 3}\n",
    );
    env.ok(&["apply", "--server-side", "-f", s(&w)]).await;
    let out = env
        .ok(&["get", "wd", "-o", "jsonpath={.items[*].spec.size}"])
        .await;
    assert_eq!(out, "3");
    let table = env.ok(&["get", "wd"]).await;
    assert!(
        table.contains("SIZE") && table.contains("w1     3"),
        "printer columns: {table}"
    );
    env.ok(&["delete", "crd", "widgets.example.com"]).await;
    let gone = env.kubectl(&["get", "widgets"]).await;
    assert!(!gone.status.success(), "the type goes with its CRD");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kubectl_typed_creates_and_scale() {
    let env = Env::start().await;
    // kubectl's typed create commands send protobuf bodies.
    env.ok(&["create", "namespace", "demo"]).await;
    env.ok(&[
        "-n",
        "demo",
        "create",
        "configmap",
        "c",
        "--from-literal=a=b",
    ])
    .await;
    env.ok(&[
        "-n",
        "demo",
        "create",
        "secret",
        "generic",
        "s",
        "--from-literal=pw=x",
    ])
    .await;
    let data = env
        .ok(&["-n", "demo", "get", "cm", "c", "-o", "jsonpath={.data.a}"])
        .await;
    assert_eq!(data, "b");
    let secret = env
        .ok(&[
            "-n",
            "demo",
            "get",
            "secret",
            "s",
            "-o",
            "jsonpath={.data.pw}",
        ])
        .await;
    assert_eq!(secret, "eA==");
    let f = env.file("d.yaml", DEPLOYMENT);
    env.ok(&["apply", "--server-side", "-f", s(&f)]).await;
    env.ok(&["-n", "x", "scale", "deploy", "web", "--replicas=4"])
        .await;
    env.ok(&[
        "-n",
        "x",
        "rollout",
        "status",
        "deploy/web",
        "--timeout=20s",
    ])
    .await;
    let out = env
        .ok(&[
            "-n",
            "x",
            "get",
            "deploy",
            "web",
            "-o",
            "jsonpath={.spec.replicas} {.status.availableReplicas}",
        ])
        .await;
    assert_eq!(out, "4 4");
}

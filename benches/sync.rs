//! Sync benchmark: a no-op sync of a large environment against the in-process sandbox.
//!
//! Usage: `cargo bench --bench sync -- [OBJECTS]` (default 1000). Writes an environment of
//! OBJECTS objects (a Namespace plus, per service, a Deployment, Service, ConfigMap, Secret,
//! ServiceAccount, Role, RoleBinding, PodDisruptionBudget and HorizontalPodAutoscaler),
//! syncs it once, then times no-op syncs (render included and not) and reports wall time,
//! API requests and writes. Budget: a no-op sync of 1,000 objects under a second.

use std::path::Path;
use std::time::{Duration, Instant};

use converge::cluster::{Cluster, ConnectOptions};
use converge::sandbox::{Sandbox, SandboxConfig};
use converge::source::FsSource;
use converge::sync::{self, SyncContext, SyncOptions, SyncResult};

const PER_SERVICE: usize = 9;

fn service(i: usize) -> String {
    let name = format!("svc-{i}");
    format!(
        r#"apiVersion: apps/v1
kind: Deployment
metadata:
  name: {name}
  labels: {{app: {name}}}
spec:
  replicas: 2
  selector:
    matchLabels: {{app: {name}}}
  template:
    metadata:
      labels: {{app: {name}}}
    spec:
      serviceAccountName: {name}
      containers:
      - name: app
        image: registry.example.com/app:1.{i}.0
        ports:
        - containerPort: 8080
        envFrom:
        - configMapRef: {{name: {name}}}
        resources:
          requests: {{cpu: 100m, memory: 128Mi}}
          limits: {{cpu: 500m, memory: 256Mi}}
---
apiVersion: v1
kind: Service
metadata:
  name: {name}
spec:
  selector: {{app: {name}}}
  ports:
  - port: 80
    targetPort: 8080
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: {name}
data:
  LOG_LEVEL: info
  INDEX: "{i}"
---
apiVersion: v1
kind: Secret
metadata:
  name: {name}
stringData:
  token: bench-{i}
---
apiVersion: v1
kind: ServiceAccount
metadata:
  name: {name}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata:
  name: {name}
rules:
- apiGroups: [""]
  resources: [configmaps]
  verbs: [get, list]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata:
  name: {name}
roleRef: {{apiGroup: rbac.authorization.k8s.io, kind: Role, name: {name}}}
subjects:
- {{kind: ServiceAccount, name: {name}}}
---
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata:
  name: {name}
spec:
  minAvailable: 1
  selector:
    matchLabels: {{app: {name}}}
---
apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata:
  name: {name}
spec:
  scaleTargetRef: {{apiVersion: apps/v1, kind: Deployment, name: {name}}}
  minReplicas: 2
  maxReplicas: 4
"#
    )
}

fn write_tree(root: &Path, objects: usize) {
    let services = objects.saturating_sub(1) / PER_SERVICE;
    let overlay = root.join("overlays/bench");
    std::fs::create_dir_all(&overlay).expect("create overlay");
    std::fs::create_dir_all(root.join("environments")).expect("create environments");
    std::fs::write(
        root.join("environments/bench.yaml"),
        "apiVersion: converge.dev/v1alpha1\nkind: Environment\nmetadata:\n  name: bench\nspec:\n  overlay: overlays/bench\n  target:\n    namespace: bench\n  health:\n    timeout: 2m\n",
    )
    .expect("write environment");
    let docs: Vec<String> = (0..services).map(service).collect();
    std::fs::write(overlay.join("services.yaml"), docs.join("---\n")).expect("write services");
    std::fs::write(
        overlay.join("kustomization.yaml"),
        "namespace: bench\nresources:\n  - namespace.yaml\n  - services.yaml\n",
    )
    .expect("write kustomization");
    std::fs::write(
        overlay.join("namespace.yaml"),
        "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: bench\n",
    )
    .expect("write namespace");
}

fn main() {
    let objects: usize = std::env::args()
        .skip(1)
        .find(|a| !a.starts_with('-'))
        .and_then(|a| a.parse().ok())
        .unwrap_or(1000);
    let dir = tempfile::tempdir().expect("temp dir");
    write_tree(dir.path(), objects);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    runtime.block_on(async {
        let sandbox = Sandbox::start(SandboxConfig {
            rollout_delay: Duration::from_millis(10),
            ..SandboxConfig::default()
        })
        .await
        .expect("sandbox starts");
        let kubeconfig = dir.path().join("kubeconfig");
        sandbox.write_kubeconfig(&kubeconfig).expect("kubeconfig");
        let cluster = Cluster::connect(&ConnectOptions {
            kubeconfig: Some(kubeconfig),
            context: None,
        })
        .await
        .expect("connects");
        let source = FsSource::new(dir.path()).expect("source");
        let render = || converge::environment::render_environment(&source, "bench").expect("renders");
        let (env, rendered) = render();
        println!("environment: {} objects", rendered.resources.len());
        let ctx = SyncContext {
            cluster: &cluster,
            source: &source,
            revision: Some("bench".into()),
            progress: None,
        };
        let options = SyncOptions::default();

        let start = Instant::now();
        let first = sync::run(&ctx, &env, &rendered, &options).await.expect("first sync");
        assert_eq!(first.result, SyncResult::Succeeded, "{:?}", first.problems);
        println!(
            "first sync (create + health): {:>8.1} ms, {} requests, {} writes",
            ms(start.elapsed()),
            first.requests,
            first.writes()
        );

        let mut sync_only = Vec::new();
        let mut with_render = Vec::new();
        for _ in 0..5 {
            let writes = sandbox.stats().writes;
            let start = Instant::now();
            let (env, rendered) = render();
            let rendered_at = start.elapsed();
            let report = sync::run(&ctx, &env, &rendered, &options).await.expect("no-op sync");
            let total = start.elapsed();
            assert_eq!(report.result, SyncResult::Succeeded);
            assert!(!report.changes.has_changes(), "{:?}", report.changes.summary());
            assert_eq!(sandbox.stats().writes, writes, "a no-op sync wrote");
            with_render.push(total);
            sync_only.push(total - rendered_at);
            println!(
                "no-op sync: {:>8.1} ms (render {:>6.1} ms), {} requests, 0 writes",
                ms(total),
                ms(rendered_at),
                report.requests
            );
        }
        sync_only.sort();
        with_render.sort();
        println!(
            "no-op sync of {} objects: median {:.1} ms, best {:.1} ms (with render: median {:.1} ms); budget 1000 ms",
            rendered.resources.len(),
            ms(sync_only[sync_only.len() / 2]),
            ms(sync_only[0]),
            ms(with_render[with_render.len() / 2])
        );
        sandbox.shutdown().await;
    });
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

//! Controller benchmark: idle cost with many environments.
//!
//! Usage: `cargo bench --bench controller -- [ENVIRONMENTS] [IDLE_SECONDS]` (default 100
//! environments, 60 s). Writes a repository of ENVIRONMENTS environments of 50 objects each
//! (a Namespace, and per service a Deployment, Service, ConfigMap, Secret, ServiceAccount,
//! PodDisruptionBudget and NetworkPolicy, for 7 services), starts `converge sandbox` and
//! `converge run` as separate processes (so the measurement is the controller's alone),
//! waits until every environment is synced, then measures the controller over the idle
//! period: CPU% (utime + stime from /proc), resident memory (VmRSS and its peak VmHWM),
//! threads, and the API requests it made while idle. The fetch interval is 10 s, so the idle
//! period includes fetches of an unchanged repository.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const SERVICES: usize = 7;

fn service(i: usize) -> String {
    let name = format!("svc-{i}");
    format!(
        r#"apiVersion: apps/v1
kind: Deployment
metadata:
  name: {name}
  labels: {{app: {name}}}
spec:
  replicas: 1
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
        envFrom:
        - configMapRef: {{name: {name}}}
        resources:
          requests: {{cpu: 50m, memory: 64Mi}}
          limits: {{cpu: 200m, memory: 128Mi}}
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
  PEERS: "{i}"
---
apiVersion: v1
kind: Secret
metadata:
  name: {name}
type: Opaque
stringData:
  token: not-a-real-token-{i}
---
apiVersion: v1
kind: ServiceAccount
metadata:
  name: {name}
---
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata:
  name: {name}
spec:
  maxUnavailable: 1
  selector:
    matchLabels: {{app: {name}}}
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: {name}
spec:
  podSelector:
    matchLabels: {{app: {name}}}
  policyTypes: [Ingress]
"#
    )
}

fn write(path: &Path, text: &str) {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).expect("mkdir");
    }
    std::fs::write(path, text).expect("write");
}

/// The repository: a shared base and one overlay and environment per environment.
fn seed(work: &Path, envs: usize) {
    let mut base = String::from("resources:\n");
    for i in 0..SERVICES {
        write(
            &work.join(format!("overlays/base/svc-{i}.yaml")),
            &service(i),
        );
        base.push_str(&format!("  - svc-{i}.yaml\n"));
    }
    write(&work.join("overlays/base/kustomization.yaml"), &base);
    for e in 0..envs {
        let name = format!("bench-{e:03}");
        write(
            &work.join(format!("overlays/{name}/kustomization.yaml")),
            &format!("namespace: {name}\nresources:\n  - ../base\n  - namespace.yaml\n"),
        );
        write(
            &work.join(format!("overlays/{name}/namespace.yaml")),
            &format!("apiVersion: v1\nkind: Namespace\nmetadata:\n  name: {name}\n"),
        );
        write(
            &work.join(format!("environments/{name}.yaml")),
            &format!(
                "apiVersion: converge.dev/v1alpha1\nkind: Environment\nmetadata:\n  name: {name}\n\
                 spec:\n  overlay: overlays/{name}\n  target:\n    namespace: {name}\n  \
                 sync:\n    selfHeal: true\n  health:\n    timeout: 2m\n"
            ),
        );
    }
    let repo = git2::Repository::init(work).expect("git init");
    let mut index = repo.index().expect("index");
    index
        .add_all(["*"], git2::IndexAddOption::DEFAULT, None)
        .expect("add");
    index.write().expect("index write");
    let tree = repo
        .find_tree(index.write_tree().expect("tree"))
        .expect("tree");
    let sig = git2::Signature::now("bench", "bench@example.com").expect("signature");
    repo.commit(Some("refs/heads/main"), &sig, &sig, "bench", &tree, &[])
        .expect("commit");
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("free port")
}

fn http_get(port: u16, path: &str) -> Option<String> {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).ok()?;
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .ok()?;
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n"
    )
    .ok()?;
    let mut text = String::new();
    stream.read_to_string(&mut text).ok()?;
    text.split_once("\r\n\r\n").map(|(_, b)| b.to_string())
}

struct Killed(Child);

impl Drop for Killed {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// utime + stime of `pid`, in seconds.
fn cpu_seconds(pid: u32) -> f64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    // Fields after the parenthesised command name; utime and stime are fields 14 and 15.
    let rest = stat.rsplit_once(')').map(|(_, r)| r).unwrap_or("");
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let ticks: u64 = fields
        .get(11)
        .and_then(|u| u.parse::<u64>().ok())
        .unwrap_or(0)
        + fields
            .get(12)
            .and_then(|s| s.parse::<u64>().ok())
            .unwrap_or(0);
    // SAFETY: sysconf has no preconditions.
    let hz = unsafe { libc::sysconf(libc::_SC_CLK_TCK) }.max(1) as f64;
    ticks as f64 / hz
}

fn status_field(pid: u32, field: &str) -> String {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .unwrap_or_default()
        .lines()
        .find_map(|l| {
            l.strip_prefix(&format!("{field}:"))
                .map(|v| v.trim().to_string())
        })
        .unwrap_or_default()
}

fn api_requests(metrics: &str) -> u64 {
    metrics
        .lines()
        .filter(|l| l.starts_with("converge_api_requests_total{"))
        .filter_map(|l| l.rsplit(' ').next()?.parse::<f64>().ok())
        .sum::<f64>() as u64
}

fn synced(status: &str, envs: usize) -> usize {
    let Ok(json) = serde_json::from_str::<serde_json::Value>(status) else {
        return 0;
    };
    let count = json["environments"]
        .as_array()
        .map(|a| a.iter().filter(|e| e["phase"] == "Synced").count())
        .unwrap_or(0);
    count.min(envs)
}

fn main() {
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with("--"))
        .collect();
    let envs: usize = args.first().and_then(|a| a.parse().ok()).unwrap_or(100);
    let idle = Duration::from_secs(args.get(1).and_then(|a| a.parse().ok()).unwrap_or(60));
    let binary = PathBuf::from(env!("CARGO_BIN_EXE_converge"));
    let dir = tempfile::tempdir().expect("tempdir");
    let work = dir.path().join("repo");
    seed(&work, envs);
    println!("{envs} environments × 50 objects in {}", work.display());

    let kubeconfig = dir.path().join("kubeconfig");
    let sandbox_port = free_port();
    let _sandbox = Killed(
        Command::new(&binary)
            .arg("--kubeconfig")
            .arg(&kubeconfig)
            .args(["sandbox", "--listen", &format!("127.0.0.1:{sandbox_port}")])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start the sandbox"),
    );
    let deadline = Instant::now() + Duration::from_secs(30);
    while !kubeconfig.exists() || TcpStream::connect(("127.0.0.1", sandbox_port)).is_err() {
        assert!(Instant::now() < deadline, "the sandbox did not start");
        std::thread::sleep(Duration::from_millis(50));
    }

    let port = free_port();
    let started = Instant::now();
    let controller = Killed(
        Command::new(&binary)
            .arg("--kubeconfig")
            .arg(&kubeconfig)
            .arg("run")
            .arg("--repo-url")
            .arg(&work)
            .args(["--branch", "main", "--interval", "10s", "--workers", "4"])
            .args([
                "--listen",
                &format!("127.0.0.1:{port}"),
                "--log-format",
                "text",
            ])
            .arg("--data-dir")
            .arg(dir.path().join("data"))
            .env("RUST_LOG", "warn")
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("start the controller"),
    );
    let pid = controller.0.id();
    let deadline = Instant::now() + Duration::from_secs(900);
    loop {
        let done = http_get(port, "/api/environments")
            .map(|s| synced(&s, envs))
            .unwrap_or(0);
        if done == envs {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "only {done}/{envs} synced in time"
        );
        std::thread::sleep(Duration::from_millis(250));
    }
    let initial = started.elapsed();
    println!(
        "initial sync of {envs} environments: {:.1}s; RSS after it {} (peak {})",
        initial.as_secs_f64(),
        status_field(pid, "VmRSS"),
        status_field(pid, "VmHWM")
    );

    // Let the last rollouts' status updates and watch events settle.
    std::thread::sleep(Duration::from_secs(5));
    let requests_before = http_get(port, "/metrics")
        .map(|m| api_requests(&m))
        .unwrap_or(0);
    let cpu_before = cpu_seconds(pid);
    let t0 = Instant::now();
    std::thread::sleep(idle);
    let cpu = cpu_seconds(pid) - cpu_before;
    let elapsed = t0.elapsed().as_secs_f64();
    let requests_after = http_get(port, "/metrics")
        .map(|m| api_requests(&m))
        .unwrap_or(0);
    println!(
        "idle for {elapsed:.0}s: CPU {:.2}% of one core ({cpu:.2}s), RSS {} (peak {}), {} threads, {} API requests",
        cpu / elapsed * 100.0,
        status_field(pid, "VmRSS"),
        status_field(pid, "VmHWM"),
        status_field(pid, "Threads"),
        requests_after.saturating_sub(requests_before)
    );
}

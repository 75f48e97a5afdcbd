//! Policy benchmark: every example policy (the production selection: `policies/common` and
//! `policies/production`) evaluated against a generated environment.
//!
//! Usage: `cargo bench --bench policy -- GEN_TREE_SCRIPT [SERVICES...]`, where
//! GEN_TREE_SCRIPT writes a tree with `GEN_TREE_SCRIPT OUT --services N --envs 1` (overlay
//! `env0`). Default size: 200 services. Reports the load (compile) time once, the first
//! evaluation of an environment (which also prepares its engines) and the later ones (best
//! and median of several runs, and the CPU time they take, all threads together), with
//! the object and finding counts.
//! The overlay is rendered with converge before anything is measured.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use converge::environment::PolicySelection;
use converge::policy::PolicySet;
use converge::source::FsSource;

const RUNS: usize = 7;

fn generate(script: &Path, out: &Path, services: usize) {
    let status = Command::new("python3")
        .arg(script)
        .arg(out)
        .args(["--services", &services.to_string(), "--envs", "1"])
        .status()
        .expect("run the tree generator (python3)");
    assert!(status.success(), "tree generator failed");
}

/// The rendered objects of the overlay.
fn render(tree: &Path) -> Vec<serde_json::Value> {
    let source = FsSource::new(tree).expect("tree");
    converge::render::render(&source, &tree.join("overlays/env0"))
        .expect("converge renders the generated overlay")
        .objects()
}

/// CPU time this process has used so far (every thread, no child process).
fn cpu_time() -> Duration {
    // SAFETY: an all-zero rusage is a valid value for getrusage to fill in.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: RUSAGE_SELF with a valid out-pointer.
    unsafe { libc::getrusage(libc::RUSAGE_SELF, &mut usage) };
    let micros = |t: libc::timeval| t.tv_sec as u64 * 1_000_000 + t.tv_usec as u64;
    Duration::from_micros(micros(usage.ru_utime) + micros(usage.ru_stime))
}

fn millis(d: Duration) -> String {
    format!("{:.1} ms", d.as_secs_f64() * 1e3)
}

fn main() {
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with("--"))
        .collect();
    let Some(script) = args.first().map(PathBuf::from) else {
        eprintln!("usage: cargo bench --bench policy -- GEN_TREE_SCRIPT [SERVICES...]");
        std::process::exit(2);
    };
    let sizes: Vec<usize> = if args.len() > 1 {
        args[1..].iter().filter_map(|s| s.parse().ok()).collect()
    } else {
        vec![200]
    };
    let repo = FsSource::new(Path::new(env!("CARGO_MANIFEST_DIR"))).expect("repository");
    let selection = PolicySelection {
        paths: vec!["policies/common".into(), "policies/production".into()],
        ..PolicySelection::default()
    };
    let start = Instant::now();
    let policies = PolicySet::load(&repo, &selection).expect("example policies load");
    let load = start.elapsed();
    println!("load: {} ({} files)", millis(load), policies.files().len());
    println!(
        "| services | objects | findings | first evaluate | evaluate (best) | evaluate (median) \
         | CPU per evaluate |"
    );
    println!("|---:|---:|---:|---:|---:|---:|---:|");
    let tmp = std::env::temp_dir().join(format!("converge-policy-bench-{}", std::process::id()));
    for n in sizes {
        let tree = tmp.join(format!("tree{n}"));
        generate(&script, &tree, n);
        let objects = render(&tree);
        // A fresh environment name: its engines are prepared by this first call.
        let environment = format!("production-{n}");
        let start = Instant::now();
        policies
            .evaluate(&environment, &objects)
            .expect("evaluates");
        let first = start.elapsed();
        let mut times = Vec::with_capacity(RUNS);
        let mut findings = 0;
        let cpu = cpu_time();
        for _ in 0..RUNS {
            let start = Instant::now();
            let report = policies
                .evaluate(&environment, &objects)
                .expect("evaluates");
            times.push(start.elapsed());
            findings = report.findings.len();
        }
        let cpu = (cpu_time() - cpu) / RUNS as u32;
        times.sort();
        println!(
            "| {n} | {} | {findings} | {} | {} | {} | {} |",
            objects.len(),
            millis(first),
            millis(times[0]),
            millis(times[RUNS / 2]),
            millis(cpu)
        );
    }
    let _ = std::fs::remove_dir_all(&tmp);
}

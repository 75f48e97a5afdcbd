//! Render benchmark: `converge build` against `kubectl kustomize` on generated trees.
//!
//! Usage: `cargo bench --bench render -- GEN_TREE_SCRIPT [SIZES...]`, where GEN_TREE_SCRIPT
//! writes a tree with `GEN_TREE_SCRIPT OUT --services N --envs 1` (overlay `env0`).
//! Default sizes: 25 50 100 200 with kubectl, and 400 for converge alone. Reports wall time
//! (best of several runs), peak resident memory, the speed ratio and whether the bytes match.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

struct Run {
    wall: Duration,
    max_rss_kib: i64,
    stdout: Vec<u8>,
}

/// Runs a command to completion, measuring wall time and the child's peak RSS (wait4).
// The child is reaped with wait4 (to read its rusage), not Child::wait.
#[allow(clippy::zombie_processes)]
fn measure(program: &str, args: &[&str]) -> Run {
    let start = Instant::now();
    let child = Command::new(program)
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start {program}: {e}"));
    let pid = child.id() as libc::pid_t;
    let mut stdout = Vec::new();
    if let Some(mut out) = child.stdout {
        use std::io::Read;
        out.read_to_end(&mut stdout).expect("read child stdout");
    }
    let mut status = 0;
    // SAFETY: an all-zero rusage is a valid value for wait4 to fill in.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: `pid` is our own child, not yet reaped (Child was consumed without waiting).
    let reaped = unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
    assert_eq!(reaped, pid, "wait4 failed");
    assert!(
        libc::WIFEXITED(status) && libc::WEXITSTATUS(status) == 0,
        "{program} {args:?} failed"
    );
    Run {
        wall: start.elapsed(),
        max_rss_kib: usage.ru_maxrss,
        stdout,
    }
}

fn best_of(n: usize, program: &str, args: &[&str]) -> Run {
    let mut best: Option<Run> = None;
    for _ in 0..n {
        let run = measure(program, args);
        if best.as_ref().is_none_or(|b| run.wall < b.wall) {
            best = Some(run);
        }
    }
    best.expect("at least one run")
}

fn generate(script: &Path, out: &Path, services: usize) {
    let status = Command::new("python3")
        .arg(script)
        .arg(out)
        .args(["--services", &services.to_string(), "--envs", "1"])
        .status()
        .expect("run the tree generator");
    assert!(status.success(), "tree generator failed");
}

fn main() {
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with("--"))
        .collect();
    let Some(script) = args.first().map(PathBuf::from) else {
        eprintln!("usage: cargo bench --bench render -- GEN_TREE_SCRIPT [SIZES...]");
        std::process::exit(2);
    };
    let sizes: Vec<usize> = if args.len() > 1 {
        args[1..].iter().filter_map(|s| s.parse().ok()).collect()
    } else {
        vec![25, 50, 100, 200, 400]
    };
    let converge = env!("CARGO_BIN_EXE_converge");
    let tmp = std::env::temp_dir().join(format!("converge-bench-{}", std::process::id()));
    println!(
        "| services | converge | converge peak | kubectl kustomize | kubectl peak | ratio | same bytes |"
    );
    println!("|---:|---:|---:|---:|---:|---:|:---:|");
    for n in sizes {
        let tree = tmp.join(format!("tree{n}"));
        generate(&script, &tree, n);
        let overlay = tree.join("overlays/env0");
        let overlay = overlay.to_str().expect("utf-8 path");
        let ours = best_of(5, converge, &["build", overlay]);
        if n > 200 {
            println!(
                "| {n} | {:.1} ms | {} MiB | (not run) | | | |",
                ours.wall.as_secs_f64() * 1e3,
                ours.max_rss_kib / 1024
            );
            continue;
        }
        let runs = if n >= 200 { 1 } else { 3 };
        let theirs = best_of(runs, "kubectl", &["kustomize", overlay]);
        println!(
            "| {n} | {:.1} ms | {} MiB | {:.2} s | {} MiB | {:.0}× | {} |",
            ours.wall.as_secs_f64() * 1e3,
            ours.max_rss_kib / 1024,
            theirs.wall.as_secs_f64(),
            theirs.max_rss_kib / 1024,
            theirs.wall.as_secs_f64() / ours.wall.as_secs_f64(),
            if ours.stdout == theirs.stdout {
                "yes"
            } else {
                "NO"
            }
        );
    }
    let _ = std::fs::remove_dir_all(&tmp);
}

//! Timing of a typical Deployment through the engine (`--ignored`, best in `--release`); the
//! numbers are printed, not asserted.

use std::time::Instant;

use serde_json::json;

use super::{T0, T1, apply_opts, deployment_schema, probe_deployment};
use crate::sandbox::ssa::*;

fn typical() -> serde_json::Value {
    let mut d = probe_deployment();
    let spec = &mut d["spec"]["template"]["spec"];
    spec["containers"][0]["env"] = json!([{"name": "A", "value": "1"}, {"name": "B", "value": "2"},
        {"name": "C", "valueFrom": {"secretKeyRef": {"name": "s", "key": "k"}}}]);
    spec["containers"][0]["resources"] = json!({"requests": {"cpu": "100m", "memory": "128Mi"},
        "limits": {"cpu": "500m", "memory": "256Mi"}});
    spec["containers"][0]["readinessProbe"] = json!({"httpGet": {"path": "/healthz", "port": 80}});
    spec["containers"][0]["volumeMounts"] = json!([{"name": "cfg", "mountPath": "/etc/cfg"}]);
    spec["volumes"] = json!([{"name": "cfg", "configMap": {"name": "cfg"}}]);
    d
}

#[test]
#[ignore = "benchmark: cargo test --release --lib sandbox::ssa::tests::bench -- --ignored --nocapture"]
fn apply_timings() {
    let schema = deployment_schema();
    let cfg = typical();
    let live = apply(&schema, None, &cfg, &apply_opts("converge", false, T0))
        .expect("create")
        .object;
    let mut changed = cfg.clone();
    changed["spec"]["replicas"] = json!(5);
    let n: u32 = std::env::var("SSA_BENCH_N")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(2000);
    for (label, config) in [("no-op re-apply", &cfg), ("changing re-apply", &changed)] {
        let start = Instant::now();
        for _ in 0..n {
            let out = apply(
                &schema,
                Some(&live),
                config,
                &apply_opts("converge", false, T1),
            )
            .expect("apply");
            std::hint::black_box(out);
        }
        println!(
            "{label}: {:.1} µs",
            start.elapsed().as_secs_f64() * 1e6 / f64::from(n)
        );
    }
    let start = Instant::now();
    for _ in 0..n {
        let out = apply(&schema, None, &cfg, &apply_opts("converge", false, T0)).expect("create");
        std::hint::black_box(out);
    }
    println!(
        "create: {:.1} µs",
        start.elapsed().as_secs_f64() * 1e6 / f64::from(n)
    );
}

#[test]
#[ignore = "benchmark: cargo test --release --lib sandbox::ssa::tests::bench -- --ignored --nocapture"]
fn step_timings() {
    use crate::sandbox::ssa::{common, managed, normalize, typed};
    let schema = deployment_schema();
    let (t, r) = (schema.table(), schema.root());
    let cfg = typical();
    let live = apply(&schema, None, &cfg, &apply_opts("converge", false, T0))
        .expect("create")
        .object;
    let n: u32 = std::env::var("SSA_BENCH_N")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(2000);
    let time = |label: &str, f: &mut dyn FnMut()| {
        let start = Instant::now();
        for _ in 0..n {
            f();
        }
        println!(
            "{label}: {:.1} µs",
            start.elapsed().as_secs_f64() * 1e6 / f64::from(n)
        );
    };
    time("merge", &mut || {
        std::hint::black_box(typed::merge(t, r, &live, &cfg));
    });
    time("to_field_set(live)", &mut || {
        std::hint::black_box(typed::to_field_set(t, r, &live));
    });
    time("compare", &mut || {
        std::hint::black_box(typed::compare(t, r, &live, &live));
    });
    time("validate", &mut || {
        std::hint::black_box(typed::validate(t, r, &cfg));
    });
    let mf = live["metadata"]["managedFields"].clone();
    time("decode managedFields", &mut || {
        std::hint::black_box(managed::decode(Some(&mf)).ok());
    });
    let m = managed::decode(Some(&mf)).expect("decodes");
    time("encode managedFields", &mut || {
        std::hint::black_box(managed::encode(&m));
    });
    time("store_form", &mut || {
        let mut o = live.clone();
        std::hint::black_box(common::store_form(&schema, &mut o));
    });
    time("clone live", &mut || {
        std::hint::black_box(live.clone());
    });
    time("go_roundtrip", &mut || {
        let mut o = live.clone();
        normalize::go_roundtrip(t, r, &mut o, &mut Vec::new());
        std::hint::black_box(o);
    });
    let set = typed::to_field_set(t, r, &live);
    time("ensure named", &mut || {
        std::hint::black_box(typed::ensure_named_fields_are_members(t, r, &set));
    });
    time("set union", &mut || {
        std::hint::black_box(set.union(&set));
    });
    time("remove_items", &mut || {
        std::hint::black_box(typed::remove_items(t, r, &live, &set));
    });
}

//! Property tests: the engine's fast paths (`fast.rs`, `normalize.rs`) against
//! the plain kyaml algorithm on random resources and patches, and the shapes
//! that must not go quadratic or overflow.

use serde_json::{Value, json};

use super::*;

fn pod_spec(v: &Value) -> &Value {
    &v["spec"]["template"]["spec"]
}

/// A small deterministic generator, so the property test needs no seed handling.
struct Lcg(u64);

impl Lcg {
    fn next(&mut self, n: u64) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (self.0 >> 33) % n
    }
}

fn random_env(rng: &mut Lcg, patch: bool) -> Value {
    let mut items = Vec::new();
    for _ in 0..rng.next(7) {
        let name = format!("E{}", rng.next(8));
        let item = match (patch, rng.next(12)) {
            (true, 0) => json!({"name": name, "$patch": "delete"}),
            (true, 1) => json!({"name": name, "$patch": "replace", "value": "r"}),
            (true, 2) => json!({"name": name, "value": null}),
            (true, 3) => {
                let directive = ["replace", "merge", "delete"][rng.next(3) as usize];
                json!({"$patch": directive})
            }
            (_, 4) => json!({"value": "keyless"}),
            (_, 5) => json!({"name": rng.next(3), "value": "numeric"}),
            (_, 6) => {
                json!({"name": name, "valueFrom": {"fieldRef": {"fieldPath": "x", "gone": null}}})
            }
            (false, 7) => Value::Null,
            (false, 8) => json!({"name": "", "value": "empty"}),
            _ => json!({"name": name, "value": format!("v{}", rng.next(5))}),
        };
        items.push(item);
    }
    Value::Array(items)
}

fn random_ports(rng: &mut Lcg) -> Value {
    let mut ports = Vec::new();
    for _ in 0..rng.next(4) {
        let number = [80, 443][rng.next(2) as usize];
        let mut port = json!({"containerPort": number});
        if rng.next(2) == 0 {
            let protocol = ["TCP", "UDP"][rng.next(2) as usize];
            port["protocol"] = json!(protocol);
        }
        ports.push(port);
    }
    Value::Array(ports)
}

fn random_deployment(rng: &mut Lcg, patch: bool) -> Value {
    let mut containers = Vec::new();
    for i in 0..rng.next(4) {
        let name = if rng.next(8) == 0 {
            format!("c{}", i / 2)
        } else {
            format!("c{i}")
        };
        let mut c = json!({"name": name, "image": format!("img{}", rng.next(3))});
        if rng.next(3) > 0 {
            c["env"] = random_env(rng, patch);
        }
        if rng.next(3) == 0 {
            c["ports"] = random_ports(rng);
        }
        if patch && rng.next(12) == 0 {
            c["$patch"] = json!(if rng.next(2) == 0 {
                "delete"
            } else {
                "replace"
            });
        }
        containers.push(c);
    }
    let finalizers: Vec<Value> = (0..rng.next(3))
        .map(|_| json!(["a", "b"][rng.next(2) as usize]))
        .collect();
    let mut deployment = json!({
        "apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "d", "finalizers": finalizers},
        "spec": {"template": {"spec": {"containers": containers}}}
    });
    if rng.next(4) == 0 {
        // A custom resource embedding the workload: lists merge only inside
        // the part that names a known kind.
        deployment = json!({
            "apiVersion": "example.com/v1", "kind": "Wrapper", "metadata": {"name": "d"},
            "spec": {"workload": deployment, "plain": {"containers": [{"name": "c0"}, {"name": "c0"}]}}
        });
    }
    deployment
}

#[test]
fn fast_paths_match_the_plain_algorithm() {
    let schema = MergeSchema::builtin();
    let plain = Mode {
        fast_lists: false,
        lazy_target: false,
    };
    let mut rng = Lcg(7);
    for round in 0..3000 {
        let target = random_deployment(&mut rng, false);
        let mut patch = random_deployment(&mut rng, true);
        if rng.next(3) == 0 {
            // Patches that leave most of the target alone exercise `normalize.rs`.
            patch = json!({"apiVersion": target["apiVersion"], "kind": target["kind"], "metadata": {"name": "d"}});
        }
        let expected = merge_resource(&schema, &target, &patch, SmpOptions::default(), plain);
        for (fast_lists, lazy_target) in [(true, false), (false, true), (true, true)] {
            let mode = Mode {
                fast_lists,
                lazy_target,
            };
            let got = merge_resource(&schema, &target, &patch, SmpOptions::default(), mode);
            assert_eq!(
                got, expected,
                "round {round} {mode:?}\ntarget: {target}\npatch: {patch}"
            );
        }
    }
}

#[test]
fn long_keyed_lists_merge_in_linear_time() {
    let env: Vec<Value> = (0..20_000)
        .map(|i| json!({"name": format!("E{i}"), "value": "x"}))
        .collect();
    let target = json!({
        "apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "d"},
        "spec": {"template": {"spec": {"containers": [{"name": "a", "env": env}]}}}
    });
    let patch = json!({
        "apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "d"},
        "spec": {"template": {"spec": {"containers": [{"name": "a", "env": [{"name": "E19999", "value": "y"}]}]}}}
    });
    // 20k elements would take minutes through the quadratic general path.
    let Ok(MergeOutcome::Merged(out)) = strategic_merge(&MergeSchema::builtin(), &target, &patch)
    else {
        panic!("merge failed");
    };
    let env = &pod_spec(&out)["containers"][0]["env"];
    assert_eq!(env[0], json!({"name": "E19999", "value": "y"}));
    assert_eq!(env.as_array().map(Vec::len), Some(20_000));
}

#[test]
fn hostile_input_errors_instead_of_overflowing() {
    let mut deep = json!("leaf");
    for _ in 0..600 {
        deep = json!({"a": deep});
    }
    let target =
        json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c"}, "data": deep});
    let patch = json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c"}});
    let result = strategic_merge(&MergeSchema::builtin(), &target, &patch);
    assert!(
        matches!(result, Err(MergeError::TooDeep { .. })),
        "{result:?}"
    );
}

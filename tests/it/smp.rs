//! Differential test of the strategic-merge engine against `kubectl kustomize`
//! (kubectl v1.32, Kustomize v5.5.0).
//!
//! Each case is a target resource and a patch. Cases are batched: every case of a
//! batch becomes one resource (renamed `c<N>` so ids stay unique) plus one
//! `patches:` entry targeting it by kind and name, and one `kubectl kustomize`
//! run renders the whole batch. kubectl's documents are then compared, as JSON
//! values, with `strategic_merge` on the same inputs. Cases whose patch is
//! expected to fail run alone.

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;

use converge::render::merge::{MergeOutcome, MergeSchema, SmpOptions, strategic_merge_with};
use serde_json::{Value, json};

/// One target/patch pair.
struct Case {
    label: String,
    target: Value,
    patch: Value,
    options: SmpOptions,
    /// kubectl rejects the patch (so must we).
    fails: bool,
}

fn kubectl_kustomize(dir: &Path) -> Result<Vec<Value>, String> {
    let output = Command::new("kubectl").arg("kustomize").arg(dir).output();
    let output = match output {
        Ok(output) => output,
        Err(e) => panic!(
            "cannot run `kubectl` ({e}): install kubectl v1.32 (it embeds Kustomize v5.5.0) \
             to run the strategic-merge differential test"
        ),
    };
    if !output.status.success() {
        return Err(String::from_utf8_lossy(&output.stderr).into_owned());
    }
    let text = String::from_utf8_lossy(&output.stdout);
    let mut docs = Vec::new();
    for doc in serde_yaml::Deserializer::from_str(&text) {
        let value: Value = serde::Deserialize::deserialize(doc)
            .map_err(|e| format!("unparsable kubectl output: {e}"))?;
        if !value.is_null() {
            docs.push(value);
        }
    }
    Ok(docs)
}

fn write(path: &Path, value: &Value) {
    let text = serde_yaml::to_string(value).expect("serializable");
    std::fs::write(path, text).expect("temp dir writable");
}

/// Gives each case a unique name and writes the batch's kustomization.
fn write_batch(dir: &Path, cases: &[Case], openapi: Option<&Value>) -> Vec<(String, Value, Value)> {
    let mut resources = Vec::new();
    let mut patches = Vec::new();
    let mut renamed = Vec::new();
    for (i, case) in cases.iter().enumerate() {
        let name = format!("c{i}");
        let mut target = case.target.clone();
        let original = target["metadata"]["name"].clone();
        target["metadata"]["name"] = json!(name);
        let mut patch = case.patch.clone();
        if patch.get("metadata").and_then(|m| m.get("name")) == Some(&original) {
            patch["metadata"]["name"] = json!(name);
        }
        let kind = target["kind"].as_str().unwrap_or_default().to_string();
        write(&dir.join(format!("r{i}.yaml")), &target);
        write(&dir.join(format!("p{i}.yaml")), &patch);
        resources.push(json!(format!("r{i}.yaml")));
        patches.push(json!({
            "path": format!("p{i}.yaml"),
            "target": {"kind": kind, "name": name},
            "options": {
                "allowNameChange": case.options.allow_name_change,
                "allowKindChange": case.options.allow_kind_change,
            }
        }));
        renamed.push((name, target, patch));
    }
    let mut kustomization = json!({"resources": resources, "patches": patches});
    if let Some(doc) = openapi {
        std::fs::write(dir.join("schema.json"), doc.to_string()).expect("temp dir writable");
        kustomization["openapi"] = json!({"path": "schema.json"});
    }
    write(&dir.join("kustomization.yaml"), &kustomization);
    renamed
}

/// Runs one batch; returns the descriptions of the cases that differ.
fn run_batch(cases: &[Case], schema: &MergeSchema, openapi: Option<&Value>) -> Vec<String> {
    let dir = tempfile::tempdir().expect("temp dir");
    let renamed = write_batch(dir.path(), cases, openapi);
    let docs = match kubectl_kustomize(dir.path()) {
        Ok(docs) => docs,
        // One bad case spoils the batch: find it by running the cases alone.
        Err(_) if cases.len() > 1 => {
            let mut failures = Vec::new();
            for case in cases {
                failures.extend(run_batch(std::slice::from_ref(case), schema, openapi));
            }
            return failures;
        }
        Err(err) => {
            let ours = strategic_merge_with(schema, &renamed[0].1, &renamed[0].2, cases[0].options);
            return match ours {
                Err(_) if cases[0].fails => Vec::new(),
                Err(ours) => vec![format!(
                    "{}: both fail (kubectl: {err}; ours: {ours}); mark the case `fails: true`",
                    cases[0].label
                )],
                Ok(ours) => vec![format!(
                    "{}: kubectl failed ({err}) but we merged: {ours:?}",
                    cases[0].label
                )],
            };
        }
    };
    let mut by_name: BTreeMap<String, Value> = BTreeMap::new();
    for doc in docs {
        let name = doc["metadata"]["name"]
            .as_str()
            .unwrap_or_default()
            .to_string();
        by_name.insert(name, doc);
    }
    let mut failures = Vec::new();
    for ((name, target, patch), case) in renamed.iter().zip(cases) {
        let ours = strategic_merge_with(schema, target, patch, case.options);
        let expected = match &ours {
            // A renamed result is found under its new name.
            Ok(MergeOutcome::Merged(v)) => {
                v["metadata"]["name"].as_str().and_then(|n| by_name.get(n))
            }
            _ => by_name.get(name.as_str()),
        };
        if case.fails {
            failures.push(format!(
                "{}: kubectl accepted a patch marked `fails`",
                case.label
            ));
            continue;
        }
        let agree = match (&ours, expected) {
            (Ok(MergeOutcome::Merged(ours)), Some(theirs)) => ours == theirs,
            (Ok(MergeOutcome::Deleted), None) => true,
            _ => false,
        };
        if !agree {
            failures.push(format!(
                "{} ({name}):\n--- target\n{}--- patch\n{}--- kubectl\n{}--- ours\n{:?}\n",
                case.label,
                serde_yaml::to_string(target).unwrap_or_default(),
                serde_yaml::to_string(patch).unwrap_or_default(),
                expected
                    .map(|v| serde_yaml::to_string(v).unwrap_or_default())
                    .unwrap_or("(absent)\n".into()),
                ours
            ));
        }
    }
    failures
}

/// Cases per kubectl run: kustomize's cost grows with patches × resources², so
/// moderate batches are much faster than one big one.
const BATCH: usize = 50;

fn check(cases: Vec<Case>, schema: &MergeSchema, openapi: Option<&Value>) {
    let failures: Vec<String> = cases
        .chunks(BATCH)
        .flat_map(|batch| run_batch(batch, schema, openapi))
        .collect();
    assert!(
        failures.is_empty(),
        "{} of {} cases differ from kubectl kustomize:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );
}

/// The corpus: a multi-document YAML file, one case per document with `label`,
/// `target`, `patch`, and optionally `options` (kustomize's patch options),
/// `fails: true` (kubectl rejects the patch) or `openapi: true` (merge under the
/// custom OpenAPI document `openapi.json` instead of the built-in schema).
fn corpus() -> Vec<(Case, bool)> {
    let text = include_str!("../fixtures/smp/cases.yaml");
    let mut out = Vec::new();
    for doc in serde_yaml::Deserializer::from_str(text) {
        let doc: Value = serde::Deserialize::deserialize(doc).expect("corpus parses");
        let flag = |name: &str| doc.get(name).and_then(Value::as_bool).unwrap_or(false);
        let options = SmpOptions {
            allow_name_change: doc["options"]["allowNameChange"].as_bool().unwrap_or(false),
            allow_kind_change: doc["options"]["allowKindChange"].as_bool().unwrap_or(false),
        };
        let case = Case {
            label: doc["label"]
                .as_str()
                .expect("every case has a label")
                .to_string(),
            target: doc["target"].clone(),
            patch: doc["patch"].clone(),
            options,
            fails: flag("fails"),
        };
        out.push((case, flag("openapi")));
    }
    out
}

fn openapi_document() -> Value {
    serde_json::from_str(include_str!("../fixtures/smp/openapi.json")).expect("openapi.json parses")
}

#[test]
fn corpus_matches_kubectl() {
    let cases = corpus()
        .into_iter()
        .filter(|(case, openapi)| !case.fails && !openapi)
        .map(|(case, _)| case)
        .collect();
    check(cases, &MergeSchema::builtin(), None);
}

#[test]
fn rejected_patches_fail_like_kubectl() {
    let schema = MergeSchema::builtin();
    for (case, _) in corpus() {
        if !case.fails {
            continue;
        }
        let ours = strategic_merge_with(&schema, &case.target, &case.patch, case.options);
        assert!(
            ours.is_err(),
            "{}: expected an error, got {ours:?}",
            case.label
        );
        check(vec![case], &schema, None);
    }
}

#[test]
fn custom_openapi_document_matches_kubectl() {
    let doc = openapi_document();
    let schema = MergeSchema::builtin()
        .with_openapi_document(&doc)
        .expect("valid document");
    let cases = corpus()
        .into_iter()
        .filter(|(case, openapi)| !case.fails && *openapi)
        .map(|(case, _)| case)
        .collect();
    check(cases, &schema, Some(&doc));
}

#[test]
fn random_patches_match_kubectl() {
    // Exploratory runs: CONVERGE_SMP_RANDOM_CASES=5000 CONVERGE_SMP_RANDOM_SEED=7.
    let env = |name: &str| std::env::var(name).ok().and_then(|n| n.parse().ok());
    let mut rng = Lcg(env("CONVERGE_SMP_RANDOM_SEED").unwrap_or(0x5eed));
    let count = env("CONVERGE_SMP_RANDOM_CASES").unwrap_or(400);
    let cases = (0..count)
        .map(|i| Case {
            label: format!("random #{i}"),
            target: random_resource(&mut rng, false),
            patch: random_resource(&mut rng, true),
            options: SmpOptions::default(),
            fails: false,
        })
        .collect();
    check(cases, &MergeSchema::builtin(), None);
}

/// Deterministic pseudo-random numbers (the same cases on every run).
struct Lcg(u64);

impl Lcg {
    fn below(&mut self, n: u64) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (self.0 >> 33) % n.max(1)
    }

    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len() as u64) as usize]
    }
}

fn random_list(rng: &mut Lcg, patch: bool, make: impl Fn(&mut Lcg) -> Value, key: &str) -> Value {
    let mut items = Vec::new();
    for _ in 0..rng.below(5) {
        let mut item = make(rng);
        if patch {
            match rng.below(12) {
                0 => item = json!({key: item[key].clone(), "$patch": "delete"}),
                1 => item["$patch"] = json!("replace"),
                2 => item = json!({"$patch": rng.pick(&["replace", "replace", "merge", "delete"])}),
                3 => {
                    if let Some(map) = item.as_object_mut() {
                        map.retain(|k, _| k == key);
                        map.insert("extra".into(), Value::Null);
                    }
                }
                _ => {}
            }
        } else {
            match rng.below(40) {
                0 => item = Value::Null,
                1 | 2 => {
                    if let Some(map) = item.as_object_mut() {
                        map.remove(key);
                    }
                }
                _ => {}
            }
        }
        items.push(item);
    }
    Value::Array(items)
}

fn random_container(rng: &mut Lcg, patch: bool) -> Value {
    let mut c = json!({"name": rng.pick(&["app", "side", "init", "proxy"])});
    if rng.below(3) > 0 {
        c["image"] = json!(rng.pick(&["nginx:1", "nginx:2", "busybox"]));
    }
    if rng.below(2) == 0 {
        let env = |rng: &mut Lcg| match rng.below(6) {
            0 => {
                json!({"name": rng.pick(&["A", "B", "C", "D"]), "valueFrom": {"fieldRef": {"fieldPath": "x"}}})
            }
            1 => json!({"name": rng.pick(&["A", "B", "C", "D"]), "value": null}),
            _ => {
                json!({"name": rng.pick(&["A", "B", "C", "D"]), "value": rng.pick(&["1", "2", "x"])})
            }
        };
        c["env"] = random_list(rng, patch, env, "name");
    }
    if rng.below(3) == 0 {
        let port = |rng: &mut Lcg| {
            let port = [80, 443, 8080][rng.below(3) as usize];
            let mut p = json!({"containerPort": port});
            if rng.below(2) == 0 {
                p["protocol"] = json!(rng.pick(&["TCP", "UDP"]));
            }
            if rng.below(2) == 0 {
                p["name"] = json!(rng.pick(&["http", "https", "alt"]));
            }
            p
        };
        c["ports"] = random_list(rng, patch, port, "containerPort");
    }
    if rng.below(3) == 0 {
        let mount = |rng: &mut Lcg| json!({"mountPath": rng.pick(&["/a", "/b", "/c"]), "name": rng.pick(&["v1", "v2"])});
        c["volumeMounts"] = random_list(rng, patch, mount, "mountPath");
    }
    if rng.below(4) == 0 {
        c["args"] = json!(["--x", rng.pick(&["1", "2"])]);
    }
    if rng.below(4) == 0 {
        c["resources"] = match rng.below(4) {
            0 if patch => Value::Null,
            1 => json!({"limits": {"cpu": rng.pick(&["1", "2"])}, "requests": null}),
            2 if patch => json!({"$patch": "replace", "requests": {"memory": "1Gi"}}),
            _ => json!({"requests": {"cpu": "100m", "memory": rng.pick(&["1Gi", "2Gi"])}}),
        };
    }
    c
}

fn random_service(rng: &mut Lcg, patch: bool) -> Value {
    let port = |rng: &mut Lcg| {
        let number = [80, 443][rng.below(2) as usize];
        let mut p = json!({"port": number});
        if rng.below(2) == 0 {
            p["protocol"] = json!(rng.pick(&["TCP", "UDP"]));
        }
        if rng.below(2) == 0 {
            p["targetPort"] = json!(rng.pick(&["http", "8080"]));
        }
        p
    };
    let mut spec = json!({"ports": random_list(rng, patch, port, "port")});
    if rng.below(2) == 0 {
        spec["selector"] = json!({rng.pick(&["app", "tier"]): rng.pick(&["a", "b", "c"])});
    }
    if rng.below(3) == 0 {
        spec["type"] = if patch && rng.below(2) == 0 {
            Value::Null
        } else {
            json!("NodePort")
        };
    }
    let mut metadata = json!({"name": "x"});
    if rng.below(3) == 0 {
        let finalizers: Vec<&str> = (0..rng.below(4))
            .map(|_| rng.pick(&["f1", "f2", "f3"]))
            .collect();
        metadata["finalizers"] = json!(finalizers);
    }
    json!({"apiVersion": "v1", "kind": "Service", "metadata": metadata, "spec": spec})
}

fn random_resource(rng: &mut Lcg, patch: bool) -> Value {
    if rng.below(4) == 0 {
        return random_service(rng, patch);
    }
    let mut spec = json!({});
    let containers = |rng: &mut Lcg| random_container(rng, patch);
    spec["containers"] = random_list(rng, patch, containers, "name");
    if rng.below(3) == 0 {
        let volume = |rng: &mut Lcg| match rng.below(3) {
            0 => json!({"name": rng.pick(&["v1", "v2", "v3"]), "emptyDir": {}}),
            1 => json!({"name": rng.pick(&["v1", "v2", "v3"]), "configMap": {"name": "cm"}}),
            _ => {
                json!({"name": rng.pick(&["v1", "v2", "v3"]), "emptyDir": null, "secret": {"secretName": "s"}})
            }
        };
        spec["volumes"] = random_list(rng, patch, volume, "name");
    }
    if rng.below(4) == 0 {
        spec["tolerations"] = json!([{"key": rng.pick(&["a", "b"]), "operator": "Exists"}]);
    }
    let mut metadata = json!({"name": "x"});
    if rng.below(3) == 0 {
        metadata["labels"] = json!({rng.pick(&["app", "tier"]): rng.pick(&["web", "db"])});
    }
    if rng.below(4) == 0 {
        metadata["finalizers"] = json!([rng.pick(&["f1", "f2"]), rng.pick(&["f2", "f3"])]);
    }
    let kind = if rng.below(5) == 0 {
        "Widget"
    } else {
        "Deployment"
    };
    let api_version = if kind == "Widget" {
        "example.com/v1"
    } else {
        "apps/v1"
    };
    let mut resource = json!({
        "apiVersion": api_version, "kind": kind, "metadata": metadata,
        "spec": {"replicas": rng.below(3), "template": {"spec": spec}}
    });
    if patch && rng.below(3) == 0 {
        resource["spec"]["replicas"] = Value::Null;
    }
    resource
}

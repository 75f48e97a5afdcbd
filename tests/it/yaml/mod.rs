//! The YAML layer against the oracle, `kubectl kustomize` (Kustomize v5.5.0):
//! shared helpers, and one module per concern.

mod conformance;
mod parsing;
mod printing;

use std::collections::HashMap;
use std::path::Path;
use std::process::Command;

use converge::yaml::{Value, parse_documents, to_yaml};
use serde_json::json;

/// Fails (never skips) when the oracle is missing.
pub(crate) fn require_kubectl() {
    let ok = Command::new("kubectl")
        .args(["version", "--client"])
        .output()
        .map(|o| o.status.success())
        .unwrap_or(false);
    assert!(
        ok,
        "this test needs `kubectl` (v1.32, which embeds kustomize v5.5.0) on PATH: install kubectl to run it"
    );
}

/// Runs `kubectl kustomize` over one file per resource and returns the
/// printed documents keyed by `metadata.name`.
pub(crate) fn kustomize(resources: &[String]) -> HashMap<String, String> {
    require_kubectl();
    let dir = tempfile::tempdir().expect("temp dir");
    let mut names = Vec::new();
    for (i, text) in resources.iter().enumerate() {
        let name = format!("r{i}.yaml");
        std::fs::write(dir.path().join(&name), text).expect("write resource");
        names.push(name);
    }
    let kustomization = format!(
        "resources:\n{}",
        names.iter().map(|n| format!("- {n}\n")).collect::<String>()
    );
    std::fs::write(dir.path().join("kustomization.yaml"), kustomization)
        .expect("write kustomization");
    let out = Command::new("kubectl")
        .arg("kustomize")
        .arg(dir.path())
        .output()
        .expect("run kubectl kustomize");
    assert!(
        out.status.success(),
        "kubectl kustomize failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8(out.stdout).expect("kubectl prints UTF-8");
    if let Some(dump) = std::env::var_os("CONVERGE_YAML_DUMP") {
        std::fs::write(Path::new(&dump).join("kubectl.yaml"), &stdout).expect("dump");
    }
    split_output(&stdout)
        .into_iter()
        .map(|doc| {
            // Not parsed: kubectl's output may hold raw U+2028 inside literal
            // blocks, which yaml.v3 reads as line breaks (YAML 1.1).
            let name = doc
                .split_once("\nmetadata:\n  name: ")
                .and_then(|(_, rest)| rest.lines().next())
                .expect("metadata.name")
                .to_string();
            (name, doc)
        })
        .collect()
}

/// Splits a `kustomize build` stream at its `---` lines (content lines of a
/// document are never `---` at column 0).
pub(crate) fn split_output(stream: &str) -> Vec<String> {
    let mut docs = vec![String::new()];
    for line in stream.split_inclusive('\n') {
        if line == "---\n" {
            docs.push(String::new());
        } else if let Some(last) = docs.last_mut() {
            last.push_str(line);
        }
    }
    docs.into_iter().filter(|d| !d.is_empty()).collect()
}

/// Compares our rendering of every resource with the oracle's; reports all
/// mismatches at once.
pub(crate) fn assert_same_as_kustomize(resources: &[String]) {
    let oracle = kustomize(resources);
    let mut failures = Vec::new();
    for text in resources {
        let docs = match parse_documents(text) {
            Ok(docs) => docs,
            Err(e) => {
                let line = e.line().unwrap_or(1);
                let context: Vec<&str> =
                    text.lines().skip(line.saturating_sub(3)).take(4).collect();
                failures.push(format!(
                    "we reject an input kustomize accepts: {e}\n{context:#?}"
                ));
                continue;
            }
        };
        let ours = to_yaml(&docs[0]);
        if let Some(dump) = std::env::var_os("CONVERGE_YAML_DUMP") {
            let name = docs[0]["metadata"]["name"].as_str().unwrap_or("x");
            std::fs::write(Path::new(&dump).join(format!("ours-{name}.yaml")), &ours)
                .expect("dump");
        }
        let name = docs[0]["metadata"]["name"]
            .as_str()
            .expect("name")
            .to_string();
        let theirs = oracle.get(&name).cloned().unwrap_or_default();
        if ours != theirs {
            failures.push(first_difference(&name, &ours, &theirs));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} resources differ from kubectl kustomize:\n{}",
        failures.len(),
        resources.len(),
        failures.join("\n")
    );
}

pub(crate) fn first_difference(name: &str, ours: &str, theirs: &str) -> String {
    let ours_lines: Vec<&str> = ours.lines().collect();
    let theirs_lines: Vec<&str> = theirs.lines().collect();
    for i in 0..ours_lines.len().max(theirs_lines.len()) {
        let a = ours_lines.get(i).copied().unwrap_or("<end>");
        let b = theirs_lines.get(i).copied().unwrap_or("<end>");
        if a != b {
            return format!("{name} line {}:\n  ours:    {a:?}\n  kubectl: {b:?}", i + 1);
        }
    }
    format!("{name}: differs only in the final newline")
}

/// JSON text (which is YAML) with the characters yaml.v3 refuses raw, or
/// treats as line breaks, written as escapes.
pub(crate) fn to_input(value: &Value) -> String {
    let json = serde_json::to_string(value).expect("json");
    let mut out = String::with_capacity(json.len());
    for c in json.chars() {
        let u = c as u32;
        if (0x7F..=0x9F).contains(&u) || matches!(u, 0x2028 | 0x2029 | 0xFEFF | 0xFFFE | 0xFFFF) {
            out.push_str(&format!("\\u{u:04x}"));
        } else {
            out.push(c);
        }
    }
    out
}

/// go-yaml v2's key order is not transitive once digits mix with other
/// characters (`08` < `0x` < `1e400` < `08`), and Go feeds `sort.Sort` the keys
/// in random map order: kustomize's output for such key sets changes from run
/// to run. Differential key sets therefore avoid digits (a digit-only set is
/// checked separately), and NEL, which kustomize cannot print in keys.
pub(crate) fn key_order_is_deterministic(key: &str) -> bool {
    !key.contains(|c: char| c.is_ascii_digit() || c == '\u{85}')
}

pub(crate) fn object(name: &str, spec: Value) -> Value {
    json!({
        "apiVersion": "example.com/v1",
        "kind": "Tricky",
        "metadata": {"name": name},
        "spec": spec,
    })
}

/// Runs `kubectl kustomize` on a single resource file: its output, or `None`
/// when kustomize rejects the input.
pub(crate) fn kustomize_one(resource: &str) -> Option<String> {
    require_kubectl();
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::write(dir.path().join("r.yaml"), resource).expect("write");
    std::fs::write(
        dir.path().join("kustomization.yaml"),
        "resources:\n- r.yaml\n",
    )
    .expect("write");
    let out = Command::new("kubectl")
        .arg("kustomize")
        .arg(dir.path())
        .output()
        .expect("run kubectl");
    out.status
        .success()
        .then(|| String::from_utf8(out.stdout).expect("UTF-8"))
}

/// A tiny deterministic generator, so the random cases are reproducible.
pub(crate) struct XorShift(u64);

impl XorShift {
    pub(crate) fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.0 = x;
        x
    }

    pub(crate) fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

//! The conformance corpus: every `expected.yaml` is go-yaml v2 output, so
//! reading and re-printing it must be a fixed point.

use std::path::{Path, PathBuf};

use converge::yaml::{parse_documents, write_yaml_stream};

use super::first_difference;

fn conformance_cases() -> Option<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/conformance/kustomize/cases");
    dir.is_dir().then_some(dir)
}

/// Every `expected.yaml` of the corpus is go-yaml v2 output: reading it and
/// printing it again must give the same bytes.
#[test]
fn conformance_outputs_are_a_fixed_point() {
    let Some(dir) = conformance_cases() else {
        eprintln!("conformance corpus not found next to the repository; nothing to check");
        return;
    };
    let mut total = 0;
    let mut failures = Vec::new();
    let mut entries: Vec<_> = std::fs::read_dir(&dir)
        .expect("read corpus")
        .flatten()
        .collect();
    entries.sort_by_key(|e| e.file_name());
    for entry in entries {
        let path = entry.path().join("expected.yaml");
        let Ok(text) = std::fs::read_to_string(&path) else {
            continue;
        };
        total += 1;
        let case = entry.file_name().to_string_lossy().to_string();
        match parse_documents(&text) {
            Ok(docs) => {
                let mut out = String::new();
                write_yaml_stream(&mut out, &docs);
                if out != text {
                    failures.push(first_difference(&case, &out, &text));
                }
            }
            Err(e) => failures.push(format!("{case}: parse error {e}")),
        }
    }
    eprintln!(
        "conformance fixed point: {} of {total} expected outputs reproduced",
        total - failures.len()
    );
    assert!(total > 0, "the corpus has no expected.yaml files");
    assert!(
        failures.is_empty(),
        "{} cases differ:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

/// Reads every YAML input of the corpus with the dialect kustomize uses for
/// it. Where kustomize succeeded all must parse; where it failed on YAML
/// (malformed text, duplicate keys) one of the inputs must fail for us too.
#[test]
fn conformance_inputs_parse_like_kustomize() {
    let Some(dir) = conformance_cases() else {
        eprintln!("conformance corpus not found next to the repository; nothing to check");
        return;
    };
    let mut files = 0;
    let mut problems = Vec::new();
    let mut entries: Vec<_> = std::fs::read_dir(&dir)
        .expect("read corpus")
        .flatten()
        .collect();
    entries.sort_by_key(|e| e.file_name());
    for entry in entries {
        let case = entry.file_name().to_string_lossy().to_string();
        let succeeded = entry.path().join("expected.yaml").exists();
        let error =
            std::fs::read_to_string(entry.path().join("expected-error.txt")).unwrap_or_default();
        let yaml_error = error.contains("MalformedYAMLError") || error.contains("already defined");
        let mut failed = Vec::new();
        let mut stack = vec![entry.path().join("in")];
        while let Some(d) = stack.pop() {
            for file in std::fs::read_dir(&d).into_iter().flatten().flatten() {
                let path = file.path();
                if path.is_dir() {
                    stack.push(path);
                    continue;
                }
                let name = file.file_name().to_string_lossy().to_string();
                let is_kustomization = ["kustomization.yaml", "kustomization.yml", "Kustomization"]
                    .contains(&name.as_str());
                if !(is_kustomization || name.ends_with(".yaml") || name.ends_with(".yml")) {
                    continue;
                }
                let Ok(text) = std::fs::read_to_string(&path) else {
                    continue;
                };
                files += 1;
                let result = if is_kustomization {
                    converge::yaml::parse_kustomization(&text).map(|_| ())
                } else {
                    parse_documents(&text).map(|_| ())
                };
                if let Err(e) = result {
                    failed.push(format!(
                        "{}: {e}",
                        path.strip_prefix(&dir).unwrap_or(&path).display()
                    ));
                }
            }
        }
        if succeeded && !failed.is_empty() {
            problems.push(format!("{case}: kustomize succeeded, we fail: {failed:?}"));
        }
        if yaml_error && failed.is_empty() {
            problems.push(format!(
                "{case}: kustomize failed on YAML, we parse every input"
            ));
        }
    }
    eprintln!("conformance inputs: {files} YAML files read");
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

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

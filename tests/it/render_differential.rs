//! Regression fixtures found by the randomized differential runs against `kubectl kustomize`
//! (`tests/differential/`): each `tests/fixtures/differential/<case>/` holds an input tree
//! `in/` (built at `in/`, or at the path written in `<case>/build`) and kubectl's verdict:
//! `expected.yaml`, or `expected-error.txt` holding a substring of the error.

use std::path::{Path, PathBuf};

use converge::render;
use converge::source::FsSource;

use crate::support::repo_root;

/// Renders one fixture; `Err` describes how it differs from kubectl's verdict.
fn check(case: &Path) -> Result<(), String> {
    let input = case.join("in");
    let build = match std::fs::read_to_string(case.join("build")) {
        Ok(rel) => input.join(rel.trim()),
        Err(_) => input.clone(),
    };
    let source = FsSource::unbounded();
    let rendered = render::build(&source, &build).and_then(|resources| {
        render::Rendered {
            resources,
            closure: Default::default(),
        }
        .to_yaml()
    });
    if let Ok(want) = std::fs::read_to_string(case.join("expected-error.txt")) {
        return match rendered {
            Ok(_) => Err(format!(
                "rendered, but kubectl rejects it ({})",
                want.trim()
            )),
            Err(e) if e.to_string().contains(want.trim()) => Ok(()),
            Err(e) => Err(format!("error {e:?} lacks {:?}", want.trim())),
        };
    }
    let want = std::fs::read_to_string(case.join("expected.yaml"))
        .map_err(|e| format!("no expected.yaml nor expected-error.txt: {e}"))?;
    let got = rendered.map_err(|e| format!("fails: {e}"))?;
    if got == want {
        return Ok(());
    }
    let diff = similar::TextDiff::from_lines(&want, &got)
        .unified_diff()
        .header("kubectl", "converge")
        .to_string();
    Err(format!("output differs:\n{diff}"))
}

#[test]
fn every_differential_fixture_renders_as_kubectl_does() {
    let root = repo_root().join("tests/fixtures/differential");
    let mut cases: Vec<PathBuf> = std::fs::read_dir(&root)
        .expect("tests/fixtures/differential exists")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.is_dir())
        .collect();
    cases.sort();
    assert!(!cases.is_empty(), "no fixture under {}", root.display());
    let failures: Vec<String> = cases
        .iter()
        .filter_map(|case| {
            check(case).err().map(|why| {
                let name = case.file_name().unwrap_or_default().to_string_lossy();
                format!("--- {name}: {why}")
            })
        })
        .collect();
    assert!(
        failures.is_empty(),
        "{} of {} fixtures differ from kubectl:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );
}

//! Regression fixtures from the randomized differential comparison with `kubectl kustomize`
//! (`tests/differential/`): every directory under `tests/fixtures/differential/` holds an
//! input tree (`in/`, or the path named in its `build` file below `in/`) and either
//! `expected.yaml` (kubectl's output) or `expected-error.txt` (a substring of the error).
//! Each is built with the library, and all mismatches are reported at once.

use std::path::{Path, PathBuf};

use converge::render;
use converge::source::FsSource;

fn build(dir: &Path) -> Result<String, String> {
    let source = FsSource::unbounded();
    let resources = render::build(&source, dir).map_err(|e| e.to_string())?;
    render::Rendered {
        resources,
        closure: Default::default(),
    }
    .to_yaml()
    .map_err(|e| e.to_string())
}

fn fixture_dirs() -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/differential");
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(&root)
        .unwrap_or_else(|e| panic!("reading {}: {e}", root.display()))
        .filter_map(|entry| entry.ok().map(|e| e.path()))
        .filter(|p| p.is_dir())
        .collect();
    dirs.sort();
    dirs
}

/// What is wrong with one fixture, if anything.
fn check(case: &Path) -> Option<String> {
    let rel = std::fs::read_to_string(case.join("build")).unwrap_or_else(|_| ".".into());
    let dir = case.join("in").join(rel.trim());
    let got = build(&dir);
    if let Ok(expected) = std::fs::read_to_string(case.join("expected.yaml")) {
        return match got {
            Ok(out) if out == expected => None,
            Ok(out) => Some(format!(
                "output differs from kubectl's:\n{}",
                similar::TextDiff::from_lines(&expected, &out)
                    .unified_diff()
                    .header("kubectl", "converge")
            )),
            Err(e) => Some(format!("failed where kubectl succeeds: {e}")),
        };
    }
    let want = match std::fs::read_to_string(case.join("expected-error.txt")) {
        Ok(text) => text.trim().to_string(),
        Err(_) => return Some("has neither expected.yaml nor expected-error.txt".into()),
    };
    match got {
        Ok(_) => Some(format!("succeeded where kubectl fails with {want:?}")),
        Err(e) if e.contains(&want) => None,
        Err(e) => Some(format!("error {e:?} does not contain {want:?}")),
    }
}

#[test]
fn differential_fixtures_match_kubectl() {
    let dirs = fixture_dirs();
    assert!(
        !dirs.is_empty(),
        "no fixtures under tests/fixtures/differential"
    );
    let failures: Vec<String> = dirs
        .iter()
        .filter_map(|case| {
            let name = case.file_name().map(|n| n.to_string_lossy().into_owned());
            check(case).map(|why| format!("{}: {why}", name.unwrap_or_default()))
        })
        .collect();
    assert!(
        failures.is_empty(),
        "{} of {} differential fixtures fail:\n{}",
        failures.len(),
        dirs.len(),
        failures.join("\n")
    );
}

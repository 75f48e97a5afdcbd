//! The example policies on the example environments, and their own Rego tests.

use converge::policy::PolicySet;
use converge::source::FsSource;

use super::{objects_of, open_findings, production, staging};
use crate::support::{converge, repo_root};

#[test]
fn example_environments_pass_their_policies() {
    let source = FsSource::new(&repo_root()).expect("repository");
    for (env, selection) in [("staging", staging()), ("production", production())] {
        // The golden renders are what `kubectl kustomize` makes of the example overlays.
        let golden = std::fs::read_to_string(repo_root().join(format!("tests/golden/{env}.yaml")))
            .expect("golden render");
        let objects = objects_of(&golden);
        let policies = PolicySet::load(&source, &selection).expect("example policies load");
        let report = policies.evaluate(env, &objects).expect("evaluates");
        assert_eq!(
            open_findings(&report),
            vec![],
            "{env}:\n{}",
            report.to_text()
        );
        assert!(
            report.objects > 20 && report.policies.len() >= 8,
            "{report:?}"
        );
    }
}

#[test]
fn converge_check_passes_the_example_environments() {
    let out = converge()
        .arg("check")
        .arg("--repo")
        .arg(repo_root())
        .output()
        .expect("run converge check");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        stdout.starts_with("converge: 0 denied, 0 warnings, 0 excepted (")
            && stdout.contains("\nproduction: 0 denied, 0 warnings, 0 excepted (")
            && stdout.contains("\nstaging: 0 denied, 0 warnings, 0 excepted ("),
        "{stdout}"
    );
}

#[test]
fn the_environment_files_select_the_example_policies() {
    let source = FsSource::new(&repo_root()).expect("repository");
    let env = converge::environment::load_from_source(&source, "production").expect("env");
    let golden = std::fs::read_to_string(repo_root().join("tests/golden/production.yaml"))
        .expect("golden render");
    let objects = objects_of(&golden);
    let report =
        converge::policy::check_environment(&source, &env, &objects).expect("the gate runs");
    assert!(
        !report.denied() && report.objects == objects.len(),
        "{}",
        report.to_text()
    );
    let env = converge::environment::load_from_source(&source, "production").expect("env");
    assert_eq!(env.spec.policies.paths, production().paths);
    let env = converge::environment::load_from_source(&source, "staging").expect("env");
    assert_eq!(env.spec.policies.paths, staging().paths);
}

#[test]
fn the_example_policies_own_tests_pass() {
    let source = FsSource::new(&repo_root()).expect("repository");
    let report = PolicySet::load(&source, &production())
        .expect("load")
        .run_tests()
        .expect("run");
    assert!(report.passed(), "{}", report.to_text());
    assert!(report.results.len() >= 20, "{}", report.to_text());
}

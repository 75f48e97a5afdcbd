//! Rendering: the example overlays against golden files made by `kubectl kustomize`, rendering
//! from git revisions, and the errors bad input gets.

use std::process::Command;

use crate::support::{converge, copy_tree, git, repo_root, require_tool, run_ok};

#[test]
fn example_overlays_match_kubectl_kustomize_goldens() {
    for env in ["staging", "production"] {
        let dir = repo_root().join("overlays").join(env);
        let out = run_ok(converge().arg("build").arg(&dir));
        let golden = std::fs::read_to_string(repo_root().join(format!("tests/golden/{env}.yaml")))
            .expect("golden file");
        assert!(
            out == golden,
            "converge build overlays/{env} differs from tests/golden/{env}.yaml"
        );
    }
}

#[test]
fn render_from_a_revision_equals_rendering_its_checkout() {
    require_tool("git", "git");
    let tmp = tempfile::tempdir().expect("temp dir");
    let repo = tmp.path().join("repo");
    for dir in ["environments", "overlays"] {
        copy_tree(&repo_root().join(dir), &repo.join(dir));
    }
    git(&repo, &["init", "-q", "-b", "main"]);
    git(&repo, &["add", "-A"]);
    git(&repo, &["commit", "-qm", "platform"]);
    let kustomization = repo.join("overlays/staging/kustomization.yaml");
    let text = std::fs::read_to_string(&kustomization).expect("read");
    std::fs::write(
        &kustomization,
        text.replace("newTag: \"1.4.0\"", "newTag: \"1.5.0\""),
    )
    .expect("write");
    git(&repo, &["commit", "-qam", "bump api"]);

    let from_git = run_ok(
        converge()
            .args(["render", "--env", "staging", "--rev", "HEAD~1", "--repo"])
            .arg(&repo),
    );
    let checkout = tmp.path().join("checkout");
    run_ok(
        Command::new("git")
            .args(["worktree", "add", "-q"])
            .arg(&checkout)
            .arg("HEAD~1")
            .current_dir(&repo),
    );
    let from_checkout = run_ok(
        converge()
            .args(["render", "--env", "staging", "--repo"])
            .arg(&checkout),
    );
    assert_eq!(from_git, from_checkout);
    let head = run_ok(
        converge()
            .args(["render", "--env", "staging", "--repo"])
            .arg(&repo),
    );
    assert_ne!(head, from_git, "HEAD renders the bumped tag");
    assert!(head.contains("registry.example.com/ml/api:1.5.0"));
}

#[test]
fn bad_input_names_the_file_and_never_panics() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let cases: &[(&str, &str, &str)] = &[
        (
            "resources: [missing.yaml]\n",
            "missing.yaml",
            "missing file",
        ),
        ("resourcez: []\n", "resourcez", "unknown field"),
        ("resources: [a.yaml]\n", "a.yaml", "malformed yaml"),
        (
            "resources: [../outside.yaml]\n",
            "outside.yaml",
            "load restrictor",
        ),
        ("resources: [b.yaml, b.yaml]\n", "b.yaml", "duplicate id"),
        ("resources: [bomb.yaml]\n", "bomb.yaml", "alias bomb"),
    ];
    let bomb = "a: &a [x,x,x,x,x,x,x,x,x]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\nc: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]\nd: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]\ne: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]\nf: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]\ng: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]\nh: &h [*g,*g,*g,*g,*g,*g,*g,*g,*g]\ni: &i [*h,*h,*h,*h,*h,*h,*h,*h,*h]\n";
    std::fs::write(
        tmp.path().join("outside.yaml"),
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n",
    )
    .expect("write");
    for (i, (kustomization, needle, what)) in cases.iter().enumerate() {
        let dir = tmp.path().join(format!("case{i}"));
        std::fs::create_dir_all(&dir).expect("mkdir");
        std::fs::write(dir.join("kustomization.yaml"), kustomization).expect("write");
        std::fs::write(
            dir.join("a.yaml"),
            "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: [unclosed\n",
        )
        .expect("write");
        std::fs::write(
            dir.join("b.yaml"),
            "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: b\n",
        )
        .expect("write");
        std::fs::write(dir.join("bomb.yaml"), bomb).expect("write");
        let out = converge()
            .arg("build")
            .arg(&dir)
            .output()
            .expect("run converge");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(
            out.status.code(),
            Some(2),
            "{what}: expected exit 2, got {:?}\n{stderr}",
            out.status
        );
        assert!(
            stderr.contains(needle),
            "{what}: error should name {needle:?}:\n{stderr}"
        );
        assert!(!stderr.contains("panicked"), "{what}: panicked:\n{stderr}");
    }
}

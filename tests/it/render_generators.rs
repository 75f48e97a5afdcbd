//! configMapGenerator / secretGenerator against `kubectl kustomize` (run at test time): the
//! same objects, names (content hashes) and order, and failures where kubectl fails.
//! Documents are compared parsed, so the comparison does not depend on YAML styling.

use std::path::Path;

use crate::support::{converge, require_tool};

fn write(dir: &Path, files: &[(&str, &[u8])]) {
    for (name, content) in files {
        let path = dir.join(name);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).expect("mkdir");
        }
        std::fs::write(path, content).expect("write");
    }
}

/// Runs a command; Ok(stdout) on success, Err(stderr) on failure.
fn outcome(cmd: &mut std::process::Command) -> Result<String, String> {
    let out = cmd
        .output()
        .unwrap_or_else(|e| panic!("cannot run {cmd:?}: {e}"));
    if out.status.success() {
        Ok(String::from_utf8_lossy(&out.stdout).into_owned())
    } else {
        Err(String::from_utf8_lossy(&out.stderr).into_owned())
    }
}

fn documents(text: &str) -> Vec<serde_yaml::Value> {
    serde_yaml::Deserializer::from_str(text)
        .map(|doc| serde::Deserialize::deserialize(doc).expect("output parses as YAML"))
        .collect()
}

fn kubectl(dir: &Path) -> Result<String, String> {
    require_tool("kubectl", "kubectl (v1.32, with kustomize v5.5.0)");
    outcome(
        std::process::Command::new("kubectl")
            .arg("kustomize")
            .arg(dir),
    )
}

fn ours(dir: &Path) -> Result<String, String> {
    outcome(converge().arg("build").arg(dir))
}

fn assert_same_as_kubectl(dir: &Path) {
    let theirs = kubectl(dir).unwrap_or_else(|e| panic!("kubectl failed on {dir:?}: {e}"));
    let ours = ours(dir).unwrap_or_else(|e| panic!("converge failed on {dir:?}: {e}"));
    assert_eq!(
        documents(&ours),
        documents(&theirs),
        "converge and kubectl differ on {dir:?}\n--- converge\n{ours}\n--- kubectl\n{theirs}"
    );
}

fn assert_both_fail(dir: &Path, needle: &str) {
    let theirs = kubectl(dir);
    assert!(
        theirs.is_err(),
        "kubectl should fail on {dir:?}: {theirs:?}"
    );
    let err = ours(dir).expect_err("converge should fail");
    assert!(
        err.contains(needle),
        "error should mention {needle:?}: {err}"
    );
    assert!(!err.contains("panicked"), "panicked: {err}");
}

#[test]
fn sources_options_and_secrets_match_kubectl() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let dir = tmp.path();
    write(
        dir,
        &[
            (
                "kustomization.yaml",
                br#"
configMapGenerator:
- name: cm
  namespace: apps
  envs: [app.env]
  literals:
  - "single='quoted'"
  - double="quoted"
  - lone="
  - mixed='quoted"
  - eq=x=y
  - "sp ace=v"
  - multi=first
  files: [dir/readme.txt, blob=data.bin]
  options:
    labels: {tier: backend}
    annotations: {note: local}
    immutable: true
- name: empty
  behavior: create
secretGenerator:
- name: creds
  literals: ["key=0123456789012345678901234567890123456789012345678901"]
  files: [data.bin]
  type: kubernetes.io/tls
- name: nothing
generatorOptions:
  labels: {team: core, tier: ignored}
  annotations: {global: "yes"}
"#,
            ),
            (
                "app.env",
                b"\xEF\xBB\xBFA=1\r\nB\n  # comment\n  C = spaced \n=skipped\nexport D=5\n",
            ),
            ("dir/readme.txt", b"line one\nline two\n"),
            ("data.bin", b"\xff\xfe\x00binary"),
        ],
    );
    assert_same_as_kubectl(dir);
}

#[test]
fn overlay_merge_and_replace_match_kubectl() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let dir = tmp.path();
    write(
        dir,
        &[
            (
                "base/kustomization.yaml",
                br#"
namePrefix: p-
resources: [plain.yaml]
configMapGenerator:
- name: hashed
  literals: [a=1]
  options:
    labels: {base: "yes"}
- name: unhashed
  literals: [a=1]
  options:
    disableNameSuffixHash: true
secretGenerator:
- name: sec
  literals: [user=admin]
"#,
            ),
            (
                "base/plain.yaml",
                b"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: plain\n  labels: {orig: o}\ndata:\n  year: 2020\n",
            ),
            (
                "overlay/kustomization.yaml",
                br#"
resources: [../base]
nameSuffix: -s
configMapGenerator:
- name: hashed
  behavior: merge
  namespace: default
  literals: [b=2, a=overridden]
  options:
    labels: {overlay: "yes"}
- name: unhashed
  behavior: replace
  literals: [c=3]
- name: plain
  behavior: merge
  literals: [month=12]
secretGenerator:
- name: sec
  behavior: merge
  literals: [password=secret]
  options:
    disableNameSuffixHash: true
"#,
            ),
        ],
    );
    assert_same_as_kubectl(&dir.join("overlay"));
}

#[test]
fn generator_errors_where_kubectl_fails() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let cases: &[(&str, &str)] = &[
        (
            "configMapGenerator:\n- name: m\n  literals: [a=1, a=2]\n",
            "illegally repeats the key `a`",
        ),
        (
            "configMapGenerator:\n- name: m\n  literals: [novalue]\n",
            "invalid literal source novalue",
        ),
        (
            "configMapGenerator:\n- name: m\n  literals: [\"=v\"]\n",
            "invalid literal source",
        ),
        (
            "configMapGenerator:\n- name: m\n  files: [a=b=c]\n",
            "contains '='",
        ),
        (
            "configMapGenerator:\n- name: m\n  files: [missing.txt]\n",
            "missing.txt",
        ),
        (
            "configMapGenerator:\n- name: m\n  files: [../outside.txt]\n",
            "outside.txt",
        ),
        (
            "configMapGenerator:\n- literals: [a=1]\n",
            "must have a name",
        ),
        (
            "configMapGenerator:\n- name: m\n  behavior: merge\n",
            "does not exist; cannot merge or replace",
        ),
        (
            "configMapGenerator:\n- name: m\n- name: m\n",
            "behavior must be merge or replace",
        ),
        (
            "secretGenerator:\n- name: s\n  envs: [bad.env]\n",
            "invalid utf8",
        ),
    ];
    std::fs::write(tmp.path().join("outside.txt"), "x").expect("write");
    for (i, (kustomization, needle)) in cases.iter().enumerate() {
        let dir = tmp.path().join(format!("case{i}"));
        write(
            &dir,
            &[
                ("kustomization.yaml", kustomization.as_bytes()),
                ("bad.env", b"A=\xff\n"),
            ],
        );
        assert_both_fail(&dir, needle);
    }
}

#[test]
fn a_malformed_secret_literal_is_not_echoed() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let dir = tmp.path();
    write(
        dir,
        &[(
            "kustomization.yaml",
            b"secretGenerator:\n- name: s\n  literals: [user=admin, \"=hunter2\"]\n",
        )],
    );
    assert_both_fail(dir, "invalid literal source #2");
    let err = ours(dir).expect_err("converge should fail");
    assert!(!err.contains("hunter2"), "the secret value leaked: {err}");
}

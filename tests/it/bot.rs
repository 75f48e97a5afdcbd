//! The commit-bot against real git repositories: format-preserving bumps, promotions,
//! rollbacks and history (pushes to a real remote are in `bot_push`).

use std::path::{Path, PathBuf};

use converge::source::GitSource;

use super::support::{converge, copy_tree, git, repo_root, require_tool};

pub(super) const STAGING: &str = "overlays/staging/kustomization.yaml";
const PRODUCTION: &str = "overlays/production/kustomization.yaml";

/// A work tree holding the example platform (environments and overlays), committed on
/// `main`.
pub(super) fn seed_repo(dir: &Path) -> PathBuf {
    require_tool("git", "git");
    let work = dir.join("work");
    copy_tree(
        &repo_root().join("environments"),
        &work.join("environments"),
    );
    copy_tree(&repo_root().join("overlays"), &work.join("overlays"));
    git(&work, &["init", "-q", "-b", "main"]);
    git(&work, &["config", "user.name", "Test"]);
    git(&work, &["config", "user.email", "test@example.com"]);
    commit_all(&work, "seed: the example platform");
    work
}

pub(super) fn commit_all(work: &Path, message: &str) {
    git(work, &["add", "-A"]);
    git(work, &["commit", "-q", "-m", message]);
}

fn head(work: &Path) -> String {
    git(work, &["rev-parse", "HEAD"]).trim().to_string()
}

pub(super) fn read(work: &Path, path: &str) -> String {
    std::fs::read_to_string(work.join(path)).expect("read file")
}

/// `converge ARGS` in `dir`; returns (success, stdout, stderr).
pub(super) fn bot_cli(dir: &Path, args: &[&str]) -> (bool, String, String) {
    let out = converge()
        .current_dir(dir)
        .args(args)
        .env_remove("CONVERGE_GIT_TOKEN")
        // No cluster to be found, so a promotion's source health is "unknown".
        .env("KUBECONFIG", "/nonexistent/kubeconfig")
        .env_remove("KUBERNETES_SERVICE_HOST")
        .output()
        .expect("run converge");
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn render(repo: &Path, rev: &str, env: &str) -> String {
    let source = GitSource::open(repo, rev).expect("open revision");
    let (_, rendered) =
        converge::environment::render_environment(&source, env).expect("environment renders");
    rendered.to_yaml().expect("rendered objects print")
}

const ODD_IMAGES: &str = "images:
  # API image: bumped by CI (keep this comment)
  - name: registry.example.com/ml/api
    newTag: \"1.4.0\"   # {\"$imagepolicy\": \"ml:api\"}

  - name: 'registry.example.com/ml/auth'
    newTag: '1.2.3'  # single quotes
  - {name: registry.example.com/ml/data, newTag: 1.1.0}
  - name: registry.example.com/ml/analyzer
    newTag: 2.0.0-rc.1
";

/// The staging kustomization with its images list rewritten with comments, blank lines and
/// every quoting style.
fn odd_staging(work: &Path) -> String {
    let text = read(work, STAGING);
    let start = text.find("images:").expect("images list");
    let end = start + text[start..].find("\n\n").expect("end of images") + 1;
    let odd = format!("{}{ODD_IMAGES}{}", &text[..start], &text[end..]);
    std::fs::write(work.join(STAGING), &odd).expect("write");
    commit_all(work, "staging: odd quoting");
    odd
}

#[test]
fn bump_changes_only_the_tag_line_and_rerunning_is_a_no_op() {
    let dir = tempfile::tempdir().expect("tempdir");
    let work = seed_repo(dir.path());
    let before = odd_staging(&work);
    let base = head(&work);

    let (ok, out, err) = bot_cli(
        &work,
        &[
            "bump",
            "--env",
            "staging",
            "--image",
            "registry.example.com/ml/api=1.5.0",
        ],
    );
    assert!(ok, "bump failed: {err}");
    assert!(
        out.contains("staging: bump registry.example.com/ml/api 1.4.0 → 1.5.0"),
        "{out}"
    );
    let after = read(&work, STAGING);
    assert_eq!(
        after,
        before.replace(
            "newTag: \"1.4.0\"   # {\"$imagepolicy\"",
            "newTag: \"1.5.0\"   # {\"$imagepolicy\""
        ),
        "only the tag's bytes may change"
    );
    let diff = git(&work, &["diff", "--unified=0", &base, "HEAD"]);
    let changed: Vec<&str> = diff
        .lines()
        .filter(|l| {
            (l.starts_with('+') || l.starts_with('-'))
                && !l.starts_with("+++")
                && !l.starts_with("---")
        })
        .collect();
    assert_eq!(
        changed,
        vec![
            "-    newTag: \"1.4.0\"   # {\"$imagepolicy\": \"ml:api\"}",
            "+    newTag: \"1.5.0\"   # {\"$imagepolicy\": \"ml:api\"}",
        ]
    );
    assert_eq!(
        git(&work, &["status", "--porcelain"]),
        "",
        "work tree and index follow"
    );
    let message = git(&work, &["log", "-1", "--format=%B"]);
    assert!(
        message.contains("Converge-Environment: staging"),
        "{message}"
    );
    assert!(
        message.contains("Converge-Image: name=registry.example.com/ml/api; from=1.4.0; to=1.5.0"),
        "{message}"
    );

    // Again: nothing to change, no commit.
    let bumped = head(&work);
    let (ok, out, err) = bot_cli(
        &work,
        &[
            "bump",
            "--env",
            "staging",
            "--image",
            "registry.example.com/ml/api=1.5.0",
        ],
    );
    assert!(ok, "{err}");
    assert!(out.contains("nothing to change"), "{out}");
    assert_eq!(head(&work), bumped);

    // Several images: one commit; the flow entry and the single-quoted one keep their style.
    let (ok, _, err) = bot_cli(
        &work,
        &[
            "bump",
            "--env",
            "staging",
            "--image",
            "registry.example.com/ml/auth=1.2.4",
            "--image",
            "registry.example.com/ml/data=1.2.0",
        ],
    );
    assert!(ok, "{err}");
    assert_eq!(git(&work, &["rev-parse", "HEAD~1"]).trim(), bumped);
    let text = read(&work, STAGING);
    assert!(
        text.contains("    newTag: '1.2.4'  # single quotes\n"),
        "{text}"
    );
    assert!(
        text.contains("  - {name: registry.example.com/ml/data, newTag: 1.2.0}\n"),
        "{text}"
    );
}

#[test]
fn bump_refuses_unlisted_images_and_tags_outside_the_policy() {
    let dir = tempfile::tempdir().expect("tempdir");
    let work = seed_repo(dir.path());
    let base = head(&work);
    let cases = [
        (
            "registry.example.com/ml/unknown=1.0.0",
            "does not list image",
        ),
        (
            "registry.example.com/ml/api=0.9.0",
            "outside its tag policy",
        ),
        (
            "registry.example.com/ml/api=2.0.0",
            "outside its tag policy",
        ),
        ("registry.example.com/ml/api=1.5.0-rc.1", "pre-release"),
        ("registry.example.com/ml/api", "NAME=TAG"),
    ];
    for (image, expected) in cases {
        let (ok, _, err) = bot_cli(&work, &["bump", "--env", "production", "--image", image]);
        assert!(!ok, "{image} must be refused");
        assert!(err.contains(expected), "{image}: {err}");
    }
    assert_eq!(head(&work), base, "no commit on refusal");
}

#[test]
fn bump_refuses_to_clobber_local_edits() {
    let dir = tempfile::tempdir().expect("tempdir");
    let work = seed_repo(dir.path());
    let base = head(&work);
    let edited = format!("{}# my local edit\n", read(&work, STAGING));
    std::fs::write(work.join(STAGING), &edited).expect("write");
    let (ok, _, err) = bot_cli(
        &work,
        &[
            "bump",
            "--env",
            "staging",
            "--image",
            "registry.example.com/ml/api=1.5.0",
        ],
    );
    assert!(!ok, "must refuse");
    assert!(
        err.contains("uncommitted changes") && err.contains(STAGING),
        "{err}"
    );
    assert_eq!(head(&work), base);
    assert_eq!(read(&work, STAGING), edited, "the local edit is kept");
}

#[test]
fn promote_copies_the_source_images_in_one_commit() {
    let dir = tempfile::tempdir().expect("tempdir");
    let work = seed_repo(dir.path());
    // Staging's analyzer is a release candidate, which production's policy refuses.
    let (ok, _, err) = bot_cli(
        &work,
        &["promote", "--from", "staging", "--to", "production"],
    );
    assert!(!ok);
    assert!(
        err.contains("registry.example.com/ml/analyzer:2.0.0-rc.1") && err.contains("production"),
        "{err}"
    );

    let (ok, _, err) = bot_cli(
        &work,
        &[
            "bump",
            "--env",
            "staging",
            "--image",
            "registry.example.com/ml/analyzer=2.1.0",
            "--image",
            "registry.example.com/ml/api=1.5.0",
            "--image",
            "registry.example.com/ml/data=1.1.1@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
        ],
    );
    assert!(ok, "{err}");
    let source = head(&work);
    let production_before = read(&work, PRODUCTION);
    let (ok, out, err) = bot_cli(
        &work,
        &["promote", "--from", "staging", "--to", "production"],
    );
    assert!(ok, "{err}");
    assert!(
        out.contains("production: promote 3 images from staging"),
        "{out}"
    );
    assert_eq!(
        git(&work, &["rev-parse", "HEAD~1"]).trim(),
        source,
        "one commit"
    );
    let files = git(&work, &["diff", "--name-only", "HEAD~1", "HEAD"]);
    assert_eq!(files.trim(), PRODUCTION);

    let images = |path: &str| -> serde_yaml::Value {
        let doc: serde_yaml::Value = serde_yaml::from_str(&read(&work, path)).expect("yaml");
        doc["images"].clone()
    };
    assert_eq!(
        images(PRODUCTION),
        images(STAGING),
        "production has exactly staging's images"
    );
    // Outside `images:`, production's file is untouched.
    let outside = |text: &str| text[text.find("replicas:").expect("replicas")..].to_string();
    assert_eq!(
        outside(&read(&work, PRODUCTION)),
        outside(&production_before)
    );

    let message = git(&work, &["log", "-1", "--format=%B"]);
    assert!(
        message.contains(&format!("Converge-Promoted-From: staging@{source}")),
        "{message}"
    );
    assert!(
        message.contains("Converge-Source-Health: unknown (no cluster)"),
        "{message}"
    );
    // Nothing left to promote.
    let (ok, out, _) = bot_cli(
        &work,
        &["promote", "--from", "staging", "--to", "production"],
    );
    assert!(ok && out.contains("already has the images"), "{out}");
}

#[test]
fn rollback_reverts_the_last_change_to_the_environment_only() {
    let dir = tempfile::tempdir().expect("tempdir");
    let work = seed_repo(dir.path());
    let before_change = head(&work);
    let rendered_before = render(&work, &before_change, "production");

    let (ok, _, err) = bot_cli(
        &work,
        &[
            "bump",
            "--env",
            "production",
            "--image",
            "registry.example.com/ml/api=1.3.5",
        ],
    );
    assert!(ok, "{err}");
    let change = head(&work);
    // A later change to staging only, and one outside every environment.
    let (ok, _, err) = bot_cli(
        &work,
        &[
            "bump",
            "--env",
            "staging",
            "--image",
            "registry.example.com/ml/auth=1.2.9",
        ],
    );
    assert!(ok, "{err}");
    std::fs::write(work.join("NOTES.md"), "notes\n").expect("write");
    commit_all(&work, "docs: notes");
    let staging_after = read(&work, STAGING);

    let (ok, out, err) = bot_cli(
        &work,
        &[
            "rollback",
            "--env",
            "production",
            "--reason",
            "health check failed: api CrashLoopBackOff",
        ],
    );
    assert!(ok, "{err}");
    assert!(
        out.contains(&format!("production: roll back {}", &change[..12])),
        "{out}"
    );
    let files = git(&work, &["diff", "--name-only", "HEAD~1", "HEAD"]);
    assert_eq!(files.trim(), PRODUCTION, "only the reverted change's file");
    assert_eq!(render(&work, "HEAD", "production"), rendered_before);
    assert_eq!(
        read(&work, STAGING),
        staging_after,
        "staging's later bump stays"
    );
    let message = git(&work, &["log", "-1", "--format=%B"]);
    assert!(
        message.contains(&format!("Converge-Revert-Of: {change}")),
        "{message}"
    );
    assert!(
        message.contains("Converge-Reason: health check failed: api CrashLoopBackOff"),
        "{message}"
    );

    // The revert is never reverted, nor the same change twice; the creation is not either.
    let rolled_back = head(&work);
    let (ok, out, err) = bot_cli(&work, &["rollback", "--env", "production"]);
    assert!(ok, "{err}");
    assert!(out.contains("nothing to roll back"), "{out}");
    assert_eq!(head(&work), rolled_back);
}

#[test]
fn rollback_to_a_revision_and_conflicts() {
    let dir = tempfile::tempdir().expect("tempdir");
    let work = seed_repo(dir.path());
    let start = head(&work);
    for tag in ["1.3.3", "1.3.4", "1.3.5"] {
        let image = format!("registry.example.com/ml/api={tag}");
        let (ok, _, err) = bot_cli(&work, &["bump", "--env", "production", "--image", &image]);
        assert!(ok, "{err}");
    }
    let (ok, out, err) = bot_cli(&work, &["rollback", "--env", "production", "--to", &start]);
    assert!(ok, "{err}");
    assert!(out.contains("production: roll back 3 changes"), "{out}");
    assert_eq!(
        render(&work, "HEAD", "production"),
        render(&work, &start, "production")
    );
    assert_eq!(git(&work, &["diff", &start, "HEAD"]), "");

    // A commit touching both overlays, then a later edit of staging's same line: reverting
    // the first conflicts in staging's file.
    let text = read(&work, PRODUCTION).replace("newTag: \"1.3.2\"", "newTag: \"1.3.9\"");
    std::fs::write(work.join(PRODUCTION), text).expect("write");
    let text = read(&work, STAGING).replace("newTag: \"1.4.0\"", "newTag: \"1.4.1\"");
    std::fs::write(work.join(STAGING), text).expect("write");
    commit_all(&work, "both: bump api");
    let text = read(&work, STAGING).replace("newTag: \"1.4.1\"", "newTag: \"1.4.2\"");
    std::fs::write(work.join(STAGING), text).expect("write");
    commit_all(&work, "staging: api 1.4.2 by hand");
    let before = head(&work);
    let (ok, _, err) = bot_cli(&work, &["rollback", "--env", "production"]);
    assert!(!ok, "must refuse");
    assert!(err.contains("conflicts") && err.contains(STAGING), "{err}");
    assert_eq!(head(&work), before);
}

#[test]
fn history_lists_the_changes_with_their_images() {
    let dir = tempfile::tempdir().expect("tempdir");
    let work = seed_repo(dir.path());
    for image in [
        "registry.example.com/ml/api=1.5.0",
        "registry.example.com/ml/api=1.6.0",
    ] {
        let (ok, _, err) = bot_cli(&work, &["bump", "--env", "staging", "--image", image]);
        assert!(ok, "{err}");
    }
    std::fs::write(work.join("NOTES.md"), "unrelated\n").expect("write");
    commit_all(&work, "docs: unrelated");
    let (ok, out, err) = bot_cli(&work, &["history", "--env", "staging", "-o", "json"]);
    assert!(ok, "{err}");
    let list: Vec<serde_json::Value> = serde_json::from_str(&out).expect("json");
    let summaries: Vec<&str> = list
        .iter()
        .map(|e| e["summary"].as_str().unwrap_or(""))
        .collect();
    assert_eq!(
        summaries,
        vec![
            "staging: bump registry.example.com/ml/api 1.5.0 → 1.6.0",
            "staging: bump registry.example.com/ml/api 1.4.0 → 1.5.0",
            "seed: the example platform",
        ]
    );
    let images = |i: usize| list[i]["images"].as_array().cloned().unwrap_or_default();
    assert!(
        images(0)
            .iter()
            .any(|v| v == "registry.example.com/ml/api:1.6.0"),
        "{:?}",
        images(0)
    );
    assert!(
        images(1)
            .iter()
            .any(|v| v == "registry.example.com/ml/api:1.5.0"),
        "{:?}",
        images(1)
    );
    assert_eq!(list[2]["created"], true);
    // Production was not changed by these commits.
    let (ok, out, _) = bot_cli(&work, &["history", "--env", "production", "-o", "json"]);
    assert!(ok);
    let list: Vec<serde_json::Value> = serde_json::from_str(&out).expect("json");
    assert_eq!(list.len(), 1, "{out}");
}

#[test]
fn rollback_undoes_a_change_that_broke_the_render() {
    let dir = tempfile::tempdir().expect("tempdir");
    let work = seed_repo(dir.path());
    let good = head(&work);
    let broken = read(&work, PRODUCTION).replace("  - namespace.yaml\n", "  - missing.yaml\n");
    std::fs::write(work.join(PRODUCTION), broken).expect("write");
    commit_all(&work, "production: refer to a missing file");
    let (ok, out, err) = bot_cli(&work, &["history", "--env", "production"]);
    assert!(ok, "{err}");
    assert!(
        out.contains("refer to a missing file") && out.contains("(does not render)"),
        "{out}"
    );
    let (ok, out, err) = bot_cli(&work, &["rollback", "--env", "production"]);
    assert!(ok, "{err}");
    assert!(out.contains("production: roll back"), "{out}");
    assert_eq!(git(&work, &["diff", &good, "HEAD"]), "");
}

//! The commit-bot pushing from a bare clone to a real `git daemon` remote, with a
//! concurrent push in between: retried on the new head, never forced.

use std::cell::Cell;
use std::process::Command;

use converge::bot::{self, CommitOptions, ImageChange};

use super::bot::{STAGING, bot_cli, commit_all, read, seed_repo};
use super::support::{GitDaemon, git, run_ok};

#[test]
fn bump_on_a_bare_clone_retries_a_rejected_push_without_forcing() {
    let dir = tempfile::tempdir().expect("tempdir");
    let work = seed_repo(dir.path());
    let served = dir.path().join("served");
    std::fs::create_dir_all(&served).expect("mkdir");
    run_ok(
        Command::new("git")
            .args(["clone", "-q", "--bare"])
            .arg(&work)
            .arg(served.join("platform.git")),
    );
    // Any forced update would be refused by the remote itself.
    git(
        &served.join("platform.git"),
        &["config", "receive.denyNonFastForwards", "true"],
    );
    let daemon = GitDaemon::start(&served);
    let url = daemon.url("platform.git");

    let bot_clone = dir.path().join("bot.git");
    run_ok(
        Command::new("git")
            .args(["clone", "-q", "--bare", &url])
            .arg(&bot_clone),
    );
    let human = dir.path().join("human");
    run_ok(Command::new("git").args(["clone", "-q", &url]).arg(&human));
    git(&human, &["config", "user.name", "Human"]);
    git(&human, &["config", "user.email", "human@example.com"]);

    let repo = git2::Repository::open_bare(&bot_clone).expect("open bare clone");
    let change = ImageChange::parse("registry.example.com/ml/api=1.5.0").expect("change");
    let calls = Cell::new(0);
    let edit = |repo: &git2::Repository, base: git2::Oid| {
        calls.set(calls.get() + 1);
        if calls.get() == 1 {
            // Someone else pushes between our fetch and our push.
            let text = read(&human, STAGING).replace("newTag: \"1.2.3\"", "newTag: \"1.2.4\"");
            std::fs::write(human.join(STAGING), text).expect("write");
            commit_all(&human, "staging: auth 1.2.4 by hand");
            git(&human, &["push", "-q", "origin", "main"]);
        }
        let base = repo.find_commit(base).expect("base commit");
        bot::bump_commit(
            repo,
            &base,
            "staging",
            std::slice::from_ref(&change),
            &CommitOptions::default(),
        )
    };
    let report = bot::push_with_retry(
        &repo,
        "origin",
        "main",
        &converge::git::Credentials::none(),
        &edit,
        5,
    )
    .expect("push succeeds after a retry");
    assert_eq!(report.attempts, 2, "{report:?}");
    let pushed = report.commit.expect("a commit").to_string();

    let remote = served.join("platform.git");
    assert_eq!(git(&remote, &["rev-parse", "main"]).trim(), pushed);
    let log = git(&remote, &["log", "--format=%s", "main"]);
    let subjects: Vec<&str> = log.lines().collect();
    assert_eq!(
        subjects[..3],
        [
            "staging: bump registry.example.com/ml/api 1.4.0 → 1.5.0",
            "staging: auth 1.2.4 by hand",
            "seed: the example platform",
        ]
    );
    let text = git(&remote, &["show", &format!("main:{STAGING}")]);
    assert!(
        text.contains("newTag: \"1.5.0\"") && text.contains("newTag: \"1.2.4\""),
        "{text}"
    );
    assert_eq!(
        git(&bot_clone, &["rev-parse", "main"]).trim(),
        pushed,
        "the bare clone's branch follows"
    );

    // The CLI on the bare clone: `--push` with no race.
    let (ok, out, err) = bot_cli(
        &bot_clone,
        &[
            "bump",
            "--env",
            "staging",
            "--image",
            "registry.example.com/ml/data=1.1.5",
            "--push",
        ],
    );
    assert!(ok, "{err}");
    assert!(
        out.contains("staging: bump registry.example.com/ml/data 1.1.0 → 1.1.5"),
        "{out}"
    );
    let text = git(&remote, &["show", &format!("main:{STAGING}")]);
    assert!(text.contains("newTag: \"1.1.5\""), "{text}");
    assert_eq!(git(&remote, &["rev-parse", "main~1"]).trim(), pushed);
}

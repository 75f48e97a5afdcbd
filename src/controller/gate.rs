//! What an environment's policy gate depends on, so that a change to a selected policy
//! re-runs the gate even when the render did not change: a digest of every file under the
//! selected policy paths (names and content fingerprints, so added, changed and removed
//! files all count). The gate itself runs inside the sync pipeline, before any write.

use std::path::Path;

use sha2::{Digest, Sha256};

use crate::environment::PolicySelection;
use crate::source::{EntryKind, Source};

/// Nesting deeper than this is a symlink loop in practice.
const MAX_DEPTH: usize = 32;

/// The digest of the files `selection` selects in `source` (empty selection: empty string).
pub fn policy_digest(source: &dyn Source, selection: &PolicySelection) -> String {
    if selection.paths.is_empty() {
        return String::new();
    }
    let mut hasher = Sha256::new();
    for path in &selection.paths {
        walk(source, &source.root().join(path), 0, &mut hasher);
    }
    hex::encode(hasher.finalize())
}

fn entry(hasher: &mut Sha256, path: &Path, what: &str) {
    hasher.update(path.to_string_lossy().as_bytes());
    hasher.update([0]);
    hasher.update(what.as_bytes());
    hasher.update([b'\n']);
}

fn walk(source: &dyn Source, path: &Path, depth: usize, hasher: &mut Sha256) {
    if depth > MAX_DEPTH {
        entry(hasher, path, "too deep");
        return;
    }
    match source.kind(path) {
        Ok(EntryKind::File) => match source.fingerprint(path) {
            Ok(fingerprint) => entry(hasher, path, &fingerprint),
            Err(e) => entry(hasher, path, &format!("unreadable: {e}")),
        },
        Ok(EntryKind::Dir) => match source.list(path) {
            Ok(names) => {
                entry(hasher, path, "dir");
                for name in names {
                    walk(source, &path.join(name), depth + 1, hasher);
                }
            }
            Err(e) => entry(hasher, path, &format!("unlistable: {e}")),
        },
        Ok(EntryKind::Missing) => entry(hasher, path, "missing"),
        Err(e) => entry(hasher, path, &format!("error: {e}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::FsSource;

    #[test]
    fn added_changed_and_removed_policy_files_change_the_digest() {
        let dir = tempfile::tempdir().expect("tempdir");
        let policies = dir.path().join("policies/common");
        std::fs::create_dir_all(&policies).expect("mkdir");
        std::fs::write(policies.join("a.rego"), "package main\n").expect("write");
        let selection = PolicySelection {
            paths: vec!["policies/common".into()],
            ..PolicySelection::default()
        };
        let digest = || {
            let source = FsSource::new(dir.path()).expect("source");
            policy_digest(&source, &selection)
        };
        let first = digest();
        assert_eq!(first, digest(), "stable");
        std::fs::write(policies.join("b.rego"), "package main\n").expect("write");
        let added = digest();
        assert_ne!(first, added);
        std::fs::write(
            policies.join("b.rego"),
            "package main\ndeny contains 1 if false\n",
        )
        .expect("write");
        let changed = digest();
        assert_ne!(added, changed);
        std::fs::remove_file(policies.join("b.rego")).expect("remove");
        assert_eq!(first, digest());
        assert_eq!(
            policy_digest(
                &FsSource::new(dir.path()).expect("source"),
                &PolicySelection::default()
            ),
            ""
        );
    }
}

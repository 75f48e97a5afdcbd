//! Watching a directory (`converge run --path DIR`) with `notify`: every change under it
//! (outside `.git/`) raises a coalescing signal; the fetch loop gathers signals for a short
//! debounce before rescanning, so a `git checkout` of fifty files costs one reconcile.

use std::path::{Component, Path};

use notify::{EventKind, RecommendedWatcher, RecursiveMode, Watcher};
use tokio::sync::mpsc;

use super::error::ControllerError;

/// A running watch; dropping it stops watching.
pub struct PathWatch {
    _watcher: RecommendedWatcher,
    changes: mpsc::Receiver<()>,
}

fn relevant(event: &notify::Event) -> bool {
    if matches!(event.kind, EventKind::Access(_)) {
        return false;
    }
    // Changes inside .git (index, logs, locks) do not change what renders.
    event.paths.iter().any(|p| {
        !p.components()
            .any(|c| matches!(c, Component::Normal(n) if n == ".git"))
    })
}

impl PathWatch {
    pub fn start(dir: &Path) -> Result<PathWatch, ControllerError> {
        if !dir.is_dir() {
            return Err(ControllerError::NotADirectory {
                path: dir.to_path_buf(),
            });
        }
        // One slot: a pending signal already means "rescan", more add nothing.
        let (tx, changes) = mpsc::channel(1);
        let mut watcher =
            notify::recommended_watcher(move |result: notify::Result<notify::Event>| {
                match result {
                    Ok(event) if relevant(&event) => {
                        let _ = tx.try_send(());
                    }
                    Ok(_) => {}
                    // A watch error (e.g. an overflowed inotify queue) may hide changes: rescan.
                    Err(_) => {
                        let _ = tx.try_send(());
                    }
                }
            })
            .map_err(|source| ControllerError::Watch {
                path: dir.to_path_buf(),
                source,
            })?;
        watcher
            .watch(dir, RecursiveMode::Recursive)
            .map_err(|source| ControllerError::Watch {
                path: dir.to_path_buf(),
                source,
            })?;
        Ok(PathWatch {
            _watcher: watcher,
            changes,
        })
    }

    /// Waits for a change, then for `debounce` of quiet (at most ten debounces in all).
    pub async fn next_change(&mut self, debounce: std::time::Duration) -> bool {
        if self.changes.recv().await.is_none() {
            return false;
        }
        for _ in 0..10 {
            tokio::time::sleep(debounce).await;
            if self.changes.try_recv().is_err() {
                break;
            }
        }
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn git_internals_and_reads_are_not_changes() {
        let event = |kind, path: &str| notify::Event::new(kind).add_path(path.into());
        let modify = EventKind::Modify(notify::event::ModifyKind::Any);
        assert!(!relevant(&event(modify, "/repo/.git/index")));
        assert!(relevant(&event(
            modify,
            "/repo/overlays/kustomization.yaml"
        )));
        let read = EventKind::Access(notify::event::AccessKind::Any);
        assert!(!relevant(&event(read, "/repo/overlays/kustomization.yaml")));
    }

    #[tokio::test]
    async fn a_file_change_is_seen() {
        let dir = tempfile::tempdir().expect("tempdir");
        let mut watch = PathWatch::start(dir.path()).expect("watch");
        std::fs::write(dir.path().join("kustomization.yaml"), "resources: []\n").expect("write");
        let seen = tokio::time::timeout(
            Duration::from_secs(20),
            watch.next_change(Duration::from_millis(20)),
        )
        .await;
        assert_eq!(seen, Ok(true));
    }
}

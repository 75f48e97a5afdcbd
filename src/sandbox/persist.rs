//! State persistence: a JSON snapshot of every object and the global resourceVersion, written
//! atomically (temp file + rename) shortly after writes, and loaded on start.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use serde_json::{Value, json};
use tokio::sync::Notify;
use tokio::task::JoinHandle;

use super::catalog::types_from_crd;
use super::error::SandboxError;
use super::server::AppState;
use super::store::key;

const FILE: &str = "state.json";
/// Writes within this window after a change share one snapshot.
const DEBOUNCE: Duration = Duration::from_millis(200);

fn file(dir: &Path) -> PathBuf {
    dir.join(FILE)
}

/// Loads a snapshot into a fresh state; false when there is none yet.
pub fn load(state: &AppState, dir: &Path) -> Result<bool, SandboxError> {
    std::fs::create_dir_all(dir).map_err(|source| SandboxError::StateDir {
        path: dir.to_path_buf(),
        source,
    })?;
    let path = file(dir);
    let bytes = match std::fs::read(&path) {
        Ok(b) => b,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(false),
        Err(source) => return Err(SandboxError::StateRead { path, source }),
    };
    let snapshot: Value =
        serde_json::from_slice(&bytes).map_err(|source| SandboxError::StateParse {
            path: path.clone(),
            source,
        })?;
    let rv = snapshot["resourceVersion"].as_u64().unwrap_or(0);
    let mut objects = Vec::new();
    for entry in snapshot["objects"].as_array().into_iter().flatten() {
        let field = |f: &str| entry[f].as_str().unwrap_or("").to_string();
        objects.push((
            key(
                &field("group"),
                &field("resource"),
                &field("namespace"),
                &field("name"),
            ),
            entry["object"].clone(),
        ));
    }
    {
        let mut catalog = state.catalog_mut();
        for ((group, resource, _, name), object) in &objects {
            if group == "apiextensions.k8s.io" && resource == "customresourcedefinitions" {
                catalog.set_custom(name, types_from_crd(object));
            }
        }
    }
    state.store.restore(rv, objects);
    Ok(true)
}

fn save(state: &AppState, dir: &Path) -> Result<(), SandboxError> {
    let (rv, objects) = state.store.snapshot();
    let entries: Vec<Value> = objects
        .into_iter()
        .map(|((group, resource, namespace, name), object)| {
            json!({"group": group, "resource": resource, "namespace": namespace, "name": name, "object": object})
        })
        .collect();
    let text = json!({"resourceVersion": rv, "objects": entries}).to_string();
    let path = file(dir);
    let tmp = dir.join(format!("{FILE}.tmp"));
    std::fs::write(&tmp, text).map_err(|source| SandboxError::StateWrite {
        path: tmp.clone(),
        source,
    })?;
    std::fs::rename(&tmp, &path).map_err(|source| SandboxError::StateWrite { path, source })
}

/// The background writer of snapshots.
pub struct Persister {
    stop: Arc<Notify>,
    task: JoinHandle<()>,
}

impl Persister {
    pub fn start(state: Arc<AppState>, dir: PathBuf) -> Persister {
        let stop = Arc::new(Notify::new());
        let stopped = stop.clone();
        let task = tokio::spawn(async move {
            loop {
                let last = tokio::select! {
                    _ = state.store.dirty.notified() => {
                        tokio::time::sleep(DEBOUNCE).await;
                        false
                    }
                    _ = stopped.notified() => true,
                };
                if let Err(e) = save(&state, &dir) {
                    tracing::error!(error = %e, "sandbox state not saved");
                }
                if last {
                    return;
                }
            }
        });
        Persister { stop, task }
    }

    /// Writes a final snapshot and ends the writer.
    pub async fn stop(self) {
        self.stop.notify_one();
        if let Err(e) = self.task.await {
            tracing::error!(error = %e, "sandbox state writer failed");
        }
    }
}

//! Self-heal watches: one watch per kind that some environment contains (never every kind
//! of the cluster), filtered by the ApplySet `part-of` label of the environments that
//! contain it (`applyset.kubernetes.io/part-of in (id1,id2)`), so the API server sends only
//! managed objects and the controller caches none of them. Each event becomes a small
//! [`DriftEvent`]: which set, which object, and a hash of its content without status and
//! server bookkeeping — the session checks drift only when that hash moves.

use std::collections::{BTreeMap, BTreeSet};
use std::hash::{Hash, Hasher};
use std::time::{Duration, Instant};

use futures::StreamExt;
use kube::Api;
use kube::api::{ApiResource, DynamicObject, GroupVersionKind};
use kube::runtime::WatchStreamExt;
use kube::runtime::watcher::{self, Event};
use serde_json::Value;
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

use super::backoff::Backoff;
use super::pipeline::ObjectKey;

pub const PART_OF_LABEL: &str = "applyset.kubernetes.io/part-of";

/// `(group, version, kind)`.
pub type Gvk = (String, String, String);

/// The kind of a JSON object.
pub fn gvk_of(object: &Value) -> Option<Gvk> {
    let api_version = object.get("apiVersion")?.as_str()?;
    let (group, version) = match api_version.split_once('/') {
        Some((g, v)) => (g, v),
        None => ("", api_version),
    };
    Some((
        group.to_string(),
        version.to_string(),
        object.get("kind")?.as_str()?.to_string(),
    ))
}

/// Something happened to a managed object.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DriftEvent {
    /// The ApplySet id the object is labelled with.
    pub applyset: String,
    pub key: ObjectKey,
    /// Content hash; `None` when the object was deleted.
    pub hash: Option<u64>,
    /// Part of a (re)list rather than a live change.
    pub listed: bool,
    /// A manager other than converge wrote the object itself (not just its status).
    pub foreign_writer: bool,
}

/// converge's own field managers (objects and ApplySet parents).
const OWN_MANAGERS: [&str; 2] = ["converge", "converge-applyset"];

/// Whether a manager other than converge has written the object outside its status: what
/// a first sight of an object (a list right after a sync) must be checked for, since the
/// change may have come between the sync and the list.
pub fn foreign_writer(object: &Value) -> bool {
    object
        .pointer("/metadata/managedFields")
        .and_then(Value::as_array)
        .is_some_and(|entries| {
            entries.iter().any(|entry| {
                let manager = entry.get("manager").and_then(Value::as_str).unwrap_or("");
                let subresource = entry
                    .get("subresource")
                    .and_then(Value::as_str)
                    .unwrap_or("");
                !OWN_MANAGERS.contains(&manager) && subresource.is_empty()
            })
        })
}

/// A hash of what an object says, leaving out what the server and controllers write
/// (status, resourceVersion, managedFields, generation, timestamps, uid).
pub fn content_hash(object: &Value) -> u64 {
    let mut trimmed = object.clone();
    if let Some(map) = trimmed.as_object_mut() {
        map.remove("status");
        if let Some(meta) = map.get_mut("metadata").and_then(Value::as_object_mut) {
            for field in [
                "resourceVersion",
                "managedFields",
                "generation",
                "uid",
                "creationTimestamp",
                "selfLink",
            ] {
                meta.remove(field);
            }
        }
    }
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    // serde_json's map is ordered (BTreeMap without preserve_order): a stable text.
    trimmed.to_string().hash(&mut hasher);
    hasher.finish()
}

/// The set of watches and what each is for.
pub struct DriftWatches {
    client: kube::Client,
    events: mpsc::Sender<DriftEvent>,
    /// Environment → (ApplySet id, kinds it contains).
    wanted: BTreeMap<String, (String, BTreeSet<Gvk>)>,
    /// Kind → (the ids its selector names, the task).
    running: BTreeMap<Gvk, (BTreeSet<String>, JoinHandle<()>)>,
    /// Registrations not yet applied to the running watches: (first, last) change.
    dirty: Option<(Instant, Instant)>,
}

/// Watches restart once registrations have been quiet this long...
const SETTLE: Duration = Duration::from_millis(300);
/// ...or at the latest this long after the first unapplied one (a busy start-up).
const MAX_DELAY: Duration = Duration::from_secs(3);

impl DriftWatches {
    pub fn new(client: kube::Client, events: mpsc::Sender<DriftEvent>) -> DriftWatches {
        DriftWatches {
            client,
            events,
            wanted: BTreeMap::new(),
            running: BTreeMap::new(),
            dirty: None,
        }
    }

    /// Environment `env` (ApplySet `id`) now contains `kinds`.
    pub fn set(&mut self, env: &str, id: &str, kinds: BTreeSet<Gvk>) {
        let entry = (id.to_string(), kinds);
        if self.wanted.get(env) == Some(&entry) {
            return;
        }
        self.wanted.insert(env.to_string(), entry);
        self.mark_dirty();
    }

    pub fn remove(&mut self, env: &str) {
        if self.wanted.remove(env).is_some() {
            self.mark_dirty();
        }
    }

    /// Restarting a kind's watch re-lists its objects: registrations are batched rather
    /// than applied one by one (a start-up registers every environment in turn).
    fn mark_dirty(&mut self) {
        let now = Instant::now();
        self.dirty = Some(match self.dirty {
            Some((first, _)) => (first, now),
            None => (now, now),
        });
    }

    /// When the pending registrations are due to be applied.
    pub fn due(&self) -> Option<Instant> {
        self.dirty
            .map(|(first, last)| (last + SETTLE).min(first + MAX_DELAY))
    }

    /// Applies pending registrations when they are due.
    pub fn flush_if_due(&mut self) {
        if self.due().is_some_and(|due| due <= Instant::now()) {
            self.dirty = None;
            self.restart_changed();
        }
    }

    fn restart_changed(&mut self) {
        let mut by_kind: BTreeMap<Gvk, BTreeSet<String>> = BTreeMap::new();
        for (id, kinds) in self.wanted.values() {
            for kind in kinds {
                by_kind.entry(kind.clone()).or_default().insert(id.clone());
            }
        }
        self.running.retain(|kind, (ids, task)| {
            let keep = by_kind.get(kind) == Some(ids);
            if !keep {
                task.abort();
            }
            keep
        });
        for (kind, ids) in by_kind {
            if self.running.contains_key(&kind) {
                continue;
            }
            let task = tokio::spawn(watch_kind(
                self.client.clone(),
                kind.clone(),
                ids.clone(),
                self.events.clone(),
            ));
            self.running.insert(kind, (ids, task));
        }
    }

    pub fn stop(&mut self) {
        for (_, (_, task)) in std::mem::take(&mut self.running) {
            task.abort();
        }
        self.wanted.clear();
        self.dirty = None;
    }
}

impl Drop for DriftWatches {
    fn drop(&mut self) {
        self.stop();
    }
}

/// `applyset.kubernetes.io/part-of in (a,b)`.
pub fn selector(ids: &BTreeSet<String>) -> String {
    let list: Vec<&str> = ids.iter().map(String::as_str).collect();
    format!("{PART_OF_LABEL} in ({})", list.join(","))
}

/// Resolves the kind's resource (retrying discovery with backoff), then forwards every
/// watch event of the selected objects until aborted.
async fn watch_kind(
    client: kube::Client,
    kind: Gvk,
    ids: BTreeSet<String>,
    events: mpsc::Sender<DriftEvent>,
) {
    let gvk = GroupVersionKind::gvk(&kind.0, &kind.1, &kind.2);
    let backoff = Backoff::default();
    let mut failures = 0;
    let resource: ApiResource = loop {
        match kube::discovery::pinned_kind(&client, &gvk).await {
            Ok((resource, _)) => break resource,
            Err(error) => {
                failures += 1;
                tracing::warn!(%error, kind = %kind.2, "cannot resolve a kind to watch; retrying");
                tokio::time::sleep(backoff.delay(failures)).await;
            }
        }
    };
    let api: Api<DynamicObject> = Api::all_with(client, &resource);
    let config = watcher::Config::default().labels(&selector(&ids));
    let mut stream = watcher::watcher(api, config).default_backoff().boxed();
    let mut listing = false;
    while let Some(item) = stream.next().await {
        let (object, deleted, listed) = match item {
            Ok(Event::Init) => {
                listing = true;
                continue;
            }
            Ok(Event::InitDone) => {
                listing = false;
                continue;
            }
            Ok(Event::InitApply(object)) => (object, false, true),
            Ok(Event::Apply(object)) => (object, false, listing),
            Ok(Event::Delete(object)) => (object, true, false),
            Err(error) => {
                tracing::debug!(%error, kind = %kind.2, "watch error (the watcher retries)");
                continue;
            }
        };
        let Ok(value) = serde_json::to_value(&object) else {
            continue;
        };
        let Some(applyset) = value
            .pointer("/metadata/labels")
            .and_then(|l| l.get(PART_OF_LABEL))
            .and_then(Value::as_str)
            .map(str::to_string)
        else {
            continue;
        };
        let Some(key) = ObjectKey::of(&value) else {
            continue;
        };
        let hash = (!deleted).then(|| content_hash(&value));
        let event = DriftEvent {
            applyset,
            key,
            hash,
            listed,
            foreign_writer: foreign_writer(&value),
        };
        if events.send(event).await.is_err() {
            return;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn status_and_bookkeeping_do_not_move_the_hash() {
        let a = json!({
            "apiVersion": "apps/v1", "kind": "Deployment",
            "metadata": {"name": "api", "resourceVersion": "1", "generation": 1},
            "spec": {"replicas": 1}, "status": {"readyReplicas": 0}
        });
        let mut b = a.clone();
        b["metadata"]["resourceVersion"] = json!("2");
        b["status"]["readyReplicas"] = json!(1);
        assert_eq!(content_hash(&a), content_hash(&b));
        b["spec"]["replicas"] = json!(3);
        assert_ne!(content_hash(&a), content_hash(&b));
    }

    #[test]
    fn foreign_writers_are_other_managers_outside_status() {
        let object = |entries: serde_json::Value| json!({"metadata": {"managedFields": entries}});
        assert!(!foreign_writer(&object(json!([
            {"manager": "converge", "operation": "Apply"},
            {"manager": "kube-controller-manager", "operation": "Update", "subresource": "status"}
        ]))));
        assert!(foreign_writer(&object(json!([
            {"manager": "converge", "operation": "Apply"},
            {"manager": "kubectl-patch", "operation": "Update"}
        ]))));
        assert!(!foreign_writer(&json!({"metadata": {}})));
    }

    #[test]
    fn kinds_and_selectors() {
        let gvk = gvk_of(&json!({"apiVersion": "v1", "kind": "ConfigMap"})).expect("gvk");
        assert_eq!(gvk, (String::new(), "v1".into(), "ConfigMap".into()));
        let gvk = gvk_of(&json!({"apiVersion": "apps/v1", "kind": "Deployment"})).expect("gvk");
        assert_eq!(gvk.0, "apps");
        let ids: BTreeSet<String> = ["b".to_string(), "a".to_string()].into();
        assert_eq!(selector(&ids), "applyset.kubernetes.io/part-of in (a,b)");
    }
}

//! Object storage: one global, monotonically increasing resourceVersion, objects keyed by
//! (group, resource, namespace, name), a bounded event history for watches that resume from a
//! resourceVersion, and a broadcast of every committed change.

use std::collections::{BTreeMap, VecDeque};
use std::sync::{Arc, Mutex, MutexGuard};

use serde_json::Value;
use tokio::sync::{Notify, broadcast};

/// (group, resource, namespace, name); namespace is empty for cluster-scoped objects.
pub type Key = (String, String, String, String);

pub fn key(group: &str, resource: &str, namespace: &str, name: &str) -> Key {
    (group.into(), resource.into(), namespace.into(), name.into())
}

/// Events kept for watches resuming from a resourceVersion; older ones get 410 Expired.
const HISTORY_LIMIT: usize = 10_000;
/// Events buffered per watcher before it is considered too slow (and told to relist).
const BROADCAST_CAPACITY: usize = 4096;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EventType {
    Added,
    Modified,
    Deleted,
}

impl EventType {
    pub fn as_str(self) -> &'static str {
        match self {
            EventType::Added => "ADDED",
            EventType::Modified => "MODIFIED",
            EventType::Deleted => "DELETED",
        }
    }
}

/// One committed change.
#[derive(Debug)]
pub struct Event {
    pub rv: u64,
    pub kind: EventType,
    pub key: Key,
    /// The new state; for DELETED the last state, carrying the deletion's resourceVersion.
    pub object: Value,
    /// The state before (modifications only), so selector watches see objects leave and enter.
    pub previous: Option<Value>,
}

struct Inner {
    rv: u64,
    objects: BTreeMap<Key, Value>,
    history: VecDeque<Arc<Event>>,
    /// Every event with rv <= compacted is gone from the history.
    compacted: u64,
}

/// The store shared by the handlers, the controllers and the persister.
pub struct Store {
    inner: Mutex<Inner>,
    tx: broadcast::Sender<Arc<Event>>,
    /// Signalled after every commit (persistence is debounced on it).
    pub dirty: Notify,
}

/// A resumed watch: the events after the requested resourceVersion, then the live feed.
pub struct Resume {
    /// The resourceVersion the live feed starts after.
    pub rv: u64,
    pub backlog: Vec<Arc<Event>>,
    pub rx: broadcast::Receiver<Arc<Event>>,
}

impl Default for Store {
    fn default() -> Self {
        Self::new()
    }
}

fn set_rv(object: &mut Value, rv: u64) {
    if let Some(meta) = object.get_mut("metadata").and_then(Value::as_object_mut) {
        meta.insert("resourceVersion".into(), Value::String(rv.to_string()));
    }
}

impl Store {
    pub fn new() -> Store {
        let (tx, _) = broadcast::channel(BROADCAST_CAPACITY);
        Store {
            inner: Mutex::new(Inner {
                rv: 0,
                objects: BTreeMap::new(),
                history: VecDeque::new(),
                compacted: 0,
            }),
            tx,
            dirty: Notify::new(),
        }
    }

    fn lock(&self) -> MutexGuard<'_, Inner> {
        // A panic while holding the lock leaves consistent data (every mutation is a single
        // insert/remove), so a poisoned lock is still usable.
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }

    pub fn current_rv(&self) -> u64 {
        self.lock().rv
    }

    pub fn get(&self, key: &Key) -> Option<Value> {
        self.lock().objects.get(key).cloned()
    }

    /// Objects of one resource, optionally in one namespace, in key order, with the list's RV.
    pub fn list(
        &self,
        group: &str,
        resource: &str,
        namespace: Option<&str>,
    ) -> (Vec<(Key, Value)>, u64) {
        let inner = self.lock();
        (Self::scan(&inner, group, resource, namespace), inner.rv)
    }

    fn scan(
        inner: &Inner,
        group: &str,
        resource: &str,
        namespace: Option<&str>,
    ) -> Vec<(Key, Value)> {
        let start = key(group, resource, namespace.unwrap_or(""), "");
        inner
            .objects
            .range(start..)
            .take_while(|(k, _)| {
                k.0 == group && k.1 == resource && namespace.is_none_or(|ns| k.2 == ns)
            })
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect()
    }

    /// Every object of every resource in one namespace (namespace deletion).
    pub fn keys_in_namespace(&self, namespace: &str) -> Vec<Key> {
        self.lock()
            .objects
            .keys()
            .filter(|k| k.2 == namespace)
            .cloned()
            .collect()
    }

    /// Creates or replaces an object, stamping the next resourceVersion; returns what was stored.
    pub fn put(&self, key: Key, mut object: Value) -> Value {
        let mut inner = self.lock();
        inner.rv += 1;
        let rv = inner.rv;
        set_rv(&mut object, rv);
        let previous = inner.objects.insert(key.clone(), object.clone());
        let kind = if previous.is_some() {
            EventType::Modified
        } else {
            EventType::Added
        };
        self.record(
            &mut inner,
            Event {
                rv,
                kind,
                key,
                object: object.clone(),
                previous,
            },
        );
        object
    }

    /// Removes an object; the DELETED event and the returned object carry a new resourceVersion.
    pub fn remove(&self, key: &Key) -> Option<Value> {
        let mut inner = self.lock();
        let mut object = inner.objects.remove(key)?;
        inner.rv += 1;
        let rv = inner.rv;
        set_rv(&mut object, rv);
        self.record(
            &mut inner,
            Event {
                rv,
                kind: EventType::Deleted,
                key: key.clone(),
                object: object.clone(),
                previous: None,
            },
        );
        Some(object)
    }

    fn record(&self, inner: &mut Inner, event: Event) {
        let event = Arc::new(event);
        inner.history.push_back(event.clone());
        while inner.history.len() > HISTORY_LIMIT {
            if let Some(old) = inner.history.pop_front() {
                inner.compacted = old.rv;
            }
        }
        // No receivers is not an error: nobody is watching.
        let _ = self.tx.send(event);
        self.dirty.notify_one();
    }

    /// Current objects of a resource plus a subscription that starts right after them.
    pub fn snapshot_and_subscribe(
        &self,
        group: &str,
        resource: &str,
        namespace: Option<&str>,
    ) -> (Vec<(Key, Value)>, u64, broadcast::Receiver<Arc<Event>>) {
        let inner = self.lock();
        let rx = self.tx.subscribe();
        (Self::scan(&inner, group, resource, namespace), inner.rv, rx)
    }

    /// The live feed of every change from now on.
    pub fn subscribe(&self) -> broadcast::Receiver<Arc<Event>> {
        self.tx.subscribe()
    }

    /// Events after `rv` plus the live feed, or `Err(oldest)` when `rv` is older than the history.
    pub fn resume(&self, rv: u64) -> Result<Resume, u64> {
        let inner = self.lock();
        if rv < inner.compacted {
            return Err(inner.compacted + 1);
        }
        let rx = self.tx.subscribe();
        let backlog = inner
            .history
            .iter()
            .filter(|e| e.rv > rv)
            .cloned()
            .collect();
        Ok(Resume {
            rv: inner.rv,
            backlog,
            rx,
        })
    }

    /// Resumable watches older than now become 410 Expired (tests of relisting clients).
    pub fn compact(&self) {
        let mut inner = self.lock();
        inner.history.clear();
        inner.compacted = inner.rv;
    }

    /// The oldest resourceVersion a watch or continue token may still name.
    pub fn compacted(&self) -> u64 {
        self.lock().compacted
    }

    /// All objects with the current resourceVersion, for persistence.
    pub fn snapshot(&self) -> (u64, Vec<(Key, Value)>) {
        let inner = self.lock();
        (
            inner.rv,
            inner
                .objects
                .iter()
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect(),
        )
    }

    /// Replaces everything with a loaded snapshot; history starts empty at its resourceVersion.
    pub fn restore(&self, rv: u64, objects: Vec<(Key, Value)>) {
        let mut inner = self.lock();
        inner.objects = objects.into_iter().collect();
        inner.rv = rv.max(inner.rv);
        inner.history.clear();
        inner.compacted = inner.rv;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn versions_grow_and_history_resumes() {
        let s = Store::new();
        let k = key("", "configmaps", "default", "a");
        let a = s.put(k.clone(), json!({"metadata": {"name": "a"}}));
        assert_eq!(a["metadata"]["resourceVersion"], "1");
        s.put(
            k.clone(),
            json!({"metadata": {"name": "a"}, "data": {"x": "1"}}),
        );
        let gone = s.remove(&k).expect("exists");
        assert_eq!(gone["metadata"]["resourceVersion"], "3");
        let r = s.resume(1).expect("in history");
        let kinds: Vec<_> = r.backlog.iter().map(|e| e.kind).collect();
        assert_eq!(kinds, [EventType::Modified, EventType::Deleted]);
        s.compact();
        assert_eq!(s.resume(1).err(), Some(4));
        assert!(s.resume(3).is_ok());
    }

    #[test]
    fn list_is_scoped() {
        let s = Store::new();
        for (ns, name) in [("a", "x"), ("b", "y"), ("a", "z")] {
            s.put(
                key("", "configmaps", ns, name),
                json!({"metadata": {"name": name}}),
            );
        }
        s.put(
            key("", "secrets", "a", "s"),
            json!({"metadata": {"name": "s"}}),
        );
        assert_eq!(s.list("", "configmaps", Some("a")).0.len(), 2);
        assert_eq!(s.list("", "configmaps", None).0.len(), 3);
        assert_eq!(s.keys_in_namespace("a").len(), 3);
    }
}

//! The resources of a build in load order, indexed by id so that appends and lookups are
//! constant time (kustomize scans its list on every append, which makes builds quadratic).

use std::collections::HashMap;

use super::resid::{IdKey, ResId};
use super::resource::Resource;

/// Resources in load order with lazily rebuilt id indexes.
#[derive(Debug, Clone, Default)]
pub struct ResMap {
    list: Vec<Resource>,
    /// current id → positions; `None` when stale.
    by_current: Option<HashMap<IdKey, Vec<usize>>>,
    /// any id (previous or current) → positions; `None` when stale.
    by_any: Option<HashMap<IdKey, Vec<usize>>>,
    /// original or current name → positions (what patch target selectors compare);
    /// `None` when stale.
    by_name: Option<HashMap<String, Vec<usize>>>,
}

/// Appending a resource whose id is already present.
#[derive(Debug, Clone)]
pub struct DuplicateId(pub ResId);

impl ResMap {
    pub fn new() -> ResMap {
        ResMap::default()
    }

    pub fn len(&self) -> usize {
        self.list.len()
    }

    pub fn is_empty(&self) -> bool {
        self.list.is_empty()
    }

    pub fn resources(&self) -> &[Resource] {
        &self.list
    }

    /// Mutable access; invalidates the indexes (ids may change).
    pub fn resources_mut(&mut self) -> &mut Vec<Resource> {
        self.invalidate();
        &mut self.list
    }

    pub fn get(&self, index: usize) -> Option<&Resource> {
        self.list.get(index)
    }

    pub fn get_mut(&mut self, index: usize) -> Option<&mut Resource> {
        self.invalidate();
        self.list.get_mut(index)
    }

    pub fn into_resources(self) -> Vec<Resource> {
        self.list
    }

    fn invalidate(&mut self) {
        self.by_current = None;
        self.by_any = None;
        self.by_name = None;
    }

    fn name_index(&mut self) -> &mut HashMap<String, Vec<usize>> {
        let list = &self.list;
        self.by_name.get_or_insert_with(|| {
            let mut index: HashMap<String, Vec<usize>> = HashMap::with_capacity(list.len());
            for (i, r) in list.iter().enumerate() {
                for name in name_keys(r) {
                    index.entry(name).or_default().push(i);
                }
            }
            index
        })
    }

    /// Positions of resources whose original or current name is `name`, in load order.
    pub fn positions_by_name(&mut self, name: &str) -> Vec<usize> {
        self.name_index().get(name).cloned().unwrap_or_default()
    }

    fn current_index(&mut self) -> &mut HashMap<IdKey, Vec<usize>> {
        let list = &self.list;
        self.by_current.get_or_insert_with(|| {
            let mut index: HashMap<IdKey, Vec<usize>> = HashMap::with_capacity(list.len());
            for (i, r) in list.iter().enumerate() {
                index.entry(r.cur_id().key()).or_default().push(i);
            }
            index
        })
    }

    fn any_index(&mut self) -> &mut HashMap<IdKey, Vec<usize>> {
        let list = &self.list;
        self.by_any.get_or_insert_with(|| {
            let mut index: HashMap<IdKey, Vec<usize>> = HashMap::with_capacity(list.len());
            for (i, r) in list.iter().enumerate() {
                for key in any_keys(r) {
                    index.entry(key).or_default().push(i);
                }
            }
            index
        })
    }

    /// Appends, refusing a resource whose current id is already present.
    pub fn append(&mut self, res: Resource) -> Result<(), DuplicateId> {
        let id = res.cur_id();
        let key = id.key();
        let position = self.list.len();
        let index = self.current_index();
        if index.get(&key).is_some_and(|v| !v.is_empty()) {
            return Err(DuplicateId(id));
        }
        index.entry(key).or_default().push(position);
        // Kept up to date rather than dropped: generators absorb one by one, each looking
        // up by any id, and rebuilding every time would make that quadratic.
        if let Some(by_any) = self.by_any.as_mut() {
            for key in any_keys(&res) {
                by_any.entry(key).or_default().push(position);
            }
        }
        if let Some(by_name) = self.by_name.as_mut() {
            for name in name_keys(&res) {
                by_name.entry(name).or_default().push(position);
            }
        }
        self.list.push(res);
        Ok(())
    }

    /// Appends without the duplicate check.
    pub fn push_unchecked(&mut self, res: Resource) {
        self.invalidate();
        self.list.push(res);
    }

    pub fn append_all(&mut self, other: ResMap) -> Result<(), DuplicateId> {
        for res in other.list {
            self.append(res)?;
        }
        Ok(())
    }

    /// Positions of resources whose current id equals `id`.
    pub fn positions_by_current_id(&mut self, id: &ResId) -> Vec<usize> {
        self.current_index()
            .get(&id.key())
            .cloned()
            .unwrap_or_default()
    }

    /// Positions of resources that have, or ever had, `id` (kustomize's `GetMatchingResourcesByAnyId`).
    pub fn positions_by_any_id(&mut self, id: &ResId) -> Vec<usize> {
        self.any_index().get(&id.key()).cloned().unwrap_or_default()
    }

    /// Replaces the resource at `index`, updating the indexes in place.
    pub fn replace(&mut self, index: usize, res: Resource) {
        let old = std::mem::replace(&mut self.list[index], res);
        let new = &self.list[index];
        if let Some(by_current) = self.by_current.as_mut() {
            move_position(
                by_current,
                index,
                [old.cur_id().key()],
                [new.cur_id().key()],
            );
        }
        if let Some(by_any) = self.by_any.as_mut() {
            move_position(by_any, index, any_keys(&old), any_keys(new));
        }
        if let Some(by_name) = self.by_name.as_mut() {
            move_position(by_name, index, name_keys(&old), name_keys(new));
        }
    }

    /// Changes the resource at `index` in place, keeping the indexes current (cheap when the
    /// change leaves its ids alone, which is the common case for patches).
    pub fn update<R>(
        &mut self,
        index: usize,
        change: impl FnOnce(&mut Resource) -> R,
    ) -> Option<R> {
        let res = self.list.get_mut(index)?;
        let before_current = self.by_current.as_ref().map(|_| res.cur_id().key());
        let before_any = self.by_any.as_ref().map(|_| any_keys(res));
        let before_names = self.by_name.as_ref().map(|_| name_keys(res));
        let out = change(res);
        let res = &self.list[index];
        if let (Some(by_current), Some(old)) = (self.by_current.as_mut(), before_current) {
            let new = res.cur_id().key();
            if new != old {
                move_position(by_current, index, [old], [new]);
            }
        }
        if let (Some(by_any), Some(old)) = (self.by_any.as_mut(), before_any) {
            let new = any_keys(res);
            if new != old {
                move_position(by_any, index, old, new);
            }
        }
        if let (Some(by_name), Some(old)) = (self.by_name.as_mut(), before_names) {
            let new = name_keys(res);
            if new != old {
                move_position(by_name, index, old, new);
            }
        }
        Some(out)
    }

    /// Removes the resources for which `drop` is true, keeping order.
    pub fn retain(&mut self, mut keep: impl FnMut(&Resource) -> bool) {
        self.invalidate();
        self.list.retain(|r| keep(r));
    }

    pub fn remove(&mut self, index: usize) -> Resource {
        self.invalidate();
        self.list.remove(index)
    }

    /// Replaces the whole list (after a transformer rebuilt it).
    pub fn set_resources(&mut self, list: Vec<Resource>) {
        self.invalidate();
        self.list = list;
    }
}

/// The distinct keys of every id a resource has had (none for an empty resource, which
/// kustomize never matches).
fn any_keys(res: &Resource) -> Vec<IdKey> {
    if res.is_empty() {
        return Vec::new();
    }
    let mut keys: Vec<IdKey> = Vec::new();
    for key in res.all_ids().iter().map(ResId::key) {
        if !keys.contains(&key) {
            keys.push(key);
        }
    }
    keys
}

/// The names a target selector compares: the original and the current one.
fn name_keys(res: &Resource) -> Vec<String> {
    let current = res.name().to_string();
    match res.build.previous.first() {
        Some((_, original, _)) if *original != current => vec![original.clone(), current],
        _ => vec![current],
    }
}

/// Moves `position` from the slots of `old` keys to those of `new` keys, keeping every
/// slot in load order.
fn move_position<K: std::hash::Hash + Eq>(
    index: &mut HashMap<K, Vec<usize>>,
    position: usize,
    old: impl IntoIterator<Item = K>,
    new: impl IntoIterator<Item = K>,
) {
    for key in old {
        if let Some(slot) = index.get_mut(&key) {
            slot.retain(|&p| p != position);
            if slot.is_empty() {
                index.remove(&key);
            }
        }
    }
    for key in new {
        let slot = index.entry(key).or_default();
        if let Err(at) = slot.binary_search(&position) {
            slot.insert(at, position);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn cm(name: &str) -> Resource {
        let obj = json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": name}});
        Resource::new(obj.as_object().cloned().unwrap_or_default())
    }

    #[test]
    fn append_refuses_duplicates_and_finds_by_previous_id() {
        let mut m = ResMap::new();
        m.append(cm("a")).expect("first append");
        assert!(m.append(cm("a")).is_err());
        let original = m.resources()[0].cur_id();
        let r = &mut m.resources_mut()[0];
        r.store_previous_id();
        r.set_name("p-a");
        assert_eq!(m.positions_by_any_id(&original), vec![0]);
        assert!(m.positions_by_current_id(&original).is_empty());
        m.append(cm("a")).expect("old name is free again");
    }

    #[test]
    fn indexes_follow_appends_and_replaces() {
        let mut m = ResMap::new();
        m.append(cm("a")).expect("append");
        let a = m.resources()[0].cur_id();
        assert_eq!(m.positions_by_any_id(&a), vec![0]);
        m.append(cm("b"))
            .expect("append with the any-id index built");
        let b = m.resources()[1].cur_id();
        assert_eq!(m.positions_by_any_id(&b), vec![1]);
        let mut renamed = m.resources()[0].clone();
        renamed.store_previous_id();
        renamed.set_name("c");
        let c = renamed.cur_id();
        m.replace(0, renamed);
        assert_eq!(m.positions_by_any_id(&a), vec![0]);
        assert_eq!(m.positions_by_any_id(&c), vec![0]);
        assert!(m.positions_by_current_id(&a).is_empty());
        assert_eq!(m.positions_by_current_id(&c), vec![0]);
        assert!(m.append(cm("c")).is_err());
        m.append(cm("a")).expect("a is only a previous id now");
        assert_eq!(m.positions_by_any_id(&a), vec![0, 2]);
    }
}

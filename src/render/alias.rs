//! Shared nodes: kustomize's label and annotation transformers insert ONE YAML node at
//! every place of an object where they create an entry (`metadata.labels.app`, the
//! selector's and the pod template's `app`...). Later transformers and strategic-merge
//! patches overwrite an existing node in place, so writing one of those places changes
//! them all, while a JSON patch re-parses the object and unshares everything.
//! converge's objects are plain JSON trees, so the sharing is recorded here, per
//! resource, and replayed after each in-place writer.

use serde_json::{Map, Value};

/// One step of a concrete path inside an object.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Seg {
    Key(String),
    Index(usize),
}

/// A group of places holding the same shared scalar, and the value it had when last seen.
#[derive(Debug, Clone, PartialEq)]
struct Group {
    paths: Vec<Vec<Seg>>,
    value: String,
}

/// The shared nodes of one resource.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Aliases {
    groups: Vec<Group>,
}

impl Aliases {
    /// Records that the places `paths` now hold one shared node with `value`.
    pub fn share(&mut self, paths: Vec<Vec<Seg>>, value: &str) {
        if paths.len() > 1 {
            self.groups.push(Group {
                paths,
                value: value.to_string(),
            });
        }
    }

    /// Forgets every sharing (the object was rebuilt from scratch).
    pub fn clear(&mut self) {
        self.groups.clear();
    }

    /// Unshares every place under the map at `prefix` (kustomize rebuilt that map).
    pub fn detach_under(&mut self, prefix: &[&str]) {
        let under = |p: &Vec<Seg>| {
            p.len() > prefix.len()
                && p.iter()
                    .zip(prefix)
                    .all(|(s, want)| matches!(s, Seg::Key(k) if k == want))
        };
        for group in &mut self.groups {
            group.paths.retain(|p| !under(p));
        }
        self.groups.retain(|g| g.paths.len() > 1);
    }

    /// Replays in-place writes: when some places of a group hold a new value, every place
    /// still in the object gets it. A place that vanished or no longer holds a string left
    /// the group (kustomize detached or replaced that node).
    pub fn sync(&mut self, obj: &mut Map<String, Value>) {
        self.sync_detaching(obj, |_| false);
    }

    /// Like [`Aliases::sync`], but a changed place for which `rebuilt` holds got a new node
    /// (not an in-place write): it leaves its group and the others keep their value.
    pub fn sync_detaching(
        &mut self,
        obj: &mut Map<String, Value>,
        rebuilt: impl Fn(&[Seg]) -> bool,
    ) {
        if self.groups.is_empty() {
            return;
        }
        for group in &mut self.groups {
            group.paths.retain(|p| match get(obj, p) {
                Some(Value::String(s)) => *s == group.value || !rebuilt(p),
                _ => false,
            });
            let changed = group
                .paths
                .iter()
                .filter_map(|p| match get(obj, p) {
                    Some(Value::String(s)) if *s != group.value => Some(s.clone()),
                    _ => None,
                })
                .next_back();
            if let Some(value) = changed {
                for path in &group.paths {
                    if let Some(node) = get_mut(obj, path) {
                        *node = Value::String(value.clone());
                    }
                }
                group.value = value;
            }
        }
        self.groups.retain(|g| g.paths.len() > 1);
    }
}

fn get<'a>(obj: &'a Map<String, Value>, path: &[Seg]) -> Option<&'a Value> {
    let (Seg::Key(first), rest) = path.split_first()? else {
        return None;
    };
    let mut node = obj.get(first)?;
    for seg in rest {
        node = match (seg, node) {
            (Seg::Key(k), Value::Object(m)) => m.get(k)?,
            (Seg::Index(i), Value::Array(a)) => a.get(*i)?,
            _ => return None,
        };
    }
    Some(node)
}

fn get_mut<'a>(obj: &'a mut Map<String, Value>, path: &[Seg]) -> Option<&'a mut Value> {
    let (Seg::Key(first), rest) = path.split_first()? else {
        return None;
    };
    let mut node = obj.get_mut(first)?;
    for seg in rest {
        node = match (seg, node) {
            (Seg::Key(k), Value::Object(m)) => m.get_mut(k)?,
            (Seg::Index(i), Value::Array(a)) => a.get_mut(*i)?,
            _ => return None,
        };
    }
    Some(node)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn key(parts: &[&str]) -> Vec<Seg> {
        parts.iter().map(|p| Seg::Key(p.to_string())).collect()
    }

    #[test]
    fn a_write_to_one_place_reaches_the_others() {
        let mut obj = json!({"metadata": {"labels": {"v": "b"}},
                             "spec": {"selector": {"v": "b"}}})
        .as_object()
        .cloned()
        .unwrap_or_default();
        let mut aliases = Aliases::default();
        aliases.share(
            vec![
                key(&["metadata", "labels", "v"]),
                key(&["spec", "selector", "v"]),
            ],
            "b",
        );
        obj["metadata"]["labels"]["v"] = json!("c");
        aliases.sync(&mut obj);
        assert_eq!(obj["spec"]["selector"]["v"], "c");
        // a removed place leaves the group, which then has nothing to share
        if let Some(Value::Object(sel)) = obj.get_mut("spec").and_then(|s| s.get_mut("selector")) {
            sel.remove("v");
        }
        aliases.sync(&mut obj);
        obj["metadata"]["labels"]["v"] = json!("d");
        aliases.sync(&mut obj);
        assert!(obj["spec"]["selector"].get("v").is_none());
        assert!(aliases.groups.is_empty());
    }
}

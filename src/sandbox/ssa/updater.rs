//! The structured-merge-diff `Updater`: ownership bookkeeping for apply and update.
//!
//! `apply` merges the configuration into the live object, gives the applier exactly the fields
//! of its configuration, prunes what it applied last time and no longer applies (unless someone
//! else owns it), then takes modified/added fields away from other managers — or reports them as
//! conflicts. `update` hands an updater everything it changed. Managers are keyed by their
//! encoded identifier (see `managed.rs`); versions are not converted since every kind the sandbox
//! serves has a single version.

use std::collections::BTreeMap;

use serde_json::Value;

use super::fieldpath::Set;
use super::schema::{TypeId, TypeTable};
use super::typed::{self, Comparison, ensure_named_fields_are_members as ensure};
use super::value::equals;

/// The fields one manager owns, at the apiVersion it used.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct VersionedSet {
    pub(crate) set: Set,
    pub(crate) api_version: String,
    pub(crate) applied: bool,
}

/// Managers by encoded identifier.
pub(crate) type ManagedFields = BTreeMap<String, VersionedSet>;

/// Per-manager conflicting fields.
pub(crate) type Conflicts = Vec<(String, VersionedSet)>;

pub(crate) struct Updater<'a> {
    pub(crate) table: &'a TypeTable,
    pub(crate) root: TypeId,
    /// Reset fields: never owned, never compared (e.g. `status` on the main resource).
    pub(crate) ignored: &'a Set,
}

impl Updater<'_> {
    fn field_set(&self, v: &Value) -> Set {
        typed::to_field_set(self.table, self.root, v)
    }

    fn ensure(&self, s: &Set) -> Set {
        ensure(self.table, self.root, s)
    }

    fn remove(&self, v: &Value, s: &Set) -> Value {
        typed::remove_items(self.table, self.root, v, s)
    }

    /// Takes changed fields from every manager but `workflow`; without `force`, any such field
    /// owned by another manager is a conflict.
    fn update_managers(
        &self,
        old: &Value,
        new: &Value,
        version: &str,
        managers: &mut ManagedFields,
        workflow: &str,
        force: bool,
    ) -> Result<Comparison, Conflicts> {
        let mut compare = typed::compare(self.table, self.root, old, new);
        compare.exclude(self.ignored);
        let changed = compare.modified.union(&compare.added);
        let mut conflicts: Conflicts = Vec::new();
        for (manager, vs) in managers.iter() {
            if manager == workflow {
                continue;
            }
            let c = vs.set.intersection(&changed);
            if !c.is_empty() {
                conflicts.push((
                    manager.clone(),
                    VersionedSet {
                        set: c,
                        api_version: vs.api_version.clone(),
                        applied: false,
                    },
                ));
            }
        }
        if !force && !conflicts.is_empty() {
            return Err(conflicts);
        }
        let _ = version;
        for (manager, c) in &conflicts {
            if let Some(vs) = managers.get_mut(manager) {
                vs.set = vs.set.difference(&c.set);
            }
        }
        if !compare.removed.is_empty() {
            for (manager, vs) in managers.iter_mut() {
                if manager != workflow {
                    vs.set = vs.set.difference(&compare.removed);
                }
            }
        }
        managers.retain(|_, vs| !vs.set.is_empty());
        Ok(compare)
    }

    /// SMD `Updater.Update` as the API server calls it: under a stand-in manager name, so the
    /// real manager loses what changed like everyone else. Returns the fields the operation
    /// acquired (modified ∪ added − removed − reset fields); the caller merges them into the
    /// real manager (`managedFieldsUpdater`).
    pub(crate) fn update(
        &self,
        live: &Value,
        new: &Value,
        version: &str,
        managers: &mut ManagedFields,
    ) -> Set {
        const CURRENT: &str = "current-operation";
        let compare = match self.update_managers(live, new, version, managers, CURRENT, true) {
            Ok(c) => c,
            // With force, conflicts are resolved in place and never returned.
            Err(_) => return Set::new(),
        };
        compare
            .modified
            .union(&compare.added)
            .difference(&compare.removed)
            .recursive_difference(self.ignored)
    }

    /// SMD `Updater.Apply`: returns the new object, or `None` when it equals `live` (the
    /// managers may still have changed).
    pub(crate) fn apply(
        &self,
        live: &Value,
        config: &Value,
        version: &str,
        managers: &mut ManagedFields,
        manager: &str,
        force: bool,
    ) -> Result<Option<Value>, Conflicts> {
        let merged = typed::merge(self.table, self.root, live, config);
        let last = managers.get(manager).cloned();
        let mut set = self.field_set(config);
        if !self.ignored.is_empty() {
            set = set.recursive_difference(self.ignored);
        }
        let new_set = set.clone();
        managers.insert(
            manager.to_string(),
            VersionedSet {
                set,
                api_version: version.to_string(),
                applied: true,
            },
        );
        let new = self.prune(merged, managers, last, &new_set);
        self.update_managers(live, &new, version, managers, manager, force)?;
        if equals(live, &new) {
            Ok(None)
        } else {
            Ok(Some(new))
        }
    }

    /// Removes what the applier applied last time and not this time, unless another manager
    /// (or the applier's new configuration) still owns it.
    fn prune(
        &self,
        merged: Value,
        managers: &ManagedFields,
        last: Option<VersionedSet>,
        new_set: &Set,
    ) -> Value {
        let Some(last) = last.filter(|l| !l.set.is_empty()) else {
            return merged;
        };
        // Everything applied last time is applied again: removing it and adding back what the
        // applier owns is the identity, so skip the walks (the common re-apply).
        if last.set.difference(new_set).is_empty() {
            return merged;
        }
        let pruned = self.remove(&merged, &self.ensure(&last.set));
        let pruned = self.add_back_owned(&merged, &pruned, managers);
        self.add_back_dangling(&merged, &pruned, &last.set)
    }

    fn add_back_owned(&self, merged: &Value, pruned: &Value, managers: &ManagedFields) -> Value {
        let managed = managers
            .values()
            .fold(Set::new(), |acc, vs| acc.union(&vs.set));
        let merged_set = self.ensure(&self.field_set(merged));
        let pruned_set = self.ensure(&self.field_set(pruned));
        let keep = pruned_set.union(&self.ensure(&managed));
        self.remove(merged, &merged_set.difference(&keep))
    }

    fn add_back_dangling(&self, merged: &Value, pruned: &Value, last: &Set) -> Value {
        let pruned_set = self.ensure(&self.field_set(pruned));
        let merged_set = self.ensure(&self.field_set(merged));
        let last = self.ensure(last);
        self.remove(
            merged,
            &merged_set.difference(&pruned_set).intersection(&last),
        )
    }
}

//! Server-side apply of one request, layered as the API server's field manager is: version
//! check, typed validation of the configuration, tracking of pre-existing fields
//! (`before-first-apply`), the structured-merge-diff apply with conflicts, the `kubectl`
//! last-applied upgrade path, timestamps, defaulting and encoding of `managedFields`.

use serde_json::Value;

use super::common::{
    LAST_APPLIED, empty_object, gvk_string, object_gvknn, prepare_for_create, reset_fields,
    reset_object, set_managed_fields, split_managed_fields, store_form, str_at,
};
use super::fieldpath::{Set, path_string};
use super::managed::{self, Managed, identifier, parse_identifier, strip_set};
use super::schema::Schema;
use super::typed;
use super::updater::{Conflicts, Updater, VersionedSet};
use super::value::write_go_json;
use super::{Applied, ApplyOptions, Conflict, SsaError};

pub(crate) fn apply(
    schema: &Schema,
    live: Option<&Value>,
    config: &Value,
    opts: &ApplyOptions,
) -> Result<Applied, SsaError> {
    if !config.is_object() {
        return Err(SsaError::BadRequest(
            "error decoding YAML: the applied configuration must be an object".into(),
        ));
    }
    let kind = str_at(config, &["kind"]);
    let expected_kind = schema.builtin_kind().unwrap_or(kind);
    let api_version = str_at(config, &["apiVersion"]);
    if api_version != opts.api_version || kind != expected_kind || kind.is_empty() {
        return Err(SsaError::BadRequest(format!(
            "invalid object type: {}",
            gvk_string(api_version, kind)
        )));
    }
    if config
        .get("metadata")
        .and_then(|m| m.get("managedFields"))
        .is_some_and(|m| !m.is_null())
    {
        return Err(SsaError::BadRequest(
            "metadata.managedFields must be nil".into(),
        ));
    }
    let errors = typed::validate(schema.table(), schema.root(), config);
    if !errors.is_empty() {
        return Err(SsaError::Internal(format!(
            "failed to create typed patch object ({}): {}",
            object_gvknn(config),
            typed::format_errors(&errors)
        )));
    }

    let ignored = reset_fields(schema, opts.subresource);
    let updater = Updater {
        table: schema.table(),
        root: schema.root(),
        ignored: &ignored,
    };
    let (live_obj, live_managed) = match live {
        Some(l) => split_managed_fields(l),
        None => (empty_object(schema, opts.api_version, kind), None),
    };
    let mut managed = managed::decode(live_managed)
        .map_err(|e| SsaError::Internal(format!("failed to decode managed fields: {e}")))?;
    let subresource = opts.subresource.unwrap_or("");

    // Fields that existed before anyone applied are attributed to `before-first-apply`.
    if managed.fields.is_empty() {
        let empty = empty_object(schema, opts.api_version, kind);
        let id = identifier(
            "before-first-apply",
            "Update",
            opts.api_version,
            subresource,
        );
        record_update(
            &updater,
            &empty,
            &live_obj,
            opts.api_version,
            &mut managed,
            &id,
            opts.now,
        );
    }

    let manager = if opts.manager.is_empty() {
        "unknown"
    } else {
        opts.manager
    };
    let id = identifier(manager, "Apply", opts.api_version, subresource);
    // Only kubectl may need a second attempt, which needs the managers as they were.
    let retry_copy = (manager == "kubectl").then(|| managed.clone());
    let outcome = match smd_apply(&updater, &live_obj, config, opts, managed, &id, opts.force) {
        Ok(o) => o,
        Err(conflicts) if manager == "kubectl" => {
            // kubectl's own client-side-applied fields may be taken over without force.
            let allowed = allowed_from_last_applied(schema, &live_obj, opts.api_version);
            let remaining: Conflicts = conflicts
                .into_iter()
                .filter_map(|(m, vs)| {
                    let left = match &allowed {
                        Some(a) => vs.set.difference(a),
                        None => vs.set.clone(),
                    };
                    (!left.is_empty()).then_some((m, VersionedSet { set: left, ..vs }))
                })
                .collect();
            if !remaining.is_empty() {
                return Err(conflict_error(remaining));
            }
            let managed = retry_copy.unwrap_or_default();
            smd_apply(&updater, &live_obj, config, opts, managed, &id, true)
                .map_err(conflict_error)?
        }
        Err(conflicts) => return Err(conflict_error(conflicts)),
    };
    let (new, mut managed) = outcome;

    let mut object = match new {
        Some(mut obj) => {
            reset_object(schema, opts.subresource, live, &mut obj);
            store_form(schema, &mut obj);
            if live.is_none() && opts.subresource.is_none() {
                prepare_for_create(schema, &mut obj);
            }
            obj
        }
        None => live_obj,
    };
    if manager == "kubectl"
        && !str_at(&object, &["metadata", "annotations", LAST_APPLIED]).is_empty()
    {
        set_last_applied(&mut object, config);
    }
    managed::cap_update_managers(&mut managed, managed::MAX_UPDATE_MANAGERS);
    set_managed_fields(&mut object, managed::encode(&managed));
    let changed = live != Some(&object);
    Ok(Applied {
        object,
        changed,
        warnings: Vec::new(),
    })
}

/// The structured-merge-diff apply plus what the outer managers do with its result: stripping
/// untracked fields and stamping the time when the object changed.
fn smd_apply(
    updater: &Updater<'_>,
    live: &Value,
    config: &Value,
    opts: &ApplyOptions,
    mut managed: Managed,
    id: &str,
    force: bool,
) -> Result<(Option<Value>, Managed), Conflicts> {
    let new = updater.apply(
        live,
        config,
        opts.api_version,
        &mut managed.fields,
        id,
        force,
    )?;
    if let Some(vs) = managed.fields.get_mut(id) {
        vs.set = vs.set.difference(strip_set());
        if vs.set.is_empty() {
            managed.fields.remove(id);
        }
    }
    if new.is_some() {
        managed.times.insert(id.to_string(), opts.now.to_string());
    }
    Ok((new, managed))
}

/// An update through `managedFieldsUpdater`: the operation's fields join the manager's, and
/// its time moves only when it acquired something.
pub(crate) fn record_update(
    updater: &Updater<'_>,
    live: &Value,
    new: &Value,
    api_version: &str,
    managed: &mut Managed,
    id: &str,
    now: &str,
) {
    let acquired = updater
        .update(live, new, api_version, &mut managed.fields)
        .difference(strip_set());
    if acquired.is_empty() {
        return;
    }
    let set = match managed.fields.get(id) {
        Some(previous) => acquired.union(&previous.set),
        None => acquired,
    };
    managed.fields.insert(
        id.to_string(),
        VersionedSet {
            set,
            api_version: api_version.to_string(),
            applied: false,
        },
    );
    managed.times.insert(id.to_string(), now.to_string());
}

/// `lastAppliedManager`: the fields kubectl's client-side apply recorded and the live object
/// still has, which a `kubectl` server-side apply may take over.
fn allowed_from_last_applied(schema: &Schema, live: &Value, api_version: &str) -> Option<Set> {
    let text = str_at(live, &["metadata", "annotations", LAST_APPLIED]);
    if text.is_empty() {
        return None;
    }
    let last: Value = serde_json::from_str(text).ok()?;
    if str_at(&last, &["apiVersion"]) != api_version {
        return None;
    }
    if !typed::validate(schema.table(), schema.root(), &last).is_empty() {
        return None;
    }
    let set = typed::to_field_set(schema.table(), schema.root(), &last);
    let cmp = typed::compare(schema.table(), schema.root(), &last, live);
    Some(
        set.difference(&cmp.modified)
            .difference(&cmp.added)
            .difference(&cmp.removed),
    )
}

/// `lastAppliedUpdater`: keeps kubectl's annotation in sync with what was applied.
fn set_last_applied(object: &mut Value, config: &Value) {
    let mut applied = config.clone();
    if let Some(annotations) = applied
        .get_mut("metadata")
        .and_then(|m| m.get_mut("annotations"))
        .and_then(Value::as_object_mut)
    {
        annotations.remove(LAST_APPLIED);
    }
    let mut text = String::new();
    write_go_json(&mut text, &applied);
    // Go's json.Encoder ends the document with a newline.
    text.push('\n');
    if let Some(annotations) = object
        .get_mut("metadata")
        .and_then(|m| m.get_mut("annotations"))
        .and_then(Value::as_object_mut)
    {
        annotations.insert(LAST_APPLIED.into(), Value::String(text));
    }
}

/// `NewConflictError`: conflicts by manager identifier, paths in set order.
fn conflict_error(conflicts: Conflicts) -> SsaError {
    let mut conflicts = conflicts;
    conflicts.sort_by(|a, b| a.0.cmp(&b.0));
    let mut out = Vec::new();
    for (id, vs) in conflicts {
        let who = parse_identifier(&id);
        vs.set.iterate(&mut |path| {
            out.push(Conflict {
                manager: who.manager.clone(),
                api_version: (who.operation == "Update").then(|| who.api_version.clone()),
                subresource: (!who.subresource.is_empty()).then(|| who.subresource.clone()),
                path: path_string(path),
            });
        });
    }
    SsaError::Conflict { conflicts: out }
}

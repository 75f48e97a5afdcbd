//! Non-apply writes (create, update, merge / strategic / JSON patch results): decoding the way
//! the API server does (unknown fields per `fieldValidation`, defaults, Go normalization),
//! strategy resets, and the Update manager's `managedFields` entry.

use serde_json::Value;

use super::apply::record_update;
use super::common::{
    empty_object, prepare_for_create, reset_fields, reset_object, set_managed_fields,
    split_managed_fields, store_form, str_at, take_managed_fields,
};
use super::managed::{self, Managed, identifier};
use super::updater::Updater;
use super::{Applied, FieldValidation, SsaError, UpdateOptions};

pub(crate) fn update(
    schema: &Schema,
    live: Option<&Value>,
    new: Value,
    opts: &UpdateOptions,
) -> Result<Applied, SsaError> {
    let mut new = new;
    if !new.is_object() {
        return Err(SsaError::BadRequest(
            "the object must be a JSON object".into(),
        ));
    }
    let kind = str_at(&new, &["kind"]).to_string();
    let kind = schema.builtin_kind().map(str::to_string).unwrap_or(kind);

    let requested_managed = take_managed_fields(&mut new);
    reset_object(schema, opts.subresource, live, &mut new);
    let unknown = store_form(schema, &mut new);
    let mut warnings = Vec::new();
    if !unknown.is_empty() {
        let fields: Vec<String> = unknown
            .iter()
            .map(|p| format!("unknown field \"{p}\""))
            .collect();
        match opts.validation {
            FieldValidation::Strict => {
                let version = super::common::split_api_version(opts.api_version).1;
                return Err(SsaError::BadRequest(format!(
                    "{kind} in version \"{version}\" cannot be handled as a {kind}: strict decoding error: {}",
                    fields.join(", ")
                )));
            }
            FieldValidation::Warn => warnings = fields,
            FieldValidation::Ignore => {}
        }
    }
    if live.is_none() && opts.subresource.is_none() {
        prepare_for_create(schema, &mut new);
    }

    let (live_obj, live_managed) = match live {
        Some(l) => split_managed_fields(l),
        None => (empty_object(schema, opts.api_version, &kind), None),
    };
    let decode_live = || managed::decode(live_managed).unwrap_or_default();
    let mut managed: Managed = if opts.subresource.is_some() {
        decode_live()
    } else {
        match &requested_managed {
            Some(m) if managed::is_reset(m) => Managed::default(),
            Some(m) => match managed::decode(Some(m)) {
                Ok(d) if !d.fields.is_empty() => d,
                _ => decode_live(),
            },
            None => decode_live(),
        }
    };

    // An existing object nobody tracks stays untracked until someone applies to it.
    if !(managed.fields.is_empty() && live.is_some()) {
        let ignored = reset_fields(schema, opts.subresource);
        let updater = Updater {
            table: schema.table(),
            root: schema.root(),
            ignored: &ignored,
        };
        let manager = if opts.manager.is_empty() {
            "unknown"
        } else {
            opts.manager
        };
        let id = identifier(
            manager,
            "Update",
            opts.api_version,
            opts.subresource.unwrap_or(""),
        );
        record_update(
            &updater,
            &live_obj,
            &new,
            opts.api_version,
            &mut managed,
            &id,
            opts.now,
        );
        managed::cap_update_managers(&mut managed, managed::MAX_UPDATE_MANAGERS);
    }
    set_managed_fields(&mut new, managed::encode(&managed));
    let changed = live != Some(&new);
    Ok(Applied {
        object: new,
        changed,
        warnings,
    })
}

use super::schema::Schema;

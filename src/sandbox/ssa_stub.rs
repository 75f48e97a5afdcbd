//! Stand-in for the server-side-apply engine (`ssa/`, built on its own branch) with the agreed
//! API, so the sandbox compiles and serves before the engine lands: apply merges maps and
//! replaces lists, no managedFields are tracked and no defaults are applied.

use serde_json::{Map, Value};

/// Type information for one kind (the stand-in only knows whether a kind is built in).
#[derive(Clone, Debug)]
pub struct Schema {
    builtin: bool,
}

impl Schema {
    pub fn builtin(_group: &str, _version: &str, _kind: &str) -> Option<Schema> {
        Some(Schema { builtin: true })
    }
    pub fn from_openapi_v3(_schema: &Value) -> Result<Schema, SsaError> {
        Ok(Schema { builtin: false })
    }
    pub fn unstructured() -> Schema {
        Schema { builtin: false }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FieldValidation {
    Strict,
    Warn,
    Ignore,
}

pub struct ApplyOptions<'a> {
    pub manager: &'a str,
    pub force: bool,
    pub api_version: &'a str,
    pub subresource: Option<&'a str>,
    pub now: &'a str,
    pub validation: FieldValidation,
}

pub struct UpdateOptions<'a> {
    pub manager: &'a str,
    pub api_version: &'a str,
    pub subresource: Option<&'a str>,
    pub now: &'a str,
    pub validation: FieldValidation,
}

pub struct Applied {
    pub object: Value,
    pub changed: bool,
    pub warnings: Vec<String>,
}

#[derive(Debug, Clone)]
pub struct Conflict {
    pub manager: String,
    pub api_version: Option<String>,
    pub path: String,
}

#[derive(Debug, thiserror::Error)]
pub enum SsaError {
    #[error("Apply failed with {} conflicts", conflicts.len())]
    Conflict { conflicts: Vec<Conflict> },
    #[error("{field}: {message}")]
    Invalid { field: String, message: String },
    #[error("{0}")]
    BadRequest(String),
    #[error("{0}")]
    UnsupportedMediaType(String),
}

impl SsaError {
    pub fn http_status(&self) -> u16 {
        match self {
            SsaError::Conflict { .. } => 409,
            SsaError::Invalid { .. } => 422,
            SsaError::BadRequest(_) => 400,
            SsaError::UnsupportedMediaType(_) => 415,
        }
    }
    pub fn status_body(&self) -> Value {
        let (reason, code) = match self {
            SsaError::Conflict { .. } => ("Conflict", 409),
            SsaError::Invalid { .. } => ("Invalid", 422),
            SsaError::BadRequest(_) => ("BadRequest", 400),
            SsaError::UnsupportedMediaType(_) => ("UnsupportedMediaType", 415),
        };
        serde_json::json!({"kind": "Status", "apiVersion": "v1", "metadata": {},
            "status": "Failure", "message": self.to_string(), "reason": reason, "code": code})
    }
}

fn merge(live: &mut Value, config: &Value) {
    match (live, config) {
        (Value::Object(l), Value::Object(c)) => {
            for (k, v) in c {
                match l.get_mut(k) {
                    Some(existing) if existing.is_object() && v.is_object() => merge(existing, v),
                    _ => {
                        l.insert(k.clone(), v.clone());
                    }
                }
            }
        }
        (l, c) => *l = c.clone(),
    }
}

pub fn apply(
    _schema: &Schema,
    live: Option<&Value>,
    config: &Value,
    _opts: &ApplyOptions,
) -> Result<Applied, SsaError> {
    if config.pointer("/metadata/managedFields").is_some() {
        return Err(SsaError::BadRequest(
            "metadata.managedFields must be nil".into(),
        ));
    }
    let mut object = live.cloned().unwrap_or_else(|| Value::Object(Map::new()));
    merge(&mut object, config);
    let changed = live != Some(&object);
    Ok(Applied {
        object,
        changed,
        warnings: Vec::new(),
    })
}

pub fn update(
    _schema: &Schema,
    live: Option<&Value>,
    new: Value,
    _opts: &UpdateOptions,
) -> Result<Applied, SsaError> {
    let changed = live != Some(&new);
    Ok(Applied {
        object: new,
        changed,
        warnings: Vec::new(),
    })
}

pub fn strategic_merge_patch(
    schema: &Schema,
    live: &Value,
    patch: &Value,
) -> Result<Value, SsaError> {
    if !schema.builtin {
        return Err(SsaError::UnsupportedMediaType(
            "strategic merge patch is not supported for custom resources".into(),
        ));
    }
    let mut out = live.clone();
    json_patch::merge(&mut out, patch);
    Ok(out)
}

//! Strategic merge (interface stub: the merge engine replaces this file).

use serde_json::Value;

#[derive(Clone, Default)]
pub struct MergeSchema;

impl MergeSchema {
    pub fn builtin() -> MergeSchema {
        MergeSchema
    }
    pub fn with_openapi_document(&self, _doc: &Value) -> Result<MergeSchema, MergeError> {
        Ok(MergeSchema)
    }
}

pub enum MergeOutcome {
    Merged(Value),
    Deleted,
}

#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct MergeError(String);

pub fn strategic_merge(
    _schema: &MergeSchema,
    target: &Value,
    patch: &Value,
) -> Result<MergeOutcome, MergeError> {
    let mut out = target.clone();
    json_patch::merge(&mut out, patch);
    Ok(MergeOutcome::Merged(out))
}

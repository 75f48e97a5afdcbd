//! Type information for one kind: the structured-merge-diff view of its fields.

use std::sync::Arc;

use serde_json::Value;

use super::SsaError;

/// Type information for one kind (cheap to clone).
#[derive(Debug, Clone)]
pub struct Schema {
    #[allow(dead_code)]
    inner: Arc<()>,
}

impl Schema {
    /// Built-in kinds served by the sandbox (`None` for an unknown group/version/kind).
    pub fn builtin(group: &str, version: &str, kind: &str) -> Option<Schema> {
        let _ = (group, version, kind);
        None
    }

    /// From a CRD version's `schema.openAPIV3Schema`.
    pub fn from_openapi_v3(schema: &Value) -> Result<Schema, SsaError> {
        let _ = schema;
        Ok(Schema::unstructured())
    }

    /// No type information: maps granular, lists atomic, any field accepted.
    pub fn unstructured() -> Schema {
        Schema {
            inner: Arc::new(()),
        }
    }
}

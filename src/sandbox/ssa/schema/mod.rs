//! Type information for one kind: the structured-merge-diff view of its fields (list types and
//! keys, map/struct atomicity, known fields), plus what Go serialization and strategic merge
//! patch need. Built-in kinds come from compact tables; custom resources from their CRD schema.

mod builtin;
pub(crate) mod dsl;
mod openapi;
pub(crate) mod types;

use std::fmt;
use std::sync::Arc;

use serde_json::Value;

use super::SsaError;
pub(crate) use builtin::BuiltinKind;
pub(crate) use types::{Atom, Emit, FieldDef, ListRel, MapDef, ScalarKind, TypeId, TypeTable};

/// What produced a schema; decides defaulting, status handling and patch support.
#[derive(Debug, Clone)]
pub(crate) enum Origin {
    Builtin(&'static BuiltinKind),
    /// A custom resource; `status` tells whether its CRD enables the status subresource.
    Crd {
        status: bool,
    },
    Unstructured,
}

pub(crate) struct SchemaInner {
    pub(crate) table: Arc<TypeTable>,
    pub(crate) root: TypeId,
    pub(crate) origin: Origin,
}

/// Type information for one kind (cheap to clone: an `Arc` inside).
#[derive(Clone)]
pub struct Schema {
    pub(crate) inner: Arc<SchemaInner>,
}

impl fmt::Debug for Schema {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Schema")
            .field("origin", &self.inner.origin)
            .field("types", &self.inner.table.types.len())
            .finish()
    }
}

impl Schema {
    /// Built-in kinds served by the sandbox (`None` for an unknown group/version/kind).
    pub fn builtin(group: &str, version: &str, kind: &str) -> Option<Schema> {
        let (entry, table, root) = builtin::lookup(group, version, kind)?;
        Some(Schema {
            inner: Arc::new(SchemaInner {
                table,
                root,
                origin: Origin::Builtin(entry),
            }),
        })
    }

    /// From a CRD version's `schema.openAPIV3Schema` (`x-kubernetes-list-type`,
    /// `-list-map-keys`, `-map-type`, `-preserve-unknown-fields`, `-int-or-string` honoured;
    /// lists default to atomic). The CR is assumed to have a status subresource when the schema
    /// declares `status`; use [`Schema::with_status_subresource`] to say otherwise.
    pub fn from_openapi_v3(schema: &Value) -> Result<Schema, SsaError> {
        let (table, root) = openapi::build(schema)?;
        let status = table
            .atom(root)
            .map
            .as_ref()
            .is_some_and(|m| m.field("status").is_some());
        Ok(Schema {
            inner: Arc::new(SchemaInner {
                table: Arc::new(table),
                root,
                origin: Origin::Crd { status },
            }),
        })
    }

    /// The same CRD schema with the status subresource enabled or not (CRD
    /// `subresources.status`), which decides whether writes to the main resource keep `status`.
    pub fn with_status_subresource(&self, enabled: bool) -> Schema {
        match self.inner.origin {
            Origin::Crd { .. } => Schema {
                inner: Arc::new(SchemaInner {
                    table: self.inner.table.clone(),
                    root: self.inner.root,
                    origin: Origin::Crd { status: enabled },
                }),
            },
            _ => self.clone(),
        }
    }

    /// No type information: maps granular, lists atomic, any field accepted.
    pub fn unstructured() -> Schema {
        Schema {
            inner: Arc::new(SchemaInner {
                table: Arc::new(TypeTable::primitives()),
                root: types::DEDUCED,
                origin: Origin::Unstructured,
            }),
        }
    }

    pub(crate) fn table(&self) -> &TypeTable {
        &self.inner.table
    }

    pub(crate) fn root(&self) -> TypeId {
        self.inner.root
    }

    pub(crate) fn origin(&self) -> &Origin {
        &self.inner.origin
    }

    /// Whether writes to the main resource must leave `status` alone.
    pub(crate) fn has_status_subresource(&self) -> bool {
        match self.inner.origin {
            Origin::Builtin(k) => k.status,
            Origin::Crd { status } => status,
            Origin::Unstructured => false,
        }
    }

    /// The built-in kind name, if any.
    pub(crate) fn builtin_kind(&self) -> Option<&'static str> {
        match self.inner.origin {
            Origin::Builtin(k) => Some(k.kind),
            _ => None,
        }
    }
}

//! Errors of the strategic-merge engine.
//!
//! Every variant names where in the object it happened (a dotted field path with
//! `[key=value]` list selectors). Values of the object are never included: a
//! Secret's data must not leak into an error message.

/// Why a strategic merge (or loading a merge schema) failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MergeError {
    /// The target and the patch disagree on whether a field is a map, a list or a scalar.
    #[error("{path}: wrong node kind: expected {expected} but got {found}")]
    WrongKind {
        /// Field path in the object.
        path: String,
        /// The kind the target (or the first non-null side) has there.
        expected: &'static str,
        /// The kind the other side has.
        found: &'static str,
    },
    /// A `$patch` directive other than `replace`, `delete` or `merge`.
    #[error("{path}: unknown patch strategy '{value}'")]
    UnknownDirective {
        /// Field path of the map holding the directive.
        path: String,
        /// The directive's value.
        value: String,
    },
    /// A list merged by key holds an element that is not a map (or a list merged by
    /// value holds a map), which kustomize rejects.
    #[error(
        "{path}: list element is a {found}, but {expected} is needed to merge the list by {key:?}"
    )]
    BadListElement {
        /// Field path of the list.
        path: String,
        /// The merge key ("" for a list of primitives).
        key: String,
        /// What the element should have been.
        expected: &'static str,
        /// What it was.
        found: &'static str,
    },
    /// The object nests deeper than the engine follows.
    #[error("{path}: object nests deeper than {limit} levels")]
    TooDeep {
        /// Field path where the limit was reached.
        path: String,
        /// The nesting limit.
        limit: usize,
    },
    /// An OpenAPI document given as a merge schema is malformed.
    #[error("openapi document: {location}: {reason}")]
    InvalidOpenApi {
        /// Where in the document (e.g. `definitions.io.example.v1.Foo`).
        location: String,
        /// What is wrong.
        reason: String,
    },
}

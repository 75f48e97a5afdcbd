//! Errors loading and evaluating policies. Every variant names the policy file (and line,
//! when the engine gives one) or the object being evaluated.

use std::path::PathBuf;

use crate::source::SourceError;

#[derive(Debug, thiserror::Error)]
pub enum PolicyError {
    /// A selected policy path, or a file under it, could not be read.
    #[error("{path}: {source}")]
    Read {
        path: PathBuf,
        #[source]
        source: SourceError,
    },
    /// A path of the environment's `spec.policies.paths` does not exist.
    #[error("policy path {path}: no such file or directory")]
    MissingPath { path: String },
    /// A selected directory holds no policy or data file at all (most likely a typo).
    #[error("policy path {path}: no .rego or data files under it")]
    NoPolicies { path: String },
    /// A policy file is not valid Rego (neither v1 nor v0).
    #[error("{file}:{line}:{col}: {message}")]
    Syntax {
        file: String,
        line: u32,
        col: u32,
        message: String,
    },
    /// A policy calls a function that is neither a builtin of this build nor defined by any
    /// loaded policy: reported at load time, before any evaluation could stumble on it.
    #[error(
        "{file}:{line}: unknown function `{function}` (not a builtin supported by converge, \
         nor defined by a loaded policy)"
    )]
    UnknownFunction {
        file: String,
        line: u32,
        function: String,
    },
    /// The policies parse but do not compile together (unsafe variables, conflicting
    /// definitions, recursion...); the engine's message names the file and line.
    #[error("policies do not compile: {message}")]
    Compile { message: String },
    /// A `data.yaml`/`data.json` file is unreadable or not a mapping.
    #[error("{file}: {message}")]
    Data { file: String, message: String },
    /// Two data files define the same key differently.
    #[error("{file}: data key `{key}` is also defined, differently, by {other}")]
    DataConflict {
        file: String,
        other: String,
        key: String,
    },
    /// A namespace named in the environment's selection has no policy declaring it.
    #[error(
        "policy namespace `{namespace}` is selected, but no policy declares `package {namespace}`"
    )]
    UnknownNamespace { namespace: String },
    /// A rule failed while evaluating (a builtin error, a conflict between rule values...).
    #[error("{file}: evaluating data.{package}.{rule} on {object}: {message}")]
    Evaluation {
        file: String,
        package: String,
        rule: String,
        object: String,
        message: String,
    },
    /// A `deny`/`violation`/`warn` entry is an object without a string `msg` (as in conftest).
    #[error("{file}: data.{package}.{rule} on {object}: result {value} has no string `msg` field")]
    BadResult {
        file: String,
        package: String,
        rule: String,
        object: String,
        value: String,
    },
    /// The engine's own description of the policies could not be read: a bug, not bad input.
    #[error("internal error inspecting the policies: {message}")]
    Internal { message: String },
}

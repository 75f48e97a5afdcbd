//! Why a render failed: every variant names the file, kustomization or resource involved.

use std::path::PathBuf;

use crate::source::SourceError;

#[derive(Debug, thiserror::Error)]
pub enum RenderError {
    #[error("{source}")]
    Source {
        #[source]
        source: SourceError,
    },
    #[error("{path}: {message}")]
    Yaml { path: PathBuf, message: String },
    #[error("{path}: invalid kustomization: {message}")]
    Kustomization { path: PathBuf, message: String },
    #[error(
        "no kustomization file (kustomization.yaml, kustomization.yml or Kustomization) in {dir}"
    )]
    MissingKustomization { dir: PathBuf },
    #[error("found multiple kustomization files in {dir}")]
    MultipleKustomizations { dir: PathBuf },
    #[error("security: file '{path}' is not in or below '{root}'")]
    Restricted { path: PathBuf, root: PathBuf },
    #[error("cycle detected: {candidate} contains the already visited {root}")]
    Cycle { candidate: PathBuf, root: PathBuf },
    #[error("{kustomization}: '{entry}': {message}")]
    Entry {
        kustomization: PathBuf,
        entry: String,
        message: String,
    },
    #[error("{path}: {message}")]
    InvalidResource { path: String, message: String },
    #[error("may not add resource with an already registered id: {id} (from {origin})")]
    DuplicateId { id: String, origin: String },
    #[error("{transformer} in {kustomization}: {message}")]
    Transform {
        transformer: &'static str,
        kustomization: PathBuf,
        message: String,
    },
    /// A `configMapGenerator` / `secretGenerator` entry that cannot be generated or absorbed.
    #[error("{kustomization}: {kind} generator '{name}': {message}")]
    Generator {
        kustomization: PathBuf,
        kind: &'static str,
        name: String,
        message: String,
    },
    #[error("{what} is not supported by converge (it needs {needs}): {kustomization}")]
    Unsupported {
        what: String,
        needs: &'static str,
        kustomization: PathBuf,
    },
    /// A name reference that cannot be fixed (e.g. several resources could be the referral).
    #[error("updating name reference in '{field}' field of '{referrer}': {message}")]
    NameReference {
        referrer: String,
        field: String,
        message: String,
    },
    /// A var that cannot be declared or resolved.
    #[error("{kustomization}: var '{var}': {message}")]
    Var {
        kustomization: PathBuf,
        var: String,
        message: String,
    },
    /// A `crds:` file that cannot be read as OpenAPI definitions.
    #[error("{path}: unable to load crd definitions: {message}")]
    Crd { path: PathBuf, message: String },
}

impl From<SourceError> for RenderError {
    fn from(source: SourceError) -> RenderError {
        RenderError::Source { source }
    }
}

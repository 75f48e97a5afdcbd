//! Errors reading environment files.

use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
pub enum EnvironmentError {
    #[error("{path}: {message}")]
    Invalid { path: PathBuf, message: String },
    #[error("environment {name:?} not found (no {path})")]
    NotFound { name: String, path: PathBuf },
    #[error("rendering environment {name} ({overlay}): {source}")]
    Render {
        name: String,
        overlay: String,
        #[source]
        source: Box<crate::render::RenderError>,
    },
    #[error("{path}: {source}")]
    Read {
        path: PathBuf,
        #[source]
        source: crate::source::SourceError,
    },
}

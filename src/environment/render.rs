//! Rendering an environment: its file and its overlay, read through one recording source so
//! that the input closure covers both.

use super::error::EnvironmentError;
use super::load::load_from_source;
use super::types::Environment;
use crate::render::{self, Rendered};
use crate::source::{Recording, Source};

/// Loads environment `name` from `source` and renders its overlay.
pub fn render_environment(
    source: &dyn Source,
    name: &str,
) -> Result<(Environment, Rendered), EnvironmentError> {
    let recording = Recording::new(source);
    let env = load_from_source(&recording, name)?;
    let overlay = source.root().join(&env.spec.overlay);
    let resources =
        render::build(&recording, &overlay).map_err(|source| EnvironmentError::Render {
            name: name.to_string(),
            overlay: env.spec.overlay.clone(),
            source: Box::new(source),
        })?;
    Ok((
        env,
        Rendered {
            resources,
            closure: recording.closure(),
        },
    ))
}

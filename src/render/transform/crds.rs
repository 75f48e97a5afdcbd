//! Transformer configuration from `crds:` (interface stub).

use crate::render::config::TransformerConfig;
use crate::render::error::RenderError;
use crate::render::loader::Loader;

pub fn config_from_crds(
    loader: &Loader,
    paths: &[String],
) -> Result<TransformerConfig, RenderError> {
    let _ = (loader, paths);
    Ok(TransformerConfig::default())
}

//! Name references (interface stub: the name-reference implementation replaces this file).

use crate::render::config::{NameBackReferences, TransformerConfig};
use crate::render::error::RenderError;
use crate::render::resmap::ResMap;

pub fn defaults() -> Vec<NameBackReferences> {
    Vec::new()
}

pub fn fix_back_references(
    resources: &mut ResMap,
    config: &TransformerConfig,
) -> Result<(), RenderError> {
    let _ = (resources, config);
    Ok(())
}

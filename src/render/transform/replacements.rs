//! Replacements (interface stub: the replacements implementation replaces this file).

use crate::render::error::RenderError;
use crate::render::kustomization::ReplacementField;
use crate::render::resmap::ResMap;
use crate::render::target::Target;

pub fn apply(
    target: &Target,
    resources: &mut ResMap,
    replacements: &[ReplacementField],
) -> Result<(), RenderError> {
    let _ = (resources, replacements);
    Err(RenderError::Unsupported {
        what: "replacements".into(),
        needs: "the replacements module",
        kustomization: target.file.clone(),
    })
}

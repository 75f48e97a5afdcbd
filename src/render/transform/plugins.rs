//! Built-in plugin configurations in `generators:` and `transformers:` (interface stub).

use crate::render::error::RenderError;
use crate::render::target::{Accumulator, BuildContext, Target};

pub fn run_generators(
    target: &Target,
    ctx: &BuildContext,
    ra: &mut Accumulator,
) -> Result<(), RenderError> {
    let _ = (ctx, ra);
    if target.kustomization.generators.is_empty() {
        Ok(())
    } else {
        Err(RenderError::Unsupported {
            what: "generators".into(),
            needs: "the plugin module",
            kustomization: target.file.clone(),
        })
    }
}

pub fn run_transformers(
    target: &Target,
    ctx: &BuildContext,
    ra: &mut Accumulator,
) -> Result<(), RenderError> {
    let _ = (ctx, ra);
    if target.kustomization.transformers.is_empty() {
        Ok(())
    } else {
        Err(RenderError::Unsupported {
            what: "transformers".into(),
            needs: "the plugin module",
            kustomization: target.file.clone(),
        })
    }
}

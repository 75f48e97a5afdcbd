//! Name hash suffixes for generated ConfigMaps and Secrets (kustomize's HashTransformer).

use crate::render::error::RenderError;
use crate::render::generate::content_hash;
use crate::render::resmap::ResMap;

/// Appends `-<hash>` to the names of resources that asked for it.
pub fn add_hash_suffixes(resources: &mut ResMap) -> Result<(), RenderError> {
    for res in resources.resources_mut().iter_mut() {
        if !res.build.needs_hash {
            continue;
        }
        let hash = content_hash(res)?;
        res.store_previous_id();
        let name = format!("{}-{}", res.name(), hash);
        res.set_name(&name);
    }
    Ok(())
}

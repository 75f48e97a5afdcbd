//! Generators: `configMapGenerator` and `secretGenerator`.
//! (Interface stub: the generator implementation replaces this file.)

use std::path::Path;

use super::error::RenderError;
use super::kustomization::{GeneratorArgs, GeneratorOptions};
use super::loader::Loader;
use super::resmap::ResMap;
use super::resource::Resource;

pub fn config_map(
    loader: &Loader,
    args: &GeneratorArgs,
    global: Option<&GeneratorOptions>,
) -> Result<Resource, RenderError> {
    let _ = (loader, args, global);
    Err(RenderError::Unsupported {
        what: "configMapGenerator".into(),
        needs: "the generator module",
        kustomization: loader.root().to_path_buf(),
    })
}

pub fn secret(
    loader: &Loader,
    args: &GeneratorArgs,
    global: Option<&GeneratorOptions>,
) -> Result<Resource, RenderError> {
    let _ = (loader, args, global);
    Err(RenderError::Unsupported {
        what: "secretGenerator".into(),
        needs: "the generator module",
        kustomization: loader.root().to_path_buf(),
    })
}

pub fn absorb(
    resources: &mut ResMap,
    generated: Resource,
    kustomization: &Path,
) -> Result<(), RenderError> {
    let id = generated.cur_id();
    resources
        .append(generated)
        .map_err(|_| RenderError::DuplicateId {
            id: id.to_string(),
            origin: kustomization.display().to_string(),
        })
}

/// The kustomize content hash of a generated ConfigMap or Secret.
pub fn content_hash(res: &Resource) -> Result<String, RenderError> {
    let _ = res;
    Ok(String::new())
}

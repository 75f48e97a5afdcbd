//! Generators: `configMapGenerator` and `secretGenerator` (kustomize v5.5.0 semantics).
//!
//! A generator reads its key/value sources ([`kv`]), builds the object ([`object`]) with its
//! options merged with the kustomization's `generatorOptions`, and marks it for a name hash
//! in its build facts. [`absorb`] adds it to the accumulated resources by its behavior; the
//! hash itself ([`content_hash`]) is computed at the end of the build, over the final content.

mod absorb;
mod hash;
mod kv;
mod object;
mod plugin;

use std::path::Path;

use serde_json::{Map, Value};

use super::error::RenderError;
use super::kustomization::{GeneratorArgs, GeneratorOptions};
use super::loader::Loader;
use super::resmap::ResMap;
use super::resource::{Behavior, Resource};

use object::Kind;

/// Why one generator failed before it had context attached.
#[derive(Debug)]
enum GenError {
    /// Reading a source file failed (the loader's error names the file).
    Load(RenderError),
    Invalid(String),
}

/// Generates the ConfigMap of a `configMapGenerator` entry.
pub fn config_map(
    loader: &Loader,
    args: &GeneratorArgs,
    global: Option<&GeneratorOptions>,
) -> Result<Resource, RenderError> {
    generate(Kind::ConfigMap, loader, args, global)
}

/// Generates the Secret of a `secretGenerator` entry.
pub fn secret(
    loader: &Loader,
    args: &GeneratorArgs,
    global: Option<&GeneratorOptions>,
) -> Result<Resource, RenderError> {
    generate(Kind::Secret, loader, args, global)
}

fn generate(
    kind: Kind,
    loader: &Loader,
    args: &GeneratorArgs,
    global: Option<&GeneratorOptions>,
) -> Result<Resource, RenderError> {
    let fail = |message: String| RenderError::Generator {
        kustomization: loader.root().to_path_buf(),
        kind: kind.as_str(),
        name: args.name.clone(),
        message,
    };
    if args.name.is_empty() {
        return Err(fail("a configmap must have a name".into()));
    }
    let options = GeneratorOptions::merge_global(args.options.as_ref(), global);
    let pairs = kv::load(loader, args, kind == Kind::Secret).map_err(|e| match e {
        GenError::Load(err) => err,
        GenError::Invalid(message) => fail(format!("loading KV pairs: {message}")),
    })?;
    let entries = object::unique_pairs(&args.name, pairs).map_err(fail)?;
    let obj = object::build(
        kind,
        &args.name,
        &args.namespace,
        &args.secret_type,
        entries,
        &options,
    );
    let mut res = Resource::new(obj);
    // kustomize reads an unknown behavior as "unspecified", which acts like `create`.
    res.build.behavior = Some(Behavior::parse(&args.behavior).unwrap_or_default());
    res.build.needs_hash = !options.disable_name_suffix_hash;
    res.build.plain_data_keys = true;
    Ok(res)
}

/// Reads a builtin `ConfigMapGenerator` (or, with `secret`, `SecretGenerator`) plugin
/// config, an entry of `generators:` found in `file`, into arguments for [`config_map`] /
/// [`secret`]. Such generators get no `generatorOptions`: pass `None` as `global`.
pub fn plugin_args(
    config: &Map<String, Value>,
    secret: bool,
    file: &Path,
) -> Result<GeneratorArgs, RenderError> {
    plugin::args_from_config(config, secret).map_err(|message| RenderError::Generator {
        kustomization: file.to_path_buf(),
        kind: if secret { "Secret" } else { "ConfigMap" },
        name: config
            .get("metadata")
            .and_then(|m| m.get("name"))
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_string(),
        message,
    })
}

/// Adds a generated resource to `resources` by its behavior (kustomize's
/// `appendReplaceOrMerge`): `create` appends, `merge` and `replace` take over the resource
/// that has, or ever had, the same id, keeping its name, namespace and build facts.
pub fn absorb(
    resources: &mut ResMap,
    generated: Resource,
    kustomization: &Path,
) -> Result<(), RenderError> {
    let kind = match generated.kind() {
        "Secret" => "Secret",
        _ => "ConfigMap",
    };
    let name = generated.name().to_string();
    absorb::absorb(resources, generated).map_err(|message| RenderError::Generator {
        kustomization: kustomization.to_path_buf(),
        kind,
        name,
        message,
    })
}

/// The kustomize content hash of a generated ConfigMap or Secret (ten characters).
pub fn content_hash(res: &Resource) -> Result<String, RenderError> {
    Ok(hash::of_object(&res.obj))
}

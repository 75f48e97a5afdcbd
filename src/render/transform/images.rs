//! The image transformer (`images:`): new names, tags and digests for matching images, in
//! the configured fields and in any `containers`/`initContainers` list anywhere (kustomize's
//! legacy scan, which reaches custom resources too).

use std::path::Path;

use regex::Regex;
use serde_json::Value;

use super::namespace::res_label;
use super::transform_error;
use crate::render::error::RenderError;
use crate::render::fieldspec::{self, CreateKind};
use crate::render::kustomization::{FieldSpec, Image};
use crate::render::resmap::ResMap;

/// Splits an image reference into name, tag and digest (kustomize's `image.Split`).
pub fn split(image: &str) -> (&str, &str, &str) {
    let slash = match image.find('/') {
        Some(i) if i > 0 => i,
        _ => 0,
    };
    let search = &image[slash..];
    let at = search.find('@');
    let colon = search.find(':');
    match (at, colon) {
        (None, None) => (image, "", ""),
        (Some(a), c) if c.is_none() || c.is_some_and(|c| a < c) => {
            let a = a + slash;
            (&image[..a], "", &image[a + 1..])
        }
        (Some(a), Some(c)) => {
            let (a, c) = (a + slash, c + slash);
            (&image[..c], &image[c + 1..a], &image[a + 1..])
        }
        (None, Some(c)) => {
            let c = c + slash;
            (&image[..c], &image[c + 1..], "")
        }
        // Covered by the first two arms; kept for exhaustiveness.
        (Some(_), None) => (image, "", ""),
    }
}

struct Updater<'a> {
    image: &'a Image,
    pattern: Option<Regex>,
}

impl Updater<'_> {
    fn update(&self, node: &mut Value) -> Result<(), String> {
        let value = match &*node {
            Value::Null => return Ok(()),
            Value::String(s) => s.clone(),
            Value::Object(_) | Value::Array(_) => {
                return Err("wrong node kind: expected a scalar image reference".into());
            }
            other => other.to_string(),
        };
        let Some(pattern) = &self.pattern else {
            return Ok(());
        };
        if !pattern.is_match(&value) {
            return Ok(());
        }
        let (name, tag, digest) = split(&value);
        let mut name = name.to_string();
        let mut tag = tag.to_string();
        let mut digest = digest.to_string();
        if !self.image.new_name.is_empty() {
            name = self.image.new_name.clone();
        }
        if !self.image.new_tag.is_empty() && !self.image.digest.is_empty() {
            tag = self.image.new_tag.clone();
            digest = self.image.digest.clone();
        } else if !self.image.new_tag.is_empty() {
            tag = self.image.new_tag.clone();
            digest.clear();
        } else if !self.image.digest.is_empty() {
            tag.clear();
            digest = self.image.digest.clone();
        }
        if !tag.is_empty() {
            name.push(':');
            name.push_str(&tag);
        }
        if !digest.is_empty() {
            name.push('@');
            name.push_str(&digest);
        }
        *node = Value::String(name);
        Ok(())
    }

    /// The legacy scan: every `image` of every element of a `containers` or `initContainers`
    /// list, at any depth.
    fn scan(&self, node: &mut Value) -> Result<(), String> {
        match node {
            Value::Object(map) => {
                for (key, value) in map.iter_mut() {
                    self.scan(value)?;
                    if (key == "containers" || key == "initContainers")
                        && let Value::Array(items) = value
                    {
                        for item in items.iter_mut() {
                            if let Some(image) =
                                item.as_object_mut().and_then(|m| m.get_mut("image"))
                            {
                                self.update(image)?;
                            }
                        }
                    }
                }
                Ok(())
            }
            Value::Array(items) => items.iter_mut().try_for_each(|i| self.scan(i)),
            _ => Ok(()),
        }
    }
}

/// Applies one `images:` entry to every resource.
pub fn apply(
    resources: &mut ResMap,
    image: &Image,
    specs: &[FieldSpec],
    file: &Path,
) -> Result<(), RenderError> {
    let pattern = Regex::new(&format!(
        "^{}(@sha256)?(:[a-zA-Z0-9_.{{}}-]*)?$",
        image.name
    ))
    .ok();
    let updater = Updater { image, pattern };
    for res in resources.resources_mut().iter_mut() {
        if res.kind() == "CustomResourceDefinition" {
            continue;
        }
        let label = res_label(&res.obj);
        for value in res.obj.values_mut() {
            updater
                .scan(value)
                .map_err(|m| transform_error("images", file, format!("{label}: {m}")))?;
        }
        for fs in specs {
            let mut set = |node: &mut Value| updater.update(node);
            fieldspec::apply(&mut res.obj, fs, CreateKind::Nothing, &mut set).map_err(|e| {
                transform_error(
                    "images",
                    file,
                    format!("{label}: {}: {}", e.path, e.message),
                )
            })?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::split;

    #[test]
    fn splits_like_kustomize() {
        assert_eq!(split("nginx"), ("nginx", "", ""));
        assert_eq!(split("nginx:1.2"), ("nginx", "1.2", ""));
        assert_eq!(
            split("localhost:5000/app:v1"),
            ("localhost:5000/app", "v1", "")
        );
        assert_eq!(split("app@sha256:abc"), ("app", "", "sha256:abc"));
        assert_eq!(
            split("reg/app:v1@sha256:abc"),
            ("reg/app", "v1", "sha256:abc")
        );
    }
}

//! The image transformer (`images:`): new names, tags and digests for matching images, in
//! the configured fields and in any `containers`/`initContainers` list anywhere (kustomize's
//! legacy scan, which reaches custom resources too).

use std::path::Path;

use std::collections::HashSet;

use regex::{Regex, RegexSet};
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

/// The `images:` entries of one kustomization, matched together: a value is tested against
/// every entry's pattern in one regex-set pass, then the entries that match are applied in
/// order (re-testing after each, since a new name can make a later entry match).
struct Updater<'a> {
    images: &'a [Image],
    /// Compiled patterns and the entry each belongs to (entries whose pattern does not
    /// compile never match).
    set: Option<RegexSet>,
    entry_of: Vec<usize>,
}

impl<'a> Updater<'a> {
    fn new(images: &'a [Image]) -> Updater<'a> {
        let mut patterns = Vec::new();
        let mut entry_of = Vec::new();
        for (i, image) in images.iter().enumerate() {
            // kustomize compiles the name as a regular expression, unescaped.
            let pattern = format!("^{}(@sha256)?(:[a-zA-Z0-9_.{{}}-]*)?$", image.name);
            if Regex::new(&pattern).is_ok() {
                patterns.push(pattern);
                entry_of.push(i);
            }
        }
        let set = RegexSet::new(&patterns).ok();
        Updater {
            images,
            set,
            entry_of,
        }
    }

    /// The first entry at or after `from` whose pattern matches `value`.
    fn next_match(&self, value: &str, from: usize) -> Option<usize> {
        let set = self.set.as_ref()?;
        set.matches(value)
            .iter()
            .map(|k| self.entry_of[k])
            .filter(|&i| i >= from)
            .min()
    }

    fn update(&self, node: &mut Value) -> Result<(), String> {
        let mut value = match &*node {
            Value::Null => return Ok(()),
            Value::String(s) => s.clone(),
            Value::Object(_) | Value::Array(_) => {
                return Err("wrong node kind: expected a scalar image reference".into());
            }
            other => other.to_string(),
        };
        let mut from = 0;
        let mut changed = false;
        while let Some(i) = self.next_match(&value, from) {
            value = rewrite(&value, &self.images[i]);
            changed = true;
            from = i + 1;
        }
        if changed {
            *node = Value::String(value);
        }
        Ok(())
    }

    /// The legacy scan: every `image` of every element of a `containers` or `initContainers`
    /// list, at any depth.
    fn scan(&self, node: &mut Value, seen: &mut HashSet<*const Value>) -> Result<(), String> {
        match node {
            Value::Object(map) => {
                for (key, value) in map.iter_mut() {
                    self.scan(value, seen)?;
                    if (key == "containers" || key == "initContainers")
                        && let Value::Array(items) = value
                    {
                        for item in items.iter_mut() {
                            if let Some(image) =
                                item.as_object_mut().and_then(|m| m.get_mut("image"))
                            {
                                seen.insert(image as *const Value);
                                self.update(image)?;
                            }
                        }
                    }
                }
                Ok(())
            }
            Value::Array(items) => items.iter_mut().try_for_each(|i| self.scan(i, seen)),
            _ => Ok(()),
        }
    }
}

/// Applies one entry to an image reference kustomize matched against it.
fn rewrite(value: &str, image: &Image) -> String {
    let (name, tag, digest) = split(value);
    let mut name = name.to_string();
    let mut tag = tag.to_string();
    let mut digest = digest.to_string();
    if !image.new_name.is_empty() {
        name = image.new_name.clone();
    }
    if !image.new_tag.is_empty() && !image.digest.is_empty() {
        tag = image.new_tag.clone();
        digest = image.digest.clone();
    } else if !image.new_tag.is_empty() {
        tag = image.new_tag.clone();
        digest.clear();
    } else if !image.digest.is_empty() {
        tag.clear();
        digest = image.digest.clone();
    }
    if !tag.is_empty() {
        name.push(':');
        name.push_str(&tag);
    }
    if !digest.is_empty() {
        name.push('@');
        name.push_str(&digest);
    }
    name
}

/// Applies one `images:` entry to every resource.
pub fn apply(
    resources: &mut ResMap,
    image: &Image,
    specs: &[FieldSpec],
    file: &Path,
) -> Result<(), RenderError> {
    apply_all(resources, std::slice::from_ref(image), specs, file)
}

/// Applies a kustomization's `images:` entries, in order, to every resource, in one pass.
///
/// kustomize runs one pass per entry (a scan of every container list, then the field specs);
/// applying an entry twice to a value changes nothing, so visiting each image value once and
/// applying the matching entries in order gives the same result in linear time.
pub fn apply_all(
    resources: &mut ResMap,
    images: &[Image],
    specs: &[FieldSpec],
    file: &Path,
) -> Result<(), RenderError> {
    if images.is_empty() {
        return Ok(());
    }
    let updater = Updater::new(images);
    let mut seen: HashSet<*const Value> = HashSet::new();
    for res in resources.resources_mut().iter_mut() {
        if res.kind() == "CustomResourceDefinition" {
            continue;
        }
        seen.clear();
        let scanned: Result<(), String> = res
            .obj
            .values_mut()
            .try_for_each(|value| updater.scan(value, &mut seen));
        scanned.map_err(|m| {
            transform_error("images", file, format!("{}: {m}", res_label(&res.obj)))
        })?;
        for fs in specs {
            let mut set = |node: &mut Value| {
                if seen.insert(node as *const Value) {
                    updater.update(node)
                } else {
                    Ok(())
                }
            };
            fieldspec::apply(&mut res.obj, fs, CreateKind::Nothing, &mut set).map_err(|e| {
                transform_error(
                    "images",
                    file,
                    format!("{}: {}: {}", res_label(&res.obj), e.path, e.message),
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

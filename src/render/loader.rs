//! Loading files for one kustomization with kustomize's default load restrictor: files must
//! be in or below the kustomization's directory (after resolving symlinks); bases may be
//! anywhere in the source, but never a directory already being built (a cycle).

use std::path::{Path, PathBuf};

use super::error::RenderError;
use super::kustomization::FILE_NAMES;
use crate::source::{EntryKind, Source, SourceError};

/// The loader of one kustomization directory.
#[derive(Clone)]
pub struct Loader<'s> {
    source: &'s dyn Source,
    root: PathBuf,
    /// Roots of the kustomizations that led here, outermost first.
    referrers: Vec<PathBuf>,
}

impl<'s> Loader<'s> {
    /// A loader for the kustomization directory `dir`.
    pub fn new(source: &'s dyn Source, dir: &Path) -> Result<Loader<'s>, RenderError> {
        let root = source.resolve(dir)?;
        if source.kind(&root)? != EntryKind::Dir {
            return Err(RenderError::MissingKustomization { dir: root });
        }
        Ok(Loader {
            source,
            root,
            referrers: Vec::new(),
        })
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    pub fn source(&self) -> &'s dyn Source {
        self.source
    }

    /// Reads a file named relative to this kustomization, within its directory.
    pub fn load(&self, rel: &str) -> Result<Vec<u8>, RenderError> {
        if is_remote(rel) {
            return Err(RenderError::Unsupported {
                what: format!("remote resource '{rel}'"),
                needs: "network access",
                kustomization: self.root.clone(),
            });
        }
        let joined = self.root.join(rel);
        let resolved = self.source.resolve(&joined)?;
        if !resolved.starts_with(&self.root) {
            return Err(RenderError::Restricted {
                path: resolved,
                root: self.root.clone(),
            });
        }
        Ok(self.source.read(&resolved)?)
    }

    /// A loader for a base or component directory named relative to this one.
    pub fn child(&self, rel: &str) -> Result<Loader<'s>, RenderError> {
        if is_remote(rel) {
            return Err(RenderError::Unsupported {
                what: format!("remote base '{rel}'"),
                needs: "network access",
                kustomization: self.root.clone(),
            });
        }
        let joined = self.root.join(rel);
        let resolved = self.source.resolve(&joined)?;
        if self.source.kind(&resolved)? != EntryKind::Dir {
            return Err(RenderError::Source {
                source: SourceError::NotFound { path: joined },
            });
        }
        for visited in self.referrers.iter().chain(std::iter::once(&self.root)) {
            if visited.starts_with(&resolved) {
                return Err(RenderError::Cycle {
                    candidate: resolved,
                    root: visited.clone(),
                });
            }
        }
        let mut referrers = self.referrers.clone();
        referrers.push(self.root.clone());
        Ok(Loader {
            source: self.source,
            root: resolved,
            referrers,
        })
    }

    /// Finds and reads the kustomization file of this directory.
    pub fn kustomization_file(&self) -> Result<(PathBuf, Vec<u8>), RenderError> {
        let mut found = None;
        for name in FILE_NAMES {
            let path = self.root.join(name);
            if self.source.kind(&path)? == EntryKind::File {
                if found.is_some() {
                    return Err(RenderError::MultipleKustomizations {
                        dir: self.root.clone(),
                    });
                }
                found = Some(path);
            }
        }
        let Some(path) = found else {
            return Err(RenderError::MissingKustomization {
                dir: self.root.clone(),
            });
        };
        let bytes = self.source.read(&path)?;
        Ok((path, bytes))
    }

    /// Whether `rel` names a file (not a directory) this loader may read.
    pub fn is_file(&self, rel: &str) -> bool {
        let joined = self.root.join(rel);
        matches!(self.source.kind(&joined), Ok(EntryKind::File))
    }
}

fn is_remote(rel: &str) -> bool {
    rel.contains("://") || rel.starts_with("git@") || rel.starts_with("github.com/")
}

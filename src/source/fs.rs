//! The filesystem as a source, bounded by a root directory.

use std::path::{Path, PathBuf};

use super::{EntryKind, Source, SourceError, normalize};

/// Files on disk under `root`.
#[derive(Debug, Clone)]
pub struct FsSource {
    root: PathBuf,
}

impl FsSource {
    /// A source bounded by `root` (made absolute and symlink-free).
    pub fn new(root: &Path) -> Result<FsSource, SourceError> {
        let root = std::fs::canonicalize(root).map_err(|source| io_error(root, source))?;
        Ok(FsSource { root })
    }

    /// The whole filesystem (what `kubectl kustomize DIR` may reach).
    pub fn unbounded() -> FsSource {
        FsSource {
            root: PathBuf::from("/"),
        }
    }
}

fn io_error(path: &Path, source: std::io::Error) -> SourceError {
    if source.kind() == std::io::ErrorKind::NotFound {
        SourceError::NotFound {
            path: path.to_path_buf(),
        }
    } else {
        SourceError::Io {
            path: path.to_path_buf(),
            source,
        }
    }
}

impl Source for FsSource {
    fn root(&self) -> &Path {
        &self.root
    }

    fn kind(&self, path: &Path) -> Result<EntryKind, SourceError> {
        let resolved = match self.resolve(path) {
            Ok(p) => p,
            Err(SourceError::NotFound { .. }) => return Ok(EntryKind::Missing),
            Err(e) => return Err(e),
        };
        match std::fs::metadata(&resolved) {
            Ok(m) if m.is_dir() => Ok(EntryKind::Dir),
            Ok(_) => Ok(EntryKind::File),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(EntryKind::Missing),
            Err(source) => Err(io_error(&resolved, source)),
        }
    }

    fn read(&self, path: &Path) -> Result<Vec<u8>, SourceError> {
        let resolved = self.resolve(path)?;
        if resolved.is_dir() {
            return Err(SourceError::IsDirectory { path: resolved });
        }
        std::fs::read(&resolved).map_err(|source| io_error(&resolved, source))
    }

    fn resolve(&self, path: &Path) -> Result<PathBuf, SourceError> {
        let absolute = if path.is_absolute() {
            normalize(path)
        } else {
            normalize(&self.root.join(path))
        };
        let resolved =
            std::fs::canonicalize(&absolute).map_err(|source| io_error(&absolute, source))?;
        if !resolved.starts_with(&self.root) {
            return Err(SourceError::OutsideRoot {
                path: absolute,
                root: self.root.clone(),
            });
        }
        Ok(resolved)
    }

    /// The git blob id of the content, so that a work tree and a commit with the same files
    /// have the same input-closure digest.
    fn fingerprint(&self, path: &Path) -> Result<String, SourceError> {
        let bytes = self.read(path)?;
        let oid = git2::Oid::hash_object(git2::ObjectType::Blob, &bytes).map_err(|source| {
            SourceError::Git {
                context: format!("hashing {}", path.display()),
                source,
            }
        })?;
        Ok(oid.to_string())
    }

    fn describe(&self) -> String {
        format!("work tree {}", self.root.display())
    }

    fn list(&self, path: &Path) -> Result<Vec<String>, SourceError> {
        let resolved = self.resolve(path)?;
        let entries = std::fs::read_dir(&resolved).map_err(|source| io_error(&resolved, source))?;
        let mut names = Vec::new();
        for entry in entries {
            let entry = entry.map_err(|source| io_error(&resolved, source))?;
            names.push(entry.file_name().to_string_lossy().into_owned());
        }
        names.sort();
        Ok(names)
    }
}

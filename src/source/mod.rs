//! Source: a tree of files to render from — the work tree, or a git tree at any revision
//! read straight from the object database (no checkout, no temp dirs).
//!
//! Paths are absolute within the source's own namespace: real paths for the filesystem,
//! `/`-rooted repository paths for git trees. Every source refuses paths outside its root,
//! after symlinks are resolved. [`Recording`] wraps a source and records every file read
//! and every path probed: the *input closure* of a render, whose digest decides whether an
//! environment changed.

mod closure;
mod error;
mod fs;
mod git;

use std::path::{Component, Path, PathBuf};

pub use closure::{InputClosure, Recording};
pub use error::SourceError;
pub use fs::FsSource;
pub use git::GitSource;

/// What is at a path.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EntryKind {
    File,
    Dir,
    Missing,
}

/// A tree of files.
pub trait Source: Send + Sync {
    /// The directory nothing may be read outside of.
    fn root(&self) -> &Path;
    /// What is at `path` (after resolving symlinks).
    fn kind(&self, path: &Path) -> Result<EntryKind, SourceError>;
    /// The bytes of the file at `path`.
    fn read(&self, path: &Path) -> Result<Vec<u8>, SourceError>;
    /// `path` with `.`/`..` removed and symlinks resolved; an error if it leaves the root.
    fn resolve(&self, path: &Path) -> Result<PathBuf, SourceError>;
    /// A fingerprint of the file's content (a blob id or a hash), for input closures.
    fn fingerprint(&self, path: &Path) -> Result<String, SourceError>;
    /// For messages: "work tree /x" or "git abc1234".
    fn describe(&self) -> String;
    /// The names of the entries of directory `path`, sorted. Only the policy loader lists
    /// directories (renders read named files only), so a source may leave this out.
    fn list(&self, path: &Path) -> Result<Vec<String>, SourceError> {
        Err(SourceError::Io {
            path: path.to_path_buf(),
            source: std::io::Error::new(
                std::io::ErrorKind::Unsupported,
                "this source cannot list directories",
            ),
        })
    }
}

/// Removes `.` and `..` components without touching the filesystem.
pub fn normalize(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for component in path.components() {
        match component {
            Component::CurDir => {}
            Component::ParentDir => {
                if !out.pop() {
                    out.push("..");
                }
            }
            other => out.push(other.as_os_str()),
        }
    }
    out
}

//! Input closures: every path a render looked at, with what it found there.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use sha2::{Digest, Sha256};

use super::{EntryKind, Source, SourceError};

/// What a render saw at one path.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum Seen {
    /// A file with this content fingerprint.
    File(String),
    Dir,
    Missing,
}

impl Seen {
    fn as_text(&self) -> &str {
        match self {
            Seen::File(fp) => fp,
            Seen::Dir => "dir",
            Seen::Missing => "missing",
        }
    }
}

/// The set of paths (relative to the source root) a render depended on.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct InputClosure {
    pub entries: BTreeMap<PathBuf, Seen>,
}

impl InputClosure {
    /// A digest of the whole closure: equal digests mean equal renders.
    pub fn digest(&self) -> String {
        let mut hasher = Sha256::new();
        for (path, seen) in &self.entries {
            hasher.update(path.to_string_lossy().as_bytes());
            hasher.update([0]);
            hasher.update(seen.as_text().as_bytes());
            hasher.update([b'\n']);
        }
        hex::encode(hasher.finalize())
    }

    /// Whether `source` still has exactly what this closure saw (so a render from it would
    /// give the same result), checked without rendering.
    pub fn unchanged_in(&self, source: &dyn Source) -> Result<bool, SourceError> {
        for (rel, seen) in &self.entries {
            let path = source.root().join(rel);
            let now = observe(source, &path)?;
            if &now != seen {
                return Ok(false);
            }
        }
        Ok(true)
    }

    /// Whether any of `paths` (relative to the root) is in the closure.
    pub fn touches(&self, paths: &[PathBuf]) -> bool {
        paths.iter().any(|p| self.entries.contains_key(p))
    }
}

fn observe(source: &dyn Source, path: &Path) -> Result<Seen, SourceError> {
    Ok(match source.kind(path)? {
        EntryKind::File => Seen::File(source.fingerprint(path)?),
        EntryKind::Dir => Seen::Dir,
        EntryKind::Missing => Seen::Missing,
    })
}

/// A source that records every path looked at.
pub struct Recording<'a> {
    inner: &'a dyn Source,
    seen: Mutex<BTreeMap<PathBuf, Seen>>,
}

impl<'a> Recording<'a> {
    pub fn new(inner: &'a dyn Source) -> Recording<'a> {
        Recording {
            inner,
            seen: Mutex::new(BTreeMap::new()),
        }
    }

    /// The closure recorded so far.
    pub fn closure(&self) -> InputClosure {
        let entries = self.seen.lock().map(|m| m.clone()).unwrap_or_default();
        InputClosure { entries }
    }

    fn record(&self, path: &Path, seen: Seen) {
        let rel = path
            .strip_prefix(self.inner.root())
            .map(Path::to_path_buf)
            .unwrap_or_else(|_| path.to_path_buf());
        if let Ok(mut map) = self.seen.lock() {
            map.insert(rel, seen);
        }
    }
}

impl Source for Recording<'_> {
    fn root(&self) -> &Path {
        self.inner.root()
    }

    fn kind(&self, path: &Path) -> Result<EntryKind, SourceError> {
        let kind = self.inner.kind(path)?;
        let absolute = self.inner.root().join(path);
        match kind {
            EntryKind::Dir => self.record(&absolute, Seen::Dir),
            EntryKind::Missing => self.record(&absolute, Seen::Missing),
            // A probed file is recorded when (and if) it is read.
            EntryKind::File => {}
        }
        Ok(kind)
    }

    fn read(&self, path: &Path) -> Result<Vec<u8>, SourceError> {
        let absolute = self.inner.root().join(path);
        match self.inner.read(path) {
            Ok(bytes) => {
                let fingerprint = self.inner.fingerprint(path)?;
                self.record(&absolute, Seen::File(fingerprint));
                Ok(bytes)
            }
            Err(e @ SourceError::NotFound { .. }) => {
                self.record(&absolute, Seen::Missing);
                Err(e)
            }
            Err(e) => Err(e),
        }
    }

    fn resolve(&self, path: &Path) -> Result<PathBuf, SourceError> {
        self.inner.resolve(path)
    }

    fn fingerprint(&self, path: &Path) -> Result<String, SourceError> {
        self.inner.fingerprint(path)
    }

    fn describe(&self) -> String {
        self.inner.describe()
    }

    fn list(&self, path: &Path) -> Result<Vec<String>, SourceError> {
        let names = self.inner.list(path)?;
        self.record(&self.inner.root().join(path), Seen::Dir);
        Ok(names)
    }
}

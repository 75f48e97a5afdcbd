//! A git tree at a revision as a source, read from the object database with git2.
//! Paths are `/`-rooted repository paths; symlinks stored in the tree are followed.

use std::path::{Component, Path, PathBuf};
use std::sync::Mutex;

use git2::{ObjectType, Oid, Repository};

use super::{EntryKind, Source, SourceError, normalize};

const MAX_SYMLINK_HOPS: usize = 40;
const SYMLINK_MODE: i32 = 0o120000;

/// The tree of one commit.
pub struct GitSource {
    repo: Mutex<Repository>,
    tree: Oid,
    commit: Oid,
    root: PathBuf,
}

enum Found {
    Blob(Oid),
    Tree(Oid),
    Missing,
}

fn git_error(context: impl Into<String>) -> impl FnOnce(git2::Error) -> SourceError {
    let context = context.into();
    move |source| SourceError::Git { context, source }
}

impl GitSource {
    /// The tree of `rev` (anything `git rev-parse` accepts) in the repository at `repo_path`.
    pub fn open(repo_path: &Path, rev: &str) -> Result<GitSource, SourceError> {
        let repo = Repository::open(repo_path)
            .map_err(git_error(format!("opening {}", repo_path.display())))?;
        let (tree, commit) = {
            let object = repo
                .revparse_single(rev)
                .map_err(|e| SourceError::Revision {
                    rev: rev.to_string(),
                    message: e.message().to_string(),
                })?;
            let commit = object.peel_to_commit().map_err(|e| SourceError::Revision {
                rev: rev.to_string(),
                message: e.message().to_string(),
            })?;
            (commit.tree_id(), commit.id())
        };
        Ok(GitSource {
            repo: Mutex::new(repo),
            tree,
            commit,
            root: PathBuf::from("/"),
        })
    }

    /// The commit this tree belongs to.
    pub fn commit(&self) -> Oid {
        self.commit
    }

    /// Walks `path` component by component, following symlinks; returns the final path and
    /// what is there.
    fn walk(&self, path: &Path) -> Result<(PathBuf, Found), SourceError> {
        let repo = self.repo.lock().map_err(|_| SourceError::Revision {
            rev: self.commit.to_string(),
            message: "repository lock poisoned".into(),
        })?;
        let mut target = normalize(&self.root.join(path));
        'restart: for _ in 0..MAX_SYMLINK_HOPS {
            check_inside(&target, path)?;
            let mut parts = Vec::new();
            push_components(&target, &mut parts);
            let mut current = PathBuf::from("/");
            let mut tree_id = self.tree;
            for (i, part) in parts.iter().enumerate() {
                let tree = repo.find_tree(tree_id).map_err(git_error("reading tree"))?;
                let Some(entry) = tree.get_name(part) else {
                    return Ok((target, Found::Missing));
                };
                if entry.filemode() == SYMLINK_MODE {
                    let blob = repo
                        .find_blob(entry.id())
                        .map_err(git_error("reading symlink"))?;
                    let link = PathBuf::from(String::from_utf8_lossy(blob.content()).into_owned());
                    if link.is_absolute() {
                        // An absolute link points outside the repository's namespace.
                        return Err(SourceError::OutsideRoot {
                            path: link,
                            root: self.root.clone(),
                        });
                    }
                    let mut next = current.join(link);
                    for rest in &parts[i + 1..] {
                        next.push(rest);
                    }
                    target = normalize(&next);
                    continue 'restart;
                }
                current.push(part);
                match entry.kind() {
                    Some(ObjectType::Tree) => tree_id = entry.id(),
                    Some(ObjectType::Blob) if i + 1 == parts.len() => {
                        return Ok((current, Found::Blob(entry.id())));
                    }
                    _ => return Ok((target, Found::Missing)),
                }
            }
            return Ok((current, Found::Tree(tree_id)));
        }
        Err(SourceError::SymlinkLoop {
            path: path.to_path_buf(),
        })
    }
}

fn check_inside(normalized: &Path, original: &Path) -> Result<(), SourceError> {
    if normalized
        .components()
        .any(|c| matches!(c, Component::ParentDir))
    {
        return Err(SourceError::OutsideRoot {
            path: original.to_path_buf(),
            root: PathBuf::from("/"),
        });
    }
    Ok(())
}

fn push_components(path: &Path, out: &mut Vec<String>) {
    for c in path.components() {
        match c {
            Component::Normal(s) => out.push(s.to_string_lossy().into_owned()),
            Component::ParentDir => out.push("..".into()),
            _ => {}
        }
    }
}

impl Source for GitSource {
    fn root(&self) -> &Path {
        &self.root
    }

    fn kind(&self, path: &Path) -> Result<EntryKind, SourceError> {
        match self.walk(path) {
            Ok((_, Found::Blob(_))) => Ok(EntryKind::File),
            Ok((_, Found::Tree(_))) => Ok(EntryKind::Dir),
            Ok((_, Found::Missing)) => Ok(EntryKind::Missing),
            Err(e) => Err(e),
        }
    }

    fn read(&self, path: &Path) -> Result<Vec<u8>, SourceError> {
        match self.walk(path)? {
            (_, Found::Blob(oid)) => {
                let repo = self.repo.lock().map_err(|_| SourceError::Revision {
                    rev: self.commit.to_string(),
                    message: "repository lock poisoned".into(),
                })?;
                let blob = repo
                    .find_blob(oid)
                    .map_err(git_error(format!("reading {}", path.display())))?;
                Ok(blob.content().to_vec())
            }
            (p, Found::Tree(_)) => Err(SourceError::IsDirectory { path: p }),
            (p, Found::Missing) => Err(SourceError::NotFound { path: p }),
        }
    }

    fn resolve(&self, path: &Path) -> Result<PathBuf, SourceError> {
        match self.walk(path)? {
            (p, Found::Missing) => Err(SourceError::NotFound { path: p }),
            (p, _) => Ok(p),
        }
    }

    fn fingerprint(&self, path: &Path) -> Result<String, SourceError> {
        match self.walk(path)? {
            (_, Found::Blob(oid)) => Ok(oid.to_string()),
            (p, Found::Tree(_)) => Err(SourceError::IsDirectory { path: p }),
            (p, Found::Missing) => Err(SourceError::NotFound { path: p }),
        }
    }

    fn describe(&self) -> String {
        format!("git {}", &self.commit.to_string()[..12])
    }

    fn list(&self, path: &Path) -> Result<Vec<String>, SourceError> {
        let tree_id = match self.walk(path)? {
            (_, Found::Tree(id)) => id,
            (p, Found::Missing) => return Err(SourceError::NotFound { path: p }),
            (p, Found::Blob(_)) => {
                return Err(SourceError::Io {
                    path: p,
                    source: std::io::Error::new(
                        std::io::ErrorKind::NotADirectory,
                        "not a directory",
                    ),
                });
            }
        };
        let repo = self.repo.lock().map_err(|_| SourceError::Revision {
            rev: self.commit.to_string(),
            message: "repository lock poisoned".into(),
        })?;
        let tree = repo
            .find_tree(tree_id)
            .map_err(git_error(format!("reading {}", path.display())))?;
        let mut names: Vec<String> = tree
            .iter()
            .filter_map(|entry| entry.name().ok().map(str::to_string))
            .collect();
        names.sort();
        Ok(names)
    }
}

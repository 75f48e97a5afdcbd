//! Reading files from trees and building new trees from a base tree with some files
//! replaced, straight in the object database (works on bare repositories).

use std::collections::BTreeMap;

use git2::{ObjectType, Oid, Repository, Tree};

use super::error::{GitError, call};

const BLOB_MODE: i32 = 0o100644;
const TREE_MODE: i32 = 0o040000;

/// Splits a repository path (`overlays/staging/kustomization.yaml`) into its components,
/// refusing empty, absolute and `..` paths.
fn components(path: &str) -> Result<Vec<&str>, GitError> {
    let parts: Vec<&str> = path.split('/').collect();
    if path.is_empty()
        || parts
            .iter()
            .any(|p| p.is_empty() || *p == "." || *p == ".." || p.contains('\0'))
    {
        return Err(GitError::BadPath {
            path: path.to_string(),
        });
    }
    Ok(parts)
}

/// The blob id at `path` in `tree`, if a file is there.
pub fn blob_id(tree: &Tree<'_>, path: &str) -> Result<Option<Oid>, GitError> {
    components(path)?;
    match tree.get_path(std::path::Path::new(path)) {
        Ok(entry) => match entry.kind() {
            Some(ObjectType::Blob) => Ok(Some(entry.id())),
            _ => Err(GitError::NotAFile {
                path: path.to_string(),
            }),
        },
        Err(e) if e.code() == git2::ErrorCode::NotFound => Ok(None),
        Err(e) => Err(call(format!("reading {path}"))(e)),
    }
}

/// The content of the file at `path` in `tree`, if there is one.
pub fn read_file(
    repo: &Repository,
    tree: &Tree<'_>,
    path: &str,
) -> Result<Option<Vec<u8>>, GitError> {
    match blob_id(tree, path)? {
        Some(id) => {
            let blob = repo
                .find_blob(id)
                .map_err(call(format!("reading {path}")))?;
            Ok(Some(blob.content().to_vec()))
        }
        None => Ok(None),
    }
}

/// A new tree: `base` with each `(path, content)` written (files are created, with any
/// missing directories, or replaced keeping their mode). Returns the new tree's id.
pub fn write_files(
    repo: &Repository,
    base: &Tree<'_>,
    files: &[(String, Vec<u8>)],
) -> Result<Oid, GitError> {
    // Group the changes by directory so each tree is rebuilt once.
    let mut root = Dir::default();
    for (path, content) in files {
        let parts = components(path)?;
        let blob = repo
            .blob(content)
            .map_err(call(format!("writing {path}")))?;
        let mut dir = &mut root;
        for part in &parts[..parts.len() - 1] {
            dir = dir.dirs.entry((*part).to_string()).or_default();
        }
        if let Some(name) = parts.last() {
            dir.files.insert((*name).to_string(), blob);
        }
    }
    rebuild(repo, Some(base), &root, "")
}

#[derive(Default)]
struct Dir {
    files: BTreeMap<String, Oid>,
    dirs: BTreeMap<String, Dir>,
}

fn rebuild(
    repo: &Repository,
    base: Option<&Tree<'_>>,
    changes: &Dir,
    prefix: &str,
) -> Result<Oid, GitError> {
    let mut builder = repo
        .treebuilder(base)
        .map_err(call(format!("building tree {prefix}/")))?;
    for (name, sub) in &changes.dirs {
        let path = format!("{prefix}{name}/");
        let existing = match base.and_then(|t| t.get_name(name)) {
            Some(entry) if entry.kind() == Some(ObjectType::Tree) => Some(
                repo.find_tree(entry.id())
                    .map_err(call(format!("reading tree {path}")))?,
            ),
            Some(_) => {
                return Err(GitError::NotAFile {
                    path: path.trim_end_matches('/').to_string(),
                });
            }
            None => None,
        };
        let id = rebuild(repo, existing.as_ref(), sub, &path)?;
        builder
            .insert(name, id, TREE_MODE)
            .map_err(call(format!("building tree {path}")))?;
    }
    for (name, blob) in &changes.files {
        let mode = match base.and_then(|t| t.get_name(name)) {
            Some(entry) if entry.kind() == Some(ObjectType::Blob) => entry.filemode(),
            Some(_) => {
                return Err(GitError::NotAFile {
                    path: format!("{prefix}{name}"),
                });
            }
            None => BLOB_MODE,
        };
        builder
            .insert(name, *blob, mode)
            .map_err(call(format!("building tree {prefix}")))?;
    }
    builder
        .write()
        .map_err(call(format!("writing tree {prefix}/")))
}

/// The paths whose entries differ between two trees (files added, removed or changed).
pub fn changed_paths(
    repo: &Repository,
    old: &Tree<'_>,
    new: &Tree<'_>,
) -> Result<Vec<String>, GitError> {
    let diff = repo
        .diff_tree_to_tree(Some(old), Some(new), None)
        .map_err(call("comparing trees"))?;
    let mut paths = Vec::new();
    for delta in diff.deltas() {
        for file in [delta.old_file(), delta.new_file()] {
            if let Some(p) = file.path().and_then(|p| p.to_str())
                && !paths.iter().any(|q: &String| q == p)
            {
                paths.push(p.to_string());
            }
        }
    }
    Ok(paths)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_nested_files_and_keeps_the_rest() {
        let dir = tempfile::tempdir().expect("tempdir");
        let repo = Repository::init_bare(dir.path()).expect("init");
        let empty = repo
            .find_tree(repo.treebuilder(None).expect("tb").write().expect("write"))
            .expect("tree");
        let first = write_files(
            &repo,
            &empty,
            &[
                ("a/b/c.yaml".into(), b"one".to_vec()),
                ("top.txt".into(), b"top".to_vec()),
            ],
        )
        .expect("write");
        let first = repo.find_tree(first).expect("tree");
        let second =
            write_files(&repo, &first, &[("a/b/c.yaml".into(), b"two".to_vec())]).expect("write");
        let second = repo.find_tree(second).expect("tree");
        assert_eq!(
            read_file(&repo, &second, "a/b/c.yaml").expect("read"),
            Some(b"two".to_vec())
        );
        assert_eq!(
            read_file(&repo, &second, "top.txt").expect("read"),
            Some(b"top".to_vec())
        );
        assert_eq!(read_file(&repo, &second, "a/nope").expect("read"), None);
        assert_eq!(
            changed_paths(&repo, &first, &second).expect("diff"),
            vec!["a/b/c.yaml".to_string()]
        );
        assert!(write_files(&repo, &first, &[("../x".into(), vec![])]).is_err());
        assert!(write_files(&repo, &first, &[("a/b".into(), vec![])]).is_err());
    }
}

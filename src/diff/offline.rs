//! Offline mode, for pull requests: render environments at two revisions straight from git
//! objects (the head may be the work tree) and compare the renders. No cluster, no
//! credentials. Only environments whose input closure changed are reported, so a PR that
//! touches `overlays/production` says nothing about staging.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use serde_json::Value;

use super::changeset::{ChangeSet, ObjectChange};
use super::error::DiffError;
use super::id::ObjectId;
use crate::environment::{self, ENVIRONMENTS_DIR, Environment};
use crate::render::Rendered;
use crate::source::{FsSource, GitSource, Source};

/// One side of an offline diff.
enum Side {
    Rev(GitSource, String),
    WorkTree(FsSource),
}

impl Side {
    fn open(repo: &Path, rev: Option<&str>) -> Result<Side, DiffError> {
        match rev {
            Some(rev) => GitSource::open(repo, rev)
                .map(|s| Side::Rev(s, rev.to_string()))
                .map_err(|source| DiffError::Source {
                    what: format!("revision {rev}"),
                    source,
                }),
            None => FsSource::new(repo)
                .map(Side::WorkTree)
                .map_err(|source| DiffError::Source {
                    what: "work tree".into(),
                    source,
                }),
        }
    }

    fn source(&self) -> &dyn Source {
        match self {
            Side::Rev(s, _) => s,
            Side::WorkTree(s) => s,
        }
    }

    fn label(&self) -> String {
        match self {
            Side::Rev(s, rev) => format!("{rev} ({})", short(&s.commit().to_string())),
            Side::WorkTree(_) => "work tree".into(),
        }
    }

    /// The environment names present on this side.
    fn environments(&self, repo: &Path) -> Result<BTreeSet<String>, DiffError> {
        match self {
            Side::WorkTree(_) => environment::list(repo)
                .map(|names| names.into_iter().collect())
                .or_else(|_| Ok(BTreeSet::new())),
            Side::Rev(s, rev) => {
                list_in_git(repo, &s.commit().to_string()).map_err(|message| DiffError::List {
                    revision: rev.clone(),
                    message,
                })
            }
        }
    }
}

fn short(id: &str) -> &str {
    &id[..id.len().min(12)]
}

fn list_in_git(repo: &Path, commit: &str) -> Result<BTreeSet<String>, String> {
    let repo = git2::Repository::open(repo).map_err(|e| e.message().to_string())?;
    let oid = git2::Oid::from_str(commit).map_err(|e| e.message().to_string())?;
    let tree = repo
        .find_commit(oid)
        .and_then(|c| c.tree())
        .map_err(|e| e.message().to_string())?;
    let Ok(entry) = tree.get_path(Path::new(ENVIRONMENTS_DIR)) else {
        return Ok(BTreeSet::new());
    };
    let dir = repo
        .find_tree(entry.id())
        .map_err(|e| e.message().to_string())?;
    Ok(dir
        .iter()
        .filter_map(|e| {
            e.name()
                .ok()
                .and_then(|n| n.strip_suffix(".yaml"))
                .map(String::from)
        })
        .collect())
}

/// One environment's offline diff, with what the head side rendered (for policy checks).
pub struct OfflineDiff {
    pub change_set: ChangeSet,
    /// The environment at the head (`None` when the head deleted it).
    pub environment: Option<Environment>,
    pub head_objects: Vec<Value>,
}

/// Renders (or finds absent) one environment on one side.
fn render(
    side: &Side,
    name: &str,
    present: bool,
) -> Result<Option<(Environment, Rendered)>, DiffError> {
    if !present {
        return Ok(None);
    }
    environment::render_environment(side.source(), name)
        .map(Some)
        .map_err(|source| DiffError::Environment {
            environment: name.to_string(),
            revision: side.label(),
            source: Box::new(source),
        })
}

/// The diffs between `base` and `head` (the work tree when `None`) of environment `only`,
/// or of every environment whose input closure changed. `head_source` receives the head
/// side's tree, for evaluating policies.
pub fn offline(
    repo: &Path,
    base: &str,
    head: Option<&str>,
    only: Option<&str>,
) -> Result<(Vec<OfflineDiff>, Box<dyn Source>), DiffError> {
    let base_side = Side::open(repo, Some(base))?;
    let head_side = Side::open(repo, head)?;
    let base_envs = base_side.environments(repo)?;
    let head_envs = head_side.environments(repo)?;
    let names: Vec<String> = match only {
        Some(name) => {
            if !base_envs.contains(name) && !head_envs.contains(name) {
                return Err(DiffError::NoSuchEnvironment {
                    environment: name.to_string(),
                    base: base_side.label(),
                    head: head_side.label(),
                });
            }
            vec![name.to_string()]
        }
        None => base_envs.union(&head_envs).cloned().collect(),
    };
    let mut out = Vec::new();
    for name in names {
        let old = render(&base_side, &name, base_envs.contains(&name))?;
        let new = render(&head_side, &name, head_envs.contains(&name))?;
        if only.is_none() && closure_digest(old.as_ref()) == closure_digest(new.as_ref()) {
            continue;
        }
        let before = old.as_ref().map(|(_, r)| r.objects()).unwrap_or_default();
        let after = new.as_ref().map(|(_, r)| r.objects()).unwrap_or_default();
        let mut change_set = ChangeSet::new(name.clone(), compare_sets(&before, &after));
        change_set.source = Some(format!("{} → {}", base_side.label(), head_side.label()));
        out.push(OfflineDiff {
            change_set,
            environment: new.map(|(env, _)| env),
            head_objects: after,
        });
    }
    let head_source: Box<dyn Source> = match head_side {
        Side::Rev(s, _) => Box::new(s),
        Side::WorkTree(s) => Box::new(s),
    };
    Ok((out, head_source))
}

/// The input-closure digest of a render (None when the environment does not exist on that
/// side). Sources fingerprint files as git blob ids, so a work tree and a commit holding the
/// same files have the same digest.
fn closure_digest(render: Option<&(Environment, Rendered)>) -> Option<String> {
    render.map(|(_, rendered)| rendered.closure.digest())
}

/// Pairs two renders by object id and compares each pair; order: the head's objects in
/// render order, then the base's objects that left.
pub fn compare_sets(before: &[Value], after: &[Value]) -> Vec<ObjectChange> {
    let old: BTreeMap<ObjectId, &Value> = before
        .iter()
        .filter_map(|o| ObjectId::of(o).map(|id| (id, o)))
        .collect();
    let mut seen = BTreeSet::new();
    let mut out = Vec::new();
    for object in after {
        let Some(id) = ObjectId::of(object) else {
            continue;
        };
        out.push(ObjectChange::compare(
            id.clone(),
            old.get(&id).copied(),
            Some(object),
        ));
        seen.insert(id);
    }
    for (id, object) in old {
        if !seen.contains(&id) {
            out.push(ObjectChange::compare(id, Some(object), None));
        }
    }
    out
}

//! The commits that changed an environment: walking first parents from a commit, a commit
//! changed the environment when some path of its input closure differs from the parent
//! (compared by blob id, no render). Only then is the parent rendered, to learn its own
//! closure for the rest of the walk.

use git2::{Commit, Oid, Repository};

use super::env_tree::{short, source_at};
use super::error::{BotError, git2};
use crate::environment::{self, EnvironmentError};
use crate::render::Rendered;
use crate::source::InputClosure;

/// How far back a walk goes at most.
const MAX_COMMITS: usize = 100_000;

/// A commit that changed the environment, with its render (when it rendered).
pub(crate) struct EnvCommit<'r> {
    pub(crate) commit: Commit<'r>,
    pub(crate) rendered: Option<Rendered>,
    /// The commit created the environment (its parent has no such environment).
    pub(crate) created: bool,
}

/// Walks back from `from`, calling `visit` with each commit that changed environment `env`,
/// newest first, until `visit` returns `false` or the history ends.
pub(crate) fn walk<'r>(
    repo: &'r Repository,
    from: &Commit<'r>,
    env: &str,
    mut visit: impl FnMut(EnvCommit<'r>) -> Result<bool, BotError>,
) -> Result<(), BotError> {
    // The commit whose render the closure comes from: from there on, the closure is compared
    // with each parent by what it recorded; above it (a broken head), tree against tree.
    let mut closure_of = from.id();
    let (mut closure, mut rendered) = match render_at(repo, from, env) {
        Ok(Some((closure, rendered))) => (closure, Some(rendered)),
        Ok(None) => {
            return Err(BotError::Environment {
                env: env.to_string(),
                rev: short(from),
                source: Box::new(EnvironmentError::NotFound {
                    name: env.to_string(),
                    path: format!("environments/{env}.yaml").into(),
                }),
            });
        }
        // A broken head (the change to undo may be what broke it): compare with what the
        // newest ancestor that renders read.
        Err(err) => match nearest_rendering_ancestor(repo, from, env)? {
            Some((closure, at)) => {
                closure_of = at;
                (closure, None)
            }
            None => return Err(err),
        },
    };
    let mut current = from.clone();
    for _ in 0..MAX_COMMITS {
        let parent = match current.parent_count() {
            0 => None,
            _ => Some(
                current
                    .parent(0)
                    .map_err(git2(format!("reading the parent of {}", short(&current))))?,
            ),
        };
        let Some(parent) = parent else {
            // The root commit made the environment what it was then.
            visit(EnvCommit {
                commit: current,
                rendered,
                created: true,
            })?;
            return Ok(());
        };
        let unchanged = if closure_of == current.id() {
            let parent_source = source_at(repo, &parent)?;
            closure
                .unchanged_in(&parent_source)
                .map_err(|e| BotError::Git {
                    action: format!("comparing {env}'s inputs at {}", short(&parent)),
                    source: crate::git::GitError::Revision {
                        rev: parent.id().to_string(),
                        message: e.to_string(),
                    },
                })?
        } else {
            same_entries(&current, &parent, &closure)?
        };
        if unchanged {
            if closure_of == current.id() {
                closure_of = parent.id();
            }
            current = parent;
            continue;
        }
        let before = render_at(repo, &parent, env);
        let created = matches!(before, Ok(None));
        if !visit(EnvCommit {
            commit: current,
            rendered: rendered.take(),
            created,
        })? || created
        {
            return Ok(());
        }
        match before {
            Ok(Some((c, r))) => {
                closure = c;
                closure_of = parent.id();
                rendered = Some(r);
            }
            // The parent does not render (a broken state in history): keep comparing with
            // the closure we know, the best guess of what the parent read.
            Ok(None) | Err(_) => rendered = None,
        }
        current = parent;
    }
    Ok(())
}

/// How far back a broken head looks for a state that renders.
const MAX_BROKEN: usize = 100;

/// The input closure of the newest first-parent ancestor of `from` where `env` renders,
/// and that ancestor.
fn nearest_rendering_ancestor(
    repo: &Repository,
    from: &Commit<'_>,
    env: &str,
) -> Result<Option<(InputClosure, Oid)>, BotError> {
    let mut current = from.clone();
    for _ in 0..MAX_BROKEN {
        if current.parent_count() == 0 {
            return Ok(None);
        }
        current = current
            .parent(0)
            .map_err(git2(format!("reading the parent of {}", short(&current))))?;
        match render_at(repo, &current, env) {
            Ok(Some((closure, _))) => return Ok(Some((closure, current.id()))),
            Ok(None) => return Ok(None),
            Err(_) => continue,
        }
    }
    Ok(None)
}

/// Whether every path of `closure` is the same in both commits' trees (files by blob id;
/// directories and missing paths by what is there).
fn same_entries(
    commit: &Commit<'_>,
    parent: &Commit<'_>,
    closure: &InputClosure,
) -> Result<bool, BotError> {
    let tree = commit
        .tree()
        .map_err(git2(format!("reading the tree of {}", short(commit))))?;
    let parent_tree = parent
        .tree()
        .map_err(git2(format!("reading the tree of {}", short(parent))))?;
    let entry = |tree: &git2::Tree<'_>, path: &std::path::Path| {
        tree.get_path(path).ok().map(|e| {
            let is_tree = e.kind() == Some(git2::ObjectType::Tree);
            // A directory's own id changes with anything inside it; a render only probed
            // it, so only its presence counts (the files it read are entries of their own).
            (is_tree, if is_tree { None } else { Some(e.id()) })
        })
    };
    Ok(closure
        .entries
        .keys()
        .all(|path| entry(&tree, path) == entry(&parent_tree, path)))
}

/// The environment's closure and render at `commit`; `None` when the environment does not
/// exist there.
fn render_at(
    repo: &Repository,
    commit: &Commit<'_>,
    env: &str,
) -> Result<Option<(InputClosure, Rendered)>, BotError> {
    let source = source_at(repo, commit)?;
    match environment::render_environment(&source, env) {
        Ok((_, rendered)) => Ok(Some((rendered.closure.clone(), rendered))),
        Err(EnvironmentError::NotFound { .. }) => Ok(None),
        Err(source) => Err(BotError::Environment {
            env: env.to_string(),
            rev: short(commit),
            source: Box::new(source),
        }),
    }
}

/// Whether `ancestor` is `descendant` or one of its ancestors.
pub(crate) fn is_ancestor(
    repo: &Repository,
    ancestor: Oid,
    descendant: Oid,
) -> Result<bool, BotError> {
    if ancestor == descendant {
        return Ok(true);
    }
    repo.graph_descendant_of(descendant, ancestor)
        .map_err(git2("comparing commits"))
}

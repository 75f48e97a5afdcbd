//! `converge render --env NAME [--rev REV]`: render an environment's overlay from the work
//! tree or from any git revision (read from the object database, no checkout).

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::Context;

use crate::cli::{GlobalArgs, Outcome, RenderArgs};
use crate::environment;
use crate::render;
use crate::source::{FsSource, GitSource, Source};

/// The repository root: `--repo`, else the enclosing git work tree of the current directory.
pub(crate) fn repo_root(global: &GlobalArgs) -> anyhow::Result<PathBuf> {
    match &global.repo {
        Some(path) => Ok(
            std::fs::canonicalize(path).with_context(|| format!("--repo {}", path.display()))?
        ),
        None => {
            let cwd = std::env::current_dir()?;
            Ok(crate::git::discover_root(&cwd)?)
        }
    }
}

/// Renders environment `name` from the work tree or from revision `rev`.
pub(crate) fn render_env(
    repo: &Path,
    name: &str,
    rev: Option<&str>,
) -> anyhow::Result<render::Rendered> {
    let source: Box<dyn Source> = match rev {
        Some(rev) => Box::new(GitSource::open(repo, rev)?),
        None => Box::new(FsSource::new(repo)?),
    };
    let (_, rendered) = environment::render_environment(source.as_ref(), name)?;
    Ok(rendered)
}

pub(super) fn run(global: &GlobalArgs, args: RenderArgs) -> anyhow::Result<Outcome> {
    let repo = repo_root(global)?;
    let rendered = render_env(&repo, &args.env, args.rev.as_deref())?;
    let mut out = std::io::stdout().lock();
    if args.closure {
        for (path, seen) in &rendered.closure.entries {
            writeln!(out, "{}\t{seen:?}", path.display())?;
        }
        writeln!(out, "digest\t{}", rendered.closure.digest())?;
    } else {
        out.write_all(rendered.to_yaml()?.as_bytes())?;
    }
    out.flush()?;
    Ok(Outcome::Clean)
}

//! `converge diff`: live (`--env NAME`, the server's dry run against the cluster) or
//! offline (`--base REV [--head REV] [--env NAME]`, two renders from git, no cluster).
//! Exit 0 without changes, 1 with changes, 2 on errors (objects the server refused
//! included, after printing the rest).

use std::io::Write;

use anyhow::{Context, bail};

use super::render::repo_root;
use super::sync::{colour, connect, render_desired, runtime};
use crate::cli::{DiffArgs, GlobalArgs, Outcome, OutputFormat};
use crate::diff::{self, ChangeSet};
use crate::sync::{self, PlanOptions};

pub(super) fn run(global: &GlobalArgs, args: DiffArgs) -> anyhow::Result<Outcome> {
    let repo = repo_root(global)?;
    let sets = match &args.base {
        Some(base) => offline(&repo, base, args.head.as_deref(), args.env.as_deref())?,
        None => {
            let Some(name) = &args.env else {
                bail!("a live diff needs --env NAME (or --base REV for an offline diff)");
            };
            vec![live(global, &repo, name)?]
        }
    };
    print(global, &sets)?;
    let errors: Vec<String> = sets
        .iter()
        .flat_map(|s| s.changes.iter())
        .filter_map(|c| c.error.as_ref().map(|e| format!("{}: {e}", c.id)))
        .collect();
    if !errors.is_empty() {
        bail!(
            "{} object(s) could not be diffed:\n  {}",
            errors.len(),
            errors.join("\n  ")
        );
    }
    Ok(if sets.iter().any(ChangeSet::has_changes) {
        Outcome::Changes
    } else {
        Outcome::Clean
    })
}

fn live(global: &GlobalArgs, repo: &std::path::Path, name: &str) -> anyhow::Result<ChangeSet> {
    let desired = render_desired(repo, name)?;
    let (env, rendered) = (&desired.env, &desired.rendered);
    let objects = rendered.objects();
    let policy = sync::evaluate_policies(desired.source.as_ref(), env, &objects)?;
    let mut set = runtime()?.block_on(async {
        let cluster = connect(global, env).await?;
        let plan = sync::plan(&cluster, env, &objects, &PlanOptions::default()).await?;
        anyhow::Ok(plan.change_set())
    })?;
    set.source = Some(match &desired.revision {
        Some(r) => format!("{r} vs live"),
        None => "work tree vs live".to_string(),
    });
    set.policy = policy;
    Ok(set)
}

fn offline(
    repo: &std::path::Path,
    base: &str,
    head: Option<&str>,
    only: Option<&str>,
) -> anyhow::Result<Vec<ChangeSet>> {
    let (diffs, head_source) = diff::offline(repo, base, head, only)?;
    let mut sets = Vec::new();
    for d in diffs {
        let mut set = d.change_set;
        if let Some(env) = &d.environment {
            set.policy = sync::evaluate_policies(head_source.as_ref(), env, &d.head_objects)
                .with_context(|| format!("policies of {}", env.metadata.name))?;
        }
        sets.push(set);
    }
    Ok(sets)
}

fn print(global: &GlobalArgs, sets: &[ChangeSet]) -> anyhow::Result<()> {
    let mut out = std::io::stdout().lock();
    match global.output.unwrap_or(OutputFormat::Text) {
        OutputFormat::Text => {
            if sets.is_empty() {
                writeln!(out, "no environment is affected")?;
            }
            out.write_all(diff::text::render(sets, colour()).as_bytes())?;
        }
        OutputFormat::Markdown => out.write_all(diff::markdown::render(sets).as_bytes())?,
        OutputFormat::Json => writeln!(
            out,
            "{}",
            serde_json::to_string_pretty(&diff::json::render(sets))?
        )?,
        OutputFormat::Yaml => {
            out.write_all(crate::yaml::to_yaml(&diff::json::render(sets)).as_bytes())?
        }
    }
    out.flush()?;
    Ok(())
}

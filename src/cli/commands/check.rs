//! `converge check [--env NAME] [--test]`: evaluate the policies of one environment (or of
//! every environment) against its rendered objects, or run the policies' own unit tests.
//! Exit 1 on any deny (or failed test), 0 when only warnings remain, 2 on errors.

use std::io::Write;

use anyhow::{Context, bail};
use serde_json::{Value, json};

use super::render::repo_root;
use crate::cli::{CheckArgs, GlobalArgs, Outcome, OutputFormat};
use crate::environment;
use crate::policy::PolicySet;
use crate::source::{FsSource, Source};

pub(super) fn run(global: &GlobalArgs, args: CheckArgs) -> anyhow::Result<Outcome> {
    let format = global.output.unwrap_or(OutputFormat::Text);
    if format == OutputFormat::Yaml {
        bail!("`converge check` writes text, markdown or json, not yaml");
    }
    let repo = repo_root(global)?;
    let source = FsSource::new(&repo)?;
    let names = match args.env {
        Some(name) => vec![name],
        None => environment::list(&repo)?,
    };
    if names.is_empty() {
        bail!(
            "no environments in {}",
            repo.join(environment::ENVIRONMENTS_DIR).display()
        );
    }
    let (text, failed) = if args.test {
        run_tests(&source, &names, format)?
    } else {
        evaluate(&source, &names, format)?
    };
    let mut out = std::io::stdout().lock();
    out.write_all(text.as_bytes())?;
    out.flush()?;
    Ok(if failed {
        Outcome::Changes
    } else {
        Outcome::Clean
    })
}

fn load(source: &dyn Source, name: &str) -> anyhow::Result<(environment::Environment, PolicySet)> {
    let env = environment::load_from_source(source, name)?;
    let policies = PolicySet::load(source, &env.spec.policies)
        .with_context(|| format!("environment {name}: loading its policies"))?;
    Ok((env, policies))
}

/// Renders and checks each environment; returns the output and whether any deny.
fn evaluate(
    source: &dyn Source,
    names: &[String],
    format: OutputFormat,
) -> anyhow::Result<(String, bool)> {
    let mut reports = Vec::new();
    for name in names {
        let (_, policies) = load(source, name)?;
        let (_, rendered) = environment::render_environment(source, name)?;
        let report = policies
            .evaluate(name, &rendered.objects())
            .with_context(|| format!("environment {name}: evaluating its policies"))?;
        reports.push(report);
    }
    let denied = reports.iter().any(|r| r.denied());
    let text = match format {
        OutputFormat::Json => {
            let value = json!({
                "denied": denied,
                "environments": reports.iter().map(|r| r.to_json()).collect::<Vec<Value>>(),
            });
            format!("{}\n", serde_json::to_string_pretty(&value)?)
        }
        OutputFormat::Markdown => reports
            .iter()
            .map(|r| r.to_markdown())
            .collect::<Vec<_>>()
            .join("\n"),
        _ => reports.iter().map(|r| r.to_text()).collect(),
    };
    Ok((text, denied))
}

/// Runs each environment's policy tests; returns the output and whether any failed.
fn run_tests(
    source: &dyn Source,
    names: &[String],
    format: OutputFormat,
) -> anyhow::Result<(String, bool)> {
    let mut results = Vec::new();
    for name in names {
        let (_, policies) = load(source, name)?;
        let report = policies
            .run_tests()
            .with_context(|| format!("environment {name}: running its policy tests"))?;
        results.push((name, report));
    }
    let failed = results.iter().any(|(_, r)| !r.passed());
    let text = match format {
        OutputFormat::Json => {
            let environments: Vec<Value> = results
                .iter()
                .map(|(name, r)| {
                    let mut value = r.to_json();
                    if let Value::Object(map) = &mut value {
                        map.insert("environment".into(), json!(name));
                    }
                    value
                })
                .collect();
            let value = json!({ "passed": !failed, "environments": environments });
            format!("{}\n", serde_json::to_string_pretty(&value)?)
        }
        OutputFormat::Markdown => results
            .iter()
            .map(|(name, r)| format!("#### Policy tests: `{name}`\n\n{}", r.to_markdown()))
            .collect::<Vec<_>>()
            .join("\n"),
        _ => results
            .iter()
            .map(|(name, r)| format!("{name}:\n{}", r.to_text()))
            .collect(),
    };
    Ok((text, failed))
}

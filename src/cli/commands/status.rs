//! `converge status [--env NAME]`: per environment, the synced revision and result, whether
//! git has moved on, drift between live and desired, and health per object.

use std::fmt::Write as _;
use std::io::Write;

use super::render::repo_root;
use super::sync::{connect, render_desired, runtime};
use crate::cli::{GlobalArgs, Outcome, OutputFormat, StatusArgs};
use crate::environment;
use crate::health::Status;
use crate::sync::{self, EnvironmentStatus, PlanOptions};

pub(super) fn run(global: &GlobalArgs, args: StatusArgs) -> anyhow::Result<Outcome> {
    let repo = repo_root(global)?;
    let names = match &args.env {
        Some(name) => vec![name.clone()],
        None => environment::list(&repo)?,
    };
    let rt = runtime()?;
    let mut statuses = Vec::new();
    for name in &names {
        let desired = render_desired(&repo, name)?;
        let (env, rendered) = (&desired.env, &desired.rendered);
        let revision = desired.revision.clone();
        let digest = rendered.closure.digest();
        let status = rt.block_on(async {
            let cluster = connect(global, env).await?;
            let status = sync::status(
                &cluster,
                env,
                &rendered.objects(),
                revision,
                digest,
                &PlanOptions::default(),
            )
            .await?;
            anyhow::Ok(status)
        })?;
        statuses.push(status);
    }
    let mut out = std::io::stdout().lock();
    match global.output.unwrap_or(OutputFormat::Text) {
        OutputFormat::Json => writeln!(out, "{}", serde_json::to_string_pretty(&statuses)?)?,
        OutputFormat::Yaml => {
            out.write_all(crate::yaml::to_yaml(&serde_json::to_value(&statuses)?).as_bytes())?
        }
        OutputFormat::Text | OutputFormat::Markdown => {
            for status in &statuses {
                out.write_all(text(status).as_bytes())?;
            }
        }
    }
    out.flush()?;
    Ok(Outcome::Clean)
}

fn text(s: &EnvironmentStatus) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "environment {}", s.environment);
    match &s.synced {
        None => {
            let _ = writeln!(out, "  synced:   never");
        }
        Some(synced) => {
            let _ = writeln!(
                out,
                "  synced:   {} ({})",
                synced.revision.as_deref().unwrap_or("unknown revision"),
                synced.result.as_deref().unwrap_or("no result")
            );
        }
    }
    let _ = writeln!(
        out,
        "  head:     {}{}",
        s.head_revision.as_deref().unwrap_or("work tree"),
        if s.out_of_date {
            " (git has moved on: not synced yet)"
        } else {
            " (synced)"
        }
    );
    if s.drift.is_empty() {
        let _ = writeln!(out, "  drift:    none");
    } else {
        let _ = writeln!(out, "  drift:    {} object(s)", s.drift.len());
        for change in &s.drift {
            let fields: Vec<&str> = change.fields.iter().map(|f| f.path.as_str()).collect();
            let _ = writeln!(
                out,
                "    {} {}{}",
                change.action.as_str(),
                change.id,
                if fields.is_empty() {
                    String::new()
                } else {
                    format!(": {}", fields.join(", "))
                }
            );
        }
    }
    let h = &s.health;
    let _ = writeln!(
        out,
        "  health:   {} ({} current, {} in progress, {} failed, {} missing)",
        h.overall(),
        h.count(Status::Current),
        h.count(Status::InProgress) + h.count(Status::Terminating),
        h.count(Status::Failed),
        h.count(Status::NotFound)
    );
    for o in h.unhealthy() {
        let _ = writeln!(
            out,
            "    {:<11} {}  {}",
            o.health.status.to_string(),
            o.id,
            o.health.message
        );
    }
    out
}

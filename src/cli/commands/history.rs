//! `converge history --env NAME [--rev REV]`: the commits that changed an environment,
//! newest first, with the images each one deployed.

use std::io::Write;

use super::bot_common::open_repo;
use crate::bot;
use crate::cli::{GlobalArgs, HistoryArgs, Outcome, OutputFormat};

pub(super) fn run(global: &GlobalArgs, args: HistoryArgs) -> anyhow::Result<Outcome> {
    let repo = open_repo(global)?;
    let rev = args.rev.as_deref().unwrap_or("HEAD");
    let entries = bot::history(&repo, rev, &args.env, None)?;
    let mut out = std::io::stdout().lock();
    if global.output == Some(OutputFormat::Json) {
        let list: Vec<serde_json::Value> = entries
            .iter()
            .map(|e| {
                serde_json::json!({
                    "commit": e.commit.to_string(),
                    "summary": e.summary,
                    "author": e.author,
                    "time": e.time,
                    "images": e.images,
                    "renders": e.renders,
                    "created": e.created,
                    "reverts": e.reverts,
                })
            })
            .collect();
        writeln!(out, "{}", serde_json::to_string_pretty(&list)?)?;
        return Ok(Outcome::Clean);
    }
    for e in &entries {
        let when = jiff::Timestamp::from_second(e.time)
            .map(|t| t.strftime("%Y-%m-%d %H:%M").to_string())
            .unwrap_or_default();
        writeln!(
            out,
            "{}  {when}  {}{}",
            &e.commit.to_string()[..12],
            e.summary,
            if e.created {
                "  (created the environment)"
            } else {
                ""
            }
        )?;
        if e.renders {
            writeln!(out, "    images: {}", e.images.join(", "))?;
        } else {
            writeln!(out, "    (does not render)")?;
        }
    }
    out.flush()?;
    Ok(Outcome::Clean)
}

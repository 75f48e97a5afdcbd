//! An environment's history: the commits that changed its inputs, newest first, with the
//! container images each one deployed.

use std::collections::BTreeSet;

use git2::{Oid, Repository};
use serde_json::Value;

use super::env_log::walk;
use super::error::{BotError, git};
use super::message;
use crate::render::Rendered;

/// One commit that changed an environment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HistoryEntry {
    pub commit: Oid,
    pub summary: String,
    pub author: String,
    /// Commit time, seconds since the Unix epoch.
    pub time: i64,
    /// Every container image of the rendered environment after this commit, sorted; empty
    /// when the commit's state does not render.
    pub images: Vec<String>,
    /// Whether this state rendered.
    pub renders: bool,
    /// The commit made the environment (its parent had none).
    pub created: bool,
    /// The commits this one reverts (from its message).
    pub reverts: Vec<String>,
    /// The `Converge-*` and other trailers of its message.
    pub trailers: Vec<(String, String)>,
}

/// The commits reachable from `rev` that changed environment `env`, newest first (at most
/// `limit` of them; `None` for all).
pub fn history(
    repo: &Repository,
    rev: &str,
    env: &str,
    limit: Option<usize>,
) -> Result<Vec<HistoryEntry>, BotError> {
    let from = crate::git::resolve_commit(repo, rev).map_err(git(format!("history of {env}")))?;
    let mut out = Vec::new();
    walk(repo, &from, env, |change| {
        let message_text = change.commit.message().unwrap_or("");
        let author = change.commit.author();
        out.push(HistoryEntry {
            commit: change.commit.id(),
            summary: change
                .commit
                .summary()
                .ok()
                .flatten()
                .unwrap_or("")
                .to_string(),
            author: format!(
                "{} <{}>",
                author.name().unwrap_or("?"),
                author.email().unwrap_or("?")
            ),
            time: change.commit.time().seconds(),
            images: change.rendered.as_ref().map(images_of).unwrap_or_default(),
            renders: change.rendered.is_some(),
            created: change.created,
            reverts: message::reverted_commits(message_text),
            trailers: message::trailers(message_text),
        });
        Ok(limit.is_none_or(|l| out.len() < l))
    })?;
    Ok(out)
}

/// The container images of a rendered environment (containers, init and ephemeral
/// containers at any depth: pods, workload templates, cron jobs).
pub fn images_of(rendered: &Rendered) -> Vec<String> {
    let mut images = BTreeSet::new();
    for resource in &rendered.resources {
        for value in resource.obj.values() {
            collect(value, &mut images);
        }
    }
    images.into_iter().collect()
}

fn collect(value: &Value, out: &mut BTreeSet<String>) {
    match value {
        Value::Object(map) => {
            for (key, child) in map {
                if matches!(
                    key.as_str(),
                    "containers" | "initContainers" | "ephemeralContainers"
                ) && let Value::Array(items) = child
                {
                    for item in items {
                        if let Some(image) = item.get("image").and_then(Value::as_str) {
                            out.insert(image.to_string());
                        }
                    }
                }
                collect(child, out);
            }
        }
        Value::Array(items) => {
            for item in items {
                collect(item, out);
            }
        }
        _ => {}
    }
}

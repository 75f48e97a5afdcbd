//! The blocking first half of a reconcile: the input-closure check and the render. Runs on
//! a blocking thread; touches no cluster.

use super::gate;
use super::repo::Snapshot;
use crate::environment::{self, Environment};
use crate::render::Rendered;
use crate::source::{InputClosure, Source};

/// What the first half found.
pub enum Prepared {
    /// Everything the last reconcile read is unchanged: nothing to do.
    Unchanged,
    Rendered(Box<Render>),
    Failed {
        stage: &'static str,
        message: String,
    },
}

/// A render, with the tree it came from (the sync's policy gate reads it too).
pub struct Render {
    pub environment: Environment,
    pub rendered: std::sync::Arc<Rendered>,
    /// The closure of the render and of the selected policy files.
    pub closure: InputClosure,
    pub source: std::sync::Arc<dyn Source>,
}

/// Checks `previous` (the closure of the last reconcile) against `snapshot`, and renders
/// environment `name` when it changed.
pub fn prepare(snapshot: &Snapshot, name: &str, previous: Option<&InputClosure>) -> Prepared {
    let source = match snapshot.source() {
        Ok(source) => source,
        Err(e) => {
            return Prepared::Failed {
                stage: "source",
                message: e.to_string(),
            };
        }
    };
    if let Some(previous) = previous {
        match previous.unchanged_in(source.as_ref()) {
            Ok(true) => return Prepared::Unchanged,
            Ok(false) => {}
            // An unreadable path: render, which reports the error properly.
            Err(e) => tracing::debug!(env = name, error = %e, "closure check failed; rendering"),
        }
    }
    let (environment, rendered) = match environment::render_environment(source.as_ref(), name) {
        Ok(result) => result,
        Err(e) => {
            return Prepared::Failed {
                stage: "render",
                message: e.to_string(),
            };
        }
    };
    let mut closure = rendered.closure.clone();
    closure
        .entries
        .extend(gate::policy_closure(source.as_ref(), &environment).entries);
    Prepared::Rendered(Box::new(Render {
        environment,
        rendered: std::sync::Arc::new(rendered),
        closure,
        source: std::sync::Arc::from(source),
    }))
}

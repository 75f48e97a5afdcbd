//! The blocking first half of a reconcile: the input-closure check and the render. Runs on
//! a blocking thread; touches no cluster.

use super::gate::policy_digest;
use super::repo::Snapshot;
use crate::environment::{self, Environment, PolicySelection};
use crate::render::Rendered;
use crate::source::{InputClosure, Source};

/// What the last reconcile depended on.
pub struct Previous {
    /// Every file its render read (the environment file included).
    pub closure: InputClosure,
    /// Its policy selection and the digest of the files it selected.
    pub policies: PolicySelection,
    pub policy_digest: String,
}

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
    pub policy_digest: String,
    pub source: std::sync::Arc<dyn Source>,
}

/// Checks the inputs of the last reconcile against `snapshot`, and renders environment
/// `name` when any changed.
pub fn prepare(snapshot: &Snapshot, name: &str, previous: Option<&Previous>) -> Prepared {
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
        // The environment file is in the closure: an unchanged closure means an unchanged
        // policy selection, so the previous selection is the one to re-check.
        match previous.closure.unchanged_in(source.as_ref()) {
            Ok(true) => {
                if policy_digest(source.as_ref(), &previous.policies) == previous.policy_digest {
                    return Prepared::Unchanged;
                }
            }
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
    let policy_digest = policy_digest(source.as_ref(), &environment.spec.policies);
    Prepared::Rendered(Box::new(Render {
        environment,
        rendered: std::sync::Arc::new(rendered),
        policy_digest,
        source: std::sync::Arc::from(source),
    }))
}

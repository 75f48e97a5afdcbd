//! The blocking first half of a reconcile: the input-closure check, the render and the
//! policy gate. Runs on a blocking thread; touches no cluster.

use serde_json::Value;

use super::gate::{self, GateVerdict};
use super::repo::Snapshot;
use crate::environment::{self, Environment};
use crate::source::InputClosure;

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

/// A render that got through (or was stopped by) the gate.
pub struct Render {
    pub environment: Environment,
    pub objects: Vec<Value>,
    /// The closure of the render and of the policies.
    pub closure: InputClosure,
    pub gate: GateVerdict,
}

/// Checks `previous` (the closure of the last reconcile) against `snapshot`, and renders and
/// gates environment `name` when it changed.
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
    let objects = rendered.objects();
    let mut closure = rendered.closure;
    let gate = match gate::check(source.as_ref(), &environment, &objects) {
        Ok(verdict) => verdict,
        Err(message) => {
            return Prepared::Failed {
                stage: "policy",
                message,
            };
        }
    };
    closure.entries.extend(
        gate.closure
            .entries
            .iter()
            .map(|(k, v)| (k.clone(), v.clone())),
    );
    Prepared::Rendered(Box::new(Render {
        environment,
        objects,
        closure,
        gate,
    }))
}

//! Policy gate: Rego policies (conftest conventions) evaluated on rendered objects.
//!
//! An environment selects policy paths (`spec.policies`); [`PolicySet::load`] reads every
//! `.rego` file and data file under them from a [`Source`], compiles them once (syntax
//! errors, unknown builtins and compile errors are load errors with file and line), and
//! [`PolicySet::evaluate`] then checks any number of renders against them:
//!
//! ```no_run
//! # fn demo(source: &dyn converge::source::Source) -> Result<(), Box<dyn std::error::Error>> {
//! let (env, rendered) = converge::environment::render_environment(source, "production")?;
//! let policies = converge::policy::PolicySet::load(source, &env.spec.policies)?;
//! let report = policies.evaluate(&env.metadata.name, &rendered.objects())?;
//! // or, in one call: converge::policy::check_environment(source, &env, &rendered.objects())?
//! if report.denied() {
//!     eprint!("{}", report.to_text()); // stop before anything is written
//! }
//! # Ok(()) }
//! ```
//!
//! Conventions, as in conftest: rules named `deny`, `violation` or `warn` (optionally
//! `_suffix`), v0 `deny[msg] { ... }` or v1 `deny contains msg if { ... }`, entries that
//! are strings or objects with a `msg`; packages `main` (one object as `input`) and
//! `combined` (the whole environment as `input`, like `conftest --combine`), both
//! selectable; conftest `exception` rules; `test_*` unit tests. On top of that, per-object
//! exceptions by annotation with a required reason (see [`ANNOTATION`]).
//! `policies/README.md` documents all of it for policy authors.

mod compile;
mod dialect;
mod discover;
mod error;
mod evaluate;
mod exceptions;
mod inspect;
mod report;
mod testing;

pub use error::PolicyError;
pub use exceptions::ANNOTATION;
pub use report::{Finding, ObjectRef, Report, Severity};
pub use testing::{TestOutcome, TestReport, TestResult};

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use crate::environment::{Environment, PolicySelection};
use crate::source::Source;

/// The gate in front of a sync, in one call: loads the policies `environment` selects from
/// `source` and evaluates its rendered `objects`. `report.denied()` means: write nothing.
/// (The controller, which evaluates often, keeps a [`PolicySet`] instead.)
pub fn check_environment(
    source: &dyn Source,
    environment: &Environment,
    objects: &[serde_json::Value],
) -> Result<Report, PolicyError> {
    PolicySet::load(source, &environment.spec.policies)?
        .evaluate(&environment.metadata.name, objects)
}

/// Policies compiled once (per environment's selection) and evaluated many times.
///
/// `Send + Sync`: the controller may share one set between tasks; each evaluation works on
/// its own engine clones.
pub struct PolicySet {
    compiled: compile::Compiled,
    allow_exceptions: bool,
    files: Vec<String>,
    /// Engines prepared per environment name, reused by later evaluations.
    prepared: Mutex<HashMap<String, Arc<evaluate::Engines>>>,
}

impl std::fmt::Debug for PolicySet {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PolicySet")
            .field("files", &self.files)
            .field("allow_exceptions", &self.allow_exceptions)
            .finish_non_exhaustive()
    }
}

impl PolicySet {
    /// Loads every `.rego` under the selected paths (and data.yaml/.json beside them) from the
    /// repository source; syntax errors and unknown builtins are errors with file and line.
    pub fn load(
        source: &dyn Source,
        selection: &PolicySelection,
    ) -> Result<PolicySet, PolicyError> {
        let found = discover::discover(source, &selection.paths)?;
        let compiled = compile::compile(&found.rego, found.data, selection)?;
        Ok(PolicySet {
            compiled,
            allow_exceptions: selection.allow_exceptions,
            files: found.files,
            prepared: Mutex::new(HashMap::new()),
        })
    }

    /// Evaluates against rendered objects (one at a time, plus whole-environment rules).
    pub fn evaluate(
        &self,
        environment: &str,
        objects: &[serde_json::Value],
    ) -> Result<Report, PolicyError> {
        let prepared = self.prepared_for(environment)?;
        evaluate::evaluate(
            &self.compiled,
            &prepared,
            self.allow_exceptions,
            environment,
            objects,
        )
    }

    /// The engines of `environment`, prepared on first use.
    fn prepared_for(&self, environment: &str) -> Result<Arc<evaluate::Engines>, PolicyError> {
        let cached = self
            .prepared
            .lock()
            .ok()
            .and_then(|cache| cache.get(environment).cloned());
        if let Some(engines) = cached {
            return Ok(engines);
        }
        // Prepared outside the lock: two first evaluations may both prepare, one wins.
        let engines = Arc::new(evaluate::prepare(&self.compiled, environment)?);
        if let Ok(mut cache) = self.prepared.lock() {
            cache.insert(environment.to_string(), Arc::clone(&engines));
        }
        Ok(engines)
    }

    /// Runs the policies' own `test_*` rules.
    pub fn run_tests(&self) -> Result<TestReport, PolicyError> {
        Ok(testing::run(&self.compiled))
    }

    /// Every file loaded (policies and data), repository-relative and sorted: what a
    /// change must touch to change this set's verdicts.
    pub fn files(&self) -> &[String] {
        &self.files
    }

    /// Whether the selection loaded no policy at all (evaluation then finds nothing).
    pub fn is_empty(&self) -> bool {
        self.compiled.modules.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn assert_send_sync<T: Send + Sync>() {}

    #[test]
    fn a_policy_set_can_be_shared_between_threads() {
        assert_send_sync::<PolicySet>();
    }
}

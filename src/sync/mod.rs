//! Sync: the reconcile core's entry point, shared by `converge sync`, `converge diff`
//! (its plan) and the controller. It composes the stages — policy gate, plan (live diff and
//! prune candidates), apply in dependency order, prune, health, record — and returns a
//! [`SyncReport`] value; printing is the caller's business.
//!
//! ```no_run
//! # async fn demo(cluster: &converge::cluster::Cluster, source: &dyn converge::source::Source)
//! # -> Result<(), Box<dyn std::error::Error>> {
//! let (env, rendered) = converge::environment::render_environment(source, "staging")?;
//! let ctx = converge::sync::SyncContext { cluster, source, revision: None, progress: None };
//! let report = converge::sync::run(&ctx, &env, &rendered, &Default::default()).await?;
//! assert!(report.result.succeeded());
//! # Ok(()) }
//! ```

mod error;
mod gate;
mod plan;
mod report;
mod run;
mod status;

pub use error::SyncError;
pub use gate::evaluate as evaluate_policies;
pub use plan::{Plan, PlanOptions, plan};
pub use report::{SyncReport, SyncResult};
pub use run::{SyncContext, SyncOptions, run};
pub use status::{EnvironmentStatus, Synced, status};

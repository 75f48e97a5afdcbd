//! Carrying out a sync: render → policy gate → plan → apply in dependency order (only what
//! differs) → prune → health → record. Safety rules, in code order: a policy deny or an
//! over-budget prune stops before any write; a failed apply stops before any prune; only
//! members of this environment's ApplySet are ever deleted.

use std::collections::{BTreeSet, HashMap};
use std::time::Duration;

use serde_json::Value;

use super::error::SyncError;
use super::gate;
use super::plan::{Plan, PlanOptions, plan};
use super::report::{SyncReport, SyncResult};
use crate::apply::{Applied, Prepared, Stage, apply_batch, stage_of, wait_established};
use crate::cluster::{ApplyParams, Cluster, FIELD_MANAGER};
use crate::diff::{Action, ObjectId};
use crate::environment::Environment;
use crate::health::{self, HealthReport, Progress, Status, WaitOptions};
use crate::prune::{self, Record};
use crate::render::Rendered;
use crate::source::Source;

/// What a sync needs besides the environment and its render.
pub struct SyncContext<'a> {
    pub cluster: &'a Cluster,
    /// The repository tree the environment was rendered from (policies are read from it).
    pub source: &'a dyn Source,
    /// The revision being synced (a commit id), recorded on the ApplySet parent.
    pub revision: Option<String>,
    /// Receives health progress (a bar on a TTY).
    pub progress: Option<&'a dyn Progress>,
}

/// How to sync.
#[derive(Debug, Clone, Default)]
pub struct SyncOptions {
    /// Plan and report; write nothing.
    pub dry_run: bool,
    /// Prune beyond the environment's budget.
    pub allow_mass_prune: bool,
    /// Override the environment's health timeout.
    pub health_timeout: Option<Duration>,
    /// Skip waiting for health.
    pub skip_health: bool,
    pub plan: PlanOptions,
}

/// Syncs `env`, rendered as `rendered`, to `ctx.cluster`.
pub async fn run(
    ctx: &SyncContext<'_>,
    env: &Environment,
    rendered: &Rendered,
    options: &SyncOptions,
) -> Result<SyncReport, SyncError> {
    let cluster = ctx.cluster;
    let environment = env.metadata.name.clone();
    let (requests_before, retries_before) = cluster.request_counts();
    let objects = rendered.objects();
    let policy = gate::evaluate(ctx.source, env, &objects)?;
    let plan = plan(cluster, env, &objects, &options.plan).await?;
    let mut changes = plan.change_set();
    changes.source = ctx.revision.clone();
    changes.policy = policy.clone();
    let mut report = SyncReport {
        environment: environment.clone(),
        revision: ctx.revision.clone(),
        digest: rendered.closure.digest(),
        dry_run: options.dry_run,
        result: SyncResult::Succeeded,
        changes,
        policy: policy.clone(),
        applied: Vec::new(),
        pruned: Vec::new(),
        kept: plan.prune.kept.clone(),
        health: None,
        problems: Vec::new(),
        requests: 0,
        retries: 0,
    };
    let finish = |mut report: SyncReport| {
        let (requests, retries) = cluster.request_counts();
        report.requests = requests - requests_before;
        report.retries = retries - retries_before;
        report
    };

    if let Some(p) = policy.as_ref().filter(|p| p.denied) {
        report.result = SyncResult::PolicyDenied;
        report
            .problems
            .push(format!("policies denied: {}", p.summary));
        return Ok(finish(report));
    }
    if plan.prune_enabled
        && let Err(e) = prune::check_budget(
            &plan.prune,
            &env.spec.sync.prune_budget,
            options.allow_mass_prune,
        )
    {
        report.result = SyncResult::PruneRefused;
        report.problems.push(e.to_string());
        return Ok(finish(report));
    }
    for change in plan.blocked() {
        report.problems.push(blocked_problem(change));
    }
    if options.dry_run {
        if !report.problems.is_empty() {
            report.result = SyncResult::ApplyFailed;
        }
        return Ok(finish(report));
    }

    let (applied, complete) = apply_all(cluster, env, &plan, options, &mut report).await?;
    let failed_applies = applied.iter().filter(|a| !a.ok()).count();
    for a in applied.iter().filter(|a| !a.ok()) {
        report.problems.push(match (&a.conflict, &a.error) {
            (Some(c), _) => format!(
                "{}: conflict with {} on {}",
                a.id,
                c.managers.join(", "),
                c.fields.join(", ")
            ),
            (None, Some(e)) => format!("{}: {e}", a.id),
            (None, None) => a.id.to_string(),
        });
    }
    report.applied = applied;
    let apply_ok = complete && failed_applies == 0 && plan.blocked().is_empty();

    // Prune only after every apply succeeded: a half-applied environment keeps everything.
    let mut prune_ok = true;
    if apply_ok && plan.prune_enabled && !plan.prune.candidates.is_empty() {
        report.pruned = prune::execute(cluster, &plan.prune, options.plan.concurrency).await;
        for p in report.pruned.iter().filter(|p| p.error.is_some()) {
            prune_ok = false;
            report.problems.push(format!(
                "prune {}: {}",
                p.id,
                p.error.as_deref().unwrap_or("")
            ));
        }
    }

    if apply_ok && !options.skip_health {
        let health = wait_health(ctx, env, &plan, &report.applied, options).await;
        report.health = Some(health);
    }

    report.result = if !apply_ok {
        SyncResult::ApplyFailed
    } else if !prune_ok {
        SyncResult::PruneFailed
    } else {
        match report.health.as_ref().map(HealthReport::overall) {
            Some(Status::Failed) => SyncResult::HealthFailed,
            Some(Status::InProgress | Status::Terminating) => SyncResult::HealthTimeout,
            _ => SyncResult::Succeeded,
        }
    };
    if let Some(health) = &report.health {
        for o in health.unhealthy() {
            report.problems.push(format!(
                "{}: {} ({})",
                o.id, o.health.status, o.health.message
            ));
        }
    }

    // The parent lists exactly the desired kinds only when every old member that left git
    // is gone; otherwise it keeps the superset so a later sync can still find them.
    let exact = apply_ok && prune_ok && plan.prune_enabled;
    let (mut kinds, mut namespaces) = (plan.group_kinds(), plan.namespaces());
    if !exact {
        kinds.extend(plan.parent.group_kinds.iter().cloned());
        namespaces.extend(plan.parent.namespaces(&plan.set));
    }
    let record = Record {
        revision: ctx.revision.clone(),
        digest: Some(report.digest.clone()),
        result: Some(report.result.as_str().to_string()),
    };
    // Membership was recorded before the first write; losing the record of the outcome must
    // not lose the report of what was done.
    let recorded = match prune::read_parent(cluster, &plan.set).await {
        Ok(current) => {
            prune::write_parent(cluster, &plan.set, &current, &kinds, &namespaces, &record).await
        }
        Err(e) => Err(e),
    };
    if let Err(e) = recorded {
        tracing::warn!(%environment, error = %e, "cannot record the sync on the ApplySet parent");
        report
            .problems
            .push(format!("recording the result on the ApplySet parent: {e}"));
    }
    Ok(finish(report))
}

fn blocked_problem(change: &crate::diff::ObjectChange) -> String {
    match (&change.conflict, &change.error) {
        (Some(c), _) => format!("{}: {}", change.id, c.message),
        (None, Some(e)) => format!("{}: {e}", change.id),
        (None, None) => change.id.to_string(),
    }
}

/// Applies what differs, stage by stage; the parent learns the new kinds before any
/// member of them is written. Returns the outcomes and whether every stage ran.
async fn apply_all(
    cluster: &Cluster,
    env: &Environment,
    plan: &Plan,
    options: &SyncOptions,
    report: &mut SyncReport,
) -> Result<(Vec<Applied>, bool), SyncError> {
    let environment = &env.metadata.name;
    let params = ApplyParams {
        field_manager: FIELD_MANAGER.to_string(),
        force: options
            .plan
            .force_conflicts
            .unwrap_or(env.spec.sync.force_conflicts),
        dry_run: false,
    };
    let union_kinds: BTreeSet<String> = plan
        .group_kinds()
        .union(&plan.parent.group_kinds)
        .cloned()
        .collect();
    let union_namespaces: BTreeSet<String> = plan
        .namespaces()
        .union(&plan.parent.namespaces(&plan.set))
        .cloned()
        .collect();
    let mut parent_ready = false;
    let write_union = || {
        let record = plan.parent.record.clone();
        let kinds = union_kinds.clone();
        let namespaces = union_namespaces.clone();
        async move {
            prune::write_parent(
                cluster,
                &plan.set,
                &plan.parent,
                &kinds,
                &namespaces,
                &record,
            )
            .await
            .map_err(|source| SyncError::ApplySet {
                environment: environment.clone(),
                source: Box::new(source),
            })
        }
    };
    // A new parent needs its namespace: namespaces go first then.
    if plan.parent.exists {
        write_union().await?;
        parent_ready = true;
    }
    let mut resolved: HashMap<ObjectId, Prepared> = HashMap::new();
    let mut applied = Vec::new();
    let mut complete = true;
    for stage in Stage::ALL {
        let items: Vec<&Prepared> = plan
            .objects
            .iter()
            .filter(|o| stage_of(&o.prepared.id.group, &o.prepared.id.kind) == stage)
            .filter(|o| o.needs_apply())
            .map(|o| resolved.get(&o.prepared.id).unwrap_or(&o.prepared))
            .collect();
        if !items.is_empty() {
            if !parent_ready && stage != Stage::Namespaces {
                write_union().await?;
                parent_ready = true;
            }
            tracing::info!(
                environment,
                stage = stage.as_str(),
                objects = items.len(),
                "applying"
            );
            let results = apply_batch(cluster, &items, &params, options.plan.concurrency).await;
            let failed = results.iter().any(|a| !a.ok());
            applied.extend(results);
            if failed && matches!(stage, Stage::Namespaces | Stage::Crds) {
                // Everything later depends on these; stop here.
                complete = false;
                break;
            }
        }
        if stage == Stage::Crds
            && let Err(problem) = settle_crds(cluster, env, plan, &mut resolved).await
        {
            report.problems.push(problem);
            complete = false;
            break;
        }
    }
    if !parent_ready && !applied.is_empty() {
        write_union().await?;
    }
    Ok((applied, complete))
}

/// After the CRD stage: waits for this environment's CRDs, refreshes discovery and
/// resolves the custom resources whose types they define.
async fn settle_crds(
    cluster: &Cluster,
    env: &Environment,
    plan: &Plan,
    resolved: &mut HashMap<ObjectId, Prepared>,
) -> Result<(), String> {
    let pending: Vec<&Prepared> = plan
        .objects
        .iter()
        .map(|o| &o.prepared)
        .filter(|p| p.resource.is_none())
        .collect();
    let crds: Vec<String> = plan
        .objects
        .iter()
        .filter(|o| {
            o.prepared.id.kind == "CustomResourceDefinition" && o.change.action != Action::Unchanged
        })
        .map(|o| o.prepared.id.name.clone())
        .collect();
    if crds.is_empty() && pending.is_empty() {
        return Ok(());
    }
    let timeout = env.spec.health.timeout.0.min(Duration::from_secs(120));
    wait_established(cluster, &crds, timeout)
        .await
        .map_err(|e| e.to_string())?;
    if pending.is_empty() {
        return Ok(());
    }
    cluster.refresh().await.map_err(|e| e.to_string())?;
    for p in pending {
        let api_version = p.object["apiVersion"].as_str().unwrap_or("");
        let kind = p.object["kind"].as_str().unwrap_or("");
        let Some(resource) = cluster.resource(api_version, kind) else {
            return Err(format!(
                "{}: {api_version} {kind} is still not served after its CRD was established",
                p.id
            ));
        };
        let mut ready = p.clone();
        ready.resource = Some(resource);
        resolved.insert(p.id.clone(), ready);
    }
    Ok(())
}

async fn wait_health(
    ctx: &SyncContext<'_>,
    env: &Environment,
    plan: &Plan,
    applied: &[Applied],
    options: &SyncOptions,
) -> HealthReport {
    let written: HashMap<&ObjectId, &Value> = applied
        .iter()
        .filter_map(|a| a.object.as_ref().map(|o| (&a.id, o)))
        .collect();
    let targets: Vec<health::Target> = plan
        .objects
        .iter()
        .filter_map(|o| {
            let resource = o.prepared.resource.clone().or_else(|| {
                ctx.cluster.resource(
                    o.prepared.object["apiVersion"].as_str().unwrap_or(""),
                    o.prepared.object["kind"].as_str().unwrap_or(""),
                )
            })?;
            let last_seen = written
                .get(&o.prepared.id)
                .map(|v| (*v).clone())
                .or_else(|| o.live.clone());
            Some(health::Target {
                id: o.prepared.id.clone(),
                resource,
                last_seen,
            })
        })
        .collect();
    let wait = WaitOptions {
        timeout: options.health_timeout.unwrap_or(env.spec.health.timeout.0),
        ..WaitOptions::default()
    };
    health::wait::wait(ctx.cluster, targets, &wait, ctx.progress).await
}

//! Prometheus metrics of the controller (OpenMetrics text on `/metrics`). Labels are
//! environment names and small fixed vocabularies, never object names or values, so the
//! number of series is bounded by the number of environments.

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::Registry;

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct EnvLabel {
    pub environment: String,
}

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct EnvResult {
    pub environment: String,
    pub result: String,
}

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct EnvStage {
    pub environment: String,
    pub stage: String,
}

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct EnvVerb {
    pub environment: String,
    pub verb: String,
}

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct ResultLabel {
    pub result: String,
}

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct WebhookLabel {
    pub provider: String,
    pub result: String,
}

fn duration_histogram() -> Histogram {
    // 50 ms .. ~7 min
    Histogram::new(exponential_buckets(0.05, 2.0, 14))
}

/// Every metric the controller exports.
pub struct Metrics {
    registry: Registry,
    pub syncs: Family<EnvResult, Counter>,
    pub sync_duration: Family<EnvLabel, Histogram, fn() -> Histogram>,
    pub failures: Family<EnvStage, Counter>,
    pub renders: Family<EnvLabel, Counter>,
    pub renders_skipped: Family<EnvLabel, Counter>,
    pub drift: Family<EnvLabel, Gauge>,
    pub drift_corrected: Family<EnvLabel, Counter>,
    pub rollbacks: Family<EnvResult, Counter>,
    pub api_requests: Family<EnvVerb, Counter>,
    pub git_fetches: Family<ResultLabel, Counter>,
    pub git_fetch_duration: Histogram,
    pub webhooks: Family<WebhookLabel, Counter>,
    pub leader: Gauge,
    pub environments: Gauge,
}

impl Metrics {
    pub fn new() -> Metrics {
        let mut registry = Registry::with_prefix("converge");
        let syncs = Family::<EnvResult, Counter>::default();
        registry.register(
            "syncs",
            "Syncs run, by environment and result (healthy, unhealthy, abandoned)",
            syncs.clone(),
        );
        let sync_duration = Family::<EnvLabel, Histogram, fn() -> Histogram>::new_with_constructor(
            duration_histogram,
        );
        registry.register(
            "sync_duration_seconds",
            "Time from the start of a sync to its health verdict",
            sync_duration.clone(),
        );
        let failures = Family::<EnvStage, Counter>::default();
        registry.register(
            "failures",
            "Reconcile failures by environment and stage (source, render, policy, sync, health, rollback)",
            failures.clone(),
        );
        let renders = Family::<EnvLabel, Counter>::default();
        registry.register(
            "renders",
            "Environment renders (the input closure changed)",
            renders.clone(),
        );
        let renders_skipped = Family::<EnvLabel, Counter>::default();
        registry.register(
            "renders_skipped",
            "New revisions that left an environment's input closure unchanged (no render, no API call)",
            renders_skipped.clone(),
        );
        let drift = Family::<EnvLabel, Gauge>::default();
        registry.register(
            "drift_objects",
            "Objects whose live state differs from git, as last checked",
            drift.clone(),
        );
        let drift_corrected = Family::<EnvLabel, Counter>::default();
        registry.register(
            "drift_corrections",
            "Drifted objects re-applied by self-heal",
            drift_corrected.clone(),
        );
        let rollbacks = Family::<EnvResult, Counter>::default();
        registry.register(
            "rollbacks",
            "Automatic rollbacks by environment and result (reverted, skipped, failed)",
            rollbacks.clone(),
        );
        let api_requests = Family::<EnvVerb, Counter>::default();
        registry.register(
            "api_requests",
            "Kubernetes API requests made for an environment, by HTTP method",
            api_requests.clone(),
        );
        let git_fetches = Family::<ResultLabel, Counter>::default();
        registry.register(
            "git_fetches",
            "Fetches of the repository (or rescans of the watched directory)",
            git_fetches.clone(),
        );
        let git_fetch_duration = Histogram::new(exponential_buckets(0.01, 2.0, 14));
        registry.register(
            "git_fetch_duration_seconds",
            "Time a fetch took",
            git_fetch_duration.clone(),
        );
        let webhooks = Family::<WebhookLabel, Counter>::default();
        registry.register(
            "webhooks",
            "Webhook requests by provider and result (accepted, ignored, rejected)",
            webhooks.clone(),
        );
        let leader = Gauge::default();
        registry.register(
            "leader",
            "1 while this replica holds the leader lease",
            leader.clone(),
        );
        let environments = Gauge::default();
        registry.register(
            "environments",
            "Environments at the current revision",
            environments.clone(),
        );
        Metrics {
            registry,
            syncs,
            sync_duration,
            failures,
            renders,
            renders_skipped,
            drift,
            drift_corrected,
            rollbacks,
            api_requests,
            git_fetches,
            git_fetch_duration,
            webhooks,
            leader,
            environments,
        }
    }

    /// The OpenMetrics text exposition of every metric.
    pub fn encode(&self) -> String {
        let mut out = String::new();
        // Writing to a String cannot fail.
        let _ = prometheus_client::encoding::text::encode(&mut out, &self.registry);
        out
    }

    pub fn env(environment: &str) -> EnvLabel {
        EnvLabel {
            environment: environment.to_string(),
        }
    }

    pub fn env_result(environment: &str, result: &str) -> EnvResult {
        EnvResult {
            environment: environment.to_string(),
            result: result.to_string(),
        }
    }

    pub fn failed(&self, environment: &str, stage: &str) {
        self.failures
            .get_or_create(&EnvStage {
                environment: environment.to_string(),
                stage: stage.to_string(),
            })
            .inc();
    }

    /// API requests made for `environment` so far (all verbs).
    pub fn api_requests_of(&self, environment: &str) -> u64 {
        ["GET", "POST", "PUT", "PATCH", "DELETE"]
            .iter()
            .map(|verb| {
                self.api_requests
                    .get(&EnvVerb {
                        environment: environment.to_string(),
                        verb: (*verb).to_string(),
                    })
                    .map(|c| c.get())
                    .unwrap_or(0)
            })
            .sum()
    }

    /// A counter's value, for status and tests (0 when never touched).
    pub fn count(family: &Family<EnvLabel, Counter>, environment: &str) -> u64 {
        family
            .get(&Metrics::env(environment))
            .map(|c| c.get())
            .unwrap_or(0)
    }
}

impl Default for Metrics {
    fn default() -> Self {
        Metrics::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exposition_names_the_environment() {
        let m = Metrics::new();
        m.renders_skipped
            .get_or_create(&Metrics::env("staging"))
            .inc();
        m.syncs
            .get_or_create(&Metrics::env_result("production", "healthy"))
            .inc();
        m.failed("staging", "render");
        let text = m.encode();
        assert!(
            text.contains("converge_renders_skipped_total{environment=\"staging\"} 1"),
            "{text}"
        );
        assert!(
            text.contains("converge_syncs_total{environment=\"production\",result=\"healthy\"} 1")
        );
        assert!(
            text.contains("converge_failures_total{environment=\"staging\",stage=\"render\"} 1")
        );
        assert_eq!(Metrics::count(&m.renders_skipped, "staging"), 1);
        assert_eq!(Metrics::count(&m.renders_skipped, "production"), 0);
    }
}

//! The environment file format (`apiVersion: converge.dev/v1alpha1`, `kind: Environment`).

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::quantity::{Budget, Duration};

pub const API_VERSION: &str = "converge.dev/v1alpha1";
pub const KIND: &str = "Environment";

/// One environment.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Environment {
    /// Must be `converge.dev/v1alpha1`.
    #[schemars(extend("const" = "converge.dev/v1alpha1"))]
    pub api_version: String,
    /// Must be `Environment`.
    #[schemars(extend("const" = "Environment"))]
    pub kind: String,
    pub metadata: Metadata,
    pub spec: EnvironmentSpec,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Metadata {
    /// The environment's name; must equal the file name without `.yaml`.
    pub name: String,
    #[serde(default, skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    pub labels: std::collections::BTreeMap<String, String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct EnvironmentSpec {
    /// The kustomization directory to render, relative to the repository root.
    pub overlay: String,
    pub target: Target,
    #[serde(default)]
    pub sync: SyncPolicy,
    #[serde(default)]
    pub health: HealthPolicy,
    #[serde(default)]
    pub rollback: RollbackPolicy,
    #[serde(default)]
    pub policies: PolicySelection,
    /// Where this environment's images are promoted from.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub promotion: Option<Promotion>,
    /// The images the commit-bot may bump here, with their tag policies.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub images: Vec<ImagePolicy>,
}

/// Where the environment is deployed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Target {
    /// Kubeconfig context; omitted: the current context, or the in-cluster config. A
    /// controller applies the environment only when this names its own cluster.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub context: Option<String>,
    /// Namespace for objects that have none after rendering.
    pub namespace: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct SyncPolicy {
    /// The controller syncs new revisions without being asked.
    #[serde(default = "yes")]
    pub automated: bool,
    /// Delete objects that left git.
    #[serde(default = "yes")]
    pub prune: bool,
    /// Re-apply objects changed in the cluster behind git's back.
    #[serde(default)]
    pub self_heal: bool,
    /// How often the controller re-checks (git fetch, drift).
    #[serde(default = "default_interval")]
    pub interval: Duration,
    /// The most a single sync may prune without `--allow-mass-prune`.
    #[serde(default)]
    pub prune_budget: Budget,
    /// Take ownership of fields other managers own (server-side apply `force`).
    #[serde(default)]
    pub force_conflicts: bool,
}

impl Default for SyncPolicy {
    fn default() -> Self {
        SyncPolicy {
            automated: true,
            prune: true,
            self_heal: false,
            interval: default_interval(),
            prune_budget: Budget::default(),
            force_conflicts: false,
        }
    }
}

fn yes() -> bool {
    true
}

fn default_interval() -> Duration {
    Duration::from_secs(60)
}

fn default_health_timeout() -> Duration {
    Duration::from_secs(300)
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct HealthPolicy {
    /// How long a sync waits for every object to become healthy.
    #[serde(default = "default_health_timeout")]
    pub timeout: Duration,
}

impl Default for HealthPolicy {
    fn default() -> Self {
        HealthPolicy {
            timeout: default_health_timeout(),
        }
    }
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct RollbackPolicy {
    /// Commit a `git revert` of the change when a sync's health check fails.
    #[serde(default)]
    pub on_failed_health: bool,
}

/// Which policies apply to an environment, and how they are evaluated
/// (see `policies/README.md` for the conventions).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct PolicySelection {
    /// Policy directories or files (relative to the repository root) that apply here.
    #[serde(default)]
    pub paths: Vec<String>,
    /// Rego packages whose rules see one object at a time (default: `main`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub namespaces: Vec<String>,
    /// Rego packages whose rules see the whole environment at once, as a conftest
    /// `--combine` list (default: `combined`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub combined_namespaces: Vec<String>,
    /// Honour `policy.converge.dev/exceptions` annotations on objects.
    #[serde(default = "yes")]
    pub allow_exceptions: bool,
}

impl Default for PolicySelection {
    fn default() -> Self {
        PolicySelection {
            paths: Vec::new(),
            namespaces: Vec::new(),
            combined_namespaces: Vec::new(),
            allow_exceptions: true,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Promotion {
    /// The environment whose images this one takes.
    pub from: String,
}

/// An image the bot may bump, and which tags it may choose.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct ImagePolicy {
    /// The image name as written in the kustomization's `images:` entry.
    pub name: String,
    #[serde(default)]
    pub policy: TagPolicy,
    /// Pin the digest alongside the tag when bumping from a registry.
    #[serde(default)]
    pub pin_digest: bool,
}

/// Which tags are allowed, and how the newest is chosen.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct TagPolicy {
    /// A semver range, e.g. `>=1.2.0 <2.0.0`; pre-releases only when the range names one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub semver: Option<String>,
    /// A regular expression tags must match.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pattern: Option<String>,
    /// The named group of `pattern` that orders tags.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub extract: Option<String>,
    /// How extracted values order: `numerical` or `alphabetical`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub order: Option<TagOrder>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum TagOrder {
    Numerical,
    Alphabetical,
}

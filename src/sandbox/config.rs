//! Settings of a sandbox: where it listens, where it keeps state, how its simulated
//! controllers behave and which faults it injects.

use std::net::{Ipv4Addr, SocketAddr};
use std::path::PathBuf;
use std::time::Duration;

/// The default failure pattern: an image whose tag contains `broken`.
pub const DEFAULT_FAILURE_PATTERN: &str = r"^[^@]*:[^:/@]*broken[^:/@]*(@.*)?$";

/// How a sandbox is started.
#[derive(Debug, Clone)]
pub struct SandboxConfig {
    /// `127.0.0.1:0` picks a free port.
    pub listen: SocketAddr,
    /// Persist objects here (debounced, atomic) and reload them on start.
    pub state_dir: Option<PathBuf>,
    /// How long the simulated controllers take to report a rollout's outcome.
    pub rollout_delay: Duration,
    /// Regex matched against every pod template image; a match makes the rollout fail.
    pub failure_pattern: String,
    pub faults: FaultConfig,
}

impl Default for SandboxConfig {
    fn default() -> Self {
        SandboxConfig {
            listen: SocketAddr::from((Ipv4Addr::LOCALHOST, 0)),
            state_dir: None,
            rollout_delay: Duration::from_millis(500),
            failure_pattern: DEFAULT_FAILURE_PATTERN.to_string(),
            faults: FaultConfig::default(),
        }
    }
}

/// Faults injected into resource requests (never into discovery, OpenAPI or `/version`).
#[derive(Debug, Clone, PartialEq)]
pub struct FaultConfig {
    /// Share of resource requests answered with `error_status` (0 = none, 1 = all).
    pub error_rate: f64,
    /// 500 (InternalError) or 429 (TooManyRequests, with Retry-After).
    pub error_status: u16,
    pub retry_after_seconds: u32,
    /// Added before answering every resource request.
    pub latency: Duration,
    /// Close every watch stream after this many events.
    pub drop_watch_after_events: Option<usize>,
}

impl Default for FaultConfig {
    fn default() -> Self {
        FaultConfig {
            error_rate: 0.0,
            error_status: 500,
            retry_after_seconds: 1,
            latency: Duration::ZERO,
            drop_watch_after_events: None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_failure_pattern_matches_tags_only() {
        let re = regex::Regex::new(DEFAULT_FAILURE_PATTERN).expect("valid regex");
        for image in [
            "nginx:broken",
            "nginx:1.27-broken",
            "registry:5000/app:broken-2",
            "app:broken@sha256:abc",
        ] {
            assert!(re.is_match(image), "{image}");
        }
        for image in [
            "nginx:1.27",
            "broken/app:1.0",
            "registry:5000/broken/app:1",
            "app@sha256:broken",
        ] {
            assert!(!re.is_match(image), "{image}");
        }
    }
}

//! Leader election with a `coordination.k8s.io/v1` Lease, as client-go's `leaderelection`
//! does it: a candidate takes the lease when it is free or when its record has not changed
//! for a whole lease duration *as observed on the candidate's own clock* (so clock skew
//! between replicas does not matter); the leader renews every retry period and steps down
//! when it could not renew within the renew deadline, which is shorter than the lease
//! duration — so it has stopped acting before anyone else may start. Every write carries
//! the resourceVersion it read, so two candidates can never both win one round.

use std::time::{Duration, Instant};

use k8s_openapi::api::coordination::v1::{Lease, LeaseSpec};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{MicroTime, ObjectMeta};
use kube::Api;
use kube::api::PostParams;
use tokio::sync::watch;

use super::config::LeaderElection;
use super::stop::StopSignal;

/// The outcome of one attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Attempt {
    /// We hold the lease (acquired or renewed).
    Leading,
    /// Someone else holds it.
    Following,
}

/// Runs the election until `stop`; publishes `true` on `leading` while this replica holds
/// the lease, and releases the lease on the way out when it held it.
pub async fn run(
    client: kube::Client,
    config: LeaderElection,
    identity: String,
    leading: watch::Sender<bool>,
    stop: StopSignal,
) {
    let mut elector = Elector {
        api: Api::namespaced(client, &config.namespace),
        config,
        identity,
        observed: None,
    };
    let mut last_renewal: Option<Instant> = None;
    loop {
        if stop.is_stopped() {
            break;
        }
        let attempt_timeout = elector.config.retry_period.max(Duration::from_secs(1));
        let result = tokio::time::timeout(attempt_timeout, elector.attempt()).await;
        let is_leading = *leading.borrow();
        match result {
            Ok(Ok(Attempt::Leading)) => {
                last_renewal = Some(Instant::now());
                if !is_leading {
                    tracing::info!(identity = %elector.identity, lease = %elector.config.name, "became the leader");
                    leading.send_replace(true);
                }
            }
            Ok(Ok(Attempt::Following)) => {
                if is_leading {
                    tracing::warn!(identity = %elector.identity, "another replica holds the lease; stepping down");
                    leading.send_replace(false);
                }
            }
            Ok(Err(error)) => {
                tracing::warn!(%error, lease = %elector.config.name, "lease request failed");
                elector.step_down_if_late(&leading, last_renewal);
            }
            Err(_) => {
                tracing::warn!(lease = %elector.config.name, "lease request timed out");
                elector.step_down_if_late(&leading, last_renewal);
            }
        }
        tokio::select! {
            _ = tokio::time::sleep(elector.config.retry_period) => {}
            _ = stop.stopped() => break,
        }
    }
    if *leading.borrow() {
        leading.send_replace(false);
        if let Err(error) = elector.release().await {
            tracing::warn!(%error, "could not release the lease; it expires on its own");
        } else {
            tracing::info!(identity = %elector.identity, "released the lease");
        }
    }
}

struct Elector {
    api: Api<Lease>,
    config: LeaderElection,
    identity: String,
    /// The record last seen and when (on our clock) it was first seen.
    observed: Option<(LeaseSpec, Instant)>,
}

fn now() -> MicroTime {
    MicroTime(k8s_openapi::jiff::Timestamp::now())
}

fn seconds(d: Duration) -> i32 {
    i32::try_from(d.as_secs().max(1)).unwrap_or(i32::MAX)
}

impl Elector {
    fn step_down_if_late(&self, leading: &watch::Sender<bool>, last_renewal: Option<Instant>) {
        let late = last_renewal.is_none_or(|t| t.elapsed() >= self.config.renew_deadline);
        if *leading.borrow() && late {
            tracing::warn!(identity = %self.identity, "could not renew the lease in time; stepping down");
            leading.send_replace(false);
        }
    }

    async fn attempt(&mut self) -> Result<Attempt, kube::Error> {
        let Some(mut lease) = self.api.get_opt(&self.config.name).await? else {
            return self.create().await;
        };
        let spec = lease.spec.clone().unwrap_or_default();
        let holder = spec.holder_identity.clone().unwrap_or_default();
        if holder == self.identity {
            let mut renewed = spec;
            renewed.renew_time = Some(now());
            renewed.lease_duration_seconds = Some(seconds(self.config.lease_duration));
            lease.spec = Some(renewed);
            return self.replace(lease).await;
        }
        let first_seen = match &self.observed {
            Some((seen, at)) if *seen == spec => *at,
            _ => {
                let at = Instant::now();
                self.observed = Some((spec.clone(), at));
                at
            }
        };
        let duration = spec
            .lease_duration_seconds
            .map(|s| Duration::from_secs(u64::try_from(s).unwrap_or(0)))
            .unwrap_or(self.config.lease_duration);
        if !holder.is_empty() && first_seen.elapsed() < duration {
            return Ok(Attempt::Following);
        }
        tracing::info!(previous = %holder, identity = %self.identity, "taking over the lease");
        let mut taken = spec;
        taken.holder_identity = Some(self.identity.clone());
        taken.acquire_time = Some(now());
        taken.renew_time = Some(now());
        taken.lease_duration_seconds = Some(seconds(self.config.lease_duration));
        taken.lease_transitions = Some(taken.lease_transitions.unwrap_or(0).saturating_add(1));
        lease.spec = Some(taken);
        self.replace(lease).await
    }

    async fn create(&mut self) -> Result<Attempt, kube::Error> {
        let lease = Lease {
            metadata: ObjectMeta {
                name: Some(self.config.name.clone()),
                namespace: Some(self.config.namespace.clone()),
                ..ObjectMeta::default()
            },
            spec: Some(LeaseSpec {
                holder_identity: Some(self.identity.clone()),
                acquire_time: Some(now()),
                renew_time: Some(now()),
                lease_duration_seconds: Some(seconds(self.config.lease_duration)),
                lease_transitions: Some(0),
                ..LeaseSpec::default()
            }),
        };
        match self.api.create(&PostParams::default(), &lease).await {
            Ok(_) => Ok(Attempt::Leading),
            // Another candidate created it first.
            Err(kube::Error::Api(status)) if status.code == 409 => Ok(Attempt::Following),
            Err(e) => Err(e),
        }
    }

    /// Writes `lease` guarded by the resourceVersion it was read with.
    async fn replace(&mut self, lease: Lease) -> Result<Attempt, kube::Error> {
        match self
            .api
            .replace(&self.config.name, &PostParams::default(), &lease)
            .await
        {
            Ok(_) => {
                self.observed = None;
                Ok(Attempt::Leading)
            }
            // The record changed since we read it: someone else renewed or took it.
            Err(kube::Error::Api(status)) if status.code == 409 => Ok(Attempt::Following),
            Err(e) => Err(e),
        }
    }

    /// Gives the lease up so a follower takes over at once instead of after expiry.
    async fn release(&mut self) -> Result<(), kube::Error> {
        let Some(mut lease) = self.api.get_opt(&self.config.name).await? else {
            return Ok(());
        };
        let mut spec = lease.spec.clone().unwrap_or_default();
        if spec.holder_identity.as_deref() != Some(self.identity.as_str()) {
            return Ok(());
        }
        spec.holder_identity = None;
        spec.lease_duration_seconds = Some(1);
        spec.renew_time = Some(now());
        lease.spec = Some(spec);
        self.api
            .replace(&self.config.name, &PostParams::default(), &lease)
            .await
            .map(|_| ())
    }
}

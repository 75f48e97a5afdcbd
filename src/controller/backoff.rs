//! Retry delays after failures: exponential with full jitter, capped, reset on success
//! (Argo CD's self-heal backoff starts at 2 s, multiplies by 3 and caps at 300 s; this is
//! the same shape with a factor of 2).

use std::time::Duration;

/// Backoff settings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Backoff {
    pub initial: Duration,
    pub max: Duration,
}

impl Default for Backoff {
    fn default() -> Self {
        Backoff {
            initial: Duration::from_secs(2),
            max: Duration::from_secs(300),
        }
    }
}

impl Backoff {
    /// The delay before retry number `failures` (1 = after the first failure): between half
    /// and all of `initial × 2^(failures-1)`, capped at `max`. The jitter spreads retries
    /// of many environments that failed together (an API server outage).
    pub fn delay(&self, failures: u32) -> Duration {
        let exponent = failures.saturating_sub(1).min(20);
        let full = self
            .initial
            .saturating_mul(1u32 << exponent)
            .min(self.max)
            .max(Duration::from_millis(1));
        let half = full / 2;
        let jitter = rand::random_range(0..=half.as_millis() as u64);
        half + Duration::from_millis(jitter)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delays_grow_and_stay_under_the_cap() {
        let b = Backoff {
            initial: Duration::from_secs(2),
            max: Duration::from_secs(60),
        };
        for failures in 1..40 {
            let full = (Duration::from_secs(2) * 2u32.pow(failures.min(10) - 1))
                .min(Duration::from_secs(60));
            let d = b.delay(failures);
            assert!(d >= full / 2 && d <= full, "{failures}: {d:?} vs {full:?}");
        }
        assert!(b.delay(0) <= Duration::from_secs(2));
    }
}

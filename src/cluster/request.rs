//! Sending one API request with retries: 429 and 5xx answers and transport failures are
//! retried with exponential backoff (with jitter), waiting at least as long as the server's
//! `Retry-After` asks. Every operation converge sends is idempotent (apply, get, list, and
//! delete with a UID precondition), so a retry never does something twice.

use std::time::Duration;

use http::{HeaderMap, Method, Request};
use serde_json::Value;

use super::error::{Cause, ClusterError};

/// How requests are retried.
#[derive(Debug, Clone, PartialEq)]
pub struct RetryPolicy {
    /// Attempts in total, the first included.
    pub max_attempts: u32,
    /// The first backoff; doubled on every retry.
    pub base_delay: Duration,
    /// The longest backoff (a server's Retry-After may ask for more, up to `max_retry_after`).
    pub max_delay: Duration,
    /// The longest Retry-After honoured.
    pub max_retry_after: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            max_attempts: 10,
            base_delay: Duration::from_millis(50),
            max_delay: Duration::from_secs(5),
            max_retry_after: Duration::from_secs(60),
        }
    }
}

impl RetryPolicy {
    /// The wait before retry number `retry` (1-based), given the server's Retry-After.
    pub fn delay(&self, retry: u32, retry_after: Option<Duration>) -> Duration {
        let exp = self
            .base_delay
            .saturating_mul(1u32 << retry.saturating_sub(1).min(16))
            .min(self.max_delay);
        // Equal jitter: half fixed, half random, so retries of parallel requests spread out.
        let jittered = exp / 2 + exp.mul_f64(rand::random::<f64>() / 2.0);
        match retry_after {
            Some(asked) => jittered.max(asked.min(self.max_retry_after)),
            None => jittered,
        }
    }
}

/// Whether an HTTP status is worth retrying.
pub fn retryable(code: u16) -> bool {
    code == 429 || (500..600).contains(&code) && code != 501
}

/// A request to send (possibly several times).
pub struct Call<'a> {
    pub verb: &'static str,
    /// The object or collection, for messages.
    pub target: &'a str,
    pub method: Method,
    /// Path and query.
    pub uri: String,
    pub content_type: Option<&'static str>,
    pub body: Vec<u8>,
}

/// A successful answer.
pub struct Reply {
    pub code: u16,
    pub body: Vec<u8>,
}

/// Sends `call`, retrying as `policy` says; 4xx answers other than 429 are returned as
/// [`ClusterError::Api`] at once.
pub async fn send(
    client: &kube::Client,
    policy: &RetryPolicy,
    retries: &std::sync::atomic::AtomicU64,
    call: &Call<'_>,
) -> Result<Reply, ClusterError> {
    let mut attempt = 0u32;
    loop {
        attempt += 1;
        let mut builder = Request::builder()
            .method(call.method.clone())
            .uri(&call.uri)
            .header(http::header::ACCEPT, "application/json");
        if let Some(ct) = call.content_type {
            builder = builder.header(http::header::CONTENT_TYPE, ct);
        }
        let request = builder
            .body(kube::client::Body::from(call.body.clone()))
            .map_err(|e| ClusterError::Request {
                verb: call.verb,
                target: call.target.to_string(),
                message: e.to_string(),
            })?;
        let outcome = match client.send(request).await {
            Ok(response) => {
                let code = response.status().as_u16();
                let retry_after = retry_after(response.headers());
                match response.into_body().collect_bytes().await {
                    Ok(bytes) => Ok((code, retry_after, bytes.to_vec())),
                    Err(e) => Err(e.to_string()),
                }
            }
            Err(e) => Err(e.to_string()),
        };
        let (code, retry_after, body) = match outcome {
            Ok(parts) => parts,
            Err(message) => {
                if attempt >= policy.max_attempts {
                    return Err(ClusterError::Transport {
                        verb: call.verb,
                        target: call.target.to_string(),
                        message,
                        attempts: attempt,
                    });
                }
                retries.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                tracing::debug!(verb = call.verb, target = call.target, %message, "retrying after a transport error");
                tokio::time::sleep(policy.delay(attempt, None)).await;
                continue;
            }
        };
        if (200..300).contains(&code) {
            return Ok(Reply { code, body });
        }
        let status: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
        if retryable(code) && attempt < policy.max_attempts {
            let asked = retry_after.or_else(|| {
                status
                    .pointer("/details/retryAfterSeconds")
                    .and_then(Value::as_u64)
                    .map(Duration::from_secs)
            });
            retries.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            tracing::debug!(verb = call.verb, target = call.target, code, "retrying");
            tokio::time::sleep(policy.delay(attempt, asked)).await;
            continue;
        }
        return Err(api_error(call, code, &status, &body, attempt));
    }
}

fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    headers
        .get(http::header::RETRY_AFTER)?
        .to_str()
        .ok()?
        .trim()
        .parse::<u64>()
        .ok()
        .map(Duration::from_secs)
}

fn api_error(
    call: &Call<'_>,
    code: u16,
    status: &Value,
    body: &[u8],
    attempts: u32,
) -> ClusterError {
    let message = status["message"]
        .as_str()
        .map(String::from)
        .unwrap_or_else(|| {
            // Not a Status (a proxy's page, say): show its start, never a request body.
            String::from_utf8_lossy(&body[..body.len().min(200)]).into_owned()
        });
    let causes = status
        .pointer("/details/causes")
        .and_then(Value::as_array)
        .map(|causes| {
            causes
                .iter()
                .map(|c| Cause {
                    reason: c["reason"].as_str().unwrap_or("").to_string(),
                    message: c["message"].as_str().unwrap_or("").to_string(),
                    field: c["field"].as_str().unwrap_or("").to_string(),
                })
                .collect()
        })
        .unwrap_or_default();
    ClusterError::Api {
        verb: call.verb,
        target: call.target.to_string(),
        code,
        reason: status["reason"].as_str().unwrap_or("").to_string(),
        message,
        causes,
        attempts,
    }
}

/// Percent-encodes a query parameter value (RFC 3986 unreserved characters stay).
pub fn encode(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for b in value.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_grows_caps_and_honours_retry_after() {
        let p = RetryPolicy::default();
        for retry in 1..20 {
            let d = p.delay(retry, None);
            assert!(d <= p.max_delay, "{d:?}");
        }
        assert!(p.delay(1, None) <= Duration::from_millis(50));
        assert!(p.delay(3, None) >= Duration::from_millis(100));
        assert_eq!(
            p.delay(1, Some(Duration::from_secs(2))),
            Duration::from_secs(2)
        );
        assert_eq!(
            p.delay(1, Some(Duration::from_secs(3600))),
            p.max_retry_after
        );
    }

    #[test]
    fn which_statuses_are_retried() {
        for code in [429, 500, 502, 503, 504] {
            assert!(retryable(code), "{code}");
        }
        for code in [400, 404, 409, 422, 501] {
            assert!(!retryable(code), "{code}");
        }
    }

    #[test]
    fn encodes_selectors() {
        assert_eq!(
            encode("applyset.kubernetes.io/part-of=applyset-x_y-v1"),
            "applyset.kubernetes.io%2Fpart-of%3Dapplyset-x_y-v1"
        );
    }
}

//! Push webhooks: authenticating a request and deciding whether it concerns the watched
//! branch. Pure functions over headers and body; the HTTP side is in `http.rs`.
//!
//! Accepted signatures (all compared in constant time with `subtle`):
//! - GitHub: `X-Hub-Signature-256: sha256=<hex HMAC-SHA256 of the body>`;
//! - GitLab: `X-Gitlab-Token: <the secret itself>` (GitLab sends a token, not an HMAC);
//! - generic (Flux's `generic-hmac`): `X-Signature: sha256=<hex>` or `sha512=<hex>`.
//!
//! A request without any of them, or with a wrong one, is rejected before its body is
//! parsed. The body is only read for the pushed ref, so that pushes to other branches are
//! acknowledged without a fetch.

use hmac::{Hmac, Mac};
use sha2::{Sha256, Sha512};
use subtle::ConstantTimeEq;

/// Which sender a webhook path is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Provider {
    GitHub,
    GitLab,
    Generic,
}

impl Provider {
    /// The provider of a `/hooks/<name>` path segment.
    pub fn from_path(name: &str) -> Option<Provider> {
        match name {
            "github" => Some(Provider::GitHub),
            "gitlab" => Some(Provider::GitLab),
            "generic" => Some(Provider::Generic),
            _ => None,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Provider::GitHub => "github",
            Provider::GitLab => "gitlab",
            Provider::Generic => "generic",
        }
    }
}

/// Why a webhook was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rejection {
    /// No signature or token header.
    Unsigned,
    /// A header that is not well formed (unknown algorithm, not hex).
    Malformed,
    /// Well formed, but not made with our secret.
    BadSignature,
}

impl Rejection {
    pub fn reason(self) -> &'static str {
        match self {
            Rejection::Unsigned => "unsigned",
            Rejection::Malformed => "malformed signature",
            Rejection::BadSignature => "bad signature",
        }
    }
}

/// Checks that `body` was sent by someone holding `secret`; `header` looks a header up by
/// (lower-case) name.
pub fn verify<'h>(
    provider: Provider,
    secret: &[u8],
    header: impl Fn(&str) -> Option<&'h str>,
    body: &[u8],
) -> Result<(), Rejection> {
    match provider {
        Provider::GitHub => {
            let value = header("x-hub-signature-256").ok_or(Rejection::Unsigned)?;
            let hex = value
                .trim()
                .strip_prefix("sha256=")
                .ok_or(Rejection::Malformed)?;
            check_hmac::<Hmac<Sha256>>(secret, body, hex)
        }
        Provider::GitLab => {
            let token = header("x-gitlab-token").ok_or(Rejection::Unsigned)?;
            if bool::from(token.as_bytes().ct_eq(secret)) {
                Ok(())
            } else {
                Err(Rejection::BadSignature)
            }
        }
        Provider::Generic => {
            let value = header("x-signature").ok_or(Rejection::Unsigned)?;
            let (algorithm, hex) = value.trim().split_once('=').ok_or(Rejection::Malformed)?;
            match algorithm {
                "sha256" => check_hmac::<Hmac<Sha256>>(secret, body, hex),
                "sha512" => check_hmac::<Hmac<Sha512>>(secret, body, hex),
                _ => Err(Rejection::Malformed),
            }
        }
    }
}

fn check_hmac<M: Mac + hmac::digest::KeyInit>(
    secret: &[u8],
    body: &[u8],
    hex_signature: &str,
) -> Result<(), Rejection> {
    let expected = hex::decode(hex_signature).map_err(|_| Rejection::Malformed)?;
    let mut mac = <M as hmac::digest::KeyInit>::new_from_slice(secret)
        .map_err(|_| Rejection::BadSignature)?;
    mac.update(body);
    // `verify_slice` compares in constant time (it uses `subtle` itself).
    mac.verify_slice(&expected)
        .map_err(|_| Rejection::BadSignature)
}

/// The `sha256=<hex>` signature of `body` (what GitHub sends; also accepted as `X-Signature`).
pub fn sign_sha256(secret: &[u8], body: &[u8]) -> String {
    // HMAC accepts keys of any length, so `new_from_slice` cannot fail here.
    let mut mac = <Hmac<Sha256> as hmac::digest::KeyInit>::new_from_slice(secret)
        .unwrap_or_else(|_| unreachable!("HMAC takes keys of any length"));
    mac.update(body);
    format!("sha256={}", hex::encode(mac.finalize().into_bytes()))
}

/// What a verified webhook asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// A push to the watched branch (or a payload that does not say): fetch now.
    Fetch,
    /// A push to another branch, a tag, or a ping: nothing to do.
    Ignore(String),
}

/// Reads the pushed ref from a GitHub/GitLab push payload (`"ref": "refs/heads/main"`).
/// Bodies that are not JSON or carry no ref (generic senders, ping events) fetch anyway:
/// a needless fetch is cheap, a missed one delays a deploy by an interval.
pub fn classify(provider: Provider, event: Option<&str>, body: &[u8], branch: &str) -> Verdict {
    if provider == Provider::GitHub && event == Some("ping") {
        return Verdict::Ignore("ping".into());
    }
    let Ok(value) = serde_json::from_slice::<serde_json::Value>(body) else {
        return Verdict::Fetch;
    };
    match value.get("ref").and_then(serde_json::Value::as_str) {
        Some(pushed) if pushed == format!("refs/heads/{branch}") || pushed == branch => {
            Verdict::Fetch
        }
        Some(pushed) => Verdict::Ignore(format!("push to {pushed}")),
        None => Verdict::Fetch,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECRET: &[u8] = b"It's a Secret to Everybody";
    const BODY: &[u8] = b"Hello, World!";

    fn headers<'a>(pairs: &'a [(&'a str, &'a str)]) -> impl Fn(&str) -> Option<&'a str> {
        move |name| pairs.iter().find(|(k, _)| *k == name).map(|(_, v)| *v)
    }

    #[test]
    fn github_example_signature_from_its_documentation() {
        // The test vector of GitHub's "Validating webhook deliveries" page.
        let good = "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17";
        assert_eq!(sign_sha256(SECRET, BODY), good);
        let h = [("x-hub-signature-256", good)];
        assert_eq!(verify(Provider::GitHub, SECRET, headers(&h), BODY), Ok(()));
        let h = [("x-hub-signature-256", good)];
        assert_eq!(
            verify(Provider::GitHub, b"other", headers(&h), BODY),
            Err(Rejection::BadSignature)
        );
        assert_eq!(
            verify(Provider::GitHub, SECRET, headers(&h), b"Hello, World?"),
            Err(Rejection::BadSignature)
        );
        assert_eq!(
            verify(Provider::GitHub, SECRET, headers(&[]), BODY),
            Err(Rejection::Unsigned)
        );
        let h = [("x-hub-signature-256", "sha1=abc")];
        assert_eq!(
            verify(Provider::GitHub, SECRET, headers(&h), BODY),
            Err(Rejection::Malformed)
        );
        let h = [("x-hub-signature-256", "sha256=zz")];
        assert_eq!(
            verify(Provider::GitHub, SECRET, headers(&h), BODY),
            Err(Rejection::Malformed)
        );
    }

    #[test]
    fn gitlab_compares_the_token() {
        let secret = std::str::from_utf8(SECRET).expect("ascii");
        let h = [("x-gitlab-token", secret)];
        assert_eq!(verify(Provider::GitLab, SECRET, headers(&h), BODY), Ok(()));
        let h = [("x-gitlab-token", "It's a Secret to Everybod")];
        assert_eq!(
            verify(Provider::GitLab, SECRET, headers(&h), BODY),
            Err(Rejection::BadSignature)
        );
        let h = [("x-hub-signature-256", "sha256=00")];
        assert_eq!(
            verify(Provider::GitLab, SECRET, headers(&h), BODY),
            Err(Rejection::Unsigned)
        );
    }

    #[test]
    fn generic_accepts_sha256_and_sha512() {
        let sha256 = sign_sha256(SECRET, BODY);
        let h = [("x-signature", sha256.as_str())];
        assert_eq!(verify(Provider::Generic, SECRET, headers(&h), BODY), Ok(()));
        let mut mac = <Hmac<Sha512> as hmac::digest::KeyInit>::new_from_slice(SECRET)
            .expect("any key length");
        mac.update(BODY);
        let sha512 = format!("sha512={}", hex::encode(mac.finalize().into_bytes()));
        let h = [("x-signature", sha512.as_str())];
        assert_eq!(verify(Provider::Generic, SECRET, headers(&h), BODY), Ok(()));
        let h = [("x-signature", "md5=00")];
        assert_eq!(
            verify(Provider::Generic, SECRET, headers(&h), BODY),
            Err(Rejection::Malformed)
        );
    }

    #[test]
    fn pushes_to_other_branches_are_ignored() {
        let push = br#"{"ref":"refs/heads/main","after":"abc"}"#;
        assert_eq!(
            classify(Provider::GitHub, Some("push"), push, "main"),
            Verdict::Fetch
        );
        let other = br#"{"ref":"refs/heads/feature"}"#;
        assert!(matches!(
            classify(Provider::GitLab, None, other, "main"),
            Verdict::Ignore(_)
        ));
        assert!(matches!(
            classify(Provider::GitHub, Some("ping"), b"{}", "main"),
            Verdict::Ignore(_)
        ));
        assert_eq!(
            classify(Provider::Generic, None, b"\xff\x00", "main"),
            Verdict::Fetch
        );
    }

    #[test]
    fn arbitrary_bytes_never_panic() {
        // A cheap stand-in for fuzzing: every header value and body shape we can think of.
        let samples: [&[u8]; 6] = [b"", b"{", b"[]", b"{\"ref\":1}", b"\"ref\"", &[0xff; 64]];
        for body in samples {
            for value in ["", "=", "sha256=", "sha512=zz", "sha256=00", "\u{0}"] {
                for provider in [Provider::GitHub, Provider::GitLab, Provider::Generic] {
                    let h = [
                        ("x-hub-signature-256", value),
                        ("x-gitlab-token", value),
                        ("x-signature", value),
                    ];
                    assert!(verify(provider, SECRET, headers(&h), body).is_err());
                    let _ = classify(provider, Some(value), body, "main");
                }
            }
        }
    }
}

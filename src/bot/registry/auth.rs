//! Registry authentication: credentials from the environment or files (never arguments,
//! never logged), and parsing of `WWW-Authenticate` challenges.

use std::collections::BTreeMap;
use std::fmt;

use base64::Engine;

/// A user name and password (or token) for one registry, or for all.
#[derive(Clone, Default)]
pub struct RegistryCredentials {
    /// Per registry host (`ghcr.io`, `127.0.0.1:5000`), from a Docker config file.
    by_host: BTreeMap<String, (String, String)>,
    /// For every registry, from `CONVERGE_REGISTRY_USERNAME` / `_PASSWORD(_FILE)`.
    default: Option<(String, String)>,
}

impl fmt::Debug for RegistryCredentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RegistryCredentials")
            .field("hosts", &self.by_host.keys().collect::<Vec<_>>())
            .field("default_user", &self.default.as_ref().map(|(u, _)| u))
            .finish()
    }
}

impl RegistryCredentials {
    /// Anonymous access.
    pub fn none() -> RegistryCredentials {
        RegistryCredentials::default()
    }

    /// Reads `CONVERGE_REGISTRY_USERNAME` with `CONVERGE_REGISTRY_PASSWORD` or
    /// `CONVERGE_REGISTRY_PASSWORD_FILE`, and `CONVERGE_REGISTRY_AUTH_FILE` (a Docker
    /// `config.json` with an `auths` map).
    pub fn from_env() -> Result<RegistryCredentials, String> {
        RegistryCredentials::from_lookup(|k| std::env::var(k).ok())
    }

    /// As [`RegistryCredentials::from_env`], through `lookup`.
    pub fn from_lookup(
        lookup: impl Fn(&str) -> Option<String>,
    ) -> Result<RegistryCredentials, String> {
        let nonempty = |key: &str| lookup(key).filter(|v| !v.trim().is_empty());
        let mut creds = RegistryCredentials::default();
        if let Some(user) = nonempty("CONVERGE_REGISTRY_USERNAME") {
            let password = match (
                nonempty("CONVERGE_REGISTRY_PASSWORD"),
                nonempty("CONVERGE_REGISTRY_PASSWORD_FILE"),
            ) {
                (Some(p), None) => p,
                (None, Some(file)) => std::fs::read_to_string(&file)
                    .map_err(|e| {
                        format!("CONVERGE_REGISTRY_PASSWORD_FILE: cannot read {file}: {e}")
                    })?
                    .trim()
                    .to_string(),
                (Some(_), Some(_)) => {
                    return Err("set CONVERGE_REGISTRY_PASSWORD or CONVERGE_REGISTRY_PASSWORD_FILE, not both".into());
                }
                (None, None) => {
                    return Err("CONVERGE_REGISTRY_USERNAME is set without a password (CONVERGE_REGISTRY_PASSWORD_FILE)".into());
                }
            };
            creds.default = Some((user, password));
        }
        if let Some(file) = nonempty("CONVERGE_REGISTRY_AUTH_FILE") {
            let text = std::fs::read_to_string(&file)
                .map_err(|e| format!("CONVERGE_REGISTRY_AUTH_FILE: cannot read {file}: {e}"))?;
            creds.by_host = parse_docker_config(&text)
                .map_err(|e| format!("CONVERGE_REGISTRY_AUTH_FILE {file}: {e}"))?;
        }
        Ok(creds)
    }

    /// The credentials for `host`, if any.
    pub(crate) fn for_host(&self, host: &str) -> Option<&(String, String)> {
        self.by_host
            .get(host)
            .or_else(|| {
                self.by_host
                    .iter()
                    .find(|(k, _)| strip_scheme(k) == host)
                    .map(|(_, v)| v)
            })
            .or(self.default.as_ref())
    }

    /// `Basic …` for `host`, if credentials are known.
    pub(crate) fn basic_header(&self, host: &str) -> Option<String> {
        self.for_host(host).map(|(user, password)| {
            let raw = format!("{user}:{password}");
            format!(
                "Basic {}",
                base64::engine::general_purpose::STANDARD.encode(raw)
            )
        })
    }
}

fn strip_scheme(key: &str) -> &str {
    let key = key
        .strip_prefix("https://")
        .or_else(|| key.strip_prefix("http://"))
        .unwrap_or(key);
    key.split('/').next().unwrap_or(key)
}

/// The `auths` of a Docker config file: host → (user, password).
fn parse_docker_config(text: &str) -> Result<BTreeMap<String, (String, String)>, String> {
    let json: serde_json::Value =
        serde_json::from_str(text).map_err(|e| format!("not JSON: {e}"))?;
    let mut out = BTreeMap::new();
    let Some(auths) = json.get("auths").and_then(|a| a.as_object()) else {
        return Ok(out);
    };
    for (host, entry) in auths {
        let pair = if let Some(auth) = entry.get("auth").and_then(|a| a.as_str()) {
            let decoded = base64::engine::general_purpose::STANDARD
                .decode(auth.trim())
                .map_err(|_| format!("auths.{host}.auth: not base64"))?;
            let decoded =
                String::from_utf8(decoded).map_err(|_| format!("auths.{host}.auth: not UTF-8"))?;
            let (u, p) = decoded
                .split_once(':')
                .ok_or_else(|| format!("auths.{host}.auth: not user:password"))?;
            (u.to_string(), p.to_string())
        } else {
            let user = entry.get("username").and_then(|u| u.as_str());
            let password = entry.get("password").and_then(|p| p.as_str());
            match (user, password) {
                (Some(u), Some(p)) => (u.to_string(), p.to_string()),
                _ => continue,
            }
        };
        out.insert(host.clone(), pair);
    }
    Ok(out)
}

/// A parsed `WWW-Authenticate` challenge.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Challenge {
    pub(crate) scheme: String,
    pub(crate) params: BTreeMap<String, String>,
}

/// Parses `Bearer realm="…",service="…",scope="…"` (quoted values may hold commas).
pub(crate) fn parse_challenge(header: &str) -> Option<Challenge> {
    let header = header.trim();
    let (scheme, rest) = match header.split_once(char::is_whitespace) {
        Some((s, r)) => (s, r),
        None => (header, ""),
    };
    if scheme.is_empty() {
        return None;
    }
    let mut params = BTreeMap::new();
    let mut chars = rest.chars().peekable();
    loop {
        while chars.peek().is_some_and(|c| c.is_whitespace() || *c == ',') {
            chars.next();
        }
        let mut key = String::new();
        while let Some(&c) = chars.peek() {
            if c == '=' {
                break;
            }
            key.push(c);
            chars.next();
        }
        if chars.next() != Some('=') {
            break;
        }
        let mut value = String::new();
        if chars.peek() == Some(&'"') {
            chars.next();
            while let Some(c) = chars.next() {
                match c {
                    '\\' => {
                        if let Some(n) = chars.next() {
                            value.push(n);
                        }
                    }
                    '"' => break,
                    c => value.push(c),
                }
            }
        } else {
            while let Some(&c) = chars.peek() {
                if c == ',' {
                    break;
                }
                value.push(c);
                chars.next();
            }
        }
        params.insert(key.trim().to_ascii_lowercase(), value.trim().to_string());
    }
    Some(Challenge {
        scheme: scheme.to_ascii_lowercase(),
        params,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_bearer_challenges_with_commas_in_quotes() {
        let c = parse_challenge(
            r#"Bearer realm="https://auth.example.com/token",service="registry.example.com",scope="repository:ml/api:pull,push""#,
        )
        .expect("challenge");
        assert_eq!(c.scheme, "bearer");
        assert_eq!(c.params["realm"], "https://auth.example.com/token");
        assert_eq!(c.params["scope"], "repository:ml/api:pull,push");
        let basic = parse_challenge(r#"Basic realm="Registry Realm""#).expect("basic");
        assert_eq!(basic.scheme, "basic");
    }

    #[test]
    fn reads_docker_config_auths_and_hides_passwords() {
        let text = r#"{"auths": {"https://ghcr.io": {"auth": "dXNlcjpwYXNz"}, "127.0.0.1:5000": {"username": "u", "password": "p"}}}"#;
        let creds = RegistryCredentials {
            by_host: parse_docker_config(text).expect("parses"),
            default: None,
        };
        assert_eq!(
            creds.for_host("ghcr.io"),
            Some(&("user".to_string(), "pass".to_string()))
        );
        assert!(creds.for_host("127.0.0.1:5000").is_some());
        assert!(creds.for_host("other.io").is_none());
        assert!(!format!("{creds:?}").contains("pass"));
    }
}

//! An OCI registry client for the Distribution v2 API, just what registry-driven bumps
//! need: the tag list (following `Link` pagination) and a tag's manifest digest, with
//! Bearer tokens obtained from the `WWW-Authenticate` challenge or Basic credentials.

mod auth;

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Duration;

use sha2::{Digest, Sha256};

pub use auth::RegistryCredentials;
use auth::parse_challenge;

use super::error::BotError;

/// Pages of tags followed at most (a bound against a registry that links forever).
const MAX_PAGES: usize = 1000;

const MANIFEST_TYPES: &str = "application/vnd.oci.image.index.v1+json, \
application/vnd.docker.distribution.manifest.list.v2+json, \
application/vnd.oci.image.manifest.v1+json, \
application/vnd.docker.distribution.manifest.v2+json";

/// Where an image lives: a registry host and a repository in it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImageRef {
    /// `host[:port]` as it appears in image names (`docker.io` for Docker Hub).
    pub registry: String,
    pub repository: String,
}

impl ImageRef {
    /// Splits an image name the way container runtimes do: the first component is a
    /// registry when it has a `.` or `:` or is `localhost`; otherwise Docker Hub.
    pub fn parse(name: &str) -> ImageRef {
        let name = name.split('@').next().unwrap_or(name);
        match name.split_once('/') {
            Some((first, rest))
                if first.contains('.') || first.contains(':') || first == "localhost" =>
            {
                ImageRef {
                    registry: first.to_string(),
                    repository: rest.to_string(),
                }
            }
            Some(_) => ImageRef {
                registry: "docker.io".into(),
                repository: name.to_string(),
            },
            None => ImageRef {
                registry: "docker.io".into(),
                repository: format!("library/{name}"),
            },
        }
    }

    /// The API's base URL: plain HTTP for loopback registries (as container runtimes
    /// allow) and hosts listed in `CONVERGE_REGISTRY_PLAIN_HTTP`, else HTTPS.
    fn base_url(&self, plain_http: &[String]) -> String {
        let host = if self.registry == "docker.io" {
            "registry-1.docker.io"
        } else {
            &self.registry
        };
        let bare_host = host.rsplit_once(':').map_or(host, |(h, port)| {
            if port.chars().all(|c| c.is_ascii_digit()) {
                h
            } else {
                host
            }
        });
        let loopback =
            bare_host == "localhost" || bare_host.starts_with("127.") || bare_host == "[::1]";
        let scheme = if loopback || plain_http.iter().any(|h| h == host) {
            "http"
        } else {
            "https"
        };
        format!("{scheme}://{host}")
    }
}

/// A registry client.
pub struct RegistryClient {
    agent: ureq::Agent,
    credentials: RegistryCredentials,
    plain_http: Vec<String>,
    page_size: usize,
    /// Authorization header values by registry and scope.
    tokens: Mutex<HashMap<(String, String), String>>,
}

impl RegistryClient {
    /// A client with `credentials`; plain-HTTP hosts from `CONVERGE_REGISTRY_PLAIN_HTTP`
    /// (comma-separated `host:port`).
    pub fn new(credentials: RegistryCredentials) -> RegistryClient {
        let config = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .timeout_global(Some(Duration::from_secs(60)))
            .user_agent("converge")
            .build();
        let plain_http = std::env::var("CONVERGE_REGISTRY_PLAIN_HTTP")
            .unwrap_or_default()
            .split(',')
            .map(|s| s.trim().to_string())
            .filter(|s| !s.is_empty())
            .collect();
        RegistryClient {
            agent: config.into(),
            credentials,
            plain_http,
            page_size: 100,
            tokens: Mutex::new(HashMap::new()),
        }
    }

    /// Asks for `n` tags per page (registries may send fewer and link to the rest).
    pub fn with_page_size(mut self, n: usize) -> RegistryClient {
        self.page_size = n.max(1);
        self
    }

    /// Every tag of `image`, following `Link: <…>; rel="next"` pages.
    pub fn list_tags(&self, image: &ImageRef) -> Result<Vec<String>, BotError> {
        let base = image.base_url(&self.plain_http);
        let scope = format!("repository:{}:pull", image.repository);
        let mut url = format!(
            "{base}/v2/{}/tags/list?n={}",
            image.repository, self.page_size
        );
        let mut tags = Vec::new();
        for _ in 0..MAX_PAGES {
            let mut response = self.send(image, "GET", &url, None, &scope)?;
            let status = response.status().as_u16();
            if status != 200 {
                return Err(self.error(image, format!("GET tags list: HTTP {status}")));
            }
            let next = response
                .headers()
                .get("link")
                .and_then(|v| v.to_str().ok())
                .and_then(next_link)
                .map(|link| absolute(&base, &link));
            let body = response
                .body_mut()
                .read_to_string()
                .map_err(|e| self.error(image, format!("reading the tags list: {e}")))?;
            let json: serde_json::Value = serde_json::from_str(&body)
                .map_err(|e| self.error(image, format!("the tags list is not JSON: {e}")))?;
            if let Some(list) = json.get("tags").and_then(|t| t.as_array()) {
                tags.extend(list.iter().filter_map(|t| t.as_str().map(str::to_string)));
            }
            match next {
                Some(next) => url = next,
                None => return Ok(tags),
            }
        }
        Err(self.error(image, format!("more than {MAX_PAGES} pages of tags")))
    }

    /// The digest of `tag`'s manifest (or index), as the registry names it.
    pub fn digest(&self, image: &ImageRef, tag: &str) -> Result<String, BotError> {
        let base = image.base_url(&self.plain_http);
        let scope = format!("repository:{}:pull", image.repository);
        let url = format!("{base}/v2/{}/manifests/{tag}", image.repository);
        let response = self.send(image, "HEAD", &url, Some(MANIFEST_TYPES), &scope)?;
        let status = response.status().as_u16();
        if status == 200
            && let Some(digest) = response
                .headers()
                .get("docker-content-digest")
                .and_then(|v| v.to_str().ok())
        {
            return Ok(digest.to_string());
        }
        // Some registries answer HEAD without the header: hash the manifest itself.
        let mut response = self.send(image, "GET", &url, Some(MANIFEST_TYPES), &scope)?;
        let status = response.status().as_u16();
        if status != 200 {
            return Err(self.error(image, format!("GET manifest {tag}: HTTP {status}")));
        }
        if let Some(digest) = response
            .headers()
            .get("docker-content-digest")
            .and_then(|v| v.to_str().ok())
        {
            return Ok(digest.to_string());
        }
        let body = response
            .body_mut()
            .read_to_vec()
            .map_err(|e| self.error(image, format!("reading manifest {tag}: {e}")))?;
        Ok(format!("sha256:{}", hex::encode(Sha256::digest(&body))))
    }

    fn error(&self, image: &ImageRef, message: String) -> BotError {
        BotError::Registry {
            registry: format!("{}/{}", image.registry, image.repository),
            message,
        }
    }

    /// Sends a request, answering one authentication challenge if the registry poses one.
    fn send(
        &self,
        image: &ImageRef,
        method: &str,
        url: &str,
        accept: Option<&str>,
        scope: &str,
    ) -> Result<http::Response<ureq::Body>, BotError> {
        let key = (image.registry.clone(), scope.to_string());
        let cached = self.tokens.lock().ok().and_then(|t| t.get(&key).cloned());
        let response = self.request(image, method, url, accept, cached.as_deref())?;
        if response.status().as_u16() != 401 {
            return Ok(response);
        }
        let challenge = response
            .headers()
            .get("www-authenticate")
            .and_then(|v| v.to_str().ok())
            .and_then(parse_challenge)
            .ok_or_else(|| {
                self.error(
                    image,
                    "HTTP 401 without a usable WWW-Authenticate challenge".into(),
                )
            })?;
        let authorization = match challenge.scheme.as_str() {
            "bearer" => self.token(image, &challenge.params, scope)?,
            "basic" => self.credentials.basic_header(&image.registry).ok_or_else(|| {
                self.error(
                    image,
                    "the registry asks for credentials: set CONVERGE_REGISTRY_USERNAME and CONVERGE_REGISTRY_PASSWORD_FILE, or CONVERGE_REGISTRY_AUTH_FILE".into(),
                )
            })?,
            other => {
                return Err(self.error(image, format!("unsupported authentication scheme {other:?}")));
            }
        };
        if let Ok(mut tokens) = self.tokens.lock() {
            tokens.insert(key, authorization.clone());
        }
        let response = self.request(image, method, url, accept, Some(&authorization))?;
        if response.status().as_u16() == 401 {
            return Err(self.error(
                image,
                "the registry rejected the credentials (HTTP 401)".into(),
            ));
        }
        Ok(response)
    }

    fn request(
        &self,
        image: &ImageRef,
        method: &str,
        url: &str,
        accept: Option<&str>,
        authorization: Option<&str>,
    ) -> Result<http::Response<ureq::Body>, BotError> {
        let builder = if method == "HEAD" {
            self.agent.head(url)
        } else {
            self.agent.get(url)
        };
        let mut builder = builder;
        if let Some(accept) = accept {
            builder = builder.header("Accept", accept);
        }
        if let Some(authorization) = authorization {
            builder = builder.header("Authorization", authorization);
        }
        builder
            .call()
            .map_err(|e| self.error(image, format!("{method} {}: {e}", strip_query(url))))
    }

    /// A Bearer token from the challenge's realm for `scope`.
    fn token(
        &self,
        image: &ImageRef,
        params: &std::collections::BTreeMap<String, String>,
        scope: &str,
    ) -> Result<String, BotError> {
        let realm = params
            .get("realm")
            .ok_or_else(|| self.error(image, "the Bearer challenge has no realm".into()))?;
        let mut url = realm.clone();
        let mut query = Vec::new();
        if let Some(service) = params.get("service") {
            query.push(format!("service={}", encode(service)));
        }
        let scope = params.get("scope").map_or(scope, String::as_str);
        query.push(format!("scope={}", encode(scope)));
        url.push(if url.contains('?') { '&' } else { '?' });
        url.push_str(&query.join("&"));
        let mut builder = self.agent.get(&url);
        if let Some(basic) = self.credentials.basic_header(&image.registry) {
            builder = builder.header("Authorization", basic);
        }
        let mut response = builder
            .call()
            .map_err(|e| self.error(image, format!("token request to {realm}: {e}")))?;
        let status = response.status().as_u16();
        if status != 200 {
            return Err(self.error(image, format!("token request to {realm}: HTTP {status}")));
        }
        let body = response
            .body_mut()
            .read_to_string()
            .map_err(|e| self.error(image, format!("token response: {e}")))?;
        let json: serde_json::Value = serde_json::from_str(&body)
            .map_err(|_| self.error(image, "the token response is not JSON".into()))?;
        let token = json
            .get("token")
            .or_else(|| json.get("access_token"))
            .and_then(|t| t.as_str())
            .ok_or_else(|| self.error(image, "the token response has no token".into()))?;
        Ok(format!("Bearer {token}"))
    }
}

/// The `rel="next"` target of a `Link` header.
fn next_link(header: &str) -> Option<String> {
    header.split(',').find_map(|part| {
        let (target, params) = part.split_once(';')?;
        let is_next = params.split(';').any(|p| {
            p.trim()
                .replace(' ', "")
                .eq_ignore_ascii_case("rel=\"next\"")
                || p.trim().eq_ignore_ascii_case("rel=next")
        });
        let target = target.trim().strip_prefix('<')?.strip_suffix('>')?;
        is_next.then(|| target.to_string())
    })
}

fn absolute(base: &str, link: &str) -> String {
    if link.starts_with("http://") || link.starts_with("https://") {
        link.to_string()
    } else {
        format!("{base}/{}", link.trim_start_matches('/'))
    }
}

fn strip_query(url: &str) -> &str {
    url.split('?').next().unwrap_or(url)
}

/// Percent-encodes a query value.
fn encode(value: &str) -> String {
    let mut out = String::new();
    for b in value.bytes() {
        if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
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
    fn image_names_split_into_registry_and_repository() {
        assert_eq!(
            ImageRef::parse("registry.example.com/ml/api"),
            ImageRef {
                registry: "registry.example.com".into(),
                repository: "ml/api".into()
            }
        );
        assert_eq!(ImageRef::parse("nginx").repository, "library/nginx");
        assert_eq!(ImageRef::parse("user/app").registry, "docker.io");
        let local = ImageRef::parse("127.0.0.1:5000/ml/api");
        assert_eq!(local.registry, "127.0.0.1:5000");
        assert_eq!(local.base_url(&[]), "http://127.0.0.1:5000");
        assert_eq!(
            ImageRef::parse("ghcr.io/x/y").base_url(&[]),
            "https://ghcr.io"
        );
        assert_eq!(
            ImageRef::parse("nginx").base_url(&[]),
            "https://registry-1.docker.io"
        );
    }

    #[test]
    fn follows_next_links() {
        assert_eq!(
            next_link(r#"</v2/ml/api/tags/list?last=1.9.3&n=2>; rel="next""#).as_deref(),
            Some("/v2/ml/api/tags/list?last=1.9.3&n=2")
        );
        assert_eq!(next_link(r#"</x>; rel="prev""#), None);
        assert_eq!(absolute("http://h:1", "/v2/x?n=1"), "http://h:1/v2/x?n=1");
        assert_eq!(
            encode("repository:ml/api:pull"),
            "repository%3Aml%2Fapi%3Apull"
        );
    }
}

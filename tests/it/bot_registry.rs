//! Registry-driven bumps against a real registry (Debian's `docker-registry`, started by the
//! test), with images pushed by a small Distribution API client.

use std::net::{TcpListener, TcpStream};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use sha2::{Digest, Sha256};

use converge::bot::registry::{ImageRef, RegistryClient, RegistryCredentials};

use super::support::{converge, copy_tree, git, repo_root, require_tool};

/// A registry on a free loopback port with filesystem storage in `dir`.
struct Registry {
    child: Child,
    port: u16,
}

impl Registry {
    fn start(dir: &Path) -> Registry {
        require_tool("docker-registry", "the Debian package docker-registry");
        let port = TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .map(|a| a.port())
            .expect("free port");
        let config = dir.join("config.yml");
        std::fs::write(
            &config,
            format!(
                "version: 0.1\nlog:\n  level: error\nstorage:\n  filesystem:\n    rootdirectory: {}\nhttp:\n  addr: 127.0.0.1:{port}\n",
                dir.join("data").display()
            ),
        )
        .expect("write config");
        let child = Command::new("docker-registry")
            .arg("serve")
            .arg(&config)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start docker-registry");
        let deadline = Instant::now() + Duration::from_secs(30);
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(
                Instant::now() < deadline,
                "docker-registry did not listen on {port}"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        Registry { child, port }
    }

    fn base(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// Uploads a blob (one monolithic PUT) and returns its digest and size.
    fn blob(&self, agent: &ureq::Agent, repo: &str, bytes: &[u8]) -> (String, usize) {
        let digest = format!("sha256:{}", hex::encode(Sha256::digest(bytes)));
        let started = agent
            .post(format!("{}/v2/{repo}/blobs/uploads/", self.base()))
            .send_empty()
            .expect("start upload");
        assert_eq!(started.status().as_u16(), 202, "upload start");
        let location = started
            .headers()
            .get("location")
            .and_then(|v| v.to_str().ok())
            .expect("upload location")
            .to_string();
        let location = if location.starts_with("http") {
            location
        } else {
            format!("{}{location}", self.base())
        };
        let sep = if location.contains('?') { '&' } else { '?' };
        let done = agent
            .put(format!("{location}{sep}digest={digest}"))
            .header("Content-Type", "application/octet-stream")
            .send(bytes)
            .expect("upload blob");
        assert_eq!(done.status().as_u16(), 201, "blob upload");
        (digest, bytes.len())
    }

    /// Pushes an image (a config and a layer unique to `tag`) and returns its digest.
    fn push_image(&self, repo: &str, tag: &str) -> String {
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .build()
            .into();
        let config = format!(
            "{{\"architecture\":\"amd64\",\"os\":\"linux\",\"config\":{{\"Labels\":{{\"tag\":\"{tag}\"}}}},\"rootfs\":{{\"type\":\"layers\",\"diff_ids\":[]}}}}"
        );
        let (config_digest, config_size) = self.blob(&agent, repo, config.as_bytes());
        let (layer_digest, layer_size) =
            self.blob(&agent, repo, format!("layer of {repo}:{tag}").as_bytes());
        let manifest = serde_json::json!({
            "schemaVersion": 2,
            "mediaType": "application/vnd.oci.image.manifest.v1+json",
            "config": {"mediaType": "application/vnd.oci.image.config.v1+json", "digest": config_digest, "size": config_size},
            "layers": [{"mediaType": "application/vnd.oci.image.layer.v1.tar+gzip", "digest": layer_digest, "size": layer_size}],
        })
        .to_string();
        let response = agent
            .put(format!("{}/v2/{repo}/manifests/{tag}", self.base()))
            .header("Content-Type", "application/vnd.oci.image.manifest.v1+json")
            .send(manifest.as_bytes())
            .expect("put manifest");
        assert_eq!(response.status().as_u16(), 201, "manifest {tag}");
        format!(
            "sha256:{}",
            hex::encode(Sha256::digest(manifest.as_bytes()))
        )
    }
}

impl Drop for Registry {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

const TAGS: [&str; 4] = ["1.10.0", "1.9.3", "2.0.0", "1.10.0-rc.1"];

#[test]
fn latest_picks_the_newest_tag_in_range_and_pins_its_digest() {
    let dir = tempfile::tempdir().expect("tempdir");
    let registry = Registry::start(dir.path());
    let mut digests = std::collections::BTreeMap::new();
    for tag in TAGS {
        digests.insert(tag, registry.push_image("ml/api", tag));
    }
    let image = format!("127.0.0.1:{}/ml/api", registry.port);

    // The client sees every tag, two per page (following the Link header).
    let client = RegistryClient::new(RegistryCredentials::none()).with_page_size(2);
    let mut listed = client
        .list_tags(&ImageRef::parse(&image))
        .expect("list tags");
    listed.sort();
    let mut expected: Vec<String> = TAGS.iter().map(|t| t.to_string()).collect();
    expected.sort();
    assert_eq!(listed, expected);
    assert_eq!(
        client
            .digest(&ImageRef::parse(&image), "1.9.3")
            .expect("digest"),
        digests["1.9.3"]
    );

    // An environment whose api image lives in this registry.
    require_tool("git", "git");
    let work = dir.path().join("work");
    copy_tree(
        &repo_root().join("environments"),
        &work.join("environments"),
    );
    copy_tree(&repo_root().join("overlays"), &work.join("overlays"));
    let env = std::fs::read_to_string(work.join("environments/staging.yaml")).expect("read");
    let env = env.replacen(
        "    - name: registry.example.com/ml/api\n      policy:\n        semver: \">=1.0.0\"",
        &format!("    - name: {image}\n      pinDigest: true\n      policy:\n        semver: \">=1.2.0 <2.0.0\""),
        1,
    );
    assert!(env.contains(&image), "environment rewritten");
    std::fs::write(work.join("environments/staging.yaml"), env).expect("write");
    git(&work, &["init", "-q", "-b", "main"]);
    git(&work, &["add", "-A"]);
    git(&work, &["commit", "-q", "-m", "seed"]);

    let out = converge()
        .current_dir(&work)
        .args([
            "bump", "--env", "staging", "--image", &image, "--latest", "-o", "json",
        ])
        .output()
        .expect("run converge");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(report["images"][0]["tag"], "1.10.0", "{report}");
    assert_eq!(
        report["images"][0]["digest"],
        digests["1.10.0"].as_str(),
        "{report}"
    );

    let text =
        std::fs::read_to_string(work.join("overlays/staging/kustomization.yaml")).expect("read");
    assert!(
        text.contains(&format!(
            "  - name: {image}\n    newTag: \"1.10.0\"\n    digest: \"{}\"\n",
            digests["1.10.0"]
        )),
        "{text}"
    );
    let subject = git(&work, &["log", "-1", "--format=%s"]);
    assert!(
        subject.contains(&format!(
            "bump {image} (unset) → 1.10.0@{}",
            digests["1.10.0"]
        )),
        "{subject}"
    );

    // The registry has nothing newer: a second run commits nothing.
    let out = converge()
        .current_dir(&work)
        .args(["bump", "--env", "staging", "--image", &image, "--latest"])
        .output()
        .expect("run converge");
    assert!(out.status.success());
    assert!(String::from_utf8_lossy(&out.stdout).contains("nothing to change"));
}

/// A stand-in registry for what Debian's registry does not do: Bearer token auth from the
/// `WWW-Authenticate` challenge, and `Link` pagination of tags.
mod token_registry {
    use std::collections::HashMap;
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};

    use axum::Router;
    use axum::extract::{Query, State};
    use axum::http::{HeaderMap, StatusCode};
    use axum::response::{IntoResponse, Response};
    use axum::routing::get;

    pub struct Shared {
        pub realm: String,
        pub authorized_pages: AtomicUsize,
    }

    pub fn app(shared: Arc<Shared>) -> Router {
        Router::new()
            .route("/token", get(token))
            .route("/v2/ml/api/tags/list", get(tags))
            .with_state(shared)
    }

    async fn token(headers: HeaderMap, Query(q): Query<HashMap<String, String>>) -> Response {
        // base64("bot:s3cret")
        let basic_ok = headers.get("authorization").and_then(|v| v.to_str().ok())
            == Some("Basic Ym90OnMzY3JldA==");
        let scope_ok = q.get("scope").map(String::as_str) == Some("repository:ml/api:pull")
            && q.get("service").map(String::as_str) == Some("fake");
        if basic_ok && scope_ok {
            axum::Json(serde_json::json!({"token": "t0k3n"})).into_response()
        } else {
            StatusCode::UNAUTHORIZED.into_response()
        }
    }

    async fn tags(
        State(shared): State<Arc<Shared>>,
        headers: HeaderMap,
        Query(q): Query<HashMap<String, String>>,
    ) -> Response {
        if headers.get("authorization").and_then(|v| v.to_str().ok()) != Some("Bearer t0k3n") {
            let challenge = format!(
                "Bearer realm=\"{}\",service=\"fake\",scope=\"repository:ml/api:pull\"",
                shared.realm
            );
            return (StatusCode::UNAUTHORIZED, [("www-authenticate", challenge)]).into_response();
        }
        shared.authorized_pages.fetch_add(1, Ordering::SeqCst);
        let all = super::TAGS;
        let n: usize = q.get("n").and_then(|n| n.parse().ok()).unwrap_or(all.len());
        let start = q
            .get("last")
            .and_then(|last| all.iter().position(|t| t == last))
            .map_or(0, |i| i + 1);
        let page: Vec<&str> = all.iter().skip(start).take(n).copied().collect();
        let body = axum::Json(serde_json::json!({"name": "ml/api", "tags": page}));
        match page.last() {
            Some(last) if start + n < all.len() => {
                let link = format!("</v2/ml/api/tags/list?n={n}&last={last}>; rel=\"next\"");
                ([("link", link)], body).into_response()
            }
            _ => body.into_response(),
        }
    }
}

#[test]
fn bearer_tokens_and_paginated_tags() {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};

    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    let listener = runtime
        .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    let shared = Arc::new(token_registry::Shared {
        realm: format!("http://{addr}/token"),
        authorized_pages: AtomicUsize::new(0),
    });
    let app = token_registry::app(shared.clone());
    runtime.spawn(async move { axum::serve(listener, app).await });

    let image = ImageRef::parse(&format!("{addr}/ml/api"));
    let anonymous = RegistryClient::new(RegistryCredentials::none());
    let err = anonymous
        .list_tags(&image)
        .expect_err("the token needs credentials");
    assert!(err.to_string().contains("token request"), "{err}");

    let dir = tempfile::tempdir().expect("tempdir");
    let password = dir.path().join("password");
    std::fs::write(&password, "s3cret\n").expect("write");
    let password = password.to_string_lossy().into_owned();
    let credentials = RegistryCredentials::from_lookup(|key| match key {
        "CONVERGE_REGISTRY_USERNAME" => Some("bot".into()),
        "CONVERGE_REGISTRY_PASSWORD_FILE" => Some(password.clone()),
        _ => None,
    })
    .expect("credentials");
    assert!(!format!("{credentials:?}").contains("s3cret"));
    let client = RegistryClient::new(credentials).with_page_size(2);
    let tags = client.list_tags(&image).expect("list tags");
    assert_eq!(tags, TAGS.iter().map(|t| t.to_string()).collect::<Vec<_>>());
    assert_eq!(
        shared.authorized_pages.load(Ordering::SeqCst),
        2,
        "two pages of two"
    );
}

//! The running server: shared state, the axum router, fault injection and request counters,
//! and the `Sandbox` handle that tests and the CLI hold.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::Path;
use std::sync::{Arc, Mutex, RwLock};
use std::time::Duration;

use axum::Router;
use axum::extract::{Request, State};
use axum::response::{IntoResponse, Response};
use regex::Regex;
use tokio::sync::watch;
use tokio::task::JoinHandle;

use super::catalog::Catalog;
use super::config::{FaultConfig, SandboxConfig};
use super::error::SandboxError;
use super::request::{self, Route};
use super::status::ApiError;
use super::store::Store;
use super::{controllers, discovery, handlers, kubeconfig, openapi, persist};

/// Request counters, so tests can assert e.g. that a no-op sync made no API writes.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RequestStats {
    /// Every request, discovery included.
    pub total: u64,
    /// Resource requests by verb: get, list, watch, create, update, patch, apply, delete,
    /// deletecollection.
    pub by_verb: BTreeMap<String, u64>,
    /// Client requests that persisted a change (not dry runs, not no-op writes, not the
    /// simulated controllers' status writes).
    pub writes: u64,
    /// Requests answered with an injected fault.
    pub faults: u64,
}

impl RequestStats {
    pub fn verb(&self, verb: &str) -> u64 {
        self.by_verb.get(verb).copied().unwrap_or(0)
    }
}

/// Everything the handlers share.
pub struct AppState {
    pub store: Store,
    pub catalog: RwLock<Catalog>,
    pub faults: RwLock<FaultConfig>,
    pub stats: Mutex<RequestStats>,
    /// Serializes read-modify-write cycles, so a write never races another.
    pub write_lock: tokio::sync::Mutex<()>,
    pub failure: Regex,
    pub rollout_delay: Duration,
    pub addr: SocketAddr,
    /// Flips to true on shutdown; watch streams end on it.
    pub closing: watch::Receiver<bool>,
}

impl AppState {
    pub fn catalog(&self) -> std::sync::RwLockReadGuard<'_, Catalog> {
        // Catalog updates are single assignments: a poisoned lock still holds a valid catalog.
        self.catalog.read().unwrap_or_else(|p| p.into_inner())
    }

    pub fn catalog_mut(&self) -> std::sync::RwLockWriteGuard<'_, Catalog> {
        self.catalog.write().unwrap_or_else(|p| p.into_inner())
    }

    pub fn faults(&self) -> FaultConfig {
        self.faults
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    pub fn count(&self, f: impl FnOnce(&mut RequestStats)) {
        f(&mut self.stats.lock().unwrap_or_else(|p| p.into_inner()));
    }

    pub fn count_write(&self) {
        self.count(|s| s.writes += 1);
    }
}

/// A running sandbox API server.
pub struct Sandbox {
    state: Arc<AppState>,
    url: String,
    client: kube::Client,
    close: watch::Sender<bool>,
    server: JoinHandle<()>,
    background: Vec<JoinHandle<()>>,
    persister: Option<persist::Persister>,
}

impl Sandbox {
    /// Binds, loads persisted state, starts the controllers and serves in the background.
    pub async fn start(config: SandboxConfig) -> Result<Sandbox, SandboxError> {
        let failure =
            Regex::new(&config.failure_pattern).map_err(|source| SandboxError::FailurePattern {
                pattern: config.failure_pattern.clone(),
                source,
            })?;
        let listener = tokio::net::TcpListener::bind(config.listen)
            .await
            .map_err(|source| SandboxError::Bind {
                addr: config.listen,
                source,
            })?;
        let addr = listener.local_addr().map_err(|source| SandboxError::Bind {
            addr: config.listen,
            source,
        })?;
        let url = format!("http://{addr}");
        let client = make_client(&url)?;
        let (close, closing) = watch::channel(false);
        let state = Arc::new(AppState {
            store: Store::new(),
            catalog: RwLock::new(Catalog::new()),
            faults: RwLock::new(config.faults.clone()),
            stats: Mutex::new(RequestStats::default()),
            write_lock: tokio::sync::Mutex::new(()),
            failure,
            rollout_delay: config.rollout_delay,
            addr,
            closing: closing.clone(),
        });
        let loaded = match &config.state_dir {
            Some(dir) => persist::load(&state, dir)?,
            None => false,
        };
        if !loaded {
            handlers::bootstrap(&state);
        }
        let persister = config
            .state_dir
            .as_ref()
            .map(|dir| persist::Persister::start(state.clone(), dir.clone()));
        let background = vec![controllers::start(state.clone())];

        let router = Router::new().fallback(entry).with_state(state.clone());
        let mut shutdown = closing.clone();
        let server = tokio::spawn(async move {
            let serve = axum::serve(listener, router).with_graceful_shutdown(async move {
                // Either the flag flips or the sender is gone: both mean stop.
                let _ = shutdown.wait_for(|c| *c).await;
            });
            if let Err(err) = serve.await {
                tracing::error!(error = %err, "sandbox server stopped");
            }
        });
        Ok(Sandbox {
            state,
            url,
            client,
            close,
            server,
            background,
            persister,
        })
    }

    pub fn url(&self) -> String {
        self.url.clone()
    }

    pub fn addr(&self) -> SocketAddr {
        self.state.addr
    }

    pub fn client(&self) -> kube::Client {
        self.client.clone()
    }

    pub fn kubeconfig_yaml(&self) -> String {
        kubeconfig::render(&self.url)
    }

    pub fn write_kubeconfig(&self, path: &Path) -> Result<(), SandboxError> {
        std::fs::write(path, self.kubeconfig_yaml()).map_err(|source| {
            SandboxError::KubeconfigWrite {
                path: path.to_path_buf(),
                source,
            }
        })
    }

    pub fn set_faults(&self, faults: FaultConfig) {
        *self.state.faults.write().unwrap_or_else(|p| p.into_inner()) = faults;
    }

    pub fn stats(&self) -> RequestStats {
        self.state
            .stats
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    /// Forgets the watch history: watches resuming from any older resourceVersion get
    /// 410 Expired (to test clients' relist paths).
    pub fn compact_history(&self) {
        self.state.store.compact();
    }

    /// The current global resourceVersion.
    pub fn resource_version(&self) -> u64 {
        self.state.store.current_rv()
    }

    /// Stops serving (watch streams end), flushes persisted state and waits for the tasks.
    pub async fn shutdown(self) {
        // Receivers may already be gone; stopping is all that matters.
        let _ = self.close.send(true);
        for task in &self.background {
            task.abort();
        }
        if tokio::time::timeout(Duration::from_secs(5), self.server)
            .await
            .is_err()
        {
            tracing::warn!("sandbox server did not stop within 5s");
        }
        if let Some(p) = self.persister {
            p.stop().await;
        }
    }
}

fn make_client(url: &str) -> Result<kube::Client, SandboxError> {
    let uri: http::Uri = url
        .parse()
        .map_err(|e: http::uri::InvalidUri| SandboxError::Client {
            url: url.to_string(),
            message: e.to_string(),
        })?;
    kube::Client::try_from(kube::Config::new(uri)).map_err(|e| SandboxError::Client {
        url: url.to_string(),
        message: e.to_string(),
    })
}

async fn entry(State(state): State<Arc<AppState>>, req: Request) -> Response {
    state.count(|s| s.total += 1);
    let (parts, body) = req.into_parts();
    let (method, uri) = (parts.method.clone(), parts.uri.clone());
    let response = match request::route(parts.uri.path()) {
        Route::Version => discovery::version(),
        Route::Health => "ok".into_response(),
        Route::Api => discovery::api(&state, &parts.headers),
        Route::Apis => discovery::apis(&state, &parts.headers),
        Route::Group(g) => discovery::group(&state, &g),
        Route::GroupVersion(g, v) => discovery::resources(&state, &g, &v),
        Route::OpenApiV3Root => openapi::root(&state),
        Route::OpenApiV3(g, v) => openapi::document(&state, &g, &v),
        Route::Resource(path) => match inject_fault(&state).await {
            Some(fault) => fault.into_response(),
            None => handlers::resource(state, parts, body, path).await,
        },
        Route::NotFound => ApiError::path_not_found().into_response(),
    };
    // Method, URL and code only: bodies may hold Secret data.
    tracing::debug!(%method, %uri, code = response.status().as_u16(), "sandbox request");
    response
}

/// Latency and random failures, for resource requests only.
async fn inject_fault(state: &AppState) -> Option<ApiError> {
    let faults = state.faults();
    if !faults.latency.is_zero() {
        tokio::time::sleep(faults.latency).await;
    }
    if faults.error_rate > 0.0 && rand::random::<f64>() < faults.error_rate {
        state.count(|s| s.faults += 1);
        return Some(ApiError::fault(
            faults.error_status,
            faults.retry_after_seconds,
        ));
    }
    None
}

//! The controller's HTTP side: probes (`/healthz`, `/readyz`), Prometheus `/metrics`, the
//! read-only status API (`/api/environments`, `/api/environments/{name}`) and push webhooks
//! (`POST /hooks/github|gitlab|generic`). Webhook bodies are bounded; unsigned or wrongly
//! signed requests get 401 before their payload is looked at; accepted ones only poke the
//! fetch loop (coalesced), so a flood costs nothing but HMACs.

use std::net::SocketAddr;
use std::sync::Arc;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde_json::json;
use tokio::net::TcpListener;
use tokio::sync::Notify;

use super::config::WebhookSecret;
use super::error::ControllerError;
use super::metrics::{Metrics, WebhookLabel};
use super::status::StatusBoard;
use super::stop::StopSignal;
use super::webhook::{self, Provider, Verdict};

/// Webhook payloads larger than this are refused (413): push payloads are a few KB, and
/// GitHub caps them at 25 MB; nothing in them is needed beyond the ref.
pub const MAX_WEBHOOK_BODY: usize = 1 << 20;

/// What the handlers share.
pub struct HttpState {
    pub status: Arc<StatusBoard>,
    pub metrics: Arc<Metrics>,
    pub secret: Option<WebhookSecret>,
    /// The followed branch (webhooks for other refs are acknowledged and ignored).
    pub branch: Option<String>,
    pub fetch_now: Arc<Notify>,
}

pub fn router(state: Arc<HttpState>) -> Router {
    Router::new()
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
        .route("/metrics", get(metrics))
        .route("/api/environments", get(environments))
        .route("/api/environments/{name}", get(environment))
        .route("/hooks/{provider}", post(hook))
        .layer(DefaultBodyLimit::max(MAX_WEBHOOK_BODY))
        .with_state(state)
}

/// Binds `addr` (so the caller learns the port at once) and serves until `stop`.
pub async fn serve(
    addr: SocketAddr,
    state: Arc<HttpState>,
    stop: StopSignal,
) -> Result<(SocketAddr, tokio::task::JoinHandle<()>), ControllerError> {
    let listener = TcpListener::bind(addr)
        .await
        .map_err(|source| ControllerError::Listen { addr, source })?;
    let local = listener
        .local_addr()
        .map_err(|source| ControllerError::Listen { addr, source })?;
    let app = router(state);
    let task = tokio::spawn(async move {
        let shutdown = async move { stop.stopped().await };
        if let Err(error) = axum::serve(listener, app)
            .with_graceful_shutdown(shutdown)
            .await
        {
            tracing::error!(%error, "the HTTP server failed");
        }
    });
    Ok((local, task))
}

async fn healthz() -> &'static str {
    "ok\n"
}

async fn readyz(State(state): State<Arc<HttpState>>) -> Response {
    let controller = state.status.controller();
    if controller.ready {
        (StatusCode::OK, "ready\n").into_response()
    } else {
        let why = controller
            .fetch_error
            .unwrap_or_else(|| "the repository has not been fetched yet".into());
        (
            StatusCode::SERVICE_UNAVAILABLE,
            format!("not ready: {why}\n"),
        )
            .into_response()
    }
}

async fn metrics(State(state): State<Arc<HttpState>>) -> Response {
    (
        [(
            header::CONTENT_TYPE,
            "application/openmetrics-text; version=1.0.0; charset=utf-8",
        )],
        state.metrics.encode(),
    )
        .into_response()
}

async fn environments(State(state): State<Arc<HttpState>>) -> Response {
    axum::Json(state.status.to_json()).into_response()
}

async fn environment(State(state): State<Arc<HttpState>>, Path(name): Path<String>) -> Response {
    match state.status.env(&name) {
        Some(env) => axum::Json(env).into_response(),
        None => (
            StatusCode::NOT_FOUND,
            axum::Json(json!({"error": format!("no environment named {name:?}")})),
        )
            .into_response(),
    }
}

fn count(state: &HttpState, provider: &str, result: &str) {
    state
        .metrics
        .webhooks
        .get_or_create(&WebhookLabel {
            provider: provider.to_string(),
            result: result.to_string(),
        })
        .inc();
}

async fn hook(
    State(state): State<Arc<HttpState>>,
    Path(provider): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let Some(provider) = Provider::from_path(&provider) else {
        return (
            StatusCode::NOT_FOUND,
            "unknown webhook provider (github, gitlab, generic)\n",
        )
            .into_response();
    };
    let Some(secret) = &state.secret else {
        count(&state, provider.name(), "rejected");
        return (
            StatusCode::NOT_FOUND,
            "webhooks are not enabled (start with --webhook-secret-file)\n",
        )
            .into_response();
    };
    let lookup = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    if let Err(rejection) = webhook::verify(provider, secret.bytes(), lookup, &body) {
        count(&state, provider.name(), "rejected");
        tracing::warn!(
            provider = provider.name(),
            reason = rejection.reason(),
            "webhook rejected"
        );
        return (
            StatusCode::UNAUTHORIZED,
            format!("{}\n", rejection.reason()),
        )
            .into_response();
    }
    let event = lookup("x-github-event").or_else(|| lookup("x-gitlab-event"));
    let branch = state.branch.as_deref().unwrap_or("");
    let verdict = if state.branch.is_some() {
        webhook::classify(provider, event, &body, branch)
    } else {
        Verdict::Fetch
    };
    match verdict {
        Verdict::Fetch => {
            count(&state, provider.name(), "accepted");
            tracing::info!(provider = provider.name(), "webhook: fetching now");
            state.fetch_now.notify_one();
            (
                StatusCode::ACCEPTED,
                axum::Json(json!({"fetch": "scheduled"})),
            )
                .into_response()
        }
        Verdict::Ignore(why) => {
            count(&state, provider.name(), "ignored");
            (StatusCode::OK, axum::Json(json!({"ignored": why}))).into_response()
        }
    }
}

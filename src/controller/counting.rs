//! A `kube::Client` per environment that counts its requests (by HTTP method) in the
//! environment's metrics, so that "a commit that touched only staging made no API call for
//! production" is visible on `/metrics`. All of them share the base client's connections.

use std::sync::Arc;
use std::task::{Context, Poll};

use futures::future::BoxFuture;
use http::{Request, Response};
use kube::client::Body;

use super::metrics::{EnvVerb, Metrics};

/// Wraps the base client, counting each request.
#[derive(Clone)]
struct Counting {
    inner: kube::Client,
    environment: Arc<str>,
    metrics: Arc<Metrics>,
}

impl tower_service::Service<Request<Body>> for Counting {
    type Response = Response<Body>;
    type Error = kube::Error;
    type Future = BoxFuture<'static, Result<Response<Body>, kube::Error>>;

    fn poll_ready(&mut self, _cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        // The inner client buffers; readiness is checked when it sends.
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, request: Request<Body>) -> Self::Future {
        let label = EnvVerb {
            environment: self.environment.to_string(),
            verb: request.method().as_str().to_string(),
        };
        self.metrics.api_requests.get_or_create(&label).inc();
        let inner = self.inner.clone();
        Box::pin(async move { inner.send(request).await })
    }
}

/// A client for `environment` whose requests go through `base` and are counted.
pub fn client_for(base: &kube::Client, environment: &str, metrics: &Arc<Metrics>) -> kube::Client {
    let service = Counting {
        inner: base.clone(),
        environment: Arc::from(environment),
        metrics: Arc::clone(metrics),
    };
    kube::Client::new(service, base.default_namespace().to_string())
}

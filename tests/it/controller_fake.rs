//! A stand-in for the sync pipeline, for tests of the controller's loop: applies every
//! object with server-side apply (manager `converge`, labelled with the environment's
//! ApplySet id), never prunes, and calls an environment unhealthy when one of its images
//! has "broken" in its tag. It records every call, with who made it and when, so tests can
//! check which replica acted.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use base64::Engine;
use converge::controller::{
    ApplySet, EnvironmentSync, ObjectKey, ObjectRef, SyncFailure, SyncOutcome, SyncRequest,
    Unhealthy, Verdict,
};
use converge::environment::Environment;
use futures::future::BoxFuture;
use kube::Api;
use kube::api::{ApiResource, DynamicObject, GroupVersionKind, Patch, PatchParams};
use kube::discovery::{ApiCapabilities, Scope};
use serde_json::Value;
use sha2::{Digest, Sha256};

/// One call the fake served.
#[derive(Debug, Clone)]
pub struct Call {
    pub who: String,
    pub what: &'static str,
    pub environment: String,
    pub started: Instant,
    pub ended: Instant,
}

#[derive(Default)]
pub struct FakeSync {
    pub who: String,
    pub calls: Arc<Mutex<Vec<Call>>>,
    resources: Mutex<HashMap<String, (ApiResource, ApiCapabilities)>>,
}

impl FakeSync {
    pub fn new(who: &str, calls: Arc<Mutex<Vec<Call>>>) -> FakeSync {
        FakeSync {
            who: who.to_string(),
            calls,
            resources: Mutex::new(HashMap::new()),
        }
    }

    pub fn calls(&self) -> Vec<Call> {
        self.calls.lock().map(|c| c.clone()).unwrap_or_default()
    }

    fn record(&self, what: &'static str, environment: &str, started: Instant) {
        if let Ok(mut calls) = self.calls.lock() {
            calls.push(Call {
                who: self.who.clone(),
                what,
                environment: environment.to_string(),
                started,
                ended: Instant::now(),
            });
        }
    }

    async fn api(
        &self,
        client: &kube::Client,
        object: &Value,
        default_ns: &str,
    ) -> Result<(Api<DynamicObject>, String), SyncFailure> {
        let api_version = object["apiVersion"].as_str().unwrap_or("");
        let kind = object["kind"].as_str().unwrap_or("");
        let (group, version) = api_version.split_once('/').unwrap_or(("", api_version));
        let key = format!("{api_version}/{kind}");
        let cached = self
            .resources
            .lock()
            .ok()
            .and_then(|m| m.get(&key).cloned());
        let (resource, caps) = match cached {
            Some(found) => found,
            None => {
                let gvk = GroupVersionKind::gvk(group, version, kind);
                let found = kube::discovery::pinned_kind(client, &gvk)
                    .await
                    .map_err(|e| failure("discovery", e))?;
                if let Ok(mut m) = self.resources.lock() {
                    m.insert(key, found.clone());
                }
                found
            }
        };
        let name = object["metadata"]["name"]
            .as_str()
            .unwrap_or("")
            .to_string();
        let api = match caps.scope {
            Scope::Cluster => Api::all_with(client.clone(), &resource),
            Scope::Namespaced => {
                let ns = object["metadata"]["namespace"]
                    .as_str()
                    .unwrap_or(default_ns);
                Api::namespaced_with(client.clone(), ns, &resource)
            }
        };
        Ok((api, name))
    }

    async fn apply(
        &self,
        client: &kube::Client,
        env: &Environment,
        objects: &[Value],
        force: bool,
    ) -> Result<usize, SyncFailure> {
        let id = self.applyset(env).id;
        let mut written = 0;
        for object in objects {
            let mut object = object.clone();
            object["metadata"]["labels"]["applyset.kubernetes.io/part-of"] =
                Value::String(id.clone());
            let (api, name) = self
                .api(client, &object, &env.spec.target.namespace)
                .await?;
            let before = api.get_opt(&name).await.map_err(|e| failure("apply", e))?;
            let mut params = PatchParams::apply("converge");
            if force {
                params = params.force();
            }
            let after = api
                .patch(&name, &params, &Patch::Apply(&object))
                .await
                .map_err(|e| failure("apply", e))?;
            if before.map(|b| b.metadata.resource_version) != Some(after.metadata.resource_version)
            {
                written += 1;
            }
        }
        Ok(written)
    }
}

fn failure(stage: &str, e: impl std::fmt::Display) -> SyncFailure {
    SyncFailure {
        stage: stage.to_string(),
        message: e.to_string(),
    }
}

/// Whether every field of `desired` is in `live` with the same value.
fn contained(desired: &Value, live: &Value) -> bool {
    match (desired, live) {
        (Value::Object(d), Value::Object(l)) => d
            .iter()
            .all(|(k, v)| l.get(k).is_some_and(|lv| contained(v, lv))),
        (Value::Array(d), Value::Array(l)) => {
            d.len() == l.len() && d.iter().zip(l).all(|(a, b)| contained(a, b))
        }
        (d, l) => d == l,
    }
}

fn images(object: &Value) -> Vec<String> {
    object
        .pointer("/spec/template/spec/containers")
        .and_then(Value::as_array)
        .map(|cs| {
            cs.iter()
                .filter_map(|c| c["image"].as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}

impl EnvironmentSync for FakeSync {
    fn sync<'a>(
        &'a self,
        request: SyncRequest<'a>,
    ) -> BoxFuture<'a, Result<SyncOutcome, SyncFailure>> {
        Box::pin(async move {
            let started = Instant::now();
            let env = request.environment;
            let objects = request.rendered.objects();
            let applied = self
                .apply(request.client, env, &objects, env.spec.sync.force_conflicts)
                .await;
            self.record("sync", &env.metadata.name, started);
            let applied = applied?;
            if request.stop.is_stopped() {
                return Ok(SyncOutcome {
                    applied,
                    unchanged: objects.len() - applied,
                    pruned: 0,
                    verdict: Verdict::Abandoned,
                });
            }
            let broken: Vec<Unhealthy> = objects
                .iter()
                .filter(|o| images(o).iter().any(|i| i.contains("broken")))
                .map(|o| Unhealthy {
                    object: ObjectKey::of(o).map(|k| k.to_string()).unwrap_or_default(),
                    status: "Failed".into(),
                    message:
                        "Progressing=False ProgressDeadlineExceeded: the image cannot be pulled"
                            .into(),
                })
                .collect();
            Ok(SyncOutcome {
                applied,
                unchanged: objects.len() - applied,
                pruned: 0,
                verdict: if broken.is_empty() {
                    Verdict::Healthy
                } else {
                    Verdict::Unhealthy { objects: broken }
                },
            })
        })
    }

    fn drifted<'a>(
        &'a self,
        client: &'a kube::Client,
        environment: &'a Environment,
        objects: &'a [Value],
    ) -> BoxFuture<'a, Result<Vec<ObjectKey>, SyncFailure>> {
        Box::pin(async move {
            let started = Instant::now();
            let mut drifted = Vec::new();
            for object in objects {
                let (api, name) = self
                    .api(client, object, &environment.spec.target.namespace)
                    .await?;
                let live = api.get_opt(&name).await.map_err(|e| failure("diff", e))?;
                let same = match live {
                    Some(live) => {
                        let live = serde_json::to_value(&live).map_err(|e| failure("diff", e))?;
                        let mut desired = object.clone();
                        desired["metadata"]
                            .as_object_mut()
                            .map(|m| m.remove("namespace"));
                        contained(&desired, &live)
                    }
                    None => false,
                };
                if !same && let Some(key) = ObjectKey::of(object) {
                    drifted.push(key);
                }
            }
            self.record("drifted", &environment.metadata.name, started);
            Ok(drifted)
        })
    }

    fn heal<'a>(
        &'a self,
        client: &'a kube::Client,
        environment: &'a Environment,
        objects: &'a [Value],
    ) -> BoxFuture<'a, Result<usize, SyncFailure>> {
        Box::pin(async move {
            let started = Instant::now();
            let written = self.apply(client, environment, objects, true).await;
            self.record("heal", &environment.metadata.name, started);
            written
        })
    }

    fn applyset(&self, environment: &Environment) -> ApplySet {
        let name = format!("converge-{}", environment.metadata.name);
        let namespace = environment.spec.target.namespace.clone();
        let digest = Sha256::digest(format!("{name}.{namespace}.Secret.").as_bytes());
        let id = format!(
            "applyset-{}-v1",
            base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(digest)
        );
        ApplySet {
            id,
            parent: ObjectRef {
                api_version: "v1".into(),
                kind: "Secret".into(),
                namespace,
                name,
            },
        }
    }
}

//! The operations of the reconcile core: get, list (paged, by label), server-side apply
//! (optionally dry-run) and delete (with a UID precondition).

use std::sync::atomic::Ordering;

use http::Method;
use serde_json::{Value, json};

use super::error::ClusterError;
use super::request::{Call, encode, send};
use super::{Cluster, Resource};

/// converge's server-side apply field manager.
pub const FIELD_MANAGER: &str = "converge";

/// How to apply.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApplyParams {
    pub field_manager: String,
    /// Take ownership of fields other managers own.
    pub force: bool,
    /// `dryRun=All`: the server runs everything but persists nothing.
    pub dry_run: bool,
}

impl Default for ApplyParams {
    fn default() -> Self {
        ApplyParams {
            field_manager: FIELD_MANAGER.to_string(),
            force: false,
            dry_run: false,
        }
    }
}

/// What a delete did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Deleted {
    /// Deleted (or deletion started, for objects with finalizers).
    Deleted,
    /// It was already gone.
    Gone,
}

fn target(resource: &Resource, namespace: Option<&str>, name: &str) -> String {
    let gk = crate::diff::group_kind(&resource.group, &resource.kind);
    match namespace.filter(|_| resource.namespaced) {
        Some(ns) => format!("{gk} {ns}/{name}"),
        None => format!("{gk} {name}"),
    }
}

impl Cluster {
    async fn call(&self, call: Call<'_>) -> Result<Value, ClusterError> {
        self.requests.fetch_add(1, Ordering::Relaxed);
        let before = self.retries.load(Ordering::Relaxed);
        let reply = send(&self.client, &self.retry, &self.retries, &call).await;
        let retried = self.retries.load(Ordering::Relaxed).saturating_sub(before);
        self.requests.fetch_add(retried, Ordering::Relaxed);
        let reply = reply?;
        if reply.body.is_empty() {
            return Ok(Value::Null);
        }
        serde_json::from_slice(&reply.body).map_err(|e| ClusterError::Decode {
            verb: call.verb,
            target: call.target.to_string(),
            message: format!("{e} (HTTP {})", reply.code),
        })
    }

    /// The object, or `None` when it does not exist.
    pub async fn get(
        &self,
        resource: &Resource,
        namespace: Option<&str>,
        name: &str,
    ) -> Result<Option<Value>, ClusterError> {
        let what = target(resource, namespace, name);
        let result = self
            .call(Call {
                verb: "get",
                target: &what,
                method: Method::GET,
                uri: resource.object_path(namespace, name),
                content_type: None,
                body: Vec::new(),
            })
            .await;
        match result {
            Ok(object) => Ok(Some(object)),
            Err(e) if e.is_not_found() => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// Every object of `resource` in `namespace` (all namespaces when `None`), optionally
    /// matching a label selector; pages through `continue` tokens. Items get their
    /// `apiVersion` and `kind`, which lists leave out.
    pub async fn list(
        &self,
        resource: &Resource,
        namespace: Option<&str>,
        label_selector: Option<&str>,
    ) -> Result<Vec<Value>, ClusterError> {
        let what = match namespace.filter(|_| resource.namespaced) {
            Some(ns) => format!("{} in {ns}", resource.plural),
            None => resource.plural.clone(),
        };
        let mut items = Vec::new();
        let mut token: Option<String> = None;
        loop {
            let mut uri = format!("{}?limit=500", resource.collection_path(namespace));
            if let Some(selector) = label_selector {
                uri.push_str(&format!("&labelSelector={}", encode(selector)));
            }
            if let Some(t) = &token {
                uri.push_str(&format!("&continue={}", encode(t)));
            }
            let mut page = self
                .call(Call {
                    verb: "list",
                    target: &what,
                    method: Method::GET,
                    uri,
                    content_type: None,
                    body: Vec::new(),
                })
                .await?;
            if let Some(list) = page.get_mut("items").and_then(Value::as_array_mut) {
                for mut item in list.drain(..) {
                    if let Some(map) = item.as_object_mut() {
                        map.entry("apiVersion")
                            .or_insert_with(|| json!(resource.api_version()));
                        map.entry("kind").or_insert_with(|| json!(resource.kind));
                    }
                    items.push(item);
                }
            }
            token = page
                .pointer("/metadata/continue")
                .and_then(Value::as_str)
                .filter(|t| !t.is_empty())
                .map(String::from);
            if token.is_none() {
                return Ok(items);
            }
        }
    }

    /// Server-side apply of `object` (which carries its own namespace); returns the
    /// object as the server stored it (or would have, for a dry run).
    pub async fn apply(
        &self,
        resource: &Resource,
        object: &Value,
        params: &ApplyParams,
    ) -> Result<Value, ClusterError> {
        let name = object
            .pointer("/metadata/name")
            .and_then(Value::as_str)
            .unwrap_or("");
        let namespace = object
            .pointer("/metadata/namespace")
            .and_then(Value::as_str);
        let what = target(resource, namespace, name);
        let mut uri = format!(
            "{}?fieldManager={}&fieldValidation=Strict&force={}",
            resource.object_path(namespace, name),
            encode(&params.field_manager),
            params.force
        );
        if params.dry_run {
            uri.push_str("&dryRun=All");
        }
        let body = serde_json::to_vec(object).map_err(|e| ClusterError::Request {
            verb: "apply",
            target: what.clone(),
            message: e.to_string(),
        })?;
        self.call(Call {
            verb: if params.dry_run {
                "dry-run apply"
            } else {
                "apply"
            },
            target: &what,
            method: Method::PATCH,
            uri,
            content_type: Some("application/apply-patch+yaml"),
            body,
        })
        .await
    }

    /// Deletes one object in the background, only if its UID is still `uid` (so an object
    /// recreated under the same name since it was listed is never deleted by mistake).
    pub async fn delete(
        &self,
        resource: &Resource,
        namespace: Option<&str>,
        name: &str,
        uid: Option<&str>,
    ) -> Result<Deleted, ClusterError> {
        let what = target(resource, namespace, name);
        let mut options = json!({"kind": "DeleteOptions", "apiVersion": "v1",
            "propagationPolicy": "Background"});
        if let Some(uid) = uid {
            options["preconditions"] = json!({"uid": uid});
        }
        let result = self
            .call(Call {
                verb: "delete",
                target: &what,
                method: Method::DELETE,
                uri: resource.object_path(namespace, name),
                content_type: Some("application/json"),
                body: options.to_string().into_bytes(),
            })
            .await;
        match result {
            Ok(_) => Ok(Deleted::Deleted),
            Err(e) if e.is_not_found() => Ok(Deleted::Gone),
            Err(e) => Err(e),
        }
    }
}

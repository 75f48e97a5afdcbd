//! Watches through kube-rs's `watcher`: events for finalizer-held deletions, relisting after
//! 410 Expired, metadata-only watches and streaming lists (`sendInitialEvents`).

use std::time::Duration;

use converge::sandbox::FaultConfig;
use futures::{StreamExt, TryStreamExt};
use k8s_openapi::api::core::v1::ConfigMap;
use kube::api::{Api, DeleteParams, ListParams, Patch, PatchParams, PostParams};
use kube::runtime::watcher::{self, Event};
use serde_json::{Value, json};

use super::sandbox_support::Env;

fn cm(name: &str, labels: Value) -> ConfigMap {
    serde_json::from_value(json!({"apiVersion": "v1", "kind": "ConfigMap",
        "metadata": {"name": name, "labels": labels}, "data": {"k": "v"}}))
    .expect("a ConfigMap")
}

fn api_code(err: kube::Error) -> u16 {
    match err {
        kube::Error::Api(s) => s.code,
        other => panic!("expected an API error, got {other}"),
    }
}

#[tokio::test]
async fn kube_delete_with_finalizers_and_watch_events() {
    let env = Env::start().await;
    let api: Api<ConfigMap> = Api::namespaced(env.sandbox.client(), "default");
    let mut events = watcher::watcher(api.clone(), watcher::Config::default()).boxed();
    while !matches!(
        events.try_next().await.expect("watch"),
        Some(Event::InitDone)
    ) {}
    let mut held = cm("held", json!({}));
    held.metadata.finalizers = Some(vec!["example.com/hold".into()]);
    api.create(&PostParams::default(), &held)
        .await
        .expect("created");
    let deleted = api
        .delete("held", &DeleteParams::default())
        .await
        .expect("delete accepted");
    let marked = deleted
        .left()
        .expect("the object stays while finalizers remain");
    assert!(marked.metadata.deletion_timestamp.is_some());
    let unblock = json!({"metadata": {"finalizers": null}});
    api.patch("held", &PatchParams::default(), &Patch::Merge(&unblock))
        .await
        .expect("finalizers removed");
    let err = api.get("held").await.expect_err("gone");
    assert_eq!(api_code(err), 404);
    let mut saw_delete = false;
    let drain = async {
        while let Some(ev) = events.try_next().await.expect("watch") {
            if let Event::Delete(c) = ev {
                saw_delete = c.metadata.name.as_deref() == Some("held");
                break;
            }
        }
    };
    tokio::time::timeout(Duration::from_secs(10), drain)
        .await
        .expect("a DELETED event");
    assert!(saw_delete);
    let plain = api
        .create(&PostParams::default(), &cm("plain", json!({})))
        .await
        .expect("created");
    let status = api
        .delete("plain", &DeleteParams::default())
        .await
        .expect("deleted")
        .right()
        .expect("a Status");
    assert_eq!(status.details.map(|d| d.uid), plain.metadata.uid);
}

#[tokio::test]
async fn kube_watcher_relists_after_expired() {
    let env = Env::start().await;
    let api: Api<ConfigMap> = Api::namespaced(env.sandbox.client(), "default");
    let mut events = watcher::watcher(api.clone(), watcher::Config::default()).boxed();
    loop {
        if let Some(Event::InitDone) = events.try_next().await.expect("watch") {
            break;
        }
    }
    // Every watch now closes before delivering anything, so the watcher can only learn of
    // `late` by relisting, which it does once its resourceVersion has expired.
    env.sandbox.set_faults(FaultConfig {
        drop_watch_after_events: Some(0),
        ..FaultConfig::default()
    });
    api.create(&PostParams::default(), &cm("late", json!({})))
        .await
        .expect("created");
    env.sandbox.compact_history();
    let mut expired = false;
    let relisted = async {
        while let Some(ev) = events.next().await {
            match ev {
                Err(watcher::Error::WatchError(s)) if s.code == 410 => expired = true,
                Ok(Event::InitApply(c)) if c.metadata.name.as_deref() == Some("late") => {
                    return true;
                }
                _ => {}
            }
        }
        false
    };
    let ok = tokio::time::timeout(Duration::from_secs(20), relisted)
        .await
        .expect("relist within 20s");
    env.sandbox.set_faults(FaultConfig::default());
    assert!(ok && expired, "the watcher saw 410 Expired and relisted");
}

#[tokio::test]
async fn kube_metadata_watcher_and_streaming_list() {
    let env = Env::start().await;
    let api: Api<ConfigMap> = Api::namespaced(env.sandbox.client(), "default");
    api.create(&PostParams::default(), &cm("m1", json!({"a": "b"})))
        .await
        .expect("created");
    let metas = api
        .list_metadata(&ListParams::default())
        .await
        .expect("metadata list");
    assert_eq!(
        metas.items[0]
            .metadata
            .labels
            .as_ref()
            .and_then(|l| l.get("a"))
            .map(String::as_str),
        Some("b")
    );
    let meta_api: Api<kube::core::PartialObjectMeta<ConfigMap>> =
        Api::namespaced(env.sandbox.client(), "default");
    let mut meta_events = watcher::watcher(meta_api, watcher::Config::default()).boxed();
    let first = async {
        while let Some(ev) = meta_events.try_next().await.expect("metadata watch") {
            if let Event::InitApply(m) = ev {
                return m.metadata.name;
            }
        }
        None
    };
    assert_eq!(
        tokio::time::timeout(Duration::from_secs(10), first)
            .await
            .expect("event"),
        Some("m1".into())
    );
    let mut streamed =
        watcher::watcher(api.clone(), watcher::Config::default().streaming_lists()).boxed();
    let init = async {
        let mut seen = Vec::new();
        while let Some(ev) = streamed.try_next().await.expect("streaming list") {
            match ev {
                Event::InitApply(c) => seen.extend(c.metadata.name),
                Event::InitDone => return seen,
                _ => {}
            }
        }
        seen
    };
    let seen = tokio::time::timeout(Duration::from_secs(10), init)
        .await
        .expect("initial-events-end bookmark");
    assert_eq!(seen, ["m1"]);
}

//! The sandbox against kube-rs (the team's client): CRUD, selectors, paging,
//! optimistic concurrency, apply and dry run, deletion, events, leases,
//! namespaces, generation, Services and custom resources.

use std::time::Duration;

use futures::{StreamExt, TryStreamExt};
use k8s_openapi::api::apps::v1::Deployment;
use k8s_openapi::api::core::v1::{ConfigMap, Namespace, Service};
use kube::api::{Api, DeleteParams, ListParams, Patch, PatchParams, PostParams};
use kube::runtime::watcher::{self, Event};
use serde_json::{Value, json};

use super::sandbox_support::{Env, eventually};

fn cm(name: &str, labels: Value) -> ConfigMap {
    serde_json::from_value(json!({"apiVersion": "v1", "kind": "ConfigMap",
        "metadata": {"name": name, "labels": labels}, "data": {"k": "v"}}))
    .expect("a ConfigMap")
}

fn api_code(err: kube::Error) -> (u16, String, String) {
    match err {
        kube::Error::Api(s) => (s.code, s.reason.clone(), s.message.clone()),
        other => panic!("expected an API error, got {other}"),
    }
}

#[tokio::test]
async fn kube_create_list_selectors_and_paging() {
    let env = Env::start().await;
    let api: Api<ConfigMap> = Api::namespaced(env.sandbox.client(), "default");
    for (name, tier) in [
        ("a", "web"),
        ("b", "db"),
        ("c", "web"),
        ("d", "cache"),
        ("e", "web"),
    ] {
        api.create(&PostParams::default(), &cm(name, json!({"tier": tier})))
            .await
            .expect("created");
    }
    let dup = api
        .create(&PostParams::default(), &cm("a", json!({})))
        .await
        .expect_err("exists");
    assert_eq!(
        api_code(dup),
        (
            409,
            "AlreadyExists".into(),
            r#"configmaps "a" already exists"#.into()
        )
    );
    let names = |l: kube::core::ObjectList<ConfigMap>| {
        l.items
            .into_iter()
            .filter_map(|c| c.metadata.name)
            .collect::<Vec<_>>()
    };
    let web = api
        .list(&ListParams::default().labels("tier in (web,cache),tier!=cache"))
        .await
        .expect("lists");
    assert_eq!(names(web), ["a", "c", "e"]);
    let not_web = api
        .list(&ListParams::default().labels("tier notin (web)"))
        .await
        .expect("lists");
    assert_eq!(names(not_web), ["b", "d"]);
    let by_name = api
        .list(&ListParams::default().fields("metadata.name=d"))
        .await
        .expect("lists");
    assert_eq!(names(by_name), ["d"]);
    let page = api
        .list(&ListParams::default().limit(2))
        .await
        .expect("lists");
    let token = page.metadata.continue_.clone().expect("more pages");
    assert_eq!(page.metadata.remaining_item_count, Some(3));
    assert_eq!(names(page), ["a", "b"]);
    let rest = api
        .list(&ListParams::default().limit(10).continue_token(&token))
        .await
        .expect("lists");
    assert!(rest.metadata.continue_.as_deref().unwrap_or("").is_empty());
    assert_eq!(names(rest), ["c", "d", "e"]);
    env.sandbox.compact_history();
    api.create(&PostParams::default(), &cm("f", json!({})))
        .await
        .expect("created");
    env.sandbox.compact_history();
    let expired = api
        .list(&ListParams::default().limit(1).continue_token(&token))
        .await
        .expect_err("expired");
    assert_eq!(api_code(expired).0, 410);
    let all = Api::<ConfigMap>::all(env.sandbox.client())
        .list(&ListParams::default())
        .await
        .expect("lists");
    assert_eq!(all.items.len(), 6);
}

#[tokio::test]
async fn kube_update_with_stale_resource_version_conflicts() {
    let env = Env::start().await;
    let api: Api<ConfigMap> = Api::namespaced(env.sandbox.client(), "default");
    let created = api
        .create(&PostParams::default(), &cm("c", json!({})))
        .await
        .expect("created");
    let mut fresh = created.clone();
    fresh.data = Some([("k".to_string(), "new".to_string())].into());
    let updated = api
        .replace("c", &PostParams::default(), &fresh)
        .await
        .expect("replaced");
    assert_ne!(
        updated.metadata.resource_version,
        created.metadata.resource_version
    );
    let stale = api
        .replace("c", &PostParams::default(), &created)
        .await
        .expect_err("stale");
    let (code, reason, message) = api_code(stale);
    assert_eq!((code, reason.as_str()), (409, "Conflict"));
    assert_eq!(
        message,
        r#"Operation cannot be fulfilled on configmaps "c": the object has been modified; please apply your changes to the latest version and try again"#
    );
}

#[tokio::test]
async fn kube_apply_creates_dry_runs_and_noops_without_writes() {
    let env = Env::start().await;
    let api: Api<ConfigMap> = Api::namespaced(env.sandbox.client(), "default");
    let desired = json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "ap"}, "data": {"k": "v"}});
    let pp = PatchParams::apply("converge");
    let created = api
        .patch("ap", &pp, &Patch::Apply(&desired))
        .await
        .expect("create-on-apply");
    assert!(created.metadata.uid.is_some());
    let rv = created.metadata.resource_version.clone();
    let changed = json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "ap"}, "data": {"k": "w"}});
    let dry = api
        .patch(
            "ap",
            &PatchParams::apply("converge").dry_run(),
            &Patch::Apply(&changed),
        )
        .await
        .expect("dry run");
    assert_eq!(
        dry.data
            .as_ref()
            .and_then(|d| d.get("k"))
            .map(String::as_str),
        Some("w")
    );
    let live = api.get("ap").await.expect("exists");
    assert_eq!(
        live.metadata.resource_version, rv,
        "a dry run persists nothing"
    );
    let before = env.sandbox.stats();
    let again = api
        .patch("ap", &pp, &Patch::Apply(&desired))
        .await
        .expect("no-op apply");
    assert_eq!(again.metadata.resource_version, rv);
    let after = env.sandbox.stats();
    assert_eq!(after.writes, before.writes, "a no-op apply writes nothing");
    assert_eq!(after.verb("apply"), before.verb("apply") + 1);
    let missing_ns: Api<ConfigMap> = Api::namespaced(env.sandbox.client(), "nope");
    let err = missing_ns
        .patch("ap", &pp, &Patch::Apply(&desired))
        .await
        .expect_err("no namespace");
    assert_eq!(
        api_code(err),
        (
            404,
            "NotFound".into(),
            r#"namespaces "nope" not found"#.into()
        )
    );
}

#[tokio::test]
async fn namespaces_generation_and_services() {
    let env = Env::start().await;
    let client = env.sandbox.client();
    let ns: Api<Namespace> = Api::all(client.clone());
    let names: Vec<String> = ns
        .list(&ListParams::default())
        .await
        .expect("lists")
        .items
        .into_iter()
        .filter_map(|n| n.metadata.name)
        .collect();
    for want in ["default", "kube-system", "kube-public"] {
        assert!(names.iter().any(|n| n == want), "{want} exists at start");
    }
    ns.create(
        &PostParams::default(),
        &serde_json::from_value(json!({"metadata": {"name": "tmp"}})).expect("ns"),
    )
    .await
    .expect("created");
    let cms: Api<ConfigMap> = Api::namespaced(client.clone(), "tmp");
    cms.create(&PostParams::default(), &cm("inside", json!({})))
        .await
        .expect("created");
    ns.delete("tmp", &DeleteParams::default())
        .await
        .expect("deleted");
    eventually("namespace tmp to go", || async {
        ns.get_opt("tmp").await.expect("gets").is_none()
    })
    .await;
    assert!(
        cms.get_opt("inside").await.expect("gets").is_none(),
        "contents go with the namespace"
    );

    let deploys: Api<Deployment> = Api::namespaced(client.clone(), "default");
    let d = json!({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "g"},
        "spec": {"selector": {"matchLabels": {"a": "b"}}, "template": {"metadata": {"labels": {"a": "b"}},
            "spec": {"containers": [{"name": "c", "image": "nginx"}]}}}});
    let created = deploys
        .create(
            &PostParams::default(),
            &serde_json::from_value(d).expect("deployment"),
        )
        .await
        .expect("created");
    assert_eq!(created.metadata.generation, Some(1));
    let labelled = deploys
        .patch(
            "g",
            &PatchParams::default(),
            &Patch::Merge(json!({"metadata": {"labels": {"x": "y"}}})),
        )
        .await
        .expect("patched");
    assert_eq!(
        labelled.metadata.generation,
        Some(1),
        "metadata-only changes keep generation"
    );
    let scaled = deploys
        .patch(
            "g",
            &PatchParams::default(),
            &Patch::Merge(json!({"spec": {"replicas": 3}})),
        )
        .await
        .expect("patched");
    assert_eq!(scaled.metadata.generation, Some(2));
    eventually("the deployment to become available", || async {
        let d = deploys.get("g").await.expect("gets");
        d.status.and_then(|s| s.available_replicas) == Some(3)
    })
    .await;

    let svcs: Api<Service> = Api::namespaced(client, "default");
    let svc = json!({"metadata": {"name": "s"}, "spec": {"selector": {"a": "b"}, "ports": [{"port": 80}]}});
    let svc = svcs
        .create(
            &PostParams::default(),
            &serde_json::from_value(svc).expect("svc"),
        )
        .await
        .expect("created");
    let ip = svc.spec.and_then(|s| s.cluster_ip).expect("a cluster IP");
    assert!(ip.starts_with("10.96."), "{ip}");
}

#[tokio::test]
async fn kube_custom_resources_are_served_and_watched() {
    use k8s_openapi::apiextensions_apiserver::pkg::apis::apiextensions::v1::CustomResourceDefinition;
    use kube::core::{ApiResource, DynamicObject, GroupVersionKind};
    let env = Env::start().await;
    let client = env.sandbox.client();
    let crds: Api<CustomResourceDefinition> = Api::all(client.clone());
    let crd = json!({"apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition",
        "metadata": {"name": "gadgets.example.com"},
        "spec": {"group": "example.com", "scope": "Namespaced",
            "names": {"plural": "gadgets", "singular": "gadget", "kind": "Gadget"},
            "versions": [{"name": "v1", "served": true, "storage": true,
                "schema": {"openAPIV3Schema": {"type": "object", "x-kubernetes-preserve-unknown-fields": true}}}]}});
    crds.patch(
        "gadgets.example.com",
        &PatchParams::apply("test"),
        &Patch::Apply(&crd),
    )
    .await
    .expect("CRD applied");
    eventually("the CRD to be established", || async {
        let c = crds.get("gadgets.example.com").await.expect("gets");
        c.status
            .and_then(|s| s.conditions)
            .unwrap_or_default()
            .iter()
            .any(|c| c.type_ == "Established" && c.status == "True")
    })
    .await;
    let ar = ApiResource::from_gvk_with_plural(
        &GroupVersionKind::gvk("example.com", "v1", "Gadget"),
        "gadgets",
    );
    let gadgets: Api<DynamicObject> = Api::namespaced_with(client.clone(), "default", &ar);
    let mut events = watcher::watcher(gadgets.clone(), watcher::Config::default()).boxed();
    while !matches!(
        events.try_next().await.expect("watch"),
        Some(Event::InitDone)
    ) {}
    let g = json!({"apiVersion": "example.com/v1", "kind": "Gadget", "metadata": {"name": "g1"}, "spec": {"n": 1}});
    gadgets
        .patch("g1", &PatchParams::apply("test"), &Patch::Apply(&g))
        .await
        .expect("CR applied");
    let listed = gadgets.list(&ListParams::default()).await.expect("lists");
    assert_eq!(listed.items.len(), 1);
    let seen = async {
        while let Some(ev) = events.try_next().await.expect("watch") {
            if let Event::Apply(o) = ev {
                return o.metadata.name;
            }
        }
        None
    };
    assert_eq!(
        tokio::time::timeout(Duration::from_secs(10), seen)
            .await
            .expect("an event"),
        Some("g1".into())
    );
    let smp = gadgets
        .patch(
            "g1",
            &PatchParams::default(),
            &Patch::Strategic(json!({"spec": {"n": 2}})),
        )
        .await
        .expect_err("415");
    assert_eq!(
        api_code(smp).0,
        415,
        "strategic merge patch is refused for custom resources"
    );
    crds.delete("gadgets.example.com", &DeleteParams::default())
        .await
        .expect("deleted");
    let gone = gadgets
        .list(&ListParams::default())
        .await
        .expect_err("type gone");
    assert_eq!(api_code(gone).0, 404);
}

#[tokio::test]
async fn dry_run_on_every_write_persists_nothing() {
    let env = Env::start().await;
    let api: Api<ConfigMap> = Api::namespaced(env.sandbox.client(), "default");
    let live = api
        .create(&PostParams::default(), &cm("d", json!({})))
        .await
        .expect("created");
    let rv = env.sandbox.resource_version();
    let writes = env.sandbox.stats().writes;
    let dry = PostParams {
        dry_run: true,
        ..PostParams::default()
    };
    let created = api
        .create(&dry, &cm("new", json!({})))
        .await
        .expect("dry create");
    assert!(created.metadata.uid.is_some(), "the full pipeline ran");
    let mut changed = live.clone();
    changed.data = Some([("k".to_string(), "dry".to_string())].into());
    api.replace("d", &dry, &changed).await.expect("dry replace");
    let merge = json!({"data": {"k": "dry"}});
    api.patch(
        "d",
        &PatchParams::default().dry_run(),
        &Patch::Merge(&merge),
    )
    .await
    .expect("dry merge patch");
    api.delete("d", &DeleteParams::default().dry_run())
        .await
        .expect("dry delete");
    assert_eq!(
        env.sandbox.resource_version(),
        rv,
        "no resourceVersion consumed"
    );
    assert_eq!(env.sandbox.stats().writes, writes);
    assert!(api.get_opt("new").await.expect("gets").is_none());
    let still = api.get("d").await.expect("still there");
    assert_eq!(still.data, live.data);
}

#[tokio::test]
async fn put_creates_only_where_the_real_registry_does() {
    use k8s_openapi::api::coordination::v1::Lease;
    let env = Env::start().await;
    let leases: Api<Lease> = Api::namespaced(env.sandbox.client(), "default");
    let lease: Lease = serde_json::from_value(
        json!({"metadata": {"name": "leader"}, "spec": {"holderIdentity": "a"}}),
    )
    .expect("lease");
    let created = leases
        .replace("leader", &PostParams::default(), &lease)
        .await
        .expect("PUT creates a Lease");
    assert!(created.metadata.uid.is_some());
    let cms: Api<ConfigMap> = Api::namespaced(env.sandbox.client(), "default");
    let err = cms
        .replace("nope", &PostParams::default(), &cm("nope", json!({})))
        .await
        .expect_err("404");
    assert_eq!(api_code(err).0, 404);
}

#[tokio::test]
async fn kube_event_recorder_publishes() {
    use kube::Resource;
    use kube::runtime::events::{Event as KubeEvent, EventType, Recorder, Reporter};
    let env = Env::start().await;
    let client = env.sandbox.client();
    let api: Api<ConfigMap> = Api::namespaced(client.clone(), "default");
    let target = api
        .create(&PostParams::default(), &cm("parent", json!({})))
        .await
        .expect("created");
    let reporter = Reporter {
        controller: "converge".into(),
        instance: None,
    };
    let recorder = Recorder::new(client.clone(), reporter);
    let event = KubeEvent {
        type_: EventType::Normal,
        reason: "Synced".into(),
        note: Some("applied 3 objects".into()),
        action: "Sync".into(),
        secondary: None,
    };
    let reference = target.object_ref(&());
    recorder
        .publish(&event, &reference)
        .await
        .expect("published");
    recorder
        .publish(&event, &reference)
        .await
        .expect("published again (series)");
    let events: Api<k8s_openapi::api::events::v1::Event> = Api::namespaced(client, "default");
    let listed = events.list(&ListParams::default()).await.expect("lists");
    assert_eq!(listed.items.len(), 1);
    assert_eq!(listed.items[0].reason.as_deref(), Some("Synced"));
}

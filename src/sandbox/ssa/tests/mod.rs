//! End-to-end scenarios of the engine: the behaviours issue 3 and kube-api.md B1 require,
//! checked through the public API only.

use serde_json::{Value, json};

use super::*;

mod bench;
mod lists;
mod requests;
mod updates;

pub(super) const T0: &str = "2026-11-27T15:04:05Z";
pub(super) const T1: &str = "2026-11-27T15:05:00Z";

pub(super) fn deployment_schema() -> Schema {
    Schema::builtin("apps", "v1", "Deployment").expect("built-in Deployment")
}

pub(super) fn probe_deployment() -> Value {
    json!({"apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": {"name": "web", "namespace": "x", "labels": {"app": "web"}},
        "spec": {"replicas": 2, "selector": {"matchLabels": {"app": "web"}},
            "template": {"metadata": {"labels": {"app": "web"}},
                "spec": {"containers": [{"name": "nginx", "image": "nginx:1.25",
                    "ports": [{"containerPort": 80}]}]}}}})
}

pub(super) fn apply_opts<'a>(manager: &'a str, force: bool, now: &'a str) -> ApplyOptions<'a> {
    ApplyOptions {
        manager,
        force,
        api_version: "apps/v1",
        subresource: None,
        now,
        validation: FieldValidation::Strict,
    }
}

pub(super) fn update_opts<'a>(manager: &'a str, now: &'a str) -> UpdateOptions<'a> {
    UpdateOptions {
        manager,
        api_version: "apps/v1",
        subresource: None,
        now,
        validation: FieldValidation::Strict,
    }
}

pub(super) fn entry<'a>(obj: &'a Value, manager: &str) -> &'a Value {
    obj["metadata"]["managedFields"]
        .as_array()
        .and_then(|e| e.iter().find(|e| e["manager"] == manager))
        .unwrap_or(&Value::Null)
}

#[test]
fn probe_deployment_fields_v1() {
    let out = apply(
        &deployment_schema(),
        None,
        &probe_deployment(),
        &apply_opts("test", false, T0),
    )
    .expect("applies");
    assert!(out.changed);
    let e = entry(&out.object, "test");
    assert_eq!(e["operation"], "Apply");
    assert_eq!(e["apiVersion"], "apps/v1");
    assert_eq!(e["time"], T0);
    assert_eq!(e["fieldsType"], "FieldsV1");
    assert_eq!(
        e["fieldsV1"],
        json!({
            "f:metadata": {"f:labels": {"f:app": {}}},
            "f:spec": {"f:replicas": {}, "f:selector": {},
                "f:template": {"f:metadata": {"f:labels": {"f:app": {}}},
                    "f:spec": {"f:containers": {"k:{\"name\":\"nginx\"}": {
                        ".": {}, "f:image": {}, "f:name": {},
                        "f:ports": {"k:{\"containerPort\":80,\"protocol\":\"TCP\"}": {
                            ".": {}, "f:containerPort": {}}}}}}}}
        })
    );
    assert_eq!(
        out.object["metadata"]["managedFields"]
            .as_array()
            .map(Vec::len),
        Some(1)
    );
    // Defaults are filled but not owned.
    let spec = &out.object["spec"];
    assert_eq!(spec["strategy"]["type"], "RollingUpdate");
    assert_eq!(
        spec["template"]["spec"]["containers"][0]["ports"][0]["protocol"],
        "TCP"
    );
    assert_eq!(
        spec["template"]["spec"]["containers"][0]["imagePullPolicy"],
        "IfNotPresent"
    );
    assert_eq!(
        spec["template"]["metadata"]["creationTimestamp"],
        Value::Null
    );
    assert_eq!(out.object["status"], json!({}));
}

#[test]
fn conflict_with_update_manager_then_force_moves_ownership() {
    let schema = deployment_schema();
    let created = apply(
        &schema,
        None,
        &probe_deployment(),
        &apply_opts("test", false, T0),
    )
    .expect("create");
    // `kubectl patch --type=merge -p '{"spec":{"replicas":5}}'` as an Update manager.
    let mut patched = created.object.clone();
    patched["spec"]["replicas"] = json!(5);
    let patched = update(
        &schema,
        Some(&created.object),
        patched,
        &update_opts("kubectl-patch", T1),
    )
    .expect("patch");
    assert!(patched.changed);
    let e = entry(&patched.object, "kubectl-patch");
    assert_eq!(e["operation"], "Update");
    assert_eq!(e["fieldsV1"], json!({"f:spec": {"f:replicas": {}}}));
    // The applier lost replicas to the patcher.
    let applier = &entry(&patched.object, "test")["fieldsV1"]["f:spec"];
    assert!(applier.get("f:replicas").is_none());

    let mut other = probe_deployment();
    other["spec"]["replicas"] = json!(3);
    let err = apply(
        &schema,
        Some(&patched.object),
        &other,
        &apply_opts("other", false, T1),
    )
    .expect_err("conflicts");
    assert_eq!(err.http_status(), 409);
    assert_eq!(
        err.to_string(),
        "Apply failed with 1 conflict: conflict with \"kubectl-patch\" using apps/v1: .spec.replicas"
    );
    assert_eq!(
        err.status_body("apps", "Deployment", "web"),
        json!({"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
            "message": "Apply failed with 1 conflict: conflict with \"kubectl-patch\" using apps/v1: .spec.replicas",
            "reason": "Conflict",
            "details": {"causes": [{"reason": "FieldManagerConflict",
                "message": "conflict with \"kubectl-patch\" using apps/v1",
                "field": ".spec.replicas"}]},
            "code": 409})
    );

    let forced = apply(
        &schema,
        Some(&patched.object),
        &other,
        &apply_opts("other", true, T1),
    )
    .expect("force");
    assert_eq!(forced.object["spec"]["replicas"], 3);
    // kubectl-patch owned nothing else, so its entry is gone; `other` owns replicas.
    assert_eq!(entry(&forced.object, "kubectl-patch"), &Value::Null);
    assert!(
        entry(&forced.object, "other")["fieldsV1"]["f:spec"]
            .get("f:replicas")
            .is_some()
    );
}

#[test]
fn dropped_field_is_removed_unless_co_owned() {
    let schema = deployment_schema();
    let mut cfg = probe_deployment();
    cfg["metadata"]["labels"]["tier"] = json!("web");
    let v1 = apply(&schema, None, &cfg, &apply_opts("a", false, T0)).expect("create");
    assert_eq!(v1.object["metadata"]["labels"]["tier"], "web");

    // Manager `a` stops applying the label: it disappears.
    let v2 = apply(
        &schema,
        Some(&v1.object),
        &probe_deployment(),
        &apply_opts("a", false, T1),
    )
    .expect("reapply");
    assert!(v2.object["metadata"]["labels"].get("tier").is_none());
    // And the replicas a manager stops applying reset to the default.
    let mut no_replicas = probe_deployment();
    no_replicas["spec"]
        .as_object_mut()
        .map(|s| s.remove("replicas"));
    let v3 = apply(
        &schema,
        Some(&v2.object),
        &no_replicas,
        &apply_opts("a", false, T1),
    )
    .expect("reapply");
    assert_eq!(v3.object["spec"]["replicas"], 1);

    // When another applier also applies the label, it survives.
    let shared = json!({"apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": {"name": "web", "namespace": "x", "labels": {"tier": "web"}}});
    let b = apply(
        &schema,
        Some(&v1.object),
        &shared,
        &apply_opts("b", false, T1),
    )
    .expect("b");
    let v4 = apply(
        &schema,
        Some(&b.object),
        &probe_deployment(),
        &apply_opts("a", false, T1),
    )
    .expect("reapply");
    assert_eq!(v4.object["metadata"]["labels"]["tier"], "web");
}

#[test]
fn equal_values_are_shared_not_conflicting() {
    let schema = deployment_schema();
    let v1 = apply(
        &schema,
        None,
        &probe_deployment(),
        &apply_opts("a", false, T0),
    )
    .expect("a");
    let v2 = apply(
        &schema,
        Some(&v1.object),
        &probe_deployment(),
        &apply_opts("b", false, T1),
    )
    .expect("same values never conflict");
    for m in ["a", "b"] {
        assert!(
            entry(&v2.object, m)["fieldsV1"]["f:spec"]
                .get("f:replicas")
                .is_some(),
            "{m}"
        );
    }
    // b's first apply changed nothing in the object: no timestamp is recorded.
    assert_eq!(entry(&v2.object, "b").get("time"), None);
    assert_eq!(entry(&v2.object, "a")["time"], T0);
}

#[test]
fn noop_apply_does_not_change_the_object() {
    let schema = deployment_schema();
    let v1 = apply(
        &schema,
        None,
        &probe_deployment(),
        &apply_opts("a", false, T0),
    )
    .expect("a");
    let v2 = apply(
        &schema,
        Some(&v1.object),
        &probe_deployment(),
        &apply_opts("a", false, T1),
    )
    .expect("again");
    assert!(!v2.changed);
    assert_eq!(v2.object, v1.object);
    // A no-op update neither.
    let v3 = update(
        &schema,
        Some(&v1.object),
        v1.object.clone(),
        &update_opts("kubectl-edit", T1),
    )
    .expect("put");
    assert!(!v3.changed);
}

#[test]
fn strategic_merge_patch_on_builtin_and_crd() {
    let schema = deployment_schema();
    let live = apply(
        &schema,
        None,
        &probe_deployment(),
        &apply_opts("a", false, T0),
    )
    .expect("create")
    .object;
    // kubectl patch: set an image and add a sidecar; containers merge by name.
    let patch = json!({"spec": {"template": {"spec": {"containers": [
        {"name": "nginx", "image": "nginx:1.26"},
        {"name": "sidecar", "image": "busybox"}]}}}});
    let out = strategic_merge_patch(&schema, &live, &patch).expect("patches");
    let containers = out["spec"]["template"]["spec"]["containers"]
        .as_array()
        .expect("list");
    assert_eq!(containers.len(), 2);
    assert_eq!(containers[0]["name"], "nginx");
    assert_eq!(containers[0]["image"], "nginx:1.26");
    // Unpatched fields of the merged item survive.
    assert_eq!(containers[0]["ports"][0]["containerPort"], 80);
    // Finalizers merge as a primitive list; null deletes.
    let live = json!({"metadata": {"finalizers": ["a"], "labels": {"x": "1", "y": "2"}}});
    let out = strategic_merge_patch(
        &schema,
        &live,
        &json!({"metadata": {"finalizers": ["b"], "labels": {"y": null}}}),
    )
    .expect("patches");
    assert_eq!(
        out["metadata"],
        json!({"finalizers": ["b", "a"], "labels": {"x": "1"}})
    );
    // The deployment strategy has patchStrategy=retainKeys.
    let live = json!({"spec": {"strategy": {"type": "RollingUpdate",
        "rollingUpdate": {"maxSurge": 1}}}});
    let out = strategic_merge_patch(
        &schema,
        &live,
        &json!({"spec": {"strategy": {"$retainKeys": ["type"], "type": "Recreate"}}}),
    )
    .expect("patches");
    assert_eq!(out["spec"]["strategy"], json!({"type": "Recreate"}));

    let crd = Schema::from_openapi_v3(&json!({"type": "object"})).expect("schema");
    let err = strategic_merge_patch(&crd, &json!({}), &json!({})).expect_err("415");
    assert_eq!(err.http_status(), 415);
    assert_eq!(
        err.status_body("x", "X", "a")["reason"],
        "UnsupportedMediaType"
    );
}

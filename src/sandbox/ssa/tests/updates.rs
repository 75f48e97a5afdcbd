//! Update managers: the entry a create or update produces, managedFields resets, the cap on
//! update entries, `before-first-apply`, and kubectl's client-side to server-side upgrade.

use serde_json::{Value, json};

use super::{T0, T1, apply_opts, deployment_schema, entry, probe_deployment, update_opts};
use crate::sandbox::ssa::*;

fn created_by_kubectl_create() -> Value {
    let schema = deployment_schema();
    let obj = json!({"apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": {"name": "web", "namespace": "x", "labels": {"app": "web"}},
        "spec": {"selector": {"matchLabels": {"app": "web"}},
            "template": {"metadata": {"labels": {"app": "web"}},
                "spec": {"containers": [{"name": "nginx", "image": "nginx"}]}}}});
    update(&schema, None, obj, &update_opts("kubectl-create", T0))
        .expect("create")
        .object
}

#[test]
fn create_entry_owns_defaults_like_the_api_server() {
    let obj = created_by_kubectl_create();
    let e = entry(&obj, "kubectl-create");
    assert_eq!(e["operation"], "Update");
    assert_eq!(
        e["fieldsV1"],
        json!({
            "f:metadata": {"f:labels": {".": {}, "f:app": {}}},
            "f:spec": {
                "f:progressDeadlineSeconds": {}, "f:replicas": {}, "f:revisionHistoryLimit": {},
                "f:selector": {},
                "f:strategy": {"f:rollingUpdate": {".": {}, "f:maxSurge": {}, "f:maxUnavailable": {}},
                               "f:type": {}},
                "f:template": {
                    "f:metadata": {"f:labels": {".": {}, "f:app": {}}},
                    "f:spec": {
                        "f:containers": {"k:{\"name\":\"nginx\"}": {
                            ".": {}, "f:image": {}, "f:imagePullPolicy": {}, "f:name": {},
                            "f:resources": {}, "f:terminationMessagePath": {},
                            "f:terminationMessagePolicy": {}}},
                        "f:dnsPolicy": {}, "f:restartPolicy": {}, "f:schedulerName": {},
                        "f:securityContext": {}, "f:terminationGracePeriodSeconds": {}}}}
        })
    );
}

#[test]
fn managed_fields_reset_and_before_first_apply() {
    let schema = deployment_schema();
    let obj = created_by_kubectl_create();
    for reset in [json!([{}]), json!([])] {
        let mut req = obj.clone();
        req["metadata"]["managedFields"] = reset;
        let out = update(&schema, Some(&obj), req, &update_opts("x", T1)).expect("reset");
        assert!(out.object["metadata"].get("managedFields").is_none());
        assert!(out.changed);
    }
    let mut req = obj.clone();
    req["metadata"]["managedFields"] = json!([{}]);
    let untracked = update(&schema, Some(&obj), req, &update_opts("x", T1))
        .expect("reset")
        .object;
    // Later updates leave an untracked object untracked...
    let mut edit = untracked.clone();
    edit["spec"]["replicas"] = json!(4);
    let edited = update(&schema, Some(&untracked), edit, &update_opts("y", T1))
        .expect("edit")
        .object;
    assert!(edited["metadata"].get("managedFields").is_none());
    // ...until someone applies: existing fields go to `before-first-apply`.
    let mut cfg = probe_deployment();
    cfg["spec"]["replicas"] = json!(5);
    let err =
        apply(&schema, Some(&edited), &cfg, &apply_opts("a", false, T1)).expect_err("conflict");
    assert!(
        err.to_string()
            .contains("\"before-first-apply\" using apps/v1:\n- .spec.replicas"),
        "{err}"
    );
}

#[test]
fn update_entries_are_capped_into_ancient_changes() {
    let schema = deployment_schema();
    let mut obj = created_by_kubectl_create();
    for i in 0..11 {
        let mut next = obj.clone();
        next["metadata"]["annotations"][format!("a{i}")] = json!("x");
        let now = format!("2026-11-27T15:10:{i:02}Z");
        obj = update(
            &schema,
            Some(&obj),
            next,
            &update_opts(&format!("m{i:02}"), &now),
        )
        .expect("update")
        .object;
    }
    let entries = obj["metadata"]["managedFields"]
        .as_array()
        .expect("entries");
    assert_eq!(entries.len(), 10);
    assert!(entries.iter().any(|e| e["manager"] == "ancient-changes"));
}

#[test]
fn kubectl_takes_over_its_client_side_applied_fields() {
    let schema = deployment_schema();
    let mut cfg = probe_deployment();
    let last = serde_json::to_string(&cfg).expect("json");
    cfg["metadata"]["annotations"] =
        json!({"kubectl.kubernetes.io/last-applied-configuration": last});
    let csa = update(
        &schema,
        None,
        cfg,
        &update_opts("kubectl-client-side-apply", T0),
    )
    .expect("client-side apply")
    .object;
    let mut ssa = probe_deployment();
    ssa["spec"]["replicas"] = json!(3);
    let other = apply(&schema, Some(&csa), &ssa, &apply_opts("someone", false, T1));
    assert!(other.is_err(), "another manager conflicts");
    let out = apply(&schema, Some(&csa), &ssa, &apply_opts("kubectl", false, T1)).expect("kubectl");
    assert_eq!(out.object["spec"]["replicas"], 3);
    let annotation =
        out.object["metadata"]["annotations"]["kubectl.kubernetes.io/last-applied-configuration"]
            .as_str()
            .expect("kept in sync");
    assert!(
        annotation.contains("\"replicas\":3") && annotation.ends_with('\n'),
        "{annotation}"
    );
}

#[test]
fn times_move_only_with_changes() {
    let schema = deployment_schema();
    let v1 = apply(
        &schema,
        None,
        &probe_deployment(),
        &apply_opts("a", false, T0),
    )
    .expect("a");
    let mut cfg = probe_deployment();
    cfg["spec"]["replicas"] = json!(4);
    let v2 = apply(&schema, Some(&v1.object), &cfg, &apply_opts("a", false, T1)).expect("a");
    assert_eq!(entry(&v2.object, "a")["time"], T1);
    let v3 = update(
        &schema,
        Some(&v2.object),
        v2.object.clone(),
        &update_opts("b", "2027-01-01T00:00:00Z"),
    )
    .expect("no-op update");
    assert_eq!(v3.object, v2.object);
}

#[test]
fn namespace_create_adds_finalizer_and_phase_nobody_owns() {
    let schema = Schema::builtin("", "v1", "Namespace").expect("namespace");
    let mut opts = update_opts("kubectl-create", T0);
    opts.api_version = "v1";
    let ns = json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "team"}});
    let created = update(&schema, None, ns.clone(), &opts).expect("create");
    let obj = &created.object;
    assert_eq!(obj["spec"], json!({"finalizers": ["kubernetes"]}));
    assert_eq!(obj["status"], json!({"phase": "Active"}));
    assert_eq!(
        entry(obj, "kubectl-create")["fieldsV1"],
        json!({"f:metadata": {"f:labels": {".": {}, "f:kubernetes.io/metadata.name": {}}}})
    );

    // Updates keep the finalizers: they change only through /finalize.
    let mut req = obj.clone();
    req["spec"]["finalizers"] = json!([]);
    req["metadata"]["labels"]["team"] = json!("a");
    let mut opts = update_opts("kubectl-edit", T1);
    opts.api_version = "v1";
    let out = update(&schema, Some(obj), req, &opts).expect("update");
    assert_eq!(out.object["spec"]["finalizers"], json!(["kubernetes"]));
    assert_eq!(
        entry(&out.object, "kubectl-edit")["fieldsV1"],
        json!({"f:metadata": {"f:labels": {"f:team": {}}}})
    );

    // An applier's own finalizers are kept on create, `kubernetes` appended, and not owned.
    let mut cfg = ns;
    cfg["metadata"]["labels"] = json!({"team": "a"});
    cfg["spec"] = json!({"finalizers": ["example.com/x"]});
    let mut aopts = apply_opts("converge", false, T0);
    aopts.api_version = "v1";
    let applied = apply(&schema, None, &cfg, &aopts).expect("apply");
    assert_eq!(
        applied.object["spec"]["finalizers"],
        json!(["example.com/x", "kubernetes"])
    );
    assert_eq!(
        entry(&applied.object, "converge")["fieldsV1"],
        json!({"f:metadata": {"f:labels": {"f:team": {}}}})
    );
    let again = apply(&schema, Some(&applied.object), &cfg, &aopts).expect("re-apply");
    assert!(!again.changed);
}

//! Request-level rules: body checks, validation per `fieldValidation`, reset fields and the
//! status subresource.

use serde_json::json;

use super::{T0, T1, apply_opts, deployment_schema, entry, probe_deployment, update_opts};
use crate::sandbox::ssa::*;

#[test]
fn apply_body_checks() {
    let schema = deployment_schema();
    let mut cfg = probe_deployment();
    cfg["metadata"]["managedFields"] = json!([]);
    let err = apply(&schema, None, &cfg, &apply_opts("a", false, T0)).expect_err("400");
    assert_eq!(
        (err.http_status(), err.to_string().as_str()),
        (400, "metadata.managedFields must be nil")
    );

    let mut cfg = probe_deployment();
    cfg["apiVersion"] = json!("apps/v2");
    let err = apply(&schema, None, &cfg, &apply_opts("a", false, T0)).expect_err("400");
    assert_eq!(
        err.to_string(),
        "invalid object type: apps/v2, Kind=Deployment"
    );
    assert_eq!(
        err.status_body("apps", "Deployment", "web")["reason"],
        "BadRequest"
    );

    // Undeclared fields fail the typed conversion of the patch: a 500 without a reason, as
    // the real server answers, whatever fieldValidation says.
    let mut cfg = probe_deployment();
    cfg["spec"]["foo"] = json!(1);
    let err = apply(&schema, None, &cfg, &apply_opts("a", false, T0)).expect_err("500");
    assert_eq!(err.http_status(), 500);
    assert_eq!(
        err.to_string(),
        "failed to create typed patch object (x/web; apps/v1, Kind=Deployment): .spec.foo: field not declared in schema"
    );
    let body = err.status_body("apps", "Deployment", "web");
    assert_eq!(body.get("reason"), None);
    assert_eq!(body["code"], 500);
}

#[test]
fn update_validation_strict_warn_ignore() {
    let schema = deployment_schema();
    let mut obj = probe_deployment();
    obj["spec"]["foo"] = json!(1);
    obj["spec"]["template"]["spec"]["containers"][0]["bar"] = json!(true);
    let mut o = update_opts("kubectl-create", T0);
    let err = update(&schema, None, obj.clone(), &o).expect_err("strict");
    assert_eq!(
        err.to_string(),
        "Deployment in version \"v1\" cannot be handled as a Deployment: strict decoding error: \
         unknown field \"spec.foo\", unknown field \"spec.template.spec.containers[0].bar\""
    );
    o.validation = FieldValidation::Warn;
    let out = update(&schema, None, obj.clone(), &o).expect("warn");
    assert_eq!(
        out.warnings,
        vec![
            "unknown field \"spec.foo\"".to_string(),
            "unknown field \"spec.template.spec.containers[0].bar\"".to_string()
        ]
    );
    assert!(out.object["spec"].get("foo").is_none());
    o.validation = FieldValidation::Ignore;
    let out = update(&schema, None, obj, &o).expect("ignore");
    assert!(out.warnings.is_empty());
    assert!(out.object["spec"].get("foo").is_none());
}

#[test]
fn status_is_a_reset_field_of_the_main_resource() {
    let schema = deployment_schema();
    let mut cfg = probe_deployment();
    cfg["status"] = json!({"replicas": 7});
    let v1 = apply(&schema, None, &cfg, &apply_opts("a", false, T0)).expect("a");
    assert_eq!(v1.object["status"], json!({}));
    assert!(entry(&v1.object, "a")["fieldsV1"].get("f:status").is_none());

    // The controller writes status through /status as an Update manager.
    let mut status = v1.object.clone();
    status["status"] = json!({"replicas": 2, "readyReplicas": 2});
    status["spec"]["replicas"] = json!(9);
    let o = UpdateOptions {
        manager: "kube-controller-manager",
        api_version: "apps/v1",
        subresource: Some("status"),
        now: T1,
        validation: FieldValidation::Ignore,
    };
    let v2 = update(&schema, Some(&v1.object), status, &o).expect("status");
    assert_eq!(
        v2.object["spec"]["replicas"], 2,
        "spec is reset from the live object"
    );
    assert_eq!(v2.object["status"]["readyReplicas"], 2);
    let e = entry(&v2.object, "kube-controller-manager");
    assert_eq!(e["subresource"], "status");
    assert_eq!(
        e["fieldsV1"],
        json!({"f:status": {"f:readyReplicas": {}, "f:replicas": {}}})
    );

    // A main-resource update cannot touch status either.
    let mut main = v2.object.clone();
    main["status"] = json!({});
    let v3 = update(
        &schema,
        Some(&v2.object),
        main,
        &update_opts("kubectl-edit", T1),
    )
    .expect("put");
    assert_eq!(v3.object["status"]["readyReplicas"], 2);
    assert!(!v3.changed);
}

#[test]
fn conflicts_name_subresource_managers() {
    let schema = deployment_schema();
    let v1 = apply(
        &schema,
        None,
        &probe_deployment(),
        &apply_opts("a", false, T0),
    )
    .expect("a");
    let mut status = v1.object.clone();
    status["status"] = json!({"replicas": 2});
    let o = UpdateOptions {
        manager: "kube-controller-manager",
        api_version: "apps/v1",
        subresource: Some("status"),
        now: T1,
        validation: FieldValidation::Ignore,
    };
    let v2 = update(&schema, Some(&v1.object), status, &o).expect("status");
    let cfg = json!({"apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": {"name": "web", "namespace": "x"}, "status": {"replicas": 3}});
    let ao = ApplyOptions {
        subresource: Some("status"),
        ..apply_opts("b", false, T1)
    };
    let err = apply(&schema, Some(&v2.object), &cfg, &ao).expect_err("conflict");
    assert_eq!(
        err.to_string(),
        "Apply failed with 1 conflict: conflict with \"kube-controller-manager\" with subresource \"status\" using apps/v1: .status.replicas"
    );
}

#[test]
fn pods_get_registry_status_and_pod_only_defaults() {
    let schema = Schema::builtin("", "v1", "Pod").expect("built-in");
    let pod = json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p", "namespace": "x"},
        "spec": {"containers": [{"name": "c", "image": "busybox:1",
            "resources": {"limits": {"cpu": "1", "memory": "1Gi"}}}]}});
    let o = ApplyOptions {
        api_version: "v1",
        ..apply_opts("a", false, T0)
    };
    let out = apply(&schema, None, &pod, &o).expect("pod");
    assert_eq!(
        out.object["status"],
        json!({"phase": "Pending", "qosClass": "Guaranteed"})
    );
    assert_eq!(out.object["spec"]["enableServiceLinks"], true);
    assert_eq!(
        out.object["spec"]["containers"][0]["resources"]["requests"],
        json!({"cpu": "1", "memory": "1Gi"})
    );
}

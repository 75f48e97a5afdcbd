//! List and map types: keyed items with composite keys, sets, atomic lists and maps, and a CRD
//! schema with `x-kubernetes-list-type: map`.

use serde_json::{Value, json};

use super::{T0, T1, entry};
use crate::sandbox::ssa::*;

fn opts<'a>(manager: &'a str, api_version: &'a str, force: bool) -> ApplyOptions<'a> {
    ApplyOptions {
        manager,
        force,
        api_version,
        subresource: None,
        now: T1,
        validation: FieldValidation::Strict,
    }
}

fn service(ports: Value) -> Value {
    json!({"apiVersion": "v1", "kind": "Service", "metadata": {"name": "web", "namespace": "x"},
        "spec": {"selector": {"app": "web"}, "ports": ports}})
}

#[test]
fn service_ports_are_keyed_by_port_and_protocol() {
    let schema = Schema::builtin("", "v1", "Service").expect("built-in");
    let tcp = service(json!([{"name": "http", "port": 80}]));
    let v1 = apply(&schema, None, &tcp, &opts("a", "v1", false)).expect("a");
    let udp = service(json!([{"name": "dns", "port": 80, "protocol": "UDP"}]));
    let v2 = apply(&schema, Some(&v1.object), &udp, &opts("b", "v1", false)).expect("b");
    let ports = v2.object["spec"]["ports"].as_array().expect("ports");
    assert_eq!(ports.len(), 2, "{ports:?}");
    assert_eq!(
        entry(&v2.object, "a")["fieldsV1"]["f:spec"]["f:ports"],
        json!({"k:{\"port\":80,\"protocol\":\"TCP\"}": {".": {}, "f:name": {}, "f:port": {}}})
    );
    assert_eq!(
        entry(&v2.object, "b")["fieldsV1"]["f:spec"]["f:ports"],
        json!({"k:{\"port\":80,\"protocol\":\"UDP\"}": {".": {}, "f:name": {}, "f:port": {}, "f:protocol": {}}})
    );
    // Defaults fill the target port; the selector is an atomic map both own as one leaf.
    assert_eq!(ports[0]["targetPort"], 80);
    assert_eq!(
        entry(&v2.object, "a")["fieldsV1"]["f:spec"]["f:selector"],
        json!({})
    );
    // `a` drops its port: only UDP remains.
    let none = service(json!([]));
    let v3 = apply(&schema, Some(&v2.object), &none, &opts("a", "v1", false)).expect("drop");
    let ports = v3.object["spec"]["ports"].as_array().expect("ports");
    assert_eq!(ports.len(), 1);
    assert_eq!(ports[0]["protocol"], "UDP");
}

#[test]
fn finalizers_are_a_set_with_per_item_owners() {
    let schema = Schema::builtin("", "v1", "ConfigMap").expect("built-in");
    let cm = |f: Value| {
        json!({"apiVersion": "v1", "kind": "ConfigMap",
            "metadata": {"name": "c", "namespace": "x", "finalizers": f}})
    };
    let v1 = apply(
        &schema,
        None,
        &cm(json!(["a.io/x"])),
        &opts("a", "v1", false),
    )
    .expect("a");
    let v2 = apply(
        &schema,
        Some(&v1.object),
        &cm(json!(["b.io/y"])),
        &opts("b", "v1", false),
    )
    .expect("sets union, no conflict");
    assert_eq!(
        v2.object["metadata"]["finalizers"],
        json!(["a.io/x", "b.io/y"])
    );
    assert_eq!(
        entry(&v2.object, "a")["fieldsV1"],
        json!({"f:metadata": {"f:finalizers": {"v:\"a.io/x\"": {}}}})
    );
    let v3 = apply(
        &schema,
        Some(&v2.object),
        &cm(json!([])),
        &opts("a", "v1", false),
    )
    .expect("drop");
    assert_eq!(v3.object["metadata"]["finalizers"], json!(["b.io/y"]));
}

#[test]
fn atomic_lists_and_maps_are_replaced_whole() {
    let schema = super::deployment_schema();
    let mut cfg = super::probe_deployment();
    cfg["spec"]["template"]["spec"]["containers"][0]["args"] = json!(["x", "y"]);
    cfg["spec"]["template"]["spec"]["nodeSelector"] = json!({"disk": "ssd"});
    let v1 = apply(&schema, None, &cfg, &super::apply_opts("a", false, T0)).expect("a");
    let c = &entry(&v1.object, "a")["fieldsV1"]["f:spec"]["f:template"]["f:spec"];
    assert_eq!(
        c["f:containers"]["k:{\"name\":\"nginx\"}"]["f:args"],
        json!({})
    );
    assert_eq!(c["f:nodeSelector"], json!({}));

    let mut other = super::probe_deployment();
    other["spec"]["template"]["spec"]["containers"][0]["args"] = json!(["z"]);
    other["spec"]["template"]["spec"]["nodeSelector"] = json!({"zone": "a"});
    let err = apply(
        &schema,
        Some(&v1.object),
        &other,
        &super::apply_opts("b", false, T1),
    )
    .expect_err("atomic values conflict");
    assert_eq!(
        err.to_string(),
        "Apply failed with 2 conflicts: conflicts with \"a\":\n\
         - .spec.template.spec.nodeSelector\n\
         - .spec.template.spec.containers[name=\"nginx\"].args"
    );
    let v2 = apply(
        &schema,
        Some(&v1.object),
        &other,
        &super::apply_opts("b", true, T1),
    )
    .expect("force");
    let spec = &v2.object["spec"]["template"]["spec"];
    assert_eq!(spec["containers"][0]["args"], json!(["z"]));
    assert_eq!(spec["nodeSelector"], json!({"zone": "a"}));
    let a = &entry(&v2.object, "a")["fieldsV1"]["f:spec"]["f:template"]["f:spec"];
    assert!(a.get("f:nodeSelector").is_none());
}

#[test]
fn crd_list_map_keys_and_preserved_fields() {
    let schema = Schema::from_openapi_v3(&json!({"type": "object", "properties": {
        "spec": {"type": "object", "properties": {
            "routes": {"type": "array", "x-kubernetes-list-type": "map",
                "x-kubernetes-list-map-keys": ["host", "port"],
                "items": {"type": "object", "properties": {
                    "host": {"type": "string"}, "port": {"type": "integer", "default": 443},
                    "weight": {"type": "integer"}}}},
            "raw": {"type": "object", "x-kubernetes-preserve-unknown-fields": true}}}}}))
    .expect("schema");
    let cr = |routes: Value| {
        json!({"apiVersion": "example.com/v1", "kind": "Site", "metadata": {"name": "s"},
            "spec": {"routes": routes, "raw": {"anything": {"goes": [1]}}}})
    };
    let v1 = apply(
        &schema,
        None,
        &cr(json!([{"host": "a", "weight": 1}])),
        &opts("a", "example.com/v1", false),
    )
    .expect("a");
    // The defaulted key is part of the item key; the default is filled in the object.
    assert_eq!(v1.object["spec"]["routes"][0]["port"], 443);
    assert_eq!(
        entry(&v1.object, "a")["fieldsV1"]["f:spec"],
        json!({"f:raw": {"f:anything": {".": {}, "f:goes": {}}},
               "f:routes": {"k:{\"host\":\"a\",\"port\":443}": {".": {}, "f:host": {}, "f:weight": {}}}})
    );
    let v2 = apply(
        &schema,
        Some(&v1.object),
        &cr(json!([{"host": "b", "port": 80}])),
        &opts("b", "example.com/v1", false),
    )
    .expect("b");
    assert_eq!(
        v2.object["spec"]["routes"].as_array().map(Vec::len),
        Some(2)
    );
    let v3 = apply(
        &schema,
        Some(&v2.object),
        &cr(json!([{"host": "b", "port": 80, "weight": 5},
        {"host": "a", "weight": 1}])),
        &opts("c", "example.com/v1", false),
    )
    .expect("same values are shared, a new field is not a conflict");
    // Shared items take the applied order.
    assert_eq!(
        v3.object["spec"]["routes"][0],
        json!({"host": "b", "port": 80, "weight": 5})
    );
    assert_eq!(
        v3.object["spec"]["routes"][1],
        json!({"host": "a", "port": 443, "weight": 1})
    );
}

//! Rule-by-rule tests of the merge. Every expected output here was produced by
//! `kubectl kustomize` (Kustomize v5.5.0) from the same target and patch.

use serde_json::{Value, json};

use super::*;

fn yaml(text: &str) -> Value {
    serde_yaml::from_str(text).expect("test YAML parses")
}

fn merge(target: &str, patch: &str) -> Value {
    match strategic_merge(&MergeSchema::builtin(), &yaml(target), &yaml(patch)) {
        Ok(MergeOutcome::Merged(v)) => v,
        other => panic!("expected a merged object, got {other:?}"),
    }
}

fn pod_spec(v: &Value) -> &Value {
    &v["spec"]["template"]["spec"]
}

const DEPLOYMENT: &str = "
apiVersion: apps/v1
kind: Deployment
metadata: {name: d}
spec:
  template:
    spec:
      containers:
      - name: a
        image: a
        env:
        - {name: X, value: '1'}
        - {name: Y, value: '2'}
      - {name: b, image: b}
      volumes:
      - {name: v1, emptyDir: {}}
";

#[test]
fn keyed_list_puts_patch_elements_first() {
    let target = "
apiVersion: apps/v1
kind: Deployment
metadata: {name: d}
spec:
  template:
    spec:
      containers: [{name: a, image: a}, {name: b, image: b}, {name: c, image: c}]
";
    let patch = "
apiVersion: apps/v1
kind: Deployment
metadata: {name: d}
spec:
  template:
    spec:
      containers: [{name: c, image: c2}, {name: new, image: n}]
";
    let out = merge(target, patch);
    assert_eq!(
        pod_spec(&out)["containers"],
        json!([
            {"name": "c", "image": "c2"},
            {"name": "new", "image": "n"},
            {"name": "a", "image": "a"},
            {"name": "b", "image": "b"}
        ])
    );
}

#[test]
fn kubectl_only_directives_are_copied_verbatim() {
    let patch = "
apiVersion: apps/v1
kind: Deployment
metadata: {name: d}
spec:
  template:
    spec:
      $setElementOrder/containers: [{name: b}, {name: a}]
      containers:
      - name: a
        $retainKeys: [image]
        $deleteFromPrimitiveList/args: [x]
";
    let out = merge(DEPLOYMENT, patch);
    let spec = pod_spec(&out);
    assert_eq!(
        spec["$setElementOrder/containers"],
        json!([{"name": "b"}, {"name": "a"}])
    );
    assert_eq!(spec["containers"][0]["$retainKeys"], json!(["image"]));
    assert_eq!(
        spec["containers"][0]["$deleteFromPrimitiveList/args"],
        json!(["x"])
    );
}

#[test]
fn nulls_in_target_survive_and_nulls_in_patch_delete() {
    let target = "
apiVersion: v1
kind: ConfigMap
metadata: {name: d, creationTimestamp: null, labels: {x: null, z: a}}
data: {a: null, c: x}
other: {deep: {n2: null, list: [a, null]}, emptymap: {}, emptylist: []}
";
    let patch = "
apiVersion: v1
kind: ConfigMap
metadata: {name: d, labels: {w: '1', z: null, q: null}}
data: {c: null, d: '1'}
";
    let out = merge(target, patch);
    assert_eq!(
        out,
        json!({
            "apiVersion": "v1", "kind": "ConfigMap",
            // The patch's labels are made strings first, so its nulls delete nothing.
            "metadata": {
                "name": "d", "creationTimestamp": null,
                "labels": {"w": "1", "x": null, "z": "null", "q": "null"}
            },
            "data": {"a": null, "d": "1"},
            "other": {"deep": {"n2": null, "list": ["a", null]}, "emptymap": {}, "emptylist": []}
        })
    );
}

#[test]
fn list_entry_patch_replace_replaces_by_deleting_keyed_elements() {
    let patch = "
apiVersion: apps/v1
kind: Deployment
metadata: {name: d}
spec:
  template:
    spec:
      containers:
      - name: a
        env:
        - $patch: replace
        - {name: Z, value: '3'}
      - {name: b, $patch: delete}
      volumes:
      - $patch: replace
";
    let out = merge(DEPLOYMENT, patch);
    let spec = pod_spec(&out);
    assert_eq!(
        spec["containers"],
        json!([{"name": "a", "image": "a", "env": [{"name": "Z", "value": "3"}]}])
    );
    assert_eq!(spec["volumes"], json!([]));
}

#[test]
fn deletes_nulls_and_replace_inside_added_content() {
    let patch = "
apiVersion: apps/v1
kind: Deployment
metadata: {name: d}
spec:
  template:
    spec:
      containers:
      - name: a
        env:
        - {name: X, $patch: delete}
        - {name: Y, $patch: delete}
      - name: newc
        image: n
        resources:
          limits: null
          requests: {cpu: 1, $patch: delete}
        securityContext:
          runAsUser: null
          capabilities: {$patch: replace, add: [A]}
      volumes: null
";
    let out = merge(DEPLOYMENT, patch);
    let spec = pod_spec(&out);
    assert_eq!(
        spec["containers"],
        json!([
            {"name": "a", "image": "a", "env": []},
            {"name": "newc", "image": "n", "resources": {}, "securityContext": {"capabilities": {"add": ["A"]}}},
            {"name": "b", "image": "b"}
        ])
    );
    assert!(spec.get("volumes").is_none());
}

#[test]
fn element_level_replace_is_undone_by_the_target_element() {
    let patch = "
apiVersion: apps/v1
kind: Deployment
metadata: {name: d}
spec:
  template:
    spec:
      containers:
      - {name: a, $patch: replace, image: replaced}
      - {name: b, $patch: merge, image: b2}
";
    let out = merge(DEPLOYMENT, patch);
    let containers = &pod_spec(&out)["containers"];
    assert_eq!(containers[0]["image"], json!("a"));
    assert_eq!(containers[0]["env"].as_array().map(Vec::len), Some(2));
    assert_eq!(containers[1], json!({"name": "b", "image": "b2"}));
}

#[test]
fn primitive_merge_lists_duplicates_and_keyless_elements() {
    let target = "
apiVersion: apps/v1
kind: Deployment
metadata: {name: d, finalizers: [f1, f2], x1: null, x2: null, x3: null}
spec:
  template:
    spec:
      containers:
      - name: a
        image: a
        env: [{name: X, value: '1'}, {name: X, value: '2'}, {value: nokey}, {name: Y, value: '3'}]
      - name: b
        image: b
        env: [{name: X, value: '1'}, {name: X, value: '2'}]
";
    let patch = "
apiVersion: apps/v1
kind: Deployment
metadata: {name: d, finalizers: [f3, f1], x2: {a: 1}, x3: null}
spec:
  template:
    spec:
      containers: [{name: a, image: a2}]
";
    let out = merge(target, patch);
    assert_eq!(out["metadata"]["finalizers"], json!(["f3", "f1", "f2"]));
    assert_eq!(out["metadata"]["x1"], Value::Null);
    assert_eq!(out["metadata"]["x2"], json!({"a": 1}));
    assert!(out["metadata"].get("x3").is_none());
    let containers = &pod_spec(&out)["containers"];
    // A target element without the key wipes the merged list...
    assert_eq!(containers[0]["env"], json!([{"value": "nokey"}]));
    // ...and duplicate keys collapse to the last element.
    assert_eq!(containers[1]["env"], json!([{"name": "X", "value": "2"}]));
}

#[test]
fn custom_resources_replace_lists_but_embedded_known_types_merge() {
    let target = "
apiVersion: example.com/v1
kind: Foo
metadata: {name: d}
spec:
  items: [{name: a, v: 1}, {name: b, v: 2}]
  template:
    apiVersion: apps/v1
    kind: Deployment
    spec: {template: {spec: {containers: [{name: a, image: a}]}}}
  embedded: {containers: [{name: a, image: a}]}
";
    let patch = "
apiVersion: example.com/v1
kind: Foo
metadata: {name: d}
spec:
  items: [{name: b, v: 3}]
  template: {spec: {template: {spec: {containers: [{name: b, image: b}]}}}}
  embedded: {containers: [{name: b, image: b}]}
";
    let out = merge(target, patch);
    assert_eq!(out["spec"]["items"], json!([{"name": "b", "v": 3}]));
    assert_eq!(
        out["spec"]["embedded"]["containers"],
        json!([{"name": "b", "image": "b"}])
    );
    assert_eq!(
        out["spec"]["template"]["spec"]["template"]["spec"]["containers"],
        json!([{"name": "b", "image": "b"}, {"name": "a", "image": "a"}])
    );
}

#[test]
fn kind_mismatch_and_unknown_directive_are_errors() {
    let target = "{apiVersion: example.com/v1, kind: Foo, metadata: {name: d}, spec: {items: [1]}}";
    let schema = MergeSchema::builtin();
    let err = strategic_merge(
        &schema,
        &yaml(target),
        &yaml(
            "{apiVersion: example.com/v1, kind: Foo, metadata: {name: d}, spec: {items: {a: 1}}}",
        ),
    );
    assert_eq!(
        err,
        Err(MergeError::WrongKind {
            path: "spec.items".into(),
            expected: "SequenceNode",
            found: "MappingNode"
        })
    );
    let err = strategic_merge(
        &schema,
        &yaml(target),
        &yaml("{apiVersion: example.com/v1, kind: Foo, metadata: {name: d}, spec: {$patch: foo}}"),
    );
    assert_eq!(
        err,
        Err(MergeError::UnknownDirective {
            path: "spec".into(),
            value: "foo".into()
        })
    );
}

#[test]
fn multi_key_ports_keep_order_and_unify_missing_protocol() {
    // Conformance case TestSmpWithDifferentKeysOnDifferentPorts.
    let target = "
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: myapp}
spec:
  template:
    spec:
      containers:
      - name: consul
        image: dashicorp/consul:1.9.1
        ports:
        - {containerPort: 8500, name: http}
        - {containerPort: 8301, protocol: TCP, name: serflan-tcp}
        - {containerPort: 8301, protocol: UDP, name: serflan-udp}
        - {containerPort: 8600, name: dns-udp, protocol: UDP}
";
    let patch = "{kind: StatefulSet, metadata: {name: myapp, labels: {test: label}}}";
    let out = merge(target, patch);
    assert_eq!(out["metadata"]["labels"], json!({"test": "label"}));
    assert_eq!(pod_spec(&out), pod_spec(&yaml(target)));
    // TestPatchPortHasNoProtocol: a port without protocol merges into TCP's.
    let service = "
apiVersion: v1
kind: Service
metadata: {name: web}
spec: {type: NodePort, ports: [{port: 30900, targetPort: 30900, protocol: TCP}]}
";
    let patch = "
apiVersion: v1
kind: Service
metadata: {name: web, labels: {service: web}}
spec: {ports: [{port: 30900, targetPort: 30900}], selector: {service: web}}
";
    let out = merge(service, patch);
    assert_eq!(
        out["spec"]["ports"],
        json!([{"port": 30900, "targetPort": 30900, "protocol": "TCP"}])
    );
}

#[test]
fn top_level_delete_and_identity_restore() {
    let schema = MergeSchema::builtin();
    let deleted = strategic_merge(
        &schema,
        &yaml(DEPLOYMENT),
        &yaml("{apiVersion: apps/v1, kind: Deployment, metadata: {name: d}, $patch: delete}"),
    );
    assert_eq!(deleted, Ok(MergeOutcome::Deleted));

    let patch = yaml(
        "{apiVersion: apps/v2, kind: Other, metadata: {name: renamed, namespace: ns}, spec: {replicas: 2}}",
    );
    let Ok(MergeOutcome::Merged(out)) = strategic_merge(&schema, &yaml(DEPLOYMENT), &patch) else {
        panic!("merge failed");
    };
    assert_eq!(out["apiVersion"], json!("apps/v1"));
    assert_eq!(out["kind"], json!("Deployment"));
    assert_eq!(out["metadata"], json!({"name": "d"}));
    assert_eq!(out["spec"]["replicas"], json!(2));

    let options = SmpOptions {
        allow_name_change: true,
        allow_kind_change: true,
    };
    let Ok(MergeOutcome::Merged(out)) =
        strategic_merge_with(&schema, &yaml(DEPLOYMENT), &patch, options)
    else {
        panic!("merge failed");
    };
    assert_eq!(out["kind"], json!("Other"));
    assert_eq!(out["metadata"], json!({"name": "renamed"}));
}

#[test]
fn custom_schema_merges_crd_lists_and_drops_builtin_knowledge() {
    let doc = json!({"definitions": {
        "v1.Foo": {
            "properties": {"spec": {"properties": {"items": {
                "type": "array", "items": {"type": "object"},
                "x-kubernetes-patch-strategy": "merge", "x-kubernetes-patch-merge-key": "name"
            }}}},
            "x-kubernetes-group-version-kind": [{"group": "example.com", "version": "v1", "kind": "Foo"}]
        }
    }});
    let schema = MergeSchema::builtin()
        .with_openapi_document(&doc)
        .expect("valid document");
    let target = yaml(
        "{apiVersion: example.com/v1, kind: Foo, metadata: {name: f}, spec: {items: [{name: a}, {name: b}]}}",
    );
    let patch = yaml(
        "{apiVersion: example.com/v1, kind: Foo, metadata: {name: f}, spec: {items: [{name: b, v: 1}]}}",
    );
    let Ok(MergeOutcome::Merged(out)) = strategic_merge(&schema, &target, &patch) else {
        panic!("merge failed");
    };
    assert_eq!(
        out["spec"]["items"],
        json!([{"name": "b", "v": 1}, {"name": "a"}])
    );
    let patch = yaml(
        "{apiVersion: apps/v1, kind: Deployment, metadata: {name: d}, spec: {template: {spec: {containers: [{name: a, image: a2}]}}}}",
    );
    let Ok(MergeOutcome::Merged(out)) = strategic_merge(&schema, &yaml(DEPLOYMENT), &patch) else {
        panic!("merge failed");
    };
    assert_eq!(
        pod_spec(&out)["containers"],
        json!([{"name": "a", "image": "a2"}])
    );
}

#[test]
fn errors_in_untouched_lists_name_the_element() {
    // kubectl fails the same way: the target's own list is broken.
    let target = "
apiVersion: apps/v1
kind: Deployment
metadata: {name: d}
spec: {template: {spec: {containers: [{name: a, env: [{name: x}, s]}, {name: b}]}}}
";
    let patch = "{apiVersion: apps/v1, kind: Deployment, metadata: {name: d, labels: {a: b}}}";
    let result = strategic_merge(&MergeSchema::builtin(), &yaml(target), &yaml(patch));
    assert_eq!(
        result,
        Err(MergeError::BadListElement {
            path: "spec.template.spec.containers[name=a].env".into(),
            key: "name".into(),
            expected: "map",
            found: "scalar"
        })
    );
}

//! Defaulting of built-in kinds, as the API server's generated defaulters and `SetDefaults_*`
//! functions do it (`pkg/apis/{core,apps,batch,networking,autoscaling,rbac}/v1*/defaults.go`),
//! applied to the JSON form. Only fields a real server fills are filled.

mod kinds;
mod pod;

use serde_json::{Map, Value, json};

/// Applies the defaults of built-in `kind` to `obj` in place.
pub(crate) fn apply(kind: &str, obj: &mut Value) {
    let Some(root) = obj.as_object_mut() else {
        return;
    };
    match kind {
        "Pod" => {
            if let Some(spec) = obj_mut(root, "spec") {
                pod::pod_spec(spec);
                pod::pod_only(spec);
            }
        }
        "Deployment" => kinds::deployment(root),
        "StatefulSet" => kinds::stateful_set(root),
        "DaemonSet" => kinds::daemon_set(root),
        "ReplicaSet" => kinds::replica_set(root),
        "Job" => kinds::job(root),
        "CronJob" => kinds::cron_job(root),
        "Service" => kinds::service(root),
        "Secret" => {
            set_if_empty(root, "type", json!("Opaque"));
        }
        "Namespace" => kinds::namespace(root),
        "PersistentVolumeClaim" => kinds::pvc(root),
        "NetworkPolicy" => kinds::network_policy(root),
        "HorizontalPodAutoscaler" => kinds::hpa(root),
        "RoleBinding" | "ClusterRoleBinding" => kinds::role_binding(root),
        "CustomResourceDefinition" => kinds::crd(root),
        _ => {}
    }
}

/// Defaults of a pod template (`PodTemplateSpec`), shared by every workload.
pub(crate) fn pod_template(template: &mut Map<String, Value>) {
    if let Some(spec) = obj_mut(template, "spec") {
        pod::pod_spec(spec);
    }
}

/// The object under `key`, if it is one.
pub(crate) fn obj_mut<'a>(
    m: &'a mut Map<String, Value>,
    key: &str,
) -> Option<&'a mut Map<String, Value>> {
    m.get_mut(key).and_then(Value::as_object_mut)
}

/// The object under `key`, created when absent or null.
pub(crate) fn obj_entry<'a>(
    m: &'a mut Map<String, Value>,
    key: &str,
) -> Option<&'a mut Map<String, Value>> {
    let slot = m
        .entry(key.to_string())
        .or_insert_with(|| Value::Object(Map::new()));
    if slot.is_null() {
        *slot = Value::Object(Map::new());
    }
    slot.as_object_mut()
}

/// Sets `key` when it is absent or null (a Go nil pointer).
pub(crate) fn set_if_missing(m: &mut Map<String, Value>, key: &str, v: Value) {
    if m.get(key).is_none_or(Value::is_null) {
        m.insert(key.to_string(), v);
    }
}

/// Sets `key` when it is absent, null or the zero value (`""`, `0`): a Go non-pointer field.
pub(crate) fn set_if_empty(m: &mut Map<String, Value>, key: &str, v: Value) {
    let empty = match m.get(key) {
        None | Some(Value::Null) => true,
        Some(Value::String(s)) => s.is_empty(),
        Some(Value::Number(n)) => n.as_f64() == Some(0.0),
        Some(Value::Bool(b)) => !b,
        _ => false,
    };
    if empty {
        m.insert(key.to_string(), v);
    }
}

/// The items of the list under `key` that are objects.
pub(crate) fn each_obj<'a>(
    m: &'a mut Map<String, Value>,
    key: &str,
) -> impl Iterator<Item = &'a mut Map<String, Value>> {
    m.get_mut(key)
        .and_then(Value::as_array_mut)
        .into_iter()
        .flat_map(|items| items.iter_mut().filter_map(Value::as_object_mut))
}

pub(crate) fn str_of<'a>(m: &'a Map<String, Value>, key: &str) -> &'a str {
    m.get(key).and_then(Value::as_str).unwrap_or("")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deployment_defaults_match_a_real_server() {
        let mut d = json!({"spec": {"selector": {"matchLabels": {"app": "web"}},
            "template": {"spec": {"containers": [{"name": "nginx", "image": "nginx",
                "ports": [{"containerPort": 80}]}]}}}});
        apply("Deployment", &mut d);
        assert_eq!(
            d,
            json!({"spec": {
                "progressDeadlineSeconds": 600, "replicas": 1, "revisionHistoryLimit": 10,
                "selector": {"matchLabels": {"app": "web"}},
                "strategy": {"rollingUpdate": {"maxSurge": "25%", "maxUnavailable": "25%"},
                             "type": "RollingUpdate"},
                "template": {"spec": {
                    "containers": [{"name": "nginx", "image": "nginx", "imagePullPolicy": "Always",
                        "ports": [{"containerPort": 80, "protocol": "TCP"}],
                        "terminationMessagePath": "/dev/termination-log",
                        "terminationMessagePolicy": "File"}],
                    "dnsPolicy": "ClusterFirst", "restartPolicy": "Always",
                    "schedulerName": "default-scheduler", "securityContext": {},
                    "terminationGracePeriodSeconds": 30}}}})
        );
    }

    #[test]
    fn service_defaults() {
        let mut s =
            json!({"spec": {"ports": [{"port": 80}, {"port": 443, "targetPort": "https"}]}});
        apply("Service", &mut s);
        assert_eq!(
            s,
            json!({"spec": {"internalTrafficPolicy": "Cluster", "sessionAffinity": "None",
                "type": "ClusterIP",
                "ports": [{"port": 80, "protocol": "TCP", "targetPort": 80},
                          {"port": 443, "protocol": "TCP", "targetPort": "https"}]}})
        );
    }
}

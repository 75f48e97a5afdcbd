//! Defaults of the non-pod built-in kinds.

use serde_json::{Map, Value, json};

use super::{each_obj, obj_entry, obj_mut, pod_template, set_if_empty, set_if_missing, str_of};

fn template_of(spec: &mut Map<String, Value>) {
    if let Some(t) = obj_mut(spec, "template") {
        pod_template(t);
    }
}

pub(super) fn deployment(root: &mut Map<String, Value>) {
    let Some(spec) = obj_entry(root, "spec") else {
        return;
    };
    set_if_missing(spec, "replicas", json!(1));
    if let Some(strategy) = obj_entry(spec, "strategy") {
        set_if_empty(strategy, "type", json!("RollingUpdate"));
        if str_of(strategy, "type") == "RollingUpdate"
            && let Some(ru) = obj_entry(strategy, "rollingUpdate")
        {
            set_if_missing(ru, "maxUnavailable", json!("25%"));
            set_if_missing(ru, "maxSurge", json!("25%"));
        }
    }
    set_if_missing(spec, "revisionHistoryLimit", json!(10));
    set_if_missing(spec, "progressDeadlineSeconds", json!(600));
    template_of(spec);
}

pub(super) fn stateful_set(root: &mut Map<String, Value>) {
    let Some(spec) = obj_entry(root, "spec") else {
        return;
    };
    set_if_empty(spec, "podManagementPolicy", json!("OrderedReady"));
    if let Some(us) = obj_entry(spec, "updateStrategy") {
        if str_of(us, "type").is_empty() {
            us.insert("type".into(), json!("RollingUpdate"));
            set_if_missing(us, "rollingUpdate", json!({}));
        }
        if str_of(us, "type") == "RollingUpdate"
            && let Some(ru) = obj_mut(us, "rollingUpdate")
        {
            set_if_missing(ru, "partition", json!(0));
        }
    }
    if let Some(p) = obj_entry(spec, "persistentVolumeClaimRetentionPolicy") {
        set_if_empty(p, "whenDeleted", json!("Retain"));
        set_if_empty(p, "whenScaled", json!("Retain"));
    }
    set_if_missing(spec, "replicas", json!(1));
    set_if_missing(spec, "revisionHistoryLimit", json!(10));
    template_of(spec);
    for pvc in each_obj(spec, "volumeClaimTemplates") {
        self::pvc(pvc);
    }
}

pub(super) fn daemon_set(root: &mut Map<String, Value>) {
    let Some(spec) = obj_entry(root, "spec") else {
        return;
    };
    if let Some(us) = obj_entry(spec, "updateStrategy") {
        set_if_empty(us, "type", json!("RollingUpdate"));
        if str_of(us, "type") == "RollingUpdate"
            && let Some(ru) = obj_entry(us, "rollingUpdate")
        {
            set_if_missing(ru, "maxUnavailable", json!(1));
            set_if_missing(ru, "maxSurge", json!(0));
        }
    }
    set_if_missing(spec, "revisionHistoryLimit", json!(10));
    template_of(spec);
}

pub(super) fn replica_set(root: &mut Map<String, Value>) {
    let Some(spec) = obj_entry(root, "spec") else {
        return;
    };
    set_if_missing(spec, "replicas", json!(1));
    template_of(spec);
}

fn job_spec(spec: &mut Map<String, Value>) {
    template_of(spec);
}

pub(super) fn job(root: &mut Map<String, Value>) {
    let template_labels = root
        .get("spec")
        .and_then(|s| s.get("template"))
        .and_then(|t| t.get("metadata"))
        .and_then(|m| m.get("labels"))
        .filter(|l| l.is_object())
        .cloned();
    if let Some(spec) = obj_entry(root, "spec") {
        if spec.get("completions").is_none_or(Value::is_null)
            && spec.get("parallelism").is_none_or(Value::is_null)
        {
            spec.insert("completions".into(), json!(1));
            spec.insert("parallelism".into(), json!(1));
        }
        set_if_missing(spec, "parallelism", json!(1));
        let per_index = spec
            .get("backoffLimitPerIndex")
            .is_some_and(|v| !v.is_null());
        set_if_missing(
            spec,
            "backoffLimit",
            json!(if per_index { i32::MAX } else { 6 }),
        );
        set_if_missing(spec, "completionMode", json!("NonIndexed"));
        set_if_missing(spec, "suspend", json!(false));
        let has_failure_policy = spec.get("podFailurePolicy").is_some_and(|v| !v.is_null());
        if let Some(pfp) = obj_mut(spec, "podFailurePolicy") {
            for rule in each_obj(pfp, "rules") {
                for pattern in each_obj(rule, "onPodConditions") {
                    set_if_empty(pattern, "status", json!("True"));
                }
            }
        }
        let replacement = if has_failure_policy {
            "Failed"
        } else {
            "TerminatingOrFailed"
        };
        set_if_missing(spec, "podReplacementPolicy", json!(replacement));
        job_spec(spec);
    }
    if let Some(labels) = template_labels {
        let metadata = obj_entry(root, "metadata");
        if let Some(metadata) = metadata
            && metadata
                .get("labels")
                .and_then(Value::as_object)
                .is_none_or(Map::is_empty)
        {
            metadata.insert("labels".into(), labels);
        }
    }
}

pub(super) fn cron_job(root: &mut Map<String, Value>) {
    let Some(spec) = obj_entry(root, "spec") else {
        return;
    };
    set_if_empty(spec, "concurrencyPolicy", json!("Allow"));
    set_if_missing(spec, "suspend", json!(false));
    set_if_missing(spec, "successfulJobsHistoryLimit", json!(3));
    set_if_missing(spec, "failedJobsHistoryLimit", json!(1));
    if let Some(js) = obj_mut(spec, "jobTemplate").and_then(|t| obj_mut(t, "spec")) {
        job_spec(js);
    }
}

pub(super) fn service(root: &mut Map<String, Value>) {
    let Some(spec) = obj_entry(root, "spec") else {
        return;
    };
    set_if_empty(spec, "sessionAffinity", json!("None"));
    match str_of(spec, "sessionAffinity") {
        "None" => {
            spec.remove("sessionAffinityConfig");
        }
        "ClientIP" => {
            let has_timeout = spec
                .get("sessionAffinityConfig")
                .and_then(|c| c.get("clientIP"))
                .and_then(|c| c.get("timeoutSeconds"))
                .is_some_and(|t| !t.is_null());
            if !has_timeout {
                spec.insert(
                    "sessionAffinityConfig".into(),
                    json!({"clientIP": {"timeoutSeconds": 10800}}),
                );
            }
        }
        _ => {}
    }
    set_if_empty(spec, "type", json!("ClusterIP"));
    for port in each_obj(spec, "ports") {
        set_if_empty(port, "protocol", json!("TCP"));
        let unset = match port.get("targetPort") {
            None | Some(Value::Null) => true,
            Some(Value::String(s)) => s.is_empty(),
            Some(Value::Number(n)) => n.as_i64() == Some(0),
            _ => false,
        };
        if unset {
            let p = port.get("port").cloned().unwrap_or(json!(0));
            port.insert("targetPort".into(), p);
        }
    }
    let ty = str_of(spec, "type").to_string();
    let externally_accessible = ty == "LoadBalancer"
        || ty == "NodePort"
        || (ty == "ClusterIP"
            && spec
                .get("externalIPs")
                .and_then(Value::as_array)
                .is_some_and(|a| !a.is_empty()));
    if externally_accessible {
        set_if_empty(spec, "externalTrafficPolicy", json!("Cluster"));
    }
    if matches!(ty.as_str(), "NodePort" | "LoadBalancer" | "ClusterIP") {
        set_if_missing(spec, "internalTrafficPolicy", json!("Cluster"));
    }
    if ty == "LoadBalancer" {
        set_if_missing(spec, "allocateLoadBalancerNodePorts", json!(true));
    }
}

pub(super) fn namespace(root: &mut Map<String, Value>) {
    let name = root
        .get("metadata")
        .and_then(|m| m.get("name"))
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_string();
    if !name.is_empty()
        && let Some(labels) = obj_entry(root, "metadata").and_then(|m| obj_entry(m, "labels"))
    {
        labels.insert("kubernetes.io/metadata.name".into(), json!(name));
    }
    if let Some(status) = obj_entry(root, "status") {
        set_if_empty(status, "phase", json!("Active"));
    }
}

pub(super) fn pvc(root: &mut Map<String, Value>) {
    if let Some(spec) = obj_entry(root, "spec") {
        set_if_missing(spec, "volumeMode", json!("Filesystem"));
    }
    if let Some(status) = obj_entry(root, "status") {
        set_if_empty(status, "phase", json!("Pending"));
    }
}

pub(super) fn network_policy(root: &mut Map<String, Value>) {
    let Some(spec) = obj_entry(root, "spec") else {
        return;
    };
    for rules in ["ingress", "egress"] {
        for rule in each_obj(spec, rules) {
            for port in each_obj(rule, "ports") {
                set_if_missing(port, "protocol", json!("TCP"));
            }
        }
    }
    if spec
        .get("policyTypes")
        .and_then(Value::as_array)
        .is_none_or(Vec::is_empty)
    {
        let mut types = vec![json!("Ingress")];
        if spec
            .get("egress")
            .and_then(Value::as_array)
            .is_some_and(|e| !e.is_empty())
        {
            types.push(json!("Egress"));
        }
        spec.insert("policyTypes".into(), Value::Array(types));
    }
}

fn scaling_rules(rules: Option<&Value>, defaults: Value) -> Value {
    let mut out = defaults;
    if let (Some(Value::Object(from)), Some(to)) = (rules, out.as_object_mut()) {
        for key in [
            "selectPolicy",
            "stabilizationWindowSeconds",
            "policies",
            "tolerance",
        ] {
            if let Some(v) = from.get(key).filter(|v| !v.is_null()) {
                to.insert(key.into(), v.clone());
            }
        }
    }
    out
}

pub(super) fn hpa(root: &mut Map<String, Value>) {
    let Some(spec) = obj_entry(root, "spec") else {
        return;
    };
    set_if_missing(spec, "minReplicas", json!(1));
    if spec
        .get("metrics")
        .and_then(Value::as_array)
        .is_none_or(Vec::is_empty)
    {
        spec.insert(
            "metrics".into(),
            json!([{"type": "Resource", "resource": {"name": "cpu",
                "target": {"type": "Utilization", "averageUtilization": 80}}}]),
        );
    }
    if let Some(behavior) = obj_mut(spec, "behavior") {
        let up = scaling_rules(
            behavior.get("scaleUp"),
            json!({"stabilizationWindowSeconds": 0, "selectPolicy": "Max", "policies": [
                {"type": "Pods", "value": 4, "periodSeconds": 15},
                {"type": "Percent", "value": 100, "periodSeconds": 15}]}),
        );
        let down = scaling_rules(
            behavior.get("scaleDown"),
            json!({"stabilizationWindowSeconds": 300, "selectPolicy": "Max", "policies": [
                {"type": "Percent", "value": 100, "periodSeconds": 15}]}),
        );
        behavior.insert("scaleUp".into(), up);
        behavior.insert("scaleDown".into(), down);
    }
}

pub(super) fn role_binding(root: &mut Map<String, Value>) {
    if let Some(role_ref) = obj_mut(root, "roleRef") {
        set_if_empty(role_ref, "apiGroup", json!("rbac.authorization.k8s.io"));
    }
    for subject in each_obj(root, "subjects") {
        if str_of(subject, "apiGroup").is_empty() {
            match str_of(subject, "kind") {
                "ServiceAccount" => {
                    subject.insert("apiGroup".into(), json!(""));
                }
                "User" | "Group" => {
                    subject.insert("apiGroup".into(), json!("rbac.authorization.k8s.io"));
                }
                _ => {}
            }
        }
    }
}

pub(super) fn crd(root: &mut Map<String, Value>) {
    let Some(spec) = obj_entry(root, "spec") else {
        return;
    };
    if let Some(names) = obj_mut(spec, "names") {
        let kind = str_of(names, "kind").to_string();
        set_if_empty(names, "singular", json!(kind.to_lowercase()));
        if !kind.is_empty() {
            set_if_empty(names, "listKind", json!(format!("{kind}List")));
        }
    }
    set_if_missing(spec, "conversion", json!({"strategy": "None"}));
    if let Some(service) = obj_mut(spec, "conversion")
        .and_then(|c| obj_mut(c, "webhook"))
        .and_then(|w| obj_mut(w, "clientConfig"))
        .and_then(|c| obj_mut(c, "service"))
    {
        set_if_missing(service, "port", json!(443));
    }
}

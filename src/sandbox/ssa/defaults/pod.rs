//! Defaults of `PodSpec` and everything in it (core/v1 `SetDefaults_PodSpec`, `_Container`,
//! `_Probe`, volume sources, ...). Pod-only defaults live in [`pod_only`].

use serde_json::{Map, Value, json};

use super::{each_obj, obj_mut, set_if_empty, set_if_missing, str_of};

/// `parsers.ParseImageName`'s tag: after the last `:` that follows the last `/`, unless the
/// reference is by digest.
fn image_tag(image: &str) -> &str {
    let name = image.split('@').next().unwrap_or(image);
    let last = name.rsplit('/').next().unwrap_or(name);
    match last.rsplit_once(':') {
        Some((_, tag)) => tag,
        None if image.contains('@') => "",
        None => "latest",
    }
}

fn container(c: &mut Map<String, Value>) {
    if str_of(c, "imagePullPolicy").is_empty() {
        let policy = if image_tag(str_of(c, "image")) == "latest" {
            "Always"
        } else {
            "IfNotPresent"
        };
        c.insert("imagePullPolicy".into(), json!(policy));
    }
    set_if_empty(c, "terminationMessagePath", json!("/dev/termination-log"));
    set_if_empty(c, "terminationMessagePolicy", json!("File"));
    for port in each_obj(c, "ports") {
        set_if_empty(port, "protocol", json!("TCP"));
    }
    for probe in ["livenessProbe", "readinessProbe", "startupProbe"] {
        if let Some(p) = obj_mut(c, probe) {
            self::probe(p);
        }
    }
    if let Some(lifecycle) = obj_mut(c, "lifecycle") {
        for hook in ["postStart", "preStop"] {
            if let Some(h) = obj_mut(lifecycle, hook).and_then(|h| obj_mut(h, "httpGet")) {
                http_get(h);
            }
        }
    }
    for env in each_obj(c, "env") {
        if let Some(field_ref) = obj_mut(env, "valueFrom").and_then(|v| obj_mut(v, "fieldRef")) {
            set_if_empty(field_ref, "apiVersion", json!("v1"));
        }
    }
}

fn http_get(h: &mut Map<String, Value>) {
    set_if_empty(h, "path", json!("/"));
    set_if_empty(h, "scheme", json!("HTTP"));
}

fn probe(p: &mut Map<String, Value>) {
    set_if_empty(p, "timeoutSeconds", json!(1));
    set_if_empty(p, "periodSeconds", json!(10));
    set_if_empty(p, "successThreshold", json!(1));
    set_if_empty(p, "failureThreshold", json!(3));
    if let Some(h) = obj_mut(p, "httpGet") {
        http_get(h);
    }
    if let Some(g) = obj_mut(p, "grpc") {
        set_if_missing(g, "service", json!(""));
    }
}

const VOLUME_SOURCES: &[&str] = &[
    "awsElasticBlockStore",
    "azureDisk",
    "azureFile",
    "cephfs",
    "cinder",
    "configMap",
    "csi",
    "downwardAPI",
    "emptyDir",
    "ephemeral",
    "fc",
    "flexVolume",
    "flocker",
    "gcePersistentDisk",
    "gitRepo",
    "glusterfs",
    "hostPath",
    "image",
    "iscsi",
    "nfs",
    "persistentVolumeClaim",
    "photonPersistentDisk",
    "portworxVolume",
    "projected",
    "quobyte",
    "rbd",
    "scaleIO",
    "secret",
    "storageos",
    "vsphereVolume",
];

fn volume(v: &mut Map<String, Value>) {
    if VOLUME_SOURCES
        .iter()
        .all(|s| v.get(*s).is_none_or(Value::is_null))
    {
        v.insert("emptyDir".into(), json!({}));
    }
    for source in ["secret", "configMap", "downwardAPI", "projected"] {
        if let Some(s) = obj_mut(v, source) {
            // 0644, the default mode of every projected-file volume source.
            set_if_missing(s, "defaultMode", json!(420));
        }
    }
    if let Some(h) = obj_mut(v, "hostPath") {
        set_if_missing(h, "type", json!(""));
    }
    if let Some(d) = obj_mut(v, "downwardAPI") {
        for item in each_obj(d, "items") {
            if let Some(f) = obj_mut(item, "fieldRef") {
                set_if_empty(f, "apiVersion", json!("v1"));
            }
        }
    }
    if let Some(p) = obj_mut(v, "projected") {
        for source in each_obj(p, "sources") {
            if let Some(t) = obj_mut(source, "serviceAccountToken") {
                set_if_missing(t, "expirationSeconds", json!(3600));
            }
            if let Some(d) = obj_mut(source, "downwardAPI") {
                for item in each_obj(d, "items") {
                    if let Some(f) = obj_mut(item, "fieldRef") {
                        set_if_empty(f, "apiVersion", json!("v1"));
                    }
                }
            }
        }
    }
    if let Some(e) = obj_mut(v, "ephemeral")
        .and_then(|e| obj_mut(e, "volumeClaimTemplate"))
        .and_then(|t| obj_mut(t, "spec"))
    {
        set_if_missing(e, "volumeMode", json!("Filesystem"));
    }
}

/// `SetDefaults_PodSpec` and the defaults of everything a pod spec contains.
pub(crate) fn pod_spec(spec: &mut Map<String, Value>) {
    set_if_empty(spec, "dnsPolicy", json!("ClusterFirst"));
    set_if_empty(spec, "restartPolicy", json!("Always"));
    set_if_missing(spec, "securityContext", json!({}));
    set_if_missing(spec, "terminationGracePeriodSeconds", json!(30));
    set_if_empty(spec, "schedulerName", json!("default-scheduler"));
    for key in ["containers", "initContainers", "ephemeralContainers"] {
        for c in each_obj(spec, key) {
            container(c);
        }
    }
    for v in each_obj(spec, "volumes") {
        volume(v);
    }
}

/// `SetDefaults_Pod`: defaults only a Pod (not a template) gets.
pub(crate) fn pod_only(spec: &mut Map<String, Value>) {
    set_if_missing(spec, "enableServiceLinks", json!(true));
    let host_network = spec
        .get("hostNetwork")
        .and_then(Value::as_bool)
        .unwrap_or(false);
    for key in ["containers", "initContainers"] {
        for c in each_obj(spec, key) {
            if let Some(resources) = obj_mut(c, "resources")
                && let Some(limits) = resources.get("limits").and_then(Value::as_object).cloned()
            {
                let requests = resources
                    .entry("requests")
                    .or_insert_with(|| Value::Object(Map::new()));
                if let Some(requests) = requests.as_object_mut() {
                    for (k, v) in limits {
                        requests.entry(k).or_insert(v);
                    }
                }
            }
            if host_network {
                for port in each_obj(c, "ports") {
                    let container_port = port.get("containerPort").cloned().unwrap_or(json!(0));
                    set_if_empty(port, "hostPort", container_port);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn image_pull_policy_follows_the_tag() {
        assert_eq!(image_tag("nginx"), "latest");
        assert_eq!(image_tag("nginx:latest"), "latest");
        assert_eq!(image_tag("nginx:1.25"), "1.25");
        assert_eq!(image_tag("registry:5000/app"), "latest");
        assert_eq!(image_tag("registry:5000/app:v1"), "v1");
        assert_eq!(image_tag("app@sha256:abc"), "");
    }

    #[test]
    fn volumes_without_source_become_empty_dirs() {
        let mut spec =
            json!({"volumes": [{"name": "a"}, {"name": "b", "secret": {"secretName": "s"}}]});
        pod_spec(spec.as_object_mut().expect("object"));
        assert_eq!(spec["volumes"][0]["emptyDir"], json!({}));
        assert_eq!(spec["volumes"][1]["secret"]["defaultMode"], json!(420));
    }
}

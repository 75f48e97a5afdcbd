//! What the registries of particular kinds do on write, beyond generic storage: Service IP
//! and node-port allocation, the Namespace name label, CRD names/established status and the
//! serving of custom resources.

use std::collections::HashSet;

use serde_json::{Value, json};

use crate::sandbox::catalog::{ResourceType, types_from_crd};
use crate::sandbox::objects::now;
use crate::sandbox::server::AppState;
use crate::sandbox::status::ApiError;
use crate::sandbox::store::Key;

fn is(rt: &ResourceType, group: &str, resource: &str) -> bool {
    rt.group == group && rt.resource == resource && !rt.custom
}

/// Kind-specific validation of a create or update.
pub fn validate(rt: &ResourceType, object: &Value) -> Result<(), ApiError> {
    // Namespaces and Services are named by DNS labels (Services: starting with a letter),
    // stricter than the subdomain rule every name already passed.
    let name = object["metadata"]["name"].as_str().unwrap_or("");
    let label_rule = if is(rt, "", "namespaces") {
        Some((
            "a lowercase RFC 1123 label",
            name.len() <= 63 && !name.contains('.'),
        ))
    } else if is(rt, "", "services") {
        let starts_alpha = name.bytes().next().is_some_and(|b| b.is_ascii_lowercase());
        Some((
            "a DNS-1035 label",
            name.len() <= 63 && !name.contains('.') && starts_alpha,
        ))
    } else {
        None
    };
    if let Some((rule, false)) = label_rule {
        return Err(ApiError::invalid(
            rt,
            name,
            &[(
                "metadata.name",
                "FieldValueInvalid",
                format!("Invalid value: \"{name}\": must be {rule}"),
            )],
        ));
    }
    if is(rt, "apiextensions.k8s.io", "customresourcedefinitions") {
        let name = object["metadata"]["name"].as_str().unwrap_or("");
        let plural = object["spec"]["names"]["plural"].as_str().unwrap_or("");
        let group = object["spec"]["group"].as_str().unwrap_or("");
        if name != format!("{plural}.{group}") {
            return Err(ApiError::invalid(
                rt,
                name,
                &[(
                    "metadata.name",
                    "FieldValueInvalid",
                    format!(
                        "Invalid value: \"{name}\": must be spec.names.plural+\".\"+spec.group"
                    ),
                )],
            ));
        }
        let versions = object["spec"]["versions"]
            .as_array()
            .map(Vec::len)
            .unwrap_or(0);
        if versions == 0 {
            return Err(ApiError::invalid(
                rt,
                name,
                &[(
                    "spec.versions",
                    "FieldValueRequired",
                    "Required value: must have exactly one version marked as storage version"
                        .into(),
                )],
            ));
        }
    }
    Ok(())
}

/// Fields the registry fills on create (after field management, so nobody owns them).
pub fn on_create(state: &AppState, rt: &ResourceType, object: &mut Value) {
    if is(rt, "", "services") {
        allocate_service(state, object, None);
    }
    if is(rt, "", "namespaces") {
        // The SSA engine's defaulting adds the `kubernetes` finalizer.
        label_namespace(object);
    }
}

/// Fields the registry keeps or fills on update.
pub fn on_update(state: &AppState, rt: &ResourceType, old: &Value, object: &mut Value) {
    if is(rt, "", "services") {
        allocate_service(state, object, Some(old));
    }
    if is(rt, "", "namespaces") {
        label_namespace(object);
    }
}

fn label_namespace(object: &mut Value) {
    let name = object["metadata"]["name"]
        .as_str()
        .unwrap_or("")
        .to_string();
    let meta = crate::sandbox::objects::meta_mut(object);
    let labels = meta.entry("labels").or_insert_with(|| json!({}));
    if labels.is_object() {
        labels["kubernetes.io/metadata.name"] = json!(name);
    }
}

/// ClusterIP (10.96.0.0/12) and node ports, kept from the old object when the new one omits them.
fn allocate_service(state: &AppState, object: &mut Value, old: Option<&Value>) {
    let Some(spec) = object.get_mut("spec").and_then(Value::as_object_mut) else {
        return;
    };
    let kind = spec
        .get("type")
        .and_then(Value::as_str)
        .unwrap_or("ClusterIP")
        .to_string();
    if kind == "ExternalName" {
        return;
    }
    let old_spec = old.map(|o| &o["spec"]);
    if spec
        .get("clusterIP")
        .and_then(Value::as_str)
        .unwrap_or("")
        .is_empty()
    {
        let ip = match old_spec.and_then(|s| s["clusterIP"].as_str()) {
            Some(ip) if !ip.is_empty() => ip.to_string(),
            _ => free_cluster_ip(state),
        };
        spec.insert("clusterIP".into(), json!(ip));
    }
    let ip = spec.get("clusterIP").cloned().unwrap_or(Value::Null);
    if spec.get("clusterIPs").is_none_or(Value::is_null) {
        spec.insert("clusterIPs".into(), json!([ip]));
    }
    if spec.get("ipFamilies").is_none_or(Value::is_null) && ip != json!("None") {
        spec.insert("ipFamilies".into(), json!(["IPv4"]));
    }
    if spec.get("ipFamilyPolicy").is_none_or(Value::is_null) {
        spec.insert("ipFamilyPolicy".into(), json!("SingleStack"));
    }
    if kind == "NodePort" || kind == "LoadBalancer" {
        let old_ports = old_spec
            .and_then(|s| s["ports"].as_array())
            .cloned()
            .unwrap_or_default();
        if let Some(ports) = spec.get_mut("ports").and_then(Value::as_array_mut) {
            let mut used: HashSet<u64> = ports
                .iter()
                .filter_map(|p| p["nodePort"].as_u64())
                .collect();
            for p in ports.iter_mut() {
                if p["nodePort"].as_u64().is_some() {
                    continue;
                }
                let kept = old_ports
                    .iter()
                    .find(|o| o["port"] == p["port"])
                    .and_then(|o| o["nodePort"].as_u64());
                let port = kept
                    .unwrap_or_else(|| (30000..32768).find(|n| !used.contains(n)).unwrap_or(30000));
                used.insert(port);
                p["nodePort"] = json!(port);
            }
        }
    }
}

fn free_cluster_ip(state: &AppState) -> String {
    let (services, _) = state.store.list("", "services", None);
    let used: HashSet<String> = services
        .iter()
        .filter_map(|(_, s)| s["spec"]["clusterIP"].as_str().map(String::from))
        .collect();
    (11u32..65000)
        .map(|n| format!("10.96.{}.{}", n / 256, n % 256))
        .find(|ip| !used.contains(ip) && !ip.ends_with(".0") && !ip.ends_with(".255"))
        .unwrap_or_else(|| "10.96.255.254".into())
}

/// After a CRD is stored: serve its types and report it established.
pub fn after_commit(state: &AppState, rt: &ResourceType, key: &Key, stored: &Value) {
    if !is(rt, "apiextensions.k8s.io", "customresourcedefinitions") {
        return;
    }
    state
        .catalog_mut()
        .set_custom(&key.3, types_from_crd(stored));
    let status = crd_status(stored);
    if stored.get("status") != Some(&status) {
        let rt = rt.clone();
        if let Err(e) = super::write::write_status_locked(state, &rt, key, status, "kube-apiserver")
        {
            tracing::warn!(crd = %key.3, code = e.code, "could not write CRD status");
        }
    }
}

/// The status the apiextensions controllers give a CRD whose names are accepted.
fn crd_status(crd: &Value) -> Value {
    let names = &crd["spec"]["names"];
    let kind = names["kind"].as_str().unwrap_or("");
    let mut accepted = json!({
        "plural": names["plural"], "kind": kind,
        "singular": names["singular"].as_str().map(String::from).unwrap_or_else(|| kind.to_ascii_lowercase()),
        "listKind": names["listKind"].as_str().map(String::from).unwrap_or_else(|| format!("{kind}List")),
    });
    for field in ["shortNames", "categories"] {
        if names[field].is_array() {
            accepted[field] = names[field].clone();
        }
    }
    let old_conditions = crd["status"]["conditions"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let condition = |ty: &str, reason: &str, message: &str| {
        let since = old_conditions
            .iter()
            .find(|c| c["type"] == ty && c["status"] == "True")
            .and_then(|c| c["lastTransitionTime"].as_str().map(String::from))
            .unwrap_or_else(now);
        json!({"type": ty, "status": "True", "reason": reason, "message": message, "lastTransitionTime": since})
    };
    let mut stored: Vec<Value> = crd["status"]["storedVersions"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    for v in crd["spec"]["versions"].as_array().into_iter().flatten() {
        if v["storage"].as_bool() == Some(true) && !stored.contains(&v["name"]) {
            stored.push(v["name"].clone());
        }
    }
    json!({
        "acceptedNames": accepted,
        "conditions": [
            condition("NamesAccepted", "NoConflicts", "no conflicts found"),
            condition("Established", "InitialNamesAccepted", "the initial names have been accepted"),
        ],
        "storedVersions": stored,
    })
}

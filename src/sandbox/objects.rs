//! Small helpers on objects as the server sees them: metadata access, server-owned fields
//! (uid, timestamps, generation), name validation and the per-kind initial status.

use serde_json::{Map, Value, json};

use super::catalog::ResourceType;

/// RFC 3339 with seconds precision, as metav1.Time serializes.
pub fn now() -> String {
    jiff::Timestamp::now()
        .strftime("%Y-%m-%dT%H:%M:%SZ")
        .to_string()
}

/// A random UUID v4 string.
pub fn new_uid() -> String {
    let mut b = [0u8; 16];
    rand::fill(&mut b);
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    let h = hex::encode(b);
    format!(
        "{}-{}-{}-{}-{}",
        &h[0..8],
        &h[8..12],
        &h[12..16],
        &h[16..20],
        &h[20..32]
    )
}

/// The 5-character suffix of `generateName` (the apiserver's alphabet without vowels).
pub fn name_suffix() -> String {
    const ALPHABET: &[u8] = b"bcdfghjklmnpqrstvwxz2456789";
    (0..5)
        .map(|_| ALPHABET[rand::random_range(0..ALPHABET.len())] as char)
        .collect()
}

pub fn meta_str<'a>(object: &'a Value, field: &str) -> Option<&'a str> {
    object["metadata"][field].as_str()
}

/// `metadata` as a mutable map, created when missing or not a map.
pub fn meta_mut(object: &mut Value) -> &mut Map<String, Value> {
    if !object.is_object() {
        *object = Value::Object(Map::new());
    }
    let Value::Object(map) = object else {
        unreachable!("made an object above")
    };
    let entry = map
        .entry("metadata")
        .or_insert_with(|| Value::Object(Map::new()));
    if !entry.is_object() {
        *entry = Value::Object(Map::new());
    }
    let Value::Object(meta) = entry else {
        unreachable!("made an object above")
    };
    meta
}

pub fn finalizers(object: &Value) -> Vec<String> {
    object["metadata"]["finalizers"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|f| f.as_str().map(String::from))
                .collect()
        })
        .unwrap_or_default()
}

/// A DNS-1123 subdomain (most object names) — the message the real validator gives, or None.
pub fn invalid_name(name: &str) -> Option<String> {
    let ok = !name.is_empty()
        && name.len() <= 253
        && name.split('.').all(|label| {
            !label.is_empty()
                && label
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
                && !label.starts_with('-')
                && !label.ends_with('-')
        });
    (!ok).then(|| {
        format!(
            "Invalid value: \"{name}\": a lowercase RFC 1123 subdomain must consist of lower case \
             alphanumeric characters, '-' or '.', and must start and end with an alphanumeric \
             character (e.g. 'example.com', regex used for validation is \
             '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')"
        )
    })
}

/// What the object's generation tracks: everything but metadata (and status when it is a
/// subresource), so metadata-only changes never bump it.
pub fn generation_basis(rt: &ResourceType, object: &Value) -> Value {
    let mut basis = object.clone();
    if let Some(map) = basis.as_object_mut() {
        for field in ["metadata", "apiVersion", "kind"] {
            map.remove(field);
        }
        if rt.status {
            map.remove("status");
        }
    }
    basis
}

/// Deployments also bump generation on annotation changes (they are copied to ReplicaSets).
pub fn bumps_generation(rt: &ResourceType, old: &Value, new: &Value) -> bool {
    if !rt.generation {
        return false;
    }
    let annotations_count = rt.group == "apps" && rt.resource == "deployments";
    generation_basis(rt, old) != generation_basis(rt, new)
        || (annotations_count && old["metadata"]["annotations"] != new["metadata"]["annotations"])
}

/// The status the registry gives an object on create (user-supplied status is dropped).
pub fn initial_status(rt: &ResourceType) -> Option<Value> {
    if !rt.status {
        return None;
    }
    Some(match (rt.group.as_str(), rt.resource.as_str()) {
        ("", "namespaces") => json!({"phase": "Active"}),
        ("", "pods") => json!({"phase": "Pending", "qosClass": "BestEffort"}),
        ("", "persistentvolumeclaims") => json!({"phase": "Pending"}),
        ("", "persistentvolumes") => json!({"phase": "Pending"}),
        ("", "services") => json!({"loadBalancer": {}}),
        ("networking.k8s.io", "ingresses") => json!({"loadBalancer": {}}),
        ("policy", "poddisruptionbudgets") => {
            json!({"currentHealthy": 0, "desiredHealthy": 0, "disruptionsAllowed": 0, "expectedPods": 0})
        }
        ("autoscaling", _) => json!({"currentReplicas": 0, "desiredReplicas": 0}),
        _ if rt.custom => return None,
        _ => json!({}),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uid_is_v4() {
        let u = new_uid();
        assert_eq!(u.len(), 36);
        assert_eq!(&u[14..15], "4");
        assert_ne!(u, new_uid());
    }

    #[test]
    fn names() {
        assert!(invalid_name("web-1.example").is_none());
        assert!(invalid_name("Web").is_some());
        assert!(invalid_name("-a").is_some());
        assert!(invalid_name("").is_some());
        assert_eq!(name_suffix().len(), 5);
    }

    #[test]
    fn time_format() {
        let t = now();
        assert_eq!(t.len(), 20);
        assert!(t.ends_with('Z'));
    }

    #[test]
    fn generation_follows_the_registries() {
        let catalog = crate::sandbox::catalog::Catalog::new();
        let deploy = catalog.find("apps", "v1", "deployments").expect("builtin");
        let sts = catalog.find("apps", "v1", "statefulsets").expect("builtin");
        let cm = catalog.find("", "v1", "configmaps").expect("builtin");
        let old = json!({"metadata": {"labels": {"a": "1"}}, "spec": {"replicas": 1}, "status": {"x": 1}});
        let relabelled = json!({"metadata": {"labels": {"a": "2"}}, "spec": {"replicas": 1}, "status": {"x": 1}});
        let annotated = json!({"metadata": {"annotations": {"a": "1"}}, "spec": {"replicas": 1}});
        let scaled = json!({"metadata": {}, "spec": {"replicas": 2}, "status": {"x": 2}});
        assert!(!bumps_generation(&deploy, &old, &relabelled));
        assert!(bumps_generation(&deploy, &old, &scaled));
        assert!(
            bumps_generation(&deploy, &old, &annotated),
            "deployment annotations are copied to ReplicaSets"
        );
        assert!(!bumps_generation(&sts, &old, &annotated));
        assert!(
            !bumps_generation(&cm, &old, &scaled),
            "kinds without generation"
        );
    }
}

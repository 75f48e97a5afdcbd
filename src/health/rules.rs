//! Rules shared by every kind: kstatus' generic checks (observed generation, the
//! `Reconciling`/`Stalled` conditions), the `Ready` condition of kinds without rules of their
//! own, and small accessors for status fields.

use serde_json::Value;

use super::Health;

/// A condition of `object.status.conditions` by type.
pub fn condition<'a>(object: &'a Value, ty: &str) -> Option<&'a Value> {
    object
        .pointer("/status/conditions")?
        .as_array()?
        .iter()
        .find(|c| c["type"] == ty)
}

/// Whether condition `ty` has status `status` ("True", "False", "Unknown").
pub fn condition_is(object: &Value, ty: &str, status: &str) -> bool {
    condition(object, ty).is_some_and(|c| c["status"] == status)
}

/// An integer field; absent or not a number reads as `default`.
pub fn int(object: &Value, pointer: &str, default: i64) -> i64 {
    object
        .pointer(pointer)
        .and_then(Value::as_i64)
        .unwrap_or(default)
}

/// A string field, or "".
pub fn text<'a>(object: &'a Value, pointer: &str) -> &'a str {
    object
        .pointer(pointer)
        .and_then(Value::as_str)
        .unwrap_or("")
}

/// The checks kstatus runs before the kind's own: a generation not yet observed, then the
/// abnormal-true conditions `Reconciling` and `Stalled`.
pub fn generic(object: &Value) -> Option<Health> {
    let generation = object
        .pointer("/metadata/generation")
        .and_then(Value::as_i64);
    let observed = object
        .pointer("/status/observedGeneration")
        .and_then(Value::as_i64);
    if let (Some(generation), Some(observed)) = (generation, observed)
        && generation != observed
    {
        return Some(Health::in_progress(format!(
            "{} generation is {generation}, but latest observed generation is {observed}",
            object["kind"].as_str().unwrap_or("Resource")
        )));
    }
    if let Some(c) = condition(object, "Reconciling").filter(|c| c["status"] == "True") {
        return Some(Health::in_progress(message_of(c, "Reconciling")));
    }
    if let Some(c) = condition(object, "Stalled").filter(|c| c["status"] == "True") {
        return Some(Health::failed(message_of(c, "Stalled")));
    }
    None
}

/// Kinds without rules of their own: `Ready=True` is Current, `Ready` otherwise is
/// InProgress, no `Ready` condition at all is Current.
pub fn ready_condition(object: &Value) -> Health {
    match condition(object, "Ready") {
        Some(c) if c["status"] == "True" => Health::current("Resource is Ready"),
        Some(c) => Health::in_progress(message_of(c, "Resource not Ready")),
        None => Health::current("Resource is current"),
    }
}

fn message_of(c: &Value, fallback: &str) -> String {
    match (c["reason"].as_str(), c["message"].as_str()) {
        (_, Some(m)) if !m.is_empty() => m.to_string(),
        (Some(r), _) if !r.is_empty() => r.to_string(),
        _ => fallback.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::health::Status;

    #[test]
    fn unobserved_generation_is_in_progress() {
        let obj = json!({"kind": "Foo", "metadata": {"generation": 3},
            "status": {"observedGeneration": 2}});
        assert_eq!(generic(&obj).map(|h| h.status), Some(Status::InProgress));
        let obj = json!({"kind": "Foo", "metadata": {"generation": 3}, "status": {}});
        assert_eq!(generic(&obj), None);
    }

    #[test]
    fn stalled_is_failed_and_reconciling_in_progress() {
        let stalled = json!({"status": {"conditions": [
            {"type": "Stalled", "status": "True", "message": "bad config"}]}});
        assert_eq!(generic(&stalled), Some(Health::failed("bad config")));
        let reconciling = json!({"status": {"conditions": [
            {"type": "Reconciling", "status": "True", "reason": "Progressing"}]}});
        assert_eq!(
            generic(&reconciling),
            Some(Health::in_progress("Progressing"))
        );
    }

    #[test]
    fn ready_condition_decides_unknown_kinds() {
        let ready = |s: &str| json!({"status": {"conditions": [{"type": "Ready", "status": s}]}});
        assert_eq!(ready_condition(&ready("True")).status, Status::Current);
        assert_eq!(ready_condition(&ready("False")).status, Status::InProgress);
        assert_eq!(
            ready_condition(&ready("Unknown")).status,
            Status::InProgress
        );
        assert_eq!(ready_condition(&json!({})).status, Status::Current);
    }
}

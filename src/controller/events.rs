//! Kubernetes Events on an environment's ApplySet parent, so `kubectl describe` and
//! `kubectl get events` show what the controller did (synced, unhealthy, rolled back, drift
//! corrected, blocked by policy). Best effort: a failed event write is logged, never
//! retried, never fails a reconcile. Messages name objects and conditions, never values.

use k8s_openapi::api::core::v1::{Event, EventSource, ObjectReference};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{MicroTime, ObjectMeta, Time};
use kube::Api;
use kube::api::PostParams;

use super::pipeline::ObjectRef;

/// The event's severity.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EventType {
    Normal,
    Warning,
}

/// What an event says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Note {
    pub kind: EventType,
    /// CamelCase: `Synced`, `Unhealthy`, `RolledBack`, `DriftCorrected`, `PolicyDenied`...
    pub reason: &'static str,
    pub message: String,
}

const MAX_MESSAGE: usize = 1024;

fn truncate(text: &str) -> String {
    if text.len() <= MAX_MESSAGE {
        return text.to_string();
    }
    let mut end = MAX_MESSAGE - 3;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}...", &text[..end])
}

/// The Event object for `note` about `parent`.
pub fn event_for(parent: &ObjectRef, note: &Note, identity: &str) -> Event {
    let now = k8s_openapi::jiff::Timestamp::now();
    let namespace = if parent.namespace.is_empty() {
        "default".to_string()
    } else {
        parent.namespace.clone()
    };
    let name = format!(
        "{}.{:x}{:04x}",
        parent.name,
        now.as_nanosecond(),
        rand::random::<u16>()
    );
    Event {
        metadata: ObjectMeta {
            name: Some(name),
            namespace: Some(namespace),
            ..ObjectMeta::default()
        },
        involved_object: ObjectReference {
            api_version: Some(parent.api_version.clone()),
            kind: Some(parent.kind.clone()),
            name: Some(parent.name.clone()),
            namespace: (!parent.namespace.is_empty()).then(|| parent.namespace.clone()),
            ..ObjectReference::default()
        },
        reason: Some(note.reason.to_string()),
        message: Some(truncate(&note.message)),
        type_: Some(
            match note.kind {
                EventType::Normal => "Normal",
                EventType::Warning => "Warning",
            }
            .to_string(),
        ),
        source: Some(EventSource {
            component: Some("converge".into()),
            host: None,
        }),
        reporting_component: Some("converge".into()),
        reporting_instance: Some(identity.to_string()),
        action: Some(note.reason.to_string()),
        first_timestamp: Some(Time(now)),
        last_timestamp: Some(Time(now)),
        event_time: Some(MicroTime(now)),
        count: Some(1),
        ..Event::default()
    }
}

/// Records `note` on `parent` (best effort).
pub async fn record(client: &kube::Client, parent: &ObjectRef, note: &Note, identity: &str) {
    let event = event_for(parent, note, identity);
    let namespace = event.metadata.namespace.clone().unwrap_or_default();
    let api: Api<Event> = Api::namespaced(client.clone(), &namespace);
    if let Err(error) = api.create(&PostParams::default(), &event).await {
        tracing::debug!(%error, reason = note.reason, parent = %parent.name, "could not record an event");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn events_point_at_the_parent_and_stay_short() {
        let parent = ObjectRef {
            api_version: "v1".into(),
            kind: "Secret".into(),
            namespace: "ml-staging".into(),
            name: "converge-staging".into(),
        };
        let note = Note {
            kind: EventType::Warning,
            reason: "Unhealthy",
            message: "é".repeat(2000),
        };
        let event = event_for(&parent, &note, "pod-a");
        assert_eq!(
            event.involved_object.name.as_deref(),
            Some("converge-staging")
        );
        assert_eq!(event.metadata.namespace.as_deref(), Some("ml-staging"));
        assert_eq!(event.type_.as_deref(), Some("Warning"));
        assert!(
            event
                .message
                .as_deref()
                .is_some_and(|m| m.len() <= MAX_MESSAGE)
        );
        let name = event.metadata.name.unwrap_or_default();
        assert!(name.starts_with("converge-staging."), "{name}");
    }
}

//! Watch streams: one JSON event per line over a chunked 200 response, with the
//! resourceVersion rules of the real server (unset/"0" = current state first, N = changes
//! after N, too old = in-stream 410 ERROR), selectors with enter/leave transitions,
//! bookmarks, `sendInitialEvents`, `timeoutSeconds` and the dropped-watch fault.

use std::convert::Infallible;
use std::sync::Arc;
use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::response::{IntoResponse, Response};
use http::{HeaderValue, header};
use serde_json::{Value, json};
use tokio::sync::{broadcast, mpsc};

use super::Ctx;
use super::read::selectors;
use crate::sandbox::request::Form;
use crate::sandbox::selector::{FieldSelector, LabelSelector};
use crate::sandbox::status::ApiError;
use crate::sandbox::store::{Event, EventType};

/// The real server's default watch length is 30–60 minutes; one fixed value is enough.
const DEFAULT_TIMEOUT: Duration = Duration::from_secs(1800);
/// Bookmarks go out about once a minute, as the real server sends them.
const BOOKMARK_EVERY: Duration = Duration::from_secs(60);

struct Filter {
    group: String,
    resource: String,
    namespace: Option<String>,
    labels: LabelSelector,
    fields: FieldSelector,
}

impl Filter {
    fn matches(&self, object: &Value) -> bool {
        self.labels.matches(object) && self.fields.matches(object)
    }

    /// What a watcher with this filter sees of an event, if anything.
    fn translate(&self, event: &Event) -> Option<(&'static str, Value)> {
        let (group, resource, namespace, _) = &event.key;
        if *group != self.group
            || *resource != self.resource
            || self.namespace.as_ref().is_some_and(|ns| ns != namespace)
        {
            return None;
        }
        let now = self.matches(&event.object);
        let kind = match event.kind {
            EventType::Added | EventType::Deleted if now => event.kind.as_str(),
            EventType::Modified => match (
                event
                    .previous
                    .as_ref()
                    .map(|p| self.matches(p))
                    .unwrap_or(true),
                now,
            ) {
                (true, true) => "MODIFIED",
                (false, true) => "ADDED",
                (true, false) => "DELETED",
                (false, false) => return None,
            },
            _ => return None,
        };
        Some((kind, event.object.clone()))
    }
}

fn line(kind: &str, object: Value) -> Bytes {
    let mut text = json!({"type": kind, "object": object}).to_string();
    text.push('\n');
    Bytes::from(text)
}

fn bookmark(ctx: &Ctx, rv: u64, initial_end: bool) -> Bytes {
    let (kind, api_version) = match ctx.form() {
        Form::Full | Form::Table => (ctx.rt.kind.clone(), ctx.rt.api_version()),
        Form::Metadata => (
            "PartialObjectMetadata".to_string(),
            "meta.k8s.io/v1".to_string(),
        ),
    };
    let mut metadata = json!({"resourceVersion": rv.to_string()});
    if initial_end {
        metadata["annotations"] = json!({"k8s.io/initial-events-end": "true"});
    }
    line(
        "BOOKMARK",
        json!({"kind": kind, "apiVersion": api_version, "metadata": metadata}),
    )
}

fn expired_line(requested: &str, oldest: u64) -> Bytes {
    let status = ApiError::expired(format!("too old resource version: {requested} ({oldest})"));
    line("ERROR", status.body)
}

pub async fn watch(ctx: Ctx) -> Response {
    match start(ctx) {
        Ok(resp) => resp,
        Err(e) => e.into_response(),
    }
}

fn start(ctx: Ctx) -> Result<Response, ApiError> {
    let (labels, fields) = selectors(&ctx)?;
    let filter = Filter {
        group: ctx.rt.group.clone(),
        resource: ctx.rt.resource.clone(),
        namespace: ctx.path.namespace.clone(),
        labels,
        fields,
    };
    let bookmarks = ctx.query.flag("allowWatchBookmarks");
    let send_initial = ctx.query.get("sendInitialEvents") == Some("true");
    if send_initial {
        if ctx.query.get("resourceVersionMatch") != Some("NotOlderThan") {
            return Err(ApiError::bad_request(
                "resourceVersionMatch: Forbidden: sendInitialEvents requires setting resourceVersionMatch to NotOlderThan",
            ));
        }
        if !bookmarks {
            return Err(ApiError::bad_request(
                "allowWatchBookmarks: Forbidden: sendInitialEvents requires setting allowWatchBookmarks to true",
            ));
        }
    }
    let timeout = match ctx.query.get("timeoutSeconds") {
        Some(t) => Duration::from_secs(t.parse().map_err(|_| {
            ApiError::bad_request(format!("timeoutSeconds: Invalid value: \"{t}\""))
        })?),
        None => DEFAULT_TIMEOUT,
    };
    let requested = ctx.query.get("resourceVersion").unwrap_or("").to_string();
    // (counts towards the dropped-watch fault, chunk): bookmarks and errors do not count.
    let mut first: Vec<(bool, Bytes)> = Vec::new();
    let rx = if send_initial || requested.is_empty() || requested == "0" {
        let (objects, rv, rx) = ctx.state.store.snapshot_and_subscribe(
            &filter.group,
            &filter.resource,
            filter.namespace.as_deref(),
        );
        first.extend(
            objects
                .into_iter()
                .filter(|(_, o)| filter.matches(o))
                .map(|(_, o)| (true, line("ADDED", ctx.present(o)))),
        );
        if send_initial {
            first.push((false, bookmark(&ctx, rv, true)));
        }
        Some((rx, rv))
    } else {
        let rv: u64 = requested.parse().map_err(|_| {
            ApiError::bad_request(format!(
                "resourceVersion: Invalid value: \"{requested}\": must be a number"
            ))
        })?;
        match ctx.state.store.resume(rv) {
            Ok(resume) => {
                for event in &resume.backlog {
                    if let Some((kind, object)) = filter.translate(event) {
                        first.push((true, line(kind, ctx.present(object))));
                    }
                }
                Some((resume.rx, resume.rv))
            }
            Err(oldest) => {
                first.push((false, expired_line(&requested, oldest)));
                None
            }
        }
    };
    let (tx, out) = mpsc::channel::<Bytes>(64);
    tokio::spawn(produce(ctx, filter, first, rx, tx, timeout, bookmarks));
    let stream = futures::stream::unfold(out, |mut out| async move {
        out.recv()
            .await
            .map(|chunk| (Ok::<_, Infallible>(chunk), out))
    });
    let mut resp = Body::from_stream(stream).into_response();
    resp.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    Ok(resp)
}

async fn produce(
    ctx: Ctx,
    filter: Filter,
    first: Vec<(bool, Bytes)>,
    rx: Option<(broadcast::Receiver<Arc<Event>>, u64)>,
    tx: mpsc::Sender<Bytes>,
    timeout: Duration,
    bookmarks: bool,
) {
    let drop_after = ctx.state.faults().drop_watch_after_events;
    let mut sent = 0usize;
    let dropped = |sent: usize| drop_after.is_some_and(|n| sent >= n);
    for (counts, chunk) in first {
        if counts && dropped(sent) {
            return;
        }
        if tx.send(chunk).await.is_err() {
            return;
        }
        sent += usize::from(counts);
    }
    // The newest resourceVersion this watcher has seen: bookmarks never name a later one, so a
    // client resuming from a bookmark misses nothing still queued for it.
    let Some((mut rx, mut last_rv)) = rx else {
        return;
    };
    if dropped(sent) {
        return;
    }
    let mut closing = ctx.state.closing.clone();
    let deadline = tokio::time::sleep(timeout);
    tokio::pin!(deadline);
    let mut ticks =
        tokio::time::interval_at(tokio::time::Instant::now() + BOOKMARK_EVERY, BOOKMARK_EVERY);
    loop {
        tokio::select! {
            _ = &mut deadline => {
                if bookmarks {
                    // The client may be gone already; the stream ends either way.
                    let _ = tx.send(bookmark(&ctx, last_rv, false)).await;
                }
                return;
            }
            _ = ticks.tick(), if bookmarks => {
                if tx.send(bookmark(&ctx, last_rv, false)).await.is_err() {
                    return;
                }
            }
            _ = async { closing.wait_for(|c| *c).await.is_ok() } => return,
            _ = tx.closed() => return,
            received = rx.recv() => match received {
                Ok(event) => {
                    last_rv = last_rv.max(event.rv);
                    let Some((kind, object)) = filter.translate(&event) else { continue };
                    if tx.send(line(kind, ctx.present(object))).await.is_err() {
                        return;
                    }
                    sent += 1;
                    if dropped(sent) {
                        return;
                    }
                }
                Err(broadcast::error::RecvError::Lagged(_)) => {
                    // Too slow to keep up: make the client relist, as an expired watch does.
                    let _ = tx.send(expired_line("0", ctx.state.store.compacted())).await;
                    return;
                }
                Err(broadcast::error::RecvError::Closed) => return,
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sandbox::store::key;

    fn filter(labels: &str) -> Filter {
        Filter {
            group: String::new(),
            resource: "configmaps".into(),
            namespace: Some("a".into()),
            labels: LabelSelector::parse(labels).expect("parses"),
            fields: FieldSelector::default(),
        }
    }

    fn event(kind: EventType, ns: &str, now: &str, before: Option<&str>) -> Event {
        let obj = |tier: &str| json!({"metadata": {"name": "c", "labels": {"tier": tier}}});
        Event {
            rv: 2,
            kind,
            key: key("", "configmaps", ns, "c"),
            object: obj(now),
            previous: before.map(obj),
        }
    }

    #[test]
    fn selector_watches_see_objects_enter_and_leave() {
        let f = filter("tier=web");
        let kind = |e: Event| f.translate(&e).map(|(k, _)| k);
        assert_eq!(
            kind(event(EventType::Added, "a", "web", None)),
            Some("ADDED")
        );
        assert_eq!(kind(event(EventType::Added, "a", "db", None)), None);
        assert_eq!(
            kind(event(EventType::Modified, "a", "web", Some("web"))),
            Some("MODIFIED")
        );
        assert_eq!(
            kind(event(EventType::Modified, "a", "web", Some("db"))),
            Some("ADDED")
        );
        assert_eq!(
            kind(event(EventType::Modified, "a", "db", Some("web"))),
            Some("DELETED")
        );
        assert_eq!(
            kind(event(EventType::Modified, "a", "db", Some("db"))),
            None
        );
        assert_eq!(
            kind(event(EventType::Deleted, "a", "web", None)),
            Some("DELETED")
        );
        assert_eq!(
            kind(event(EventType::Added, "b", "web", None)),
            None,
            "other namespace"
        );
    }
}

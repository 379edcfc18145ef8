//! `GET /stream`: server-sent events of ticket changes, so screens update when others
//! change tickets. One poller per process reads the audit trail (which every instance
//! and the CLI write) and fans out to that process's subscribers; each subscriber sees
//! only the types it may read. Delivery is at least once: clients only refetch.

use std::collections::{BTreeMap, HashSet};
use std::convert::Infallible;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::sse::{Event, KeepAlive, Sse};
use docket_core::access::Need;
use docket_core::dto::TicketChange;
use docket_store::Store;
use docket_store::live::ChangeRow;
use futures::Stream;
use tokio::sync::broadcast;
use utoipa_axum::{router::OpenApiRouter, routes};

use super::AppState;
use super::tickets::visible_types;
use crate::auth::Caller;
use crate::error::ApiResult;

/// How often the poller looks for new audit rows while anyone listens.
const POLL: Duration = Duration::from_millis(500);
/// Rows read per poll; a fuller batch is followed by another poll at once.
const BATCH: u64 = 500;
/// An id skipped by a poll may belong to a transaction still in flight (PostgreSQL hands
/// out ids before commit); it is looked for again for this long.
const HOLE_WAIT: Duration = Duration::from_secs(10);
/// Gaps wider than this are not tracked id by id (a rolled-back bulk load, say).
const MAX_HOLES: i64 = 10_000;
/// Changes replayed to a reconnecting client (`Last-Event-ID`); beyond that it resyncs.
const REPLAY: u64 = 1_000;
/// Streams end after this long; the browser reconnects at once, and the caller's
/// session, role and teams are checked afresh.
const LIFETIME: Duration = Duration::from_secs(15 * 60);
/// Buffered batches per subscriber before it is told to resync.
const CAPACITY: usize = 256;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(stream))
}

/// The process-wide fan-out of ticket changes.
pub struct LiveHub {
    tx: broadcast::Sender<Arc<Vec<TicketChange>>>,
    started: AtomicBool,
}

impl Default for LiveHub {
    fn default() -> Self {
        LiveHub {
            tx: broadcast::channel(CAPACITY).0,
            started: AtomicBool::new(false),
        }
    }
}

impl LiveHub {
    /// Listen for changes; the first subscriber starts the poller.
    fn subscribe(self: &Arc<Self>, store: &Store) -> broadcast::Receiver<Arc<Vec<TicketChange>>> {
        let rx = self.tx.subscribe();
        if !self.started.swap(true, Ordering::SeqCst) {
            tokio::spawn(poll(Arc::clone(self), store.clone()));
        }
        rx
    }
}

async fn poll(hub: Arc<LiveHub>, store: Store) {
    // `None` until someone listens: a subscriber gets changes from when it arrived.
    let mut cursor: Option<i64> = None;
    let mut holes: BTreeMap<i64, Instant> = BTreeMap::new();
    let mut tick = tokio::time::interval(POLL);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tick.tick().await;
        if hub.tx.receiver_count() == 0 {
            cursor = None;
            holes.clear();
            continue;
        }
        let Some(mut from) = cursor else {
            match store.last_ticket_event_id().await {
                Ok(id) => cursor = Some(id),
                Err(e) => tracing::warn!(error = %e, "live stream: cannot read the audit trail"),
            }
            continue;
        };
        loop {
            let also: Vec<i64> = holes.keys().copied().collect();
            let rows = match store.ticket_changes_after(from, &also, BATCH).await {
                Ok(rows) => rows,
                Err(e) => {
                    tracing::warn!(error = %e, "live stream: cannot read the audit trail");
                    break;
                }
            };
            let full = rows.len() as u64 == BATCH;
            from = track_holes(&mut holes, from, &rows, Instant::now());
            cursor = Some(from);
            if !rows.is_empty() {
                // Receivers gone since the check is fine: the send fails harmlessly.
                let _ = hub.tx.send(Arc::new(group(rows)));
            }
            if !full {
                break;
            }
        }
    }
}

/// Advance past `rows` (read after `from`), remembering the ids skipped on the way as
/// holes to look for again, and forgetting holes that were filled or waited too long.
/// Returns the new cursor.
fn track_holes(
    holes: &mut BTreeMap<i64, Instant>,
    from: i64,
    rows: &[ChangeRow],
    now: Instant,
) -> i64 {
    let seen: HashSet<i64> = rows.iter().map(|r| r.event_id).collect();
    holes.retain(|id, since| !seen.contains(id) && now.duration_since(*since) < HOLE_WAIT);
    let Some(max) = rows.iter().map(|r| r.event_id).max().filter(|m| *m > from) else {
        return from;
    };
    if max - from <= MAX_HOLES {
        for id in from + 1..max {
            if !seen.contains(&id) {
                holes.insert(id, now);
            }
        }
    }
    max
}

/// One change per ticket per batch, keeping the order tickets first changed in.
fn group(rows: Vec<ChangeRow>) -> Vec<TicketChange> {
    let mut out: Vec<TicketChange> = Vec::new();
    for row in rows {
        match out.iter_mut().find(|c| c.ticket_id == row.ticket_id) {
            Some(c) => {
                if !c.changes.contains(&row.field) {
                    c.changes.push(row.field);
                }
                if row.event_id > c.event_id {
                    c.event_id = row.event_id;
                    c.actor = row.actor;
                    c.at = row.at;
                }
            }
            None => out.push(TicketChange {
                event_id: row.event_id,
                ticket_id: row.ticket_id,
                key: row.key,
                type_slug: row.type_slug,
                changes: vec![row.field],
                actor: row.actor,
                at: row.at,
            }),
        }
    }
    out
}

fn ticket_event(change: &TicketChange) -> Event {
    Event::default()
        .event("ticket")
        .id(change.event_id.to_string())
        .json_data(change)
        .unwrap_or_else(|_| Event::default().event("resync").data("{}"))
}

/// Tell the client it missed changes: refetch everything it shows.
fn resync() -> Event {
    Event::default().event("resync").data("{}")
}

/// Live ticket changes (server-sent events)
///
/// A `text/event-stream` of `ticket` events, one per changed ticket, whose data is a
/// `TicketChange` and whose id is the newest audit-trail id in it. Only types the caller
/// may read are included. A client that reconnects with `Last-Event-ID` is sent what it
/// missed (up to 1,000 changes); when it missed more, or fell behind, it gets a `resync`
/// event and should refetch what it shows. Streams close after 15 minutes; clients
/// reconnect (EventSource does so by itself).
#[utoipa::path(
    get, path = "/stream", tag = "tickets",
    params(("Last-Event-ID" = Option<String>, Header, description = "The id of the last event received")),
    responses((status = 200, description = "Ticket changes as server-sent events", body = TicketChange, content_type = "text/event-stream"))
)]
async fn stream(
    State(app): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
) -> ApiResult<Sse<impl Stream<Item = Result<Event, Infallible>>>> {
    let p = caller.need(Need::ReadTickets)?;
    let visible: Option<HashSet<String>> = visible_types(&app, p).map(|v| v.into_iter().collect());
    let sees = move |c: &TicketChange| visible.as_ref().is_none_or(|v| v.contains(&c.type_slug));
    // Subscribe before reading the replay, so nothing falls between the two.
    let rx = app.live.subscribe(&app.store);
    let last_id = headers
        .get("last-event-id")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<i64>().ok());
    let mut first: Vec<Event> = Vec::new();
    if let Some(last) = last_id {
        let rows = app
            .store
            .ticket_changes_after(last, &[], REPLAY + 1)
            .await?;
        if rows.len() as u64 > REPLAY {
            first.push(resync());
        } else {
            first.extend(group(rows).iter().filter(|c| sees(c)).map(ticket_event));
        }
    }
    let deadline = tokio::time::Instant::now() + LIFETIME;
    let state = (rx, std::collections::VecDeque::from(first), sees);
    let events = futures::stream::unfold(state, move |(mut rx, mut queue, sees)| async move {
        loop {
            if let Some(event) = queue.pop_front() {
                return Some((Ok(event), (rx, queue, sees)));
            }
            let next = tokio::time::timeout_at(deadline, rx.recv()).await.ok()?;
            match next {
                Ok(batch) => queue.extend(batch.iter().filter(|c| sees(c)).map(ticket_event)),
                Err(broadcast::error::RecvError::Lagged(_)) => queue.push_back(resync()),
                Err(broadcast::error::RecvError::Closed) => return None,
            }
        }
    });
    let retry = futures::stream::once(async { Ok(Event::default().retry(Duration::from_secs(2))) });
    Ok(Sse::new(futures::StreamExt::chain(retry, events)).keep_alive(KeepAlive::default()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Utc;

    fn row(event_id: i64, ticket_id: i64, field: &str) -> ChangeRow {
        ChangeRow {
            event_id,
            ticket_id,
            key: format!("IT-{ticket_id}"),
            type_slug: "it_support".into(),
            field: field.into(),
            actor: format!("user{event_id}@example.com"),
            at: Utc::now(),
        }
    }

    #[test]
    fn groups_rows_per_ticket_with_the_newest_actor() {
        let out = group(vec![
            row(5, 1, "status"),
            row(6, 2, "created"),
            row(7, 1, "assignee_id"),
            row(8, 1, "status"),
        ]);
        assert_eq!(out.len(), 2);
        assert_eq!(out[0].key, "IT-1");
        assert_eq!(out[0].changes, vec!["status", "assignee_id"]);
        assert_eq!(out[0].event_id, 8);
        assert_eq!(out[0].actor, "user8@example.com");
        assert_eq!(out[1].changes, vec!["created"]);
    }

    #[test]
    fn skipped_ids_are_looked_for_again_until_they_expire() {
        let mut holes = BTreeMap::new();
        let t0 = Instant::now();
        // Rows 11 and 14 arrive; 12 and 13 were not committed yet.
        let cursor = track_holes(&mut holes, 10, &[row(11, 1, "a"), row(14, 1, "b")], t0);
        assert_eq!(cursor, 14);
        assert_eq!(holes.keys().copied().collect::<Vec<_>>(), vec![12, 13]);
        // 12 commits; 13 never does (a rollback) and is dropped after HOLE_WAIT.
        let cursor = track_holes(
            &mut holes,
            cursor,
            &[row(12, 1, "c")],
            t0 + Duration::from_secs(1),
        );
        assert_eq!(cursor, 14);
        assert_eq!(holes.keys().copied().collect::<Vec<_>>(), vec![13]);
        track_holes(
            &mut holes,
            cursor,
            &[],
            t0 + HOLE_WAIT + Duration::from_secs(1),
        );
        assert!(holes.is_empty());
    }

    #[test]
    fn a_huge_gap_is_not_tracked_id_by_id() {
        let mut holes = BTreeMap::new();
        let cursor = track_holes(&mut holes, 0, &[row(MAX_HOLES + 5, 1, "a")], Instant::now());
        assert_eq!(cursor, MAX_HOLES + 5);
        assert!(holes.is_empty());
    }
}

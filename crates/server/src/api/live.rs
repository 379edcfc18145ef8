//! `GET /stream`: server-sent events of ticket changes, so screens update when others
//! change tickets. One poller per process reads the audit trail (which every instance
//! and the CLI write) and fans out to that process's subscribers; each subscriber sees
//! only the types it may read. Delivery is at least once: clients only refetch. The
//! poller also reads the admin audit log: when access changes (a token revoked, a session
//! ended, a user deactivated or demoted, team membership or a type's teams changed), every
//! stream checks its caller again before it forwards another change, and ends or narrows.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::convert::Infallible;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::sse::{Event, KeepAlive, Sse};
use docket_api::TicketChange;
use docket_core::access::Need;
use docket_store::Store;
use docket_store::live::{AuditRow, ChangeRow};
use futures::Stream;
use tokio::sync::{broadcast, watch};
use utoipa_axum::{router::OpenApiRouter, routes};

use super::AppState;
use super::tickets::visible_types;
use crate::auth::Caller;
use crate::error::ApiResult;
use docket_core::access::Principal;

/// How often the poller looks for new audit rows while anyone listens.
const POLL: Duration = Duration::from_millis(500);
/// Rows read per poll; a fuller batch is followed by another poll at once.
const BATCH: u64 = 500;
/// An id skipped by a poll may belong to a transaction still in flight (PostgreSQL hands
/// out ids before commit); it is looked for again for this long.
const HOLE_WAIT: Duration = Duration::from_secs(10);
/// Gaps wider than this are not tracked id by id (a rolled-back bulk load, say).
const MAX_HOLES: i64 = 10_000;
/// Skipped ids looked for at once, at most; the oldest go first.
const MAX_TRACKED: usize = 1_000;
/// Changes replayed to a reconnecting client (`Last-Event-ID`); beyond that it resyncs.
const REPLAY: u64 = 1_000;
/// Streams end after this long; the browser reconnects at once, and the caller's
/// session, role and teams are checked afresh.
const LIFETIME: Duration = Duration::from_secs(15 * 60);
/// Buffered batches per subscriber before it is told to resync.
const CAPACITY: usize = 256;
/// Streams also check their caller this often, whatever the audit log says: a session
/// that times out leaves no entry.
const RECHECK: Duration = Duration::from_secs(60);

/// What the poller sends its subscribers, in the order it happened.
#[derive(Debug, Clone)]
enum Update {
    Tickets(Arc<Vec<TicketChange>>),
    /// Someone's access changed: check the caller again before the next change.
    Access,
}

/// Where the poller has read up to, in the audit trail and in the admin audit log.
#[derive(Debug, Clone, Copy)]
struct Cursor {
    tickets: i64,
    audit: i64,
}

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(stream))
}

/// The process-wide fan-out of ticket changes.
pub struct LiveHub {
    tx: broadcast::Sender<Update>,
    /// Where the poller has read up to; `None` while nobody listens (then there is
    /// nothing to read for). Subscribing sets it before the subscriber's replay query,
    /// so nothing falls between the replay and the poller.
    cursor: Mutex<Option<Cursor>>,
    started: AtomicBool,
    /// Set when the server shuts down: streams end at once rather than holding the
    /// graceful shutdown open for their lifetime.
    closing: watch::Sender<bool>,
}

impl Default for LiveHub {
    fn default() -> Self {
        LiveHub {
            tx: broadcast::channel(CAPACITY).0,
            cursor: Mutex::new(None),
            started: AtomicBool::new(false),
            closing: watch::channel(false).0,
        }
    }
}

impl LiveHub {
    /// Listen for changes from now on; the first subscriber starts the poller.
    async fn subscribe(
        self: &Arc<Self>,
        store: &Store,
    ) -> docket_store::Result<broadcast::Receiver<Update>> {
        // Under the lock: the poller's "nobody listens, forget the cursor" cannot slip
        // between this subscription and the check.
        let (rx, unset) = {
            let cursor = self.cursor.lock().expect("live cursor lock");
            (self.tx.subscribe(), cursor.is_none())
        };
        if unset {
            let last = Cursor {
                tickets: store.last_ticket_event_id().await?,
                audit: store.last_audit_id().await?,
            };
            self.cursor
                .lock()
                .expect("live cursor lock")
                .get_or_insert(last);
        }
        if !self.started.swap(true, Ordering::SeqCst) {
            tokio::spawn(poll(Arc::clone(self), store.clone()));
        }
        Ok(rx)
    }

    /// Streams open now.
    pub fn streams(&self) -> usize {
        self.tx.receiver_count()
    }

    /// End every stream and the poller (the server is shutting down).
    pub fn close(&self) {
        self.closing.send_replace(true);
    }
}

async fn poll(hub: Arc<LiveHub>, store: Store) {
    let mut holes: BTreeMap<i64, Instant> = BTreeMap::new();
    let mut audit_holes: BTreeMap<i64, Instant> = BTreeMap::new();
    let mut closing = hub.closing.subscribe();
    let mut tick = tokio::time::interval(POLL);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut outage = crate::outage::Outage::new("live stream poller");
    loop {
        tokio::select! {
            _ = async {
                tick.tick().await;
                outage.wait().await;
            } => {}
            _ = closing.wait_for(|c| *c) => return,
        }
        let start = {
            let mut cursor = hub.cursor.lock().expect("live cursor lock");
            if hub.tx.receiver_count() == 0 {
                *cursor = None;
            }
            *cursor
        };
        let Some(mut from) = start else {
            holes.clear();
            audit_holes.clear();
            continue;
        };
        loop {
            forget_old_holes(&mut holes, Instant::now());
            forget_old_holes(&mut audit_holes, Instant::now());
            let also: Vec<i64> = holes.keys().copied().collect();
            let rows = match store.ticket_changes_after(from.tickets, &also, BATCH).await {
                Ok(rows) => {
                    outage.answered();
                    rows
                }
                Err(e) if outage.failed(&e) => break,
                Err(e) => {
                    tracing::warn!(error = %e, "live stream: cannot read the audit trail");
                    break;
                }
            };
            // Read after the ticket changes: an access change committed before a ticket
            // change this poll sees is then seen too, and goes out first.
            let also: Vec<i64> = audit_holes.keys().copied().collect();
            let audit = match store.audit_rows_after(from.audit, &also, BATCH).await {
                Ok(rows) => rows,
                Err(e) if outage.failed(&e) => break,
                Err(e) => {
                    tracing::warn!(error = %e, "live stream: cannot read the audit log");
                    break;
                }
            };
            let full = rows.len() as u64 == BATCH || audit.len() as u64 == BATCH;
            let now = Instant::now();
            let ids: Vec<i64> = rows.iter().map(|r| r.event_id).collect();
            from.tickets = track_holes(&mut holes, from.tickets, &ids, now);
            let ids: Vec<i64> = audit.iter().map(|r| r.id).collect();
            from.audit = track_holes(&mut audit_holes, from.audit, &ids, now);
            {
                // A subscriber that came and went meanwhile may have reset it; only move
                // it forward from where this poll started.
                let mut cursor = hub.cursor.lock().expect("live cursor lock");
                if let Some(c) = cursor.as_mut() {
                    c.tickets = c.tickets.max(from.tickets);
                    c.audit = c.audit.max(from.audit);
                }
            }
            // Receivers gone since the check are fine: the send fails harmlessly.
            if audit.iter().any(AuditRow::changes_access) {
                let _ = hub.tx.send(Update::Access);
            }
            if !rows.is_empty() {
                let _ = hub.tx.send(Update::Tickets(Arc::new(group(rows))));
            }
            if !full {
                break;
            }
        }
    }
}

/// Drop holes that waited too long, and the oldest beyond `MAX_TRACKED` (each is a bind
/// parameter of the poll's query).
fn forget_old_holes(holes: &mut BTreeMap<i64, Instant>, now: Instant) {
    holes.retain(|_, since| now.duration_since(*since) < HOLE_WAIT);
    while holes.len() > MAX_TRACKED {
        holes.pop_first();
    }
}

/// Advance past the rows with `ids` (read after `from`), remembering the ids skipped on
/// the way as holes to look for again, and forgetting holes that were filled or waited
/// too long. Returns the new cursor.
fn track_holes(holes: &mut BTreeMap<i64, Instant>, from: i64, ids: &[i64], now: Instant) -> i64 {
    let seen: HashSet<i64> = ids.iter().copied().collect();
    holes.retain(|id, _| !seen.contains(id));
    let max = ids.iter().copied().max().filter(|m| *m > from);
    if let Some(max) = max.filter(|m| m - from <= MAX_HOLES) {
        for id in from + 1..max {
            if !seen.contains(&id) {
                holes.insert(id, now);
            }
        }
    }
    forget_old_holes(holes, now);
    max.unwrap_or(from)
}

/// One change per ticket per batch, ordered by their (newest) audit ids, so the ids a
/// client sees only grow and `Last-Event-ID` never skips one it did not get.
fn group(rows: Vec<ChangeRow>) -> Vec<TicketChange> {
    let mut by_ticket: HashMap<i64, TicketChange> = HashMap::new();
    for row in rows {
        match by_ticket.get_mut(&row.ticket_id) {
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
            None => {
                by_ticket.insert(
                    row.ticket_id,
                    TicketChange {
                        event_id: row.event_id,
                        ticket_id: row.ticket_id,
                        key: row.key,
                        type_slug: row.type_slug,
                        source: row.source,
                        changes: vec![row.field],
                        actor: row.actor,
                        at: row.at,
                    },
                );
            }
        }
    }
    let mut out: Vec<TicketChange> = by_ticket.into_values().collect();
    out.sort_by_key(|c| c.event_id);
    out
}

/// The types a caller may read (None: all of them).
fn visible_set(app: &AppState, p: &Principal) -> Option<HashSet<String>> {
    visible_types(app, p).map(|v| v.into_iter().collect())
}

fn sees(visible: &Option<HashSet<String>>, change: &TicketChange) -> bool {
    visible
        .as_ref()
        .is_none_or(|v| v.contains(&change.type_slug))
}

/// One open stream.
struct Subscriber {
    rx: broadcast::Receiver<Update>,
    queue: std::collections::VecDeque<Event>,
    visible: Option<HashSet<String>>,
    recheck: tokio::time::Interval,
    app: AppState,
    caller: Caller,
}

impl Subscriber {
    /// Resolve the caller again and narrow (or widen) the types it sees; None when it may
    /// no longer read tickets, which ends the stream (a reconnect gets the answer why).
    async fn check_caller(&mut self) -> Option<()> {
        let principal = match self.caller.principal_now(&self.app.store).await {
            Ok(p) => p?,
            Err(e) => {
                tracing::warn!(error = %e, "live stream: cannot check the caller; ending it");
                return None;
            }
        };
        principal.can(Need::ReadTickets).ok()?;
        self.visible = visible_set(&self.app, &principal);
        Some(())
    }
}

fn ticket_event(change: &TicketChange) -> Event {
    Event::default()
        .event("ticket")
        .id(change.event_id.to_string())
        .json_data(change)
        .unwrap_or_else(|_| resync())
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
/// event and should refetch what it shows. Streams close after 15 minutes, and at once
/// when the caller's token is revoked, session ended or account deactivated; clients
/// reconnect (EventSource does so by itself). When the caller's teams change, the stream
/// narrows or widens to match.
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
    let visible = visible_set(&app, p);
    // Subscribe before reading the replay, so nothing falls between the two.
    let rx = app.live.subscribe(&app.store).await?;
    let closing = app.live.closing.subscribe();
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
            first.extend(
                group(rows)
                    .iter()
                    .filter(|c| sees(&visible, c))
                    .map(ticket_event),
            );
        }
    }
    let deadline = tokio::time::Instant::now() + LIFETIME;
    let mut recheck = tokio::time::interval_at(tokio::time::Instant::now() + RECHECK, RECHECK);
    recheck.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let state = Subscriber {
        rx,
        queue: first.into(),
        visible,
        recheck,
        app,
        caller,
    };
    let events = futures::stream::unfold(state, move |mut sub| {
        let mut closing = closing.clone();
        async move {
            loop {
                if let Some(event) = sub.queue.pop_front() {
                    return Some((Ok(event), sub));
                }
                let next = tokio::select! {
                    next = sub.rx.recv() => next,
                    _ = sub.recheck.tick() => Ok(Update::Access),
                    _ = tokio::time::sleep_until(deadline) => return None,
                    _ = closing.wait_for(|c| *c) => return None,
                };
                match next {
                    Ok(Update::Tickets(batch)) => {
                        let visible = &sub.visible;
                        sub.queue
                            .extend(batch.iter().filter(|c| sees(visible, c)).map(ticket_event));
                    }
                    Ok(Update::Access) => sub.check_caller().await?,
                    Err(broadcast::error::RecvError::Lagged(_)) => {
                        // An access change may be among what was missed.
                        sub.check_caller().await?;
                        sub.queue.push_back(resync());
                    }
                    Err(broadcast::error::RecvError::Closed) => return None,
                }
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
            source: "web".into(),
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
        // Ordered by each change's newest id: IT-2 (6) before IT-1 (8).
        assert_eq!(out.len(), 2);
        assert_eq!(out[0].key, "IT-2");
        assert_eq!(out[0].changes, vec!["created"]);
        assert_eq!(out[1].key, "IT-1");
        assert_eq!(out[1].changes, vec!["status", "assignee_id"]);
        assert_eq!(out[1].event_id, 8);
        assert_eq!(out[1].actor, "user8@example.com");
    }

    #[test]
    fn skipped_ids_are_looked_for_again_until_they_expire() {
        let mut holes = BTreeMap::new();
        let t0 = Instant::now();
        // Rows 11 and 14 arrive; 12 and 13 were not committed yet.
        let cursor = track_holes(&mut holes, 10, &[11, 14], t0);
        assert_eq!(cursor, 14);
        assert_eq!(holes.keys().copied().collect::<Vec<_>>(), vec![12, 13]);
        // 12 commits; 13 never does (a rollback) and is dropped after HOLE_WAIT.
        let cursor = track_holes(&mut holes, cursor, &[12], t0 + Duration::from_secs(1));
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
    fn at_most_max_tracked_holes_are_looked_for_the_oldest_going_first() {
        let mut holes = BTreeMap::new();
        let now = Instant::now();
        // Gaps of 900 ids each, several in a row (rolled-back bulk writes).
        let mut cursor = 0;
        for round in 1..=5 {
            let next = cursor + 901;
            cursor = track_holes(&mut holes, cursor, &[next], now);
            assert!(holes.len() <= MAX_TRACKED, "round {round}: {}", holes.len());
        }
        assert_eq!(holes.len(), MAX_TRACKED);
        // The newest gaps are kept: the last skipped id is there, the first is not.
        assert!(holes.contains_key(&(cursor - 1)));
        assert!(!holes.contains_key(&1));
    }

    #[test]
    fn a_huge_gap_is_not_tracked_id_by_id() {
        let mut holes = BTreeMap::new();
        let cursor = track_holes(&mut holes, 0, &[MAX_HOLES + 5], Instant::now());
        assert_eq!(cursor, MAX_HOLES + 5);
        assert!(holes.is_empty());
    }
}

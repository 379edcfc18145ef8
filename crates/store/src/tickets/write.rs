//! The one owner of writes to an existing ticket's row. Every change (an edit, a reply,
//! a soft delete, an escalation, a team that goes away) is a `Change`: the columns it
//! sets and the audit events that say so, committed together. Committing records the
//! events (the live stream reads them), bumps `row_version` (the ETag) and sets
//! `updated_at`, so no writer can forget one of the three.
//!
//! Two writes of derived data are not changes and live here too, so that nothing else
//! writes the tickets table: the SLA due-time cache (a replay of the clock events,
//! rewritten whenever a policy or calendar moves; not an edit, so no version bump) and
//! the full-text search text.

use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Alias, Expr, ExprTrait, Order, Query, SimpleExpr};
use sea_orm::{ActiveValue::Set, ConnectionTrait};
use serde_json::Value;

use crate::delivery::{outbox, topics};
use crate::entities::ticket_event;
use crate::{Result, StoreError};

/// One audit event of a change: which field moved, from what to what.
#[derive(Debug, Clone)]
pub(crate) struct Event {
    pub field: String,
    pub old: Option<Value>,
    pub new: Option<Value>,
}

/// A change to one ticket, built up and then committed once.
#[must_use = "a change does nothing until committed"]
pub(crate) struct Change {
    ticket_id: i64,
    /// The version the change was decided on; None when the caller holds the row lock
    /// and takes whatever version is there.
    expected_version: Option<i32>,
    actor: String,
    at: DateTime<Utc>,
    columns: Vec<(&'static str, SimpleExpr)>,
    events: Vec<Event>,
}

impl Change {
    pub fn new(ticket_id: i64, actor: &str, at: DateTime<Utc>) -> Change {
        Change {
            ticket_id,
            expected_version: None,
            actor: actor.to_string(),
            at,
            columns: Vec::new(),
            events: Vec::new(),
        }
    }

    /// Commit only if the ticket is still at this version (If-Match).
    pub fn at_version(mut self, version: i32) -> Change {
        self.expected_version = Some(version);
        self
    }

    pub fn set(&mut self, column: &'static str, value: impl Into<SimpleExpr>) {
        self.columns.push((column, value.into()));
    }

    pub fn event(&mut self, field: impl Into<String>, old: Option<Value>, new: Option<Value>) {
        self.events.push(Event {
            field: field.into(),
            old,
            new,
        });
    }

    /// Set a column and record the event, when the value moves.
    pub fn field<T: PartialEq + serde::Serialize>(
        &mut self,
        event: &str,
        column: &'static str,
        old: T,
        new: T,
        value: impl Into<SimpleExpr>,
    ) {
        if old != new {
            self.event(event, Some(json(&old)), Some(json(&new)));
            self.set(column, value);
        }
    }

    pub fn is_empty(&self) -> bool {
        self.columns.is_empty() && self.events.is_empty()
    }

    /// Write the columns with the next version and `updated_at`, then the events. The
    /// UPDATE comes first: it takes the row's lock (PostgreSQL), so concurrent changes of
    /// one ticket queue here and one of two If-Match writers finds the version moved.
    /// Returns the new version.
    pub async fn commit<C: ConnectionTrait>(self, conn: &C) -> Result<i32> {
        let mut stmt = Query::update();
        stmt.table(Alias::new("tickets"))
            .value(Alias::new("updated_at"), self.at)
            .value(
                Alias::new("row_version"),
                Expr::col(Alias::new("row_version")).add(1),
            )
            .and_where(Expr::col(Alias::new("id")).eq(self.ticket_id));
        for (column, value) in self.columns {
            stmt.value(Alias::new(column), value);
        }
        if let Some(v) = self.expected_version {
            stmt.and_where(Expr::col(Alias::new("row_version")).eq(v));
        }
        stmt.returning_col(Alias::new("row_version"));
        let Some(row) = conn.query_one(&stmt).await? else {
            let current = current_version(conn, self.ticket_id).await?;
            return Err(match current {
                Some(current) => StoreError::VersionMismatch { current },
                None => StoreError::NotFound(format!("ticket {}", self.ticket_id)),
            });
        };
        let version: i32 = row.try_get("", "row_version")?;
        record_events(conn, self.ticket_id, &self.actor, &self.events, self.at).await?;
        Ok(version)
    }

    /// Commit changes of many tickets together, each as `commit` does, with two
    /// statements for all: one UPDATE gives each ticket its next version and `updated_at`,
    /// one INSERT records every event. For changes that only record events, at one time,
    /// one per ticket, under the tickets' row locks (the SLA sweep's firings); any other
    /// change is committed on its own.
    pub async fn commit_many<C: ConnectionTrait>(changes: Vec<Change>, conn: &C) -> Result<()> {
        let Some(at) = changes.first().map(|c| c.at) else {
            return Ok(());
        };
        let (together, alone): (Vec<Change>, Vec<Change>) = changes
            .into_iter()
            .partition(|c| c.columns.is_empty() && c.expected_version.is_none() && c.at == at);
        for change in alone {
            change.commit(conn).await?;
        }
        if together.is_empty() {
            return Ok(());
        }
        let stmt = Query::update()
            .table(Alias::new("tickets"))
            .value(Alias::new("updated_at"), at)
            .value(
                Alias::new("row_version"),
                Expr::col(Alias::new("row_version")).add(1),
            )
            .and_where(Expr::col(Alias::new("id")).is_in(together.iter().map(|c| c.ticket_id)))
            .to_owned();
        let updated = conn.execute(&stmt).await?.rows_affected();
        if updated != together.len() as u64 {
            return Err(StoreError::Internal(format!(
                "{} changes of tickets, {updated} tickets updated (one missing, or twice)",
                together.len()
            )));
        }
        let rows = together
            .iter()
            .flat_map(|c| {
                c.events
                    .iter()
                    .map(|e| event_row(c.ticket_id, &c.actor, e, at))
            })
            .collect();
        crate::insert_in_chunks(conn, rows).await
    }
}

/// The value of a column as the audit trail writes it.
pub(crate) fn json<T: serde::Serialize>(v: &T) -> Value {
    serde_json::to_value(v).unwrap_or(Value::Null)
}

async fn current_version<C: ConnectionTrait>(conn: &C, ticket_id: i64) -> Result<Option<i32>> {
    let stmt = Query::select()
        .column(Alias::new("row_version"))
        .from(Alias::new("tickets"))
        .and_where(Expr::col(Alias::new("id")).eq(ticket_id))
        .to_owned();
    Ok(match conn.query_one(&stmt).await? {
        Some(row) => Some(row.try_get("", "row_version")?),
        None => None,
    })
}

/// Append events in one statement. Only `Change::commit` and a create (whose row is new,
/// at version 1) record events.
pub(super) async fn record_events<C: ConnectionTrait>(
    conn: &C,
    ticket_id: i64,
    actor: &str,
    events: &[Event],
    at: DateTime<Utc>,
) -> Result<()> {
    let rows = events
        .iter()
        .map(|e| event_row(ticket_id, actor, e, at))
        .collect();
    crate::insert_in_chunks(conn, rows).await?;
    // The news for notifications, in the same transaction as what it tells of.
    outbox::push_many(conn, &topics::entries_of(ticket_id, actor, events), at).await
}

/// Events of several tickets (ticket id, actor, event): a batch of creates.
pub(super) async fn record_events_of<C: ConnectionTrait>(
    conn: &C,
    events: &[(i64, &str, Event)],
    at: DateTime<Utc>,
) -> Result<()> {
    let rows = events
        .iter()
        .map(|(ticket_id, actor, e)| event_row(*ticket_id, actor, e, at))
        .collect();
    crate::insert_in_chunks(conn, rows).await?;
    let entries: Vec<_> = events
        .iter()
        .flat_map(|(ticket_id, actor, e)| {
            topics::entries_of(*ticket_id, actor, std::slice::from_ref(e))
        })
        .collect();
    outbox::push_many(conn, &entries, at).await
}

fn event_row(
    ticket_id: i64,
    actor: &str,
    e: &Event,
    at: DateTime<Utc>,
) -> ticket_event::ActiveModel {
    ticket_event::ActiveModel {
        ticket_id: Set(ticket_id),
        actor: Set(actor.to_string()),
        field: Set(e.field.clone()),
        old_value: Set(e.old.as_ref().map(Value::to_string)),
        new_value: Set(e.new.as_ref().map(Value::to_string)),
        created_at: Set(at),
        ..Default::default()
    }
}

/// The SLA cache of a ticket: its policy and due times, a replay of its clock events.
/// Derived data, not an edit: no event and no version bump (an If-Match writer is not
/// refused because a clock was recomputed).
pub(crate) async fn store_sla_cache<C: ConnectionTrait>(
    conn: &C,
    ticket_id: i64,
    policy_id: Option<Option<i64>>,
    due: [(&'static str, Option<DateTime<Utc>>); 4],
) -> Result<()> {
    let mut stmt = Query::update();
    stmt.table(Alias::new("tickets"))
        .and_where(Expr::col(Alias::new("id")).eq(ticket_id));
    if let Some(policy) = policy_id {
        stmt.value(Alias::new("sla_policy_id"), policy);
    }
    for (column, value) in due {
        stmt.value(Alias::new(column), value);
    }
    conn.execute(&stmt).await?;
    Ok(())
}

/// A ticket's full-text search text (derived from its title, body and searchable fields).
pub(crate) async fn store_search_text<C: ConnectionTrait>(
    conn: &C,
    ticket_id: i64,
    text: String,
) -> Result<()> {
    let stmt = Query::update()
        .table(Alias::new("tickets"))
        .value(Alias::new("search_text"), text)
        .and_where(Expr::col(Alias::new("id")).eq(ticket_id))
        .to_owned();
    conn.execute(&stmt).await?;
    Ok(())
}

/// A team that goes away: each of its tickets loses it, as a change of its own, in id
/// order (the order the SLA sweep locks tickets in, so the two never deadlock).
pub(crate) async fn clear_team<C: ConnectionTrait>(
    conn: &C,
    team_id: i64,
    team_slug: &str,
    actor: &str,
    at: DateTime<Utc>,
) -> Result<()> {
    let stmt = Query::select()
        .column(Alias::new("id"))
        .from(Alias::new("tickets"))
        .and_where(Expr::col(Alias::new("team_id")).eq(team_id))
        .order_by(Alias::new("id"), Order::Asc)
        .to_owned();
    for row in conn.query_all(&stmt).await? {
        let ticket_id: i64 = row.try_get("", "id")?;
        let mut change = Change::new(ticket_id, actor, at);
        change.event("team", Some(json(&team_slug)), Some(Value::Null));
        change.set("team_id", Option::<i64>::None);
        change.commit(conn).await?;
    }
    Ok(())
}

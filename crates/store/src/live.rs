//! Ticket changes for the live stream, read from the audit trail (`ticket_events`), which
//! every write to a ticket already appends to in its own transaction. Reading the table
//! rather than an in-process channel means a change made by any instance, or by the CLI,
//! reaches every instance's subscribers. The admin audit log (`audit_log`) is read
//! the same way, so that streams re-check their caller when access changes.

use chrono::{DateTime, Utc};
use sea_orm::ConnectionTrait;
use sea_orm::sea_query::{Alias, Cond, Expr, ExprTrait, Func, Order, Query};

use crate::{Result, Store};

/// One audit-trail row with what a subscriber needs to route it.
#[derive(Debug, Clone, PartialEq)]
pub struct ChangeRow {
    pub event_id: i64,
    pub ticket_id: i64,
    pub key: String,
    pub type_slug: String,
    pub source: String,
    pub field: String,
    pub actor: String,
    pub at: DateTime<Utc>,
}

/// One admin-audit-log row: enough to tell whether it changes who may see what.
#[derive(Debug, Clone, PartialEq)]
pub struct AuditRow {
    pub id: i64,
    pub action: String,
}

impl AuditRow {
    /// Whether the entry can end a caller's access or change which types they see:
    /// a logout, a user's role, state or password, team membership, a revoked token, or
    /// a type's teams.
    pub fn changes_access(&self) -> bool {
        crate::identity::changes_access(&self.action)
    }
}

impl Store {
    /// Audit-trail rows with an id above `after`, plus the ids in `also` (ones skipped
    /// earlier because their transaction had not committed yet), oldest first.
    pub async fn ticket_changes_after(
        &self,
        after: i64,
        also: &[i64],
        limit: u64,
    ) -> Result<Vec<ChangeRow>> {
        let e = |c: &str| Expr::col((Alias::new("e"), Alias::new(c)));
        let mut which = Cond::any().add(e("id").gt(after));
        if !also.is_empty() {
            which = which.add(e("id").is_in(also.iter().copied()));
        }
        let stmt = Query::select()
            .expr_as(e("id"), Alias::new("event_id"))
            .expr_as(e("ticket_id"), Alias::new("ticket_id"))
            .column((Alias::new("t"), Alias::new("key")))
            .column((Alias::new("t"), Alias::new("type_slug")))
            .expr_as(
                Expr::col((Alias::new("t"), Alias::new("source_channel"))),
                Alias::new("source"),
            )
            .expr_as(e("field"), Alias::new("field"))
            .expr_as(e("actor"), Alias::new("actor"))
            .expr_as(e("created_at"), Alias::new("at"))
            .from_as(Alias::new("ticket_events"), Alias::new("e"))
            .inner_join(
                sea_orm::sea_query::TableRef::Table(
                    Alias::new("tickets").into(),
                    Some(Alias::new("t").into()),
                ),
                Expr::col((Alias::new("t"), Alias::new("id")))
                    .equals((Alias::new("e"), Alias::new("ticket_id"))),
            )
            .cond_where(which)
            .order_by((Alias::new("e"), Alias::new("id")), Order::Asc)
            .limit(limit)
            .to_owned();
        let mut out = Vec::new();
        for row in self.db.query_all(&stmt).await? {
            out.push(ChangeRow {
                event_id: row.try_get("", "event_id")?,
                ticket_id: row.try_get("", "ticket_id")?,
                key: row.try_get("", "key")?,
                type_slug: row.try_get("", "type_slug")?,
                source: row.try_get("", "source")?,
                field: row.try_get("", "field")?,
                actor: row.try_get("", "actor")?,
                at: row.try_get("", "at")?,
            });
        }
        Ok(out)
    }

    /// The newest audit-trail id (0 when there is none): where a new stream starts.
    pub async fn last_ticket_event_id(&self) -> Result<i64> {
        last_id(self, "ticket_events").await
    }

    /// Admin-audit-log rows with an id above `after`, plus the ids in `also`, oldest first.
    pub async fn audit_rows_after(
        &self,
        after: i64,
        also: &[i64],
        limit: u64,
    ) -> Result<Vec<AuditRow>> {
        let mut which = Cond::any().add(Expr::col(Alias::new("id")).gt(after));
        if !also.is_empty() {
            which = which.add(Expr::col(Alias::new("id")).is_in(also.iter().copied()));
        }
        let stmt = Query::select()
            .columns([Alias::new("id"), Alias::new("action")])
            .from(Alias::new("audit_log"))
            .cond_where(which)
            .order_by(Alias::new("id"), Order::Asc)
            .limit(limit)
            .to_owned();
        let mut out = Vec::new();
        for row in self.db.query_all(&stmt).await? {
            out.push(AuditRow {
                id: row.try_get("", "id")?,
                action: row.try_get("", "action")?,
            });
        }
        Ok(out)
    }

    /// The newest admin-audit-log id (0 when there is none).
    pub async fn last_audit_id(&self) -> Result<i64> {
        last_id(self, "audit_log").await
    }
}

async fn last_id(store: &Store, table: &str) -> Result<i64> {
    let stmt = Query::select()
        .expr_as(
            Func::coalesce([
                Expr::from(Func::max(Expr::col(Alias::new("id")))),
                Expr::val(0i64),
            ]),
            Alias::new("last"),
        )
        .from(Alias::new(table))
        .to_owned();
    let row = store.db.query_one(&stmt).await?;
    Ok(match row {
        Some(r) => r.try_get("", "last")?,
        None => 0,
    })
}

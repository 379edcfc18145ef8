//! The admin audit log: who did what to users, teams, tokens, types and secrets, and
//! every login.

use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, DbBackend, EntityTrait, QueryFilter,
    QueryOrder, QuerySelect, Statement,
};
use serde_json::Value;

use super::{Actor, AuditEntry};
use crate::entities::audit_entry;
use crate::{Result, Store};

/// Whether an action can end a caller's access or change which types they see: a
/// logout, a user's role, state or password, team membership, a revoked token, or a
/// type's teams.
pub(crate) fn changes_access(action: &str) -> bool {
    matches!(
        action,
        "logout"
            | "user.update"
            | "team.member.add"
            | "team.member.remove"
            | "team.delete"
            | "token.revoke"
            | "type.apply"
    )
}

/// Record an entry in the admin audit log (inside the caller's transaction). An entry
/// that changes access is also announced to every instance at commit (PostgreSQL), so
/// that none keeps a principal it no longer has (`principals.rs`).
pub(crate) async fn audit<C: ConnectionTrait>(
    conn: &C,
    at: DateTime<Utc>,
    actor: &Actor,
    action: &str,
    target: &str,
    detail: Value,
) -> Result<()> {
    if changes_access(action) && conn.get_database_backend() == DbBackend::Postgres {
        conn.execute_raw(Statement::from_sql_and_values(
            DbBackend::Postgres,
            "SELECT pg_notify($1, $2)",
            [super::principals::CHANNEL.into(), action.into()],
        ))
        .await?;
    }
    audit_entry::Entity::insert(audit_entry::ActiveModel {
        actor: Set(actor.name.clone()),
        action: Set(action.to_string()),
        target: Set(target.to_string()),
        detail: Set(detail.to_string()),
        ip: Set(actor.ip.clone()),
        created_at: Set(at),
        ..Default::default()
    })
    .exec(conn)
    .await?;
    Ok(())
}

impl Store {
    pub async fn record_audit(
        &self,
        actor: &Actor,
        action: &str,
        target: &str,
        detail: Value,
    ) -> Result<()> {
        audit(&self.db, self.clock.now(), actor, action, target, detail).await
    }

    /// Audit entries, newest first, before the entry id `before`, optionally only actions
    /// starting with `action`.
    pub async fn audit_log(
        &self,
        action: Option<&str>,
        before: Option<i64>,
        limit: u64,
    ) -> Result<Vec<AuditEntry>> {
        let mut q = audit_entry::Entity::find();
        if let Some(a) = action {
            q = q.filter(audit_entry::Column::Action.starts_with(a));
        }
        if let Some(b) = before {
            q = q.filter(audit_entry::Column::Id.lt(b));
        }
        Ok(q.order_by_desc(audit_entry::Column::Id)
            .limit(limit)
            .all(&self.db)
            .await?
            .into_iter()
            .map(|e| AuditEntry {
                id: e.id,
                actor: e.actor,
                action: e.action,
                target: e.target,
                detail: serde_json::from_str(&e.detail).unwrap_or(Value::Null),
                ip: e.ip,
                created_at: e.created_at,
            })
            .collect())
    }
}

//! Indexes for the queues agents open all day, shaped so that each one reads its first
//! page straight from an index in the list's order (newest first, or by SLA due time)
//! and stops: mine, a team's, the unassigned, breaching soon, a requester's history, a
//! type's open tickets. Partial where the queue always says so (not deleted; open; no
//! assignee), which keeps them small and leaves most writes out of them.
//!
//! `status_category IN ('new', 'open', 'pending')` must be written exactly as the list
//! query writes it (`docket_store::list`): SQLite uses a partial index only for a query
//! that repeats its condition word for word.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

/// The condition every list has (deleted tickets are listed only on request).
const LIVE: &str = "deleted_at IS NULL";
const OPEN: &str = "status_category IN ('new', 'open', 'pending')";

fn indexes() -> Vec<(&'static str, &'static str, String)> {
    vec![
        // Mine (newest first), and my open tickets by SLA due.
        (
            "ix_tickets_assignee_recent",
            "assignee_id, id",
            format!("WHERE {LIVE}"),
        ),
        (
            "ix_tickets_assignee_due",
            "assignee_id, sla_due_at, id",
            format!("WHERE {LIVE} AND {OPEN}"),
        ),
        // A team's open tickets, and its unassigned ones.
        (
            "ix_tickets_team_open",
            "team_id, id",
            format!("WHERE {LIVE} AND {OPEN}"),
        ),
        (
            "ix_tickets_team_unassigned",
            "team_id, id",
            format!("WHERE {LIVE} AND assignee_id IS NULL"),
        ),
        // A type's open tickets (the "by type" queue), and every open ticket.
        (
            "ix_tickets_type_open",
            "type_slug, id",
            format!("WHERE {LIVE} AND {OPEN}"),
        ),
        ("ix_tickets_open", "id", format!("WHERE {LIVE} AND {OPEN}")),
        // Breaching soon: what is due first.
        (
            "ix_tickets_due",
            "sla_due_at, id",
            format!("WHERE {LIVE} AND sla_due_at IS NOT NULL"),
        ),
        // A requester's history, deleted tickets included (admins list those).
        (
            "ix_tickets_requester_recent",
            "requester_id, id",
            String::new(),
        ),
    ]
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        let db = m.get_connection();
        // Superseded by the composite indexes above (their first column).
        for old in ["ix_tickets_assignee", "ix_tickets_requester"] {
            db.execute_unprepared(&format!("DROP INDEX IF EXISTS {old}"))
                .await?;
        }
        for (name, columns, condition) in indexes() {
            db.execute_unprepared(&format!(
                "CREATE INDEX {name} ON tickets ({columns}) {condition}"
            ))
            .await?;
        }
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        let db = m.get_connection();
        for (name, _, _) in indexes() {
            db.execute_unprepared(&format!("DROP INDEX IF EXISTS {name}"))
                .await?;
        }
        db.execute_unprepared("CREATE INDEX ix_tickets_assignee ON tickets (assignee_id)")
            .await?;
        db.execute_unprepared("CREATE INDEX ix_tickets_requester ON tickets (requester_id)")
            .await?;
        Ok(())
    }
}

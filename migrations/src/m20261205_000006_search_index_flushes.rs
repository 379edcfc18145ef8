//! PostgreSQL's full-text index on tickets flushes its pending list in small steps.
//!
//! A GIN index collects new entries in a pending list and merges it into the index when
//! the list reaches `gin_pending_list_limit` (4 MB by default), inside whichever insert
//! crosses the limit. In a burst of creates that insert stalled for 70 to 90 ms, and a
//! batch of creates written together waited with it (docs/benchmarks.md, "Write path").
//! At 128 kB the merges are small and frequent; autovacuum still merges in the
//! background. SQLite's FTS5 table has no such list.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::DbBackend;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        if m.get_database_backend() == DbBackend::Postgres {
            m.get_connection()
                .execute_unprepared(
                    "ALTER INDEX ix_tickets_search SET (gin_pending_list_limit = 128)",
                )
                .await?;
        }
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        if m.get_database_backend() == DbBackend::Postgres {
            m.get_connection()
                .execute_unprepared("ALTER INDEX ix_tickets_search RESET (gin_pending_list_limit)")
                .await?;
        }
        Ok(())
    }
}

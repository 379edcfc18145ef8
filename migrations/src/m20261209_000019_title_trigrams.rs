//! `title.contains=...` (a word or part of one anywhere in the title) without reading
//! every title: an index of the titles' three-letter pieces.
//!
//! PostgreSQL: a GIN `pg_trgm` index over `lower(title)`, which serves the list's
//! `lower(title) LIKE '%...%'` directly. `pg_trgm` ships with PostgreSQL and is a trusted
//! extension (a database owner may create it); it is created in `public`, so that it
//! outlives any one schema (the tests' schemas come and go), or used where it already
//! is. Where it cannot be created, the index is left out and contains-filters scan, as
//! before; the server warns at every start (`indexes.rs`).
//!
//! Its pending list flushes in small steps, as the search index's does (migration 000006).
//!
//! SQLite: an FTS5 table with the trigram tokenizer over `tickets.title` (external
//! content, kept in step by triggers); the list asks it for candidates.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::DbBackend;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        let db = m.get_connection();
        match m.get_database_backend() {
            DbBackend::Postgres => {
                db.execute_unprepared(
                    "DO $$ \
                     DECLARE home text; \
                     BEGIN \
                       IF NOT EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'pg_trgm') THEN \
                         BEGIN \
                           CREATE EXTENSION pg_trgm SCHEMA public; \
                         EXCEPTION WHEN OTHERS THEN \
                           RAISE NOTICE 'pg_trgm is not available (%): title.contains will scan', SQLERRM; \
                           RETURN; \
                         END; \
                       END IF; \
                       SELECT n.nspname INTO home FROM pg_extension e \
                         JOIN pg_namespace n ON n.oid = e.extnamespace WHERE e.extname = 'pg_trgm'; \
                       EXECUTE format('CREATE INDEX ix_tickets_title_trgm ON tickets \
                         USING gin (lower(title) %I.gin_trgm_ops) \
                         WITH (gin_pending_list_limit = 128)', home); \
                     END $$",
                )
                .await?;
            }
            DbBackend::Sqlite => {
                for sql in [
                    "CREATE VIRTUAL TABLE tickets_title_trgm USING fts5(title, content='tickets', content_rowid='id', tokenize='trigram')",
                    "CREATE TRIGGER tickets_title_trgm_ai AFTER INSERT ON tickets BEGIN \
                       INSERT INTO tickets_title_trgm(rowid, title) VALUES (new.id, new.title); END",
                    "CREATE TRIGGER tickets_title_trgm_ad AFTER DELETE ON tickets BEGIN \
                       INSERT INTO tickets_title_trgm(tickets_title_trgm, rowid, title) VALUES ('delete', old.id, old.title); END",
                    "CREATE TRIGGER tickets_title_trgm_au AFTER UPDATE OF title ON tickets BEGIN \
                       INSERT INTO tickets_title_trgm(tickets_title_trgm, rowid, title) VALUES ('delete', old.id, old.title); \
                       INSERT INTO tickets_title_trgm(rowid, title) VALUES (new.id, new.title); END",
                    "INSERT INTO tickets_title_trgm(tickets_title_trgm) VALUES ('rebuild')",
                ] {
                    db.execute_unprepared(sql).await?;
                }
            }
            other => return Err(DbErr::Migration(format!("unsupported backend {other:?}"))),
        }
        Ok(())
    }
}

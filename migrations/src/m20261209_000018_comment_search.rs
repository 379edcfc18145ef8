//! Full-text search covers comments, and PostgreSQL keeps each ticket's search vector.
//!
//! `tickets.comment_text` holds the ticket's comment bodies (the store rewrites it with
//! every comment written, edited or deleted: `tickets/search.rs`), beside `search_text`
//! (key, title, body, searchable fields). PostgreSQL: a stored generated `search_vector`
//! weighs the ticket's own text above its comments (`A`, `B`) for ranking, and the GIN
//! index is over it; checking a match or ranking one reads the stored vector instead of
//! parsing the text again for each row. SQLite: the FTS5 table gets a second column.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::DbBackend;

#[derive(DeriveMigrationName)]
pub struct Migration;

/// Comment text kept per ticket, in bytes (`tickets::search::MAX_COMMENT_TEXT`): a
/// tsvector holds at most 1 MB.
const MAX_COMMENT_TEXT: usize = 200_000;

const SQLITE_FTS: &str = "CREATE VIRTUAL TABLE tickets_fts USING fts5(search_text, comment_text, content='tickets', content_rowid='id', tokenize='unicode61 remove_diacritics 2')";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        let db = m.get_connection();
        db.execute_unprepared(
            "ALTER TABLE tickets ADD COLUMN comment_text TEXT NOT NULL DEFAULT ''",
        )
        .await?;
        match m.get_database_backend() {
            DbBackend::Postgres => {
                for sql in [
                    format!(
                        "UPDATE tickets t SET comment_text = c.text FROM ( \
                           SELECT ticket_id, left(string_agg(body, ' ' ORDER BY id), {MAX_COMMENT_TEXT}) AS text \
                           FROM comments WHERE body <> '' GROUP BY ticket_id) c \
                         WHERE c.ticket_id = t.id"
                    ),
                    "DROP INDEX IF EXISTS ix_tickets_search".to_string(),
                    "ALTER TABLE tickets ADD COLUMN search_vector tsvector GENERATED ALWAYS AS ( \
                       setweight(to_tsvector('simple', search_text), 'A') || \
                       setweight(to_tsvector('simple', comment_text), 'B')) STORED"
                        .to_string(),
                    // Small pending-list flushes, as migration 000006 set on the old index.
                    "CREATE INDEX ix_tickets_search ON tickets USING gin (search_vector) \
                     WITH (gin_pending_list_limit = 128)"
                        .to_string(),
                ] {
                    db.execute_unprepared(&sql).await?;
                }
            }
            DbBackend::Sqlite => {
                for sql in [
                    format!(
                        "UPDATE tickets SET comment_text = COALESCE((SELECT substr(group_concat(body, ' '), 1, {MAX_COMMENT_TEXT}) \
                           FROM (SELECT body FROM comments WHERE ticket_id = tickets.id AND body <> '' ORDER BY id)), '')"
                    ),
                    "DROP TRIGGER IF EXISTS tickets_fts_ai".to_string(),
                    "DROP TRIGGER IF EXISTS tickets_fts_ad".to_string(),
                    "DROP TRIGGER IF EXISTS tickets_fts_au".to_string(),
                    "DROP TABLE IF EXISTS tickets_fts".to_string(),
                    SQLITE_FTS.to_string(),
                    "CREATE TRIGGER tickets_fts_ai AFTER INSERT ON tickets BEGIN \
                       INSERT INTO tickets_fts(rowid, search_text, comment_text) VALUES (new.id, new.search_text, new.comment_text); END"
                        .to_string(),
                    "CREATE TRIGGER tickets_fts_ad AFTER DELETE ON tickets BEGIN \
                       INSERT INTO tickets_fts(tickets_fts, rowid, search_text, comment_text) VALUES ('delete', old.id, old.search_text, old.comment_text); END"
                        .to_string(),
                    "CREATE TRIGGER tickets_fts_au AFTER UPDATE OF search_text, comment_text ON tickets BEGIN \
                       INSERT INTO tickets_fts(tickets_fts, rowid, search_text, comment_text) VALUES ('delete', old.id, old.search_text, old.comment_text); \
                       INSERT INTO tickets_fts(rowid, search_text, comment_text) VALUES (new.id, new.search_text, new.comment_text); END"
                        .to_string(),
                    "INSERT INTO tickets_fts(tickets_fts) VALUES ('rebuild')".to_string(),
                ] {
                    db.execute_unprepared(&sql).await?;
                }
            }
            other => return Err(DbErr::Migration(format!("unsupported backend {other:?}"))),
        }
        Ok(())
    }
}

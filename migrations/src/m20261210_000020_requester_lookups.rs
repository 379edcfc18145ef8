//! Indexes on columns that lead to a requester or a mailbox, which had none: every list
//! page loads its tickets' requesters with their identities (`requesters::load`), and
//! without an index on `requester_identities.requester_id` each requester scanned every
//! identity (a queue page took 10-23 ms of SQLite's time at 20,000 requesters, of 20 in
//! all). A requester merge moves comments by their author, and deleting a mailbox checks
//! its messages' foreign key: both scanned their whole table.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

const INDEXES: [(&str, &str, &str); 3] = [
    (
        "ix_requester_identities_requester",
        "requester_identities",
        "requester_id",
    ),
    (
        "ix_comments_author_requester",
        "comments",
        "author_requester_id",
    ),
    ("ix_email_messages_mailbox", "email_messages", "mailbox_id"),
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        let db = m.get_connection();
        for (name, table, column) in INDEXES {
            db.execute_unprepared(&format!("CREATE INDEX {name} ON {table} ({column})"))
                .await?;
        }
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        let db = m.get_connection();
        for (name, _, _) in INDEXES {
            db.execute_unprepared(&format!("DROP INDEX IF EXISTS {name}"))
                .await?;
        }
        Ok(())
    }
}

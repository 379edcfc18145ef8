//! docket-store: everything Docket keeps in its database. All SQL text lives here: the
//! core tables through sea-orm entities, and the per-type extension tables (`ext_<slug>`)
//! through sea-query statements built from checked identifiers.

pub mod ai;
pub mod attachments;
pub mod backlog;
mod backup;
mod clock;
mod connect;
mod ddl;
pub mod delivery;
pub mod discord;
pub mod email_messages;
mod entities;
mod error;
mod ext;
mod group_commit;
mod health;
mod idempotency;
pub mod identity;
mod indexes;
pub mod intake;
mod jobs;
mod keys;
pub mod list;
pub mod live;
pub mod mailboxes;
mod migrate;
mod organizations;
pub mod public;
mod requesters;
mod routing;
pub mod settings_row;
pub mod sla;
#[cfg(feature = "testing")]
pub mod testing;
mod tickets;
mod types;
mod upkeep;
pub mod views;

use std::sync::Arc;

use sea_orm::{DatabaseConnection, DbBackend};

/// Rows per multi-row statement, well under the bound parameters either backend takes
/// (SQLite 32,766, PostgreSQL 65,535) for rows of up to a dozen columns.
pub(crate) const ROWS_PER_STATEMENT: usize = 1000;

/// Insert rows in order, `ROWS_PER_STATEMENT` to a statement.
pub(crate) async fn insert_in_chunks<A, C>(conn: &C, mut rows: Vec<A>) -> Result<()>
where
    A: sea_orm::ActiveModelTrait,
    C: sea_orm::ConnectionTrait,
{
    use sea_orm::EntityTrait;
    while !rows.is_empty() {
        let rest = rows.split_off(rows.len().min(ROWS_PER_STATEMENT));
        A::Entity::insert_many(rows)
            .exec_without_returning(conn)
            .await?;
        rows = rest;
    }
    Ok(())
}

/// Keep the newest `keep` rows of one owner's log (`owner` in `owner_column`, newest by
/// `id_column`) and delete the rest: the logs that show admins their last deliveries or
/// messages.
pub(crate) async fn keep_newest<E, C>(
    conn: &C,
    owner_column: E::Column,
    owner: i64,
    id_column: E::Column,
    keep: u64,
) -> Result<()>
where
    E: sea_orm::EntityTrait,
    C: sea_orm::ConnectionTrait,
{
    use sea_orm::{ColumnTrait, QueryFilter, QueryOrder, QuerySelect};
    let oldest_kept = E::find()
        .select_only()
        .column(id_column)
        .filter(owner_column.eq(owner))
        .order_by_desc(id_column)
        .offset(keep.saturating_sub(1))
        .limit(1)
        .into_tuple::<i64>()
        .one(conn)
        .await?;
    if let Some(oldest_kept) = oldest_kept {
        E::delete_many()
            .filter(owner_column.eq(owner))
            .filter(id_column.lt(oldest_kept))
            .exec(conn)
            .await?;
    }
    Ok(())
}

/// Hex SHA-256: type definition checksums, token hashes, attachment hashes.
pub(crate) fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::Digest;
    sha2::Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

pub use backup::{Files, Inventory, RestoreTarget, Snapshot, inspect_sqlite_file, sqlite_tables};
pub use clock::Clock;
pub use connect::{Backend, create_private_dir, libpq_env, redacted_url, sqlite_file};
pub use docket_core::routing::{Availability, Decision as RoutingDecision, RoutingRule};
pub use error::StoreError;
/// A typed extension column of a fetched row, in its JSON form.
pub use ext::from_row as column_value;
/// A field's JSON value as the SQL value of its column.
pub use ext::to_sql_value as column_sql_value;
pub use idempotency::{IdempotencyKey, IdempotencyOutcome, StoredResponse};
pub use list::{CoreField, Filter, FilterOp, ListQuery, Page, SortKey};
pub use organizations::{
    MAX_DOMAINS, MAX_ORG_NAME, MAX_ORG_NOTES, Organization, OrganizationInput,
};
pub use requesters::{
    Count, Identity, MAX_NOTE, NoteWriter, PastTicket, RequesterCard, RequesterListItem,
    RequesterMerge, RequesterNote, RequesterPatch, RequesterProfile, RequesterQuery, RequesterRef,
    Topics,
};
pub use tickets::search_text;
pub use tickets::{
    Comment, CommentEdit, CommentEditor, MAX_SURVEY_COMMENT, MAX_TITLE, NewComment, NewTicket,
    Requester, SummaryWriter, Survey, Ticket, TicketEvent, TicketPatch, Transcript,
};
pub use types::{
    AppliedChange, PlannedChange, RegisteredType, StoredType, TypeOrigin, TypeRegistry, TypeSource,
};

pub type Result<T, E = StoreError> = std::result::Result<T, E>;

/// The handle everything else uses: a connection pool plus the compiled type registry.
#[derive(Clone)]
pub struct Store {
    /// Every write, and every read inside a transaction or that must see the store's
    /// own uncommitted work. On SQLite a single connection (one writer at a time).
    db: DatabaseConnection,
    /// Reads of committed data that need no transaction: lists, ticket pages, requester
    /// profiles, reports. On SQLite read-only connections beside the writer, so they
    /// never queue behind a write; on PostgreSQL the same pool as `db`. Each statement
    /// reads the last commit, so a read after a write of the same request sees it.
    reader: DatabaseConnection,
    registry: Arc<TypeRegistry>,
    clock: Clock,
    /// Creates waiting to be written together (`tickets/create.rs`).
    creates: Arc<tickets::CreateQueue>,
    /// Who API tokens belong to, kept between requests (`identity/principals.rs`).
    principals: Arc<identity::Principals>,
    /// Where new attachments' bytes go when not in the database (`attachments/objects.rs`).
    objects: Option<Arc<attachments::ObjectStore>>,
}

impl Store {
    pub fn backend(&self) -> DbBackend {
        self.db.get_database_backend()
    }

    pub fn connection(&self) -> &DatabaseConnection {
        &self.db
    }

    /// The pool lists and ticket reads use: SQLite's read-only connections beside the
    /// writer, PostgreSQL's one pool.
    pub fn read_connection(&self) -> &DatabaseConnection {
        &self.reader
    }

    pub fn registry(&self) -> &TypeRegistry {
        &self.registry
    }

    /// The time tickets, comments and SLA clocks are stamped with.
    pub fn clock(&self) -> &Clock {
        &self.clock
    }

    /// Keep new attachments' bytes in this bucket rather than in the database.
    pub fn with_object_store(mut self, objects: attachments::ObjectStore) -> Store {
        self.objects = Some(Arc::new(objects));
        self
    }

    pub async fn close(self) {
        // Readers first: SQLite's last connection to close checkpoints the WAL into the
        // file, and a read-only one cannot.
        if self.backend() == DbBackend::Sqlite {
            let _ = self.reader.close().await;
        }
        let _ = self.db.close().await;
    }
}

//! The T's bar: tickets and what every ticket shares, plus type versions and the
//! bookkeeping tables (key sequences, idempotency keys, schema generation).

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;
use sea_orm_migration::sea_orm::DbBackend;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum SchemaState {
    Table,
    Id,
    Generation,
}

#[derive(DeriveIden)]
enum KeySequences {
    Table,
    Prefix,
    NextNumber,
}

#[derive(DeriveIden)]
enum Users {
    Table,
    Id,
    Email,
    DisplayName,
    Role,
    Active,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum Requesters {
    Table,
    Id,
    DisplayName,
    Email,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum RequesterIdentities {
    Table,
    Id,
    RequesterId,
    Kind,
    Value,
    CreatedAt,
}

#[derive(DeriveIden)]
enum TicketTypes {
    Table,
    Id,
    Slug,
    Version,
    Name,
    KeyPrefix,
    Definition,
    Columns,
    Source,
    SourcePath,
    SourceText,
    Checksum,
    Ddl,
    Changes,
    AppliedBy,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Tickets {
    Table,
    Id,
    Key,
    Number,
    TypeSlug,
    TypeVersion,
    Title,
    Body,
    Status,
    StatusCategory,
    Priority,
    RequesterId,
    AssigneeId,
    SourceChannel,
    SourceRef,
    Fingerprint,
    SearchText,
    RowVersion,
    CreatedAt,
    UpdatedAt,
    FirstResponseAt,
    ResolvedAt,
    ClosedAt,
    DeletedAt,
}

#[derive(DeriveIden)]
enum TicketTags {
    Table,
    TicketId,
    Tag,
}

#[derive(DeriveIden)]
enum Comments {
    Table,
    Id,
    TicketId,
    Kind,
    Body,
    AuthorUserId,
    AuthorRequesterId,
    AuthorName,
    Channel,
    CreatedAt,
}

#[derive(DeriveIden)]
enum TicketEvents {
    Table,
    Id,
    TicketId,
    Actor,
    Field,
    OldValue,
    NewValue,
    CreatedAt,
}

#[derive(DeriveIden)]
enum IdempotencyKeys {
    Table,
    Scope,
    Key,
    RequestHash,
    Status,
    Response,
    CreatedAt,
}

fn ts(col: impl IntoIden) -> ColumnDef {
    timestamp_with_time_zone(col)
}

fn ts_null(col: impl IntoIden) -> ColumnDef {
    timestamp_with_time_zone_null(col)
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(SchemaState::Table)
                .col(integer(SchemaState::Id).primary_key())
                .col(big_integer(SchemaState::Generation).default(0))
                .to_owned(),
        )
        .await?;
        m.exec_stmt(
            Query::insert()
                .into_table(SchemaState::Table)
                .columns([SchemaState::Id, SchemaState::Generation])
                .values_panic([1.into(), 0.into()])
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(KeySequences::Table)
                .col(text(KeySequences::Prefix).primary_key())
                .col(big_integer(KeySequences::NextNumber))
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(Users::Table)
                .col(big_pk_auto(Users::Id))
                .col(text_uniq(Users::Email))
                .col(text(Users::DisplayName))
                .col(text(Users::Role))
                .col(boolean(Users::Active).default(true))
                .col(ts(Users::CreatedAt))
                .col(ts(Users::UpdatedAt))
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(Requesters::Table)
                .col(big_pk_auto(Requesters::Id))
                .col(text_null(Requesters::DisplayName))
                .col(text_null(Requesters::Email))
                .col(ts(Requesters::CreatedAt))
                .col(ts(Requesters::UpdatedAt))
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(RequesterIdentities::Table)
                .col(big_pk_auto(RequesterIdentities::Id))
                .col(big_integer(RequesterIdentities::RequesterId))
                .col(text(RequesterIdentities::Kind))
                .col(text(RequesterIdentities::Value))
                .col(ts(RequesterIdentities::CreatedAt))
                .foreign_key(
                    ForeignKey::create()
                        .from(RequesterIdentities::Table, RequesterIdentities::RequesterId)
                        .to(Requesters::Table, Requesters::Id)
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ux_requester_identities_kind_value")
                .table(RequesterIdentities::Table)
                .col(RequesterIdentities::Kind)
                .col(RequesterIdentities::Value)
                .unique()
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(TicketTypes::Table)
                .col(big_pk_auto(TicketTypes::Id))
                .col(text(TicketTypes::Slug))
                .col(integer(TicketTypes::Version))
                .col(text(TicketTypes::Name))
                .col(text(TicketTypes::KeyPrefix))
                .col(text(TicketTypes::Definition))
                .col(text(TicketTypes::Columns))
                .col(text(TicketTypes::Source))
                .col(text_null(TicketTypes::SourcePath))
                .col(text_null(TicketTypes::SourceText))
                .col(text(TicketTypes::Checksum))
                .col(text(TicketTypes::Ddl))
                .col(text(TicketTypes::Changes))
                .col(text(TicketTypes::AppliedBy))
                .col(ts(TicketTypes::CreatedAt))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ux_ticket_types_slug_version")
                .table(TicketTypes::Table)
                .col(TicketTypes::Slug)
                .col(TicketTypes::Version)
                .unique()
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(Tickets::Table)
                .col(big_pk_auto(Tickets::Id))
                .col(text_uniq(Tickets::Key))
                .col(big_integer(Tickets::Number))
                .col(text(Tickets::TypeSlug))
                .col(integer(Tickets::TypeVersion))
                .col(text(Tickets::Title))
                .col(text(Tickets::Body).default(""))
                .col(text(Tickets::Status))
                .col(text(Tickets::StatusCategory))
                .col(text(Tickets::Priority))
                .col(big_integer_null(Tickets::RequesterId))
                .col(big_integer_null(Tickets::AssigneeId))
                .col(text(Tickets::SourceChannel))
                .col(text_null(Tickets::SourceRef))
                .col(text_null(Tickets::Fingerprint))
                .col(text(Tickets::SearchText).default(""))
                .col(integer(Tickets::RowVersion).default(1))
                .col(ts(Tickets::CreatedAt))
                .col(ts(Tickets::UpdatedAt))
                .col(ts_null(Tickets::FirstResponseAt))
                .col(ts_null(Tickets::ResolvedAt))
                .col(ts_null(Tickets::ClosedAt))
                .col(ts_null(Tickets::DeletedAt))
                .foreign_key(
                    ForeignKey::create()
                        .from(Tickets::Table, Tickets::RequesterId)
                        .to(Requesters::Table, Requesters::Id)
                        .on_delete(ForeignKeyAction::SetNull),
                )
                .foreign_key(
                    ForeignKey::create()
                        .from(Tickets::Table, Tickets::AssigneeId)
                        .to(Users::Table, Users::Id)
                        .on_delete(ForeignKeyAction::SetNull),
                )
                .to_owned(),
        )
        .await?;
        for (name, cols) in [
            (
                "ix_tickets_type_status",
                vec![Tickets::TypeSlug, Tickets::Status],
            ),
            ("ix_tickets_status", vec![Tickets::Status]),
            ("ix_tickets_priority", vec![Tickets::Priority]),
            ("ix_tickets_assignee", vec![Tickets::AssigneeId]),
            ("ix_tickets_requester", vec![Tickets::RequesterId]),
            ("ix_tickets_created", vec![Tickets::CreatedAt]),
            ("ix_tickets_updated", vec![Tickets::UpdatedAt]),
            (
                "ix_tickets_source",
                vec![Tickets::SourceChannel, Tickets::SourceRef],
            ),
        ] {
            let mut idx = Index::create();
            idx.name(name).table(Tickets::Table);
            for c in cols {
                idx.col(c);
            }
            m.create_index(idx.to_owned()).await?;
        }

        m.create_table(
            Table::create()
                .table(TicketTags::Table)
                .col(big_integer(TicketTags::TicketId))
                .col(text(TicketTags::Tag))
                .primary_key(
                    Index::create()
                        .col(TicketTags::TicketId)
                        .col(TicketTags::Tag),
                )
                .foreign_key(
                    ForeignKey::create()
                        .from(TicketTags::Table, TicketTags::TicketId)
                        .to(Tickets::Table, Tickets::Id)
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ix_ticket_tags_tag")
                .table(TicketTags::Table)
                .col(TicketTags::Tag)
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(Comments::Table)
                .col(big_pk_auto(Comments::Id))
                .col(big_integer(Comments::TicketId))
                .col(text(Comments::Kind))
                .col(text(Comments::Body))
                .col(big_integer_null(Comments::AuthorUserId))
                .col(big_integer_null(Comments::AuthorRequesterId))
                .col(text_null(Comments::AuthorName))
                .col(text(Comments::Channel))
                .col(ts(Comments::CreatedAt))
                .foreign_key(
                    ForeignKey::create()
                        .from(Comments::Table, Comments::TicketId)
                        .to(Tickets::Table, Tickets::Id)
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .foreign_key(
                    ForeignKey::create()
                        .from(Comments::Table, Comments::AuthorUserId)
                        .to(Users::Table, Users::Id)
                        .on_delete(ForeignKeyAction::SetNull),
                )
                .foreign_key(
                    ForeignKey::create()
                        .from(Comments::Table, Comments::AuthorRequesterId)
                        .to(Requesters::Table, Requesters::Id)
                        .on_delete(ForeignKeyAction::SetNull),
                )
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ix_comments_ticket")
                .table(Comments::Table)
                .col(Comments::TicketId)
                .col(Comments::Id)
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(TicketEvents::Table)
                .col(big_pk_auto(TicketEvents::Id))
                .col(big_integer(TicketEvents::TicketId))
                .col(text(TicketEvents::Actor))
                .col(text(TicketEvents::Field))
                .col(text_null(TicketEvents::OldValue))
                .col(text_null(TicketEvents::NewValue))
                .col(ts(TicketEvents::CreatedAt))
                .foreign_key(
                    ForeignKey::create()
                        .from(TicketEvents::Table, TicketEvents::TicketId)
                        .to(Tickets::Table, Tickets::Id)
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ix_ticket_events_ticket")
                .table(TicketEvents::Table)
                .col(TicketEvents::TicketId)
                .col(TicketEvents::Id)
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(IdempotencyKeys::Table)
                .col(text(IdempotencyKeys::Scope))
                .col(text(IdempotencyKeys::Key))
                .col(text(IdempotencyKeys::RequestHash))
                .col(integer(IdempotencyKeys::Status))
                .col(text(IdempotencyKeys::Response))
                .col(ts(IdempotencyKeys::CreatedAt))
                .primary_key(
                    Index::create()
                        .col(IdempotencyKeys::Scope)
                        .col(IdempotencyKeys::Key),
                )
                .to_owned(),
        )
        .await?;

        // Full-text search over tickets.search_text, which the store keeps up to date.
        let db = m.get_connection();
        match m.get_database_backend() {
            DbBackend::Postgres => {
                db.execute_unprepared(
                    "CREATE INDEX ix_tickets_search ON tickets USING gin (to_tsvector('simple', search_text))",
                )
                .await?;
            }
            DbBackend::Sqlite => {
                for sql in [
                    "CREATE VIRTUAL TABLE tickets_fts USING fts5(search_text, content='tickets', content_rowid='id', tokenize='unicode61 remove_diacritics 2')",
                    "CREATE TRIGGER tickets_fts_ai AFTER INSERT ON tickets BEGIN INSERT INTO tickets_fts(rowid, search_text) VALUES (new.id, new.search_text); END",
                    "CREATE TRIGGER tickets_fts_ad AFTER DELETE ON tickets BEGIN INSERT INTO tickets_fts(tickets_fts, rowid, search_text) VALUES ('delete', old.id, old.search_text); END",
                    "CREATE TRIGGER tickets_fts_au AFTER UPDATE OF search_text ON tickets BEGIN INSERT INTO tickets_fts(tickets_fts, rowid, search_text) VALUES ('delete', old.id, old.search_text); INSERT INTO tickets_fts(rowid, search_text) VALUES (new.id, new.search_text); END",
                ] {
                    db.execute_unprepared(sql).await?;
                }
            }
            other => {
                return Err(DbErr::Migration(format!("unsupported backend {other:?}")));
            }
        }
        Ok(())
    }
}

//! Attachments: files on a ticket, usually on one of its comments. The metadata row is
//! what lists read; the bytes live apart (`attachment_contents` when stored in the
//! database, an object in S3-compatible storage otherwise), so that no list ever reads
//! a file.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Attachments {
    Table,
    Id,
    TicketId,
    /// The comment it belongs to; None for files on the ticket itself (a transcript's,
    /// or an upload whose comment was never sent).
    CommentId,
    Filename,
    ContentType,
    Size,
    /// Hex SHA-256 of the bytes, checked on every read from object storage.
    Sha256,
    /// `database` or `s3`.
    Storage,
    /// The object's key in object storage; None in the database.
    StorageKey,
    UploadedBy,
    CreatedAt,
}

#[derive(DeriveIden)]
enum AttachmentContents {
    Table,
    AttachmentId,
    Data,
}

#[derive(DeriveIden)]
enum Tickets {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Comments {
    Table,
    Id,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(Attachments::Table)
                .col(big_pk_auto(Attachments::Id))
                .col(big_integer(Attachments::TicketId))
                .col(big_integer_null(Attachments::CommentId))
                .col(text(Attachments::Filename))
                .col(text(Attachments::ContentType))
                .col(big_integer(Attachments::Size))
                .col(string_len(Attachments::Sha256, 64))
                .col(string_len(Attachments::Storage, 16))
                .col(text_null(Attachments::StorageKey))
                .col(text(Attachments::UploadedBy))
                .col(timestamp_with_time_zone(Attachments::CreatedAt))
                .foreign_key(
                    ForeignKey::create()
                        .from(Attachments::Table, Attachments::TicketId)
                        .to(Tickets::Table, Tickets::Id)
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .foreign_key(
                    ForeignKey::create()
                        .from(Attachments::Table, Attachments::CommentId)
                        .to(Comments::Table, Comments::Id)
                        .on_delete(ForeignKeyAction::SetNull),
                )
                .to_owned(),
        )
        .await?;
        // A ticket's files in upload order, and a page of comments' files.
        m.create_index(
            Index::create()
                .name("ix_attachments_ticket")
                .table(Attachments::Table)
                .col(Attachments::TicketId)
                .col(Attachments::Id)
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ix_attachments_comment")
                .table(Attachments::Table)
                .col(Attachments::CommentId)
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(AttachmentContents::Table)
                .col(big_integer(AttachmentContents::AttachmentId).primary_key())
                // BLOB on SQLite, bytea on PostgreSQL.
                .col(blob(AttachmentContents::Data))
                .foreign_key(
                    ForeignKey::create()
                        .from(AttachmentContents::Table, AttachmentContents::AttachmentId)
                        .to(Attachments::Table, Attachments::Id)
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .to_owned(),
        )
        .await?;
        Ok(())
    }
}

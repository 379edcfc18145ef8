//! Inbound email: mailboxes an admin configures (IMAP settings; the password is a sealed
//! secret, `secrets`, never a column here), each with a short log of the messages it
//! took in, and `email_messages`: one row per message of a ticket's email thread, in or
//! out, so that answers find their ticket and duplicates are recognised by Message-ID.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Mailboxes {
    Table,
    Id,
    /// What admins and `docket mail pipe --mailbox` call it.
    Name,
    /// The address customers write to; its domain is one of our Message-ID domains.
    Address,
    TicketType,
    /// `P0`..`P3`; null: the type's default.
    DefaultPriority,
    /// Extension field values new tickets get (JSON object): the type's required
    /// fields that mail cannot fill.
    Fields,
    ImapHost,
    ImapPort,
    /// `tls`, `starttls` or `none`.
    ImapSecurity,
    ImapUsername,
    Folder,
    /// Null: mark processed mail `\Seen`; else the folder it is moved to.
    MoveTo,
    UseIdle,
    PollSeconds,
    /// New tickets one sender may open through this mailbox per hour.
    SenderHourlyLimit,
    Enabled,
    /// The folder's UIDVALIDITY and the last UID stored: fetching resumes above it.
    UidValidity,
    LastUid,
    LastCheckedAt,
    LastError,
    LastErrorAt,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum MailboxLog {
    Table,
    Id,
    MailboxId,
    ReceivedAt,
    /// `created`, `threaded`, `noise`, `duplicate`, `rate_limited`, `refused`, `failed`.
    Outcome,
    MessageId,
    FromAddress,
    Subject,
    TicketKey,
    Detail,
}

#[derive(DeriveIden)]
enum EmailMessages {
    Table,
    Id,
    TicketId,
    /// Without angle brackets; unique, so a message is taken in once.
    MessageId,
    /// `in` or `out`.
    Direction,
    MailboxId,
    CommentId,
    FromAddress,
    Subject,
    /// Noise (auto-reply, bounce, bulk) or a rate-limited sender: never answered.
    SuppressReplies,
    /// The whole decoded text, quotes and signature included (comments keep the
    /// trimmed reply).
    FullText,
    /// The sanitised HTML body, when the message had one.
    Html,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Tickets {
    Table,
    Id,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(Mailboxes::Table)
                .col(big_pk_auto(Mailboxes::Id))
                .col(string_len(Mailboxes::Name, 64).unique_key())
                .col(text(Mailboxes::Address))
                .col(string_len(Mailboxes::TicketType, 64))
                .col(string_len_null(Mailboxes::DefaultPriority, 8))
                .col(text(Mailboxes::Fields))
                .col(text(Mailboxes::ImapHost))
                .col(integer(Mailboxes::ImapPort))
                .col(string_len(Mailboxes::ImapSecurity, 16))
                .col(text(Mailboxes::ImapUsername))
                .col(text(Mailboxes::Folder))
                .col(text_null(Mailboxes::MoveTo))
                .col(boolean(Mailboxes::UseIdle))
                .col(integer(Mailboxes::PollSeconds))
                .col(integer(Mailboxes::SenderHourlyLimit))
                .col(boolean(Mailboxes::Enabled))
                // UIDs are unsigned 32-bit: a big integer holds them on both databases.
                .col(big_integer_null(Mailboxes::UidValidity))
                .col(big_integer_null(Mailboxes::LastUid))
                .col(timestamp_with_time_zone_null(Mailboxes::LastCheckedAt))
                .col(text_null(Mailboxes::LastError))
                .col(timestamp_with_time_zone_null(Mailboxes::LastErrorAt))
                .col(timestamp_with_time_zone(Mailboxes::CreatedAt))
                .col(timestamp_with_time_zone(Mailboxes::UpdatedAt))
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(MailboxLog::Table)
                .col(big_pk_auto(MailboxLog::Id))
                .col(big_integer(MailboxLog::MailboxId))
                .col(timestamp_with_time_zone(MailboxLog::ReceivedAt))
                .col(string_len(MailboxLog::Outcome, 16))
                .col(text_null(MailboxLog::MessageId))
                .col(text_null(MailboxLog::FromAddress))
                .col(text_null(MailboxLog::Subject))
                .col(text_null(MailboxLog::TicketKey))
                .col(text_null(MailboxLog::Detail))
                .foreign_key(
                    ForeignKey::create()
                        .from(MailboxLog::Table, MailboxLog::MailboxId)
                        .to(Mailboxes::Table, Mailboxes::Id)
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .to_owned(),
        )
        .await?;
        // Read newest first per mailbox, and pruned per mailbox.
        m.create_index(
            Index::create()
                .name("ix_mailbox_log_mailbox")
                .table(MailboxLog::Table)
                .col(MailboxLog::MailboxId)
                .col(MailboxLog::Id)
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(EmailMessages::Table)
                .col(big_pk_auto(EmailMessages::Id))
                .col(big_integer(EmailMessages::TicketId))
                .col(string_len(EmailMessages::MessageId, 998).unique_key())
                .col(string_len(EmailMessages::Direction, 8))
                .col(big_integer_null(EmailMessages::MailboxId))
                .col(big_integer_null(EmailMessages::CommentId))
                .col(text_null(EmailMessages::FromAddress))
                .col(text_null(EmailMessages::Subject))
                .col(boolean(EmailMessages::SuppressReplies))
                .col(text_null(EmailMessages::FullText))
                .col(text_null(EmailMessages::Html))
                .col(timestamp_with_time_zone(EmailMessages::CreatedAt))
                .foreign_key(
                    ForeignKey::create()
                        .from(EmailMessages::Table, EmailMessages::TicketId)
                        .to(Tickets::Table, Tickets::Id)
                        .on_delete(ForeignKeyAction::Cascade),
                )
                // A deleted mailbox leaves its tickets' threads intact.
                .foreign_key(
                    ForeignKey::create()
                        .from(EmailMessages::Table, EmailMessages::MailboxId)
                        .to(Mailboxes::Table, Mailboxes::Id)
                        .on_delete(ForeignKeyAction::SetNull),
                )
                .to_owned(),
        )
        .await?;
        // A ticket's thread, oldest first; and the per-sender rate limit's count.
        m.create_index(
            Index::create()
                .name("ix_email_messages_ticket")
                .table(EmailMessages::Table)
                .col(EmailMessages::TicketId)
                .col(EmailMessages::Id)
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ix_email_messages_sender")
                .table(EmailMessages::Table)
                .col(EmailMessages::FromAddress)
                .col(EmailMessages::CreatedAt)
                .to_owned(),
        )
        .await?;
        Ok(())
    }
}

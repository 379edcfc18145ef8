//! Notifications out: every ticket change worth telling anyone about lands in the outbox
//! (in the transaction of the change); a dispatcher turns each entry into deliveries
//! (one per channel and target: a webhook subscription, an email address) and in-app
//! notifications, and marks it dispatched, so no entry is missed or fanned out twice
//! whatever order concurrent transactions commit in. Deliveries are leased jobs with
//! retries, backoff and a dead-letter state; each attempt is logged.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Outbox {
    Table,
    DispatchedAt,
}

#[derive(DeriveIden)]
enum WebhookSubscriptions {
    Table,
    Id,
    Name,
    Url,
    /// Topics as a JSON array of patterns (`ticket.created`, `comment.*`, `*`).
    Events,
    /// Ticket types it hears about (JSON array of slugs); null for every type.
    Types,
    Enabled,
    /// Failed attempts since the last success: too many disable the subscription.
    ConsecutiveFailures,
    DisabledReason,
    CreatedBy,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum Deliveries {
    Table,
    Id,
    OutboxId,
    /// `webhook` or `email`.
    Channel,
    /// The subscription id (webhooks) or the address (email).
    Target,
    Topic,
    TicketId,
    /// What is sent, fixed at dispatch so every retry sends the same bytes.
    Body,
    /// `pending`, `delivered` or `dead`.
    Status,
    Attempts,
    NextAttemptAt,
    LeaseOwner,
    LeaseUntil,
    LastError,
    CreatedAt,
    DeliveredAt,
}

#[derive(DeriveIden)]
enum DeliveryAttempts {
    Table,
    Id,
    DeliveryId,
    At,
    /// `delivered`, `failed` (retried) or `dead`.
    Outcome,
    /// The HTTP status or SMTP reply code, when the target answered.
    Code,
    Error,
    DurationMs,
}

#[derive(DeriveIden)]
enum UserNotifications {
    Table,
    Id,
    UserId,
    OutboxId,
    Topic,
    TicketId,
    /// One line for the bell (`IT-7 was assigned to you`).
    Title,
    CreatedAt,
    ReadAt,
}

#[derive(DeriveIden)]
enum NotificationPreferences {
    Table,
    UserId,
    Topic,
    Email,
    InApp,
}

#[derive(DeriveIden)]
enum Users {
    Table,
    Id,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.alter_table(
            Table::alter()
                .table(Outbox::Table)
                .add_column(timestamp_with_time_zone_null(Outbox::DispatchedAt))
                .to_owned(),
        )
        .await?;
        // Entries from before this migration were never meant for delivery: the
        // dispatcher starts with what comes next.
        m.exec_stmt(
            Query::update()
                .table(Outbox::Table)
                .value(Outbox::DispatchedAt, Expr::current_timestamp())
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ix_outbox_dispatched_at")
                .table(Outbox::Table)
                .col(Outbox::DispatchedAt)
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(WebhookSubscriptions::Table)
                .col(big_pk_auto(WebhookSubscriptions::Id))
                .col(text(WebhookSubscriptions::Name))
                .col(text(WebhookSubscriptions::Url))
                .col(text(WebhookSubscriptions::Events))
                .col(text_null(WebhookSubscriptions::Types))
                .col(boolean(WebhookSubscriptions::Enabled))
                .col(integer(WebhookSubscriptions::ConsecutiveFailures).default(0))
                .col(text_null(WebhookSubscriptions::DisabledReason))
                .col(text(WebhookSubscriptions::CreatedBy))
                .col(timestamp_with_time_zone(WebhookSubscriptions::CreatedAt))
                .col(timestamp_with_time_zone(WebhookSubscriptions::UpdatedAt))
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(Deliveries::Table)
                .col(big_pk_auto(Deliveries::Id))
                .col(big_integer(Deliveries::OutboxId))
                .col(string_len(Deliveries::Channel, 16))
                .col(text(Deliveries::Target))
                .col(text(Deliveries::Topic))
                .col(big_integer_null(Deliveries::TicketId))
                .col(text(Deliveries::Body))
                .col(string_len(Deliveries::Status, 16))
                .col(integer(Deliveries::Attempts).default(0))
                .col(timestamp_with_time_zone(Deliveries::NextAttemptAt))
                .col(text_null(Deliveries::LeaseOwner))
                .col(timestamp_with_time_zone_null(Deliveries::LeaseUntil))
                .col(text_null(Deliveries::LastError))
                .col(timestamp_with_time_zone(Deliveries::CreatedAt))
                .col(timestamp_with_time_zone_null(Deliveries::DeliveredAt))
                .to_owned(),
        )
        .await?;
        // A dispatcher run twice for one entry (a lost lease) adds nothing the second time.
        m.create_index(
            Index::create()
                .name("ux_deliveries_outbox_target")
                .table(Deliveries::Table)
                .col(Deliveries::OutboxId)
                .col(Deliveries::Channel)
                .col(Deliveries::Target)
                .unique()
                .to_owned(),
        )
        .await?;
        // The worker's question: which pending deliveries are due?
        m.create_index(
            Index::create()
                .name("ix_deliveries_due")
                .table(Deliveries::Table)
                .col(Deliveries::Status)
                .col(Deliveries::NextAttemptAt)
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(DeliveryAttempts::Table)
                .col(big_pk_auto(DeliveryAttempts::Id))
                .col(big_integer(DeliveryAttempts::DeliveryId))
                .col(timestamp_with_time_zone(DeliveryAttempts::At))
                .col(string_len(DeliveryAttempts::Outcome, 16))
                .col(integer_null(DeliveryAttempts::Code))
                .col(text_null(DeliveryAttempts::Error))
                .col(big_integer(DeliveryAttempts::DurationMs))
                .foreign_key(
                    ForeignKey::create()
                        .from(DeliveryAttempts::Table, DeliveryAttempts::DeliveryId)
                        .to(Deliveries::Table, Deliveries::Id)
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ix_delivery_attempts_delivery")
                .table(DeliveryAttempts::Table)
                .col(DeliveryAttempts::DeliveryId)
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(UserNotifications::Table)
                .col(big_pk_auto(UserNotifications::Id))
                .col(big_integer(UserNotifications::UserId))
                .col(big_integer(UserNotifications::OutboxId))
                .col(text(UserNotifications::Topic))
                .col(big_integer_null(UserNotifications::TicketId))
                .col(text(UserNotifications::Title))
                .col(timestamp_with_time_zone(UserNotifications::CreatedAt))
                .col(timestamp_with_time_zone_null(UserNotifications::ReadAt))
                .foreign_key(
                    ForeignKey::create()
                        .from(UserNotifications::Table, UserNotifications::UserId)
                        .to(Users::Table, Users::Id)
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ux_user_notifications_entry")
                .table(UserNotifications::Table)
                .col(UserNotifications::UserId)
                .col(UserNotifications::OutboxId)
                .unique()
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(NotificationPreferences::Table)
                .col(big_integer(NotificationPreferences::UserId))
                .col(string_len(NotificationPreferences::Topic, 64))
                .col(boolean(NotificationPreferences::Email))
                .col(boolean(NotificationPreferences::InApp))
                .primary_key(
                    Index::create()
                        .col(NotificationPreferences::UserId)
                        .col(NotificationPreferences::Topic),
                )
                .foreign_key(
                    ForeignKey::create()
                        .from(
                            NotificationPreferences::Table,
                            NotificationPreferences::UserId,
                        )
                        .to(Users::Table, Users::Id)
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .to_owned(),
        )
        .await?;
        Ok(())
    }
}

//! Inbound webhooks: sources that turn another system's signed HTTP POSTs into tickets.
//! A source is an admin's configuration (its mapping is the JSON document the API
//! validated); its signing secret is a sealed secret (`secrets`), never a column here.
//! Each source keeps a short log of its last deliveries, and the GitHub scheme's
//! delivery ids for a day so that a captured request cannot be replayed.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum IntakeSources {
    Table,
    Id,
    /// The last segment of the receiving URL.
    Slug,
    Name,
    TicketType,
    Enabled,
    /// `docket` or `github`.
    Scheme,
    /// `docket_core::intake::Mapping` as JSON, validated by the API.
    Mapping,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum IntakeDeliveries {
    Table,
    Id,
    SourceId,
    ReceivedAt,
    /// `created`, `replayed`, `refused` (signature, timestamp, replay), `invalid`
    /// (the payload), `failed` (Docket's own fault).
    Outcome,
    Status,
    TicketKey,
    /// What went wrong, in a sentence.
    Detail,
    /// The failing fields, as `FieldError`s in JSON.
    Errors,
    Ip,
}

#[derive(DeriveIden)]
enum IntakeReplays {
    Table,
    SourceId,
    /// The sender's id of the delivery (`X-GitHub-Delivery`).
    DeliveryId,
    SeenAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(IntakeSources::Table)
                .col(big_pk_auto(IntakeSources::Id))
                .col(string_len(IntakeSources::Slug, 64).unique_key())
                .col(text(IntakeSources::Name))
                .col(string_len(IntakeSources::TicketType, 64))
                .col(boolean(IntakeSources::Enabled))
                .col(string_len(IntakeSources::Scheme, 16))
                .col(text(IntakeSources::Mapping))
                .col(timestamp_with_time_zone(IntakeSources::CreatedAt))
                .col(timestamp_with_time_zone(IntakeSources::UpdatedAt))
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(IntakeDeliveries::Table)
                .col(big_pk_auto(IntakeDeliveries::Id))
                .col(big_integer(IntakeDeliveries::SourceId))
                .col(timestamp_with_time_zone(IntakeDeliveries::ReceivedAt))
                .col(string_len(IntakeDeliveries::Outcome, 16))
                .col(small_integer(IntakeDeliveries::Status))
                .col(text_null(IntakeDeliveries::TicketKey))
                .col(text_null(IntakeDeliveries::Detail))
                .col(text_null(IntakeDeliveries::Errors))
                .col(text_null(IntakeDeliveries::Ip))
                .foreign_key(
                    ForeignKey::create()
                        .from(IntakeDeliveries::Table, IntakeDeliveries::SourceId)
                        .to(IntakeSources::Table, IntakeSources::Id)
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .to_owned(),
        )
        .await?;
        // The log is read newest first per source, and pruned per source.
        m.create_index(
            Index::create()
                .name("ix_intake_deliveries_source")
                .table(IntakeDeliveries::Table)
                .col(IntakeDeliveries::SourceId)
                .col(IntakeDeliveries::Id)
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(IntakeReplays::Table)
                .col(big_integer(IntakeReplays::SourceId))
                .col(string_len(IntakeReplays::DeliveryId, 200))
                .col(timestamp_with_time_zone(IntakeReplays::SeenAt))
                .primary_key(
                    Index::create()
                        .col(IntakeReplays::SourceId)
                        .col(IntakeReplays::DeliveryId),
                )
                .foreign_key(
                    ForeignKey::create()
                        .from(IntakeReplays::Table, IntakeReplays::SourceId)
                        .to(IntakeSources::Table, IntakeSources::Id)
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .to_owned(),
        )
        .await?;
        Ok(())
    }
}

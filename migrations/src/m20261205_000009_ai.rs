//! AI: the admin's settings (one row, the settings as JSON with a version every instance
//! polls to rebuild its client), token usage per day, feature and model (upserted after
//! each call, for the cost report), and each ticket's triage suggestion.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum AiSettings {
    Table,
    /// Always 1: there is one row.
    Id,
    /// `docket_core::ai::AiSettings` as JSON (read and written whole).
    Settings,
    /// Bumped by every change of the settings or the key.
    Version,
    UpdatedBy,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum AiUsage {
    Table,
    /// `YYYY-MM-DD`, UTC.
    Day,
    Feature,
    Model,
    Calls,
    Failures,
    PromptTokens,
    CompletionTokens,
}

#[derive(DeriveIden)]
enum Tickets {
    Table,
    Triage,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(AiSettings::Table)
                .col(integer(AiSettings::Id).primary_key())
                .col(text(AiSettings::Settings))
                .col(big_integer(AiSettings::Version))
                .col(text(AiSettings::UpdatedBy))
                .col(timestamp_with_time_zone(AiSettings::UpdatedAt))
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(AiUsage::Table)
                .col(string_len(AiUsage::Day, 10))
                .col(string_len(AiUsage::Feature, 32))
                .col(string_len(AiUsage::Model, 200))
                .col(big_integer(AiUsage::Calls).default(0))
                .col(big_integer(AiUsage::Failures).default(0))
                .col(big_integer(AiUsage::PromptTokens).default(0))
                .col(big_integer(AiUsage::CompletionTokens).default(0))
                .primary_key(
                    Index::create()
                        .col(AiUsage::Day)
                        .col(AiUsage::Feature)
                        .col(AiUsage::Model),
                )
                .to_owned(),
        )
        .await?;
        // JSON text: the latest triage suggestion, read and written whole.
        m.alter_table(
            Table::alter()
                .table(Tickets::Table)
                .add_column(text_null(Tickets::Triage))
                .to_owned(),
        )
        .await?;
        Ok(())
    }
}

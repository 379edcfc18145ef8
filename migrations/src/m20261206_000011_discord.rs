//! The Discord integration and what a conversation relayed from elsewhere needs:
//! comments carry the reference of the message they came from or were relayed as (so a
//! relay repeated after a reconnect never doubles) and are edited or deleted with the
//! trail keeping every earlier text; panels are admins' configuration (a JSON document
//! the API validates) with where each was last posted; staff link their Discord
//! accounts with a one-time code; closed tickets keep their channel's transcript and the
//! requester's exit survey.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Comments {
    Table,
    TicketId,
    ExternalRef,
    /// Who wrote it, as the trail names them (an integration's token, say): they may
    /// edit and delete it, as may its staff author and admins.
    WrittenBy,
    EditedAt,
    DeletedAt,
}

#[derive(DeriveIden)]
enum DiscordPanels {
    Table,
    Id,
    Name,
    /// `docket_api::PanelInput` as JSON, validated by the API.
    Definition,
    Version,
    DeployRequestedAt,
    /// `docket_api::PanelDeployment` as JSON.
    Deployment,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum DiscordAccounts {
    Table,
    UserId,
    DiscordId,
    DiscordName,
    LinkedAt,
}

#[derive(DeriveIden)]
enum DiscordLinkCodes {
    Table,
    /// SHA-256 of the code: the code itself is a credential.
    CodeHash,
    DiscordId,
    DiscordName,
    ExpiresAt,
}

#[derive(DeriveIden)]
enum TicketTranscripts {
    Table,
    TicketId,
    /// `docket_api::TranscriptInput` as JSON.
    Body,
    SavedBy,
    SavedAt,
}

#[derive(DeriveIden)]
enum TicketSurveys {
    Table,
    TicketId,
    Rating,
    Comment,
    RecordedBy,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Tickets {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Users {
    Table,
    Id,
}

fn ticket_fk<T: IntoIden + 'static>(table: T, column: T) -> ForeignKeyCreateStatement {
    ForeignKey::create()
        .from(table, column)
        .to(Tickets::Table, Tickets::Id)
        .on_delete(ForeignKeyAction::Cascade)
        .to_owned()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        // One column per statement: SQLite adds one at a time.
        for column in [
            text_null(Comments::ExternalRef),
            text_null(Comments::WrittenBy),
            timestamp_with_time_zone_null(Comments::EditedAt),
            timestamp_with_time_zone_null(Comments::DeletedAt),
        ] {
            m.alter_table(
                Table::alter()
                    .table(Comments::Table)
                    .add_column(column)
                    .to_owned(),
            )
            .await?;
        }
        // NULLs are distinct in a unique index on both backends: only referenced
        // comments are held to one per reference.
        m.create_index(
            Index::create()
                .name("ux_comments_external_ref")
                .table(Comments::Table)
                .col(Comments::TicketId)
                .col(Comments::ExternalRef)
                .unique()
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(DiscordPanels::Table)
                .col(big_pk_auto(DiscordPanels::Id))
                .col(text(DiscordPanels::Name))
                .col(text(DiscordPanels::Definition))
                .col(integer(DiscordPanels::Version))
                .col(timestamp_with_time_zone_null(
                    DiscordPanels::DeployRequestedAt,
                ))
                .col(text_null(DiscordPanels::Deployment))
                .col(timestamp_with_time_zone(DiscordPanels::CreatedAt))
                .col(timestamp_with_time_zone(DiscordPanels::UpdatedAt))
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(DiscordAccounts::Table)
                .col(big_integer(DiscordAccounts::UserId).primary_key())
                .col(string_len(DiscordAccounts::DiscordId, 32).unique_key())
                .col(text_null(DiscordAccounts::DiscordName))
                .col(timestamp_with_time_zone(DiscordAccounts::LinkedAt))
                .foreign_key(
                    ForeignKey::create()
                        .from(DiscordAccounts::Table, DiscordAccounts::UserId)
                        .to(Users::Table, Users::Id)
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(DiscordLinkCodes::Table)
                .col(string_len(DiscordLinkCodes::CodeHash, 64).primary_key())
                .col(string_len(DiscordLinkCodes::DiscordId, 32))
                .col(text_null(DiscordLinkCodes::DiscordName))
                .col(timestamp_with_time_zone(DiscordLinkCodes::ExpiresAt))
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(TicketTranscripts::Table)
                .col(big_integer(TicketTranscripts::TicketId).primary_key())
                .col(text(TicketTranscripts::Body))
                .col(text(TicketTranscripts::SavedBy))
                .col(timestamp_with_time_zone(TicketTranscripts::SavedAt))
                .foreign_key(&mut ticket_fk(
                    TicketTranscripts::Table,
                    TicketTranscripts::TicketId,
                ))
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(TicketSurveys::Table)
                .col(big_integer(TicketSurveys::TicketId).primary_key())
                .col(small_integer(TicketSurveys::Rating))
                .col(text(TicketSurveys::Comment))
                .col(text(TicketSurveys::RecordedBy))
                .col(timestamp_with_time_zone(TicketSurveys::CreatedAt))
                .foreign_key(&mut ticket_fk(
                    TicketSurveys::Table,
                    TicketSurveys::TicketId,
                ))
                .to_owned(),
        )
        .await?;
        Ok(())
    }
}

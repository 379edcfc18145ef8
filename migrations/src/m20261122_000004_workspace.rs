//! What the web workspace needs: each ticket's earliest running SLA due time (the
//! "breaching soon" queue sorts on it), and saved queue views.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Tickets {
    Table,
    SlaDueAt,
}

#[derive(DeriveIden)]
enum Users {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum SavedViews {
    Table,
    Id,
    OwnerId,
    Name,
    Query,
    Shared,
    CreatedAt,
    UpdatedAt,
}

/// The earliest of the three due times, for tickets that already have some.
const BACKFILL: &str = r#"UPDATE tickets SET sla_due_at = CASE
  WHEN first_response_due_at IS NOT NULL
       AND (next_response_due_at IS NULL OR first_response_due_at <= next_response_due_at)
       AND (resolution_due_at IS NULL OR first_response_due_at <= resolution_due_at)
    THEN first_response_due_at
  WHEN next_response_due_at IS NOT NULL
       AND (resolution_due_at IS NULL OR next_response_due_at <= resolution_due_at)
    THEN next_response_due_at
  ELSE resolution_due_at
END
WHERE first_response_due_at IS NOT NULL
   OR next_response_due_at IS NOT NULL
   OR resolution_due_at IS NOT NULL"#;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.alter_table(
            Table::alter()
                .table(Tickets::Table)
                .add_column(timestamp_with_time_zone_null(Tickets::SlaDueAt))
                .to_owned(),
        )
        .await?;
        m.get_connection().execute_unprepared(BACKFILL).await?;
        m.create_index(
            Index::create()
                .name("ix_tickets_sla_due")
                .table(Tickets::Table)
                .col(Tickets::SlaDueAt)
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(SavedViews::Table)
                .col(big_pk_auto(SavedViews::Id))
                .col(big_integer(SavedViews::OwnerId))
                .col(text(SavedViews::Name))
                .col(text(SavedViews::Query))
                .col(boolean(SavedViews::Shared).default(false))
                .col(timestamp_with_time_zone(SavedViews::CreatedAt))
                .col(timestamp_with_time_zone(SavedViews::UpdatedAt))
                .foreign_key(
                    ForeignKey::create()
                        .from(SavedViews::Table, SavedViews::OwnerId)
                        .to(Users::Table, Users::Id)
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ux_saved_views_owner_name")
                .table(SavedViews::Table)
                .col(SavedViews::OwnerId)
                .col(SavedViews::Name)
                .unique()
                .to_owned(),
        )
        .await?;
        Ok(())
    }
}

//! Public forms and near duplicates. A ticket type an admin publishes is a form anyone
//! may fill in without an account; its settings are one row per type. Anonymous writes
//! (a form's posts, a follower's replies) are counted per address, per email and per
//! ticket in `public_attempts`, so that every instance behind a load balancer throttles
//! alike. A new ticket that reads like a recent one of its requester names it in
//! `possible_duplicate_of` until staff merge or dismiss it.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum PublicForms {
    Table,
    Id,
    /// The ticket type the form creates; one form per type.
    TicketType,
    /// The form's address: `/forms/<slug>`.
    Slug,
    Published,
    /// Shown above the form.
    Intro,
    /// The type's fields the form shows, as a JSON array of names; NULL for all.
    Fields,
    /// Tickets one address may create per hour.
    PerAddressPerHour,
    /// Tickets one email address may create per hour.
    PerEmailPerHour,
    UpdatedBy,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum PublicAttempts {
    Table,
    Id,
    /// What is counted: `form-ip:<address>`, `form-email:<email>`, `follow:<ticket id>`...
    Bucket,
    At,
}

#[derive(DeriveIden)]
enum Tickets {
    Table,
    /// The key of a recent ticket of the same requester this one reads like.
    PossibleDuplicateOf,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(PublicForms::Table)
                .col(big_pk_auto(PublicForms::Id))
                .col(string_len(PublicForms::TicketType, 64).unique_key())
                .col(string_len(PublicForms::Slug, 64).unique_key())
                .col(boolean(PublicForms::Published))
                .col(text_null(PublicForms::Intro))
                .col(text_null(PublicForms::Fields))
                .col(integer(PublicForms::PerAddressPerHour))
                .col(integer(PublicForms::PerEmailPerHour))
                .col(text(PublicForms::UpdatedBy))
                .col(timestamp_with_time_zone(PublicForms::UpdatedAt))
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(PublicAttempts::Table)
                .col(big_pk_auto(PublicAttempts::Id))
                .col(string_len(PublicAttempts::Bucket, 400))
                .col(timestamp_with_time_zone(PublicAttempts::At))
                .to_owned(),
        )
        .await?;
        // Counted per bucket within the last hour.
        m.create_index(
            Index::create()
                .name("ix_public_attempts_bucket")
                .table(PublicAttempts::Table)
                .col(PublicAttempts::Bucket)
                .col(PublicAttempts::At)
                .to_owned(),
        )
        .await?;
        m.alter_table(
            Table::alter()
                .table(Tickets::Table)
                .add_column(string_len_null(Tickets::PossibleDuplicateOf, 80))
                .to_owned(),
        )
        .await?;
        Ok(())
    }
}

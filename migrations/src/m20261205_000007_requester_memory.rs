//! The requester's memory: staff notes on requesters, organisations as records of their
//! own (with the email domains that identify their people), records merged into others,
//! a label per identity (a Discord member's name beside their id), and each ticket's
//! summary (written by the AI on close or by staff).
//!
//! A requester's `organization` stays a name, not a reference: SLA policies select on
//! names (case-insensitively), and a requester may name an organisation nobody has made
//! a record of yet. The record adds domains and notes, and is found by that name.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Requesters {
    Table,
    Id,
    MergedInto,
}

#[derive(DeriveIden)]
enum RequesterIdentities {
    Table,
    Label,
}

#[derive(DeriveIden)]
enum Users {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Tickets {
    Table,
    Summary,
}

#[derive(DeriveIden)]
enum RequesterNotes {
    Table,
    Id,
    RequesterId,
    Body,
    AuthorId,
    CreatedAt,
    UpdatedAt,
    UpdatedBy,
}

#[derive(DeriveIden)]
enum Organizations {
    Table,
    Id,
    Name,
    /// The name lowercased: names are unique as the SLA policies compare them.
    NameKey,
    Notes,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum OrganizationDomains {
    Table,
    Domain,
    OrganizationId,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        // The record a merged requester now lives on (NULL: not merged). The merged
        // record stays so that ids handed out before (adapters, links) still lead there.
        m.alter_table(
            Table::alter()
                .table(Requesters::Table)
                .add_column(big_integer_null(Requesters::MergedInto))
                .to_owned(),
        )
        .await?;
        m.alter_table(
            Table::alter()
                .table(RequesterIdentities::Table)
                .add_column(text_null(RequesterIdentities::Label))
                .to_owned(),
        )
        .await?;
        // JSON text: the summary is read and written whole, never queried inside.
        m.alter_table(
            Table::alter()
                .table(Tickets::Table)
                .add_column(text_null(Tickets::Summary))
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(RequesterNotes::Table)
                .col(big_pk_auto(RequesterNotes::Id))
                .col(big_integer(RequesterNotes::RequesterId))
                .col(text(RequesterNotes::Body))
                .col(big_integer_null(RequesterNotes::AuthorId))
                .col(timestamp_with_time_zone(RequesterNotes::CreatedAt))
                .col(timestamp_with_time_zone(RequesterNotes::UpdatedAt))
                .col(big_integer_null(RequesterNotes::UpdatedBy))
                .foreign_key(
                    ForeignKey::create()
                        .from(RequesterNotes::Table, RequesterNotes::RequesterId)
                        .to(Requesters::Table, Requesters::Id)
                        .on_delete(ForeignKeyAction::Cascade),
                )
                // A note outlives its author's account (the author shows as removed).
                .foreign_key(
                    ForeignKey::create()
                        .from(RequesterNotes::Table, RequesterNotes::AuthorId)
                        .to(Users::Table, Users::Id)
                        .on_delete(ForeignKeyAction::SetNull),
                )
                .foreign_key(
                    ForeignKey::create()
                        .from(RequesterNotes::Table, RequesterNotes::UpdatedBy)
                        .to(Users::Table, Users::Id)
                        .on_delete(ForeignKeyAction::SetNull),
                )
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ix_requester_notes_requester")
                .table(RequesterNotes::Table)
                .col(RequesterNotes::RequesterId)
                .col(RequesterNotes::Id)
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(Organizations::Table)
                .col(big_pk_auto(Organizations::Id))
                .col(text(Organizations::Name))
                .col(text_uniq(Organizations::NameKey))
                .col(text(Organizations::Notes).default(""))
                .col(timestamp_with_time_zone(Organizations::CreatedAt))
                .col(timestamp_with_time_zone(Organizations::UpdatedAt))
                .to_owned(),
        )
        .await?;
        // One organisation per domain: a new requester's email domain names at most one.
        m.create_table(
            Table::create()
                .table(OrganizationDomains::Table)
                .col(text(OrganizationDomains::Domain).primary_key())
                .col(big_integer(OrganizationDomains::OrganizationId))
                .foreign_key(
                    ForeignKey::create()
                        .from(
                            OrganizationDomains::Table,
                            OrganizationDomains::OrganizationId,
                        )
                        .to(Organizations::Table, Organizations::Id)
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ix_organization_domains_organization")
                .table(OrganizationDomains::Table)
                .col(OrganizationDomains::OrganizationId)
                .to_owned(),
        )
        .await?;
        Ok(())
    }
}

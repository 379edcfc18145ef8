//! The write path's changes: requester records per visibility scope, and idempotency
//! records without an HTTP status (the store knows no HTTP).
//!
//! Requester records per visibility scope. A requester is visible to an agent through
//! the tickets the agent may see; when an agent names an identity (an email, a Discord
//! id) that belongs to a requester only another team can see, the ticket gets a record
//! of its own in the ticket's scope instead of linking to, revealing or changing the
//! other team's record. The same identity may therefore appear once per scope; `''` is
//! the scope of records made by admins, intake and integrations that see everything.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum RequesterIdentities {
    Table,
    Kind,
    Value,
    Scope,
}

#[derive(DeriveIden)]
enum IdempotencyKeys {
    Table,
    Status,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.alter_table(
            Table::alter()
                .table(RequesterIdentities::Table)
                .add_column(text(RequesterIdentities::Scope).default(""))
                .to_owned(),
        )
        .await?;
        m.drop_index(
            Index::drop()
                .name("ux_requester_identities_kind_value")
                .table(RequesterIdentities::Table)
                .if_exists()
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ux_requester_identities_kind_value_scope")
                .table(RequesterIdentities::Table)
                .col(RequesterIdentities::Kind)
                .col(RequesterIdentities::Value)
                .col(RequesterIdentities::Scope)
                .unique()
                .to_owned(),
        )
        .await?;
        // A replay is always of a create; the server knows its status.
        m.alter_table(
            Table::alter()
                .table(IdempotencyKeys::Table)
                .drop_column(IdempotencyKeys::Status)
                .to_owned(),
        )
        .await?;
        Ok(())
    }
}

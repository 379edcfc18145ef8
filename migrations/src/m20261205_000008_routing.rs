//! Routing: each team's assignment rule and round-robin cursor, and each user's
//! availability.
//!
//! The rule and cursor live on the team's row: routing locks that row (PostgreSQL,
//! `FOR NO KEY UPDATE`) while it reads open work and picks, so creates and escalations
//! from every instance take turns per team and the cursor moves once per pick. Columns
//! added with a default work the same on SQLite and PostgreSQL.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Teams {
    Table,
    RoutingRule,
    RoutingCursor,
}

#[derive(DeriveIden)]
enum Users {
    Table,
    Availability,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        // One column per statement: SQLite adds one at a time.
        m.alter_table(
            Table::alter()
                .table(Teams::Table)
                .add_column(text(Teams::RoutingRule).default("manual"))
                .to_owned(),
        )
        .await?;
        m.alter_table(
            Table::alter()
                .table(Teams::Table)
                .add_column(big_integer_null(Teams::RoutingCursor))
                .to_owned(),
        )
        .await?;
        m.alter_table(
            Table::alter()
                .table(Users::Table)
                .add_column(text(Users::Availability).default("present"))
                .to_owned(),
        )
        .await?;
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for (table, column) in [
            (Teams::Table.into_iden(), Teams::RoutingRule.into_iden()),
            (Teams::Table.into_iden(), Teams::RoutingCursor.into_iden()),
            (Users::Table.into_iden(), Users::Availability.into_iden()),
        ] {
            m.alter_table(Table::alter().table(table).drop_column(column).to_owned())
                .await?;
        }
        Ok(())
    }
}

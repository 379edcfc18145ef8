//! Email out: the admin's settings (the SMTP relay, the sender, the web address for
//! links; one row with a version every instance polls, the relay's password a sealed
//! secret) and the admins' own wording of the emails (a row replaces a shipped
//! default template; deleting it brings the default back).

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum EmailSettings {
    Table,
    /// Always 1: there is one row.
    Id,
    /// `docket_core::email_settings::EmailSettings` as JSON (read and written whole).
    Settings,
    /// Bumped by every change of the settings or the password.
    Version,
    UpdatedBy,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum EmailTemplates {
    Table,
    /// `requester.acknowledgement`, `staff.assigned`, ... (`docket_core::mail_templates`).
    Name,
    Subject,
    Text,
    Html,
    UpdatedBy,
    UpdatedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(EmailSettings::Table)
                .col(integer(EmailSettings::Id).primary_key())
                .col(text(EmailSettings::Settings))
                .col(big_integer(EmailSettings::Version))
                .col(text(EmailSettings::UpdatedBy))
                .col(timestamp_with_time_zone(EmailSettings::UpdatedAt))
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(EmailTemplates::Table)
                .col(string_len(EmailTemplates::Name, 64).primary_key())
                .col(text(EmailTemplates::Subject))
                .col(text(EmailTemplates::Text))
                .col(text(EmailTemplates::Html))
                .col(text(EmailTemplates::UpdatedBy))
                .col(timestamp_with_time_zone(EmailTemplates::UpdatedAt))
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table(EmailTemplates::Table).to_owned())
            .await?;
        m.drop_table(Table::drop().table(EmailSettings::Table).to_owned())
            .await
    }
}

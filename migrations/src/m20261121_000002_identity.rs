//! Identity and access: users grow passwords, skills and capacity; teams and their
//! members; web sessions; API tokens; login attempts (for throttling); encrypted
//! secrets; the admin audit log; one-time setup tokens.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Users {
    Table,
    Id,
    Kind,
    PasswordHash,
    Skills,
    Capacity,
    LastLoginAt,
}

#[derive(DeriveIden)]
enum Teams {
    Table,
    Id,
    Slug,
    Name,
    Description,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum TeamMembers {
    Table,
    TeamId,
    UserId,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Sessions {
    Table,
    TokenHash,
    UserId,
    CsrfToken,
    CreatedAt,
    ExpiresAt,
    LastSeenAt,
    Ip,
    UserAgent,
}

#[derive(DeriveIden)]
enum ApiTokens {
    Table,
    Id,
    UserId,
    Name,
    TokenHash,
    Prefix,
    Scopes,
    ExpiresAt,
    LastUsedAt,
    CreatedBy,
    CreatedAt,
    RevokedAt,
}

#[derive(DeriveIden)]
enum LoginAttempts {
    Table,
    Id,
    Account,
    Ip,
    Success,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Secrets {
    Table,
    Name,
    KeyId,
    Nonce,
    Ciphertext,
    UpdatedBy,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum AuditLog {
    Table,
    Id,
    Actor,
    Action,
    Target,
    Detail,
    Ip,
    CreatedAt,
}

#[derive(DeriveIden)]
enum SetupTokens {
    Table,
    TokenHash,
    CreatedAt,
    ExpiresAt,
    UsedAt,
}

fn ts(col: impl IntoIden) -> ColumnDef {
    timestamp_with_time_zone(col)
}

fn ts_null(col: impl IntoIden) -> ColumnDef {
    timestamp_with_time_zone_null(col)
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        // SQLite alters one column per statement.
        for col in [
            text(Users::Kind).default("person").to_owned(),
            text_null(Users::PasswordHash),
            text(Users::Skills).default("[]").to_owned(),
            integer(Users::Capacity).default(10).to_owned(),
            ts_null(Users::LastLoginAt),
        ] {
            m.alter_table(
                Table::alter()
                    .table(Users::Table)
                    .add_column(col)
                    .to_owned(),
            )
            .await?;
        }

        m.create_table(
            Table::create()
                .table(Teams::Table)
                .col(big_pk_auto(Teams::Id))
                .col(text_uniq(Teams::Slug))
                .col(text(Teams::Name))
                .col(text(Teams::Description).default(""))
                .col(ts(Teams::CreatedAt))
                .col(ts(Teams::UpdatedAt))
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(TeamMembers::Table)
                .col(big_integer(TeamMembers::TeamId))
                .col(big_integer(TeamMembers::UserId))
                .col(ts(TeamMembers::CreatedAt))
                .primary_key(
                    Index::create()
                        .col(TeamMembers::TeamId)
                        .col(TeamMembers::UserId),
                )
                .foreign_key(
                    ForeignKey::create()
                        .from(TeamMembers::Table, TeamMembers::TeamId)
                        .to(Teams::Table, Teams::Id)
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .foreign_key(
                    ForeignKey::create()
                        .from(TeamMembers::Table, TeamMembers::UserId)
                        .to(Users::Table, Users::Id)
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ix_team_members_user")
                .table(TeamMembers::Table)
                .col(TeamMembers::UserId)
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(Sessions::Table)
                .col(text(Sessions::TokenHash).primary_key())
                .col(big_integer(Sessions::UserId))
                .col(text(Sessions::CsrfToken))
                .col(ts(Sessions::CreatedAt))
                .col(ts(Sessions::ExpiresAt))
                .col(ts(Sessions::LastSeenAt))
                .col(text_null(Sessions::Ip))
                .col(text_null(Sessions::UserAgent))
                .foreign_key(
                    ForeignKey::create()
                        .from(Sessions::Table, Sessions::UserId)
                        .to(Users::Table, Users::Id)
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ix_sessions_user")
                .table(Sessions::Table)
                .col(Sessions::UserId)
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(ApiTokens::Table)
                .col(big_pk_auto(ApiTokens::Id))
                .col(big_integer(ApiTokens::UserId))
                .col(text(ApiTokens::Name))
                .col(text_uniq(ApiTokens::TokenHash))
                .col(text(ApiTokens::Prefix))
                .col(text(ApiTokens::Scopes))
                .col(ts_null(ApiTokens::ExpiresAt))
                .col(ts_null(ApiTokens::LastUsedAt))
                .col(big_integer_null(ApiTokens::CreatedBy))
                .col(ts(ApiTokens::CreatedAt))
                .col(ts_null(ApiTokens::RevokedAt))
                .foreign_key(
                    ForeignKey::create()
                        .from(ApiTokens::Table, ApiTokens::UserId)
                        .to(Users::Table, Users::Id)
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ix_api_tokens_user")
                .table(ApiTokens::Table)
                .col(ApiTokens::UserId)
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(LoginAttempts::Table)
                .col(big_pk_auto(LoginAttempts::Id))
                .col(text(LoginAttempts::Account))
                .col(text(LoginAttempts::Ip))
                .col(boolean(LoginAttempts::Success))
                .col(ts(LoginAttempts::CreatedAt))
                .to_owned(),
        )
        .await?;
        for (name, col) in [
            ("ix_login_attempts_account", LoginAttempts::Account),
            ("ix_login_attempts_ip", LoginAttempts::Ip),
        ] {
            m.create_index(
                Index::create()
                    .name(name)
                    .table(LoginAttempts::Table)
                    .col(col)
                    .col(LoginAttempts::CreatedAt)
                    .to_owned(),
            )
            .await?;
        }

        m.create_table(
            Table::create()
                .table(Secrets::Table)
                .col(text(Secrets::Name).primary_key())
                .col(text(Secrets::KeyId))
                .col(text(Secrets::Nonce))
                .col(text(Secrets::Ciphertext))
                .col(text(Secrets::UpdatedBy))
                .col(ts(Secrets::UpdatedAt))
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(AuditLog::Table)
                .col(big_pk_auto(AuditLog::Id))
                .col(text(AuditLog::Actor))
                .col(text(AuditLog::Action))
                .col(text(AuditLog::Target))
                .col(text(AuditLog::Detail).default("{}"))
                .col(text_null(AuditLog::Ip))
                .col(ts(AuditLog::CreatedAt))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ix_audit_log_action")
                .table(AuditLog::Table)
                .col(AuditLog::Action)
                .col(AuditLog::Id)
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(SetupTokens::Table)
                .col(text(SetupTokens::TokenHash).primary_key())
                .col(ts(SetupTokens::CreatedAt))
                .col(ts(SetupTokens::ExpiresAt))
                .col(ts_null(SetupTokens::UsedAt))
                .to_owned(),
        )
        .await?;
        Ok(())
    }
}

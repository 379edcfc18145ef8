//! SLA clocks and escalation: requesters' organisations, tickets' team and due times,
//! business calendars, SLA policies (with the shipped default), clocks and their event
//! history, escalations fired, a jobs table with leases, and the notification outbox.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Requesters {
    Table,
    Organization,
}

#[derive(DeriveIden)]
enum Tickets {
    Table,
    Id,
    TeamId,
    SlaPolicyId,
    FirstResponseDueAt,
    NextResponseDueAt,
    ResolutionDueAt,
}

#[derive(DeriveIden)]
enum SlaCalendars {
    Table,
    Id,
    Name,
    Spec,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum SlaPolicies {
    Table,
    Id,
    Name,
    Position,
    Enabled,
    Spec,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum SlaClocks {
    Table,
    Id,
    TicketId,
    Metric,
    Cycle,
    Phase,
    StartedAt,
    StoppedAt,
    DueAt,
    BreachedAt,
    TargetSeconds,
    ElapsedSeconds,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum SlaClockEvents {
    Table,
    Id,
    TicketId,
    Metric,
    Cycle,
    Kind,
    At,
    Reason,
}

#[derive(DeriveIden)]
enum SlaEscalations {
    Table,
    Id,
    TicketId,
    Metric,
    Cycle,
    Threshold,
    ReachedAt,
    FiredAt,
    FiredBy,
    Superseded,
}

#[derive(DeriveIden)]
enum Jobs {
    Table,
    Id,
    Queue,
    DedupeKey,
    TicketId,
    Payload,
    RunAt,
    LeaseOwner,
    LeaseUntil,
    Attempts,
    LastError,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum Outbox {
    Table,
    Id,
    Topic,
    TicketId,
    Payload,
    CreatedAt,
}

fn ts(col: impl IntoIden) -> ColumnDef {
    timestamp_with_time_zone(col)
}

fn ts_null(col: impl IntoIden) -> ColumnDef {
    timestamp_with_time_zone_null(col)
}

/// The shipped policy; `PolicySpec::default_policy` in docket-core is the same, and a
/// store test keeps the two equal.
const DEFAULT_POLICY: &str = r#"{
  "name": "default",
  "description": "Applies when no other policy matches.",
  "enabled": true,
  "position": 1000,
  "conditions": {},
  "targets": {
    "P0": {"first_response": 15, "next_response": 15, "resolution": 120},
    "P1": {"first_response": 60, "next_response": 60, "resolution": 480},
    "P2": {"first_response": 240, "next_response": 240, "resolution": 1440},
    "P3": {"first_response": 480, "next_response": 480, "resolution": 4320}
  },
  "calendar": null,
  "warn_at_percent": 80,
  "still_breached_after": 60,
  "escalations": [
    {"on": "warning", "actions": [{"action": "notify", "to": ["assignee", "team"]}]},
    {"on": "breach", "actions": [{"action": "notify", "to": ["assignee", "team", "admins"]}]},
    {"on": "still_breached", "actions": [{"action": "notify", "to": ["admins"]}]}
  ]
}"#;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.alter_table(
            Table::alter()
                .table(Requesters::Table)
                .add_column(text_null(Requesters::Organization))
                .to_owned(),
        )
        .await?;
        // SQLite alters one column per statement. No foreign keys: SQLite cannot add
        // them to an existing table; the store clears a deleted team's tickets itself.
        for col in [
            big_integer_null(Tickets::TeamId),
            big_integer_null(Tickets::SlaPolicyId),
            ts_null(Tickets::FirstResponseDueAt),
            ts_null(Tickets::NextResponseDueAt),
            ts_null(Tickets::ResolutionDueAt),
        ] {
            m.alter_table(
                Table::alter()
                    .table(Tickets::Table)
                    .add_column(col)
                    .to_owned(),
            )
            .await?;
        }
        for (name, col) in [
            ("ix_tickets_team", Tickets::TeamId),
            ("ix_tickets_first_response_due", Tickets::FirstResponseDueAt),
            ("ix_tickets_next_response_due", Tickets::NextResponseDueAt),
            ("ix_tickets_resolution_due", Tickets::ResolutionDueAt),
        ] {
            m.create_index(
                Index::create()
                    .name(name)
                    .table(Tickets::Table)
                    .col(col)
                    .to_owned(),
            )
            .await?;
        }

        m.create_table(
            Table::create()
                .table(SlaCalendars::Table)
                .col(big_pk_auto(SlaCalendars::Id))
                .col(text_uniq(SlaCalendars::Name))
                .col(text(SlaCalendars::Spec))
                .col(ts(SlaCalendars::CreatedAt))
                .col(ts(SlaCalendars::UpdatedAt))
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(SlaPolicies::Table)
                .col(big_pk_auto(SlaPolicies::Id))
                .col(text_uniq(SlaPolicies::Name))
                .col(integer(SlaPolicies::Position))
                .col(boolean(SlaPolicies::Enabled))
                .col(text(SlaPolicies::Spec))
                .col(ts(SlaPolicies::CreatedAt))
                .col(ts(SlaPolicies::UpdatedAt))
                .to_owned(),
        )
        .await?;
        let now = sea_orm_migration::sea_orm::prelude::ChronoUtc::now();
        m.exec_stmt(
            Query::insert()
                .into_table(SlaPolicies::Table)
                .columns([
                    SlaPolicies::Name,
                    SlaPolicies::Position,
                    SlaPolicies::Enabled,
                    SlaPolicies::Spec,
                    SlaPolicies::CreatedAt,
                    SlaPolicies::UpdatedAt,
                ])
                .values_panic([
                    "default".into(),
                    1000.into(),
                    true.into(),
                    DEFAULT_POLICY.into(),
                    now.into(),
                    now.into(),
                ])
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(SlaClocks::Table)
                .col(big_pk_auto(SlaClocks::Id))
                .col(big_integer(SlaClocks::TicketId))
                .col(text(SlaClocks::Metric))
                .col(integer(SlaClocks::Cycle))
                .col(text(SlaClocks::Phase))
                .col(ts(SlaClocks::StartedAt))
                .col(ts_null(SlaClocks::StoppedAt))
                .col(ts_null(SlaClocks::DueAt))
                .col(ts_null(SlaClocks::BreachedAt))
                .col(big_integer_null(SlaClocks::TargetSeconds))
                .col(big_integer(SlaClocks::ElapsedSeconds))
                .col(ts(SlaClocks::UpdatedAt))
                .foreign_key(
                    ForeignKey::create()
                        .from(SlaClocks::Table, SlaClocks::TicketId)
                        .to(Tickets::Table, Tickets::Id)
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ux_sla_clocks_cycle")
                .table(SlaClocks::Table)
                .col(SlaClocks::TicketId)
                .col(SlaClocks::Metric)
                .col(SlaClocks::Cycle)
                .unique()
                .to_owned(),
        )
        .await?;
        // Reports select clocks by when they started or stopped.
        for (name, col) in [
            ("ix_sla_clocks_started", SlaClocks::StartedAt),
            ("ix_sla_clocks_stopped", SlaClocks::StoppedAt),
        ] {
            m.create_index(
                Index::create()
                    .name(name)
                    .table(SlaClocks::Table)
                    .col(col)
                    .to_owned(),
            )
            .await?;
        }

        m.create_table(
            Table::create()
                .table(SlaClockEvents::Table)
                .col(big_pk_auto(SlaClockEvents::Id))
                .col(big_integer(SlaClockEvents::TicketId))
                .col(text(SlaClockEvents::Metric))
                .col(integer(SlaClockEvents::Cycle))
                .col(text(SlaClockEvents::Kind))
                .col(ts(SlaClockEvents::At))
                .col(text(SlaClockEvents::Reason))
                .foreign_key(
                    ForeignKey::create()
                        .from(SlaClockEvents::Table, SlaClockEvents::TicketId)
                        .to(Tickets::Table, Tickets::Id)
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ix_sla_clock_events_ticket")
                .table(SlaClockEvents::Table)
                .col(SlaClockEvents::TicketId)
                .col(SlaClockEvents::Id)
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(SlaEscalations::Table)
                .col(big_pk_auto(SlaEscalations::Id))
                .col(big_integer(SlaEscalations::TicketId))
                .col(text(SlaEscalations::Metric))
                .col(integer(SlaEscalations::Cycle))
                .col(text(SlaEscalations::Threshold))
                .col(ts(SlaEscalations::ReachedAt))
                .col(ts(SlaEscalations::FiredAt))
                .col(text(SlaEscalations::FiredBy))
                .col(boolean(SlaEscalations::Superseded).default(false))
                .foreign_key(
                    ForeignKey::create()
                        .from(SlaEscalations::Table, SlaEscalations::TicketId)
                        .to(Tickets::Table, Tickets::Id)
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .to_owned(),
        )
        .await?;
        // The guarantee that a threshold fires once per ticket and clock, whatever the
        // number of instances: the second insert of the same firing conflicts.
        m.create_index(
            Index::create()
                .name("ux_sla_escalations_once")
                .table(SlaEscalations::Table)
                .col(SlaEscalations::TicketId)
                .col(SlaEscalations::Metric)
                .col(SlaEscalations::Cycle)
                .col(SlaEscalations::Threshold)
                .unique()
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(Jobs::Table)
                .col(big_pk_auto(Jobs::Id))
                .col(text(Jobs::Queue))
                .col(text_uniq(Jobs::DedupeKey))
                .col(big_integer_null(Jobs::TicketId))
                .col(text(Jobs::Payload).default("{}"))
                .col(ts(Jobs::RunAt))
                .col(text_null(Jobs::LeaseOwner))
                .col(ts_null(Jobs::LeaseUntil))
                .col(integer(Jobs::Attempts).default(0))
                .col(text_null(Jobs::LastError))
                .col(ts(Jobs::CreatedAt))
                .col(ts(Jobs::UpdatedAt))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ix_jobs_due")
                .table(Jobs::Table)
                .col(Jobs::Queue)
                .col(Jobs::RunAt)
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(Outbox::Table)
                .col(big_pk_auto(Outbox::Id))
                .col(text(Outbox::Topic))
                .col(big_integer_null(Outbox::TicketId))
                .col(text(Outbox::Payload))
                .col(ts(Outbox::CreatedAt))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ix_outbox_ticket")
                .table(Outbox::Table)
                .col(Outbox::TicketId)
                .to_owned(),
        )
        .await?;
        Ok(())
    }
}

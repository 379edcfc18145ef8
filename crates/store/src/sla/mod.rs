//! SLA: policies and calendars, the clocks of each ticket, the escalation sweep (which
//! notifies through the outbox, `delivery/outbox.rs`), and reports.

pub(crate) mod clocks;
pub mod config;
pub mod escalate;

use chrono::{DateTime, Utc};
use docket_core::sla::clock::{ClockEventKind, Phase, Replay};
use docket_core::sla::policy::{Metric, Threshold};
use docket_core::sla::report::{ClockRecord, GroupBy, SurveyRecord};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};

pub(crate) use clocks::{NewClocks, Policies, Subject, Trigger, forget, store_new, sync};

/// The queue and key of the job that recomputes every open ticket's clocks.
pub(crate) const RECOMPUTE_QUEUE: &str = "sla-recompute";
const RECOMPUTE_JOB: &str = "sla:recompute";

/// Ask for every open ticket's clocks to be recomputed (in the transaction of the policy
/// or calendar change that needs it).
pub(crate) async fn request_recompute<C: sea_orm::ConnectionTrait>(
    conn: &C,
    now: DateTime<Utc>,
) -> Result<()> {
    crate::jobs::put(conn, RECOMPUTE_QUEUE, RECOMPUTE_JOB, None, Some(now), now).await
}

use crate::entities::{
    sla_clock, sla_clock_event, sla_escalation, team, ticket as ticket_row, user,
};
use crate::{Result, Store};

/// A clock as it stands now.
#[derive(Debug, Clone, PartialEq)]
pub struct ClockView {
    pub metric: Metric,
    pub cycle: i32,
    pub phase: Phase,
    pub started_at: DateTime<Utc>,
    pub stopped_at: Option<DateTime<Utc>>,
    pub due_at: Option<DateTime<Utc>>,
    pub breached_at: Option<DateTime<Utc>>,
    pub target_seconds: Option<i64>,
    pub elapsed_seconds: i64,
    /// Business seconds left before the due time (negative once breached); None without
    /// a target.
    pub remaining_seconds: Option<i64>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ClockEventView {
    pub metric: Metric,
    pub cycle: i32,
    pub kind: ClockEventKind,
    pub at: DateTime<Utc>,
    pub reason: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct EscalationView {
    pub metric: Metric,
    pub cycle: i32,
    pub threshold: Threshold,
    pub reached_at: DateTime<Utc>,
    pub fired_at: DateTime<Utc>,
    pub superseded: bool,
}

/// Everything about a ticket's SLA.
#[derive(Debug, Clone, PartialEq)]
pub struct TicketSla {
    pub policy: Option<String>,
    pub calendar: Option<String>,
    pub clocks: Vec<ClockView>,
    pub events: Vec<ClockEventView>,
    pub escalations: Vec<EscalationView>,
}

impl Store {
    /// A ticket's clocks evaluated now, their history and the escalations fired.
    pub async fn ticket_sla(&self, key: &str) -> Result<TicketSla> {
        let row = ticket_row::Entity::find()
            .filter(ticket_row::Column::Key.eq(key))
            .one(&self.reader)
            .await?
            .filter(|r| r.deleted_at.is_none())
            .ok_or_else(|| crate::StoreError::NotFound(format!("ticket {key}")))?;
        let now = self.clock.now();
        let subject = clocks::Subject::load(&self.reader, row.id).await?;
        let governing = clocks::Governing::for_subject(&self.reader, &subject).await?;
        let history = clocks::load_history(&self.reader, row.id).await?;
        let mut views = Vec::new();
        for ((metric, cycle), events) in &history {
            let Some(replay) = Replay::from_events(events) else {
                continue;
            };
            let target = governing.target(subject.priority(), *metric);
            let e = replay.evaluate(&governing.calendar, target, now);
            views.push(ClockView {
                metric: *metric,
                cycle: *cycle,
                phase: e.phase,
                started_at: replay.started_at,
                stopped_at: (!e.phase.is_open()).then_some(replay.phase_since),
                due_at: e.due_at,
                breached_at: e.breached_at,
                target_seconds: target.map(|t| t.num_seconds()),
                elapsed_seconds: e.elapsed.num_seconds(),
                remaining_seconds: target.map(|t| (t - e.elapsed).num_seconds()),
            });
        }
        let events = sla_clock_event::Entity::find()
            .filter(sla_clock_event::Column::TicketId.eq(row.id))
            .order_by_asc(sla_clock_event::Column::Id)
            .all(&self.reader)
            .await?
            .into_iter()
            .filter_map(|e| {
                Some(ClockEventView {
                    metric: Metric::parse(&e.metric)?,
                    kind: ClockEventKind::parse(&e.kind)?,
                    cycle: e.cycle,
                    at: e.at,
                    reason: e.reason,
                })
            })
            .collect();
        let escalations = sla_escalation::Entity::find()
            .filter(sla_escalation::Column::TicketId.eq(row.id))
            .order_by_asc(sla_escalation::Column::Id)
            .all(&self.reader)
            .await?
            .into_iter()
            .filter_map(|e| {
                Some(EscalationView {
                    metric: Metric::parse(&e.metric)?,
                    threshold: Threshold::parse(&e.threshold)?,
                    cycle: e.cycle,
                    reached_at: e.reached_at,
                    fired_at: e.fired_at,
                    superseded: e.superseded,
                })
            })
            .collect();
        let (policy, calendar) = match &governing.policy {
            Some((_, p)) => (Some(p.name.clone()), p.calendar.clone()),
            None => (None, None),
        };
        Ok(TicketSla {
            policy,
            calendar,
            clocks: views,
            events,
            escalations,
        })
    }

    /// Re-evaluate the clocks of every ticket that is not solved or closed, after a
    /// policy or calendar change made at `requested` (which also left a recompute job in
    /// the same transaction). Done right away, a batch of tickets per transaction; should
    /// it fail or be cut off, the job is still there and a sweep does it again, so a
    /// change never leaves stale due times behind. The job is dropped only if no later
    /// change asked for another recompute meanwhile.
    pub async fn recompute_open_clocks(&self, requested: DateTime<Utc>) {
        if let Err(e) = self.try_recompute_open_clocks(requested).await {
            tracing::warn!(error = %e, "recomputing SLA clocks failed; the sweep will retry");
        }
    }

    pub(crate) async fn try_recompute_open_clocks(
        &self,
        requested: DateTime<Utc>,
    ) -> Result<usize> {
        let mut after = 0i64;
        let mut count = 0;
        loop {
            let ids: Vec<i64> = ticket_row::Entity::find()
                .select_only()
                .column(ticket_row::Column::Id)
                .filter(ticket_row::Column::Id.gt(after))
                .filter(ticket_row::Column::DeletedAt.is_null())
                .filter(ticket_row::Column::StatusCategory.is_in(["new", "open", "pending"]))
                .order_by_asc(ticket_row::Column::Id)
                .limit(200)
                .into_tuple()
                .all(&self.db)
                .await?;
            let Some(&last) = ids.last() else {
                crate::jobs::finish_unless_rescheduled(&self.db, RECOMPUTE_JOB, requested).await?;
                return Ok(count);
            };
            after = last;
            let txn = self.begin_write().await?;
            let now = self.clock.now();
            for id in &ids {
                escalate::lock_ticket(&txn, *id).await?;
                clocks::sync(&txn, *id, Trigger::Recompute, now).await?;
            }
            txn.commit().await?;
            count += ids.len();
        }
    }

    /// The clocks started in `[from, to)`, labelled by `group_by`, for the SLA report.
    pub async fn sla_clock_records(
        &self,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
        group_by: GroupBy,
    ) -> Result<Vec<ClockRecord>> {
        let now = self.clock.now();
        let clocks = sla_clock::Entity::find()
            .filter(sla_clock::Column::StartedAt.gte(from))
            .filter(sla_clock::Column::StartedAt.lt(to))
            .all(&self.reader)
            .await?;
        let ids: Vec<i64> = {
            let mut ids: Vec<i64> = clocks.iter().map(|c| c.ticket_id).collect();
            ids.sort_unstable();
            ids.dedup();
            ids
        };
        let mut tickets = std::collections::HashMap::new();
        for chunk in ids.chunks(500) {
            for t in ticket_row::Entity::find()
                .filter(ticket_row::Column::Id.is_in(chunk.to_vec()))
                .filter(ticket_row::Column::DeletedAt.is_null())
                .all(&self.reader)
                .await?
            {
                tickets.insert(t.id, t);
            }
        }
        let groups = Grouping::load(&self.reader, group_by).await?;
        let mut out = Vec::with_capacity(clocks.len());
        for c in clocks {
            let (Some(t), Some(metric), Some(phase)) = (
                tickets.get(&c.ticket_id),
                Metric::parse(&c.metric),
                Phase::parse(&c.phase),
            ) else {
                continue;
            };
            let group = groups.of(t);
            // A running clock past its due time has breached even if nothing recorded
            // it yet.
            let breached =
                c.breached_at.is_some() || (phase.is_open() && c.due_at.is_some_and(|d| d <= now));
            let finished = phase == Phase::Stopped;
            out.push(ClockRecord {
                group,
                metric,
                breached,
                finished,
                business_seconds: finished.then_some(c.elapsed_seconds),
            });
        }
        Ok(out)
    }
}

impl Store {
    /// The exit survey answers given in `[from, to)`, labelled by `group_by`, for the
    /// report's satisfaction figures.
    pub async fn survey_records(
        &self,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
        group_by: GroupBy,
    ) -> Result<Vec<SurveyRecord>> {
        let answers = crate::entities::ticket_survey::Entity::find()
            .filter(crate::entities::ticket_survey::Column::CreatedAt.gte(from))
            .filter(crate::entities::ticket_survey::Column::CreatedAt.lt(to))
            .all(&self.reader)
            .await?;
        let groups = Grouping::load(&self.reader, group_by).await?;
        let mut out = Vec::with_capacity(answers.len());
        for chunk in answers.chunks(500) {
            let ids: Vec<i64> = chunk.iter().map(|a| a.ticket_id).collect();
            let tickets: std::collections::HashMap<i64, ticket_row::Model> =
                ticket_row::Entity::find()
                    .filter(ticket_row::Column::Id.is_in(ids))
                    .filter(ticket_row::Column::DeletedAt.is_null())
                    .all(&self.reader)
                    .await?
                    .into_iter()
                    .map(|t| (t.id, t))
                    .collect();
            for a in chunk {
                if let Some(t) = tickets.get(&a.ticket_id) {
                    out.push(SurveyRecord {
                        group: groups.of(t),
                        rating: u8::try_from(a.rating).unwrap_or(0),
                    });
                }
            }
        }
        Ok(out)
    }
}

/// What a report's group is called for a ticket: its priority, type, team or assignee.
struct Grouping {
    group_by: GroupBy,
    teams: std::collections::HashMap<i64, String>,
    users: std::collections::HashMap<i64, String>,
}

impl Grouping {
    async fn load<C: ConnectionTrait>(conn: &C, group_by: GroupBy) -> Result<Grouping> {
        let teams = team::Entity::find()
            .all(conn)
            .await?
            .into_iter()
            .map(|t| (t.id, t.slug))
            .collect();
        let users = match group_by {
            GroupBy::Assignee => user::Entity::find()
                .all(conn)
                .await?
                .into_iter()
                .map(|u| (u.id, u.email))
                .collect(),
            _ => Default::default(),
        };
        Ok(Grouping {
            group_by,
            teams,
            users,
        })
    }

    fn of(&self, t: &ticket_row::Model) -> String {
        match self.group_by {
            GroupBy::Priority => t.priority.clone(),
            GroupBy::Type => t.type_slug.clone(),
            GroupBy::Team => t
                .team_id
                .and_then(|id| self.teams.get(&id).cloned())
                .unwrap_or_else(|| "(no team)".into()),
            GroupBy::Assignee => t
                .assignee_id
                .and_then(|id| self.users.get(&id).cloned())
                .unwrap_or_else(|| "(unassigned)".into()),
        }
    }
}

/// Re-evaluate the clocks of the requesters' open tickets (but `except`), after their
/// organisation changed: policies may select on it. Locked in id order, as the sweep
/// locks its tickets, so that the two never deadlock.
pub(crate) async fn recompute_requesters<C: ConnectionTrait>(
    conn: &C,
    requesters: impl IntoIterator<Item = i64>,
    except: Option<i64>,
    at: DateTime<Utc>,
) -> Result<()> {
    let requesters: Vec<i64> = requesters.into_iter().collect();
    for chunk in requesters.chunks(crate::ROWS_PER_STATEMENT) {
        let mut query = ticket_row::Entity::find()
            .select_only()
            .column(ticket_row::Column::Id)
            .filter(ticket_row::Column::RequesterId.is_in(chunk.to_vec()))
            .filter(ticket_row::Column::DeletedAt.is_null())
            .filter(ticket_row::Column::StatusCategory.is_in(["new", "open", "pending"]))
            .order_by_asc(ticket_row::Column::Id);
        if let Some(except) = except {
            query = query.filter(ticket_row::Column::Id.ne(except));
        }
        let ids: Vec<i64> = query.into_tuple().all(conn).await?;
        for id in ids {
            escalate::lock_ticket(conn, id).await?;
            sync(conn, id, Trigger::Recompute, at).await?;
        }
    }
    Ok(())
}

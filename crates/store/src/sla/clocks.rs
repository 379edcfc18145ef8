//! Keeping a ticket's SLA clocks in step with the ticket. Every write that can move a
//! clock (create, status or priority change, a reply, a policy or calendar edit) calls
//! `sync` in its own transaction, after the statement that locked the ticket's row; sync
//! appends the clock events the change implies, replays every clock of the ticket under
//! the current policy and calendar, stores the results (the clocks and the due times on
//! the ticket) and schedules the ticket's escalation jobs.

use std::collections::BTreeMap;

use chrono::{DateTime, Duration, Utc};
use docket_core::sla::calendar::Calendar;
use docket_core::sla::clock::{ClockEvent, ClockEventKind, Evaluation, Phase, Replay};
use docket_core::sla::policy::{Metric, PolicySpec, Threshold, TicketFacts};
use docket_core::ticket::{Priority, StatusCategory};
use sea_orm::sea_query::{Alias, OnConflict, Query};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder,
};

use super::config;
use crate::entities::{
    requester, sla_clock_event, sla_escalation, ticket as ticket_row, ticket_tag,
};
use crate::{Result, StoreError};

/// What made the clocks move.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Trigger {
    /// A ticket was created or changed (status, priority, type, tags, team...).
    Changed,
    /// Staff wrote a public reply: first and next response are met.
    StaffReply,
    /// The requester wrote a public reply: a next-response clock starts.
    RequesterReply,
    /// The policy or calendar changed: recompute only.
    Recompute,
}

/// The escalation job queue SLA thresholds run from.
pub(crate) const QUEUE: &str = "sla";

pub(crate) fn job_key(ticket_id: i64, metric: Metric) -> String {
    format!("sla:{ticket_id}:{}", metric.as_str())
}

/// The facts about a ticket that policies select on, and what its clocks need.
pub(crate) struct Subject {
    pub row: ticket_row::Model,
    pub tags: Vec<String>,
    pub organization: Option<String>,
}

impl Subject {
    pub(crate) async fn load<C: ConnectionTrait>(conn: &C, ticket_id: i64) -> Result<Subject> {
        let row = ticket_row::Entity::find_by_id(ticket_id)
            .one(conn)
            .await?
            .ok_or_else(|| StoreError::NotFound(format!("ticket {ticket_id}")))?;
        let tags = ticket_tag::Entity::find()
            .filter(ticket_tag::Column::TicketId.eq(ticket_id))
            .all(conn)
            .await?
            .into_iter()
            .map(|t| t.tag)
            .collect();
        let organization = match row.requester_id {
            Some(id) => requester::Entity::find_by_id(id)
                .one(conn)
                .await?
                .and_then(|r| r.organization),
            None => None,
        };
        Ok(Subject {
            row,
            tags,
            organization,
        })
    }

    pub(crate) fn priority(&self) -> Priority {
        Priority::parse(&self.row.priority).unwrap_or_default()
    }

    fn category(&self) -> StatusCategory {
        StatusCategory::parse(&self.row.status_category).unwrap_or(StatusCategory::Open)
    }

    fn facts(&self) -> TicketFacts<'_> {
        TicketFacts {
            type_slug: &self.row.type_slug,
            priority: self.priority(),
            tags: &self.tags,
            organization: self.organization.as_deref(),
        }
    }
}

/// The policy that governs a ticket now, with its calendar.
pub(crate) struct Governing {
    pub policy: Option<(i64, PolicySpec)>,
    pub calendar: Calendar,
}

impl Governing {
    pub(crate) async fn for_subject<C: ConnectionTrait>(
        conn: &C,
        subject: &Subject,
    ) -> Result<Governing> {
        let policies = config::load_policies(conn).await?;
        let specs: Vec<PolicySpec> = policies.iter().map(|(_, p)| p.clone()).collect();
        let chosen = docket_core::sla::policy::select(&specs, &subject.facts())
            .and_then(|spec| policies.iter().find(|(_, p)| p.name == spec.name).cloned());
        let calendar = match chosen.as_ref().and_then(|(_, p)| p.calendar.as_deref()) {
            Some(name) => match config::load_calendar(conn, name).await {
                Ok(c) => c,
                // Deletes refuse a calendar in use; should one go missing anyway, ticket
                // writes must not fail over it: count around the clock and say so.
                Err(StoreError::NotFound(_)) => {
                    tracing::warn!(
                        calendar = name,
                        "SLA calendar missing; counting around the clock"
                    );
                    Calendar::always()
                }
                Err(e) => return Err(e),
            },
            None => Calendar::always(),
        };
        Ok(Governing {
            policy: chosen,
            calendar,
        })
    }

    pub(crate) fn target(&self, priority: Priority, metric: Metric) -> Option<Duration> {
        self.policy
            .as_ref()
            .and_then(|(_, p)| p.target(priority, metric))
    }
}

/// A ticket's clock events, by metric and cycle (oldest first within each).
pub(crate) type History = BTreeMap<(Metric, i32), Vec<ClockEvent>>;

pub(crate) async fn load_history<C: ConnectionTrait>(conn: &C, ticket_id: i64) -> Result<History> {
    let mut history = History::new();
    for e in sla_clock_event::Entity::find()
        .filter(sla_clock_event::Column::TicketId.eq(ticket_id))
        .order_by_asc(sla_clock_event::Column::Id)
        .all(conn)
        .await?
    {
        let (Some(metric), Some(kind)) = (Metric::parse(&e.metric), ClockEventKind::parse(&e.kind))
        else {
            continue;
        };
        history
            .entry((metric, e.cycle))
            .or_default()
            .push(ClockEvent { kind, at: e.at });
    }
    Ok(history)
}

/// Every cycle of a metric with its replay, oldest first.
pub(crate) fn cycles(history: &History, metric: Metric) -> Vec<(i32, Replay)> {
    history
        .iter()
        .filter(|((m, _), _)| *m == metric)
        .filter_map(|((_, cycle), events)| Replay::from_events(events).map(|r| (*cycle, r)))
        .collect()
}

/// The latest cycle of a metric and its replay.
pub(crate) fn latest(history: &History, metric: Metric) -> Option<(i32, Replay)> {
    cycles(history, metric).pop()
}

/// The phase a metric's current clock should be in, given the ticket; None leaves it.
fn wanted(
    metric: Metric,
    subject: &Subject,
    trigger: Trigger,
    current: Option<Phase>,
) -> Option<Phase> {
    let category = subject.category();
    let done = matches!(category, StatusCategory::Solved | StatusCategory::Closed);
    let counting = if category == StatusCategory::Pending {
        Phase::Paused
    } else {
        Phase::Running
    };
    match metric {
        Metric::FirstResponse => {
            if current == Some(Phase::Stopped) {
                // Answered once: first response is over for good.
                None
            } else if trigger == Trigger::StaffReply || subject.row.first_response_at.is_some() {
                Some(Phase::Stopped)
            } else if done {
                Some(Phase::Cancelled)
            } else {
                Some(counting)
            }
        }
        Metric::Resolution => Some(if done { Phase::Stopped } else { counting }),
        Metric::NextResponse => match current {
            Some(p) if p.is_open() => Some(if trigger == Trigger::StaffReply {
                Phase::Stopped
            } else if done {
                Phase::Cancelled
            } else {
                counting
            }),
            _ => None,
        },
    }
}

/// The events that take a clock from one phase to another.
fn transition(from: Option<Phase>, to: Phase) -> &'static [ClockEventKind] {
    use ClockEventKind::*;
    match (from, to) {
        (None, Phase::Running) => &[Start],
        (None, Phase::Paused) => &[Start, Pause],
        (None, Phase::Stopped) => &[Start, Stop],
        (None, Phase::Cancelled) => &[Start, Cancel],
        (Some(Phase::Running), Phase::Paused) => &[Pause],
        (Some(Phase::Paused), Phase::Running) => &[Resume],
        (Some(Phase::Running | Phase::Paused), Phase::Stopped) => &[Stop],
        (Some(Phase::Running | Phase::Paused), Phase::Cancelled) => &[Cancel],
        (Some(Phase::Stopped | Phase::Cancelled), Phase::Running) => &[Resume],
        (Some(Phase::Stopped | Phase::Cancelled), Phase::Paused) => &[Resume, Pause],
        // Already there; or stopped and cancelled, both "not counting", where which one
        // it was stays.
        _ => &[],
    }
}

fn reason(trigger: Trigger, kind: ClockEventKind, subject: &Subject) -> String {
    match (trigger, kind) {
        (Trigger::StaffReply, ClockEventKind::Stop) => "staff reply".into(),
        (Trigger::RequesterReply, ClockEventKind::Start) => "requester reply".into(),
        _ => format!("status {}", subject.row.status),
    }
}

/// Bring a ticket's clocks in step with the ticket (see the module comment). The caller
/// holds the ticket's row lock. Returns the SLA cache written on the ticket.
pub(crate) async fn sync<C: ConnectionTrait>(
    conn: &C,
    ticket_id: i64,
    trigger: Trigger,
    now: DateTime<Utc>,
) -> Result<SlaCache> {
    let subject = Subject::load(conn, ticket_id).await?;
    if subject.row.deleted_at.is_some() {
        return Ok(SlaCache::default());
    }
    let history = load_history(conn, ticket_id).await?;
    sync_subject(conn, &subject, history, None, false, trigger, now).await
}

/// `sync` with the ticket, its clock history and its governing policy already loaded
/// in this transaction (the escalation sweep), recomputing due times.
pub(crate) async fn sync_loaded<C: ConnectionTrait>(
    conn: &C,
    subject: &Subject,
    history: History,
    governing: Governing,
    now: DateTime<Utc>,
) -> Result<SlaCache> {
    sync_subject(
        conn,
        subject,
        history,
        Some(governing),
        false,
        Trigger::Recompute,
        now,
    )
    .await
}

/// `sync` for a ticket created in this transaction: its facts are known and it has no
/// clock history, firings or jobs yet, so nothing needs reading back.
pub(crate) async fn sync_new<C: ConnectionTrait>(
    conn: &C,
    subject: &Subject,
    now: DateTime<Utc>,
) -> Result<SlaCache> {
    sync_subject(
        conn,
        subject,
        History::new(),
        None,
        true,
        Trigger::Changed,
        now,
    )
    .await
}

async fn sync_subject<C: ConnectionTrait>(
    conn: &C,
    subject: &Subject,
    mut history: History,
    governing: Option<Governing>,
    fresh: bool,
    trigger: Trigger,
    now: DateTime<Utc>,
) -> Result<SlaCache> {
    let ticket_id = subject.row.id;
    let mut appended = Vec::new();
    for metric in Metric::ALL {
        let current = latest(&history, metric);
        let phase = current.as_ref().map(|(_, r)| r.phase);
        let mut cycle = current.as_ref().map_or(1, |(c, _)| *c);
        let mut from = phase;
        let mut to = wanted(metric, subject, trigger, phase);
        if metric == Metric::NextResponse
            && trigger == Trigger::RequesterReply
            && subject.row.first_response_at.is_some()
            && !phase.is_some_and(Phase::is_open)
            && !matches!(
                subject.category(),
                StatusCategory::Solved | StatusCategory::Closed
            )
        {
            // An answered (or never started) conversation: the requester waits anew. On
            // a solved or closed ticket (a "thanks!") nobody owes a reply until it is
            // reopened.
            cycle = current.as_ref().map_or(1, |(c, _)| c + 1);
            from = None;
            to = Some(if subject.category() == StatusCategory::Pending {
                Phase::Paused
            } else {
                Phase::Running
            });
        }
        let Some(to) = to else { continue };
        // A ticket's first events carry its creation time.
        let at = if from.is_none() && metric != Metric::NextResponse {
            subject.row.created_at
        } else {
            now
        };
        for &kind in transition(from, to) {
            appended.push(sla_clock_event::ActiveModel {
                ticket_id: Set(ticket_id),
                metric: Set(metric.as_str().to_string()),
                cycle: Set(cycle),
                kind: Set(kind.as_str().to_string()),
                at: Set(at),
                reason: Set(reason(trigger, kind, subject)),
                ..Default::default()
            });
            // The history in memory follows the rows, in the order they get their ids.
            history
                .entry((metric, cycle))
                .or_default()
                .push(ClockEvent { kind, at });
        }
    }
    if !appended.is_empty() {
        sla_clock_event::Entity::insert_many(appended)
            .exec_without_returning(conn)
            .await?;
    }
    let governing = match governing {
        Some(g) => g,
        None => Governing::for_subject(conn, subject).await?,
    };
    store_clocks(conn, subject, &governing, &history, fresh, now).await
}

/// What `sync` writes on the ticket: its policy and due times.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub(crate) struct SlaCache {
    pub policy_id: Option<i64>,
    pub first_response_due_at: Option<DateTime<Utc>>,
    pub next_response_due_at: Option<DateTime<Utc>>,
    pub resolution_due_at: Option<DateTime<Utc>>,
    pub sla_due_at: Option<DateTime<Utc>>,
}

/// A deleted ticket escalates nothing and is due nothing: drop its jobs and due times
/// (its clock history stays; a restore replays it).
pub(crate) async fn forget<C: ConnectionTrait>(
    conn: &C,
    ticket_id: i64,
    now: DateTime<Utc>,
) -> Result<()> {
    for metric in Metric::ALL {
        crate::jobs::put(
            conn,
            QUEUE,
            &job_key(ticket_id, metric),
            Some(ticket_id),
            None,
            now,
        )
        .await?;
    }
    crate::tickets::write::store_sla_cache(
        conn,
        ticket_id,
        None,
        [
            ("first_response_due_at", None),
            ("next_response_due_at", None),
            ("resolution_due_at", None),
            ("sla_due_at", None),
        ],
    )
    .await
}

/// Write each clock's evaluation, the ticket's due times and policy, and the escalation
/// jobs. A fresh ticket has no firings and no jobs to replace.
async fn store_clocks<C: ConnectionTrait>(
    conn: &C,
    subject: &Subject,
    governing: &Governing,
    history: &History,
    fresh: bool,
    now: DateTime<Utc>,
) -> Result<SlaCache> {
    let ticket_id = subject.row.id;
    let priority = subject.priority();
    let mut due: BTreeMap<Metric, Option<DateTime<Utc>>> = BTreeMap::new();
    let mut clocks = Vec::new();
    for ((metric, cycle), events) in history {
        let Some(replay) = Replay::from_events(events) else {
            continue;
        };
        let target = governing.target(priority, *metric);
        let e = replay.evaluate(&governing.calendar, target, now);
        // Later cycles overwrite earlier ones: the ticket shows its current clock.
        due.insert(*metric, e.phase.is_open().then_some(e.due_at).flatten());
        clocks.push((*metric, *cycle, replay, e, target));
    }
    upsert_clocks(conn, ticket_id, &clocks, now).await?;
    let due_at = |m: Metric| due.get(&m).copied().flatten();
    let cache = SlaCache {
        policy_id: governing.policy.as_ref().map(|(id, _)| *id),
        first_response_due_at: due_at(Metric::FirstResponse),
        next_response_due_at: due_at(Metric::NextResponse),
        resolution_due_at: due_at(Metric::Resolution),
        sla_due_at: due.values().flatten().min().copied(),
    };
    crate::tickets::write::store_sla_cache(
        conn,
        ticket_id,
        Some(cache.policy_id),
        [
            ("first_response_due_at", cache.first_response_due_at),
            ("next_response_due_at", cache.next_response_due_at),
            ("resolution_due_at", cache.resolution_due_at),
            ("sla_due_at", cache.sla_due_at),
        ],
    )
    .await?;
    if fresh {
        // A new ticket has no firings and no jobs yet: its jobs go in together.
        let mut jobs = Vec::new();
        for metric in Metric::ALL {
            if let Some(at) = next_run(conn, subject, governing, history, metric, fresh).await? {
                jobs.push((job_key(ticket_id, metric), Some(ticket_id), at));
            }
        }
        crate::jobs::put_many(conn, QUEUE, &jobs, now).await?;
    } else {
        for metric in Metric::ALL {
            let next = next_run(conn, subject, governing, history, metric, fresh).await?;
            let key = job_key(ticket_id, metric);
            crate::jobs::put(conn, QUEUE, &key, Some(ticket_id), next, now).await?;
        }
    }
    Ok(cache)
}

/// An `sla_clocks` row: its key, then what each evaluation rewrites.
const CLOCK_KEY: [&str; 3] = ["ticket_id", "metric", "cycle"];
const CLOCK_VALUES: [&str; 8] = [
    "phase",
    "started_at",
    "stopped_at",
    "due_at",
    "breached_at",
    "target_seconds",
    "elapsed_seconds",
    "updated_at",
];

/// Write the clocks' evaluations, all in one statement.
async fn upsert_clocks<C: ConnectionTrait>(
    conn: &C,
    ticket_id: i64,
    clocks: &[(Metric, i32, Replay, Evaluation, Option<Duration>)],
    now: DateTime<Utc>,
) -> Result<()> {
    if clocks.is_empty() {
        return Ok(());
    }
    let mut stmt = Query::insert();
    stmt.into_table(Alias::new("sla_clocks"))
        .columns(CLOCK_KEY.into_iter().chain(CLOCK_VALUES).map(Alias::new));
    for (metric, cycle, replay, e, target) in clocks {
        let stopped_at = (!e.phase.is_open()).then_some(replay.phase_since);
        stmt.values_panic([
            ticket_id.into(),
            metric.as_str().into(),
            (*cycle).into(),
            e.phase.as_str().into(),
            replay.started_at.into(),
            stopped_at.into(),
            e.due_at.into(),
            e.breached_at.into(),
            target.map(|t| t.num_seconds()).into(),
            e.elapsed.num_seconds().into(),
            now.into(),
        ]);
    }
    stmt.on_conflict(
        OnConflict::columns(CLOCK_KEY.map(Alias::new))
            .update_columns(CLOCK_VALUES.map(Alias::new))
            .to_owned(),
    );
    conn.execute(&stmt).await?;
    Ok(())
}

/// The thresholds of a metric's current cycle that have already fired.
pub(crate) async fn fired<C: ConnectionTrait>(
    conn: &C,
    ticket_id: i64,
    metric: Metric,
    cycle: i32,
) -> Result<Vec<Threshold>> {
    Ok(sla_escalation::Entity::find()
        .filter(sla_escalation::Column::TicketId.eq(ticket_id))
        .filter(sla_escalation::Column::Metric.eq(metric.as_str()))
        .filter(sla_escalation::Column::Cycle.eq(cycle))
        .all(conn)
        .await?
        .into_iter()
        .filter_map(|e| Threshold::parse(&e.threshold))
        .collect())
}

/// When each threshold of a clock is (or was) reached, in order; None where it is not
/// reached while the clock runs as it does now.
pub(crate) fn threshold_times(
    policy: &PolicySpec,
    calendar: &Calendar,
    replay: &Replay,
    target: Duration,
) -> Vec<(Threshold, Option<DateTime<Utc>>)> {
    Threshold::ALL
        .into_iter()
        .map(|t| {
            let reached = replay.reached_at(calendar, policy.threshold_amount(target, t));
            // A stopped clock never reaches anything after it stopped.
            let reached = reached.filter(|&at| replay.phase.is_open() || at < replay.phase_since);
            (t, reached)
        })
        .collect()
}

/// When a metric's escalation job should next run: its earliest threshold not yet
/// fired (None: nothing is left to fire, and the job goes).
async fn next_run<C: ConnectionTrait>(
    conn: &C,
    subject: &Subject,
    governing: &Governing,
    history: &History,
    metric: Metric,
    fresh: bool,
) -> Result<Option<DateTime<Utc>>> {
    let ticket_id = subject.row.id;
    let mut next: Option<DateTime<Utc>> = None;
    if let (Some((_, policy)), Some(target)) = (
        &governing.policy,
        governing.target(subject.priority(), metric),
    ) {
        for (cycle, replay) in cycles(history, metric) {
            let done = if fresh {
                Vec::new()
            } else {
                fired(conn, ticket_id, metric, cycle).await?
            };
            let first = threshold_times(policy, &governing.calendar, &replay, target)
                .into_iter()
                .filter(|(t, _)| !done.contains(t))
                .filter_map(|(_, at)| at)
                .min();
            next = next.into_iter().chain(first).min();
        }
    }
    Ok(next)
}

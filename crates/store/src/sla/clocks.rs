//! Keeping a ticket's SLA clocks in step with the ticket. Every write that can move a
//! clock (create, status or priority change, a reply, a policy or calendar edit) calls
//! `sync` in its own transaction, after the statement that locked the ticket's row; sync
//! appends the clock events the change implies, replays every clock of the ticket under
//! the current policy and calendar, stores the results (the clocks and the due times on
//! the ticket) and schedules the ticket's escalation jobs.

use std::collections::{BTreeMap, BTreeSet, HashMap};

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
        Subject::load_many(conn, &[ticket_id])
            .await?
            .remove(&ticket_id)
            .ok_or_else(|| StoreError::NotFound(format!("ticket {ticket_id}")))
    }

    /// Several tickets' subjects, one query per table; tickets that do not exist are
    /// left out.
    pub(crate) async fn load_many<C: ConnectionTrait>(
        conn: &C,
        ticket_ids: &[i64],
    ) -> Result<BTreeMap<i64, Subject>> {
        let rows = ticket_row::Entity::find()
            .filter(ticket_row::Column::Id.is_in(ticket_ids.iter().copied()))
            .all(conn)
            .await?;
        if rows.is_empty() {
            return Ok(BTreeMap::new());
        }
        let mut tags: HashMap<i64, Vec<String>> = HashMap::new();
        for t in ticket_tag::Entity::find()
            .filter(ticket_tag::Column::TicketId.is_in(rows.iter().map(|r| r.id)))
            .all(conn)
            .await?
        {
            tags.entry(t.ticket_id).or_default().push(t.tag);
        }
        let requester_ids: BTreeSet<i64> = rows.iter().filter_map(|r| r.requester_id).collect();
        let organizations: HashMap<i64, String> = if requester_ids.is_empty() {
            HashMap::new()
        } else {
            requester::Entity::find()
                .filter(requester::Column::Id.is_in(requester_ids))
                .all(conn)
                .await?
                .into_iter()
                .filter_map(|r| Some((r.id, r.organization?)))
                .collect()
        };
        Ok(rows
            .into_iter()
            .map(|row| {
                let subject = Subject {
                    tags: tags.remove(&row.id).unwrap_or_default(),
                    organization: row
                        .requester_id
                        .and_then(|id| organizations.get(&id).cloned()),
                    row,
                };
                (subject.row.id, subject)
            })
            .collect())
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
        Ok(Policies::load(conn, &[subject]).await?.governing(subject))
    }

    pub(crate) fn target(&self, priority: Priority, metric: Metric) -> Option<Duration> {
        self.policy
            .as_ref()
            .and_then(|(_, p)| p.target(priority, metric))
    }
}

/// The policies, and the calendars of those that govern some tickets: what choosing
/// those tickets' governing policies needs, read once.
pub(crate) struct Policies {
    all: Vec<(i64, PolicySpec)>,
    specs: Vec<PolicySpec>,
    calendars: BTreeMap<String, Calendar>,
}

impl Policies {
    pub(crate) async fn load<C: ConnectionTrait>(
        conn: &C,
        subjects: &[&Subject],
    ) -> Result<Policies> {
        let all = config::load_policies(conn).await?;
        let specs = all.iter().map(|(_, p)| p.clone()).collect();
        let mut policies = Policies {
            all,
            specs,
            calendars: BTreeMap::new(),
        };
        let names: BTreeSet<String> = subjects
            .iter()
            .filter_map(|s| policies.chosen(s)?.1.calendar.clone())
            .collect();
        policies.calendars = config::load_calendars(conn, &names).await?;
        Ok(policies)
    }

    fn chosen(&self, subject: &Subject) -> Option<&(i64, PolicySpec)> {
        docket_core::sla::policy::select(&self.specs, &subject.facts())
            .and_then(|spec| self.all.iter().find(|(_, p)| p.name == spec.name))
    }

    /// The policy that governs `subject` (one of those `load` was given).
    pub(crate) fn governing(&self, subject: &Subject) -> Governing {
        let policy = self.chosen(subject).cloned();
        let calendar = match policy.as_ref().and_then(|(_, p)| p.calendar.as_deref()) {
            Some(name) => self.calendars.get(name).cloned().unwrap_or_else(|| {
                // Deletes refuse a calendar in use; should one go missing anyway, ticket
                // writes must not fail over it: count around the clock and say so.
                tracing::warn!(
                    calendar = name,
                    "SLA calendar missing; counting around the clock"
                );
                Calendar::always()
            }),
            None => Calendar::always(),
        };
        Governing { policy, calendar }
    }
}

/// A ticket's clock events, by metric and cycle (oldest first within each).
pub(crate) type History = BTreeMap<(Metric, i32), Vec<ClockEvent>>;

pub(crate) async fn load_history<C: ConnectionTrait>(conn: &C, ticket_id: i64) -> Result<History> {
    Ok(load_histories(conn, &[ticket_id])
        .await?
        .remove(&ticket_id)
        .unwrap_or_default())
}

/// Several tickets' clock events in one query, by ticket.
pub(crate) async fn load_histories<C: ConnectionTrait>(
    conn: &C,
    ticket_ids: &[i64],
) -> Result<BTreeMap<i64, History>> {
    let mut histories: BTreeMap<i64, History> = BTreeMap::new();
    for e in sla_clock_event::Entity::find()
        .filter(sla_clock_event::Column::TicketId.is_in(ticket_ids.iter().copied()))
        .order_by_asc(sla_clock_event::Column::Id)
        .all(conn)
        .await?
    {
        let (Some(metric), Some(kind)) = (Metric::parse(&e.metric), ClockEventKind::parse(&e.kind))
        else {
            continue;
        };
        histories
            .entry(e.ticket_id)
            .or_default()
            .entry((metric, e.cycle))
            .or_default()
            .push(ClockEvent { kind, at: e.at });
    }
    Ok(histories)
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
    sync_subject(conn, &subject, history, trigger, now).await
}

/// The clocks of a ticket being created, planned before its row is written: a new
/// ticket has no clock history and has fired nothing, so its clock events, clocks, due
/// times and jobs follow from its facts, policy and calendar alone. Its due times go
/// into its row (`cache`); the rest is written with [`store_new`] once it has an id.
pub(crate) struct NewClocks {
    events: Vec<NewClockEvent>,
    state: ClockState,
}

impl NewClocks {
    pub(crate) fn plan(subject: &Subject, policies: &Policies, now: DateTime<Utc>) -> NewClocks {
        let mut history = History::new();
        let events = advance(subject, Trigger::Changed, &mut history, now);
        let governing = policies.governing(subject);
        let state = ClockState::evaluate(subject, &governing, &history, &Fired::default(), now);
        NewClocks { events, state }
    }

    /// The policy and due times the ticket's row is written with.
    pub(crate) fn cache(&self) -> SlaCache {
        self.state.cache
    }
}

/// Write the clocks planned for created tickets (ticket id, plan), three statements for
/// all of them: clock events, clocks, jobs.
pub(crate) async fn store_new<C: ConnectionTrait>(
    conn: &C,
    planned: Vec<(i64, NewClocks)>,
    now: DateTime<Utc>,
) -> Result<()> {
    let mut events = Vec::new();
    let mut states = Vec::with_capacity(planned.len());
    for (ticket_id, plan) in planned {
        events.extend(plan.events.into_iter().map(|e| e.row(ticket_id)));
        let mut state = plan.state;
        state.ticket_id = ticket_id;
        // The row was written with the planned cache.
        state.stored = state.cache;
        states.push(state);
    }
    crate::insert_in_chunks(conn, events).await?;
    store_states(conn, &states, true, now).await
}

/// A clock event not written yet.
struct NewClockEvent {
    metric: Metric,
    cycle: i32,
    kind: ClockEventKind,
    at: DateTime<Utc>,
    reason: String,
}

impl NewClockEvent {
    fn row(self, ticket_id: i64) -> sla_clock_event::ActiveModel {
        sla_clock_event::ActiveModel {
            ticket_id: Set(ticket_id),
            metric: Set(self.metric.as_str().to_string()),
            cycle: Set(self.cycle),
            kind: Set(self.kind.as_str().to_string()),
            at: Set(self.at),
            reason: Set(self.reason),
            ..Default::default()
        }
    }
}

/// The clock events a change of the ticket implies, appended to its history in the order
/// they get their ids.
fn advance(
    subject: &Subject,
    trigger: Trigger,
    history: &mut History,
    now: DateTime<Utc>,
) -> Vec<NewClockEvent> {
    let mut appended = Vec::new();
    for metric in Metric::ALL {
        let current = latest(history, metric);
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
            appended.push(NewClockEvent {
                metric,
                cycle,
                kind,
                at,
                reason: reason(trigger, kind, subject),
            });
            history
                .entry((metric, cycle))
                .or_default()
                .push(ClockEvent { kind, at });
        }
    }
    appended
}

async fn sync_subject<C: ConnectionTrait>(
    conn: &C,
    subject: &Subject,
    mut history: History,
    trigger: Trigger,
    now: DateTime<Utc>,
) -> Result<SlaCache> {
    let ticket_id = subject.row.id;
    let appended = advance(subject, trigger, &mut history, now);
    crate::insert_in_chunks(
        conn,
        appended.into_iter().map(|e| e.row(ticket_id)).collect(),
    )
    .await?;
    let governing = Governing::for_subject(conn, subject).await?;
    let fired = Fired::load(conn, &[ticket_id]).await?;
    let state = ClockState::evaluate(subject, &governing, &history, &fired, now);
    store_states(conn, std::slice::from_ref(&state), false, now).await?;
    Ok(state.cache)
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
    let jobs: Vec<crate::jobs::Schedule> = Metric::ALL
        .into_iter()
        .map(|metric| (job_key(ticket_id, metric), Some(ticket_id), None))
        .collect();
    crate::jobs::put_many(conn, QUEUE, &jobs, now).await?;
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

/// One clock of a ticket, evaluated.
struct Clock {
    metric: Metric,
    cycle: i32,
    replay: Replay,
    evaluation: Evaluation,
    target: Option<Duration>,
}

/// What a ticket's clocks come to now: what `store_states` writes for it.
pub(crate) struct ClockState {
    ticket_id: i64,
    clocks: Vec<Clock>,
    pub cache: SlaCache,
    /// The cache as the ticket's row has it: rewritten only when it moves.
    stored: SlaCache,
    /// When each metric's escalation job runs next (None: it goes).
    jobs: Vec<(Metric, Option<DateTime<Utc>>)>,
}

impl ClockState {
    /// Evaluate each clock of a ticket, its due times and its next escalation times.
    pub(crate) fn evaluate(
        subject: &Subject,
        governing: &Governing,
        history: &History,
        fired: &Fired,
        now: DateTime<Utc>,
    ) -> ClockState {
        let priority = subject.priority();
        let mut due: BTreeMap<Metric, Option<DateTime<Utc>>> = BTreeMap::new();
        let mut clocks = Vec::new();
        for ((metric, cycle), events) in history {
            let Some(replay) = Replay::from_events(events) else {
                continue;
            };
            let target = governing.target(priority, *metric);
            let evaluation = replay.evaluate(&governing.calendar, target, now);
            // Later cycles overwrite earlier ones: the ticket shows its current clock.
            due.insert(
                *metric,
                evaluation
                    .phase
                    .is_open()
                    .then_some(evaluation.due_at)
                    .flatten(),
            );
            clocks.push(Clock {
                metric: *metric,
                cycle: *cycle,
                replay,
                evaluation,
                target,
            });
        }
        let due_at = |m: Metric| due.get(&m).copied().flatten();
        let row = &subject.row;
        ClockState {
            ticket_id: row.id,
            clocks,
            cache: SlaCache {
                policy_id: governing.policy.as_ref().map(|(id, _)| *id),
                first_response_due_at: due_at(Metric::FirstResponse),
                next_response_due_at: due_at(Metric::NextResponse),
                resolution_due_at: due_at(Metric::Resolution),
                sla_due_at: due.values().flatten().min().copied(),
            },
            stored: SlaCache {
                policy_id: row.sla_policy_id,
                first_response_due_at: row.first_response_due_at,
                next_response_due_at: row.next_response_due_at,
                resolution_due_at: row.resolution_due_at,
                sla_due_at: row.sla_due_at,
            },
            jobs: Metric::ALL
                .into_iter()
                .map(|m| (m, next_run(subject, governing, history, fired, m)))
                .collect(),
        }
    }
}

/// Write tickets' clock states: each clock's evaluation (one statement for all), the due
/// times and policy of those whose moved, and the escalation jobs (one statement for
/// those scheduled, one for those dropped). A fresh ticket has no jobs to drop.
pub(crate) async fn store_states<C: ConnectionTrait>(
    conn: &C,
    states: &[ClockState],
    fresh: bool,
    now: DateTime<Utc>,
) -> Result<()> {
    upsert_clocks(conn, states, now).await?;
    for state in states.iter().filter(|s| s.cache != s.stored) {
        let cache = &state.cache;
        crate::tickets::write::store_sla_cache(
            conn,
            state.ticket_id,
            Some(cache.policy_id),
            [
                ("first_response_due_at", cache.first_response_due_at),
                ("next_response_due_at", cache.next_response_due_at),
                ("resolution_due_at", cache.resolution_due_at),
                ("sla_due_at", cache.sla_due_at),
            ],
        )
        .await?;
    }
    let jobs: Vec<crate::jobs::Schedule> = states
        .iter()
        .flat_map(|s| {
            s.jobs
                .iter()
                .filter(|(_, at)| !fresh || at.is_some())
                .map(|&(metric, at)| (job_key(s.ticket_id, metric), Some(s.ticket_id), at))
        })
        .collect();
    crate::jobs::put_many(conn, QUEUE, &jobs, now).await
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

/// Write the clocks' evaluations, a statement per `ROWS_PER_STATEMENT` clocks.
async fn upsert_clocks<C: ConnectionTrait>(
    conn: &C,
    states: &[ClockState],
    now: DateTime<Utc>,
) -> Result<()> {
    let clocks: Vec<(i64, &Clock)> = states
        .iter()
        .flat_map(|s| s.clocks.iter().map(|c| (s.ticket_id, c)))
        .collect();
    for rows in clocks.chunks(crate::ROWS_PER_STATEMENT) {
        let mut stmt = Query::insert();
        stmt.into_table(Alias::new("sla_clocks"))
            .columns(CLOCK_KEY.into_iter().chain(CLOCK_VALUES).map(Alias::new));
        for (ticket_id, c) in rows {
            let e = &c.evaluation;
            let stopped_at = (!e.phase.is_open()).then_some(c.replay.phase_since);
            stmt.values_panic([
                (*ticket_id).into(),
                c.metric.as_str().into(),
                c.cycle.into(),
                e.phase.as_str().into(),
                c.replay.started_at.into(),
                stopped_at.into(),
                e.due_at.into(),
                e.breached_at.into(),
                c.target.map(|t| t.num_seconds()).into(),
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
    }
    Ok(())
}

/// The thresholds already fired, by ticket, metric and cycle.
#[derive(Debug, Default)]
pub(crate) struct Fired(BTreeMap<(i64, Metric, i32), Vec<Threshold>>);

impl Fired {
    /// What has fired for these tickets, in one query.
    pub(crate) async fn load<C: ConnectionTrait>(conn: &C, ticket_ids: &[i64]) -> Result<Fired> {
        let mut fired = Fired::default();
        for e in sla_escalation::Entity::find()
            .filter(sla_escalation::Column::TicketId.is_in(ticket_ids.iter().copied()))
            .all(conn)
            .await?
        {
            if let (Some(metric), Some(threshold)) =
                (Metric::parse(&e.metric), Threshold::parse(&e.threshold))
            {
                fired.add(e.ticket_id, metric, e.cycle, threshold);
            }
        }
        Ok(fired)
    }

    pub(crate) fn of(&self, ticket_id: i64, metric: Metric, cycle: i32) -> &[Threshold] {
        self.0
            .get(&(ticket_id, metric, cycle))
            .map_or(&[], Vec::as_slice)
    }

    pub(crate) fn add(&mut self, ticket_id: i64, metric: Metric, cycle: i32, threshold: Threshold) {
        self.0
            .entry((ticket_id, metric, cycle))
            .or_default()
            .push(threshold);
    }
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
fn next_run(
    subject: &Subject,
    governing: &Governing,
    history: &History,
    fired: &Fired,
    metric: Metric,
) -> Option<DateTime<Utc>> {
    let (Some((_, policy)), Some(target)) = (
        &governing.policy,
        governing.target(subject.priority(), metric),
    ) else {
        return None;
    };
    cycles(history, metric)
        .into_iter()
        .filter_map(|(cycle, replay)| {
            let done = fired.of(subject.row.id, metric, cycle);
            threshold_times(policy, &governing.calendar, &replay, target)
                .into_iter()
                .filter(|(t, _)| !done.contains(t))
                .filter_map(|(_, at)| at)
                .min()
        })
        .min()
}

//! The escalation sweep: claim due SLA jobs, fire the thresholds each clock has reached
//! (warning, breach, still breached) and run the policy's actions for them.
//!
//! Set-wise: the jobs of a claimed set run in one transaction, with one statement per
//! table for all their tickets (their rows locked in id order, their leases checked, their
//! tickets, tags, requesters, clock events and firings read, the policies and calendars
//! read once), the firings worked out in memory, and one multi-row statement per table
//! for what they write. A ticket whose firing changes it (a reassignment, a raised
//! priority) runs its actions one by one and recomputes its clocks from the ticket as
//! they left it. Should a set fail, each of its jobs runs again alone, so that a failing
//! job holds back no other and is retried with backoff.
//!
//! Exactly once: a firing is a row in `sla_escalations`, unique per ticket, metric, cycle
//! and threshold, inserted in the same transaction as its actions and outbox events. Two
//! instances that end up on the same job (a lease expired under a slow or dead worker)
//! race on that insert; the loser inserts nothing and so does nothing.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

use chrono::{DateTime, Duration, Utc};
use docket_core::routing::wanted_skills;
use docket_core::sla::policy::{Action, Metric, PolicySpec, Recipient, Threshold, raise};
use sea_orm::sea_query::{Alias, Expr, ExprTrait, LockType, OnConflict, Order, Query};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseTransaction, DbBackend, EntityTrait, QueryFilter,
};
use serde_json::json;

use super::clocks::{self, ClockState, Fired, Governing, History, Policies, Subject, Trigger};
use crate::delivery::outbox::{self, NewEntry};
use crate::entities::{team, team_member, ticket as ticket_row, user};
use crate::jobs::{self, ClaimedJob};
use crate::routing::{OPEN_CATEGORIES, Routing};
use crate::tickets::write::Change;
use crate::{Result, Store, StoreError};

/// What one sweep did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SweepOutcome {
    /// Jobs leased and run.
    pub jobs: usize,
    /// Thresholds fired (superseded warnings included).
    pub fired: usize,
    /// Jobs that failed and will be retried.
    pub failed: usize,
}

/// Who is sweeping, and how.
#[derive(Debug, Clone)]
pub struct SweepOptions {
    /// Names this instance in leases and firings.
    pub owner: String,
    /// How long a claimed job stays leased before another instance may take it over.
    pub lease: Duration,
    /// Jobs claimed at a time.
    pub batch: u64,
}

/// Jobs run in one transaction at most: bounds the IN lists and multi-row statements.
const SET_SIZE: usize = 100;

/// Lock a ticket's row until the transaction ends (PostgreSQL; SQLite has one writer).
pub(crate) async fn lock_ticket<C: ConnectionTrait>(conn: &C, ticket_id: i64) -> Result<()> {
    lock_tickets(conn, &[ticket_id]).await
}

/// Lock tickets' rows until the transaction ends, in id order, so that transactions
/// locking overlapping sets queue instead of deadlocking (PostgreSQL; SQLite has one
/// writer).
async fn lock_tickets<C: ConnectionTrait>(conn: &C, ticket_ids: &[i64]) -> Result<()> {
    if conn.get_database_backend() == DbBackend::Postgres && !ticket_ids.is_empty() {
        let stmt = Query::select()
            .column(Alias::new("id"))
            .from(Alias::new("tickets"))
            .and_where(Expr::col(Alias::new("id")).is_in(ticket_ids.iter().copied()))
            .order_by(Alias::new("id"), Order::Asc)
            .lock(LockType::Update)
            .to_owned();
        conn.query_all(&stmt).await?;
    }
    Ok(())
}

fn metric_of(job: &ClaimedJob) -> Option<Metric> {
    job.key.rsplit(':').next().and_then(Metric::parse)
}

/// A threshold a clock has reached.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Firing {
    ticket_id: i64,
    metric: Metric,
    cycle: i32,
    threshold: Threshold,
    reached_at: DateTime<Utc>,
    /// A warning found together with its breach: recorded, not acted on.
    superseded: bool,
}

impl Firing {
    fn key(&self) -> (i64, Metric, i32, Threshold) {
        (self.ticket_id, self.metric, self.cycle, self.threshold)
    }

    /// The ticket's audit event for this firing.
    fn event(&self, change: &mut Change) {
        change.event(
            "sla",
            None,
            Some(json!({
                "metric": self.metric.as_str(), "threshold": self.threshold.as_str(),
                "cycle": self.cycle, "reached_at": self.reached_at,
                "superseded": self.superseded,
            })),
        );
    }
}

/// Whether an action writes the ticket (and so may move its due times).
fn changes_ticket(action: &Action) -> bool {
    matches!(action, Action::Reassign { .. } | Action::RaisePriority)
}

/// A ticket of a set with what its jobs need, read under its row lock.
struct Loaded<'a> {
    subject: Subject,
    governing: Governing,
    history: History,
    jobs: Vec<(&'a ClaimedJob, Metric)>,
}

impl Loaded<'_> {
    fn policy(&self) -> Option<&PolicySpec> {
        self.governing.policy.as_ref().map(|(_, p)| p)
    }

    /// Whether acting on these firings of the ticket writes the ticket.
    fn changed_by(&self, firings: &[Firing]) -> bool {
        self.policy().is_some_and(|policy| {
            firings.iter().filter(|f| !f.superseded).any(|f| {
                policy
                    .actions_for(f.threshold, f.metric)
                    .into_iter()
                    .any(changes_ticket)
            })
        })
    }
}

/// A claimed set, read under its tickets' row locks: the tickets whose jobs this
/// instance still holds, what has fired for them, and the jobs that go.
struct SetRun<'a> {
    tickets: BTreeMap<i64, Loaded<'a>>,
    fired: Fired,
    dropped: Vec<&'a ClaimedJob>,
}

impl<'a> SetRun<'a> {
    async fn load(txn: &DatabaseTransaction, set: &'a [ClaimedJob], owner: &str) -> Result<Self> {
        // A job of no ticket's clock has nothing to run: it goes.
        let mut dropped: Vec<&ClaimedJob> = set
            .iter()
            .filter(|j| j.ticket_id.is_none() || metric_of(j).is_none())
            .collect();
        let by_ticket = leased_by_ticket(txn, set, owner).await?;
        let ids: Vec<i64> = by_ticket.keys().copied().collect();
        let mut subjects = Subject::load_many(txn, &ids).await?;
        // Deleted or missing tickets escalate nothing: their jobs go.
        let (live, gone): (BTreeMap<_, _>, BTreeMap<_, _>) = by_ticket
            .into_iter()
            .partition(|(id, _)| subjects.get(id).is_some_and(|s| s.row.deleted_at.is_none()));
        dropped.extend(gone.into_values().flatten().map(|(job, _)| job));
        let ids: Vec<i64> = live.keys().copied().collect();
        let mut histories = clocks::load_histories(txn, &ids).await?;
        let policies = {
            let live_subjects: Vec<&Subject> =
                ids.iter().filter_map(|id| subjects.get(id)).collect();
            Policies::load(txn, &live_subjects).await?
        };
        let fired = Fired::load(txn, &ids).await?;
        let mut tickets = BTreeMap::new();
        for (id, jobs) in live {
            let Some(subject) = subjects.remove(&id) else {
                continue;
            };
            let loaded = Loaded {
                governing: policies.governing(&subject),
                history: histories.remove(&id).unwrap_or_default(),
                subject,
                jobs,
            };
            tickets.insert(id, loaded);
        }
        Ok(SetRun {
            tickets,
            fired,
            dropped,
        })
    }

    /// Record what the set's clocks have reached; returns the firings inserted here.
    async fn record_due(
        &mut self,
        txn: &DatabaseTransaction,
        owner: &str,
        now: DateTime<Utc>,
    ) -> Result<Vec<Firing>> {
        let due: Vec<Firing> = self
            .tickets
            .values()
            .flat_map(|t| t.jobs.iter().map(move |(_, metric)| (t, *metric)))
            .flat_map(|(t, metric)| due_firings(t, &self.fired, metric, now))
            .collect();
        let recorded = record_firings(txn, &due, now, owner).await?;
        // Fired now, here or by another instance: either way not due again.
        for f in &due {
            self.fired.add(f.ticket_id, f.metric, f.cycle, f.threshold);
        }
        Ok(recorded)
    }

    /// Store the clocks of the tickets not recomputed already (firings add no clock
    /// events: what was read is still each ticket's history), drop the jobs that go and
    /// give back the leases.
    async fn finish(
        self,
        txn: &DatabaseTransaction,
        recomputed: &HashSet<i64>,
        owner: &str,
        now: DateTime<Utc>,
    ) -> Result<()> {
        let states: Vec<ClockState> = self
            .tickets
            .values()
            .filter(|t| !recomputed.contains(&t.subject.row.id))
            .map(|t| ClockState::evaluate(&t.subject, &t.governing, &t.history, &self.fired, now))
            .collect();
        clocks::store_states(txn, &states, false, now).await?;
        let dropped: Vec<jobs::Schedule> = self
            .dropped
            .iter()
            .map(|job| (job.key.clone(), job.ticket_id, None))
            .collect();
        jobs::put_many(txn, clocks::QUEUE, &dropped, now).await?;
        let leased: Vec<i64> = self
            .tickets
            .values()
            .flat_map(|t| t.jobs.iter().map(|(job, _)| job.id))
            .collect();
        jobs::release(txn, &leased, owner).await
    }
}

/// The thresholds of a metric's clocks reached by `now` and not fired yet, oldest first.
fn due_firings(
    loaded: &Loaded<'_>,
    fired: &Fired,
    metric: Metric,
    now: DateTime<Utc>,
) -> Vec<Firing> {
    let subject = &loaded.subject;
    let governing = &loaded.governing;
    let (Some((_, policy)), Some(target)) = (
        governing.policy.as_ref(),
        governing.target(subject.priority(), metric),
    ) else {
        return Vec::new();
    };
    let ticket_id = subject.row.id;
    let mut due = Vec::new();
    // Every cycle, not only the latest: a next-response cycle that breached and was
    // answered before a sweep came still fires its breach.
    for (cycle, replay) in clocks::cycles(&loaded.history, metric) {
        let before = fired.of(ticket_id, metric, cycle);
        let reached: Vec<(Threshold, DateTime<Utc>)> =
            clocks::threshold_times(policy, &governing.calendar, &replay, target)
                .into_iter()
                .filter(|(t, _)| !before.contains(t))
                .filter_map(|(t, at)| at.filter(|&at| at <= now).map(|at| (t, at)))
                .collect();
        for (i, &(threshold, reached_at)) in reached.iter().enumerate() {
            // A warning found together with its breach (the sweep was late) is recorded
            // but not acted on: the breach says more. A breach is always acted on, even
            // when found together with its reminder.
            let superseded = threshold == Threshold::Warning && i + 1 < reached.len();
            due.push(Firing {
                ticket_id,
                metric,
                cycle,
                threshold,
                reached_at,
                superseded,
            });
        }
    }
    due
}

impl Store {
    /// Run every SLA job due now, a batch at a time, until none is left (or a bounded
    /// number of rounds, so that one instance never sweeps forever).
    pub async fn sla_sweep(&self, options: &SweepOptions) -> Result<SweepOutcome> {
        let mut out = SweepOutcome::default();
        // A policy or calendar change whose recompute did not finish: finish it first,
        // so that the due times the jobs below are judged by are current.
        let txn = self.begin_write().await?;
        let recompute = jobs::claim(
            &txn,
            super::RECOMPUTE_QUEUE,
            &options.owner,
            self.clock.now(),
            options.lease,
            1,
        )
        .await?;
        txn.commit().await?;
        for job in recompute {
            out.jobs += 1;
            if let Err(e) = self.try_recompute_open_clocks(job.run_at).await {
                out.failed += 1;
                tracing::warn!(error = %e, "recomputing SLA clocks failed; it will be retried");
                self.retry_later(&job, &options.owner, &e).await;
            }
        }
        for _ in 0..1000 {
            let now = self.clock.now();
            let txn = self.begin_write().await?;
            let claimed = jobs::claim(
                &txn,
                clocks::QUEUE,
                &options.owner,
                now,
                options.lease,
                options.batch,
            )
            .await?;
            txn.commit().await?;
            for set in claimed.chunks(SET_SIZE) {
                self.sweep_set(set, &options.owner, &mut out).await;
            }
            if (claimed.len() as u64) < options.batch {
                break;
            }
        }
        Ok(out)
    }

    /// Run a set of claimed jobs together; should that fail, run each alone, so that
    /// the others complete and only a failing job is retried.
    async fn sweep_set(&self, set: &[ClaimedJob], owner: &str, out: &mut SweepOutcome) {
        out.jobs += set.len();
        let error = match self.run_set(set, owner).await {
            Ok(fired) => {
                out.fired += fired;
                return;
            }
            Err(e) => e,
        };
        if let [job] = set {
            out.failed += 1;
            tracing::warn!(job = %job.key, error = %error, "SLA job failed; it will be retried");
            self.retry_later(job, owner, &error).await;
            return;
        }
        tracing::warn!(jobs = set.len(), error = %error, "SLA jobs failed together; running each alone");
        for job in set {
            match self.run_set(std::slice::from_ref(job), owner).await {
                Ok(fired) => out.fired += fired,
                Err(e) => {
                    out.failed += 1;
                    tracing::warn!(job = %job.key, error = %e, "SLA job failed; it will be retried");
                    self.retry_later(job, owner, &e).await;
                }
            }
        }
    }

    /// Give a failed job back, to be retried after a backoff. Should even that fail, the
    /// lease runs out and the job comes back.
    async fn retry_later(&self, job: &ClaimedJob, owner: &str, error: &StoreError) {
        let retry = self.clock.now() + jobs::backoff(job.attempts);
        if let Err(e) = jobs::failed(&self.db, job.id, owner, &error.to_string(), retry).await {
            tracing::warn!(job = %job.key, error = %e, "could not record a job's failure");
        }
    }

    /// Fire what the clocks of a set of jobs have reached, in one transaction; returns
    /// how many thresholds fired.
    async fn run_set(&self, set: &[ClaimedJob], owner: &str) -> Result<usize> {
        let now = self.clock.now();
        let txn = self.begin_write().await?;
        let mut run = SetRun::load(&txn, set, owner).await?;
        let recorded = run.record_due(&txn, owner, now).await?;
        let recomputed = self.act_on(&txn, &run, &recorded, now).await?;
        run.finish(&txn, &recomputed, owner, now).await?;
        txn.commit().await?;
        Ok(recorded.len())
    }

    /// Run the actions of the firings a set recorded: event-only changes, committed
    /// together, and notifications, pushed together; a ticket whose actions change it
    /// acts in turn and is recomputed. Returns the tickets recomputed.
    async fn act_on(
        &self,
        txn: &DatabaseTransaction,
        run: &SetRun<'_>,
        recorded: &[Firing],
        now: DateTime<Utc>,
    ) -> Result<HashSet<i64>> {
        let mut events = Vec::new();
        let mut notices = Vec::new();
        let mut recomputed = HashSet::new();
        let mut routing = Self::routing_for(txn, run, recorded).await?;
        for (id, firings) in group_by_ticket(recorded) {
            let Some(t) = run.tickets.get(&id) else {
                continue;
            };
            let Some(policy) = t.policy() else {
                continue;
            };
            if t.changed_by(&firings) {
                if self
                    .act_in_turn(txn, t, policy, &firings, &mut routing, now)
                    .await?
                {
                    // A raised priority or another team moves due times: read it again.
                    clocks::sync(txn, id, Trigger::Recompute, now).await?;
                    recomputed.insert(id);
                }
                continue;
            }
            let mut change = Change::new(id, "sla", now);
            for f in &firings {
                f.event(&mut change);
                if f.superseded {
                    continue;
                }
                notices.extend(
                    policy
                        .actions_for(f.threshold, f.metric)
                        .into_iter()
                        .filter(|a| matches!(a, Action::Notify { .. }))
                        .map(|a| Notice {
                            row: &t.subject.row,
                            policy: &policy.name,
                            firing: *f,
                            to: a.recipients(),
                        }),
                );
            }
            events.push(change);
        }
        Change::commit_many(events, txn).await?;
        notify(txn, &notices, now).await?;
        routing.save(txn).await?;
        Ok(recomputed)
    }

    /// The routing of the teams the set's firings reassign tickets to (without a user:
    /// the team's rule picks one), locked now, after the set's tickets and before any
    /// action: tickets, then teams, then users, the order every routing transaction
    /// takes.
    async fn routing_for(
        txn: &DatabaseTransaction,
        run: &SetRun<'_>,
        recorded: &[Firing],
    ) -> Result<Routing> {
        let mut slugs = BTreeSet::new();
        for f in recorded.iter().filter(|f| !f.superseded) {
            let Some(policy) = run.tickets.get(&f.ticket_id).and_then(|t| t.policy()) else {
                continue;
            };
            for action in policy.actions_for(f.threshold, f.metric) {
                if let Action::Reassign {
                    user_id: None,
                    team: Some(slug),
                } = action
                {
                    slugs.insert(slug.clone());
                }
            }
        }
        let ids: Vec<i64> = if slugs.is_empty() {
            Vec::new()
        } else {
            team::Entity::find()
                .filter(team::Column::Slug.is_in(slugs))
                .all(txn)
                .await?
                .into_iter()
                .map(|t| t.id)
                .collect()
        };
        Routing::load(txn, ids).await
    }

    /// Record a ticket's firings and run their actions one by one, each change committed
    /// at once, so that the next action (a notification) reads who has the ticket now.
    /// True when an action changed the ticket.
    async fn act_in_turn(
        &self,
        txn: &DatabaseTransaction,
        ticket: &Loaded<'_>,
        policy: &PolicySpec,
        firings: &[Firing],
        routing: &mut Routing,
        now: DateTime<Utc>,
    ) -> Result<bool> {
        let mut changed = false;
        for f in firings {
            let mut change = Change::new(f.ticket_id, "sla", now);
            f.event(&mut change);
            change.commit(txn).await?;
            if f.superseded {
                continue;
            }
            for action in policy.actions_for(f.threshold, f.metric) {
                changed |= Self::act(txn, &ticket.subject, policy, f, action, routing, now).await?;
            }
        }
        Ok(changed)
    }

    /// Run one escalation action; true when it changed the ticket (its assignee, team or
    /// priority).
    async fn act(
        txn: &DatabaseTransaction,
        subject: &Subject,
        policy: &PolicySpec,
        firing: &Firing,
        action: &Action,
        routing: &mut Routing,
        now: DateTime<Utc>,
    ) -> Result<bool> {
        let row = &subject.row;
        match action {
            Action::Notify { .. } => {
                // Read again: an earlier action of this firing may have reassigned the
                // ticket or raised its priority; the notification tells who has it now.
                let row = &ticket_row::Entity::find_by_id(row.id)
                    .one(txn)
                    .await?
                    .unwrap_or_else(|| row.clone());
                let notice = Notice {
                    row,
                    policy: &policy.name,
                    firing: *firing,
                    to: action.recipients(),
                };
                notify(txn, &[notice], now).await?;
                Ok(false)
            }
            Action::Reassign { user_id, team } => {
                let mut changed = false;
                if let Some(uid) = user_id {
                    let active = user::Entity::find_by_id(*uid)
                        .one(txn)
                        .await?
                        .is_some_and(|u| u.active);
                    if active && row.assignee_id != Some(*uid) {
                        let mut change = Change::new(row.id, "sla", now);
                        change.field(
                            "assignee_id",
                            "assignee_id",
                            row.assignee_id,
                            Some(*uid),
                            Some(*uid),
                        );
                        change.commit(txn).await?;
                        changed = true;
                    } else if !active {
                        tracing::warn!(ticket = %row.key, user = uid, "SLA reassignment to a missing or inactive user skipped");
                    }
                }
                if let Some(slug) = team {
                    let target = team::Entity::find()
                        .filter(team::Column::Slug.eq(slug.as_str()))
                        .one(txn)
                        .await?;
                    match target {
                        Some(t) => {
                            let moved = row.team_id != Some(t.id);
                            if moved {
                                let old = match row.team_id {
                                    Some(id) => {
                                        team::Entity::find_by_id(id).one(txn).await?.map(|t| t.slug)
                                    }
                                    None => None,
                                };
                                let mut change = Change::new(row.id, "sla", now);
                                change.event("team", Some(json!(old)), Some(json!(slug)));
                                change.set("team_id", Some(t.id));
                                change.commit(txn).await?;
                                changed = true;
                            }
                            if user_id.is_none() && routing.routes(t.id) {
                                changed |= route_escalated(txn, subject, t.id, moved, routing, now)
                                    .await?;
                            }
                        }
                        None => {
                            tracing::warn!(ticket = %row.key, team = %slug, "SLA reassignment to a missing team skipped")
                        }
                    }
                }
                Ok(changed)
            }
            Action::RaisePriority => {
                // Read again: an earlier action of this firing may have raised it already.
                let current = ticket_row::Entity::find_by_id(row.id)
                    .one(txn)
                    .await?
                    .map(|r| r.priority)
                    .unwrap_or_else(|| row.priority.clone());
                let old = docket_core::ticket::Priority::parse(&current).unwrap_or_default();
                let new = raise(old);
                if new == old {
                    return Ok(false);
                }
                let mut change = Change::new(row.id, "sla", now);
                change.field(
                    "priority",
                    "priority",
                    old.as_str(),
                    new.as_str(),
                    new.as_str(),
                );
                change.commit(txn).await?;
                Ok(true)
            }
        }
    }
}

/// A ticket an escalation sent to a team that routes by a rule: the rule picks its agent
/// when the ticket has just moved there or has nobody; a `Change` with the `routing`
/// event. Nobody eligible leaves the assignee as it was (the event says why). True when
/// the ticket changed.
async fn route_escalated(
    txn: &DatabaseTransaction,
    subject: &Subject,
    team: i64,
    moved: bool,
    routing: &mut Routing,
    now: DateTime<Utc>,
) -> Result<bool> {
    // Read again: an earlier action may have assigned it.
    let Some(current) = ticket_row::Entity::find_by_id(subject.row.id)
        .one(txn)
        .await?
    else {
        return Ok(false);
    };
    if !moved && current.assignee_id.is_some() {
        return Ok(false);
    }
    if let Some(a) = current.assignee_id
        && OPEN_CATEGORIES.contains(&current.status_category.as_str())
    {
        routing.release(a);
    }
    let decision = routing.pick(team, &wanted_skills(&subject.tags, &[]));
    let mut change = Change::new(current.id, "sla", now);
    if let Some(new) = decision.assignee_id {
        change.field(
            "assignee_id",
            "assignee_id",
            current.assignee_id,
            Some(new),
            Some(new),
        );
    }
    change.event("routing", None, Some(routing.event(team, &decision)));
    change.commit(txn).await?;
    Ok(true)
}

/// The jobs of a set that `owner` still holds, by ticket (a ticket change rescheduled
/// the others, or another instance took them over), with the tickets' rows locked first:
/// tickets before jobs, the order every ticket write takes.
async fn leased_by_ticket<'a>(
    txn: &DatabaseTransaction,
    set: &'a [ClaimedJob],
    owner: &str,
) -> Result<BTreeMap<i64, Vec<(&'a ClaimedJob, Metric)>>> {
    let runnable: Vec<(&ClaimedJob, i64, Metric)> = set
        .iter()
        .filter_map(|j| Some((j, j.ticket_id?, metric_of(j)?)))
        .collect();
    let ids: BTreeSet<i64> = runnable.iter().map(|(_, id, _)| *id).collect();
    lock_tickets(txn, &ids.into_iter().collect::<Vec<_>>()).await?;
    let job_ids: Vec<i64> = runnable.iter().map(|(j, _, _)| j.id).collect();
    let leased = jobs::still_leased(txn, &job_ids, owner).await?;
    let mut by_ticket: BTreeMap<i64, Vec<(&ClaimedJob, Metric)>> = BTreeMap::new();
    for (job, ticket_id, metric) in runnable {
        if leased.contains(&job.id) {
            by_ticket.entry(ticket_id).or_default().push((job, metric));
        }
    }
    Ok(by_ticket)
}

/// Firings by ticket, each ticket's in their order.
fn group_by_ticket(firings: &[Firing]) -> BTreeMap<i64, Vec<Firing>> {
    let mut by_ticket: BTreeMap<i64, Vec<Firing>> = BTreeMap::new();
    for f in firings {
        by_ticket.entry(f.ticket_id).or_default().push(*f);
    }
    by_ticket
}

/// Insert firings, `ROWS_PER_STATEMENT` to a statement; returns those inserted, in
/// order (the others were there already: another instance fired them).
async fn record_firings<C: ConnectionTrait>(
    conn: &C,
    firings: &[Firing],
    now: DateTime<Utc>,
    owner: &str,
) -> Result<Vec<Firing>> {
    let mut inserted = HashSet::new();
    for chunk in firings.chunks(crate::ROWS_PER_STATEMENT) {
        let mut stmt = Query::insert();
        stmt.into_table(Alias::new("sla_escalations")).columns(
            [
                "ticket_id",
                "metric",
                "cycle",
                "threshold",
                "reached_at",
                "fired_at",
                "fired_by",
                "superseded",
            ]
            .map(Alias::new),
        );
        for f in chunk {
            stmt.values_panic([
                f.ticket_id.into(),
                f.metric.as_str().into(),
                f.cycle.into(),
                f.threshold.as_str().into(),
                f.reached_at.into(),
                now.into(),
                owner.into(),
                f.superseded.into(),
            ]);
        }
        stmt.on_conflict(
            OnConflict::columns(["ticket_id", "metric", "cycle", "threshold"].map(Alias::new))
                .do_nothing()
                .to_owned(),
        )
        .returning(
            Query::returning()
                .columns(["ticket_id", "metric", "cycle", "threshold"].map(Alias::new)),
        );
        // RETURNING gives the inserted rows in no promised order: match them by key.
        for row in conn.query_all(&stmt).await? {
            let metric: String = row.try_get("", "metric")?;
            let threshold: String = row.try_get("", "threshold")?;
            if let (Some(metric), Some(threshold)) =
                (Metric::parse(&metric), Threshold::parse(&threshold))
            {
                let ticket_id: i64 = row.try_get("", "ticket_id")?;
                let cycle: i32 = row.try_get("", "cycle")?;
                inserted.insert((ticket_id, metric, cycle, threshold));
            }
        }
    }
    Ok(firings
        .iter()
        .filter(|f| inserted.contains(&f.key()))
        .copied()
        .collect())
}

/// A notification to send: the ticket as it is now, the firing it tells of and whom.
struct Notice<'a> {
    row: &'a ticket_row::Model,
    policy: &'a str,
    firing: Firing,
    to: Vec<Recipient>,
}

/// Push notifications to the outbox, in order, with what they need read once for all.
async fn notify<C: ConnectionTrait>(
    conn: &C,
    notices: &[Notice<'_>],
    now: DateTime<Utc>,
) -> Result<()> {
    if notices.is_empty() {
        return Ok(());
    }
    let audience = Audience::load(conn, notices).await?;
    let entries: Vec<NewEntry> = notices.iter().map(|n| audience.entry(n)).collect();
    outbox::push_many(conn, &entries, now).await
}

/// The teams of the tickets notified (their slugs and, where notified, members) and the
/// admins (where notified).
struct Audience {
    teams: HashMap<i64, String>,
    members: HashMap<i64, Vec<i64>>,
    admins: Vec<i64>,
}

impl Audience {
    async fn load<C: ConnectionTrait>(conn: &C, notices: &[Notice<'_>]) -> Result<Audience> {
        let team_ids: BTreeSet<i64> = notices.iter().filter_map(|n| n.row.team_id).collect();
        let teams = crate::tickets::read::team_slugs(conn, team_ids).await?;
        let member_teams: BTreeSet<i64> = notices
            .iter()
            .filter(|n| n.to.contains(&Recipient::Team))
            .filter_map(|n| n.row.team_id)
            .collect();
        let mut members: HashMap<i64, Vec<i64>> = HashMap::new();
        if !member_teams.is_empty() {
            for m in team_member::Entity::find()
                .filter(team_member::Column::TeamId.is_in(member_teams))
                .all(conn)
                .await?
            {
                members.entry(m.team_id).or_default().push(m.user_id);
            }
        }
        let admins = if notices.iter().any(|n| n.to.contains(&Recipient::Admins)) {
            user::Entity::find()
                .filter(user::Column::Role.eq("admin"))
                .filter(user::Column::Active.eq(true))
                .all(conn)
                .await?
                .into_iter()
                .map(|u| u.id)
                .collect()
        } else {
            Vec::new()
        };
        Ok(Audience {
            teams,
            members,
            admins,
        })
    }

    /// The users a notification goes to.
    fn recipients(&self, row: &ticket_row::Model, to: &[Recipient]) -> Vec<i64> {
        let mut ids: Vec<i64> = Vec::new();
        for r in to {
            match r {
                Recipient::Assignee => ids.extend(row.assignee_id),
                Recipient::Team => ids.extend(
                    row.team_id
                        .and_then(|id| self.members.get(&id))
                        .into_iter()
                        .flatten(),
                ),
                Recipient::Admins => ids.extend(&self.admins),
            }
        }
        ids.sort_unstable();
        ids.dedup();
        ids
    }

    /// The outbox entry of a notification.
    fn entry(&self, notice: &Notice<'_>) -> NewEntry {
        let (row, f) = (notice.row, &notice.firing);
        let team = row.team_id.and_then(|id| self.teams.get(&id));
        let payload = json!({
            "ticket": row.key, "ticket_id": row.id, "title": row.title,
            "type": row.type_slug, "priority": row.priority, "status": row.status,
            "metric": f.metric.as_str(), "cycle": f.cycle, "threshold": f.threshold.as_str(),
            "reached_at": f.reached_at, "policy": notice.policy,
            "assignee_id": row.assignee_id, "team": team,
            "recipients": notice.to, "user_ids": self.recipients(row, &notice.to),
        });
        (
            format!("sla.{}", f.threshold.as_str()),
            Some(row.id),
            payload,
        )
    }
}

#[cfg(test)]
#[path = "escalate_tests.rs"]
mod tests;

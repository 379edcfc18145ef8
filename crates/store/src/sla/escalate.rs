//! The escalation sweep: claim due SLA jobs, fire the thresholds each clock has reached
//! (warning, breach, still breached) and run the policy's actions for them.
//!
//! Exactly once: a firing is a row in `sla_escalations`, unique per ticket, metric, cycle
//! and threshold, inserted in the same transaction as its actions and outbox events. Two
//! instances that end up on the same job (a lease expired under a slow or dead worker)
//! race on that insert; the loser inserts nothing and so does nothing.

use chrono::{DateTime, Duration, Utc};
use docket_core::sla::policy::{Action, Metric, PolicySpec, Recipient, Threshold, raise};
use sea_orm::sea_query::{Alias, OnConflict, Query};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseTransaction, DbBackend, EntityTrait, QueryFilter,
    Statement,
};
use serde_json::json;

use super::clocks::{self, Governing, Subject, Trigger};
use crate::entities::{team, team_member, user};
use crate::jobs::{self, ClaimedJob};
use crate::tickets::write::Change;
use crate::{Result, Store};

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

/// Lock a ticket's row until the transaction ends (PostgreSQL; SQLite has one writer).
pub(crate) async fn lock_ticket<C: ConnectionTrait>(conn: &C, ticket_id: i64) -> Result<()> {
    if conn.get_database_backend() == DbBackend::Postgres {
        conn.execute_raw(Statement::from_sql_and_values(
            DbBackend::Postgres,
            "SELECT id FROM tickets WHERE id = $1 FOR UPDATE",
            [ticket_id.into()],
        ))
        .await?;
    }
    Ok(())
}

fn metric_of(job: &ClaimedJob) -> Option<Metric> {
    job.key.rsplit(':').next().and_then(Metric::parse)
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
                let retry = self.clock.now() + jobs::backoff(job.attempts);
                if let Err(e) =
                    jobs::failed(&self.db, job.id, &options.owner, &e.to_string(), retry).await
                {
                    tracing::warn!(error = %e, "could not record a recompute's failure");
                }
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
            for job in &claimed {
                out.jobs += 1;
                match self.run_job(job, &options.owner).await {
                    Ok(fired) => out.fired += fired,
                    Err(e) => {
                        out.failed += 1;
                        tracing::warn!(job = %job.key, error = %e, "SLA job failed; it will be retried");
                        let retry = self.clock.now() + jobs::backoff(job.attempts);
                        // Should even that fail, the lease runs out and the job comes back.
                        if let Err(e) =
                            jobs::failed(&self.db, job.id, &options.owner, &e.to_string(), retry)
                                .await
                        {
                            tracing::warn!(job = %job.key, error = %e, "could not record an SLA job's failure");
                        }
                    }
                }
            }
            if (claimed.len() as u64) < options.batch {
                break;
            }
        }
        Ok(out)
    }

    /// Fire what a ticket's clock has reached; returns how many thresholds fired.
    async fn run_job(&self, job: &ClaimedJob, owner: &str) -> Result<usize> {
        let now = self.clock.now();
        let txn = self.begin_write().await?;
        let (Some(ticket_id), Some(metric)) = (job.ticket_id, metric_of(job)) else {
            jobs::put(&txn, clocks::QUEUE, &job.key, None, None, now).await?;
            txn.commit().await?;
            return Ok(0);
        };
        lock_ticket(&txn, ticket_id).await?;
        if !jobs::still_leased(&txn, job.id, owner).await? {
            // A ticket change rescheduled the job, or another instance took it over.
            txn.rollback().await?;
            return Ok(0);
        }
        let subject = match Subject::load(&txn, ticket_id).await {
            Ok(s) if s.row.deleted_at.is_none() => s,
            Ok(_) | Err(crate::StoreError::NotFound(_)) => {
                jobs::put(&txn, clocks::QUEUE, &job.key, None, None, now).await?;
                txn.commit().await?;
                return Ok(0);
            }
            Err(e) => return Err(e),
        };
        let history = clocks::load_history(&txn, ticket_id).await?;
        let governing = Governing::for_subject(&txn, &subject).await?;
        let mut fired_now = 0;
        let mut changed = false;
        // Every cycle, not only the latest: a next-response cycle that breached and was
        // answered before a sweep came still fires its breach.
        for (cycle, replay) in clocks::cycles(&history, metric) {
            let (Some((_, policy)), Some(target)) = (
                governing.policy.as_ref(),
                governing.target(subject.priority(), metric),
            ) else {
                break;
            };
            let before = clocks::fired(&txn, ticket_id, metric, cycle).await?;
            let reached: Vec<(Threshold, DateTime<Utc>)> =
                clocks::threshold_times(policy, &governing.calendar, &replay, target)
                    .into_iter()
                    .filter(|(t, _)| !before.contains(t))
                    .filter_map(|(t, at)| at.filter(|&at| at <= now).map(|at| (t, at)))
                    .collect();
            for (i, &(threshold, at)) in reached.iter().enumerate() {
                // A warning found together with its breach (the sweep was late) is
                // recorded but not acted on: the breach says more. A breach is always
                // acted on, even when found together with its reminder.
                let superseded = threshold == Threshold::Warning && i + 1 < reached.len();
                if !record_firing(
                    &txn, ticket_id, metric, cycle, threshold, at, now, owner, superseded,
                )
                .await?
                {
                    continue;
                }
                fired_now += 1;
                let mut change = Change::new(ticket_id, "sla", now);
                change.event(
                    "sla",
                    None,
                    Some(json!({
                        "metric": metric.as_str(), "threshold": threshold.as_str(),
                        "cycle": cycle, "reached_at": at, "superseded": superseded,
                    })),
                );
                change.commit(&txn).await?;
                if superseded {
                    continue;
                }
                for action in policy.actions_for(threshold, metric) {
                    changed |= self
                        .act(
                            &txn, &subject, policy, metric, cycle, threshold, at, action, now,
                        )
                        .await?;
                }
            }
        }
        // Recompute (a raised priority moves due times) and schedule the next threshold.
        if changed {
            // A raised priority or another team moves due times: read the ticket again.
            clocks::sync(&txn, ticket_id, Trigger::Recompute, now).await?;
        } else {
            // Firings add no clock events: what this job loaded is still the ticket.
            clocks::sync_loaded(&txn, &subject, history, governing, now).await?;
        }
        jobs::release(&txn, job.id, owner).await?;
        txn.commit().await?;
        Ok(fired_now)
    }

    /// Run one escalation action; true when it changed the ticket (its assignee, team or
    /// priority). Each change is committed at once, so the next action (a notification)
    /// reads who has the ticket now.
    #[allow(clippy::too_many_arguments)]
    async fn act(
        &self,
        txn: &DatabaseTransaction,
        subject: &Subject,
        policy: &PolicySpec,
        metric: Metric,
        cycle: i32,
        threshold: Threshold,
        reached_at: DateTime<Utc>,
        action: &Action,
        now: DateTime<Utc>,
    ) -> Result<bool> {
        let row = &subject.row;
        match action {
            Action::Notify { .. } => {
                // Read again: an earlier action of this firing may have reassigned the
                // ticket or raised its priority; the notification tells who has it now.
                let row = &crate::entities::ticket::Entity::find_by_id(row.id)
                    .one(txn)
                    .await?
                    .unwrap_or_else(|| row.clone());
                let to = action.recipients();
                let user_ids = recipients(txn, row, &to).await?;
                let team = match row.team_id {
                    Some(id) => team::Entity::find_by_id(id).one(txn).await?.map(|t| t.slug),
                    None => None,
                };
                let payload = json!({
                    "ticket": row.key, "ticket_id": row.id, "title": row.title,
                    "type": row.type_slug, "priority": row.priority, "status": row.status,
                    "metric": metric.as_str(), "cycle": cycle, "threshold": threshold.as_str(),
                    "reached_at": reached_at, "policy": policy.name,
                    "assignee_id": row.assignee_id, "team": team,
                    "recipients": to, "user_ids": user_ids,
                });
                super::outbox::push(
                    txn,
                    &format!("sla.{}", threshold.as_str()),
                    Some(row.id),
                    &payload,
                    now,
                )
                .await?;
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
                        Some(t) if row.team_id != Some(t.id) => {
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
                        Some(_) => {}
                        None => {
                            tracing::warn!(ticket = %row.key, team = %slug, "SLA reassignment to a missing team skipped")
                        }
                    }
                }
                Ok(changed)
            }
            Action::RaisePriority => {
                // Read again: an earlier action of this firing may have raised it already.
                let current = crate::entities::ticket::Entity::find_by_id(row.id)
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

/// Insert a firing; false when it was already there (another instance fired it).
#[allow(clippy::too_many_arguments)]
async fn record_firing<C: ConnectionTrait>(
    conn: &C,
    ticket_id: i64,
    metric: Metric,
    cycle: i32,
    threshold: Threshold,
    reached_at: DateTime<Utc>,
    now: DateTime<Utc>,
    owner: &str,
    superseded: bool,
) -> Result<bool> {
    let stmt = Query::insert()
        .into_table(Alias::new("sla_escalations"))
        .columns(
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
        )
        .values_panic([
            ticket_id.into(),
            metric.as_str().into(),
            cycle.into(),
            threshold.as_str().into(),
            reached_at.into(),
            now.into(),
            owner.into(),
            superseded.into(),
        ])
        .on_conflict(
            OnConflict::columns(["ticket_id", "metric", "cycle", "threshold"].map(Alias::new))
                .do_nothing()
                .to_owned(),
        )
        .to_owned();
    Ok(conn.execute(&stmt).await?.rows_affected() == 1)
}

/// The users a notification goes to.
async fn recipients<C: ConnectionTrait>(
    conn: &C,
    row: &crate::entities::ticket::Model,
    to: &[Recipient],
) -> Result<Vec<i64>> {
    let mut ids: Vec<i64> = Vec::new();
    for r in to {
        match r {
            Recipient::Assignee => ids.extend(row.assignee_id),
            Recipient::Team => {
                if let Some(team_id) = row.team_id {
                    ids.extend(
                        team_member::Entity::find()
                            .filter(team_member::Column::TeamId.eq(team_id))
                            .all(conn)
                            .await?
                            .into_iter()
                            .map(|m| m.user_id),
                    );
                }
            }
            Recipient::Admins => ids.extend(
                user::Entity::find()
                    .filter(user::Column::Role.eq("admin"))
                    .filter(user::Column::Active.eq(true))
                    .all(conn)
                    .await?
                    .into_iter()
                    .map(|u| u.id),
            ),
        }
    }
    ids.sort_unstable();
    ids.dedup();
    Ok(ids)
}

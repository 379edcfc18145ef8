//! A jobs table that several server instances share. A job is claimed by taking a lease
//! (`FOR UPDATE SKIP LOCKED` on PostgreSQL, so instances never wait on each other; SQLite
//! has one writer anyway); a worker that dies loses its lease when it expires and another
//! instance takes the job over. Jobs are idempotent by design: whatever a job does is
//! guarded by its own uniqueness (see the SLA escalations), so a job run twice after a
//! lost lease does no harm.

use std::collections::HashSet;

use chrono::{DateTime, Duration, Utc};
use sea_orm::sea_query::{Alias, Expr, ExprTrait, OnConflict, Order, Query};
use sea_orm::{ConnectionTrait, DbBackend};

use crate::{Result, Store};

fn col(name: &str) -> Alias {
    Alias::new(name)
}

/// A job to schedule: its key, its ticket, and when it runs (None drops it).
pub(crate) type Schedule = (String, Option<i64>, Option<DateTime<Utc>>);

/// Schedule the job `key` at `run_at`, replacing whatever it was scheduled for and any
/// lease on it; `None` drops the job.
pub(crate) async fn put<C: ConnectionTrait>(
    conn: &C,
    queue: &str,
    key: &str,
    ticket_id: Option<i64>,
    run_at: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
) -> Result<()> {
    put_many(conn, queue, &[(key.to_string(), ticket_id, run_at)], now).await
}

/// Schedule or drop several jobs, each as `put` does: one statement for those scheduled,
/// one for those dropped.
pub(crate) async fn put_many<C: ConnectionTrait>(
    conn: &C,
    queue: &str,
    jobs: &[Schedule],
    now: DateTime<Utc>,
) -> Result<()> {
    let dropped: Vec<&str> = jobs
        .iter()
        .filter(|(_, _, run_at)| run_at.is_none())
        .map(|(key, _, _)| key.as_str())
        .collect();
    if !dropped.is_empty() {
        let stmt = Query::delete()
            .from_table(col("jobs"))
            .and_where(Expr::col(col("dedupe_key")).is_in(dropped))
            .to_owned();
        conn.execute(&stmt).await?;
    }
    let scheduled: Vec<(&str, Option<i64>, DateTime<Utc>)> = jobs
        .iter()
        .filter_map(|(key, ticket_id, run_at)| run_at.map(|at| (key.as_str(), *ticket_id, at)))
        .collect();
    if scheduled.is_empty() {
        return Ok(());
    }
    let mut stmt = Query::insert();
    stmt.into_table(col("jobs")).columns(
        [
            "queue",
            "dedupe_key",
            "ticket_id",
            "payload",
            "run_at",
            "attempts",
            "created_at",
            "updated_at",
        ]
        .map(col),
    );
    for (key, ticket_id, run_at) in scheduled {
        stmt.values_panic([
            queue.into(),
            key.into(),
            ticket_id.into(),
            "{}".into(),
            run_at.into(),
            0.into(),
            now.into(),
            now.into(),
        ]);
    }
    stmt.on_conflict(
        OnConflict::column(col("dedupe_key"))
            .values([
                (col("run_at"), Expr::col((col("excluded"), col("run_at")))),
                // A new schedule is a new job: its retries back off from the start.
                (col("attempts"), Expr::val(0)),
                (col("lease_owner"), Expr::val(Option::<String>::None)),
                (col("lease_until"), Expr::val(Option::<DateTime<Utc>>::None)),
                (col("updated_at"), Expr::val(now)),
            ])
            // The same schedule again changes nothing: a lease taken on it stays
            // with its holder (a sweep holding a ticket's other job keeps it).
            .action_and_where(
                Expr::col((col("jobs"), col("run_at")))
                    .ne(Expr::col((col("excluded"), col("run_at")))),
            )
            .to_owned(),
    );
    conn.execute(&stmt).await?;
    Ok(())
}

/// Drop job `key` if it is still scheduled at or before `seen` (nobody asked for it
/// again since).
pub(crate) async fn finish_unless_rescheduled<C: ConnectionTrait>(
    conn: &C,
    key: &str,
    seen: DateTime<Utc>,
) -> Result<()> {
    let stmt = Query::delete()
        .from_table(col("jobs"))
        .and_where(Expr::col(col("dedupe_key")).eq(key))
        .and_where(Expr::col(col("run_at")).lte(seen))
        .to_owned();
    conn.execute(&stmt).await?;
    Ok(())
}

/// Give up `owner`'s lease on the jobs `ids` (done for now, whatever they are due next).
pub(crate) async fn release<C: ConnectionTrait>(conn: &C, ids: &[i64], owner: &str) -> Result<()> {
    if ids.is_empty() {
        return Ok(());
    }
    let stmt = Query::update()
        .table(col("jobs"))
        .value(col("lease_owner"), Option::<String>::None)
        .value(col("lease_until"), Option::<DateTime<Utc>>::None)
        .and_where(Expr::col(col("id")).is_in(ids.iter().copied()))
        .and_where(Expr::col(col("lease_owner")).eq(owner))
        .to_owned();
    conn.execute(&stmt).await?;
    Ok(())
}

#[derive(Debug, Clone)]
pub(crate) struct ClaimedJob {
    pub id: i64,
    pub run_at: DateTime<Utc>,
    pub key: String,
    pub ticket_id: Option<i64>,
    pub attempts: i32,
}

/// Lease up to `limit` due jobs of a queue to `owner` until `now + lease`.
pub(crate) async fn claim<C: ConnectionTrait>(
    conn: &C,
    queue: &str,
    owner: &str,
    now: DateTime<Utc>,
    lease: Duration,
    limit: u64,
) -> Result<Vec<ClaimedJob>> {
    let due = Query::select()
        .column(col("id"))
        .from(col("jobs"))
        .and_where(Expr::col(col("queue")).eq(queue))
        .and_where(Expr::col(col("run_at")).lte(now))
        .cond_where(
            Expr::col(col("lease_until"))
                .is_null()
                .or(Expr::col(col("lease_until")).lt(now)),
        )
        .order_by(col("run_at"), Order::Asc)
        .limit(limit)
        .lock_with_behavior(
            sea_orm::sea_query::LockType::Update,
            sea_orm::sea_query::LockBehavior::SkipLocked,
        )
        .to_owned();
    let stmt = Query::update()
        .table(col("jobs"))
        .value(col("lease_owner"), owner)
        .value(col("lease_until"), now + lease)
        .value(col("attempts"), Expr::col(col("attempts")).add(1))
        .value(col("updated_at"), now)
        .and_where(Expr::col(col("id")).in_subquery(due))
        .returning(
            Query::returning()
                .columns(["id", "dedupe_key", "ticket_id", "attempts", "run_at"].map(col)),
        )
        .to_owned();
    let rows = conn.query_all(&stmt).await?;
    let mut jobs = Vec::with_capacity(rows.len());
    for r in rows {
        jobs.push(ClaimedJob {
            id: r.try_get("", "id")?,
            run_at: r.try_get("", "run_at")?,
            key: r.try_get("", "dedupe_key")?,
            ticket_id: r.try_get("", "ticket_id")?,
            attempts: r.try_get("", "attempts")?,
        });
    }
    Ok(jobs)
}

/// Which of the jobs `ids` `owner` still holds the lease of. On PostgreSQL their rows
/// stay locked until the caller's transaction ends, so the leases cannot move meanwhile.
pub(crate) async fn still_leased<C: ConnectionTrait>(
    conn: &C,
    ids: &[i64],
    owner: &str,
) -> Result<HashSet<i64>> {
    if ids.is_empty() {
        return Ok(HashSet::new());
    }
    let mut stmt = Query::select();
    stmt.column(col("id"))
        .from(col("jobs"))
        .and_where(Expr::col(col("id")).is_in(ids.iter().copied()))
        .and_where(Expr::col(col("lease_owner")).eq(owner));
    if conn.get_database_backend() == DbBackend::Postgres {
        stmt.lock(sea_orm::sea_query::LockType::Update);
    }
    let mut leased = HashSet::new();
    for row in conn.query_all(&stmt).await? {
        leased.insert(row.try_get::<i64>("", "id")?);
    }
    Ok(leased)
}

/// A job that failed: record why and try again at `retry_at`, with the lease released.
pub(crate) async fn failed<C: ConnectionTrait>(
    conn: &C,
    id: i64,
    owner: &str,
    error: &str,
    retry_at: DateTime<Utc>,
) -> Result<()> {
    let stmt = Query::update()
        .table(col("jobs"))
        .value(col("last_error"), error)
        .value(col("run_at"), retry_at)
        .value(col("lease_owner"), Option::<String>::None)
        .value(col("lease_until"), Option::<DateTime<Utc>>::None)
        .and_where(Expr::col(col("id")).eq(id))
        .and_where(Expr::col(col("lease_owner")).eq(owner))
        .to_owned();
    conn.execute(&stmt).await?;
    Ok(())
}

/// How long a failed job waits before its next attempt: doubling from 30 s, at most an hour.
pub(crate) fn backoff(attempts: i32) -> Duration {
    Duration::seconds(30 * 2i64.pow(attempts.clamp(1, 8) as u32 - 1)).min(Duration::hours(1))
}

impl Store {
    /// Give up every lease `owner` holds, on jobs and on deliveries, so that another
    /// instance takes them at once rather than when the leases expire (a stopping
    /// instance). The jobs stay due as they were; a run cut short is run again, which
    /// jobs are made to bear. Returns how many leases were given up.
    pub async fn release_leases(&self, owner: &str) -> Result<u64> {
        let mut released = 0;
        for table in ["jobs", "deliveries"] {
            let stmt = Query::update()
                .table(col(table))
                .value(col("lease_owner"), Option::<String>::None)
                .value(col("lease_until"), Option::<DateTime<Utc>>::None)
                .and_where(Expr::col(col("lease_owner")).eq(owner))
                .to_owned();
            released += self.db.execute(&stmt).await?.rows_affected();
        }
        Ok(released)
    }
}

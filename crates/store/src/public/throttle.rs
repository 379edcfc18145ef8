//! The throttle of anonymous writes, kept in the database so that every instance counts
//! alike. The attempts of a bucket are counted and the new one written in one
//! transaction, under a lock per bucket (PostgreSQL; SQLite has one writer), so that a
//! flood of parallel requests lets exactly the limit through. A refused attempt is not
//! written, so that waiting is enough to be let in again.

use chrono::Duration;
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, DbBackend, EntityTrait, PaginatorTrait,
    QueryFilter, QueryOrder, Statement,
};

use crate::entities::public_attempt;
use crate::{Result, Store};

/// Attempts are counted over the last hour.
pub const WINDOW: Duration = Duration::hours(1);

/// At most `per_hour` attempts in `bucket` (`form-ip:<address>`, `form-email:<email>`...).
#[derive(Debug, Clone)]
pub struct Limit {
    pub bucket: String,
    pub per_hour: u32,
}

/// Attempts counted for one request, to give back if it comes to nothing.
#[derive(Debug)]
#[must_use]
pub struct Attempt(Vec<i64>);

impl Store {
    /// Count one attempt in each bucket; when one of them is full, nothing is counted
    /// and the answer is how long to wait.
    pub async fn take_public_attempt(
        &self,
        limits: &[Limit],
    ) -> Result<std::result::Result<Attempt, Duration>> {
        let txn = self.begin_write().await?;
        if self.backend() == DbBackend::Postgres {
            // Serialize the attempts of each bucket (in one order, so two requests that
            // share buckets never wait on each other crosswise); SQLite has one writer.
            let mut buckets: Vec<&str> = limits.iter().map(|l| l.bucket.as_str()).collect();
            buckets.sort_unstable();
            buckets.dedup();
            for bucket in buckets {
                txn.execute_raw(Statement::from_sql_and_values(
                    DbBackend::Postgres,
                    "SELECT pg_advisory_xact_lock(hashtext($1))",
                    [format!("public:{bucket}").into()],
                ))
                .await?;
            }
        }
        // Read after the lock: an attempt counted before this one is never later.
        let at = self.clock.now();
        let since = at - WINDOW;
        public_attempt::Entity::delete_many()
            .filter(public_attempt::Column::Bucket.is_in(limits.iter().map(|l| l.bucket.clone())))
            .filter(public_attempt::Column::At.lte(since))
            .exec(&txn)
            .await?;
        let mut wait: Option<Duration> = None;
        for limit in limits {
            let in_window = public_attempt::Entity::find()
                .filter(public_attempt::Column::Bucket.eq(limit.bucket.as_str()))
                .filter(public_attempt::Column::At.gt(since));
            if in_window.clone().count(&txn).await? < u64::from(limit.per_hour) {
                continue;
            }
            let oldest = in_window
                .order_by_asc(public_attempt::Column::At)
                .one(&txn)
                .await?
                .map_or(at, |a| a.at);
            let until = (oldest + WINDOW - at).clamp(Duration::seconds(1), WINDOW);
            wait = Some(wait.map_or(until, |w| w.max(until)));
        }
        if let Some(wait) = wait {
            txn.commit().await?;
            return Ok(Err(wait));
        }
        let inserted: Vec<i64> = public_attempt::Entity::insert_many(limits.iter().map(|l| {
            public_attempt::ActiveModel {
                bucket: Set(l.bucket.clone()),
                at: Set(at),
                ..Default::default()
            }
        }))
        .exec_with_returning(&txn)
        .await?
        .into_iter()
        .map(|a| a.id)
        .collect();
        txn.commit().await?;
        Ok(Ok(Attempt(inserted)))
    }

    /// Give back the attempts of a request that turned out to be the sender's mistake (a
    /// field to correct), not a ticket: only what is written is limited.
    pub async fn give_back_public_attempt(&self, attempt: Attempt) -> Result<()> {
        self.forget_public_attempt(attempt.0).await
    }

    async fn forget_public_attempt(&self, ids: Vec<i64>) -> Result<()> {
        public_attempt::Entity::delete_many()
            .filter(public_attempt::Column::Id.is_in(ids))
            .exec(&self.db)
            .await?;
        Ok(())
    }
}

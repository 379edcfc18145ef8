//! The password check and the login throttle in front of it.

use chrono::{DateTime, Duration, Utc};
use sea_orm::sea_query::{Alias, Expr, ExprTrait, Query};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait,
    QueryFilter, QueryOrder,
};
use serde_json::Value;

use super::{Actor, LoginOutcome, audit, crypto};
use crate::entities::{login_attempt, user};
use crate::{Result, Store, StoreError};

/// Failures count for this long (or, for an address and account, until it signs in).
pub const THROTTLE_WINDOW: Duration = Duration::hours(1);
/// Failures of one account from one address before each further try waits.
pub const FREE_FAILURES_PER_PAIR: u64 = 5;
/// Failures from one address, over all accounts, before each further try waits.
pub const FREE_FAILURES_PER_ADDRESS: u64 = 20;
/// The first wait; each later failure doubles it, up to `BACKOFF_MAX`.
pub const BACKOFF_FIRST: Duration = Duration::seconds(5);
pub const BACKOFF_MAX: Duration = Duration::minutes(15);

/// Recent failures of one kind: how many, and the latest.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Failures {
    pub count: u64,
    pub last: Option<DateTime<Utc>>,
}

impl Failures {
    /// How long after the latest failure the next try must wait, given `free` failures
    /// that cost nothing.
    fn backoff(&self, free: u64) -> Duration {
        if self.count < free {
            return Duration::zero();
        }
        let doublings = std::cmp::min(self.count - free, 20) as u32;
        std::cmp::min(BACKOFF_FIRST * 2i32.pow(doublings), BACKOFF_MAX)
    }

    /// The wait left at `at` (zero when a try may go ahead).
    pub(crate) fn wait_at(&self, free: u64, at: DateTime<Utc>) -> Duration {
        match self.last {
            Some(last) => std::cmp::max(last + self.backoff(free) - at, Duration::zero()),
            None => Duration::zero(),
        }
    }
}

async fn count_failures<C: ConnectionTrait>(
    conn: &C,
    query: sea_orm::Select<login_attempt::Entity>,
) -> Result<Failures> {
    let query = query.filter(login_attempt::Column::Success.eq(false));
    let last = query
        .clone()
        .order_by_desc(login_attempt::Column::Id)
        .one(conn)
        .await?
        .map(|a| a.created_at);
    Ok(Failures {
        count: query.count(conn).await?,
        last,
    })
}

/// Recent failures of `account` from `ip` (since that pair last signed in), and from
/// `ip` for any account. Nothing counts other addresses' failures against an account, so
/// a stranger's guesses never lock its owner out.
async fn failures<C: ConnectionTrait>(
    conn: &C,
    account: &str,
    ip: &str,
    at: DateTime<Utc>,
) -> Result<(Failures, Failures)> {
    let since = at - THROTTLE_WINDOW;
    let from_ip = login_attempt::Entity::find().filter(login_attempt::Column::Ip.eq(ip));
    let pair = from_ip
        .clone()
        .filter(login_attempt::Column::Account.eq(account));
    let last_success = pair
        .clone()
        .filter(login_attempt::Column::Success.eq(true))
        .order_by_desc(login_attempt::Column::Id)
        .one(conn)
        .await?
        .map(|a| a.created_at);
    let pair_since = last_success.map_or(since, |s| std::cmp::max(s, since));
    let by_pair = count_failures(
        conn,
        pair.filter(login_attempt::Column::CreatedAt.gt(pair_since)),
    )
    .await?;
    let by_ip = count_failures(
        conn,
        from_ip.filter(login_attempt::Column::CreatedAt.gt(since)),
    )
    .await?;
    Ok((by_pair, by_ip))
}

impl Store {
    /// Recent failed logins of an account from an address, and from the address.
    pub async fn recent_login_failures(
        &self,
        account: &str,
        ip: &str,
    ) -> Result<(Failures, Failures)> {
        failures(&self.db, account, ip, self.clock.now()).await
    }

    /// Check a password, throttled: after a few failures of the account from the
    /// address (or many from the address), each try waits for a backoff that doubles
    /// with every further failure. The attempt is claimed (recorded as a failure) in the
    /// same transaction that counts earlier failures, before the password is checked, so
    /// parallel guesses cannot all slip under the limit; a right password then turns the
    /// claim into a success. Unknown accounts take the same time as wrong passwords and
    /// get the same answer.
    pub async fn check_login(&self, email: &str, password: &str, ip: &str) -> Result<LoginOutcome> {
        let account = email.trim().to_lowercase();
        let txn = self.begin_write().await?;
        if self.backend() == sea_orm::DbBackend::Postgres {
            // Serialize attempts from one address: every count consulted is of that
            // address's attempts (SQLite has one writer anyway).
            txn.execute_raw(sea_orm::Statement::from_sql_and_values(
                sea_orm::DbBackend::Postgres,
                "SELECT pg_advisory_xact_lock(hashtext($1))",
                [format!("login:{ip}").into()],
            ))
            .await?;
        }
        // The store's clock, so tests can move past a backoff without sleeping.
        let at = self.clock.now();
        let (by_pair, by_ip) = failures(&txn, &account, ip, at).await?;
        let wait = std::cmp::max(
            by_pair.wait_at(FREE_FAILURES_PER_PAIR, at),
            by_ip.wait_at(FREE_FAILURES_PER_ADDRESS, at),
        );
        if wait > Duration::zero() {
            txn.rollback().await?;
            return Ok(LoginOutcome::Throttled { wait });
        }
        let attempt = login_attempt::Entity::insert(login_attempt::ActiveModel {
            account: Set(account.clone()),
            ip: Set(ip.to_string()),
            success: Set(false),
            created_at: Set(at),
            ..Default::default()
        })
        .exec(&txn)
        .await?
        .last_insert_id;
        txn.commit().await?;

        let m = user::Entity::find()
            .filter(user::Column::Email.eq(account.as_str()))
            .one(&self.db)
            .await?;
        let hash = m
            .as_ref()
            .filter(|m| m.active)
            .and_then(|m| m.password_hash.clone());
        let password = password.to_string();
        let ok = tokio::task::spawn_blocking(move || {
            crypto::verify_password(&password, hash.as_deref())
        })
        .await
        .map_err(|e| StoreError::Internal(e.to_string()))?;

        let txn = self.begin_write().await?;
        let actor = Actor::new(account.clone(), Some(ip.to_string()));
        audit(
            &txn,
            self.clock.now(),
            &actor,
            if ok { "login.success" } else { "login.failure" },
            &format!("account:{account}"),
            Value::Null,
        )
        .await?;
        let user = match (ok, m) {
            (true, Some(m)) => {
                let stmt = Query::update()
                    .table(Alias::new("login_attempts"))
                    .value(Alias::new("success"), true)
                    .and_where(Expr::col(Alias::new("id")).eq(attempt))
                    .to_owned();
                txn.execute(&stmt).await?;
                let id = m.id;
                let mut am: user::ActiveModel = m.into();
                am.last_login_at = Set(Some(self.clock.now()));
                am.update(&txn).await?;
                Some(id)
            }
            _ => None,
        };
        txn.commit().await?;
        Ok(match user {
            Some(id) => LoginOutcome::Ok(self.user(id).await?),
            None => LoginOutcome::Wrong,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_wait_doubles_after_the_free_failures_and_is_capped() {
        let t0 = DateTime::from_timestamp(1_700_000_000, 0).unwrap();
        let f = |count| Failures {
            count,
            last: Some(t0),
        };
        assert_eq!(f(4).wait_at(5, t0), Duration::zero());
        assert_eq!(f(5).wait_at(5, t0), Duration::seconds(5));
        assert_eq!(f(6).wait_at(5, t0), Duration::seconds(10));
        assert_eq!(
            f(7).wait_at(5, t0 + Duration::seconds(3)),
            Duration::seconds(17)
        );
        assert_eq!(f(60).wait_at(5, t0), BACKOFF_MAX);
        assert_eq!(f(5).wait_at(5, t0 + Duration::seconds(9)), Duration::zero());
        assert_eq!(Failures::default().wait_at(0, t0), Duration::zero());
    }
}

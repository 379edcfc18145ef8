//! The password check and the login throttle in front of it.

use chrono::Duration;
use sea_orm::sea_query::{Alias, Expr, ExprTrait, Query};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait,
    QueryFilter, QueryOrder,
};
use serde_json::Value;

use super::{Actor, LoginOutcome, audit, crypto};
use crate::entities::{login_attempt, user};
use crate::tickets::now;
use crate::{Result, Store, StoreError};

/// The login throttle's window and limits.
pub const THROTTLE_WINDOW: Duration = Duration::minutes(15);
pub const MAX_FAILURES_PER_ACCOUNT: u64 = 5;
pub const MAX_FAILURES_PER_ADDRESS: u64 = 20;

async fn failures<C: ConnectionTrait>(conn: &C, account: &str, ip: &str) -> Result<(u64, u64)> {
    let since = now() - THROTTLE_WINDOW;
    let last_success = login_attempt::Entity::find()
        .filter(login_attempt::Column::Account.eq(account))
        .filter(login_attempt::Column::Success.eq(true))
        .order_by_desc(login_attempt::Column::Id)
        .one(conn)
        .await?
        .map(|a| a.created_at);
    let account_since = last_success.map_or(since, |s| std::cmp::max(s, since));
    let by_account = login_attempt::Entity::find()
        .filter(login_attempt::Column::Account.eq(account))
        .filter(login_attempt::Column::Success.eq(false))
        .filter(login_attempt::Column::CreatedAt.gt(account_since))
        .count(conn)
        .await?;
    let by_ip = login_attempt::Entity::find()
        .filter(login_attempt::Column::Ip.eq(ip))
        .filter(login_attempt::Column::Success.eq(false))
        .filter(login_attempt::Column::CreatedAt.gt(since))
        .count(conn)
        .await?;
    Ok((by_account, by_ip))
}

impl Store {
    /// Failed logins in the throttle window for an account and for an address.
    pub async fn recent_login_failures(&self, account: &str, ip: &str) -> Result<(u64, u64)> {
        failures(&self.db, account, ip).await
    }

    /// Check a password, throttled. The attempt is claimed (recorded as a failure) in the
    /// same transaction that counts earlier failures, before the password is checked, so
    /// parallel guesses cannot all slip under the limit; a right password then turns the
    /// claim into a success. Unknown accounts take the same time as wrong passwords and
    /// get the same answer.
    pub async fn check_login(&self, email: &str, password: &str, ip: &str) -> Result<LoginOutcome> {
        let account = email.trim().to_lowercase();
        let txn = self.begin_write().await?;
        if self.backend() == sea_orm::DbBackend::Postgres {
            // Serialize attempts on one account (SQLite has one writer anyway).
            txn.execute_raw(sea_orm::Statement::from_sql_and_values(
                sea_orm::DbBackend::Postgres,
                "SELECT pg_advisory_xact_lock(hashtext($1))",
                [format!("login:{account}").into()],
            ))
            .await?;
        }
        let (by_account, by_ip) = failures(&txn, &account, ip).await?;
        if by_account >= MAX_FAILURES_PER_ACCOUNT || by_ip >= MAX_FAILURES_PER_ADDRESS {
            txn.rollback().await?;
            return Ok(LoginOutcome::Throttled);
        }
        let attempt = login_attempt::Entity::insert(login_attempt::ActiveModel {
            account: Set(account.clone()),
            ip: Set(ip.to_string()),
            success: Set(false),
            created_at: Set(now()),
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
                am.last_login_at = Set(Some(now()));
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

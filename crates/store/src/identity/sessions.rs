//! Web sessions: the cookie's token (stored hashed), its CSRF token, lifetime and idle
//! limits.

use chrono::Duration;
use docket_core::access::{Principal, Via};
use sea_orm::sea_query::{Alias, Expr, ExprTrait, Query};
use sea_orm::{ActiveValue::Set, ConnectionTrait, EntityTrait};
use serde_json::Value;

use super::{Actor, NewSession, TOUCH_EVERY, audit, credentials, crypto};
use crate::entities::session;
use crate::{Result, Store};

/// Sessions end this long after login, however active.
pub const SESSION_LIFETIME: Duration = Duration::days(7);
/// ... and after this long without a request.
pub const SESSION_IDLE: Duration = Duration::hours(12);

impl Store {
    pub async fn create_session(
        &self,
        user_id: i64,
        ip: Option<&str>,
        user_agent: Option<&str>,
    ) -> Result<NewSession> {
        let token = crypto::new_token("dks");
        let csrf_token = crypto::new_token("csrf");
        let at = self.clock.now();
        let expires_at = at + SESSION_LIFETIME;
        session::Entity::insert(session::ActiveModel {
            token_hash: Set(crypto::token_hash(&token)),
            user_id: Set(user_id),
            csrf_token: Set(csrf_token.clone()),
            created_at: Set(at),
            expires_at: Set(expires_at),
            last_seen_at: Set(at),
            ip: Set(ip.map(str::to_string)),
            user_agent: Set(user_agent.map(|u| u.chars().take(300).collect())),
        })
        .exec(&self.db)
        .await?;
        Ok(NewSession {
            token,
            csrf_token,
            expires_at,
        })
    }

    /// The caller behind a session cookie, with the session's CSRF token; None when the
    /// session is unknown, ended, expired or idle too long, or its user is inactive.
    pub async fn session_principal(&self, token: &str) -> Result<Option<(Principal, String)>> {
        let found = credentials::find::<session::Entity, _>(
            &self.db,
            session::Column::TokenHash,
            crypto::token_hash(token),
        )
        .await?;
        let Some((s, holder)) = found else {
            return Ok(None);
        };
        let at = self.clock.now();
        if s.expires_at <= at || s.last_seen_at + SESSION_IDLE <= at {
            session::Entity::delete_by_id(s.token_hash.clone())
                .exec(&self.db)
                .await?;
            return Ok(None);
        }
        let Some(holder) = holder else {
            return Ok(None);
        };
        if at - s.last_seen_at > TOUCH_EVERY {
            let stmt = Query::update()
                .table(Alias::new("sessions"))
                .value(Alias::new("last_seen_at"), at)
                .and_where(Expr::col(Alias::new("token_hash")).eq(s.token_hash.clone()))
                .to_owned();
            self.db.execute(&stmt).await?;
        }
        Ok(Some((holder.acting(Via::Session), s.csrf_token)))
    }
    pub async fn end_session(&self, token: &str, actor: &Actor) -> Result<()> {
        let txn = self.begin_write().await?;
        session::Entity::delete_by_id(crypto::token_hash(token))
            .exec(&txn)
            .await?;
        audit(
            &txn,
            self.clock.now(),
            actor,
            "logout",
            &format!("account:{}", actor.name),
            Value::Null,
        )
        .await?;
        txn.commit().await?;
        Ok(())
    }
}

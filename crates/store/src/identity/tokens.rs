//! API tokens: shown once, stored as hashes, scoped, expiring, revocable.

use chrono::{DateTime, Utc};
use docket_core::access::{Principal, Scope, Via};
use sea_orm::sea_query::{Alias, Expr, ExprTrait, Query};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter,
    QueryOrder,
};
use serde_json::Value;

use super::principals::Kept;
use super::{Actor, ApiToken, TOUCH_EVERY, audit, check_name, credentials, crypto, field_error};
use crate::entities::{api_token, user};
use crate::{Result, Store, StoreError};

fn parse_scopes(s: &str) -> Vec<Scope> {
    s.split(',').filter_map(Scope::parse).collect()
}

fn token_out(m: api_token::Model) -> ApiToken {
    ApiToken {
        id: m.id,
        user_id: m.user_id,
        name: m.name,
        prefix: m.prefix,
        scopes: parse_scopes(&m.scopes),
        expires_at: m.expires_at,
        last_used_at: m.last_used_at,
        created_by: m.created_by,
        created_at: m.created_at,
        revoked_at: m.revoked_at,
    }
}

impl Store {
    /// Create a token for `user_id`; the token is returned once and stored hashed.
    pub async fn create_token(
        &self,
        user_id: i64,
        name: &str,
        scopes: &[Scope],
        expires_at: Option<DateTime<Utc>>,
        created_by: i64,
        actor: &Actor,
    ) -> Result<(String, ApiToken)> {
        let mut errors = Vec::new();
        check_name(name, "/name", &mut errors);
        if scopes.is_empty() {
            errors.push(field_error(
                "/scopes",
                "name at least one scope: read, write or admin",
            ));
        }
        if expires_at.is_some_and(|e| e <= self.clock.now()) {
            errors.push(field_error("/expires_at", "the expiry is in the past"));
        }
        if !errors.is_empty() {
            return Err(StoreError::Invalid(errors));
        }
        let token = crypto::new_token("dkt");
        let mut scopes = scopes.to_vec();
        scopes.sort();
        scopes.dedup();
        let txn = self.begin_write().await?;
        if user::Entity::find_by_id(user_id).one(&txn).await?.is_none() {
            return Err(StoreError::NotFound(format!("user {user_id}")));
        }
        let inserted = api_token::Entity::insert(api_token::ActiveModel {
            user_id: Set(user_id),
            name: Set(name.trim().to_string()),
            token_hash: Set(crypto::token_hash(&token)),
            prefix: Set(token.chars().take(12).collect()),
            scopes: Set(scopes
                .iter()
                .map(|s| s.as_str())
                .collect::<Vec<_>>()
                .join(",")),
            expires_at: Set(expires_at),
            last_used_at: Set(None),
            created_by: Set(Some(created_by)),
            created_at: Set(self.clock.now()),
            revoked_at: Set(None),
            ..Default::default()
        })
        .exec_with_returning(&txn)
        .await?;
        audit(
            &txn,
            self.clock.now(),
            actor,
            "token.create",
            &format!("token:{}", inserted.id),
            serde_json::json!({"user_id": user_id, "name": name, "scopes": scopes.iter().map(|s| s.as_str()).collect::<Vec<_>>()}),
        )
        .await?;
        txn.commit().await?;
        Ok((token, token_out(inserted)))
    }

    pub async fn tokens(&self, user_id: Option<i64>) -> Result<Vec<ApiToken>> {
        let mut q = api_token::Entity::find();
        if let Some(u) = user_id {
            q = q.filter(api_token::Column::UserId.eq(u));
        }
        Ok(q.order_by_asc(api_token::Column::Id)
            .all(&self.db)
            .await?
            .into_iter()
            .map(token_out)
            .collect())
    }

    pub async fn token(&self, id: i64) -> Result<ApiToken> {
        api_token::Entity::find_by_id(id)
            .one(&self.db)
            .await?
            .map(token_out)
            .ok_or_else(|| StoreError::NotFound(format!("token {id}")))
    }

    pub async fn revoke_token(&self, id: i64, actor: &Actor) -> Result<ApiToken> {
        let txn = self.begin_write().await?;
        let m = api_token::Entity::find_by_id(id)
            .one(&txn)
            .await?
            .ok_or_else(|| StoreError::NotFound(format!("token {id}")))?;
        if m.revoked_at.is_none() {
            let mut am: api_token::ActiveModel = m.into();
            am.revoked_at = Set(Some(self.clock.now()));
            am.update(&txn).await?;
            audit(
                &txn,
                self.clock.now(),
                actor,
                "token.revoke",
                &format!("token:{id}"),
                Value::Null,
            )
            .await?;
        }
        txn.commit().await?;
        // This instance forgets at once; the others when the notification arrives.
        self.principals.forget_all();
        self.token(id).await
    }

    /// The caller behind a bearer token; None when it is unknown, revoked or expired,
    /// or its user is inactive.
    pub async fn token_principal(&self, token: &str) -> Result<Option<Principal>> {
        self.listen_for_access_changes();
        let hash = crypto::token_hash(token);
        let at = self.clock.now();
        if let Some(kept) = self.principals.get(&hash) {
            if kept.expires_at.is_some_and(|e| e <= at) {
                return Ok(None);
            }
            if kept.last_used_at.is_none_or(|l| at - l > TOUCH_EVERY) {
                touch(self, kept.token_id, at).await?;
                self.principals.used(&hash, at);
            }
            return Ok(Some(kept.principal));
        }
        let generation = self.principals.lookup_starts();
        let Some(kept) = self.look_up_token(&hash, at).await? else {
            return Ok(None);
        };
        if let Some(generation) = generation {
            self.principals.keep(generation, hash, kept.clone());
        }
        Ok(Some(kept.principal))
    }

    /// The caller behind a bearer token as the database has it now, past what is kept:
    /// for checking a long-lived response's caller again after access changed.
    pub async fn token_principal_now(&self, token: &str) -> Result<Option<Principal>> {
        let found = self
            .look_up_token(&crypto::token_hash(token), self.clock.now())
            .await?;
        Ok(found.map(|kept| kept.principal))
    }

    /// A token's principal from the database (None when unknown, revoked, expired or its
    /// user inactive), its use recorded.
    async fn look_up_token(
        &self,
        hash: &str,
        at: chrono::DateTime<chrono::Utc>,
    ) -> Result<Option<Kept>> {
        let found = credentials::find::<api_token::Entity, _>(
            &self.db,
            api_token::Column::TokenHash,
            hash.to_string(),
        )
        .await?;
        let Some((t, Some(holder))) = found else {
            return Ok(None);
        };
        if t.revoked_at.is_some() || t.expires_at.is_some_and(|e| e <= at) {
            return Ok(None);
        }
        let mut last_used_at = t.last_used_at;
        if t.last_used_at.is_none_or(|l| at - l > TOUCH_EVERY) {
            touch(self, t.id, at).await?;
            last_used_at = Some(at);
        }
        Ok(Some(Kept {
            principal: holder.acting(Via::Token {
                id: t.id,
                scopes: parse_scopes(&t.scopes),
            }),
            token_id: t.id,
            expires_at: t.expires_at,
            last_used_at,
        }))
    }
}

/// Record that a token was used (at most every `TOUCH_EVERY`).
async fn touch(store: &Store, token_id: i64, at: chrono::DateTime<chrono::Utc>) -> Result<()> {
    let stmt = Query::update()
        .table(Alias::new("api_tokens"))
        .value(Alias::new("last_used_at"), at)
        .and_where(Expr::col(Alias::new("id")).eq(token_id))
        .to_owned();
    store.db.execute(&stmt).await?;
    Ok(())
}

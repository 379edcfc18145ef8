//! First start: a one-time setup token that creates the first admin.

use chrono::Duration;
use docket_core::access::{Role, UserKind};
use sea_orm::sea_query::{Alias, Expr, ExprTrait, Query};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter,
};

use super::users::insert_user;
use super::{Actor, NewUser, User, crypto};
use crate::entities::{setup_token, user};
use crate::{Result, Store, StoreError};

impl Store {
    /// A one-time token that lets whoever holds it create the first admin.
    pub async fn create_setup_token(&self, valid_for: Duration) -> Result<String> {
        let token = crypto::new_token("setup");
        let at = self.clock.now();
        setup_token::Entity::insert(setup_token::ActiveModel {
            token_hash: Set(crypto::token_hash(&token)),
            created_at: Set(at),
            expires_at: Set(at + valid_for),
            used_at: Set(None),
        })
        .exec(&self.db)
        .await?;
        Ok(token)
    }

    /// Create the first admin with a setup token. Refused once any admin exists. One
    /// transaction: the token is spent only together with the admin it creates, and two
    /// requests racing with one token cannot both succeed.
    pub async fn complete_setup(
        &self,
        token: &str,
        new: NewUser,
        ip: Option<String>,
    ) -> Result<User> {
        let email = new.email.clone();
        let new = NewUser {
            role: Role::Admin,
            kind: UserKind::Person,
            ..new
        };
        let txn = self.begin_write().await?;
        let at = self.clock.now();
        let claim = Query::update()
            .table(Alias::new("setup_tokens"))
            .value(Alias::new("used_at"), at)
            .and_where(Expr::col(Alias::new("token_hash")).eq(crypto::token_hash(token)))
            .and_where(Expr::col(Alias::new("used_at")).is_null())
            .and_where(Expr::col(Alias::new("expires_at")).gt(at))
            .to_owned();
        if txn.execute(&claim).await?.rows_affected() != 1 {
            txn.rollback().await?;
            return Err(StoreError::Forbidden(
                "the setup token is unknown, used or expired".into(),
            ));
        }
        let admins = user::Entity::find()
            .filter(user::Column::Role.eq("admin"))
            .filter(user::Column::Active.eq(true))
            .count(&txn)
            .await?;
        if admins > 0 {
            txn.rollback().await?;
            return Err(StoreError::Forbidden(
                "setup is done: an admin exists".into(),
            ));
        }
        let id = insert_user(
            &txn,
            &new,
            &Actor::new(format!("setup ({email})"), ip),
            self.clock.now(),
        )
        .await?;
        txn.commit().await?;
        self.user(id).await
    }
}

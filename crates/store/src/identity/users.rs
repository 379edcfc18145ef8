//! Users: people (with a password) and service accounts (API tokens only); roles, skills,
//! capacity, and the rule that the last active admin stays.

use chrono::{DateTime, Utc};
use docket_core::access::{Role, UserKind};
use docket_core::routing::Availability;
use docket_core::typedef::FieldError;
use sea_orm::sea_query::{Alias, Expr, ExprTrait, Query};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait,
    QueryFilter, QueryOrder, QuerySelect,
};
use serde_json::Value;

use super::crypto::MIN_PASSWORD_LEN;
use super::{Actor, NewUser, User, UserPatch, audit, check_name, crypto, field_error};
use crate::entities::{session, user};
use crate::{Result, Store, StoreError};

fn normalize_email(email: &str, errors: &mut Vec<FieldError>) -> String {
    let e = email.trim().to_lowercase();
    let ok = e.len() <= 254
        && !e.chars().any(char::is_whitespace)
        && e.split_once('@')
            .is_some_and(|(l, d)| !l.is_empty() && d.contains('.') && !d.starts_with('.'));
    if !ok {
        errors.push(field_error("/email", "not an email address"));
    }
    e
}

fn check_password(password: &str, errors: &mut Vec<FieldError>) {
    let n = password.chars().count();
    if n < MIN_PASSWORD_LEN {
        errors.push(field_error(
            "/password",
            format!("at least {MIN_PASSWORD_LEN} characters"),
        ));
    } else if n > 1024 {
        errors.push(field_error("/password", "at most 1024 characters"));
    }
}

fn check_skills(skills: &[String], errors: &mut Vec<FieldError>) -> Vec<String> {
    let mut out = Vec::new();
    for (i, s) in skills.iter().enumerate() {
        let s = s.trim().to_lowercase();
        if s.is_empty() || s.len() > 64 || s.chars().any(|c| c.is_whitespace() || c == ',') {
            errors.push(field_error(
                &format!("/skills/{i}"),
                "skills are 1 to 64 characters without spaces or commas",
            ));
        } else if !out.contains(&s) {
            out.push(s);
        }
    }
    out
}

fn check_capacity(capacity: i32, errors: &mut Vec<FieldError>) {
    if !(0..=1000).contains(&capacity) {
        errors.push(field_error("/capacity", "between 0 and 1000 open tickets"));
    }
}

/// Check and insert a user inside the caller's transaction (with its audit entry).
pub(super) async fn insert_user<C: ConnectionTrait>(
    conn: &C,
    new: &NewUser,
    actor: &Actor,
    at: DateTime<Utc>,
) -> Result<i64> {
    let mut errors = Vec::new();
    let email = normalize_email(&new.email, &mut errors);
    check_name(&new.display_name, "/display_name", &mut errors);
    let skills = check_skills(&new.skills, &mut errors);
    let capacity = new.capacity.unwrap_or(10);
    check_capacity(capacity, &mut errors);
    match (new.kind, &new.password) {
        (UserKind::Service, Some(_)) => errors.push(field_error(
            "/password",
            "service accounts use API tokens, not passwords",
        )),
        (_, Some(p)) => check_password(p, &mut errors),
        _ => {}
    }
    if !errors.is_empty() {
        return Err(StoreError::Invalid(errors));
    }
    if user::Entity::find()
        .filter(user::Column::Email.eq(email.as_str()))
        .one(conn)
        .await?
        .is_some()
    {
        return Err(StoreError::Conflict(format!(
            "a user with the email {email} exists"
        )));
    }
    let inserted = user::Entity::insert(user::ActiveModel {
        email: Set(email.clone()),
        display_name: Set(new.display_name.trim().to_string()),
        role: Set(new.role.as_str().to_string()),
        active: Set(true),
        kind: Set(new.kind.as_str().to_string()),
        password_hash: Set(new.password.as_deref().map(crypto::hash_password)),
        skills: Set(serde_json::to_string(&skills).expect("strings serialize")),
        capacity: Set(capacity),
        created_at: Set(at),
        updated_at: Set(at),
        last_login_at: Set(None),
        ..Default::default()
    })
    .exec_with_returning(conn)
    .await?;
    audit(
        conn,
        at,
        actor,
        "user.create",
        &format!("user:{}", inserted.id),
        serde_json::json!({"email": email, "role": new.role.as_str(), "kind": new.kind.as_str()}),
    )
    .await?;
    Ok(inserted.id)
}

async fn teams_of<C: ConnectionTrait>(conn: &C, user_ids: &[i64]) -> Result<Vec<(i64, String)>> {
    if user_ids.is_empty() {
        return Ok(Vec::new());
    }
    let stmt = Query::select()
        .column((Alias::new("m"), Alias::new("user_id")))
        .column((Alias::new("t"), Alias::new("slug")))
        .from_as(Alias::new("team_members"), Alias::new("m"))
        .inner_join(
            sea_orm::sea_query::TableRef::Table(
                Alias::new("teams").into(),
                Some(Alias::new("t").into()),
            ),
            Expr::col((Alias::new("t"), Alias::new("id")))
                .equals((Alias::new("m"), Alias::new("team_id"))),
        )
        .and_where(
            Expr::col((Alias::new("m"), Alias::new("user_id"))).is_in(user_ids.iter().copied()),
        )
        .order_by(
            (Alias::new("t"), Alias::new("slug")),
            sea_orm::sea_query::Order::Asc,
        )
        .to_owned();
    let mut out = Vec::new();
    for row in conn.query_all(&stmt).await? {
        out.push((row.try_get("", "user_id")?, row.try_get("", "slug")?));
    }
    Ok(out)
}

pub(super) async fn users_out<C: ConnectionTrait>(
    conn: &C,
    models: Vec<user::Model>,
) -> Result<Vec<User>> {
    let ids: Vec<i64> = models.iter().map(|m| m.id).collect();
    let teams = teams_of(conn, &ids).await?;
    Ok(models
        .into_iter()
        .map(|m| User {
            teams: teams
                .iter()
                .filter(|(u, _)| *u == m.id)
                .map(|(_, s)| s.clone())
                .collect(),
            role: Role::parse(&m.role).unwrap_or(Role::Viewer),
            kind: UserKind::parse(&m.kind).unwrap_or(UserKind::Person),
            skills: serde_json::from_str(&m.skills).unwrap_or_default(),
            has_password: m.password_hash.is_some(),
            id: m.id,
            email: m.email,
            display_name: m.display_name,
            active: m.active,
            capacity: m.capacity,
            availability: Availability::parse(&m.availability).unwrap_or_default(),
            created_at: m.created_at,
            updated_at: m.updated_at,
            last_login_at: m.last_login_at,
        })
        .collect())
}

impl Store {
    pub async fn create_user(&self, new: NewUser, actor: &Actor) -> Result<User> {
        let txn = self.begin_write().await?;
        let id = insert_user(&txn, &new, actor, self.clock.now()).await?;
        txn.commit().await?;
        self.user(id).await
    }

    pub async fn user(&self, id: i64) -> Result<User> {
        let m = user::Entity::find_by_id(id)
            .one(&self.db)
            .await?
            .ok_or_else(|| StoreError::NotFound(format!("user {id}")))?;
        Ok(users_out(&self.db, vec![m]).await?.remove(0))
    }

    pub async fn user_by_email(&self, email: &str) -> Result<Option<User>> {
        let m = user::Entity::find()
            .filter(user::Column::Email.eq(email.trim().to_lowercase()))
            .one(&self.db)
            .await?;
        Ok(match m {
            Some(m) => Some(users_out(&self.db, vec![m]).await?.remove(0)),
            None => None,
        })
    }

    pub async fn users(&self) -> Result<Vec<User>> {
        let models = user::Entity::find()
            .order_by_asc(user::Column::Id)
            .all(&self.db)
            .await?;
        users_out(&self.db, models).await
    }

    pub async fn active_admin_count(&self) -> Result<u64> {
        Ok(user::Entity::find()
            .filter(user::Column::Role.eq("admin"))
            .filter(user::Column::Active.eq(true))
            .count(&self.db)
            .await?)
    }

    /// Change a user. The last active admin can be neither demoted nor deactivated, so an
    /// install never locks itself out. Deactivating ends the user's sessions.
    pub async fn update_user(&self, id: i64, patch: UserPatch, actor: &Actor) -> Result<User> {
        let mut errors = Vec::new();
        if let Some(n) = &patch.display_name {
            check_name(n, "/display_name", &mut errors);
        }
        let skills = patch.skills.as_ref().map(|s| check_skills(s, &mut errors));
        if let Some(c) = patch.capacity {
            check_capacity(c, &mut errors);
        }
        if let Some(p) = &patch.password {
            check_password(p, &mut errors);
        }
        if !errors.is_empty() {
            return Err(StoreError::Invalid(errors));
        }
        let txn = self.begin_write().await?;
        let m = user::Entity::find_by_id(id)
            .one(&txn)
            .await?
            .ok_or_else(|| StoreError::NotFound(format!("user {id}")))?;
        if patch.password.is_some() && m.kind == "service" {
            return Err(StoreError::invalid(
                "/password",
                "service accounts use API tokens, not passwords",
            ));
        }
        let was_active_admin = m.role == "admin" && m.active;
        let stays_admin = patch.role.map_or(m.role == "admin", |r| r == Role::Admin)
            && patch.active.unwrap_or(m.active);
        if was_active_admin && !stays_admin {
            if self.backend() == sea_orm::DbBackend::Postgres {
                // Two admins demoting each other at once must not both see the other.
                txn.execute_raw(sea_orm::Statement::from_string(
                    sea_orm::DbBackend::Postgres,
                    "SELECT pg_advisory_xact_lock(hashtext('docket:admins'))",
                ))
                .await?;
            }
            let admins = user::Entity::find()
                .filter(user::Column::Role.eq("admin"))
                .filter(user::Column::Active.eq(true))
                .count(&txn)
                .await?;
            if admins <= 1 {
                return Err(StoreError::Conflict(
                    "this is the last active admin: make another admin first".into(),
                ));
            }
        }
        let mut detail = serde_json::Map::new();
        let mut am: user::ActiveModel = m.clone().into();
        if let Some(n) = &patch.display_name {
            am.display_name = Set(n.trim().to_string());
            detail.insert("display_name".into(), Value::from(n.trim()));
        }
        if let Some(r) = patch.role {
            if r.as_str() != m.role {
                detail.insert(
                    "role".into(),
                    serde_json::json!({"old": m.role, "new": r.as_str()}),
                );
            }
            am.role = Set(r.as_str().to_string());
        }
        if let Some(a) = patch.active {
            if a != m.active {
                detail.insert("active".into(), Value::Bool(a));
            }
            am.active = Set(a);
        }
        if let Some(s) = &skills {
            am.skills = Set(serde_json::to_string(s).expect("strings serialize"));
            detail.insert("skills".into(), serde_json::json!(s));
        }
        if let Some(c) = patch.capacity {
            am.capacity = Set(c);
            detail.insert("capacity".into(), Value::from(c));
        }
        if let Some(p) = &patch.password {
            am.password_hash = Set(Some(crypto::hash_password(p)));
            detail.insert("password".into(), Value::from("changed"));
        }
        am.updated_at = Set(self.clock.now());
        am.update(&txn).await?;
        if patch.active == Some(false) || patch.password.is_some() {
            // A deactivated user, or a changed password, ends the user's sessions (but
            // the one a user changed their own password in).
            let mut gone = session::Entity::delete_many().filter(session::Column::UserId.eq(id));
            if let (Some(keep), None) = (&patch.keep_session, patch.active) {
                gone = gone.filter(session::Column::TokenHash.ne(crypto::token_hash(keep)));
            }
            gone.exec(&txn).await?;
        }
        audit(
            &txn,
            self.clock.now(),
            actor,
            "user.update",
            &format!("user:{id}"),
            Value::Object(detail),
        )
        .await?;
        txn.commit().await?;
        // This instance forgets at once; the others when the notification arrives.
        self.principals.forget_all();
        self.user(id).await
    }

    /// Set whether a user takes routed tickets (themself, or an admin). Not an access
    /// change: principals and live streams are left alone.
    pub async fn set_availability(
        &self,
        id: i64,
        availability: Availability,
        actor: &Actor,
    ) -> Result<User> {
        let txn = self.begin_write().await?;
        let m = user::Entity::find_by_id(id)
            .one(&txn)
            .await?
            .ok_or_else(|| StoreError::NotFound(format!("user {id}")))?;
        if m.availability != availability.as_str() {
            let mut am: user::ActiveModel = m.clone().into();
            am.availability = Set(availability.as_str().to_string());
            am.updated_at = Set(self.clock.now());
            am.update(&txn).await?;
            audit(
                &txn,
                self.clock.now(),
                actor,
                "user.availability",
                &format!("user:{id}"),
                serde_json::json!({"old": m.availability, "new": availability.as_str()}),
            )
            .await?;
        }
        txn.commit().await?;
        self.user(id).await
    }
}

/// The ids of the active admins (those told when something needs an admin).
pub(crate) async fn active_admin_ids<C: ConnectionTrait>(conn: &C) -> Result<Vec<i64>> {
    Ok(user::Entity::find()
        .select_only()
        .column(user::Column::Id)
        .filter(user::Column::Role.eq("admin"))
        .filter(user::Column::Active.eq(true))
        .into_tuple::<i64>()
        .all(conn)
        .await?)
}

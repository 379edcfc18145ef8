//! Identity and access: users (people and service accounts), teams, web sessions, API
//! tokens, the login throttle, encrypted secrets, the admin audit log and setup tokens.

pub mod crypto;
mod secrets;

use chrono::{DateTime, Duration, Utc};
use docket_core::access::{Principal, Role, Scope, UserKind, Via};
use docket_core::typedef::{FieldError, is_identifier};
use sea_orm::sea_query::{Alias, Expr, ExprTrait, Query};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait,
    QueryFilter, QueryOrder, QuerySelect,
};
use serde_json::Value;

pub use crypto::{MIN_PASSWORD_LEN, MasterKey};
pub use secrets::SecretInfo;

use crate::entities::{
    api_token, audit_entry, login_attempt, session, setup_token, team, team_member, user,
};
use crate::tickets::now;
use crate::{Result, Store, StoreError};

/// Sessions end this long after login, however active.
pub const SESSION_LIFETIME: Duration = Duration::days(7);
/// ... and after this long without a request.
pub const SESSION_IDLE: Duration = Duration::hours(12);
/// The login throttle's window and limits.
pub const THROTTLE_WINDOW: Duration = Duration::minutes(15);
pub const MAX_FAILURES_PER_ACCOUNT: u64 = 5;
pub const MAX_FAILURES_PER_ADDRESS: u64 = 20;
/// How often last-seen and last-used times are written (not on every request).
const TOUCH_EVERY: Duration = Duration::minutes(1);

#[derive(Debug, Clone, PartialEq)]
pub struct User {
    pub id: i64,
    pub email: String,
    pub display_name: String,
    pub role: Role,
    pub kind: UserKind,
    pub active: bool,
    pub skills: Vec<String>,
    pub capacity: i32,
    pub teams: Vec<String>,
    pub has_password: bool,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub last_login_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone)]
pub struct NewUser {
    pub email: String,
    pub display_name: String,
    pub role: Role,
    pub kind: UserKind,
    pub password: Option<String>,
    pub skills: Vec<String>,
    pub capacity: Option<i32>,
}

#[derive(Debug, Clone, Default)]
pub struct UserPatch {
    pub display_name: Option<String>,
    pub role: Option<Role>,
    pub active: Option<bool>,
    pub skills: Option<Vec<String>>,
    pub capacity: Option<i32>,
    pub password: Option<String>,
    /// When the password changes, the session (its token) to keep: the user's own.
    pub keep_session: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Team {
    pub id: i64,
    pub slug: String,
    pub name: String,
    pub description: String,
    pub members: Vec<i64>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ApiToken {
    pub id: i64,
    pub user_id: i64,
    pub name: String,
    pub prefix: String,
    pub scopes: Vec<Scope>,
    pub expires_at: Option<DateTime<Utc>>,
    pub last_used_at: Option<DateTime<Utc>>,
    pub created_by: Option<i64>,
    pub created_at: DateTime<Utc>,
    pub revoked_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct AuditEntry {
    pub id: i64,
    pub actor: String,
    pub action: String,
    pub target: String,
    pub detail: Value,
    pub ip: Option<String>,
    pub created_at: DateTime<Utc>,
}

/// A new web session: the cookie value and the CSRF token the page must echo.
#[derive(Debug, Clone)]
pub struct NewSession {
    pub token: String,
    pub csrf_token: String,
    pub expires_at: DateTime<Utc>,
}

/// The answer to a password check.
#[derive(Debug, Clone, PartialEq)]
pub enum LoginOutcome {
    Ok(User),
    /// Wrong password, unknown or inactive account: the caller cannot tell which.
    Wrong,
    /// Too many recent failures for the account or the address.
    Throttled,
}

/// Who made a change, from where (for the audit log).
#[derive(Debug, Clone, Default)]
pub struct Actor {
    pub name: String,
    pub ip: Option<String>,
}

impl Actor {
    pub fn new(name: impl Into<String>, ip: Option<String>) -> Actor {
        Actor {
            name: name.into(),
            ip,
        }
    }
}

fn field_error(pointer: &str, message: impl Into<String>) -> FieldError {
    FieldError {
        pointer: pointer.into(),
        message: message.into(),
    }
}

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

pub(crate) fn check_name(name: &str, pointer: &str, errors: &mut Vec<FieldError>) {
    let n = name.trim().chars().count();
    if n == 0 || n > 100 {
        errors.push(field_error(pointer, "between 1 and 100 characters"));
    }
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

/// Record an entry in the admin audit log (inside the caller's transaction).
pub(crate) async fn audit<C: ConnectionTrait>(
    conn: &C,
    actor: &Actor,
    action: &str,
    target: &str,
    detail: Value,
) -> Result<()> {
    audit_entry::Entity::insert(audit_entry::ActiveModel {
        actor: Set(actor.name.clone()),
        action: Set(action.to_string()),
        target: Set(target.to_string()),
        detail: Set(detail.to_string()),
        ip: Set(actor.ip.clone()),
        created_at: Set(now()),
        ..Default::default()
    })
    .exec(conn)
    .await?;
    Ok(())
}

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

/// Check and insert a user inside the caller's transaction (with its audit entry).
async fn insert_user<C: ConnectionTrait>(conn: &C, new: &NewUser, actor: &Actor) -> Result<i64> {
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
    let at = now();
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

async fn users_out<C: ConnectionTrait>(conn: &C, models: Vec<user::Model>) -> Result<Vec<User>> {
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
            created_at: m.created_at,
            updated_at: m.updated_at,
            last_login_at: m.last_login_at,
        })
        .collect())
}

async fn team_row<C: ConnectionTrait>(conn: &C, slug: &str) -> Result<team::Model> {
    team::Entity::find()
        .filter(team::Column::Slug.eq(slug))
        .one(conn)
        .await?
        .ok_or_else(|| StoreError::NotFound(format!("team `{slug}`")))
}

fn principal(u: &User, via: Via) -> Principal {
    Principal {
        user_id: u.id,
        email: u.email.clone(),
        role: u.role,
        teams: u.teams.clone(),
        via,
    }
}

impl Store {
    // ---- users ----

    pub async fn create_user(&self, new: NewUser, actor: &Actor) -> Result<User> {
        let txn = self.begin_write().await?;
        let id = insert_user(&txn, &new, actor).await?;
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
        am.updated_at = Set(now());
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
            actor,
            "user.update",
            &format!("user:{id}"),
            Value::Object(detail),
        )
        .await?;
        txn.commit().await?;
        self.user(id).await
    }

    // ---- teams ----

    pub async fn teams(&self) -> Result<Vec<Team>> {
        let teams = team::Entity::find()
            .order_by_asc(team::Column::Slug)
            .all(&self.db)
            .await?;
        let members = team_member::Entity::find().all(&self.db).await?;
        Ok(teams
            .into_iter()
            .map(|t| Team {
                members: members
                    .iter()
                    .filter(|m| m.team_id == t.id)
                    .map(|m| m.user_id)
                    .collect(),
                id: t.id,
                slug: t.slug,
                name: t.name,
                description: t.description,
            })
            .collect())
    }

    pub async fn team(&self, slug: &str) -> Result<Team> {
        let t = team_row(&self.db, slug).await?;
        let members = team_member::Entity::find()
            .filter(team_member::Column::TeamId.eq(t.id))
            .order_by_asc(team_member::Column::UserId)
            .all(&self.db)
            .await?;
        Ok(Team {
            members: members.into_iter().map(|m| m.user_id).collect(),
            id: t.id,
            slug: t.slug,
            name: t.name,
            description: t.description,
        })
    }

    pub async fn create_team(
        &self,
        slug: &str,
        name: &str,
        description: &str,
        actor: &Actor,
    ) -> Result<Team> {
        let mut errors = Vec::new();
        if !is_identifier(slug) {
            errors.push(field_error(
                "/slug",
                "lower-case letters, digits and _, starting with a letter",
            ));
        }
        check_name(name, "/name", &mut errors);
        if !errors.is_empty() {
            return Err(StoreError::Invalid(errors));
        }
        let txn = self.begin_write().await?;
        if team::Entity::find()
            .filter(team::Column::Slug.eq(slug))
            .one(&txn)
            .await?
            .is_some()
        {
            return Err(StoreError::Conflict(format!("team `{slug}` exists")));
        }
        let at = now();
        team::Entity::insert(team::ActiveModel {
            slug: Set(slug.to_string()),
            name: Set(name.trim().to_string()),
            description: Set(description.to_string()),
            created_at: Set(at),
            updated_at: Set(at),
            ..Default::default()
        })
        .exec(&txn)
        .await?;
        audit(
            &txn,
            actor,
            "team.create",
            &format!("team:{slug}"),
            serde_json::json!({"name": name}),
        )
        .await?;
        txn.commit().await?;
        self.team(slug).await
    }

    pub async fn update_team(
        &self,
        slug: &str,
        name: Option<&str>,
        description: Option<&str>,
        actor: &Actor,
    ) -> Result<Team> {
        let mut errors = Vec::new();
        if let Some(n) = name {
            check_name(n, "/name", &mut errors);
        }
        if !errors.is_empty() {
            return Err(StoreError::Invalid(errors));
        }
        let txn = self.begin_write().await?;
        let t = team_row(&txn, slug).await?;
        let mut am: team::ActiveModel = t.into();
        if let Some(n) = name {
            am.name = Set(n.trim().to_string());
        }
        if let Some(d) = description {
            am.description = Set(d.to_string());
        }
        am.updated_at = Set(now());
        am.update(&txn).await?;
        audit(
            &txn,
            actor,
            "team.update",
            &format!("team:{slug}"),
            serde_json::json!({"name": name, "description": description}),
        )
        .await?;
        txn.commit().await?;
        self.team(slug).await
    }

    pub async fn delete_team(&self, slug: &str, actor: &Actor) -> Result<()> {
        let txn = self.begin_write().await?;
        let t = team_row(&txn, slug).await?;
        // tickets.team_id has no foreign key (SQLite cannot add one to an existing
        // table): the team's tickets lose their team here, each as a change of its own
        // (event, version, live update).
        crate::tickets::write::clear_team(&txn, t.id, slug, &actor.name, self.clock.now()).await?;
        team::Entity::delete_by_id(t.id).exec(&txn).await?;
        audit(
            &txn,
            actor,
            "team.delete",
            &format!("team:{slug}"),
            Value::Null,
        )
        .await?;
        txn.commit().await?;
        Ok(())
    }

    pub async fn set_team_member(
        &self,
        slug: &str,
        user_id: i64,
        member: bool,
        actor: &Actor,
    ) -> Result<Team> {
        let txn = self.begin_write().await?;
        let t = team_row(&txn, slug).await?;
        if user::Entity::find_by_id(user_id).one(&txn).await?.is_none() {
            return Err(StoreError::NotFound(format!("user {user_id}")));
        }
        let existing = team_member::Entity::find_by_id((t.id, user_id))
            .one(&txn)
            .await?;
        match (member, existing) {
            (true, None) => {
                team_member::Entity::insert(team_member::ActiveModel {
                    team_id: Set(t.id),
                    user_id: Set(user_id),
                    created_at: Set(now()),
                })
                .exec(&txn)
                .await?;
                audit(
                    &txn,
                    actor,
                    "team.member.add",
                    &format!("team:{slug}"),
                    serde_json::json!({"user_id": user_id}),
                )
                .await?;
            }
            (false, Some(_)) => {
                team_member::Entity::delete_by_id((t.id, user_id))
                    .exec(&txn)
                    .await?;
                audit(
                    &txn,
                    actor,
                    "team.member.remove",
                    &format!("team:{slug}"),
                    serde_json::json!({"user_id": user_id}),
                )
                .await?;
            }
            _ => {}
        }
        txn.commit().await?;
        self.team(slug).await
    }

    // ---- login, sessions ----

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

    pub async fn create_session(
        &self,
        user_id: i64,
        ip: Option<&str>,
        user_agent: Option<&str>,
    ) -> Result<NewSession> {
        let token = crypto::new_token("dks");
        let csrf_token = crypto::new_token("csrf");
        let at = now();
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
        let Some(s) = session::Entity::find_by_id(crypto::token_hash(token))
            .one(&self.db)
            .await?
        else {
            return Ok(None);
        };
        let at = now();
        if s.expires_at <= at || s.last_seen_at + SESSION_IDLE <= at {
            session::Entity::delete_by_id(s.token_hash.clone())
                .exec(&self.db)
                .await?;
            return Ok(None);
        }
        let Some(u) = self.active_user(s.user_id).await? else {
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
        Ok(Some((principal(&u, Via::Session), s.csrf_token)))
    }

    async fn active_user(&self, id: i64) -> Result<Option<User>> {
        let Some(m) = user::Entity::find_by_id(id).one(&self.db).await? else {
            return Ok(None);
        };
        if !m.active {
            return Ok(None);
        }
        Ok(Some(users_out(&self.db, vec![m]).await?.remove(0)))
    }

    pub async fn end_session(&self, token: &str, actor: &Actor) -> Result<()> {
        let txn = self.begin_write().await?;
        session::Entity::delete_by_id(crypto::token_hash(token))
            .exec(&txn)
            .await?;
        audit(
            &txn,
            actor,
            "logout",
            &format!("account:{}", actor.name),
            Value::Null,
        )
        .await?;
        txn.commit().await?;
        Ok(())
    }

    // ---- API tokens ----

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
        if expires_at.is_some_and(|e| e <= now()) {
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
            created_at: Set(now()),
            revoked_at: Set(None),
            ..Default::default()
        })
        .exec_with_returning(&txn)
        .await?;
        audit(
            &txn,
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
            am.revoked_at = Set(Some(now()));
            am.update(&txn).await?;
            audit(
                &txn,
                actor,
                "token.revoke",
                &format!("token:{id}"),
                Value::Null,
            )
            .await?;
        }
        txn.commit().await?;
        self.token(id).await
    }

    /// The caller behind a bearer token; None when it is unknown, revoked or expired,
    /// or its user is inactive.
    pub async fn token_principal(&self, token: &str) -> Result<Option<Principal>> {
        let Some(t) = api_token::Entity::find()
            .filter(api_token::Column::TokenHash.eq(crypto::token_hash(token)))
            .one(&self.db)
            .await?
        else {
            return Ok(None);
        };
        let at = now();
        if t.revoked_at.is_some() || t.expires_at.is_some_and(|e| e <= at) {
            return Ok(None);
        }
        let Some(u) = self.active_user(t.user_id).await? else {
            return Ok(None);
        };
        if t.last_used_at.is_none_or(|l| at - l > TOUCH_EVERY) {
            let stmt = Query::update()
                .table(Alias::new("api_tokens"))
                .value(Alias::new("last_used_at"), at)
                .and_where(Expr::col(Alias::new("id")).eq(t.id))
                .to_owned();
            self.db.execute(&stmt).await?;
        }
        Ok(Some(principal(
            &u,
            Via::Token {
                id: t.id,
                scopes: parse_scopes(&t.scopes),
            },
        )))
    }

    // ---- audit log ----

    pub async fn record_audit(
        &self,
        actor: &Actor,
        action: &str,
        target: &str,
        detail: Value,
    ) -> Result<()> {
        audit(&self.db, actor, action, target, detail).await
    }

    /// Audit entries, newest first, before the entry id `before`, optionally only actions
    /// starting with `action`.
    pub async fn audit_log(
        &self,
        action: Option<&str>,
        before: Option<i64>,
        limit: u64,
    ) -> Result<Vec<AuditEntry>> {
        let mut q = audit_entry::Entity::find();
        if let Some(a) = action {
            q = q.filter(audit_entry::Column::Action.starts_with(a));
        }
        if let Some(b) = before {
            q = q.filter(audit_entry::Column::Id.lt(b));
        }
        Ok(q.order_by_desc(audit_entry::Column::Id)
            .limit(limit)
            .all(&self.db)
            .await?
            .into_iter()
            .map(|e| AuditEntry {
                id: e.id,
                actor: e.actor,
                action: e.action,
                target: e.target,
                detail: serde_json::from_str(&e.detail).unwrap_or(Value::Null),
                ip: e.ip,
                created_at: e.created_at,
            })
            .collect())
    }

    // ---- first start ----

    /// A one-time token that lets whoever holds it create the first admin.
    pub async fn create_setup_token(&self, valid_for: Duration) -> Result<String> {
        let token = crypto::new_token("setup");
        let at = now();
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
        let at = now();
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
        let id = insert_user(&txn, &new, &Actor::new(format!("setup ({email})"), ip)).await?;
        txn.commit().await?;
        self.user(id).await
    }
}

//! Identity and access: users (people and service accounts), teams, web sessions, API
//! tokens, the login throttle, encrypted secrets, the admin audit log and setup tokens.

mod audit;
mod credentials;
pub mod crypto;
mod login;
mod principals;
mod secrets;
mod sessions;
mod setup;
mod teams;
mod tokens;
mod users;

use chrono::{DateTime, Duration, Utc};
use docket_core::access::{Role, Scope, UserKind};
use docket_core::routing::{Availability, RoutingRule};
use docket_core::typedef::FieldError;
use serde_json::Value;

pub(crate) use audit::{audit, changes_access};
pub use crypto::{MIN_PASSWORD_LEN, MasterKey};
pub use login::{
    BACKOFF_FIRST, BACKOFF_MAX, FREE_FAILURES_PER_ADDRESS, FREE_FAILURES_PER_PAIR, Failures,
    THROTTLE_WINDOW,
};
pub(crate) use principals::Principals;
pub use secrets::SecretInfo;
pub(crate) use secrets::{forget_in as forget_secret_in, seal_in as seal_secret_in};
pub use sessions::{SESSION_IDLE, SESSION_LIFETIME};
pub(crate) use users::active_admin_ids;

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
    /// The most open tickets routing assigns them (0: routing gives them none; manual
    /// assignment is not capped).
    pub capacity: i32,
    /// Away: routing skips them.
    pub availability: Availability,
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
    /// How the team's new tickets reach an agent.
    pub routing: RoutingRule,
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
    /// Too many recent failures of the account from this address, or from the address:
    /// try again after `wait`.
    Throttled {
        wait: Duration,
    },
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

pub(crate) fn check_name(name: &str, pointer: &str, errors: &mut Vec<FieldError>) {
    let n = name.trim().chars().count();
    if n == 0 || n > 100 {
        errors.push(field_error(pointer, "between 1 and 100 characters"));
    }
}

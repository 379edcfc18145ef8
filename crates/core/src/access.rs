//! Who may do what. Every API operation declares what it needs ([`Need`]); a caller is a
//! [`Principal`]: a user with a role and teams, acting through a web session (everything
//! the role allows) or an API token (the role, narrowed by the token's scopes).

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Everything: types, users, teams, tokens of others, secrets, audit.
    Admin,
    /// Works the tickets of the types their teams handle.
    Agent,
    /// Reads the tickets of the types their teams handle; changes nothing.
    Viewer,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Agent => "agent",
            Role::Viewer => "viewer",
        }
    }

    pub fn parse(s: &str) -> Option<Role> {
        [Role::Admin, Role::Agent, Role::Viewer]
            .into_iter()
            .find(|r| r.as_str() == s)
    }
}

/// What an API token may be used for, on top of its owner's role.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum Scope {
    /// Reads only.
    Read,
    /// Reads and ticket work (create, update, comment).
    Write,
    /// Everything the owner's role allows, administration included.
    Admin,
}

impl Scope {
    pub fn as_str(self) -> &'static str {
        match self {
            Scope::Read => "read",
            Scope::Write => "write",
            Scope::Admin => "admin",
        }
    }

    pub fn parse(s: &str) -> Option<Scope> {
        [Scope::Read, Scope::Write, Scope::Admin]
            .into_iter()
            .find(|r| r.as_str() == s)
    }
}

/// Whether a user is a person (logs in with a password) or a service account (only
/// API tokens: the Discord adapter, an integration).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum UserKind {
    Person,
    Service,
}

impl UserKind {
    pub fn as_str(self) -> &'static str {
        match self {
            UserKind::Person => "person",
            UserKind::Service => "service",
        }
    }

    pub fn parse(s: &str) -> Option<UserKind> {
        [UserKind::Person, UserKind::Service]
            .into_iter()
            .find(|k| k.as_str() == s)
    }
}

/// What an operation needs from its caller.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Need {
    /// Any signed-in caller, any scope (their own profile, their own tokens, type schemas).
    SignedIn,
    /// Changing one's own things (profile, saved views): anyone signed in, except with a
    /// read-only token.
    OwnWrite,
    /// Reading tickets (further limited to the types the caller's teams handle).
    ReadTickets,
    /// Changing tickets: agents and admins, with a `write` or `admin` token.
    WriteTickets,
    /// Administration: admins, in a session or with an `admin` token.
    Admin,
}

/// How the caller proved who they are.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Via {
    Session,
    Token { id: i64, scopes: Vec<Scope> },
}

/// An authenticated caller.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Principal {
    pub user_id: i64,
    pub email: String,
    pub role: Role,
    /// Slugs of the teams the user belongs to.
    pub teams: Vec<String>,
    pub via: Via,
}

/// Why an authenticated caller may not do something.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Denied(pub String);

impl Principal {
    fn has_scope(&self, scope: Scope) -> bool {
        match &self.via {
            Via::Session => true,
            // `admin` implies `write` implies `read`.
            Via::Token { scopes, .. } => scopes.iter().any(|s| *s >= scope),
        }
    }

    pub fn can(&self, need: Need) -> Result<(), Denied> {
        match need {
            Need::SignedIn | Need::ReadTickets => Ok(()),
            Need::OwnWrite => {
                if self.has_scope(Scope::Write) {
                    Ok(())
                } else {
                    Err(Denied("this token is read-only".into()))
                }
            }
            Need::WriteTickets => {
                if self.role == Role::Viewer {
                    Err(Denied("viewers cannot change tickets".into()))
                } else if !self.has_scope(Scope::Write) {
                    Err(Denied(
                        "this token is read-only; a `write` token is needed".into(),
                    ))
                } else {
                    Ok(())
                }
            }
            Need::Admin => {
                if self.role != Role::Admin {
                    Err(Denied("only admins may do this".into()))
                } else if !self.has_scope(Scope::Admin) {
                    Err(Denied("this token lacks the `admin` scope".into()))
                } else {
                    Ok(())
                }
            }
        }
    }

    pub fn is_admin(&self) -> bool {
        self.role == Role::Admin
    }

    /// Whether the caller may see tickets of a type handled by `type_teams`.
    pub fn sees_type(&self, type_teams: &[String]) -> bool {
        self.is_admin() || type_teams.iter().any(|t| self.teams.contains(t))
    }

    /// How the caller appears in audit trails.
    pub fn actor(&self) -> String {
        match &self.via {
            Via::Session => self.email.clone(),
            Via::Token { id, .. } => format!("{} (token {id})", self.email),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(role: Role, via: Via) -> Principal {
        Principal {
            user_id: 1,
            email: "a@example.com".into(),
            role,
            teams: vec!["it".into()],
            via,
        }
    }

    fn token(scopes: &[Scope]) -> Via {
        Via::Token {
            id: 9,
            scopes: scopes.to_vec(),
        }
    }

    #[test]
    fn roles_and_scopes_combine() {
        assert!(p(Role::Agent, Via::Session).can(Need::WriteTickets).is_ok());
        assert!(p(Role::Agent, Via::Session).can(Need::Admin).is_err());
        assert!(
            p(Role::Viewer, Via::Session)
                .can(Need::WriteTickets)
                .is_err()
        );
        assert!(p(Role::Viewer, Via::Session).can(Need::ReadTickets).is_ok());
        assert!(
            p(Role::Admin, token(&[Scope::Read]))
                .can(Need::WriteTickets)
                .is_err()
        );
        assert!(
            p(Role::Admin, token(&[Scope::Write]))
                .can(Need::WriteTickets)
                .is_ok()
        );
        assert!(
            p(Role::Admin, token(&[Scope::Write]))
                .can(Need::Admin)
                .is_err()
        );
        assert!(
            p(Role::Admin, token(&[Scope::Admin]))
                .can(Need::Admin)
                .is_ok()
        );
        // A scope never raises a role.
        assert!(
            p(Role::Agent, token(&[Scope::Admin]))
                .can(Need::Admin)
                .is_err()
        );
        assert!(
            p(Role::Viewer, token(&[Scope::Admin]))
                .can(Need::WriteTickets)
                .is_err()
        );
    }

    #[test]
    fn teams_decide_which_types_are_visible() {
        let agent = p(Role::Agent, Via::Session);
        assert!(agent.sees_type(&["it".into(), "facilities".into()]));
        assert!(!agent.sees_type(&["facilities".into()]));
        assert!(!agent.sees_type(&[]));
        assert!(p(Role::Admin, Via::Session).sees_type(&[]));
    }
}

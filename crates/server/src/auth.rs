//! Who is calling: an API token (`Authorization: Bearer`) or a web session (the
//! `docket_session` cookie, with `X-CSRF-Token` on every unsafe method). Handlers take a
//! [`Caller`] and ask it for what they need; the authorization matrix test checks that
//! every operation does.

use std::net::SocketAddr;

use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::request::Parts;
use axum::http::{HeaderMap, Method, StatusCode, header};
use docket_core::access::{Need, Principal};
use docket_store::Store;
use docket_store::identity::Actor;

use crate::api::AppState;
use crate::error::ApiError;

pub const SESSION_COOKIE: &str = "docket_session";
pub const CSRF_HEADER: &str = "x-csrf-token";

/// How the request authenticated, if it did.
#[derive(Debug, Clone)]
pub struct Caller {
    pub principal: Option<Principal>,
    /// Set when a session cookie came without a matching CSRF token on an unsafe method.
    csrf_failure: bool,
    pub ip: Option<String>,
    /// The session cookie's value, for logout.
    pub session_token: Option<String>,
    pub csrf_token: Option<String>,
    /// The bearer token, so a long-lived response can check it again.
    bearer_token: Option<String>,
}

impl Caller {
    /// The principal, if it may do what `need` says: 401 when nobody is signed in, 403
    /// when the caller may not.
    pub fn need(&self, need: Need) -> Result<&Principal, ApiError> {
        if self.csrf_failure {
            return Err(ApiError::new(
                StatusCode::FORBIDDEN,
                "Forbidden",
                "cookie-authenticated requests that change something need the X-CSRF-Token header",
            ));
        }
        let p = self
            .principal
            .as_ref()
            .ok_or_else(ApiError::unauthenticated)?;
        p.can(need)
            .map_err(|d| ApiError::new(StatusCode::FORBIDDEN, "Forbidden", d.0))?;
        Ok(p)
    }

    /// The caller as the store sees them now, from the same token or session: None once
    /// the token is revoked or expired, the session ended, or the user deactivated.
    pub async fn principal_now(&self, store: &Store) -> docket_store::Result<Option<Principal>> {
        if let Some(token) = &self.bearer_token {
            // Past what the store keeps between requests: this is the check again.
            return store.token_principal_now(token).await;
        }
        match &self.session_token {
            Some(token) => Ok(store.session_principal(token).await?.map(|(p, _)| p)),
            None => Ok(None),
        }
    }

    /// The caller as the audit log records them.
    pub fn actor(&self) -> Actor {
        Actor::new(
            self.principal
                .as_ref()
                .map(Principal::actor)
                .unwrap_or_else(|| "anonymous".into()),
            self.ip.clone(),
        )
    }
}

/// An integration acting for a staff member (a Discord moderator who claims a ticket):
/// the user whose id this header names.
pub const ON_BEHALF_OF_HEADER: &str = "x-docket-on-behalf-of";

fn on_behalf_of(headers: &HeaderMap) -> Result<Option<i64>, ApiError> {
    let Some(value) = headers.get(ON_BEHALF_OF_HEADER) else {
        return Ok(None);
    };
    value
        .to_str()
        .ok()
        .and_then(|v| v.trim().parse::<i64>().ok())
        .map(Some)
        .ok_or_else(|| {
            ApiError::invalid_field(
                StatusCode::BAD_REQUEST,
                "/headers/x-docket-on-behalf-of",
                "name the user by their numeric id",
            )
        })
}

/// The principal a service account's token acts as for `user_id`: that user's role and
/// teams, with the token's scopes but never `admin` (an integration relays staff's
/// ticket work; it does not administer for them). Only service accounts delegate, and
/// only to active people: a person's own token acts as that person alone.
async fn delegate(store: &Store, by: Principal, user_id: i64) -> Result<Principal, ApiError> {
    use docket_core::access::{Scope, UserKind, Via};
    let forbidden =
        |detail: &str| ApiError::new(StatusCode::FORBIDDEN, "Forbidden", detail.to_string());
    let Via::Token { id, scopes } = &by.via else {
        return Err(forbidden("only API tokens act on behalf of someone"));
    };
    let acting = store.user(by.user_id).await?;
    if acting.kind != UserKind::Service {
        return Err(forbidden(
            "only service accounts' tokens act on behalf of someone",
        ));
    }
    let target = match store.user(user_id).await {
        Ok(u) if u.active && u.kind == UserKind::Person => u,
        Ok(_) | Err(docket_store::StoreError::NotFound(_)) => {
            return Err(forbidden(&format!(
                "user {user_id} is not an active person to act for"
            )));
        }
        Err(e) => return Err(e.into()),
    };
    Ok(Principal {
        user_id: target.id,
        email: target.email,
        role: target.role,
        teams: target.teams,
        via: Via::Token {
            id: *id,
            scopes: scopes.iter().map(|s| (*s).min(Scope::Write)).collect(),
        },
    })
}

pub fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.to_string())
}

fn bearer(headers: &HeaderMap) -> Option<Result<String, ()>> {
    let value = headers.get(header::AUTHORIZATION)?;
    let text = value.to_str().ok()?;
    Some(match text.split_once(' ') {
        Some((scheme, token))
            if scheme.eq_ignore_ascii_case("bearer") && !token.trim().is_empty() =>
        {
            Ok(token.trim().to_string())
        }
        _ => Err(()),
    })
}

impl FromRequestParts<AppState> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        app: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let ip = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map(|c| c.0.ip().to_string());
        let mut caller = Caller {
            principal: None,
            csrf_failure: false,
            ip,
            session_token: None,
            csrf_token: None,
            bearer_token: None,
        };
        // A bearer token, when present, decides alone: a wrong one is never ignored.
        if let Some(token) = bearer(&parts.headers) {
            let token = token.map_err(|_| {
                ApiError::unauthenticated_because("use `Authorization: Bearer <token>`")
            })?;
            let principal = app.store.token_principal(&token).await?;
            let principal = principal.ok_or_else(|| {
                ApiError::unauthenticated_because("the token is unknown, revoked or expired")
            })?;
            caller.principal = Some(match on_behalf_of(&parts.headers)? {
                Some(user_id) => delegate(&app.store, principal, user_id).await?,
                None => principal,
            });
            caller.bearer_token = Some(token);
            return Ok(caller);
        }
        if let Some(token) = cookie(&parts.headers, SESSION_COOKIE)
            && let Some((principal, csrf)) = app.store.session_principal(&token).await?
        {
            let safe = matches!(parts.method, Method::GET | Method::HEAD | Method::OPTIONS);
            if !safe {
                let sent = parts.headers.get(CSRF_HEADER).and_then(|v| v.to_str().ok());
                caller.csrf_failure = sent != Some(csrf.as_str());
            }
            caller.principal = Some(principal);
            caller.session_token = Some(token);
            caller.csrf_token = Some(csrf);
        }
        Ok(caller)
    }
}

//! API tokens: created by users for themselves, or by admins for service accounts;
//! shown once, stored hashed, scoped, revocable.

use axum::Json;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use docket_api::*;
use docket_core::access::{Need, Principal, Via};
use docket_store::identity::ApiToken;
use utoipa_axum::{router::OpenApiRouter, routes};

use super::AppState;
use super::body::{Body, parse_json, require_json};
use crate::auth::Caller;
use crate::error::{ApiError, ApiResult};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_tokens, create_token))
        .routes(routes!(revoke_token))
}

fn token_out(t: ApiToken) -> TokenOut {
    TokenOut {
        id: t.id,
        user_id: t.user_id,
        name: t.name,
        prefix: t.prefix,
        scopes: t.scopes,
        expires_at: t.expires_at,
        last_used_at: t.last_used_at,
        created_at: t.created_at,
        revoked_at: t.revoked_at,
    }
}

/// Managing tokens is done in a session, or with a token that has the `admin` scope: a
/// leaked read or write token cannot mint itself successors.
fn may_manage_tokens(p: &Principal) -> Result<(), ApiError> {
    match &p.via {
        Via::Token { scopes, .. } if !scopes.contains(&Scope::Admin) => Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "Forbidden",
            "tokens are managed in a web session or with an `admin` token",
        )),
        _ => Ok(()),
    }
}

/// List API tokens: your own, or (admins) `?user_id=` or `?all=true`
#[utoipa::path(
    get, path = "/tokens", tag = "tokens",
    params(("user_id" = Option<i64>, Query), ("all" = Option<bool>, Query)),
    responses((status = 200, body = Vec<TokenOut>), (status = 401, body = Problem, content_type = "application/problem+json"), (status = 403, body = Problem, content_type = "application/problem+json"))
)]
async fn list_tokens(
    State(app): State<AppState>,
    caller: Caller,
    RawQuery(raw): RawQuery,
) -> ApiResult<Json<Vec<TokenOut>>> {
    let p = caller.need(Need::SignedIn)?;
    let mut user_id = Some(p.user_id);
    for (k, v) in form_urlencoded::parse(raw.as_deref().unwrap_or("").as_bytes()) {
        match (k.as_ref(), v.as_ref()) {
            ("all", "true") => user_id = None,
            ("all", "false") => {}
            ("user_id", id) => {
                user_id = Some(id.parse().map_err(|_| {
                    ApiError::invalid_field(
                        StatusCode::BAD_REQUEST,
                        "/query/user_id",
                        "not a user id",
                    )
                })?)
            }
            (other, _) => {
                return Err(ApiError::invalid_field(
                    StatusCode::BAD_REQUEST,
                    &format!("/query/{other}"),
                    format!("unknown query parameter `{other}`"),
                ));
            }
        }
    }
    if user_id != Some(p.user_id) {
        caller.need(Need::Admin)?;
    }
    Ok(Json(
        app.store
            .tokens(user_id)
            .await?
            .into_iter()
            .map(token_out)
            .collect(),
    ))
}

/// Create an API token
///
/// The token is in this response only; Docket keeps a hash. Admins may create tokens for
/// another user, typically a service account.
#[utoipa::path(
    post, path = "/tokens", tag = "tokens",
    request_body = TokenCreate,
    responses(
        (status = 201, body = TokenCreated),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json"),
    )
)]
async fn create_token(
    State(app): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
    Body(bytes): Body,
) -> ApiResult<(StatusCode, Json<TokenCreated>)> {
    let p = caller.need(Need::SignedIn)?;
    may_manage_tokens(p)?;
    require_json(&headers)?;
    let input: TokenCreate = parse_json(&bytes)?;
    let owner = input.user_id.unwrap_or(p.user_id);
    if owner != p.user_id {
        caller.need(Need::Admin)?;
    }
    let (token, info) = app
        .store
        .create_token(
            owner,
            &input.name,
            &input.scopes,
            input.expires_at,
            p.user_id,
            &caller.actor(),
        )
        .await?;
    Ok((
        StatusCode::CREATED,
        Json(TokenCreated {
            token,
            info: token_out(info),
        }),
    ))
}

/// Revoke a token (your own; admins: any)
#[utoipa::path(
    delete, path = "/tokens/{id}", tag = "tokens",
    params(("id" = i64, Path)),
    responses((status = 200, body = TokenOut), (status = 401, body = Problem, content_type = "application/problem+json"), (status = 404, body = Problem, content_type = "application/problem+json"))
)]
async fn revoke_token(
    State(app): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
) -> ApiResult<Json<TokenOut>> {
    let p = caller.need(Need::SignedIn)?;
    may_manage_tokens(p)?;
    let t = app.store.token(id).await?;
    if t.user_id != p.user_id && !p.is_admin() {
        // Another user's token does not exist as far as this caller can tell.
        return Err(ApiError::not_found(format!("token {id} not found")));
    }
    Ok(Json(token_out(
        app.store.revoke_token(id, &caller.actor()).await?,
    )))
}

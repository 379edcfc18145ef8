//! Administration: secrets (write-only) and the audit log.

use axum::Json;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use docket_api::*;
use docket_core::access::Need;
use docket_store::identity::SecretInfo;
use utoipa_axum::{router::OpenApiRouter, routes};

use super::body::{Body, parse_json, require_json};
use super::{AppState, id_page};
use crate::auth::Caller;
use crate::error::{ApiError, ApiResult};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_secrets))
        .routes(routes!(put_secret, delete_secret))
        .routes(routes!(audit_log))
}

fn secret_out(s: SecretInfo) -> SecretOut {
    SecretOut {
        name: s.name,
        is_set: true,
        updated_by: s.updated_by,
        updated_at: s.updated_at,
    }
}

/// List the secrets that are set (never their values)
#[utoipa::path(
    get, path = "/secrets", tag = "admin",
    responses((status = 200, body = Vec<SecretOut>), (status = 403, body = Problem, content_type = "application/problem+json"))
)]
async fn list_secrets(
    State(app): State<AppState>,
    caller: Caller,
) -> ApiResult<Json<Vec<SecretOut>>> {
    caller.need(Need::Admin)?;
    Ok(Json(
        app.store
            .secrets()
            .await?
            .into_iter()
            .map(secret_out)
            .collect(),
    ))
}

/// Set a secret (an AI key, an SMTP password, a bot token...)
///
/// Stored encrypted with the master key. The response says it is set; no endpoint ever
/// returns the value.
#[utoipa::path(
    put, path = "/secrets/{name}", tag = "admin",
    params(("name" = String, Path, description = "e.g. openai_api_key")),
    request_body = SecretPut,
    responses(
        (status = 200, body = SecretOut),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json"),
    )
)]
async fn put_secret(
    State(app): State<AppState>,
    caller: Caller,
    Path(name): Path<String>,
    headers: HeaderMap,
    Body(bytes): Body,
) -> ApiResult<Json<SecretOut>> {
    caller.need(Need::Admin)?;
    require_json(&headers)?;
    let input: SecretPut = parse_json(&bytes)?;
    let info = app
        .store
        .set_secret(&app.master_key, &name, &input.value, &caller.actor())
        .await?;
    Ok(Json(secret_out(info)))
}

/// Delete a secret
#[utoipa::path(
    delete, path = "/secrets/{name}", tag = "admin",
    params(("name" = String, Path)),
    responses((status = 204), (status = 403, body = Problem, content_type = "application/problem+json"), (status = 404, body = Problem, content_type = "application/problem+json"))
)]
async fn delete_secret(
    State(app): State<AppState>,
    caller: Caller,
    Path(name): Path<String>,
) -> ApiResult<StatusCode> {
    caller.need(Need::Admin)?;
    app.store.delete_secret(&name, &caller.actor()).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The audit log, newest first
///
/// Logins (success and failure), logouts, token creation and revocation, user, role and
/// team changes, type applies and secret changes. Filter with `action` (a prefix, e.g.
/// `login` or `token.`); page with `cursor`.
#[utoipa::path(
    get, path = "/audit", tag = "admin",
    params(("action" = Option<String>, Query), ("limit" = Option<u32>, Query, minimum = 1, maximum = 200), ("cursor" = Option<String>, Query)),
    responses((status = 200, body = AuditPage), (status = 403, body = Problem, content_type = "application/problem+json"))
)]
async fn audit_log(
    State(app): State<AppState>,
    caller: Caller,
    RawQuery(raw): RawQuery,
) -> ApiResult<Json<AuditPage>> {
    caller.need(Need::Admin)?;
    let (mut action, mut before, mut limit) = (None, None, 50u64);
    for (k, v) in form_urlencoded::parse(raw.as_deref().unwrap_or("").as_bytes()) {
        let bad = |m: &str| {
            ApiError::invalid_field(
                StatusCode::BAD_REQUEST,
                &format!("/query/{k}"),
                m.to_string(),
            )
        };
        match k.as_ref() {
            "action" => action = Some(v.to_string()),
            "cursor" => {
                before = Some(
                    v.parse::<i64>()
                        .map_err(|_| bad("not a cursor of this list"))?,
                )
            }
            "limit" => {
                limit = v
                    .parse::<u64>()
                    .ok()
                    .filter(|n| (1..=200).contains(n))
                    .ok_or_else(|| bad("limit is a number from 1 to 200"))?
            }
            other => return Err(bad(&format!("unknown query parameter `{other}`"))),
        }
    }
    let items = app
        .store
        .audit_log(action.as_deref(), before, limit + 1)
        .await?;
    let (items, next_cursor) = id_page(items, limit, |e| e.id);
    Ok(Json(AuditPage {
        next_cursor,
        items: items
            .into_iter()
            .map(|e| AuditEntryOut {
                id: e.id,
                actor: e.actor,
                action: e.action,
                target: e.target,
                detail: e.detail,
                ip: e.ip,
                at: e.created_at,
            })
            .collect(),
    }))
}

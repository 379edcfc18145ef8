//! AI administration (settings, key, health, usage) and the AI features asked for on
//! demand. The key is write-only: no response, log line or problem carries it.

use std::time::{Duration, SystemTime};

use axum::Json;
use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use chrono::{DateTime, NaiveDate, Utc};
use docket_ai::{AiError, CircuitState};
use docket_api::*;
use docket_core::access::Need;
use utoipa_axum::{router::OpenApiRouter, routes};

use super::AppState;
use super::body::{Body, parse_json, require_json};
use crate::auth::Caller;
use crate::error::{ApiError, ApiResult};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(get_settings, put_settings))
        .routes(routes!(put_key, delete_key))
        .routes(routes!(health))
        .routes(routes!(usage))
}

/// The problem of an AI call that did not work out, for a request waiting on it.
#[allow(dead_code)] // the on-demand endpoints come next
pub(crate) fn ai_problem(e: AiError) -> ApiError {
    match e {
        AiError::Disabled => ApiError::new(
            StatusCode::CONFLICT,
            "AI not configured",
            "AI is not configured, or this feature is switched off: an admin sets it up under Admin → AI",
        ),
        AiError::InvalidInput { detail } => ApiError::bad_request(detail),
        AiError::Refused { .. } | AiError::Malformed { .. } => {
            ApiError::new(StatusCode::BAD_GATEWAY, "AI answer unusable", e.to_string())
        }
        e if e.is_retryable() => ApiError::Unavailable {
            detail: e.to_string(),
            retry_after: e.retry_after().map_or(30, |d| d.as_secs().max(1)),
        },
        e => ApiError::new(StatusCode::BAD_GATEWAY, "AI server error", e.to_string()),
    }
}

/// Wait for an AI call at most `REQUEST_BUDGET`.
#[allow(dead_code)]
pub(crate) async fn bounded<T>(
    call: impl std::future::Future<Output = Result<T, AiError>>,
) -> ApiResult<T> {
    match tokio::time::timeout(crate::ai::REQUEST_BUDGET, call).await {
        Ok(r) => r.map_err(ai_problem),
        Err(_) => Err(ai_problem(AiError::Timeout)),
    }
}

async fn settings_out(app: &AppState) -> ApiResult<AiSettingsOut> {
    let stored = app.store.ai_settings().await?;
    Ok(AiSettingsOut {
        settings: stored.settings,
        version: stored.version,
        key_set: app.store.ai_key_is_set().await?,
        updated_by: stored.updated_by,
        updated_at: stored.updated_at,
    })
}

/// The AI settings (and whether a key is set; never the key)
#[utoipa::path(
    get, path = "/ai/settings", tag = "ai",
    responses((status = 200, body = AiSettingsOut))
)]
async fn get_settings(
    State(app): State<AppState>,
    caller: Caller,
) -> ApiResult<Json<AiSettingsOut>> {
    caller.need(Need::Admin)?;
    Ok(Json(settings_out(&app).await?))
}

/// Replace the AI settings
///
/// Every instance picks the change up within a few seconds; this one at once.
#[utoipa::path(
    put, path = "/ai/settings", tag = "ai",
    request_body = AiSettings,
    responses(
        (status = 200, body = AiSettingsOut),
        (status = 422, body = Problem, content_type = "application/problem+json"),
    )
)]
async fn put_settings(
    State(app): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
    Body(bytes): Body,
) -> ApiResult<Json<AiSettingsOut>> {
    caller.need(Need::Admin)?;
    require_json(&headers)?;
    let input: AiSettings = parse_json(&bytes)?;
    app.store.put_ai_settings(input, &caller.actor()).await?;
    app.ai.refresh(&app.store, &app.master_key, true).await;
    Ok(Json(settings_out(&app).await?))
}

/// Set the AI server's API key
///
/// Sealed with the master key. No endpoint ever returns it.
#[utoipa::path(
    put, path = "/ai/key", tag = "ai",
    request_body = AiKeyPut,
    responses(
        (status = 200, body = AiKeyOut),
        (status = 422, body = Problem, content_type = "application/problem+json"),
    )
)]
async fn put_key(
    State(app): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
    Body(bytes): Body,
) -> ApiResult<Json<AiKeyOut>> {
    caller.need(Need::Admin)?;
    require_json(&headers)?;
    let input: AiKeyPut = parse_json(&bytes)?;
    app.store
        .set_ai_key(&app.master_key, &input.key, &caller.actor())
        .await?;
    app.ai.refresh(&app.store, &app.master_key, true).await;
    Ok(Json(AiKeyOut { key_set: true }))
}

/// Clear the AI server's API key
#[utoipa::path(
    delete, path = "/ai/key", tag = "ai",
    responses((status = 200, body = AiKeyOut))
)]
async fn delete_key(State(app): State<AppState>, caller: Caller) -> ApiResult<Json<AiKeyOut>> {
    caller.need(Need::Admin)?;
    app.store.clear_ai_key(&caller.actor()).await?;
    app.ai.refresh(&app.store, &app.master_key, true).await;
    Ok(Json(AiKeyOut { key_set: false }))
}

fn utc(t: SystemTime) -> DateTime<Utc> {
    DateTime::<Utc>::from(t)
}

/// The AI client's health: circuit breaker state and the last failure
#[utoipa::path(
    get, path = "/ai/health", tag = "ai",
    responses((status = 200, body = AiHealthOut))
)]
async fn health(State(app): State<AppState>, caller: Caller) -> ApiResult<Json<AiHealthOut>> {
    caller.need(Need::Admin)?;
    let current = app.ai.current(&app.store, &app.master_key).await;
    let out = match current.client.health() {
        None => AiHealthOut {
            enabled: false,
            circuit: AiCircuit::Disabled,
            retry_after_seconds: None,
            consecutive_failures: 0,
            last_error: None,
            last_error_at: None,
            config_error: current.config_error.clone(),
        },
        Some(h) => {
            let (circuit, retry) = match h.state {
                CircuitState::Closed => (AiCircuit::Closed, None),
                CircuitState::HalfOpen => (AiCircuit::HalfOpen, None),
                CircuitState::Open { until, .. } => (
                    AiCircuit::Open,
                    Some(
                        until
                            .duration_since(SystemTime::now())
                            .unwrap_or(Duration::ZERO)
                            .as_secs()
                            .max(1),
                    ),
                ),
            };
            AiHealthOut {
                enabled: true,
                circuit,
                retry_after_seconds: retry,
                consecutive_failures: h.consecutive_failures,
                last_error: h.last_error,
                last_error_at: h.last_error_at.map(utc),
                config_error: None,
            }
        }
    };
    Ok(Json(out))
}

/// Tokens and cost per day, feature and model
///
/// `from` and `to` are days (`YYYY-MM-DD`, UTC, both included); the last 30 days by
/// default, at most 366 days.
#[utoipa::path(
    get, path = "/ai/usage", tag = "ai",
    params(("from" = Option<String>, Query), ("to" = Option<String>, Query)),
    responses(
        (status = 200, body = AiUsageReport),
        (status = 400, body = Problem, content_type = "application/problem+json"),
    )
)]
async fn usage(
    State(app): State<AppState>,
    caller: Caller,
    RawQuery(raw): RawQuery,
) -> ApiResult<Json<AiUsageReport>> {
    caller.need(Need::Admin)?;
    let (mut from, mut to) = (None, None);
    for (k, v) in form_urlencoded::parse(raw.as_deref().unwrap_or("").as_bytes()) {
        let bad =
            |m: &str| ApiError::invalid_field(StatusCode::BAD_REQUEST, &format!("/query/{k}"), m);
        let day =
            || NaiveDate::parse_from_str(&v, "%Y-%m-%d").map_err(|_| bad("a day, YYYY-MM-DD"));
        match k.as_ref() {
            "from" => from = Some(day()?),
            "to" => to = Some(day()?),
            other => return Err(bad(&format!("unknown query parameter `{other}`"))),
        }
    }
    let to = to.unwrap_or_else(|| app.store.clock().now().date_naive());
    let from = from.unwrap_or(to - chrono::Duration::days(29));
    if from > to {
        return Err(ApiError::invalid_field(
            StatusCode::BAD_REQUEST,
            "/query/from",
            "`from` is after `to`",
        ));
    }
    if (to - from).num_days() > 366 {
        return Err(ApiError::invalid_field(
            StatusCode::BAD_REQUEST,
            "/query/from",
            "at most 366 days at a time",
        ));
    }
    let settings = app.store.ai_settings().await?.settings;
    let items: Vec<AiUsageOut> = app
        .store
        .ai_usage(from, to)
        .await?
        .into_iter()
        .map(|r| AiUsageOut {
            cost: settings.cost(&r.model, r.prompt_tokens, r.completion_tokens),
            day: r.day,
            feature: r.feature,
            model: r.model,
            calls: r.calls,
            failures: r.failures,
            prompt_tokens: r.prompt_tokens,
            completion_tokens: r.completion_tokens,
        })
        .collect();
    Ok(Json(AiUsageReport {
        from,
        to,
        total_prompt_tokens: items.iter().map(|i| i.prompt_tokens).sum(),
        total_completion_tokens: items.iter().map(|i| i.completion_tokens).sum(),
        total_cost: items.iter().map(|i| i.cost).sum(),
        items,
    }))
}

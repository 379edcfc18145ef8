//! AI administration (settings, key, health, usage) and the AI features asked for on
//! demand. The key is write-only: no response, log line or problem carries it.

use std::time::{Duration, SystemTime};

use axum::Json;
use axum::extract::{Path, RawQuery, State};
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
        .routes(routes!(ai_health))
        .routes(routes!(usage))
        .routes(routes!(draft_reply))
        .routes(routes!(moderate_image))
        .routes(routes!(apply_triage))
}

/// The largest image `moderate-image` takes as bytes.
pub const MAX_IMAGE_BYTES: usize = 512 * 1024;

/// The problem of an AI call that did not work out, for a request waiting on it.
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
async fn ai_health(State(app): State<AppState>, caller: Caller) -> ApiResult<Json<AiHealthOut>> {
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

/// Draft a reply to a ticket's requester
///
/// Written from the public thread (never internal notes), the ticket's allowed fields and
/// what the desk knows about the requester (earlier summaries, staff notes). Nothing is
/// stored or sent: the agent edits the draft. 409 when AI is not configured; 503 with
/// Retry-After when the AI server is failing or slow (the request never waits more than
/// a few seconds beyond its budget).
#[utoipa::path(
    post, path = "/tickets/{key}/draft-reply", tag = "ai",
    params(("key" = String, Path)),
    responses(
        (status = 200, body = DraftReplyOut),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 409, body = Problem, content_type = "application/problem+json"),
        (status = 503, body = Problem, content_type = "application/problem+json"),
    )
)]
async fn draft_reply(
    State(app): State<AppState>,
    caller: Caller,
    Path(key): Path<String>,
) -> ApiResult<Json<DraftReplyOut>> {
    let p = caller.need(Need::WriteTickets)?;
    let ticket = super::tickets::visible_ticket(&app, p, &key, false).await?;
    let current = app.ai.current(&app.store, &app.master_key).await;
    if !current.client.is_feature_enabled(docket_ai::Feature::Reply) {
        return Err(ai_problem(AiError::Disabled));
    }
    let mut requester = docket_ai::RequesterCard::default();
    if let Some(r) = &ticket.requester {
        requester.name = r.name.clone();
        let types = super::tickets::visible_types(&app, p);
        if let Ok(card) = app
            .store
            .requester_card(r.id, types.as_deref(), Some(&ticket.key))
            .await
        {
            requester.previous_summaries = card
                .previous
                .iter()
                .filter_map(|t| t.summary.as_ref())
                .map(|s| {
                    if s.content.resolution.is_empty() {
                        s.content.issue.clone()
                    } else {
                        format!("{} Resolution: {}", s.content.issue, s.content.resolution)
                    }
                })
                .collect();
            requester.notes = card.notes.iter().map(|n| n.body.clone()).collect();
        }
    }
    let input = docket_ai::ReplyInput {
        ticket: crate::ai::ticket_content(&current.settings, &app.store, &ticket),
        thread: crate::ai::thread_of(&app.store, &ticket.key).await?,
        requester,
        agent_name: None,
    };
    let model = current.settings.models.reply.clone().unwrap_or_default();
    let result = bounded(async {
        let r = current.client.draft_reply(&input).await;
        crate::ai::record_usage(
            &app.store,
            docket_ai::Feature::Reply,
            &model,
            r.as_ref().map(|m| &m.usage),
        )
        .await;
        r
    })
    .await?;
    Ok(Json(DraftReplyOut {
        text: result.value,
        model: result.usage.model,
    }))
}

/// Moderate an image
///
/// By URL (the AI server fetches it) or by content (`base64` with `mime`, at most
/// 512 KiB). For adapters (Discord) that check attachments; needs write access. 409
/// when AI is not configured; 503 with Retry-After when the AI server is failing.
#[utoipa::path(
    post, path = "/ai/moderate-image", tag = "ai",
    request_body = ModerateImageIn,
    responses(
        (status = 200, body = ModerationOut),
        (status = 409, body = Problem, content_type = "application/problem+json"),
        (status = 413, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json"),
        (status = 503, body = Problem, content_type = "application/problem+json"),
    )
)]
async fn moderate_image(
    State(app): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
    Body(bytes): Body,
) -> ApiResult<Json<ModerationOut>> {
    caller.need(Need::WriteTickets)?;
    require_json(&headers)?;
    let input: ModerateImageIn = parse_json(&bytes)?;
    let image = image_ref(input)?;
    let current = app.ai.current(&app.store, &app.master_key).await;
    if !current
        .client
        .is_feature_enabled(docket_ai::Feature::Moderation)
    {
        return Err(ai_problem(AiError::Disabled));
    }
    let model = current
        .settings
        .models
        .moderation
        .clone()
        .unwrap_or_default();
    let result = bounded(async {
        let r = current.client.moderate_image(&image).await;
        crate::ai::record_usage(
            &app.store,
            docket_ai::Feature::Moderation,
            &model,
            r.as_ref().map(|m| &m.usage),
        )
        .await;
        r
    })
    .await?;
    Ok(Json(ModerationOut {
        nsfw: result.value.nsfw,
        flagged: result.value.flagged,
        categories: result.value.categories,
    }))
}

fn unprocessable(pointer: &str, message: &str) -> ApiError {
    ApiError::invalid_field(StatusCode::UNPROCESSABLE_ENTITY, pointer, message)
}

fn image_ref(input: ModerateImageIn) -> ApiResult<docket_ai::ImageRef> {
    use base64::Engine;
    match (input.url, input.base64, input.mime) {
        (Some(url), None, None) => {
            let url = url.trim().to_string();
            let ok = (url.starts_with("https://") || url.starts_with("http://"))
                && url.len() <= 2000
                && !url.chars().any(|c| c.is_whitespace() || c.is_control());
            if !ok {
                return Err(unprocessable(
                    "/url",
                    "an http:// or https:// URL of up to 2000 characters",
                ));
            }
            Ok(docket_ai::ImageRef::Url(url))
        }
        (None, Some(data), Some(mime)) => {
            let mime = mime.trim().to_ascii_lowercase();
            let plausible = mime.len() <= 100
                && mime.strip_prefix("image/").is_some_and(|sub| {
                    !sub.is_empty()
                        && sub
                            .chars()
                            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '+' | '-'))
                });
            if !plausible {
                return Err(unprocessable("/mime", "an image type, e.g. image/png"));
            }
            if data.len() > MAX_IMAGE_BYTES.div_ceil(3) * 4 + 4 {
                return Err(ApiError::invalid_field(
                    StatusCode::PAYLOAD_TOO_LARGE,
                    "/base64",
                    "the image is larger than 512 KiB",
                ));
            }
            let bytes = base64::engine::general_purpose::STANDARD
                .decode(data.trim())
                .map_err(|_| unprocessable("/base64", "not base64 (standard alphabet)"))?;
            if bytes.is_empty() {
                return Err(unprocessable("/base64", "the image is empty"));
            }
            if bytes.len() > MAX_IMAGE_BYTES {
                return Err(ApiError::invalid_field(
                    StatusCode::PAYLOAD_TOO_LARGE,
                    "/base64",
                    "the image is larger than 512 KiB",
                ));
            }
            Ok(docket_ai::ImageRef::Bytes { bytes, mime })
        }
        (None, Some(_), None) => Err(unprocessable("/mime", "required with `base64`")),
        _ => Err(unprocessable(
            "/url",
            "send either `url`, or `base64` with `mime`",
        )),
    }
}

/// Apply a ticket's triage suggestion
///
/// Its priority, its tags (added to the ticket's) and its team, as the caller, through
/// the ordinary update (audited and streamed). 409 when the ticket has no suggestion or
/// it was applied already.
#[utoipa::path(
    post, path = "/tickets/{key}/triage/apply", tag = "ai",
    params(("key" = String, Path)),
    responses(
        (status = 200, body = TicketOut),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 409, body = Problem, content_type = "application/problem+json"),
    )
)]
async fn apply_triage(
    State(app): State<AppState>,
    caller: Caller,
    Path(key): Path<String>,
) -> ApiResult<Json<TicketOut>> {
    let p = caller.need(Need::WriteTickets)?;
    super::tickets::visible_ticket(&app, p, &key, false).await?;
    let ticket = app.store.apply_ticket_triage(&key, &p.actor()).await?;
    Ok(Json(super::tickets::ticket_out(ticket)))
}

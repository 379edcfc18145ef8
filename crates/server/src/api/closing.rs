//! What a closed conversation leaves on its ticket: the transcript of the channel it
//! happened in, and the requester's exit survey (1-5 and a comment).

use axum::Json;
use axum::body::Body as RawBody;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use docket_api::{Problem, SurveyInput, SurveyOut, TranscriptInput, TranscriptOut};
use docket_core::access::Need;
use docket_core::typedef::FieldError;
use utoipa_axum::{router::OpenApiRouter, routes};

use super::AppState;
use super::body::{Body, parse_json, read_large, require_json};
use super::tickets::visible_ticket;
use crate::auth::Caller;
use crate::error::{ApiError, ApiResult};

/// A transcript may be far larger than other bodies (thousands of messages).
const MAX_TRANSCRIPT_BYTES: usize = 32 * 1024 * 1024;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(get_transcript, save_transcript))
        .routes(routes!(get_survey, record_survey))
}

fn transcript_out(t: docket_store::Transcript) -> ApiResult<TranscriptOut> {
    let transcript: TranscriptInput = serde_json::from_value(t.body).map_err(|e| {
        ApiError::from(docket_store::StoreError::Internal(format!(
            "the transcript of {} is stored unreadable: {e}",
            t.ticket_key
        )))
    })?;
    Ok(TranscriptOut {
        ticket: t.ticket_key,
        transcript,
        saved_by: t.saved_by,
        saved_at: t.saved_at,
    })
}

fn survey_out(s: docket_store::Survey) -> SurveyOut {
    SurveyOut {
        ticket: s.ticket_key,
        rating: s.rating,
        comment: s.comment,
        recorded_by: s.recorded_by,
        created_at: s.created_at,
    }
}

/// A ticket's saved transcript
#[utoipa::path(
    get, path = "/tickets/{key}/transcript", tag = "tickets",
    params(("key" = String, Path)),
    responses((status = 200, body = TranscriptOut), (status = 404, body = Problem, content_type = "application/problem+json"))
)]
async fn get_transcript(
    State(app): State<AppState>,
    caller: Caller,
    Path(key): Path<String>,
) -> ApiResult<Json<TranscriptOut>> {
    let p = caller.need(Need::ReadTickets)?;
    let include_deleted = p.can(Need::WriteTickets).is_ok();
    visible_ticket(&app, p, &key, include_deleted).await?;
    let found = app.store.transcript(&key, include_deleted).await?;
    let t = found.ok_or_else(|| ApiError::not_found(format!("{key} has no transcript")))?;
    Ok(Json(transcript_out(t)?))
}

/// Save a ticket's transcript
///
/// The whole conversation of the channel it happened in (a Discord channel is deleted
/// on close). Files are copies uploaded to the ticket first (Discord's links expire),
/// named by id. Saving again replaces it.
#[utoipa::path(
    put, path = "/tickets/{key}/transcript", tag = "tickets",
    params(("key" = String, Path)),
    request_body = TranscriptInput,
    responses(
        (status = 200, body = TranscriptOut),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 413, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json"),
    )
)]
async fn save_transcript(
    State(app): State<AppState>,
    caller: Caller,
    Path(key): Path<String>,
    headers: HeaderMap,
    body: RawBody,
) -> ApiResult<Json<TranscriptOut>> {
    let p = caller.need(Need::WriteTickets)?;
    visible_ticket(&app, p, &key, false).await?;
    require_json(&headers)?;
    let bytes = read_large(body, MAX_TRANSCRIPT_BYTES).await?;
    let input: TranscriptInput = parse_json(&bytes)?;
    let mut errors = Vec::new();
    for (i, m) in input.messages.iter().enumerate() {
        if m.author_name.trim().is_empty() {
            errors.push(FieldError {
                pointer: format!("/messages/{i}/author_name"),
                message: "every message names its author".into(),
            });
        }
    }
    if !errors.is_empty() {
        return Err(ApiError::Invalid {
            status: StatusCode::UNPROCESSABLE_ENTITY,
            detail: "the transcript has invalid messages".into(),
            errors,
        });
    }
    let files: Vec<i64> = input
        .messages
        .iter()
        .flat_map(|m| m.attachments.iter().copied())
        .collect();
    let body = serde_json::to_value(&input)
        .map_err(|e| ApiError::from(docket_store::StoreError::Internal(e.to_string())))?;
    let t = app
        .store
        .save_transcript(&key, &body, input.messages.len(), &files, &p.actor())
        .await?;
    Ok(Json(transcript_out(t)?))
}

/// A ticket's exit survey answer
#[utoipa::path(
    get, path = "/tickets/{key}/survey", tag = "tickets",
    params(("key" = String, Path)),
    responses((status = 200, body = SurveyOut), (status = 404, body = Problem, content_type = "application/problem+json"))
)]
async fn get_survey(
    State(app): State<AppState>,
    caller: Caller,
    Path(key): Path<String>,
) -> ApiResult<Json<SurveyOut>> {
    let p = caller.need(Need::ReadTickets)?;
    let include_deleted = p.can(Need::WriteTickets).is_ok();
    visible_ticket(&app, p, &key, include_deleted).await?;
    let found = app.store.survey(&key, include_deleted).await?;
    let s = found.ok_or_else(|| ApiError::not_found(format!("{key} has no survey answer")))?;
    Ok(Json(survey_out(s)))
}

/// Record the requester's exit survey answer
///
/// Once per ticket: a second answer is refused with 409.
#[utoipa::path(
    put, path = "/tickets/{key}/survey", tag = "tickets",
    params(("key" = String, Path)),
    request_body = SurveyInput,
    responses(
        (status = 201, body = SurveyOut),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 409, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json"),
    )
)]
async fn record_survey(
    State(app): State<AppState>,
    caller: Caller,
    Path(key): Path<String>,
    headers: HeaderMap,
    Body(bytes): Body,
) -> ApiResult<(StatusCode, Json<SurveyOut>)> {
    let p = caller.need(Need::WriteTickets)?;
    visible_ticket(&app, p, &key, false).await?;
    require_json(&headers)?;
    let input: SurveyInput = parse_json(&bytes)?;
    let s = app
        .store
        .record_survey(&key, input.rating, &input.comment, &p.actor())
        .await?;
    Ok((StatusCode::CREATED, Json(survey_out(s))))
}

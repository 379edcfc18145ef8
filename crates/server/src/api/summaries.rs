//! A ticket's summary (issue, resolution, open points, ...): written by the AI when the
//! ticket is solved or closed, or by staff, and edited by staff.

use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::Response;
use docket_api::*;
use docket_core::access::Need;
use utoipa_axum::{router::OpenApiRouter, routes};

use super::AppState;
use super::body::{Body, parse_json, require_json};
use super::tickets::{if_match, visible_ticket, with_etag};
use crate::auth::Caller;
use crate::error::{ApiError, ApiResult};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(put_summary, delete_summary))
}

/// Write a ticket's summary
///
/// Replaces the summary (issue, resolution, open points, sentiment, next best action,
/// topics). Editing an AI-written summary keeps it marked as AI-written, edited by you.
/// `If-Match` is optional: without it the summary is written over whatever version.
#[utoipa::path(
    put, path = "/tickets/{key}/summary", tag = "tickets",
    request_body = SummaryInput,
    params(
        ("key" = String, Path),
        ("If-Match" = Option<String>, Header, description = "The ETag of the version being changed"),
    ),
    responses(
        (status = 200, body = TicketOut, headers(("ETag" = String))),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 412, description = "The ticket changed since it was read", body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json"),
    )
)]
async fn put_summary(
    State(app): State<AppState>,
    caller: Caller,
    Path(key): Path<String>,
    headers: HeaderMap,
    Body(bytes): Body,
) -> ApiResult<Response> {
    let p = caller.need(Need::WriteTickets)?;
    visible_ticket(&app, p, &key, false).await?;
    require_json(&headers)?;
    let input: SummaryInput = parse_json(&bytes)?;
    let expected = optional_if_match(&headers)?;
    let written = app
        .store
        .set_ticket_summary(
            &key,
            expected,
            input.into(),
            docket_store::SummaryWriter::Staff { actor: p.actor() },
        )
        .await?
        .ok_or_else(|| ApiError::not_found(format!("ticket {key} not found")))?;
    Ok(with_etag(StatusCode::OK, written))
}

/// Remove a ticket's summary
#[utoipa::path(
    delete, path = "/tickets/{key}/summary", tag = "tickets",
    params(
        ("key" = String, Path),
        ("If-Match" = Option<String>, Header, description = "The ETag of the version being changed"),
    ),
    responses(
        (status = 200, body = TicketOut, headers(("ETag" = String))),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 412, description = "The ticket changed since it was read", body = Problem, content_type = "application/problem+json"),
    )
)]
async fn delete_summary(
    State(app): State<AppState>,
    caller: Caller,
    Path(key): Path<String>,
    headers: HeaderMap,
) -> ApiResult<Response> {
    let p = caller.need(Need::WriteTickets)?;
    visible_ticket(&app, p, &key, false).await?;
    let expected = optional_if_match(&headers)?;
    Ok(with_etag(
        StatusCode::OK,
        app.store
            .clear_ticket_summary(&key, expected, &p.actor())
            .await?,
    ))
}

/// If-Match where it may be left out (None: whatever version).
fn optional_if_match(headers: &HeaderMap) -> ApiResult<Option<i32>> {
    if headers.contains_key(header::IF_MATCH) {
        if_match(headers)
    } else {
        Ok(None)
    }
}

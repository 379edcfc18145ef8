//! Near duplicates: merge a ticket into another (one click from the flag on a ticket
//! that reads like a recent one of its requester) or dismiss the flag. Both tickets of
//! a merge must be ones the caller may change.

use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use docket_api::*;
use docket_core::access::Need;

use super::AppState;
use super::body::{Body, parse_json, require_json};
use super::tickets::{visible_ticket, with_etag};
use crate::auth::Caller;
use crate::error::{ApiError, ApiResult};
use utoipa_axum::{router::OpenApiRouter, routes};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(merge_ticket))
        .routes(routes!(dismiss_duplicate))
}

/// Merge a ticket into another
///
/// The ticket's comments and attachments move to `into`, which keeps the earlier of the
/// two created and first-response times; this ticket is closed with a system note naming
/// `into`. Both record it in their audit trails. Both tickets must be ones you may change.
#[utoipa::path(
    post, path = "/tickets/{key}/merge", tag = "tickets",
    params(("key" = String, Path, description = "The ticket merged away (closed)")),
    request_body = TicketMergeInput,
    responses(
        (status = 200, description = "The ticket that remains", body = TicketOut, headers(("ETag" = String))),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The ticket is closed already", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "Not JSON", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "`into` is no ticket you may change, or the ticket itself", body = Problem, content_type = "application/problem+json"),
    )
)]
async fn merge_ticket(
    State(app): State<AppState>,
    caller: Caller,
    Path(key): Path<String>,
    headers: HeaderMap,
    Body(bytes): Body,
) -> ApiResult<Response> {
    let p = caller.need(Need::WriteTickets)?;
    visible_ticket(&app, p, &key, false).await?;
    require_json(&headers)?;
    let input: TicketMergeInput = parse_json(&bytes)?;
    let into = input.into.trim().to_string();
    // A ticket the caller may not see is no ticket to them, whatever the reason.
    if visible_ticket(&app, p, &into, false).await.is_err() {
        return Err(ApiError::invalid_field(
            StatusCode::UNPROCESSABLE_ENTITY,
            "/into",
            format!("no ticket {into}"),
        ));
    }
    let merged = app.store.merge_tickets(&key, &into, &p.actor()).await?;
    Ok(with_etag(StatusCode::OK, merged))
}

/// Dismiss a possible-duplicate flag
///
/// Clears `possible_duplicate_of` (recorded in the audit trail).
#[utoipa::path(
    post, path = "/tickets/{key}/duplicate/dismiss", tag = "tickets",
    params(("key" = String, Path)),
    responses(
        (status = 200, body = TicketOut, headers(("ETag" = String))),
        (status = 404, body = Problem, content_type = "application/problem+json"),
    )
)]
async fn dismiss_duplicate(
    State(app): State<AppState>,
    caller: Caller,
    Path(key): Path<String>,
) -> ApiResult<Response> {
    let p = caller.need(Need::WriteTickets)?;
    visible_ticket(&app, p, &key, false).await?;
    let ticket = app.store.dismiss_duplicate(&key, &p.actor()).await?;
    Ok(with_etag(StatusCode::OK, ticket))
}

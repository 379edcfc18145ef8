//! Follow links: the requester reads their ticket's public thread and replies, with the
//! signed token as the only credential (`docket_store::public` says how it is made). A
//! token that fails for any reason is the same 404. Tokens are in the path: the request
//! log leaves them out (`crate::api::redacted_path`).

use axum::Json;
use axum::extract::{Path, State};
use axum::http::{Extensions, HeaderMap, StatusCode};
use docket_api::*;
use docket_core::ticket::{CommentKind, SourceChannel};
use docket_store::public::{FollowedTicket, Limit};
use docket_store::{NewComment, StoreError};

use super::{client_address, throttle};
use crate::api::AppState;
use crate::api::body::{Body, parse_json, require_json};
use crate::error::{ApiError, ApiResult};

/// Replies one follow link may send an hour, and one address through any links.
const REPLIES_PER_TICKET_PER_HOUR: u32 = 20;
const REPLIES_PER_ADDRESS_PER_HOUR: u32 = 60;

fn refused(e: StoreError) -> ApiError {
    match e {
        StoreError::NotFound(_) => {
            ApiError::not_found("this follow link is not valid (any more); ask for a new one")
        }
        e => e.into(),
    }
}

fn followed_out(t: FollowedTicket) -> FollowedTicketOut {
    FollowedTicketOut {
        key: t.key,
        title: t.title,
        status: t.status,
        status_category: t.status_category,
        created_at: t.created_at,
        comments: t
            .comments
            .into_iter()
            .map(|c| FollowedComment {
                id: c.id,
                body: c.body,
                from_requester: c.author_requester_id.is_some(),
                author_name: c.author_name,
                created_at: c.created_at,
                attachments: c
                    .attachments
                    .into_iter()
                    .map(|a| FollowedAttachment {
                        filename: a.filename,
                    })
                    .collect(),
            })
            .collect(),
    }
}

/// Follow a ticket
///
/// The ticket a follow link names: its key, title, status and public replies (with
/// their files' names). Internal notes are never shown. A forged link, one whose ticket
/// moved to another requester, or one signed before the secret was rotated is 404.
#[utoipa::path(
    get, path = "/public/follow/{token}", tag = "public", security(()),
    params(("token" = String, Path, description = "The token of the follow link")),
    responses(
        (status = 200, body = FollowedTicketOut),
        (status = 404, body = Problem, content_type = "application/problem+json"),
    )
)]
pub(super) async fn get_followed(
    State(app): State<AppState>,
    Path(token): Path<String>,
) -> ApiResult<Json<FollowedTicketOut>> {
    let followed = app
        .store
        .followed_ticket(&app.master_key, &token)
        .await
        .map_err(refused)?;
    Ok(Json(followed_out(followed)))
}

/// Reply through a follow link
///
/// A public reply written as the ticket's requester (it restarts the next-response
/// clock as a requester's reply does). Throttled per ticket and per address (429 with
/// Retry-After).
#[utoipa::path(
    post, path = "/public/follow/{token}/comments", tag = "public", security(()),
    params(("token" = String, Path, description = "The token of the follow link")),
    request_body = FollowReply,
    responses(
        (status = 201, description = "The ticket with the reply", body = FollowedTicketOut),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "Not JSON", body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "Too many replies; see Retry-After", body = Problem, content_type = "application/problem+json"),
    )
)]
pub(super) async fn reply_to_followed(
    State(app): State<AppState>,
    Path(token): Path<String>,
    extensions: Extensions,
    headers: HeaderMap,
    Body(bytes): Body,
) -> ApiResult<(StatusCode, Json<FollowedTicketOut>)> {
    let followed = app
        .store
        .followed_ticket(&app.master_key, &token)
        .await
        .map_err(refused)?;
    require_json(&headers)?;
    let input: FollowReply = parse_json(&bytes)?;
    if input.body.trim().is_empty() {
        return Err(ApiError::invalid_field(
            StatusCode::UNPROCESSABLE_ENTITY,
            "/body",
            "the reply is empty",
        ));
    }
    let limits = [
        Limit {
            bucket: format!("follow:{}", followed.id),
            per_hour: REPLIES_PER_TICKET_PER_HOUR,
        },
        Limit {
            bucket: format!("follow-ip:{}", client_address(&extensions)),
            per_hour: REPLIES_PER_ADDRESS_PER_HOUR,
        },
    ];
    let attempt = throttle(&app, &limits).await?;
    let written = app
        .store
        .add_comment(
            &followed.key,
            NewComment {
                kind: CommentKind::Public,
                body: input.body,
                author_user_id: None,
                from_requester: true,
                author_name: followed.requester_name.clone(),
                channel: SourceChannel::Form,
                actor: format!("requester:{}", followed.requester_id),
                attachments: Vec::new(),
                external_ref: None,
            },
        )
        .await;
    if let Err(e) = written {
        if let Err(give_back) = app.store.give_back_public_attempt(attempt).await {
            tracing::warn!(error = %give_back, "could not give back a follower's attempt");
        }
        return Err(e.into());
    }
    let followed = app
        .store
        .followed_ticket(&app.master_key, &token)
        .await
        .map_err(refused)?;
    Ok((StatusCode::CREATED, Json(followed_out(followed))))
}

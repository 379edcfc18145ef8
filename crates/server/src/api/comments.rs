//! A ticket's comments: list (or find one by the reference of the message it came
//! from), add, edit, delete. Comments relayed from another channel carry that message's
//! reference, so a relay repeated after a reconnect answers the first comment again.

use axum::Json;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use docket_api::{CommentAuthor, CommentCreate, CommentOut, CommentPage, CommentUpdate, Problem};
use docket_core::access::{Need, Principal, Role};
use docket_core::ticket::{CommentKind, SourceChannel};
use docket_store::{CommentEdit, CommentEditor, NewComment};
use utoipa_axum::{router::OpenApiRouter, routes};

use super::body::{Body, parse_json, require_json};
use super::tickets::{PageParams, visible_ticket};
use super::{AppState, id_page};
use crate::auth::Caller;
use crate::error::{ApiError, ApiResult};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_comments, add_comment))
        .routes(routes!(update_comment, delete_comment))
}

pub fn comment_out(c: docket_store::Comment) -> CommentOut {
    CommentOut {
        id: c.id,
        ticket: c.ticket_key,
        kind: c.kind,
        body: c.body,
        author: if c.author_requester_id.is_some() {
            CommentAuthor::Requester
        } else {
            CommentAuthor::Staff
        },
        author_user_id: c.author_user_id,
        author_name: c.author_name,
        channel: c.channel,
        created_at: c.created_at,
        attachments: c
            .attachments
            .into_iter()
            .map(super::attachments::attachment_out)
            .collect(),
        external_ref: c.external_ref,
        edited_at: c.edited_at,
        deleted_at: c.deleted_at,
    }
}

/// The list's own filter; documented for OpenAPI beside `PageParams`.
#[derive(utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)]
struct CommentFilter {
    /// Only the comment with this reference (`discord:<message id>`): at most one.
    external_ref: Option<String>,
}

/// List a ticket's comments, oldest first
#[utoipa::path(
    get, path = "/tickets/{key}/comments", tag = "tickets",
    params(("key" = String, Path), PageParams, CommentFilter),
    responses((status = 200, body = CommentPage), (status = 404, body = Problem, content_type = "application/problem+json"))
)]
async fn list_comments(
    State(app): State<AppState>,
    caller: Caller,
    Path(key): Path<String>,
    RawQuery(raw): RawQuery,
) -> ApiResult<Json<CommentPage>> {
    let p = caller.need(Need::ReadTickets)?;
    visible_ticket(&app, p, &key, false).await?;
    let raw = raw.unwrap_or_default();
    let (by_ref, rest): (Vec<_>, Vec<_>) = form_urlencoded::parse(raw.as_bytes())
        .into_owned()
        .partition(|(k, _)| k == "external_ref");
    if let Some((_, external_ref)) = by_ref.into_iter().next_back() {
        let found = app
            .store
            .comment_by_external_ref(&key, &external_ref)
            .await?;
        return Ok(Json(CommentPage {
            next_cursor: None,
            items: found.into_iter().map(comment_out).collect(),
        }));
    }
    let rest = form_urlencoded::Serializer::new(String::new())
        .extend_pairs(rest)
        .finish();
    let (after, limit) = PageParams::parse(Some(&rest))?;
    let items = app.store.comments(&key, after, limit + 1).await?;
    let (items, next_cursor) = id_page(items, limit, |c| c.id);
    Ok(Json(CommentPage {
        next_cursor,
        items: items.into_iter().map(comment_out).collect(),
    }))
}

/// Add a public reply or an internal note
///
/// With an `external_ref` the ticket already has a comment for, nothing is written and
/// that comment is answered with 200.
#[utoipa::path(
    post, path = "/tickets/{key}/comments", tag = "tickets",
    params(("key" = String, Path)),
    request_body = CommentCreate,
    responses(
        (status = 201, body = CommentOut),
        (status = 200, description = "A comment with this external_ref exists: it is returned, nothing is written", body = CommentOut),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json"),
    )
)]
async fn add_comment(
    State(app): State<AppState>,
    caller: Caller,
    Path(key): Path<String>,
    headers: HeaderMap,
    Body(bytes): Body,
) -> ApiResult<(StatusCode, Json<CommentOut>)> {
    let p = caller.need(Need::WriteTickets)?;
    visible_ticket(&app, p, &key, false).await?;
    require_json(&headers)?;
    let input: CommentCreate = parse_json(&bytes)?;
    if input.kind == CommentKind::System {
        return Err(ApiError::invalid_field(
            StatusCode::UNPROCESSABLE_ENTITY,
            "/kind",
            "system comments are written by Docket itself; use public or internal",
        ));
    }
    let (c, replayed) = app
        .store
        .add_comment(
            &key,
            NewComment {
                kind: input.kind,
                body: input.body,
                author_user_id: Some(p.user_id),
                from_requester: input.author == CommentAuthor::Requester,
                author_name: input.author_name,
                channel: input.channel.unwrap_or(SourceChannel::Api),
                actor: p.actor(),
                attachments: input.attachments,
                external_ref: input.external_ref,
            },
        )
        .await?;
    let status = if replayed {
        StatusCode::OK
    } else {
        StatusCode::CREATED
    };
    Ok((status, Json(comment_out(c))))
}

fn editor<'a>(p: &Principal, actor: &'a str) -> CommentEditor<'a> {
    CommentEditor {
        user_id: p.user_id,
        is_admin: p.role == Role::Admin,
        actor,
    }
}

/// Edit a comment, or record where it was relayed
///
/// The text may be changed by its staff author, by whoever wrote it (an integration
/// relaying its channel's edits) and by admins; the trail keeps the earlier text.
/// `external_ref` is set once, by anyone who may work the ticket.
#[utoipa::path(
    patch, path = "/tickets/{key}/comments/{id}", tag = "tickets",
    params(("key" = String, Path), ("id" = i64, Path)),
    request_body = CommentUpdate,
    responses(
        (status = 200, body = CommentOut),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 409, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json"),
    )
)]
async fn update_comment(
    State(app): State<AppState>,
    caller: Caller,
    Path((key, id)): Path<(String, i64)>,
    headers: HeaderMap,
    Body(bytes): Body,
) -> ApiResult<Json<CommentOut>> {
    let p = caller.need(Need::WriteTickets)?;
    visible_ticket(&app, p, &key, false).await?;
    require_json(&headers)?;
    let input: CommentUpdate = parse_json(&bytes)?;
    let actor = p.actor();
    let c = app
        .store
        .update_comment(
            &key,
            id,
            CommentEdit {
                body: input.body,
                external_ref: input.external_ref,
            },
            editor(p, &actor),
        )
        .await?;
    Ok(Json(comment_out(c)))
}

/// Delete a comment
///
/// Its text leaves the thread (the trail keeps it); its files stay on the ticket.
#[utoipa::path(
    delete, path = "/tickets/{key}/comments/{id}", tag = "tickets",
    params(("key" = String, Path), ("id" = i64, Path)),
    responses(
        (status = 204),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
    )
)]
async fn delete_comment(
    State(app): State<AppState>,
    caller: Caller,
    Path((key, id)): Path<(String, i64)>,
) -> ApiResult<StatusCode> {
    let p = caller.need(Need::WriteTickets)?;
    visible_ticket(&app, p, &key, false).await?;
    let actor = p.actor();
    app.store
        .delete_comment(&key, id, editor(p, &actor))
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

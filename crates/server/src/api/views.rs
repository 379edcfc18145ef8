//! Saved queue views: each user's named ticket-list queries, and views admins share with
//! everybody. Another user's private view does not exist as far as the caller can tell.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use docket_api::*;
use docket_core::access::{Need, Principal};
use docket_core::typedef::FieldError;
use docket_store::views::{SavedView, ViewPatch};
use utoipa_axum::{router::OpenApiRouter, routes};

use super::AppState;
use super::body::{Body, parse_json, require_json};
use super::tickets::parse_list_query;
use crate::auth::Caller;
use crate::error::{ApiError, ApiResult};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_views, create_view))
        .routes(routes!(update_view, delete_view))
}

fn view_out(v: SavedView) -> ViewOut {
    ViewOut {
        id: v.id,
        name: v.name,
        query: v.query,
        shared: v.shared,
        owner_id: v.owner_id,
        created_at: v.created_at,
        updated_at: v.updated_at,
    }
}

/// A view's query must be one the list accepts; a `cursor` would pin it to one page.
fn check_query(query: &str) -> ApiResult<()> {
    let at_query = |message: String| ApiError::Invalid {
        status: StatusCode::UNPROCESSABLE_ENTITY,
        detail: message.clone(),
        errors: vec![FieldError {
            pointer: "/query".into(),
            message,
        }],
    };
    let query = query.strip_prefix('?').unwrap_or(query);
    if form_urlencoded::parse(query.as_bytes()).any(|(k, _)| k == "cursor") {
        return Err(at_query("a saved view cannot hold a `cursor`".into()));
    }
    match parse_list_query(Some(query)) {
        Ok(_) => Ok(()),
        Err(ApiError::Invalid { errors, .. }) => Err(at_query(
            errors
                .iter()
                .map(|e| {
                    let param = e.pointer.trim_start_matches("/query/");
                    format!("`{param}`: {}", e.message)
                })
                .collect::<Vec<_>>()
                .join("; "),
        )),
        Err(other) => Err(other),
    }
}

/// The view if the caller may change it: their own private one, or (admins) a shared one.
async fn changeable(
    app: &AppState,
    p: &Principal,
    caller: &Caller,
    id: i64,
) -> ApiResult<SavedView> {
    let view = app.store.view(id).await?;
    if view.owner_id != p.user_id && !view.shared {
        return Err(ApiError::not_found(format!("view {id} not found")));
    }
    // A shared view is everybody's: only admins change it, its author included (who may
    // no longer be one).
    if view.shared {
        caller.need(Need::Admin)?;
    }
    Ok(view)
}

/// List saved views: your own and the shared ones
#[utoipa::path(
    get, path = "/views", tag = "tickets",
    responses((status = 200, body = Vec<ViewOut>))
)]
async fn list_views(State(app): State<AppState>, caller: Caller) -> ApiResult<Json<Vec<ViewOut>>> {
    let p = caller.need(Need::ReadTickets)?;
    let views = app.store.views_for(p.user_id).await?;
    Ok(Json(views.into_iter().map(view_out).collect()))
}

/// Save a view (sharing one is for admins)
#[utoipa::path(
    post, path = "/views", tag = "tickets",
    request_body = ViewCreate,
    responses(
        (status = 201, body = ViewOut),
        (status = 409, description = "You have a view of that name", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Bad name or query, by field", body = Problem, content_type = "application/problem+json"),
    )
)]
async fn create_view(
    State(app): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
    Body(bytes): Body,
) -> ApiResult<(StatusCode, Json<ViewOut>)> {
    let p = caller.need(Need::OwnWrite)?;
    require_json(&headers)?;
    let input: ViewCreate = parse_json(&bytes)?;
    if input.shared {
        caller.need(Need::Admin)?;
    }
    check_query(&input.query)?;
    let query = input.query.trim_start_matches('?');
    let view = app
        .store
        .create_view(p.user_id, &input.name, query, input.shared)
        .await?;
    Ok((StatusCode::CREATED, Json(view_out(view))))
}

/// Rename, change or (admins) share a view
#[utoipa::path(
    patch, path = "/views/{id}", tag = "tickets",
    params(("id" = i64, Path)),
    request_body = ViewUpdate,
    responses(
        (status = 200, body = ViewOut),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 409, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json"),
    )
)]
async fn update_view(
    State(app): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
    headers: HeaderMap,
    Body(bytes): Body,
) -> ApiResult<Json<ViewOut>> {
    let p = caller.need(Need::OwnWrite)?;
    require_json(&headers)?;
    let input: ViewUpdate = parse_json(&bytes)?;
    let view = changeable(&app, p, &caller, id).await?;
    if input.shared.is_some_and(|s| s != view.shared) {
        caller.need(Need::Admin)?;
    }
    if let Some(q) = &input.query {
        check_query(q)?;
    }
    let patch = ViewPatch {
        name: input.name,
        query: input.query.map(|q| q.trim_start_matches('?').to_string()),
        shared: input.shared,
    };
    Ok(Json(view_out(app.store.update_view(id, patch).await?)))
}

/// Delete a view (your own; admins: shared ones too)
#[utoipa::path(
    delete, path = "/views/{id}", tag = "tickets",
    params(("id" = i64, Path)),
    responses((status = 204), (status = 404, body = Problem, content_type = "application/problem+json"))
)]
async fn delete_view(
    State(app): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
) -> ApiResult<StatusCode> {
    let p = caller.need(Need::OwnWrite)?;
    changeable(&app, p, &caller, id).await?;
    app.store.delete_view(id).await?;
    Ok(StatusCode::NO_CONTENT)
}

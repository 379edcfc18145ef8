//! Users: people and service accounts. Staff can list them (to assign tickets); only
//! admins create and change them.

use crate::error::ApiError;
use axum::Json;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use docket_api::*;
use docket_core::access::Need;
use docket_store::identity::{NewUser, User, UserPatch};
use utoipa_axum::{router::OpenApiRouter, routes};

use super::AppState;
use super::body::{Body, parse_json, require_json};
use crate::auth::Caller;
use crate::error::ApiResult;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_users, create_user))
        .routes(routes!(get_user, update_user))
        .routes(routes!(set_user_availability))
}

pub fn user_out(u: User) -> UserOut {
    UserOut {
        id: u.id,
        email: u.email,
        display_name: u.display_name,
        role: u.role,
        kind: u.kind,
        active: u.active,
        skills: u.skills,
        capacity: u.capacity,
        availability: u.availability,
        teams: u.teams,
        has_password: u.has_password,
        created_at: u.created_at,
        last_login_at: u.last_login_at,
    }
}

/// List users
#[utoipa::path(
    get, path = "/users", tag = "users",
    responses((status = 200, body = Vec<UserOut>), (status = 401, body = Problem, content_type = "application/problem+json"))
)]
async fn list_users(State(app): State<AppState>, caller: Caller) -> ApiResult<Json<Vec<UserOut>>> {
    caller.need(Need::ReadTickets)?;
    Ok(Json(
        app.store.users().await?.into_iter().map(user_out).collect(),
    ))
}

/// Get a user
#[utoipa::path(
    get, path = "/users/{id}", tag = "users",
    params(("id" = i64, Path)),
    responses((status = 200, body = UserOut), (status = 404, body = Problem, content_type = "application/problem+json"))
)]
async fn get_user(
    State(app): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
) -> ApiResult<Json<UserOut>> {
    caller.need(Need::ReadTickets)?;
    Ok(Json(user_out(app.store.user(id).await?)))
}

/// Create a user or a service account (admins)
#[utoipa::path(
    post, path = "/users", tag = "users",
    request_body = UserCreate,
    responses(
        (status = 201, body = UserOut),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The email is taken", body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json"),
    )
)]
async fn create_user(
    State(app): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
    Body(bytes): Body,
) -> ApiResult<(StatusCode, Json<UserOut>)> {
    caller.need(Need::Admin)?;
    require_json(&headers)?;
    let input: UserCreate = parse_json(&bytes)?;
    let user = app
        .store
        .create_user(
            NewUser {
                email: input.email,
                display_name: input.display_name,
                role: input.role,
                kind: input.kind,
                password: input.password,
                skills: input.skills,
                capacity: input.capacity,
            },
            &caller.actor(),
        )
        .await?;
    Ok((StatusCode::CREATED, Json(user_out(user))))
}

/// Change a user (admins): role, activity, skills, capacity, password
///
/// The last active admin can be neither demoted nor deactivated. Deactivating a user or
/// setting their password ends their sessions; their tokens stop working while inactive.
#[utoipa::path(
    patch, path = "/users/{id}", tag = "users",
    params(("id" = i64, Path)),
    request_body = UserUpdate,
    responses(
        (status = 200, body = UserOut),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Would leave no active admin", body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json"),
    )
)]
async fn update_user(
    State(app): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
    headers: HeaderMap,
    Body(bytes): Body,
) -> ApiResult<Json<UserOut>> {
    caller.need(Need::Admin)?;
    require_json(&headers)?;
    let input: UserUpdate = parse_json(&bytes)?;
    let user = app
        .store
        .update_user(
            id,
            UserPatch {
                display_name: input.display_name,
                role: input.role,
                active: input.active,
                skills: input.skills,
                capacity: input.capacity,
                password: input.password,
                keep_session: None,
            },
            &caller.actor(),
        )
        .await?;
    Ok(Json(user_out(user)))
}

/// Set a user's availability (the user themself, or an admin)
///
/// `away` users get no routed tickets; what they have stays theirs.
#[utoipa::path(
    put, path = "/users/{id}/availability", tag = "users",
    params(("id" = i64, Path)),
    request_body = AvailabilityUpdate,
    responses(
        (status = 200, body = UserOut),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json"),
    )
)]
async fn set_user_availability(
    State(app): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
    headers: HeaderMap,
    Body(bytes): Body,
) -> ApiResult<Json<UserOut>> {
    let p = caller.need(Need::OwnWrite)?;
    if p.user_id != id {
        caller.need(Need::Admin).map_err(|_| {
            ApiError::new(
                StatusCode::FORBIDDEN,
                "Forbidden",
                "only admins set another user's availability",
            )
        })?;
    }
    require_json(&headers)?;
    let input: AvailabilityUpdate = parse_json(&bytes)?;
    let user = app
        .store
        .set_availability(id, input.availability, &caller.actor())
        .await?;
    Ok(Json(user_out(user)))
}

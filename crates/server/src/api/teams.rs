//! Teams: who handles which ticket types (a type's `teams` name them).

use axum::Json;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use docket_api::*;
use docket_core::access::Need;
use docket_store::identity::Team;
use utoipa_axum::{router::OpenApiRouter, routes};

use super::AppState;
use super::body::{Body, parse_json, require_json};
use crate::auth::Caller;
use crate::error::ApiResult;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_teams, create_team))
        .routes(routes!(get_team, update_team, delete_team))
        .routes(routes!(add_member, remove_member))
}

fn team_out(app: &AppState, t: Team) -> TeamOut {
    let types = app
        .store
        .registry()
        .all()
        .into_iter()
        .filter(|ty| ty.stored.definition.teams.contains(&t.slug))
        .map(|ty| ty.stored.slug.clone())
        .collect();
    TeamOut {
        slug: t.slug,
        name: t.name,
        description: t.description,
        members: t.members,
        types,
        routing: t.routing,
    }
}

/// List teams with their members and the types they handle
#[utoipa::path(
    get, path = "/teams", tag = "teams",
    responses((status = 200, body = Vec<TeamOut>), (status = 401, body = Problem, content_type = "application/problem+json"))
)]
async fn list_teams(State(app): State<AppState>, caller: Caller) -> ApiResult<Json<Vec<TeamOut>>> {
    caller.need(Need::ReadTickets)?;
    let teams = app.store.teams().await?;
    Ok(Json(teams.into_iter().map(|t| team_out(&app, t)).collect()))
}

/// Get a team
#[utoipa::path(
    get, path = "/teams/{slug}", tag = "teams",
    params(("slug" = String, Path)),
    responses((status = 200, body = TeamOut), (status = 404, body = Problem, content_type = "application/problem+json"))
)]
async fn get_team(
    State(app): State<AppState>,
    caller: Caller,
    Path(slug): Path<String>,
) -> ApiResult<Json<TeamOut>> {
    caller.need(Need::ReadTickets)?;
    let t = app.store.team(&slug).await?;
    Ok(Json(team_out(&app, t)))
}

/// Create a team (admins)
#[utoipa::path(
    post, path = "/teams", tag = "teams",
    request_body = TeamCreate,
    responses(
        (status = 201, body = TeamOut),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 409, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json"),
    )
)]
async fn create_team(
    State(app): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
    Body(bytes): Body,
) -> ApiResult<(StatusCode, Json<TeamOut>)> {
    caller.need(Need::Admin)?;
    require_json(&headers)?;
    let input: TeamCreate = parse_json(&bytes)?;
    let t = app
        .store
        .create_team(
            &input.slug,
            &input.name,
            &input.description,
            &caller.actor(),
        )
        .await?;
    Ok((StatusCode::CREATED, Json(team_out(&app, t))))
}

/// Rename or describe a team, or set its routing rule (admins)
///
/// `routing` decides who gets the team's new tickets: `manual` (nobody is picked),
/// `round_robin`, `least_open` or `skills`. Eligible are members who are active agents
/// or admins, present, and under their capacity of open tickets.
#[utoipa::path(
    patch, path = "/teams/{slug}", tag = "teams",
    params(("slug" = String, Path)),
    request_body = TeamUpdate,
    responses(
        (status = 200, body = TeamOut),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
    )
)]
async fn update_team(
    State(app): State<AppState>,
    caller: Caller,
    Path(slug): Path<String>,
    headers: HeaderMap,
    Body(bytes): Body,
) -> ApiResult<Json<TeamOut>> {
    caller.need(Need::Admin)?;
    require_json(&headers)?;
    let input: TeamUpdate = parse_json(&bytes)?;
    let t = app
        .store
        .update_team(
            &slug,
            input.name.as_deref(),
            input.description.as_deref(),
            input.routing,
            &caller.actor(),
        )
        .await?;
    Ok(Json(team_out(&app, t)))
}

/// Delete a team (admins); its members stay users
#[utoipa::path(
    delete, path = "/teams/{slug}", tag = "teams",
    params(("slug" = String, Path)),
    responses((status = 204), (status = 403, body = Problem, content_type = "application/problem+json"), (status = 404, body = Problem, content_type = "application/problem+json"))
)]
async fn delete_team(
    State(app): State<AppState>,
    caller: Caller,
    Path(slug): Path<String>,
) -> ApiResult<StatusCode> {
    caller.need(Need::Admin)?;
    app.store.delete_team(&slug, &caller.actor()).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Add a user to a team (admins)
#[utoipa::path(
    put, path = "/teams/{slug}/members/{user_id}", tag = "teams",
    params(("slug" = String, Path), ("user_id" = i64, Path)),
    responses((status = 200, body = TeamOut), (status = 403, body = Problem, content_type = "application/problem+json"), (status = 404, body = Problem, content_type = "application/problem+json"))
)]
async fn add_member(
    State(app): State<AppState>,
    caller: Caller,
    Path((slug, user_id)): Path<(String, i64)>,
) -> ApiResult<Json<TeamOut>> {
    caller.need(Need::Admin)?;
    let t = app
        .store
        .set_team_member(&slug, user_id, true, &caller.actor())
        .await?;
    Ok(Json(team_out(&app, t)))
}

/// Remove a user from a team (admins)
#[utoipa::path(
    delete, path = "/teams/{slug}/members/{user_id}", tag = "teams",
    params(("slug" = String, Path), ("user_id" = i64, Path)),
    responses((status = 200, body = TeamOut), (status = 403, body = Problem, content_type = "application/problem+json"), (status = 404, body = Problem, content_type = "application/problem+json"))
)]
async fn remove_member(
    State(app): State<AppState>,
    caller: Caller,
    Path((slug, user_id)): Path<(String, i64)>,
) -> ApiResult<Json<TeamOut>> {
    caller.need(Need::Admin)?;
    let t = app
        .store
        .set_team_member(&slug, user_id, false, &caller.actor())
        .await?;
    Ok(Json(team_out(&app, t)))
}

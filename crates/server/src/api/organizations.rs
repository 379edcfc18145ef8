//! Organisations as records: name, email domains and notes. Staff read them (the
//! requester profile names its organisation); admins change them.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use docket_api::*;
use docket_core::access::Need;
use docket_store::Organization;
use utoipa_axum::{router::OpenApiRouter, routes};

use super::AppState;
use super::body::{Body, parse_json, require_json};
use crate::auth::Caller;
use crate::error::ApiResult;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_organizations, create_organization))
        .routes(routes!(
            get_organization,
            update_organization,
            delete_organization
        ))
}

fn organization_out(o: Organization) -> OrganizationOut {
    OrganizationOut {
        id: o.id,
        name: o.name,
        domains: o.domains,
        notes: o.notes,
        requester_count: o.requester_count,
        created_at: o.created_at,
        updated_at: o.updated_at,
    }
}

fn store_input(i: OrganizationInput) -> docket_store::OrganizationInput {
    docket_store::OrganizationInput {
        name: i.name,
        domains: i.domains,
        notes: i.notes,
    }
}

/// List organisations
#[utoipa::path(
    get, path = "/organizations", tag = "requesters",
    responses((status = 200, body = OrganizationList))
)]
async fn list_organizations(
    State(app): State<AppState>,
    caller: Caller,
) -> ApiResult<Json<OrganizationList>> {
    caller.need(Need::ReadTickets)?;
    let items = app.store.organizations().await?;
    Ok(Json(OrganizationList {
        items: items.into_iter().map(organization_out).collect(),
    }))
}

/// An organisation
#[utoipa::path(
    get, path = "/organizations/{id}", tag = "requesters",
    params(("id" = i64, Path)),
    responses((status = 200, body = OrganizationOut), (status = 404, body = Problem, content_type = "application/problem+json"))
)]
async fn get_organization(
    State(app): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
) -> ApiResult<Json<OrganizationOut>> {
    caller.need(Need::ReadTickets)?;
    Ok(Json(organization_out(app.store.organization(id).await?)))
}

/// Create an organisation (admins)
///
/// New requesters whose email is at one of its `domains` join it (unless the request that
/// creates them names another organisation).
#[utoipa::path(
    post, path = "/organizations", tag = "requesters",
    request_body = OrganizationInput,
    responses(
        (status = 201, body = OrganizationOut),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Bad or taken name or domain, by field", body = Problem, content_type = "application/problem+json"),
    )
)]
async fn create_organization(
    State(app): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
    Body(bytes): Body,
) -> ApiResult<(StatusCode, Json<OrganizationOut>)> {
    caller.need(Need::Admin)?;
    require_json(&headers)?;
    let input: OrganizationInput = parse_json(&bytes)?;
    let out = app
        .store
        .create_organization(store_input(input), &caller.actor())
        .await?;
    Ok((StatusCode::CREATED, Json(organization_out(out))))
}

/// Change an organisation (admins)
///
/// A new name carries its requesters along. Renaming one that an SLA policy selects on is
/// refused (409): change the policy first.
#[utoipa::path(
    patch, path = "/organizations/{id}", tag = "requesters",
    params(("id" = i64, Path)),
    request_body = OrganizationInput,
    responses(
        (status = 200, body = OrganizationOut),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 409, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json"),
    )
)]
async fn update_organization(
    State(app): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
    headers: HeaderMap,
    Body(bytes): Body,
) -> ApiResult<Json<OrganizationOut>> {
    caller.need(Need::Admin)?;
    require_json(&headers)?;
    let input: OrganizationInput = parse_json(&bytes)?;
    let out = app
        .store
        .update_organization(id, store_input(input), &caller.actor())
        .await?;
    Ok(Json(organization_out(out)))
}

/// Delete an organisation (admins)
///
/// Its domains go with it; requesters keep the name.
#[utoipa::path(
    delete, path = "/organizations/{id}", tag = "requesters",
    params(("id" = i64, Path)),
    responses(
        (status = 204),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
    )
)]
async fn delete_organization(
    State(app): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
) -> ApiResult<StatusCode> {
    caller.need(Need::Admin)?;
    app.store.delete_organization(id, &caller.actor()).await?;
    Ok(StatusCode::NO_CONTENT)
}

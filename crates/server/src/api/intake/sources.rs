//! Managing webhook sources (admins only: a source creates tickets in any team's type
//! without a user behind it). The signing secret is made by Docket, sealed at once and
//! shown only in the answer that made it.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use docket_api::*;
use docket_core::access::Need;
use docket_core::typedef::FieldError;
use docket_store::intake::{Delivery, Outcome, Source, SourceSettings};

use super::super::AppState;
use super::super::body::{Body, parse_json, require_json};
use crate::auth::Caller;
use crate::error::{ApiError, ApiResult};

pub(super) fn source_out(s: Source) -> IntakeSourceOut {
    IntakeSourceOut {
        endpoint: format!("/api/v1/intake/webhooks/{}", s.slug),
        slug: s.slug,
        name: s.name,
        ticket_type: s.ticket_type,
        enabled: s.enabled,
        scheme: s.scheme,
        mapping: s.mapping,
        created_at: s.created_at,
        updated_at: s.updated_at,
    }
}

fn delivery_out(d: Delivery) -> IntakeDeliveryOut {
    IntakeDeliveryOut {
        id: d.id,
        received_at: d.received_at,
        outcome: match d.outcome {
            Outcome::Created => IntakeOutcome::Created,
            Outcome::Replayed => IntakeOutcome::Replayed,
            Outcome::Refused => IntakeOutcome::Refused,
            Outcome::Invalid => IntakeOutcome::Invalid,
            Outcome::Failed => IntakeOutcome::Failed,
        },
        status: d.status,
        ticket_key: d.ticket_key,
        detail: d.detail,
        errors: d.errors,
        ip: d.ip,
    }
}

/// A slug is a URL's last segment: nothing to escape, nothing to confuse.
fn valid_slug(slug: &str) -> bool {
    (1..=64).contains(&slug.len())
        && slug.starts_with(|c: char| c.is_ascii_lowercase() || c.is_ascii_digit())
        && slug
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'_')
}

/// Everything wrong with a source, refused at once with pointers into the request.
async fn check_source(app: &AppState, input: &IntakeSourceInput) -> ApiResult<()> {
    let mut errors = Vec::new();
    let mut refuse = |pointer: &str, message: String| {
        errors.push(FieldError {
            pointer: pointer.into(),
            message,
        })
    };
    if !valid_slug(&input.slug) {
        refuse(
            "/slug",
            "1 to 64 lower-case letters, digits, `-` and `_`, starting with a letter or digit"
                .into(),
        );
    }
    let name = input.name.trim().chars().count();
    if name == 0 || input.name.chars().count() > 100 {
        refuse("/name", "1 to 100 characters".into());
    }
    match app.store.registry().get(&input.ticket_type) {
        None => refuse(
            "/ticket_type",
            format!("no ticket type `{}`", input.ticket_type),
        ),
        Some(ty) => errors.extend(input.mapping.check(&ty.compiled, "/mapping")),
    }
    if let Some(Mapped {
        pointer: None,
        value: Some(serde_json::Value::String(team)),
    }) = &input.mapping.team
    {
        match app.store.team(team).await {
            Ok(_) => {}
            Err(docket_store::StoreError::NotFound(_)) => errors.push(FieldError {
                pointer: "/mapping/team/value".into(),
                message: format!("no team `{team}`"),
            }),
            Err(e) => return Err(e.into()),
        }
    }
    if errors.is_empty() {
        return Ok(());
    }
    Err(ApiError::Invalid {
        status: StatusCode::UNPROCESSABLE_ENTITY,
        detail: "the webhook source has invalid settings".into(),
        errors,
    })
}

fn settings(input: IntakeSourceInput) -> SourceSettings {
    SourceSettings {
        slug: input.slug,
        name: input.name.trim().to_string(),
        ticket_type: input.ticket_type,
        enabled: input.enabled,
        scheme: input.scheme,
        mapping: input.mapping,
    }
}

/// List the webhook sources
#[utoipa::path(
    get, path = "/intake/webhooks", tag = "intake",
    responses((status = 200, body = IntakeSourceList))
)]
pub(super) async fn list_sources(
    State(app): State<AppState>,
    caller: Caller,
) -> ApiResult<Json<IntakeSourceList>> {
    caller.need(Need::Admin)?;
    let items = app
        .store
        .intake_sources()
        .await?
        .into_iter()
        .map(source_out)
        .collect();
    Ok(Json(IntakeSourceList { items }))
}

/// Create a webhook source
///
/// The mapping is checked against the ticket type: unknown fields, bad JSON pointers,
/// constants that do not fit, required fields left unmapped. The answer carries the new
/// signing secret, the only time it is shown.
#[utoipa::path(
    post, path = "/intake/webhooks", tag = "intake",
    request_body = IntakeSourceInput,
    responses(
        (status = 201, body = IntakeSourceWithSecret),
        (status = 409, description = "Another source has the slug", body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json"),
    )
)]
pub(super) async fn create_source(
    State(app): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
    Body(bytes): Body,
) -> ApiResult<(StatusCode, Json<IntakeSourceWithSecret>)> {
    caller.need(Need::Admin)?;
    require_json(&headers)?;
    let input: IntakeSourceInput = parse_json(&bytes)?;
    check_source(&app, &input).await?;
    let (source, secret) = app
        .store
        .create_intake_source(&app.master_key, &settings(input), &caller.actor())
        .await?;
    Ok((
        StatusCode::CREATED,
        Json(IntakeSourceWithSecret {
            source: source_out(source),
            secret,
        }),
    ))
}

/// Get a webhook source
#[utoipa::path(
    get, path = "/intake/webhooks/{slug}", tag = "intake",
    params(("slug" = String, Path)),
    responses((status = 200, body = IntakeSourceOut), (status = 404, body = Problem, content_type = "application/problem+json"))
)]
pub(super) async fn get_source(
    State(app): State<AppState>,
    caller: Caller,
    Path(slug): Path<String>,
) -> ApiResult<Json<IntakeSourceOut>> {
    caller.need(Need::Admin)?;
    Ok(Json(source_out(app.store.intake_source(&slug).await?)))
}

/// Replace a webhook source's settings
///
/// A new `slug` moves the receiving URL; the secret stays.
#[utoipa::path(
    put, path = "/intake/webhooks/{slug}", tag = "intake",
    params(("slug" = String, Path)),
    request_body = IntakeSourceInput,
    responses(
        (status = 200, body = IntakeSourceOut),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Another source has the slug", body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json"),
    )
)]
pub(super) async fn replace_source(
    State(app): State<AppState>,
    caller: Caller,
    Path(slug): Path<String>,
    headers: HeaderMap,
    Body(bytes): Body,
) -> ApiResult<Json<IntakeSourceOut>> {
    caller.need(Need::Admin)?;
    require_json(&headers)?;
    let input: IntakeSourceInput = parse_json(&bytes)?;
    check_source(&app, &input).await?;
    let source = app
        .store
        .update_intake_source(&slug, &settings(input), &caller.actor())
        .await?;
    Ok(Json(source_out(source)))
}

/// Delete a webhook source
///
/// Its secret and delivery log go with it; the tickets it made stay.
#[utoipa::path(
    delete, path = "/intake/webhooks/{slug}", tag = "intake",
    params(("slug" = String, Path)),
    responses((status = 204), (status = 404, body = Problem, content_type = "application/problem+json"))
)]
pub(super) async fn delete_source(
    State(app): State<AppState>,
    caller: Caller,
    Path(slug): Path<String>,
) -> ApiResult<StatusCode> {
    caller.need(Need::Admin)?;
    app.store
        .delete_intake_source(&slug, &caller.actor())
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Give a webhook source a new signing secret
///
/// The old secret stops working at once. The answer carries the new one, the only time
/// it is shown.
#[utoipa::path(
    post, path = "/intake/webhooks/{slug}/rotate-secret", tag = "intake",
    params(("slug" = String, Path)),
    responses((status = 200, body = IntakeSourceWithSecret), (status = 404, body = Problem, content_type = "application/problem+json"))
)]
pub(super) async fn rotate_secret(
    State(app): State<AppState>,
    caller: Caller,
    Path(slug): Path<String>,
) -> ApiResult<Json<IntakeSourceWithSecret>> {
    caller.need(Need::Admin)?;
    let (source, secret) = app
        .store
        .rotate_intake_secret(&app.master_key, &slug, &caller.actor())
        .await?;
    Ok(Json(IntakeSourceWithSecret {
        source: source_out(source),
        secret,
    }))
}

/// A webhook source's last deliveries, newest first
///
/// Every delivery to an existing source is logged, accepted or not (the last 50): when,
/// the outcome and status the sender got, the ticket, or what was wrong. Deliveries
/// held back by the throttle are not.
#[utoipa::path(
    get, path = "/intake/webhooks/{slug}/deliveries", tag = "intake",
    params(("slug" = String, Path)),
    responses((status = 200, body = IntakeDeliveryList), (status = 404, body = Problem, content_type = "application/problem+json"))
)]
pub(super) async fn list_deliveries(
    State(app): State<AppState>,
    caller: Caller,
    Path(slug): Path<String>,
) -> ApiResult<Json<IntakeDeliveryList>> {
    caller.need(Need::Admin)?;
    let source = app.store.intake_source(&slug).await?;
    let items = app
        .store
        .intake_deliveries(source.id)
        .await?
        .into_iter()
        .map(delivery_out)
        .collect();
    Ok(Json(IntakeDeliveryList { items }))
}

//! An admin's settings of a type's public form: published or not, its slug, intro,
//! fields shown and throttle. A type without settings has no form (404 here until the
//! first PUT).

use axum::Json;
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use docket_api::*;
use docket_core::access::Need;
use docket_store::public::{PublicForm, PublicFormSettings};

use crate::api::AppState;
use crate::api::body::{Body, parse_json, require_json};
use crate::auth::Caller;
use crate::error::{ApiError, ApiResult};

fn settings_out(app: &AppState, f: PublicForm) -> ApiResult<PublicFormSettingsOut> {
    let ty = app.store.registered(&f.ticket_type)?;
    Ok(PublicFormSettingsOut {
        shown_fields: f.shown_fields(&ty.compiled),
        type_slug: f.ticket_type,
        slug: f.slug,
        published: f.published,
        intro: f.intro,
        fields: f.fields,
        per_address_per_hour: f.per_address_per_hour,
        per_email_per_hour: f.per_email_per_hour,
        updated_by: f.updated_by,
        updated_at: f.updated_at,
    })
}

/// A type's public form settings
#[utoipa::path(
    get, path = "/types/{slug}/public-form", tag = "types",
    params(("slug" = String, Path, description = "The ticket type")),
    responses(
        (status = 200, body = PublicFormSettingsOut),
        (status = 404, description = "The type has no form settings (or no such type)", body = Problem, content_type = "application/problem+json"),
    )
)]
pub(super) async fn get_public_form_settings(
    State(app): State<AppState>,
    caller: Caller,
    Path(slug): Path<String>,
) -> ApiResult<Json<PublicFormSettingsOut>> {
    caller.need(Need::Admin)?;
    let form = app
        .store
        .public_form_of_type(&slug)
        .await?
        .ok_or_else(|| ApiError::not_found(format!("type `{slug}` has no public form")))?;
    Ok(Json(settings_out(&app, form)?))
}

/// Set a type's public form
///
/// Publishes (or unpublishes) the type as a form anyone may fill in at `/forms/<slug>`.
#[utoipa::path(
    put, path = "/types/{slug}/public-form", tag = "types",
    params(("slug" = String, Path, description = "The ticket type")),
    request_body = PublicFormSettingsInput,
    responses(
        (status = 200, body = PublicFormSettingsOut),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "Not JSON", body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json"),
    )
)]
pub(super) async fn put_public_form_settings(
    State(app): State<AppState>,
    caller: Caller,
    Path(slug): Path<String>,
    headers: HeaderMap,
    Body(bytes): Body,
) -> ApiResult<Json<PublicFormSettingsOut>> {
    caller.need(Need::Admin)?;
    require_json(&headers)?;
    let input: PublicFormSettingsInput = parse_json(&bytes)?;
    let form = app
        .store
        .set_public_form(
            &slug,
            PublicFormSettings {
                slug: input.slug,
                published: input.published,
                intro: input.intro,
                fields: input.fields,
                per_address_per_hour: input.per_address_per_hour,
                per_email_per_hour: input.per_email_per_hour,
            },
            &caller.actor(),
        )
        .await?;
    Ok(Json(settings_out(&app, form)?))
}

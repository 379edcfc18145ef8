//! Published forms: the index, one form's schema, and a submission that makes a ticket.
//! A submission is checked like any create (every failing field at once, by JSON
//! pointer), by a requester named by their email; it is throttled per address and per
//! email, and a bot that fills the hidden `homepage` field is answered as if it had
//! succeeded while nothing is stored.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::{Extensions, HeaderMap, StatusCode};
use docket_api::*;
use docket_core::ticket::SourceChannel;
use docket_core::typedef::FieldError;
use docket_store::public::{Limit, PublicForm};
use docket_store::{NewTicket, RequesterRef, StoreError};

use super::{client_address, throttle};
use crate::api::AppState;
use crate::api::body::{Body, parse_json, require_json};
use crate::error::{ApiError, ApiResult};

const MAX_NAME: usize = 200;
const MAX_EMAIL: usize = 254;

/// List the published forms
#[utoipa::path(
    get, path = "/public/forms", tag = "public", security(()),
    responses((status = 200, body = Vec<PublicFormSummary>))
)]
pub(super) async fn list_forms(
    State(app): State<AppState>,
) -> ApiResult<Json<Vec<PublicFormSummary>>> {
    let forms = app.store.published_forms().await?;
    Ok(Json(
        forms
            .into_iter()
            .filter_map(|f| {
                let ty = app.store.registry().get(&f.ticket_type)?;
                Some(PublicFormSummary {
                    slug: f.slug,
                    name: ty.compiled.definition.name.clone(),
                    description: ty.compiled.definition.description.clone(),
                })
            })
            .collect(),
    ))
}

fn form_out(app: &AppState, form: &PublicForm) -> ApiResult<PublicFormOut> {
    let ty = app.store.registered(&form.ticket_type)?;
    Ok(PublicFormOut {
        slug: form.slug.clone(),
        name: ty.compiled.definition.name.clone(),
        description: ty.compiled.definition.description.clone(),
        intro: form.intro.clone(),
        schema: form.schema(&ty.compiled),
        ui: form.ui(&ty.compiled),
    })
}

/// A published form
///
/// What a client needs to render it: the type's schema cut to the fields shown, and its
/// form hints. An unpublished or unknown form is 404 alike.
#[utoipa::path(
    get, path = "/public/forms/{slug}", tag = "public", security(()),
    params(("slug" = String, Path)),
    responses(
        (status = 200, body = PublicFormOut),
        (status = 404, body = Problem, content_type = "application/problem+json"),
    )
)]
pub(super) async fn get_form(
    State(app): State<AppState>,
    Path(slug): Path<String>,
) -> ApiResult<Json<PublicFormOut>> {
    let form = published(&app, &slug).await?;
    Ok(Json(form_out(&app, &form)?))
}

async fn published(app: &AppState, slug: &str) -> ApiResult<PublicForm> {
    match app.store.published_form(slug).await {
        Ok(f) => Ok(f),
        Err(StoreError::NotFound(_)) => Err(ApiError::not_found("no published form here")),
        Err(e) => Err(e.into()),
    }
}

/// The submission's own checks (name, email, fields the form does not show).
fn check(form: &PublicForm, shown: &[String], s: &PublicFormSubmission) -> Vec<FieldError> {
    let mut errors = Vec::new();
    let mut push = |pointer: String, message: &str| {
        errors.push(FieldError {
            pointer,
            message: message.into(),
        })
    };
    let name = s.name.trim();
    if name.is_empty() || name.chars().count() > MAX_NAME {
        push("/name".into(), "your name, at most 200 characters");
    }
    if !plausible_email(s.email.trim()) {
        push("/email".into(), "an email address such as ada@example.com");
    }
    for key in s.fields.keys() {
        if !shown.contains(key) {
            push(
                format!("/fields/{key}"),
                &format!("not a field of the form `{}`", form.slug),
            );
        }
    }
    errors
}

/// An address mail could be sent to: one `@`, something before it, a dotted domain
/// after it, no spaces. Whether it exists only a mail can tell.
fn plausible_email(email: &str) -> bool {
    let Some((local, domain)) = email.split_once('@') else {
        return false;
    };
    email.len() <= MAX_EMAIL
        && !local.is_empty()
        && !domain.contains('@')
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !email.chars().any(|c| c.is_whitespace() || c.is_control())
}

/// Submit a published form
///
/// Creates a ticket of the form's type for the requester named by `email` (found or
/// made; a new one at an organisation's email domain joins it), with source channel
/// `form`. Every failing field is reported at once (`/name`, `/email`, `/title`,
/// `/fields/<name>`...). One address and one email may create only so many tickets an
/// hour (the form's settings): past that, 429 with Retry-After. Leave `homepage` empty:
/// it is the honeypot, and a filled one is answered like a success with nothing stored.
#[utoipa::path(
    post, path = "/public/forms/{slug}", tag = "public", security(()),
    params(("slug" = String, Path)),
    request_body = PublicFormSubmission,
    responses(
        (status = 201, description = "The ticket was made", body = PublicFormReceipt),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "Not JSON", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields, each by JSON pointer", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "Too many tickets from this address or email; see Retry-After", body = Problem, content_type = "application/problem+json"),
    )
)]
pub(super) async fn submit_form(
    State(app): State<AppState>,
    Path(slug): Path<String>,
    extensions: Extensions,
    headers: HeaderMap,
    Body(bytes): Body,
) -> ApiResult<(StatusCode, Json<PublicFormReceipt>)> {
    let form = published(&app, &slug).await?;
    require_json(&headers)?;
    let submission: PublicFormSubmission = parse_json(&bytes)?;
    let ty = app.store.registered(&form.ticket_type)?;
    let errors = check(&form, &form.shown_fields(&ty.compiled), &submission);
    if !errors.is_empty() {
        return Err(ApiError::Invalid {
            status: StatusCode::UNPROCESSABLE_ENTITY,
            detail: format!("{} field(s) failed validation", errors.len()),
            errors,
        });
    }
    let email = submission.email.trim().to_lowercase();
    let limits = [
        Limit {
            bucket: format!("form-ip:{}", client_address(&extensions)),
            per_hour: form.per_address_per_hour,
        },
        Limit {
            bucket: format!("form-email:{email}"),
            per_hour: form.per_email_per_hour,
        },
    ];
    let attempt = throttle(&app, &limits).await?;
    if submission
        .homepage
        .as_deref()
        .is_some_and(|h| !h.trim().is_empty())
    {
        // A bot: it reads success, nothing is stored, and its attempt stays counted.
        tracing::info!(form = %form.slug, "a public form's honeypot was filled; nothing stored");
        return Ok((
            StatusCode::CREATED,
            Json(PublicFormReceipt {
                ticket: decoy_key(&ty.compiled.definition.key_prefix),
            }),
        ));
    }
    let new = NewTicket {
        type_slug: form.ticket_type.clone(),
        title: submission.title,
        body: submission.body,
        requester: Some(RequesterRef {
            email: Some(email),
            name: Some(submission.name.trim().to_string()),
            ..Default::default()
        }),
        source_channel: SourceChannel::Form,
        fields: submission.fields,
        actor: format!("form:{}", form.slug),
        ..Default::default()
    };
    match app.store.create_ticket(new).await {
        Ok((ticket, _)) => Ok((
            StatusCode::CREATED,
            Json(PublicFormReceipt { ticket: ticket.key }),
        )),
        Err(e) => {
            // A field to correct is not a ticket: the sender may try again at once.
            if matches!(e, StoreError::Invalid(_))
                && let Err(give_back) = app.store.give_back_public_attempt(attempt).await
            {
                tracing::warn!(error = %give_back, "could not give back a public form's attempt");
            }
            Err(e.into())
        }
    }
}

/// A key that looks like the type's next ones, for a bot that must believe it won.
fn decoy_key(prefix: &str) -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or_default();
    format!("{prefix}-{}", 1000 + nanos % 9000)
}

#[cfg(test)]
mod tests {
    use super::plausible_email;

    #[test]
    fn emails() {
        assert!(plausible_email("ada@example.com"));
        for bad in [
            "",
            "ada",
            "@example.com",
            "ada@",
            "ada@example",
            "a b@example.com",
            "a@b@c.com",
            "ada@.com",
        ] {
            assert!(!plausible_email(bad), "{bad}");
        }
    }
}

//! Email administration: the settings (SMTP relay, sender, links), the relay's password
//! (write-only: no response, log line or problem carries it), a test send, and the
//! templates of the emails Docket sends. The delivery worker picks changes up on its
//! next run (`delivery::email`).

use std::time::Duration;

use axum::Json;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use docket_api::*;
use docket_core::access::Need;
use docket_core::email_settings::is_email_address;
use docket_core::mail_templates::{self, MailTemplate, VARIABLES};
use docket_store::delivery::EmailTemplate;
use serde_json::json;
use utoipa_axum::{router::OpenApiRouter, routes};

use super::AppState;
use super::body::{Body, parse_json, require_json};
use crate::auth::Caller;
use crate::delivery::email::send_test;
use crate::error::{ApiError, ApiResult};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(get_email_settings, put_email_settings))
        .routes(routes!(put_smtp_password, delete_smtp_password))
        .routes(routes!(test_email))
        .routes(routes!(list_email_templates))
        .routes(routes!(
            get_email_template,
            put_email_template,
            reset_email_template
        ))
        .routes(routes!(preview_email_template))
}

/// A test send waits this long at most (the relay's own timeouts are shorter).
const TEST_DEADLINE: Duration = Duration::from_secs(40);

async fn settings_out(app: &AppState) -> ApiResult<EmailSettingsOut> {
    let stored = app.store.email_settings().await?;
    Ok(EmailSettingsOut {
        settings: stored.settings,
        version: stored.version,
        password_set: app.store.smtp_password_is_set().await?,
        updated_by: stored.updated_by,
        updated_at: stored.updated_at,
    })
}

fn template_out(t: EmailTemplate) -> EmailTemplateOut {
    EmailTemplateOut {
        name: t.kind.name.to_string(),
        description: t.kind.description.to_string(),
        subject: t.template.subject,
        text: t.template.text,
        html: t.template.html,
        customised: t.customised,
        updated_by: t.updated_by,
        updated_at: t.updated_at,
    }
}

/// The email settings (and whether a password is set; never the password)
#[utoipa::path(
    get, path = "/email/settings", tag = "email",
    responses((status = 200, body = EmailSettingsOut))
)]
async fn get_email_settings(
    State(app): State<AppState>,
    caller: Caller,
) -> ApiResult<Json<EmailSettingsOut>> {
    caller.need(Need::Admin)?;
    Ok(Json(settings_out(&app).await?))
}

/// Replace the email settings
///
/// Every instance's delivery worker picks the change up within a few seconds. Switched
/// on, email is queued for staff (by their preferences) and requesters; while the
/// relay cannot be reached it waits in the queue.
#[utoipa::path(
    put, path = "/email/settings", tag = "email",
    request_body = EmailSettings,
    responses(
        (status = 200, body = EmailSettingsOut),
        (status = 422, body = Problem, content_type = "application/problem+json"),
    )
)]
async fn put_email_settings(
    State(app): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
    Body(bytes): Body,
) -> ApiResult<Json<EmailSettingsOut>> {
    caller.need(Need::Admin)?;
    require_json(&headers)?;
    let input: EmailSettings = parse_json(&bytes)?;
    app.store.put_email_settings(input, &caller.actor()).await?;
    Ok(Json(settings_out(&app).await?))
}

/// Set the SMTP relay's password
///
/// Sealed with the master key. No endpoint ever returns it.
#[utoipa::path(
    put, path = "/email/password", tag = "email",
    request_body = SmtpPasswordPut,
    responses(
        (status = 200, body = SmtpPasswordOut),
        (status = 422, body = Problem, content_type = "application/problem+json"),
    )
)]
async fn put_smtp_password(
    State(app): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
    Body(bytes): Body,
) -> ApiResult<Json<SmtpPasswordOut>> {
    caller.need(Need::Admin)?;
    require_json(&headers)?;
    let input: SmtpPasswordPut = parse_json(&bytes)?;
    app.store
        .set_smtp_password(&app.master_key, &input.password, &caller.actor())
        .await?;
    Ok(Json(SmtpPasswordOut { password_set: true }))
}

/// Clear the SMTP relay's password
#[utoipa::path(
    delete, path = "/email/password", tag = "email",
    responses((status = 200, body = SmtpPasswordOut))
)]
async fn delete_smtp_password(
    State(app): State<AppState>,
    caller: Caller,
) -> ApiResult<Json<SmtpPasswordOut>> {
    caller.need(Need::Admin)?;
    app.store.clear_smtp_password(&caller.actor()).await?;
    Ok(Json(SmtpPasswordOut {
        password_set: false,
    }))
}

/// Send a test email with the saved settings
///
/// To `to`, or to the caller. Answers whether the relay took it and, if not, why (the
/// settings need not be switched on).
#[utoipa::path(
    post, path = "/email/test", tag = "email",
    request_body = EmailTestIn,
    responses(
        (status = 200, body = EmailTestOut),
        (status = 422, body = Problem, content_type = "application/problem+json"),
    )
)]
async fn test_email(
    State(app): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
    Body(bytes): Body,
) -> ApiResult<Json<EmailTestOut>> {
    let p = caller.need(Need::Admin)?;
    let input: EmailTestIn = if bytes.is_empty() {
        EmailTestIn::default()
    } else {
        require_json(&headers)?;
        parse_json(&bytes)?
    };
    let to = input
        .to
        .map(|t| t.trim().to_string())
        .unwrap_or_else(|| p.email.clone());
    if !is_email_address(&to) {
        return Err(ApiError::invalid_field(
            StatusCode::UNPROCESSABLE_ENTITY,
            "/to",
            "an email address",
        ));
    }
    let sent = tokio::time::timeout(TEST_DEADLINE, send_test(&app.store, &app.master_key, &to))
        .await
        .unwrap_or_else(|_| Ok(Err("the relay did not answer in time".into())))?;
    Ok(Json(EmailTestOut {
        sent: sent.is_ok(),
        to,
        error: sent.err(),
    }))
}

/// The email templates, with the names they may use
#[utoipa::path(
    get, path = "/email/templates", tag = "email",
    responses((status = 200, body = EmailTemplatesOut))
)]
async fn list_email_templates(
    State(app): State<AppState>,
    caller: Caller,
) -> ApiResult<Json<EmailTemplatesOut>> {
    caller.need(Need::Admin)?;
    Ok(Json(EmailTemplatesOut {
        templates: app
            .store
            .email_templates()
            .await?
            .into_iter()
            .map(template_out)
            .collect(),
        variables: VARIABLES
            .iter()
            .map(|(name, description)| TemplateVariable {
                name: name.to_string(),
                description: description.to_string(),
            })
            .collect(),
    }))
}

/// One email template
#[utoipa::path(
    get, path = "/email/templates/{name}", tag = "email",
    params(("name" = String, Path, description = "`requester.acknowledgement`, `staff.assigned`, ...")),
    responses((status = 200, body = EmailTemplateOut), (status = 404, body = Problem, content_type = "application/problem+json"))
)]
async fn get_email_template(
    State(app): State<AppState>,
    caller: Caller,
    Path(name): Path<String>,
) -> ApiResult<Json<EmailTemplateOut>> {
    caller.need(Need::Admin)?;
    Ok(Json(template_out(app.store.email_template(&name).await?)))
}

/// Replace an email template's wording
///
/// Checked first: an unknown name or an unclosed section is refused with its line and
/// column, and nothing is saved.
#[utoipa::path(
    put, path = "/email/templates/{name}", tag = "email",
    params(("name" = String, Path, description = "`requester.acknowledgement`, `staff.assigned`, ...")),
    request_body = EmailTemplateIn,
    responses(
        (status = 200, body = EmailTemplateOut),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json"),
    )
)]
async fn put_email_template(
    State(app): State<AppState>,
    caller: Caller,
    Path(name): Path<String>,
    headers: HeaderMap,
    Body(bytes): Body,
) -> ApiResult<Json<EmailTemplateOut>> {
    caller.need(Need::Admin)?;
    require_json(&headers)?;
    let input: EmailTemplateIn = parse_json(&bytes)?;
    let template = MailTemplate {
        subject: input.subject,
        text: input.text,
        html: input.html,
    };
    Ok(Json(template_out(
        app.store
            .put_email_template(&name, template, &caller.actor())
            .await?,
    )))
}

/// Bring back an email template's shipped wording
#[utoipa::path(
    delete, path = "/email/templates/{name}", tag = "email",
    params(("name" = String, Path, description = "`requester.acknowledgement`, `staff.assigned`, ...")),
    responses((status = 200, body = EmailTemplateOut), (status = 404, body = Problem, content_type = "application/problem+json"))
)]
async fn reset_email_template(
    State(app): State<AppState>,
    caller: Caller,
    Path(name): Path<String>,
) -> ApiResult<Json<EmailTemplateOut>> {
    caller.need(Need::Admin)?;
    Ok(Json(template_out(
        app.store
            .reset_email_template(&name, &caller.actor())
            .await?,
    )))
}

/// Render a template's wording with example values
///
/// What an edit would look like before it is saved; the same checks as saving.
#[utoipa::path(
    post, path = "/email/templates/{name}/preview", tag = "email",
    params(("name" = String, Path, description = "`requester.acknowledgement`, `staff.assigned`, ...")),
    request_body = EmailTemplateIn,
    responses(
        (status = 200, body = EmailPreviewOut),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json"),
    )
)]
async fn preview_email_template(
    State(app): State<AppState>,
    caller: Caller,
    Path(name): Path<String>,
    headers: HeaderMap,
    Body(bytes): Body,
) -> ApiResult<Json<EmailPreviewOut>> {
    caller.need(Need::Admin)?;
    // An unknown template is a 404 here too.
    app.store.email_template(&name).await?;
    require_json(&headers)?;
    let input: EmailTemplateIn = parse_json(&bytes)?;
    let template = MailTemplate {
        subject: input.subject,
        text: input.text,
        html: input.html,
    };
    if let Err(e) = mail_templates::check(&template) {
        return Err(ApiError::invalid_field(
            StatusCode::UNPROCESSABLE_ENTITY,
            &format!("/{}", e.part),
            format!("line {}, column {}: {}", e.line, e.column, e.message),
        ));
    }
    let settings = app.store.email_settings().await?.settings;
    let url = settings
        .public_url
        .clone()
        .unwrap_or_else(|| "https://help.example.com".into());
    let example = json!({
        "recipient": {"name": "Ada Lovelace"},
        "site": {"name": settings.from_name},
        "settings": {"url": url},
        "ticket": {"key": "IT-42", "title": "The printer on floor 3 is jammed", "status": "open",
                   "priority": "P2", "type": "IT support", "url": format!("{url}/tickets/IT-42")},
        "follow_url": format!("{url}/follow/example"),
        "actor": "grace@example.com",
        "comment": {"author": "Grace Hopper", "body": "Thanks, we are on it.\nA technician comes at 3 pm."},
        "sla": {"metric": "first response", "due_at": "2026-12-08 15:00 UTC"},
        "webhook": {"name": "CRM sync", "reason": "25 failed attempts in a row"},
    });
    let out = mail_templates::render(&template, &example);
    Ok(Json(EmailPreviewOut {
        subject: out.subject,
        text: out.text,
        html: out.html,
    }))
}

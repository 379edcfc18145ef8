//! Managing mailboxes. The IMAP password is write-only: sealed at once, never shown.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use docket_api::*;
use docket_core::access::Need;
use docket_core::typedef::FieldError;
use docket_store::mailboxes::{Mailbox, MailboxSettings, Outcome, Security};

use super::super::AppState;
use super::super::body::{Body, parse_json, require_json};
use crate::auth::Caller;
use crate::error::{ApiError, ApiResult};
use crate::mail::poller::Poller;

pub(super) fn outcome_out(o: Outcome) -> MailOutcome {
    match o {
        Outcome::Created => MailOutcome::Created,
        Outcome::Threaded => MailOutcome::Threaded,
        Outcome::Noise => MailOutcome::Noise,
        Outcome::Duplicate => MailOutcome::Duplicate,
        Outcome::RateLimited => MailOutcome::RateLimited,
        Outcome::Refused => MailOutcome::Refused,
        Outcome::Failed => MailOutcome::Failed,
    }
}

fn mailbox_out(m: Mailbox) -> MailboxOut {
    let s = m.settings;
    MailboxOut {
        raw_endpoint: format!("/api/v1/mailboxes/{}/raw", m.id),
        id: m.id,
        name: s.name,
        address: s.address,
        ticket_type: s.ticket_type,
        default_priority: s.default_priority,
        fields: s.fields,
        imap_host: s.imap_host,
        imap_port: s.imap_port,
        imap_security: match s.imap_security {
            Security::Tls => ImapSecurity::Tls,
            Security::StartTls => ImapSecurity::Starttls,
            Security::None => ImapSecurity::None,
        },
        imap_username: s.imap_username,
        folder: s.folder,
        move_to: s.move_to,
        use_idle: s.use_idle,
        poll_seconds: s.poll_seconds,
        sender_hourly_limit: s.sender_hourly_limit,
        enabled: s.enabled,
        uid_validity: m.uid_state.map(|(v, _)| v),
        last_uid: m.uid_state.map(|(_, u)| u),
        last_checked_at: m.last_checked_at,
        last_error: m.last_error,
        last_error_at: m.last_error_at,
        created_at: m.created_at,
        updated_at: m.updated_at,
    }
}

/// A name is an argument of `docket mail pipe`: nothing to quote, nothing to confuse.
fn valid_name(name: &str) -> bool {
    (1..=64).contains(&name.len())
        && name.starts_with(|c: char| c.is_ascii_lowercase() || c.is_ascii_digit())
        && name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'_')
}

/// `local@domain` with a domain our Message-IDs can use.
fn valid_address(address: &str) -> bool {
    match address.rsplit_once('@') {
        Some((local, domain)) => {
            !local.is_empty()
                && !local.contains(char::is_whitespace)
                && docket_mail::MessageIds::new(domain).is_ok()
                && domain.contains('.')
        }
        None => false,
    }
}

/// Everything wrong with a mailbox, refused at once with pointers into the request.
fn check_settings(app: &AppState, input: &MailboxInput, creating: bool) -> ApiResult<()> {
    let mut errors = Vec::new();
    let mut refuse = |pointer: &str, message: String| {
        errors.push(FieldError {
            pointer: pointer.into(),
            message,
        })
    };
    if !valid_name(&input.name) {
        refuse(
            "/name",
            "1 to 64 lower-case letters, digits, `-` and `_`, starting with a letter or digit"
                .into(),
        );
    }
    if !valid_address(input.address.trim()) {
        refuse(
            "/address",
            "an email address such as support@example.com".into(),
        );
    }
    match app.store.registry().get(&input.ticket_type) {
        None => refuse(
            "/ticket_type",
            format!("no ticket type `{}`", input.ticket_type),
        ),
        Some(ty) => {
            let fields = ty
                .compiled
                .with_defaults(&serde_json::Value::Object(input.fields.clone()));
            for e in ty.compiled.validate(&fields, "/fields") {
                refuse(&e.pointer, e.message);
            }
        }
    }
    let host = input.imap_host.trim();
    if host.is_empty() || host.len() > 253 || host.contains(char::is_whitespace) {
        refuse("/imap_host", "a host name or address".into());
    }
    if input.imap_port == 0 {
        refuse("/imap_port", "a port from 1 to 65535".into());
    }
    if input.imap_username.trim().is_empty() {
        refuse("/imap_username", "the account to log in as".into());
    }
    match &input.imap_password {
        None if creating => refuse("/imap_password", "required to create a mailbox".into()),
        Some(p) if p.is_empty() => refuse("/imap_password", "must not be empty".into()),
        _ => {}
    }
    if input.folder.trim().is_empty() {
        refuse(
            "/folder",
            "the folder mail arrives in, usually INBOX".into(),
        );
    }
    if let Some(to) = &input.move_to
        && (to.trim().is_empty() || to.trim() == input.folder.trim())
    {
        refuse(
            "/move_to",
            "another folder than the one mail arrives in (or none, to mark mail read)".into(),
        );
    }
    if !(10..=3600).contains(&input.poll_seconds) {
        refuse("/poll_seconds", "10 to 3600 seconds".into());
    }
    if errors.is_empty() {
        return Ok(());
    }
    Err(ApiError::Invalid {
        status: StatusCode::UNPROCESSABLE_ENTITY,
        detail: "the mailbox has invalid settings".into(),
        errors,
    })
}

fn settings(input: &MailboxInput) -> MailboxSettings {
    MailboxSettings {
        name: input.name.clone(),
        address: input.address.trim().to_string(),
        ticket_type: input.ticket_type.clone(),
        default_priority: input.default_priority,
        fields: input.fields.clone(),
        imap_host: input.imap_host.trim().to_string(),
        imap_port: input.imap_port,
        imap_security: match input.imap_security {
            ImapSecurity::Tls => Security::Tls,
            ImapSecurity::Starttls => Security::StartTls,
            ImapSecurity::None => Security::None,
        },
        imap_username: input.imap_username.trim().to_string(),
        folder: input.folder.trim().to_string(),
        move_to: input.move_to.as_ref().map(|f| f.trim().to_string()),
        use_idle: input.use_idle,
        poll_seconds: input.poll_seconds,
        sender_hourly_limit: input.sender_hourly_limit,
        enabled: input.enabled,
    }
}

fn poller(app: &AppState) -> Poller {
    Poller::new(
        app.store.clone(),
        app.master_key.clone(),
        app.attachments.clone(),
        format!("api:{}", crate::instance_name()),
    )
}

/// List the mailboxes
#[utoipa::path(
    get, path = "/mailboxes", tag = "mailboxes",
    responses((status = 200, body = MailboxList))
)]
pub(super) async fn list_mailboxes(
    State(app): State<AppState>,
    caller: Caller,
) -> ApiResult<Json<MailboxList>> {
    caller.need(Need::Admin)?;
    let items = app
        .store
        .mailboxes()
        .await?
        .into_iter()
        .map(mailbox_out)
        .collect();
    Ok(Json(MailboxList { items }))
}

/// Create a mailbox
///
/// The password is sealed at once and never shown. An enabled mailbox is checked
/// within seconds by a running server.
#[utoipa::path(
    post, path = "/mailboxes", tag = "mailboxes",
    request_body = MailboxInput,
    responses(
        (status = 201, body = MailboxOut),
        (status = 409, description = "Another mailbox has the name", body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json"),
    )
)]
pub(super) async fn create_mailbox(
    State(app): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
    Body(bytes): Body,
) -> ApiResult<(StatusCode, Json<MailboxOut>)> {
    caller.need(Need::Admin)?;
    require_json(&headers)?;
    let input: MailboxInput = parse_json(&bytes)?;
    check_settings(&app, &input, true)?;
    let mailbox = app
        .store
        .create_mailbox(
            &app.master_key,
            &settings(&input),
            input.imap_password.as_deref().unwrap_or_default(),
            &caller.actor(),
        )
        .await?;
    Ok((StatusCode::CREATED, Json(mailbox_out(mailbox))))
}

/// Get a mailbox
#[utoipa::path(
    get, path = "/mailboxes/{id}", tag = "mailboxes",
    params(("id" = i64, Path)),
    responses((status = 200, body = MailboxOut), (status = 404, body = Problem, content_type = "application/problem+json"))
)]
pub(super) async fn get_mailbox(
    State(app): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
) -> ApiResult<Json<MailboxOut>> {
    caller.need(Need::Admin)?;
    Ok(Json(mailbox_out(app.store.mailbox(id).await?)))
}

/// Replace a mailbox's settings
///
/// Without `imap_password` the stored password stays. Another server, account or
/// folder starts fetching afresh (unread mail; Message-IDs keep mail taken in before
/// out).
#[utoipa::path(
    put, path = "/mailboxes/{id}", tag = "mailboxes",
    params(("id" = i64, Path)),
    request_body = MailboxInput,
    responses(
        (status = 200, body = MailboxOut),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Another mailbox has the name", body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json"),
    )
)]
pub(super) async fn replace_mailbox(
    State(app): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
    headers: HeaderMap,
    Body(bytes): Body,
) -> ApiResult<Json<MailboxOut>> {
    caller.need(Need::Admin)?;
    require_json(&headers)?;
    let input: MailboxInput = parse_json(&bytes)?;
    check_settings(&app, &input, false)?;
    let mailbox = app
        .store
        .update_mailbox(
            &app.master_key,
            id,
            &settings(&input),
            input.imap_password.as_deref(),
            &caller.actor(),
        )
        .await?;
    Ok(Json(mailbox_out(mailbox)))
}

/// Delete a mailbox
///
/// Its password and log go with it; its tickets and their email threads stay.
#[utoipa::path(
    delete, path = "/mailboxes/{id}", tag = "mailboxes",
    params(("id" = i64, Path)),
    responses((status = 204), (status = 404, body = Problem, content_type = "application/problem+json"))
)]
pub(super) async fn delete_mailbox(
    State(app): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
) -> ApiResult<StatusCode> {
    caller.need(Need::Admin)?;
    app.store.delete_mailbox(id, &caller.actor()).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Test a mailbox's connection
///
/// Connects, logs in and selects the folder with the stored settings, then logs out;
/// nothing is fetched. The answer says what failed.
#[utoipa::path(
    post, path = "/mailboxes/{id}/test", tag = "mailboxes",
    params(("id" = i64, Path)),
    responses((status = 200, body = MailboxTestResult), (status = 404, body = Problem, content_type = "application/problem+json"))
)]
pub(super) async fn test_mailbox(
    State(app): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
) -> ApiResult<Json<MailboxTestResult>> {
    caller.need(Need::Admin)?;
    let mailbox = app.store.mailbox(id).await?;
    let result = poller(&app).test_connection(&mailbox).await;
    Ok(Json(MailboxTestResult {
        ok: result.is_ok(),
        error: result.err(),
    }))
}

/// Check a mailbox now
///
/// Fetches and takes in everything new, as the scheduled check does, and answers what
/// each message came to. A mailbox being checked right now (an IDLE session that
/// takes new mail in as it arrives) answers 409.
#[utoipa::path(
    post, path = "/mailboxes/{id}/check", tag = "mailboxes",
    params(("id" = i64, Path)),
    responses(
        (status = 200, body = MailboxCheckResult),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Disabled, or being checked right now", body = Problem, content_type = "application/problem+json"),
    )
)]
pub(super) async fn check_mailbox(
    State(app): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
) -> ApiResult<Json<MailboxCheckResult>> {
    caller.need(Need::Admin)?;
    let Some(result) = poller(&app).check_now(id).await? else {
        return Err(ApiError::new(
            StatusCode::CONFLICT,
            "Conflict",
            "the mailbox is being checked right now; new mail is taken in as it arrives",
        ));
    };
    Ok(Json(match result {
        Ok(summary) => MailboxCheckResult {
            ok: true,
            error: None,
            fetched: summary.fetched as u32,
            items: summary
                .outcomes
                .into_iter()
                .map(|(outcome, ticket_key)| MailboxCheckItem {
                    outcome: outcome_out(outcome),
                    ticket_key,
                })
                .collect(),
        },
        Err(error) => MailboxCheckResult {
            ok: false,
            error: Some(error),
            fetched: 0,
            items: Vec::new(),
        },
    }))
}

/// A mailbox's last messages, newest first
///
/// Every message taken in is logged, whatever became of it (the last
/// 100): when, from whom, the subject, the outcome, the ticket, or
/// why nothing was made.
#[utoipa::path(
    get, path = "/mailboxes/{id}/log", tag = "mailboxes",
    params(("id" = i64, Path)),
    responses((status = 200, body = MailboxLog), (status = 404, body = Problem, content_type = "application/problem+json"))
)]
pub(super) async fn mailbox_log(
    State(app): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
) -> ApiResult<Json<MailboxLog>> {
    caller.need(Need::Admin)?;
    app.store.mailbox(id).await?;
    let items = app
        .store
        .mailbox_log(id)
        .await?
        .into_iter()
        .map(|e| MailboxLogEntry {
            id: e.id,
            received_at: e.received_at,
            outcome: outcome_out(e.outcome),
            message_id: e.message_id,
            from_address: e.from_address,
            subject: e.subject,
            ticket_key: e.ticket_key,
            detail: e.detail,
        })
        .collect();
    Ok(Json(MailboxLog { items }))
}

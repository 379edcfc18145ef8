//! Raw mail posted by a provider (an inbound-parse webhook set to send the whole
//! message) or a script. The credential is an admin-scoped API token: a mailbox makes
//! tickets in any team's type, as only admins may configure. The message is taken in
//! as the IMAP poller and `docket mail pipe` take it (`mail::intake`).

use axum::Json;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use docket_api::*;
use docket_core::access::Need;
use docket_store::mailboxes::Outcome;

use super::super::AppState;
use super::admin::outcome_out;
use crate::auth::Caller;
use crate::error::{ApiError, ApiResult};
use crate::mail::{TryLater, take_in};

/// Take in one raw email
///
/// The body is the whole message as RFC 822 bytes (`Content-Type: message/rfc822`, or
/// `application/octet-stream` for providers that post bytes without saying what they are),
/// authenticated with an admin-scoped token. It is processed as mail fetched from the
/// mailbox: a new ticket (201), a comment, note or duplicate (200), refused when
/// unusable (422), or 503 when it cannot be taken in now (post it again later).
#[utoipa::path(
    post, path = "/mailboxes/{id}/raw", tag = "mailboxes",
    params(("id" = i64, Path)),
    request_body(description = "The raw message", content(
        (Vec<u8> = "message/rfc822"),
        (Vec<u8> = "application/octet-stream"),
    )),
    responses(
        (status = 201, description = "A new ticket", body = MailReceipt),
        (status = 200, description = "A comment or note on its ticket, a duplicate, or kept without a ticket (rate limit, noise)", body = MailReceipt),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The mailbox is disabled", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "Larger than the attachment limit allows", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "Neither message/rfc822 nor application/octet-stream", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Unusable: the receipt's detail says why", body = MailReceipt),
        (status = 503, description = "Not taken in now; post it again later", body = Problem, content_type = "application/problem+json"),
    )
)]
pub(super) async fn receive_raw(
    State(app): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
    headers: HeaderMap,
    body: axum::body::Body,
) -> ApiResult<(StatusCode, Json<MailReceipt>)> {
    caller.need(Need::Admin)?;
    let mailbox = app.store.mailbox(id).await?;
    if !mailbox.settings.enabled {
        return Err(ApiError::new(
            StatusCode::CONFLICT,
            "Conflict",
            "the mailbox is disabled",
        ));
    }
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    if !content_type
        .split(';')
        .next()
        .map(str::trim)
        .is_some_and(|t| {
            t.eq_ignore_ascii_case("message/rfc822")
                || t.eq_ignore_ascii_case("application/octet-stream")
        })
    {
        return Err(ApiError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "Unsupported media type",
            "post the whole message as Content-Type: message/rfc822",
        ));
    }
    let limit = raw_limit(app.attachments.max_bytes);
    let raw = axum::body::to_bytes(body, limit).await.map_err(|_| {
        ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "Payload too large",
            format!("messages may be at most {limit} bytes"),
        )
    })?;
    let received = take_in(&app.store, &app.attachments, &mailbox, &raw)
        .await
        .map_err(|TryLater(e)| ApiError::Unavailable {
            detail: format!("the message was not taken in: {e}"),
            retry_after: 60,
        })?;
    let status = match received.outcome {
        Outcome::Created => StatusCode::CREATED,
        Outcome::Refused => StatusCode::UNPROCESSABLE_ENTITY,
        _ => StatusCode::OK,
    };
    Ok((
        status,
        Json(MailReceipt {
            outcome: outcome_out(received.outcome),
            message_id: received.message_id,
            ticket_key: received.ticket_key,
            detail: received.detail,
        }),
    ))
}

/// The largest message accepted: an attachment at the limit, base64-encoded (4/3),
/// with room for the text and headers around it.
pub(crate) fn raw_limit(max_attachment: u64) -> usize {
    let limit = max_attachment.saturating_mul(3) / 2 + 4 * 1024 * 1024;
    usize::try_from(limit).unwrap_or(usize::MAX)
}

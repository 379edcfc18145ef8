//! The senders' endpoint. No session or token: the signature over the raw bytes is the
//! credential, checked before anything is parsed. Then the payload is mapped and the
//! ticket made through the ordinary create, keyed by the source's reference so that a
//! redelivery (or two at once) finds the ticket made first. Every delivery to an
//! existing source is logged for its admins, except those the throttle holds back.

use std::net::SocketAddr;

use axum::Json;
use axum::extract::{ConnectInfo, Path, State};
use axum::http::{Extensions, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use docket_api::*;
use docket_core::intake::signature::{self, Refusal};
use docket_core::intake::{MappedTicket, Scheme};
use docket_core::ticket::{CommentKind, SourceChannel};
use docket_core::typedef::FieldError;
use docket_store::intake::{Outcome, Source};
use docket_store::{IdempotencyKey, NewComment, NewTicket, RequesterRef, StoreError};
use sha2::{Digest, Sha256};

use super::super::{AppState, MAX_BODY_BYTES};
use crate::error::ApiError;

const DOCKET_TIMESTAMP: &str = "x-docket-timestamp";
const DOCKET_SIGNATURE: &str = "x-docket-signature";
const GITHUB_SIGNATURE: &str = "x-hub-signature-256";
const GITHUB_DELIVERY: &str = "x-github-delivery";

/// What an accepted delivery comes to.
struct Accepted {
    outcome: Outcome,
    status: StatusCode,
    receipt: IntakeReceipt,
}

/// A delivery that was not accepted: how the log files it, and the sender's answer.
struct Refused {
    outcome: Outcome,
    error: ApiError,
}

impl Refused {
    fn new(outcome: Outcome, error: ApiError) -> Refused {
        Refused { outcome, error }
    }
}

/// Receive a delivery from a webhook source
///
/// For the sending system, not for people: the body is the sender's JSON, signed with
/// the source's secret. Scheme `docket`: `X-Docket-Timestamp` (unix seconds) and
/// `X-Docket-Signature: v1=<hex HMAC-SHA256 of "<timestamp>.<body>">`, within 5 minutes
/// of the server's clock. Scheme `github`: `X-Hub-Signature-256: sha256=<hex HMAC of the
/// body>` and `X-GitHub-Delivery`, each id accepted once a day. A reference delivered
/// before answers 200 with the ticket made then. An unknown or disabled source is 404.
#[utoipa::path(
    post, path = "/intake/webhooks/{slug}", tag = "intake", security(()),
    params(
        ("slug" = String, Path),
        ("X-Docket-Timestamp" = Option<String>, Header, description = "Scheme docket: unix seconds"),
        ("X-Docket-Signature" = Option<String>, Header, description = "Scheme docket: v1=<hex HMAC-SHA256>"),
        ("X-Hub-Signature-256" = Option<String>, Header, description = "Scheme github: sha256=<hex HMAC-SHA256>"),
        ("X-GitHub-Delivery" = Option<String>, Header, description = "Scheme github: the delivery's id"),
    ),
    request_body(content = Object, description = "The sender's JSON, as the source's mapping reads it"),
    responses(
        (status = 201, description = "A new ticket", body = IntakeReceipt),
        (status = 200, description = "The reference was delivered before: its ticket", body = IntakeReceipt),
        (status = 400, description = "Not JSON", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "The signature, its timestamp or the delivery id was refused; the detail says which", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No enabled source here", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The reference's ticket was deleted", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "Body too large", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "The payload maps to values the ticket refuses: each error names the ticket field, and the payload pointer in its message", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "Too many refused deliveries from this address", body = Problem, content_type = "application/problem+json"),
    )
)]
pub(super) async fn receive_delivery(
    State(app): State<AppState>,
    Path(slug): Path<String>,
    extensions: Extensions,
    headers: HeaderMap,
    body: axum::body::Body,
) -> Response {
    let ip = extensions
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0.ip().to_string())
        .unwrap_or_else(|| "unknown".into());
    // Unknown and disabled look alike: the answer says nothing about which sources exist.
    let source = match app.store.intake_source(&slug).await {
        Ok(s) if s.enabled => s,
        Ok(_) | Err(StoreError::NotFound(_)) => {
            return ApiError::not_found("no webhook source here").into_response();
        }
        Err(e) => return ApiError::from(e).into_response(),
    };
    // Held back before anything is read or written: a flood of forgeries costs a read.
    match app.store.intake_wait(source.id, &ip).await {
        Ok(wait) if wait > chrono::Duration::zero() => {
            let seconds = (wait.num_milliseconds() as u64).div_ceil(1000).max(1);
            return ApiError::TooManyRequests {
                detail: format!(
                    "too many refused deliveries from this address; try again in {seconds} s"
                ),
                retry_after: seconds,
            }
            .into_response();
        }
        Ok(_) => {}
        Err(e) => return ApiError::from(e).into_response(),
    }
    let bytes = match axum::body::to_bytes(body, MAX_BODY_BYTES).await {
        Ok(b) => b,
        Err(_) => {
            return ApiError::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                "Unreadable body",
                format!("the request body is larger than {MAX_BODY_BYTES} bytes"),
            )
            .into_response();
        }
    };
    let result = receive(&app, &source, &headers, &bytes).await;
    let (outcome, status, key, detail, errors) = match &result {
        Ok(a) => (
            a.outcome,
            a.status,
            Some(a.receipt.ticket.clone()),
            None,
            Vec::new(),
        ),
        Err(r) => {
            let (status, detail, errors) = described(&r.error);
            (r.outcome, status, None, Some(detail), errors)
        }
    };
    // The log helps an admin debug; losing an entry must not lose the answer.
    if let Err(e) = app
        .store
        .log_intake_delivery(
            source.id,
            outcome,
            status.as_u16(),
            key.as_deref(),
            detail.as_deref(),
            &errors,
            Some(&ip),
        )
        .await
    {
        tracing::warn!(error = %e, source = %source.slug, "could not log a webhook delivery");
    }
    match result {
        Ok(a) => (a.status, Json(a.receipt)).into_response(),
        Err(r) => r.error.into_response(),
    }
}

/// A problem's status, detail and field errors, for the log.
fn described(e: &ApiError) -> (StatusCode, String, Vec<FieldError>) {
    match e {
        ApiError::Status { status, detail, .. } => (*status, detail.clone(), Vec::new()),
        ApiError::Invalid {
            status,
            detail,
            errors,
        } => (*status, detail.clone(), errors.clone()),
        ApiError::TooManyRequests { detail, .. } => {
            (StatusCode::TOO_MANY_REQUESTS, detail.clone(), Vec::new())
        }
        ApiError::Unavailable { detail, .. } => {
            (StatusCode::SERVICE_UNAVAILABLE, detail.clone(), Vec::new())
        }
        other => (
            StatusCode::INTERNAL_SERVER_ERROR,
            format!("{other:?}"),
            Vec::new(),
        ),
    }
}

fn header<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers.get(name).and_then(|v| v.to_str().ok())
}

fn refused(detail: impl AsRef<str>) -> Refused {
    Refused::new(
        Outcome::Refused,
        ApiError::unauthenticated_because(detail.as_ref()),
    )
}

/// Why a signature was refused, naming the scheme's headers.
fn refusal_detail(scheme: Scheme, r: Refusal) -> String {
    let signature = match scheme {
        Scheme::Docket => "X-Docket-Signature",
        Scheme::Github => "X-Hub-Signature-256",
    };
    let form = match scheme {
        Scheme::Docket => "v1=<hex HMAC-SHA256>",
        Scheme::Github => "sha256=<hex HMAC-SHA256>",
    };
    match r {
        Refusal::NoTimestamp => "signature: the X-Docket-Timestamp header is missing".into(),
        Refusal::NoSignature => format!("signature: the {signature} header is missing"),
        Refusal::MalformedSignature => format!("signature: {signature} is not `{form}`"),
        Refusal::Mismatch => {
            "signature: it does not match the body (a wrong secret, or the body changed on the way)"
                .into()
        }
        Refusal::MalformedTimestamp => {
            "timestamp: X-Docket-Timestamp is not a number of unix seconds".into()
        }
        Refusal::Stale { age_seconds } => format!(
            "timestamp: it is {age_seconds} s from the server's clock; more than {} s either way is refused (check the sender's clock)",
            signature::MAX_SKEW_SECONDS
        ),
    }
}

/// Check, parse, map and create.
async fn receive(
    app: &AppState,
    source: &Source,
    headers: &HeaderMap,
    bytes: &[u8],
) -> Result<Accepted, Refused> {
    let failed = |e: StoreError| Refused::new(Outcome::Failed, e.into());
    let secret = app
        .store
        .intake_secret(&app.master_key, source.id)
        .await
        .map_err(failed)?
        .ok_or_else(|| {
            refused("signature: the source has no signing secret; an admin must rotate it")
        })?;
    let now = app.store.clock().now().timestamp();
    let checked = match source.scheme {
        Scheme::Docket => signature::verify_docket(
            secret.as_bytes(),
            header(headers, DOCKET_TIMESTAMP),
            header(headers, DOCKET_SIGNATURE),
            bytes,
            now,
        ),
        Scheme::Github => {
            signature::verify_github(secret.as_bytes(), header(headers, GITHUB_SIGNATURE), bytes)
        }
    };
    checked.map_err(|r| refused(refusal_detail(source.scheme, r)))?;
    let delivery_id = match source.scheme {
        Scheme::Docket => None,
        Scheme::Github => {
            let id = header(headers, GITHUB_DELIVERY)
                .map(str::trim)
                .filter(|id| !id.is_empty() && id.len() <= 200)
                .ok_or_else(|| refused("replay: the X-GitHub-Delivery header is missing"))?;
            if !app
                .store
                .claim_intake_delivery_id(source.id, id)
                .await
                .map_err(failed)?
            {
                return Err(refused(format!(
                    "replay: delivery `{id}` was received already"
                )));
            }
            Some(id)
        }
    };
    let result = accept(app, source, bytes).await;
    if let (Err(_), Some(id)) = (&result, delivery_id) {
        // Not accepted: the sender may redeliver it (after the mapping is fixed, say).
        if let Err(e) = app.store.release_intake_delivery_id(source.id, id).await {
            tracing::warn!(error = %e, "could not forget a refused delivery's id");
        }
    }
    result
}

/// Parse and map a verified payload, and make (or find) its ticket.
async fn accept(app: &AppState, source: &Source, bytes: &[u8]) -> Result<Accepted, Refused> {
    let invalid = |e: ApiError| Refused::new(Outcome::Invalid, e);
    super::super::body::reject_nul(bytes).map_err(invalid)?;
    let payload: serde_json::Value = serde_json::from_slice(bytes)
        .map_err(|e| invalid(ApiError::bad_request(format!("the body is not JSON: {e}"))))?;
    let mapped = source.mapping.apply(&payload).map_err(|errors| {
        invalid(ApiError::Invalid {
            status: StatusCode::UNPROCESSABLE_ENTITY,
            detail: format!("the payload maps to {} invalid value(s)", errors.len()),
            errors,
        })
    })?;
    let comment = mapped.comment.clone();
    let new = new_ticket(source, mapped);
    let (ticket, replayed) = match app.store.create_ticket(new).await {
        Ok(done) => done,
        Err(StoreError::Invalid(errors)) => {
            let errors: Vec<FieldError> = errors
                .into_iter()
                .map(|e| {
                    let message = match source.mapping.origin(&e.pointer) {
                        Some(p) => format!("{} (from the payload at `{p}`)", e.message),
                        None => e.message,
                    };
                    FieldError {
                        pointer: e.pointer,
                        message,
                    }
                })
                .collect();
            return Err(invalid(ApiError::Invalid {
                status: StatusCode::UNPROCESSABLE_ENTITY,
                detail: format!("the ticket refused {} value(s)", errors.len()),
                errors,
            }));
        }
        // Only a replay finds nothing: the reference's ticket is deleted.
        Err(StoreError::NotFound(_)) => {
            return Err(Refused::new(
                Outcome::Invalid,
                ApiError::new(
                    StatusCode::CONFLICT,
                    "Conflict",
                    "the ticket this reference made was deleted; restore it to receive its deliveries",
                ),
            ));
        }
        Err(e) => return Err(Refused::new(Outcome::Failed, e.into())),
    };
    let mut comment_added = false;
    if let Some(text) = comment
        .map(|t| t.trim().to_string())
        .filter(|t| !t.is_empty() && t != ticket.body.trim())
    {
        // One comment per distinct text, the first delivery's included: a redelivery of
        // the same update adds nothing, a new one (resolved, say) is added once.
        let digest: String = Sha256::digest(text.as_bytes())
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        let (_, existed) = app
            .store
            .add_comment(
                &ticket.key,
                NewComment {
                    kind: CommentKind::Internal,
                    body: text,
                    author_user_id: None,
                    from_requester: false,
                    author_name: Some(source.name.clone()),
                    channel: SourceChannel::Webhook,
                    actor: actor(source),
                    attachments: Vec::new(),
                    external_ref: Some(format!("intake:{}:{digest}", source.id)),
                },
            )
            .await
            .map_err(|e| Refused::new(Outcome::Failed, e.into()))?;
        comment_added = !existed;
    }
    Ok(Accepted {
        outcome: if replayed {
            Outcome::Replayed
        } else {
            Outcome::Created
        },
        status: if replayed {
            StatusCode::OK
        } else {
            StatusCode::CREATED
        },
        receipt: IntakeReceipt {
            ticket: ticket.key,
            replayed,
            comment_added,
        },
    })
}

fn actor(source: &Source) -> String {
    format!("webhook:{}", source.slug)
}

/// The create a mapped payload asks for. It is intake's, as a form's or a mail's would
/// be: any requester record of the identity (not one team's), no team restriction.
fn new_ticket(source: &Source, mapped: MappedTicket) -> NewTicket {
    NewTicket {
        type_slug: source.ticket_type.clone(),
        title: mapped.title,
        body: mapped.body,
        status: None,
        priority: mapped.priority,
        requester: mapped.requester_email.map(|email| RequesterRef {
            email: Some(email),
            name: mapped.requester_name,
            ..Default::default()
        }),
        assignee_id: None,
        team: mapped.team,
        source_channel: SourceChannel::Webhook,
        source_ref: Some(format!("{}:{}", source.slug, mapped.source_ref)),
        tags: mapped.tags,
        fields: mapped.fields,
        actor: actor(source),
        // One ticket per reference of this source, for good: the key is claimed with
        // the ticket's rows, so concurrent deliveries of one reference make one ticket
        // and the others answer with it. The "request" is the reference alone: a
        // redelivery with other content is still the same thing.
        idempotency: Some(IdempotencyKey {
            scope: format!("intake:{}", source.id),
            key: mapped.source_ref,
            request_hash: "reference".into(),
        }),
        handled_by: None,
        route_skills: Vec::new(),
    }
}

//! Attachments: upload a file to a ticket (the raw body), list a ticket's files, read
//! one's bytes, remove one. A file is for whoever may see its ticket; another team's
//! file does not exist as far as the caller can tell.

use axum::Json;
use axum::body::Body as RawBody;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use docket_api::{AttachmentList, AttachmentOut, AttachmentUpload, Problem};
use docket_core::access::{Need, Principal};
use docket_store::attachments::{Attachment, NewAttachment, is_inline_image};
use sha2::{Digest, Sha256};
use utoipa_axum::{router::OpenApiRouter, routes};

use super::AppState;
use super::tickets::{idempotency_key, visible_ticket};
use crate::auth::Caller;
use crate::error::{ApiError, ApiResult};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_attachments, upload_attachment))
        .routes(routes!(get_attachment, remove_attachment))
        .routes(routes!(attachment_content))
}

pub fn attachment_out(a: Attachment) -> AttachmentOut {
    AttachmentOut {
        content_url: format!("/attachments/{}/content", a.id),
        id: a.id,
        ticket: a.ticket_key,
        comment_id: a.comment_id,
        filename: a.filename,
        content_type: a.content_type,
        size: a.size,
        sha256: a.sha256,
        uploaded_by: a.uploaded_by,
        created_at: a.created_at,
    }
}

/// Upload a file to a ticket
///
/// The request body is the file itself, with its own Content-Type; `filename` names it.
/// A comment then carries it (`attachments` of `POST /tickets/{key}/comments`). Send an
/// `Idempotency-Key` header to make retries safe: a repeat answers the first file.
#[utoipa::path(
    post, path = "/tickets/{key}/attachments", tag = "attachments",
    params(
        ("key" = String, Path),
        AttachmentUpload,
        ("Idempotency-Key" = Option<String>, Header, description = "Makes retries of this upload safe (at most 200 characters)"),
    ),
    request_body(content = Vec<u8>, content_type = "application/octet-stream", description = "The file's bytes"),
    responses(
        (status = 201, body = AttachmentOut),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Idempotency-Key reused with a different file", body = Problem, content_type = "application/problem+json"),
        (status = 413, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "The object storage is unreachable", body = Problem, content_type = "application/problem+json"),
    )
)]
async fn upload_attachment(
    State(app): State<AppState>,
    caller: Caller,
    Path(key): Path<String>,
    RawQuery(raw): RawQuery,
    headers: HeaderMap,
    body: RawBody,
) -> ApiResult<(StatusCode, Json<AttachmentOut>)> {
    let p = caller.need(Need::WriteTickets)?;
    visible_ticket(&app, p, &key, false).await?;
    let filename = form_urlencoded::parse(raw.as_deref().unwrap_or("").as_bytes())
        .find(|(k, _)| k == "filename")
        .map(|(_, v)| v.into_owned())
        .filter(|name| !name.trim().is_empty())
        .ok_or_else(|| {
            ApiError::invalid_field(
                StatusCode::UNPROCESSABLE_ENTITY,
                "/query/filename",
                "name the file: ?filename=report.pdf",
            )
        })?;
    // The global body limit is for JSON; files have their own, from the configuration.
    let max = app.attachments.max_bytes;
    let data = axum::body::to_bytes(body, usize::try_from(max).unwrap_or(usize::MAX))
        .await
        .map_err(|_| {
            ApiError::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                "Payload too large",
                format!("files may be at most {max} bytes"),
            )
        })?;
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    // The same key for another ticket, name, type or content is another request.
    let fingerprint = [
        key.as_bytes(),
        filename.as_bytes(),
        content_type.as_deref().unwrap_or("").as_bytes(),
        &Sha256::digest(&data)[..],
    ]
    .join(&0u8);
    let idempotency = idempotency_key(&headers, p, &fingerprint)?;
    let a = app
        .store
        .add_attachment(
            &key,
            NewAttachment {
                filename,
                content_type,
                data: data.to_vec(),
                actor: p.actor(),
                idempotency,
            },
            &app.attachments,
        )
        .await?;
    Ok((StatusCode::CREATED, Json(attachment_out(a))))
}

/// List a ticket's files, in upload order
#[utoipa::path(
    get, path = "/tickets/{key}/attachments", tag = "attachments",
    params(("key" = String, Path)),
    responses((status = 200, body = AttachmentList), (status = 404, body = Problem, content_type = "application/problem+json"))
)]
async fn list_attachments(
    State(app): State<AppState>,
    caller: Caller,
    Path(key): Path<String>,
) -> ApiResult<Json<AttachmentList>> {
    let p = caller.need(Need::ReadTickets)?;
    visible_ticket(&app, p, &key, false).await?;
    let items = app.store.attachments(&key).await?;
    Ok(Json(AttachmentList {
        items: items.into_iter().map(attachment_out).collect(),
    }))
}

/// A file's metadata
#[utoipa::path(
    get, path = "/attachments/{id}", tag = "attachments",
    params(("id" = i64, Path)),
    responses((status = 200, body = AttachmentOut), (status = 404, body = Problem, content_type = "application/problem+json"))
)]
async fn get_attachment(
    State(app): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
) -> ApiResult<Json<AttachmentOut>> {
    let p = caller.need(Need::ReadTickets)?;
    let a = visible_attachment(&app, p, id).await?;
    Ok(Json(attachment_out(a)))
}

/// A file's bytes
///
/// Raster images (PNG, JPEG, GIF, WebP whose bytes match their type) are served inline;
/// everything else as a download, sandboxed, so no file runs in the browser.
#[utoipa::path(
    get, path = "/attachments/{id}/content", tag = "attachments",
    params(("id" = i64, Path)),
    responses(
        (status = 200, description = "The file's bytes, with its type and name", content_type = "application/octet-stream", body = Vec<u8>),
        (status = 304, description = "Not modified (If-None-Match)"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "The object storage is unreachable", body = Problem, content_type = "application/problem+json"),
    )
)]
async fn attachment_content(
    State(app): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
    headers: HeaderMap,
) -> ApiResult<Response> {
    let p = caller.need(Need::ReadTickets)?;
    let a = visible_attachment(&app, p, id).await?;
    // The bytes never change under an id: their hash is a strong validator.
    let etag = format!("\"{}\"", a.sha256);
    let cached = headers
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|t| t.trim() == etag || t.trim() == "*"));
    let mut response = if cached {
        StatusCode::NOT_MODIFIED.into_response()
    } else {
        let data = app.store.attachment_content(id).await?;
        let inline = is_inline_image(&a.content_type, &data);
        let mut response = data.into_response();
        let h = response.headers_mut();
        h.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_str(if inline {
                &a.content_type
            } else {
                "application/octet-stream"
            })
            .unwrap_or(HeaderValue::from_static("application/octet-stream")),
        );
        h.insert(
            header::CONTENT_DISPOSITION,
            content_disposition(if inline { "inline" } else { "attachment" }, &a.filename),
        );
        response
    };
    let h = response.headers_mut();
    h.insert(
        header::ETAG,
        HeaderValue::from_str(&etag).expect("hex is a valid header"),
    );
    h.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("private, max-age=3600"),
    );
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static("default-src 'none'; sandbox"),
    );
    Ok(response)
}

/// Remove a file
///
/// The trail keeps its name and who removed it; its bytes are gone.
#[utoipa::path(
    delete, path = "/attachments/{id}", tag = "attachments",
    params(("id" = i64, Path)),
    responses((status = 204), (status = 404, body = Problem, content_type = "application/problem+json"))
)]
async fn remove_attachment(
    State(app): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
) -> ApiResult<StatusCode> {
    let p = caller.need(Need::WriteTickets)?;
    visible_attachment(&app, p, id).await?;
    app.store.remove_attachment(id, &p.actor()).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// A file of a ticket the caller may see; a deleted ticket's files are for those who may
/// restore it, as the ticket is.
async fn visible_attachment(app: &AppState, p: &Principal, id: i64) -> ApiResult<Attachment> {
    let a = app.store.attachment(id).await?;
    let include_deleted = p.can(Need::WriteTickets).is_ok();
    visible_ticket(app, p, &a.ticket_key, include_deleted)
        .await
        .map_err(|_| ApiError::not_found(format!("attachment {id} not found")))?;
    Ok(a)
}

/// `attachment; filename="ascii"; filename*=UTF-8''percent-encoded` (RFC 6266): every
/// browser reads the second, old ones the first.
fn content_disposition(kind: &str, filename: &str) -> HeaderValue {
    let ascii: String = filename
        .chars()
        .map(|c| {
            if c.is_ascii_graphic() || c == ' ' {
                c
            } else {
                '_'
            }
        })
        .filter(|c| *c != '\\' && *c != '"')
        .collect();
    let mut encoded = String::new();
    for b in filename.bytes() {
        if b.is_ascii_alphanumeric() || b"!#$&+-.^_`|~".contains(&b) {
            encoded.push(b as char);
        } else {
            encoded.push_str(&format!("%{b:02X}"));
        }
    }
    HeaderValue::from_str(&format!(
        "{kind}; filename=\"{ascii}\"; filename*=UTF-8''{encoded}"
    ))
    .unwrap_or(HeaderValue::from_static("attachment"))
}

#[cfg(test)]
mod tests {
    use super::content_disposition;

    #[test]
    fn file_names_survive_the_header() {
        assert_eq!(
            content_disposition("attachment", "отчёт 1.pdf"),
            "attachment; filename=\"_____ 1.pdf\"; filename*=UTF-8''%D0%BE%D1%82%D1%87%D1%91%D1%82%201.pdf"
        );
        assert_eq!(
            content_disposition("inline", "a.png"),
            "inline; filename=\"a.png\"; filename*=UTF-8''a.png"
        );
    }
}

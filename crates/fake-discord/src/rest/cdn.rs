//! The CDN: attachment bytes at the URL their message carries, so a client downloads
//! them as it would from `cdn.discordapp.com`. A test can make URLs expire
//! (`FakeDiscord::set_attachment_url_ttl`) to exercise a client's refresh path.

use axum::body::Body;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

use crate::{Inner, lock};

/// `{channel}/{id}/{filename}` (the part after `/attachments/`).
pub(crate) async fn serve(inner: &Inner, rest: &str, _query: Option<&str>) -> Response {
    let mut segments = rest.splitn(3, '/');
    let (Some(channel), Some(id), Some(filename)) =
        (segments.next(), segments.next(), segments.next())
    else {
        return not_found();
    };
    let (Ok(channel), Ok(id)) = (channel.parse::<u64>(), id.parse::<u64>()) else {
        return not_found();
    };
    let ttl = inner.attachment_url_ttl();
    let state = lock(&inner.state);
    let Some(file) = state.files.get(&id) else {
        return not_found();
    };
    if file.channel_id != channel
        || encode_segment(&file.filename) != filename && file.filename != filename
    {
        return not_found();
    }
    if ttl.is_some_and(|ttl| file.issued.elapsed() >= ttl) {
        // What Discord's CDN answers to an expired signed URL.
        return (
            StatusCode::NOT_FOUND,
            "This content is no longer available.",
        )
            .into_response();
    }
    let mut response = Response::new(Body::from(file.bytes.clone()));
    let content_type = file
        .content_type
        .as_deref()
        .unwrap_or("application/octet-stream");
    if let Ok(value) = HeaderValue::from_str(content_type) {
        response.headers_mut().insert(header::CONTENT_TYPE, value);
    }
    response
}

fn not_found() -> Response {
    (StatusCode::NOT_FOUND, "Not Found").into_response()
}

/// Percent-encodes what may not stand in a path segment.
pub(crate) fn encode_segment(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    for byte in name.bytes() {
        if byte.is_ascii_alphanumeric() || b"-._~".contains(&byte) {
            out.push(byte as char);
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

//! Every request has an id: the caller's `X-Request-Id` when it is a plain token (a proxy
//! or client that already names its requests), else one made here. It is on the
//! request's log span (so every line logged while serving it carries it), in the
//! `X-Request-Id` response header, and in every problem document's `request_id`, so a
//! user's error report leads to the server's log lines.

use axum::body::{Body, to_bytes};
use axum::extract::Request;
use axum::http::{HeaderValue, header};
use axum::middleware::Next;
use axum::response::Response;

pub const HEADER: &str = "x-request-id";

/// The longest id taken from a caller.
const MAX_LEN: usize = 64;

/// Problem documents are small; a larger body is passed on as it is.
const MAX_PROBLEM_BYTES: usize = 256 * 1024;

/// A request's id, in its extensions.
#[derive(Debug, Clone)]
pub struct RequestId(pub String);

/// The middleware: name the request, then mark its answer.
pub async fn assign(mut request: Request, next: Next) -> Response {
    let id = request
        .headers()
        .get(HEADER)
        .and_then(|v| v.to_str().ok())
        .filter(|v| acceptable(v))
        .map(str::to_string)
        .unwrap_or_else(new_id);
    request.extensions_mut().insert(RequestId(id.clone()));
    let response = next.run(request).await;
    let mut response = with_problem_id(response, &id).await;
    if let Ok(value) = HeaderValue::from_str(&id) {
        response.headers_mut().insert(HEADER, value);
    }
    response
}

/// A caller's id is kept only if it is short and plain (it goes into logs and headers).
fn acceptable(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= MAX_LEN
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b':'))
}

fn new_id() -> String {
    // 16 random characters after the prefix: unique enough to find one request's lines.
    let token = docket_store::identity::crypto::new_token("r");
    token.chars().take(18).collect()
}

/// A problem+json answer gains `request_id`, whoever wrote it (a handler's `ApiError`, a
/// rejected extractor, the fallback).
async fn with_problem_id(response: Response, id: &str) -> Response {
    let is_problem = response
        .headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|v| v.as_bytes().starts_with(b"application/problem+json"));
    if !is_problem {
        return response;
    }
    let (mut parts, body) = response.into_parts();
    let bytes = match to_bytes(body, MAX_PROBLEM_BYTES).await {
        Ok(bytes) => bytes,
        Err(e) => {
            tracing::warn!(error = %e, "a problem document could not be read to add its request id");
            return Response::from_parts(parts, Body::empty());
        }
    };
    let body = match serde_json::from_slice::<serde_json::Value>(&bytes) {
        Ok(serde_json::Value::Object(mut problem)) => {
            problem.insert("request_id".into(), id.into());
            let text = serde_json::Value::Object(problem).to_string();
            parts.headers.remove(header::CONTENT_LENGTH);
            Body::from(text)
        }
        _ => Body::from(bytes),
    };
    Response::from_parts(parts, body)
}

#[cfg(test)]
mod tests {
    use super::acceptable;

    #[test]
    fn only_plain_short_ids_are_taken_from_callers() {
        assert!(acceptable("req-123_abc.def:9"));
        assert!(!acceptable(""));
        assert!(!acceptable("has space"));
        assert!(!acceptable("line\nbreak"));
        assert!(!acceptable(&"x".repeat(65)));
    }
}

//! Reading request bodies: size limits, content types and JSON errors all become
//! problem documents that say where and why.

use axum::body::Bytes;
use axum::extract::{FromRequest, Request};
use axum::http::{HeaderMap, StatusCode, header};
use serde::de::DeserializeOwned;

use crate::error::ApiError;

/// The raw body, with the size limit applied.
pub struct Body(pub Bytes);

impl<S: Send + Sync> FromRequest<S> for Body {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        match Bytes::from_request(req, state).await {
            Ok(b) => {
                reject_nul(&b)?;
                Ok(Body(b))
            }
            Err(rejection) => {
                let status = rejection.status();
                let detail = if status == StatusCode::PAYLOAD_TOO_LARGE {
                    format!(
                        "the request body is larger than {} bytes",
                        super::MAX_BODY_BYTES
                    )
                } else {
                    rejection.body_text()
                };
                Err(ApiError::new(status, "Unreadable body", detail))
            }
        }
    }
}

/// A JSON body larger than the usual limit (a transcript of a long conversation): read
/// up to `limit` bytes, then checked as `Body` is.
pub async fn read_large(body: axum::body::Body, limit: usize) -> Result<Bytes, ApiError> {
    let bytes = axum::body::to_bytes(body, limit).await.map_err(|_| {
        ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "Unreadable body",
            format!("the request body is larger than {limit} bytes"),
        )
    })?;
    reject_nul(&bytes)?;
    Ok(bytes)
}

/// PostgreSQL cannot store the NUL character in text or JSON, and no field of Docket has
/// a use for it: a body that carries one is refused before anything reads it, naming
/// each place it is in (JSON), so it never becomes a database error.
pub(crate) fn reject_nul(bytes: &[u8]) -> Result<(), ApiError> {
    let escaped = bytes.windows(6).any(|w| w == b"\\u0000");
    if !escaped && !bytes.contains(&0) {
        return Ok(());
    }
    let mut errors = Vec::new();
    if let Ok(value) = serde_json::from_slice::<serde_json::Value>(bytes) {
        nul_pointers(&value, String::new(), &mut errors);
        if errors.is_empty() {
            // The text was an escaped backslash followed by `u0000`, not a NUL.
            return Ok(());
        }
    }
    if errors.is_empty() {
        errors.push(String::new());
    }
    let message = "text cannot contain the NUL character (\\u0000)";
    Err(ApiError::Invalid {
        status: StatusCode::UNPROCESSABLE_ENTITY,
        detail: message.into(),
        errors: errors
            .into_iter()
            .take(20)
            .map(|pointer| docket_core::typedef::FieldError {
                pointer,
                message: message.into(),
            })
            .collect(),
    })
}

/// The JSON pointers of every string (member names included) that holds a NUL.
fn nul_pointers(v: &serde_json::Value, at: String, out: &mut Vec<String>) {
    let escape = |k: &str| k.replace('~', "~0").replace('/', "~1");
    match v {
        serde_json::Value::String(s) if s.contains('\0') => out.push(at),
        serde_json::Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                nul_pointers(item, format!("{at}/{i}"), out);
            }
        }
        serde_json::Value::Object(members) => {
            for (k, item) in members {
                let here = format!("{at}/{}", escape(k));
                if k.contains('\0') {
                    out.push(here.clone());
                }
                nul_pointers(item, here, out);
            }
        }
        _ => {}
    }
}

pub fn content_type(headers: &HeaderMap) -> String {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .map(|v| v.trim().to_ascii_lowercase())
        .unwrap_or_default()
}

pub fn require_json(headers: &HeaderMap) -> Result<(), ApiError> {
    let ct = content_type(headers);
    if ct == "application/json" || ct.ends_with("+json") {
        Ok(())
    } else {
        Err(ApiError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "Unsupported media type",
            format!("send the body as application/json (got `{ct}`)"),
        ))
    }
}

/// Parse a JSON body into `T`; a mismatch names the member where it happened.
pub fn parse_json<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    let mut de = serde_json::Deserializer::from_slice(bytes);
    let parsed = serde_path_to_error::deserialize::<_, T>(&mut de);
    if parsed.is_ok()
        && let Err(e) = de.end()
    {
        return Err(ApiError::bad_request(format!(
            "the body is not valid JSON: {e}"
        )));
    }
    match parsed {
        Ok(v) => Ok(v),
        Err(e) => {
            let path = e.path().to_string();
            let inner = e.into_inner();
            if inner.is_syntax() || inner.is_eof() {
                return Err(ApiError::bad_request(format!(
                    "the body is not valid JSON: {inner}"
                )));
            }
            let pointer = if path == "." {
                String::new()
            } else {
                format!("/{}", path.replace('.', "/"))
            };
            Err(ApiError::invalid_field(
                StatusCode::UNPROCESSABLE_ENTITY,
                &pointer,
                strip_position(&inner.to_string()),
            ))
        }
    }
}

fn strip_position(message: &str) -> String {
    match message.find(" at line ") {
        Some(i) => message[..i].to_string(),
        None => message.to_string(),
    }
}

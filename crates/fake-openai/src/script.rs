//! Scripted misbehaviour: queued per path or for any path, each used by one request.

use std::time::Duration;

use serde_json::{Value, json};

/// What the next request gets instead of the ordinary answer.
#[derive(Debug, Clone, PartialEq)]
pub enum Behaviour {
    /// A chat completion whose message content is exactly this text (malformed JSON,
    /// JSON in prose or fences, answers a model should not give).
    Content(String),
    /// A chat completion whose message has this `refusal` and no content.
    Refusal(String),
    /// This status, JSON body and optional `Retry-After` header value.
    Status {
        status: u16,
        body: Value,
        retry_after: Option<String>,
    },
    /// The ordinary answer, after this long.
    Delay(Duration),
    /// Close the connection without answering.
    DropConnection,
}

impl Behaviour {
    /// 429 with `Retry-After: <seconds>`.
    pub fn rate_limited(retry_after_secs: u64) -> Behaviour {
        Behaviour::Status {
            status: 429,
            body: error_body("Rate limit reached for requests", "rate_limit_exceeded"),
            retry_after: Some(retry_after_secs.to_string()),
        }
    }

    /// 500 as OpenAI sends it.
    pub fn server_error() -> Behaviour {
        Behaviour::Status {
            status: 500,
            body: error_body(
                "The server had an error while processing your request",
                "server_error",
            ),
            retry_after: None,
        }
    }
}

/// OpenAI's error document.
pub fn error_body(message: &str, code: &str) -> Value {
    json!({"error": {"message": message, "type": "invalid_request_error", "param": null, "code": code}})
}

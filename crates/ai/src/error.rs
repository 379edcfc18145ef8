//! The one error type of every AI call. Messages never carry the API key: bodies quoted
//! from the server are scrubbed (`transport::scrub`) before they land here.

use std::time::Duration;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AiError {
    /// No server is configured, or this feature has no model: the caller goes on without.
    #[error("AI assistance is disabled (no server configured, or no model for this feature)")]
    Disabled,
    /// The configuration cannot work (a base URL that is not a URL, ...).
    #[error("invalid AI configuration: {detail}")]
    Config { detail: String },
    /// The caller's input cannot be sent (an image that is not an image type).
    #[error("invalid input for the AI server: {detail}")]
    InvalidInput { detail: String },
    /// Recent calls failed; calls fail at once until `retry_after` has passed.
    #[error("the AI server is failing; calls resume in {}s", retry_after.as_secs().max(1))]
    CircuitOpen { retry_after: Duration },
    /// No answer within the per-request timeout or the call's deadline.
    #[error("the AI server did not answer in time")]
    Timeout,
    /// 429 after the retries, or a Retry-After longer than this client waits.
    #[error("the AI server is rate limiting{}", wait_text(*retry_after))]
    RateLimited { retry_after: Option<Duration> },
    /// Any other answer that is not a success (4xx, 5xx after the retries).
    #[error("the AI server answered {status}: {message}")]
    Server { status: u16, message: String },
    /// The model declined (the chat completion's `refusal` field).
    #[error("the model refused: {reason}")]
    Refused { reason: String },
    /// The answer arrived but cannot be used: not JSON, wrong shape, empty.
    #[error("the AI answer is unusable: {detail}")]
    Malformed { detail: String },
    /// Connection refused, reset or dropped; DNS; TLS.
    #[error("cannot reach the AI server: {detail}")]
    Transport { detail: String },
}

fn wait_text(retry_after: Option<Duration>) -> String {
    match retry_after {
        Some(wait) => format!("; retry in {}s", wait.as_secs().max(1)),
        None => String::new(),
    }
}

impl AiError {
    /// Whether the same call may succeed later (a job should be retried, not dropped).
    pub fn is_retryable(&self) -> bool {
        match self {
            AiError::CircuitOpen { .. }
            | AiError::Timeout
            | AiError::RateLimited { .. }
            | AiError::Transport { .. } => true,
            AiError::Server { status, .. } => is_retryable_status(*status),
            AiError::Disabled
            | AiError::Config { .. }
            | AiError::InvalidInput { .. }
            | AiError::Refused { .. }
            | AiError::Malformed { .. } => false,
        }
    }

    /// How long the caller should wait before trying again, when the server or the
    /// circuit breaker said so.
    pub fn retry_after(&self) -> Option<Duration> {
        match self {
            AiError::CircuitOpen { retry_after } => Some(*retry_after),
            AiError::RateLimited { retry_after } => *retry_after,
            _ => None,
        }
    }

    /// Whether this failure says the server is unwell or unusable (so it counts towards
    /// opening the circuit), rather than something about this one request or answer.
    pub(crate) fn counts_against_server(&self) -> bool {
        match self {
            AiError::Timeout | AiError::RateLimited { .. } | AiError::Transport { .. } => true,
            // 401/403: a wrong key fails every call alike; failing fast is kinder.
            AiError::Server { status, .. } => *status >= 500 || matches!(status, 401 | 403),
            _ => false,
        }
    }
}

pub(crate) fn is_retryable_status(status: u16) -> bool {
    status == 408 || status == 429 || status >= 500
}

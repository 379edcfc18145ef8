//! One error type for every call, shaped like the server's (`ApiError`): what the server
//! refused (a problem document), what could not be reached, what could not be read.

use std::time::Duration;

use docket_api::{FieldError, Problem};

#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    /// The server answered with an RFC 9457 problem document (4xx, or a 500).
    #[error("{status} {}: {}", problem.title, problem.detail.as_deref().unwrap_or(""))]
    Problem { status: u16, problem: Box<Problem> },
    /// The server could not be reached or said it cannot serve now (connection refused,
    /// timeout, 502/503/504). Retryable; the client already retried as its policy allows.
    #[error("Docket is unavailable: {reason}")]
    Unavailable {
        reason: String,
        /// The HTTP status when the server (or a proxy) answered; None for network failures.
        status: Option<u16>,
        /// What the server asked for in `Retry-After`.
        retry_after: Option<Duration>,
        /// Its problem document, when it sent one (Docket's own 503s do).
        problem: Option<Box<Problem>>,
    },
    /// A success answer whose body is not the type the client expects.
    #[error("cannot read the answer ({status}): {message}")]
    Decode { status: u16, message: String },
    /// An answer that is neither success nor a problem document (an HTML error page from a
    /// proxy, say).
    #[error("unexpected answer {status}: {body}")]
    Unexpected { status: u16, body: String },
    /// Something the caller gave cannot be sent (a base URL that does not parse, a token
    /// with characters no header may hold...). Nothing was sent.
    #[error("invalid request: {0}")]
    InvalidInput(String),
}

impl ClientError {
    /// The HTTP status of the answer, when there was one.
    pub fn status(&self) -> Option<u16> {
        match self {
            ClientError::Problem { status, .. }
            | ClientError::Decode { status, .. }
            | ClientError::Unexpected { status, .. } => Some(*status),
            ClientError::Unavailable { status, .. } => *status,
            ClientError::InvalidInput(_) => None,
        }
    }

    /// The problem document, for `Problem` (and `Unavailable` when the server sent one).
    pub fn problem(&self) -> Option<&Problem> {
        match self {
            ClientError::Problem { problem, .. } => Some(problem),
            ClientError::Unavailable { problem, .. } => problem.as_deref(),
            _ => None,
        }
    }

    fn is_problem(&self, code: u16) -> bool {
        matches!(self, ClientError::Problem { status, .. } if *status == code)
    }

    pub fn is_not_found(&self) -> bool {
        self.is_problem(404)
    }

    /// 409: an Idempotency-Key reused with another body, a duplicate, a refused change.
    pub fn is_conflict(&self) -> bool {
        self.is_problem(409)
    }

    /// 412: the ticket changed since its ETag was read; re-read and decide again.
    pub fn is_precondition_failed(&self) -> bool {
        self.is_problem(412)
    }

    pub fn is_unauthorized(&self) -> bool {
        self.is_problem(401)
    }

    pub fn is_forbidden(&self) -> bool {
        self.is_problem(403)
    }

    /// 400 or 422 with the failing fields listed.
    pub fn is_invalid(&self) -> bool {
        self.is_problem(400) || self.is_problem(422)
    }

    /// Worth trying again later (the client's own retries are used up).
    pub fn is_retryable(&self) -> bool {
        matches!(self, ClientError::Unavailable { .. })
    }

    /// Each failing field with its JSON pointer into the request (`/fields/device`, or
    /// `/query/<param>` for a query parameter); empty for other errors.
    pub fn field_errors(&self) -> &[FieldError] {
        match self {
            ClientError::Problem { problem, .. } => &problem.errors,
            _ => &[],
        }
    }
}

pub type Result<T, E = ClientError> = std::result::Result<T, E>;

//! One error type for every handler, rendered as RFC 9457 problem+json.

use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use docket_api::{Problem, TypePlan};
use docket_core::typedef::{FieldError, TypeFileErrors};
use docket_store::StoreError;

/// The Retry-After (seconds) of a 503 for an unreachable database: short, as most
/// outages are restarts and failovers of a few seconds, and the health checks tell load
/// balancers the rest.
pub const DATABASE_RETRY_AFTER: u64 = 2;

#[derive(Debug)]
pub enum ApiError {
    Status {
        status: StatusCode,
        title: &'static str,
        detail: String,
    },
    Invalid {
        status: StatusCode,
        detail: String,
        errors: Vec<FieldError>,
    },
    TypeFile(TypeFileErrors),
    PlanRefused(Box<TypePlan>),
    /// 429; `retry_after` (seconds) goes out as the Retry-After header.
    TooManyRequests {
        detail: String,
        retry_after: u64,
    },
    /// 503 (a service Docket depends on, such as the AI server, is failing or slow);
    /// `retry_after` (seconds) goes out as the Retry-After header.
    Unavailable {
        detail: String,
        retry_after: u64,
    },
}

impl ApiError {
    pub fn new(status: StatusCode, title: &'static str, detail: impl Into<String>) -> ApiError {
        ApiError::Status {
            status,
            title,
            detail: detail.into(),
        }
    }

    pub fn bad_request(detail: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::BAD_REQUEST, "Bad request", detail)
    }

    pub fn unauthenticated() -> ApiError {
        ApiError::unauthenticated_because(
            "sign in, or send an API token as `Authorization: Bearer <token>`",
        )
    }

    pub fn unauthenticated_because(detail: &str) -> ApiError {
        ApiError::new(StatusCode::UNAUTHORIZED, "Unauthorized", detail)
    }

    pub fn not_found(detail: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::NOT_FOUND, "Not found", detail)
    }

    /// 503 for a database that cannot be reached (or, on SQLite, is locked or cannot be
    /// written): the request may succeed as it is a little later.
    pub fn database_unavailable() -> ApiError {
        ApiError::Unavailable {
            detail: "the database is unreachable; retry shortly (the server log has the details)"
                .into(),
            retry_after: DATABASE_RETRY_AFTER,
        }
    }

    pub fn invalid_field(
        status: StatusCode,
        pointer: &str,
        message: impl Into<String>,
    ) -> ApiError {
        let message = message.into();
        ApiError::Invalid {
            status,
            detail: message.clone(),
            errors: vec![FieldError {
                pointer: pointer.into(),
                message,
            }],
        }
    }
}

fn problem_type(status: StatusCode) -> String {
    format!("https://docket.dev/problems/{}", status.as_u16())
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let retry_after = match &self {
            ApiError::TooManyRequests { retry_after, .. }
            | ApiError::Unavailable { retry_after, .. } => Some(*retry_after),
            _ => None,
        };
        let (status, problem) = match self {
            ApiError::Status { status, title, detail } => (
                status,
                Problem {
                    kind: problem_type(status),
                    title: title.into(),
                    status: status.as_u16(),
                    detail: Some(detail),
                    errors: vec![],
                    type_errors: vec![],
                    plan: None,
                    request_id: None,
                },
            ),
            ApiError::TooManyRequests { detail, .. } => (
                StatusCode::TOO_MANY_REQUESTS,
                Problem {
                    kind: problem_type(StatusCode::TOO_MANY_REQUESTS),
                    title: "Too many attempts".into(),
                    status: 429,
                    detail: Some(detail),
                    errors: vec![],
                    type_errors: vec![],
                    plan: None,
                    request_id: None,
                },
            ),
            ApiError::Unavailable { detail, .. } => (
                StatusCode::SERVICE_UNAVAILABLE,
                Problem {
                    kind: problem_type(StatusCode::SERVICE_UNAVAILABLE),
                    title: "Service unavailable".into(),
                    status: 503,
                    detail: Some(detail),
                    errors: vec![],
                    type_errors: vec![],
                    plan: None,
                    request_id: None,
                },
            ),
            ApiError::Invalid { status, detail, errors } => (
                status,
                Problem {
                    kind: problem_type(status),
                    title: "Invalid request".into(),
                    status: status.as_u16(),
                    detail: Some(detail),
                    errors,
                    type_errors: vec![],
                    plan: None,
                    request_id: None,
                },
            ),
            ApiError::TypeFile(e) => (
                StatusCode::UNPROCESSABLE_ENTITY,
                Problem {
                    kind: problem_type(StatusCode::UNPROCESSABLE_ENTITY),
                    title: "Invalid type definition".into(),
                    status: 422,
                    detail: Some(format!("{} problem(s) in the type definition", e.0.len())),
                    errors: vec![],
                    type_errors: e.0,
                    plan: None,
                    request_id: None,
                },
            ),
            ApiError::PlanRefused(plan) => (
                StatusCode::CONFLICT,
                Problem {
                    kind: problem_type(StatusCode::CONFLICT),
                    title: "Type change refused".into(),
                    status: 409,
                    detail: Some(match plan.safety {
                        docket_core::evolution::Safety::Destructive => {
                            "the change is destructive; resend with allow_destructive: true to apply it".into()
                        }
                        _ => "the stored data does not allow this change; see the plan's changes".into(),
                    }),
                    errors: vec![],
                    type_errors: vec![],
                    plan: Some(plan),
                    request_id: None,
                },
            ),
        };
        if status.is_server_error() {
            tracing::error!(status = status.as_u16(), detail = ?problem.detail, "request failed");
        }
        let body = serde_json::to_vec(&problem).expect("problems serialize");
        let mut response = (
            status,
            [(header::CONTENT_TYPE, "application/problem+json")],
            body,
        )
            .into_response();
        if status == StatusCode::UNAUTHORIZED {
            response.headers_mut().insert(
                header::WWW_AUTHENTICATE,
                header::HeaderValue::from_static("Bearer realm=\"docket\""),
            );
        }
        if status == StatusCode::PAYLOAD_TOO_LARGE {
            // The unread rest of the body makes the connection unusable: tell the client
            // not to send another request on it.
            response.headers_mut().insert(
                header::CONNECTION,
                header::HeaderValue::from_static("close"),
            );
        }
        if let Some(seconds) = retry_after {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, header::HeaderValue::from(seconds));
        }
        response
    }
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> ApiError {
        match e {
            StoreError::NotFound(what) => ApiError::not_found(format!("{what} not found")),
            StoreError::Invalid(errors) => ApiError::Invalid {
                status: StatusCode::UNPROCESSABLE_ENTITY,
                detail: format!("{} field(s) failed validation", errors.len()),
                errors,
            },
            StoreError::VersionMismatch { current } => ApiError::new(
                StatusCode::PRECONDITION_FAILED,
                "Precondition failed",
                format!(
                    "the ticket changed since you read it; it is now at version {current}: reload and retry"
                ),
            ),
            StoreError::Conflict(detail) => ApiError::new(StatusCode::CONFLICT, "Conflict", detail),
            StoreError::Forbidden(detail) => {
                ApiError::new(StatusCode::FORBIDDEN, "Forbidden", detail)
            }
            StoreError::PlanRefused(refused) => ApiError::PlanRefused(Box::new(
                crate::api::types::plan_out(&refused.plan, refused.ddl, false),
            )),
            e @ StoreError::Db(_) if e.is_unreachable() => {
                // Not the request's fault, and the database's words stay in the log.
                tracing::warn!(error = %e, "the database is unreachable");
                ApiError::database_unavailable()
            }
            StoreError::Db(e) => {
                // The database's words stay in the server log, not in the client's hands.
                tracing::error!(error = %e, "database error");
                ApiError::new(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "Internal error",
                    "a database error occurred; the server log has the details",
                )
            }
            StoreError::Internal(e) => {
                ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, "Internal error", e)
            }
            StoreError::Unavailable(detail) => ApiError::Unavailable {
                detail,
                retry_after: 5,
            },
        }
    }
}

impl From<TypeFileErrors> for ApiError {
    fn from(e: TypeFileErrors) -> ApiError {
        ApiError::TypeFile(e)
    }
}

pub type ApiResult<T> = Result<T, ApiError>;

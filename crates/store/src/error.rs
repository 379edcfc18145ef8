use docket_core::typedef::FieldError;
use sea_orm::{DbErr, RuntimeErr};

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("{0} not found")]
    NotFound(String),
    /// The request's data is invalid; every failing field is listed.
    #[error("invalid input: {}", .0.iter().map(|e| format!("{} {}", e.pointer, e.message)).collect::<Vec<_>>().join("; "))]
    Invalid(Vec<FieldError>),
    /// The row changed since the caller read it (optimistic concurrency).
    #[error("the ticket changed since it was read (now version {current})")]
    VersionMismatch { current: i32 },
    #[error("{0}")]
    Conflict(String),
    /// A type change that the plan does not allow (without force, or at all).
    #[error("the type change is not applicable")]
    PlanRefused(Box<crate::PlannedChange>),
    #[error("{0}")]
    Forbidden(String),
    #[error("database error: {0}")]
    Db(#[from] DbErr),
    #[error("{0}")]
    Internal(String),
    /// A service the store depends on beside the database (object storage) is down or
    /// refusing; the request may succeed later.
    #[error("{0}")]
    Unavailable(String),
}

/// Statements the store runs on a connection of its own (sqlx directly) fail like the
/// others.
impl From<sea_orm::sqlx::Error> for StoreError {
    fn from(e: sea_orm::sqlx::Error) -> StoreError {
        StoreError::Db(DbErr::Exec(RuntimeErr::SqlxError(std::sync::Arc::new(e))))
    }
}

impl StoreError {
    pub fn invalid(pointer: &str, message: impl Into<String>) -> StoreError {
        StoreError::Invalid(vec![FieldError {
            pointer: pointer.to_string(),
            message: message.into(),
        }])
    }
}

/// The database could not be reached (no connection from the pool, or the connection
/// broke): nothing about the request itself.
pub(crate) fn unreachable(e: &DbErr) -> bool {
    match e {
        DbErr::ConnectionAcquire(_) | DbErr::Conn(_) => true,
        DbErr::Exec(RuntimeErr::SqlxError(e)) | DbErr::Query(RuntimeErr::SqlxError(e)) => {
            matches!(
                **e,
                sea_orm::sqlx::Error::Io(_)
                    | sea_orm::sqlx::Error::PoolTimedOut
                    | sea_orm::sqlx::Error::PoolClosed
            )
        }
        _ => false,
    }
}

/// A unique index refused the row (two writers raced for one name or reference).
pub(crate) fn is_unique_violation(e: &DbErr) -> bool {
    matches!(
        e.sql_err(),
        Some(sea_orm::SqlErr::UniqueConstraintViolation(_))
    )
}

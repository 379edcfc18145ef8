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
    /// refusing; the request may succeed later. (The database itself being down is a
    /// `Db` error: see [`StoreError::is_unreachable`].)
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

    /// Whether the database could not be reached or cannot take the request right now
    /// (see [`unreachable`]): the request may succeed later, as it is.
    pub fn is_unreachable(&self) -> bool {
        matches!(self, StoreError::Db(e) if unreachable(e))
    }
}

/// The database could not be reached (no connection from the pool within its timeout,
/// the connection broke, the server is shutting down or starting up), or, on SQLite, the
/// file is locked by another process past the busy timeout or cannot be written: nothing
/// about the request itself, which may succeed later as it is.
pub(crate) fn unreachable(e: &DbErr) -> bool {
    match e {
        DbErr::ConnectionAcquire(_) | DbErr::Conn(_) => true,
        DbErr::Exec(RuntimeErr::SqlxError(e)) | DbErr::Query(RuntimeErr::SqlxError(e)) => {
            match &**e {
                sea_orm::sqlx::Error::Io(_)
                | sea_orm::sqlx::Error::PoolTimedOut
                | sea_orm::sqlx::Error::PoolClosed
                | sea_orm::sqlx::Error::WorkerCrashed => true,
                sea_orm::sqlx::Error::Database(e) => e.code().is_some_and(|c| outage_code(&c)),
                _ => false,
            }
        }
        _ => false,
    }
}

/// Database error codes that say "not now" rather than "not this request".
/// PostgreSQL: class 08 (connection exception) and 57P01-57P03 (the server is shutting
/// down, crashed, or not yet accepting connections). SQLite (primary result codes):
/// BUSY and LOCKED (another process holds the file past the busy timeout), READONLY,
/// IOERR, FULL and CANTOPEN (the file or its disk cannot be written: an operator's
/// problem, not the caller's).
fn outage_code(code: &str) -> bool {
    if code.starts_with("08") || matches!(code, "57P01" | "57P02" | "57P03") {
        return true;
    }
    // sqlx gives SQLite's extended code; the primary code is its low byte.
    code.parse::<i32>()
        .is_ok_and(|c| matches!(c & 0xff, 5 | 6 | 8 | 10 | 13 | 14))
}

/// A unique index refused the row (two writers raced for one name or reference).
pub(crate) fn is_unique_violation(e: &DbErr) -> bool {
    matches!(
        e.sql_err(),
        Some(sea_orm::SqlErr::UniqueConstraintViolation(_))
    )
}

#[cfg(test)]
mod tests {
    use super::outage_code;

    #[test]
    fn outage_codes_are_the_not_now_ones() {
        // PostgreSQL: connection failures, shutdown, starting up.
        for code in ["08006", "08001", "57P01", "57P02", "57P03"] {
            assert!(outage_code(code), "{code}");
        }
        // SQLite: BUSY, LOCKED (and an extended LOCKED), READONLY, IOERR_WRITE, FULL.
        for code in ["5", "6", "262", "8", "778", "13", "14"] {
            assert!(outage_code(code), "{code}");
        }
        // The request's own faults: unique violation, constraint, syntax, cancelled.
        for code in ["23505", "2067", "19", "1", "42601", "57014"] {
            assert!(!outage_code(code), "{code}");
        }
    }
}

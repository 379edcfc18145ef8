//! SQLite's own statement trace on the store's read connections, for `--explain`: sqlx logs a
//! statement's text but not its parameters, and the plan SQLite picks depends on them
//! (with the parameters unbound, `EXPLAIN QUERY PLAN` showed every list walking the type
//! index, where the requester's history ran in 3 ms). `sqlite3_trace_v2` calls back when
//! each statement ends, with its run time, and `sqlite3_expanded_sql` gives its text with
//! the bound values written in, which `EXPLAIN QUERY PLAN` then plans exactly as the
//! server did.

use std::ffi::{CStr, c_int, c_uint, c_void};
use std::sync::Mutex;
use std::time::Duration;

use libsqlite3_sys as ffi;
use sea_orm::DatabaseConnection;

/// A statement seen while tracing: its text with the parameters written in, and how
/// long SQLite ran it.
pub struct Traced {
    pub sql: String,
    pub run: Duration,
}

/// The statements seen while tracing.
static KEPT: Mutex<Vec<Traced>> = Mutex::new(Vec::new());

/// SQLite's trace callback: keep the statement that ended, with its run time.
unsafe extern "C" fn on_statement(
    kind: c_uint,
    _ctx: *mut c_void,
    statement: *mut c_void,
    nanoseconds: *mut c_void,
) -> c_int {
    if kind == ffi::SQLITE_TRACE_PROFILE {
        // SAFETY: for SQLITE_TRACE_PROFILE the third argument is the prepared statement
        // and the fourth a pointer to its run time in nanoseconds; the expanded text is
        // ours to free.
        unsafe {
            let run = Duration::from_nanos(*nanoseconds.cast::<i64>() as u64);
            let sql = ffi::sqlite3_expanded_sql(statement.cast());
            if !sql.is_null() {
                let text = CStr::from_ptr(sql).to_string_lossy().into_owned();
                ffi::sqlite3_free(sql.cast());
                if let Ok(mut kept) = KEPT.lock() {
                    kept.push(Traced { sql: text, run });
                }
            }
        }
    }
    0
}

/// Start (or stop) tracing every connection of the pool: all are taken at once, so
/// that each is a different one (lists run on whichever reader is free).
async fn set(db: &DatabaseConnection, on: bool) -> anyhow::Result<()> {
    let pool = db.get_sqlite_connection_pool();
    let mut taken = Vec::new();
    for _ in 0..pool.options().get_max_connections() {
        taken.push(pool.acquire().await?);
    }
    for conn in &mut taken {
        let mut handle = conn.lock_handle().await?;
        let raw = handle.as_raw_handle().as_ptr();
        // SAFETY: the handle is locked for us; the callback only reads the statement it
        // is given and touches nothing of the connection's.
        let rc = unsafe {
            if on {
                ffi::sqlite3_trace_v2(
                    raw,
                    ffi::SQLITE_TRACE_PROFILE,
                    Some(on_statement),
                    std::ptr::null_mut(),
                )
            } else {
                ffi::sqlite3_trace_v2(raw, 0, None, std::ptr::null_mut())
            }
        };
        anyhow::ensure!(rc == ffi::SQLITE_OK, "sqlite3_trace_v2 answered {rc}");
    }
    Ok(())
}

pub async fn start(db: &DatabaseConnection) -> anyhow::Result<()> {
    KEPT.lock().map(|mut k| k.clear()).ok();
    set(db, true).await
}

/// Stop tracing; the statements seen since `start`.
pub async fn stop(db: &DatabaseConnection) -> anyhow::Result<Vec<Traced>> {
    set(db, false).await?;
    Ok(KEPT
        .lock()
        .map(|mut k| std::mem::take(&mut *k))
        .unwrap_or_default())
}

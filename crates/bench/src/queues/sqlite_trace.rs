//! SQLite's own statement trace on the store's connection, for `--explain`: sqlx logs a
//! statement's text but not its parameters, and the plan SQLite picks depends on them
//! (with the parameters unbound, `EXPLAIN QUERY PLAN` showed every list walking the type
//! index, where the requester's history ran in 3 ms). `sqlite3_trace_v2` calls back at
//! each statement's start, and `sqlite3_expanded_sql` gives its text with the bound values
//! written in, which `EXPLAIN QUERY PLAN` then plans exactly as the server did.

use std::ffi::{CStr, c_int, c_uint, c_void};
use std::sync::Mutex;

use libsqlite3_sys as ffi;
use sea_orm::DatabaseConnection;

/// The expanded statements seen while tracing.
static KEPT: Mutex<Vec<String>> = Mutex::new(Vec::new());

/// SQLite's trace callback: keep the statement with its parameters written in.
unsafe extern "C" fn on_statement(
    kind: c_uint,
    _ctx: *mut c_void,
    statement: *mut c_void,
    _text: *mut c_void,
) -> c_int {
    if kind == ffi::SQLITE_TRACE_STMT {
        // SAFETY: for SQLITE_TRACE_STMT the third argument is the prepared statement; the
        // expanded text is ours to free.
        unsafe {
            let sql = ffi::sqlite3_expanded_sql(statement.cast());
            if !sql.is_null() {
                let text = CStr::from_ptr(sql).to_string_lossy().into_owned();
                ffi::sqlite3_free(sql.cast());
                if let Ok(mut kept) = KEPT.lock() {
                    kept.push(text);
                }
            }
        }
    }
    0
}

/// Start (or stop) tracing the store's connection (Docket's SQLite pool has one).
async fn set(db: &DatabaseConnection, on: bool) -> anyhow::Result<()> {
    let mut conn = db.get_sqlite_connection_pool().acquire().await?;
    let mut handle = conn.lock_handle().await?;
    let raw = handle.as_raw_handle().as_ptr();
    // SAFETY: the handle is locked for us; the callback only reads the statement it is
    // given and touches nothing of the connection's.
    let rc = unsafe {
        if on {
            ffi::sqlite3_trace_v2(
                raw,
                ffi::SQLITE_TRACE_STMT,
                Some(on_statement),
                std::ptr::null_mut(),
            )
        } else {
            ffi::sqlite3_trace_v2(raw, 0, None, std::ptr::null_mut())
        }
    };
    anyhow::ensure!(rc == ffi::SQLITE_OK, "sqlite3_trace_v2 answered {rc}");
    Ok(())
}

pub async fn start(db: &DatabaseConnection) -> anyhow::Result<()> {
    KEPT.lock().map(|mut k| k.clear()).ok();
    set(db, true).await
}

/// Stop tracing; the statements seen since `start`.
pub async fn stop(db: &DatabaseConnection) -> anyhow::Result<Vec<String>> {
    set(db, false).await?;
    Ok(KEPT
        .lock()
        .map(|mut k| std::mem::take(&mut *k))
        .unwrap_or_default())
}

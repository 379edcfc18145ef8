//! Opening the database: SQLite (a file, WAL, foreign keys on) or PostgreSQL.

use std::future::Future;
use std::os::raw::c_int;
use std::path::{Path, PathBuf};
use std::pin::Pin;
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use sea_orm::sqlx;
use sea_orm::sqlx::pool::PoolConnectionMetadata;
use sea_orm::sqlx::postgres::{PgConnectOptions, PgPoolOptions, PgSslMode};
use sea_orm::sqlx::sqlite::{
    SqliteConnectOptions, SqliteConnection, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous,
};
use sea_orm::{SqlxPostgresConnector, SqlxSqliteConnector};

use crate::group_commit::GroupCommit;
use crate::types::TypeRegistry;
use crate::{Clock, Result, Store, StoreError};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    pub fn of_url(url: &str) -> Option<Backend> {
        if url.starts_with("sqlite:") {
            Some(Backend::Sqlite)
        } else if url.starts_with("postgres:") || url.starts_with("postgresql:") {
            Some(Backend::Postgres)
        } else {
            None
        }
    }
}

/// Transactions of creates written at once (`group_commit.rs`). One: SQLite has one
/// writer anyway, and on PostgreSQL one writer beat two in the burst benchmark (bigger
/// batches, so fewer statements per create, and no two batches waiting on each other's
/// rows: 1,414-1,484 creates/s against 1,262-1,396).
const CREATE_WRITERS: usize = 1;

/// How long a PostgreSQL request waits for a connection, opening one included, before
/// it fails as unreachable (a 503 with Retry-After). sqlx's default is 30 s: with the
/// database down every request then hung for 30 s, load balancers' health checks timed
/// out rather than failed, and callers piled up. A healthy pool hands a connection out
/// in microseconds and a connect on a network takes milliseconds, so a second is only
/// ever exceeded when the database is gone or the pool has been saturated for a whole
/// second, and then a quick 503 (shed load, retry) serves callers better than a queue.
pub const PG_ACQUIRE_TIMEOUT: Duration = Duration::from_secs(1);

/// How long `docket serve` waits at start for PostgreSQL to accept connections (it may
/// be starting beside it), trying again every [`PG_ACQUIRE_TIMEOUT`].
const PG_START_WAIT: Duration = Duration::from_secs(30);

/// How long a SQLite statement waits for another process's lock on the file (a `docket`
/// command, a backup) before failing as busy (503 with Retry-After), and how long a
/// request waits for the one writer connection. Such locks last milliseconds; 30 s (the
/// old value) let one stuck process hang every write request for half a minute, which
/// a caller cannot tell from a dead server. Docket's own writes never wait on it: they
/// queue for the writer connection, whose wait is bounded the same way.
pub const SQLITE_BUSY_TIMEOUT: Duration = Duration::from_secs(5);

/// SQLite read connections beside the writer (`Store::reader`): lists and ticket reads
/// of concurrent requests run at once, and none queues behind a write. One per core, at
/// most four: a read is CPU work, so more readers than cores only wait their turn, and
/// each keeps a page cache and prepared statements of its own (four made a 2-core
/// server's idle memory 72 MB where the target is 60).
fn sqlite_readers() -> u32 {
    std::thread::available_parallelism()
        .map(|n| n.get() as u32)
        .unwrap_or(1)
        .clamp(1, 4)
}

impl Store {
    /// Connect to `url` (`sqlite://path/to/file.db` or `postgres://...`). With `schema`,
    /// a PostgreSQL connection works in that schema (tests use one schema each).
    pub async fn connect(url: &str, schema: Option<&str>) -> Result<Store> {
        let (db, reader) = match Backend::of_url(url) {
            Some(Backend::Sqlite) => {
                let options = SqliteConnectOptions::from_str(url)
                    .map_err(|e| {
                        StoreError::Internal(format!("bad SQLite URL {}: {e}", redacted_url(url)))
                    })?
                    .foreign_keys(true)
                    .busy_timeout(SQLITE_BUSY_TIMEOUT)
                    // Statistics from a sample of each index, not every row (`upkeep.rs`).
                    .pragma("analysis_limit", "1000");
                create_private_file(options.get_filename())?;
                let open = |connections: u32, options| async move {
                    SqlitePoolOptions::new()
                        .max_connections(connections)
                        .acquire_timeout(SQLITE_BUSY_TIMEOUT)
                        .after_connect(refuse_double_quoted_strings)
                        .connect_with(options)
                        .await
                        .map(SqlxSqliteConnector::from_sqlx_sqlite_pool)
                        .map_err(|e| {
                            StoreError::Internal(format!("cannot open {}: {e}", redacted_url(url)))
                        })
                };
                // The writer: one connection, as SQLite has one writer at a time anyway.
                // It puts the file in WAL mode (which the file keeps) before a reader
                // opens it.
                let writer = open(
                    1,
                    options
                        .clone()
                        .create_if_missing(true)
                        .journal_mode(SqliteJournalMode::Wal)
                        .synchronous(SqliteSynchronous::Normal),
                )
                .await?;
                let reader = if in_memory(url) {
                    // Each connection to `:memory:` would be a database of its own.
                    writer.clone()
                } else {
                    // Readers beside the writer (`Store::reader`). In WAL a reader never
                    // waits for the writer, and a statement outside a transaction reads
                    // the last commit: sqlx resets every statement when it is done with
                    // it, so no read transaction outlives its statement on an idle
                    // connection. (The stale reads that once kept SQLite to one
                    // connection were column names, not snapshots: see
                    // `refuse_double_quoted_strings`.) Read-only: nothing can write
                    // through them by mistake.
                    open(sqlite_readers(), options.read_only(true)).await?
                };
                (writer, reader)
            }
            Some(Backend::Postgres) => {
                let mut options = PgConnectOptions::from_str(url)
                    .map_err(|e| StoreError::Internal(format!("bad PostgreSQL URL: {e}")))?
                    .application_name("docket")
                    // Prepared statements are cached per connection (a create sends some
                    // twenty statements; unprepared, each is parsed and planned again).
                    // Extension tables change shape at run time, so statements on them
                    // carry their shape in their text (`ext::shaped`): a new shape is a
                    // new statement, never a stale plan.
                    .statement_cache_capacity(1024);
                if let Some(schema) = schema {
                    options = options.options([("search_path", schema)]);
                }
                if on_loopback(&options) && !names_ssl_mode(url) {
                    // TLS to a server on this machine protects nothing and costs every
                    // statement an encryption each way (5% of the CPU in a burst of
                    // creates). `sslmode` in the URL or PGSSLMODE still decides.
                    options = options.ssl_mode(PgSslMode::Disable);
                }
                let pool = connect_postgres(options).await?;
                let db = SqlxPostgresConnector::from_sqlx_postgres_pool(pool);
                // One pool: PostgreSQL readers do not wait for writers.
                (db.clone(), db)
            }
            None => {
                return Err(StoreError::Internal(format!(
                    "unsupported database URL `{}`: use sqlite://... or postgres://...",
                    redacted_url(url)
                )));
            }
        };
        Ok(Store {
            db,
            reader,
            registry: Arc::new(TypeRegistry::default()),
            clock: Clock::default(),
            creates: Arc::new(GroupCommit::new(CREATE_WRITERS)),
            principals: Arc::default(),
            objects: None,
        })
    }
}

/// The PostgreSQL pool, once the server accepts connections (for at most
/// [`PG_START_WAIT`]). `test_before_acquire` (sqlx's default, kept) pings an idle
/// connection before handing it out, so after an outage no request gets a connection
/// the restarted server has already dropped.
async fn connect_postgres(options: PgConnectOptions) -> Result<sqlx::PgPool> {
    let started = std::time::Instant::now();
    loop {
        let connected = PgPoolOptions::new()
            .max_connections(32)
            .min_connections(1)
            .acquire_timeout(PG_ACQUIRE_TIMEOUT)
            .test_before_acquire(true)
            .connect_with(options.clone())
            .await;
        match connected {
            Ok(pool) => return Ok(pool),
            Err(e @ (sqlx::Error::PoolTimedOut | sqlx::Error::Io(_)))
                if started.elapsed() < PG_START_WAIT =>
            {
                tracing::debug!(error = %e, "PostgreSQL does not accept connections yet");
                // A refused connect already waited out the acquire timeout; other I/O
                // errors (a name not resolving yet) come back at once.
                tokio::time::sleep(Duration::from_millis(250)).await;
            }
            Err(e) => {
                return Err(StoreError::Internal(format!(
                    "cannot connect to PostgreSQL: {e}"
                )));
            }
        }
    }
}

/// Whether a SQLite URL names an in-memory database rather than a file.
fn in_memory(url: &str) -> bool {
    url.contains(":memory:") || url.contains("mode=memory")
}

/// Make SQLite refuse double-quoted string literals in statements on this connection.
///
/// A connection keeps the schema it last read until a statement finds it out of date.
/// A statement prepared on a connection whose schema predates another connection's
/// `ALTER TABLE ... ADD COLUMN` names a column that connection does not know yet, and
/// sea-query quotes identifiers (`"f20"`). By SQLite's legacy rule an unknown
/// double-quoted identifier is a string literal, so the prepare succeeds instead of
/// failing, and sqlx records the result columns' names then: `"f20"`, the literal's
/// text, quotes included. At its first step SQLite sees the schema changed and prepares
/// the statement again, now reading the real column, but sqlx keeps the names it
/// recorded (and caches the statement with them, so every later run on that connection
/// answers the same): `f20` is not found, which sea-orm reads as NULL. That was the
/// "stale read after a type apply": the new column read NULL, not backfilled, on a
/// connection that had been idle during the apply (`a_reader_names_a_column_the_writer_
/// just_added` in the tests below shows it). Without the legacy rule the prepare fails
/// with "no such column", SQLite notices the schema changed, reloads it and prepares
/// again, and the names are right. (Nothing Docket sends uses double quotes for text.)
fn refuse_double_quoted_strings<'c>(
    conn: &'c mut SqliteConnection,
    _: PoolConnectionMetadata,
) -> Pin<Box<dyn Future<Output = Result<(), sqlx::Error>> + Send + 'c>> {
    Box::pin(async move {
        let mut handle = conn.lock_handle().await?;
        let db = handle.as_raw_handle().as_ptr();
        // SAFETY: `db` is this connection's open handle, locked for us while `handle`
        // lives; SQLITE_DBCONFIG_DQS_DML takes an int and an int out-pointer that may be
        // null.
        let rc = unsafe {
            libsqlite3_sys::sqlite3_db_config(
                db,
                libsqlite3_sys::SQLITE_DBCONFIG_DQS_DML,
                0 as c_int,
                std::ptr::null_mut::<c_int>(),
            )
        };
        if rc == libsqlite3_sys::SQLITE_OK {
            Ok(())
        } else {
            Err(sqlx::Error::Configuration(
                format!("SQLite refused to turn off double-quoted strings (error {rc})").into(),
            ))
        }
    })
}

/// Whether PostgreSQL is reached on this machine: a loopback address or a Unix socket.
fn on_loopback(options: &PgConnectOptions) -> bool {
    let host = options.get_host();
    host.starts_with('/')
        || host == "localhost"
        || host
            .trim_matches(['[', ']'])
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

/// Whether the URL or the environment chose an `sslmode`.
fn names_ssl_mode(url: &str) -> bool {
    let query = url.split_once('?').map_or("", |(_, q)| q);
    query
        .split('&')
        .any(|pair| matches!(pair.split('=').next(), Some("sslmode" | "ssl-mode")))
        || std::env::var_os("PGSSLMODE").is_some()
}

/// The file a `sqlite:` URL names (an in-memory database has none).
pub fn sqlite_file(url: &str) -> Result<PathBuf> {
    if in_memory(url) {
        return Err(StoreError::Internal(
            "an in-memory SQLite database has no file".into(),
        ));
    }
    let options = SqliteConnectOptions::from_str(url)
        .map_err(|e| StoreError::Internal(format!("bad SQLite URL {}: {e}", redacted_url(url))))?;
    Ok(options.get_filename().to_path_buf())
}

/// The libpq environment (`PGHOST`, `PGPORT`, `PGUSER`, `PGPASSWORD`, `PGDATABASE`,
/// `PGSSLMODE`...) that reaches the PostgreSQL database of `url` as `Store::connect`
/// does, for PostgreSQL's own programs (`pg_dump`, `pg_restore`). The password goes in
/// the environment because a command line is visible to every user (`ps`). Settings
/// the URL leaves out are left to the inherited environment and `~/.pgpass`, which
/// libpq reads as sqlx does.
pub fn libpq_env(url: &str) -> Result<Vec<(&'static str, String)>> {
    let bad = |e: &dyn std::fmt::Display| {
        StoreError::Internal(format!("bad PostgreSQL URL {}: {e}", redacted_url(url)))
    };
    let options = PgConnectOptions::from_str(url).map_err(|e| bad(&e))?;
    let parsed = reqwest::Url::parse(url).map_err(|e| bad(&e))?;
    let host = match options.get_socket() {
        Some(dir) => dir.display().to_string(),
        None => options.get_host().trim_matches(['[', ']']).to_string(),
    };
    let ssl_mode = match options.get_ssl_mode() {
        PgSslMode::Disable => "disable",
        PgSslMode::Allow => "allow",
        PgSslMode::Prefer => "prefer",
        PgSslMode::Require => "require",
        PgSslMode::VerifyCa => "verify-ca",
        PgSslMode::VerifyFull => "verify-full",
    };
    let mut env = vec![
        ("PGHOST", host),
        ("PGPORT", options.get_port().to_string()),
        ("PGUSER", options.get_username().to_string()),
        ("PGSSLMODE", ssl_mode.to_string()),
    ];
    if let Some(database) = options.get_database() {
        env.push(("PGDATABASE", database.to_string()));
    }
    if let Some(password) = parsed.password() {
        env.push(("PGPASSWORD", percent_decoded(password)));
    }
    // sqlx keeps these without getters; the names are sqlx's spellings of each.
    for (key, value) in parsed.query_pairs() {
        let var = match &*key {
            "password" => "PGPASSWORD",
            "hostaddr" => "PGHOSTADDR",
            "sslrootcert" | "ssl-root-cert" | "ssl-ca" => "PGSSLROOTCERT",
            "sslcert" | "ssl-cert" => "PGSSLCERT",
            "sslkey" | "ssl-key" => "PGSSLKEY",
            _ => continue,
        };
        env.retain(|(name, _)| *name != var);
        env.push((var, value.into_owned()));
    }
    Ok(env)
}

/// `%XX` sequences decoded, as in a URL's user part (where `+` is a plus sign).
fn percent_decoded(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = bytes
            .get(i + 1..i + 3)
            .and_then(|h| std::str::from_utf8(h).ok())
            .and_then(|h| u8::from_str_radix(h, 16).ok());
        match (bytes[i], hex) {
            (b'%', Some(byte)) => {
                out.push(byte);
                i += 3;
            }
            (byte, _) => {
                out.push(byte);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// `url` fit to print or log: the password in its user part and any `password=` query
/// parameter become `***`.
pub fn redacted_url(url: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((b, q)) => (b, Some(q)),
        None => (url, None),
    };
    let mut out = match base.split_once("://") {
        Some((scheme, rest)) => {
            let end = rest.find('/').unwrap_or(rest.len());
            let (authority, path) = rest.split_at(end);
            let authority = match authority.rsplit_once('@') {
                Some((userinfo, host)) => match userinfo.split_once(':') {
                    Some((user, _password)) => format!("{user}:***@{host}"),
                    None => authority.to_string(),
                },
                None => authority.to_string(),
            };
            format!("{scheme}://{authority}{path}")
        }
        None => base.to_string(),
    };
    if let Some(query) = query {
        let params: Vec<String> = query
            .split('&')
            .map(|pair| match pair.split_once('=') {
                Some((key, _)) if key.to_ascii_lowercase().ends_with("password") => {
                    format!("{key}=***")
                }
                _ => pair.to_string(),
            })
            .collect();
        out.push('?');
        out.push_str(&params.join("&"));
    }
    out
}

/// Create a directory (and its parents) readable by its owner only, unless it exists.
pub fn create_private_dir(dir: &Path) -> std::io::Result<()> {
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        builder.mode(0o700);
    }
    builder.create(dir)
}

/// Create the SQLite file, and its folder, readable by their owner only before SQLite
/// opens it: SQLite would create it with the process's umask (often world-readable),
/// and gives its -wal and -shm files the database file's mode. An existing file is left
/// as it is; an empty file is a valid new database.
fn create_private_file(path: &Path) -> Result<()> {
    if path.as_os_str().is_empty() || path == Path::new(":memory:") {
        return Ok(());
    }
    let failed =
        |e: std::io::Error| StoreError::Internal(format!("cannot create {}: {e}", path.display()));
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        create_private_dir(dir).map_err(failed)?;
    }
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    match options.open(path) {
        Ok(_) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Ok(()),
        Err(e) => Err(failed(e)),
    }
}

#[cfg(test)]
mod tests {
    use super::redacted_url;

    /// A connection that last read before another connection added a column prepares
    /// its next statement against the schema it remembers; the statement must still
    /// come back with the new column under its own name (`refuse_double_quoted_strings`).
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_reader_names_a_column_the_writer_just_added() {
        use sea_orm::ConnectionTrait;
        use sea_orm::sqlx::{self, Column, Row};
        let db = crate::testing::TestDb::new(crate::Backend::Sqlite).await;
        let store = &db.store;
        store
            .db
            .execute_unprepared("CREATE TABLE probe (id INTEGER PRIMARY KEY)")
            .await
            .unwrap();
        store
            .db
            .execute_unprepared("INSERT INTO probe (id) VALUES (1)")
            .await
            .unwrap();
        // A reader connection, held throughout, reads the table as it is...
        let pool = store.reader.get_sqlite_connection_pool();
        let mut reader = pool.acquire().await.unwrap();
        sqlx::query(r#"SELECT "id" FROM "probe""#)
            .fetch_all(&mut *reader)
            .await
            .unwrap();
        // ...the writer adds a column and fills it...
        let txn = store.begin_write().await.unwrap();
        txn.execute_unprepared("ALTER TABLE probe ADD COLUMN added TEXT")
            .await
            .unwrap();
        txn.execute_unprepared("UPDATE probe SET added = 'filled'")
            .await
            .unwrap();
        txn.commit().await.unwrap();
        // ...and the reader's next statement names it, quoted as sea-query quotes, twice
        // (the second run is the statement sqlx cached).
        for _ in 0..2 {
            let row = sqlx::query(r#"SELECT "id", "added" FROM "probe" WHERE "id" = ?"#)
                .bind(1i64)
                .fetch_one(&mut *reader)
                .await
                .unwrap();
            let names: Vec<&str> = row.columns().iter().map(|c| c.name()).collect();
            assert_eq!(names, ["id", "added"]);
            assert_eq!(row.try_get::<String, _>("added").unwrap(), "filled");
        }
    }

    #[test]
    fn libpq_gets_the_url_in_its_environment() {
        let env = |url: &str| -> Vec<(&str, String)> { super::libpq_env(url).unwrap() };
        let get = |env: &[(&str, String)], name: &str| {
            env.iter().find(|(n, _)| *n == name).map(|(_, v)| v.clone())
        };
        let e = env(
            "postgres://docket:p%40ss+w%2Fd@db.example.com:6543/tickets?sslmode=verify-full&sslrootcert=/etc/ca.pem",
        );
        assert_eq!(get(&e, "PGHOST").as_deref(), Some("db.example.com"));
        assert_eq!(get(&e, "PGPORT").as_deref(), Some("6543"));
        assert_eq!(get(&e, "PGUSER").as_deref(), Some("docket"));
        assert_eq!(get(&e, "PGPASSWORD").as_deref(), Some("p@ss+w/d"));
        assert_eq!(get(&e, "PGDATABASE").as_deref(), Some("tickets"));
        assert_eq!(get(&e, "PGSSLMODE").as_deref(), Some("verify-full"));
        assert_eq!(get(&e, "PGSSLROOTCERT").as_deref(), Some("/etc/ca.pem"));
        let e = env("postgres:///docket?host=/run/postgresql&user=docket&password=s3cret");
        assert_eq!(get(&e, "PGHOST").as_deref(), Some("/run/postgresql"));
        assert_eq!(get(&e, "PGUSER").as_deref(), Some("docket"));
        assert_eq!(get(&e, "PGPASSWORD").as_deref(), Some("s3cret"));
        let e = env("postgres://docket@%2Frun%2Fpostgresql/docket");
        assert_eq!(get(&e, "PGHOST").as_deref(), Some("/run/postgresql"));
        let e = env("postgres://u@[::1]:5432/d");
        assert_eq!(get(&e, "PGHOST").as_deref(), Some("::1"));
    }

    #[test]
    fn passwords_are_redacted_from_urls() {
        assert_eq!(
            redacted_url("postgres://docket:s3cret@db.example.com:5432/docket?sslmode=require"),
            "postgres://docket:***@db.example.com:5432/docket?sslmode=require"
        );
        assert_eq!(
            redacted_url("postgresql://docket@db/docket?password=s3cret&application_name=x"),
            "postgresql://docket@db/docket?password=***&application_name=x"
        );
        assert_eq!(
            redacted_url("postgres://u:p%40ss@host/db?sslpassword=k"),
            "postgres://u:***@host/db?sslpassword=***"
        );
        assert_eq!(
            redacted_url("sqlite://data/docket.db"),
            "sqlite://data/docket.db"
        );
        assert_eq!(redacted_url("sqlite::memory:"), "sqlite::memory:");
    }
}

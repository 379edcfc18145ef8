//! Test fixtures: each test gets a database of its own (a SQLite file in a fresh folder,
//! or a PostgreSQL schema) that is dropped when the fixture is, even if the test panics.

use std::sync::atomic::{AtomicU64, Ordering};

use sea_orm::{ConnectionTrait, Database};

use crate::{Backend, Store};

pub mod s3;

/// The PostgreSQL server tests use; `DOCKET_TEST_POSTGRES_URL` overrides it.
pub fn postgres_url() -> String {
    std::env::var("DOCKET_TEST_POSTGRES_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".into())
}

fn unique_name() -> String {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    format!(
        "t_{}_{}_{}",
        std::process::id(),
        nanos,
        COUNTER.fetch_add(1, Ordering::Relaxed)
    )
}

pub struct TestDb {
    pub backend: Backend,
    /// The URL a second instance connects to.
    pub url: String,
    /// The PostgreSQL schema (None for SQLite).
    pub schema: Option<String>,
    pub store: Store,
    dir: Option<std::path::PathBuf>,
}

impl TestDb {
    /// A migrated, empty database of its own.
    pub async fn new(backend: Backend) -> TestDb {
        let name = unique_name();
        let (url, schema, dir) = match backend {
            Backend::Sqlite => {
                let dir = std::env::temp_dir().join(format!("docket-{name}"));
                std::fs::create_dir_all(&dir).expect("temp dir");
                (
                    format!("sqlite://{}", dir.join("docket.db").display()),
                    None,
                    Some(dir),
                )
            }
            Backend::Postgres => {
                let url = postgres_url();
                let admin = Database::connect(url.as_str())
                    .await
                    .unwrap_or_else(|e| panic!("PostgreSQL at {url} is needed for this test: {e}"));
                admin
                    .execute_unprepared(&format!("CREATE SCHEMA \"{name}\""))
                    .await
                    .expect("create schema");
                admin.close().await.ok();
                (url, Some(name), None)
            }
        };
        let store = Store::connect(&url, schema.as_deref())
            .await
            .expect("connect");
        store.migrate().await.expect("migrate");
        TestDb {
            backend,
            url,
            schema,
            store,
            dir,
        }
    }

    /// The URL a separate process (which takes only a URL) reaches this database with:
    /// on PostgreSQL the schema is its search path.
    pub fn process_url(&self) -> String {
        match &self.schema {
            Some(schema) => {
                let sep = if self.url.contains('?') { '&' } else { '?' };
                format!("{}{sep}options=-c%20search_path%3D{schema}", self.url)
            }
            None => self.url.clone(),
        }
    }

    /// Another connection pool on the same database: what a second server instance has.
    pub async fn second_instance(&self) -> Store {
        let store = Store::connect(&self.url, self.schema.as_deref())
            .await
            .expect("connect");
        store.refresh_types().await.expect("load types");
        store
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        if let Some(dir) = self.dir.take() {
            let _ = std::fs::remove_dir_all(dir);
        }
        if let Some(schema) = self.schema.take() {
            drop_schema_from_drop(&self.url, &schema);
        }
    }
}

/// Drop a PostgreSQL schema from a `Drop` impl, best effort: drops run outside async
/// code (and during panics), so on a thread and runtime of its own.
pub fn drop_schema_from_drop(url: &str, schema: &str) {
    let (url, schema) = (url.to_string(), schema.to_string());
    let _ = std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .ok()?;
        rt.block_on(async move {
            let admin = Database::connect(url.as_str()).await.ok()?;
            admin
                .execute_unprepared(&format!("DROP SCHEMA IF EXISTS \"{schema}\" CASCADE"))
                .await
                .ok()?;
            admin.close().await.ok()
        })
    })
    .join();
}

/// Declare a test that runs once on SQLite and once on PostgreSQL:
/// `both_backends!(name, |db| async move { ... })` where `db: TestDb`.
#[macro_export]
macro_rules! both_backends {
    ($name:ident, |$db:ident| $body:expr) => {
        mod $name {
            #[allow(unused_imports)]
            use super::*;

            async fn run($db: $crate::testing::TestDb) {
                $body.await
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                run($crate::testing::TestDb::new($crate::Backend::Sqlite).await).await
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                run($crate::testing::TestDb::new($crate::Backend::Postgres).await).await
            }
        }
    };
}

/// Every value of a text column, read straight from the table: for tests that check what
/// is really stored (hashes, ciphertexts), not what the API shows.
pub async fn stored_strings(store: &Store, table: &str, column: &str) -> Vec<String> {
    use sea_orm::sea_query::{Alias, Query};
    let stmt = Query::select()
        .column(Alias::new(column))
        .from(Alias::new(table))
        .to_owned();
    let rows = store.connection().query_all(&stmt).await.expect("query");
    rows.iter()
        .map(|r| r.try_get::<String>("", column).expect("text column"))
        .collect()
}

/// Make a token expire now (the clock cannot be moved in an API test).
pub async fn expire_token(store: &Store, id: i64) {
    use sea_orm::sea_query::{Alias, Expr, ExprTrait, Query};
    let stmt = Query::update()
        .table(Alias::new("api_tokens"))
        .value(
            Alias::new("expires_at"),
            Expr::col(Alias::new("created_at")),
        )
        .and_where(Expr::col(Alias::new("id")).eq(id))
        .to_owned();
    store.connection().execute(&stmt).await.expect("update");
}

/// Move a session's clock: it was last used `idle` ago and ends in `remaining`.
pub async fn age_session(
    store: &Store,
    token: &str,
    idle: chrono::Duration,
    remaining: chrono::Duration,
) {
    use sea_orm::sea_query::{Alias, Expr, ExprTrait, Query};
    let now = chrono::Utc::now();
    let stmt = Query::update()
        .table(Alias::new("sessions"))
        .value(Alias::new("last_seen_at"), now - idle)
        .value(Alias::new("expires_at"), now + remaining)
        .and_where(
            Expr::col(Alias::new("token_hash")).eq(crate::identity::crypto::token_hash(token)),
        )
        .to_owned();
    store.connection().execute(&stmt).await.expect("update");
}

/// Who fired each SLA threshold of a ticket, in order: (metric, threshold, fired_by).
pub async fn sla_firings(store: &Store, ticket_id: i64) -> Vec<(String, String, String)> {
    use sea_orm::sea_query::{Alias, Expr, ExprTrait, Order, Query};
    let stmt = Query::select()
        .columns(["metric", "threshold", "fired_by"].map(Alias::new))
        .from(Alias::new("sla_escalations"))
        .and_where(Expr::col(Alias::new("ticket_id")).eq(ticket_id))
        .order_by(Alias::new("id"), Order::Asc)
        .to_owned();
    let rows = store.connection().query_all(&stmt).await.expect("query");
    rows.iter()
        .map(|r| {
            (
                r.try_get("", "metric").expect("metric"),
                r.try_get("", "threshold").expect("threshold"),
                r.try_get("", "fired_by").expect("fired_by"),
            )
        })
        .collect()
}

/// A ticket's first-response escalation job: (run_at, lease_owner, lease_until).
pub async fn first_response_job(
    store: &Store,
    ticket_id: i64,
) -> Option<(
    chrono::DateTime<chrono::Utc>,
    Option<String>,
    Option<chrono::DateTime<chrono::Utc>>,
)> {
    use sea_orm::sea_query::{Alias, Expr, ExprTrait, Query};
    let stmt = Query::select()
        .columns(["run_at", "lease_owner", "lease_until"].map(Alias::new))
        .from(Alias::new("jobs"))
        .and_where(
            Expr::col(Alias::new("dedupe_key")).eq(format!("sla:{ticket_id}:first_response")),
        )
        .to_owned();
    let row = store.connection().query_one(&stmt).await.expect("query")?;
    Some((
        row.try_get("", "run_at").expect("run_at"),
        row.try_get("", "lease_owner").expect("lease_owner"),
        row.try_get("", "lease_until").expect("lease_until"),
    ))
}

/// Whether the store keeps principals between requests now (PostgreSQL, once it listens
/// for access changes).
pub fn keeps_principals(store: &Store) -> bool {
    store.principals.lookup_starts().is_some()
}

//! Opening the database: SQLite (a file, WAL, foreign keys on) or PostgreSQL.

use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use docket_migrations::{Migrator, MigratorTrait};
use sea_orm::sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sea_orm::sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous,
};
use sea_orm::{SqlxPostgresConnector, SqlxSqliteConnector};

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

impl Store {
    /// Connect to `url` (`sqlite://path/to/file.db` or `postgres://...`). With `schema`,
    /// a PostgreSQL connection works in that schema (tests use one schema each).
    pub async fn connect(url: &str, schema: Option<&str>) -> Result<Store> {
        let db = match Backend::of_url(url) {
            Some(Backend::Sqlite) => {
                let options = SqliteConnectOptions::from_str(url)
                    .map_err(|e| StoreError::Internal(format!("bad SQLite URL {url}: {e}")))?
                    .create_if_missing(true)
                    .journal_mode(SqliteJournalMode::Wal)
                    .synchronous(SqliteSynchronous::Normal)
                    .foreign_keys(true)
                    .busy_timeout(Duration::from_secs(30));
                if let Some(dir) = options
                    .get_filename()
                    .parent()
                    .filter(|d| !d.as_os_str().is_empty())
                {
                    std::fs::create_dir_all(dir).map_err(|e| {
                        StoreError::Internal(format!("cannot create {}: {e}", dir.display()))
                    })?;
                }
                // One connection. SQLite has one writer at a time anyway, and with several pooled
                // connections we observed reads (on a connection that had been idle) that did
                // not see another connection's just-committed type apply: a stale WAL
                // snapshot. One connection always reads its own writes. PostgreSQL, the
                // production backend, uses a real pool.
                let pool = SqlitePoolOptions::new()
                    .max_connections(1)
                    .connect_with(options)
                    .await
                    .map_err(|e| StoreError::Internal(format!("cannot open {url}: {e}")))?;
                SqlxSqliteConnector::from_sqlx_sqlite_pool(pool)
            }
            Some(Backend::Postgres) => {
                let mut options = PgConnectOptions::from_str(url)
                    .map_err(|e| StoreError::Internal(format!("bad PostgreSQL URL: {e}")))?
                    .application_name("docket")
                    // Extension tables change shape at run time (a kind change replaces a
                    // column); a cached prepared statement over the old shape then fails
                    // with "cached plan must not change result type". Unnamed statements
                    // are planned per execution and cost no extra round trip.
                    .statement_cache_capacity(0);
                if let Some(schema) = schema {
                    options = options.options([("search_path", schema)]);
                }
                let pool = PgPoolOptions::new()
                    .max_connections(32)
                    .min_connections(1)
                    .acquire_timeout(Duration::from_secs(30))
                    .connect_with(options)
                    .await
                    .map_err(|e| {
                        StoreError::Internal(format!("cannot connect to PostgreSQL: {e}"))
                    })?;
                SqlxPostgresConnector::from_sqlx_postgres_pool(pool)
            }
            None => {
                return Err(StoreError::Internal(format!(
                    "unsupported database URL `{url}`: use sqlite://... or postgres://..."
                )));
            }
        };
        Ok(Store {
            db,
            registry: Arc::new(TypeRegistry::default()),
            clock: Clock::default(),
        })
    }

    /// Bring the core tables up to date, then load the type registry.
    pub async fn migrate(&self) -> Result<()> {
        Migrator::up(&self.db, None).await?;
        self.refresh_types().await?;
        Ok(())
    }
}

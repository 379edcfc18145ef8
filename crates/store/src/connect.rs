//! Opening the database: SQLite (a file, WAL, foreign keys on) or PostgreSQL.

use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use docket_migrations::{Migrator, MigratorTrait};
use sea_orm::sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous,
};
use sea_orm::{ConnectOptions, Database, SqlxSqliteConnector};

use crate::types::TypeRegistry;
use crate::{Result, Store, StoreError};

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
                let pool = SqlitePoolOptions::new()
                    .max_connections(8)
                    .connect_with(options)
                    .await
                    .map_err(|e| StoreError::Internal(format!("cannot open {url}: {e}")))?;
                SqlxSqliteConnector::from_sqlx_sqlite_pool(pool)
            }
            Some(Backend::Postgres) => {
                let mut options = ConnectOptions::new(url.to_string());
                options
                    .max_connections(32)
                    .min_connections(1)
                    .connect_timeout(Duration::from_secs(10))
                    .acquire_timeout(Duration::from_secs(30))
                    .sqlx_logging(false);
                if let Some(schema) = schema {
                    options.set_schema_search_path(schema.to_string());
                }
                Database::connect(options).await?
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
        })
    }

    /// Bring the core tables up to date, then load the type registry.
    pub async fn migrate(&self) -> Result<()> {
        Migrator::up(&self.db, None).await?;
        self.refresh_types().await?;
        Ok(())
    }
}

//! What readiness checks ask of the database: does it answer, and is its schema the one
//! this binary was built for.

use std::collections::HashSet;

use docket_migrations::{Migrator, MigratorTrait};
use sea_orm::{ConnectionTrait, DbBackend, Statement};

use crate::{Result, Store};

impl Store {
    /// A trivial query, through the pool requests read with (on SQLite a reader, so a
    /// long write does not make the database look down).
    pub async fn ping(&self) -> Result<()> {
        let backend = self.backend();
        self.reader
            .execute_raw(Statement::from_string(backend, "SELECT 1"))
            .await?;
        Ok(())
    }

    /// The migrations this binary has that the database has not applied (empty when the
    /// schema is current). Migrations the database has and this binary does not know
    /// are fine: a newer instance applied them during a rolling upgrade, and they only
    /// add what older code does not use.
    pub async fn pending_migrations(&self) -> Result<Vec<String>> {
        let applied = applied_migrations(&self.reader).await?;
        Ok(Migrator::migrations()
            .iter()
            .map(|m| m.name().to_string())
            .filter(|name| !applied.contains(name))
            .collect())
    }
}

/// The migrations the database records as applied (none for a new database).
pub(crate) async fn applied_migrations<C: ConnectionTrait>(conn: &C) -> Result<HashSet<String>> {
    let backend = conn.get_database_backend();
    let exists = match backend {
        // In the connection's schema (the search path), as the migrator sees it.
        DbBackend::Postgres => {
            "SELECT 1 AS found WHERE to_regclass('seaql_migrations') IS NOT NULL"
        }
        _ => {
            "SELECT 1 AS found FROM sqlite_master WHERE type = 'table' AND name = 'seaql_migrations'"
        }
    };
    if conn
        .query_one_raw(Statement::from_string(backend, exists))
        .await?
        .is_none()
    {
        return Ok(HashSet::new());
    }
    let rows = conn
        .query_all_raw(Statement::from_string(
            backend,
            "SELECT version FROM seaql_migrations",
        ))
        .await?;
    let mut applied = HashSet::new();
    for row in rows {
        applied.insert(row.try_get::<String>("", "version")?);
    }
    Ok(applied)
}

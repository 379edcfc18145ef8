//! Bringing a database up to date at start (`docket serve`, `docket migrate`), in a way
//! that suits rolling upgrades: instances of two versions share one database for a
//! while, and any of them may (re)start meanwhile.
//!
//! - An older binary meeting a database a newer one migrated runs on it as it is:
//!   migrations only add what older code does not use (docs/deployment.md). The
//!   migrator alone would refuse to start ("applied but its file is missing").
//! - Instances starting together take turns (PostgreSQL: an advisory lock per schema),
//!   so two never run the same migration at once.

use std::collections::HashSet;

use docket_migrations::{Migrator, MigratorTrait};
use sea_orm::DbBackend;
use sea_orm::sqlx;

use crate::health::applied_migrations;
use crate::{Result, Store, StoreError};

impl Store {
    /// Bring the core tables up to date, then load the type registry.
    pub async fn migrate(&self) -> Result<()> {
        let turn = MigrationTurn::take(self).await?;
        let result = self.migrate_in_turn().await;
        turn.give_back().await;
        result
    }

    async fn migrate_in_turn(&self) -> Result<()> {
        let applied = applied_migrations(&self.db).await?;
        let known: HashSet<String> = Migrator::migrations()
            .iter()
            .map(|m| m.name().to_string())
            .collect();
        let mut newer: Vec<&String> = applied.difference(&known).collect();
        let mut missing: Vec<&String> = known.difference(&applied).collect();
        newer.sort();
        missing.sort();
        match (newer.is_empty(), missing.is_empty()) {
            (true, _) => Migrator::up(&self.db, None).await?,
            (false, true) => tracing::info!(
                newer = ?newer,
                "the database has migrations newer than this binary (a newer Docket applied them); running on it as it is"
            ),
            (false, false) => {
                return Err(StoreError::Internal(format!(
                    "the database has migrations this binary does not know ({}) and lacks some it needs ({}): it was migrated by a different line of Docket versions; run the newest one's `docket migrate`",
                    join(&newer),
                    join(&missing)
                )));
            }
        }
        self.ensure_key_sequences().await?;
        self.refresh_types().await?;
        self.reconcile_indexes().await?;
        self.optimize().await?;
        Ok(())
    }
}

fn join(versions: &[&String]) -> String {
    versions
        .iter()
        .map(|v| v.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}

/// This instance's turn to migrate. On PostgreSQL a session advisory lock, keyed by the
/// schema, on a connection taken out of the pool for it: closing that connection ends
/// the session and so frees the lock, whatever happened meanwhile. SQLite has one
/// writer, which is turn enough.
struct MigrationTurn(Option<sqlx::pool::PoolConnection<sqlx::Postgres>>);

impl MigrationTurn {
    async fn take(store: &Store) -> Result<MigrationTurn> {
        if store.db.get_database_backend() != DbBackend::Postgres {
            return Ok(MigrationTurn(None));
        }
        let mut conn = store.db.get_postgres_connection_pool().acquire().await?;
        // Waits for as long as another instance's migrations take.
        sqlx::query("SELECT pg_advisory_lock(hashtext('docket.migrate.' || current_schema()))")
            .execute(&mut *conn)
            .await?;
        Ok(MigrationTurn(Some(conn)))
    }

    async fn give_back(mut self) {
        if let Some(conn) = self.0.take() {
            use sqlx::Connection;
            // Not back to the pool: a pooled session would keep the lock.
            let _ = conn.detach().close().await;
        }
    }
}

impl Drop for MigrationTurn {
    fn drop(&mut self) {
        // Dropped without `give_back` (the future was cancelled): detach, so that the
        // connection closes instead of returning to the pool with the lock.
        if let Some(conn) = self.0.take() {
            drop(conn.detach());
        }
    }
}

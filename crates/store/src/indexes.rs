//! Keeping each extension table's indexes what its type asks for (`x-index` fields and
//! declared `indexes:`, see `docket_core::typedef::indexes`).
//!
//! A plan drops indexes inside its transaction, but builds new ones on existing tables
//! after it commits: on PostgreSQL with `CREATE INDEX CONCURRENTLY`, so that indexing a
//! big table never stops ticket writes. Such a build cannot be part of the apply's
//! transaction, so an interrupted one (a crash, a restart) leaves the index missing or
//! invalid; every start reconciles each table with its type, which also moves databases
//! made before an index changed its definition (the names carry the definition).

use sea_orm::sqlx::Row;
use sea_orm::{ConnectionTrait, DbBackend, Statement};

use crate::ddl::{create_index, drop_index, ext_table, index_name};
use crate::{Result, Store};

/// Docket's own indexes on extension tables start with this (primary keys do not).
const MANAGED_PREFIX: &str = "ix_";

/// PostgreSQL advisory lock held (per session) while an instance builds indexes, so two
/// instances starting together do not drop each other's builds in progress.
const INDEX_BUILD_LOCK: i64 = 0x0064_6f63_6b65_7401; // "docket", 1

/// Rows per second an index build (or a value conversion) goes through, for the
/// estimate a plan shows: measured on a 2-core machine on `ext_it_support` with 500,000
/// rows (see docs/benchmarks.md, "Declared indexes"); a bigger machine is faster.
pub(crate) fn rows_per_second(backend: DbBackend) -> f64 {
    match backend {
        DbBackend::Postgres => 400_000.0,
        _ => 600_000.0,
    }
}

/// An index of an extension table as the database has it.
struct Existing {
    name: String,
    /// False for a PostgreSQL index whose concurrent build did not finish.
    valid: bool,
}

impl Store {
    /// Make every type's extension table have exactly the indexes its type asks for.
    pub(crate) async fn reconcile_indexes(&self) -> Result<()> {
        for t in self.registry.all() {
            self.reconcile_type_indexes(&t.stored.slug).await?;
        }
        if self.backend() == DbBackend::Postgres {
            self.ensure_title_trigrams().await?;
        }
        Ok(())
    }

    /// PostgreSQL: the titles' trigram index (migration 000019), built here when the
    /// migration could not (no `pg_trgm` then) and the extension has been added since.
    async fn ensure_title_trigrams(&self) -> Result<()> {
        let row = self
            .db
            .query_one_raw(Statement::from_string(
                DbBackend::Postgres,
                "SELECT (SELECT n.nspname FROM pg_extension e \
                   JOIN pg_namespace n ON n.oid = e.extnamespace WHERE e.extname = 'pg_trgm') AS home, \
                 EXISTS (SELECT 1 FROM pg_indexes WHERE schemaname = current_schema() \
                   AND indexname = 'ix_tickets_title_trgm') AS built",
            ))
            .await?;
        let Some(row) = row else { return Ok(()) };
        let home: Option<String> = row.try_get("", "home")?;
        let built: bool = row.try_get("", "built")?;
        match (built, home) {
            (true, _) => {}
            (false, Some(home)) => {
                let sql = format!(
                    "CREATE INDEX CONCURRENTLY IF NOT EXISTS ix_tickets_title_trgm ON tickets \
                     USING gin (lower(title) \"{}\".gin_trgm_ops) WITH (gin_pending_list_limit = 128)",
                    home.replace('"', "\"\"")
                );
                tracing::info!(sql = %sql, "building the titles' trigram index");
                self.db.execute_unprepared(&sql).await?;
            }
            (false, None) => tracing::warn!(
                "the pg_trgm extension is not installed in this database, so `title.contains` \
                 filters read every title; have a superuser run `CREATE EXTENSION pg_trgm SCHEMA public` \
                 and the next start builds the index"
            ),
        }
        Ok(())
    }

    /// Build what is missing (or invalid) and drop what the type no longer asks for, on
    /// one type's table. On PostgreSQL this runs outside any transaction and builds
    /// concurrently; an instance that finds another one building leaves it to it.
    pub(crate) async fn reconcile_type_indexes(&self, slug: &str) -> Result<()> {
        let Some(t) = self.registry.get(slug) else {
            return Ok(());
        };
        let wanted: Vec<(String, String)> = t
            .stored
            .definition
            .ext_indexes()
            .iter()
            .map(|i| {
                (
                    index_name(slug, i),
                    create_index(self.backend(), slug, i, true),
                )
            })
            .collect();
        match self.backend() {
            DbBackend::Postgres => self.reconcile_postgres(slug, &wanted).await,
            _ => {
                let existing = self.existing_indexes(slug).await?;
                for sql in plan_reconcile(self.backend(), &existing, &wanted) {
                    self.db.execute_unprepared(&sql).await?;
                }
                Ok(())
            }
        }
    }

    async fn reconcile_postgres(&self, slug: &str, wanted: &[(String, String)]) -> Result<()> {
        let existing = self.existing_indexes(slug).await?;
        let work = plan_reconcile(DbBackend::Postgres, &existing, wanted);
        if work.is_empty() {
            return Ok(());
        }
        // One session for the lock and the builds: an advisory lock belongs to the
        // connection that took it.
        let mut conn = self.db.get_postgres_connection_pool().acquire().await?;
        let locked: bool = sea_orm::sqlx::query("SELECT pg_try_advisory_lock($1)")
            .bind(INDEX_BUILD_LOCK)
            .fetch_one(&mut *conn)
            .await?
            .try_get(0)?;
        if !locked {
            tracing::info!(
                slug,
                "another instance is building indexes; leaving it to it"
            );
            return Ok(());
        }
        // What another instance may have finished while we waited for the lock.
        let existing = self.existing_indexes(slug).await?;
        let mut result = Ok(());
        for sql in plan_reconcile(DbBackend::Postgres, &existing, wanted) {
            tracing::info!(slug, sql = %sql, "reconciling an index");
            if let Err(e) =
                // Built from checked identifiers (`ddl::create_index`, `ddl::drop_index`).
                sea_orm::sqlx::raw_sql(sea_orm::sqlx::AssertSqlSafe(sql.clone()))
                    .execute(&mut *conn)
                    .await
            {
                result = Err(e.into());
                break;
            }
        }
        let _ = sea_orm::sqlx::query("SELECT pg_advisory_unlock($1)")
            .bind(INDEX_BUILD_LOCK)
            .execute(&mut *conn)
            .await;
        result
    }

    async fn existing_indexes(&self, slug: &str) -> Result<Vec<Existing>> {
        let table = ext_table(slug);
        let backend = self.backend();
        let stmt = match backend {
            DbBackend::Postgres => Statement::from_sql_and_values(
                backend,
                "SELECT c.relname AS name, i.indisvalid AS valid \
                 FROM pg_index i \
                 JOIN pg_class c ON c.oid = i.indexrelid \
                 JOIN pg_class t ON t.oid = i.indrelid \
                 JOIN pg_namespace n ON n.oid = t.relnamespace \
                 WHERE n.nspname = current_schema() AND t.relname = $1",
                [table.into()],
            ),
            // Automatic indexes (the primary key's) have no SQL.
            _ => Statement::from_sql_and_values(
                backend,
                "SELECT name, 1 AS valid FROM sqlite_master \
                 WHERE type = 'index' AND tbl_name = ? AND sql IS NOT NULL",
                [table.into()],
            ),
        };
        let mut out = Vec::new();
        for row in self.db.query_all_raw(stmt).await? {
            out.push(Existing {
                name: row.try_get("", "name")?,
                valid: match backend {
                    DbBackend::Postgres => row.try_get("", "valid")?,
                    _ => row.try_get::<i64>("", "valid")? != 0,
                },
            });
        }
        Ok(out)
    }
}

/// The statements that turn `existing` into `wanted` (name, create statement): drops
/// first (what is not wanted, and unfinished builds), then the missing builds.
fn plan_reconcile(
    backend: DbBackend,
    existing: &[Existing],
    wanted: &[(String, String)],
) -> Vec<String> {
    let mut out = Vec::new();
    for e in existing {
        let is_wanted = wanted.iter().any(|(name, _)| *name == e.name);
        if e.name.starts_with(MANAGED_PREFIX) && (!is_wanted || !e.valid) {
            out.push(drop_index(backend, &e.name, true));
        }
    }
    for (name, create) in wanted {
        if !existing.iter().any(|e| e.name == *name && e.valid) {
            out.push(create.clone());
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reconciling_drops_strays_and_unfinished_builds_then_builds_what_is_missing() {
        let existing = [
            Existing {
                name: "ix_ext_it_category".into(), // before names carried definitions
                valid: true,
            },
            Existing {
                name: "ix_it_impact_0a1b2c3d".into(),
                valid: false,
            },
            Existing {
                name: "ix_it_device_01020304".into(),
                valid: true,
            },
            Existing {
                name: "ext_it_pkey".into(),
                valid: true,
            },
        ];
        let wanted = [
            (
                "ix_it_impact_0a1b2c3d".to_string(),
                "CREATE impact".to_string(),
            ),
            (
                "ix_it_device_01020304".to_string(),
                "CREATE device".to_string(),
            ),
            (
                "ix_it_category_05060708".to_string(),
                "CREATE category".to_string(),
            ),
        ];
        assert_eq!(
            plan_reconcile(DbBackend::Postgres, &existing, &wanted),
            vec![
                "DROP INDEX CONCURRENTLY IF EXISTS \"ix_ext_it_category\"".to_string(),
                "DROP INDEX CONCURRENTLY IF EXISTS \"ix_it_impact_0a1b2c3d\"".to_string(),
                "CREATE impact".to_string(),
                "CREATE category".to_string(),
            ]
        );
    }
}

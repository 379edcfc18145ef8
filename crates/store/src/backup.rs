//! What backups ask of the database: a consistent copy (SQLite's `VACUUM INTO`, or a
//! PostgreSQL snapshot that `pg_dump` reads), what a copy holds (`Inventory`), and
//! whether a restore's target is empty and where Docket will find what lands in it.
//! Running `pg_dump` and `pg_restore` and moving files is the `docket` command's job
//! (`server/src/cli/backup.rs`).

use std::path::Path;

use sea_orm::sea_query::{Alias, Asterisk, Expr, ExprTrait, Query};
use sea_orm::sqlx::sqlite::SqliteConnectOptions;
use sea_orm::sqlx::sqlite::SqlitePoolOptions;
use sea_orm::{
    AccessMode, ConnectionTrait, DatabaseConnection, DatabaseTransaction, DbBackend,
    IsolationLevel, SqlxSqliteConnector, Statement, TransactionTrait,
};

use crate::ddl::ext_table;
use crate::{Result, Store, StoreError};

/// What a database (or a backup of one) holds, counted in one snapshot: for an operator
/// to compare a backup with its restore.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Inventory {
    /// The newest migration applied.
    pub migration: Option<String>,
    pub ticket_types: u64,
    /// Every ticket, deleted ones included.
    pub tickets: u64,
    /// Rows of every type's extension table together.
    pub extension_rows: u64,
    pub comments: u64,
    pub attachments_in_database: Files,
    /// Attachments whose bytes are in an S3-compatible bucket (only their rows are here).
    pub attachments_in_bucket: Files,
    pub sealed_secrets: u64,
    /// The ids of the master keys the sealed secrets were sealed with.
    pub secret_key_ids: Vec<String>,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Files {
    pub count: u64,
    pub bytes: u64,
}

/// A PostgreSQL transaction held open on one snapshot of the database, exported so
/// that `pg_dump --snapshot` reads exactly what [`Snapshot::inventory`] counts.
pub struct Snapshot {
    txn: DatabaseTransaction,
    id: String,
}

impl Snapshot {
    /// The id `pg_dump --snapshot` takes; valid while this snapshot is held.
    pub fn id(&self) -> &str {
        &self.id
    }

    pub async fn inventory(&self) -> Result<Inventory> {
        inventory_of(&self.txn).await
    }

    /// Let go of the snapshot (after `pg_dump` has read it).
    pub async fn release(self) -> Result<()> {
        self.txn.rollback().await?;
        Ok(())
    }
}

/// Where a PostgreSQL restore would land, found before anything is written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RestoreTarget {
    /// Whether the dump's schema exists already (`public` always does).
    pub schema_exists: bool,
    /// Tables, views and sequences already in the dump's schema (a restore needs none).
    pub relations: Vec<String>,
    /// The schema this connection works in once the dump's schema exists: where Docket
    /// will look for its tables after the restore.
    pub works_in: Option<String>,
}

impl Store {
    /// What the database holds now.
    pub async fn inventory(&self) -> Result<Inventory> {
        inventory_of(&self.reader).await
    }

    /// SQLite: write a consistent copy of the whole database to `path`, which must not
    /// exist or be an empty file. `VACUUM INTO` reads in one transaction, and in WAL mode
    /// writers go on meanwhile; the copy is compact and in rollback-journal mode, a
    /// single file.
    pub async fn copy_sqlite_into(&self, path: &Path) -> Result<()> {
        let path = path.to_str().ok_or_else(|| {
            StoreError::Internal(format!("{} is not a UTF-8 path", path.display()))
        })?;
        self.db
            .execute_raw(Statement::from_sql_and_values(
                DbBackend::Sqlite,
                "VACUUM INTO ?",
                [path.into()],
            ))
            .await?;
        Ok(())
    }

    /// PostgreSQL: the schema this connection works in (the first existing schema of
    /// its search path), where Docket's tables are.
    pub async fn current_schema(&self) -> Result<Option<String>> {
        let row = self
            .db
            .query_one_raw(Statement::from_string(
                DbBackend::Postgres,
                "SELECT current_schema() AS name",
            ))
            .await?;
        Ok(match row {
            Some(row) => row.try_get("", "name")?,
            None => None,
        })
    }

    /// PostgreSQL: the server's major version (`pg_dump` must be at least as new).
    pub async fn postgres_major_version(&self) -> Result<u32> {
        let row = self
            .db
            .query_one_raw(Statement::from_string(
                DbBackend::Postgres,
                "SELECT current_setting('server_version_num')::int AS n",
            ))
            .await?
            .ok_or_else(|| StoreError::Internal("no server version".into()))?;
        let n: i32 = row.try_get("", "n")?;
        Ok(u32::try_from(n / 10_000).unwrap_or(0))
    }

    /// PostgreSQL: hold a snapshot of the database for `pg_dump` to read. Repeatable
    /// read, so every statement of the transaction (the counts) sees the same data.
    pub async fn export_snapshot(&self) -> Result<Snapshot> {
        let txn = self
            .db
            .begin_with_config(
                Some(IsolationLevel::RepeatableRead),
                Some(AccessMode::ReadOnly),
            )
            .await?;
        let row = txn
            .query_one_raw(Statement::from_string(
                DbBackend::Postgres,
                "SELECT pg_export_snapshot() AS id",
            ))
            .await?
            .ok_or_else(|| StoreError::Internal("no snapshot id".into()))?;
        let id = row.try_get("", "id")?;
        Ok(Snapshot { txn, id })
    }

    /// PostgreSQL: what restoring a dump of `schema` through this connection would meet.
    pub async fn restore_target(&self, schema: &str) -> Result<RestoreTarget> {
        let rows = self
            .db
            .query_all_raw(Statement::from_sql_and_values(
                DbBackend::Postgres,
                "SELECT c.relname AS name FROM pg_class c \
                 JOIN pg_namespace n ON n.oid = c.relnamespace \
                 WHERE n.nspname = $1 AND c.relkind IN ('r', 'p', 'v', 'm', 'S', 'f') \
                 ORDER BY c.relname",
                [schema.into()],
            ))
            .await?;
        let relations = rows
            .iter()
            .map(|r| r.try_get("", "name"))
            .collect::<std::result::Result<Vec<String>, _>>()?;
        let exists = self
            .db
            .query_one_raw(Statement::from_sql_and_values(
                DbBackend::Postgres,
                "SELECT EXISTS (SELECT 1 FROM pg_namespace WHERE nspname = $1) AS found",
                [schema.into()],
            ))
            .await?
            .map(|r| r.try_get::<bool>("", "found"))
            .transpose()?
            .unwrap_or(false);
        // The server resolves the search path itself ("$user", quoting, schemas that do
        // not exist): make the schema, ask, and roll back. Only when it is missing, as
        // CREATE SCHEMA asks for the right to create even when it exists.
        let txn = self.db.begin().await?;
        if !exists {
            txn.execute_unprepared(&format!(
                "CREATE SCHEMA \"{}\"",
                schema.replace('"', "\"\"")
            ))
            .await?;
        }
        let works_in = txn
            .query_one_raw(Statement::from_string(
                DbBackend::Postgres,
                "SELECT current_schema() AS name",
            ))
            .await?
            .map(|r| r.try_get::<Option<String>>("", "name"))
            .transpose()?
            .flatten();
        txn.rollback().await?;
        Ok(RestoreTarget {
            schema_exists: exists,
            relations,
            works_in,
        })
    }

    /// PostgreSQL: create `pg_trgm` as migration 000019 does, if the database lets us;
    /// answers whether it is there. A restore leaves the titles' trigram index to
    /// `migrate` (`indexes.rs`), which builds it where the extension is.
    pub async fn create_trigram_extension(&self) -> Result<bool> {
        let created = self
            .db
            .execute_unprepared("CREATE EXTENSION IF NOT EXISTS pg_trgm SCHEMA public")
            .await;
        if let Err(e) = created {
            tracing::warn!(error = %e, "pg_trgm is not available: title.contains will scan");
        }
        let row = self
            .db
            .query_one_raw(Statement::from_string(
                DbBackend::Postgres,
                "SELECT EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'pg_trgm') AS found",
            ))
            .await?;
        Ok(row
            .map(|r| r.try_get::<bool>("", "found"))
            .transpose()?
            .unwrap_or(false))
    }
}

/// Open the SQLite file at `path` read-only, check that it reads whole (`PRAGMA
/// quick_check`) and is Docket's, and count what it holds. Quick, not integrity_check:
/// a copy made by `VACUUM INTO` has every index rebuilt from its table, so what is left
/// to check is that each page reads, which quick_check does in one pass.
pub async fn inspect_sqlite_file(path: &Path) -> Result<Inventory> {
    let db = open_sqlite_read_only(path).await?;
    let checked = async {
        let rows = db
            .query_all_raw(Statement::from_string(
                DbBackend::Sqlite,
                "PRAGMA quick_check",
            ))
            .await?;
        let found: Vec<String> = rows
            .iter()
            .map(|r| r.try_get_by_index::<String>(0))
            .collect::<std::result::Result<_, _>>()?;
        if found != ["ok"] {
            return Err(StoreError::Internal(format!(
                "{} is damaged: {}",
                path.display(),
                found.join("; ")
            )));
        }
        inventory_of(&db).await
    }
    .await;
    let _ = db.close().await;
    checked
}

/// The tables of the SQLite database at `path` (a restore's target must have none).
pub async fn sqlite_tables(path: &Path) -> Result<Vec<String>> {
    let db = open_sqlite_read_only(path).await?;
    let rows = db
        .query_all_raw(Statement::from_string(
            DbBackend::Sqlite,
            "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name",
        ))
        .await;
    let _ = db.close().await;
    rows?.iter().map(|r| Ok(r.try_get("", "name")?)).collect()
}

async fn open_sqlite_read_only(path: &Path) -> Result<DatabaseConnection> {
    let options = SqliteConnectOptions::new()
        .filename(path)
        .read_only(true)
        .create_if_missing(false);
    SqlitePoolOptions::new()
        .max_connections(1)
        .connect_with(options)
        .await
        .map(SqlxSqliteConnector::from_sqlx_sqlite_pool)
        .map_err(|e| StoreError::Internal(format!("cannot open {}: {e}", path.display())))
}

/// Count what the database behind `conn` holds; with a transaction, in its snapshot.
async fn inventory_of<C: ConnectionTrait>(conn: &C) -> Result<Inventory> {
    let backend = conn.get_database_backend();
    let migrated = match backend {
        DbBackend::Postgres => {
            "SELECT COUNT(*) AS n FROM pg_tables \
             WHERE schemaname = current_schema() AND tablename = 'seaql_migrations'"
        }
        _ => {
            "SELECT COUNT(*) AS n FROM sqlite_master \
             WHERE type = 'table' AND name = 'seaql_migrations'"
        }
    };
    if count(conn, Statement::from_string(backend, migrated)).await? == 0 {
        return Err(StoreError::NotFound("Docket's tables".into()));
    }
    let migration = conn
        .query_one_raw(Statement::from_string(
            backend,
            "SELECT MAX(version) AS v FROM seaql_migrations",
        ))
        .await?
        .map(|r| r.try_get::<Option<String>>("", "v"))
        .transpose()?
        .flatten();
    let slugs: Vec<String> = conn
        .query_all_raw(Statement::from_string(
            backend,
            "SELECT DISTINCT slug FROM ticket_types ORDER BY slug",
        ))
        .await?
        .iter()
        .map(|r| r.try_get("", "slug"))
        .collect::<std::result::Result<_, _>>()?;
    let mut extension_rows = 0;
    for slug in &slugs {
        let stmt = Query::select()
            .expr_as(Expr::col(Asterisk).count(), Alias::new("n"))
            .from(Alias::new(ext_table(slug)))
            .to_owned();
        extension_rows += count(conn, backend.build(&stmt)).await?;
    }
    let mut inventory = Inventory {
        migration,
        ticket_types: slugs.len() as u64,
        tickets: count(
            conn,
            Statement::from_string(backend, "SELECT COUNT(*) AS n FROM tickets"),
        )
        .await?,
        extension_rows,
        comments: count(
            conn,
            Statement::from_string(backend, "SELECT COUNT(*) AS n FROM comments"),
        )
        .await?,
        attachments_in_database: Files::default(),
        attachments_in_bucket: Files::default(),
        sealed_secrets: 0,
        secret_key_ids: Vec::new(),
    };
    // SUM of a bigint is a numeric on PostgreSQL: cast back to read it as an integer.
    let files = conn
        .query_all_raw(Statement::from_string(
            backend,
            "SELECT storage, COUNT(*) AS n, CAST(COALESCE(SUM(size), 0) AS BIGINT) AS bytes \
             FROM attachments GROUP BY storage",
        ))
        .await?;
    for row in files {
        let storage: String = row.try_get("", "storage")?;
        let found = Files {
            count: non_negative(row.try_get("", "n")?),
            bytes: non_negative(row.try_get("", "bytes")?),
        };
        // Rows name `database` or `s3` (`attachments/mod.rs`).
        let into = if storage == "database" {
            &mut inventory.attachments_in_database
        } else {
            &mut inventory.attachments_in_bucket
        };
        into.count += found.count;
        into.bytes += found.bytes;
    }
    let secrets = conn
        .query_all_raw(Statement::from_string(
            backend,
            "SELECT key_id, COUNT(*) AS n FROM secrets GROUP BY key_id ORDER BY key_id",
        ))
        .await?;
    for row in secrets {
        inventory.sealed_secrets += non_negative(row.try_get("", "n")?);
        inventory.secret_key_ids.push(row.try_get("", "key_id")?);
    }
    Ok(inventory)
}

async fn count<C: ConnectionTrait>(conn: &C, stmt: Statement) -> Result<u64> {
    let row = conn
        .query_one_raw(stmt)
        .await?
        .ok_or_else(|| StoreError::Internal("a count returned no row".into()))?;
    Ok(non_negative(row.try_get("", "n")?))
}

fn non_negative(n: i64) -> u64 {
    u64::try_from(n).unwrap_or(0)
}

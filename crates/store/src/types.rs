//! Ticket types in the database: every applied version with its DDL, the registry of
//! compiled current versions that requests use, and plan/apply.
//!
//! Applying takes the schema lock (the single `schema_state` row, bumped on every apply)
//! first, so applies are serialized across server instances, and every instance sees the
//! new generation on its next poll and reloads its registry.

use std::collections::HashMap;
use std::sync::{Arc, RwLock};

use chrono::{DateTime, Utc};
use docket_core::evolution::{self, Applied, Change, ColumnState, Plan, Step, StoredData};
use docket_core::typedef::{CompiledType, TypeDefinition};
use sea_orm::sea_query::{Alias, Expr, ExprTrait, Query};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseTransaction, DbBackend, EntityTrait,
    QueryFilter, QueryOrder, Statement, TransactionOptions, TransactionTrait,
};
use serde::Serialize;

use crate::entities::ticket_type;
use crate::{Result, Store, StoreError, ddl, ext};

/// Who manages a type: a file in the types directory, or the API.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum TypeSource {
    File,
    Api,
}

impl TypeSource {
    fn as_str(self) -> &'static str {
        match self {
            TypeSource::File => "file",
            TypeSource::Api => "api",
        }
    }
}

/// Where a definition being applied comes from.
#[derive(Debug, Clone)]
pub struct TypeOrigin {
    pub source: TypeSource,
    pub path: Option<String>,
    /// The text as the admin wrote it, kept so that it can be shown and exported as is.
    pub text: Option<String>,
    /// Who applies it (for the version record).
    pub actor: String,
}

/// One stored version of a type.
#[derive(Debug, Clone)]
pub struct StoredType {
    pub slug: String,
    pub version: i32,
    pub definition: TypeDefinition,
    pub columns: Vec<ColumnState>,
    pub source: TypeSource,
    pub source_path: Option<String>,
    pub source_text: Option<String>,
    pub ddl: Vec<String>,
    pub changes: Vec<Change>,
    pub applied_by: String,
    pub created_at: DateTime<Utc>,
}

impl StoredType {
    fn from_model(m: ticket_type::Model) -> Result<StoredType> {
        let corrupt = |what: &str, e: serde_json::Error| {
            StoreError::Internal(format!(
                "ticket_types row {} v{}: bad {what}: {e}",
                m.slug, m.version
            ))
        };
        Ok(StoredType {
            definition: serde_json::from_str(&m.definition)
                .map_err(|e| corrupt("definition", e))?,
            columns: serde_json::from_str(&m.columns).map_err(|e| corrupt("columns", e))?,
            ddl: serde_json::from_str(&m.ddl).map_err(|e| corrupt("ddl", e))?,
            changes: serde_json::from_str(&m.changes).map_err(|e| corrupt("changes", e))?,
            source: if m.source == "file" {
                TypeSource::File
            } else {
                TypeSource::Api
            },
            slug: m.slug,
            version: m.version,
            source_path: m.source_path,
            source_text: m.source_text,
            applied_by: m.applied_by,
            created_at: m.created_at,
        })
    }

    fn applied(&self) -> Applied {
        Applied {
            version: self.version,
            definition: self.definition.clone(),
            columns: self.columns.clone(),
        }
    }
}

/// A current type version, compiled once and shared by every request.
#[derive(Debug, Clone)]
pub struct RegisteredType {
    pub stored: Arc<StoredType>,
    pub compiled: Arc<CompiledType>,
}

/// The compiled current version of every type, and the schema generation it reflects.
#[derive(Default)]
pub struct TypeRegistry {
    inner: RwLock<(i64, HashMap<String, RegisteredType>)>,
}

impl TypeRegistry {
    pub fn get(&self, slug: &str) -> Option<RegisteredType> {
        self.inner.read().unwrap().1.get(slug).cloned()
    }

    pub fn all(&self) -> Vec<RegisteredType> {
        let mut v: Vec<RegisteredType> = self.inner.read().unwrap().1.values().cloned().collect();
        v.sort_by(|a, b| a.stored.slug.cmp(&b.stored.slug));
        v
    }

    pub fn generation(&self) -> i64 {
        self.inner.read().unwrap().0
    }

    fn replace(&self, generation: i64, types: HashMap<String, RegisteredType>) {
        *self.inner.write().unwrap() = (generation, types);
    }
}

/// A plan with the SQL it runs on the connected backend, in order.
#[derive(Debug, Clone)]
pub struct PlannedChange {
    pub plan: Plan,
    pub ddl: Vec<String>,
}

/// The outcome of an apply.
#[derive(Debug, Clone)]
pub struct AppliedChange {
    pub plan: Plan,
    /// The SQL the plan runs (or ran), in order.
    pub ddl: Vec<String>,
    /// The new version, when one was created.
    pub version: Option<StoredType>,
}

/// An arbitrary constant identifying Docket's schema lock among PostgreSQL advisory locks.
const SCHEMA_LOCK: i64 = 0x646f636b6574; // "docket"

impl Store {
    pub(crate) async fn begin_write(&self) -> Result<DatabaseTransaction> {
        // SQLite: take the write lock at BEGIN, so that a transaction that reads first
        // never fails to upgrade later; busy_timeout then queues writers.
        let options = TransactionOptions {
            sqlite_transaction_mode: Some(sea_orm::SqliteTransactionMode::Immediate),
            ..Default::default()
        };
        Ok(if self.backend() == DbBackend::Sqlite {
            self.db.begin_with_options(options).await?
        } else {
            self.db.begin().await?
        })
    }

    /// Inside a write transaction: hold the schema lock shared (PostgreSQL; SQLite has
    /// one writer anyway) and make sure the registry matches the database, so a ticket
    /// write never uses columns another instance has just renamed.
    pub(crate) async fn schema_guard(&self, txn: &DatabaseTransaction) -> Result<()> {
        if self.backend() == DbBackend::Postgres {
            txn.execute_raw(Statement::from_sql_and_values(
                DbBackend::Postgres,
                "SELECT pg_advisory_xact_lock_shared($1)",
                [SCHEMA_LOCK.into()],
            ))
            .await?;
        }
        // A statement of its own, not folded into the lock's: under READ COMMITTED a
        // statement reads the snapshot taken when it began, which would be from before
        // an apply we waited for.
        let generation = read_generation(txn).await?;
        if generation != self.registry.generation() {
            self.load_registry(txn, generation).await?;
        }
        Ok(())
    }

    /// Give every applied type's key prefix its sequence (PostgreSQL; see `keys.rs`), for
    /// databases whose types were applied before prefixes had sequences. Under the
    /// schema lock, as applies are.
    pub(crate) async fn ensure_key_sequences(&self) -> Result<()> {
        if self.backend() != DbBackend::Postgres {
            return Ok(());
        }
        let txn = self.begin_write().await?;
        txn.execute_raw(Statement::from_sql_and_values(
            DbBackend::Postgres,
            "SELECT pg_advisory_xact_lock($1)",
            [SCHEMA_LOCK.into()],
        ))
        .await?;
        for t in current_types(&txn).await? {
            crate::keys::ensure_sequence(&txn, &t.definition.key_prefix).await?;
        }
        txn.commit().await?;
        Ok(())
    }

    /// The schema generation: it changes whenever any type is applied.
    pub async fn schema_generation(&self) -> Result<i64> {
        read_generation(&self.db).await
    }

    /// Reload the registry if another instance (or the CLI) applied a type.
    pub async fn refresh_types(&self) -> Result<bool> {
        let generation = read_generation(&self.db).await?;
        if generation == self.registry.generation() && generation != 0 {
            return Ok(false);
        }
        self.load_registry(&self.db, generation).await?;
        Ok(true)
    }

    async fn load_registry<C: ConnectionTrait>(&self, conn: &C, generation: i64) -> Result<()> {
        let mut types = HashMap::new();
        for stored in current_types(conn).await? {
            let compiled = CompiledType::compile(stored.definition.clone(), stored.version)
                .map_err(|e| {
                    StoreError::Internal(format!(
                        "type {} v{} does not compile: {e}",
                        stored.slug, stored.version
                    ))
                })?;
            types.insert(
                stored.slug.clone(),
                RegisteredType {
                    stored: Arc::new(stored),
                    compiled: Arc::new(compiled),
                },
            );
        }
        self.registry.replace(generation, types);
        Ok(())
    }

    /// The current version of a type, compiled (from the registry).
    pub fn registered(&self, slug: &str) -> Result<RegisteredType> {
        self.registry
            .get(slug)
            .ok_or_else(|| StoreError::NotFound(format!("ticket type `{slug}`")))
    }

    /// The types a caller in these teams may see (the tickets, and through them the
    /// requesters, they may reach).
    pub fn types_handled_by(&self, teams: &[String]) -> Vec<String> {
        self.registry
            .all()
            .into_iter()
            .filter(|t| t.stored.definition.teams.iter().any(|s| teams.contains(s)))
            .map(|t| t.stored.slug.clone())
            .collect()
    }

    /// Every version of a type, oldest first.
    pub async fn type_versions(&self, slug: &str) -> Result<Vec<StoredType>> {
        let rows = ticket_type::Entity::find()
            .filter(ticket_type::Column::Slug.eq(slug))
            .order_by_asc(ticket_type::Column::Version)
            .all(&self.db)
            .await?;
        if rows.is_empty() {
            return Err(StoreError::NotFound(format!("ticket type `{slug}`")));
        }
        rows.into_iter().map(StoredType::from_model).collect()
    }

    /// What applying `def` would do now, with the SQL it would run. Problems that would
    /// stop the apply (a key prefix another type uses) are reported here too.
    pub async fn plan_type(&self, def: &TypeDefinition) -> Result<PlannedChange> {
        let current = current_type(&self.db, &def.slug).await?;
        check_key_prefix(&self.db, def).await?;
        let plan = plan_with_data(&self.db, current.as_ref(), def).await?;
        let ddl = self.render_plan(&plan);
        Ok(PlannedChange { plan, ddl })
    }

    fn render_plan(&self, plan: &Plan) -> Vec<String> {
        let deferred = builds_indexes_after_commit(self.backend(), plan);
        plan.steps
            .iter()
            .map(|s| match s {
                Step::CreateIndex { index } if deferred => {
                    ddl::create_index(self.backend(), &plan.slug, index, true)
                }
                _ => ddl::render(self.backend(), &plan.slug, s),
            })
            .collect()
    }

    /// Plan and apply in one transaction. A plan that needs force (or is refused)
    /// changes nothing and comes back as `PlanRefused`.
    pub async fn apply_type(
        &self,
        def: &TypeDefinition,
        origin: &TypeOrigin,
        allow_destructive: bool,
    ) -> Result<AppliedChange> {
        let txn = self.begin_write().await?;
        if self.backend() == DbBackend::Postgres {
            txn.execute_raw(Statement::from_sql_and_values(
                DbBackend::Postgres,
                "SELECT pg_advisory_xact_lock($1)",
                [SCHEMA_LOCK.into()],
            ))
            .await?;
        }
        let current = current_type(&txn, &def.slug).await?;
        if let Some(cur) = &current
            && cur.source == TypeSource::File
            && origin.source == TypeSource::Api
        {
            return Err(StoreError::Forbidden(format!(
                "ticket type `{}` is managed by the file {}; change the file instead",
                def.slug,
                cur.source_path
                    .as_deref()
                    .unwrap_or("in the types directory")
            )));
        }
        check_key_prefix(&txn, def).await?;
        let plan = plan_with_data(&txn, current.as_ref(), def).await?;
        let ddl = self.render_plan(&plan);
        if plan.noop {
            let cur = current
                .as_ref()
                .expect("a noop plan has an applied version");
            let same_source = cur.source == origin.source
                && cur.source_path == origin.path
                && (origin.text.is_none() || cur.source_text == origin.text);
            if !same_source {
                // Only the file's text (comments, layout) or its place changed: keep the
                // version, remember the new source.
                let stmt = Query::update()
                    .table(Alias::new("ticket_types"))
                    .value(Alias::new("source"), origin.source.as_str())
                    .value(Alias::new("source_path"), origin.path.clone())
                    .value(Alias::new("source_text"), origin.text.clone())
                    .and_where(Expr::col(Alias::new("slug")).eq(def.slug.as_str()))
                    .and_where(Expr::col(Alias::new("version")).eq(cur.version))
                    .to_owned();
                txn.execute(&stmt).await?;
                bump_generation(&txn).await?;
                txn.commit().await?;
                self.refresh_types().await?;
            } else {
                txn.rollback().await?;
            }
            return Ok(AppliedChange {
                plan,
                ddl,
                version: None,
            });
        }
        if !plan.applicable(allow_destructive) {
            txn.rollback().await?;
            return Err(StoreError::PlanRefused(Box::new(PlannedChange {
                plan,
                ddl,
            })));
        }
        let deferred_indexes = builds_indexes_after_commit(self.backend(), &plan);
        for (step, sql) in plan.steps.iter().zip(&ddl) {
            match step {
                Step::CreateIndex { .. } if deferred_indexes => {}
                Step::ConvertCopy {
                    from,
                    to,
                    from_kind,
                    to_kind,
                } => ext::convert_copy(&txn, &plan.slug, from, to, *from_kind, *to_kind).await?,
                Step::Backfill {
                    column,
                    kind,
                    value,
                } => {
                    // Bound, so the value is stored exactly as a ticket write stores it.
                    let backfill = ddl::backfill(&plan.slug, column, *kind, value)?;
                    let backend = txn.get_database_backend();
                    txn.execute_raw(ext::shaped(
                        backend,
                        &backfill,
                        &plan.slug,
                        [(column.as_str(), *kind)],
                    ))
                    .await?;
                }
                _ => {
                    txn.execute_unprepared(sql).await?;
                }
            }
        }
        let searchable = |d: &TypeDefinition| -> Vec<String> {
            docket_core::fields::compile_fields(&d.schema)
                .into_iter()
                .filter(|f| f.searchable)
                .map(|f| f.name)
                .collect()
        };
        if current
            .as_ref()
            .is_some_and(|c| searchable(&c.definition) != searchable(def))
        {
            // Full-text search must cover the fields that are searchable now, on every ticket.
            crate::tickets::rebuild_search_text(&txn, def).await?;
        }
        let definition_json = serde_json::to_string(def).expect("definitions serialize");
        let row = ticket_type::ActiveModel {
            slug: Set(def.slug.clone()),
            version: Set(plan.to_version),
            name: Set(def.name.clone()),
            key_prefix: Set(def.key_prefix.clone()),
            checksum: Set(crate::sha256_hex(definition_json.as_bytes())),
            definition: Set(definition_json),
            columns: Set(serde_json::to_string(&plan.columns).expect("columns serialize")),
            source: Set(origin.source.as_str().to_string()),
            source_path: Set(origin.path.clone()),
            source_text: Set(origin.text.clone()),
            ddl: Set(serde_json::to_string(&ddl).expect("strings serialize")),
            changes: Set(serde_json::to_string(&plan.changes).expect("changes serialize")),
            applied_by: Set(origin.actor.clone()),
            created_at: Set(self.clock.now()),
            ..Default::default()
        };
        let inserted = ticket_type::Entity::insert(row)
            .exec_with_returning(&txn)
            .await?;
        crate::identity::audit(
            &txn,
            self.clock.now(),
            &crate::identity::Actor::new(origin.actor.clone(), None),
            "type.apply",
            &format!("type:{}", def.slug),
            serde_json::json!({
                "version": plan.to_version,
                "source": origin.source.as_str(),
                "destructive": plan.safety != docket_core::evolution::Safety::Safe,
            }),
        )
        .await?;
        crate::keys::ensure_sequence(&txn, &def.key_prefix).await?;
        bump_generation(&txn).await?;
        txn.commit().await?;
        self.refresh_types().await?;
        if deferred_indexes {
            // The apply stands; a build that fails here is retried at the next start.
            self.reconcile_type_indexes(&plan.slug).await?;
        }
        Ok(AppliedChange {
            plan,
            ddl,
            version: Some(StoredType::from_model(inserted)?),
        })
    }
}

/// Whether a plan's new indexes are built after its transaction commits: on
/// PostgreSQL, for a table that already exists (a new table is empty: its indexes are
/// built with it, in the transaction).
fn builds_indexes_after_commit(backend: DbBackend, plan: &Plan) -> bool {
    backend == DbBackend::Postgres
        && !plan
            .steps
            .iter()
            .any(|s| matches!(s, Step::CreateTable { .. }))
}

async fn check_key_prefix<C: ConnectionTrait>(conn: &C, def: &TypeDefinition) -> Result<()> {
    for other in current_types(conn).await? {
        if other.slug != def.slug && other.definition.key_prefix == def.key_prefix {
            return Err(StoreError::invalid(
                "/key_prefix",
                format!(
                    "key prefix {} is already used by ticket type `{}`",
                    def.key_prefix, other.slug
                ),
            ));
        }
    }
    Ok(())
}

async fn read_generation<C: ConnectionTrait>(conn: &C) -> Result<i64> {
    let stmt = Query::select()
        .column(Alias::new("generation"))
        .from(Alias::new("schema_state"))
        .and_where(Expr::col(Alias::new("id")).eq(1))
        .to_owned();
    let row = conn.query_one(&stmt).await?.ok_or_else(|| {
        StoreError::Internal("schema_state row is missing; run `docket migrate`".into())
    })?;
    Ok(row.try_get("", "generation")?)
}

async fn bump_generation<C: ConnectionTrait>(conn: &C) -> Result<()> {
    let stmt = Query::update()
        .table(Alias::new("schema_state"))
        .value(
            Alias::new("generation"),
            Expr::col(Alias::new("generation")).add(1),
        )
        .and_where(Expr::col(Alias::new("id")).eq(1))
        .to_owned();
    conn.execute(&stmt).await?;
    Ok(())
}

/// The latest version of every type.
async fn current_types<C: ConnectionTrait>(conn: &C) -> Result<Vec<StoredType>> {
    let rows = ticket_type::Entity::find()
        .order_by_asc(ticket_type::Column::Slug)
        .order_by_desc(ticket_type::Column::Version)
        .all(conn)
        .await?;
    let mut out: Vec<StoredType> = Vec::new();
    for m in rows {
        if out.last().is_some_and(|t| t.slug == m.slug) {
            continue;
        }
        out.push(StoredType::from_model(m)?);
    }
    Ok(out)
}

async fn current_type<C: ConnectionTrait>(conn: &C, slug: &str) -> Result<Option<StoredType>> {
    ticket_type::Entity::find()
        .filter(ticket_type::Column::Slug.eq(slug))
        .order_by_desc(ticket_type::Column::Version)
        .one(conn)
        .await?
        .map(StoredType::from_model)
        .transpose()
}

async fn plan_with_data<C: ConnectionTrait>(
    conn: &C,
    current: Option<&StoredType>,
    def: &TypeDefinition,
) -> Result<Plan> {
    let applied = current.map(StoredType::applied);
    let mut data = StoredData {
        rows_per_second: crate::indexes::rows_per_second(conn.get_database_backend()),
        ..StoredData::default()
    };
    if let Some(applied) = &applied {
        let count_stmt = Query::select()
            .expr_as(Expr::col(Alias::new("id")).count(), Alias::new("n"))
            .from(Alias::new("tickets"))
            .and_where(Expr::col(Alias::new("type_slug")).eq(def.slug.as_str()))
            .to_owned();
        let n: i64 = conn
            .query_one(&count_stmt)
            .await?
            .map(|r| r.try_get("", "n"))
            .transpose()?
            .unwrap_or(0);
        data.ticket_count = n as u64;
        let sample = Query::select()
            .column(Alias::new("key"))
            .from(Alias::new("tickets"))
            .and_where(Expr::col(Alias::new("type_slug")).eq(def.slug.as_str()))
            .order_by(Alias::new("id"), sea_orm::sea_query::Order::Asc)
            .limit(20)
            .to_owned();
        for row in conn.query_all(&sample).await? {
            data.sample_keys.push(row.try_get("", "key")?);
        }
        if evolution::workflow_changed(Some(applied), def) {
            let by_status = Query::select()
                .column(Alias::new("status"))
                .expr_as(Expr::col(Alias::new("id")).count(), Alias::new("n"))
                .from(Alias::new("tickets"))
                .and_where(Expr::col(Alias::new("type_slug")).eq(def.slug.as_str()))
                .group_by_col(Alias::new("status"))
                .to_owned();
            for row in conn.query_all(&by_status).await? {
                let status: String = row.try_get("", "status")?;
                let n: i64 = row.try_get("", "n")?;
                data.status_counts.insert(status, n as u64);
            }
        }
        for column in evolution::columns_to_inspect(Some(applied), def) {
            let Some(col) = applied.columns.iter().find(|c| c.name == column) else {
                continue;
            };
            let values = ext::column_values(conn, &def.slug, &col.name, col.kind).await?;
            data.values.insert(column, values);
        }
    }
    Ok(evolution::plan(applied.as_ref(), def, &data))
}

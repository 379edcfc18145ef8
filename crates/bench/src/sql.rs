//! Everything the bench does in SQL, next to (never inside) Docket: the raw inserts that
//! are the limit for the API's create rate, the bulk seeding, the JSON-column copy of the
//! data, and the two hand-written list queries. Values are always bound.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use docket_core::fields::{ColumnKind, FieldSpec};
use docket_core::ticket::{self, Priority, SourceChannel};
use docket_core::typedef::CompiledType;
use sea_orm::sea_query::{Alias, Query, SimpleExpr, Value as SqlValue};
use sea_orm::{
    ConnectionTrait, DatabaseConnection, DatabaseTransaction, DbBackend, QueryResult, Statement,
    TransactionOptions, TransactionTrait,
};
use serde_json::{Map, Value};

use crate::payload::{self, Rng, Row};

/// The columns of `tickets` a create writes (all but `id`).
const CORE_COLUMNS: [&str; 28] = [
    "key",
    "number",
    "type_slug",
    "type_version",
    "title",
    "body",
    "status",
    "status_category",
    "priority",
    "requester_id",
    "assignee_id",
    "team_id",
    "source_channel",
    "source_ref",
    "fingerprint",
    "search_text",
    "row_version",
    "created_at",
    "updated_at",
    "first_response_at",
    "resolved_at",
    "closed_at",
    "deleted_at",
    "sla_policy_id",
    "first_response_due_at",
    "next_response_due_at",
    "resolution_due_at",
    "sla_due_at",
];

/// Now, to the microsecond, as Docket stores it.
pub fn now() -> DateTime<Utc> {
    let t = Utc::now();
    DateTime::from_timestamp_micros(t.timestamp_micros()).unwrap_or(t)
}

/// The text Docket's full-text index covers (key, title, body, searchable fields), as
/// the store makes it.
fn search_text(key: &str, row: &Row, fields: &Map<String, Value>, ty: &CompiledType) -> String {
    let searchable: Vec<&str> = ty
        .fields
        .iter()
        .filter(|f| f.searchable)
        .map(|f| f.name.as_str())
        .collect();
    docket_store::search_text(key, &row.title, &row.body, fields, &searchable)
}

/// The parts of a `tickets` row that the generated payload does not decide.
pub struct Core {
    pub id: Option<i64>,
    pub key: String,
    pub number: i64,
    pub status: String,
    pub priority: Priority,
    pub requester_id: Option<i64>,
    pub source: SourceChannel,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub work: Work,
}

/// Who works a ticket and its SLA cache: what a desk that has run for a while has on
/// its tickets (`queues::desk`); a fresh create has none of it.
#[derive(Debug, Clone, Default)]
pub struct Work {
    pub assignee_id: Option<i64>,
    pub team_id: Option<i64>,
    pub first_response_at: Option<DateTime<Utc>>,
    pub sla_policy_id: Option<i64>,
    pub first_response_due_at: Option<DateTime<Utc>>,
    pub next_response_due_at: Option<DateTime<Utc>>,
    pub resolution_due_at: Option<DateTime<Utc>>,
}

impl Work {
    /// The earliest of the three due times, as `sla_due_at` holds it.
    fn sla_due_at(&self) -> Option<DateTime<Utc>> {
        [
            self.first_response_due_at,
            self.next_response_due_at,
            self.resolution_due_at,
        ]
        .into_iter()
        .flatten()
        .min()
    }
}

fn core_values(
    core: &Core,
    row: &Row,
    ty: &CompiledType,
    fields: &Map<String, Value>,
) -> Vec<SimpleExpr> {
    let category = ty
        .definition
        .workflow_ref()
        .category(&core.status)
        .expect("a state of the type's workflow");
    let solved = matches!(
        category,
        ticket::StatusCategory::Solved | ticket::StatusCategory::Closed
    );
    let closed = category == ticket::StatusCategory::Closed;
    let work = &core.work;
    let mut v: Vec<SqlValue> = Vec::with_capacity(CORE_COLUMNS.len() + 1);
    if let Some(id) = core.id {
        v.push(id.into());
    }
    v.extend([
        core.key.clone().into(),
        core.number.into(),
        row.type_slug.clone().into(),
        ty.version.into(),
        row.title.clone().into(),
        row.body.clone().into(),
        core.status.to_string().into(),
        category.as_str().to_string().into(),
        core.priority.as_str().to_string().into(),
        SqlValue::BigInt(core.requester_id),
        SqlValue::BigInt(work.assignee_id),
        SqlValue::BigInt(work.team_id),
        core.source.as_str().to_string().into(),
        SqlValue::String(None),
        SqlValue::String(None),
        search_text(&core.key, row, fields, ty).into(),
        1i32.into(),
        core.created_at.into(),
        core.updated_at.into(),
        SqlValue::ChronoDateTimeUtc(work.first_response_at),
        SqlValue::ChronoDateTimeUtc(solved.then_some(core.updated_at)),
        SqlValue::ChronoDateTimeUtc(closed.then_some(core.updated_at)),
        SqlValue::ChronoDateTimeUtc(None),
        SqlValue::BigInt(work.sla_policy_id),
        SqlValue::ChronoDateTimeUtc(work.first_response_due_at),
        SqlValue::ChronoDateTimeUtc(work.next_response_due_at),
        SqlValue::ChronoDateTimeUtc(work.resolution_due_at),
        SqlValue::ChronoDateTimeUtc(work.sla_due_at()),
    ]);
    v.into_iter().map(SimpleExpr::from).collect()
}

fn ext_values(id: i64, ty: &CompiledType, fields: &Map<String, Value>) -> Vec<SimpleExpr> {
    let mut v: Vec<SimpleExpr> = vec![id.into()];
    for f in &ty.fields {
        v.push(
            docket_store::column_sql_value(f.kind, fields.get(&f.name).unwrap_or(&Value::Null))
                .expect("generated payloads are valid")
                .into(),
        );
    }
    v
}

fn ext_insert(ty: &CompiledType) -> sea_orm::sea_query::InsertStatement {
    let mut stmt = Query::insert();
    stmt.into_table(Alias::new(format!("ext_{}", ty.slug())));
    let mut columns = vec![Alias::new("ticket_id")];
    columns.extend(ty.fields.iter().map(|f| Alias::new(f.name.clone())));
    stmt.columns(columns);
    stmt
}

fn core_insert(with_id: bool) -> sea_orm::sea_query::InsertStatement {
    let mut stmt = Query::insert();
    stmt.into_table(Alias::new("tickets"));
    let mut columns: Vec<Alias> = Vec::new();
    if with_id {
        columns.push(Alias::new("id"));
    }
    columns.extend(CORE_COLUMNS.iter().map(|c| Alias::new(*c)));
    stmt.columns(columns);
    stmt
}

/// A write transaction the way Docket opens one (SQLite: `BEGIN IMMEDIATE`).
pub async fn begin_write(db: &DatabaseConnection) -> anyhow::Result<DatabaseTransaction> {
    Ok(if db.get_database_backend() == DbBackend::Sqlite {
        db.begin_with_options(TransactionOptions {
            sqlite_transaction_mode: Some(sea_orm::SqliteTransactionMode::Immediate),
            ..Default::default()
        })
        .await?
    } else {
        db.begin().await?
    })
}

/// The raw SQL counterpart of one API create: the `tickets` row and the `ext_<slug>` row
/// of the same payload (defaults filled in), in one transaction, and nothing else.
pub async fn raw_create(
    db: &DatabaseConnection,
    ty: &CompiledType,
    row: &Row,
    number: i64,
) -> anyhow::Result<()> {
    let fields = ty
        .with_defaults(&Value::Object(row.fields.clone()))
        .as_object()
        .cloned()
        .unwrap_or_default();
    let at = now();
    let core = Core {
        id: None,
        key: format!("BENCH-{number}"),
        number,
        status: ty.definition.workflow_ref().initial.clone(),
        priority: ty.definition.default_priority(),
        requester_id: None,
        source: SourceChannel::Api,
        created_at: at,
        updated_at: at,
        work: Work::default(),
    };
    let txn = begin_write(db).await?;
    let mut stmt = core_insert(false);
    stmt.values(core_values(&core, row, ty, &fields))?;
    stmt.returning_col(Alias::new("id"));
    let id: i64 = txn
        .query_one(&stmt)
        .await?
        .ok_or_else(|| anyhow::anyhow!("INSERT ... RETURNING id returned nothing"))?
        .try_get("", "id")?;
    let mut ext = ext_insert(ty);
    ext.values(ext_values(id, ty, &fields))?;
    txn.execute(&ext).await?;
    txn.commit().await?;
    Ok(())
}

/// Which type the n-th seeded ticket has: half IT support, the rest spread evenly.
pub fn seeded_type(i: u64, slugs: &[String]) -> &str {
    let others: Vec<&String> = slugs.iter().filter(|s| *s != "it_support").collect();
    if others.is_empty() || !slugs.iter().any(|s| s == "it_support") {
        return &slugs[(i % slugs.len() as u64) as usize];
    }
    let slot = i % (2 * others.len() as u64);
    if slot < others.len() as u64 {
        "it_support"
    } else {
        others[(slot - others.len() as u64) as usize]
    }
}

/// Bulk-insert `count` tickets spread over the types (see `seeded_type`), with random
/// statuses, priorities, sources, requesters (of those in the database) and creation
/// times over a year.
pub async fn seed(
    db: &DatabaseConnection,
    types: &HashMap<String, std::sync::Arc<CompiledType>>,
    count: u64,
    per_txn: u64,
    progress: impl FnMut(u64),
) -> anyhow::Result<()> {
    let backend = db.get_database_backend();
    let mut slugs: Vec<String> = types.keys().cloned().collect();
    slugs.sort();
    let requesters: Vec<i64> = db
        .query_all_raw(Statement::from_string(backend, "SELECT id FROM requesters"))
        .await?
        .iter()
        .map(|r| r.try_get::<i64>("", "id"))
        .collect::<Result<_, _>>()?;
    let started = now();
    let generate = |i: u64, id: i64| {
        let ty = &types[seeded_type(i, &slugs)];
        // Rows of their own: generator indices far from the API runs'.
        let row = payload::row(ty, 10_000_000 + i);
        let mut rng = Rng::new(id as u64);
        let created_at = started - chrono::Duration::seconds(rng.range(0, 365 * 86_400) as i64);
        let updated_at =
            (created_at + chrono::Duration::seconds(rng.range(0, 10 * 86_400) as i64)).min(started);
        let states = ty.definition.workflow_ref().state_names();
        let core = Core {
            id: Some(id),
            key: String::new(),
            number: 0,
            status: states[rng.range(0, states.len() as u64 - 1) as usize].to_string(),
            priority: *rng.pick(&Priority::ALL),
            requester_id: if requesters.is_empty() {
                None
            } else {
                Some(*rng.pick(&requesters))
            },
            source: *rng.pick(&SourceChannel::ALL),
            created_at,
            updated_at,
            work: Work::default(),
        };
        (row, core)
    };
    bulk_insert(db, types, count, per_txn, generate, progress).await
}

/// Bulk-insert `count` tickets made by `generate(i, id)` (its key and number are filled
/// in here: the types' own key prefixes, the key sequences moved past them), each with
/// its extension row (the type's defaults added) and its search text, with explicit ids,
/// multi-row inserts, `per_txn` tickets per transaction. The one place seeded tickets are
/// written, so that every mode's seed follows Docket's columns alike.
pub async fn bulk_insert(
    db: &DatabaseConnection,
    types: &HashMap<String, std::sync::Arc<CompiledType>>,
    count: u64,
    per_txn: u64,
    mut generate: impl FnMut(u64, i64) -> (Row, Core),
    mut progress: impl FnMut(u64),
) -> anyhow::Result<()> {
    if count == 0 {
        return Ok(());
    }
    let backend = db.get_database_backend();
    let max_id: i64 = db
        .query_one_raw(Statement::from_string(
            backend,
            "SELECT COALESCE(MAX(id), 0) AS m FROM tickets",
        ))
        .await?
        .map(|r| r.try_get::<i64>("", "m"))
        .transpose()?
        .unwrap_or(0);
    let mut numbers: HashMap<String, i64> = HashMap::new();
    for r in db
        .query_all_raw(Statement::from_string(
            backend,
            "SELECT prefix, next_number FROM key_sequences",
        ))
        .await?
    {
        numbers.insert(r.try_get("", "prefix")?, r.try_get("", "next_number")?);
    }
    let mut done = 0u64;
    while done < count {
        let n = per_txn.min(count - done);
        let txn = begin_write(db).await?;
        let mut core_rows: Vec<Vec<SimpleExpr>> = Vec::new();
        let mut ext_rows: HashMap<String, Vec<Vec<SimpleExpr>>> = HashMap::new();
        for k in 0..n {
            let i = done + k;
            let id = max_id + 1 + i as i64;
            let (row, mut core) = generate(i, id);
            let ty = &types[&row.type_slug];
            let fields = ty
                .with_defaults(&Value::Object(row.fields.clone()))
                .as_object()
                .cloned()
                .unwrap_or_default();
            let prefix = &ty.definition.key_prefix;
            let number = numbers.entry(prefix.clone()).or_insert(0);
            *number += 1;
            core.id = Some(id);
            core.number = *number;
            core.key = ticket::ticket_key(prefix, *number);
            core_rows.push(core_values(&core, &row, ty, &fields));
            ext_rows
                .entry(row.type_slug.clone())
                .or_default()
                .push(ext_values(id, ty, &fields));
        }
        for chunk in core_rows.chunks(500) {
            let mut stmt = core_insert(true);
            for r in chunk {
                stmt.values(r.clone())?;
            }
            txn.execute(&stmt).await?;
        }
        for (slug, rows) in ext_rows {
            let ty = &types[&slug];
            for chunk in rows.chunks(500) {
                let mut stmt = ext_insert(ty);
                for r in chunk {
                    stmt.values(r.clone())?;
                }
                txn.execute(&stmt).await?;
            }
        }
        txn.commit().await?;
        done += n;
        progress(done);
    }
    // Keep the database usable afterwards: sequences past the explicit ids and keys.
    let txn = begin_write(db).await?;
    if backend == DbBackend::Postgres {
        txn.execute_unprepared(
            "SELECT setval(pg_get_serial_sequence('tickets', 'id'), (SELECT MAX(id) FROM tickets))",
        )
        .await?;
    }
    for (prefix, number) in numbers {
        let p = placeholders(backend, 2);
        txn.execute_raw(Statement::from_sql_and_values(
            backend,
            format!("DELETE FROM key_sequences WHERE prefix = {}", p[0]),
            [prefix.clone().into()],
        ))
        .await?;
        txn.execute_raw(Statement::from_sql_and_values(
            backend,
            format!(
                "INSERT INTO key_sequences (prefix, next_number) VALUES ({}, {})",
                p[0], p[1]
            ),
            [prefix.into(), number.into()],
        ))
        .await?;
    }
    txn.commit().await?;
    Ok(())
}

pub(crate) fn placeholders(backend: DbBackend, n: usize) -> Vec<String> {
    (1..=n)
        .map(|i| match backend {
            DbBackend::Postgres => format!("${i}"),
            _ => "?".to_string(),
        })
        .collect()
}

pub(crate) fn quote(ident: &str) -> String {
    // Field names are identifiers checked by docket-core (^[a-z][a-z0-9_]*$).
    format!("\"{ident}\"")
}

/// The same tickets in the design Docket did not choose: one JSON document of the type's
/// fields per ticket, with the index such a design would have on the filtered field.
pub async fn build_json_table(
    db: &DatabaseConnection,
    types: &HashMap<String, std::sync::Arc<CompiledType>>,
    indexed_field: &str,
) -> anyhow::Result<()> {
    let backend = db.get_database_backend();
    let pg = backend == DbBackend::Postgres;
    db.execute_unprepared(if pg {
        "CREATE TABLE bench_json_tickets (id BIGINT PRIMARY KEY, type_slug TEXT NOT NULL, created_at TIMESTAMPTZ NOT NULL, fields JSONB NOT NULL)"
    } else {
        "CREATE TABLE bench_json_tickets (id INTEGER PRIMARY KEY, type_slug TEXT NOT NULL, created_at TEXT NOT NULL, fields TEXT NOT NULL)"
    })
    .await?;
    for (slug, ty) in types {
        let ext = quote(&format!("ext_{slug}"));
        let document = if pg {
            "jsonb_strip_nulls(to_jsonb(x) - 'ticket_id')".to_string()
        } else {
            // json_patch drops the keys whose value is null, as absent fields are.
            let pairs: Vec<String> = ty
                .fields
                .iter()
                .map(|f| {
                    let col = format!("x.{}", quote(&f.name));
                    let v = match f.kind {
                        ColumnKind::Json => format!("json({col})"),
                        ColumnKind::Boolean => format!(
                            "CASE WHEN {col} IS NULL THEN NULL WHEN {col} THEN json('true') ELSE json('false') END"
                        ),
                        _ => col,
                    };
                    format!("'{}', {v}", f.name)
                })
                .collect();
            format!("json_patch('{{}}', json_object({}))", pairs.join(", "))
        };
        db.execute_unprepared(&format!(
            "INSERT INTO bench_json_tickets (id, type_slug, created_at, fields) \
             SELECT t.id, t.type_slug, t.created_at, {document} \
             FROM tickets t JOIN {ext} x ON x.ticket_id = t.id"
        ))
        .await?;
    }
    db.execute_unprepared(&if pg {
        format!(
            "CREATE INDEX ix_bench_json_{indexed_field} ON bench_json_tickets ((fields->>'{indexed_field}'))"
        )
    } else {
        format!(
            "CREATE INDEX ix_bench_json_{indexed_field} ON bench_json_tickets (json_extract(fields, '$.{indexed_field}'))"
        )
    })
    .await?;
    Ok(())
}

/// Planner statistics for every table (PostgreSQL's autovacuum would get there on its
/// own; SQLite only has them after ANALYZE). Both designs get the same treatment.
pub async fn analyze(db: &DatabaseConnection) -> anyhow::Result<()> {
    let backend = db.get_database_backend();
    if backend == DbBackend::Postgres {
        // Only this run's schema: other schemas in the database are not ours.
        let tables = db
            .query_all_raw(Statement::from_string(
                backend,
                "SELECT tablename FROM pg_tables WHERE schemaname = current_schema()",
            ))
            .await?;
        for t in tables {
            let name: String = t.try_get("", "tablename")?;
            db.execute_unprepared(&format!("VACUUM ANALYZE {}", quote(&name)))
                .await?;
        }
    } else {
        db.execute_unprepared("ANALYZE").await?;
    }
    Ok(())
}

/// A list query written by hand, for one of the two layouts.
pub struct HandQuery {
    pub sql: String,
    pub values: Vec<SqlValue>,
}

/// Docket's layout: the filter on the typed, indexed column of `ext_<slug>`, the sort on
/// the typed column, one query that returns each ticket's id, type, creation time and
/// fields (the same output as the JSON query).
pub fn typed_query(
    backend: DbBackend,
    slug: &str,
    filter_field: &str,
    filter_value: &str,
    sort_field: &str,
    limit: u64,
) -> HandQuery {
    let p = placeholders(backend, 2);
    HandQuery {
        sql: format!(
            "SELECT t.id AS id, t.type_slug AS type_slug, t.created_at AS created_at, x.* \
             FROM tickets t JOIN {ext} x ON x.ticket_id = t.id \
             WHERE t.type_slug = {p0} AND x.{ff} = {p1} \
             ORDER BY x.{sf} DESC NULLS LAST, x.ticket_id DESC LIMIT {limit}",
            ext = quote(&format!("ext_{slug}")),
            ff = quote(filter_field),
            sf = quote(sort_field),
            p0 = p[0],
            p1 = p[1],
        ),
        values: vec![slug.into(), filter_value.into()],
    }
}

/// The query `Store::list_tickets` runs for this list, rebuilt by hand from
/// crates/store/src/list.rs (for `--explain` only: the timed runs call the store).
pub fn docket_query(
    backend: DbBackend,
    slug: &str,
    filter_field: &str,
    filter_value: &str,
    sort_field: &str,
    limit: u64,
) -> HandQuery {
    let p = placeholders(backend, 2);
    HandQuery {
        sql: format!(
            "SELECT \"t\".* FROM \"tickets\" AS \"t\" \
             INNER JOIN {ext} AS \"x\" ON \"x\".\"ticket_id\" = \"t\".\"id\" \
             WHERE \"t\".\"type_slug\" = {p0} AND \"t\".\"deleted_at\" IS NULL AND \"x\".{ff} = {p1} \
             ORDER BY \"x\".{sf} DESC NULLS LAST, \"x\".\"ticket_id\" DESC LIMIT {n}",
            ext = quote(&format!("ext_{slug}")),
            ff = quote(filter_field),
            sf = quote(sort_field),
            p0 = p[0],
            p1 = p[1],
            n = limit + 1,
        ),
        values: vec![slug.into(), filter_value.into()],
    }
}

/// The JSON-column layout: the same filter and sort on values inside the document (the
/// sort key cast to an integer), one query returning the same columns.
pub fn json_query(
    backend: DbBackend,
    slug: &str,
    filter_field: &str,
    filter_value: &str,
    sort_field: &str,
    limit: u64,
) -> HandQuery {
    let p = placeholders(backend, 2);
    let (filter, sort) = if backend == DbBackend::Postgres {
        (
            format!("fields->>'{filter_field}'"),
            format!("(fields->>'{sort_field}')::bigint"),
        )
    } else {
        (
            format!("json_extract(fields, '$.{filter_field}')"),
            format!("CAST(json_extract(fields, '$.{sort_field}') AS INTEGER)"),
        )
    };
    HandQuery {
        sql: format!(
            "SELECT id, type_slug, created_at, fields FROM bench_json_tickets \
             WHERE type_slug = {p0} AND {filter} = {p1} \
             ORDER BY {sort} DESC NULLS LAST, id DESC LIMIT {limit}",
            p0 = p[0],
            p1 = p[1],
        ),
        values: vec![slug.into(), filter_value.into()],
    }
}

/// One fetched ticket as the client gets it: id, type, created, fields as JSON.
pub struct Fetched {
    pub id: i64,
    #[allow(dead_code)]
    pub fields: Map<String, Value>,
}

async fn fetch(db: &DatabaseConnection, q: &HandQuery) -> anyhow::Result<Vec<QueryResult>> {
    Ok(db
        .query_all_raw(Statement::from_sql_and_values(
            db.get_database_backend(),
            q.sql.clone(),
            q.values.clone(),
        ))
        .await?)
}

/// Run the typed query and turn each row's columns into the fields object.
pub async fn run_typed(
    db: &DatabaseConnection,
    q: &HandQuery,
    fields: &[FieldSpec],
) -> anyhow::Result<Vec<Fetched>> {
    let backend = db.get_database_backend();
    let mut out = Vec::new();
    for row in fetch(db, q).await? {
        let _: String = row.try_get("", "type_slug")?;
        let _: DateTime<Utc> = row.try_get("", "created_at")?;
        let mut map = Map::new();
        for f in fields {
            let v = docket_store::column_value(backend, &row, &f.name, f.kind)?;
            if !v.is_null() {
                map.insert(f.name.clone(), v);
            }
        }
        out.push(Fetched {
            id: row.try_get("", "id")?,
            fields: map,
        });
    }
    Ok(out)
}

/// Run the JSON query and parse each row's document.
pub async fn run_json(db: &DatabaseConnection, q: &HandQuery) -> anyhow::Result<Vec<Fetched>> {
    let backend = db.get_database_backend();
    let mut out = Vec::new();
    for row in fetch(db, q).await? {
        let _: String = row.try_get("", "type_slug")?;
        let _: DateTime<Utc> = row.try_get("", "created_at")?;
        let doc: Value = if backend == DbBackend::Postgres {
            row.try_get("", "fields")?
        } else {
            serde_json::from_str(&row.try_get::<String>("", "fields")?)?
        };
        out.push(Fetched {
            id: row.try_get("", "id")?,
            fields: match doc {
                Value::Object(m) => m,
                _ => Map::new(),
            },
        });
    }
    Ok(out)
}

/// The plan the database picks for a hand-written query (for `--explain`).
pub async fn explain(db: &DatabaseConnection, q: &HandQuery) -> anyhow::Result<String> {
    let backend = db.get_database_backend();
    let prefix = if backend == DbBackend::Postgres {
        "EXPLAIN (ANALYZE, BUFFERS) "
    } else {
        "EXPLAIN QUERY PLAN "
    };
    let rows = db
        .query_all_raw(Statement::from_sql_and_values(
            backend,
            format!("{prefix}{}", q.sql),
            q.values.clone(),
        ))
        .await?;
    let mut out = String::new();
    for r in rows {
        let line: String = if backend == DbBackend::Postgres {
            r.try_get_by_index(0)?
        } else {
            r.try_get("", "detail")?
        };
        out.push_str("    ");
        out.push_str(&line);
        out.push('\n');
    }
    Ok(out)
}

/// How many tickets match a filter on one typed column.
pub async fn count_matching(
    db: &DatabaseConnection,
    slug: &str,
    field: &str,
    value: &str,
) -> anyhow::Result<(i64, i64)> {
    let backend = db.get_database_backend();
    let p = placeholders(backend, 1);
    let ext = quote(&format!("ext_{slug}"));
    let total: i64 = db
        .query_one_raw(Statement::from_string(
            backend,
            "SELECT COUNT(*) AS n FROM tickets",
        ))
        .await?
        .map(|r| r.try_get("", "n"))
        .transpose()?
        .unwrap_or(0);
    let matching: i64 = db
        .query_one_raw(Statement::from_sql_and_values(
            backend,
            format!(
                "SELECT COUNT(*) AS n FROM {ext} WHERE {} = {}",
                quote(field),
                p[0]
            ),
            [value.into()],
        ))
        .await?
        .map(|r| r.try_get("", "n"))
        .transpose()?
        .unwrap_or(0);
    Ok((total, matching))
}

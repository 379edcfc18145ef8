//! Reading and writing extension rows: one typed column per field, converted between
//! the JSON form the API speaks and the SQL value each backend stores.

use std::collections::HashMap;

use chrono::{DateTime, NaiveDate, Utc};
use docket_core::fields::{ColumnKind, FieldSpec};
use docket_core::stored::{self, Stored};
use sea_orm::sea_query::{Alias, Expr, ExprTrait, Query, Value as SqlValue};
use sea_orm::{ConnectionTrait, DbBackend, QueryResult};
use serde_json::{Map, Value};

use crate::ddl::ext_table;
use crate::{Result, StoreError};

/// A statement on an extension table, its text marked with the shape (column names and
/// kinds) it was built for. PostgreSQL caches prepared statements by their text, and a
/// kind change gives a column another type under the same name: a statement prepared
/// over the old shape would fail ("cached plan must not change result type") or bind
/// the old parameter types. With the shape in the text, a new shape is a new statement.
pub(crate) fn shaped<'a, S: sea_orm::StatementBuilder>(
    backend: DbBackend,
    stmt: &S,
    slug: &str,
    columns: impl IntoIterator<Item = (&'a str, ColumnKind)>,
) -> sea_orm::Statement {
    use std::hash::{Hash, Hasher};
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    for (name, kind) in columns {
        (name, kind.as_str()).hash(&mut hasher);
    }
    let mut built = backend.build(stmt);
    built.sql = format!("/* {slug}:{:016x} */ {}", hasher.finish(), built.sql);
    built
}

/// The shape of a type's fields, for `shaped`.
pub(crate) fn shape_of(fields: &[FieldSpec]) -> impl Iterator<Item = (&str, ColumnKind)> {
    fields.iter().map(|f| (f.name.as_str(), f.kind))
}

/// A field value as the SQL value of its column. The value was validated, which
/// includes `stored::encode`; one that still does not encode is refused, not stored as
/// something else.
pub fn to_sql_value(kind: ColumnKind, v: &Value) -> Result<SqlValue> {
    let stored = stored::encode(kind, v).map_err(|e| {
        StoreError::Internal(format!(
            "a validated {} value does not store: {e}",
            kind.as_str()
        ))
    })?;
    Ok(sql_value(kind, stored))
}

/// The SQL value of a stored value; `Null` is the column kind's typed NULL.
pub fn sql_value(kind: ColumnKind, stored: Stored) -> SqlValue {
    match (kind, stored) {
        (_, Stored::Text(s)) => SqlValue::String(Some(s)),
        (_, Stored::Integer(i)) => SqlValue::BigInt(Some(i)),
        (_, Stored::Number(f)) => SqlValue::Double(Some(f)),
        (_, Stored::Boolean(b)) => SqlValue::Bool(Some(b)),
        (_, Stored::Timestamp(t)) => SqlValue::ChronoDateTimeUtc(Some(t)),
        (_, Stored::Date(d)) => SqlValue::ChronoDate(Some(d)),
        (_, Stored::Json(v)) => SqlValue::Json(Some(Box::new(v))),
        (ColumnKind::Text, Stored::Null) => SqlValue::String(None),
        (ColumnKind::Integer, Stored::Null) => SqlValue::BigInt(None),
        (ColumnKind::Number, Stored::Null) => SqlValue::Double(None),
        (ColumnKind::Boolean, Stored::Null) => SqlValue::Bool(None),
        (ColumnKind::Timestamp, Stored::Null) => SqlValue::ChronoDateTimeUtc(None),
        (ColumnKind::Date, Stored::Null) => SqlValue::ChronoDate(None),
        (ColumnKind::Json, Stored::Null) => SqlValue::Json(None),
    }
}

/// A column of a fetched row back in its JSON form.
pub fn from_row(
    backend: DbBackend,
    row: &QueryResult,
    column: &str,
    kind: ColumnKind,
) -> Result<Value> {
    let v = match kind {
        ColumnKind::Text => row.try_get::<Option<String>>("", column)?.map(Stored::Text),
        ColumnKind::Integer => row.try_get::<Option<i64>>("", column)?.map(Stored::Integer),
        ColumnKind::Number => row.try_get::<Option<f64>>("", column)?.map(Stored::Number),
        ColumnKind::Boolean => row
            .try_get::<Option<bool>>("", column)?
            .map(Stored::Boolean),
        ColumnKind::Timestamp => row
            .try_get::<Option<DateTime<Utc>>>("", column)?
            .map(Stored::Timestamp),
        ColumnKind::Date => row
            .try_get::<Option<NaiveDate>>("", column)?
            .map(Stored::Date),
        ColumnKind::Json if backend == DbBackend::Postgres => {
            row.try_get::<Option<Value>>("", column)?.map(Stored::Json)
        }
        ColumnKind::Json => match row.try_get::<Option<String>>("", column)? {
            Some(text) => Some(Stored::Json(serde_json::from_str(&text).map_err(|e| {
                StoreError::Internal(format!("stored JSON in {column} does not parse: {e}"))
            })?)),
            None => None,
        },
    };
    Ok(stored::decode(v.unwrap_or(Stored::Null)))
}

/// The fields as a read gives them back: every field of the type, each value as its
/// column holds it (`5.0` as `5`, times in UTC), absent ones as null.
pub fn as_read(fields: &[FieldSpec], values: &Map<String, Value>) -> Result<Map<String, Value>> {
    let mut out = Map::new();
    for f in fields {
        let value = match values.get(&f.name) {
            Some(v) => stored::decode(stored::encode(f.kind, v).map_err(|e| {
                StoreError::Internal(format!("a validated {} value does not store: {e}", f.name))
            })?),
            None => Value::Null,
        };
        out.insert(f.name.clone(), value);
    }
    Ok(out)
}

/// Insert the extension rows of new tickets (ticket id, field values), all in one
/// statement; every field is a column of it (absent ones NULL), so the statement's text
/// depends only on the type's shape and the number of rows.
pub async fn insert_rows<C: ConnectionTrait>(
    conn: &C,
    slug: &str,
    fields: &[FieldSpec],
    rows: &[(i64, &Map<String, Value>)],
) -> Result<()> {
    if rows.is_empty() {
        return Ok(());
    }
    let mut stmt = Query::insert();
    stmt.into_table(Alias::new(ext_table(slug)));
    stmt.columns(
        std::iter::once(Alias::new("ticket_id"))
            .chain(fields.iter().map(|f| Alias::new(f.name.clone()))),
    );
    for (ticket_id, values) in rows {
        let mut row: Vec<sea_orm::sea_query::SimpleExpr> = vec![Expr::val(*ticket_id)];
        for f in fields {
            let value = match values.get(&f.name).filter(|v| !v.is_null()) {
                Some(v) => to_sql_value(f.kind, v)?,
                None => sql_value(f.kind, Stored::Null),
            };
            row.push(Expr::val(value));
        }
        stmt.values(row)
            .map_err(|e| StoreError::Internal(e.to_string()))?;
    }
    let backend = conn.get_database_backend();
    conn.execute_raw(shaped(backend, &stmt, slug, shape_of(fields)))
        .await?;
    Ok(())
}

/// Set the given fields (a value of Null clears the field).
pub async fn update_row<C: ConnectionTrait>(
    conn: &C,
    slug: &str,
    ticket_id: i64,
    fields: &[FieldSpec],
    changes: &Map<String, Value>,
) -> Result<()> {
    let mut stmt = Query::update();
    stmt.table(Alias::new(ext_table(slug)));
    let mut any = false;
    for f in fields {
        if let Some(v) = changes.get(&f.name) {
            stmt.value(Alias::new(f.name.clone()), to_sql_value(f.kind, v)?);
            any = true;
        }
    }
    if !any {
        return Ok(());
    }
    stmt.and_where(Expr::col(Alias::new("ticket_id")).eq(ticket_id));
    let backend = conn.get_database_backend();
    conn.execute_raw(shaped(backend, &stmt, slug, shape_of(fields)))
        .await?;
    Ok(())
}

/// The extension fields of the given tickets, by ticket id.
pub async fn load_rows<C: ConnectionTrait>(
    conn: &C,
    slug: &str,
    fields: &[FieldSpec],
    ticket_ids: &[i64],
) -> Result<HashMap<i64, Map<String, Value>>> {
    let mut out = HashMap::new();
    if ticket_ids.is_empty() {
        return Ok(out);
    }
    let backend = conn.get_database_backend();
    for chunk in ticket_ids.chunks(500) {
        let mut stmt = Query::select();
        stmt.from(Alias::new(ext_table(slug)))
            .column(Alias::new("ticket_id"));
        for f in fields {
            stmt.column(Alias::new(f.name.clone()));
        }
        stmt.and_where(Expr::col(Alias::new("ticket_id")).is_in(chunk.iter().copied()));
        for row in conn
            .query_all_raw(shaped(backend, &stmt, slug, shape_of(fields)))
            .await?
        {
            let id: i64 = row.try_get("", "ticket_id")?;
            let mut map = Map::new();
            for f in fields {
                map.insert(f.name.clone(), from_row(backend, &row, &f.name, f.kind)?);
            }
            out.insert(id, map);
        }
    }
    Ok(out)
}

/// Every ticket's key and value of one column, for the planner's data checks.
pub async fn column_values<C: ConnectionTrait>(
    conn: &C,
    slug: &str,
    column: &str,
    kind: ColumnKind,
) -> Result<Vec<(String, Value)>> {
    let backend = conn.get_database_backend();
    let table = Alias::new(ext_table(slug));
    let stmt = Query::select()
        .column((Alias::new("t"), Alias::new("key")))
        .expr_as(
            Expr::col((table.clone(), Alias::new(column))),
            Alias::new("value"),
        )
        .from(table.clone())
        .inner_join(
            sea_orm::sea_query::TableRef::Table(
                Alias::new("tickets").into(),
                Some(Alias::new("t").into()),
            ),
            Expr::col((Alias::new("t"), Alias::new("id"))).equals((table, Alias::new("ticket_id"))),
        )
        .order_by(
            (Alias::new("t"), Alias::new("id")),
            sea_orm::sea_query::Order::Asc,
        )
        .to_owned();
    let mut out = Vec::new();
    for row in conn
        .query_all_raw(shaped(backend, &stmt, slug, [(column, kind)]))
        .await?
    {
        let key: String = row.try_get("", "key")?;
        out.push((key, from_row(backend, &row, "value", kind)?));
    }
    Ok(out)
}

/// Convert every value of `from` into `to` (a kind change's copy step).
pub async fn convert_copy<C: ConnectionTrait>(
    conn: &C,
    slug: &str,
    from: &str,
    to: &str,
    from_kind: ColumnKind,
    to_kind: ColumnKind,
) -> Result<()> {
    let backend = conn.get_database_backend();
    let table = Alias::new(ext_table(slug));
    let stmt = Query::select()
        .column(Alias::new("ticket_id"))
        .column(Alias::new(from))
        .from(table.clone())
        .and_where(Expr::col(Alias::new(from)).is_not_null())
        .to_owned();
    for row in conn
        .query_all_raw(shaped(backend, &stmt, slug, [(from, from_kind)]))
        .await?
    {
        let id: i64 = row.try_get("", "ticket_id")?;
        let value = from_row(backend, &row, from, from_kind)?;
        let converted = docket_core::convert::convert(&value, from_kind, to_kind).ok_or_else(|| {
            StoreError::Conflict(format!(
                "a value of {from} changed since the plan and no longer converts to {}; plan again",
                to_kind.as_str()
            ))
        })?;
        let update = Query::update()
            .table(table.clone())
            .value(Alias::new(to), to_sql_value(to_kind, &converted)?)
            .and_where(Expr::col(Alias::new("ticket_id")).eq(id))
            .to_owned();
        conn.execute_raw(shaped(backend, &update, slug, [(to, to_kind)]))
            .await?;
    }
    Ok(())
}

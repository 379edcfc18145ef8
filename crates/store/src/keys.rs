//! Ticket numbers per key prefix (`IT-1042`).
//!
//! PostgreSQL: one sequence per prefix. A counter row would be locked by each create
//! until it commits, so a burst of one type would run one create at a time; `nextval`
//! never waits. The price: a number taken by a create that then fails (a retry with
//! an idempotency key already used, which is only found at its end; a database error)
//! is not handed out again, so keys can skip a number. They stay unique and increasing.
//! SQLite: one writer at a time anyway, so a row per prefix in `key_sequences`, taken
//! inside the create's transaction: no gaps.

use std::collections::BTreeMap;

use sea_orm::sea_query::{Alias, Expr, ExprTrait, OnConflict, Query};
use sea_orm::{ConnectionTrait, DbBackend, Statement};

use crate::{Result, StoreError};

/// The sequence of a prefix. Prefixes are `^[A-Z][A-Z0-9]{0,9}$` (checked with the type
/// file), so the name is an identifier; it is still quoted where it is SQL.
fn sequence_name(prefix: &str) -> String {
    format!("key_seq_{}", prefix.to_ascii_lowercase())
}

/// The next numbers of several prefixes (prefix, how many), in order, in one statement.
pub(crate) async fn next_numbers<C: ConnectionTrait>(
    conn: &C,
    wanted: &BTreeMap<String, usize>,
) -> Result<BTreeMap<String, Vec<i64>>> {
    let wanted: Vec<(&String, i64)> = wanted
        .iter()
        .filter(|(_, n)| **n > 0)
        .map(|(p, n)| {
            Ok((
                p,
                i64::try_from(*n).map_err(|e| StoreError::Internal(e.to_string()))?,
            ))
        })
        .collect::<Result<_>>()?;
    let mut numbers: BTreeMap<String, Vec<i64>> = BTreeMap::new();
    if wanted.is_empty() {
        return Ok(numbers);
    }
    if conn.get_database_backend() == DbBackend::Postgres {
        let mut rows = Vec::new();
        let mut values: Vec<sea_orm::Value> = Vec::new();
        for (prefix, n) in &wanted {
            let at = values.len();
            rows.push(format!("(${}, ${}, ${}::bigint)", at + 1, at + 2, at + 3));
            values.extend([(*prefix).into(), sequence_name(prefix).into(), (*n).into()]);
        }
        let sql = format!(
            "SELECT w.prefix, nextval(w.seq::regclass) AS next_number \
             FROM (VALUES {}) AS w(prefix, seq, n) CROSS JOIN LATERAL generate_series(1, w.n)",
            rows.join(", ")
        );
        for row in conn
            .query_all_raw(Statement::from_sql_and_values(
                DbBackend::Postgres,
                sql,
                values,
            ))
            .await?
        {
            let prefix: String = row.try_get("", "prefix")?;
            numbers
                .entry(prefix)
                .or_default()
                .push(row.try_get("", "next_number")?);
        }
        for taken in numbers.values_mut() {
            taken.sort_unstable();
        }
        return Ok(numbers);
    }
    // SQLite: move each counter by n; a prefix's numbers are the n up to where it now
    // stands.
    let mut stmt = Query::insert();
    stmt.into_table(Alias::new("key_sequences"))
        .columns([Alias::new("prefix"), Alias::new("next_number")]);
    for (prefix, n) in &wanted {
        stmt.values_panic([(*prefix).into(), (*n).into()]);
    }
    stmt.on_conflict(
        OnConflict::column(Alias::new("prefix"))
            .value(
                Alias::new("next_number"),
                Expr::col((Alias::new("key_sequences"), Alias::new("next_number"))).add(Expr::col(
                    (Alias::new("excluded"), Alias::new("next_number")),
                )),
            )
            .to_owned(),
    )
    .returning(Query::returning().columns([Alias::new("prefix"), Alias::new("next_number")]));
    for row in conn.query_all(&stmt).await? {
        let prefix: String = row.try_get("", "prefix")?;
        let last: i64 = row.try_get("", "next_number")?;
        let n = wanted
            .iter()
            .find(|(p, _)| **p == prefix)
            .map(|(_, n)| *n)
            .ok_or_else(|| StoreError::Internal(format!("key sequence of {prefix} unasked")))?;
        numbers.insert(prefix, (last - n + 1..=last).collect());
    }
    Ok(numbers)
}

/// Make sure a prefix has its sequence (PostgreSQL), continuing after every number
/// already used: the counter row of earlier versions and the tickets that carry the
/// prefix. The caller holds the schema lock exclusively (an apply, or start-up), so two
/// instances never create one sequence at once.
pub(crate) async fn ensure_sequence<C: ConnectionTrait>(conn: &C, prefix: &str) -> Result<()> {
    if conn.get_database_backend() != DbBackend::Postgres {
        return Ok(());
    }
    let name = sequence_name(prefix);
    let exists = conn
        .query_one_raw(Statement::from_sql_and_values(
            DbBackend::Postgres,
            "SELECT to_regclass($1) IS NOT NULL AS present",
            [name.clone().into()],
        ))
        .await?
        .map(|r| r.try_get::<bool>("", "present"))
        .transpose()?
        .unwrap_or(false);
    if exists {
        return Ok(());
    }
    conn.execute_unprepared(&format!("CREATE SEQUENCE \"{name}\" AS bigint MINVALUE 1"))
        .await?;
    conn.execute_raw(Statement::from_sql_and_values(
        DbBackend::Postgres,
        "SELECT setval($1::regclass, used + 1, false) FROM (SELECT GREATEST(
            COALESCE((SELECT next_number FROM key_sequences WHERE prefix = $2), 0),
            COALESCE((SELECT max(number) FROM tickets WHERE key LIKE $3), 0)) AS used) u",
        [name.into(), prefix.into(), format!("{prefix}-%").into()],
    ))
    .await?;
    Ok(())
}

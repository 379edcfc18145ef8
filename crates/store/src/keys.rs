//! Ticket numbers per key prefix (`IT-1042`).
//!
//! PostgreSQL: one sequence per prefix. A counter row would be locked by each create
//! until it commits, so a burst of one type would run one create at a time; `nextval`
//! never waits. The price: a number taken by a create that then fails (a retry with
//! an idempotency key already used, which is only found at its end; a database error)
//! is not handed out again, so keys can skip a number. They stay unique and increasing.
//! SQLite: one writer at a time anyway, so a row per prefix in `key_sequences`, taken
//! inside the create's transaction: no gaps.

use sea_orm::sea_query::{Alias, Expr, ExprTrait, OnConflict, Query};
use sea_orm::{ConnectionTrait, DbBackend, Statement};

use crate::{Result, StoreError};

/// The sequence of a prefix. Prefixes are `^[A-Z][A-Z0-9]{0,9}$` (checked with the type
/// file), so the name is an identifier; it is still quoted where it is SQL.
fn sequence_name(prefix: &str) -> String {
    format!("key_seq_{}", prefix.to_ascii_lowercase())
}

/// The next `n` numbers of a prefix, in order.
pub(crate) async fn next_numbers<C: ConnectionTrait>(
    conn: &C,
    prefix: &str,
    n: usize,
) -> Result<Vec<i64>> {
    if n == 0 {
        return Ok(Vec::new());
    }
    let count = i64::try_from(n).map_err(|e| StoreError::Internal(e.to_string()))?;
    if conn.get_database_backend() == DbBackend::Postgres {
        let rows = conn
            .query_all_raw(Statement::from_sql_and_values(
                DbBackend::Postgres,
                "SELECT nextval($1::regclass) AS next_number FROM generate_series(1, $2)",
                [sequence_name(prefix).into(), count.into()],
            ))
            .await?;
        let mut numbers = rows
            .iter()
            .map(|r| r.try_get::<i64>("", "next_number"))
            .collect::<std::result::Result<Vec<_>, _>>()?;
        numbers.sort_unstable();
        return Ok(numbers);
    }
    // SQLite: move the counter by n; the numbers are the n up to where it now stands.
    let stmt = Query::insert()
        .into_table(Alias::new("key_sequences"))
        .columns([Alias::new("prefix"), Alias::new("next_number")])
        .values_panic([prefix.into(), count.into()])
        .on_conflict(
            OnConflict::column(Alias::new("prefix"))
                .value(
                    Alias::new("next_number"),
                    Expr::col((Alias::new("key_sequences"), Alias::new("next_number"))).add(count),
                )
                .to_owned(),
        )
        .returning_col(Alias::new("next_number"))
        .to_owned();
    let last: i64 = conn
        .query_one(&stmt)
        .await?
        .ok_or_else(|| StoreError::Internal("key sequence returned nothing".into()))?
        .try_get("", "next_number")?;
    Ok((last - count + 1..=last).collect())
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

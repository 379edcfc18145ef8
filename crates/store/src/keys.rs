//! Ticket numbers per key prefix (`IT-1042`).
//!
//! PostgreSQL: one sequence per prefix. A counter row would be locked by each create
//! until it commits, so a burst of one type would run one create at a time; `nextval`
//! never waits. The price: a number taken by a create that then fails (a lost race on
//! an idempotency key, a database error) is not handed out again, so keys can skip a
//! number. They stay unique and increasing.
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

/// The next number of a prefix.
pub(crate) async fn next_number<C: ConnectionTrait>(conn: &C, prefix: &str) -> Result<i64> {
    let row = if conn.get_database_backend() == DbBackend::Postgres {
        conn.query_one_raw(Statement::from_sql_and_values(
            DbBackend::Postgres,
            "SELECT nextval($1::regclass) AS next_number",
            [sequence_name(prefix).into()],
        ))
        .await?
    } else {
        let stmt = Query::insert()
            .into_table(Alias::new("key_sequences"))
            .columns([Alias::new("prefix"), Alias::new("next_number")])
            .values_panic([prefix.into(), 1i64.into()])
            .on_conflict(
                OnConflict::column(Alias::new("prefix"))
                    .value(
                        Alias::new("next_number"),
                        Expr::col((Alias::new("key_sequences"), Alias::new("next_number"))).add(1),
                    )
                    .to_owned(),
            )
            .returning_col(Alias::new("next_number"))
            .to_owned();
        conn.query_one(&stmt).await?
    };
    let row = row.ok_or_else(|| StoreError::Internal("key sequence returned nothing".into()))?;
    Ok(row.try_get("", "next_number")?)
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

//! Settings kept as one JSON row with a version (`ai_settings`, `email_settings`): the
//! version is bumped by every change, including of a sealed secret that belongs with
//! them, so each instance polls one integer and reloads only when it moved.

use chrono::{DateTime, Utc};
use sea_orm::ConnectionTrait;
use sea_orm::sea_query::{Alias, Expr, ExprTrait, OnConflict, Query};
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::{Result, StoreError};

/// Settings as stored, with their version.
#[derive(Debug, Clone, PartialEq)]
pub struct Versioned<S> {
    pub settings: S,
    /// 0 before any change.
    pub version: i64,
    pub updated_by: Option<String>,
    pub updated_at: Option<DateTime<Utc>>,
}

fn col(name: &str) -> Alias {
    Alias::new(name)
}

/// Bump `table`'s version, replacing the settings when `settings` is given (the
/// defaults are written when the row does not exist yet).
pub(crate) async fn bump<C: ConnectionTrait, S: Serialize + Default>(
    conn: &C,
    table: &str,
    settings: Option<&S>,
    actor: &str,
    at: DateTime<Utc>,
) -> Result<()> {
    let text = match settings {
        Some(s) => serde_json::to_string(s),
        None => serde_json::to_string(&S::default()),
    }
    .map_err(|e| StoreError::Internal(format!("{table} do not serialise: {e}")))?;
    let mut update = vec![
        (
            col("version"),
            Expr::col((col(table), col("version"))).add(1),
        ),
        (col("updated_by"), Expr::val(actor.to_string())),
        (col("updated_at"), Expr::val(at)),
    ];
    if settings.is_some() {
        update.push((col("settings"), Expr::val(text.clone())));
    }
    let stmt = Query::insert()
        .into_table(col(table))
        .columns(["id", "settings", "version", "updated_by", "updated_at"].map(col))
        .values_panic([1.into(), text.into(), 1i64.into(), actor.into(), at.into()])
        .on_conflict(OnConflict::column(col("id")).values(update).to_owned())
        .to_owned();
    conn.execute(&stmt).await?;
    Ok(())
}

/// The settings of `table` (the defaults at version 0 when never set).
pub(crate) async fn read<C: ConnectionTrait, S: DeserializeOwned + Default>(
    conn: &C,
    table: &str,
) -> Result<Versioned<S>> {
    let stmt = Query::select()
        .columns(["settings", "version", "updated_by", "updated_at"].map(col))
        .from(col(table))
        .and_where(Expr::col(col("id")).eq(1))
        .to_owned();
    let Some(row) = conn.query_one(&stmt).await? else {
        return Ok(Versioned {
            settings: S::default(),
            version: 0,
            updated_by: None,
            updated_at: None,
        });
    };
    let text: String = row.try_get("", "settings")?;
    let settings = serde_json::from_str(&text)
        .map_err(|e| StoreError::Internal(format!("stored {table} do not parse: {e}")))?;
    Ok(Versioned {
        settings,
        version: row.try_get("", "version")?,
        updated_by: Some(row.try_get("", "updated_by")?),
        updated_at: Some(row.try_get("", "updated_at")?),
    })
}

/// The version alone: what every instance polls.
pub(crate) async fn version<C: ConnectionTrait>(conn: &C, table: &str) -> Result<i64> {
    let stmt = Query::select()
        .column(col("version"))
        .from(col(table))
        .and_where(Expr::col(col("id")).eq(1))
        .to_owned();
    Ok(match conn.query_one(&stmt).await? {
        Some(row) => row.try_get("", "version")?,
        None => 0,
    })
}

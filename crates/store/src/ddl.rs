//! Rendering the planner's abstract steps as SQL for the connected backend. Table and
//! column names come from checked identifiers (docket-core refuses anything else) and
//! are still quoted by sea-query.

use docket_core::evolution::Step;
use docket_core::fields::ColumnKind;
use docket_core::typedef::ExtIndex;
use docket_core::typedef::indexes::TICKET_ID_COLUMN;
use sea_orm::DbBackend;
use sea_orm::sea_query::{
    Alias, ColumnDef, Expr, ExprTrait, ForeignKey, ForeignKeyAction, Query, Table, UpdateStatement,
};
use sha2::{Digest, Sha256};

use crate::ext;

pub fn ext_table(slug: &str) -> String {
    format!("ext_{slug}")
}

/// The name of an extension-table index: readable (`ix_<slug>_<columns>`), cut to fit
/// PostgreSQL's 63 bytes, and made unique by a hash of the slug and the whole definition
/// (directions included), so that a changed definition is a new name.
pub fn index_name(slug: &str, index: &ExtIndex) -> String {
    let columns: Vec<&str> = index
        .keys
        .iter()
        .map(|k| k.column.as_str())
        .filter(|c| *c != TICKET_ID_COLUMN)
        .collect();
    let mut readable = format!("ix_{slug}_{}", columns.join("_"));
    readable.truncate(63 - 9);
    let hash = Sha256::digest(format!("{slug}\n{}", index.describe()).as_bytes());
    let hex: String = hash.iter().take(4).map(|b| format!("{b:02x}")).collect();
    format!("{readable}_{hex}")
}

/// `CREATE INDEX` for an extension-table index. `concurrently` (PostgreSQL only) builds
/// it without blocking writes; such a statement cannot run inside a transaction.
pub fn create_index(
    backend: DbBackend,
    slug: &str,
    index: &ExtIndex,
    concurrently: bool,
) -> String {
    let keys: Vec<String> = index
        .keys
        .iter()
        .map(|k| {
            let column = quote(&k.column);
            match (k.descending, backend) {
                (false, _) => column,
                // Lists put empty values last in both directions (`NULLS LAST`), which is
                // PostgreSQL's default only for ascending keys. SQLite's indexes cannot
                // say it, and its descending order already ends with NULLs.
                (true, DbBackend::Postgres) if k.column != TICKET_ID_COLUMN => {
                    format!("{column} DESC NULLS LAST")
                }
                (true, _) => format!("{column} DESC"),
            }
        })
        .collect();
    let concurrently = if concurrently && backend == DbBackend::Postgres {
        "CONCURRENTLY "
    } else {
        ""
    };
    format!(
        "CREATE INDEX {concurrently}IF NOT EXISTS {} ON {} ({})",
        quote(&index_name(slug, index)),
        quote(&ext_table(slug)),
        keys.join(", ")
    )
}

/// `DROP INDEX` by name, if it exists (PostgreSQL index names are schema-wide, SQLite's
/// database-wide: neither names the table).
pub fn drop_index(backend: DbBackend, name: &str, concurrently: bool) -> String {
    let concurrently = if concurrently && backend == DbBackend::Postgres {
        "CONCURRENTLY "
    } else {
        ""
    };
    format!("DROP INDEX {concurrently}IF EXISTS {}", quote(name))
}

/// A checked identifier, double-quoted (checked identifiers contain no quote; doubling
/// any keeps this safe regardless).
fn quote(identifier: &str) -> String {
    format!("\"{}\"", identifier.replace('"', "\"\""))
}

pub fn column_def(backend: DbBackend, name: &str, kind: ColumnKind) -> ColumnDef {
    let mut c = ColumnDef::new(Alias::new(name));
    match kind {
        ColumnKind::Text => c.text(),
        ColumnKind::Integer => c.big_integer(),
        ColumnKind::Number => c.double(),
        ColumnKind::Boolean => c.boolean(),
        ColumnKind::Timestamp => c.timestamp_with_time_zone(),
        ColumnKind::Date => c.date(),
        ColumnKind::Json if backend == DbBackend::Postgres => c.json_binary(),
        ColumnKind::Json => c.text(),
    };
    c.null();
    c
}

/// A step as SQL. Data steps that run in Rust (value conversion) render as a comment
/// that says what they do, so the plan shown to admins is complete.
pub fn render(backend: DbBackend, slug: &str, step: &Step) -> String {
    let table = Alias::new(ext_table(slug));
    match step {
        Step::CreateTable { columns } => {
            let mut t = Table::create();
            t.table(table.clone()).col(
                ColumnDef::new(Alias::new("ticket_id"))
                    .big_integer()
                    .not_null()
                    .primary_key(),
            );
            t.foreign_key(
                ForeignKey::create()
                    .from(table.clone(), Alias::new("ticket_id"))
                    .to(Alias::new("tickets"), Alias::new("id"))
                    .on_delete(ForeignKeyAction::Cascade),
            );
            for c in columns {
                t.col(column_def(backend, &c.name, c.kind));
            }
            backend.build(&t).to_string()
        }
        Step::AddColumn { column, kind } => {
            let stmt = Table::alter()
                .table(table)
                .add_column(column_def(backend, column, *kind))
                .to_owned();
            backend.build(&stmt).to_string()
        }
        Step::RenameColumn { from, to } => {
            let stmt = Table::alter()
                .table(table)
                .rename_column(Alias::new(from), Alias::new(to))
                .to_owned();
            backend.build(&stmt).to_string()
        }
        Step::DropColumn { column } => {
            let stmt = Table::alter()
                .table(table)
                .drop_column(Alias::new(column))
                .to_owned();
            backend.build(&stmt).to_string()
        }
        Step::CreateIndex { index } => create_index(backend, slug, index, false),
        Step::DropIndex { index } => drop_index(backend, &index_name(slug, index), false),
        Step::Backfill {
            column,
            kind,
            value,
        } => match backfill(slug, column, *kind, value) {
            Ok(stmt) => inline(backend, &stmt),
            Err(e) => format!("-- cannot backfill {column}: {e}"),
        },
        Step::ConvertCopy {
            from,
            to,
            from_kind,
            to_kind,
        } => format!(
            "-- copy every value of {from} into {to}, converting {} to {} (each value is checked to convert without loss)",
            from_kind.as_str(),
            to_kind.as_str()
        ),
    }
}

/// Fill a column's empty values. Applying binds the value; `render` shows it inline.
/// The value is a default, which the type's checks made sure stores exactly.
pub fn backfill(
    slug: &str,
    column: &str,
    kind: ColumnKind,
    value: &serde_json::Value,
) -> crate::Result<UpdateStatement> {
    Ok(Query::update()
        .table(Alias::new(ext_table(slug)))
        .value(Alias::new(column), ext::to_sql_value(kind, value)?)
        .and_where(Expr::col(Alias::new(column)).is_null())
        .to_owned())
}

/// A statement with its values written inline (escaped by sea-query), for display and
/// for DDL-time updates.
fn inline(backend: DbBackend, stmt: &UpdateStatement) -> String {
    use sea_orm::sea_query::{PostgresQueryBuilder, SqliteQueryBuilder};
    match backend {
        DbBackend::Postgres => stmt.to_string(PostgresQueryBuilder),
        _ => stmt.to_string(SqliteQueryBuilder),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn index_names_are_readable_short_and_unique() {
        let long = |field: &str| {
            index_name(
                "a_very_long_type_slug_for_testing_x",
                &ExtIndex::of_field(field),
            )
        };
        let (a, b) = (
            long("a_very_long_field_name_for_testing_one"),
            long("a_very_long_field_name_for_testing_two"),
        );
        assert!(a.len() <= 63 && b.len() <= 63);
        assert_ne!(a, b);
        let tag = index_name("it", &ExtIndex::of_field("asset_tag"));
        assert!(tag.starts_with("ix_it_asset_tag_"), "{tag}");
        // Same columns in another direction: another index.
        let def = |fields: &[&str]| docket_core::typedef::IndexDefinition {
            fields: fields.iter().map(|f| f.to_string()).collect(),
        };
        assert_ne!(
            index_name("it", &ExtIndex::declared(&def(&["a", "-b"]))),
            index_name("it", &ExtIndex::declared(&def(&["a", "b"])))
        );
        // Slug and field split differently: still two names.
        assert_ne!(
            index_name("a_b", &ExtIndex::of_field("c")),
            index_name("a", &ExtIndex::of_field("b_c"))
        );
    }

    #[test]
    fn descending_keys_keep_empty_values_last_on_postgres() {
        let def = docket_core::typedef::IndexDefinition {
            fields: vec!["category".into(), "-affected_users".into()],
        };
        let index = ExtIndex::declared(&def);
        let pg = create_index(DbBackend::Postgres, "it", &index, true);
        assert!(
            pg.starts_with(
                "CREATE INDEX CONCURRENTLY IF NOT EXISTS \"ix_it_category_affected_users_"
            ),
            "{pg}"
        );
        assert!(
            pg.ends_with("ON \"ext_it\" (\"category\", \"affected_users\" DESC NULLS LAST, \"ticket_id\" DESC)"),
            "{pg}"
        );
        let lite = create_index(DbBackend::Sqlite, "it", &index, true);
        assert!(
            lite.ends_with("(\"category\", \"affected_users\" DESC, \"ticket_id\" DESC)")
                && !lite.contains("CONCURRENTLY"),
            "{lite}"
        );
    }
}

//! Rendering the planner's abstract steps as SQL for the connected backend. Table and
//! column names come from checked identifiers (docket-core refuses anything else) and
//! are still quoted by sea-query.

use docket_core::evolution::Step;
use docket_core::fields::ColumnKind;
use sea_orm::DbBackend;
use sea_orm::sea_query::{
    Alias, ColumnDef, Expr, ExprTrait, ForeignKey, ForeignKeyAction, Index, Query, Table,
    UpdateStatement,
};
use sha2::{Digest, Sha256};

use crate::ext;

pub fn ext_table(slug: &str) -> String {
    format!("ext_{slug}")
}

/// Index names are limited to 63 bytes on PostgreSQL; long ones are shortened with a
/// hash so that they stay unique.
pub fn index_name(slug: &str, column: &str) -> String {
    let name = format!("ix_ext_{slug}_{column}");
    if name.len() <= 63 {
        return name;
    }
    let hash = Sha256::digest(name.as_bytes());
    let hex: String = hash.iter().take(6).map(|b| format!("{b:02x}")).collect();
    format!("{}_{hex}", &name[..50])
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
        Step::CreateIndex { column } => {
            let stmt = Index::create()
                .name(index_name(slug, column))
                .table(table)
                .col(Alias::new(column))
                .to_owned();
            backend.build(&stmt).to_string()
        }
        Step::DropIndex { column } => {
            let mut stmt = Index::drop().name(index_name(slug, column)).to_owned();
            if backend == DbBackend::Postgres {
                // PostgreSQL index names are schema-wide; SQLite's DROP INDEX takes no table.
                stmt.table(table);
            }
            backend.build(&stmt).to_string()
        }
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
    fn long_index_names_are_shortened_and_unique() {
        let a = index_name(
            "a_very_long_type_slug_for_testing_x",
            "a_very_long_field_name_for_testing_one",
        );
        let b = index_name(
            "a_very_long_type_slug_for_testing_x",
            "a_very_long_field_name_for_testing_two",
        );
        assert!(a.len() <= 63 && b.len() <= 63);
        assert_ne!(a, b);
        assert_eq!(index_name("it", "asset_tag"), "ix_ext_it_asset_tag");
    }
}

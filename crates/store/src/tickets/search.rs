//! The text full-text search indexes for a ticket: its key, title, body and the
//! type's `x-searchable` fields.

use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use serde_json::{Map, Value};

use crate::entities::ticket as ticket_row;
use crate::{Result, ext};

pub(super) fn search_text(
    key: &str,
    title: &str,
    body: &str,
    fields: &Map<String, Value>,
    searchable: &[&str],
) -> String {
    let mut s = format!("{key} {title} {body}");
    for name in searchable {
        if let Some(Value::String(v)) = fields.get(*name) {
            s.push(' ');
            s.push_str(v);
        }
    }
    s
}

/// Recompute the search text of every ticket of a type (after its searchable fields
/// changed), in batches, inside the caller's transaction.
pub(crate) async fn rebuild_search_text<C: ConnectionTrait>(
    conn: &C,
    def: &docket_core::typedef::TypeDefinition,
) -> Result<()> {
    let fields: Vec<docket_core::fields::FieldSpec> =
        docket_core::fields::compile_fields(&def.schema)
            .into_iter()
            .filter(|f| f.searchable)
            .collect();
    let names: Vec<&str> = fields.iter().map(|f| f.name.as_str()).collect();
    let mut after = 0i64;
    loop {
        let rows = ticket_row::Entity::find()
            .filter(ticket_row::Column::TypeSlug.eq(def.slug.as_str()))
            .filter(ticket_row::Column::Id.gt(after))
            .order_by_asc(ticket_row::Column::Id)
            .limit(500)
            .all(conn)
            .await?;
        let Some(last) = rows.last() else {
            return Ok(());
        };
        after = last.id;
        let ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
        let ext = ext::load_rows(conn, &def.slug, &fields, &ids).await?;
        for r in rows {
            let values = ext.get(&r.id).cloned().unwrap_or_default();
            let text = search_text(&r.key, &r.title, &r.body, &values, &names);
            if text != r.search_text {
                super::write::store_search_text(conn, r.id, text).await?;
            }
        }
    }
}

//! The text full-text search indexes for a ticket: its key, title, body and the
//! type's `x-searchable` fields (`search_text`), and its comments (`comment_text`,
//! weighed lower when results are ranked).

use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use serde_json::{Map, Value};

use crate::entities::comment;
use crate::entities::ticket as ticket_row;
use crate::{Result, ext};

/// The ticket's own text for full-text search (the bench seeds with it too).
pub fn search_text(
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

/// Comment text kept per ticket, in bytes: PostgreSQL's search vector holds at most
/// 1 MB, and a ticket's first 200 kB of replies say what it is about.
pub(crate) const MAX_COMMENT_TEXT: usize = 200_000;

/// The text search indexes for a ticket's comments: their bodies, oldest first (deleted
/// comments have none), cut to `MAX_COMMENT_TEXT`. Written by every change to a comment,
/// inside its transaction, through the ticket's `Change`.
pub(crate) async fn comment_text<C: ConnectionTrait>(conn: &C, ticket_id: i64) -> Result<String> {
    let bodies: Vec<String> = comment::Entity::find()
        .select_only()
        .column(comment::Column::Body)
        .filter(comment::Column::TicketId.eq(ticket_id))
        .filter(comment::Column::Body.ne(""))
        .order_by_asc(comment::Column::Id)
        .into_tuple()
        .all(conn)
        .await?;
    let mut text = bodies.join(" ");
    if text.len() > MAX_COMMENT_TEXT {
        let mut cut = MAX_COMMENT_TEXT;
        while !text.is_char_boundary(cut) {
            cut -= 1;
        }
        text.truncate(cut);
    }
    Ok(text)
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

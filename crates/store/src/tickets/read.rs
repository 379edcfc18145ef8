//! Reading tickets back: rows into tickets (tags, requester, team, extension fields in
//! a few batched queries), comments and the audit trail.

use std::collections::HashMap;

use docket_core::ticket::{CommentKind, Priority};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use serde_json::{Map, Value};

use super::{Comment, Requester, Ticket, TicketEvent};
use crate::entities::{comment, team, ticket as ticket_row, ticket_event, ticket_tag};
use crate::{Result, Store, StoreError, ext, requesters};

/// The slugs of these teams, by id, in one query.
pub(crate) async fn team_slugs<C: ConnectionTrait>(
    conn: &C,
    ids: impl IntoIterator<Item = i64>,
) -> Result<HashMap<i64, String>> {
    let ids: Vec<i64> = ids.into_iter().collect();
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    Ok(team::Entity::find()
        .filter(team::Column::Id.is_in(ids))
        .all(conn)
        .await?
        .into_iter()
        .map(|t| (t.id, t.slug))
        .collect())
}

impl Store {
    pub(crate) async fn find_row<C: ConnectionTrait>(
        conn: &C,
        key: &str,
        include_deleted: bool,
    ) -> Result<ticket_row::Model> {
        let row = ticket_row::Entity::find()
            .filter(ticket_row::Column::Key.eq(key))
            .one(conn)
            .await?
            .filter(|r| include_deleted || r.deleted_at.is_none())
            .ok_or_else(|| StoreError::NotFound(format!("ticket {key}")))?;
        Ok(row)
    }

    pub async fn get_ticket(&self, key: &str, include_deleted: bool) -> Result<Ticket> {
        let row = Self::find_row(&self.reader, key, include_deleted).await?;
        let mut out = self.hydrate(vec![row]).await?;
        Ok(out.remove(0))
    }

    /// Turn ticket rows into tickets: tags, requesters and extension fields in a few
    /// batched queries, whatever the number of rows. On the readers: for rows read
    /// outside a transaction (a transaction's own rows use `hydrate_on`).
    pub(crate) async fn hydrate(&self, rows: Vec<ticket_row::Model>) -> Result<Vec<Ticket>> {
        self.hydrate_on(&self.reader, rows).await
    }

    /// `hydrate` on a given connection (a transaction reads its own writes).
    pub(crate) async fn hydrate_on<C: ConnectionTrait>(
        &self,
        conn: &C,
        rows: Vec<ticket_row::Model>,
    ) -> Result<Vec<Ticket>> {
        let ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
        let mut tags: HashMap<i64, Vec<String>> = HashMap::new();
        if !ids.is_empty() {
            for t in ticket_tag::Entity::find()
                .filter(ticket_tag::Column::TicketId.is_in(ids.clone()))
                .order_by_asc(ticket_tag::Column::Tag)
                .all(conn)
                .await?
            {
                tags.entry(t.ticket_id).or_default().push(t.tag);
            }
        }
        let requester_ids: Vec<i64> = rows.iter().filter_map(|r| r.requester_id).collect();
        let requesters: HashMap<i64, Requester> = if requester_ids.is_empty() {
            HashMap::new()
        } else {
            requesters::load(conn, requesters::with_ids(requester_ids))
                .await?
                .into_iter()
                .map(|record| (record.requester.id, record.requester))
                .collect()
        };
        let teams = team_slugs(conn, rows.iter().filter_map(|r| r.team_id)).await?;
        let mut by_type: HashMap<&str, Vec<i64>> = HashMap::new();
        for r in &rows {
            by_type.entry(r.type_slug.as_str()).or_default().push(r.id);
        }
        let mut fields: HashMap<i64, Map<String, Value>> = HashMap::new();
        for (slug, ids) in by_type {
            let Some(ty) = self.registry.get(slug) else {
                continue;
            };
            fields.extend(ext::load_rows(conn, slug, &ty.compiled.fields, &ids).await?);
        }
        Ok(rows
            .into_iter()
            .map(|r| {
                let tags = tags.remove(&r.id).unwrap_or_default();
                let requester = r.requester_id.and_then(|id| requesters.get(&id).cloned());
                let fields = fields.remove(&r.id).unwrap_or_default();
                let team = r.team_id.and_then(|id| teams.get(&id).cloned());
                assemble(r, tags, requester, team, fields)
            })
            .collect())
    }

    /// Comments oldest first, after the comment id `after`.
    pub async fn comments(
        &self,
        key: &str,
        after: Option<i64>,
        limit: u64,
    ) -> Result<Vec<Comment>> {
        let row = Self::find_row(&self.reader, key, false).await?;
        let mut q = comment::Entity::find().filter(comment::Column::TicketId.eq(row.id));
        if let Some(a) = after {
            q = q.filter(comment::Column::Id.gt(a));
        }
        let rows = q
            .order_by_asc(comment::Column::Id)
            .limit(limit)
            .all(&self.reader)
            .await?;
        let ids: Vec<i64> = rows.iter().map(|c| c.id).collect();
        let mut files = crate::attachments::of_comments(&self.reader, key, &ids).await?;
        Ok(rows
            .into_iter()
            .map(|c| {
                let attachments = files.remove(&c.id).unwrap_or_default();
                to_comment(c, key, attachments)
            })
            .collect())
    }

    /// The audit trail, oldest first, after the event id `after`.
    pub async fn events(
        &self,
        key: &str,
        after: Option<i64>,
        limit: u64,
    ) -> Result<Vec<TicketEvent>> {
        let row = Self::find_row(&self.reader, key, true).await?;
        let mut q = ticket_event::Entity::find().filter(ticket_event::Column::TicketId.eq(row.id));
        if let Some(a) = after {
            q = q.filter(ticket_event::Column::Id.gt(a));
        }
        Ok(q.order_by_asc(ticket_event::Column::Id)
            .limit(limit)
            .all(&self.reader)
            .await?
            .into_iter()
            .map(|e| TicketEvent {
                id: e.id,
                actor: e.actor,
                field: e.field,
                old_value: e.old_value.and_then(|v| serde_json::from_str(&v).ok()),
                new_value: e.new_value.and_then(|v| serde_json::from_str(&v).ok()),
                created_at: e.created_at,
            })
            .collect())
    }
}

/// A ticket from its row and what hangs off it.
pub(super) fn assemble(
    r: ticket_row::Model,
    tags: Vec<String>,
    requester: Option<Requester>,
    team: Option<String>,
    fields: Map<String, Value>,
) -> Ticket {
    Ticket {
        tags,
        requester,
        fields,
        team,
        priority: Priority::parse(&r.priority).unwrap_or_default(),
        id: r.id,
        key: r.key,
        type_slug: r.type_slug,
        type_version: r.type_version,
        title: r.title,
        body: r.body,
        status: r.status,
        status_category: r.status_category,
        assignee_id: r.assignee_id,
        source_channel: r.source_channel,
        source_ref: r.source_ref,
        version: r.row_version,
        created_at: r.created_at,
        updated_at: r.updated_at,
        first_response_at: r.first_response_at,
        resolved_at: r.resolved_at,
        closed_at: r.closed_at,
        deleted_at: r.deleted_at,
        first_response_due_at: r.first_response_due_at,
        next_response_due_at: r.next_response_due_at,
        resolution_due_at: r.resolution_due_at,
        sla_due_at: r.sla_due_at,
        summary: requesters::parse_summary(r.summary.as_deref()),
        triage: r
            .triage
            .as_deref()
            .and_then(|t| serde_json::from_str(t).ok()),
        possible_duplicate_of: r.possible_duplicate_of,
    }
}

pub(super) fn to_comment(
    c: comment::Model,
    key: &str,
    attachments: Vec<crate::attachments::Attachment>,
) -> Comment {
    Comment {
        id: c.id,
        ticket_key: key.to_string(),
        kind: CommentKind::parse(&c.kind).unwrap_or(CommentKind::System),
        body: c.body,
        author_user_id: c.author_user_id,
        author_requester_id: c.author_requester_id,
        author_name: c.author_name,
        channel: c.channel,
        created_at: c.created_at,
        attachments,
        external_ref: c.external_ref,
        edited_at: c.edited_at,
        deleted_at: c.deleted_at,
    }
}

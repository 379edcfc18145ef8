//! The notification outbox: news written in the same transaction as what caused it (a
//! ticket change's topics, an SLA firing), for the dispatcher (`dispatch.rs`) to fan out
//! to webhooks, email and the bell.

use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect, QueryTrait,
};
use serde_json::Value;

use crate::entities::{outbox_entry, ticket as ticket_row};
use crate::{Result, Store};

#[derive(Debug, Clone, PartialEq)]
pub struct OutboxEntry {
    pub id: i64,
    pub topic: String,
    pub ticket_key: Option<String>,
    pub payload: Value,
    pub created_at: DateTime<Utc>,
}

/// An entry to push: its topic, ticket and payload.
pub(crate) type NewEntry = (String, Option<i64>, Value);

/// Append entries in order, `ROWS_PER_STATEMENT` to a statement.
pub(crate) async fn push_many<C: ConnectionTrait>(
    conn: &C,
    entries: &[NewEntry],
    at: DateTime<Utc>,
) -> Result<()> {
    let rows = entries
        .iter()
        .map(|(topic, ticket_id, payload)| outbox_entry::ActiveModel {
            topic: Set(topic.clone()),
            ticket_id: Set(*ticket_id),
            payload: Set(payload.to_string()),
            created_at: Set(at),
            ..Default::default()
        })
        .collect();
    crate::insert_in_chunks(conn, rows).await
}

impl Store {
    /// Forget dispatched entries older than `before`, but the SLA's (`GET /notifications`
    /// lists those); their deliveries and notifications keep what they need. Answers how
    /// many went.
    pub async fn prune_outbox(&self, before: DateTime<Utc>) -> Result<u64> {
        Ok(outbox_entry::Entity::delete_many()
            .filter(outbox_entry::Column::DispatchedAt.lt(before))
            .filter(outbox_entry::Column::Topic.not_like("sla.%"))
            .exec(&self.db)
            .await?
            .rows_affected)
    }

    /// The SLA's outbox entries (`sla.*`) after the id `after`, oldest first; with
    /// `types`, only those about tickets of these types. (The other topics reach people
    /// through their bell and integrations through webhooks.)
    pub async fn sla_notifications(
        &self,
        after: Option<i64>,
        limit: u64,
        types: Option<&[String]>,
    ) -> Result<Vec<OutboxEntry>> {
        let mut q =
            outbox_entry::Entity::find().filter(outbox_entry::Column::Topic.starts_with("sla."));
        if let Some(a) = after {
            q = q.filter(outbox_entry::Column::Id.gt(a));
        }
        if let Some(types) = types {
            let ids = ticket_row::Entity::find()
                .select_only()
                .column(ticket_row::Column::Id)
                .filter(ticket_row::Column::TypeSlug.is_in(types.iter().cloned()))
                .into_query();
            q = q.filter(outbox_entry::Column::TicketId.in_subquery(ids));
        }
        let rows = q
            .order_by_asc(outbox_entry::Column::Id)
            .limit(limit)
            .all(&self.db)
            .await?;
        let ids: Vec<i64> = rows.iter().filter_map(|r| r.ticket_id).collect();
        let keys: std::collections::HashMap<i64, String> = if ids.is_empty() {
            Default::default()
        } else {
            ticket_row::Entity::find()
                .filter(ticket_row::Column::Id.is_in(ids))
                .all(&self.db)
                .await?
                .into_iter()
                .map(|t| (t.id, t.key))
                .collect()
        };
        Ok(rows
            .into_iter()
            .map(|r| OutboxEntry {
                ticket_key: r.ticket_id.and_then(|id| keys.get(&id).cloned()),
                id: r.id,
                topic: r.topic,
                payload: serde_json::from_str(&r.payload).unwrap_or(Value::Null),
                created_at: r.created_at,
            })
            .collect())
    }
}

//! Merging a ticket into another (one request sent twice): the source's comments and
//! attachments move to the target, the target keeps the earlier of the two created and
//! first-response times, and the source is closed with a system note naming the target.
//! Both tickets record it through `Change`, in one transaction; the flag of a possible
//! duplicate is cleared on the way (or alone, when staff dismiss it).

use docket_core::ticket::{CommentKind, StatusCategory};
use sea_orm::sea_query::Expr;
use sea_orm::{ActiveValue::Set, ColumnTrait, EntityTrait, QueryFilter, QuerySelect};
use serde_json::{Value, json};

use super::Ticket;
use super::write::Change;
use crate::entities::{attachment, comment, ticket as ticket_row};
use crate::sla::Trigger;
use crate::{Result, Store, StoreError};

impl Store {
    /// Merge ticket `source` into `target`. Returns the target as written.
    pub async fn merge_tickets(&self, source: &str, target: &str, actor: &str) -> Result<Ticket> {
        if source == target {
            return Err(StoreError::invalid(
                "/into",
                "a ticket cannot be merged into itself",
            ));
        }
        let txn = self.begin_write().await?;
        let from = Self::find_row(&txn, source, false).await?;
        let into = Self::find_row(&txn, target, false)
            .await
            .map_err(|e| match e {
                StoreError::NotFound(_) => {
                    StoreError::invalid("/into", format!("no ticket {target}"))
                }
                e => e,
            })?;
        if from.status_category == StatusCategory::Closed.as_str() {
            return Err(StoreError::Conflict(format!(
                "ticket {source} is closed; reopen it to merge it"
            )));
        }
        let workflow = self
            .registered(&from.type_slug)?
            .compiled
            .definition
            .workflow()
            .clone();
        let closed = workflow
            .state_names()
            .into_iter()
            .find(|s| workflow.category(s) == Some(StatusCategory::Closed))
            .map(str::to_string)
            .ok_or_else(|| {
                StoreError::Conflict(format!(
                    "the workflow of {source} has no closed state to close it with"
                ))
            })?;
        let at = self.clock.now();
        // A message relayed to both tickets (one reference each) would be two comments of
        // one reference on the target: the source's copy keeps its text, not its reference.
        let target_refs: Vec<String> = comment::Entity::find()
            .select_only()
            .column(comment::Column::ExternalRef)
            .filter(comment::Column::TicketId.eq(into.id))
            .filter(comment::Column::ExternalRef.is_not_null())
            .into_tuple::<Option<String>>()
            .all(&txn)
            .await?
            .into_iter()
            .flatten()
            .collect();
        if !target_refs.is_empty() {
            comment::Entity::update_many()
                .col_expr(comment::Column::ExternalRef, Option::<String>::None.into())
                .filter(comment::Column::TicketId.eq(from.id))
                .filter(comment::Column::ExternalRef.is_in(target_refs))
                .exec(&txn)
                .await?;
        }
        let moved_comments = comment::Entity::update_many()
            .col_expr(comment::Column::TicketId, into.id.into())
            .filter(comment::Column::TicketId.eq(from.id))
            .exec(&txn)
            .await?
            .rows_affected;
        let moved_files = attachment::Entity::update_many()
            .col_expr(attachment::Column::TicketId, into.id.into())
            .filter(attachment::Column::TicketId.eq(from.id))
            .exec(&txn)
            .await?
            .rows_affected;
        let note = |ticket_id: i64, body: String| comment::ActiveModel {
            ticket_id: Set(ticket_id),
            kind: Set(CommentKind::System.as_str().to_string()),
            body: Set(body),
            channel: Set("api".into()),
            created_at: Set(at),
            written_by: Set(Some(actor.to_string())),
            ..Default::default()
        };
        let target_note = comment::Entity::insert(note(
            into.id,
            format!(
                "{source} was merged into this ticket: {moved_comments} comment(s) and {moved_files} file(s) moved here."
            ),
        ))
        .exec_with_returning(&txn)
        .await?;
        let source_note = comment::Entity::insert(note(
            from.id,
            format!("Merged into {target}: follow the conversation there."),
        ))
        .exec_with_returning(&txn)
        .await?;

        // The two changes in id order, the order everything that locks tickets takes.
        let mut target_change = Change::new(into.id, actor, at);
        target_change.event("merged_from", None, Some(json!(source)));
        target_change.event(
            "comment",
            None,
            Some(json!({"id": target_note.id, "kind": "system"})),
        );
        if from.created_at < into.created_at {
            target_change.field(
                "created_at",
                "created_at",
                into.created_at,
                from.created_at,
                from.created_at,
            );
        }
        let first_response = match (into.first_response_at, from.first_response_at) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
        target_change.field(
            "first_response_at",
            "first_response_at",
            into.first_response_at,
            first_response,
            first_response,
        );
        if into.possible_duplicate_of.as_deref() == Some(source) {
            clear_flag(&mut target_change, &into);
        }
        let mut source_change = Change::new(from.id, actor, at);
        source_change.event("merged_into", None, Some(json!(target)));
        source_change.event(
            "comment",
            None,
            Some(json!({"id": source_note.id, "kind": "system"})),
        );
        source_change.field("status", "status", &from.status, &closed, closed.clone());
        source_change.set("status_category", StatusCategory::Closed.as_str());
        source_change.set("closed_at", Some(at));
        source_change.set("resolved_at", Some(from.resolved_at.unwrap_or(at)));
        if from.possible_duplicate_of.is_some() {
            clear_flag(&mut source_change, &from);
        }
        // The comments moved: both tickets are found by what they hold now.
        for (change, id) in [(&mut target_change, into.id), (&mut source_change, from.id)] {
            change.set(
                "comment_text",
                Expr::val(super::search::comment_text(&txn, id).await?),
            );
        }
        if from.id < into.id {
            source_change.commit(&txn).await?;
            target_change.commit(&txn).await?;
        } else {
            target_change.commit(&txn).await?;
            source_change.commit(&txn).await?;
        }
        crate::sla::sync(&txn, from.id, Trigger::Changed, at).await?;
        crate::sla::sync(&txn, into.id, Trigger::Recompute, at).await?;
        let written = Self::find_row(&txn, target, false).await?;
        let ticket = self.hydrate_on(&txn, vec![written]).await?.remove(0);
        txn.commit().await?;
        Ok(ticket)
    }

    /// Clear a ticket's possible-duplicate flag (staff found it is not one).
    pub async fn dismiss_duplicate(&self, key: &str, actor: &str) -> Result<Ticket> {
        let txn = self.begin_write().await?;
        let row = Self::find_row(&txn, key, false).await?;
        if row.possible_duplicate_of.is_some() {
            let mut change = Change::new(row.id, actor, self.clock.now());
            clear_flag(&mut change, &row);
            change.commit(&txn).await?;
        }
        let written = Self::find_row(&txn, key, false).await?;
        let ticket = self.hydrate_on(&txn, vec![written]).await?.remove(0);
        txn.commit().await?;
        Ok(ticket)
    }
}

fn clear_flag(change: &mut Change, row: &ticket_row::Model) {
    change.event(
        "possible_duplicate_of",
        row.possible_duplicate_of.clone().map(Value::String),
        Some(Value::Null),
    );
    change.set("possible_duplicate_of", Option::<String>::None);
}

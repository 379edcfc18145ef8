//! Edits of a ticket (with If-Match), soft delete and restore, each one `Change`.

use docket_core::ticket::StatusCategory;
use docket_core::typedef::FieldError;
use sea_orm::{ActiveValue::Set, ColumnTrait, EntityTrait, QueryFilter};
use serde_json::{Map, Value};

use super::checks::{check_assignee, check_title, normalize_tags, team_id};
use super::search::search_text;
use super::write::{Change, json};
use super::{Ticket, TicketPatch};
use crate::entities::ticket_tag;
use crate::sla::Trigger;
use crate::{Result, Store, StoreError, ext};

impl Store {
    /// Update a ticket if it is still at `expected_version` (None: whatever version).
    /// Each changed field is recorded in the audit trail. Returns the ticket as written.
    pub async fn update_ticket(
        &self,
        key: &str,
        expected_version: Option<i32>,
        patch: TicketPatch,
    ) -> Result<Ticket> {
        // Without an expected version ("If-Match: *") the caller overwrites whatever is
        // there: a concurrent change is not a conflict, so try again on the new version.
        let mut attempts = 0;
        loop {
            match self.update_ticket_once(key, expected_version, &patch).await {
                Err(StoreError::VersionMismatch { .. })
                    if expected_version.is_none() && attempts < 5 =>
                {
                    attempts += 1
                }
                other => return other,
            }
        }
    }

    async fn update_ticket_once(
        &self,
        key: &str,
        expected_version: Option<i32>,
        patch: &TicketPatch,
    ) -> Result<Ticket> {
        let txn = self.begin_write().await?;
        self.schema_guard(&txn).await?;
        let row = Self::find_row(&txn, key, false).await?;
        if let Some(v) = expected_version
            && v != row.row_version
        {
            return Err(StoreError::VersionMismatch {
                current: row.row_version,
            });
        }
        let ty = self.registered(&row.type_slug)?;
        let compiled = &ty.compiled;
        let current = self.hydrate_on(&txn, vec![row.clone()]).await?.remove(0);
        let mut errors = Vec::new();
        if let Some(t) = &patch.title {
            check_title(t, &mut errors);
        }
        let workflow = compiled.definition.workflow();
        if let Some(s) = &patch.status
            && let Err(message) = workflow.check_transition(&row.status, s)
        {
            errors.push(FieldError {
                pointer: "/status".into(),
                message,
            });
        }
        let tags = patch.tags.as_ref().map(|t| normalize_tags(t, &mut errors));
        let team = match &patch.team {
            Some(Some(slug)) => Some(team_id(&txn, slug, &mut errors).await?),
            Some(None) => Some(None),
            None => None,
        };
        if let Some(Some(a)) = patch.assignee_id {
            check_assignee(&txn, a, &mut errors).await?;
        }
        let mut merged = current.fields.clone();
        for (k, v) in &patch.fields {
            if v.is_null() {
                merged.remove(k);
            } else {
                merged.insert(k.clone(), v.clone());
            }
        }
        let merged_value = Value::Object(
            merged
                .iter()
                .filter(|(_, v)| !v.is_null())
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect(),
        );
        errors.extend(compiled.validate(&merged_value, "/fields"));
        if !errors.is_empty() {
            txn.rollback().await?;
            return Err(StoreError::Invalid(errors));
        }
        let at = self.clock.now();
        let mut change = Change::new(row.id, &patch.actor, at).at_version(row.row_version);
        if let Some(t) = &patch.title {
            let t = t.trim().to_string();
            change.field("title", "title", &row.title, &t, t.clone());
        }
        if let Some(b) = &patch.body {
            change.field("body", "body", &row.body, b, b.clone());
        }
        let mut clocks_move = false;
        let mut summarize = false;
        if let Some(s) = patch.status.as_ref().filter(|s| **s != row.status) {
            let category = workflow.category(s).expect("checked above");
            // Reaching solved or closed (from anything else) asks the AI for a summary.
            let done = |c: &str| c == "solved" || c == "closed";
            summarize = done(category.as_str()) && !done(&row.status_category);
            change.field("status", "status", &row.status, s, s.clone());
            change.set("status_category", category.as_str());
            change.set(
                "resolved_at",
                match category {
                    StatusCategory::Solved | StatusCategory::Closed => row.resolved_at.or(Some(at)),
                    _ => None,
                },
            );
            change.set(
                "closed_at",
                (category == StatusCategory::Closed).then_some(at),
            );
            clocks_move = true;
        }
        if let Some(p) = patch.priority.filter(|p| p.as_str() != row.priority) {
            change.field(
                "priority",
                "priority",
                row.priority.as_str(),
                p.as_str(),
                p.as_str(),
            );
            clocks_move = true;
        }
        if let Some(a) = patch.assignee_id {
            change.field("assignee_id", "assignee_id", row.assignee_id, a, a);
        }
        if let Some(t) = team.filter(|t| *t != row.team_id) {
            change.event(
                "team",
                Some(json(&current.team)),
                Some(json(&patch.team.clone().flatten())),
            );
            change.set("team_id", t);
        }
        if let Some(tags) = tags.filter(|t| *t != current.tags) {
            change.event("tags", Some(json(&current.tags)), Some(json(&tags)));
            ticket_tag::Entity::delete_many()
                .filter(ticket_tag::Column::TicketId.eq(row.id))
                .exec(&txn)
                .await?;
            if !tags.is_empty() {
                ticket_tag::Entity::insert_many(tags.iter().map(|tag| ticket_tag::ActiveModel {
                    ticket_id: Set(row.id),
                    tag: Set(tag.clone()),
                }))
                .exec_without_returning(&txn)
                .await?;
            }
            clocks_move = true;
        }
        let mut field_changes = Map::new();
        for (k, v) in &patch.fields {
            let old = current.fields.get(k).cloned().unwrap_or(Value::Null);
            // Equal as stored (`7.0` is the stored `7`): no change, no event.
            if !docket_core::stored::json_equal(&old, v) {
                change.event(format!("fields.{k}"), Some(old), Some(v.clone()));
                field_changes.insert(k.clone(), v.clone());
            }
        }
        if change.is_empty() && field_changes.is_empty() {
            txn.rollback().await?;
            return Ok(current);
        }
        ext::update_row(
            &txn,
            compiled.slug(),
            row.id,
            &compiled.fields,
            &field_changes,
        )
        .await?;
        let searchable = compiled.searchable_fields();
        let title = patch
            .title
            .as_deref()
            .map(str::trim)
            .unwrap_or(&row.title)
            .to_string();
        let body = patch.body.clone().unwrap_or_else(|| row.body.clone());
        change.set(
            "search_text",
            search_text(&row.key, &title, &body, &merged, &searchable),
        );
        // The ticket now holds data written under the current version of its type.
        change.set("type_version", compiled.version);
        // Only if nobody changed the ticket meanwhile: on PostgreSQL a concurrent update
        // waits for this row and then finds the version moved on.
        change.commit(&txn).await?;
        if clocks_move {
            crate::sla::sync(&txn, row.id, Trigger::Changed, at).await?;
        }
        if summarize {
            // A job, not a call: nothing waits on the AI inside a ticket write.
            crate::ai::schedule_summary(&txn, row.id, at).await?;
        }
        let written = Self::find_row(&txn, key, false).await?;
        let ticket = self.hydrate_on(&txn, vec![written]).await?.remove(0);
        txn.commit().await?;
        Ok(ticket)
    }

    /// Soft delete (or restore): the ticket disappears from lists; nothing is removed.
    pub async fn set_deleted(&self, key: &str, deleted: bool, actor: &str) -> Result<()> {
        let txn = self.begin_write().await?;
        let row = Self::find_row(&txn, key, true).await?;
        if row.deleted_at.is_some() == deleted {
            txn.rollback().await?;
            return if deleted {
                Err(StoreError::NotFound(format!("ticket {key}")))
            } else {
                Ok(())
            };
        }
        let at = self.clock.now();
        let mut change = Change::new(row.id, actor, at).at_version(row.row_version);
        change.event(
            "deleted",
            Some(Value::Bool(!deleted)),
            Some(Value::Bool(deleted)),
        );
        change.set("deleted_at", deleted.then_some(at));
        change.commit(&txn).await?;
        if deleted {
            crate::sla::forget(&txn, row.id, at).await?;
        } else {
            crate::sla::sync(&txn, row.id, Trigger::Recompute, at).await?;
        }
        txn.commit().await?;
        Ok(())
    }
}

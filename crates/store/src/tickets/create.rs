//! Creating a ticket: every check at once, then the core row, its tags, its extension
//! row, the first event and the SLA clocks in one transaction, and the ticket read back
//! inside it.

use docket_core::ticket::{self, StatusCategory};
use docket_core::typedef::FieldError;
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseTransaction, EntityTrait, QueryFilter,
    QuerySelect, TransactionTrait,
};
use serde_json::Value;

use super::checks::{check_assignee, check_title, normalize_tags, team_id};
use super::search::search_text;
use super::write::{Event, record_events};
use super::{NewTicket, Ticket, read};
use crate::entities::{team, ticket as ticket_row, ticket_tag};
use crate::idempotency::{self, IdempotencyOutcome, StoredResponse};
use crate::requesters::{self, Naming};
use crate::sla::{Subject, Trigger};
use crate::{Result, Store, StoreError, ext};

impl Store {
    /// Create a ticket. Every invalid field is reported at once and nothing is written.
    /// Returns the ticket as written, and whether it is the replay of an earlier create
    /// with the same idempotency key (then the ticket as it is now, if the caller may
    /// still see it).
    pub async fn create_ticket(&self, new: NewTicket) -> Result<(Ticket, bool)> {
        let txn = self.begin_write().await?;
        self.schema_guard(&txn).await?;
        if let Some(k) = &new.idempotency {
            if let IdempotencyOutcome::Replay(previous) = idempotency::check(&txn, k).await? {
                let replayed = self.replayed(&txn, &previous.resource, &new).await;
                txn.rollback().await?;
                return Ok((replayed?, true));
            }
        }
        let ty = self.registered(&new.type_slug).map_err(|_| {
            StoreError::invalid("/type", format!("unknown ticket type `{}`", new.type_slug))
        })?;
        // Checked against the registry as of this transaction, not a cache that may be a
        // poll behind another instance's apply.
        if let Some(teams) = &new.handled_by {
            if !ty.stored.definition.teams.iter().any(|t| teams.contains(t)) {
                return Err(StoreError::Forbidden(format!(
                    "none of your teams handles tickets of type `{}`",
                    new.type_slug
                )));
            }
        }
        let compiled = &ty.compiled;
        let mut errors = Vec::new();
        check_title(&new.title, &mut errors);
        let workflow = compiled.definition.workflow();
        let status = new
            .status
            .clone()
            .unwrap_or_else(|| workflow.initial.clone());
        if let Err(message) = workflow.check_initial(&status) {
            errors.push(FieldError {
                pointer: "/status".into(),
                message,
            });
        }
        let tags = normalize_tags(&new.tags, &mut errors);
        let team = match &new.team {
            Some(slug) => team_id(&txn, slug, &mut errors)
                .await?
                .map(|id| (id, slug.clone())),
            None => first_team(&txn, &compiled.definition.teams).await?,
        };
        if let Some(a) = new.assignee_id {
            check_assignee(&txn, a, &mut errors).await?;
        }
        let fields = compiled.with_defaults(&Value::Object(new.fields.clone()));
        errors.extend(compiled.validate(&fields, "/fields"));
        if !errors.is_empty() {
            txn.rollback().await?;
            return Err(StoreError::Invalid(errors));
        }
        let at = self.clock.now();
        let (requester_id, organization_changed) = match &new.requester {
            Some(r) => {
                let visible_types = new
                    .handled_by
                    .as_ref()
                    .map(|teams| self.types_handled_by(teams));
                // A requester this caller cannot see gets a record of the ticket's scope.
                let scope = match &team {
                    Some((_, slug)) => format!("team:{slug}"),
                    None => format!("type:{}", compiled.slug()),
                };
                let naming = match &visible_types {
                    Some(types) => Naming::Within {
                        types,
                        scope: &scope,
                    },
                    None => Naming::Everyone,
                };
                let (id, changed) = requesters::resolve(&txn, r, naming, at).await?;
                (Some(id), changed)
            }
            None => (None, false),
        };
        let fields = fields.as_object().cloned().unwrap_or_default();
        let prefix = &compiled.definition.key_prefix;
        let number = crate::keys::next_number(&txn, prefix).await?;
        let key = ticket::ticket_key(prefix, number);
        let searchable = compiled.searchable_fields();
        let priority = new
            .priority
            .unwrap_or(compiled.definition.default_priority());
        let category = workflow.category(&status).expect("checked above");
        let row = ticket_row::Entity::insert(ticket_row::ActiveModel {
            key: Set(key.clone()),
            number: Set(number),
            type_slug: Set(compiled.slug().to_string()),
            type_version: Set(compiled.version),
            title: Set(new.title.trim().to_string()),
            body: Set(new.body.clone()),
            status: Set(status.clone()),
            status_category: Set(category.as_str().to_string()),
            priority: Set(priority.as_str().to_string()),
            requester_id: Set(requester_id),
            assignee_id: Set(new.assignee_id),
            team_id: Set(team.as_ref().map(|(id, _)| *id)),
            source_channel: Set(new.source_channel.as_str().to_string()),
            source_ref: Set(new.source_ref.clone()),
            fingerprint: Set(None),
            search_text: Set(search_text(
                &key,
                &new.title,
                &new.body,
                &fields,
                &searchable,
            )),
            row_version: Set(1),
            created_at: Set(at),
            updated_at: Set(at),
            first_response_at: Set(None),
            closed_at: Set((category == StatusCategory::Closed).then_some(at)),
            resolved_at: Set(
                matches!(category, StatusCategory::Solved | StatusCategory::Closed).then_some(at),
            ),
            deleted_at: Set(None),
            ..Default::default()
        })
        .exec_with_returning(&txn)
        .await?;
        let id = row.id;
        if !tags.is_empty() {
            ticket_tag::Entity::insert_many(tags.iter().map(|tag| ticket_tag::ActiveModel {
                ticket_id: Set(id),
                tag: Set(tag.clone()),
            }))
            .exec_without_returning(&txn)
            .await?;
        }
        ext::insert_row(&txn, compiled.slug(), id, &compiled.fields, &fields).await?;
        let summary = serde_json::json!({
            "type": compiled.slug(), "title": new.title.trim(), "status": status,
            "priority": priority.as_str(), "source": new.source_channel.as_str(),
        });
        let created = Event {
            field: "created".into(),
            old: None,
            new: Some(summary),
        };
        record_events(&txn, id, &new.actor, &[created], at).await?;
        let requester = match requester_id {
            Some(rid) => read::requester_of(&txn, rid).await?,
            None => None,
        };
        let mut tags = tags;
        tags.sort();
        let subject = Subject {
            row,
            tags,
            organization: requester.as_ref().and_then(|r| r.organization.clone()),
        };
        let sla = crate::sla::sync_new(&txn, &subject, at).await?;
        if organization_changed {
            // Policies may select on the organisation: the requester's other open
            // tickets may now fall under another one.
            let others: Vec<i64> = ticket_row::Entity::find()
                .select_only()
                .column(ticket_row::Column::Id)
                .filter(ticket_row::Column::RequesterId.eq(requester_id))
                .filter(ticket_row::Column::Id.ne(id))
                .filter(ticket_row::Column::DeletedAt.is_null())
                .filter(ticket_row::Column::StatusCategory.is_in(["new", "open", "pending"]))
                .into_tuple()
                .all(&txn)
                .await?;
            for other in others {
                crate::sla::escalate::lock_ticket(&txn, other).await?;
                crate::sla::sync(&txn, other, Trigger::Recompute, at).await?;
            }
        }
        if let Some(k) = &new.idempotency {
            let response = StoredResponse {
                resource: key.clone(),
            };
            if !idempotency::record(&txn, k, &response, at).await? {
                // A concurrent request with this key won: undo ours, answer with theirs.
                txn.rollback().await?;
                return self.replay_after_race(&new).await;
            }
        }
        // The ticket as written, without reading it back.
        let Subject { mut row, tags, .. } = subject;
        row.sla_policy_id = sla.policy_id;
        row.first_response_due_at = sla.first_response_due_at;
        row.next_response_due_at = sla.next_response_due_at;
        row.resolution_due_at = sla.resolution_due_at;
        row.sla_due_at = sla.sla_due_at;
        let fields = ext::as_read(&compiled.fields, &fields)?;
        let team = team.map(|(_, slug)| slug);
        let ticket = read::assemble(row, tags, requester, team, fields);
        match txn.commit().await {
            Ok(()) => Ok((ticket, false)),
            // A concurrent request with the same idempotency key won the race.
            Err(e) if new.idempotency.is_some() => self
                .replay_after_race(&new)
                .await
                .map_err(|_| StoreError::from(e)),
            Err(e) => Err(e.into()),
        }
    }

    /// The ticket an earlier create with this idempotency key made, as it is now. A
    /// caller who may no longer see it (its type left their teams, or it was deleted)
    /// learns nothing of it: not found, as for any ticket they cannot see.
    async fn replayed(
        &self,
        txn: &DatabaseTransaction,
        key: &str,
        new: &NewTicket,
    ) -> Result<Ticket> {
        let row = Self::find_row(txn, key, false).await?;
        if let Some(teams) = &new.handled_by {
            if !self.types_handled_by(teams).contains(&row.type_slug) {
                return Err(StoreError::NotFound(format!("ticket {key}")));
            }
        }
        Ok(self.hydrate_on(txn, vec![row]).await?.remove(0))
    }

    /// After losing the race on an idempotency key: the winner's ticket.
    async fn replay_after_race(&self, new: &NewTicket) -> Result<(Ticket, bool)> {
        let k = new
            .idempotency
            .as_ref()
            .expect("only creates with a key race");
        let txn = self.db.begin().await?;
        let outcome = match idempotency::check(&txn, k).await? {
            IdempotencyOutcome::Replay(previous) => {
                self.replayed(&txn, &previous.resource, new).await
            }
            IdempotencyOutcome::Fresh => {
                Err(StoreError::Internal("an idempotency key vanished".into()))
            }
        };
        txn.rollback().await?;
        outcome.map(|t| (t, true))
    }
}

/// The first of the type's teams that exists works the ticket.
async fn first_team<C: ConnectionTrait>(
    conn: &C,
    slugs: &[String],
) -> Result<Option<(i64, String)>> {
    if slugs.is_empty() {
        return Ok(None);
    }
    let found = team::Entity::find()
        .filter(team::Column::Slug.is_in(slugs.iter().map(String::as_str)))
        .all(conn)
        .await?;
    Ok(slugs
        .iter()
        .find_map(|s| found.iter().find(|t| &t.slug == s))
        .map(|t| (t.id, t.slug.clone())))
}

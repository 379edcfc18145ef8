//! What a closed conversation leaves on its ticket: the transcript of the channel it
//! happened in (Discord's channels are deleted on close) and the requester's exit
//! survey. Both are changes of the ticket, recorded in its trail.

use chrono::{DateTime, Utc};
use sea_orm::{ActiveModelTrait, ActiveValue::Set, ColumnTrait, EntityTrait, QueryFilter};
use serde_json::Value;

use super::write::Change;
use crate::entities::{attachment, ticket_survey, ticket_transcript};
use crate::{Result, Store, StoreError};

#[derive(Debug, Clone, PartialEq)]
pub struct Transcript {
    pub ticket_key: String,
    /// The transcript as the API validated it.
    pub body: Value,
    pub saved_by: String,
    pub saved_at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Survey {
    pub ticket_key: String,
    pub rating: u8,
    pub comment: String,
    pub recorded_by: String,
    pub created_at: DateTime<Utc>,
}

pub const MAX_SURVEY_COMMENT: usize = 4000;

impl Store {
    /// Save (or replace, when a reopened ticket closes again) a ticket's transcript.
    /// `attachments` are the files it names: each must be one of the ticket's.
    pub async fn save_transcript(
        &self,
        key: &str,
        body: &Value,
        messages: usize,
        attachments: &[i64],
        actor: &str,
    ) -> Result<Transcript> {
        let txn = self.begin_write().await?;
        let row = Self::find_row(&txn, key, false).await?;
        if !attachments.is_empty() {
            let mut wanted = attachments.to_vec();
            wanted.sort_unstable();
            wanted.dedup();
            let found = attachment::Entity::find()
                .filter(attachment::Column::TicketId.eq(row.id))
                .filter(attachment::Column::Id.is_in(wanted.clone()))
                .all(&txn)
                .await?;
            if found.len() != wanted.len() {
                let missing: Vec<i64> = wanted
                    .into_iter()
                    .filter(|id| !found.iter().any(|a| a.id == *id))
                    .collect();
                txn.rollback().await?;
                return Err(StoreError::invalid(
                    "/messages",
                    format!(
                        "attachments {missing:?} are not files of {key} (upload them to the ticket first)"
                    ),
                ));
            }
        }
        let at = self.clock.now();
        let existing = ticket_transcript::Entity::find_by_id(row.id)
            .one(&txn)
            .await?;
        let model = ticket_transcript::ActiveModel {
            ticket_id: Set(row.id),
            body: Set(body.to_string()),
            saved_by: Set(actor.to_string()),
            saved_at: Set(at),
        };
        let saved = if existing.is_some() {
            model.update(&txn).await?
        } else {
            model.insert(&txn).await?
        };
        let mut change = Change::new(row.id, actor, at);
        change.event(
            "transcript",
            None,
            Some(serde_json::json!({"messages": messages, "replaced": existing.is_some()})),
        );
        change.commit(&txn).await?;
        txn.commit().await?;
        Ok(Transcript {
            ticket_key: key.to_string(),
            body: serde_json::from_str(&saved.body).unwrap_or(Value::Null),
            saved_by: saved.saved_by,
            saved_at: saved.saved_at,
        })
    }

    pub async fn transcript(&self, key: &str, include_deleted: bool) -> Result<Option<Transcript>> {
        let row = Self::find_row(&self.db, key, include_deleted).await?;
        Ok(ticket_transcript::Entity::find_by_id(row.id)
            .one(&self.db)
            .await?
            .map(|t| Transcript {
                ticket_key: key.to_string(),
                body: serde_json::from_str(&t.body).unwrap_or(Value::Null),
                saved_by: t.saved_by,
                saved_at: t.saved_at,
            }))
    }

    /// Record the requester's rating, once per ticket.
    pub async fn record_survey(
        &self,
        key: &str,
        rating: u8,
        comment: &str,
        actor: &str,
    ) -> Result<Survey> {
        if !(1..=5).contains(&rating) {
            return Err(StoreError::invalid("/rating", "a rating is 1 to 5"));
        }
        if comment.chars().count() > MAX_SURVEY_COMMENT {
            return Err(StoreError::invalid(
                "/comment",
                format!("at most {MAX_SURVEY_COMMENT} characters"),
            ));
        }
        let txn = self.begin_write().await?;
        let row = Self::find_row(&txn, key, false).await?;
        if ticket_survey::Entity::find_by_id(row.id)
            .one(&txn)
            .await?
            .is_some()
        {
            txn.rollback().await?;
            return Err(StoreError::Conflict(format!(
                "{key} has a survey answer already"
            )));
        }
        let at = self.clock.now();
        let saved = ticket_survey::ActiveModel {
            ticket_id: Set(row.id),
            rating: Set(i16::from(rating)),
            comment: Set(comment.trim().to_string()),
            recorded_by: Set(actor.to_string()),
            created_at: Set(at),
        }
        .insert(&txn)
        .await?;
        let mut change = Change::new(row.id, actor, at);
        change.event("survey", None, Some(serde_json::json!({"rating": rating})));
        change.commit(&txn).await?;
        txn.commit().await?;
        Ok(to_survey(saved, key))
    }

    pub async fn survey(&self, key: &str, include_deleted: bool) -> Result<Option<Survey>> {
        let row = Self::find_row(&self.db, key, include_deleted).await?;
        Ok(ticket_survey::Entity::find_by_id(row.id)
            .one(&self.db)
            .await?
            .map(|s| to_survey(s, key)))
    }
}

fn to_survey(s: ticket_survey::Model, key: &str) -> Survey {
    Survey {
        ticket_key: key.to_string(),
        rating: u8::try_from(s.rating).unwrap_or(0),
        comment: s.comment,
        recorded_by: s.recorded_by,
        created_at: s.created_at,
    }
}

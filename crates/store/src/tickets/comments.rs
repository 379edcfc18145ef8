//! Replies and internal notes. A comment is a change of its ticket (its trail, its
//! `updated_at`, perhaps its first response), so it goes through `Change` like any edit.

use docket_core::ticket::CommentKind;
use sea_orm::sea_query::{Alias, Expr, Func};
use sea_orm::{ActiveValue::Set, EntityTrait};

use super::read::to_comment;
use super::write::Change;
use super::{Comment, NewComment};
use crate::attachments;
use crate::entities::comment;
use crate::sla::Trigger;
use crate::{Result, Store, StoreError};

impl Store {
    pub async fn add_comment(&self, key: &str, new: NewComment) -> Result<Comment> {
        // A reply may be only files (a screenshot); it may not be nothing at all.
        if new.body.trim().is_empty() && new.attachments.is_empty() {
            return Err(StoreError::invalid("/body", "the comment is empty"));
        }
        let txn = self.begin_write().await?;
        let row = Self::find_row(&txn, key, false).await?;
        if new.from_requester && row.requester_id.is_none() {
            txn.rollback().await?;
            return Err(StoreError::invalid(
                "/author",
                format!("ticket {key} has no requester to write for"),
            ));
        }
        let at = self.clock.now();
        let inserted = comment::Entity::insert(comment::ActiveModel {
            ticket_id: Set(row.id),
            kind: Set(new.kind.as_str().to_string()),
            body: Set(new.body.clone()),
            author_user_id: Set((!new.from_requester)
                .then_some(new.author_user_id)
                .flatten()),
            author_requester_id: Set(new.from_requester.then_some(row.requester_id).flatten()),
            author_name: Set(new.author_name.clone()),
            channel: Set(new.channel.as_str().to_string()),
            created_at: Set(at),
            ..Default::default()
        })
        .exec_with_returning(&txn)
        .await?;
        if let Err(e) =
            attachments::attach_to_comment(&txn, row.id, inserted.id, &new.attachments).await
        {
            txn.rollback().await?;
            return Err(e);
        }
        // Only public replies move SLA clocks: a staff one answers the requester (the
        // first sets first_response_at), a requester's one makes them wait again.
        let trigger = match (new.kind, new.from_requester) {
            (CommentKind::Public, false) => Some(Trigger::StaffReply),
            (CommentKind::Public, true) => Some(Trigger::RequesterReply),
            _ => None,
        };
        let mut change = Change::new(row.id, &new.actor, at);
        let mut recorded = serde_json::json!({"id": inserted.id, "kind": new.kind.as_str()});
        if !new.attachments.is_empty() {
            recorded["attachments"] = serde_json::json!(new.attachments);
        }
        change.event("comment", None, Some(recorded));
        if trigger == Some(Trigger::StaffReply) {
            change.set(
                "first_response_at",
                Func::coalesce([Expr::col(Alias::new("first_response_at")), Expr::val(at)]),
            );
        }
        // The change's UPDATE locks the ticket's row before its clocks move.
        change.commit(&txn).await?;
        if let Some(trigger) = trigger {
            crate::sla::sync(&txn, row.id, trigger, at).await?;
        }
        let files = attachments::of_comments(&txn, key, &[inserted.id])
            .await?
            .remove(&inserted.id)
            .unwrap_or_default();
        txn.commit().await?;
        Ok(to_comment(inserted, key, files))
    }
}

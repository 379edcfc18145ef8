//! Replies and internal notes. A comment is a change of its ticket (its trail, its
//! `updated_at`, perhaps its first response), so it goes through `Change` like any edit.

use docket_core::ticket::CommentKind;
use sea_orm::sea_query::{Alias, Expr, Func};
use sea_orm::{ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};

use super::read::to_comment;
use super::search::comment_text;
use super::write::Change;
use super::{Comment, NewComment};
use crate::attachments;
use crate::entities::comment;
use crate::sla::Trigger;
use crate::{Result, Store, StoreError};

impl Store {
    /// Add a comment. With an `external_ref` the ticket already has, nothing is written
    /// and that comment is returned, with `true` (a relay repeated after a reconnect).
    pub async fn add_comment(&self, key: &str, new: NewComment) -> Result<(Comment, bool)> {
        // A reply may be only files (a screenshot); it may not be nothing at all.
        if new.body.trim().is_empty() && new.attachments.is_empty() {
            return Err(StoreError::invalid("/body", "the comment is empty"));
        }
        if let Some(r) = &new.external_ref {
            check_external_ref(r, "/external_ref")?;
        }
        let txn = self.begin_write().await?;
        let row = Self::find_row(&txn, key, false).await?;
        if let Some(r) = &new.external_ref
            && let Some(existing) = by_external_ref(&txn, row.id, r).await?
        {
            txn.rollback().await?;
            return Ok((self.comment_with_files(existing, key).await?, true));
        }
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
            external_ref: Set(new.external_ref.clone()),
            written_by: Set(Some(new.actor.clone())),
            ..Default::default()
        })
        .exec_with_returning(&txn)
        .await;
        let inserted = match inserted {
            Ok(inserted) => inserted,
            // The same reference written by a concurrent relay: answer with theirs.
            Err(e) if new.external_ref.is_some() && crate::error::is_unique_violation(&e) => {
                txn.rollback().await?;
                let existing = by_external_ref(
                    &self.db,
                    row.id,
                    new.external_ref.as_deref().unwrap_or_default(),
                )
                .await?
                .ok_or(StoreError::Db(e))?;
                return Ok((self.comment_with_files(existing, key).await?, true));
            }
            Err(e) => return Err(e.into()),
        };
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
        change.set("comment_text", Expr::val(comment_text(&txn, row.id).await?));
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
        Ok((to_comment(inserted, key, files), false))
    }

    /// The ticket's comment with this reference, if any.
    pub async fn comment_by_external_ref(
        &self,
        key: &str,
        external_ref: &str,
    ) -> Result<Option<Comment>> {
        let row = Self::find_row(&self.db, key, false).await?;
        match by_external_ref(&self.db, row.id, external_ref).await? {
            Some(c) => Ok(Some(self.comment_with_files(c, key).await?)),
            None => Ok(None),
        }
    }

    /// Edit a comment's text, or record where it was relayed (once). The trail keeps
    /// the earlier text.
    pub async fn update_comment(
        &self,
        key: &str,
        id: i64,
        edit: CommentEdit,
        editor: CommentEditor<'_>,
    ) -> Result<Comment> {
        if let Some(r) = &edit.external_ref {
            check_external_ref(r, "/external_ref")?;
        }
        let txn = self.begin_write().await?;
        let row = Self::find_row(&txn, key, false).await?;
        let c = own_comment(&txn, row.id, id, key).await?;
        let at = self.clock.now();
        let mut change = Change::new(row.id, editor.actor, at);
        let mut update = comment::ActiveModel {
            id: Set(c.id),
            ..Default::default()
        };
        if let Some(body) = edit.body.filter(|b| *b != c.body) {
            if !editor.may_edit(&c) {
                txn.rollback().await?;
                return Err(StoreError::Forbidden(
                    "only the comment's author or an admin may edit it".into(),
                ));
            }
            if c.deleted_at.is_some() {
                txn.rollback().await?;
                return Err(StoreError::Conflict(format!("comment {id} was deleted")));
            }
            if body.trim().is_empty() {
                txn.rollback().await?;
                return Err(StoreError::invalid(
                    "/body",
                    "the comment is empty; delete it instead",
                ));
            }
            change.event(
                "comment_edited",
                Some(serde_json::json!({"id": c.id, "body": c.body})),
                Some(serde_json::json!({"id": c.id, "body": body})),
            );
            update.body = Set(body);
            update.edited_at = Set(Some(at));
        }
        if let Some(r) = edit
            .external_ref
            .filter(|r| c.external_ref.as_ref() != Some(r))
        {
            if c.external_ref.is_some() {
                txn.rollback().await?;
                return Err(StoreError::Conflict(format!(
                    "comment {id} already has a reference"
                )));
            }
            if by_external_ref(&txn, row.id, &r).await?.is_some() {
                txn.rollback().await?;
                return Err(StoreError::Conflict(format!(
                    "another comment of {key} has the reference {r}"
                )));
            }
            change.event(
                "comment_relayed",
                None,
                Some(serde_json::json!({"id": c.id, "external_ref": r})),
            );
            update.external_ref = Set(Some(r));
        }
        if change.is_empty() {
            txn.rollback().await?;
            return self.comment_with_files(c, key).await;
        }
        let updated = comment::Entity::update(update).exec(&txn).await?;
        change.set("comment_text", Expr::val(comment_text(&txn, row.id).await?));
        change.commit(&txn).await?;
        txn.commit().await?;
        self.comment_with_files(updated, key).await
    }

    /// Delete a comment: its text leaves the thread and stays in the trail; its files
    /// stay on the ticket.
    pub async fn delete_comment(
        &self,
        key: &str,
        id: i64,
        editor: CommentEditor<'_>,
    ) -> Result<()> {
        let txn = self.begin_write().await?;
        let row = Self::find_row(&txn, key, false).await?;
        let c = own_comment(&txn, row.id, id, key).await?;
        if c.deleted_at.is_some() {
            txn.rollback().await?;
            return Ok(());
        }
        if !editor.may_edit(&c) {
            txn.rollback().await?;
            return Err(StoreError::Forbidden(
                "only the comment's author or an admin may delete it".into(),
            ));
        }
        let at = self.clock.now();
        comment::Entity::update(comment::ActiveModel {
            id: Set(c.id),
            body: Set(String::new()),
            deleted_at: Set(Some(at)),
            ..Default::default()
        })
        .exec(&txn)
        .await?;
        let mut change = Change::new(row.id, editor.actor, at);
        change.event(
            "comment_deleted",
            Some(serde_json::json!({"id": c.id, "body": c.body})),
            None,
        );
        change.set("comment_text", Expr::val(comment_text(&txn, row.id).await?));
        change.commit(&txn).await?;
        txn.commit().await?;
        Ok(())
    }

    async fn comment_with_files(&self, c: comment::Model, key: &str) -> Result<Comment> {
        let files = attachments::of_comments(&self.db, key, &[c.id])
            .await?
            .remove(&c.id)
            .unwrap_or_default();
        Ok(to_comment(c, key, files))
    }
}

/// What an edit changes.
#[derive(Debug, Clone, Default)]
pub struct CommentEdit {
    pub body: Option<String>,
    pub external_ref: Option<String>,
}

/// Who edits: the staff author, whoever wrote it (an integration relaying its
/// channel's edits), or an admin may change the text; anyone who may write the ticket
/// may record where it was relayed.
#[derive(Debug, Clone, Copy)]
pub struct CommentEditor<'a> {
    pub user_id: i64,
    pub is_admin: bool,
    pub actor: &'a str,
}

impl CommentEditor<'_> {
    fn may_edit(&self, c: &comment::Model) -> bool {
        self.is_admin
            || c.author_user_id == Some(self.user_id)
            || c.written_by.as_deref() == Some(self.actor)
    }
}

/// Longest reference kept (a Message-ID may be long; RFC 5322 lines stop at 998).
const MAX_EXTERNAL_REF: usize = 998;

fn check_external_ref(r: &str, pointer: &str) -> Result<()> {
    if r.trim().is_empty() || r.len() > MAX_EXTERNAL_REF || r.chars().any(char::is_control) {
        return Err(StoreError::invalid(
            pointer,
            format!("a reference is 1 to {MAX_EXTERNAL_REF} bytes without control characters"),
        ));
    }
    Ok(())
}

async fn by_external_ref<C: ConnectionTrait>(
    conn: &C,
    ticket_id: i64,
    external_ref: &str,
) -> Result<Option<comment::Model>> {
    Ok(comment::Entity::find()
        .filter(comment::Column::TicketId.eq(ticket_id))
        .filter(comment::Column::ExternalRef.eq(external_ref))
        .one(conn)
        .await?)
}

/// A comment of this ticket (another ticket's does not exist here).
async fn own_comment<C: ConnectionTrait>(
    conn: &C,
    ticket_id: i64,
    id: i64,
    key: &str,
) -> Result<comment::Model> {
    comment::Entity::find_by_id(id)
        .filter(comment::Column::TicketId.eq(ticket_id))
        .one(conn)
        .await?
        .ok_or_else(|| StoreError::NotFound(format!("comment {id} of {key}")))
}

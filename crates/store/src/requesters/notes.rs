//! Private staff notes on a requester: several, each with its author and time, editable
//! by its author (and admins), every change in the audit log. A note is seen by whoever
//! sees the requester (through a ticket they may see); requesters never see notes.

use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect,
};
use serde_json::json;

use crate::entities::{requester_note, user};
use crate::identity::{Actor, audit};
use crate::{Result, Store, StoreError};

pub const MAX_NOTE: usize = 10_000;

#[derive(Debug, Clone, PartialEq)]
pub struct RequesterNote {
    pub id: i64,
    pub requester_id: i64,
    pub body: String,
    /// None once the author's account is gone.
    pub author_id: Option<i64>,
    pub author_name: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub updated_by: Option<i64>,
}

/// Who writes a note: the user, and whether they are an admin (who may edit anyone's).
#[derive(Debug, Clone, Copy)]
pub struct NoteWriter<'a> {
    pub user_id: i64,
    pub is_admin: bool,
    pub actor: &'a Actor,
}

fn checked_body(body: &str) -> Result<String> {
    let body = body.trim();
    if body.is_empty() {
        return Err(StoreError::invalid("/body", "must not be empty"));
    }
    if body.chars().count() > MAX_NOTE {
        return Err(StoreError::invalid(
            "/body",
            format!("at most {MAX_NOTE} characters"),
        ));
    }
    Ok(body.to_string())
}

/// The notes of a requester, newest first, with their authors' names.
pub(crate) async fn latest<C: ConnectionTrait>(
    conn: &C,
    requester_id: i64,
    limit: u64,
) -> Result<Vec<RequesterNote>> {
    let rows = requester_note::Entity::find()
        .filter(requester_note::Column::RequesterId.eq(requester_id))
        .order_by_desc(requester_note::Column::Id)
        .limit(limit)
        .all(conn)
        .await?;
    with_authors(conn, rows).await
}

async fn with_authors<C: ConnectionTrait>(
    conn: &C,
    rows: Vec<requester_note::Model>,
) -> Result<Vec<RequesterNote>> {
    let ids: Vec<i64> = rows.iter().filter_map(|n| n.author_id).collect();
    let names: std::collections::HashMap<i64, String> = if ids.is_empty() {
        Default::default()
    } else {
        user::Entity::find()
            .select_only()
            .columns([user::Column::Id, user::Column::DisplayName])
            .filter(user::Column::Id.is_in(ids))
            .into_tuple::<(i64, String)>()
            .all(conn)
            .await?
            .into_iter()
            .collect()
    };
    Ok(rows
        .into_iter()
        .map(|n| RequesterNote {
            author_name: n.author_id.and_then(|id| names.get(&id).cloned()),
            id: n.id,
            requester_id: n.requester_id,
            body: n.body,
            author_id: n.author_id,
            created_at: n.created_at,
            updated_at: n.updated_at,
            updated_by: n.updated_by,
        })
        .collect())
}

impl Store {
    /// The notes on a requester the caller sees, newest first.
    pub async fn requester_notes(
        &self,
        requester_id: i64,
        types: Option<&[String]>,
        limit: u64,
    ) -> Result<Vec<RequesterNote>> {
        let requester = self.visible_requester(requester_id, types).await?;
        latest(&self.db, requester.id, limit).await
    }

    pub async fn add_requester_note(
        &self,
        requester_id: i64,
        types: Option<&[String]>,
        body: &str,
        writer: NoteWriter<'_>,
    ) -> Result<RequesterNote> {
        let body = checked_body(body)?;
        let txn = self.begin_write().await?;
        let requester = super::profile::visible_requester(&txn, requester_id, types).await?;
        let at = self.clock.now();
        let id = requester_note::Entity::insert(requester_note::ActiveModel {
            requester_id: Set(requester.id),
            body: Set(body.clone()),
            author_id: Set(Some(writer.user_id)),
            created_at: Set(at),
            updated_at: Set(at),
            updated_by: Set(None),
            ..Default::default()
        })
        .exec(&txn)
        .await?
        .last_insert_id;
        audit(
            &txn,
            self.clock.now(),
            writer.actor,
            "requester.note.add",
            &format!("requester:{}", requester.id),
            json!({"note": id, "body": body}),
        )
        .await?;
        let note = note_on(&txn, requester.id, id).await?;
        txn.commit().await?;
        Ok(note)
    }

    /// Change a note's text: its author, or an admin.
    pub async fn update_requester_note(
        &self,
        requester_id: i64,
        note_id: i64,
        types: Option<&[String]>,
        body: &str,
        writer: NoteWriter<'_>,
    ) -> Result<RequesterNote> {
        let body = checked_body(body)?;
        let txn = self.begin_write().await?;
        let requester = super::profile::visible_requester(&txn, requester_id, types).await?;
        let old = note_on(&txn, requester.id, note_id).await?;
        may_change(&old, writer)?;
        if old.body != body {
            requester_note::Entity::update_many()
                .col_expr(requester_note::Column::Body, body.clone().into())
                .col_expr(requester_note::Column::UpdatedAt, self.clock.now().into())
                .col_expr(
                    requester_note::Column::UpdatedBy,
                    Some(writer.user_id).into(),
                )
                .filter(requester_note::Column::Id.eq(note_id))
                .exec(&txn)
                .await?;
            audit(
                &txn,
                self.clock.now(),
                writer.actor,
                "requester.note.update",
                &format!("requester:{}", requester.id),
                json!({"note": note_id, "old": old.body, "new": body}),
            )
            .await?;
        }
        let note = note_on(&txn, requester.id, note_id).await?;
        txn.commit().await?;
        Ok(note)
    }

    /// Remove a note: its author, or an admin. The audit log keeps what it said.
    pub async fn delete_requester_note(
        &self,
        requester_id: i64,
        note_id: i64,
        types: Option<&[String]>,
        writer: NoteWriter<'_>,
    ) -> Result<()> {
        let txn = self.begin_write().await?;
        let requester = super::profile::visible_requester(&txn, requester_id, types).await?;
        let old = note_on(&txn, requester.id, note_id).await?;
        may_change(&old, writer)?;
        requester_note::Entity::delete_by_id(note_id)
            .exec(&txn)
            .await?;
        audit(
            &txn,
            self.clock.now(),
            writer.actor,
            "requester.note.delete",
            &format!("requester:{}", requester.id),
            json!({"note": note_id, "body": old.body}),
        )
        .await?;
        txn.commit().await?;
        Ok(())
    }
}

fn may_change(note: &RequesterNote, writer: NoteWriter<'_>) -> Result<()> {
    if writer.is_admin || note.author_id == Some(writer.user_id) {
        Ok(())
    } else {
        Err(StoreError::Forbidden(
            "only the note's author or an admin can change it".into(),
        ))
    }
}

/// Note `id` of this requester (a note of another requester is not found).
async fn note_on<C: ConnectionTrait>(
    conn: &C,
    requester_id: i64,
    id: i64,
) -> Result<RequesterNote> {
    let row = requester_note::Entity::find_by_id(id)
        .filter(requester_note::Column::RequesterId.eq(requester_id))
        .one(conn)
        .await?
        .ok_or_else(|| StoreError::NotFound(format!("note {id}")))?;
    Ok(with_authors(conn, vec![row]).await?.remove(0))
}

//! Attachments: files on a ticket, usually on one of its comments (an email's files, a
//! Discord message's images, a transcript's copies of them). Uploading one is a change
//! of its ticket (an audit event, a new version, a live update), so it goes through
//! `Change` like any edit. The bytes live apart from the metadata row, so lists never
//! read them.
//!
//! - `media.rs`: file names and media types, parsed once at upload.

mod media;

use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Alias, Expr, ExprTrait, Query};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder,
};

use crate::entities::{attachment, attachment_content, ticket as ticket_row};
use crate::tickets::write::Change;
use crate::{Result, Store, StoreError, sha256_hex};

pub use media::{MAX_FILENAME, clean_filename, is_inline_image, media_type};

/// Where a file's bytes are kept.
const IN_DATABASE: &str = "database";

/// A file on a ticket, without its bytes.
#[derive(Debug, Clone, PartialEq)]
pub struct Attachment {
    pub id: i64,
    pub ticket_key: String,
    pub comment_id: Option<i64>,
    pub filename: String,
    pub content_type: String,
    pub size: i64,
    /// Hex SHA-256 of the bytes.
    pub sha256: String,
    pub uploaded_by: String,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Clone)]
pub struct NewAttachment {
    pub filename: String,
    /// As the uploader declared it (a Content-Type header); None or junk is sniffed.
    pub content_type: Option<String>,
    pub data: Vec<u8>,
    pub actor: String,
}

/// What an installation accepts, from its configuration.
#[derive(Debug, Clone)]
pub struct AttachmentPolicy {
    pub max_bytes: u64,
    /// Media type patterns (`image/png`, `image/*`); empty accepts every type.
    pub allowed_types: Vec<String>,
}

impl Default for AttachmentPolicy {
    fn default() -> Self {
        // Discord's and most mail servers' ceiling; operators raise or lower it.
        AttachmentPolicy {
            max_bytes: 25 * 1024 * 1024,
            allowed_types: Vec::new(),
        }
    }
}

impl AttachmentPolicy {
    pub fn allows(&self, content_type: &str) -> bool {
        self.allowed_types.is_empty()
            || self.allowed_types.iter().any(|pattern| {
                let pattern = pattern.trim().to_ascii_lowercase();
                pattern == "*/*"
                    || pattern == content_type
                    || pattern
                        .strip_suffix("/*")
                        .is_some_and(|top| content_type.split('/').next() == Some(top))
            })
    }
}

impl Store {
    /// Store a file on a ticket; a comment takes it later (`NewComment::attachments`).
    pub async fn add_attachment(
        &self,
        key: &str,
        new: NewAttachment,
        policy: &AttachmentPolicy,
    ) -> Result<Attachment> {
        if new.data.is_empty() {
            return Err(StoreError::invalid("/body", "the file is empty"));
        }
        if new.data.len() as u64 > policy.max_bytes {
            return Err(StoreError::invalid(
                "/body",
                format!(
                    "the file is {} bytes; files may be at most {} bytes",
                    new.data.len(),
                    policy.max_bytes
                ),
            ));
        }
        let content_type = media_type(new.content_type.as_deref(), &new.data);
        if !policy.allows(&content_type) {
            return Err(StoreError::invalid(
                "/content_type",
                format!("files of type {content_type} are not accepted here"),
            ));
        }
        let filename = clean_filename(&new.filename);
        let sha256 = sha256_hex(&new.data);
        let size = new.data.len() as i64;

        let txn = self.begin_write().await?;
        let row = Self::find_row(&txn, key, false).await?;
        let at = self.clock.now();
        let inserted = attachment::Entity::insert(attachment::ActiveModel {
            ticket_id: Set(row.id),
            comment_id: Set(None),
            filename: Set(filename),
            content_type: Set(content_type),
            size: Set(size),
            sha256: Set(sha256),
            storage: Set(IN_DATABASE.to_string()),
            storage_key: Set(None),
            uploaded_by: Set(new.actor.clone()),
            created_at: Set(at),
            ..Default::default()
        })
        .exec_with_returning(&txn)
        .await?;
        attachment_content::Entity::insert(attachment_content::ActiveModel {
            attachment_id: Set(inserted.id),
            data: Set(new.data),
        })
        .exec_without_returning(&txn)
        .await?;
        let mut change = Change::new(row.id, &new.actor, at);
        change.event("attachment", None, Some(summary(&inserted)));
        change.commit(&txn).await?;
        txn.commit().await?;
        Ok(to_attachment(inserted, key))
    }

    /// A ticket's files in upload order.
    pub async fn attachments(&self, key: &str) -> Result<Vec<Attachment>> {
        let row = Self::find_row(&self.db, key, false).await?;
        Ok(attachment::Entity::find()
            .filter(attachment::Column::TicketId.eq(row.id))
            .order_by_asc(attachment::Column::Id)
            .all(&self.db)
            .await?
            .into_iter()
            .map(|a| to_attachment(a, key))
            .collect())
    }

    /// One file's metadata, with the key of its ticket (which may be deleted: the caller
    /// decides who may still read it).
    pub async fn attachment(&self, id: i64) -> Result<Attachment> {
        let found = attachment::Entity::find_by_id(id)
            .find_also_related(ticket_row::Entity)
            .one(&self.db)
            .await?;
        match found {
            Some((a, Some(t))) => Ok(to_attachment(a, &t.key)),
            _ => Err(StoreError::NotFound(format!("attachment {id}"))),
        }
    }

    /// A file's bytes, checked against the hash taken at upload.
    pub async fn attachment_content(&self, id: i64) -> Result<Vec<u8>> {
        let meta = attachment::Entity::find_by_id(id)
            .one(&self.db)
            .await?
            .ok_or_else(|| StoreError::NotFound(format!("attachment {id}")))?;
        let content = attachment_content::Entity::find_by_id(id)
            .one(&self.db)
            .await?
            .ok_or_else(|| StoreError::Internal(format!("attachment {id} has no content")))?;
        if sha256_hex(&content.data) != meta.sha256 {
            return Err(StoreError::Internal(format!(
                "attachment {id} does not match the hash taken at upload"
            )));
        }
        Ok(content.data)
    }

    /// Remove a file (sent by mistake, or holding what must not be kept); the trail
    /// keeps its name and who removed it.
    pub async fn remove_attachment(&self, id: i64, actor: &str) -> Result<()> {
        let txn = self.begin_write().await?;
        let a = attachment::Entity::find_by_id(id)
            .one(&txn)
            .await?
            .ok_or_else(|| StoreError::NotFound(format!("attachment {id}")))?;
        let at = self.clock.now();
        attachment::Entity::delete_by_id(id).exec(&txn).await?;
        let mut change = Change::new(a.ticket_id, actor, at);
        change.event("attachment", Some(summary(&a)), None);
        change.commit(&txn).await?;
        txn.commit().await?;
        Ok(())
    }
}

/// Give a new comment the ticket's files it names. Each must be on the ticket and on no
/// other comment; otherwise nothing is attached and the request fails naming the entry.
pub(crate) async fn attach_to_comment<C: ConnectionTrait>(
    conn: &C,
    ticket_id: i64,
    comment_id: i64,
    ids: &[i64],
) -> Result<()> {
    if ids.is_empty() {
        return Ok(());
    }
    let mut unique = ids.to_vec();
    unique.sort_unstable();
    unique.dedup();
    if unique.len() != ids.len() {
        return Err(StoreError::invalid(
            "/attachments",
            "an attachment is named twice",
        ));
    }
    let mut update = Query::update();
    update
        .table(Alias::new("attachments"))
        .value(Alias::new("comment_id"), comment_id)
        .and_where(Expr::col(Alias::new("ticket_id")).eq(ticket_id))
        .and_where(Expr::col(Alias::new("comment_id")).is_null())
        .and_where(Expr::col(Alias::new("id")).is_in(unique.iter().copied()));
    let attached = conn.execute(&update).await?.rows_affected();
    if attached as usize == ids.len() {
        return Ok(());
    }
    // Say which: the caller's transaction is rolled back by the error.
    let free: Vec<i64> = attachment::Entity::find()
        .filter(attachment::Column::TicketId.eq(ticket_id))
        .filter(attachment::Column::Id.is_in(unique))
        .filter(attachment::Column::CommentId.eq(comment_id))
        .all(conn)
        .await?
        .into_iter()
        .map(|a| a.id)
        .collect();
    let errors = ids
        .iter()
        .enumerate()
        .filter(|(_, id)| !free.contains(id))
        .map(|(i, id)| docket_core::typedef::FieldError {
            pointer: format!("/attachments/{i}"),
            message: format!(
                "attachment {id} is not an unattached file of this ticket (upload it to the ticket first)"
            ),
        })
        .collect();
    Err(StoreError::Invalid(errors))
}

/// The files of these comments, by comment, in upload order.
pub(crate) async fn of_comments<C: ConnectionTrait>(
    conn: &C,
    key: &str,
    comment_ids: &[i64],
) -> Result<std::collections::HashMap<i64, Vec<Attachment>>> {
    let mut by_comment: std::collections::HashMap<i64, Vec<Attachment>> = Default::default();
    if comment_ids.is_empty() {
        return Ok(by_comment);
    }
    for a in attachment::Entity::find()
        .filter(attachment::Column::CommentId.is_in(comment_ids.iter().copied()))
        .order_by_asc(attachment::Column::Id)
        .all(conn)
        .await?
    {
        if let Some(comment) = a.comment_id {
            by_comment
                .entry(comment)
                .or_default()
                .push(to_attachment(a, key));
        }
    }
    Ok(by_comment)
}

/// What the audit trail keeps of a file.
fn summary(a: &attachment::Model) -> serde_json::Value {
    serde_json::json!({"id": a.id, "filename": a.filename, "size": a.size})
}

fn to_attachment(a: attachment::Model, key: &str) -> Attachment {
    Attachment {
        id: a.id,
        ticket_key: key.to_string(),
        comment_id: a.comment_id,
        filename: a.filename,
        content_type: a.content_type,
        size: a.size,
        sha256: a.sha256,
        uploaded_by: a.uploaded_by,
        created_at: a.created_at,
    }
}

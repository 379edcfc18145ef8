//! Attachments: files on a ticket, usually on one of its comments (an email's files, a
//! Discord message's images, a transcript's copies of them). Uploading one is a change
//! of its ticket (an audit event, a new version, a live update), so it goes through
//! `Change` like any edit. The bytes live apart from the metadata row, so lists never
//! read them.
//!
//! - `media.rs`: file names and media types, parsed once at upload.
//! - `objects.rs`: bytes in an S3-compatible bucket instead (`sigv4.rs` signs).

mod media;
mod objects;
mod sigv4;

use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Alias, Expr, ExprTrait, Query};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect,
};

use crate::entities::{attachment, attachment_content, ticket as ticket_row};
use crate::idempotency::{self, IdempotencyKey, IdempotencyOutcome, StoredResponse};
use crate::tickets::write::Change;
use crate::{Result, Store, StoreError, sha256_hex};

pub use media::{MAX_FILENAME, clean_filename, is_inline_image, media_type};
pub use objects::{ObjectStore, S3Settings};

/// Where a file's bytes are kept (the row's `storage`).
const IN_DATABASE: &str = "database";
const IN_BUCKET: &str = "s3";

/// How an upload's Idempotency-Key names the file it stored.
const UPLOAD_RESOURCE: &str = "attachment:";

/// A checked upload, ready to record.
struct Upload<'a> {
    filename: String,
    content_type: String,
    size: i64,
    sha256: String,
    content: Content,
    actor: &'a str,
    idempotency: Option<&'a IdempotencyKey>,
}

/// A new file's bytes, or where they went.
enum Content {
    InDatabase(Vec<u8>),
    /// Already uploaded under this object key.
    InBucket(String),
}

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
    /// Makes a retried upload answer the first one's file instead of storing a second.
    pub idempotency: Option<IdempotencyKey>,
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
        if let Some(earlier) = self.replayed_upload(new.idempotency.as_ref()).await? {
            return Ok(earlier);
        }
        let filename = clean_filename(&new.filename);
        let sha256 = sha256_hex(&new.data);
        let size = new.data.len() as i64;
        // The upload happens before the transaction, so no database connection waits on
        // the network; an object whose row never commits is removed again.
        let content = match &self.objects {
            Some(objects) => {
                let row = Self::find_row(&self.db, key, false).await?;
                let object_key = objects.new_key(row.id);
                objects
                    .put(&object_key, new.data, &sha256, &content_type)
                    .await?;
                Content::InBucket(object_key)
            }
            None => Content::InDatabase(new.data),
        };
        let object_key = match &content {
            Content::InBucket(k) => Some(k.clone()),
            Content::InDatabase(_) => None,
        };
        let recorded = self
            .record_attachment(
                key,
                Upload {
                    filename,
                    content_type,
                    size,
                    sha256,
                    content,
                    actor: &new.actor,
                    idempotency: new.idempotency.as_ref(),
                },
            )
            .await;
        let recorded_ok = matches!(recorded, Ok(Some(_)));
        if let (false, Some(object_key), Some(objects)) = (recorded_ok, object_key, &self.objects)
            && let Err(e) = objects.delete(&object_key).await
        {
            tracing::warn!(error = %e, object_key, "could not remove the object of a file that was not recorded");
        }
        match recorded? {
            Some(a) => Ok(a),
            // A concurrent retry with the same key recorded first: answer its file.
            None => self
                .replayed_upload(new.idempotency.as_ref())
                .await?
                .ok_or_else(|| StoreError::Internal("an idempotent upload vanished".into())),
        }
    }

    /// The file an earlier upload with this Idempotency-Key stored, if any (and still
    /// there: a removed file is not brought back).
    async fn replayed_upload(&self, key: Option<&IdempotencyKey>) -> Result<Option<Attachment>> {
        let Some(key) = key else { return Ok(None) };
        match idempotency::check(&self.db, key).await? {
            IdempotencyOutcome::Fresh => Ok(None),
            IdempotencyOutcome::Replay(earlier) => {
                let id = earlier
                    .resource
                    .strip_prefix(UPLOAD_RESOURCE)
                    .and_then(|id| id.parse().ok())
                    .ok_or_else(|| {
                        StoreError::Conflict(format!(
                            "Idempotency-Key `{}` was already used for another kind of request",
                            key.key
                        ))
                    })?;
                self.attachment(id).await.map(Some)
            }
        }
    }

    /// The row, its bytes when they stay in the database, the event and the
    /// Idempotency-Key, in one transaction; None when the key was taken meanwhile.
    async fn record_attachment(&self, key: &str, upload: Upload<'_>) -> Result<Option<Attachment>> {
        let Upload {
            filename,
            content_type,
            size,
            sha256,
            content,
            actor,
            idempotency,
        } = upload;
        let txn = self.begin_write().await?;
        let row = Self::find_row(&txn, key, false).await?;
        let at = self.clock.now();
        let (storage, storage_key, inline) = match content {
            Content::InDatabase(data) => (IN_DATABASE, None, Some(data)),
            Content::InBucket(object_key) => (IN_BUCKET, Some(object_key), None),
        };
        let inserted = attachment::Entity::insert(attachment::ActiveModel {
            ticket_id: Set(row.id),
            comment_id: Set(None),
            filename: Set(filename),
            content_type: Set(content_type),
            size: Set(size),
            sha256: Set(sha256),
            storage: Set(storage.to_string()),
            storage_key: Set(storage_key),
            uploaded_by: Set(actor.to_string()),
            created_at: Set(at),
            ..Default::default()
        })
        .exec_with_returning(&txn)
        .await?;
        if let Some(data) = inline {
            attachment_content::Entity::insert(attachment_content::ActiveModel {
                attachment_id: Set(inserted.id),
                data: Set(data),
            })
            .exec_without_returning(&txn)
            .await?;
        }
        if let Some(k) = idempotency {
            let claim = StoredResponse {
                resource: format!("{UPLOAD_RESOURCE}{}", inserted.id),
            };
            if !idempotency::record_all(&txn, &[(k, claim)], at).await? {
                txn.rollback().await?;
                return Ok(None);
            }
        }
        let mut change = Change::new(row.id, actor, at);
        change.event("attachment", None, Some(summary(&inserted)));
        change.commit(&txn).await?;
        txn.commit().await?;
        Ok(Some(to_attachment(inserted, key)))
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
        let data = match (meta.storage.as_str(), &meta.storage_key) {
            (IN_BUCKET, Some(object_key)) => self.bucket(id)?.get(object_key).await?,
            _ => {
                attachment_content::Entity::find_by_id(id)
                    .one(&self.db)
                    .await?
                    .ok_or_else(|| StoreError::Internal(format!("attachment {id} has no content")))?
                    .data
            }
        };
        if sha256_hex(&data) != meta.sha256 {
            return Err(StoreError::Internal(format!(
                "attachment {id} does not match the hash taken at upload"
            )));
        }
        Ok(data)
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
        // After the commit: a failed delete leaves an object nobody points at, never a
        // row whose bytes are gone.
        if let (IN_BUCKET, Some(object_key)) = (a.storage.as_str(), &a.storage_key)
            && let Err(e) = self.bucket(id)?.delete(object_key).await
        {
            tracing::warn!(error = %e, object_key, "could not remove a deleted file's object");
        }
        Ok(())
    }

    /// Move files kept in the database into the configured bucket, `batch` at a time;
    /// answers how many moved. Each file is uploaded, then its row points at the object
    /// and its database copy goes, in one transaction, so a failure halfway leaves every
    /// file readable.
    pub async fn move_attachments_to_bucket(&self, batch: u64) -> Result<u64> {
        let objects = self
            .objects
            .clone()
            .ok_or_else(|| StoreError::Internal("no object storage is configured".into()))?;
        let mut moved = 0;
        loop {
            let rows = attachment::Entity::find()
                .filter(attachment::Column::Storage.eq(IN_DATABASE))
                .order_by_asc(attachment::Column::Id)
                .limit(std::cmp::max(batch, 1))
                .all(&self.db)
                .await?;
            if rows.is_empty() {
                return Ok(moved);
            }
            for row in rows {
                let data = self.attachment_content(row.id).await?;
                let object_key = objects.new_key(row.ticket_id);
                objects
                    .put(&object_key, data, &row.sha256, &row.content_type)
                    .await?;
                let txn = self.begin_write().await?;
                attachment::Entity::update_many()
                    .col_expr(attachment::Column::Storage, Expr::value(IN_BUCKET))
                    .col_expr(attachment::Column::StorageKey, Expr::value(object_key))
                    .filter(attachment::Column::Id.eq(row.id))
                    .exec(&txn)
                    .await?;
                attachment_content::Entity::delete_by_id(row.id)
                    .exec(&txn)
                    .await?;
                txn.commit().await?;
                moved += 1;
            }
        }
    }

    fn bucket(&self, id: i64) -> Result<&ObjectStore> {
        self.objects.as_deref().ok_or_else(|| {
            StoreError::Unavailable(format!(
                "attachment {id} is kept in object storage, which this server is not configured to reach"
            ))
        })
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

//! Attachments' wire types. Files are uploaded as the raw request body
//! (`POST /tickets/{key}/attachments?filename=...`, the file's own Content-Type), then
//! named by a comment (`CommentCreate::attachments`); their bytes are read from
//! `GET /attachments/{id}/content`.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// A file on a ticket.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct AttachmentOut {
    pub id: i64,
    /// The ticket's key.
    pub ticket: String,
    /// The comment that carries it; null until a comment names it, or for files on the
    /// ticket itself (a transcript's).
    pub comment_id: Option<i64>,
    #[schema(example = "screenshot.png")]
    pub filename: String,
    #[schema(example = "image/png")]
    pub content_type: String,
    /// Bytes.
    pub size: i64,
    /// Hex SHA-256 of the bytes.
    pub sha256: String,
    /// Who uploaded it, as the audit trail names them.
    pub uploaded_by: String,
    pub created_at: DateTime<Utc>,
    /// Where its bytes are read, relative to the API's base (`/attachments/{id}/content`).
    pub content_url: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct AttachmentList {
    pub items: Vec<AttachmentOut>,
}

/// Parameters of an upload.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AttachmentUpload {
    /// The file's name; its path, control characters and quotes are dropped.
    pub filename: String,
}

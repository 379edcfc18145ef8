//! Comments' wire types: replies and internal notes, their files, and the reference of
//! the message they came from or were relayed as.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::AttachmentOut;
use docket_core::ticket::{CommentKind, SourceChannel};

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CommentCreate {
    /// `public` (seen by the requester) or `internal` (staff only).
    pub kind: CommentKind,
    pub body: String,
    /// `staff` (the caller) or `requester` (an integration relaying the requester's own
    /// words: a public one makes the next-response clock start instead of answering it).
    #[serde(default)]
    pub author: CommentAuthor,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub author_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub channel: Option<SourceChannel>,
    /// Files uploaded to the ticket (`POST /tickets/{key}/attachments`) that this comment
    /// carries. A comment may be only files, with an empty body.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub attachments: Vec<i64>,
    /// The message's id where it came from (`discord:<message id>`, an email's
    /// Message-ID). A second comment with the same reference on the ticket is not
    /// written: the first is answered again (200), so relaying twice never doubles.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub external_ref: Option<String>,
}

/// Edit a comment, or record where it was relayed. Edits keep the earlier text in the
/// audit trail.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CommentUpdate {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub body: Option<String>,
    /// Set once: where the comment was relayed (`discord:<message id>`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub external_ref: Option<String>,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum CommentAuthor {
    #[default]
    Staff,
    Requester,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct CommentOut {
    pub id: i64,
    pub ticket: String,
    pub kind: CommentKind,
    pub body: String,
    pub author: CommentAuthor,
    /// The staff member who wrote it.
    #[serde(default)]
    pub author_user_id: Option<i64>,
    #[serde(default)]
    pub author_name: Option<String>,
    pub channel: String,
    pub created_at: DateTime<Utc>,
    #[serde(default)]
    pub attachments: Vec<AttachmentOut>,
    #[serde(default)]
    pub external_ref: Option<String>,
    /// When the text was last edited (the trail keeps every earlier text).
    #[serde(default)]
    pub edited_at: Option<DateTime<Utc>>,
    /// When it was deleted: its text is gone from the thread, kept in the trail.
    #[serde(default)]
    pub deleted_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct CommentPage {
    pub items: Vec<CommentOut>,
    pub next_cursor: Option<String>,
}

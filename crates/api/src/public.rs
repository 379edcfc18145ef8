//! Bodies of what anyone may use without an account (public forms, follow links), of
//! the admin's form settings, and of merging near-duplicate tickets.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use utoipa::ToSchema;

/// A type's public form as an admin sets it (the whole form at once).
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PublicFormSettingsInput {
    /// The form's address: `/forms/<slug>`.
    #[schema(example = "it_help")]
    pub slug: String,
    #[serde(default)]
    pub published: bool,
    /// Shown above the form (plain text).
    #[serde(default)]
    pub intro: Option<String>,
    /// The type's fields the form shows; absent for every field requesters may fill
    /// (all but `readOnly` ones). A required field without a default must be shown.
    #[serde(default)]
    pub fields: Option<Vec<String>>,
    /// Tickets one client address may create an hour (default 20).
    #[serde(default)]
    pub per_address_per_hour: Option<u32>,
    /// Tickets one email address may create an hour (default 5).
    #[serde(default)]
    pub per_email_per_hour: Option<u32>,
}

/// A type's public form settings.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct PublicFormSettingsOut {
    #[serde(rename = "type")]
    pub type_slug: String,
    pub slug: String,
    pub published: bool,
    #[serde(default)]
    pub intro: Option<String>,
    #[serde(default)]
    pub fields: Option<Vec<String>>,
    /// The fields the form shows now.
    pub shown_fields: Vec<String>,
    pub per_address_per_hour: u32,
    pub per_email_per_hour: u32,
    pub updated_by: String,
    pub updated_at: DateTime<Utc>,
}

/// A published form in the index.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct PublicFormSummary {
    pub slug: String,
    /// The ticket type's name.
    pub name: String,
    #[serde(default)]
    pub description: Option<String>,
}

/// What a client needs to render a published form.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct PublicFormOut {
    pub slug: String,
    pub name: String,
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default)]
    pub intro: Option<String>,
    /// The type's JSON Schema cut to the fields the form shows.
    #[schema(value_type = Object)]
    pub schema: Value,
    /// The type's form hints, `ui:order` cut to the fields shown.
    #[serde(default)]
    #[schema(value_type = Option<Object>)]
    pub ui: Option<Value>,
}

/// A ticket sent through a public form.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PublicFormSubmission {
    /// The requester's name.
    pub name: String,
    /// The requester's email: the ticket's requester is found or made by it.
    pub email: String,
    pub title: String,
    #[serde(default)]
    pub body: String,
    /// The type's own fields that the form shows.
    #[serde(default)]
    #[schema(value_type = Object)]
    pub fields: Map<String, Value>,
    /// Leave empty. The form hides it from people; a client that fills it is taken for
    /// a bot and gets an answer that looks like success, with nothing stored.
    #[serde(default)]
    pub homepage: Option<String>,
}

/// A public form's answer: the new ticket's key, to quote in a reply.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct PublicFormReceipt {
    #[schema(example = "IT-1042")]
    pub ticket: String,
}

/// A file of a public reply, by name only.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct FollowedAttachment {
    pub filename: String,
}

/// A public reply as the requester sees it.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct FollowedComment {
    pub id: i64,
    pub body: String,
    /// True for the requester's own replies.
    pub from_requester: bool,
    /// Who wrote it, as the requester sees them.
    #[serde(default)]
    pub author_name: Option<String>,
    pub created_at: DateTime<Utc>,
    pub attachments: Vec<FollowedAttachment>,
}

/// A ticket as its follow link shows it: public replies only.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct FollowedTicketOut {
    #[schema(example = "IT-1042")]
    pub key: String,
    pub title: String,
    pub status: String,
    pub status_category: String,
    pub created_at: DateTime<Utc>,
    pub comments: Vec<FollowedComment>,
}

/// A reply through a follow link.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FollowReply {
    pub body: String,
}

/// Merge a ticket into another: `POST /tickets/{key}/merge`.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TicketMergeInput {
    /// The key of the ticket that remains.
    #[schema(example = "IT-1041")]
    pub into: String,
}

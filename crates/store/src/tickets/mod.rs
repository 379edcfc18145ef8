//! Tickets: the core row, its extension row, tags, comments and the audit trail, always
//! written together in one transaction.
//!
//! - `create.rs`: a new ticket (validation, requester, key, rows, first events, clocks).
//! - `update.rs`: edits with If-Match, soft delete and restore.
//! - `comments.rs`: replies and notes, and the clocks they move.
//! - `write.rs`: the one owner of writes to an existing ticket (`Change`).
//! - `checks.rs`: the checks of core fields every write shares.
//! - `read.rs`: reading tickets back (hydration), comments and the audit trail.
//! - `search.rs`: the text full-text search indexes.
//! - `summary.rs`: the ticket's summary (AI-written or by staff).
//! - `closing.rs`: a closed conversation's transcript and exit survey.

mod checks;
mod closing;
mod comments;
mod create;
pub mod duplicates;
mod merge;
pub(crate) mod read;
mod route;
mod search;
mod summary;
mod update;
pub(crate) mod write;

use chrono::{DateTime, Utc};
use docket_core::ticket::{CommentKind, Priority, SourceChannel};
use serde_json::{Map, Value};

use crate::idempotency::IdempotencyKey;
use crate::requesters::RequesterRef;

pub use closing::{MAX_SURVEY_COMMENT, Survey, Transcript};
pub use comments::{CommentEdit, CommentEditor};
pub(crate) use create::CreateQueue;
pub(crate) use search::rebuild_search_text;
pub use search::search_text;
pub use summary::SummaryWriter;

pub const MAX_TITLE: usize = 300;
pub const MAX_TAGS: usize = 50;
pub const MAX_TAG_LEN: usize = 64;

#[derive(Debug, Clone, PartialEq)]
pub struct Requester {
    pub id: i64,
    pub name: Option<String>,
    pub email: Option<String>,
    pub organization: Option<String>,
    pub identities: Vec<(String, String)>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Ticket {
    pub id: i64,
    pub key: String,
    pub type_slug: String,
    pub type_version: i32,
    pub title: String,
    pub body: String,
    pub status: String,
    pub status_category: String,
    pub priority: Priority,
    pub requester: Option<Requester>,
    pub assignee_id: Option<i64>,
    /// The slug of the team working the ticket.
    pub team: Option<String>,
    pub source_channel: String,
    pub source_ref: Option<String>,
    pub tags: Vec<String>,
    pub fields: Map<String, Value>,
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub first_response_at: Option<DateTime<Utc>>,
    pub resolved_at: Option<DateTime<Utc>>,
    pub closed_at: Option<DateTime<Utc>>,
    pub deleted_at: Option<DateTime<Utc>>,
    /// When each open SLA clock falls due (None when paused, stopped or without target).
    pub first_response_due_at: Option<DateTime<Utc>>,
    pub next_response_due_at: Option<DateTime<Utc>>,
    pub resolution_due_at: Option<DateTime<Utc>>,
    /// The earliest of the three.
    pub sla_due_at: Option<DateTime<Utc>>,
    pub summary: Option<docket_core::summary::TicketSummary>,
    /// The latest AI triage suggestion.
    pub triage: Option<docket_core::ai::TriageSuggestion>,
    /// A recent ticket of the same requester this one reads like (flagged at create).
    pub possible_duplicate_of: Option<String>,
}

#[derive(Debug, Clone, Default)]
pub struct NewTicket {
    pub type_slug: String,
    pub title: String,
    pub body: String,
    pub status: Option<String>,
    pub priority: Option<Priority>,
    pub requester: Option<RequesterRef>,
    pub assignee_id: Option<i64>,
    /// A team's slug; the first existing team of the type's `teams` when absent.
    pub team: Option<String>,
    pub source_channel: SourceChannel,
    pub source_ref: Option<String>,
    pub tags: Vec<String>,
    pub fields: Map<String, Value>,
    pub actor: String,
    pub idempotency: Option<IdempotencyKey>,
    /// The caller's teams, when only a type one of them handles may be used (None: any).
    pub handled_by: Option<Vec<String>>,
    /// Skills routing looks for besides the ticket's tags (AI triage supplies them);
    /// only used when the ticket's team routes by its skills and no assignee is given.
    pub route_skills: Vec<String>,
}

/// A partial update; `None` leaves a field as it is.
#[derive(Debug, Clone, Default)]
pub struct TicketPatch {
    pub title: Option<String>,
    pub body: Option<String>,
    pub status: Option<String>,
    pub priority: Option<Priority>,
    /// `Some(None)` unassigns.
    pub assignee_id: Option<Option<i64>>,
    /// A team's slug; `Some(None)` clears the team.
    pub team: Option<Option<String>>,
    pub tags: Option<Vec<String>>,
    /// Fields to set; a Null value clears the field.
    pub fields: Map<String, Value>,
    pub actor: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Comment {
    pub id: i64,
    pub ticket_key: String,
    pub kind: CommentKind,
    pub body: String,
    pub author_user_id: Option<i64>,
    pub author_requester_id: Option<i64>,
    pub author_name: Option<String>,
    pub channel: String,
    pub created_at: DateTime<Utc>,
    pub attachments: Vec<crate::attachments::Attachment>,
    pub external_ref: Option<String>,
    pub edited_at: Option<DateTime<Utc>>,
    pub deleted_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone)]
pub struct NewComment {
    pub kind: CommentKind,
    pub body: String,
    /// The staff member writing, or None when Docket or an integration writes.
    pub author_user_id: Option<i64>,
    /// Written on behalf of the ticket's requester (an email reply, a Discord message):
    /// a public one restarts the next-response clock instead of answering it.
    pub from_requester: bool,
    pub author_name: Option<String>,
    pub channel: SourceChannel,
    pub actor: String,
    /// Files already uploaded to the ticket (`Store::add_attachment`) that this comment
    /// carries.
    pub attachments: Vec<i64>,
    /// The message's id where it came from; one comment per reference and ticket.
    pub external_ref: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct TicketEvent {
    pub id: i64,
    pub actor: String,
    pub field: String,
    pub old_value: Option<Value>,
    pub new_value: Option<Value>,
    pub created_at: DateTime<Utc>,
}

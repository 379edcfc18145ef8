//! The requester's memory on the wire: profiles, context cards, staff notes, merges,
//! organisations and ticket summaries.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use docket_core::summary::{Sentiment, SummaryContent, TicketSummary};

use crate::{IdentityOut, RequesterOut};

/// A name and how often it came up.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct CountOut {
    pub name: String,
    pub count: i64,
}

/// What the requester's recent tickets (those the caller sees) were about, most frequent
/// first.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct TopicsOut {
    pub types: Vec<CountOut>,
    pub tags: Vec<CountOut>,
    /// Topics of the tickets' summaries.
    pub summaries: Vec<CountOut>,
}

/// A requester as staff see them. Counts and topics are over the tickets the caller may
/// see; their tickets are listed by `GET /tickets?requester_id=`.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct RequesterProfileOut {
    pub id: i64,
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub email: Option<String>,
    #[serde(default)]
    pub organization: Option<String>,
    pub identities: Vec<IdentityOut>,
    pub created_at: DateTime<Utc>,
    pub ticket_count: i64,
    pub open_count: i64,
    pub first_seen: DateTime<Utc>,
    pub last_seen: DateTime<Utc>,
    pub topics: TopicsOut,
}

/// A past ticket on the context card.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct PastTicketOut {
    pub key: String,
    pub title: String,
    #[serde(rename = "type")]
    pub type_slug: String,
    pub status: String,
    pub status_category: String,
    pub created_at: DateTime<Utc>,
    #[serde(default)]
    pub resolved_at: Option<DateTime<Utc>>,
    #[serde(default)]
    pub summary: Option<TicketSummary>,
}

/// The context card: what staff should know when this requester comes back.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct RequesterCardOut {
    pub requester: RequesterOut,
    pub ticket_count: i64,
    pub open_count: i64,
    /// Their latest tickets (at most five), newest first, with their summaries.
    pub previous: Vec<PastTicketOut>,
    /// The open points of the latest summary, and the ticket it is of.
    pub open_points: Vec<String>,
    #[serde(default)]
    pub open_points_from: Option<String>,
    /// The latest staff notes (at most three), newest first.
    pub notes: Vec<NoteOut>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct RequesterListItemOut {
    #[serde(flatten)]
    pub requester: RequesterOut,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct RequesterPage {
    pub items: Vec<RequesterListItemOut>,
    pub next_cursor: Option<String>,
}

/// A private staff note on a requester.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct NoteOut {
    pub id: i64,
    pub requester_id: i64,
    pub body: String,
    /// Null once the author's account is gone.
    #[serde(default)]
    pub author_id: Option<i64>,
    #[serde(default)]
    pub author_name: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// Who last edited it (null: never edited).
    #[serde(default)]
    pub updated_by: Option<i64>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NoteInput {
    pub body: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct NotePage {
    pub items: Vec<NoteOut>,
}

/// Corrections to a requester's record (absent: unchanged; an empty string clears).
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RequesterUpdate {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Agents may set an organisation not known yet, on a requester without tickets
    /// outside their teams' types; replacing one is for admins.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub organization: Option<String>,
}

/// Merge the requester `source` into the one in the path.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MergeInput {
    pub source: i64,
    /// When the two belong to different organisations: which one the merged record keeps.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub organization: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct OrganizationOut {
    pub id: i64,
    /// What requesters and SLA policies name (compared case-insensitively).
    pub name: String,
    /// New requesters with an email at one of these join the organisation.
    pub domains: Vec<String>,
    pub notes: String,
    pub requester_count: u64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// A new organisation (`name` required), or the fields to change.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OrganizationInput {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub domains: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub notes: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct OrganizationList {
    pub items: Vec<OrganizationOut>,
}

/// A ticket's summary as staff write it.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SummaryInput {
    pub issue: String,
    #[serde(default)]
    pub resolution: String,
    #[serde(default)]
    pub open_points: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sentiment: Option<Sentiment>,
    #[serde(default)]
    pub next_best_action: String,
    #[serde(default)]
    pub topics: Vec<String>,
}

impl From<SummaryInput> for SummaryContent {
    fn from(s: SummaryInput) -> SummaryContent {
        SummaryContent {
            issue: s.issue,
            resolution: s.resolution,
            open_points: s.open_points,
            sentiment: s.sentiment,
            next_best_action: s.next_best_action,
            topics: s.topics,
        }
    }
}

//! Inbound webhooks' wire types: sources (admins configure them; the signing secret is
//! shown once, when made or rotated), their delivery log, and what a sender gets back.

use chrono::{DateTime, Utc};
use docket_core::typedef::FieldError;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

pub use docket_core::intake::{Mapped, Mapping, PriorityMapping, Scheme};

fn yes() -> bool {
    true
}

/// What an admin writes to create or replace a source.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct IntakeSourceInput {
    /// The last segment of the receiving URL: 1 to 64 lower-case letters, digits, `-`
    /// and `_`, starting with a letter or digit.
    #[schema(example = "alertmanager")]
    pub slug: String,
    #[schema(example = "Alertmanager")]
    pub name: String,
    /// The type of the tickets it makes.
    #[schema(example = "it_support")]
    pub ticket_type: String,
    /// A disabled source answers 404, as an unknown one does.
    #[serde(default = "yes")]
    pub enabled: bool,
    #[serde(default)]
    pub scheme: Scheme,
    pub mapping: Mapping,
}

/// A source as stored. Its secret is never shown again after create or rotate.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct IntakeSourceOut {
    pub slug: String,
    pub name: String,
    pub ticket_type: String,
    pub enabled: bool,
    pub scheme: Scheme,
    pub mapping: Mapping,
    /// Where the sender posts, relative to the server's address.
    #[schema(example = "/api/v1/intake/webhooks/alertmanager")]
    pub endpoint: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// A source with its new signing secret: the only answer that carries it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct IntakeSourceWithSecret {
    pub source: IntakeSourceOut,
    /// The HMAC key the sender signs with. Store it now: Docket keeps it sealed and
    /// never shows it again.
    #[schema(example = "whsec_3q2-7wU1aT0lC4...")]
    pub secret: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct IntakeSourceList {
    pub items: Vec<IntakeSourceOut>,
}

/// How a delivery ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum IntakeOutcome {
    /// A new ticket.
    Created,
    /// A reference already seen: the ticket made first.
    Replayed,
    /// The signature, its timestamp, or a replayed delivery id (401), or throttled (429).
    Refused,
    /// Not JSON, or values the ticket refuses (400, 422).
    Invalid,
    /// Docket's own fault (5xx).
    Failed,
}

/// One entry of a source's delivery log.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct IntakeDeliveryOut {
    pub id: i64,
    pub received_at: DateTime<Utc>,
    pub outcome: IntakeOutcome,
    /// The HTTP status the sender got.
    pub status: u16,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ticket_key: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
    /// For invalid payloads: each ticket field refused, with the payload pointer it came
    /// from in its message.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<FieldError>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ip: Option<String>,
}

/// A source's last deliveries, newest first.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct IntakeDeliveryList {
    pub items: Vec<IntakeDeliveryOut>,
}

/// What a sender gets for an accepted delivery.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct IntakeReceipt {
    /// The ticket's key.
    #[schema(example = "IT-1042")]
    pub ticket: String,
    /// True when the reference was delivered before: `ticket` is the one made then.
    pub replayed: bool,
    /// True when this redelivery's text was added to the ticket as a comment.
    pub comment_added: bool,
}

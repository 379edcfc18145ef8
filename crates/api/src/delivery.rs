//! Notifications out: webhook subscriptions, the delivery log, and each user's in-app
//! notifications and preferences. Topics are listed in `TOPICS` (see the admin guide).

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::ToSchema;

/// A new webhook subscription.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SubscriptionCreate {
    #[schema(example = "Ops chat")]
    pub name: String,
    /// Where events are POSTed (http or https).
    #[schema(example = "https://hooks.example.com/docket")]
    pub url: String,
    /// Topics or patterns: `ticket.created`, `comment.*`, `*`.
    #[schema(example = json!(["ticket.created", "comment.*"]))]
    pub events: Vec<String>,
    /// Only tickets of these types; null or absent for every type.
    #[serde(default)]
    pub types: Option<Vec<String>>,
    #[serde(default = "yes")]
    pub enabled: bool,
}

fn yes() -> bool {
    true
}

/// A change to a subscription; absent members stay as they are. Switching it on again
/// clears its failure count.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SubscriptionUpdate {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub events: Option<Vec<String>>,
    /// Null for every type.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        with = "crate::double_option"
    )]
    #[schema(value_type = Option<Vec<String>>)]
    pub types: Option<Option<Vec<String>>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub enabled: Option<bool>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct SubscriptionOut {
    pub id: i64,
    pub name: String,
    pub url: String,
    pub events: Vec<String>,
    pub types: Option<Vec<String>>,
    pub enabled: bool,
    /// Failed attempts since the last success; at 25 Docket switches it off.
    pub consecutive_failures: i32,
    /// Why Docket switched it off, if it did.
    pub disabled_reason: Option<String>,
    pub created_by: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// A subscription with its signing secret: answered once, at creation or rotation.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct SubscriptionWithSecret {
    pub subscription: SubscriptionOut,
    /// Verify `X-Docket-Signature` with it; Docket shows it only now.
    pub secret: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct SubscriptionList {
    pub items: Vec<SubscriptionOut>,
    /// Every topic a subscription may name.
    pub topics: Vec<String>,
}

/// One message to one target, and how sending it went.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct DeliveryOut {
    pub id: i64,
    /// `webhook` or `email`.
    pub channel: String,
    /// The subscription id (webhook) or the address (email).
    pub target: String,
    #[schema(example = "ticket.created")]
    pub topic: String,
    pub ticket: Option<String>,
    /// `pending`, `delivered` or `dead` (no more attempts; retry it by hand).
    pub status: String,
    pub attempts: i32,
    /// When the next attempt is due (pending only).
    pub next_attempt_at: Option<DateTime<Utc>>,
    pub last_error: Option<String>,
    pub created_at: DateTime<Utc>,
    pub delivered_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct DeliveryAttemptOut {
    pub at: DateTime<Utc>,
    /// `delivered`, `failed` (tried again later), `dead`, or `deferred` (the channel
    /// could not be used, e.g. the SMTP relay was down: not counted as an attempt).
    pub outcome: String,
    /// The HTTP status or SMTP reply code, when the target answered.
    pub code: Option<i32>,
    pub error: Option<String>,
    pub duration_ms: i64,
}

/// A delivery with what it sends and every attempt.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct DeliveryDetail {
    pub delivery: DeliveryOut,
    /// The JSON a webhook receives (emails are written from it).
    #[schema(value_type = Object)]
    pub body: Value,
    pub attempts: Vec<DeliveryAttemptOut>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct DeliveryPage {
    pub items: Vec<DeliveryOut>,
    pub next_cursor: Option<String>,
}

/// One line in a user's bell.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct UserNotificationOut {
    pub id: i64,
    pub topic: String,
    pub ticket: Option<String>,
    #[schema(example = "IT-7 was assigned to you: Printer jams")]
    pub title: String,
    pub created_at: DateTime<Utc>,
    pub read_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct UserNotificationPage {
    pub items: Vec<UserNotificationOut>,
    pub next_cursor: Option<String>,
    /// Unread notifications in all (not only this page).
    pub unread: u64,
}

/// Mark notifications read: these ids, or all of the caller's when `ids` is absent.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MarkRead {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ids: Option<Vec<i64>>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct MarkedRead {
    pub marked: u64,
    pub unread: u64,
}

/// How one topic reaches the caller.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NotificationPreference {
    #[schema(example = "ticket.assigned")]
    pub topic: String,
    pub email: bool,
    pub in_app: bool,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct NotificationPreferences {
    pub items: Vec<NotificationPreference>,
}

//! The REST API's request and response bodies, shared by the server, the typed client
//! and the tests, so that every party reads the same shapes.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use utoipa::ToSchema;

use docket_core::evolution::{Change, ColumnState, Safety};
use docket_core::fields::FieldSpec;
use docket_core::typedef::{TypeDefinition, TypeFileError};

mod ai;
mod attachments;
mod comments;
mod delivery;
mod discord;
mod email;
mod intake;
mod mailboxes;
mod public;
mod requesters;
pub mod routing;
pub use ai::*;
pub use attachments::*;
pub use comments::*;
pub use delivery::*;
pub use discord::*;
pub use docket_core::summary::{Sentiment, SummaryAuthor, SummaryContent, TicketSummary};
pub use email::*;
pub use intake::*;
pub use mailboxes::*;
pub use public::*;
// The enums the bodies above carry, so a client needs no dependency on docket-core.
pub use docket_core::sla::report::GroupBy;
pub use docket_core::ticket::{CommentKind, Priority, SourceChannel};
pub use docket_core::typedef::FieldError;
pub use requesters::*;
pub use routing::*;

/// An RFC 9457 problem document. Validation problems list every failing field.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Problem {
    #[serde(rename = "type")]
    pub kind: String,
    pub title: String,
    pub status: u16,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
    /// Each failing field, by JSON pointer into the request (or `/query/<param>`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<FieldError>,
    /// For type files: each problem with its line and column.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub type_errors: Vec<TypeFileError>,
    /// For refused type changes: the plan that was refused.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub plan: Option<Box<TypePlan>>,
    /// The request's id (also its `X-Request-Id` header), which the server's log lines
    /// for it carry: quote it when reporting an error.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request_id: Option<String>,
}

/// Who opened a ticket: an existing requester id, or identities to find or create one.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RequesterInput {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(example = "ada@example.com")]
    pub email: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub discord_id: Option<String>,
    /// The Discord member's name, shown beside their id (kept up to date by each create
    /// that sends it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub discord_name: Option<String>,
    /// The requester's organisation; SLA policies can select on it. When given, it
    /// replaces what was known about the requester.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(example = "Acme Corp")]
    pub organization: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TicketCreate {
    /// The ticket type's slug.
    #[serde(rename = "type")]
    #[schema(example = "it_support")]
    pub type_slug: String,
    #[schema(example = "Laptop will not boot")]
    pub title: String,
    #[serde(default)]
    pub body: String,
    /// A state of the type's workflow; `new` when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
    /// The type's default priority when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub priority: Option<Priority>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub requester: Option<RequesterInput>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub assignee_id: Option<i64>,
    /// The slug of the team to work the ticket; the first existing team of the type's
    /// `teams` when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub team: Option<String>,
    /// Where the ticket came from; `api` when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<SourceChannel>,
    /// The id of the ticket in its source (an email's Message-ID, a Discord channel...).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source_ref: Option<String>,
    #[serde(default)]
    pub tags: Vec<String>,
    /// The type's own fields, validated against its schema.
    #[serde(default)]
    #[schema(value_type = Object)]
    pub fields: Map<String, Value>,
}

/// A partial update. Absent members are left as they are; in `fields`, null clears a field.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TicketUpdate {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub body: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub priority: Option<Priority>,
    /// A user id, or null to unassign.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        with = "double_option"
    )]
    #[schema(value_type = Option<i64>)]
    pub assignee_id: Option<Option<i64>>,
    /// A team's slug, or null to clear the team.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        with = "double_option"
    )]
    #[schema(value_type = Option<String>)]
    pub team: Option<Option<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tags: Option<Vec<String>>,
    #[serde(default)]
    #[schema(value_type = Object)]
    pub fields: Map<String, Value>,
}

/// Distinguishes an absent member from an explicit null.
mod double_option {
    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    pub fn serialize<T: Serialize, S: Serializer>(
        v: &Option<Option<T>>,
        s: S,
    ) -> Result<S::Ok, S::Error> {
        v.serialize(s)
    }

    pub fn deserialize<'de, T: Deserialize<'de>, D: Deserializer<'de>>(
        d: D,
    ) -> Result<Option<Option<T>>, D::Error> {
        Option::<T>::deserialize(d).map(Some)
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct RequesterOut {
    pub id: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub organization: Option<String>,
    pub identities: Vec<IdentityOut>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct IdentityOut {
    /// `email`, `discord`, ...
    pub kind: String,
    pub value: String,
    /// How it is shown (a Discord member's name beside their id), where known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
}

/// A ticket: the core fields at the top level, the type's own fields under `fields`.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct TicketOut {
    pub id: i64,
    #[schema(example = "IT-1042")]
    pub key: String,
    #[serde(rename = "type")]
    pub type_slug: String,
    pub type_version: i32,
    pub title: String,
    pub body: String,
    pub status: String,
    pub status_category: String,
    pub priority: Priority,
    #[serde(default)]
    pub requester: Option<RequesterOut>,
    #[serde(default)]
    pub assignee_id: Option<i64>,
    /// The slug of the team working the ticket.
    #[serde(default)]
    pub team: Option<String>,
    pub source: String,
    #[serde(default)]
    pub source_ref: Option<String>,
    pub tags: Vec<String>,
    #[schema(value_type = Object)]
    pub fields: Map<String, Value>,
    /// Changes on every update; send it back in `If-Match`.
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    #[serde(default)]
    pub first_response_at: Option<DateTime<Utc>>,
    #[serde(default)]
    pub resolved_at: Option<DateTime<Utc>>,
    #[serde(default)]
    pub closed_at: Option<DateTime<Utc>>,
    #[serde(default)]
    pub deleted_at: Option<DateTime<Utc>>,
    /// When each SLA clock that is counting falls due; null while paused, once met, or
    /// without a target. `GET /tickets/{key}/sla` has the whole picture.
    pub sla: SlaDue,
    /// What the ticket came to (issue, resolution, open points), AI-written on close or
    /// by staff; `PUT /tickets/{key}/summary` writes it.
    #[serde(default)]
    pub summary: Option<TicketSummary>,
    /// The latest AI triage suggestion (applied or not); `POST /tickets/{key}/triage/apply`
    /// applies one made in `suggest` mode.
    #[serde(default)]
    pub triage: Option<docket_core::ai::TriageSuggestion>,
    /// A recent ticket of the same requester this one reads like (flagged at create);
    /// `POST /tickets/{key}/merge` merges them, `.../duplicate/dismiss` clears the flag.
    #[serde(default)]
    pub possible_duplicate_of: Option<String>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
pub struct SlaDue {
    #[serde(default)]
    pub first_response_due_at: Option<DateTime<Utc>>,
    #[serde(default)]
    pub next_response_due_at: Option<DateTime<Utc>>,
    #[serde(default)]
    pub resolution_due_at: Option<DateTime<Utc>>,
    /// The earliest of the three: when this ticket next breaches if nobody acts. The list
    /// filters and sorts on it as `sla_due_at`.
    #[serde(default)]
    pub due_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct TicketPage {
    pub items: Vec<TicketOut>,
    /// Pass as `cursor` for the next page; null on the last page.
    pub next_cursor: Option<String>,
}

/// One entry of a ticket's audit trail.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct EventOut {
    pub id: i64,
    pub actor: String,
    /// `created`, a core field, `fields.<name>`, `comment` or `deleted`.
    pub field: String,
    /// Any JSON value (null when the field had none).
    #[schema(value_type = Value)]
    pub old: Option<Value>,
    /// Any JSON value (null when the field was cleared).
    #[schema(value_type = Value)]
    pub new: Option<Value>,
    pub at: DateTime<Utc>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct EventPage {
    pub items: Vec<EventOut>,
    pub next_cursor: Option<String>,
}

/// A ticket type in lists.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct TypeSummary {
    pub slug: String,
    pub name: String,
    #[serde(default)]
    pub description: Option<String>,
    pub key_prefix: String,
    pub version: i32,
    /// `file` (read-only through the API) or `api`.
    pub source: String,
    /// The type file that manages it, for `file` types.
    #[serde(default)]
    pub source_path: Option<String>,
}

/// A ticket type with everything a client needs to validate and render a form.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct TypeDetail {
    #[serde(flatten)]
    pub summary: TypeSummary,
    pub default_priority: Priority,
    /// The JSON Schema the server validates `fields` with.
    #[schema(value_type = Object)]
    pub schema: Value,
    /// Form hints (uiSchema conventions).
    #[schema(value_type = Object)]
    pub ui: Value,
    pub fields: Vec<FieldSpec>,
    /// Kept columns of removed fields.
    pub hidden_columns: Vec<String>,
    pub definition: TypeDefinition,
}

/// A type change, planned or applied.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct TypePlan {
    pub slug: String,
    pub from_version: Option<i32>,
    pub to_version: i32,
    pub noop: bool,
    pub safety: Safety,
    pub changes: Vec<Change>,
    /// The SQL the change runs, in order.
    pub ddl: Vec<String>,
    pub columns: Vec<ColumnState>,
    /// Roughly how long applying takes, in seconds, from the number of stored tickets:
    /// index builds and value conversions (on PostgreSQL, index builds on existing
    /// tables run after the change commits and do not block ticket writes).
    #[serde(default)]
    pub expected_seconds: f64,
    /// Whether this request applied it.
    pub applied: bool,
}

/// A type definition to plan or apply, with whether destructive changes are allowed.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TypeApply {
    #[schema(value_type = Object)]
    pub definition: Value,
    #[serde(default)]
    pub allow_destructive: bool,
}

/// One version of a type.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct TypeVersionOut {
    pub version: i32,
    pub source: String,
    #[serde(default)]
    pub source_path: Option<String>,
    pub applied_by: String,
    pub applied_at: DateTime<Utc>,
    pub ddl: Vec<String>,
    pub changes: Vec<Change>,
    pub definition: TypeDefinition,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Health {
    pub status: String,
    pub database: String,
    pub schema_generation: i64,
}

// ---- identity and access ----

pub use docket_core::access::{Role, Scope, UserKind};

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct UserOut {
    pub id: i64,
    pub email: String,
    pub display_name: String,
    pub role: Role,
    pub kind: UserKind,
    pub active: bool,
    /// Tags used to route tickets to people who know the subject.
    pub skills: Vec<String>,
    /// How many open tickets the user can carry: routing gives them no more (0: none).
    pub capacity: i32,
    /// `away`: routing skips them.
    #[serde(default)]
    pub availability: Availability,
    /// Slugs of the user's teams.
    pub teams: Vec<String>,
    pub has_password: bool,
    pub created_at: DateTime<Utc>,
    #[serde(default)]
    pub last_login_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UserCreate {
    pub email: String,
    pub display_name: String,
    pub role: Role,
    /// `service` accounts have no password and act through API tokens.
    #[serde(default = "person")]
    pub kind: UserKind,
    /// For people; at least 12 characters. Without one, the user cannot log in yet.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub password: Option<String>,
    #[serde(default)]
    pub skills: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub capacity: Option<i32>,
}

fn person() -> UserKind {
    UserKind::Person
}

/// An admin's change to a user; absent members are left as they are.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UserUpdate {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub display_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role: Option<Role>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub active: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub skills: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub capacity: Option<i32>,
    /// Sets a new password (and ends the user's sessions).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub password: Option<String>,
}

/// A user's change to their own account.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MeUpdate {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub display_name: Option<String>,
    /// A new password; needs `current_password`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub password: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub current_password: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LoginRequest {
    pub email: String,
    pub password: String,
}

/// The signed-in user. `csrf_token` must be sent as `X-CSRF-Token` with every request
/// that changes something while the session cookie authenticates.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Me {
    pub user: UserOut,
    /// `session` or `token`.
    pub via: String,
    #[serde(default)]
    pub csrf_token: Option<String>,
    /// The token's scopes, when a token authenticates.
    #[serde(default)]
    pub scopes: Vec<Scope>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct SetupStatus {
    /// True until the first admin exists.
    pub needed: bool,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SetupRequest {
    /// The one-time token `docket serve` printed.
    pub token: String,
    pub email: String,
    pub display_name: String,
    pub password: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct TeamOut {
    pub slug: String,
    pub name: String,
    pub description: String,
    /// User ids.
    pub members: Vec<i64>,
    /// Ticket types this team handles (from the types' `teams`).
    pub types: Vec<String>,
    /// How the team's new tickets reach an agent.
    #[serde(default)]
    pub routing: RoutingRule,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TeamCreate {
    pub slug: String,
    pub name: String,
    #[serde(default)]
    pub description: String,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TeamUpdate {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// The team's assignment rule.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub routing: Option<RoutingRule>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct TokenOut {
    pub id: i64,
    pub user_id: i64,
    pub name: String,
    /// The first characters of the token, to recognise it.
    pub prefix: String,
    pub scopes: Vec<Scope>,
    #[serde(default)]
    pub expires_at: Option<DateTime<Utc>>,
    #[serde(default)]
    pub last_used_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    #[serde(default)]
    pub revoked_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TokenCreate {
    pub name: String,
    pub scopes: Vec<Scope>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires_at: Option<DateTime<Utc>>,
    /// Admins may create tokens for another user (a service account); default: yourself.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_id: Option<i64>,
}

/// A new token: `token` is shown this once and never again.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct TokenCreated {
    pub token: String,
    #[serde(flatten)]
    pub info: TokenOut,
}

/// A stored secret: never its value, only that it is set.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct SecretOut {
    pub name: String,
    pub is_set: bool,
    pub updated_by: String,
    pub updated_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SecretPut {
    pub value: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct AuditEntryOut {
    pub id: i64,
    pub actor: String,
    /// e.g. `login.failure`, `token.create`, `user.update`, `type.apply`.
    pub action: String,
    pub target: String,
    #[schema(value_type = Value)]
    pub detail: Value,
    #[serde(default)]
    pub ip: Option<String>,
    pub at: DateTime<Utc>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct AuditPage {
    pub items: Vec<AuditEntryOut>,
    pub next_cursor: Option<String>,
}

/// A business calendar as stored.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct CalendarOut {
    pub name: String,
    /// What `PUT` takes.
    pub spec: docket_core::sla::spec::CalendarSpec,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// What an iCalendar import did.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct CalendarImport {
    /// Holidays found in the file.
    pub imported: usize,
    /// Of those, how many the calendar did not have yet.
    pub added: usize,
    pub calendar: CalendarOut,
}

/// An SLA policy as stored.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct PolicyOut {
    pub name: String,
    /// What `PUT` takes.
    pub spec: docket_core::sla::policy::PolicySpec,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// One SLA clock of a ticket, evaluated at the time of the request.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ClockOut {
    pub metric: docket_core::sla::policy::Metric,
    /// Next response starts a new cycle with each unanswered requester reply.
    pub cycle: i32,
    pub phase: docket_core::sla::clock::Phase,
    pub started_at: DateTime<Utc>,
    #[serde(default)]
    pub stopped_at: Option<DateTime<Utc>>,
    /// When the target is (or was) reached in business time; null while paused short of
    /// it, or without a target.
    #[serde(default)]
    pub due_at: Option<DateTime<Utc>>,
    #[serde(default)]
    pub breached_at: Option<DateTime<Utc>>,
    #[serde(default)]
    pub target_seconds: Option<i64>,
    /// Business time counted so far.
    pub elapsed_seconds: i64,
    /// Business time left (negative once breached).
    #[serde(default)]
    pub remaining_seconds: Option<i64>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ClockEventOut {
    pub metric: docket_core::sla::policy::Metric,
    pub cycle: i32,
    pub kind: docket_core::sla::clock::ClockEventKind,
    pub at: DateTime<Utc>,
    /// What caused it: `status pending`, `staff reply`, `requester reply`...
    pub reason: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct EscalationOut {
    pub metric: docket_core::sla::policy::Metric,
    pub cycle: i32,
    pub threshold: docket_core::sla::policy::Threshold,
    pub reached_at: DateTime<Utc>,
    pub fired_at: DateTime<Utc>,
    /// A warning found together with its breach: recorded, not acted on.
    pub superseded: bool,
}

/// A ticket's SLA: the policy that governs it, its clocks now, their history and the
/// escalations fired.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct TicketSlaOut {
    #[serde(default)]
    pub policy: Option<String>,
    /// The policy's calendar; null means around the clock.
    #[serde(default)]
    pub calendar: Option<String>,
    pub clocks: Vec<ClockOut>,
    pub events: Vec<ClockEventOut>,
    pub escalations: Vec<EscalationOut>,
}

/// The SLA report over a period.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct SlaReportOut {
    pub from: DateTime<Utc>,
    pub to: DateTime<Utc>,
    pub group_by: docket_core::sla::report::GroupBy,
    pub rows: Vec<docket_core::sla::report::ReportRow>,
    pub total: docket_core::sla::report::ReportRow,
    /// Exit survey answers given in the period, by the same grouping.
    pub satisfaction: Vec<docket_core::sla::report::SatisfactionRow>,
    pub satisfaction_total: docket_core::sla::report::SatisfactionRow,
}

/// A notification from the outbox (SLA warnings, breaches...).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct NotificationOut {
    pub id: i64,
    /// `sla.warning`, `sla.breach`, `sla.still_breached`.
    pub topic: String,
    #[serde(default)]
    pub ticket: Option<String>,
    #[schema(value_type = Object)]
    pub payload: Value,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct NotificationPage {
    pub items: Vec<NotificationOut>,
    pub next_cursor: Option<String>,
}

/// One change to a ticket on the live stream (`GET /stream`, event `ticket`): which
/// ticket, which fields, by whom. Clients refetch what they show of it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct TicketChange {
    /// The newest audit-trail id in this change; also the event's SSE `id`.
    pub event_id: i64,
    pub ticket_id: i64,
    pub key: String,
    #[serde(rename = "type")]
    pub type_slug: String,
    /// Where the ticket came from (`discord`, `email`...), so an integration skips the
    /// others without reading them.
    #[serde(default)]
    pub source: String,
    /// The fields that changed, as in the audit trail (`status`, `comment`, `created`...).
    pub changes: Vec<String>,
    pub actor: String,
    pub at: DateTime<Utc>,
}

/// A saved queue view: a named ticket-list query.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ViewOut {
    pub id: i64,
    pub name: String,
    /// The `GET /tickets` query string, without `cursor` (e.g.
    /// `status_category.in=new,open&sort=-priority`).
    pub query: String,
    /// Shown to everybody; only admins share views.
    pub shared: bool,
    pub owner_id: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ViewCreate {
    pub name: String,
    pub query: String,
    #[serde(default)]
    pub shared: bool,
}

/// A partial change to a view.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ViewUpdate {
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub query: Option<String>,
    #[serde(default)]
    pub shared: Option<bool>,
}
